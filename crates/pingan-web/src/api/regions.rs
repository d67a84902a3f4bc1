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

/// A structural change, as JSON: `{"kind": "move", "region_id": 1, "new_parent_id": 2, "new_code": null}`,
/// `{"kind": "merge", "source_ids": [..], "into_id": 3}`,
/// `{"kind": "split", "region_id": 4, "parts": [{"code": "...", "name": "...", "child_ids": [..]}, ..]}`
/// or `{"kind": "retire", "region_id": 5}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResult {
    /// Pairs of (retired region id, successor id or null).
    #[schema(value_type = Vec<Object>)]
    pub retired: Vec<(i64, Option<i64>)>,
    pub created: Vec<i64>,
}

/// Move, merge, split or retire regions (administrators). History is kept: changed
/// regions are retired with a successor, never rewritten. Requires `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/regions/changes", tag = "regions", request_body = Object,
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_regions(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: axum::http::HeaderMap,
    super::ApiJson(change): super::ApiJson<pingan_store::region_changes::RegionChange>,
) -> ApiResult<Json<ChangeResult>> {
    current.check_csrf_header(&headers)?;
    current.actor.require(Action::Update, Resource::Region)?;
    let outcome = state.store.change_regions(&current.actor, &change).await?;
    // Grids may have moved: this instance rebuilds now, others on their next refresh.
    state.reload_grids().await?;
    Ok(Json(ChangeResult { retired: outcome.retired, created: outcome.created }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionHistory {
    pub region: RegionDto,
    pub retired: bool,
    /// The live region that now stands for this one, if it was moved, merged or split.
    pub current_successor_id: Option<i64>,
    pub changes: Vec<RegionChangeDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionChangeDto {
    pub kind: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at_ms: i64,
}

/// A region's structural history (including retired regions in scope).
#[utoipa::path(get, path = "/api/v1/regions/{id}/history", tag = "regions", params(("id" = i64, Path, description = "Region id")),
    responses((status = 200, body = RegionHistory), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn region_history(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RegionHistory>> {
    current.actor.require(Action::Read, Resource::Region)?;
    let region = state.store.region(&current.actor.scope, id).await?;
    let changes = state
        .store
        .region_history(id)
        .await?
        .into_iter()
        .map(|(kind, detail, at_ms)| RegionChangeDto {
            kind,
            detail: serde_json::from_str(&detail).unwrap_or_default(),
            at_ms,
        })
        .collect();
    Ok(Json(RegionHistory {
        retired: region.retired,
        current_successor_id: state.store.current_successor(id).await?,
        region: RegionDto::from(&region),
        changes,
    }))
}
