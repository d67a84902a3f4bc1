//! `/api/v1/mediation`: people's mediation (人民调解, "德为民") — bodies and their mediators,
//! cases opened from an appeal (转调解), a patrol (排查) or an application, the actions on a
//! case, and the figures.

use super::{ApiJson, ApiPath, ApiQuery, Page, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use pingan_domain::FieldError;
use pingan_domain::calendar::from_china;
use pingan_domain::mediation::{
    Agreement, BodyKind, DisputeType, Industry, MediationCommand, MediationFigures, MediationState, OtherChannel,
    PartySide, Performance, RawAgreement, RawParty, RiskFactors, TerminationReason,
};
use pingan_domain::personal::Phone;
use pingan_store::mediation::{
    AfterCareQueue, FiguresGroup, FiguresRow, FiguresSubset, MediationBody, MediationCase, MediationCommandRequest,
    MediationFilter, MediationListItem, Mediator, NewMediator, OpenMediation, china_today,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct BodiesParams {
    /// Only the bodies of this region.
    pub region_id: Option<i64>,
}

/// Mediation bodies in the caller's scope: village, township and county committees, industry
/// committees and studios.
#[utoipa::path(get, path = "/api/v1/mediation/bodies", tag = "mediation", params(BodiesParams),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_bodies(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<BodiesParams>,
) -> ApiResult<Json<Vec<MediationBody>>> {
    Ok(Json(state.store.mediation_bodies(&caller.actor, p.region_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBodyRequest {
    pub region_id: i64,
    pub name: String,
    /// `studio` (调解工作室) or `industry` (行业性专业性调解委员会).
    pub kind: String,
    /// For an industry committee: `medical`, `traffic`, `labour` or `property`.
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Check a new body's request: every problem named at once.
pub(crate) fn parse_new_body(
    req: &NewBodyRequest,
) -> Result<(pingan_domain::org::NewOrg, BodyKind, Option<Industry>), AppError> {
    let input = pingan_domain::org::OrgInput {
        kind: "mediation_committee".into(),
        name: req.name.clone(),
        region_id: req.region_id,
        dept: None,
        industry: None,
        address: req.address.clone(),
        phone: req.phone.clone(),
        lon: None,
        lat: None,
        opening_hours: None,
    };
    let org = pingan_domain::org::NewOrg::parse(&input);
    let mut errors = org.as_ref().err().cloned().unwrap_or_default();
    let kind = BodyKind::parse(req.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "须为调解工作室或行业调委会 / must be studio or industry"));
    }
    let industry = match req.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => {
            let parsed = Industry::parse(code);
            if parsed.is_none() {
                errors.push(FieldError::new("industry", format!("未知的行业 '{code}' / unknown industry")));
            }
            parsed
        }
    };
    match (org, kind) {
        (Ok(org), Some(kind)) if errors.is_empty() => Ok((org, kind, industry)),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Register a named studio or an industry committee in a region (village, township and
/// county committees come with the regions).
#[utoipa::path(post, path = "/api/v1/mediation/bodies", tag = "mediation", request_body = NewBodyRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn create_body(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewBodyRequest>,
) -> ApiResult<(StatusCode, Json<MediationBody>)> {
    caller.check_write(&headers)?;
    let (org, kind, industry) = parse_new_body(&req)?;
    let body = state.store.create_mediation_body(&caller.actor, &org, kind, industry).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// The mediators of a body with their open caseload (phones masked).
#[utoipa::path(get, path = "/api/v1/mediation/bodies/{org_id}/mediators", tag = "mediation",
    params(("org_id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn list_mediators(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(org_id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Mediator>>> {
    Ok(Json(state.store.mediators(&caller.actor, org_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMediatorRequest {
    pub body_org_id: i64,
    pub name: String,
    pub phone: Option<String>,
    /// Dispute type codes: `neighbour`, `marriage_family`, `house_land`, `damages`, `contract`,
    /// `labour`, `medical`, `traffic`, `property`, `other`.
    #[serde(default)]
    pub specialties: Vec<String>,
}

/// Add a mediator to a body.
#[utoipa::path(post, path = "/api/v1/mediation/mediators", tag = "mediation", request_body = NewMediatorRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_mediator(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewMediatorRequest>,
) -> ApiResult<(StatusCode, Json<Mediator>)> {
    caller.check_write(&headers)?;
    let new = parse_new_mediator(req)?;
    Ok((StatusCode::CREATED, Json(state.store.create_mediator(&caller.actor, &new).await?)))
}

/// Dispute type codes as a mediator's specialties, each once; every unknown code named.
pub(crate) fn parse_specialties(codes: &[String]) -> Result<Vec<DisputeType>, Vec<FieldError>> {
    let mut types = Vec::new();
    let mut errors = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        match DisputeType::parse(code.trim()) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => errors.push(FieldError::new(format!("specialties[{i}]"), "未知的纠纷类型 / unknown dispute type")),
        }
    }
    if errors.is_empty() { Ok(types) } else { Err(errors) }
}

/// Check a new mediator's phone and specialties (the store checks the name and the body).
pub(crate) fn parse_new_mediator(req: NewMediatorRequest) -> Result<NewMediator, AppError> {
    let mut errors = Vec::new();
    let phone = match req.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Phone::parse(p).map_err(|m| errors.push(FieldError::new("phone", m))).ok(),
        None => None,
    };
    let specialties = parse_specialties(&req.specialties).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(NewMediator { body_org_id: req.body_org_id, name: req.name, phone, specialties })
}

/// A new mediation case.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OpenCaseRequest {
    /// 转调解: the appeal (A01–A06) it comes from; its place, type, facts and reporter (as the
    /// applicant) carry over.
    pub appeal_id: Option<i64>,
    /// The place of the dispute (grid or village), unless from an appeal.
    pub region_id: Option<i64>,
    /// `patrol` (排查) or `application` (default).
    pub source: Option<String>,
    /// The body to hear it; default: the village committee of the place.
    pub body_org_id: Option<i64>,
    /// A dispute type code; from an appeal, its category's type by default.
    pub dispute_type: Option<String>,
    pub summary: Option<String>,
    /// Amount in dispute, yuan.
    pub amount: Option<f64>,
    /// `[{"side": "applicant"|"respondent", "kind": "person"|"organisation", "name", "id_number",
    /// "phone", "address"}]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub parties: Vec<RawParty>,
    /// The sides that have consented to mediation (`applicant`, `respondent`).
    #[serde(default)]
    pub consents: Vec<String>,
    #[serde(default)]
    pub threats: bool,
    #[serde(default)]
    pub violence: bool,
}

/// Open a mediation case. The answer is the case as `GET` shows it.
#[utoipa::path(post, path = "/api/v1/mediation/cases", tag = "mediation", request_body = OpenCaseRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn open_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<OpenCaseRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.check_write(&headers)?;
    let open = OpenMediation {
        appeal_id: req.appeal_id,
        region_id: req.region_id,
        source: req.source,
        body_org_id: req.body_org_id,
        dispute_type: req.dispute_type,
        summary: req.summary,
        amount_yuan: req.amount,
        parties: req.parties,
        consents: req.consents,
        risk: RiskFactors { threats: req.threats, violence: req.violence, ..RiskFactors::default() },
    };
    let case = state.store.open_mediation(&caller.actor, &open).await?;
    Ok((StatusCode::CREATED, Json(case_json(&case))))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesParams {
    /// `registered`, `mediating`, `agreed`, `not_agreed`, `terminated`.
    pub state: Option<String>,
    /// `low`, `medium`, `high`.
    pub risk: Option<String>,
    pub body_org_id: Option<i64>,
    /// Only one mediator's cases.
    pub mediator_id: Option<i64>,
    /// `true`: only cases still being mediated (with `risk=high`: the high-risk board).
    #[serde(default)]
    pub open: bool,
    /// `follow_up_due` (待回访: performance date passed, no follow-up result) or
    /// `judicial_window` (the 30-day judicial window ends within 7 days, nobody applied).
    pub queue: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Cases in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/mediation/cases", tag = "mediation", params(CasesParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<CasesParams>,
) -> ApiResult<Json<Page<MediationListItem>>> {
    let paging = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let state_filter =
        match p.state.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(MediationState::parse(s).ok_or_else(|| {
                AppError::Invalid(vec![FieldError::new("state", "未知的案件状态 / unknown case state")])
            })?),
            None => None,
        };
    if let Some(r) = p.risk.as_deref().filter(|r| !r.is_empty())
        && pingan_domain::mediation::RiskLevel::parse(r).is_none()
    {
        return Err(AppError::Invalid(vec![FieldError::new(
            "risk",
            "须为 low、medium 或 high / must be low, medium or high",
        )]));
    }
    let queue = match p.queue.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => Some(AfterCareQueue::parse(q).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "queue",
                "须为 follow_up_due 或 judicial_window / must be follow_up_due or judicial_window",
            )])
        })?),
        None => None,
    };
    let filter = MediationFilter {
        state: state_filter,
        open_only: p.open,
        queue,
        risk_level: p.risk.filter(|r| !r.is_empty()),
        body_org_id: p.body_org_id,
        mediator_id: p.mediator_id,
        limit: paging.0,
        offset: paging.1,
    };
    let (items, total) = state.store.mediation_cases(&caller.actor, &filter).await?;
    Ok(Json(Page::new(items, total, paging)))
}

/// One case: parties (masked), where it stands, its way up the levels and its history.
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(case_json(&state.store.mediation_case(&caller.actor, id).await?)))
}

/// The mediator the case's body would best give it (specialty, then lightest load).
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}/suggested-mediator", tag = "mediation",
    params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn suggested_mediator(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Option<Mediator>>> {
    Ok(Json(state.store.suggest_mediator(&caller.actor, id).await?))
}

pub fn case_json(c: &MediationCase) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        let s = &c.snapshot;
        m.insert("state".into(), Value::String(s.state.as_str().into()));
        m.insert("state_name".into(), Value::String(s.state.zh().into()));
        m.insert("dispute_type_name".into(), Value::String(s.dispute_type.zh().into()));
        m.insert("level".into(), Value::String(s.level().as_str().into()));
        m.insert("level_name".into(), Value::String(s.level().zh().into()));
        m.insert("risk_level".into(), Value::String(s.risk.level.as_str().into()));
        if let Some(a) = &s.agreement {
            m.insert("judicial_window_ends".into(), Value::String(a.judicial_window_end().to_string()));
        }
    }
    v
}

/// An action on a case, as sent: `{"action": "...", "version": N, ...fields}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub(crate) enum ActionBody {
    Consent {
        side: String,
    },
    Assign {
        mediator_id: i64,
    },
    Session {
        held_on: String,
        place: String,
        attendees: String,
        record: String,
    },
    Risk {
        #[serde(default)]
        threats: bool,
        #[serde(default)]
        violence: bool,
        #[serde(default)]
        people: u32,
        #[serde(default)]
        earlier_cases: u32,
    },
    Escalate {
        body_org_id: Option<i64>,
        reason: String,
    },
    Agree(RawAgreement),
    Fail {
        channels: Vec<String>,
        reason: String,
    },
    Terminate {
        reason: String,
        #[serde(default)]
        note: String,
    },
    JudicialApply {
        on: String,
    },
    JudicialDecide {
        confirmed: bool,
        on: String,
    },
    FollowUp {
        on: String,
        performance: String,
        #[serde(default)]
        note: String,
    },
    Reopen {
        reason: String,
    },
    Refer {
        channel: String,
        #[serde(default)]
        note: String,
    },
}

fn day(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(vec![FieldError::new(field, "日期格式须为 YYYY-MM-DD / a date is YYYY-MM-DD")]))
}

fn channel(field: &str, s: &str) -> Result<OtherChannel, AppError> {
    OtherChannel::parse(s.trim()).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new(
            field,
            "须为 litigation(诉讼)、arbitration(仲裁)或 administrative(行政) / must be litigation, arbitration or administrative",
        )])
    })
}

pub(crate) fn command(body: ActionBody) -> Result<MediationCommandRequest, AppError> {
    use MediationCommand as C;
    use MediationCommandRequest::Domain;
    Ok(match body {
        ActionBody::Consent { side } => Domain(C::RecordConsent {
            side: PartySide::parse(side.trim()).ok_or_else(|| {
                AppError::Invalid(vec![FieldError::new(
                    "side",
                    "须为 applicant 或 respondent / must be applicant or respondent",
                )])
            })?,
        }),
        ActionBody::Assign { mediator_id } => MediationCommandRequest::AssignMediator { mediator_id },
        ActionBody::Session { held_on, place, attendees, record } => {
            Domain(C::LogSession { held_on: day("held_on", &held_on)?, place, attendees, record })
        }
        ActionBody::Risk { threats, violence, people, earlier_cases } => {
            Domain(C::AssessRisk { factors: RiskFactors { threats, violence, people, earlier_cases } })
        }
        ActionBody::Escalate { body_org_id, reason } => MediationCommandRequest::Escalate { body_org_id, reason },
        ActionBody::Agree(raw) => {
            let agreement = Agreement::parse(&raw, china_today()).map_err(AppError::Invalid)?;
            Domain(C::ReachAgreement { agreement })
        }
        ActionBody::Fail { channels, reason } => {
            let channels = channels
                .iter()
                .enumerate()
                .map(|(i, c)| channel(&format!("channels[{i}]"), c))
                .collect::<Result<Vec<_>, _>>()?;
            Domain(C::RecordNoAgreement { channels, reason })
        }
        ActionBody::Terminate { reason, note } => Domain(C::Terminate {
            reason: match reason.trim() {
                "withdrawn" => TerminationReason::Withdrawn,
                "party_refuses" => TerminationReason::PartyRefuses,
                _ => {
                    return Err(AppError::Invalid(vec![FieldError::new(
                        "reason",
                        "须为 withdrawn(撤回)或 party_refuses(一方拒绝) / must be withdrawn or party_refuses",
                    )]));
                }
            },
            note,
        }),
        ActionBody::JudicialApply { on } => Domain(C::ApplyJudicial { on: day("on", &on)? }),
        ActionBody::JudicialDecide { confirmed, on } => Domain(C::DecideJudicial { confirmed, on: day("on", &on)? }),
        ActionBody::FollowUp { on, performance, note } => Domain(C::FollowUp {
            on: day("on", &on)?,
            performance: match performance.trim() {
                "pending" => Performance::Pending,
                "performed" => Performance::Performed,
                "breached" => Performance::Breached,
                _ => {
                    return Err(AppError::Invalid(vec![FieldError::new(
                        "performance",
                        "须为 pending、performed 或 breached / must be pending, performed or breached",
                    )]));
                }
            },
            note,
        }),
        ActionBody::Reopen { reason } => Domain(C::Reopen { reason }),
        ActionBody::Refer { channel: c, note } => Domain(C::Refer { channel: channel("channel", &c)?, note }),
    })
}

/// Act on a case: `{"action": "consent", "side": "respondent"}`, `{"action": "assign",
/// "mediator_id": 3}`, `{"action": "session", "held_on", "place", "attendees", "record"}`,
/// `{"action": "agree", "facts", "terms", "performance_manner", "performance_due",
/// "effective", "form"}`, `{"action": "fail", "channels": ["litigation"], "reason"}`,
/// `{"action": "terminate", "reason": "withdrawn"|"party_refuses", "note"}`, `{"action":
/// "escalate", "body_org_id"?, "reason"}`, `{"action": "risk", "threats", "violence",
/// "people"}`, `{"action": "judicial_apply", "on"}`, `{"action": "judicial_decide",
/// "confirmed", "on"}`, `{"action": "follow_up", "on", "performance", "note"}`, `{"action":
/// "reopen", "reason"}`, `{"action": "refer", "channel", "note"}`. `version` (the one the page
/// showed) is required: a case changed meanwhile refuses the action.
#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/actions", tag = "mediation", params(("id" = i64, Path)),
    request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.check_write(&headers)?;
    let (version, body): (i64, ActionBody) = super::versioned_action(&body, "案件")?;
    let case = state.store.act_on_mediation(&caller.actor, id, version, command(body)?).await?;
    Ok(Json(case_json(&case)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FiguresParams {
    /// First day (`YYYY-MM-DD`), default: 1 January of this year.
    pub from: Option<String>,
    /// Last day, included; default: today.
    pub to: Option<String>,
    /// `total` (default), `county`, `township`, `body`, `mediator`.
    pub group: Option<String>,
    /// Only the cases a body holds now.
    pub body_org_id: Option<i64>,
    /// Only one mediator's cases.
    pub mediator_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresResponse {
    pub from: String,
    pub to: String,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<FiguresRow>,
    #[schema(value_type = Object)]
    pub total: MediationFigures,
}

/// The period and grouping a figures request asks for.
pub(crate) fn figures_request(p: &FiguresParams) -> Result<(NaiveDate, NaiveDate, FiguresGroup), AppError> {
    use chrono::Datelike;
    let today = china_today();
    let from = match p.from.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => day("from", s)?,
        None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    };
    let to = match p.to.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => day("to", s)?,
        None => today,
    };
    if to < from {
        return Err(AppError::Invalid(vec![FieldError::new(
            "to",
            "结束日期不能早于开始日期 / 'to' must not be before 'from'",
        )]));
    }
    let group = match p.group.as_deref().filter(|s| !s.is_empty()) {
        None => FiguresGroup::Total,
        Some(g) => FiguresGroup::parse(g).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "group",
                "须为 total、county、township、body 或 mediator / must be total, county, township, body or mediator",
            )])
        })?,
    };
    Ok((from, to, group))
}

async fn figures_report(
    state: &AppState,
    caller: &ApiCaller,
    p: &FiguresParams,
) -> Result<(NaiveDate, NaiveDate, Vec<FiguresRow>, MediationFigures), AppError> {
    let (from, to, group) = figures_request(p)?;
    let midnight = |d: NaiveDate| from_china(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
    let (rows, total) = state
        .store
        .mediation_figures(
            &caller.actor,
            midnight(from),
            midnight(to.succ_opt().unwrap_or(to)),
            group,
            &FiguresSubset { body_org_id: p.body_org_id, mediator_id: p.mediator_id, ..FiguresSubset::default() },
        )
        .await?;
    Ok((from, to, rows, total))
}

/// The figures of the cases opened in a period: success rate (successful ÷ closed; cases in
/// progress apart), share resolved at village / township / county level, average days to
/// resolution, judicial confirmations and the performance rate.
#[utoipa::path(get, path = "/api/v1/mediation/figures", tag = "mediation", params(FiguresParams),
    responses((status = 200, body = FiguresResponse), (status = 400, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FiguresParams>,
) -> ApiResult<Json<FiguresResponse>> {
    let (from, to, rows, total) = figures_report(&state, &caller, &p).await?;
    Ok(Json(FiguresResponse { from: from.to_string(), to: to.to_string(), rows, total }))
}

/// The same figures as an Excel workbook, counts and rates side by side.
#[utoipa::path(get, path = "/api/v1/mediation/figures.xlsx", tag = "mediation", params(FiguresParams),
    responses((status = 200, description = "Excel workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ErrorBody)))]
pub async fn figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FiguresParams>,
) -> ApiResult<axum::response::Response> {
    let (from, to, rows, total) = figures_report(&state, &caller, &p).await?;
    super::xlsx_download(
        &format!("mediation_figures_{from}_{to}.xlsx"),
        &format!("人民调解统计_{from}_{to}.xlsx"),
        || figures_workbook(&rows, &total),
    )
}

/// A count column or a ratio column of the figures workbook.
enum FigureColumn {
    Count(&'static str, fn(&MediationFigures) -> u64),
    Ratio(&'static str, fn(&MediationFigures) -> Option<f64>),
}

const FIGURE_COLUMNS: [FigureColumn; 16] = [
    FigureColumn::Count("案件数", |f| f.cases),
    FigureColumn::Count("调解中", |f| f.in_progress),
    FigureColumn::Count("已结案", |f| f.closed),
    FigureColumn::Count("调解成功", |f| f.successful),
    FigureColumn::Count("调解不成", |f| f.not_agreed),
    FigureColumn::Count("终止调解", |f| f.terminated),
    FigureColumn::Ratio("成功率", |f| f.success_rate),
    FigureColumn::Count("村级化解", |f| f.resolved_at[0]),
    FigureColumn::Count("乡镇化解", |f| f.resolved_at[1]),
    FigureColumn::Count("县级化解", |f| f.resolved_at[2]),
    FigureColumn::Ratio("村级化解占比", |f| f.resolved_share[0]),
    FigureColumn::Ratio("乡镇化解占比", |f| f.resolved_share[1]),
    FigureColumn::Ratio("县级化解占比", |f| f.resolved_share[2]),
    FigureColumn::Count("司法确认", |f| f.judicial_confirmations),
    FigureColumn::Count("已履行", |f| f.performed),
    FigureColumn::Ratio("履行率", |f| f.performance_rate),
];

fn figures_workbook(rows: &[FiguresRow], total: &MediationFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let sheet = book.add_worksheet();
    sheet.set_name("人民调解统计")?;
    sheet.write_string_with_format(0, 0, "统计对象", &bold)?;
    sheet.write_string_with_format(0, 17, "平均化解天数", &bold)?;
    for (c, col) in FIGURE_COLUMNS.iter().enumerate() {
        let name = match col {
            FigureColumn::Count(n, _) | FigureColumn::Ratio(n, _) => *n,
        };
        sheet.write_string_with_format(0, c as u16 + 1, name, &bold)?;
    }
    let all = rows.iter().map(|r| (r.name.as_str(), &r.figures)).chain(std::iter::once(("合计", total)));
    for (i, (name, f)) in all.enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, name)?;
        for (c, col) in FIGURE_COLUMNS.iter().enumerate() {
            let c = c as u16 + 1;
            match col {
                FigureColumn::Count(_, get) => {
                    sheet.write_number(row, c, get(f) as f64)?;
                }
                FigureColumn::Ratio(_, get) => {
                    if let Some(v) = get(f) {
                        sheet.write_number_with_format(row, c, v, &percent)?;
                    }
                }
            }
        }
        if let Some(days) = f.average_days_to_resolution {
            sheet.write_number(row, 17, days)?;
        }
    }
    sheet.set_column_width(0, 28)?;
    book.save_to_buffer()
}

/// The case's 调解协议书 as a PDF (parties' identity numbers and phones masked).
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}/agreement.pdf", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn agreement_pdf(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::response::Response> {
    crate::documents::agreement_pdf(&state, &caller.actor, id).await
}
