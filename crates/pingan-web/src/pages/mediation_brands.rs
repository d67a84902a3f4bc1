//! The "德为民" brand pages (一县一品牌、一乡一特色、一村一亮点) and a mediator's page: who they
//! are, their figures this year and overall, and their cases.

use super::mediation::{FigureCells, ListRow, figure_cells, list_rows, pick};
use super::{PageActor, Ui, render};
use crate::AppState;
use crate::error::{AppError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::mediation::brand::tier_of;
use pingan_domain::mediation::{BrandKind, DisputeType, RawBrand};
use pingan_store::mediation::{FiguresGroup, FiguresSubset, MediationBrand, MediationFilter};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mediation/brands", get(brands_page))
        .route("/mediation/brands/edit", get(edit_page).post(edit_submit))
        .route("/mediation/studios", axum::routing::post(studio_submit))
        .route("/mediation/brands/{id}/mediators", axum::routing::post(mediator_submit))
        .route("/mediation/brands/{id}", get(brand_page))
        .route("/mediation/mediators/{id}", get(mediator_page))
        .route("/mediation/mediators/{id}/active", axum::routing::post(mediator_active_submit))
}

// ---- the list -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_brands.html")]
struct BrandsPage {
    ui: Ui,
    /// (tier, its brands)
    tiers: Vec<(&'static str, Vec<BrandRow>)>,
    /// Regions the actor may register or change a brand for: (id, name).
    registrable: Vec<(i64, String)>,
    /// Why registering a studio was refused.
    error: Option<String>,
}

struct BrandRow {
    id: i64,
    name: String,
    kind: &'static str,
    region: String,
    lead: String,
}

async fn brands_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    render_brands(&state, &current, &headers, None).await.map(Html)
}

async fn render_brands(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let brands = state.store.mediation_brands(&current.actor).await?;
    let mut tiers: Vec<(&'static str, Vec<BrandRow>)> =
        ["一县一品牌", "一乡一特色", "一村一亮点"].into_iter().map(|t| (t, Vec::new())).collect();
    for b in brands {
        if let Some(tier) = tiers.iter_mut().find(|(t, _)| *t == b.tier) {
            tier.1.push(BrandRow {
                id: b.id,
                kind: pick(lang, b.kind.zh(), b.kind.en()),
                region: b.region_name,
                lead: b.lead.unwrap_or_default(),
                name: b.name,
            });
        }
    }
    let registrable = registrable_regions(state, &current.actor).await?;
    Ok(BrandsPage { ui, tiers, registrable, error }.render()?)
}

/// 登记调解工作室: a named studio in one of the actor's regions, then on to its brand.
async fn studio_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let text = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let req = crate::api::mediation::NewBodyRequest {
        region_id: form.get("region_id").and_then(|v| v.parse().ok()).unwrap_or_default(),
        name: text("name").unwrap_or_default(),
        kind: "studio".into(),
        industry: None,
        phone: text("phone"),
        address: text("address"),
    };
    let created = match crate::api::mediation::parse_new_body(&req) {
        Ok((org, kind, industry)) => {
            state.store.create_mediation_body(&current.actor, &org, kind, industry).await.map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(body) => Ok(Redirect::to(&format!("/mediation/brands/edit?region_id={}", body.region_id)).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            Ok((status, Html(render_brands(&state, &current, &headers, Some(message)).await?)).into_response())
        }
    }
}

/// The regions the actor may register or change a brand for: their own region and the ones
/// directly below it, where a brand belongs (county, township, village).
async fn registrable_regions(
    state: &AppState,
    actor: &pingan_domain::access::Actor,
) -> Result<Vec<(i64, String)>, AppError> {
    if !actor.permits(Action::Update, Resource::Mediation) {
        return Ok(Vec::new());
    }
    let root = state.store.scope_root(&actor.scope).await?;
    let mut out = Vec::new();
    if tier_of(root.level).is_some() {
        out.push((root.id, root.name.clone()));
    }
    for child in state.store.children(&actor.scope, root.id).await? {
        let r = child.region;
        if tier_of(r.level).is_some() && !r.retired {
            out.push((r.id, r.name));
        }
    }
    Ok(out)
}

// ---- one brand ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_brand.html")]
struct BrandPageView {
    ui: Ui,
    b: MediationBrand,
    kind: &'static str,
    figures: Vec<FigureCells>,
    mediators: Vec<(i64, String, String, i64)>,
    can_edit: bool,
    /// Dispute types a new mediator of the studio may specialise in: (code, name).
    types: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn brand_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    render_brand(&state, &current, &headers, id, None).await.map(Html)
}

async fn render_brand(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let page = state.store.mediation_brand_page(&current.actor, id).await?;
    let b = page.brand;
    let figures = vec![
        figure_cells(ui.t("med.this_year").to_owned(), &page.this_year),
        figure_cells(ui.t("med.all_time").to_owned(), &page.all_time),
    ];
    let mediators = match b.body_org_id {
        Some(body) => state
            .store
            .mediators(&current.actor, body)
            .await
            .or_else(|e| match e {
                // A viewer outside the studio's body sees the brand without its roster.
                pingan_store::StoreError::NotFound => Ok(Vec::new()),
                e => Err(e),
            })?
            .into_iter()
            .filter(|m| m.active)
            .map(|m| {
                let spec = m.specialties.iter().map(|t| pick(lang, t.zh(), t.en())).collect::<Vec<_>>().join("、");
                (m.id, m.name, spec, m.open_cases)
            })
            .collect(),
        None => Vec::new(),
    };
    let can_edit =
        current.actor.permits(Action::Update, Resource::Mediation) && current.actor.scope.covers_region(&b.region_path);
    let types = DisputeType::ALL.iter().map(|t| (t.as_str(), pick(lang, t.zh(), t.en()))).collect();
    let view =
        BrandPageView { kind: pick(lang, b.kind.zh(), b.kind.en()), figures, mediators, can_edit, types, error, b, ui };
    Ok(view.render()?)
}

/// A new mediator of a studio brand's body, from the brand's page.
async fn mediator_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let field = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone());
    current.check_csrf(field("_csrf").as_deref())?;
    let brand = state.store.mediation_brand(&current.actor, id).await?;
    let created = match brand.body_org_id {
        None => Err(AppError::BadRequest("调解工作法没有调解员名册 / a method has no roster".into())),
        Some(body_org_id) => {
            let req = crate::api::mediation::NewMediatorRequest {
                body_org_id,
                name: field("name").unwrap_or_default(),
                phone: field("phone"),
                specialties: form.iter().filter(|(k, _)| k == "specialties").map(|(_, v)| v.clone()).collect(),
            };
            match crate::api::mediation::parse_new_mediator(req) {
                Ok(new) => state.store.create_mediator(&current.actor, &new).await.map_err(AppError::from),
                Err(e) => Err(e),
            }
        }
    };
    match created {
        Ok(_) => Ok(Redirect::to(&format!("/mediation/brands/{id}")).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            Ok((status, Html(render_brand(&state, &current, &headers, id, Some(message)).await?)).into_response())
        }
    }
}

// ---- registering or changing a brand ----------------------------------------------

#[derive(Template)]
#[template(path = "mediation_brand_edit.html")]
struct EditPage {
    ui: Ui,
    region_id: i64,
    region_name: String,
    tier: &'static str,
    /// The version being changed; `None` when registering.
    version: Option<i64>,
    form: BTreeMap<String, String>,
    bodies: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
}

impl EditPage {
    fn val(&self, key: &str) -> &str {
        self.form.get(key).map(String::as_str).unwrap_or("")
    }

    fn error(&self, key: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == key).map(|e| e.message.as_str())
    }
}

async fn edit_form(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    region_id: i64,
    posted: Option<BTreeMap<String, String>>,
    errors: Vec<FieldError>,
) -> PageResult<EditPage> {
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    current.actor.require(Action::Update, Resource::Mediation).map_err(AppError::from)?;
    let region = state.store.region(&current.actor.scope, region_id).await?;
    let tier = tier_of(region.level).ok_or_else(|| {
        AppError::BadRequest(
            "品牌只能登记在县(市、区)、乡镇(街道)或村(社区) / a brand belongs to a county, township or village".into(),
        )
    })?;
    let existing = state.store.mediation_brand_of_region(&current.actor, region_id).await?;
    let form = posted.unwrap_or_else(|| {
        let mut f = BTreeMap::new();
        if let Some(b) = &existing {
            f.insert("name".into(), b.name.clone());
            f.insert("kind".into(), b.kind.as_str().into());
            f.insert("summary".into(), b.summary.clone());
            f.insert("body_org_id".into(), b.body_org_id.map(|i| i.to_string()).unwrap_or_default());
            f.insert("lead".into(), b.lead.clone().unwrap_or_default());
        }
        f
    });
    let bodies = state
        .store
        .mediation_bodies(&current.actor, Some(region_id))
        .await?
        .into_iter()
        .map(|b| (b.org_id, b.name))
        .collect();
    Ok(EditPage {
        region_id,
        region_name: region.name,
        tier,
        version: existing.map(|b| b.version),
        form,
        bodies,
        kinds: BrandKind::ALL.iter().map(|k| (k.as_str(), pick(lang, k.zh(), k.en()))).collect(),
        errors,
        ui,
    })
}

fn region_param(q: &BTreeMap<String, String>) -> Result<i64, AppError> {
    q.get("region_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::BadRequest("请选择地区 / choose a region".into()))
}

async fn edit_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    let region_id = region_param(&q)?;
    render(edit_form(&state, &current, &headers, region_id, None, Vec::new()).await?)
}

async fn edit_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let region_id = region_param(&q)?;
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let raw = RawBrand {
        name: text("name"),
        kind: text("kind"),
        summary: text("summary"),
        body_org_id: form.get("body_org_id").and_then(|v| v.trim().parse().ok()),
        lead: text("lead"),
    };
    let version = form.get("version").and_then(|v| v.parse().ok());
    match state.store.save_mediation_brand(&current.actor, region_id, version, &raw).await.map_err(AppError::from) {
        Ok(brand) => Ok(Redirect::to(&format!("/mediation/brands/{}", brand.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let html = edit_form(&state, &current, &headers, region_id, Some(form), errors).await?.render()?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            let errors = vec![FieldError::new("form", message)];
            let html = edit_form(&state, &current, &headers, region_id, Some(form), errors).await?.render()?;
            Ok((status, Html(html)).into_response())
        }
    }
}

// ---- a mediator -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_mediator.html")]
struct MediatorPage {
    ui: Ui,
    name: String,
    body_name: String,
    body_region: String,
    phone: String,
    specialties: String,
    id: i64,
    active: bool,
    /// Whether the actor may stop or restart them.
    can_edit: bool,
    open_cases: i64,
    figures: Vec<FigureCells>,
    rows: Vec<ListRow>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

const PAGE_ROWS: i64 = 50;

async fn mediator_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let lang = ui.lang;
    let (m, body) = state.store.mediator(&current.actor, id).await?;
    let page: i64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, super::MAX_PAGE);
    let filter = MediationFilter {
        mediator_id: Some(id),
        limit: PAGE_ROWS,
        offset: (page - 1) * PAGE_ROWS,
        ..Default::default()
    };
    let subset = FiguresSubset { mediator_id: Some(id), ..FiguresSubset::default() };
    let year_start = pingan_store::mediation::year_start_ms(pingan_store::china_today());
    let now = chrono::Utc::now().timestamp_millis() + 1;
    let store = &state.store;
    let ((items, total), (_, this_year), (_, all_time)) = tokio::try_join!(
        store.mediation_cases(&current.actor, &filter),
        store.mediation_figures(&current.actor, year_start, now, FiguresGroup::Total, &subset),
        store.mediation_figures(&current.actor, 0, now, FiguresGroup::Total, &subset),
    )?;
    let href = |p: i64| format!("/mediation/mediators/{id}?page={p}");
    let can_edit = current.actor.permits(Action::Update, Resource::Mediation)
        && current.actor.scope.covers_region(&body.region_path);
    render(MediatorPage {
        id,
        can_edit,
        name: m.name,
        body_name: body.name,
        body_region: body.region_name,
        phone: m.phone.unwrap_or_default(),
        specialties: m.specialties.iter().map(|t| pick(lang, t.zh(), t.en())).collect::<Vec<_>>().join("、"),
        active: m.active,
        open_cases: m.open_cases,
        figures: vec![
            figure_cells(ui.t("med.this_year").to_owned(), &this_year),
            figure_cells(ui.t("med.all_time").to_owned(), &all_time),
        ],
        rows: list_rows(items, lang),
        total,
        prev: (page > 1).then(|| href(page - 1)),
        next: (page * PAGE_ROWS < total).then(|| href(page + 1)),
        ui,
    })
}

/// Stop or restart a mediator from their page (`active` = `true` or `false`).
async fn mediator_active_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let active = form.get("active").map(|v| v == "true");
    let patch = pingan_store::mediation::MediatorPatch { active, specialties: None };
    state.store.update_mediator(&current.actor, id, &patch).await.map_err(AppError::from)?;
    Ok(Redirect::to(&format!("/mediation/mediators/{id}")).into_response())
}
