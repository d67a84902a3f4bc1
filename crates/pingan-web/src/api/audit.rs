//! `/api/v1/audit`: the audit trail within the caller's scope.

use super::{ApiQuery, Page, Paging};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use pingan_domain::access::{Action, Resource};
use pingan_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// Actions starting with this, e.g. `org.` or `account.login`.
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target_kind: Option<String>,
    /// From this instant (ms since the epoch).
    pub from_ms: Option<i64>,
    /// Before this instant (ms since the epoch).
    pub to_ms: Option<i64>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub success: bool,
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
}

/// Audit events in scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Page<AuditDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<Page<AuditDto>>> {
    current.actor.require(Action::Read, Resource::Audit)?;
    let paging = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let filter = AuditFilter {
        action_prefix: p.action.filter(|s| !s.is_empty()),
        actor_name: p.actor.filter(|s| !s.is_empty()),
        target_kind: p.target_kind.filter(|s| !s.is_empty()),
        from_ms: p.from_ms,
        to_ms: p.to_ms,
        limit: paging.0,
        offset: paging.1,
    };
    let (records, total) = state.store.audit_events(&current.actor.scope, &filter).await?;
    let items = records
        .into_iter()
        .map(|r| AuditDto {
            id: r.id,
            at_ms: r.event.at_ms,
            actor_id: r.event.actor_id,
            actor_name: r.event.actor_name,
            action: r.event.action,
            target_kind: r.event.target_kind,
            target_id: r.event.target_id,
            success: r.event.success,
            before: r.event.before,
            after: r.event.after,
        })
        .collect();
    Ok(Json(Page::new(items, total, paging)))
}
