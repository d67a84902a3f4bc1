//! `GET /api/v1/locate`: which grid, village, township and county a point lies in.
//!
//! Public: it names administrative divisions, which are public knowledge, and
//! citizens' report forms need it before they sign in.

use super::ApiQuery;
use crate::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use pingan_domain::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct LocateParams {
    /// Longitude (WGS84), e.g. 116.36
    pub lon: Option<f64>,
    /// Latitude (WGS84), e.g. 37.44
    pub lat: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionRef {
    pub id: i64,
    /// `city`, `county`, `township`, `village` or `grid`.
    pub level: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocateResponse {
    pub grid: RegionRef,
    /// From the city down to the grid's village.
    pub ancestors: Vec<RegionRef>,
}

/// Find the grid containing a point, with its chain of ancestors.
#[utoipa::path(get, path = "/api/v1/locate", tag = "regions", params(LocateParams),
    responses(
        (status = 200, description = "The grid and its ancestors", body = LocateResponse),
        (status = 400, description = "Missing or invalid coordinates", body = ErrorBody),
        (status = 422, description = "Outside the jurisdiction", body = ErrorBody),
    ))]
pub async fn locate(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<LocateParams>,
) -> ApiResult<Json<LocateResponse>> {
    let mut errors = Vec::new();
    match p.lon {
        None => errors.push(FieldError::new("lon", "缺少经度 / longitude is required")),
        Some(v) if !(-180.0..=180.0).contains(&v) => {
            errors.push(FieldError::new("lon", "经度须在 -180 到 180 之间 / longitude must be within -180..180"))
        }
        _ => {}
    }
    match p.lat {
        None => errors.push(FieldError::new("lat", "缺少纬度 / latitude is required")),
        Some(v) if !(-90.0..=90.0).contains(&v) => {
            errors.push(FieldError::new("lat", "纬度须在 -90 到 90 之间 / latitude must be within -90..90"))
        }
        _ => {}
    }
    let (Some(lon), Some(lat), true) = (p.lon, p.lat, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let grid_id = state.grid_index().locate(lon, lat).ok_or_else(|| {
        AppError::Unprocessable(format!(
            "该位置({lon}, {lat})不在本市辖区内 / the point ({lon}, {lat}) is outside the jurisdiction"
        ))
    })?;
    let grid = state.store.region_unscoped(grid_id).await?;
    let chain = state.store.ancestors(&grid).await?;
    let to_ref = |r: &pingan_store::regions::Region| RegionRef {
        id: r.id,
        level: r.level.as_str().into(),
        code: r.code.clone(),
        name: r.name.clone(),
    };
    let ancestors = chain.iter().filter(|r| r.id != grid.id).map(to_ref).collect();
    Ok(Json(LocateResponse { grid: to_ref(&grid), ancestors }))
}
