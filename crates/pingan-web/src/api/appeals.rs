//! `/api/v1/appeals`: citizens' appeals (诉求) — intake from every channel, the workbench
//! lists and queue counts, one case with its history, and the actions on it; `/api/v1/track`
//! for residents following a case by its code; `/api/v1/classify` for the report form's
//! category suggestion as the resident types.

use super::{ApiPath, ApiQuery, Page, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::FieldError;
use pingan_domain::account::Role;
use pingan_domain::appeal::{AppealCommand, AppealState, AppealText, CaseActor, CategoryCode, IntakeChannel, Urgency};
use pingan_domain::personal::Phone;
use pingan_store::appeals::{AppealFilter, AppealListItem, AppealRecord, Filed, Idempotency, Intake, Queue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// A new appeal. Category and urgency may be left out: the classifier fills them in.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewAppealRequest {
    /// What happened and where, in the resident's words (4–2000 characters).
    pub text: String,
    /// A category code of DOMAIN §4, e.g. `A03`; default: the classifier's first choice.
    pub category: Option<String>,
    /// `normal` or `urgent`; default: the classifier's judgement.
    pub urgency: Option<String>,
    /// `mini_program`, `patrol`, `red_station`, `hotline_12345`, `proxy` or `api`. Residents
    /// always file as `mini_program`, API tokens default to `api`; staff must say.
    pub channel: Option<String>,
    /// The place (WGS84), located to its grid.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Or a region code (grid, village or township) when there is no point.
    pub region_code: Option<String>,
    pub address: Option<String>,
    /// 保密: only those handling the case see who reported it.
    #[serde(default)]
    pub confidential: bool,
    pub reporter_name: Option<String>,
    /// The resident's mobile; required for proxy entries (诉求代办): the code goes to it by SMS.
    pub reporter_phone: Option<String>,
    /// With channel `red_station`: the red station (红色驿站, an organisation id) where the
    /// resident walked in, counted in the station's figures.
    pub station_org_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiledResponse {
    pub id: i64,
    pub tracking_code: String,
    /// `true` when an `Idempotency-Key` retry returned the case the first request created.
    pub replayed: bool,
    pub state: String,
    pub state_name: String,
    pub category: String,
    pub urgency: String,
    /// Why the case went where it went: the rule and the place.
    pub route_why: String,
    pub unit_name: Option<String>,
    /// Open cases nearby of the same category, offered for merging (并单).
    pub duplicate_candidates: Vec<i64>,
}

fn channel_parse(s: &str) -> Option<IntakeChannel> {
    serde_json::from_value(Value::String(s.trim().to_owned())).ok()
}

fn urgency_field(s: &str) -> Result<Urgency, FieldError> {
    Urgency::parse(s.trim())
        .ok_or_else(|| FieldError::new("urgency", "紧急程度须为 normal 或 urgent / urgency is normal or urgent"))
}

/// File an appeal. Send `Idempotency-Key` so that a retried request never creates a second case.
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals", request_body = NewAppealRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry key: the same key and body return the first result")),
    responses(
        (status = 201, body = FiledResponse), (status = 200, description = "Replay of an earlier request", body = FiledResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn file_appeal(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<FiledResponse>)> {
    caller.check_write(&headers)?;
    let req: NewAppealRequest = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON 或缺少字段 / malformed JSON body: {e}")))?;
    let idempotency = match headers.get("idempotency-key").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(key)) if !key.is_empty() && key.len() <= 200 => Some(Idempotency {
            client: caller.client.clone(),
            key: key.to_owned(),
            request_hash: hex::encode(Sha256::digest(&body)),
        }),
        Some(_) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "Idempotency-Key",
                "Idempotency-Key 须为 1–200 个可见字符 / Idempotency-Key must be 1–200 visible characters",
            )]));
        }
    };
    let rules = state.appeal_rules();
    let intake = parse_intake(&state, &caller.actor, caller.is_token(), &req, &rules).await?;
    let filed = state.store.file_appeal(&caller.actor, &intake, &rules, idempotency.as_ref()).await?;
    let status = if filed.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(filed_response(filed, &intake))))
}

fn filed_response(f: Filed, intake: &Intake) -> FiledResponse {
    FiledResponse {
        id: f.id,
        tracking_code: f.tracking_code,
        replayed: f.replayed,
        state: f.state.as_str().into(),
        state_name: f.state.zh().into(),
        category: intake.category.as_str().into(),
        urgency: intake.urgency.as_str().into(),
        route_why: f.route_why,
        unit_name: f.unit_name,
        duplicate_candidates: f.duplicate_candidates,
    }
}

/// Check every field at once, so the form can show every mistake together.
pub async fn parse_intake(
    state: &AppState,
    actor: &pingan_domain::Actor,
    token: bool,
    req: &NewAppealRequest,
    rules: &pingan_store::appeals::AppealRules,
) -> Result<Intake, AppError> {
    let mut errors = Vec::new();
    let text = AppealText::parse(&req.text).map_err(|e| errors.push(e)).ok();
    let prediction = text.as_ref().map(|t| state.classifier.classify(t.as_str()));
    let category = match (&req.category, &prediction) {
        (Some(c), _) => match CategoryCode::parse(c.trim()) {
            Ok(code) if rules.categories.get(code).is_some() => Some(code),
            Ok(code) => {
                errors
                    .push(FieldError::new("category", format!("未知的诉求类别「{code}」 / unknown category '{code}'")));
                None
            }
            Err(e) => {
                errors.push(e.field_error("category"));
                None
            }
        },
        (None, Some(p)) => p.category().and_then(|c| CategoryCode::parse(c).ok()),
        (None, None) => None,
    };
    let urgency = match (&req.urgency, &prediction) {
        (Some(u), _) => urgency_field(u).map_err(|e| errors.push(e)).ok(),
        (None, Some(p)) => Some(p.urgency),
        (None, None) => None,
    };
    let channel = if actor.role == Role::Citizen {
        Some(IntakeChannel::MiniProgram)
    } else {
        match (&req.channel, token) {
            (Some(c), _) => channel_parse(c).or_else(|| {
                errors.push(FieldError::new(
                    "channel",
                    "渠道须为 mini_program、patrol、red_station、hotline_12345、proxy 或 api / unknown channel",
                ));
                None
            }),
            (None, true) => Some(IntakeChannel::Api),
            (None, false) => {
                errors.push(FieldError::new("channel", "请选择受理渠道 / say which channel the appeal came by"));
                None
            }
        }
    };
    let reporter_phone = match req.reporter_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Phone::parse(p).map_err(|m| errors.push(FieldError::new("reporter_phone", m))).ok(),
        None => None,
    };
    if channel == Some(IntakeChannel::Proxy) && reporter_phone.is_none() && req.reporter_phone.is_none() {
        errors.push(FieldError::new(
            "reporter_phone",
            "诉求代办须填写群众手机号,查询码将以短信发送 / a proxy entry needs the resident's mobile for the tracking code",
        ));
    }
    let address = req.address.as_deref().unwrap_or("").trim().to_owned();
    if address.chars().count() > 200 {
        errors.push(FieldError::new("address", "地址不能超过 200 个字 / at most 200 characters"));
    }
    let name = req.reporter_name.as_deref().unwrap_or("").trim().to_owned();
    if name.chars().count() > 50 {
        errors.push(FieldError::new("reporter_name", "姓名不能超过 50 个字 / at most 50 characters"));
    }
    let region_id = locate(state, req).await.map_err(|e| errors.push(e)).ok();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    match (text, category, urgency, channel, region_id) {
        (Some(text), Some(category), Some(urgency), Some(channel), Some(region_id)) => Ok(Intake {
            text,
            category,
            urgency,
            channel,
            region_id,
            lon: req.lon,
            lat: req.lat,
            address,
            confidential: req.confidential,
            reporter_name: name,
            reporter_phone,
            station_org_id: req.station_org_id,
        }),
        _ => Err(AppError::Invalid(vec![FieldError::new(
            "category",
            "无法判断诉求类别,请选择 / the category could not be determined: please choose one",
        )])),
    }
}

/// The region a request names: the grid its point falls in, or its region code.
async fn locate(state: &AppState, req: &NewAppealRequest) -> Result<i64, FieldError> {
    match (req.lon, req.lat, req.region_code.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
        (Some(lon), Some(lat), _) => {
            if !lon.is_finite()
                || !lat.is_finite()
                || !(-180.0..=180.0).contains(&lon)
                || !(-90.0..=90.0).contains(&lat)
            {
                return Err(FieldError::new("location", "经纬度无效 / invalid coordinates"));
            }
            state.grid_index().locate(lon, lat).ok_or_else(|| {
                FieldError::new(
                    "location",
                    "该地点不在本市网格范围内,请在地图上重新选择 / the point lies outside the city's grids",
                )
            })
        }
        (None, None, Some(code)) => {
            let root = pingan_domain::Scope {
                region: pingan_domain::region::RegionPath::parse(&state.root_path)
                    .ok_or_else(|| FieldError::new("location", "城市尚未导入 / no city loaded"))?,
                org_id: None,
            };
            match state.store.region_by_code(&root, code).await {
                Ok(r) if r.level >= pingan_domain::region::RegionLevel::Township => Ok(r.id),
                Ok(_) => Err(FieldError::new("region_code", "请至少具体到乡镇(街道) / name at least a township")),
                Err(_) => {
                    Err(FieldError::new("region_code", format!("没有区划代码 {code} / no region with code {code}")))
                }
            }
        }
        (Some(_), None, _) | (None, Some(_), _) => {
            Err(FieldError::new("location", "经度和纬度须同时提供 / give both longitude and latitude"))
        }
        (None, None, None) => Err(FieldError::new(
            "location",
            "请在地图上选择地点或填写区划代码 / choose the place on the map or give a region code",
        )),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListParams {
    /// `to_dispatch`, `to_accept`, `in_progress`, `due_soon`, `overdue` or `to_call_back`.
    pub queue: Option<String>,
    pub state: Option<String>,
    /// A category code or its prefix (`A` for the whole group).
    pub category: Option<String>,
    /// Only cases assigned to me (or the unit I act for).
    #[serde(default)]
    pub mine: bool,
    /// Words in the text or address, or a tracking code.
    pub q: Option<String>,
    /// Only walk-ins filed at this red station (its organisation id).
    pub station: Option<i64>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// Up to 200 (default 50).
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealItemDto {
    pub id: i64,
    pub tracking_code: String,
    pub received_ms: i64,
    pub category: String,
    pub category_name: String,
    pub urgency: String,
    pub state: String,
    pub state_name: String,
    pub channel: String,
    pub place: String,
    pub unit_name: String,
    pub due_ms: Option<i64>,
    /// `none`, `yellow` or `red`.
    pub card: String,
    pub excerpt: String,
    /// Masked: `张* 138****8000`, or 保密.
    pub reporter: String,
}

fn card_str(c: pingan_domain::appeal::Card) -> &'static str {
    match c {
        pingan_domain::appeal::Card::None => "none",
        pingan_domain::appeal::Card::Yellow => "yellow",
        pingan_domain::appeal::Card::Red => "red",
    }
}

pub fn category_name(rules: &pingan_store::appeals::AppealRules, code: &str) -> String {
    CategoryCode::parse(code).ok().and_then(|c| rules.categories.get(c)).map(|c| c.zh.clone()).unwrap_or_default()
}

impl AppealItemDto {
    pub fn new(i: AppealListItem, rules: &pingan_store::appeals::AppealRules) -> Self {
        AppealItemDto {
            category_name: category_name(rules, &i.category),
            state_name: i.state.zh().into(),
            state: i.state.as_str().into(),
            card: card_str(i.card).into(),
            id: i.id,
            tracking_code: i.tracking_code,
            received_ms: i.received_ms,
            category: i.category,
            urgency: i.urgency,
            channel: i.channel,
            place: i.place,
            unit_name: i.unit_name,
            due_ms: i.due_ms,
            excerpt: i.excerpt,
            reporter: i.reporter,
        }
    }
}

pub fn list_filter(p: &ListParams) -> Result<AppealFilter, AppError> {
    let (limit, offset) = Paging { page: p.page, per_page: p.per_page }.limit_offset()?;
    let mut errors = Vec::new();
    let queue = p.queue.as_deref().filter(|q| !q.is_empty()).and_then(|q| {
        Queue::parse(q).or_else(|| {
            errors.push(FieldError::new("queue", format!("没有队列「{q}」 / no queue '{q}'")));
            None
        })
    });
    let st = p.state.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        AppealState::parse(s).or_else(|| {
            errors.push(FieldError::new("state", format!("没有状态「{s}」 / no state '{s}'")));
            None
        })
    });
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(AppealFilter {
        queue,
        state: st,
        category: p.category.clone().filter(|c| !c.trim().is_empty()),
        mine: p.mine,
        q: p.q.clone(),
        from_ms: None,
        to_ms: None,
        station: p.station,
        limit,
        offset,
    })
}

/// Cases the caller may see, masked; the clock queues sort urgent cases first, then by deadline.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals", params(ListParams),
    responses((status = 200, body = Page<AppealItemDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_appeals(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<AppealItemDto>>> {
    let f = list_filter(&p)?;
    let (items, total) = state.store.appeals(&caller.actor, &f).await?;
    let rules = state.appeal_rules();
    let items = items.into_iter().map(|i| AppealItemDto::new(i, &rules)).collect();
    Ok(Json(Page::new(items, total, (f.limit, f.offset))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCount {
    pub queue: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueParams {
    /// Count only my own work.
    #[serde(default)]
    pub mine: bool,
}

/// The workbench counts: 待派单, 待签收, 处理中, 即将超时, 已超时, 待回访.
#[utoipa::path(get, path = "/api/v1/appeals/queues", tag = "appeals", params(QueueParams),
    responses((status = 200, body = Vec<QueueCount>), (status = 401, body = ErrorBody)))]
pub async fn queue_counts(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> ApiResult<Json<Vec<QueueCount>>> {
    let counts = state.store.appeal_queue_counts(&caller.actor, p.mine).await?;
    Ok(Json(
        counts
            .counts
            .into_iter()
            .map(|(q, count)| QueueCount { queue: q.as_str().into(), name: q.zh().into(), count })
            .collect(),
    ))
}

/// One case with its history, owner chain and the actions its state allows.
#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_appeal(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    let record = state.store.appeal(&caller.actor, id).await?;
    Ok(Json(record_json(&record, &state.appeal_rules())))
}

pub fn record_json(r: &AppealRecord, rules: &pingan_store::appeals::AppealRules) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        m.insert("state".into(), Value::String(r.snapshot.state.as_str().into()));
        m.insert("state_name".into(), Value::String(r.snapshot.state.zh().into()));
        m.insert("category_name".into(), Value::String(category_name(rules, r.snapshot.category.as_str())));
        m.insert("actions".into(), serde_json::to_value(r.snapshot.state.actions()).unwrap_or_default());
    }
    v
}

/// Act on a case: `{"action": "accept"}`, `{"action": "submit_result", "result": "…"}`,
/// `{"action": "dispatch", "to": {"org_id": 12}}`, … — the actions of the appeal state machine
/// with their fields (see `AppealCommand`). A unit is named `{"org_id": N}` or
/// `{"account_id": N}` (a grid worker). `expected_version` (the `version` the page showed)
/// refuses the action if the case changed meanwhile.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/actions", tag = "appeals", params(("id" = i64, Path)),
    request_body = Object,
    responses(
        (status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.check_write(&headers)?;
    let mut map = super::json_object(&body)?;
    let expected_version = match map.remove("expected_version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => {
            return Err(AppError::Invalid(vec![FieldError::new("expected_version", "须为整数 / must be an integer")]));
        }
    };
    let cmd = command_from_json(&state, &caller.actor, Value::Object(map)).await?;
    let rules = state.appeal_rules();
    state.store.act_on_appeal(&caller.actor, id, &cmd, expected_version, &rules).await?;
    let record = state.store.appeal(&caller.actor, id).await?;
    Ok(Json(record_json(&record, &rules)))
}

/// Build the command: resolve unit references (`{"org_id"}`/`{"account_id"}`) to full units,
/// fill in `time_limit_class` from the category table, and set `by` to the caller — a
/// command can never be issued in someone else's name.
pub async fn command_from_json(
    state: &AppState,
    actor: &pingan_domain::Actor,
    mut v: Value,
) -> Result<AppealCommand, AppError> {
    let Value::Object(map) = &mut v else {
        return Err(AppError::BadRequest("请求体须为 JSON 对象 / the body must be a JSON object".into()));
    };
    for field in ["to", "lead"] {
        if let Some(unit) = map.get_mut(field) {
            *unit = resolve_unit(state, field, unit).await?;
        }
    }
    for field in ["co_handlers", "supporting"] {
        if let Some(Value::Array(units)) = map.get_mut(field) {
            for unit in units.iter_mut() {
                *unit = resolve_unit(state, field, unit).await?;
            }
        }
    }
    if let Some(Value::Object(decision)) = map.get_mut("decision")
        && let Some(unit) = decision.get_mut("to")
    {
        *unit = resolve_unit(state, "decision.to", unit).await?;
    }
    if map.get("action").and_then(Value::as_str) == Some("reclassify")
        && let Some(code) = map.get("category").and_then(Value::as_str)
    {
        let rules = state.appeal_rules();
        let class = CategoryCode::parse(code)
            .ok()
            .and_then(|c| rules.categories.get(c))
            .map(|c| c.time_limit_class)
            .ok_or_else(|| {
                AppError::Invalid(vec![FieldError::new(
                    "category",
                    format!("未知的诉求类别「{code}」 / unknown category"),
                )])
            })?;
        map.insert("time_limit_class".into(), serde_json::to_value(class).unwrap_or_default());
    }
    if map.get("action").and_then(Value::as_str) == Some("hand_over")
        && let Some(to) = map.get("to")
        && to.get("org_type").is_some()
    {
        // hand_over names an owner, not a unit: keep only the ids.
        let owner = serde_json::json!({"org_id": to.get("org_id"), "account_id": to.get("account_id")});
        map.insert("to".into(), owner);
    }
    map.insert("by".into(), serde_json::to_value(CaseActor::from_actor(actor)).unwrap_or_default());
    serde_json::from_value(v)
        .map_err(|e| AppError::BadRequest(format!("操作或其字段有误 / unknown action or bad fields: {e}")))
}

async fn resolve_unit(state: &AppState, field: &str, unit: &Value) -> Result<Value, AppError> {
    if unit.get("org_type").is_some() {
        return Err(AppError::Invalid(vec![FieldError::new(
            field,
            "请用 {\"org_id\": N} 或 {\"account_id\": N} 指定单位 / name a unit as {\"org_id\": N} or {\"account_id\": N}",
        )]));
    }
    let resolved = match (unit.get("org_id").and_then(Value::as_i64), unit.get("account_id").and_then(Value::as_i64)) {
        (Some(org), None) => state.store.unit_for_org(org).await,
        (None, Some(account)) => state.store.unit_for_grid_worker(account).await,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                field,
                "请用 {\"org_id\": N} 或 {\"account_id\": N} 指定单位 / name a unit as {\"org_id\": N} or {\"account_id\": N}",
            )]));
        }
    };
    let unit = resolved.map_err(|e| match e {
        pingan_store::StoreError::NotFound => {
            AppError::Invalid(vec![FieldError::new(field, "没有这个单位 / no such unit")])
        }
        e => e.into(),
    })?;
    Ok(serde_json::to_value(unit).unwrap_or_default())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackStep {
    pub at_ms: i64,
    pub who: String,
    pub what: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackView {
    pub tracking_code: String,
    pub state: String,
    pub state_name: String,
    pub category_name: String,
    pub received_ms: i64,
    pub place: String,
    pub text: String,
    pub result: Option<String>,
    pub steps: Vec<TrackStep>,
}

/// What the public page shows of a case: its course, no one's personal data.
pub fn track_view(r: &AppealRecord, rules: &pingan_store::appeals::AppealRules) -> TrackView {
    TrackView {
        tracking_code: r.tracking_code.clone(),
        state: r.snapshot.state.as_str().into(),
        state_name: r.snapshot.state.zh().into(),
        category_name: category_name(rules, r.snapshot.category.as_str()),
        received_ms: r.events.first().map_or(0, |e| e.at_ms),
        place: r.place.clone(),
        text: r.text.clone(),
        result: r.snapshot.result.as_ref().map(|x| x.text.clone()),
        steps: r
            .events
            .iter()
            .map(|e| TrackStep {
                at_ms: e.at_ms,
                who: e.event.by.zh().into(),
                what: crate::pages::appeals::event_zh(&e.event),
            })
            .collect(),
    }
}

/// Follow a case by its tracking code (public: the code is the secret).
#[utoipa::path(get, path = "/api/v1/track/{code}", tag = "appeals", params(("code" = String, Path)),
    responses((status = 200, body = TrackView), (status = 404, body = ErrorBody)))]
pub async fn track(State(state): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult<Json<TrackView>> {
    if code.len() > 32 {
        return Err(AppError::NotFound);
    }
    let record = state.store.appeal_by_tracking_code(&code).await?;
    Ok(Json(track_view(&record, &state.appeal_rules())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClassifyRequest {
    pub text: String,
}

/// Category and urgency suggestions for a text, as the report form shows them while typing.
#[utoipa::path(post, path = "/api/v1/classify", tag = "appeals", request_body = ClassifyRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn classify(
    State(state): State<AppState>,
    super::ApiJson(req): super::ApiJson<ClassifyRequest>,
) -> ApiResult<Json<Value>> {
    if req.text.chars().count() > AppealText::MAX_CHARS {
        return Err(AppError::Invalid(vec![FieldError::new("text", "内容过长 / text too long")]));
    }
    let p = state.classifier.classify(&req.text);
    Ok(Json(serde_json::to_value(&p).unwrap_or_default()))
}
