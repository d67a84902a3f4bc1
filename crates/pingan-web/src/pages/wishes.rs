//! 微心愿 on the resident's phone, `/citizen/wishes`: post a wish (the community found from the
//! phone's position), withdraw or confirm one's own; a party member of the community also sees
//! its open wishes, claims them and reports them done with what was done.

use super::{Form, PageSession, Ui, china_minute, form_refusal, form_text};
use crate::AppState;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use pingan_domain::forces::wish::{NewWish, WishCommand, WishInput, WishKind, WishState};
use pingan_store::wishes::Wish;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen/wishes", axum::routing::get(wishes_page).post(post_submit))
        .route("/citizen/wishes/{id}", post(action_submit))
}

#[derive(Template)]
#[template(path = "wishes_citizen.html")]
struct WishesPage {
    ui: Ui,
    mine: Vec<Wish>,
    claimed: Vec<Wish>,
    open: Vec<Wish>,
    kinds: Vec<(&'static str, &'static str)>,
    form: Form,
    error: Option<String>,
}

impl WishesPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn state_zh(&self, w: &Wish) -> &'static str {
        w.state().zh()
    }

    fn kind_zh(&self, w: &Wish) -> &'static str {
        WishKind::parse(&w.kind).map_or("", WishKind::zh)
    }

    fn when(&self, ms: &i64) -> String {
        china_minute(*ms)
    }

    fn is(&self, w: &Wish, state: &str) -> bool {
        w.state == state
    }
}

async fn view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let ui = Ui { lang: Lang::from_headers(headers), actor: Some(actor.clone()), csrf: current.csrf_token.clone() };
    let all = state.store.wishes(actor, None).await?;
    let (mut mine, mut claimed, mut open) = (vec![], vec![], vec![]);
    for w in all {
        if w.poster_id == actor.account_id {
            mine.push(w);
        } else if w.claimed_by == Some(actor.account_id) {
            claimed.push(w);
        } else if w.state() == WishState::Open {
            open.push(w);
        }
    }
    let kinds = WishKind::ALL.iter().map(|k| (k.code(), k.zh())).collect();
    Ok(WishesPage { ui, mine, claimed, open, kinds, form, error }.render().map_err(AppError::from)?)
}

async fn wishes_page(
    State(state): State<AppState>,
    session: Result<PageSession, crate::error::PageError>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let Ok(PageSession(current)) = session else {
        return Ok(Redirect::to("/citizen/login").into_response());
    };
    if current.actor.role.is_staff() {
        return Ok(Redirect::to("/party").into_response());
    }
    Ok(Html(view(&state, &headers, &current, Form::new(), None).await?).into_response())
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to("/citizen/wishes").into_response()),
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            let mut kept = form;
            kept.remove("_csrf");
            Ok((status, Html(view(state, headers, current, kept, Some(message)).await?)).into_response())
        }
    }
}

async fn post_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let community = super::party::community_at(&state, &form).await?;
    let input = WishInput {
        title: form_text(&form, "title").to_owned(),
        detail: form_text(&form, "detail").to_owned(),
        kind: form_text(&form, "kind").to_owned(),
        community_id: community,
        for_name: None,
    };
    let result = match NewWish::parse(&input) {
        Ok(w) => state.store.post_wish(&current.actor, &w).await.map(|_| ()).map_err(AppError::from),
        Err(mut errors) => {
            for e in errors.iter_mut().filter(|e| e.field == "community_id") {
                e.message = "请先定位:所在位置须在本市某村(社区)内 / locate yourself inside a community first".into();
            }
            Err(AppError::Invalid(errors))
        }
    };
    answer(&state, &headers, &current, form, result).await
}

async fn action_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let command = match form_text(&form, "action") {
        "claim" => WishCommand::Claim,
        "release" => WishCommand::Release,
        "fulfil" => WishCommand::Fulfil { proof: form_text(&form, "proof").to_owned() },
        "confirm" => WishCommand::Confirm,
        "withdraw" => WishCommand::Withdraw,
        _ => return Err(AppError::BadRequest("未知操作 / unknown action".into()).into()),
    };
    let version = form_text(&form, "version").parse().unwrap_or(-1);
    let result =
        state.store.act_on_wish(&current.actor, id, version, &command).await.map(|_| ()).map_err(AppError::from);
    answer(&state, &headers, &current, form, result).await
}
