//! `/api/v1/mediation/cases/{id}/evidence` and `/api/v1/mediation/evidence/{id}`: a mediation
//! case's evidence (证据材料). Uploads are `multipart/form-data`: `source` (who brought it),
//! `description` (what it is) and one or more `file` parts, checked by content exactly as an
//! appeal's attachments are, all before any byte is stored.

use super::ApiPath;
use super::attachments::{Upload, blob_response, read_upload, store_blobs, upload_limit};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use pingan_domain::mediation::EvidenceNote;
use pingan_store::blobs::AttachmentPolicy;
use pingan_store::mediation::Evidence;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .layer(DefaultBodyLimit::max(upload_limit(&AttachmentPolicy::default())))
        .routes(routes!(download))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    /// `applicant`, `respondent` or `committee`.
    pub source: String,
    pub source_zh: String,
    pub description: String,
    /// Detected from the content.
    pub mime: String,
    pub size: i64,
    pub is_image: bool,
    pub added_by: String,
    pub added_ms: i64,
    /// Where to download it.
    pub url: String,
}

impl From<Evidence> for EvidenceDto {
    fn from(e: Evidence) -> Self {
        EvidenceDto {
            url: format!("/api/v1/mediation/evidence/{}", e.id),
            source: e.source.as_str().into(),
            source_zh: e.source.zh().into(),
            mime: e.kind.mime().into(),
            is_image: e.kind.is_image(),
            id: e.id,
            case_id: e.case_id,
            name: e.name,
            description: e.description,
            size: e.size,
            added_by: e.added_by,
            added_ms: e.added_ms,
        }
    }
}

/// Add evidence to a case: `multipart/form-data` with `source` (`applicant`, `respondent`,
/// `committee`), `description`, and one or more `file` parts (JPEG, PNG, WebP, GIF, HEIC or
/// PDF by content; at most 10 MiB each, 30 per case). Not on a case closed without agreement.
#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/evidence", tag = "mediation", params(("id" = i64, Path)),
    request_body(content = Object, content_type = "multipart/form-data", description = "`source`, `description` and one or more `file` parts"),
    responses(
        (status = 201, body = Vec<EvidenceDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Vec<EvidenceDto>>)> {
    caller.check_write(&headers)?;
    // Whether they may add to this case at all, before reading the upload.
    state.store.check_evidence_addable(&caller.actor, id, &[]).await?;
    let Upload { fields, files } = read_upload(multipart, &AttachmentPolicy::default()).await?;
    let text = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let note = EvidenceNote::parse(text("source"), text("description")).map_err(AppError::Invalid)?;
    let added = add(&state, &caller.actor, id, &note, files).await?;
    Ok((StatusCode::CREATED, Json(added.into_iter().map(EvidenceDto::from).collect())))
}

/// Check the count, store the bytes, then record them: what the API and the case page share.
pub(crate) async fn add(
    state: &AppState,
    actor: &pingan_domain::access::Actor,
    id: i64,
    note: &EvidenceNote,
    files: Vec<super::attachments::CheckedFile>,
) -> Result<Vec<Evidence>, AppError> {
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    state.store.check_evidence_addable(actor, id, &names).await?;
    let stored = store_blobs(&state.blobs, files).await?;
    Ok(state.store.add_mediation_evidence(actor, id, note, &stored).await?)
}

/// A case's evidence, for anyone who may read the case.
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}/evidence", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EvidenceDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<EvidenceDto>>> {
    let items = state.store.mediation_evidence(&caller.actor, id).await?;
    Ok(Json(items.into_iter().map(EvidenceDto::from).collect()))
}

/// The bytes of one piece of evidence, for anyone who may read its case.
#[utoipa::path(get, path = "/api/v1/mediation/evidence/{id}", tag = "mediation", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The file, with the type detected when it was added"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let e = state.store.mediation_evidence_item(&caller.actor, id).await?;
    blob_response(&state.blobs, &headers, &e.sha256, e.kind, &e.name).await
}
