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

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrailParams {
    /// The record's kind as the audit trail names it: `appeal`, `mediation_case`,
    /// `safety_application`, `prepaid_merchant`, `prepaid_case`, `org`, `account`, ….
    pub target_kind: String,
    pub target_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrailDto {
    #[serde(flatten)]
    pub event: AuditDto,
    /// The event's entry in the `audit` ledger.
    pub ledger_index: Option<u64>,
    /// Where the offline evidence bundle of that entry is (`pingan-verify` checks it).
    pub bundle_url: Option<String>,
    /// Hex salt that, with the event's canonical JSON, opens the commitment in the ledger
    /// entry: SHA-256(`pingan.audit/v1\0` ‖ salt ‖ event). Absent once the event was erased.
    pub salt: Option<String>,
    /// The event's canonical JSON, exactly the bytes committed to.
    pub canonical: String,
    /// Whether a person's data was erased from the event (PIPL).
    pub redacted: bool,
}

/// A record's audit trail, oldest first, each event with its ledger entry and how to prove
/// it. Events not yet in the ledger are appended first, so every event listed has its entry.
#[utoipa::path(get, path = "/api/v1/audit/trail", tag = "audit", params(TrailParams),
    responses((status = 200, body = Vec<TrailDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_trail(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiQuery(p): ApiQuery<TrailParams>,
) -> ApiResult<Json<Vec<TrailDto>>> {
    current.actor.require(Action::Read, Resource::Audit)?;
    Ok(Json(trail_of(&state, &current.actor.scope, &p.target_kind, p.target_id).await?))
}

/// The trail as the API and the record's audit page show it.
pub async fn trail_of(
    state: &AppState,
    scope: &pingan_domain::Scope,
    target_kind: &str,
    target_id: i64,
) -> Result<Vec<TrailDto>, crate::error::AppError> {
    state.store.sequence_audit_events(SEQUENCE_BATCH).await?;
    let trail = state.store.audit_trail(scope, target_kind, target_id).await?;
    Ok(trail
        .into_iter()
        .map(|t| TrailDto {
            bundle_url: t.ledger_index.map(|i| format!("/api/v1/ledger/audit/entries/{i}/bundle")),
            ledger_index: t.ledger_index,
            salt: t.salt,
            canonical: String::from_utf8(t.event.canonical_bytes()).unwrap_or_default(),
            redacted: t.redacted,
            event: AuditDto {
                id: t.id,
                at_ms: t.event.at_ms,
                actor_id: t.event.actor_id,
                actor_name: t.event.actor_name,
                action: t.event.action,
                target_kind: t.event.target_kind,
                target_id: t.event.target_id,
                success: t.event.success,
                before: t.event.before,
                after: t.event.after,
            },
        })
        .collect())
}

/// How many audit events one sequencing transaction appends.
pub const SEQUENCE_BATCH: i64 = 5_000;
