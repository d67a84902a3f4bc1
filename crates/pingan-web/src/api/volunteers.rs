//! `/api/v1/volunteers/*`: 志愿者. Staff create teams and activities and confirm members;
//! residents (signed in by phone) find their community's teams, join, sign up, check in on
//! site and report on the appeals they were sent to; the appeal's staff send volunteers to
//! appeals of the categories administrators allow; everyone in scope reads the rankings and
//! figures, also as Excel.

use super::party::{Position, position};
use super::tasks::now;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Datelike;
use pingan_domain::FieldError;
use pingan_domain::calendar::to_china;
use pingan_domain::forces::party::{CallInput, MemberState, NewCall};
use pingan_domain::forces::volunteer::{DispatchCommand, NewTeam, TeamInput};
use pingan_store::volunteers::{Activity, Dispatch, MyVolunteering, RankLine, Team, TeamFigures, Volunteer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_team, list_teams))
        .routes(routes!(teams_near))
        .routes(routes!(join))
        .routes(routes!(list_members))
        .routes(routes!(decide))
        .routes(routes!(create_activity, list_activities))
        .routes(routes!(sign_up))
        .routes(routes!(check_in))
        .routes(routes!(my_volunteering))
        .routes(routes!(ranking))
        .routes(routes!(figures))
        .routes(routes!(figures_xlsx))
        .routes(routes!(categories, set_categories))
        .routes(routes!(dispatch, appeal_volunteers))
        .routes(routes!(candidates))
        .routes(routes!(open_dispatches))
        .routes(routes!(report))
        .routes(routes!(decide_dispatch))
}

/// Staff create a team: `name`, `kind` (`safety`, `anti_fraud`, `patrol`, `care`,
/// `environment`), `region_id` (a township or community in scope), `leader`.
#[utoipa::path(post, path = "/api/v1/volunteers/teams", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TeamInput>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    caller.check_write(&headers)?;
    let team = NewTeam::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.create_volunteer_team(&caller.actor, &team).await?)))
}

/// Teams in the caller's scope.
#[utoipa::path(get, path = "/api/v1/volunteers/teams", tag = "forces", responses((status = 200, body = Vec<Object>)))]
pub async fn list_teams(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<Team>>> {
    Ok(Json(state.store.volunteer_teams(&caller.actor).await?))
}

/// The teams a resident of a community may join: the community's and its township's. No sign-in.
#[utoipa::path(get, path = "/api/v1/volunteers/teams/near/{community_id}", tag = "forces",
    params(("community_id" = i64, Path)), responses((status = 200, body = Vec<Object>)))]
pub async fn teams_near(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Team>>> {
    Ok(Json(state.store.volunteer_teams_near(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JoinBody {
    #[serde(default)]
    pub name: String,
}

/// A resident asks to join a team under their name; the team's staff confirm.
#[utoipa::path(post, path = "/api/v1/volunteers/teams/{id}/join", tag = "forces", params(("id" = i64, Path)),
    request_body = JoinBody, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<JoinBody>,
) -> ApiResult<Json<MyVolunteering>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.join_volunteer_team(&caller.actor, id, &body.name).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberParams {
    pub team_id: Option<i64>,
    /// `pending`, `confirmed` or `declined`.
    pub state: Option<String>,
}

/// Memberships in the caller's scope, pending first (phones masked).
#[utoipa::path(get, path = "/api/v1/volunteers/members", tag = "forces", params(MemberParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<MemberParams>,
) -> ApiResult<Json<Vec<Volunteer>>> {
    let member_state = match p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            MemberState::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("state", "状态无法识别 / unknown state")]))?,
        ),
    };
    Ok(Json(state.store.volunteers(&caller.actor, p.team_id, member_state).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub confirm: bool,
    #[serde(default)]
    pub note: String,
}

/// The team's staff confirm a membership, or decline it with the reason.
#[utoipa::path(post, path = "/api/v1/volunteers/members/{id}/decision", tag = "forces", params(("id" = i64, Path)),
    request_body = Decision, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Decision>,
) -> ApiResult<Json<Volunteer>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.decide_volunteer(&caller.actor, id, body.confirm, &body.note).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewActivityBody {
    pub team_id: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub activity: CallInput,
}

/// A team posts an activity: `team_id`, `title`, `post`, `grid_id` (where volunteers check
/// in, inside the team's region), `starts_at` (`YYYY-MM-DD HH:MM`), `hours`, `capacity`.
#[utoipa::path(post, path = "/api/v1/volunteers/activities", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewActivityBody>,
) -> ApiResult<(StatusCode, Json<Activity>)> {
    caller.check_write(&headers)?;
    let (activity, team) = match (NewCall::parse(&body.activity, to_china(now())), body.team_id) {
        (Ok(a), Some(team)) => (a, team),
        (activity, team) => {
            let mut errors = activity.err().unwrap_or_default();
            if team.is_none() {
                errors.insert(0, FieldError::new("team_id", "请选择队伍 / pick the team"));
            }
            return Err(AppError::Invalid(errors));
        }
    };
    Ok((StatusCode::CREATED, Json(state.store.create_volunteer_activity(&caller.actor, team, &activity).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TeamParams {
    pub team_id: Option<i64>,
}

/// Activities in the caller's scope, the soonest first.
#[utoipa::path(get, path = "/api/v1/volunteers/activities", tag = "forces", params(TeamParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_activities(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<TeamParams>,
) -> ApiResult<Json<Vec<Activity>>> {
    Ok(Json(state.store.volunteer_activities(&caller.actor, p.team_id).await?))
}

/// A confirmed volunteer signs up for an activity of their team.
#[utoipa::path(post, path = "/api/v1/volunteers/activities/{id}/signup", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MyVolunteering>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.sign_up_for_volunteer_activity(&caller.actor, id).await?))
}

/// A volunteer checks in on site with the phone's position, which must lie in the activity's
/// grid, from an hour before the start to the end; the activity's hours are credited.
#[utoipa::path(post, path = "/api/v1/volunteers/activities/{id}/checkin", tag = "forces", params(("id" = i64, Path)),
    request_body = Position, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Position>,
) -> ApiResult<Json<MyVolunteering>> {
    caller.check_write(&headers)?;
    let (lon, lat) = position(&body)?;
    let here = state.grid_index().locate(lon, lat);
    Ok(Json(state.store.check_in_volunteer_activity(&caller.actor, id, here, (lon, lat)).await?))
}

/// The resident's teams, activities, dispatches, hours and stars.
#[utoipa::path(get, path = "/api/v1/volunteers/me", tag = "forces", responses((status = 200, body = Object)))]
pub async fn my_volunteering(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<MyVolunteering>> {
    Ok(Json(state.store.my_volunteering(&caller.actor).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearParams {
    /// The calendar year; this year when absent.
    pub year: Option<i32>,
    pub team_id: Option<i64>,
}

pub(crate) fn this_year() -> i32 {
    to_china(now()).year()
}

/// The recognition ranking: the people with the most hours in the year, with their star level.
#[utoipa::path(get, path = "/api/v1/volunteers/ranking", tag = "forces", params(YearParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn ranking(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<Vec<RankLine>>> {
    let year = p.year.unwrap_or_else(this_year);
    Ok(Json(state.store.volunteer_ranking(&caller.actor, year, p.team_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerFigures {
    pub year: i32,
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<TeamFigures>,
    #[schema(value_type = Vec<Object>)]
    pub ranking: Vec<RankLine>,
}

async fn load_figures(state: &AppState, caller: &ApiCaller, year: Option<i32>) -> ApiResult<VolunteerFigures> {
    let year = year.unwrap_or_else(this_year);
    let teams = state.store.volunteer_team_figures(&caller.actor, year).await?;
    let ranking = state.store.volunteer_ranking(&caller.actor, year, None).await?;
    Ok(VolunteerFigures { year, teams, ranking })
}

/// Each team's figures for the year and the ranking.
#[utoipa::path(get, path = "/api/v1/volunteers/figures", tag = "forces", params(YearParams),
    responses((status = 200, body = VolunteerFigures)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<VolunteerFigures>> {
    Ok(Json(load_figures(&state, &caller, p.year).await?))
}

/// The same as an Excel workbook: a sheet of teams and one of the ranking.
#[utoipa::path(get, path = "/api/v1/volunteers/figures.xlsx", tag = "forces", params(YearParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<axum::response::Response> {
    let f = load_figures(&state, &caller, p.year).await?;
    super::xlsx_download("volunteers.xlsx", &format!("{}年志愿服务统计.xlsx", f.year), || workbook(&f))
}

pub(crate) fn workbook(f: &VolunteerFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    sheets(&mut book, f)?;
    book.save_to_buffer()
}

/// The sheets of [`workbook`], also written into the area's combined workbook.
pub(crate) fn sheets(
    book: &mut rust_xlsxwriter::Workbook,
    f: &VolunteerFigures,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("按队伍")?;
    let head = ["队伍", "类别", "所属区域", "队员", "活动场次", "签到人次", "协助诉求", "服务时长(小时)"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, t) in f.teams.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &t.team_name)?;
        ws.write_string(r, 1, &t.kind)?;
        ws.write_string(r, 2, &t.region_name)?;
        for (c, n) in [t.members, t.activities, t.check_ins, t.dispatches_confirmed].into_iter().enumerate() {
            ws.write_number(r, c as u16 + 3, n as f64)?;
        }
        ws.write_number(r, 7, t.hours)?;
    }
    ws.autofit();
    let ws = book.add_worksheet();
    ws.set_name("表彰排行")?;
    for (c, h) in ["名次", "姓名", "所在队伍", "本年时长(小时)", "累计时长(小时)", "星级"].iter().enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, line) in f.ranking.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, line.rank as f64)?;
        ws.write_string(r, 1, &line.name)?;
        ws.write_string(r, 2, &line.teams)?;
        ws.write_number(r, 3, line.hours)?;
        ws.write_number(r, 4, line.total_hours)?;
        ws.write_number(r, 5, f64::from(line.stars))?;
    }
    ws.autofit();
    Ok(())
}

/// The appeal categories a volunteer may be sent to.
#[utoipa::path(get, path = "/api/v1/volunteers/categories", tag = "forces", responses((status = 200, body = Vec<String>)))]
pub async fn categories(State(state): State<AppState>, _caller: ApiCaller) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(state.store.volunteer_categories().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Categories {
    #[serde(default)]
    pub codes: Vec<String>,
}

/// City administrators set the categories a volunteer may be sent to (catalogue codes).
#[utoipa::path(put, path = "/api/v1/volunteers/categories", tag = "forces", request_body = Categories,
    responses((status = 200, body = Vec<String>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_categories(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Categories>,
) -> ApiResult<Json<Vec<String>>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.set_volunteer_categories(&caller.actor, &body.codes).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DispatchBody {
    pub volunteer_id: Option<i64>,
    #[serde(default)]
    pub task: String,
}

/// The appeal's staff send a volunteer (of a team serving the place) with a task; the
/// volunteer is told by SMS. Only for the categories administrators allow.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/volunteers", tag = "forces", params(("id" = i64, Path)),
    request_body = DispatchBody, responses((status = 201, body = Object), (status = 400, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DispatchBody>,
) -> ApiResult<(StatusCode, Json<Dispatch>)> {
    caller.check_write(&headers)?;
    let volunteer = body
        .volunteer_id
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("volunteer_id", "请选择志愿者 / pick the volunteer")]))?;
    Ok((StatusCode::CREATED, Json(state.store.dispatch_volunteer(&caller.actor, id, volunteer, &body.task).await?)))
}

/// The volunteers sent to an appeal.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/volunteers", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>)))]
pub async fn appeal_volunteers(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Dispatch>>> {
    Ok(Json(state.store.appeal_volunteers(&caller.actor, id).await?))
}

/// Whom the staff may send to an appeal: confirmed volunteers of the teams serving its place.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/volunteer-candidates", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 409, body = ErrorBody)))]
pub async fn candidates(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Volunteer>>> {
    Ok(Json(state.store.volunteer_candidates(&caller.actor, id).await?))
}

/// Dispatches in the caller's scope still open, reported ones first.
#[utoipa::path(get, path = "/api/v1/volunteers/dispatches", tag = "forces", responses((status = 200, body = Vec<Object>)))]
pub async fn open_dispatches(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<Dispatch>>> {
    Ok(Json(state.store.open_dispatches(&caller.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportBody {
    #[serde(default)]
    pub note: String,
    pub hours: Option<f64>,
}

/// The volunteer reports what they did and how long it took (0.5 to 8 hours).
#[utoipa::path(post, path = "/api/v1/volunteers/dispatches/{id}/report", tag = "forces", params(("id" = i64, Path)),
    request_body = ReportBody, responses((status = 200, body = Object), (status = 400, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportBody>,
) -> ApiResult<Json<Dispatch>> {
    caller.check_write(&headers)?;
    let command = DispatchCommand::report(&body.note, body.hours).map_err(AppError::Invalid)?;
    Ok(Json(state.store.act_on_dispatch(&caller.actor, id, &command).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DispatchDecision {
    /// `confirm`, `send_back` (with `reason`) or `cancel`.
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub reason: String,
}

/// The staff confirm a volunteer's report (the hours are credited), send it back with the
/// reason, or cancel a dispatch not yet reported.
#[utoipa::path(post, path = "/api/v1/volunteers/dispatches/{id}/decision", tag = "forces", params(("id" = i64, Path)),
    request_body = DispatchDecision, responses((status = 200, body = Object), (status = 400, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn decide_dispatch(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DispatchDecision>,
) -> ApiResult<Json<Dispatch>> {
    caller.check_write(&headers)?;
    let command = match body.action.trim() {
        "confirm" => DispatchCommand::Confirm,
        "send_back" => DispatchCommand::SendBack { reason: body.reason },
        "cancel" => DispatchCommand::Cancel,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "action",
                "请选择确认、退回或撤回 / confirm, send_back or cancel",
            )]));
        }
    };
    Ok(Json(state.store.act_on_dispatch(&caller.actor, id, &command).await?))
}
