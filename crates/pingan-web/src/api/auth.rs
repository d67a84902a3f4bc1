//! `/api/v1/auth`: sign in with a password, sign out, who am I.

use crate::AppState;
use crate::auth::{CurrentActor, SESSION_COOKIE, password_login, set_cookie};
use crate::error::AppError;
use crate::error::{ApiResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pingan_domain::FieldError;
use pingan_domain::personal::Phone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in account, its role and scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    /// Role code, e.g. `grid_worker`, `admin`.
    pub role: String,
    pub role_name: String,
    /// Id of the region at the root of the account's scope.
    pub scope_region_id: i64,
    pub scope_org_id: Option<i64>,
    /// Send this in `X-CSRF-Token` with every write that uses the session cookie.
    pub csrf_token: String,
}

impl Me {
    fn new(c: &CurrentActor) -> Me {
        let a = &c.actor;
        Me {
            account_id: a.account_id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role.as_str().into(),
            role_name: a.role.zh().into(),
            scope_region_id: a.scope.region.id(),
            scope_org_id: a.scope.org_id,
            csrf_token: c.csrf_token.clone(),
        }
    }
}

/// Sign in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = Me),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    super::ApiJson(req): super::ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let (actor, session) = password_login(&state, &req.username, &req.password).await?;
    let cookie =
        set_cookie(SESSION_COOKIE, &session.token, state.config.session.absolute_ms / 1000, state.config.cookie_secure);
    let me = Me::new(&CurrentActor { actor, csrf_token: session.csrf_token });
    Ok(([(header::SET_COOKIE, cookie)], Json(me)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    /// Mainland mobile number, 11 digits.
    pub phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeLogin {
    pub phone: String,
    /// The 6-digit code received by text message.
    pub code: String,
}

fn parse_phone(s: &str) -> Result<Phone, AppError> {
    Phone::parse(s).map_err(|m| AppError::Invalid(vec![FieldError::new("phone", m)]))
}

/// Citizens: send a one-time sign-in code to a phone (at most once a minute).
#[utoipa::path(post, path = "/api/v1/auth/code", tag = "auth", request_body = CodeRequest,
    responses(
        (status = 202, description = "Code sent"),
        (status = 400, description = "Not a mobile number", body = ErrorBody),
        (status = 429, description = "A code was sent less than a minute ago", body = ErrorBody),
        (status = 503, description = "The SMS gateway failed", body = ErrorBody),
    ))]
pub async fn request_code(
    State(state): State<AppState>,
    super::ApiJson(req): super::ApiJson<CodeRequest>,
) -> ApiResult<StatusCode> {
    let phone = parse_phone(&req.phone)?;
    crate::auth::request_code(&state, &phone).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Citizens: sign in with the phone and the code; creates the account on first sign-in.
#[utoipa::path(post, path = "/api/v1/auth/code/login", tag = "auth", request_body = CodeLogin,
    responses(
        (status = 200, description = "Signed in", body = Me),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Wrong or expired code", body = ErrorBody),
    ))]
pub async fn code_login(
    State(state): State<AppState>,
    super::ApiJson(req): super::ApiJson<CodeLogin>,
) -> ApiResult<Response> {
    let phone = parse_phone(&req.phone)?;
    let (actor, session) = crate::auth::verify_code(&state, &phone, &req.code).await?;
    let cookie =
        set_cookie(SESSION_COOKIE, &session.token, state.config.session.absolute_ms / 1000, state.config.cookie_secure);
    let me = Me::new(&CurrentActor { actor, csrf_token: session.csrf_token });
    Ok(([(header::SET_COOKIE, cookie)], Json(me)).into_response())
}

/// Sign out: ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, current: CurrentActor, headers: HeaderMap) -> ApiResult<Response> {
    current.check_csrf_header(&headers)?;
    crate::auth::logout(&state, &current, &headers).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.config.cookie_secure);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(current: CurrentActor) -> Json<Me> {
    Json(Me::new(&current))
}
