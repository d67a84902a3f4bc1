//! The web layer's one error type and its one mapping to HTTP.
//!
//! Every handler returns `Result<_, AppError>` (JSON API) or
//! `Result<_, PageError>` (HTML pages); both use [`AppError::status_and_message`],
//! so a given failure has the same status everywhere. User mistakes are 4xx with
//! a message a person understands; only real faults are 500, and those are logged
//! with detail while the response stays generic.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pingan_domain::FieldError;
use pingan_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("输入有误 / invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("请先登录 / please sign in")]
    Unauthenticated,
    /// Wrong credentials: 401 with a message (a page shows it on the form).
    #[error("{0}")]
    BadCredentials(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("未找到,或不在您的管辖范围内 / not found or outside your scope")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// Well-formed input that the city cannot act on, e.g. a point outside its territory.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// JSON error body: `{"error": "...", "fields": [{"field": "...", "message": "..."}]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn status_and_message(&self) -> (StatusCode, String) {
        let status = match self {
            AppError::Invalid(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::BadCredentials(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                return (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误,已记录 / internal error, logged".into());
            }
        };
        (status, self.to_string())
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(f) => f.clone(),
            _ => Vec::new(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Denied(d) => AppError::Forbidden(d.to_string()),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(f) => AppError::Invalid(f),
            StoreError::Refused { status: 403, message } => AppError::Forbidden(message),
            StoreError::Refused { status: 422, message } => AppError::Unprocessable(message),
            StoreError::Refused { message, .. } => AppError::Conflict(message),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(f: Vec<FieldError>) -> Self {
        AppError::Invalid(f)
    }
}

impl From<pingan_domain::access::Denied> for AppError {
    fn from(d: pingan_domain::access::Denied) -> Self {
        AppError::Forbidden(d.to_string())
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        AppError::BadRequest(format!("请求体不是有效的 JSON 或缺少字段 / malformed JSON body: {}", r.body_text()))
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(format!("查询参数有误 / bad query parameters: {}", r.body_text()))
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        AppError::BadRequest(format!("路径参数有误 / bad path parameter: {}", r.body_text()))
    }
}

impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        AppError::BadRequest(format!("表单内容有误 / malformed form: {}", r.body_text()))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error) = self.status_and_message();
        (status, Json(ErrorBody { error, fields: self.fields() })).into_response()
    }
}

/// The same errors, for HTML pages: an unauthenticated visitor is sent to the
/// sign-in page, anything else gets a small page with the message.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let (status, message) = self.0.status_and_message();
        let mut details = String::new();
        for f in self.0.fields() {
            details.push_str(&format!(
                "<li><b>{}</b>: {}</li>",
                crate::html_escape(&f.field),
                crate::html_escape(&f.message)
            ));
        }
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <link rel=\"stylesheet\" href=\"/assets/app.css\"><title>{code}</title></head><body><main class=\"error-page\">\
             <h1>{code}</h1><p>{msg}</p><ul>{details}</ul><p><a href=\"javascript:history.back()\">返回 / Back</a> · <a href=\"/home\">首页 / Home</a></p></main></body></html>",
            code = status.as_u16(),
            msg = crate::html_escape(&message),
        );
        (status, Html(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
pub type PageResult<T> = Result<T, PageError>;
