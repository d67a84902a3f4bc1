//! `/api/v1/safety/*`: 平安创建 — the scorecard template and its versions, yearly campaigns,
//! units' applications and their steps (申报 → 自评 → 审核 → 验收 → 公示 → 授牌), evidence files,
//! the incident register, and the decisions on what the platform proposes from its records.

use super::attachments::{Upload, blob_response, read_upload, store_blobs, upload_limit};
use super::{ApiJson, ApiPath, ApiQuery, Page, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use pingan_domain::FieldError;
use pingan_domain::org::industry_name;
use pingan_domain::region::RegionLevel;
use pingan_domain::safety::figures::SafeUnitFigures;
use pingan_domain::safety::five_zero::{RawConfirmation, ZeroRules};
use pingan_domain::safety::sheet;
use pingan_domain::safety::{
    ApplicationCommand, ApplicationState, CampaignKind, IncidentKind, RawCampaign, RawIncident, UnitTemplate,
};
use pingan_store::blobs::AttachmentPolicy;
use pingan_store::safety::county::FormulaVersion;
use pingan_store::safety::{
    ApplicationDetail, ApplicationFilter, ApplicationView, Campaign, CampaignRules, Confirmation, CountyScores,
    FiveZeroReport, Incident, IncidentFilter, Proposal, ProposalDecision, RulesInForce, SafetyEvidence, SafetyFigures,
    SafetyGroup, TemplateSummary, TemplateVersion,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_template, put_template))
        .routes(routes!(template_versions))
        .routes(routes!(template_workbook, put_template_workbook))
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign))
        .routes(routes!(apply))
        .routes(routes!(list_applications))
        .routes(routes!(get_application))
        .routes(routes!(act))
        .routes(routes!(list_incidents, record_incident))
        .routes(routes!(get_incident))
        .routes(routes!(decide_proposal))
        .routes(routes!(five_zero))
        .routes(routes!(get_five_zero_rules, put_five_zero_rules))
        .routes(routes!(confirm_five_zero))
        .routes(routes!(withdraw_five_zero_confirmation))
        .routes(routes!(figures))
        .routes(routes!(figures_xlsx))
        .routes(routes!(county_scores))
        .routes(routes!(county_scores_xlsx))
        .routes(routes!(get_county_formula, put_county_formula))
        .routes(routes!(upload_evidence))
        .layer(DefaultBodyLimit::max(upload_limit(&AttachmentPolicy::default())))
        .routes(routes!(download_evidence))
}

fn kind(s: &str) -> Result<CampaignKind, AppError> {
    CampaignKind::parse(s).ok_or(AppError::NotFound)
}

/// The template in force (`safe_unit`): the newest stored version, or the shipped default as
/// version 0.
#[utoipa::path(get, path = "/api/v1/safety/templates/{kind}", tag = "safety", params(("kind" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(k): ApiPath<String>,
) -> ApiResult<Json<TemplateVersion>> {
    Ok(Json(state.store.safety_template(&caller.actor, kind(&k)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TemplateRequest {
    /// The version the caller edited (0 for the shipped default); 409 when another was saved since.
    pub version: i64,
    pub name: String,
    /// The template (`total`, `pass`, `positive`, `negative`, `veto`), as `GET` returns it.
    #[schema(value_type = Object)]
    pub template: Value,
}

/// Save the next version of the template (city administrators). Every mistake is named by its
/// field (`positive[2].tasks[0].max`); campaigns already opened keep the version they use.
#[utoipa::path(put, path = "/api/v1/safety/templates/{kind}", tag = "safety", params(("kind" = String, Path)),
    request_body = TemplateRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn put_template(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(k): ApiPath<String>,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> ApiResult<Json<TemplateVersion>> {
    caller.check_write(&headers)?;
    let kind = kind(&k)?;
    let template = UnitTemplate::parse(&req.template).map_err(AppError::Invalid)?;
    Ok(Json(state.store.save_safety_template(&caller.actor, kind, req.version, &req.name, &template).await?))
}

/// Every stored version, newest first, with how many campaigns use each.
#[utoipa::path(get, path = "/api/v1/safety/templates/{kind}/versions", tag = "safety", params(("kind" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn template_versions(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(k): ApiPath<String>,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    Ok(Json(state.store.safety_template_versions(&caller.actor, kind(&k)?).await?))
}

/// The template in force as a workbook (说明, 正面清单, 负面清单, 一票否决), to edit in a
/// spreadsheet and upload again.
#[utoipa::path(get, path = "/api/v1/safety/templates/{kind}/workbook", tag = "safety", params(("kind" = String, Path)),
    responses((status = 200, description = "The workbook (XLSX)"), (status = 404, body = ErrorBody)))]
pub async fn template_workbook(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(k): ApiPath<String>,
) -> ApiResult<Response> {
    let current = state.store.safety_template(&caller.actor, kind(&k)?).await?;
    super::xlsx_download(
        &format!("safe_unit_template_v{}.xlsx", current.version),
        &format!("平安单位评分标准_第{}版.xlsx", current.version),
        || write_workbook(&sheet::to_sheets(&current.template)),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WorkbookParams {
    /// The version the workbook was downloaded at (0 for the shipped default).
    pub version: i64,
    /// The new version's name.
    pub name: String,
}

/// Save an edited workbook as the next version (city administrators): the body is the XLSX
/// file. Every mistake is named by sheet, row and column (`正面清单 第9行 分值`); nothing is
/// saved unless all is right.
#[utoipa::path(put, path = "/api/v1/safety/templates/{kind}/workbook", tag = "safety",
    params(("kind" = String, Path), WorkbookParams),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn put_template_workbook(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(k): ApiPath<String>,
    ApiQuery(p): ApiQuery<WorkbookParams>,
    body: Bytes,
) -> ApiResult<Json<TemplateVersion>> {
    caller.check_write(&headers)?;
    let kind = kind(&k)?;
    let template = template_from_workbook(&body)?;
    Ok(Json(state.store.save_safety_template(&caller.actor, kind, p.version, &p.name, &template).await?))
}

/// Read and check an uploaded template workbook: what the API and the page share.
pub(crate) fn template_from_workbook(bytes: &[u8]) -> Result<UnitTemplate, AppError> {
    let sheets = read_workbook(bytes)?;
    sheet::from_sheets(&sheets).map_err(AppError::Invalid)
}

fn write_workbook(s: &sheet::Sheets) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, rows) in [
        (sheet::SUMMARY, &s.summary),
        (sheet::POSITIVE, &s.positive),
        (sheet::NEGATIVE, &s.negative),
        (sheet::VETO, &s.veto),
    ] {
        let ws = book.add_worksheet();
        ws.set_name(name)?;
        for (r, cells) in rows.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                // Points as numbers, so a spreadsheet can sum them; everything else as text.
                match text.parse::<u32>() {
                    Ok(n) if r > 0 && !(name == sheet::POSITIVE && c == 2) => {
                        ws.write_number(r as u32, c as u16, f64::from(n))?
                    }
                    _ if r == 0 => ws.write_string_with_format(r as u32, c as u16, text, &bold)?,
                    _ => ws.write_string(r as u32, c as u16, text)?,
                };
            }
        }
        ws.autofit();
    }
    book.save_to_buffer()
}

fn read_workbook(bytes: &[u8]) -> Result<sheet::Sheets, AppError> {
    use calamine::{Reader, Xlsx};
    let unreadable = |e: String| {
        AppError::Invalid(vec![FieldError::new(
            "file",
            format!("无法读取该 Excel 文件 / the workbook cannot be read: {e}"),
        )])
    };
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let mut missing = Vec::new();
    let mut read = |name: &str| -> Vec<Vec<String>> {
        match book.worksheet_range(name) {
            Ok(range) => range.rows().map(|r| r.iter().map(super::cell_text).collect()).collect(),
            Err(_) => {
                missing.push(FieldError::new(name, format!("缺少工作表「{name}」 / the sheet {name} is missing")));
                Vec::new()
            }
        }
    };
    let sheets = sheet::Sheets {
        summary: read(sheet::SUMMARY),
        positive: read(sheet::POSITIVE),
        negative: read(sheet::NEGATIVE),
        veto: read(sheet::VETO),
    };
    if missing.is_empty() { Ok(sheets) } else { Err(AppError::Invalid(missing)) }
}

/// The campaigns the caller takes part in: their region's, those above it, those below it.
#[utoipa::path(get, path = "/api/v1/safety/campaigns", tag = "safety",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn list_campaigns(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<Campaign>>> {
    Ok(Json(state.store.safety_campaigns(&caller.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignRequest {
    /// `safe_unit` (平安单位), `five_zero` (五零村(社区)) or `county` (四级联创考核).
    pub kind: String,
    pub name: String,
    pub year: i32,
    /// Last day of applications (平安单位), or by which the year's evaluation is settled,
    /// `YYYY-MM-DD`.
    pub apply_until: String,
    /// 公示 in working days (default 5).
    pub notice_days: Option<u32>,
}

/// Open a campaign for the caller's region (city or county administrators) on the template in
/// force.
#[utoipa::path(post, path = "/api/v1/safety/campaigns", tag = "safety", request_body = CampaignRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CampaignRequest>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    caller.check_write(&headers)?;
    let kind = CampaignKind::parse(&req.kind).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new(
            "kind",
            "活动类别为 safe_unit、five_zero 或 county / kind must be safe_unit, five_zero or county",
        )])
    })?;
    let raw =
        RawCampaign { name: req.name, year: req.year, apply_until: req.apply_until, notice_days: req.notice_days };
    let draft = raw.parse(pingan_store::china_today()).map_err(AppError::Invalid)?;
    let campaign = state.store.create_safety_campaign(&caller.actor, kind, &draft).await?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResponse {
    #[schema(value_type = Object)]
    pub campaign: Campaign,
    /// The version of its document the campaign runs on: the scorecard, the zeros or the
    /// formula, by its kind.
    #[schema(value_type = Object)]
    pub rules: CampaignRules,
}

/// One campaign with the version of its document it runs on.
#[utoipa::path(get, path = "/api/v1/safety/campaigns/{id}", tag = "safety", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignResponse), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CampaignResponse>> {
    let (campaign, rules) = state.store.safety_campaign(&caller.actor, id).await?;
    Ok(Json(CampaignResponse { campaign, rules }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplyRequest {
    /// The social unit applying.
    pub org_id: i64,
}

/// Apply for a unit (申报): its contact, or a township dispatcher or administrator for a unit
/// in their scope; until the campaign's deadline.
#[utoipa::path(post, path = "/api/v1/safety/campaigns/{id}/applications", tag = "safety", params(("id" = i64, Path)),
    request_body = ApplyRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ApplyRequest>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    caller.check_write(&headers)?;
    let application = state.store.apply_for_safe_unit(&caller.actor, id, req.org_id).await?;
    Ok((StatusCode::CREATED, Json(application)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApplicationParams {
    pub campaign_id: Option<i64>,
    /// `drafting`, `submitted`, `returned`, `accepted`, `publicised`, `awarded`, `not_passed`, `revoked`.
    pub state: Option<String>,
    /// An industry code, `I01`–`I34`.
    pub industry: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Applications in the caller's scope (a unit's contact: their own), most recently changed first.
#[utoipa::path(get, path = "/api/v1/safety/applications", tag = "safety", params(ApplicationParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn list_applications(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ApplicationParams>,
) -> ApiResult<Json<Page<ApplicationView>>> {
    let paging = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let state_filter = match p.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ApplicationState::parse(s).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new("state", format!("没有这个状态 {s} / no such state {s}"))])
        })?),
    };
    let industry = match p.industry.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(i) if industry_name(i).is_some() => Some(i.to_owned()),
        Some(i) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "industry",
                format!("没有这个行业 {i} / no such industry {i}"),
            )]));
        }
    };
    let filter = ApplicationFilter {
        campaign_id: p.campaign_id,
        state: state_filter,
        industry,
        page: paging.1 / paging.0 + 1,
        per_page: paging.0,
    };
    let (items, total) = state.store.safety_applications(&caller.actor, &filter).await?;
    Ok(Json(Page::new(items, total, paging)))
}

/// One application: its scorecard so far, the template version, evidence, proposals, and how
/// the caller stands to it (`relation`: unit / department / office).
#[utoipa::path(get, path = "/api/v1/safety/applications/{id}", tag = "safety", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationDetail>> {
    Ok(Json(state.store.safety_application(&caller.actor, id).await?))
}

/// A step of an application, with the `version` the caller saw and an `action`:
/// `self_score` {task, points, note}, `submit`, `review` {accept, comment}, `inspect`
/// {task, points, note}, `conclude` {team}, `object` {text}, `resolve_objection` {index,
/// upheld, reason}, `award`. 409 when the version moved or the state does not allow it.
#[utoipa::path(post, path = "/api/v1/safety/applications/{id}/actions", tag = "safety", params(("id" = i64, Path)),
    request_body(content = Object, description = "`version`, `action` and the action's fields"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<ApplicationView>> {
    caller.check_write(&headers)?;
    let (version, command): (i64, ApplicationCommand) = super::versioned_action(&body, "申报")?;
    Ok(Json(state.store.act_on_application(&caller.actor, id, version, command).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentParams {
    /// `fire`, `accident`, `traffic`, `criminal`, `mass`, `petition`, `opinion`, `violence`.
    pub kind: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The incident register in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/safety/incidents", tag = "safety", params(IncidentParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<IncidentParams>,
) -> ApiResult<Json<Page<Incident>>> {
    let paging = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let kind = match p.kind.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(IncidentKind::parse(k).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new("kind", format!("没有这种事件类别 {k} / no such kind {k}"))])
        })?),
    };
    let filter = IncidentFilter { kind, page: paging.1 / paging.0 + 1, per_page: paging.0 };
    let (items, total) = state.store.incidents(&caller.actor, &filter).await?;
    Ok(Json(Page::new(items, total, paging)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentRequest {
    /// `fire`, `accident`, `traffic`, `criminal`, `mass`, `petition`, `opinion`, `violence`.
    pub kind: String,
    /// `ordinary` (一般), `serious` (较大), `major` (重大), `extraordinary` (特大).
    pub severity: String,
    pub occurred_on: String,
    pub summary: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub casualties: u32,
    /// The unit it happened at, when known.
    pub org_id: Option<i64>,
    /// Otherwise the township, village or grid.
    pub region_id: Option<i64>,
    /// The citizen's appeal it is registered from (then, without a unit or place, it is at
    /// the appeal's place).
    pub appeal_id: Option<i64>,
}

/// Record an incident; it is proposed at once against the open applications of its year at
/// the unit or its address.
#[utoipa::path(post, path = "/api/v1/safety/incidents", tag = "safety", request_body = IncidentRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_incident(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<IncidentRequest>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    caller.check_write(&headers)?;
    let raw = RawIncident {
        kind: req.kind,
        severity: req.severity,
        occurred_on: req.occurred_on,
        summary: req.summary,
        address: req.address,
        casualties: req.casualties,
    };
    let incident = state.store.record_incident(&caller.actor, &raw, req.region_id, req.org_id, req.appeal_id).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// One incident in the caller's scope.
#[utoipa::path(get, path = "/api/v1/safety/incidents/{id}", tag = "safety", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_incident(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Incident>> {
    Ok(Json(state.store.incident(&caller.actor, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FiveZeroParams {
    /// The assessment year (default: this year).
    pub year: Option<i32>,
    /// The city, a county, township or village in scope (default: the caller's scope).
    pub region_id: Option<i64>,
}

/// 平安"五零"村(社区): each village's zeros for the year with the records behind every broken
/// one (listed for a township or a village), and the success rate per county and township.
#[utoipa::path(get, path = "/api/v1/safety/five-zero", tag = "safety", params(FiveZeroParams),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn five_zero(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FiveZeroParams>,
) -> ApiResult<Json<FiveZeroReport>> {
    let year = p.year.unwrap_or_else(|| chrono::Datelike::year(&pingan_store::china_today()));
    if !(2000..=2100).contains(&year) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "year",
            "年度须在 2000–2100 之间 / the year must be 2000–2100",
        )]));
    }
    Ok(Json(state.store.five_zero_report(&caller.actor, p.region_id, year).await?))
}

/// The 五零 zeros in force (version 0: the default). A year with a 五零 campaign keeps the
/// version it opened with; the report names the version it used.
#[utoipa::path(get, path = "/api/v1/safety/five-zero/rules", tag = "safety",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn get_five_zero_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<RulesInForce<ZeroRules>>> {
    Ok(Json(state.store.five_zero_rules(&caller.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ZeroRulesRequest {
    /// The version the caller edited.
    pub version: i64,
    pub name: String,
    /// `{"zeros": [{"code": "Z1", "name": "零刑事案件", "kinds": ["criminal"], "min_severity": "ordinary",
    /// "violent_disputes": false}, …]}`
    #[schema(value_type = Object)]
    pub rules: Value,
}

/// Save the next version of the zeros (city administrators).
#[utoipa::path(put, path = "/api/v1/safety/five-zero/rules", tag = "safety", request_body = ZeroRulesRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn put_five_zero_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ZeroRulesRequest>,
) -> ApiResult<Json<RulesInForce<ZeroRules>>> {
    caller.check_write(&headers)?;
    let rules = ZeroRules::parse(&req.rules).map_err(AppError::Invalid)?;
    Ok(Json(state.store.save_five_zero_rules(&caller.actor, req.version, &req.name, &rules).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmationRequest {
    pub year: i32,
    /// The zero's code.
    pub zero: String,
    /// `broken` (an event the platform holds no record of) or `excluded` (a record set aside).
    pub verdict: String,
    /// broken: the day of the event, `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    /// excluded: `incident` or `mediation`, and its id.
    pub record_source: Option<String>,
    pub record_id: Option<i64>,
    pub reason: String,
}

/// A township's confirmation on a village's 五零 evaluation (this year or the last):
/// administrators and township dispatchers above the village.
#[utoipa::path(post, path = "/api/v1/safety/five-zero/villages/{id}/confirmations", tag = "safety",
    params(("id" = i64, Path)), request_body = ConfirmationRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm_five_zero(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ConfirmationRequest>,
) -> ApiResult<(StatusCode, Json<Confirmation>)> {
    caller.check_write(&headers)?;
    let raw = RawConfirmation {
        zero: req.zero,
        verdict: req.verdict,
        occurred_on: req.occurred_on,
        record_source: req.record_source,
        record_id: req.record_id,
        reason: req.reason,
    };
    let confirmation = state.store.confirm_five_zero(&caller.actor, id, req.year, &raw).await?;
    Ok((StatusCode::CREATED, Json(confirmation)))
}

/// Withdraw a confirmation (it stays in the audit).
#[utoipa::path(delete, path = "/api/v1/safety/five-zero/confirmations/{id}", tag = "safety",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw_five_zero_confirmation(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.check_write(&headers)?;
    state.store.withdraw_five_zero_confirmation(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FiguresParams {
    /// The campaign year (default: this year); the year before comes along for the trend.
    pub year: Option<i32>,
    /// `industry` (default), `county` or `township`.
    pub group: Option<String>,
}

pub(crate) fn figures_request(p: &FiguresParams) -> Result<(i32, SafetyGroup), AppError> {
    let year = p.year.unwrap_or_else(|| chrono::Datelike::year(&pingan_store::china_today()));
    let mut errors = Vec::new();
    if !(2000..=2100).contains(&year) {
        errors.push(FieldError::new("year", "年度须在 2000–2100 之间 / the year must be 2000–2100"));
    }
    let group = SafetyGroup::parse(p.group.as_deref().unwrap_or("industry"));
    if group.is_none() {
        errors.push(FieldError::new(
            "group",
            "分组为 industry、county 或 township / group by industry, county or township",
        ));
    }
    match group {
        Some(group) if errors.is_empty() => Ok((year, group)),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// 平安单位 figures over the caller's scope: units, applications and 申报率, results and
/// 验收通过率, titles awarded and revoked, per industry or county, with the year before.
#[utoipa::path(get, path = "/api/v1/safety/figures", tag = "safety", params(FiguresParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FiguresParams>,
) -> ApiResult<Json<SafetyFigures>> {
    let (year, group) = figures_request(&p)?;
    Ok(Json(state.store.safety_figures(&caller.actor, year, group).await?))
}

/// The same figures as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/safety/figures.xlsx", tag = "safety", params(FiguresParams),
    responses((status = 200, description = "The workbook (XLSX)"), (status = 400, body = ErrorBody)))]
pub async fn figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FiguresParams>,
) -> ApiResult<Response> {
    let (year, group) = figures_request(&p)?;
    let f = state.store.safety_figures(&caller.actor, year, group).await?;
    super::xlsx_download(
        &format!("safe_unit_figures_{year}.xlsx"),
        &format!("平安单位创建统计_{year}.xlsx"),
        || figures_workbook(&f),
    )
}

/// The figures' columns: (header, value) — counts and ratios.
pub(crate) fn figure_columns(f: &SafeUnitFigures, last: &SafeUnitFigures) -> Vec<(&'static str, FigureValue)> {
    use FigureValue::{Count, Ratio};
    vec![
        ("单位数", Count(f.units)),
        ("申报数", Count(f.applied)),
        ("申报率", Ratio(f.application_rate)),
        ("已验收", Count(f.concluded)),
        ("达标", Count(f.passing)),
        ("验收通过率", Ratio(f.acceptance_rate)),
        ("已授牌", Count(f.awarded)),
        ("已撤销", Count(f.revoked)),
        ("上年申报率", Ratio(last.application_rate)),
        ("上年验收通过率", Ratio(last.acceptance_rate)),
    ]
}

pub(crate) enum FigureValue {
    Count(u64),
    Ratio(Option<f64>),
}

impl FigureValue {
    pub(crate) fn text(&self) -> String {
        match self {
            FigureValue::Count(n) => n.to_string(),
            FigureValue::Ratio(r) => r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0)),
        }
    }
}

fn figures_workbook(f: &SafetyFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let ws = book.add_worksheet();
    ws.set_name(format!("{}年平安单位创建", f.year))?;
    ws.write_string_with_format(0, 0, "统计对象", &bold)?;
    let all = f.rows.iter().map(|r| (r.name.as_str(), &r.figures, &r.last_year)).chain(std::iter::once((
        "合计",
        &f.total,
        &f.last_year_total,
    )));
    for (i, (name, this, last)) in all.enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, name)?;
        for (c, (header, value)) in figure_columns(this, last).into_iter().enumerate() {
            let c = c as u16 + 1;
            if i == 0 {
                ws.write_string_with_format(0, c, header, &bold)?;
            }
            match value {
                FigureValue::Count(n) => ws.write_number(row, c, n as f64)?,
                FigureValue::Ratio(Some(r)) => ws.write_number_with_format(row, c, r, &percent)?,
                FigureValue::Ratio(None) => ws.write_string(row, c, "—")?,
            };
        }
    }
    ws.autofit();
    book.save_to_buffer()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ScoresParams {
    pub year: Option<i32>,
    /// `county` (default) or `township`.
    pub level: Option<String>,
}

pub(crate) fn scores_request(p: &ScoresParams) -> Result<(i32, RegionLevel), AppError> {
    let (year, _) = figures_request(&FiguresParams { year: p.year, group: None })?;
    match p.level.as_deref().unwrap_or("county") {
        "county" => Ok((year, RegionLevel::County)),
        "township" => Ok((year, RegionLevel::Township)),
        _ => Err(AppError::Invalid(vec![FieldError::new("level", "按 county 或 township 评分 / county or township")])),
    }
}

/// 四级联创: the counties' (or townships') scores for the year by the formula in force, each
/// with its rates and points, ranked; the county score feeds the annual development assessment.
#[utoipa::path(get, path = "/api/v1/safety/county-scores", tag = "safety", params(ScoresParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn county_scores(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ScoresParams>,
) -> ApiResult<Json<CountyScores>> {
    let (year, level) = scores_request(&p)?;
    Ok(Json(state.store.county_scores(&caller.actor, year, level).await?))
}

/// The same scores as an Excel workbook: the county report for the annual assessment.
#[utoipa::path(get, path = "/api/v1/safety/county-scores.xlsx", tag = "safety", params(ScoresParams),
    responses((status = 200, description = "The workbook (XLSX)"), (status = 400, body = ErrorBody)))]
pub async fn county_scores_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ScoresParams>,
) -> ApiResult<Response> {
    let (year, level) = scores_request(&p)?;
    let scores = state.store.county_scores(&caller.actor, year, level).await?;
    super::xlsx_download(&format!("safety_scores_{year}.xlsx"), &format!("四级联创评分_{year}.xlsx"), || {
        scores_workbook(&scores)
    })
}

fn scores_workbook(s: &CountyScores) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let points = Format::new().set_num_format("0.00");
    let ws = book.add_worksheet();
    ws.set_name(format!("{}年四级联创评分", s.year))?;
    let mut headers = vec!["排名".to_owned(), "地区".to_owned(), "总分".to_owned()];
    for w in &s.formula.formula.weights {
        headers.push(format!("{}({}分)", w.indicator.zh(), w.weight));
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, row) in s.rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, row.rank as f64)?;
        ws.write_string(r, 1, &row.name)?;
        ws.write_number_with_format(r, 2, row.score.total, &points)?;
        for (c, part) in row.score.parts.iter().enumerate() {
            ws.write_number_with_format(r, c as u16 + 3, part.points, &points)?;
        }
    }
    ws.autofit();
    book.save_to_buffer()
}

/// The scoring formula in force (version 0: the default).
#[utoipa::path(get, path = "/api/v1/safety/county-formula", tag = "safety",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn get_county_formula(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Json<FormulaVersion>> {
    Ok(Json(state.store.county_formula(&caller.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FormulaRequest {
    /// The version the caller edited.
    pub version: i64,
    pub name: String,
    /// `{"weights": [{"indicator": "five_zero", "weight": 25}, …]}`, summing to 100.
    #[schema(value_type = Object)]
    pub formula: Value,
}

/// Save the next version of the formula (city administrators).
#[utoipa::path(put, path = "/api/v1/safety/county-formula", tag = "safety", request_body = FormulaRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn put_county_formula(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<FormulaRequest>,
) -> ApiResult<Json<FormulaVersion>> {
    caller.check_write(&headers)?;
    let formula = pingan_domain::safety::county::Formula::parse(&req.formula).map_err(AppError::Invalid)?;
    Ok(Json(state.store.save_county_formula(&caller.actor, req.version, &req.name, &formula).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// Confirm (the event enters the scorecard) or dismiss (with a reason).
    pub confirm: bool,
    /// A corrected item code of the same list.
    pub code: Option<String>,
    /// A corrected severity.
    pub severity: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Confirm or dismiss a proposal (the competent department or the 平安办). A confirmation
/// re-scores the application and may end its 公示 or revoke its title.
#[utoipa::path(post, path = "/api/v1/safety/proposals/{id}/decision", tag = "safety", params(("id" = i64, Path)),
    request_body = DecisionRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_proposal(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> ApiResult<Json<Proposal>> {
    caller.check_write(&headers)?;
    let decision =
        ProposalDecision { confirm: req.confirm, code: req.code, severity: req.severity, reason: req.reason };
    Ok(Json(state.store.decide_proposal(&caller.actor, id, &decision).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub application_id: i64,
    pub task_code: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub is_image: bool,
    pub added_by: String,
    pub added_ms: i64,
    pub url: String,
}

impl From<SafetyEvidence> for EvidenceDto {
    fn from(e: SafetyEvidence) -> Self {
        EvidenceDto {
            url: format!("/api/v1/safety/evidence/{}", e.id),
            mime: e.kind.mime().into(),
            is_image: e.kind.is_image(),
            id: e.id,
            application_id: e.application_id,
            task_code: e.task_code,
            name: e.name,
            size: e.size,
            added_by: e.added_by,
            added_ms: e.added_ms,
        }
    }
}

/// Add evidence files to one task of the self-assessment: `multipart/form-data` with `task`
/// (`P1.1`) and one or more `file` parts (images or PDF, by content; 5 per task, 60 in all).
/// The unit only, before it submits.
#[utoipa::path(post, path = "/api/v1/safety/applications/{id}/evidence", tag = "safety", params(("id" = i64, Path)),
    request_body(content = Object, content_type = "multipart/form-data", description = "`task` and one or more `file` parts"),
    responses((status = 201, body = Vec<EvidenceDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Vec<EvidenceDto>>)> {
    caller.check_write(&headers)?;
    let added = add_evidence(&state, &caller.actor, id, multipart).await?;
    Ok((StatusCode::CREATED, Json(added.into_iter().map(EvidenceDto::from).collect())))
}

/// Check, read the upload, then add its files.
async fn add_evidence(
    state: &AppState,
    actor: &pingan_domain::access::Actor,
    id: i64,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Vec<SafetyEvidence>, AppError> {
    // Whether they may add to this application at all, before reading the upload.
    state.store.check_safety_evidence_addable(actor, id, None, &[]).await?;
    let Upload { fields, files } = read_upload(multipart, &AttachmentPolicy::default()).await?;
    let task = fields.get("task").map(String::as_str).unwrap_or("");
    add_evidence_files(state, actor, id, task, files).await
}

/// Check the task and the counts, store the bytes, record them: what the API and the page share.
pub(crate) async fn add_evidence_files(
    state: &AppState,
    actor: &pingan_domain::access::Actor,
    id: i64,
    task: &str,
    files: Vec<super::attachments::CheckedFile>,
) -> Result<Vec<SafetyEvidence>, AppError> {
    let task = task.trim();
    if task.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new("task", "请选择材料对应的任务 / choose the task")]));
    }
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    state.store.check_safety_evidence_addable(actor, id, Some(task), &names).await?;
    let stored = store_blobs(&state.blobs, files).await?;
    Ok(state.store.add_safety_evidence(actor, id, task, &stored).await?)
}

/// The bytes of one evidence file, for anyone who may read its application.
#[utoipa::path(get, path = "/api/v1/safety/evidence/{id}", tag = "safety", params(("id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 304, description = "Unchanged (If-None-Match)"),
              (status = 404, body = ErrorBody)))]
pub async fn download_evidence(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let e = state.store.safety_evidence_item(&caller.actor, id).await?;
    blob_response(&state.blobs, &headers, &e.sha256, e.kind, &e.name).await
}
