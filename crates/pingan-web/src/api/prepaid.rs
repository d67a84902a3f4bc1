//! `/api/v1/prepaid/*`: prepaid-consumption supervision. Staff (session or API token) keep the
//! registry, record signals, work the cases, read the board and import files of flows; POS
//! systems and the escrow bank report flows with their own tokens (`Authorization: Bearer
//! ppc_…`) and an `Idempotency-Key`; consumers search merchants and check receipts without
//! signing in.

use super::prepaid_import::read_flows;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pingan_domain::FieldError;
use pingan_domain::prepaid::registry::{RawMerchant, RawProduct, RawStore};
use pingan_domain::prepaid::{
    CreditGrade, PrepaidIndustry, PrepaidRules, RawFlow, SignalKind, WarningLevel, coverage_band, format_yuan,
};
use pingan_ledger::bundle::{BUNDLE_FORMAT, EvidenceBundle};
use pingan_store::prepaid::cases::{Board, CaseEvent, PrepaidCase, Signal};
use pingan_store::prepaid::flows::{FlowIdempotency, FlowSender, RecordedFlow};
use pingan_store::prepaid::{Merchant, MerchantFilter, PrepaidClient, Product, RulesVersion, StoreSite};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_merchants, register_merchant))
        .routes(routes!(get_merchant))
        .routes(routes!(add_store))
        .routes(routes!(add_product))
        .routes(routes!(record_signal))
        .routes(routes!(lift_signal))
        .routes(routes!(create_client))
        .routes(routes!(report_flow))
        .routes(routes!(import_flows))
        .routes(routes!(board))
        .routes(routes!(board_xlsx))
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(act_on_case))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(public_search))
        .routes(routes!(public_receipt))
        .routes(routes!(public_receipt_bundle))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn china_today() -> chrono::NaiveDate {
    pingan_domain::calendar::to_china(now()).date()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MerchantParams {
    pub industry: Option<String>,
    pub level: Option<String>,
    pub q: Option<String>,
    #[serde(default)]
    pub at_risk: bool,
    #[serde(default)]
    pub page: i64,
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantList {
    #[schema(value_type = Vec<Object>)]
    pub merchants: Vec<Merchant>,
    pub total: i64,
}

/// Merchants in the caller's scope, the riskiest first.
#[utoipa::path(get, path = "/api/v1/prepaid/merchants", tag = "prepaid", params(MerchantParams),
    responses((status = 200, body = MerchantList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_merchants(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<MerchantParams>,
) -> ApiResult<Json<MerchantList>> {
    let f = MerchantFilter {
        industry: p.industry,
        level: p.level,
        q: p.q,
        at_risk: p.at_risk,
        page: p.page,
        per_page: p.per_page.unwrap_or(50),
    };
    let (merchants, total) = state.store.prepaid_merchants(&caller.actor, &f).await?;
    Ok(Json(MerchantList { merchants, total }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterMerchant {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub merchant: RawMerchant,
    /// The county or township it is registered in.
    pub region_id: i64,
}

/// Register a merchant (the supervising market-regulation department, administrators).
#[utoipa::path(post, path = "/api/v1/prepaid/merchants", tag = "prepaid", request_body = RegisterMerchant,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn register_merchant(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegisterMerchant>,
) -> ApiResult<(axum::http::StatusCode, Json<Merchant>)> {
    caller.check_write(&headers)?;
    let m = body.merchant.parse(china_today()).map_err(AppError::Invalid)?;
    let created = state.store.register_merchant(&caller.actor, &m, body.region_id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(created)))
}

/// A merchant with everything a regulator reads about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantDetail {
    #[schema(value_type = Object)]
    pub merchant: Merchant,
    #[schema(value_type = Vec<Object>)]
    pub stores: Vec<StoreSite>,
    #[schema(value_type = Vec<Object>)]
    pub products: Vec<ProductView>,
    #[schema(value_type = Vec<Object>)]
    pub signals: Vec<Signal>,
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<PrepaidCase>,
    /// The latest assessment with its indicators and reasons.
    #[schema(value_type = Object)]
    pub assessment: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct ProductView {
    #[serde(flatten)]
    pub product: Product,
    /// Clauses in the terms that are void against consumers (2025 judicial interpretation).
    pub void_clauses: Vec<&'static str>,
}

pub(crate) async fn merchant_detail(
    state: &AppState,
    actor: &pingan_domain::Actor,
    id: i64,
) -> Result<MerchantDetail, AppError> {
    let merchant = state.store.prepaid_merchant(actor, id).await?;
    let assessment = state.store.prepaid_assessment_json(id).await?;
    Ok(MerchantDetail {
        stores: state.store.merchant_stores(id).await?,
        products: state
            .store
            .merchant_products(id)
            .await?
            .into_iter()
            .map(|p| ProductView { void_clauses: p.void_clauses(), product: p })
            .collect(),
        signals: state.store.prepaid_signals(id).await?,
        cases: state.store.prepaid_cases(actor, Some(id)).await?,
        assessment,
        merchant,
    })
}

/// One merchant: stores, products (void clauses flagged), signals, cases, the assessment.
#[utoipa::path(get, path = "/api/v1/prepaid/merchants/{id}", tag = "prepaid", params(("id" = i64, Path)),
    responses((status = 200, body = MerchantDetail), (status = 404, body = ErrorBody)))]
pub async fn get_merchant(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MerchantDetail>> {
    Ok(Json(merchant_detail(&state, &caller.actor, id).await?))
}

/// Add a store: its grid is found from the point and must be in the merchant's county.
#[utoipa::path(post, path = "/api/v1/prepaid/merchants/{id}/stores", tag = "prepaid", params(("id" = i64, Path)),
    request_body = Object, responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(raw): ApiJson<RawStore>,
) -> ApiResult<(axum::http::StatusCode, Json<StoreSite>)> {
    caller.check_write(&headers)?;
    let s = raw.parse().map_err(AppError::Invalid)?;
    let grid = state.grid_index().locate(s.lon, s.lat).ok_or_else(|| {
        AppError::Unprocessable("该位置不在本市任何网格内 / the point is in none of the city's grids".into())
    })?;
    let site = state.store.add_merchant_store(&caller.actor, id, &s, grid).await?;
    Ok((axum::http::StatusCode::CREATED, Json(site)))
}

/// Add a prepaid product with its contract terms; void clauses are flagged, not refused.
#[utoipa::path(post, path = "/api/v1/prepaid/merchants/{id}/products", tag = "prepaid", params(("id" = i64, Path)),
    request_body = Object, responses((status = 201, body = Object), (status = 400, body = ErrorBody)))]
pub async fn add_product(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(raw): ApiJson<RawProduct>,
) -> ApiResult<(axum::http::StatusCode, Json<ProductView>)> {
    caller.check_write(&headers)?;
    let p = raw.parse().map_err(AppError::Invalid)?;
    let product = state.store.add_merchant_product(&caller.actor, id, &p).await?;
    Ok((axum::http::StatusCode::CREATED, Json(ProductView { void_clauses: product.void_clauses(), product })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignalRequest {
    /// `stop_order`, `penalty`, `lawsuit`, `defaulter`, `abnormal_listing`, `refund_refused`,
    /// `closure_notice`, `relocation_notice`, `payee_change`.
    pub kind: String,
    pub note: String,
    /// `YYYY-MM-DD HH:MM` China time; now when absent.
    pub occurred_at: Option<String>,
}

fn parse_time(field: &str, s: &str) -> Result<i64, AppError> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| {
            AppError::Invalid(vec![FieldError::new(field, "时间请写成 2026-11-28 或 2026-11-28 14:30 / not a date")])
        })?;
    Ok(pingan_domain::calendar::from_china(t))
}

/// Record a signal: a penalty, a listing, a closure or relocation notice, a refusal to refund,
/// a payee-account change, or a stop order (which bars sales until lifted).
#[utoipa::path(post, path = "/api/v1/prepaid/merchants/{id}/signals", tag = "prepaid", params(("id" = i64, Path)),
    request_body = SignalRequest, responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn record_signal(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SignalRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<Signal>)> {
    caller.check_write(&headers)?;
    let kind = SignalKind::parse(&body.kind)
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("kind", "信号类型无法识别 / unknown signal kind")]))?;
    let occurred = body
        .occurred_at
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| parse_time("occurred_at", t))
        .transpose()?;
    let signal = state.store.record_prepaid_signal(&caller.actor, id, kind, &body.note, occurred).await?;
    Ok((axum::http::StatusCode::CREATED, Json(signal)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LiftRequest {
    pub note: String,
}

/// Lift a stop order or a listing, or withdraw a closure notice given in error.
#[utoipa::path(post, path = "/api/v1/prepaid/signals/{id}/lift", tag = "prepaid", params(("id" = i64, Path)),
    request_body = LiftRequest, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn lift_signal(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LiftRequest>,
) -> ApiResult<Json<Signal>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.lift_prepaid_signal(&caller.actor, id, &body.note).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientRequest {
    pub name: String,
    /// The merchant whose POS it is; absent for the escrow bank (city administrators).
    pub merchant_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientCreated {
    #[schema(value_type = Object)]
    pub client: PrepaidClient,
    /// Shown once: give it to the system's operator.
    pub token: String,
}

/// Issue a reporting token: a merchant's POS, or the escrow bank.
#[utoipa::path(post, path = "/api/v1/prepaid/clients", tag = "prepaid", request_body = ClientRequest,
    responses((status = 201, body = ClientCreated), (status = 403, body = ErrorBody)))]
pub async fn create_client(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ClientRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<ClientCreated>)> {
    caller.check_write(&headers)?;
    let (client, token) = state.store.create_prepaid_client(&caller.actor, &body.name, body.merchant_id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(ClientCreated { client, token })))
}

/// A POS or the escrow bank, by its `ppc_` token.
pub struct FlowClient(pub PrepaidClient);

impl FromRequestParts<AppState> for FlowClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::BadCredentials(
                    "请用接入令牌调用(Authorization: Bearer ppc_…) / a reporting token is required".into(),
                )
            })?;
        let client = state.store.prepaid_client_by_token(secret).await?.ok_or_else(|| {
            AppError::BadCredentials("接入令牌无效或已吊销 / the reporting token is unknown or revoked".into())
        })?;
        Ok(FlowClient(client))
    }
}

/// Report one flow (a POS: sale, redemption, refund of its own merchant; the escrow bank:
/// deposit, withdrawal). `Idempotency-Key` is required: a retry with the same key and body
/// returns the first answer. A sale is refused (422, with the reason) under a stop order, after
/// a closure notice, or when escrow would not cover the requirement after it. The answer
/// carries the consumer's receipt code.
#[utoipa::path(post, path = "/api/v1/prepaid/flows", tag = "prepaid", request_body = Object,
    responses((status = 201, body = Object), (status = 200, description = "an idempotent replay", body = Object),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_flow(
    State(state): State<AppState>,
    FlowClient(client): FlowClient,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<RecordedFlow>)> {
    let key = match headers.get("idempotency-key").map(|v| v.to_str().map(str::trim)) {
        Some(Ok(k)) if !k.is_empty() && k.len() <= 100 && k.chars().all(|c| c.is_ascii_graphic()) => k.to_owned(),
        _ => {
            return Err(AppError::BadRequest(
                "须带 Idempotency-Key 请求头(1–100 个可见 ASCII 字符) / an Idempotency-Key header is required".into(),
            ));
        }
    };
    let raw: RawFlow = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的流水 JSON / not a flow: {e}")))?;
    let flow = raw.parse(now()).map_err(AppError::Invalid)?;
    let idem = FlowIdempotency { key, request_hash: hex::encode(Sha256::digest(&body)) };
    let mut recorded =
        state.store.record_prepaid_flows(FlowSender::Client(&client), &[("".into(), flow)], Some(&idem)).await?;
    let r = recorded.pop().ok_or_else(|| AppError::Internal("no flow recorded".into()))?;
    let status = if r.replayed { axum::http::StatusCode::OK } else { axum::http::StatusCode::CREATED };
    Ok((status, Json(r)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub recorded: usize,
    /// True when this very file had been imported before (nothing was added).
    pub replayed: bool,
    pub first_index: Option<u64>,
}

/// Import a file of flows (the body: CSV or XLSX). Every row is checked; a file with any bad
/// row is refused whole with each row, field and reason, and nothing is written. Importing
/// the same file again adds nothing.
#[utoipa::path(post, path = "/api/v1/prepaid/flows/import", tag = "prepaid",
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_flows(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Imported>> {
    caller.check_write(&headers)?;
    Ok(Json(import_file(&state, &caller.actor, &body).await?))
}

/// What the API and the page share.
pub(crate) async fn import_file(
    state: &AppState,
    actor: &pingan_domain::Actor,
    body: &[u8],
) -> Result<Imported, AppError> {
    actor.require(pingan_domain::Action::Update, pingan_domain::Resource::Prepaid)?;
    let flows = read_flows(body, now())
        .map_err(|errors| AppError::Invalid(errors.iter().map(|e| e.as_field_error()).collect()))?;
    let digest = hex::encode(Sha256::digest(body));
    let idem = FlowIdempotency { key: format!("file:{digest}"), request_hash: digest };
    let recorded = state.store.record_prepaid_flows(FlowSender::Staff(actor), &flows, Some(&idem)).await?;
    Ok(Imported {
        recorded: recorded.len(),
        replayed: recorded.first().is_some_and(|r| r.replayed),
        first_index: recorded.first().map(|r| r.ledger_index),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BoardParams {
    pub industry: Option<String>,
}

fn industry_param(p: &BoardParams) -> Result<Option<PrepaidIndustry>, AppError> {
    match p.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => PrepaidIndustry::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::Invalid(vec![FieldError::new("industry", "行业无法识别 / unknown industry")])),
    }
}

/// The regulators' board: by region and industry, merchants at risk, liabilities, escrow
/// gaps and the 30-day trend.
#[utoipa::path(get, path = "/api/v1/prepaid/board", tag = "prepaid", params(BoardParams),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<BoardParams>,
) -> ApiResult<Json<Board>> {
    Ok(Json(state.store.prepaid_board(&caller.actor, industry_param(&p)?, now()).await?))
}

/// The board as an Excel workbook (sheets 按区域, 按行业, 风险商户, 趋势).
#[utoipa::path(get, path = "/api/v1/prepaid/board.xlsx", tag = "prepaid", params(BoardParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn board_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<BoardParams>,
) -> ApiResult<axum::response::Response> {
    let b = state.store.prepaid_board(&caller.actor, industry_param(&p)?, now()).await?;
    super::xlsx_download("prepaid-board.xlsx", "预付卡监管看板.xlsx", || board_workbook(&b))
}

pub(crate) fn board_workbook(b: &Board) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let yuan = |fen: i64| fen as f64 / 100.0;
    for (sheet, rows) in [("按区域", &b.by_region), ("按行业", &b.by_industry)] {
        let ws = book.add_worksheet();
        ws.set_name(sheet)?;
        let head = ["名称", "商户数", "橙色及以上", "红色", "预收余额(元)", "存管余额(元)", "存管缺口(元)"];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, row) in rows.iter().chain(std::iter::once(&b.total)).enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, &row.name)?;
            ws.write_number(r, 1, row.merchants as f64)?;
            ws.write_number(r, 2, row.at_risk as f64)?;
            ws.write_number(r, 3, row.red as f64)?;
            ws.write_number_with_format(r, 4, yuan(row.outstanding_fen), &money)?;
            ws.write_number_with_format(r, 5, yuan(row.escrow_fen), &money)?;
            ws.write_number_with_format(r, 6, yuan(row.shortfall_fen), &money)?;
        }
        ws.autofit();
    }
    let ws = book.add_worksheet();
    ws.set_name("风险商户")?;
    let head = [
        "招牌名",
        "统一社会信用代码",
        "行业",
        "区域",
        "预警",
        "信用",
        "风险分",
        "预收余额(元)",
        "存管余额(元)",
        "应存管(元)",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, m) in b.at_risk.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &m.brand)?;
        ws.write_string(r, 1, &m.licence)?;
        ws.write_string(r, 2, PrepaidIndustry::parse(&m.industry).map_or("", |i| i.zh()))?;
        ws.write_string(r, 3, &m.region_name)?;
        ws.write_string(r, 4, WarningLevel::parse(&m.warning_level).map_or("", |l| l.zh()))?;
        ws.write_string(r, 5, &m.credit_grade)?;
        ws.write_number(r, 6, m.risk_score as f64)?;
        ws.write_number_with_format(r, 7, yuan(m.outstanding_fen), &money)?;
        ws.write_number_with_format(r, 8, yuan(m.escrow_fen), &money)?;
        ws.write_number_with_format(r, 9, yuan(m.required_fen), &money)?;
    }
    ws.autofit();
    let ws = book.add_worksheet();
    ws.set_name("趋势")?;
    for (c, h) in ["日期", "蓝", "黄", "橙", "红", "预收余额(元)", "存管缺口(元)"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, d) in b.trend.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &d.day)?;
        for (c, n) in [d.blue, d.yellow, d.orange, d.red].iter().enumerate() {
            ws.write_number(r, c as u16 + 1, *n as f64)?;
        }
        ws.write_number_with_format(r, 5, yuan(d.outstanding_fen), &money)?;
        ws.write_number_with_format(r, 6, yuan(d.shortfall_fen), &money)?;
    }
    ws.autofit();
    book.save_to_buffer()
}

/// Tracked cases in the caller's scope: open ones first.
#[utoipa::path(get, path = "/api/v1/prepaid/cases", tag = "prepaid",
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn list_cases(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<PrepaidCase>>> {
    Ok(Json(state.store.prepaid_cases(&caller.actor, None).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[schema(value_type = Object)]
    pub case: PrepaidCase,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<CaseEvent>,
}

/// A case and its history.
#[utoipa::path(get, path = "/api/v1/prepaid/cases/{id}", tag = "prepaid", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseDetail>> {
    let (case, events) = state.store.prepaid_case(&caller.actor, id).await?;
    Ok(Json(CaseDetail { case, events }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseAction {
    pub text: String,
    /// Close the case with `text` as its outcome.
    #[serde(default)]
    pub close: bool,
}

/// Note what was done on a case, or close it with its outcome.
#[utoipa::path(post, path = "/api/v1/prepaid/cases/{id}/actions", tag = "prepaid", params(("id" = i64, Path)),
    request_body = CaseAction, responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn act_on_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CaseAction>,
) -> ApiResult<Json<PrepaidCase>> {
    caller.check_write(&headers)?;
    Ok(Json(state.store.act_on_prepaid_case(&caller.actor, id, &body.text, body.close).await?))
}

/// The rules in force: escrow ratios, scoring bands, level and grade thresholds.
#[utoipa::path(get, path = "/api/v1/prepaid/rules", tag = "prepaid", responses((status = 200, body = Object)))]
pub async fn get_rules(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<RulesVersion>> {
    caller.actor.require(pingan_domain::Action::Read, pingan_domain::Resource::Prepaid)?;
    Ok(Json(state.store.prepaid_rules().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RulesUpdate {
    /// The version the editor saw.
    pub version: i64,
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
}

/// Save new rules (city administrators); every mistake is named by field.
#[utoipa::path(put, path = "/api/v1/prepaid/rules", tag = "prepaid", request_body = RulesUpdate,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RulesUpdate>,
) -> ApiResult<Json<RulesVersion>> {
    caller.check_write(&headers)?;
    let rules = PrepaidRules::parse(&body.rules).map_err(AppError::Invalid)?;
    Ok(Json(state.store.set_prepaid_rules(&caller.actor, body.version, &rules).await?))
}

/// What anyone may see of a merchant before buying a card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicMerchant {
    pub id: i64,
    pub brand: String,
    pub name: String,
    pub licence: String,
    pub industry: String,
    pub region: String,
    pub credit_grade: String,
    pub credit_grade_zh: String,
    pub warning_level: String,
    pub warning_zh: String,
    /// 充足 / 偏低 / 不足 (or no balance): escrow against the requirement.
    pub coverage_band: String,
    pub coverage_band_en: String,
    pub stop_order: bool,
    pub closed: bool,
    pub stores: Vec<PublicStore>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStore {
    pub name: String,
    pub address: String,
}

pub(crate) async fn public_view(state: &AppState, m: Merchant) -> Result<PublicMerchant, AppError> {
    let stores = state.store.merchant_stores(m.id).await?;
    let required_permille = m.required_percent * 10;
    let (band, band_en) = coverage_band(m.coverage_permille(), required_permille);
    let grade = CreditGrade::parse(&m.credit_grade).unwrap_or(CreditGrade::A);
    let level = WarningLevel::parse(&m.warning_level).unwrap_or(WarningLevel::None);
    Ok(PublicMerchant {
        id: m.id,
        industry: PrepaidIndustry::parse(&m.industry).map_or_else(String::new, |i| i.zh().into()),
        credit_grade_zh: grade.zh().into(),
        warning_zh: level.zh().into(),
        coverage_band: band.into(),
        coverage_band_en: band_en.into(),
        stop_order: m.stop_order.is_some(),
        closed: m.closed_ms.is_some(),
        stores: stores.into_iter().map(|s| PublicStore { name: s.name, address: s.address }).collect(),
        brand: m.brand,
        name: m.name,
        licence: m.licence,
        region: m.region_name,
        credit_grade: m.credit_grade,
        warning_level: m.warning_level,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Part of the name or brand (two characters or more), or the whole licence code.
    pub q: String,
}

/// Public look-up (no sign-in): a merchant's credit grade, escrow coverage band and warning.
#[utoipa::path(get, path = "/api/v1/prepaid/public/merchants", tag = "prepaid", params(SearchParams),
    responses((status = 200, body = Vec<PublicMerchant>)))]
pub async fn public_search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<Vec<PublicMerchant>>> {
    let mut out = Vec::new();
    for m in state.store.public_merchant_search(&p.q).await? {
        out.push(public_view(&state, m).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReceiptParams {
    /// The card number, to check that the record is this card's.
    pub card_no: Option<String>,
}

/// A receipt checked against the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCheck {
    pub receipt: String,
    pub merchant: String,
    pub kind: String,
    pub kind_zh: String,
    pub amount: String,
    /// The card's balance after this flow.
    pub card_balance: Option<String>,
    pub at_ms: i64,
    pub index: u64,
    /// The signed checkpoint the proof leads to.
    pub checkpoint_size: u64,
    /// The proof verified against the signed checkpoint, by the same code as `pingan-verify`.
    pub verified: bool,
    pub verify_message: String,
    /// Whether the card number given is the card this record commits to (`None`: none given,
    /// or the holder's data was erased).
    pub card_matches: Option<bool>,
    /// The offline evidence: `pingan-verify` checks it with nothing else.
    #[schema(value_type = Object)]
    pub bundle: EvidenceBundle,
}

pub(crate) async fn check_receipt(
    state: &AppState,
    code: &str,
    card_no: Option<&str>,
) -> Result<ReceiptCheck, AppError> {
    let (index, check) = pingan_domain::prepaid::flow::parse_receipt(code).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new(
            "receipt",
            "凭证码格式应为 PA-数字-12位校验码 / a receipt code looks like PA-123-0a1b2c3d4e5f",
        )])
    })?;
    let record = state.store.prepaid_receipt(index, &check).await.map_err(|e| match e {
        pingan_store::StoreError::NotFound => {
            AppError::Unprocessable("没有与此凭证码相符的记录,请核对 / no record matches this receipt".into())
        }
        other => other.into(),
    })?;
    let log = "prepaid";
    let signer = state.ledger_signers.get(log).ok_or(AppError::NotFound)?;
    let cp = state.store.ledger_checkpoint(log, &format!("{}/{log}", state.config.ledger_origin), signer).await?;
    let proof = state.store.ledger_inclusion(log, index, cp.size).await?;
    let verifier_key = signer.verifier_key();
    let bundle = EvidenceBundle {
        format: BUNDLE_FORMAT.into(),
        log: log.into(),
        index,
        entry: B64.encode(&record.entry),
        proof: proof.iter().map(|h| B64.encode(h)).collect(),
        checkpoint: cp.note,
        verifier_key: verifier_key.clone(),
    };
    let (verified, verify_message) = match bundle.check(Some(&verifier_key)) {
        Ok(checked) => (true, checked.to_string()),
        Err(e) => (false, e.to_string()),
    };
    let leaf = &record.leaf;
    Ok(ReceiptCheck {
        receipt: code.trim().to_owned(),
        merchant: format!("{}({})", record.merchant_brand, record.merchant_name),
        kind: leaf.kind.code().into(),
        kind_zh: leaf.kind.zh().into(),
        amount: format_yuan(leaf.amount_fen),
        card_balance: leaf.card_after_fen.map(format_yuan),
        at_ms: leaf.at_ms,
        index,
        checkpoint_size: cp.size,
        verified,
        verify_message,
        card_matches: card_no.filter(|c| !c.trim().is_empty()).and_then(|c| record.is_card(c)),
        bundle,
    })
}

/// Check a receipt (no sign-in): the record it names, proven included in the ledger's signed
/// checkpoint, with the evidence bundle to check offline.
#[utoipa::path(get, path = "/api/v1/prepaid/public/receipts/{code}", tag = "prepaid",
    params(("code" = String, Path), ReceiptParams),
    responses((status = 200, body = ReceiptCheck), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn public_receipt(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(p): ApiQuery<ReceiptParams>,
) -> ApiResult<Json<ReceiptCheck>> {
    Ok(Json(check_receipt(&state, &code, p.card_no.as_deref()).await?))
}

/// A receipt's evidence bundle as a file (no sign-in), for `pingan-verify`.
#[utoipa::path(get, path = "/api/v1/prepaid/public/receipts/{code}/bundle", tag = "prepaid",
    params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn public_receipt_bundle(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let checked = check_receipt(&state, &code, None).await?;
    let body = serde_json::to_vec_pretty(&checked.bundle).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("receipt-{}.json", checked.index);
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/json".to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, super::download_disposition(&name, &name)),
    ];
    Ok((headers, body).into_response())
}
