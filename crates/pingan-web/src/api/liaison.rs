//! `/api/v1/liaison/*`: liaison points (联系点) — city units paired with townships, their
//! assistance visits and the problems found (each a task under `/api/v1/tasks`), and the
//! programme's figures with their workbook.

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
use pingan_domain::calendar::to_china;
use pingan_domain::forces::liaison::{NewVisit, VisitInput};
use pingan_store::liaison::{LiaisonFigures, LiaisonPoint, LiaisonVisit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_points, create_point))
        .routes(routes!(get_point))
        .routes(routes!(record_visit))
        .routes(routes!(figures))
        .routes(routes!(figures_xlsx))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearParams {
    /// The year counted; this year when absent.
    pub year: Option<i32>,
    /// Only this unit's points.
    pub org_id: Option<i64>,
}

pub(crate) fn year_of(year: Option<i32>) -> Result<i32, AppError> {
    let year = year.unwrap_or_else(|| to_china(now()).year());
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::Invalid(vec![FieldError::new("year", "年份应在 2000 至 2100 之间 / a year from 2000 to 2100")]))
    }
}

/// The pairings in the caller's scope with the year's visits and problems.
#[utoipa::path(get, path = "/api/v1/liaison/points", tag = "forces", params(YearParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn list_points(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<Vec<LiaisonPoint>>> {
    Ok(Json(state.store.liaison_points(&caller.actor, p.org_id, year_of(p.year)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPoint {
    pub org_id: Option<i64>,
    pub township_id: Option<i64>,
    /// YYYY-MM-DD; today when absent.
    pub since: Option<String>,
}

/// Pair a city unit with a township (administrators).
#[utoipa::path(post, path = "/api/v1/liaison/points", tag = "forces", request_body = NewPoint,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_point(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPoint>,
) -> ApiResult<(StatusCode, Json<LiaisonPoint>)> {
    caller.check_write(&headers)?;
    let mut errors = vec![];
    if body.org_id.is_none() {
        errors.push(FieldError::new("org_id", "请选择联系单位 / pick the unit"));
    }
    if body.township_id.is_none() {
        errors.push(FieldError::new("township_id", "请选择乡镇(街道) / pick the township"));
    }
    let since = match body.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => to_china(now()).date(),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| {
            errors.push(FieldError::new("since", "日期格式应为 年-月-日 / YYYY-MM-DD"));
            chrono::NaiveDate::MIN
        }),
    };
    let (Some(org), Some(township), true) = (body.org_id, body.township_id, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    Ok((StatusCode::CREATED, Json(state.store.create_liaison_point(&caller.actor, org, township, since).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointDetail {
    #[schema(value_type = Object)]
    pub point: LiaisonPoint,
    #[schema(value_type = Vec<Object>)]
    pub visits: Vec<LiaisonVisit>,
}

/// A pairing with its visits.
#[utoipa::path(get, path = "/api/v1/liaison/points/{id}", tag = "forces", params(("id" = i64, Path), YearParams),
    responses((status = 200, body = PointDetail), (status = 404, body = ErrorBody)))]
pub async fn get_point(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<PointDetail>> {
    let (point, visits) = state.store.liaison_point(&caller.actor, id, year_of(p.year)?).await?;
    Ok(Json(PointDetail { point, visits }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedVisit {
    pub visit_id: i64,
    /// The tasks opened for the problems found, in their order.
    pub task_ids: Vec<i64>,
}

/// Record an assistance visit (下沉帮扶调研): `visited_on`, `people`, `findings`, and
/// `problems` — each `{title, detail, owner_org_id, due_date | working_days}` — which become
/// tasks. Every error names its field (`problems[2].owner_org_id`); nothing is written then.
#[utoipa::path(post, path = "/api/v1/liaison/points/{id}/visits", tag = "forces", params(("id" = i64, Path)),
    request_body = Object, responses((status = 201, body = RecordedVisit), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VisitInput>,
) -> ApiResult<(StatusCode, Json<RecordedVisit>)> {
    caller.check_write(&headers)?;
    let rules = state.appeal_rules();
    let visit = NewVisit::parse(&body, &rules.calendar, to_china(now())).map_err(AppError::Invalid)?;
    let (visit_id, task_ids) = state.store.record_liaison_visit(&caller.actor, id, &visit).await?;
    Ok((StatusCode::CREATED, Json(RecordedVisit { visit_id, task_ids })))
}

/// The year's figures: units, townships, visits, problems found, solved, open, overdue; by unit.
#[utoipa::path(get, path = "/api/v1/liaison/figures", tag = "forces", params(YearParams),
    responses((status = 200, body = Object)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<LiaisonFigures>> {
    Ok(Json(state.store.liaison_figures(&caller.actor, year_of(p.year)?).await?))
}

/// The figures as an Excel workbook (sheets 汇总, 按单位).
#[utoipa::path(get, path = "/api/v1/liaison/figures.xlsx", tag = "forces", params(YearParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<axum::response::Response> {
    let f = state.store.liaison_figures(&caller.actor, year_of(p.year)?).await?;
    super::xlsx_download("liaison.xlsx", &format!("{}年联系点工作统计.xlsx", f.year), || workbook(&f))
}

pub(crate) fn workbook(f: &LiaisonFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    sheets(&mut book, f)?;
    book.save_to_buffer()
}

/// The sheets of [`workbook`], also written into the area's combined workbook.
pub(crate) fn sheets(
    book: &mut rust_xlsxwriter::Workbook,
    f: &LiaisonFigures,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("汇总")?;
    let rows = [
        ("联系单位", f.units),
        ("联系乡镇(街道)", f.townships),
        ("联系点", f.points),
        ("下沉帮扶调研(次)", f.visits),
        ("发现问题", f.problems),
        ("解决问题", f.solved),
        ("在办", f.active),
        ("逾期未办结", f.overdue),
    ];
    ws.write_string_with_format(0, 0, format!("{}年", f.year), &bold)?;
    for (r, (name, v)) in rows.iter().enumerate() {
        ws.write_string(r as u32 + 1, 0, *name)?;
        ws.write_number(r as u32 + 1, 1, *v as f64)?;
    }
    ws.autofit();
    let ws = book.add_worksheet();
    ws.set_name("按单位")?;
    for (c, h) in ["联系单位", "联系乡镇数", "走访次数", "发现问题", "解决问题", "逾期未办结"].iter().enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, u) in f.by_unit.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &u.org_name)?;
        for (c, v) in [u.townships, u.visits, u.problems, u.solved, u.overdue].iter().enumerate() {
            ws.write_number(r, c as u16 + 1, *v as f64)?;
        }
    }
    ws.autofit();
    Ok(())
}
