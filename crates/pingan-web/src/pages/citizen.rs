//! Residents' pages: sign-in by phone and one-time code, and "my grid" (which
//! grid a place belongs to and the red stations that serve it).

use super::{LOGIN_CSRF_COOKIE, PageSession, Ui, render};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie, request_code, set_cookie, verify_code};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::personal::Phone;
use pingan_store::orgs::PublicStation;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen", get(home))
        .route("/citizen/login", get(login_page).post(login_submit))
        .route("/citizen/code", post(send_code))
}

#[derive(Template)]
#[template(path = "citizen_login.html")]
struct LoginPage {
    ui: Ui,
    phone: String,
    code_sent: bool,
    error: Option<String>,
    notice: Option<String>,
}

/// Render the sign-in page with a fresh double-submit token.
fn login_response(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    page: impl FnOnce(Ui) -> LoginPage,
) -> PageResult<Response> {
    let token = pingan_store::accounts::random_token();
    let html = render(page(Ui { lang, actor: None, csrf: token.clone() }))?;
    let c = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.config.cookie_secure);
    Ok((status, [(header::SET_COOKIE, c)], html).into_response())
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult<Response> {
    let lang = Lang::from_headers(&headers);
    login_response(&state, lang, StatusCode::OK, |ui| LoginPage {
        ui,
        phone: String::new(),
        code_sent: false,
        error: None,
        notice: None,
    })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

fn form_token_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie(headers, LOGIN_CSRF_COOKIE).is_some_and(|c| c == submitted)
}

async fn send_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::Form<CodeForm>, axum::extract::rejection::FormRejection>,
) -> PageResult<Response> {
    let lang = Lang::from_headers(&headers);
    let axum::Form(form) = form?;
    let failed = |status, message: String, phone: String| {
        login_response(&state, lang, status, |ui| LoginPage {
            ui,
            phone,
            code_sent: false,
            error: Some(message),
            notice: None,
        })
    };
    if !form_token_ok(&headers, &form.csrf) {
        return failed(StatusCode::FORBIDDEN, lang.t("login.stale").into(), form.phone);
    }
    let phone = match Phone::parse(&form.phone) {
        Ok(p) => p,
        Err(m) => return failed(StatusCode::BAD_REQUEST, m.into(), form.phone),
    };
    match request_code(&state, &phone).await {
        // A code sent a moment ago is still good: go on to the code form.
        Ok(()) | Err(AppError::TooManyRequests(_)) => login_response(&state, lang, StatusCode::OK, |ui| LoginPage {
            ui,
            phone: phone.as_str().to_owned(),
            code_sent: true,
            error: None,
            notice: Some(lang.t("citizen.code_sent").into()),
        }),
        Err(e) => {
            let (status, message) = e.status_and_message();
            failed(status, message, form.phone)
        }
    }
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::Form<CodeForm>, axum::extract::rejection::FormRejection>,
) -> PageResult<Response> {
    let lang = Lang::from_headers(&headers);
    let axum::Form(form) = form?;
    let again = |status, message: String, phone: String, code_sent: bool| {
        login_response(&state, lang, status, |ui| LoginPage {
            ui,
            phone,
            code_sent,
            error: Some(message),
            notice: None,
        })
    };
    if !form_token_ok(&headers, &form.csrf) {
        return again(StatusCode::FORBIDDEN, lang.t("login.stale").into(), form.phone, false);
    }
    let phone = match Phone::parse(&form.phone) {
        Ok(p) => p,
        Err(m) => return again(StatusCode::BAD_REQUEST, m.into(), form.phone, false),
    };
    match verify_code(&state, &phone, &form.code).await {
        Ok((_actor, session)) => {
            let c = set_cookie(
                SESSION_COOKIE,
                &session.token,
                state.config.session.absolute_ms / 1000,
                state.config.cookie_secure,
            );
            Ok(([(header::SET_COOKIE, c)], Redirect::to("/citizen")).into_response())
        }
        Err(e @ AppError::BadCredentials(_)) => {
            let (status, message) = e.status_and_message();
            again(status, message, phone.as_str().to_owned(), true)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "citizen_home.html")]
struct HomePage {
    ui: Ui,
    masked_phone: String,
    lon: String,
    lat: String,
    error: Option<String>,
    chain: Option<String>,
    stations: Vec<PublicStation>,
}

#[derive(Deserialize)]
struct PlaceQuery {
    lon: Option<String>,
    lat: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    session: Result<PageSession, crate::error::PageError>,
    headers: HeaderMap,
    Query(q): Query<PlaceQuery>,
) -> PageResult<Response> {
    let Ok(PageSession(current)) = session else {
        return Ok(Redirect::to("/citizen/login").into_response());
    };
    if current.actor.role.is_staff() {
        return Ok(Redirect::to("/home").into_response());
    }
    let ui =
        Ui { lang: Lang::from_headers(&headers), actor: Some(current.actor.clone()), csrf: current.csrf_token.clone() };
    let masked_phone = current.actor.display_name.clone();
    let lon = q.lon.unwrap_or_default();
    let lat = q.lat.unwrap_or_default();
    let (mut error, mut chain, mut stations) = (None, None, Vec::new());
    if !lon.trim().is_empty() || !lat.trim().is_empty() {
        match (lon.trim().parse::<f64>(), lat.trim().parse::<f64>()) {
            (Ok(x), Ok(y)) => match state.grid_index().locate(x, y) {
                Some(grid_id) => {
                    let grid = state.store.region_unscoped(grid_id).await?;
                    let ancestors = state.store.ancestors(&grid).await?;
                    chain = Some(ancestors.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(" › "));
                    // The grid's village: the red stations of the whole village serve it.
                    let village = ancestors.iter().rev().nth(1).unwrap_or(&grid);
                    stations = state.store.public_red_stations(&village.path, 20).await?;
                }
                None => error = Some(format!("该位置不在本市辖区内 / ({x}, {y}) is outside the jurisdiction")),
            },
            _ => error = Some(
                "经纬度须为数字,例如 116.30 与 37.45 / longitude and latitude must be numbers, e.g. 116.30 and 37.45"
                    .into(),
            ),
        }
    }
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, render(HomePage { ui, masked_phone, lon, lat, error, chain, stations })?).into_response())
}
