//! Sign-in, sessions and CSRF.
//!
//! Sessions are rows in the database (only a hash of the cookie value is kept),
//! so any instance behind a load balancer can serve any request. Each session has
//! a CSRF token: forms carry it in a hidden `_csrf` field, API clients that use the
//! session cookie send it in the `X-CSRF-Token` header.

use crate::AppState;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use pingan_domain::Actor;
use pingan_domain::audit::AuditEvent;
use pingan_domain::personal::Phone;
use pingan_store::accounts::{NewSession, OtpRefusal};
use pingan_store::ttl_cache::TtlCache;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const SESSION_COOKIE: &str = "pingan_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Read one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value. `Secure` follows the configuration: government
/// intranets often serve plain HTTP behind their own gateway.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The signed-in account behind a request; rejects with 401 when there is none.
#[derive(Debug, Clone)]
pub struct CurrentActor {
    pub actor: Actor,
    pub csrf_token: String,
}

impl CurrentActor {
    /// Compare a submitted CSRF token with the session's, in constant time.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        let ok = submitted.is_some_and(|s| {
            s.len() == self.csrf_token.len()
                && s.bytes().zip(self.csrf_token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        });
        if ok {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "表单已过期或来源不明,请刷新页面后重试 / stale or foreign form: reload the page and try again".into(),
            ))
        }
    }

    /// For API writes: the token must come in the `X-CSRF-Token` header.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), AppError> {
        self.check_csrf(headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()))
    }
}

impl FromRequestParts<AppState> for CurrentActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let (actor, csrf_token) =
            state.store.session(&token, &state.config.session).await?.ok_or(AppError::Unauthenticated)?;
        // Citizens pass here too: the role table grants them no staff resource, so
        // every staff handler's `require` refuses them.
        Ok(CurrentActor { actor, csrf_token })
    }
}

/// Password sign-in shared by the form and the API.
pub async fn password_login(state: &AppState, username: &str, password: &str) -> Result<(Actor, NewSession), AppError> {
    let username = username.trim().to_ascii_lowercase();
    let key = format!("user:{username}");
    if state.store.login_attempt(&key, &state.config.throttle).await?.is_some() {
        return Err(AppError::TooManyRequests(
            "登录失败次数过多,请 15 分钟后再试 / too many failed sign-ins, try again in 15 minutes".into(),
        ));
    }
    let account = state.store.login_account(&username).await?;
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    // Unknown users are checked against a dummy hash so timing does not reveal them.
    let verified = tokio::task::spawn_blocking(move || match hash {
        Some(h) => pingan_domain::account::verify_password(&password, &h),
        None => {
            pingan_domain::account::verify_password(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let now = chrono::Utc::now().timestamp_millis();
    match account {
        Some(acc) if verified && !acc.disabled => {
            state.store.login_succeeded(&key).await?;
            let session = state.store.create_session(acc.id, &state.config.session).await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(acc.id),
                actor_name: acc.actor.username.clone(),
                action: "account.login".into(),
                target_kind: "account".into(),
                target_id: Some(acc.id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::Value::Null,
            };
            state.store.record_audit(&event, acc.actor.scope.region.as_str()).await?;
            Ok((acc.actor, session))
        }
        other => {
            let event = AuditEvent {
                at_ms: now,
                actor_id: other.as_ref().map(|a| a.id),
                actor_name: username.clone(),
                action: "account.login".into(),
                target_kind: "account".into(),
                target_id: other.as_ref().map(|a| a.id),
                success: false,
                before: serde_json::Value::Null,
                after: serde_json::Value::Null,
            };
            let region =
                other.map(|a| a.actor.scope.region.as_str().to_owned()).unwrap_or_else(|| state.root_path.clone());
            state.store.record_audit(&event, &region).await?;
            Err(AppError::BadCredentials("用户名或密码错误 / wrong username or password".into()))
        }
    }
}

/// Citizen sign-in, step 1: send a one-time code to the phone.
pub async fn request_code(state: &AppState, phone: &Phone) -> Result<(), AppError> {
    let code = pingan_domain::otp::generate_code();
    let hash = pingan_domain::otp::code_hash(phone.as_str(), &code);
    match state.store.issue_otp(phone.as_str(), &hash, &state.config.otp).await? {
        Ok(()) => {}
        Err(OtpRefusal::TooSoon(secs)) => {
            return Err(AppError::TooManyRequests(format!(
                "验证码已发送,请 {secs} 秒后再试 / a code was just sent; retry in {secs} s"
            )));
        }
        Err(other) => return Err(AppError::Internal(format!("unexpected refusal {other:?}"))),
    }
    state.config.code_sender.send(phone, &code).await.map_err(|e| {
        tracing::error!(error = %e, "sending a one-time code failed");
        AppError::Unavailable("短信发送失败,请稍后再试 / the text message could not be sent, try again later".into())
    })
}

/// Citizen sign-in, step 2: check the code; the account is created on first sign-in.
pub async fn verify_code(state: &AppState, phone: &Phone, code: &str) -> Result<(Actor, NewSession), AppError> {
    // Guesses are also counted per phone across re-sent codes, so asking for a new
    // code every minute does not buy unlimited guesses.
    let key = format!("otp:{}", phone.as_str());
    if state.store.login_attempt(&key, &state.config.throttle).await?.is_some() {
        return Err(AppError::TooManyRequests(
            "验证失败次数过多,请 15 分钟后再试 / too many wrong codes, try again in 15 minutes".into(),
        ));
    }
    let hash = pingan_domain::otp::code_hash(phone.as_str(), code);
    match state.store.check_otp(phone.as_str(), &hash, &state.config.otp).await? {
        Ok(()) => {}
        Err(OtpRefusal::Wrong(left)) => {
            return Err(AppError::BadCredentials(format!(
                "验证码错误,还可尝试 {left} 次 / wrong code, {left} attempts left"
            )));
        }
        Err(_) => {
            return Err(AppError::BadCredentials("验证码已失效,请重新获取 / no valid code: request a new one".into()));
        }
    }
    state.store.login_succeeded(&key).await?;
    let account = state.store.citizen_account(phone).await?;
    if account.disabled {
        return Err(AppError::Forbidden("账号已停用 / account disabled".into()));
    }
    let session = state.store.create_session(account.id, &state.config.session).await?;
    let event = AuditEvent {
        at_ms: chrono::Utc::now().timestamp_millis(),
        actor_id: Some(account.id),
        actor_name: account.actor.username.clone(),
        action: "account.login".into(),
        target_kind: "account".into(),
        target_id: Some(account.id),
        success: true,
        before: serde_json::Value::Null,
        after: serde_json::json!({"method": "otp"}),
    };
    state.store.record_audit(&event, account.actor.scope.region.as_str()).await?;
    Ok((account.actor, session))
}

/// An argon2id hash of a random string, for constant-time rejection of unknown users.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5gq3XbpTn1AoFqAUFNb5+4gOiLwQZ/vCjUYT2Xg2bB8";

pub async fn logout(state: &AppState, current: &CurrentActor, headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(&token).await?;
    }
    let event = AuditEvent {
        at_ms: chrono::Utc::now().timestamp_millis(),
        actor_id: Some(current.actor.account_id),
        actor_name: current.actor.username.clone(),
        action: "account.logout".into(),
        target_kind: "account".into(),
        target_id: Some(current.actor.account_id),
        success: true,
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    state.store.record_audit(&event, current.actor.scope.region.as_str()).await?;
    Ok(())
}

/// Who calls the API: a signed-in account (cookie session) or another system with an API
/// token (`Authorization: Bearer …`), which acts as the token's account.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub actor: Actor,
    /// `Some` for a session (writes must carry its CSRF token), `None` for a token.
    session_csrf: Option<String>,
    /// Names the caller for `Idempotency-Key` bookkeeping.
    pub client: String,
}

impl ApiCaller {
    /// Writes by a browser session must carry the CSRF header; token callers need none.
    pub fn check_write(&self, headers: &HeaderMap) -> Result<(), AppError> {
        match &self.session_csrf {
            None => Ok(()),
            Some(csrf) => {
                CurrentActor { actor: self.actor.clone(), csrf_token: csrf.clone() }.check_csrf_header(headers)
            }
        }
    }

    pub fn is_token(&self) -> bool {
        self.session_csrf.is_none()
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(secret) = bearer {
            let (token_id, actor) = match state.tokens.get(secret) {
                Some(hit) => hit,
                None => {
                    let found = state.store.api_token_actor(secret).await?.ok_or_else(|| {
                        AppError::BadCredentials("接口令牌无效或已吊销 / the API token is unknown or revoked".into())
                    })?;
                    state.tokens.put(secret, &found);
                    found
                }
            };
            return Ok(ApiCaller { actor, session_csrf: None, client: format!("token:{token_id}") });
        }
        let current = CurrentActor::from_request_parts(parts, state).await?;
        let client = format!("account:{}", current.actor.account_id);
        Ok(ApiCaller { actor: current.actor, session_csrf: Some(current.csrf_token), client })
    }
}

/// How long a checked API token is trusted without asking the database again: a token revoked
/// or an account disabled (`pingan token revoke`, from another process) stops working on every
/// running instance within this time.
pub const TOKEN_TTL: Duration = Duration::from_secs(10);

/// API tokens recently checked, by the SHA-256 of their secret. A busy integration (the 12345
/// system, a mini-program's back end) sends thousands of requests a second with one token, and
/// a database read for each would be a large share of intake's cost. Only valid tokens are
/// kept; an unknown one is looked up every time.
#[derive(Debug)]
pub struct TokenCache(TtlCache<[u8; 32], (i64, Actor)>);

impl Default for TokenCache {
    fn default() -> Self {
        // Few systems hold tokens; past this many entries the cache starts afresh.
        TokenCache(TtlCache::new(TOKEN_TTL, 1024))
    }
}

impl TokenCache {
    fn key(secret: &str) -> [u8; 32] {
        Sha256::digest(secret.as_bytes()).into()
    }

    pub fn get(&self, secret: &str) -> Option<(i64, Actor)> {
        self.0.get(&Self::key(secret))
    }

    pub fn put(&self, secret: &str, found: &(i64, Actor)) {
        self.0.put(Self::key(secret), found.clone());
    }
}
