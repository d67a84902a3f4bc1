//! `/api/v1/orgs`: organisations within the caller's scope.

use super::{ApiJson, ApiPath, ApiQuery, Page, Paging};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::access::{Action, Resource};
use pingan_domain::org::{NewOrg, OrgInput, OrgKind, OrgPatch};
use pingan_domain::personal::display_contact_phone;
use pingan_store::orgs::{Org, OrgFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    pub id: i64,
    /// e.g. `department`, `red_station`, `social_unit`
    pub kind: String,
    pub kind_name: String,
    pub name: String,
    pub region_id: i64,
    pub region_code: String,
    pub region_name: String,
    pub dept: Option<String>,
    /// Industry code `I01`–`I34` for social units.
    pub industry: Option<String>,
    pub parent_org_id: Option<i64>,
    pub address: Option<String>,
    /// Mobile numbers are masked (`138****8000`); office numbers are shown.
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub opening_hours: Option<String>,
    /// Send back as `version` with a change to refuse it if someone else changed the record first.
    pub version: i64,
}

impl From<&Org> for OrgDto {
    fn from(o: &Org) -> Self {
        OrgDto {
            id: o.id,
            kind: o.kind.as_str().into(),
            kind_name: o.kind.zh().into(),
            name: o.name.clone(),
            region_id: o.region_id,
            region_code: o.region_code.clone(),
            region_name: o.region_name.clone(),
            dept: o.dept.clone(),
            industry: o.industry.clone(),
            parent_org_id: o.parent_org_id,
            address: o.address.clone(),
            phone: o.phone.as_deref().map(display_contact_phone),
            lon: o.lon,
            lat: o.lat,
            opening_hours: o.opening_hours.clone(),
            version: o.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrgParams {
    /// Organisation kind, e.g. `red_station`.
    pub kind: Option<String>,
    /// Only within this region's subtree.
    pub region_id: Option<i64>,
    /// Name contains.
    pub q: Option<String>,
    /// Industry code `I01`–`I34`.
    pub industry: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

/// Organisations in scope.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(OrgParams),
    responses((status = 200, body = Page<OrgDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiQuery(p): ApiQuery<OrgParams>,
) -> ApiResult<Json<Page<OrgDto>>> {
    current.actor.require(Action::Read, Resource::Org)?;
    let paging = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(
            OrgKind::parse(k).ok_or_else(|| AppError::BadRequest(format!("未知的机构类型 '{k}' / unknown kind")))?,
        ),
        None => None,
    };
    let filter =
        OrgFilter { kind, region_id: p.region_id, q: p.q, industry: p.industry, limit: paging.0, offset: paging.1 };
    let (orgs, total) = state.store.orgs(&current.actor.scope, &filter).await?;
    Ok(Json(Page::new(orgs.iter().map(OrgDto::from).collect(), total, paging)))
}

/// One organisation in scope.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, body = OrgDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_org(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrgDto>> {
    current.actor.require(Action::Read, Resource::Org)?;
    Ok(Json(OrgDto::from(&state.store.org(&current.actor.scope, id).await?)))
}

/// Create an organisation in a region of your scope. Requires `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = Object,
    responses((status = 201, body = OrgDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_org(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<OrgInput>,
) -> ApiResult<(StatusCode, Json<OrgDto>)> {
    current.check_csrf_header(&headers)?;
    current.actor.require(Action::Create, Resource::Org)?;
    let new = NewOrg::parse(&input)?;
    let org = state.store.create_org(&current.actor, &new).await?;
    Ok((StatusCode::CREATED, Json(OrgDto::from(&org))))
}

/// Change an organisation's name or contact details. Requires `X-CSRF-Token`.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path, description = "Organisation id")),
    request_body = Object,
    responses((status = 200, body = OrgDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_org(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<OrgPatch>,
) -> ApiResult<Json<OrgDto>> {
    current.check_csrf_header(&headers)?;
    current.actor.require(Action::Update, Resource::Org)?;
    let patch = patch.checked()?;
    let org = state.store.update_org(&current.actor, id, &patch).await?;
    Ok(Json(OrgDto::from(&org)))
}
