//! `/api/v1/stations/*`: red stations (红色驿站) — a station's profile (services, staff with
//! phones masked, this month's and year's usage), its services and staff, the visits it records,
//! and the usage figures of the stations in scope with their workbook. Walk-in appeals name their
//! station on `POST /api/v1/appeals` (`station_org_id`).

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::forces::station::{
    NewStaff, NewVisit, Period, ServicesInput, StaffInput, StationService, VisitInput, parse_services,
};
use pingan_store::china_today;
use pingan_store::stations::{StationFigures, StationProfile, StationStaff, StationVisit};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(figures))
        .routes(routes!(figures_xlsx))
        .routes(routes!(get_station))
        .routes(routes!(set_services))
        .routes(routes!(add_staff))
        .routes(routes!(retire_staff))
        .routes(routes!(list_visits, record_visit))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodParams {
    /// First day counted, `YYYY-MM-DD`; the first of January of `to`'s year when absent.
    pub from: Option<String>,
    /// Last day counted, `YYYY-MM-DD`; today when absent.
    pub to: Option<String>,
}

pub(crate) fn period_of(p: &PeriodParams) -> Result<Period, AppError> {
    Period::parse(p.from.as_deref(), p.to.as_deref(), china_today()).map_err(AppError::Invalid)
}

/// A station: its address and opening hours, services, staff (phones masked), this month's
/// and this year's usage, the latest visits and walk-in appeals.
#[utoipa::path(get, path = "/api/v1/stations/{id}", tag = "forces", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_station(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StationProfile>> {
    Ok(Json(state.store.station_profile(&caller.actor, id).await?))
}

/// Replace the services a station offers: `services`, codes from `policy`, `mediation`,
/// `legal_aid`, `errands`, `rest`, `charging`, `first_aid`, `reading`, `volunteering`.
#[utoipa::path(put, path = "/api/v1/stations/{id}/services", tag = "forces", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Object), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_services(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ServicesInput>,
) -> ApiResult<Json<StationProfile>> {
    caller.check_write(&headers)?;
    let services: Vec<StationService> = parse_services(&body).map_err(AppError::Invalid)?;
    state.store.set_station_services(&caller.actor, id, &services).await?;
    Ok(Json(state.store.station_profile(&caller.actor, id).await?))
}

/// Put a staff member on a station: `name`, `phone` (a mobile), `duty`.
#[utoipa::path(post, path = "/api/v1/stations/{id}/staff", tag = "forces", params(("id" = i64, Path)),
    request_body = Object, responses((status = 201, body = Object), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StaffInput>,
) -> ApiResult<(StatusCode, Json<StationStaff>)> {
    caller.check_write(&headers)?;
    let staff = NewStaff::parse(&body).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.add_station_staff(&caller.actor, id, &staff).await?)))
}

/// Take a staff member off a station (kept on record, retired).
#[utoipa::path(delete, path = "/api/v1/stations/{id}/staff/{staff_id}", tag = "forces",
    params(("id" = i64, Path), ("staff_id" = i64, Path)),
    responses((status = 204, description = "Retired"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retire_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath((id, staff_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    caller.check_write(&headers)?;
    state.store.retire_station_staff(&caller.actor, id, staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A station's visits in a period (the year to date by default), the latest first.
#[utoipa::path(get, path = "/api/v1/stations/{id}/visits", tag = "forces", params(("id" = i64, Path), PeriodParams),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<Json<Vec<StationVisit>>> {
    let period = period_of(&p)?;
    Ok(Json(state.store.station_visits(&caller.actor, id, &period).await?))
}

/// Record a visit (来访登记): `service` (one the station offers), `people` (1–500), `note`
/// (at most 200 characters), `day` (`YYYY-MM-DD`, not in the future; today when absent).
#[utoipa::path(post, path = "/api/v1/stations/{id}/visits", tag = "forces", params(("id" = i64, Path)),
    request_body = Object, responses((status = 201, body = Object), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VisitInput>,
) -> ApiResult<(StatusCode, Json<StationVisit>)> {
    caller.check_write(&headers)?;
    let visit = NewVisit::parse(&body, china_today()).map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.record_station_visit(&caller.actor, id, &visit).await?)))
}

/// Usage of every red station in the caller's scope over a period: visits, people served, by
/// service, and walk-in appeals filed there.
#[utoipa::path(get, path = "/api/v1/stations/figures", tag = "forces", params(PeriodParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<Json<StationFigures>> {
    let period = period_of(&p)?;
    Ok(Json(state.store.station_figures(&caller.actor, &period).await?))
}

/// The same figures as a workbook: a sheet by station, a sheet by service.
#[utoipa::path(get, path = "/api/v1/stations/figures.xlsx", tag = "forces", params(PeriodParams),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<axum::response::Response> {
    let period = period_of(&p)?;
    let f = state.store.station_figures(&caller.actor, &period).await?;
    let name = format!("红色驿站使用统计 {} 至 {}.xlsx", f.period.from, f.period.to);
    super::xlsx_download("stations.xlsx", &name, || workbook(&f))
}

pub(crate) fn workbook(f: &StationFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    sheets(&mut book, f)?;
    book.save_to_buffer()
}

/// The sheets of [`workbook`], also written into the area's combined workbook.
pub(crate) fn sheets(
    book: &mut rust_xlsxwriter::Workbook,
    f: &StationFigures,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("按驿站")?;
    ws.write_string_with_format(0, 0, format!("{} 至 {}", f.period.from, f.period.to), &bold)?;
    let mut head = vec!["驿站", "所在区域", "地址", "开放时间", "来访登记(次)", "服务人次", "来访诉求(件)"];
    head.extend(StationService::ALL.iter().map(|s| s.zh()));
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    let mut r = 2u32;
    for s in &f.stations {
        ws.write_string(r, 0, &s.name)?;
        ws.write_string(r, 1, &s.region_name)?;
        ws.write_string(r, 2, s.address.as_deref().unwrap_or(""))?;
        ws.write_string(r, 3, s.opening_hours.as_deref().unwrap_or(""))?;
        let mut cells = vec![s.usage.visits, s.usage.people, s.usage.appeals];
        cells.extend(s.usage.by_service.iter().map(|x| x.people));
        for (c, v) in cells.iter().enumerate() {
            ws.write_number(r, c as u16 + 4, *v as f64)?;
        }
        r += 1;
    }
    ws.write_string_with_format(r, 0, "合计", &bold)?;
    let mut cells = vec![f.total.visits, f.total.people, f.total.appeals];
    cells.extend(f.total.by_service.iter().map(|x| x.people));
    for (c, v) in cells.iter().enumerate() {
        ws.write_number_with_format(r, c as u16 + 4, *v as f64, &bold)?;
    }
    ws.autofit();
    let ws = book.add_worksheet();
    ws.set_name("按服务")?;
    for (c, h) in ["服务项目", "来访登记(次)", "服务人次"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, s) in f.total.by_service.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, s.zh)?;
        ws.write_number(r, 1, s.visits as f64)?;
        ws.write_number(r, 2, s.people as f64)?;
    }
    ws.autofit();
    Ok(())
}
