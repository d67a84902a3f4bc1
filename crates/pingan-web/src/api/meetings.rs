//! `/api/v1/meetings/*`: joint meetings, special groups and red property's three-in-one
//! meetings, whose resolutions become tasks under `/api/v1/tasks` (source `meeting`).

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
use pingan_domain::forces::meeting::{MeetingInput, MeetingKind, NewMeeting};
use pingan_store::meetings::Meeting;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_meetings, record_meeting)).routes(routes!(get_meeting))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeetingParams {
    /// `joint`, `special_group` or `three_in_one`.
    pub kind: Option<String>,
}

/// Meetings in the caller's scope, the latest first, with their resolutions done.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "forces", params(MeetingParams),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<MeetingParams>,
) -> ApiResult<Json<Vec<Meeting>>> {
    let kind = match p.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            MeetingKind::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("kind", "会议类别无法识别 / unknown kind")]))?,
        ),
    };
    Ok(Json(state.store.meetings(&caller.actor, kind).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedMeeting {
    #[schema(value_type = Object)]
    pub meeting: Meeting,
    /// The tasks opened for the resolutions, in their order.
    pub task_ids: Vec<i64>,
}

/// Record a meeting: `kind`, `title`, `held_on`, `region_id`, `attendees`, `agenda`
/// (`property_org_id`, `committee_org_id` for three-in-one meetings) and `resolutions`, each
/// `{title, detail, owner_org_id, due_date | working_days}`, which become tasks. Every error
/// names its field (`resolutions[1].due_date`); nothing is written then.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "forces", request_body = Object,
    responses((status = 201, body = RecordedMeeting), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_meeting(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<RecordedMeeting>)> {
    caller.check_write(&headers)?;
    let rules = state.appeal_rules();
    let meeting = NewMeeting::parse(&body, &rules.calendar, to_china(now())).map_err(AppError::Invalid)?;
    let (meeting, task_ids) = state.store.record_meeting(&caller.actor, &meeting).await?;
    Ok((StatusCode::CREATED, Json(RecordedMeeting { meeting, task_ids })))
}

/// One meeting.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(state.store.meeting(&caller.actor, id).await?))
}
