//! `/api/v1/property/ratings*`: 红色物业 — each property company's quarterly service rating from
//! the D-category appeals of the community it serves. Public for one community (residents see
//! their companies); staff list their whole scope. `/api/v1/property/estates` and
//! `/api/v1/property/companies*`: the estates each company serves with their owners'
//! committees, and each company's party organisation (红色物业 when it has a branch).

use super::tasks::now;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Datelike;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::property::{EstateInput, NewEstate, PartyStatus, PartyStatusInput, quarter_of};
use pingan_domain::region::RegionLevel;
use pingan_store::property::{CompanyQuarter, Estate, PropertyCompany};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ratings_in_scope))
        .routes(routes!(community_ratings))
        .routes(routes!(add_estate, list_estates))
        .routes(routes!(companies))
        .routes(routes!(set_party))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QuarterParams {
    /// The year; this year when absent.
    pub year: Option<i32>,
    /// 1–4; the current quarter when absent.
    pub quarter: Option<u32>,
}

/// The quarter asked for, or the current one.
pub(crate) fn quarter(p: &QuarterParams) -> Result<(i32, u32), AppError> {
    let today = to_china(now()).date();
    let year = p.year.unwrap_or(today.year());
    let quarter = p.quarter.unwrap_or(quarter_of(today));
    if !(2000..=2100).contains(&year) || !(1..=4).contains(&quarter) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "quarter",
            "年份 2000–2100,季度 1–4 / a year from 2000 to 2100 and a quarter from 1 to 4",
        )]));
    }
    Ok((year, quarter))
}

/// The ratings of the property companies serving one community (no sign-in).
#[utoipa::path(get, path = "/api/v1/property/ratings/{community_id}", tag = "forces",
    params(("community_id" = i64, Path), QuarterParams),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
pub async fn community_ratings(
    State(state): State<AppState>,
    ApiPath(community): ApiPath<i64>,
    ApiQuery(p): ApiQuery<QuarterParams>,
) -> ApiResult<Json<Vec<CompanyQuarter>>> {
    let (year, q) = quarter(&p)?;
    let region = state.store.region_unscoped(community).await?;
    if region.level != RegionLevel::Village {
        return Err(AppError::NotFound);
    }
    Ok(Json(state.store.property_ratings(&region.path, year, q).await?))
}

/// The ratings of every property company in the caller's scope.
#[utoipa::path(get, path = "/api/v1/property/ratings", tag = "forces", params(QuarterParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn ratings_in_scope(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<QuarterParams>,
) -> ApiResult<Json<Vec<CompanyQuarter>>> {
    caller.actor.require(Action::Read, Resource::Forces)?;
    let (year, q) = quarter(&p)?;
    Ok(Json(state.store.property_ratings(&caller.actor.scope.region, year, q).await?))
}

/// Record an estate (小区): `name`, `community_id`, `company_org_id`, `owners_committee_org_id`
/// (optional, the community's), `households`.
#[utoipa::path(post, path = "/api/v1/property/estates", tag = "forces", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_estate(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EstateInput>,
) -> ApiResult<(StatusCode, Json<Estate>)> {
    caller.check_write(&headers)?;
    let estate = NewEstate::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.add_estate(&caller.actor, &estate).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EstateParams {
    pub community_id: Option<i64>,
}

/// Estates in the caller's scope with their companies and owners' committees.
#[utoipa::path(get, path = "/api/v1/property/estates", tag = "forces", params(EstateParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_estates(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<EstateParams>,
) -> ApiResult<Json<Vec<Estate>>> {
    Ok(Json(state.store.estates(&caller.actor, p.community_id).await?))
}

/// The property companies serving the caller's scope: estates, households, owners'
/// committees, party organisation, this year's three-in-one meetings.
#[utoipa::path(get, path = "/api/v1/property/companies", tag = "forces", responses((status = 200, body = Vec<Object>)))]
pub async fn companies(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<PropertyCompany>>> {
    Ok(Json(state.store.property_companies(&caller.actor).await?))
}

/// Record a company's party organisation: `status` (`independent`, `joint`, `instructor`,
/// `none`), `members` (formal members; three for a branch of its own), `secretary`.
#[utoipa::path(put, path = "/api/v1/property/companies/{org_id}/party", tag = "forces", params(("org_id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_party(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(org_id): ApiPath<i64>,
    ApiJson(body): ApiJson<PartyStatusInput>,
) -> ApiResult<Json<PropertyCompany>> {
    caller.check_write(&headers)?;
    let party = PartyStatus::parse(&body).map_err(AppError::Invalid)?;
    Ok(Json(state.store.set_property_party(&caller.actor, org_id, &party).await?))
}
