//! `/api/v1/appeals/{id}/attachments` and `/api/v1/attachments/{id}`: photos and documents of
//! a case (附件). Uploads are `multipart/form-data` with one or more `file` parts; each file is
//! checked by its content (never its name or claimed type) and all of them, with the count
//! limit, before any byte is stored. Downloads are served with the detected type, `nosniff`
//! and a sandboxing policy, since the bytes come from the public.

use super::ApiPath;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pingan_domain::FieldError;
use pingan_store::StoreError;
use pingan_store::appeals::{Attachment, clean_attachment_name};
use pingan_store::blobs::{AttachmentKind, AttachmentPolicy, BlobError, BlobRef, BlobStore, check_attachment};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes; uploads may be as large as a case's full set of attachments (plus the
/// multipart framing), everything else keeps the default body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .layer(DefaultBodyLimit::max(upload_limit(&AttachmentPolicy::default())))
        .routes(routes!(download))
}

/// The largest upload request: every allowed file at its largest, and 1 MiB for the framing.
pub fn upload_limit(policy: &AttachmentPolicy) -> usize {
    policy.max_count * policy.max_bytes as usize + 1024 * 1024
}

/// Open the attachment store at start-up (the directory is created if missing).
pub fn open_blob_store(dir: &std::path::Path) -> Result<BlobStore, StoreError> {
    BlobStore::open(dir)
        .map_err(|e| StoreError::Corrupt(format!("cannot open the attachment directory {}: {e}", dir.display())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub appeal_id: i64,
    pub name: String,
    /// Detected from the content.
    pub mime: String,
    /// `jpeg`, `png`, `webp`, `gif`, `heic` or `pdf`.
    pub kind: String,
    pub size: i64,
    /// A photo (shown as a thumbnail) rather than a document.
    pub is_image: bool,
    pub added_ms: i64,
    /// Where to download it.
    pub url: String,
}

impl From<Attachment> for AttachmentDto {
    fn from(a: Attachment) -> Self {
        AttachmentDto {
            url: format!("/api/v1/attachments/{}", a.id),
            mime: a.mime().into(),
            kind: serde_json::to_value(a.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            is_image: a.kind.is_image(),
            id: a.id,
            appeal_id: a.appeal_id,
            name: a.name,
            size: a.size,
            added_ms: a.added_ms,
        }
    }
}

fn file_error(message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new("file", message)])
}

/// What went wrong when the request broke off while reading the file `name`: past the body
/// limit of `limit` bytes, or incomplete.
pub(crate) fn read_error_message(name: &str, e: &MultipartError, limit: usize) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let mib = limit / (1024 * 1024);
        format!(
            "附件「{name}」超出单次上传总量上限 {mib} MiB,请分批上传 / attachment '{name}' takes the upload past its {mib} MiB limit: upload fewer files at once"
        )
    } else {
        format!("附件「{name}」上传不完整,请重试 / attachment '{name}' arrived incomplete: {}", e.body_text())
    }
}

/// One uploaded file, read whole and checked by its content.
pub(crate) struct CheckedFile {
    /// Cleaned ([`clean_attachment_name`]).
    pub name: String,
    pub bytes: Vec<u8>,
    pub kind: AttachmentKind,
}

/// Read the file part `field`, named `name`, and check it against `policy`: the file, or the
/// refusal naming it. `Err` when the request broke off (too large or incomplete).
pub(crate) async fn read_file(
    mut field: Field<'_>,
    name: String,
    policy: &AttachmentPolicy,
) -> Result<Result<CheckedFile, BlobError>, MultipartError> {
    // Keep no more of a file than could pass, but count all of it for the message.
    let (mut bytes, mut size) = (Vec::new(), 0u64);
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        if size <= policy.max_bytes {
            bytes.extend_from_slice(&chunk);
        }
    }
    if size > policy.max_bytes {
        return Ok(Err(BlobError::TooLarge { name, bytes: size, max: policy.max_bytes }));
    }
    Ok(check_attachment(policy, &name, &bytes).map(|kind| CheckedFile { name, bytes, kind }))
}

/// Write checked files to the blob store, in order; what the attachment rows then point at.
pub(crate) async fn store_blobs(
    blobs: &BlobStore,
    files: Vec<CheckedFile>,
) -> Result<Vec<(String, BlobRef)>, AppError> {
    let mut stored = Vec::with_capacity(files.len());
    for file in files {
        // Content-addressed: a blob left by a later failure is harmless and reused.
        let blob =
            blobs.put(&file.bytes).await.map_err(|e| AppError::Internal(format!("storing '{}': {e}", file.name)))?;
        stored.push((file.name, blob));
    }
    Ok(stored)
}

/// A multipart upload read whole: its short text fields and its `file` parts, each checked.
pub(crate) struct Upload {
    pub fields: std::collections::BTreeMap<String, String>,
    pub files: Vec<CheckedFile>,
}

/// The longest text field an upload carries beside its files.
const UPLOAD_TEXT_LIMIT: usize = 8 * 1024;

/// Read a multipart upload: every `file` part checked by content against `policy`, text
/// fields kept. All refused files are named together; none is stored here. At least one
/// file is required.
pub(crate) async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
    policy: &AttachmentPolicy,
) -> Result<Upload, AppError> {
    let mut multipart = multipart.map_err(|r| {
        AppError::BadRequest(format!(
            "请以 multipart/form-data 上传附件 / send the files as multipart/form-data: {}",
            r.body_text()
        ))
    })?;
    let limit = upload_limit(policy);
    let mut files = Vec::new();
    let mut fields = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    let malformed = |e: MultipartError| {
        AppError::BadRequest(format!("上传内容格式有误 / malformed multipart body: {}", e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let key = field.name().unwrap_or_default().to_owned();
        if key != "file" {
            if field.file_name().is_none() {
                let text = field.text().await.map_err(malformed)?;
                if text.len() > UPLOAD_TEXT_LIMIT {
                    errors.push(FieldError::new(key.clone(), "内容过长 / too long"));
                }
                fields.insert(key, text);
            }
            continue;
        }
        let name = clean_attachment_name(field.file_name(), files.len() + errors.len() + 1);
        let read = read_file(field, name.clone(), policy).await;
        match read.map_err(|e| file_error(read_error_message(&name, &e, limit)))? {
            Ok(file) => files.push(file),
            Err(e) => errors.push(FieldError::new("file", e.to_string())),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if files.is_empty() {
        return Err(file_error("请选择要上传的附件 / choose at least one file"));
    }
    Ok(Upload { fields, files })
}

/// Add photos or documents to a case: `multipart/form-data` with one or more `file` parts
/// (JPEG, PNG, WebP, GIF, HEIC or PDF by content; at most 10 MiB each and 9 per case).
/// Residents add to their own reports, staff to cases they may act on. A refused file is
/// named in the answer and nothing is stored.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/attachments", tag = "appeals", params(("id" = i64, Path)),
    request_body(content = Object, content_type = "multipart/form-data", description = "One or more `file` parts"),
    responses(
        (status = 201, body = Vec<AttachmentDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentDto>>)> {
    caller.check_write(&headers)?;
    let policy = AttachmentPolicy::default();
    // Whether they may add to this case at all, before reading the upload.
    state.store.check_attachable(&caller.actor, id, &[], &policy).await?;
    let Upload { files, .. } = read_upload(multipart, &policy).await?;
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    state.store.check_attachable(&caller.actor, id, &names, &policy).await?;
    let stored = store_blobs(&state.blobs, files).await?;
    let added = state.store.add_attachments(&caller.actor, id, &stored, &policy).await?;
    Ok((StatusCode::CREATED, Json(added.into_iter().map(AttachmentDto::from).collect())))
}

/// A case's attachments, for anyone who may read the case.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/attachments", tag = "appeals", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AttachmentDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AttachmentDto>>> {
    let items = state.store.appeal_attachments(&caller.actor, id).await?;
    Ok(Json(items.into_iter().map(AttachmentDto::from).collect()))
}

/// The bytes of one attachment, for anyone who may read its case: photos inline, PDFs as a
/// download.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "appeals", params(("id" = i64, Path)),
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
    let a = state.store.attachment(&caller.actor, id).await?;
    blob_response(&state.blobs, &headers, &a.sha256, a.kind, &a.name).await
}

/// The response serving blob `sha256` of `kind` under the uploader's `name`: the hash as
/// entity tag (304 when unchanged), private caching, `nosniff` and a sandboxing policy.
pub(crate) async fn blob_response(
    blobs: &BlobStore,
    headers: &HeaderMap,
    sha256: &str,
    kind: AttachmentKind,
    name: &str,
) -> ApiResult<Response> {
    // The bytes under a name never change, so the hash is the entity tag.
    let etag = format!("\"{sha256}\"");
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, HeaderValue::from_str(&etag).map_err(|e| AppError::Internal(format!("etag: {e}")))?);
    // Private: only this signed-in person may see it; a shared cache must not keep it.
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag)) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    let bytes = blobs.get(sha256).await.map_err(|e| match e {
        BlobError::NotFound => AppError::Internal(format!("blob {sha256} is missing")),
        e => AppError::Internal(format!("blob {sha256}: {e}")),
    })?;
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    out.insert(header::CONTENT_DISPOSITION, content_disposition(name, kind));
    // Should a browser render it anyway, it runs nothing and loads nothing.
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok((StatusCode::OK, out, Body::from(bytes)).into_response())
}

/// `inline` for photos, `attachment` for documents, with the uploader's name (its extension
/// made to match the content) as RFC 6266 wants it: an ASCII fallback and the UTF-8 name.
fn content_disposition(name: &str, kind: AttachmentKind) -> HeaderValue {
    let disposition = if kind.is_image() { "inline" } else { "attachment" };
    let name = download_name(name, kind);
    let plain = |c: char| c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\');
    let ascii: String = name.chars().map(|c| if plain(c) { c } else { '_' }).collect();
    let value = format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}", super::rfc5987(&name));
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The name with an extension that says what the content is, so a saved `x.exe` that is
/// really a JPEG opens as a picture.
fn download_name(name: &str, kind: AttachmentKind) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let fits = match (kind, ext.as_deref()) {
        (AttachmentKind::Jpeg, Some("jpg" | "jpeg" | "jfif")) => true,
        (AttachmentKind::Heic, Some("heic" | "heif")) => true,
        (k, Some(e)) => e == k.extension(),
        (_, None) => false,
    };
    if fits { name.to_owned() } else { format!("{name}.{}", kind.extension()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_say_what_they_are() {
        let photo = content_disposition("现场 1.jpg", AttachmentKind::Jpeg);
        assert_eq!(
            photo.to_str().unwrap(),
            "inline; filename=\"__ 1.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%201.jpg"
        );
        let pdf = content_disposition("a\"b.pdf", AttachmentKind::Pdf);
        assert_eq!(pdf.to_str().unwrap(), "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf");
        assert_eq!(download_name("x.exe", AttachmentKind::Png), "x.exe.png");
        assert_eq!(download_name("IMG.JPEG", AttachmentKind::Jpeg), "IMG.JPEG");
        assert_eq!(download_name("scan", AttachmentKind::Pdf), "scan.pdf");
    }

    #[test]
    fn the_upload_limit_covers_a_full_set() {
        assert_eq!(upload_limit(&AttachmentPolicy::default()), 91 * 1024 * 1024);
    }
}
