//! 志愿者 pages. The resident's phone page `/citizen/volunteers`: their hours and stars, the
//! teams near where they stand (found from the phone's position) to join, their teams'
//! activities to sign up for and check into on site, and the appeals they were sent to, to
//! report on. The staff page `/volunteers`: teams, membership requests, activities, reports
//! to confirm and the year's ranking. An appeal's volunteers are on its page
//! (`/appeals/{id}`), sent from there.

use super::{Form, PageActor, PageSession, Ui, china_minute, form_answer, form_text};
use crate::AppState;
use crate::api::party::{Position, position};
use crate::api::tasks::now;
use crate::api::volunteers::this_year;
use crate::auth::CurrentActor;
use crate::error::{AppError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::party::{CallInput, MemberState, NewCall, ServicePost};
use pingan_domain::forces::volunteer::{DispatchCommand, DispatchState, NewTeam, TeamInput, TeamKind};
use pingan_domain::region::RegionLevel;
use pingan_store::volunteers::{Activity, Dispatch, MyVolunteering, RankLine, Team, Volunteer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen/volunteers", get(citizen_page))
        .route("/citizen/volunteers/teams/{id}/join", post(join_submit))
        .route("/citizen/volunteers/activities/{id}/signup", post(signup_submit))
        .route("/citizen/volunteers/activities/{id}/checkin", post(checkin_submit))
        .route("/citizen/volunteers/dispatches/{id}", post(report_submit))
        .route("/volunteers", get(staff_page))
        .route("/volunteers/teams", post(team_submit))
        .route("/volunteers/members/{id}", post(decide_submit))
        .route("/volunteers/activities", post(activity_submit))
        .route("/volunteers/dispatches/{id}", post(dispatch_decision_submit))
        .route("/appeals/{id}/volunteers", post(send_submit))
}

fn hours(tenths: i64) -> String {
    format!("{:.1}", tenths as f64 / 10.0)
}

fn stars(n: u8) -> String {
    "★".repeat(usize::from(n))
}

fn dispatch_state(d: &Dispatch) -> &'static str {
    d.state().zh()
}

#[derive(Template)]
#[template(path = "volunteers_citizen.html")]
struct CitizenPage {
    ui: Ui,
    mine: MyVolunteering,
    /// Teams near where the phone stands, once it has located itself.
    near: Option<Vec<Team>>,
    form: Form,
    error: Option<String>,
}

impl CitizenPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }
    fn member_state(&self, v: &Volunteer) -> &'static str {
        v.state().zh()
    }
    fn when(&self, a: &Activity) -> String {
        format!("{} – {}", china_minute(a.starts_ms), to_china(a.ends_ms).format("%H:%M"))
    }
    fn hours(&self, tenths: &i64) -> String {
        hours(*tenths)
    }
    fn stars(&self) -> String {
        stars(self.mine.stars)
    }
    fn dispatch_state(&self, d: &Dispatch) -> &'static str {
        dispatch_state(d)
    }
    fn awaits_report(&self, d: &Dispatch) -> bool {
        d.state() == DispatchState::Assigned
    }
    fn kind_zh(&self, t: &Team) -> &'static str {
        t.kind_zh()
    }
}

async fn citizen_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let mine = state.store.my_volunteering(&current.actor).await?;
    let near = match super::party::community_at(state, &form).await? {
        Some(community) => Some(state.store.volunteer_teams_near(community).await?),
        None => None,
    };
    let page = CitizenPage { ui: Ui::for_actor(headers, current), mine, near, form, error };
    Ok(page.render().map_err(AppError::from)?)
}

async fn citizen_page(
    State(state): State<AppState>,
    session: Result<PageSession, crate::error::PageError>,
    headers: HeaderMap,
    Query(query): Query<Form>,
) -> PageResult<Response> {
    let Ok(PageSession(current)) = session else {
        return Ok(Redirect::to("/citizen/login").into_response());
    };
    if current.actor.role.is_staff() {
        return Ok(Redirect::to("/volunteers").into_response());
    }
    Ok(Html(citizen_view(&state, &headers, &current, query, None).await?).into_response())
}

async fn citizen_answer(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    form_answer(result, "/citizen/volunteers", form, async |kept, message| {
        citizen_view(state, headers, current, kept, Some(message)).await
    })
    .await
}

async fn join_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = state.store.join_volunteer_team(&current.actor, id, form_text(&form, "name")).await;
    citizen_answer(&state, &headers, &current, form, result.map(|_| ()).map_err(AppError::from)).await
}

async fn signup_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = state.store.sign_up_for_volunteer_activity(&current.actor, id).await;
    citizen_answer(&state, &headers, &current, Form::new(), result.map(|_| ()).map_err(AppError::from)).await
}

async fn checkin_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let at = Position { lon: form_text(&form, "lon").parse().ok(), lat: form_text(&form, "lat").parse().ok() };
    let result = match position(&at) {
        Ok(p) => {
            let here = state.grid_index().locate(p.0, p.1);
            state
                .store
                .check_in_volunteer_activity(&current.actor, id, here, p)
                .await
                .map(|_| ())
                .map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    citizen_answer(&state, &headers, &current, Form::new(), result).await
}

async fn report_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = match DispatchCommand::report(form_text(&form, "note"), form_text(&form, "hours").parse().ok()) {
        Ok(command) => {
            state.store.act_on_dispatch(&current.actor, id, &command).await.map(|_| ()).map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    citizen_answer(&state, &headers, &current, form, result).await
}

#[derive(Template)]
#[template(path = "volunteers_staff.html")]
struct StaffPage {
    ui: Ui,
    teams: Vec<Team>,
    members: Vec<Volunteer>,
    activities: Vec<Activity>,
    dispatches: Vec<Dispatch>,
    ranking: Vec<RankLine>,
    year: i32,
    /// (region id, name): the townships and communities a team may belong to.
    places: Vec<(i64, String)>,
    /// (grid id, "community · grid"): where activities may be held.
    grids: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    posts: Vec<(&'static str, &'static str)>,
    form: Form,
    error: Option<String>,
}

impl StaffPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }
    fn pending(&self, v: &Volunteer) -> bool {
        v.state() == MemberState::Pending
    }
    fn member_state(&self, v: &Volunteer) -> &'static str {
        v.state().zh()
    }
    fn when(&self, a: &Activity) -> String {
        china_minute(a.starts_ms)
    }
    fn hours(&self, tenths: &i64) -> String {
        hours(*tenths)
    }
    fn stars(&self, n: &u8) -> String {
        stars(*n)
    }
    fn kind_zh(&self, t: &Team) -> &'static str {
        t.kind_zh()
    }
    fn dispatch_state(&self, d: &Dispatch) -> &'static str {
        dispatch_state(d)
    }
    fn reported(&self, d: &Dispatch) -> bool {
        d.state() == DispatchState::Reported
    }
}

async fn staff_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let teams = state.store.volunteer_teams(actor).await?;
    let members = state.store.volunteers(actor, None, Some(MemberState::Pending)).await?;
    let activities = state.store.volunteer_activities(actor, None).await?;
    let dispatches = state.store.open_dispatches(actor).await?;
    let year = this_year();
    let ranking = state.store.volunteer_ranking(actor, year, None).await?.into_iter().take(20).collect();
    let mut places = vec![];
    for level in [RegionLevel::Township, RegionLevel::Village] {
        // A form lists a township's worth of places; a county's staff pick by API beyond that.
        for r in state.store.regions_at_level(&actor.scope, level).await?.into_iter().take(60) {
            places.push((r.id, r.name));
        }
    }
    let grids = state.store.grid_choices(&actor.scope, super::party::GRID_CHOICES).await?;
    let page = StaffPage {
        ui: Ui::for_actor(headers, current),
        teams,
        members,
        activities,
        dispatches,
        ranking,
        year,
        places,
        grids,
        kinds: TeamKind::ALL.iter().map(|k| (k.code(), k.zh())).collect(),
        posts: ServicePost::ALL.iter().map(|p| (p.code(), p.zh())).collect(),
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

async fn staff_answer(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    form_answer(result, "/volunteers", form, async |kept, message| {
        staff_view(state, headers, current, kept, Some(message)).await
    })
    .await
}

async fn team_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = TeamInput {
        name: form_text(&form, "name").to_owned(),
        kind: form_text(&form, "kind").to_owned(),
        region_id: form_text(&form, "region_id").parse().ok(),
        leader: form_text(&form, "leader").to_owned(),
    };
    let result = match NewTeam::parse(&input) {
        Ok(team) => state.store.create_volunteer_team(&current.actor, &team).await.map(|_| ()).map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    staff_answer(&state, &headers, &current, form, result).await
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
    let result = state.store.decide_volunteer(&current.actor, id, confirm, form_text(&form, "note")).await;
    staff_answer(&state, &headers, &current, Form::new(), result.map(|_| ()).map_err(AppError::from)).await
}

async fn activity_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = CallInput {
        title: form_text(&form, "title").to_owned(),
        post: form_text(&form, "post").to_owned(),
        grid_id: form_text(&form, "grid_id").parse().ok(),
        starts_at: form_text(&form, "starts_at").to_owned(),
        hours: form_text(&form, "hours").parse().ok(),
        capacity: form_text(&form, "capacity").parse().ok(),
    };
    let team = form_text(&form, "team_id").parse().ok();
    let result = match (NewCall::parse(&input, to_china(now())), team) {
        (Ok(activity), Some(team)) => state
            .store
            .create_volunteer_activity(&current.actor, team, &activity)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        (parsed, team) => {
            let mut errors = parsed.err().unwrap_or_default();
            if team.is_none() {
                errors.insert(0, pingan_domain::FieldError::new("team_id", "请选择队伍 / pick the team"));
            }
            Err(AppError::Invalid(errors))
        }
    };
    staff_answer(&state, &headers, &current, form, result).await
}

async fn dispatch_decision_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let command = match form_text(&form, "action") {
        "confirm" => DispatchCommand::Confirm,
        "cancel" => DispatchCommand::Cancel,
        _ => DispatchCommand::SendBack { reason: form_text(&form, "reason").to_owned() },
    };
    let result = state.store.act_on_dispatch(&current.actor, id, &command).await;
    staff_answer(&state, &headers, &current, Form::new(), result.map(|_| ()).map_err(AppError::from)).await
}

/// Send a volunteer from an appeal's page; back to the page, with a refusal shown there.
async fn send_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let volunteer = form_text(&form, "volunteer_id").parse().unwrap_or(0);
    let result = state.store.dispatch_volunteer(&current.actor, id, volunteer, form_text(&form, "task")).await;
    let back = match result {
        Ok(_) => format!("/appeals/{id}#volunteers"),
        Err(e) => {
            let (_, message) = super::form_refusal(AppError::from(e))?;
            format!("/appeals/{id}?volunteer_error={}#volunteers", super::appeals::urlencode(&message))
        }
    };
    Ok(Redirect::to(&back).into_response())
}
