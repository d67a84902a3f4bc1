//! 预付卡监管 pages: the regulators' board (with the file import and the Excel export), the
//! merchant list and page (signals recorded and lifted there), the tracked cases, and the
//! public page where anyone looks a merchant up before buying a card and checks a receipt
//! against the ledger.

use super::{Form, PageActor, Ui, china_minute, form_refusal, form_text, render};
use crate::AppState;
use crate::api::prepaid::{PublicMerchant, ReceiptCheck, check_receipt, import_file, merchant_detail, public_view};
use crate::error::{AppError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::access::{Action, Resource};
use pingan_domain::prepaid::{PrepaidIndustry, SignalKind, WarningLevel, format_yuan};
use pingan_store::prepaid::MerchantFilter;
use pingan_store::prepaid::cases::{Board, BoardRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/prepaid", get(board_page))
        .route("/prepaid/import", post(import_submit))
        .route("/prepaid/merchants", get(merchants_page))
        .route("/prepaid/merchants/{id}", get(merchant_page))
        .route("/prepaid/merchants/{id}/signals", post(signal_submit))
        .route("/prepaid/signals/{id}/lift", post(lift_submit))
        .route("/prepaid/cases", get(cases_page))
        .route("/prepaid/cases/{id}", get(case_page).post(case_submit))
        .route("/prepaid/public", get(public_page))
        .layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024))
}

fn level_zh(code: &str) -> &'static str {
    WarningLevel::parse(code).map_or("", WarningLevel::zh)
}

fn industry_zh(code: &str) -> &'static str {
    PrepaidIndustry::parse(code).map_or("", PrepaidIndustry::zh)
}

/// A board or list row, formatted.
struct Row {
    name: String,
    merchants: i64,
    at_risk: i64,
    red: i64,
    outstanding: String,
    escrow: String,
    shortfall: String,
}

impl From<&BoardRow> for Row {
    fn from(r: &BoardRow) -> Row {
        Row {
            name: r.name.clone(),
            merchants: r.merchants,
            at_risk: r.at_risk,
            red: r.red,
            outstanding: format_yuan(r.outstanding_fen),
            escrow: format_yuan(r.escrow_fen),
            shortfall: format_yuan(r.shortfall_fen),
        }
    }
}

struct MerchantRow {
    id: i64,
    brand: String,
    licence: String,
    industry: &'static str,
    region: String,
    level: String,
    level_zh: &'static str,
    grade: String,
    score: i64,
    outstanding: String,
    escrow: String,
    coverage: String,
}

fn merchant_row(m: &pingan_store::prepaid::Merchant) -> MerchantRow {
    MerchantRow {
        id: m.id,
        brand: m.brand.clone(),
        licence: m.licence.clone(),
        industry: industry_zh(&m.industry),
        region: m.region_name.clone(),
        level: m.warning_level.clone(),
        level_zh: level_zh(&m.warning_level),
        grade: m.credit_grade.clone(),
        score: m.risk_score,
        outstanding: format_yuan(m.outstanding_fen),
        escrow: format_yuan(m.escrow_fen),
        coverage: m.coverage_permille().map_or_else(|| "—".into(), |p| format!("{:.0}%", p as f64 / 10.0)),
    }
}

struct TrendRow {
    day: String,
    blue: i64,
    yellow: i64,
    orange: i64,
    red: i64,
    /// Bar widths in per cent of the busiest day.
    widths: [i64; 4],
}

#[derive(Template)]
#[template(path = "prepaid_board.html")]
struct BoardPage {
    ui: Ui,
    industry: String,
    industries: Vec<(&'static str, &'static str)>,
    total: Row,
    /// (title key, element id, rows): by region, by industry.
    tables: Vec<(&'static str, &'static str, Vec<Row>)>,
    at_risk: Vec<MerchantRow>,
    trend: Vec<TrendRow>,
    can_import: bool,
    message: Option<String>,
    error: Option<String>,
}

async fn board_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    industry: &str,
    message: Option<String>,
    error: Option<String>,
) -> PageResult<String> {
    current.actor.require(Action::Read, Resource::Prepaid).map_err(AppError::from)?;
    let chosen = PrepaidIndustry::parse(industry);
    let now = chrono::Utc::now().timestamp_millis();
    let b: Board = state.store.prepaid_board(&current.actor, chosen, now).await?;
    let busiest = b.trend.iter().map(|d| d.blue + d.yellow + d.orange + d.red).max().unwrap_or(0).max(1);
    let page = BoardPage {
        ui: Ui::for_actor(headers, current),
        industry: chosen.map(|i| i.code().to_owned()).unwrap_or_default(),
        industries: PrepaidIndustry::ALL.iter().map(|i| (i.code(), i.zh())).collect(),
        total: (&b.total).into(),
        tables: vec![
            ("prepaid.by_region", "by-region", b.by_region.iter().map(Row::from).collect()),
            ("prepaid.by_industry", "by-industry", b.by_industry.iter().map(Row::from).collect()),
        ],
        at_risk: b.at_risk.iter().map(merchant_row).collect(),
        trend: b
            .trend
            .iter()
            .map(|d| TrendRow {
                day: d.day.clone(),
                blue: d.blue,
                yellow: d.yellow,
                orange: d.orange,
                red: d.red,
                widths: [d.blue, d.yellow, d.orange, d.red].map(|n| n * 100 / busiest),
            })
            .collect(),
        can_import: current.actor.permits(Action::Update, Resource::Prepaid),
        message,
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

/// The regulators' board.
async fn board_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    Ok(Html(board_view(&state, &headers, &current, form_text(&q, "industry"), None, None).await?))
}

/// A file of flows uploaded from the board: recorded whole, or refused with every bad row.
async fn import_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> PageResult<Response> {
    let mut csrf = None;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("上传的表单无法读取 / the upload cannot be read: {e}")))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                file = Some(
                    field.bytes().await.map_err(|e| AppError::BadRequest(format!("文件读取失败 / the file: {e}")))?,
                )
            }
            _ => {}
        }
    }
    current.check_csrf(csrf.as_deref())?;
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        let page = board_view(&state, &headers, &current, "", None, Some("请选择文件 / choose a file".into())).await?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, Html(page)).into_response());
    };
    match import_file(&state, &current.actor, &file).await {
        Ok(done) => {
            let message = if done.replayed {
                format!(
                    "该文件此前已导入,未重复入账({} 笔) / this file was imported before: nothing added",
                    done.recorded
                )
            } else {
                format!(
                    "已导入 {} 笔资金流水并写入账本 / {} flows recorded in the ledger",
                    done.recorded, done.recorded
                )
            };
            Ok(Html(board_view(&state, &headers, &current, "", Some(message), None).await?).into_response())
        }
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            let page = board_view(&state, &headers, &current, "", None, Some(message)).await?;
            Ok((status, Html(page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "prepaid_merchants.html")]
struct MerchantsPage {
    ui: Ui,
    q: String,
    industry: String,
    level: String,
    industries: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    rows: Vec<MerchantRow>,
    total: i64,
}

async fn merchants_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let f = MerchantFilter {
        industry: Some(form_text(&q, "industry").to_owned()).filter(|s| !s.is_empty()),
        level: Some(form_text(&q, "level").to_owned()).filter(|s| !s.is_empty()),
        q: Some(form_text(&q, "q").to_owned()).filter(|s| !s.is_empty()),
        at_risk: false,
        page: form_text(&q, "page").parse().unwrap_or(0),
        per_page: 100,
    };
    let (merchants, total) = state.store.prepaid_merchants(&current.actor, &f).await?;
    render(MerchantsPage {
        ui: Ui::for_actor(&headers, &current),
        q: form_text(&q, "q").to_owned(),
        industry: form_text(&q, "industry").to_owned(),
        level: form_text(&q, "level").to_owned(),
        industries: PrepaidIndustry::ALL.iter().map(|i| (i.code(), i.zh())).collect(),
        levels: WarningLevel::ALL.iter().map(|l| (l.code(), l.zh())).collect(),
        rows: merchants.iter().map(merchant_row).collect(),
        total,
    })
}

struct ReasonRow {
    points: u32,
    text: String,
}

struct SignalRow {
    id: i64,
    kind: &'static str,
    note: String,
    occurred: String,
    by: String,
    lifted: Option<String>,
    liftable: bool,
}

struct CaseRow {
    id: i64,
    brand: String,
    region: String,
    level: String,
    level_zh: &'static str,
    reasons: String,
    opened: String,
    due: String,
    overdue: bool,
    status: String,
    regulator: String,
}

fn case_row(c: &pingan_store::prepaid::cases::PrepaidCase, now: i64) -> CaseRow {
    CaseRow {
        id: c.id,
        brand: c.brand.clone(),
        region: c.region_name.clone(),
        level: c.level.clone(),
        level_zh: level_zh(&c.level),
        reasons: c.reasons.clone(),
        opened: china_minute(c.opened_ms),
        due: china_minute(c.due_ms),
        overdue: c.status != "closed" && c.due_ms < now,
        status: c.status.clone(),
        regulator: c.regulator_name.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "prepaid_merchant.html")]
struct MerchantPage {
    ui: Ui,
    m: MerchantRow,
    name: String,
    legal_rep: String,
    issuer: &'static str,
    opened_on: String,
    regulator: String,
    required: String,
    required_percent: i64,
    stop_order: Option<String>,
    closed: bool,
    assessed: Option<String>,
    credit_score: i64,
    reasons: Vec<ReasonRow>,
    deductions: Vec<ReasonRow>,
    stores: Vec<(String, String, String)>,
    products: Vec<(String, String, &'static str, String, String, String)>,
    signals: Vec<SignalRow>,
    cases: Vec<CaseRow>,
    kinds: Vec<(&'static str, &'static str)>,
    can_update: bool,
    error: Option<String>,
}

fn reasons(v: &serde_json::Value, key: &str) -> Vec<ReasonRow> {
    v.get("assessment")
        .and_then(|a| a.get(key))
        .and_then(|r| r.as_array())
        .map(|rs| {
            rs.iter()
                .map(|r| ReasonRow {
                    points: r.get("points").and_then(|p| p.as_u64()).unwrap_or(0) as u32,
                    text: r.get("zh").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn merchant_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let d = merchant_detail(state, &current.actor, id).await?;
    let m = &d.merchant;
    let now = chrono::Utc::now().timestamp_millis();
    let page = MerchantPage {
        ui: Ui::for_actor(headers, current),
        m: merchant_row(m),
        name: m.name.clone(),
        legal_rep: m.legal_rep.clone(),
        issuer: pingan_domain::prepaid::IssuerType::parse(&m.issuer_type).map_or("", |i| i.zh()),
        opened_on: m.opened_on.clone(),
        regulator: m.regulator_name.clone().unwrap_or_default(),
        required: format_yuan(m.required_fen),
        required_percent: m.required_percent,
        stop_order: m.stop_order.clone(),
        closed: m.closed_ms.is_some(),
        assessed: m.assessed_ms.map(china_minute),
        credit_score: m.credit_score,
        reasons: reasons(&d.assessment, "reasons"),
        deductions: reasons(&d.assessment, "deductions"),
        stores: d.stores.iter().map(|s| (s.name.clone(), s.address.clone(), s.grid_name.clone())).collect(),
        products: d
            .products
            .iter()
            .map(|p| {
                (
                    p.product.code.clone(),
                    p.product.name.clone(),
                    pingan_domain::prepaid::ProductKind::parse(&p.product.kind).map_or("", |k| k.zh()),
                    format_yuan(p.product.price_fen),
                    p.product.terms.clone(),
                    p.void_clauses.join("、"),
                )
            })
            .collect(),
        signals: d
            .signals
            .iter()
            .map(|s| {
                let kind = SignalKind::parse(&s.kind);
                SignalRow {
                    id: s.id,
                    kind: kind.map_or("", SignalKind::zh),
                    note: s.note.clone(),
                    occurred: china_minute(s.occurred_ms),
                    by: s.recorded_by.clone().unwrap_or_default(),
                    lifted: s
                        .lifted_ms
                        .map(|ms| format!("{} {}", china_minute(ms), s.lift_note.clone().unwrap_or_default())),
                    liftable: s.lifted_ms.is_none()
                        && kind.is_some_and(|k| k.is_standing() || k == SignalKind::ClosureNotice),
                }
            })
            .collect(),
        cases: d.cases.iter().map(|c| case_row(c, now)).collect(),
        kinds: SignalKind::ALL.iter().map(|k| (k.code(), k.zh())).collect(),
        can_update: current.actor.permits(Action::Update, Resource::Prepaid),
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn merchant_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(merchant_view(&state, &headers, &current, id, None).await?))
}

async fn refused_on_merchant(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    e: AppError,
) -> PageResult<Response> {
    let (status, message) = form_refusal(e)?;
    Ok((status, Html(merchant_view(state, headers, current, id, Some(message)).await?)).into_response())
}

async fn signal_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = async {
        let kind = SignalKind::parse(form_text(&form, "kind")).ok_or_else(|| {
            AppError::Invalid(vec![pingan_domain::FieldError::new("kind", "请选择信号类型 / choose a kind")])
        })?;
        Ok::<_, AppError>(
            state.store.record_prepaid_signal(&current.actor, id, kind, form_text(&form, "note"), None).await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/prepaid/merchants/{id}")).into_response()),
        Err(e) => refused_on_merchant(&state, &headers, &current, id, e).await,
    }
}

async fn lift_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let merchant: i64 = form_text(&form, "merchant_id").parse().unwrap_or(0);
    match state.store.lift_prepaid_signal(&current.actor, id, form_text(&form, "note")).await {
        Ok(s) => Ok(Redirect::to(&format!("/prepaid/merchants/{}", s.merchant_id)).into_response()),
        Err(e) => refused_on_merchant(&state, &headers, &current, merchant, e.into()).await,
    }
}

#[derive(Template)]
#[template(path = "prepaid_cases.html")]
struct CasesPage {
    ui: Ui,
    rows: Vec<CaseRow>,
}

async fn cases_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    let now = chrono::Utc::now().timestamp_millis();
    let cases = state.store.prepaid_cases(&current.actor, None).await?;
    render(CasesPage { ui: Ui::for_actor(&headers, &current), rows: cases.iter().map(|c| case_row(c, now)).collect() })
}

#[derive(Template)]
#[template(path = "prepaid_case.html")]
struct CasePage {
    ui: Ui,
    c: CaseRow,
    merchant_id: i64,
    outcome: Option<String>,
    events: Vec<(String, String, String, String)>,
    can_update: bool,
    error: Option<String>,
}

async fn case_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let (case, events) = state.store.prepaid_case(&current.actor, id).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let page = CasePage {
        ui: Ui::for_actor(headers, current),
        c: case_row(&case, now),
        merchant_id: case.merchant_id,
        outcome: case.outcome.clone(),
        events: events
            .iter()
            .map(|e| {
                let kind = match e.kind.as_str() {
                    "opened" => "立案",
                    "raised" => "升级",
                    "closed" => "办结",
                    _ => "处置",
                };
                (
                    china_minute(e.at_ms),
                    e.actor.clone().unwrap_or_else(|| "系统".into()),
                    kind.to_owned(),
                    e.text.clone(),
                )
            })
            .collect(),
        can_update: current.actor.permits(Action::Update, Resource::Prepaid) && case.status != "closed",
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn case_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(case_view(&state, &headers, &current, id, None).await?))
}

async fn case_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let close = form_text(&form, "close") == "1";
    match state.store.act_on_prepaid_case(&current.actor, id, form_text(&form, "text"), close).await {
        Ok(_) => Ok(Redirect::to(&format!("/prepaid/cases/{id}")).into_response()),
        Err(e) => {
            let (status, message) = form_refusal(e.into())?;
            Ok((status, Html(case_view(&state, &headers, &current, id, Some(message)).await?)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "prepaid_public.html")]
struct PublicPage {
    ui: Ui,
    q: String,
    results: Vec<PublicMerchant>,
    searched: bool,
    code: String,
    card_no: String,
    receipt: Option<ReceiptCheck>,
    receipt_time: String,
    error: Option<String>,
}

/// Open to everyone (no sign-in): look a merchant up before buying, check a receipt.
async fn public_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<Form>) -> PageResult<Response> {
    let ui = Ui { lang: crate::i18n::Lang::from_headers(&headers), actor: None, csrf: String::new() };
    let query = form_text(&q, "q").to_owned();
    let mut results = Vec::new();
    if !query.is_empty() {
        for m in state.store.public_merchant_search(&query).await? {
            results.push(public_view(&state, m).await?);
        }
    }
    let code = form_text(&q, "receipt").to_owned();
    let card_no = form_text(&q, "card_no").to_owned();
    let (mut receipt, mut error, mut status) = (None, None, axum::http::StatusCode::OK);
    if !code.is_empty() {
        match check_receipt(&state, &code, Some(&card_no)).await {
            Ok(r) => receipt = Some(r),
            Err(e) => {
                let (s, message) = form_refusal(e)?;
                (error, status) = (Some(message), s);
            }
        }
    }
    let receipt_time = receipt.as_ref().map(|r| china_minute(r.at_ms)).unwrap_or_default();
    let page =
        PublicPage { ui, searched: !query.is_empty(), q: query, results, code, card_no, receipt, receipt_time, error };
    Ok((status, Html(page.render().map_err(AppError::from)?)).into_response())
}
