//! 在职党员社区报到 pages. The resident's phone page `/citizen/party`: register (the community
//! found from the phone's position), see the community's calls, sign up, check in on site. The
//! community's page `/party`: confirm or decline registrations, post calls, read the work
//! units' report-in figures; the public roster `/party/roster/{community}`.

use super::{Form, PageActor, PageSession, Ui, china_minute, form_text, render};
use crate::AppState;
use crate::api::party::{Position, position};
use crate::api::tasks::now;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::party::{CallInput, MemberState, NewCall, NewRegistration, RegistrationInput, ServicePost};
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_store::orgs::OrgFilter;
use pingan_store::party::{MyService, PartyCall, PartyMember, RosterLine, UnitReportIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen/party", get(citizen_page).post(register_submit))
        .route("/citizen/party/calls/{id}/signup", post(signup_submit))
        .route("/citizen/party/calls/{id}/checkin", post(checkin_submit))
        .route("/party", get(staff_page))
        .route("/party/members/{id}", post(decide_submit))
        .route("/party/calls", post(call_submit))
        .route("/party/roster/{community}", get(roster_page))
        .route("/property/ratings/{community}", get(property_page))
}

/// The grids a call form lists: a township's worth; a county's staff pick by API beyond that.
pub(crate) const GRID_CHOICES: i64 = 1500;

fn hours(tenths: i64) -> String {
    format!("{:.1}", tenths as f64 / 10.0)
}

fn post_names(codes: &str) -> String {
    codes.split(',').filter_map(ServicePost::parse).map(ServicePost::zh).collect::<Vec<_>>().join("、")
}

#[derive(Template)]
#[template(path = "party_citizen.html")]
struct CitizenPage {
    ui: Ui,
    mine: MyService,
    units: Vec<(i64, String)>,
    posts: Vec<(&'static str, &'static str)>,
    form: Form,
    error: Option<String>,
}

impl CitizenPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn state_zh(&self, m: &PartyMember) -> &'static str {
        m.state().zh()
    }

    fn confirmed(&self, m: &PartyMember) -> bool {
        m.state() == MemberState::Confirmed
    }

    fn when(&self, c: &PartyCall) -> String {
        format!("{} – {}", china_minute(c.starts_ms), to_china(c.ends_ms).format("%H:%M"))
    }

    fn hours(&self, tenths: &i64) -> String {
        hours(*tenths)
    }

    fn posts_of(&self, codes: &str) -> String {
        post_names(codes)
    }
}

/// The departments a resident may name as their work unit (city and county).
async fn work_units(state: &AppState) -> PageResult<Vec<(i64, String)>> {
    let Some(city) = state.store.city_path().await? else { return Ok(vec![]) };
    let scope = pingan_domain::Scope { region: city, org_id: None };
    let f = OrgFilter { kind: Some(OrgKind::Department), limit: 2000, ..Default::default() };
    let (orgs, _) = state.store.orgs(&scope, &f).await?;
    Ok(orgs.into_iter().map(|o| (o.id, o.name)).collect())
}

async fn citizen_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let ui =
        Ui { lang: Lang::from_headers(headers), actor: Some(current.actor.clone()), csrf: current.csrf_token.clone() };
    let mine = state.store.my_party_service(&current.actor).await?;
    let units = if mine.member.as_ref().is_none_or(|m| m.state() == MemberState::Declined) {
        work_units(state).await?
    } else {
        vec![]
    };
    let posts = ServicePost::ALL.iter().map(|p| (p.code(), p.zh())).collect();
    Ok(CitizenPage { ui, mine, units, posts, form, error }.render().map_err(AppError::from)?)
}

async fn citizen_page(
    State(state): State<AppState>,
    session: Result<PageSession, crate::error::PageError>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let Ok(PageSession(current)) = session else {
        return Ok(Redirect::to("/citizen/login").into_response());
    };
    if current.actor.role.is_staff() {
        return Ok(Redirect::to("/party").into_response());
    }
    Ok(Html(citizen_view(&state, &headers, &current, Form::new(), None).await?).into_response())
}

/// Answer a resident's form: back to the page, or the page again with the refusal.
async fn citizen_result(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    super::form_answer(result, "/citizen/party", form, async |kept, message| {
        citizen_view(state, headers, current, kept, Some(message)).await
    })
    .await
}

/// The community a phone's form was sent from: the village of the grid its `lon`/`lat` fall in.
pub(crate) async fn community_at(state: &AppState, form: &Form) -> PageResult<Option<i64>> {
    let at = Position { lon: form_text(form, "lon").parse().ok(), lat: form_text(form, "lat").parse().ok() };
    Ok(match position(&at).ok().and_then(|(lon, lat)| state.grid_index().locate(lon, lat)) {
        Some(grid) => state.store.region_unscoped(grid).await?.parent_id,
        None => None,
    })
}

/// Posts arrive as `post_<code>=on` checkboxes.
fn posts_of(form: &Form) -> Vec<String> {
    ServicePost::ALL
        .iter()
        .filter(|p| form.contains_key(&format!("post_{}", p.code())))
        .map(|p| p.code().to_owned())
        .collect()
}

async fn register_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let community = community_at(&state, &form).await?;
    let input = RegistrationInput {
        name: form_text(&form, "name").to_owned(),
        work_org_id: form_text(&form, "work_org_id").parse().ok(),
        community_id: community,
        posts: posts_of(&form),
    };
    let result = match NewRegistration::parse(&input) {
        Ok(reg) => state.store.register_party_member(&current.actor, &reg).await.map(|_| ()).map_err(AppError::from),
        Err(mut errors) => {
            for e in errors.iter_mut().filter(|e| e.field == "community_id") {
                e.message = "请先定位:所在位置须在本市某村(社区)内 / locate yourself inside a community first".into();
            }
            Err(AppError::Invalid(errors))
        }
    };
    citizen_result(&state, &headers, &current, form, result).await
}

async fn signup_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = state.store.sign_up_for_party_call(&current.actor, id).await.map(|_| ()).map_err(AppError::from);
    citizen_result(&state, &headers, &current, Form::new(), result).await
}

async fn checkin_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = match position(&Position {
        lon: form_text(&form, "lon").parse().ok(),
        lat: form_text(&form, "lat").parse().ok(),
    }) {
        Ok(p) => {
            let here = state.grid_index().locate(p.0, p.1);
            state.store.check_in_party_call(&current.actor, id, here, p).await.map(|_| ()).map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    citizen_result(&state, &headers, &current, Form::new(), result).await
}

#[derive(Template)]
#[template(path = "party_staff.html")]
struct StaffPage {
    ui: Ui,
    members: Vec<PartyMember>,
    calls: Vec<PartyCall>,
    figures: Vec<UnitReportIn>,
    /// (grid id, "community · grid"): where the actor may post calls.
    grids: Vec<(i64, String)>,
    posts: Vec<(&'static str, &'static str)>,
    can_decide: bool,
    form: Form,
    error: Option<String>,
}

impl StaffPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn state_zh(&self, m: &PartyMember) -> &'static str {
        m.state().zh()
    }

    fn pending(&self, m: &PartyMember) -> bool {
        m.state() == MemberState::Pending
    }

    fn when(&self, c: &PartyCall) -> String {
        china_minute(c.starts_ms)
    }

    fn hours(&self, tenths: &i64) -> String {
        hours(*tenths)
    }

    fn posts_of(&self, codes: &str) -> String {
        post_names(codes)
    }

    fn rate(&self, u: &UnitReportIn) -> String {
        u.rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"))
    }
}

async fn staff_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let members = state.store.party_members(actor, None, None).await?;
    let calls = state.store.party_calls(actor, None).await?;
    let figures = state.store.party_unit_figures(actor).await?;
    let can_decide = matches!(
        actor.role,
        pingan_domain::Role::VillageCadre | pingan_domain::Role::TownshipDispatcher | pingan_domain::Role::Admin
    );
    let grids = if can_decide { state.store.grid_choices(&actor.scope, GRID_CHOICES).await? } else { vec![] };
    let page = StaffPage {
        ui: Ui::for_actor(headers, current),
        members,
        calls,
        figures,
        grids,
        posts: ServicePost::ALL.iter().map(|p| (p.code(), p.zh())).collect(),
        can_decide,
        form,
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn staff_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    Ok(Html(staff_view(&state, &headers, &current, Form::new(), None).await?))
}

async fn staff_result(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    super::form_answer(result, "/party", form, async |kept, message| {
        staff_view(state, headers, current, kept, Some(message)).await
    })
    .await
}

async fn decide_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let confirm = form_text(&form, "decision") == "confirm";
    let result = state
        .store
        .decide_party_member(&current.actor, id, confirm, form_text(&form, "note"))
        .await
        .map(|_| ())
        .map_err(AppError::from);
    staff_result(&state, &headers, &current, Form::new(), result).await
}

async fn call_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let grid_id: Option<i64> = form_text(&form, "grid_id").parse().ok();
    let input = CallInput {
        title: form_text(&form, "title").to_owned(),
        post: form_text(&form, "post").to_owned(),
        grid_id,
        starts_at: form_text(&form, "starts_at").to_owned(),
        hours: form_text(&form, "hours").parse().ok(),
        capacity: form_text(&form, "capacity").parse().ok(),
    };
    let result = match NewCall::parse(&input, to_china(now())) {
        Ok(call) => {
            // The call's community is its grid's.
            let community = match grid_id {
                Some(g) => state.store.region(&current.actor.scope, g).await.ok().and_then(|g| g.parent_id),
                None => None,
            };
            match community {
                Some(c) => {
                    state.store.create_party_call(&current.actor, c, &call).await.map(|_| ()).map_err(AppError::from)
                }
                None => Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
                    "grid_id",
                    "请选择签到网格 / pick the grid",
                )])),
            }
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    staff_result(&state, &headers, &current, form, result).await
}

#[derive(Template)]
#[template(path = "party_roster.html")]
struct RosterPage {
    ui: Ui,
    community: String,
    lines: Vec<RosterLine>,
}

/// The public roster (公示), no sign-in.
async fn roster_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(community): Path<i64>,
) -> PageResult<Response> {
    let ui = Ui { lang: Lang::from_headers(&headers), actor: None, csrf: String::new() };
    let region = state.store.region_unscoped(community).await?;
    if region.level != RegionLevel::Village {
        return Err(AppError::NotFound.into());
    }
    let lines = state.store.party_roster(community).await?;
    Ok(render(RosterPage { ui, community: region.name, lines })?.into_response())
}

#[derive(Template)]
#[template(path = "property_ratings.html")]
struct PropertyPage {
    ui: Ui,
    community: String,
    year: i32,
    quarter: u32,
    companies: Vec<pingan_store::property::CompanyQuarter>,
}

/// 红色物业: the community's property companies and their quarterly rating, no sign-in.
async fn property_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(community): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Form>,
) -> PageResult<Response> {
    let ui = Ui { lang: Lang::from_headers(&headers), actor: None, csrf: String::new() };
    let region = state.store.region_unscoped(community).await?;
    if region.level != RegionLevel::Village {
        return Err(AppError::NotFound.into());
    }
    let params = crate::api::property::QuarterParams {
        year: form_text(&q, "year").parse().ok(),
        quarter: form_text(&q, "quarter").parse().ok(),
    };
    let (year, quarter) = crate::api::property::quarter(&params)?;
    let companies = state.store.property_ratings(&region.path, year, quarter).await?;
    Ok(render(PropertyPage { ui, community: region.name, year, quarter, companies })?.into_response())
}
