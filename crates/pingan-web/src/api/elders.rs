//! `/api/v1/self-governance`, `/api/v1/elders`, `/api/v1/tasks/{id}/helpers` and
//! `/api/v1/mediation/cases/{id}/helpers`: each community's self-governance organisations and
//! 五老 roster, and the 五老 named on a task or asked to help mediate a case.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::FieldError;
use pingan_domain::forces::elders::{ElderInput, ElderKind, NewElder, NewSelfGov, SelfGovInput};
use pingan_store::elders::{Elder, SelfGovOrg, TaskHelper};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_self_gov, create_self_gov))
        .routes(routes!(list_elders, add_elder))
        .routes(routes!(task_helpers, add_task_helper))
        .routes(routes!(mediation_helpers, add_mediation_helper))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CommunityParams {
    pub community_id: Option<i64>,
    /// 五老 only: `cadre`, `teacher`, `soldier`, `expert` or `model`.
    pub kind: Option<String>,
}

/// Self-governance organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/self-governance", tag = "forces", params(CommunityParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_self_gov(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<CommunityParams>,
) -> ApiResult<Json<Vec<SelfGovOrg>>> {
    Ok(Json(state.store.self_gov_orgs(&caller.actor, p.community_id).await?))
}

/// Register a community's self-governance organisation: `kind` (`council`, `ceremonies`,
/// `anti_vice`, `morals`, `oversight`), `community_id`, `chair`, `members`, `charter`.
#[utoipa::path(post, path = "/api/v1/self-governance", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_self_gov(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SelfGovInput>,
) -> ApiResult<(StatusCode, Json<SelfGovOrg>)> {
    caller.check_write(&headers)?;
    let org = NewSelfGov::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.create_self_gov_org(&caller.actor, &org).await?)))
}

/// The 五老 roster in the caller's scope (phones masked).
#[utoipa::path(get, path = "/api/v1/elders", tag = "forces", params(CommunityParams),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
pub async fn list_elders(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<CommunityParams>,
) -> ApiResult<Json<Vec<Elder>>> {
    let kind = match p.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            ElderKind::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("kind", "类别无法识别 / unknown kind")]))?,
        ),
    };
    Ok(Json(state.store.elders(&caller.actor, p.community_id, kind).await?))
}

/// Put a 五老 on a community's roster: `name`, `kind`, `community_id`, `phone`, `strengths`.
#[utoipa::path(post, path = "/api/v1/elders", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_elder(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ElderInput>,
) -> ApiResult<(StatusCode, Json<Elder>)> {
    caller.check_write(&headers)?;
    let elder = NewElder::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.add_elder(&caller.actor, &elder).await?)))
}

/// The 五老 helping with a task.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/helpers", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
pub async fn task_helpers(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<TaskHelper>>> {
    state.store.task(&caller.actor, id).await?;
    Ok(Json(state.store.task_helpers(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HelperBody {
    pub elder_id: Option<i64>,
}

/// Ask a 五老 of the roster to help with a task (those on the task may).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/helpers", tag = "tasks", params(("id" = i64, Path)),
    request_body = HelperBody, responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_task_helper(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HelperBody>,
) -> ApiResult<Json<Vec<TaskHelper>>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.add_task_helper(&caller.actor, id, elder_of(&body)?).await?))
}

fn elder_of(body: &HelperBody) -> Result<i64, AppError> {
    body.elder_id.ok_or_else(|| AppError::Invalid(vec![FieldError::new("elder_id", "请选择五老 / pick who helps")]))
}

/// The 五老 helping to mediate a case.
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}/helpers", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
pub async fn mediation_helpers(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<TaskHelper>>> {
    state.store.check_case_readable(&caller.actor, id).await?;
    Ok(Json(state.store.mediation_helpers(id).await?))
}

/// Ask a 五老 of the case's township to help mediate it (those who may change the case).
#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/helpers", tag = "mediation", params(("id" = i64, Path)),
    request_body = HelperBody, responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn add_mediation_helper(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HelperBody>,
) -> ApiResult<Json<Vec<TaskHelper>>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.add_mediation_helper(&caller.actor, id, elder_of(&body)?).await?))
}
