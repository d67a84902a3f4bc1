//! 微心愿 pages. On the resident's phone, `/citizen/wishes`: post a wish (the community found
//! from the phone's position), withdraw or confirm one's own; a party member of the community
//! also sees its open wishes, claims them and reports them done with what was done and photos.
//! For staff, `/wishes`: the wishes of their scope with the figures, a wish posted for a
//! resident who has no phone (grid workers, cadres), and a unit's claims and reports.

use super::citizen_appeals::PostedForm;
use super::{Form, PageActor, PageSession, Ui, china_minute, form_answer, form_text};
use crate::AppState;
use crate::api::attachments::store_blobs;
use crate::auth::CurrentActor;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::FieldError;
use pingan_domain::forces::wish::{NewWish, WishCommand, WishInput, WishKind, WishState};
use pingan_store::wishes::{WISH_PHOTOS, Wish, WishFigures, WishPhoto};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen/wishes", get(wishes_page).post(post_submit))
        .route("/citizen/wishes/{id}", post(action_submit))
        .route("/wishes", get(staff_page).post(staff_post_submit))
        .route("/wishes/{id}", post(staff_action_submit))
}

fn state_name(lang: Lang, state: WishState) -> &'static str {
    lang.t(&format!("wish.state.{}", state.code()))
}

/// What both pages need to draw wish cards and forms: the photos of the wishes shown, the
/// photo limit, and the form sent back after a refusal. The pages deref to it, so their
/// templates call these as their own.
struct Cards {
    lang: Lang,
    photos: HashMap<i64, Vec<WishPhoto>>,
    max_photos: usize,
    form: Form,
}

impl Cards {
    fn new(lang: Lang, photos: HashMap<i64, Vec<WishPhoto>>, form: Form) -> Cards {
        Cards { lang, photos, max_photos: WISH_PHOTOS, form }
    }

    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn state_name(&self, w: &Wish) -> &'static str {
        state_name(self.lang, w.state())
    }

    fn kind_name(&self, w: &Wish) -> &'static str {
        WishKind::parse(&w.kind).map_or("", |k| self.lang.t(&format!("wish.kind.{}", k.code())))
    }

    fn when(&self, ms: &i64) -> String {
        china_minute(*ms)
    }

    fn is(&self, w: &Wish, state: &str) -> bool {
        w.state == state
    }

    fn photos_of(&self, w: &Wish) -> &[WishPhoto] {
        self.photos.get(&w.id).map_or(&[], Vec::as_slice)
    }
}

#[derive(Template)]
#[template(path = "wishes_citizen.html")]
struct WishesPage {
    ui: Ui,
    mine: Vec<Wish>,
    claimed: Vec<Wish>,
    open: Vec<Wish>,
    kinds: Vec<(&'static str, &'static str)>,
    cards: Cards,
    error: Option<String>,
}

impl std::ops::Deref for WishesPage {
    type Target = Cards;
    fn deref(&self) -> &Cards {
        &self.cards
    }
}

async fn view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let all = state.store.wishes(actor, None).await?;
    let photos = state.store.wish_photos(&all).await?;
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
    let ui = Ui::for_actor(headers, current);
    let kinds = WishKind::ALL.iter().map(|k| (k.code(), ui.t(&format!("wish.kind.{}", k.code())))).collect();
    let page = WishesPage { cards: Cards::new(ui.lang, photos, form), ui, mine, claimed, open, kinds, error };
    Ok(page.render().map_err(AppError::from)?)
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
        return Ok(Redirect::to("/wishes").into_response());
    }
    Ok(Html(view(&state, &headers, &current, Form::new(), None).await?).into_response())
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
    form_answer(result, "/citizen/wishes", form, async |kept, message| {
        view(&state, &headers, &current, kept, Some(message)).await
    })
    .await
}

/// Do what a wish card's form asks (the `action` field), with the fulfil form's photos stored
/// first: a refused photo refuses the whole report, and nothing is written.
async fn act(
    state: &AppState,
    current: &CurrentActor,
    id: i64,
    mut posted: PostedForm,
) -> (Form, Result<(), AppError>) {
    let fields = std::mem::take(&mut posted.fields);
    let result = async {
        if let Some((_, message)) = posted.broken.take() {
            return Err(AppError::Invalid(vec![FieldError::new("photos", message)]));
        }
        if !posted.photo_errors.is_empty() {
            return Err(AppError::Invalid(std::mem::take(&mut posted.photo_errors)));
        }
        let command = match form_text(&fields, "action") {
            "claim" => WishCommand::Claim,
            "release" => WishCommand::Release,
            "fulfil" => WishCommand::Fulfil { proof: form_text(&fields, "proof").to_owned() },
            "confirm" => WishCommand::Confirm,
            "withdraw" => WishCommand::Withdraw,
            _ => return Err(AppError::Invalid(vec![FieldError::new("action", "未知操作 / unknown action")])),
        };
        if posted.photos.len() > WISH_PHOTOS {
            let message = format!("照片最多 {WISH_PHOTOS} 张 / at most {WISH_PHOTOS} photos");
            return Err(AppError::Invalid(vec![FieldError::new("photos", message)]));
        }
        let Ok(version) = form_text(&fields, "version").parse() else {
            return Err(AppError::Invalid(vec![FieldError::new(
                "version",
                "请刷新页面后重试 / reload the page and retry",
            )]));
        };
        let photos = store_blobs(&state.blobs, std::mem::take(&mut posted.photos)).await?;
        state.store.act_on_wish_with_photos(&current.actor, id, version, &command, &photos).await?;
        Ok(())
    }
    .await;
    (fields, result)
}

async fn action_submit(
    State(state): State<AppState>,
    PageSession(current): PageSession,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = PostedForm::read(req, &state, true).await?;
    current.check_csrf(posted.fields.get("_csrf").map(String::as_str))?;
    let (form, result) = act(&state, &current, id, posted).await;
    form_answer(result, "/citizen/wishes", form, async |kept, message| {
        view(&state, &headers, &current, kept, Some(message)).await
    })
    .await
}

// ---- staff ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "wishes_staff.html")]
struct StaffPage {
    ui: Ui,
    wishes: Vec<Wish>,
    figures: WishFigures,
    /// The state shown (`""`: all).
    shown: String,
    states: Vec<(&'static str, &'static str)>,
    /// (region id, name): the communities a wish may be posted for.
    communities: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// This staff member's account: whose claims and posts the cards offer actions on.
    me: i64,
    may_help: bool,
    cards: Cards,
    error: Option<String>,
}

impl std::ops::Deref for StaffPage {
    type Target = Cards;
    fn deref(&self) -> &Cards {
        &self.cards
    }
}

impl StaffPage {
    fn mine(&self, w: &Wish) -> bool {
        w.poster_id == self.me
    }

    fn claimed_by_me(&self, w: &Wish) -> bool {
        w.claimed_by == Some(self.me)
    }
}

/// A township's worth of communities in a form; beyond that staff post by API.
const COMMUNITY_CHOICES: usize = 60;

async fn staff_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    shown: &str,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let filter = WishState::parse(shown);
    let wishes = state.store.wishes(actor, filter).await?;
    let photos = state.store.wish_photos(&wishes).await?;
    let communities = state.store.wish_communities(actor, COMMUNITY_CHOICES).await?;
    let ui = Ui::for_actor(headers, current);
    let page = StaffPage {
        cards: Cards::new(ui.lang, photos, form),
        states: WishState::ALL.iter().map(|s| (s.code(), state_name(ui.lang, *s))).collect(),
        kinds: WishKind::ALL.iter().map(|k| (k.code(), ui.t(&format!("wish.kind.{}", k.code())))).collect(),
        ui,
        wishes,
        figures: state.store.wish_figures(actor).await?,
        shown: filter.map_or("", WishState::code).to_owned(),
        communities,
        me: actor.account_id,
        may_help: actor.permits(pingan_domain::access::Action::Update, pingan_domain::access::Resource::Forces),
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

#[derive(serde::Deserialize)]
struct StaffQuery {
    #[serde(default)]
    state: String,
}

async fn staff_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<StaffQuery>,
) -> PageResult<Html<String>> {
    Ok(Html(staff_view(&state, &headers, &current, &q.state, Form::new(), None).await?))
}

/// A wish posted for a resident, in a community of the staff member's scope.
async fn staff_post_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = WishInput {
        title: form_text(&form, "title").to_owned(),
        detail: form_text(&form, "detail").to_owned(),
        kind: form_text(&form, "kind").to_owned(),
        community_id: form_text(&form, "community_id").parse().ok(),
        for_name: Some(form_text(&form, "for_name").to_owned()),
    };
    let result = match NewWish::parse(&input) {
        Ok(w) => state.store.post_wish(&current.actor, &w).await.map(|_| ()).map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    form_answer(result, "/wishes", form, async |kept, message| {
        staff_view(&state, &headers, &current, "", kept, Some(message)).await
    })
    .await
}

async fn staff_action_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = PostedForm::read(req, &state, true).await?;
    current.check_csrf(posted.fields.get("_csrf").map(String::as_str))?;
    let (form, result) = act(&state, &current, id, posted).await;
    form_answer(result, "/wishes", form, async |kept, message| {
        staff_view(&state, &headers, &current, "", kept, Some(message)).await
    })
    .await
}
