//! `/api/v1/mediation/brands` and `/api/v1/mediation/mediators/{id}`: the "德为民" brands
//! (一县一品牌、一乡一特色、一村一亮点) with their figures, and one mediator with theirs.

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::mediation::{MediationFigures, RawBrand};
use pingan_store::mediation::{
    BrandPage, FiguresGroup, FiguresSubset, MediationBody, MediationBrand, Mediator, MediatorPatch, china_today,
    year_start_ms,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The brands in the caller's scope: counties first, then townships, then villages.
#[utoipa::path(get, path = "/api/v1/mediation/brands", tag = "mediation",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_brands(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<MediationBrand>>> {
    Ok(Json(state.store.mediation_brands(&caller.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BrandRequest {
    /// The county, township or village whose brand this is (one per region).
    pub region_id: i64,
    pub name: String,
    /// `studio` (调解工作室) or `method` (调解工作法).
    pub kind: String,
    pub summary: String,
    /// A studio's mediation body, in the region or below it; its figures are the brand's.
    pub body_org_id: Option<i64>,
    #[serde(default)]
    pub lead: String,
}

impl BrandRequest {
    fn raw(&self) -> RawBrand {
        RawBrand {
            name: self.name.clone(),
            kind: self.kind.clone(),
            summary: self.summary.clone(),
            body_org_id: self.body_org_id,
            lead: self.lead.clone(),
        }
    }
}

/// Register a region's brand; 409 when it has one (change that one instead).
#[utoipa::path(post, path = "/api/v1/mediation/brands", tag = "mediation", request_body = BrandRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn register_brand(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<BrandRequest>,
) -> ApiResult<(StatusCode, Json<MediationBrand>)> {
    caller.check_write(&headers)?;
    let brand = state.store.save_mediation_brand(&caller.actor, req.region_id, None, &req.raw()).await?;
    Ok((StatusCode::CREATED, Json(brand)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BrandUpdate {
    /// The version the caller saw.
    pub version: i64,
    #[serde(flatten)]
    pub brand: BrandRequest,
}

/// Change a brand (the version the caller saw; 409 when it moved).
#[utoipa::path(put, path = "/api/v1/mediation/brands/{id}", tag = "mediation", params(("id" = i64, Path)),
    request_body = BrandUpdate,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn update_brand(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BrandUpdate>,
) -> ApiResult<Json<MediationBrand>> {
    caller.check_write(&headers)?;
    let existing = state.store.mediation_brand(&caller.actor, id).await?;
    if existing.region_id != req.brand.region_id {
        return Err(crate::error::AppError::Invalid(vec![pingan_domain::FieldError::new(
            "region_id",
            "品牌不能改到其他地区 / a brand stays with its region",
        )]));
    }
    let brand = state
        .store
        .save_mediation_brand(&caller.actor, existing.region_id, Some(req.version), &req.brand.raw())
        .await?;
    Ok(Json(brand))
}

/// One brand with this year's and all-time figures (of the studio's body, or of the region
/// for a method).
#[utoipa::path(get, path = "/api/v1/mediation/brands/{id}", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_brand(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BrandPage>> {
    Ok(Json(state.store.mediation_brand_page(&caller.actor, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorResponse {
    #[schema(value_type = Object)]
    pub mediator: Mediator,
    #[schema(value_type = Object)]
    pub body: MediationBody,
    #[schema(value_type = Object)]
    pub this_year: MediationFigures,
    #[schema(value_type = Object)]
    pub all_time: MediationFigures,
}

/// One mediator (phone masked) with their caseload and figures, counted over the cases in the
/// caller's scope; their cases are `GET /api/v1/mediation/cases?mediator_id=`.
#[utoipa::path(get, path = "/api/v1/mediation/mediators/{id}", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = MediatorResponse), (status = 404, body = ErrorBody)))]
pub async fn get_mediator(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MediatorResponse>> {
    let (mediator, body) = state.store.mediator(&caller.actor, id).await?;
    let subset = FiguresSubset { mediator_id: Some(id), ..FiguresSubset::default() };
    let now = chrono::Utc::now().timestamp_millis() + 1;
    let from = year_start_ms(china_today());
    let store = &state.store;
    let ((_, this_year), (_, all_time)) = tokio::try_join!(
        store.mediation_figures(&caller.actor, from, now, FiguresGroup::Total, &subset),
        store.mediation_figures(&caller.actor, 0, now, FiguresGroup::Total, &subset),
    )?;
    Ok(Json(MediatorResponse { mediator, body, this_year, all_time }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MediatorUpdate {
    /// `false` stops a mediator (no new cases; their history stays), `true` restarts them.
    pub active: Option<bool>,
    /// Dispute type codes, replacing the list.
    pub specialties: Option<Vec<String>>,
}

/// Stop or restart a mediator, or change their specialties.
#[utoipa::path(patch, path = "/api/v1/mediation/mediators/{id}", tag = "mediation", params(("id" = i64, Path)),
    request_body = MediatorUpdate,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update_mediator(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MediatorUpdate>,
) -> ApiResult<Json<Mediator>> {
    caller.check_write(&headers)?;
    let specialties = match &req.specialties {
        None => None,
        Some(codes) => Some(super::mediation::parse_specialties(codes).map_err(crate::error::AppError::Invalid)?),
    };
    let patch = MediatorPatch { active: req.active, specialties };
    Ok(Json(state.store.update_mediator(&caller.actor, id, &patch).await?))
}
