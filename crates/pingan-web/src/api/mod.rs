//! The JSON API under `/api/v1`, documented by OpenAPI 3.1 at `/api/openapi.json`.
//!
//! Every route is registered through [`utoipa_axum::routes!`], so the router and
//! the document come from the same declarations and cannot drift apart; a test
//! also refuses any plain `.route(` in this module.

pub mod appeal_rates;
pub mod appeal_rules;
pub mod appeals;
pub mod attachments;
pub mod audit;
mod auth;
mod calendar;
pub mod elders;
pub mod forces_figures;
mod ledger;
pub mod liaison;
mod locate;
pub mod mediation;
pub mod mediation_brands;
pub mod mediation_evidence;
pub mod meetings;
mod notifications;
mod orgs;
pub mod party;
pub mod prepaid;
pub mod prepaid_import;
pub mod property;
mod regions;
pub mod safety;
pub mod stations;
pub mod tasks;
pub mod volunteers;
pub mod wishes;

pub use orgs::OrgDto;

use crate::AppState;
use crate::error::{AppError, ErrorBody};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Pingan API", description = "平安建设与网格化治理平台 / Pingan safety and grid governance platform"),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "登录与会话 / sign-in and sessions"),
        (name = "regions", description = "区划与网格 / regions and grids"),
        (name = "orgs", description = "机构 / organisations"),
        (name = "audit", description = "审计日志 / audit trail"),
        (name = "calendar", description = "工作日历 / working-day calendar"),
        (name = "appeals", description = "群众诉求 / citizens' appeals"),
        (name = "mediation", description = "人民调解 / people's mediation"),
        (name = "safety", description = "平安创建 / safe creation"),
        (name = "prepaid", description = "预付式消费监管 / prepaid-consumption supervision"),
        (name = "ledger", description = "防篡改账本 / tamper-evident ledger"),
        (name = "tasks", description = "任务督办 / tasks and supervision"),
        (name = "forces", description = "基层力量 / grassroots forces"),
    )
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::request_code))
        .routes(routes!(auth::code_login))
        .routes(routes!(locate::locate))
        .routes(routes!(regions::list_regions))
        .routes(routes!(regions::get_region))
        .routes(routes!(regions::region_grids))
        .routes(routes!(regions::change_regions))
        .routes(routes!(regions::region_history))
        .routes(routes!(orgs::list_orgs, orgs::create_org))
        .routes(routes!(orgs::get_org, orgs::update_org))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::record_trail))
        .routes(routes!(calendar::get_calendar))
        .routes(routes!(calendar::set_day, calendar::clear_day))
        .routes(routes!(appeals::file_appeal, appeals::list_appeals))
        .routes(routes!(appeals::queue_counts))
        .routes(routes!(appeals::get_appeal))
        .routes(routes!(appeals::act))
        .routes(routes!(appeals::track))
        .routes(routes!(appeals::classify))
        .routes(routes!(appeal_rates::rates))
        .routes(routes!(appeal_rates::rates_xlsx))
        .routes(routes!(appeal_rates::ranking))
        .routes(routes!(appeal_rules::get_catalogue, appeal_rules::put_catalogue))
        .routes(routes!(appeal_rules::get_time_limits, appeal_rules::put_time_limits))
        .merge(attachments::router())
        .routes(routes!(notifications::inbox))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(mediation::list_bodies, mediation::create_body))
        .routes(routes!(mediation::list_mediators))
        .routes(routes!(mediation::create_mediator))
        .routes(routes!(mediation::open_case, mediation::list_cases))
        .routes(routes!(mediation::get_case))
        .routes(routes!(mediation::suggested_mediator))
        .routes(routes!(mediation::act))
        .routes(routes!(mediation::figures))
        .routes(routes!(mediation::figures_xlsx))
        .routes(routes!(mediation::agreement_pdf))
        .merge(mediation_evidence::router())
        .routes(routes!(mediation_brands::list_brands, mediation_brands::register_brand))
        .routes(routes!(mediation_brands::get_brand, mediation_brands::update_brand))
        .routes(routes!(mediation_brands::get_mediator, mediation_brands::update_mediator))
        .merge(safety::router())
        .merge(ledger::router())
        .merge(prepaid::router())
        .merge(tasks::router())
        .merge(liaison::router())
        .merge(party::router())
        .merge(wishes::router())
        .merge(volunteers::router())
        .merge(forces_figures::router())
        .merge(meetings::router())
        .merge(property::router())
        .merge(elders::router())
        .merge(stations::router())
}

/// Unknown paths: JSON for the API, a page for people.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        let body = ErrorBody { error: format!("没有这个接口 / no such route: {}", uri.path()), fields: vec![] };
        (axum::http::StatusCode::NOT_FOUND, axum::Json(body)).into_response()
    } else {
        crate::error::PageError(AppError::NotFound).into_response()
    }
}

/// `Json`, `Query` and `Path` whose rejections become our JSON errors with a readable message.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// Percent-encoding of RFC 5987 `value-chars`, for `filename*=UTF-8''…`.
pub(crate) fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The media type of an Excel workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A spreadsheet cell as the text a person typed: codes and phone numbers typed into Excel
/// become numbers, so whole numbers print without a fraction (15 digits are exact in a
/// double). Shared by every workbook upload (the scorecard here, the CLI's imports).
pub fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Empty => String::new(),
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// A workbook built by `build` as a download named `ascii` (old clients) and `name`; a
/// failure to build it is a fault (500), not the caller's.
pub(crate) fn xlsx_download(
    ascii: &str,
    name: &str,
    build: impl FnOnce() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let bytes = build().map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, XLSX.to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, download_disposition(ascii, name)),
    ];
    Ok((headers, bytes).into_response())
}

/// `attachment` with an ASCII name for old clients and the Chinese name for the rest.
pub(crate) fn download_disposition(ascii: &str, name: &str) -> String {
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(name))
}

/// A request body that must be a JSON object, for routes that read some fields by hand
/// before deserialising the rest (an action with its `version`).
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(AppError::BadRequest("请求体须为 JSON 对象 / the body must be a JSON object".into())),
        Err(e) => Err(AppError::BadRequest(format!("请求体不是有效的 JSON / malformed JSON body: {e}"))),
    }
}

/// An action on a versioned record: the JSON object's `version` (the one the caller saw, named
/// to the person as `what`, e.g. 案件 or 申报) and the rest deserialised as the action.
pub fn versioned_action<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<(i64, T), AppError> {
    let mut map = json_object(body)?;
    let version = match map.remove("version") {
        Some(serde_json::Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        _ => {
            return Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
                "version",
                format!("须给出页面上的{what}版本号(整数) / give the version the page showed (an integer)"),
            )]));
        }
    };
    let action = serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        AppError::BadRequest(format!("操作或其字段有误 / unknown action or a missing or wrong field: {e}"))
    })?;
    Ok((version, action))
}

/// Paging parameters shared by list routes: `page` from 1, `per_page` up to 200.
#[derive(Debug, Clone)]
pub struct Paging {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Paging {
    pub fn limit_offset(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::BadRequest("page 须在 1–1000000 之间 / page must be 1–1,000,000".into()));
        }
        if !(1..=200).contains(&per_page) {
            return Err(AppError::BadRequest("per_page 须在 1–200 之间 / per_page must be 1–200".into()));
        }
        Ok((per_page, (page - 1) * per_page))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, (limit, offset): (i64, i64)) -> Self {
        Page { items, total, page: offset / limit + 1, per_page: limit }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_routes_are_all_documented() {
        // A plain `.route(` would add a path that the OpenAPI document does not know.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            let needle = [".", "route("].concat();
            let code = src.lines().filter(|l| !l.trim_start().starts_with("//"));
            for line in code {
                assert!(!line.contains(&needle), "{} registers an undocumented route: {line}", path.display());
            }
        }
    }
}
