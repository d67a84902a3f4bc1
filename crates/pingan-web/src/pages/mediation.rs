//! People's mediation pages (人民调解, "德为民"): the case list, opening a case (also from an
//! appeal: 转调解), the case page with its actions, the printable agreement (调解协议书) and the
//! figures.

use super::{PageActor, Ui, render};
use crate::AppState;
use crate::api::mediation::{ActionBody, command};
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::mediation::{
    DisputeType, Judicial, MediationEvent, MediationLevel, MediationState, OtherChannel, Performance, RawParty,
    RiskFactors, RiskLevel,
};
use pingan_store::mediation::{AfterCareQueue, MediationCase, MediationFilter, OpenMediation, china_today};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mediation", get(list_page))
        .route("/mediation/new", get(new_page).post(new_submit))
        .route("/mediation/figures", get(figures_page))
        .route("/mediation/{id}", get(case_page))
        .route("/mediation/{id}/act", post(act_submit))
        .route("/mediation/{id}/helpers", post(helper_submit))
        .route(
            "/mediation/{id}/evidence",
            post(evidence_submit).layer(axum::extract::DefaultBodyLimit::max(crate::api::attachments::upload_limit(
                &pingan_store::blobs::AttachmentPolicy::default(),
            ))),
        )
        .route("/mediation/{id}/agreement", get(agreement_page))
        .route("/mediation/{id}/agreement.pdf", get(agreement_pdf))
}

pub(super) fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

fn day_of(ms: i64) -> String {
    to_china(ms).format("%Y-%m-%d").to_string()
}

fn fen_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

// ---- list ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_list.html")]
struct ListPage {
    ui: Ui,
    rows: Vec<ListRow>,
    total: i64,
    state: String,
    risk: String,
    open_only: bool,
    queue: String,
    states: Vec<(&'static str, &'static str)>,
    can_open: bool,
    prev: Option<String>,
    next: Option<String>,
}

/// A case as lists show it.
pub(super) struct ListRow {
    pub(super) id: i64,
    pub(super) case_no: String,
    pub(super) state: &'static str,
    pub(super) dispute: &'static str,
    pub(super) level: &'static str,
    pub(super) risk: &'static str,
    pub(super) risk_code: String,
    pub(super) body: String,
    pub(super) place: String,
    pub(super) opened: String,
}

const PAGE_ROWS: i64 = 50;

async fn list_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let lang = ui.lang;
    let state_filter = q.get("state").filter(|s| !s.is_empty()).cloned().unwrap_or_default();
    let risk = q.get("risk").filter(|s| RiskLevel::parse(s).is_some()).cloned().unwrap_or_default();
    let page: i64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, super::MAX_PAGE);
    let open_only = q.get("open").is_some_and(|v| v == "true");
    let queue_code = q.get("queue").filter(|v| AfterCareQueue::parse(v).is_some()).cloned().unwrap_or_default();
    let filter = MediationFilter {
        state: MediationState::parse(&state_filter),
        open_only,
        queue: AfterCareQueue::parse(&queue_code),
        risk_level: (!risk.is_empty()).then(|| risk.clone()),
        body_org_id: None,
        mediator_id: None,
        limit: PAGE_ROWS,
        offset: (page - 1) * PAGE_ROWS,
    };
    let (items, total) = state.store.mediation_cases(&current.actor, &filter).await?;
    let rows = list_rows(items, lang);
    let href =
        |p: i64| format!("/mediation?state={state_filter}&risk={risk}&open={open_only}&queue={queue_code}&page={p}");
    let can_open = current.actor.permits(Action::Create, Resource::Mediation);
    render(ListPage {
        rows,
        total,
        states: MediationState::ALL.iter().map(|s| (s.as_str(), pick(lang, s.zh(), s.en()))).collect(),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page * PAGE_ROWS < total).then(|| href(page + 1)),
        state: state_filter,
        risk,
        open_only,
        queue: queue_code,
        can_open,
        ui,
    })
}

/// Cases as the lists show them, in the page's language.
pub(super) fn list_rows(items: Vec<pingan_store::mediation::MediationListItem>, lang: Lang) -> Vec<ListRow> {
    items
        .into_iter()
        .map(|i| ListRow {
            id: i.id,
            case_no: i.case_no,
            state: MediationState::parse(&i.state).map_or("—", |s| pick(lang, s.zh(), s.en())),
            dispute: DisputeType::parse(&i.dispute_type).map_or("—", |t| pick(lang, t.zh(), t.en())),
            level: MediationLevel::parse(&i.level).map_or("—", |l| pick(lang, l.zh(), l.en())),
            risk: RiskLevel::parse(&i.risk_level).map_or("—", |r| pick(lang, r.zh(), r.en())),
            risk_code: i.risk_level,
            body: i.body_name,
            place: i.place,
            opened: day_of(i.opened_ms),
        })
        .collect()
}

// ---- opening a case --------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_new.html")]
struct NewPage {
    ui: Ui,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    /// 转调解: the appeal's tracking code and text.
    appeal: Option<(i64, String, String)>,
    types: Vec<(&'static str, &'static str)>,
    bodies: Vec<(i64, String)>,
    sides: Vec<(&'static str, &'static str)>,
}

impl NewPage {
    fn val(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn checked(&self, key: &str) -> bool {
        self.form.get(key).is_some_and(|v| !v.is_empty())
    }

    fn side_val(&self, side: &str, key: &str) -> &str {
        self.form.get(&format!("{side}_{key}")).map_or("", String::as_str)
    }

    fn consented(&self, side: &str) -> bool {
        self.checked(&format!("consent_{side}"))
    }
}

async fn new_form(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
) -> PageResult<NewPage> {
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let appeal_id = form.get("appeal_id").and_then(|v| v.parse::<i64>().ok());
    let (appeal, bodies) = match appeal_id {
        Some(id) => {
            let r = state.store.appeal(&current.actor, id).await?;
            let path = pingan_domain::region::RegionPath::parse(&state.store.appeal_region_path(id).await?)
                .ok_or_else(|| AppError::Internal(format!("appeal {id} region path")))?;
            let bodies = state.store.mediation_bodies_for_place(&path).await?;
            (Some((id, r.tracking_code, r.text)), bodies)
        }
        None => (None, Vec::new()),
    };
    Ok(NewPage {
        types: DisputeType::ALL.iter().map(|t| (t.as_str(), pick(lang, t.zh(), t.en()))).collect(),
        bodies: bodies
            .into_iter()
            .map(|b| (b.org_id, format!("{} · {}", pick(lang, b.level.zh(), b.level.en()), b.name)))
            .collect(),
        sides: vec![("applicant", ui.t("med.applicant")), ("respondent", ui.t("med.respondent"))],
        ui,
        form,
        errors,
        appeal,
    })
}

async fn new_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Create, Resource::Mediation).map_err(AppError::from)?;
    let mut form = BTreeMap::new();
    if let Some(id) = q.get("appeal_id") {
        form.insert("appeal_id".to_owned(), id.clone());
        form.insert("consent_applicant".to_owned(), "true".to_owned());
    }
    Ok(Html(new_form(&state, &current, &headers, form, Vec::new()).await?.render()?))
}

fn party_from(form: &BTreeMap<String, String>, side: &str) -> Option<RawParty> {
    let get = |k: &str| form.get(&format!("{side}_{k}")).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let name = get("name")?;
    Some(RawParty {
        side: side.to_owned(),
        kind: get("kind"),
        name,
        id_number: get("id_number"),
        phone: get("phone"),
        address: get("address"),
    })
}

async fn new_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let opened = async {
        let text = |k: &str| form.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut errors = Vec::new();
        let appeal_id = text("appeal_id").and_then(|v| v.parse::<i64>().ok());
        let region_id = match (appeal_id, text("region_code")) {
            (Some(_), _) => None,
            (None, Some(code)) => match state.store.region_by_code(&current.actor.scope, &code).await {
                Ok(r) => Some(r.id),
                Err(_) => {
                    errors.push(FieldError::new(
                        "region_code",
                        "辖区内没有这个区划代码 / no such region code in your scope",
                    ));
                    None
                }
            },
            (None, None) => {
                errors.push(FieldError::new(
                    "region_code",
                    "请填写纠纷发生地的区划代码 / give the region code of the place",
                ));
                None
            }
        };
        let amount = match text("amount") {
            Some(a) => match a.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError::new("amount", "争议金额须为数字 / the amount must be a number"));
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let consents = ["applicant", "respondent"]
            .into_iter()
            .filter(|s| form.get(&format!("consent_{s}")).is_some_and(|v| !v.is_empty()))
            .map(str::to_owned)
            .collect();
        let open = OpenMediation {
            appeal_id,
            region_id,
            source: text("source"),
            body_org_id: text("body_org_id").and_then(|v| v.parse().ok()),
            dispute_type: text("dispute_type"),
            summary: text("summary"),
            amount_yuan: amount,
            parties: ["applicant", "respondent"].into_iter().filter_map(|s| party_from(&form, s)).collect(),
            consents,
            risk: RiskFactors {
                threats: form.contains_key("threats"),
                violence: form.contains_key("violence"),
                ..RiskFactors::default()
            },
        };
        state.store.open_mediation(&current.actor, &open).await.map_err(AppError::from)
    }
    .await;
    match opened {
        Ok(case) => Ok(Redirect::to(&format!("/mediation/{}", case.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let html = new_form(&state, &current, &headers, form, errors).await?.render()?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
        Err(AppError::Conflict(message)) => {
            let errors = vec![FieldError::new("appeal_id", message)];
            let html = new_form(&state, &current, &headers, form, errors).await?.render()?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

// ---- the case page -------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_case.html")]
struct CasePage {
    ui: Ui,
    c: MediationCase,
    state_name: &'static str,
    facts: Vec<(&'static str, String)>,
    risk_name: &'static str,
    risk_code: &'static str,
    risk_reasons: Vec<String>,
    levels: Vec<String>,
    agreement: Vec<(&'static str, String)>,
    /// (action, its label)
    actions: Vec<(&'static str, &'static str)>,
    mediators: Vec<(i64, String)>,
    suggested: Option<i64>,
    missing_consents: Vec<(&'static str, &'static str)>,
    today: String,
    timeline: Vec<(String, String, String)>,
    evidence: Vec<EvidenceView>,
    /// Whether the actor may add evidence now.
    adds_evidence: bool,
    /// The 五老 helping, and those the actor may still ask.
    helpers: Vec<pingan_store::elders::TaskHelper>,
    helper_choices: Vec<(i64, String)>,
    error: Option<String>,
}

/// A piece of evidence as the case page lists it.
struct EvidenceView {
    url: String,
    name: String,
    /// A photo the browser can draw as a thumbnail.
    thumb: bool,
    source: &'static str,
    description: String,
    added: String,
}

impl CasePage {
    fn is_suggested(&self, id: &i64) -> bool {
        self.suggested == Some(*id)
    }
}

/// One line of a case's history, in Chinese.
pub fn event_zh(e: &MediationEvent) -> String {
    match e {
        MediationEvent::Opened { case, .. } => format!("受理({}),{}", case.source.zh(), case.body_name),
        MediationEvent::ConsentRecorded { side } => format!("{}同意调解", side.zh()),
        MediationEvent::MediatorAssigned { mediator_name, .. } => format!("指派调解员 {mediator_name}"),
        MediationEvent::SessionHeld { held_on, place, attendees, record } => {
            format!("{held_on} 在{place}调解,参加人:{attendees}。记录:{record}")
        }
        MediationEvent::RiskAssessed { assessment, .. } => {
            format!("风险评估:{}{}", assessment.level.zh(), reasons_suffix(&assessment.reasons))
        }
        MediationEvent::Escalated { to_level, body_name, reason, .. } => {
            format!("上移至{}级:{body_name}({reason})", to_level.zh())
        }
        MediationEvent::AgreementReached { agreement, .. } => {
            format!("达成{}:{}", agreement.form.zh(), agreement.terms)
        }
        MediationEvent::NotAgreed { channels, reason, .. } => format!(
            "调解不成({reason}),已告知当事人可通过{}解决",
            channels.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、")
        ),
        MediationEvent::Terminated { reason, note, .. } => format!("终止调解:{}({note})", reason.zh()),
        MediationEvent::JudicialApplied { on } => format!("{on} 申请司法确认"),
        MediationEvent::JudicialDecided { confirmed: true, on } => format!("{on} 法院裁定确认协议有效"),
        MediationEvent::JudicialDecided { confirmed: false, on } => format!("{on} 法院裁定不予确认"),
        MediationEvent::FollowedUp { on, performance, note } => format!(
            "{on} 回访:{}({note})",
            match performance {
                Performance::Pending => "履行中",
                Performance::Performed => "已履行",
                Performance::Breached => "未履行",
            }
        ),
        MediationEvent::Reopened { reason } => format!("重新调解:{reason}"),
        MediationEvent::Referred { channel, note } => format!("引导通过{}解决:{note}", channel.zh()),
    }
}

fn reasons_suffix(reasons: &[String]) -> String {
    if reasons.is_empty() { String::new() } else { format!("({})", reasons.join(";")) }
}

/// The actions a case's state offers, as the names the act form posts.
fn actions_for(c: &MediationCase) -> Vec<&'static str> {
    let s = &c.snapshot;
    let mut out = Vec::new();
    match s.state {
        MediationState::Registered | MediationState::Mediating => {
            if s.consents.len() < 2 {
                out.push("consent");
            }
            out.extend(["assign", "session", "risk"]);
            if s.state == MediationState::Mediating {
                out.extend(["agree", "fail"]);
            }
            if s.level().above().is_some() {
                out.push("escalate");
            }
            out.push("terminate");
        }
        MediationState::Agreed => {
            match s.judicial {
                Judicial::NotApplied => out.push("judicial_apply"),
                Judicial::Applied { .. } => out.push("judicial_decide"),
                _ => {}
            }
            match s.performance {
                Performance::Pending => out.push("follow_up"),
                Performance::Breached if s.referred.is_none() => out.extend(["reopen", "refer"]),
                _ => {}
            }
        }
        MediationState::NotAgreed | MediationState::Terminated => {}
    }
    out
}

/// The i18n key of an action's label.
fn action_label_key(action: &str) -> &'static str {
    match action {
        "consent" => "med.act.consent",
        "assign" => "med.act.assign",
        "session" => "med.act.session",
        "risk" => "med.act.risk",
        "agree" => "med.act.agree",
        "fail" => "med.act.fail",
        "escalate" => "med.act.escalate",
        "terminate" => "med.act.terminate",
        "judicial_apply" => "med.act.judicial_apply",
        "judicial_decide" => "med.act.judicial_decide",
        "follow_up" => "med.act.follow_up",
        "reopen" => "med.act.reopen",
        _ => "med.act.refer",
    }
}

async fn render_case(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let c = state.store.mediation_case(&current.actor, id).await?;
    let s = &c.snapshot;
    let mut facts = vec![
        (ui.t("med.type"), pick(lang, s.dispute_type.zh(), s.dispute_type.en()).to_owned()),
        (ui.t("med.source"), pick(lang, s.source.zh(), s.source.en()).to_owned()),
        (ui.t("med.place"), c.place.clone()),
        (ui.t("med.body"), c.body_name.clone()),
        (ui.t("med.level"), pick(lang, s.level().zh(), s.level().en()).to_owned()),
        (ui.t("med.sessions"), s.sessions.to_string()),
        (ui.t("med.opened"), s.opened_on.to_string()),
    ];
    if let Some(a) = s.amount_fen {
        facts.push((ui.t("med.amount"), format!("{} 元", fen_yuan(a))));
    }
    if let Some(d) = s.closed_on {
        facts.push((ui.t("med.closed"), d.to_string()));
    }
    let mut agreement = Vec::new();
    if let Some(a) = &s.agreement {
        agreement = vec![
            (ui.t("med.form"), a.form.zh().to_owned()),
            (ui.t("med.facts"), a.facts.clone()),
            (ui.t("med.terms"), a.terms.clone()),
            (ui.t("med.manner"), a.performance_manner.clone()),
            (ui.t("med.due"), a.performance_due.to_string()),
            (ui.t("med.effective"), a.effective.to_string()),
            (ui.t("med.window"), a.judicial_window_end().to_string()),
            (
                ui.t("med.judicial"),
                match s.judicial {
                    Judicial::NotApplied => "未申请".into(),
                    Judicial::Applied { on } => format!("{on} 已申请,待法院裁定"),
                    Judicial::Confirmed { on } => format!("{on} 已确认"),
                    Judicial::Rejected { on } => format!("{on} 不予确认"),
                },
            ),
            (
                ui.t("med.performance"),
                match s.performance {
                    Performance::Pending => "履行中".into(),
                    Performance::Performed => "已履行".into(),
                    Performance::Breached => "未履行".into(),
                },
            ),
        ];
    }
    let writes = current.actor.permits(Action::Update, Resource::Mediation);
    let actions: Vec<(&'static str, &'static str)> =
        if writes { actions_for(&c).into_iter().map(|a| (a, ui.t(action_label_key(a)))).collect() } else { Vec::new() };
    let (mediators, suggested) = if actions.iter().any(|(a, _)| *a == "assign") {
        let list = state.store.mediators(&current.actor, c.body_org_id).await?;
        let best = state.store.suggest_mediator(&current.actor, id).await?.map(|m| m.id);
        let list = list
            .into_iter()
            .filter(|m| m.active)
            .map(|m| {
                let spec = m.specialties.iter().map(|t| pick(lang, t.zh(), t.en())).collect::<Vec<_>>().join("、");
                (m.id, format!("{}({spec};在办 {})", m.name, m.open_cases))
            })
            .collect();
        (list, best)
    } else {
        (Vec::new(), None)
    };
    let missing_consents =
        [pingan_domain::mediation::PartySide::Applicant, pingan_domain::mediation::PartySide::Respondent]
            .into_iter()
            .filter(|side| !s.consents.contains(side))
            .map(|side| (side.as_str(), side.zh()))
            .collect();
    let timeline = c
        .events
        .iter()
        .map(|e| (to_china(e.at_ms).format("%Y-%m-%d %H:%M").to_string(), e.actor_name.clone(), event_zh(&e.event)))
        .collect();
    let levels =
        s.levels.iter().map(|l| format!("{} · {}", pick(lang, l.level.zh(), l.level.en()), l.body_name)).collect();
    let evidence = state
        .store
        .mediation_evidence(&current.actor, id)
        .await?
        .into_iter()
        .map(|e| EvidenceView {
            url: format!("/api/v1/mediation/evidence/{}", e.id),
            thumb: e.kind.is_image() && e.kind != pingan_store::blobs::AttachmentKind::Heic,
            source: pick(lang, e.source.zh(), e.source.en()),
            added: format!("{} · {}", to_china(e.added_ms).format("%Y-%m-%d %H:%M"), e.added_by),
            name: e.name,
            description: e.description,
        })
        .collect();
    let adds_evidence = writes && pingan_domain::mediation::evidence::takes_evidence(s.state).is_ok();
    let helpers = state.store.mediation_helpers(id).await?;
    let helper_choices = state.store.mediation_helper_choices(&current.actor, id).await?;
    let page = CasePage {
        helpers,
        helper_choices,
        evidence,
        adds_evidence,
        state_name: pick(lang, s.state.zh(), s.state.en()),
        facts,
        risk_name: pick(lang, s.risk.level.zh(), s.risk.level.en()),
        risk_code: s.risk.level.as_str(),
        risk_reasons: s.risk.reasons.clone(),
        levels,
        agreement,
        actions,
        mediators,
        suggested,
        missing_consents,
        today: china_today().to_string(),
        timeline,
        error,
        ui,
        c,
    };
    Ok(page.render()?)
}

async fn case_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    render_case(&state, &current, &headers, id, None).await.map(Html)
}

/// The act form's fields as the API's action JSON: numbers, booleans and the channel
/// checkboxes typed, everything else as text.
fn form_action(form: &BTreeMap<String, String>) -> Value {
    let mut map = Map::new();
    for (k, v) in form {
        if k == "_csrf" || k == "version" || k.starts_with("channel_") {
            continue;
        }
        let v = v.trim();
        let value = match k.as_str() {
            "mediator_id" | "body_org_id" | "people" | "earlier_cases" if v.is_empty() => continue,
            "mediator_id" | "body_org_id" | "people" | "earlier_cases" => {
                v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(v.to_owned()))
            }
            "confirmed" | "threats" | "violence" => Value::Bool(v == "true"),
            _ => Value::String(v.to_owned()),
        };
        map.insert(k.clone(), value);
    }
    for flag in ["threats", "violence"] {
        if form.get("action").is_some_and(|a| a == "risk") && !map.contains_key(flag) {
            map.insert(flag.into(), Value::Bool(false));
        }
    }
    if form.get("action").is_some_and(|a| a == "judicial_decide") && !map.contains_key("confirmed") {
        map.insert("confirmed".into(), Value::Bool(false));
    }
    if form.get("action").is_some_and(|a| a == "fail") {
        let channels: Vec<Value> = OtherChannel::ALL
            .iter()
            .filter(|c| form.get(&format!("channel_{}", c.as_str())).is_some_and(|v| !v.is_empty()))
            .map(|c| Value::String(c.as_str().into()))
            .collect();
        map.insert("channels".into(), Value::Array(channels));
    }
    Value::Object(map)
}

async fn act_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = async {
        let version = form
            .get("version")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| AppError::BadRequest("页面已过期,请刷新 / the form is stale: reload the page".into()))?;
        let body: ActionBody = serde_json::from_value(form_action(&form))
            .map_err(|e| AppError::BadRequest(format!("请完整填写表单 / the form is incomplete: {e}")))?;
        state.store.act_on_mediation(&current.actor, id, version, command(body)?).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/mediation/{id}")).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            let html = render_case(&state, &current, &headers, id, Some(message)).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// Evidence from the case page: the files under `photos` (the shared form reader's field),
/// with `source` and `description`. A refusal shows the case page again with the reason.
async fn evidence_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> PageResult<Response> {
    // Whether they may add to this case at all, before reading the upload.
    state.store.check_evidence_addable(&current.actor, id, &[]).await.map_err(AppError::from)?;
    let mut form = super::citizen_appeals::PostedForm::read(req, &state, false).await?;
    current.check_csrf(form.fields.get("_csrf").map(String::as_str))?;
    let refused = |status: StatusCode, message: String| {
        let (state, current, headers) = (&state, &current, &headers);
        async move {
            let html = render_case(state, current, headers, id, Some(message)).await?;
            Ok::<Response, PageError>((status, Html(html)).into_response())
        }
    };
    if let Some((status, message)) = form.broken.take() {
        return refused(status, message).await;
    }
    if !form.photo_errors.is_empty() {
        let message = form.photo_errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(";");
        return refused(StatusCode::BAD_REQUEST, message).await;
    }
    if form.photos.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "请选择要上传的证据文件 / choose at least one file".into()).await;
    }
    let text = |k: &str| form.fields.get(k).map(String::as_str).unwrap_or("");
    let note = match pingan_domain::mediation::EvidenceNote::parse(text("source"), text("description")) {
        Ok(note) => note,
        Err(errors) => {
            let message = errors.into_iter().map(|f| f.message).collect::<Vec<_>>().join(";");
            return refused(StatusCode::BAD_REQUEST, message).await;
        }
    };
    let files = std::mem::take(&mut form.photos);
    match crate::api::mediation_evidence::add(&state, &current.actor, id, &note, files).await {
        Ok(_) => Ok(Redirect::to(&format!("/mediation/{id}#evidence")).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            refused(status, message).await
        }
    }
}

// ---- the agreement document -----------------------------------------------------

async fn agreement_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let doc = crate::documents::agreement_doc(&state, &current.actor, id).await?;
    render(doc)
}

async fn agreement_pdf(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(crate::documents::agreement_pdf(&state, &current.actor, id).await?)
}

// ---- figures ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mediation_figures.html")]
struct FiguresPage {
    ui: Ui,
    export: String,
    from: String,
    to: String,
    group: String,
    groups: Vec<(&'static str, &'static str)>,
    rows: Vec<FigureCells>,
    total: FigureCells,
}

pub(super) struct FigureCells {
    pub(super) name: String,
    pub(super) cells: Vec<String>,
}

pub(super) fn figure_cells(name: String, f: &pingan_domain::mediation::MediationFigures) -> FigureCells {
    FigureCells {
        name,
        cells: vec![
            f.cases.to_string(),
            f.in_progress.to_string(),
            f.closed.to_string(),
            f.successful.to_string(),
            percent(f.success_rate),
            percent(f.resolved_share[0]),
            percent(f.resolved_share[1]),
            percent(f.resolved_share[2]),
            f.average_days_to_resolution.map_or_else(|| "—".into(), |d| format!("{d:.1}")),
            f.judicial_confirmations.to_string(),
            percent(f.performance_rate),
        ],
    }
}

async fn figures_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    use chrono::NaiveDate;
    let ui = Ui::for_actor(&headers, &current);
    let params = crate::api::mediation::FiguresParams {
        from: q.get("from").cloned(),
        to: q.get("to").cloned(),
        group: Some(q.get("group").cloned().unwrap_or_else(|| "township".into())),
        body_org_id: None,
        mediator_id: None,
    };
    let (from, to, group) = crate::api::mediation::figures_request(&params)?;
    let group_code = params.group.unwrap_or_default();
    let midnight = |d: NaiveDate| from_china(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
    let (rows, total) = state
        .store
        .mediation_figures(
            &current.actor,
            midnight(from),
            midnight(to.succ_opt().unwrap_or(to)),
            group,
            &Default::default(),
        )
        .await?;
    let groups = vec![
        ("county", ui.t("med.by_county")),
        ("township", ui.t("med.by_township")),
        ("body", ui.t("med.by_body")),
        ("mediator", ui.t("med.by_mediator")),
    ];
    let export = format!("/api/v1/mediation/figures.xlsx?from={from}&to={to}&group={group_code}");
    render(FiguresPage {
        export,
        from: from.to_string(),
        to: to.to_string(),
        group: group_code,
        groups,
        rows: rows.iter().map(|r| figure_cells(r.name.clone(), &r.figures)).collect(),
        total: figure_cells(ui.t("med.total").to_owned(), &total),
        ui,
    })
}

/// Ask a 五老 to help mediate the case; back to the case, with a refusal shown there.
async fn helper_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let elder = form.get("elder_id").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    match state.store.add_mediation_helper(&current.actor, id, elder).await {
        Ok(_) => Ok(Redirect::to(&format!("/mediation/{id}#helpers")).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(AppError::from(e))?;
            Ok((status, Html(render_case(&state, &current, &headers, id, Some(message)).await?)).into_response())
        }
    }
}
