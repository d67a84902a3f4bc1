//! `/api/v1/regions`: the region tree within the caller's scope, and grid polygons.

use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use pingan_domain::access::{Action, Resource};
use pingan_store::regions::{Region, RegionSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `city`, `county`, `township`, `village` or `grid`.
    pub level: String,
    pub code: String,
    pub name: String,
    pub households: i64,
    pub population: i64,
    /// Grids in the subtree (children listings only).
    pub grids: Option<i64>,
    /// Organisations in the subtree (children listings only).
    pub orgs: Option<i64>,
}

impl From<&Region> for RegionDto {
    fn from(r: &Region) -> Self {
        RegionDto {
            id: r.id,
            parent_id: r.parent_id,
            level: r.level.as_str().into(),
            code: r.code.clone(),
            name: r.name.clone(),
            households: r.households,
            population: r.population,
            grids: None,
            orgs: None,
        }
    }
}

impl From<&RegionSummary> for RegionDto {
    fn from(s: &RegionSummary) -> Self {
        RegionDto { grids: Some(s.grids), orgs: Some(s.orgs), ..RegionDto::from(&s.region) }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// List the children of this region; without it, the root of your scope.
    pub parent_id: Option<i64>,
}

/// The root of the caller's scope, or the children of a region in scope.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(ListParams),
    responses((status = 200, body = Vec<RegionDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_regions(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<RegionDto>>> {
    let actor = &current.actor;
    actor.require(Action::Read, Resource::Region)?;
    let list = match p.parent_id {
        None => vec![RegionDto::from(&state.store.scope_root(&actor.scope).await?)],
        Some(id) => state.store.children(&actor.scope, id).await?.iter().map(RegionDto::from).collect(),
    };
    Ok(Json(list))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDetail {
    pub region: RegionDto,
    /// From the city down to the parent.
    pub ancestors: Vec<RegionDto>,
}

/// One region in scope, with its ancestors.
#[utoipa::path(get, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = i64, Path, description = "Region id")),
    responses((status = 200, body = RegionDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_region(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RegionDetail>> {
    current.actor.require(Action::Read, Resource::Region)?;
    let region = state.store.region(&current.actor.scope, id).await?;
    let ancestors = state.store.ancestors(&region).await?;
    Ok(Json(RegionDetail {
        ancestors: ancestors.iter().filter(|a| a.id != region.id).map(RegionDto::from).collect(),
        region: RegionDto::from(&region),
    }))
}

/// The grids of a region in scope as a GeoJSON FeatureCollection (WGS84 lon/lat).
#[utoipa::path(get, path = "/api/v1/regions/{id}/grids", tag = "regions", params(("id" = i64, Path, description = "Region id")),
    responses((status = 200, description = "GeoJSON FeatureCollection", body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn region_grids(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    current.actor.require(Action::Read, Resource::Region)?;
    let shapes = state.store.grid_shapes(&current.actor.scope, id).await?;
    let features: Vec<_> = shapes
        .iter()
        .map(|g| {
            serde_json::json!({
                "type": "Feature",
                "id": g.id,
                "properties": {"code": g.code, "name": g.name},
                "geometry": {"type": "Polygon", "coordinates": [g.ring.points()]},
            })
        })
        .collect();
    Ok(Json(serde_json::json!({"type": "FeatureCollection", "features": features})))
}
