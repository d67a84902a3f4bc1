//! `/api/v1/ledger/{log}/*`: the tamper-evident logs as a regulator, a court or a consumer
//! checks them — the signed checkpoint (signed on demand when the log has grown), inclusion and
//! consistency proofs (public: they reveal only hashes), and, for signed-in staff, entries and
//! the offline evidence bundle that `pingan-verify` checks with nothing else.

use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_ledger::bundle::{BUNDLE_FORMAT, EvidenceBundle};
use pingan_store::ledger::{LOGS, SignedCheckpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(checkpoints))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        .routes(routes!(entry))
        .routes(routes!(bundle))
}

fn log_name(log: &str) -> Result<&'static str, AppError> {
    LOGS.iter().copied().find(|l| *l == log).ok_or(AppError::NotFound)
}

async fn signed(state: &AppState, log: &'static str) -> Result<SignedCheckpoint, AppError> {
    let signer = state.ledger_signers.get(log).ok_or(AppError::NotFound)?;
    let origin = format!("{}/{log}", state.config.ledger_origin);
    Ok(state.store.ledger_checkpoint(log, &origin, signer).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointResponse {
    pub log: String,
    pub size: u64,
    /// The C2SP signed note (`origin`, size, base64 root, a blank line, the signature).
    pub checkpoint: String,
    /// The key that verifies it (`<name>+<id>+<key>`); pin your own copy.
    pub verifier_key: String,
    pub signed_ms: i64,
}

/// The log's latest checkpoint, signed now if the log has grown since the last one.
#[utoipa::path(get, path = "/api/v1/ledger/{log}/checkpoint", tag = "ledger", params(("log" = String, Path)),
    responses((status = 200, body = CheckpointResponse), (status = 404, body = ErrorBody)))]
pub async fn checkpoint(
    State(state): State<AppState>,
    ApiPath(log): ApiPath<String>,
) -> ApiResult<Json<CheckpointResponse>> {
    let log = log_name(&log)?;
    let cp = signed(&state, log).await?;
    let verifier_key = state.ledger_signers.get(log).map(|s| s.verifier_key()).unwrap_or_default();
    Ok(Json(CheckpointResponse {
        log: cp.log,
        size: cp.size,
        checkpoint: cp.note,
        verifier_key,
        signed_ms: cp.signed_ms,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CheckpointsParams {
    /// Only checkpoints of a larger size than this (the last one a reader holds).
    pub after: Option<u64>,
    /// At most this many, 1–1000 (default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointsResponse {
    pub log: String,
    pub verifier_key: String,
    /// Oldest first; each `note` is a C2SP signed note.
    #[schema(value_type = Vec<Object>)]
    pub checkpoints: Vec<SignedCheckpoint>,
}

/// The checkpoints the log signed, oldest first, for publication: a regulator or an external
/// chain keeps them and later asks for consistency proofs between them (public).
#[utoipa::path(get, path = "/api/v1/ledger/{log}/checkpoints", tag = "ledger",
    params(("log" = String, Path), CheckpointsParams),
    responses((status = 200, body = CheckpointsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    ApiPath(log): ApiPath<String>,
    ApiQuery(p): ApiQuery<CheckpointsParams>,
) -> ApiResult<Json<CheckpointsResponse>> {
    let log = log_name(&log)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::Invalid(vec![FieldError::new("limit", "须在 1–1000 之间 / must be 1–1000")]));
    }
    let checkpoints = state.store.ledger_checkpoints(log, p.after.unwrap_or(0), limit).await?;
    let verifier_key = state.ledger_signers.get(log).map(|s| s.verifier_key()).unwrap_or_default();
    Ok(Json(CheckpointsResponse { log: log.into(), verifier_key, checkpoints }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InclusionParams {
    pub index: u64,
    /// The tree size (default: the latest checkpoint's).
    pub size: Option<u64>,
}

/// A proof as `pingan-verify` reads it: `{leafIdx, treeSize, root, leafHash, proof}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    pub leaf_idx: u64,
    pub tree_size: u64,
    pub root: String,
    pub leaf_hash: String,
    pub proof: Vec<String>,
}

fn b64_all(hashes: &[pingan_ledger::Hash]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

/// The inclusion proof of entry `index` in the tree of `size` (public: hashes only).
#[utoipa::path(get, path = "/api/v1/ledger/{log}/proof/inclusion", tag = "ledger",
    params(("log" = String, Path), InclusionParams),
    responses((status = 200, body = InclusionProof), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiPath(log): ApiPath<String>,
    ApiQuery(p): ApiQuery<InclusionParams>,
) -> ApiResult<Json<InclusionProof>> {
    let log = log_name(&log)?;
    let size = match p.size {
        Some(size) => size,
        None => signed(&state, log).await?.size,
    };
    if p.index >= size {
        return Err(AppError::Invalid(vec![FieldError::new(
            "index",
            format!("树中只有 {size} 条 / the tree of size {size} has no entry {}", p.index),
        )]));
    }
    let proof = state.store.ledger_inclusion(log, p.index, size).await?;
    let root = state.store.ledger_root(log, size).await?;
    let entry = state.store.ledger_entry(log, p.index).await?;
    Ok(Json(InclusionProof {
        leaf_idx: p.index,
        tree_size: size,
        root: B64.encode(root),
        leaf_hash: B64.encode(pingan_ledger::leaf_hash(&entry)),
        proof: b64_all(&proof),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ConsistencyParams {
    pub size1: u64,
    /// Default: the latest checkpoint's size.
    pub size2: Option<u64>,
}

/// A proof as `pingan-verify` reads it: `{size1, size2, root1, root2, proof}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub size1: u64,
    pub size2: u64,
    pub root1: String,
    pub root2: String,
    pub proof: Vec<String>,
}

/// The consistency proof between two sizes of the log (public: hashes only).
#[utoipa::path(get, path = "/api/v1/ledger/{log}/proof/consistency", tag = "ledger",
    params(("log" = String, Path), ConsistencyParams),
    responses((status = 200, body = ConsistencyProof), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiPath(log): ApiPath<String>,
    ApiQuery(p): ApiQuery<ConsistencyParams>,
) -> ApiResult<Json<ConsistencyProof>> {
    let log = log_name(&log)?;
    let size2 = match p.size2 {
        Some(size) => size,
        None => signed(&state, log).await?.size,
    };
    if p.size1 > size2 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "size1",
            "size1 不能大于 size2 / size1 is larger than size2",
        )]));
    }
    let proof = state.store.ledger_consistency(log, p.size1, size2).await?;
    Ok(Json(ConsistencyProof {
        size1: p.size1,
        size2,
        root1: B64.encode(state.store.ledger_root(log, p.size1).await?),
        root2: B64.encode(state.store.ledger_root(log, size2).await?),
        proof: b64_all(&proof),
    }))
}

/// Entries are for readers of the audit trail; an `audit` entry only within the reader's
/// scope (its leaf names the action, the record and the region).
async fn readable(state: &AppState, caller: &ApiCaller, log: &str, index: u64) -> Result<&'static str, AppError> {
    caller.actor.require(Action::Read, Resource::Audit)?;
    let log = log_name(log)?;
    if log == "audit" {
        state.store.audit_entry_in_scope(&caller.actor.scope, index).await?;
    }
    Ok(log)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryResponse {
    pub log: String,
    pub index: u64,
    /// The entry's canonical bytes, base64.
    pub entry: String,
    pub leaf_hash: String,
}

/// An entry by index (signed-in readers of the audit trail).
#[utoipa::path(get, path = "/api/v1/ledger/{log}/entries/{index}", tag = "ledger",
    params(("log" = String, Path), ("index" = u64, Path)),
    responses((status = 200, body = EntryResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((log, index)): ApiPath<(String, u64)>,
) -> ApiResult<Json<EntryResponse>> {
    let log = readable(&state, &caller, &log, index).await?;
    let bytes = state.store.ledger_entry(log, index).await?;
    Ok(Json(EntryResponse {
        log: log.into(),
        index,
        leaf_hash: B64.encode(pingan_ledger::leaf_hash(&bytes)),
        entry: B64.encode(bytes),
    }))
}

/// The offline evidence bundle of an entry: the entry, its inclusion proof and the signed
/// checkpoint it leads to. `pingan-verify bundle.json` checks it with nothing else.
#[utoipa::path(get, path = "/api/v1/ledger/{log}/entries/{index}/bundle", tag = "ledger",
    params(("log" = String, Path), ("index" = u64, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn bundle(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((log, index)): ApiPath<(String, u64)>,
) -> ApiResult<Json<EvidenceBundle>> {
    let log = readable(&state, &caller, &log, index).await?;
    let bytes = state.store.ledger_entry(log, index).await?;
    let cp = signed(&state, log).await?;
    let proof = state.store.ledger_inclusion(log, index, cp.size).await?;
    Ok(Json(EvidenceBundle {
        format: BUNDLE_FORMAT.into(),
        log: log.into(),
        index,
        entry: B64.encode(bytes),
        proof: b64_all(&proof),
        checkpoint: cp.note,
        verifier_key: state.ledger_signers.get(log).map(|s| s.verifier_key()).unwrap_or_default(),
    }))
}
