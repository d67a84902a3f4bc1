//! Server-rendered pages (askama), zh-CN by default, phone-sized first.

mod appeal_rules;
pub mod appeals;
mod citizen;
mod citizen_appeals;
mod community;
mod forces;
mod inbox;
mod map;
mod mediation;
mod mediation_brands;
mod meetings;
mod party;
mod prepaid;
mod safety;
mod stations;
mod volunteers;
mod wishes;

use crate::AppState;
use crate::auth::{CurrentActor, SESSION_COOKIE, cookie, password_login, set_cookie};
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::{LANG_COOKIE, Lang};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use pingan_domain::access::{Action, Placement, Resource};
use pingan_domain::org::{OrgKind, OrgPatch};
use pingan_domain::region::RegionLevel;
use pingan_domain::{Actor, FieldError};
use pingan_store::audit::AuditFilter;
use pingan_store::orgs::{Org, OrgFilter};
use pingan_store::regions::{Region, RegionSummary};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/home") }))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout_submit))
        .route("/lang/{code}", get(switch_lang))
        .route("/home", get(home))
        .route("/regions", get(regions_root))
        .route("/regions/{id}", get(region_page))
        .route("/map", get(map_root))
        .route("/map/{id}", get(map::map_page))
        .route("/orgs", get(orgs_page))
        .route("/orgs/{id}", get(org_edit_page).post(org_edit_submit))
        .route("/audit", get(audit_page))
        .route("/audit/trail/{kind}/{id}", get(audit_trail_page))
        .merge(citizen::router())
        .merge(appeals::router())
        .merge(appeal_rules::router())
        .merge(citizen_appeals::router())
        .merge(mediation::router())
        .merge(mediation_brands::router())
        .merge(inbox::router())
        .merge(safety::router())
        .merge(prepaid::router())
        .merge(forces::router())
        .merge(meetings::router())
        .merge(party::router())
        .merge(stations::router())
        .merge(wishes::router())
        .merge(volunteers::router())
        .merge(community::router())
}

/// What every page's frame needs: language, the signed-in account, the CSRF token.
pub struct Ui {
    pub lang: Lang,
    pub actor: Option<Actor>,
    pub csrf: String,
}

impl Ui {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn is_staff(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role.is_staff())
    }

    /// A unit's contact: their menu is their unit's safe creation only.
    pub fn is_unit(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role == pingan_domain::Role::UnitContact)
    }

    pub fn can_prepaid(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.permits(Action::Read, Resource::Prepaid))
    }

    pub fn can_tasks(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.permits(Action::Read, Resource::Task))
    }

    pub fn can_forces(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.permits(Action::Read, Resource::Forces))
    }

    pub fn can_audit(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.permits(Action::Read, Resource::Audit))
    }

    fn for_actor(headers: &HeaderMap, current: &CurrentActor) -> Ui {
        Ui { lang: Lang::from_headers(headers), actor: Some(current.actor.clone()), csrf: current.csrf_token.clone() }
    }

    pub fn level_name(&self, level: RegionLevel) -> &'static str {
        match self.lang {
            Lang::Zh => level.zh(),
            Lang::En => level.en(),
        }
    }
}

/// Anyone signed in (staff or resident), for pages both use.
pub struct PageSession(pub CurrentActor);

impl FromRequestParts<AppState> for PageSession {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PageSession(CurrentActor::from_request_parts(parts, state).await?))
    }
}

/// The signed-in staff member for a page; without a session, a redirect to sign-in.
pub struct PageActor(pub CurrentActor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let current = CurrentActor::from_request_parts(parts, state).await?;
        if !current.actor.role.is_staff() {
            return Err(AppError::Forbidden("此页面仅限工作人员 / staff only".into()).into());
        }
        Ok(PageActor(current))
    }
}

/// A refused form action: the status and the message to show on the page it came from, or the
/// error page for faults and for what the actor may not see at all.
pub(crate) fn form_refusal(e: AppError) -> Result<(StatusCode, String), PageError> {
    let (status, message) = e.status_and_message();
    if status.is_server_error() || status == StatusCode::NOT_FOUND {
        return Err(PageError(e));
    }
    let message = match &e {
        AppError::Invalid(fields) => {
            fields.iter().map(|f| format!("{}:{}", f.field, f.message)).collect::<Vec<_>>().join(";")
        }
        _ => message,
    };
    Ok((status, message))
}

/// Answer a submitted form: on success go to `back`; on a refusal render the page again
/// (`again(kept form, message)`) with what was typed kept and the reason shown, with the
/// refusal's status.
pub(crate) async fn form_answer(
    result: Result<(), AppError>,
    back: &str,
    form: Form,
    again: impl AsyncFnOnce(Form, String) -> PageResult<String>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(back).into_response()),
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            let mut kept = form;
            kept.remove("_csrf");
            Ok((status, Html(again(kept, message).await?)).into_response())
        }
    }
}

/// A submitted form or query string, field by field.
pub(crate) type Form = std::collections::BTreeMap<String, String>;

/// A form field, trimmed; "" when absent.
pub(crate) fn form_text<'a>(form: &'a Form, key: &str) -> &'a str {
    form.get(key).map_or("", |s| s.trim())
}

/// An instant in China time to the minute, as lists and timelines show it.
pub(crate) fn china_minute(ms: i64) -> String {
    pingan_domain::calendar::to_china(ms).format("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render()?))
}

// ---- sign-in -------------------------------------------------------------

/// Before a session exists, the login form is protected by a double-submit token:
/// a random value in a cookie that the form must repeat.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "pingan_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ui: Ui,
    error: Option<String>,
    username: String,
}

async fn login_page(headers: HeaderMap, State(state): State<AppState>) -> PageResult<Response> {
    let token = pingan_store::accounts::random_token();
    let ui = Ui { lang: Lang::from_headers(&headers), actor: None, csrf: token.clone() };
    let page = render(LoginPage { ui, error: None, username: String::new() })?;
    let c = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.config.cookie_secure);
    Ok(([(header::SET_COOKIE, c)], page).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> PageResult<Response> {
    let lang = Lang::from_headers(&headers);
    let axum::Form(form) = form?;
    let fresh_token = pingan_store::accounts::random_token();
    let again = |status: StatusCode, error: String, username: String| -> PageResult<Response> {
        let ui = Ui { lang, actor: None, csrf: fresh_token.clone() };
        let page = render(LoginPage { ui, error: Some(error), username })?;
        let c = set_cookie(LOGIN_CSRF_COOKIE, &fresh_token, 3600, state.config.cookie_secure);
        Ok((status, [(header::SET_COOKIE, c)], page).into_response())
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE);
    if expected.is_none() || expected.as_deref() != Some(form.csrf.as_str()) {
        return again(StatusCode::FORBIDDEN, lang.t("login.stale").into(), form.username);
    }
    match password_login(&state, &form.username, &form.password).await {
        Ok((_actor, session)) => {
            let c = set_cookie(
                SESSION_COOKIE,
                &session.token,
                state.config.session.absolute_ms / 1000,
                state.config.cookie_secure,
            );
            Ok(([(header::SET_COOKIE, c)], Redirect::to("/home")).into_response())
        }
        Err(AppError::BadCredentials(_)) => {
            again(StatusCode::UNAUTHORIZED, lang.t("login.failed").into(), form.username)
        }
        Err(AppError::TooManyRequests(_)) => {
            again(StatusCode::TOO_MANY_REQUESTS, lang.t("login.locked").into(), form.username)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> PageResult<Response> {
    current.check_csrf(Some(&form.csrf))?;
    crate::auth::logout(&state, &current, &headers).await?;
    let c = set_cookie(SESSION_COOKIE, "", 0, state.config.cookie_secure);
    let to = if current.actor.role.is_staff() { "/login" } else { "/citizen/login" };
    Ok(([(header::SET_COOKIE, c)], Redirect::to(to)).into_response())
}

async fn switch_lang(State(state): State<AppState>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    // Only same-site referers, so the switch cannot be used as an open redirect.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/home".into());
    let mut c = set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600, state.config.cookie_secure);
    c = c.replace("; HttpOnly", "");
    ([(header::SET_COOKIE, c)], Redirect::to(&back)).into_response()
}

// ---- home ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ui: Ui,
    actor: Actor,
    role_name: &'static str,
    scope: Region,
    counts: Vec<(&'static str, i64)>,
    org_total: i64,
    tasks: Vec<(String, &'static str)>,
}

async fn home(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let actor = current.actor.clone();
    let scope = state.store.scope_root(&actor.scope).await?;
    let by_level = state.store.level_counts(&actor.scope).await?;
    let counts = [RegionLevel::County, RegionLevel::Township, RegionLevel::Village, RegionLevel::Grid]
        .into_iter()
        .filter(|l| *l > scope.level)
        .map(|l| (ui.t(&format!("level.{}", l.as_str())), by_level.get(&l).copied().unwrap_or(0)))
        .collect();
    let (_, org_total) = state.store.orgs(&actor.scope, &OrgFilter { limit: 1, ..Default::default() }).await?;
    let mut tasks = vec![
        (format!("/regions/{}", scope.id), ui.t("nav.regions")),
        (format!("/map/{}", scope.id), ui.t("nav.map")),
        ("/orgs".to_owned(), ui.t("nav.orgs")),
        ("/orgs?kind=red_station".to_owned(), if ui.lang == Lang::Zh { "红色驿站" } else { "Red stations" }),
    ];
    if ui.can_forces() {
        tasks.push(("/meetings".into(), ui.t("nav.meetings")));
    }
    if ui.can_audit() {
        tasks.push(("/audit".into(), ui.t("nav.audit")));
    }
    let role_name = match ui.lang {
        Lang::Zh => actor.role.zh(),
        Lang::En => actor.role.en(),
    };
    render(HomePage { ui, actor, role_name, scope, counts, org_total, tasks })
}

// ---- regions -------------------------------------------------------------

async fn regions_root(PageActor(current): PageActor) -> Redirect {
    Redirect::to(&format!("/regions/{}", current.actor.scope.region.id()))
}

async fn map_root(PageActor(current): PageActor) -> Redirect {
    Redirect::to(&format!("/map/{}", current.actor.scope.region.id()))
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    ui: Ui,
    region: Region,
    level_name: &'static str,
    ancestors: Vec<Region>,
    children: Vec<RegionSummary>,
}

/// Ancestors that are inside the actor's scope (links above the scope root would only 404).
pub(crate) async fn visible_ancestors(state: &AppState, actor: &Actor, region: &Region) -> PageResult<Vec<Region>> {
    let all = state.store.ancestors(region).await?;
    Ok(all.into_iter().filter(|a| a.id != region.id && actor.scope.covers_region(&a.path)).collect())
}

async fn region_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Read, Resource::Region)?;
    let region = state.store.region(&current.actor.scope, id).await?;
    let ancestors = visible_ancestors(&state, &current.actor, &region).await?;
    let children = state.store.children(&current.actor.scope, id).await?;
    let ui = Ui::for_actor(&headers, &current);
    let level_name = ui.level_name(region.level);
    render(RegionPage { ui, region, level_name, ancestors, children })
}

// ---- organisations -------------------------------------------------------

#[derive(Deserialize)]
struct OrgQuery {
    kind: Option<String>,
    q: Option<String>,
    region_id: Option<i64>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    ui: Ui,
    orgs: Vec<crate::api::OrgDto>,
    total: i64,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    q: String,
    region_id: Option<i64>,
    can_edit: bool,
    prev: Option<String>,
    next: Option<String>,
}

const PAGE_SIZE: i64 = 50;
/// Far beyond any real list; keeps offsets from overflowing.
pub(crate) const MAX_PAGE: i64 = 1_000_000;

async fn orgs_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(p): Query<OrgQuery>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Read, Resource::Org)?;
    let page = p.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let kind_str = p.kind.clone().unwrap_or_default();
    let kind = match kind_str.as_str() {
        "" => None,
        k => Some(
            OrgKind::parse(k).ok_or_else(|| AppError::BadRequest(format!("未知的机构类型 '{k}' / unknown kind")))?,
        ),
    };
    let filter = OrgFilter {
        kind,
        region_id: p.region_id,
        q: p.q.clone(),
        industry: None,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let (orgs, total) = state.store.orgs(&current.actor.scope, &filter).await?;
    let ui = Ui::for_actor(&headers, &current);
    let href = |n: i64| {
        let mut s = format!("/orgs?page={n}&kind={kind_str}&q={}", urlencode(p.q.as_deref().unwrap_or("")));
        if let Some(r) = p.region_id {
            s.push_str(&format!("&region_id={r}"));
        }
        s
    };
    let kinds = OrgKind::ALL.iter().map(|k| (k.as_str(), if ui.lang == Lang::Zh { k.zh() } else { k.en() })).collect();
    render(OrgsPage {
        can_edit: current.actor.permits(Action::Update, Resource::Org),
        orgs: orgs.iter().map(crate::api::OrgDto::from).collect(),
        total,
        kinds,
        kind: kind_str.clone(),
        q: p.q.clone().unwrap_or_default(),
        region_id: p.region_id,
        prev: (page > 1).then(|| href(page - 1)),
        next: (page * PAGE_SIZE < total).then(|| href(page + 1)),
        ui,
    })
}

#[derive(Template)]
#[template(path = "org_edit.html")]
struct OrgEditPage {
    ui: Ui,
    org: Org,
    kind_name: &'static str,
    saved: bool,
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
}

async fn org_edit_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> PageResult<Html<String>> {
    let org = state.store.org(&current.actor.scope, id).await?;
    // The full check, with the organisation: department staff edit only their own.
    current.actor.authorize(
        Action::Update,
        Resource::Org,
        &Placement { region: &org.region_path, org_id: Some(id) },
    )?;
    let ui = Ui::for_actor(&headers, &current);
    let kind_name = if ui.lang == Lang::Zh { org.kind.zh() } else { org.kind.en() };
    render(OrgEditPage { ui, org, kind_name, saved: q.saved.is_some(), errors: vec![] })
}

#[derive(Deserialize)]
struct OrgForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: Option<i64>,
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    opening_hours: Option<String>,
}

async fn org_edit_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<axum::Form<OrgForm>, axum::extract::rejection::FormRejection>,
) -> PageResult<Response> {
    let axum::Form(form) = form?;
    current.check_csrf(Some(&form.csrf))?;
    let patch = OrgPatch {
        version: form.version,
        name: form.name,
        address: form.address,
        phone: form.phone,
        opening_hours: form.opening_hours,
    };
    match patch.checked() {
        Ok(patch) => {
            state.store.update_org(&current.actor, id, &patch).await?;
            Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response())
        }
        Err(errors) => {
            let org = state.store.org(&current.actor.scope, id).await?;
            current.actor.authorize(
                Action::Update,
                Resource::Org,
                &Placement { region: &org.region_path, org_id: Some(id) },
            )?;
            let ui = Ui::for_actor(&headers, &current);
            let kind_name = if ui.lang == Lang::Zh { org.kind.zh() } else { org.kind.en() };
            let page = render(OrgEditPage { ui, org, kind_name, saved: false, errors })?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

// ---- audit ---------------------------------------------------------------

#[derive(Deserialize)]
struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    page: Option<i64>,
}

pub struct AuditRow {
    time: String,
    actor: String,
    action: String,
    target: String,
    success: bool,
    change: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ui: Ui,
    events: Vec<AuditRow>,
    total: i64,
    action: String,
    actor_filter: String,
    prev: Option<String>,
    next: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Read, Resource::Audit)?;
    let page = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let action = q.action.clone().unwrap_or_default();
    let actor_filter = q.actor.clone().unwrap_or_default();
    let filter = AuditFilter {
        action_prefix: Some(action.clone()).filter(|s| !s.is_empty()),
        actor_name: Some(actor_filter.clone()).filter(|s| !s.is_empty()),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        ..Default::default()
    };
    let (records, total) = state.store.audit_events(&current.actor.scope, &filter).await?;
    let events = records
        .into_iter()
        .map(|r| AuditRow {
            time: format_time(r.event.at_ms),
            actor: r.event.actor_name,
            action: r.event.action,
            target: format!("{} {}", r.event.target_kind, r.event.target_id.map(|i| i.to_string()).unwrap_or_default()),
            success: r.event.success,
            change: summarize_change(&r.event.before, &r.event.after),
        })
        .collect();
    let href = |n: i64| format!("/audit?page={n}&action={}&actor={}", urlencode(&action), urlencode(&actor_filter));
    render(AuditPage {
        ui: Ui::for_actor(&headers, &current),
        events,
        total,
        prev: (page > 1).then(|| href(page - 1)),
        next: (page * PAGE_SIZE < total).then(|| href(page + 1)),
        action: action.clone(),
        actor_filter: actor_filter.clone(),
    })
}

pub struct TrailRow {
    time: String,
    actor: String,
    action: String,
    success: bool,
    change: String,
    ledger_index: Option<u64>,
    bundle_url: Option<String>,
    salt: Option<String>,
    redacted: bool,
}

#[derive(Template)]
#[template(path = "audit_trail.html")]
struct AuditTrailPage {
    ui: Ui,
    kind: String,
    id: i64,
    events: Vec<TrailRow>,
}

/// 审计与存证: one record's audit trail with each event's ledger entry and its evidence bundle.
async fn audit_trail_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, i64)>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Read, Resource::Audit)?;
    let trail = crate::api::audit::trail_of(&state, &current.actor.scope, &kind, id).await?;
    let events = trail
        .into_iter()
        .map(|t| TrailRow {
            time: format_time(t.event.at_ms),
            change: summarize_change(&t.event.before, &t.event.after),
            actor: t.event.actor_name,
            action: t.event.action,
            success: t.event.success,
            ledger_index: t.ledger_index,
            bundle_url: t.bundle_url,
            salt: t.salt,
            redacted: t.redacted,
        })
        .collect();
    render(AuditTrailPage { ui: Ui::for_actor(&headers, &current), kind, id, events })
}

/// "field: old → new" for the fields that changed.
fn summarize_change(before: &serde_json::Value, after: &serde_json::Value) -> String {
    match (before.as_object(), after.as_object()) {
        (Some(b), Some(a)) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}: {} → {}", b.get(k).unwrap_or(&serde_json::Value::Null), v))
            .collect::<Vec<_>>()
            .join("; "),
        (None, Some(_)) => after.to_string(),
        _ => String::new(),
    }
}

/// Beijing time; China has one time zone and no daylight saving.
pub fn format_time(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
