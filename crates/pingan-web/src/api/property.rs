//! `/api/v1/property/ratings*`: 红色物业 — each property company's quarterly service rating from
//! the D-category appeals of the community it serves. Public for one community (residents see
//! their companies); staff list their whole scope.

use super::tasks::now;
use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use chrono::Datelike;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::property::quarter_of;
use pingan_domain::region::RegionLevel;
use pingan_store::property::CompanyQuarter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ratings_in_scope)).routes(routes!(community_ratings))
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
