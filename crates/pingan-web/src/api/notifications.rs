//! `/api/v1/notifications`: a staff member's in-app inbox (新派单, 黄牌预警, 督办 …) — notices
//! to their own account or to their organisation — and marking it read.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_store::notifications::{Inbox, InboxItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxParams {
    /// How many of the newest notices (1–200, default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub created_ms: i64,
    pub appeal_id: Option<i64>,
    pub tracking_code: Option<String>,
    /// The mediation case it is about (`mediation_high_risk`, `mediation_follow_up`,
    /// `mediation_judicial_window`).
    pub mediation_case_id: Option<i64>,
    /// The task it is about (`task_assigned`, `task_overdue`, `task_supervised`,
    /// `task_reported`, `task_rejected`).
    pub task_id: Option<i64>,
    /// e.g. `appeal.assigned`, `appeal.yellow_card`, `appeal.supervised`.
    pub kind: String,
    /// Any mobile number in it masked.
    pub text: String,
    pub unread: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDto {
    pub items: Vec<NotificationDto>,
    /// Unread notices in all, not only among `items`.
    pub unread: i64,
}

impl From<InboxItem> for NotificationDto {
    fn from(i: InboxItem) -> Self {
        NotificationDto {
            id: i.id,
            created_ms: i.created_ms,
            appeal_id: i.appeal_id,
            tracking_code: i.tracking_code,
            mediation_case_id: i.mediation_case_id,
            task_id: i.task_id,
            kind: i.kind,
            text: i.text,
            unread: i.unread,
        }
    }
}

impl From<Inbox> for InboxDto {
    fn from(i: Inbox) -> Self {
        InboxDto { items: i.items.into_iter().map(NotificationDto::from).collect(), unread: i.unread }
    }
}

/// The caller's inbox, newest first, with the count of unread notices. Staff only: residents
/// are told by SMS.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "appeals", params(InboxParams),
    responses((status = 200, body = InboxDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> ApiResult<Json<InboxDto>> {
    let inbox = state.store.notifications_for(&caller.actor, p.limit.unwrap_or(50)).await?;
    Ok(Json(inbox.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MarkRead {
    /// Read up to and including this notice; everything when left out.
    pub up_to_id: Option<i64>,
}

/// Mark the caller's inbox read (up to a notice, or all of it).
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "appeals", request_body = MarkRead,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<MarkRead>,
) -> ApiResult<StatusCode> {
    caller.check_write(&headers)?;
    let now = chrono::Utc::now().timestamp_millis();
    state.store.mark_notifications_read(&caller.actor, req.up_to_id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}
