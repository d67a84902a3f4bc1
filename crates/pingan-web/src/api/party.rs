//! `/api/v1/party/*`: 在职党员社区报到. Residents (signed in by phone) register with their
//! community, see its calls, sign up and check in on site; the community's staff confirm
//! registrations and post calls; anyone reads a community's roster (公示, masked); work units
//! read their report-in rate and hours, and declare the members on their rolls.

use super::tasks::now;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::FieldError;
use pingan_domain::calendar::to_china;
use pingan_domain::forces::party::{CallInput, MemberState, NewCall, NewRegistration, RegistrationInput};
use pingan_store::party::{MyService, PartyCall, PartyMember, RosterLine, UnitReportIn};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register, list_members))
        .routes(routes!(decide))
        .routes(routes!(my_service))
        .routes(routes!(roster))
        .routes(routes!(create_call, list_calls))
        .routes(routes!(sign_up))
        .routes(routes!(check_in))
        .routes(routes!(figures))
        .routes(routes!(figures_xlsx))
        .routes(routes!(set_rolls))
}

/// A resident registers with the community they live in: `name`, `work_org_id`,
/// `community_id`, `posts` (`patrol`, `mediation`, `publicity`, `care`, `environment`,
/// `civility`). A second standing registration is a conflict.
#[utoipa::path(post, path = "/api/v1/party/members", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegistrationInput>,
) -> ApiResult<(StatusCode, Json<PartyMember>)> {
    caller.check_write(&headers)?;
    let reg = NewRegistration::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.register_party_member(&caller.actor, &reg).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberParams {
    pub community_id: Option<i64>,
    /// `pending`, `confirmed` or `declined`.
    pub state: Option<String>,
}

/// Registrations in the caller's scope, pending first (phones masked).
#[utoipa::path(get, path = "/api/v1/party/members", tag = "forces", params(MemberParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<MemberParams>,
) -> ApiResult<Json<Vec<PartyMember>>> {
    let member_state = match p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            MemberState::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("state", "状态无法识别 / unknown state")]))?,
        ),
    };
    Ok(Json(state.store.party_members(&caller.actor, p.community_id, member_state).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub confirm: bool,
    #[serde(default)]
    pub note: String,
}

/// The community confirms a registration, or declines it with the reason.
#[utoipa::path(post, path = "/api/v1/party/members/{id}/decision", tag = "forces", params(("id" = i64, Path)),
    request_body = Decision, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Decision>,
) -> ApiResult<Json<PartyMember>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.decide_party_member(&caller.actor, id, body.confirm, &body.note).await?))
}

/// The resident's own registration and their community's calls.
#[utoipa::path(get, path = "/api/v1/party/me", tag = "forces", responses((status = 200, body = Object)))]
pub async fn my_service(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<MyService>> {
    Ok(Json(state.store.my_party_service(&caller.actor).await?))
}

/// A community's public roster (公示): confirmed members with names masked, their units,
/// posts and hours. No sign-in.
#[utoipa::path(get, path = "/api/v1/party/roster/{community_id}", tag = "forces", params(("community_id" = i64, Path)),
    responses((status = 200, body = Vec<Object>)))]
pub async fn roster(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<RosterLine>>> {
    Ok(Json(state.store.party_roster(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCallBody {
    pub community_id: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub call: CallInput,
}

/// A community posts a call: `title`, `post`, `grid_id` (where members check in),
/// `starts_at` (`YYYY-MM-DD HH:MM`), `hours`, `capacity`.
#[utoipa::path(post, path = "/api/v1/party/calls", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody)))]
pub async fn create_call(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewCallBody>,
) -> ApiResult<(StatusCode, Json<PartyCall>)> {
    caller.check_write(&headers)?;
    let call = NewCall::parse(&body.call, to_china(now()));
    let (call, community) = match (call, body.community_id) {
        (Ok(c), Some(community)) => (c, community),
        (call, community) => {
            let mut errors = call.err().unwrap_or_default();
            if community.is_none() {
                errors.insert(0, FieldError::new("community_id", "请选择村(社区) / pick the community"));
            }
            return Err(AppError::Invalid(errors));
        }
    };
    Ok((StatusCode::CREATED, Json(state.store.create_party_call(&caller.actor, community, &call).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallParams {
    pub community_id: Option<i64>,
}

/// Calls in the caller's scope, the soonest first.
#[utoipa::path(get, path = "/api/v1/party/calls", tag = "forces", params(CallParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_calls(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<CallParams>,
) -> ApiResult<Json<Vec<PartyCall>>> {
    Ok(Json(state.store.party_calls(&caller.actor, p.community_id).await?))
}

/// A confirmed member signs up for a call of their community.
#[utoipa::path(post, path = "/api/v1/party/calls/{id}/signup", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MyService>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.sign_up_for_party_call(&caller.actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Position {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// Read a position; `None` fields and out-of-range values are the caller's mistakes.
pub(crate) fn position(p: &Position) -> Result<(f64, f64), AppError> {
    match (p.lon, p.lat) {
        (Some(lon), Some(lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => Ok((lon, lat)),
        _ => Err(AppError::Invalid(vec![FieldError::new(
            "lon",
            "未取得有效位置,请允许定位后重试 / no valid position: allow location and retry",
        )])),
    }
}

/// A member checks in on site with the phone's position, which must lie in the call's grid,
/// from an hour before the start to the end; the call's hours are credited.
#[utoipa::path(post, path = "/api/v1/party/calls/{id}/checkin", tag = "forces", params(("id" = i64, Path)),
    request_body = Position, responses((status = 200, body = Object), (status = 400, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Position>,
) -> ApiResult<Json<MyService>> {
    caller.check_write(&headers)?;
    let (lon, lat) = position(&body)?;
    let here = state.grid_index().locate(lon, lat);
    Ok(Json(state.store.check_in_party_call(&caller.actor, id, here, (lon, lat)).await?))
}

/// Report-in by work unit: registered, confirmed, the rate against the unit's rolls, hours.
#[utoipa::path(get, path = "/api/v1/party/figures", tag = "forces", responses((status = 200, body = Vec<Object>)))]
pub async fn figures(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<UnitReportIn>>> {
    Ok(Json(state.store.party_unit_figures(&caller.actor).await?))
}

/// The same as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/party/figures.xlsx", tag = "forces",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn figures_xlsx(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<axum::response::Response> {
    let rows = state.store.party_unit_figures(&caller.actor).await?;
    super::xlsx_download("party-report-in.xlsx", "在职党员社区报到统计.xlsx", || workbook(&rows))
}

pub(crate) fn workbook(rows: &[UnitReportIn]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    sheets(&mut book, rows)?;
    book.save_to_buffer()
}

/// The sheets of [`workbook`], also written into the area's combined workbook.
pub(crate) fn sheets(
    book: &mut rust_xlsxwriter::Workbook,
    rows: &[UnitReportIn],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("按工作单位")?;
    for (c, h) in ["工作单位", "在册党员", "已报名报到", "社区已确认", "报到率(%)", "服务时长(小时)"].iter().enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, u) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &u.org_name)?;
        if let Some(n) = u.on_rolls {
            ws.write_number(r, 1, n as f64)?;
        }
        ws.write_number(r, 2, u.registered as f64)?;
        ws.write_number(r, 3, u.confirmed as f64)?;
        if let Some(rate) = u.rate {
            ws.write_number(r, 4, rate)?;
        }
        ws.write_number(r, 5, u.hours)?;
    }
    ws.autofit();
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Rolls {
    pub members: Option<i64>,
}

/// A work unit declares how many party members it has on its rolls (the rate's denominator).
#[utoipa::path(put, path = "/api/v1/party/rolls/{org_id}", tag = "forces", params(("org_id" = i64, Path)),
    request_body = Rolls, responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_rolls(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(org_id): ApiPath<i64>,
    ApiJson(body): ApiJson<Rolls>,
) -> ApiResult<StatusCode> {
    caller.check_write(&headers)?;
    let members = body
        .members
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("members", "请填写在册党员人数 / give the number")]))?;
    state.store.set_party_rolls(&caller.actor, org_id, members).await?;
    Ok(StatusCode::NO_CONTENT)
}
