//! `/api/v1/wishes/*`: 微心愿. Residents post wishes and confirm them; party members of the
//! community and units' staff claim and fulfil them with proof (photos come through the
//! pages' fulfil form); grid workers post for residents.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::FieldError;
use pingan_domain::forces::wish::{NewWish, WishCommand, WishInput, WishState};
use pingan_store::wishes::{Wish, WishFigures};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_wishes, post_wish))
        .routes(routes!(act_on_wish))
        .routes(routes!(figures))
        .routes(routes!(photo))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WishParams {
    /// `open`, `claimed`, `fulfilled`, `confirmed` or `withdrawn`.
    pub state: Option<String>,
}

/// The wishes the caller may see: a resident's own, those they claimed and the open ones of
/// the community they serve; staff those in their scope.
#[utoipa::path(get, path = "/api/v1/wishes", tag = "forces", params(WishParams),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
pub async fn list_wishes(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<WishParams>,
) -> ApiResult<Json<Vec<Wish>>> {
    let wish_state = match p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            WishState::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("state", "状态无法识别 / unknown state")]))?,
        ),
    };
    Ok(Json(state.store.wishes(&caller.actor, wish_state).await?))
}

/// Post a wish: `title`, `kind` (`goods`, `repair`, `visit`, `other`), `detail`,
/// `community_id`, and `for_name` when staff post it for a resident.
#[utoipa::path(post, path = "/api/v1/wishes", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody)))]
pub async fn post_wish(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WishInput>,
) -> ApiResult<(StatusCode, Json<Wish>)> {
    caller.check_write(&headers)?;
    let wish = NewWish::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.post_wish(&caller.actor, &wish).await?)))
}

/// `{"version": n, "action": "claim" | "release" | "fulfil" | "confirm" | "withdraw",
/// "proof": "…"}` (the proof with `fulfil`).
#[utoipa::path(post, path = "/api/v1/wishes/{id}/actions", tag = "forces", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Object), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn act_on_wish(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<Wish>> {
    caller.check_write(&headers)?;
    let (version, command) = super::versioned_action::<WishCommand>(&body, "心愿")?;
    Ok(Json(state.store.act_on_wish(&caller.actor, id, version, &command).await?))
}

/// Wishes by state in the caller's scope.
#[utoipa::path(get, path = "/api/v1/wishes/figures", tag = "forces", responses((status = 200, body = Object)))]
pub async fn figures(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<WishFigures>> {
    Ok(Json(state.store.wish_figures(&caller.actor).await?))
}

/// A photo of a wish done, for the resident who made it, the one who claimed it and staff whose
/// scope holds it.
#[utoipa::path(get, path = "/api/v1/wishes/photos/{id}", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, description = "The photo"), (status = 304, description = "Unchanged (If-None-Match)"),
    (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::response::Response> {
    let p = state.store.wish_photo(&caller.actor, id).await?;
    super::attachments::blob_response(&state.blobs, &headers, &p.sha256, p.kind, &p.name).await
}
