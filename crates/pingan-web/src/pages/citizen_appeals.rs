//! Residents' appeal pages (微连心 "我要报事"): the phone-sized report form with category
//! suggestions as they type and the place by position, map or list; their own cases with the
//! timeline, added information and the rating; and the public page for a tracking code.

use super::appeals::{event_zh, intake_request};
use super::{PageSession, Ui, render};
use crate::AppState;
use crate::api::appeals::{category_name, command_from_json, parse_intake};
use crate::auth::CurrentActor;
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::appeal::AppealState;
use pingan_domain::geometry::{BBox, SvgProjection};
use pingan_domain::region::{RegionLevel, RegionPath};
use pingan_domain::{FieldError, Scope};
use pingan_store::appeals::{AppealFilter, AppealRecord};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen/report", get(report_page).post(report_submit))
        .route("/citizen/cases", get(my_cases))
        .route("/citizen/cases/{id}", get(my_case))
        .route("/citizen/cases/{id}/act", post(my_case_act))
        .route("/track", get(track_lookup))
        .route("/track/{code}", get(track_page))
}

/// The resident behind a page; staff are sent to their own pages, strangers to sign-in.
fn resident(session: Result<PageSession, PageError>, back: &str) -> Result<CurrentActor, Redirect> {
    match session {
        Ok(PageSession(c)) if !c.actor.role.is_staff() => Ok(c),
        Ok(_) => Err(Redirect::to("/appeals")),
        Err(_) => Err(Redirect::to(&format!("/citizen/login?next={back}"))),
    }
}

fn ui_for(headers: &HeaderMap, c: &CurrentActor) -> Ui {
    Ui { lang: Lang::from_headers(headers), actor: Some(c.actor.clone()), csrf: c.csrf_token.clone() }
}

/// The whole city, for the public lists of townships and grids.
fn city_scope(state: &AppState) -> Result<Scope, AppError> {
    let region = RegionPath::parse(&state.root_path)
        .ok_or_else(|| AppError::Unavailable("城市尚未导入 / no city loaded yet".into()))?;
    Ok(Scope { region, org_id: None })
}

pub struct GridChoice {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "citizen_report.html")]
struct ReportPage {
    ui: Ui,
    /// (county, [(township id, name)])
    townships: Vec<(String, Vec<(i64, String)>)>,
    township: Option<i64>,
    grids: Vec<GridChoice>,
    map_svg: String,
    categories: Vec<(String, String)>,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
}

impl ReportPage {
    fn val(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn is_township(&self, id: &i64) -> bool {
        self.township == Some(*id)
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(serde::Deserialize, Default)]
struct ReportQuery {
    township: Option<i64>,
}

async fn report_page(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/report") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let mut form = BTreeMap::new();
    if let Some(t) = q.township {
        form.insert("township".to_owned(), t.to_string());
    }
    let page = report_form(&state, ui_for(&headers, &current), q.township, form, Vec::new()).await?;
    Ok(render(page)?.into_response())
}

async fn report_form(
    state: &AppState,
    ui: Ui,
    township: Option<i64>,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
) -> PageResult<ReportPage> {
    let scope = city_scope(state)?;
    let mut townships = Vec::new();
    for county in state.store.children(&scope, scope.region.id()).await? {
        let list = state
            .store
            .children(&scope, county.region.id)
            .await?
            .into_iter()
            .filter(|t| t.region.level == RegionLevel::Township)
            .map(|t| (t.region.id, t.region.name))
            .collect();
        townships.push((county.region.name, list));
    }
    let (grids, map_svg) = match township {
        Some(id) => {
            let shapes = state.store.grid_shapes(&scope, id).await.unwrap_or_default();
            let svg = pick_map(&shapes);
            (shapes.into_iter().map(|g| GridChoice { code: g.code, name: g.name }).collect(), svg)
        }
        None => (Vec::new(), String::new()),
    };
    let rules = state.appeal_rules();
    let categories = rules.categories.iter().map(|c| (c.code.as_str().to_owned(), c.zh.clone())).collect();
    Ok(ReportPage { ui, townships, township, grids, map_svg, categories, form, errors })
}

/// The township's grids as a tap-to-choose SVG map: each grid carries its code; the page's
/// script copies a tapped grid into the form's grid list (the list alone works without script).
fn pick_map(grids: &[pingan_store::regions::GridShape]) -> String {
    let mut bbox = BBox::empty();
    for g in grids {
        bbox.union(&g.ring.bbox());
    }
    if bbox.is_empty() {
        return String::new();
    }
    let proj = SvgProjection::fit(bbox, 600.0);
    let mut svg = format!(
        r#"<svg class="gridmap pick" id="pick-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {:.0} {:.0}" role="img">"#,
        proj.width, proj.height
    );
    for g in grids {
        let _ = write!(
            svg,
            r#"<path d="{}" data-code="{}"><title>{}</title></path>"#,
            proj.path(&g.ring),
            crate::html_escape(&g.code),
            crate::html_escape(&g.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

async fn report_submit(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/report") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let mut req = intake_request(&form);
    // A grid chosen on the map or from the list stands for the place when there is no point.
    if req.lon.is_none() && req.lat.is_none() {
        req.region_code = form.get("grid").map(|g| g.trim().to_owned()).filter(|g| !g.is_empty());
    }
    req.channel = None;
    let rules = state.appeal_rules();
    let filed = async {
        let intake = parse_intake(&state, &current.actor, false, &req, &rules).await?;
        state.store.file_appeal(&current.actor, &intake, &rules, None).await.map_err(AppError::from)
    }
    .await;
    match filed {
        Ok(f) => Ok(Redirect::to(&format!("/citizen/cases/{}", f.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let township = form.get("township").and_then(|t| t.parse().ok());
            let page = report_form(&state, ui_for(&headers, &current), township, form, errors).await?;
            Ok((StatusCode::BAD_REQUEST, render(page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

pub struct CaseLine {
    pub id: i64,
    pub code: String,
    pub when: String,
    pub category: String,
    pub state: String,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "citizen_cases.html")]
struct CasesPage {
    ui: Ui,
    cases: Vec<CaseLine>,
}

async fn my_cases(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/cases") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let (items, _) = state.store.appeals(&current.actor, &AppealFilter { limit: 100, ..Default::default() }).await?;
    let rules = state.appeal_rules();
    let cases = items
        .into_iter()
        .map(|i| CaseLine {
            id: i.id,
            code: i.tracking_code,
            when: pingan_domain::calendar::to_china(i.received_ms).format("%Y-%m-%d %H:%M").to_string(),
            category: category_name(&rules, &i.category),
            state: i.state.zh().into(),
            excerpt: i.excerpt,
        })
        .collect();
    Ok(render(CasesPage { ui: ui_for(&headers, &current), cases })?.into_response())
}

pub struct Step {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "citizen_case.html")]
struct CasePage {
    ui: Ui,
    r: AppealRecord,
    category: String,
    state_name: &'static str,
    steps: Vec<Step>,
    /// The resident's own page (forms), not the public one.
    own: bool,
    can_rate: bool,
    can_add: bool,
    error: Option<String>,
}

fn case_page(ui: Ui, r: AppealRecord, state: &AppState, own: bool, error: Option<String>) -> CasePage {
    let rules = state.appeal_rules();
    let steps = r
        .events
        .iter()
        .map(|e| Step {
            at: pingan_domain::calendar::to_china(e.at_ms).format("%Y-%m-%d %H:%M").to_string(),
            who: e.event.by.zh().into(),
            what: event_zh(&e.event),
        })
        .collect();
    let s = r.snapshot.state;
    CasePage {
        category: category_name(&rules, r.snapshot.category.as_str()),
        state_name: s.zh(),
        can_rate: own && s == AppealState::Closed,
        can_add: own && !s.is_closed() && !matches!(s, AppealState::Merged | AppealState::Transferred),
        steps,
        own,
        error,
        ui,
        r,
    }
}

async fn my_case(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let current = match resident(session, &format!("/citizen/cases/{id}")) {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let r = state.store.appeal(&current.actor, id).await?;
    Ok(render(case_page(ui_for(&headers, &current), r, &state, true, None))?.into_response())
}

/// A resident's two actions: add information while the case is open, rate it once closed.
async fn my_case_act(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let current = match resident(session, &format!("/citizen/cases/{id}")) {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let v = match form.get("action").map(String::as_str) {
        Some("add_information") => json!({"action": "add_information", "text": text("text")}),
        Some("callback") => json!({
            "action": "callback",
            "solved": text("solved") == "true",
            "satisfaction": text("satisfaction"),
            "comment": text("comment"),
        }),
        _ => return Err(AppError::BadRequest("未知的操作 / unknown action".into()).into()),
    };
    let version = form.get("version").and_then(|v| v.parse().ok());
    let rules = state.appeal_rules();
    let result = async {
        let cmd = command_from_json(&state, &current.actor, v).await?;
        state.store.act_on_appeal(&current.actor, id, &cmd, version, &rules).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/citizen/cases/{id}")).into_response()),
        Err(e) => {
            let (status, message) = e.status_and_message();
            if status.is_server_error() || status == StatusCode::NOT_FOUND {
                return Err(PageError(e));
            }
            let message = match &e {
                AppError::Invalid(f) => f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(";"),
                _ => message,
            };
            let r = state.store.appeal(&current.actor, id).await?;
            let page = case_page(ui_for(&headers, &current), r, &state, true, Some(message));
            Ok((status, render(page)?).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
struct TrackQuery {
    code: Option<String>,
}

async fn track_lookup(Query(q): Query<TrackQuery>) -> Redirect {
    match q.code.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty() && c.len() <= 32) {
        Some(code) => Redirect::to(&format!("/track/{}", urlencoding(&code))),
        None => Redirect::to("/citizen"),
    }
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The public page of a tracking code: the case's course, no one's personal data.
async fn track_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    if code.len() > 32 {
        return Err(AppError::NotFound.into());
    }
    let mut r = state.store.appeal_by_tracking_code(&code).await?;
    r.reporter_phone = None;
    r.reporter_name = String::new();
    let ui = Ui { lang: Lang::from_headers(&headers), actor: None, csrf: String::new() };
    render(case_page(ui, r, &state, false, None))
}
