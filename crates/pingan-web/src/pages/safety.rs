//! 平安创建 pages: the campaigns and applications (`/safety`), one application's scorecard with
//! every step its reader may take (`/safety/applications/{id}`: self-assessment and evidence
//! for the unit, review for the competent department, on-site scoring on a phone, proposals
//! to confirm or dismiss, 公示 and award for the 平安办), the incident register
//! (`/safety/incidents`) and the template in force (`/safety/template`).

use super::{PageActor, Ui, form_refusal};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{AppError, PageError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::access::{Action, Resource};
use pingan_domain::account::Role;
use pingan_domain::org::INDUSTRIES;
use pingan_domain::safety::{
    ApplicationCommand, ApplicationState, CampaignKind, IncidentKind, ListKind, ProposalSource, RawCampaign,
    RawIncident, Severity,
};
use pingan_store::orgs::OrgFilter;
use pingan_store::safety::{ApplicationFilter, IncidentFilter};
use serde_json::Value;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/safety", get(overview_page))
        .route("/safety/campaigns", post(campaign_submit))
        .route("/safety/campaigns/{id}/apply", post(apply_submit))
        .route("/safety/applications/{id}", get(application_page))
        .route("/safety/applications/{id}/act", post(act_submit))
        .route("/safety/applications/{id}/evidence", post(evidence_submit))
        .route("/safety/proposals/{id}", post(proposal_submit))
        .route("/safety/incidents", get(incidents_page).post(incident_submit))
        .route("/safety/template", get(template_page).post(template_submit))
        .route("/safety/five-zero", get(five_zero_page))
        .route("/safety/five-zero/villages/{id}/confirm", post(confirm_submit))
        .route("/safety/five-zero/confirmations/{id}/withdraw", post(withdraw_submit))
        .route("/safety/five-zero/rules", get(zero_rules_page).post(zero_rules_submit))
        .route("/safety/scores/formula", get(formula_page).post(formula_submit))
        .route("/safety/figures", get(figures_page))
        .route("/safety/public", get(public_page))
        .route("/safety/scores", get(scores_page))
        .route("/safety/applications/{id}/certificate", get(certificate_page))
}

type Form = BTreeMap<String, String>;

fn text<'a>(form: &'a Form, key: &str) -> &'a str {
    form.get(key).map(String::as_str).unwrap_or("")
}

/// A form's answer: on success, go to `to`; refused, the form's page again (drawn by
/// `render` with the message) under the refusal's status.
async fn done_or_refused<T, Fut>(
    result: Result<T, AppError>,
    to: &str,
    render: impl FnOnce(String) -> Fut,
) -> PageResult<Response>
where
    Fut: std::future::Future<Output = PageResult<String>>,
{
    match result {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            Ok((status, Html(render(message).await?)).into_response())
        }
    }
}

// ---- overview: campaigns and applications --------------------------------------

#[derive(Template)]
#[template(path = "safety.html")]
struct OverviewPage {
    ui: Ui,
    campaigns: Vec<CampaignRow>,
    rows: Vec<ApplicationRow>,
    total: i64,
    states: Vec<(&'static str, &'static str)>,
    industries: Vec<(&'static str, &'static str)>,
    state: String,
    industry: String,
    /// Administrators open campaigns.
    opens: bool,
    /// A unit's contact applies for their own unit: its id.
    own_unit: Option<i64>,
    this_year: i32,
    error: Option<String>,
}

struct CampaignRow {
    id: i64,
    name: String,
    year: i32,
    region: String,
    apply_until: String,
    /// Units may apply now (a 平安单位 campaign before its deadline).
    open: bool,
    kind: &'static str,
    kind_name: &'static str,
    template_version: i64,
    applications: i64,
}

struct ApplicationRow {
    id: i64,
    unit: String,
    industry: String,
    place: String,
    state: &'static str,
    state_code: &'static str,
    total: String,
    campaign: String,
}

async fn overview_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    render_overview(&state, &current, &headers, &q, None).await.map(Html)
}

async fn render_overview(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    q: &Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    actor.require(Action::Read, Resource::Safety)?;
    let ui = Ui::for_actor(headers, current);
    let today = pingan_store::china_today();
    let campaigns = state.store.safety_campaigns(actor).await?;
    let state_filter = ApplicationState::parse(text(q, "state"));
    let industry = Some(text(q, "industry").to_owned()).filter(|i| !i.is_empty());
    let filter = ApplicationFilter {
        campaign_id: q.get("campaign_id").and_then(|c| c.parse().ok()),
        state: state_filter,
        industry: industry.clone(),
        page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        per_page: 50,
    };
    let (apps, total) = state.store.safety_applications(actor, &filter).await?;
    let page = OverviewPage {
        campaigns: campaigns
            .into_iter()
            .map(|c| CampaignRow {
                open: c.kind.takes_applications() && today <= c.apply_until,
                kind: c.kind.as_str(),
                kind_name: c.kind.zh(),
                apply_until: c.apply_until.to_string(),
                id: c.id,
                name: c.name,
                year: c.year,
                region: c.region_name,
                template_version: c.template_version,
                applications: c.applications,
            })
            .collect(),
        rows: apps
            .into_iter()
            .map(|a| ApplicationRow {
                id: a.id,
                unit: a.org_name,
                industry: a.industry_name,
                place: a.place,
                state: a.state.zh(),
                state_code: a.state.as_str(),
                total: a.total.map_or_else(|| "—".into(), |t| t.to_string()),
                campaign: a.campaign_name,
            })
            .collect(),
        total,
        states: ApplicationState::ALL.iter().map(|s| (s.as_str(), s.zh())).collect(),
        industries: INDUSTRIES.iter().map(|(c, zh, _)| (*c, *zh)).collect(),
        state: state_filter.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        industry: industry.unwrap_or_default(),
        opens: actor.role == Role::Admin,
        own_unit: (actor.role == Role::UnitContact).then_some(actor.scope.org_id).flatten(),
        this_year: chrono::Datelike::year(&today),
        error,
        ui,
    };
    Ok(page.render()?)
}

async fn campaign_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = async {
        let raw = RawCampaign {
            name: text(&form, "name").to_owned(),
            year: text(&form, "year").trim().parse().unwrap_or(0),
            apply_until: text(&form, "apply_until").to_owned(),
            notice_days: text(&form, "notice_days").trim().parse().ok(),
        };
        let draft = raw.parse(pingan_store::china_today()).map_err(AppError::Invalid)?;
        let kind = CampaignKind::parse(text(&form, "kind")).unwrap_or(CampaignKind::SafeUnit);
        Ok::<_, AppError>(state.store.create_safety_campaign(&current.actor, kind, &draft).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/safety").into_response()),
        Err(e) => overview_refused(&state, &current, &headers, e).await,
    }
}

async fn overview_refused(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    e: AppError,
) -> PageResult<Response> {
    let (status, message) = form_refusal(e)?;
    let html = render_overview(state, current, headers, &Form::new(), Some(message)).await?;
    Ok((status, Html(html)).into_response())
}

async fn apply_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let org_id = text(&form, "org_id").trim().parse::<i64>().ok().or(current.actor.scope.org_id);
    let result = match org_id {
        Some(org_id) => state.store.apply_for_safe_unit(&current.actor, id, org_id).await.map_err(AppError::from),
        None => Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
            "org_id",
            "请填写单位编号 / give the unit's number",
        )])),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/safety/applications/{}", a.id)).into_response()),
        Err(e) => overview_refused(&state, &current, &headers, e).await,
    }
}

// ---- one application -------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_application.html")]
struct ApplicationPage {
    ui: Ui,
    id: i64,
    version: i64,
    unit: String,
    state: &'static str,
    state_code: &'static str,
    facts: Vec<(&'static str, String)>,
    categories: Vec<CategoryRows>,
    self_total: u32,
    inspected_total: u32,
    result: Option<ResultBox>,
    proposals: Vec<ProposalRow>,
    reviews: Vec<String>,
    objections: Vec<ObjectionRow>,
    ended: Option<String>,
    /// What the reader may do now.
    edits: bool,
    reviews_now: bool,
    inspects: bool,
    decides: bool,
    objects: bool,
    resolves: bool,
    awards: bool,
    severities: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

struct CategoryRows {
    name: String,
    tasks: Vec<TaskRow>,
}

struct TaskRow {
    code: String,
    name: String,
    max: u32,
    evidence_required: bool,
    self_points: String,
    self_note: String,
    files: Vec<(String, String)>,
    inspected: String,
    inspect_note: String,
}

struct ResultBox {
    points: u32,
    deducted: u32,
    total: u32,
    outcome: &'static str,
    passed: bool,
}

struct ProposalRow {
    id: i64,
    source: String,
    list: &'static str,
    list_code: &'static str,
    item: String,
    code: String,
    severity: &'static str,
    severity_code: &'static str,
    summary: String,
    occurred_on: String,
    status: &'static str,
    status_code: String,
    decided: String,
}

struct ObjectionRow {
    index: usize,
    text: String,
    by: String,
    on: String,
    decision: Option<String>,
}

async fn application_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    render_application(&state, &current, &headers, id, None).await.map(Html)
}

async fn render_application(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let d = state.store.safety_application(&current.actor, id).await?;
    let (a, s, t) = (&d.application, &d.snapshot, &d.template);
    let item_name = |list: ListKind, code: &str| -> String {
        let name = match list {
            ListKind::Negative => t.negative.iter().find(|n| n.code == code).map(|n| n.name.clone()),
            ListKind::Veto => t.veto.iter().find(|v| v.code == code).map(|v| v.name.clone()),
        };
        format!("{code} {}", name.unwrap_or_default())
    };
    let mut facts = vec![
        (ui.t("safety.campaign"), a.campaign_name.clone()),
        (ui.t("safety.industry"), a.industry_name.clone()),
        (ui.t("safety.department"), a.dept_name.clone().unwrap_or_else(|| "—".into())),
        (ui.t("safety.place"), format!("{} {}", a.place, a.address.clone().unwrap_or_default())),
    ];
    if let Some(until) = s.notice_until {
        facts.push((ui.t("safety.notice_until"), until.to_string()));
    }
    if let Some(on) = s.awarded_on {
        facts.push((ui.t("safety.awarded_on"), on.to_string()));
    }
    if let Some(team) = &s.team {
        facts.push((ui.t("safety.team"), team.clone()));
    }
    let categories = t
        .positive
        .iter()
        .map(|c| CategoryRows {
            name: format!("{} {}", c.code, c.name),
            tasks: c
                .tasks
                .iter()
                .map(|task| {
                    let own = s.self_scores.get(&task.code);
                    let site = s.inspection.get(&task.code);
                    TaskRow {
                        code: task.code.clone(),
                        name: task.name.clone(),
                        max: task.max,
                        evidence_required: task.evidence_required,
                        self_points: own.map_or_else(String::new, |x| x.points.to_string()),
                        self_note: own.map_or_else(String::new, |x| x.note.clone()),
                        files: d
                            .evidence
                            .iter()
                            .filter(|e| e.task_code == task.code)
                            .map(|e| (format!("/api/v1/safety/evidence/{}", e.id), e.name.clone()))
                            .collect(),
                        inspected: site.map_or_else(String::new, |x| x.points.to_string()),
                        inspect_note: site.map_or_else(String::new, |x| x.note.clone()),
                    }
                })
                .collect(),
        })
        .collect();
    let proposals = d
        .proposals
        .iter()
        .map(|p| {
            let list = ListKind::parse(&p.list).unwrap_or(ListKind::Negative);
            let severity = Severity::parse(&p.severity).unwrap_or(Severity::Ordinary);
            ProposalRow {
                id: p.id,
                source: ProposalSource::parse(&p.source).map_or_else(|| p.source.clone(), ProposalSource::zh),
                list: list.zh(),
                list_code: list.as_str(),
                item: item_name(list, &p.item_code),
                code: p.item_code.clone(),
                severity: severity.zh(),
                severity_code: severity.as_str(),
                summary: p.summary.clone(),
                occurred_on: p.occurred_on.clone(),
                status: match p.status.as_str() {
                    "confirmed" => "已确认",
                    "dismissed" => "已排除",
                    _ => "待核实",
                },
                status_code: p.status.clone(),
                decided: [p.decided_by.clone().unwrap_or_default(), p.reason.clone().unwrap_or_default()]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(":"),
            }
        })
        .collect();
    let rel = d.relation;
    let st = s.state;
    let may_update = current.actor.permits(Action::Update, Resource::Safety);
    let page = ApplicationPage {
        id: a.id,
        version: a.version,
        unit: a.org_name.clone(),
        state: st.zh(),
        state_code: st.as_str(),
        facts,
        categories,
        self_total: d.self_total,
        inspected_total: s.inspection.values().map(|x| x.points).sum(),
        result: s.result.as_ref().map(|r| ResultBox {
            points: r.points,
            deducted: r.deducted,
            total: r.total,
            outcome: r.outcome.zh(),
            passed: r.outcome == pingan_domain::safety::Outcome::Passed,
        }),
        proposals,
        reviews: s
            .reviews
            .iter()
            .map(|r| {
                let verdict = if r.accepted { "审核通过" } else { "退回修改" };
                format!("{} {} {verdict} {}", r.on, r.by, r.comment)
            })
            .collect(),
        objections: s
            .objections
            .iter()
            .enumerate()
            .map(|(index, o)| ObjectionRow {
                index,
                text: o.text.clone(),
                by: o.by.clone(),
                on: o.on.to_string(),
                decision: o
                    .decision
                    .as_ref()
                    .map(|(upheld, reason)| format!("{}:{reason}", if *upheld { "异议成立" } else { "异议不成立" })),
            })
            .collect(),
        ended: s.ended.as_ref().map(|e| format!("{} {}", e.on, e.reason)),
        edits: rel.unit && st.unit_edits(),
        reviews_now: rel.department && st == ApplicationState::Submitted,
        inspects: (rel.department || rel.office) && st == ApplicationState::Accepted,
        decides: (rel.department || rel.office)
            && !matches!(st, ApplicationState::NotPassed | ApplicationState::Revoked),
        objects: may_update && st == ApplicationState::Publicised,
        resolves: rel.office && st == ApplicationState::Publicised,
        awards: rel.office && st == ApplicationState::Publicised,
        severities: Severity::ALL.iter().map(|s| (s.as_str(), s.zh())).collect(),
        error,
        ui,
    };
    Ok(page.render()?)
}

/// The form's fields as the API's action body: numbers and yes/no fields typed.
fn form_command(form: &Form) -> Result<(i64, ApplicationCommand), AppError> {
    let version = form
        .get("version")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| AppError::BadRequest("页面已过期,请刷新 / the form is stale: reload the page".into()))?;
    let mut map = serde_json::Map::new();
    for (k, v) in form {
        let value = match k.as_str() {
            "_csrf" | "version" => continue,
            "points" => match v.trim().parse::<u32>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    return Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
                        "points",
                        "分数须为 0 或正整数 / points must be a whole number from 0",
                    )]));
                }
            },
            "index" => Value::from(v.trim().parse::<u64>().unwrap_or(u64::MAX)),
            "accept" | "upheld" => Value::Bool(v == "true"),
            _ => Value::String(v.clone()),
        };
        map.insert(k.clone(), value);
    }
    let command = serde_json::from_value(Value::Object(map))
        .map_err(|e| AppError::BadRequest(format!("请完整填写表单 / the form is incomplete: {e}")))?;
    Ok((version, command))
}

async fn act_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let anchor = form.get("task").map(|t| format!("#task-{t}")).unwrap_or_default();
    let result = async {
        let (version, command) = form_command(&form)?;
        Ok::<_, AppError>(state.store.act_on_application(&current.actor, id, version, command).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/safety/applications/{id}{anchor}")).into_response()),
        Err(e) => application_refused(&state, &current, &headers, id, e).await,
    }
}

async fn application_refused(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    id: i64,
    e: AppError,
) -> PageResult<Response> {
    let (status, message) = form_refusal(e)?;
    let html = render_application(state, current, headers, id, Some(message)).await?;
    Ok((status, Html(html)).into_response())
}

/// Evidence for one task from the scorecard: the files under `photos` (the shared form
/// reader's field) and the `task`.
async fn evidence_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> PageResult<Response> {
    state.store.check_safety_evidence_addable(&current.actor, id, None, &[]).await.map_err(AppError::from)?;
    let mut form = super::citizen_appeals::PostedForm::read(req, &state, false).await?;
    current.check_csrf(form.fields.get("_csrf").map(String::as_str))?;
    if let Some((status, message)) = form.broken.take() {
        let html = render_application(&state, &current, &headers, id, Some(message)).await?;
        return Ok((status, Html(html)).into_response());
    }
    if !form.photo_errors.is_empty() {
        let message = form.photo_errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(";");
        let html = render_application(&state, &current, &headers, id, Some(message)).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(html)).into_response());
    }
    let task = form.fields.get("task").cloned().unwrap_or_default();
    let files = std::mem::take(&mut form.photos);
    if files.is_empty() {
        let e = AppError::Invalid(vec![pingan_domain::FieldError::new(
            "file",
            "请选择要上传的材料 / choose at least one file",
        )]);
        return application_refused(&state, &current, &headers, id, e).await;
    }
    match crate::api::safety::add_evidence_files(&state, &current.actor, id, &task, files).await {
        Ok(_) => Ok(Redirect::to(&format!("/safety/applications/{id}#task-{task}")).into_response()),
        Err(e) => application_refused(&state, &current, &headers, id, e).await,
    }
}

async fn proposal_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(pid): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let app_id: i64 = text(&form, "application_id").parse().map_err(|_| PageError(AppError::NotFound))?;
    let decision = pingan_store::safety::ProposalDecision {
        confirm: text(&form, "confirm") == "true",
        code: form.get("code").cloned(),
        severity: form.get("severity").cloned(),
        reason: text(&form, "reason").to_owned(),
    };
    match state.store.decide_proposal(&current.actor, pid, &decision).await {
        Ok(_) => Ok(Redirect::to(&format!("/safety/applications/{app_id}#proposals")).into_response()),
        Err(e) => application_refused(&state, &current, &headers, app_id, e.into()).await,
    }
}

// ---- incidents -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_incidents.html")]
struct IncidentsPage {
    ui: Ui,
    rows: Vec<pingan_store::safety::Incident>,
    total: i64,
    kinds: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    /// Units found by the search box: (id, name, address).
    found: Vec<(i64, String, String)>,
    q: String,
    /// The unit chosen for the form.
    chosen: Option<(i64, String, String)>,
    townships: Vec<(i64, String)>,
    /// The appeal being registered as an incident (its place is the appeal's).
    appeal_id: Option<i64>,
    records: bool,
    today: String,
    error: Option<String>,
}

async fn incidents_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    render_incidents(&state, &current, &headers, &q, None).await.map(Html)
}

fn kind_name(k: &str) -> &'static str {
    IncidentKind::parse(k).map_or("", IncidentKind::zh)
}

fn severity_name(s: &str) -> &'static str {
    Severity::parse(s).map_or("", Severity::zh)
}

async fn render_incidents(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    q: &Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let ui = Ui::for_actor(headers, current);
    let filter = IncidentFilter {
        kind: IncidentKind::parse(text(q, "kind")),
        page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        per_page: 50,
    };
    let (rows, total) = state.store.incidents(actor, &filter).await?;
    let search = text(q, "q").trim().to_owned();
    let found = if search.is_empty() {
        Vec::new()
    } else {
        let f = OrgFilter {
            kind: Some(pingan_domain::org::OrgKind::SocialUnit),
            q: Some(search.clone()),
            limit: 20,
            ..Default::default()
        };
        state
            .store
            .orgs(&actor.scope, &f)
            .await?
            .0
            .into_iter()
            .map(|o| (o.id, o.name, o.address.unwrap_or_default()))
            .collect()
    };
    let chosen = match q.get("org_id").and_then(|o| o.parse::<i64>().ok()) {
        Some(id) => state.store.org(&actor.scope, id).await.ok().map(|o| (o.id, o.name, o.address.unwrap_or_default())),
        None => None,
    };
    let townships = state
        .store
        .regions_at_level(&actor.scope, pingan_domain::RegionLevel::Township)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let page = IncidentsPage {
        rows,
        total,
        kinds: IncidentKind::ALL.iter().map(|k| (k.as_str(), k.zh())).collect(),
        severities: Severity::ALL.iter().map(|s| (s.as_str(), s.zh())).collect(),
        found,
        q: search,
        chosen,
        townships,
        appeal_id: q.get("appeal_id").and_then(|a| a.trim().parse().ok()),
        records: actor.permits(Action::Create, Resource::Safety) && actor.role != Role::UnitContact,
        today: pingan_store::china_today().to_string(),
        error,
        ui,
    };
    Ok(page.render()?)
}

async fn incident_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let raw = RawIncident {
        kind: text(&form, "kind").to_owned(),
        severity: text(&form, "severity").to_owned(),
        occurred_on: text(&form, "occurred_on").to_owned(),
        summary: text(&form, "summary").to_owned(),
        address: text(&form, "address").to_owned(),
        casualties: text(&form, "casualties").trim().parse().unwrap_or(0),
    };
    let org_id = text(&form, "org_id").trim().parse().ok();
    let region_id = text(&form, "region_id").trim().parse().ok();
    let appeal_id = text(&form, "appeal_id").trim().parse().ok();
    let result = state.store.record_incident(&current.actor, &raw, region_id, org_id, appeal_id).await;
    done_or_refused(result.map_err(AppError::from), "/safety/incidents", |m| {
        render_incidents(&state, &current, &headers, &form, Some(m))
    })
    .await
}

// ---- 五零 villages -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_five_zero.html")]
struct FiveZeroPage {
    ui: Ui,
    report: pingan_store::safety::FiveZeroReport,
    /// The one village shown with its evidence, when the region is a village.
    village: Option<pingan_store::safety::VillageEvaluation>,
    years: Vec<i32>,
    /// City administrators edit the zeros.
    edits_rules: bool,
    today: String,
    error: Option<String>,
}

fn percent(rate: &Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn kinds_text(z: &pingan_domain::safety::five_zero::Zero) -> String {
    let mut parts: Vec<String> = z.kinds.iter().map(|k| k.zh().to_owned()).collect();
    if !parts.is_empty() && z.min_severity != Severity::Ordinary {
        parts.push(format!("{}及以上", z.min_severity.zh()));
    }
    if z.violent_disputes {
        parts.push("调解中发生肢体冲突".into());
    }
    if parts.is_empty() { "仅乡镇确认".into() } else { parts.join("、") }
}

async fn five_zero_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    render_five_zero(&state, &current, &headers, &q, None).await.map(Html)
}

async fn render_five_zero(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    q: &Form,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let today = pingan_store::china_today();
    let this_year = chrono::Datelike::year(&today);
    let year = text(q, "year").parse().ok().filter(|y| (2000..=2100).contains(y)).unwrap_or(this_year);
    let region_id = text(q, "region_id").parse().ok();
    let report = state.store.five_zero_report(&current.actor, region_id, year).await?;
    let village = (report.villages.len() == 1 && report.villages[0].village_id == report.region_id)
        .then(|| report.villages[0].clone());
    let page = FiveZeroPage {
        ui,
        report,
        village,
        years: (this_year - 4..=this_year).rev().collect(),
        edits_rules: current.actor.role == Role::Admin && current.actor.scope.region.ids().len() == 1,
        today: today.to_string(),
        error,
    };
    Ok(page.render()?)
}

async fn confirm_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(village_id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let year: i32 = text(&form, "year").trim().parse().unwrap_or(0);
    let raw = pingan_domain::safety::five_zero::RawConfirmation {
        zero: text(&form, "zero").to_owned(),
        verdict: text(&form, "verdict").to_owned(),
        occurred_on: form.get("occurred_on").cloned(),
        record_source: form.get("record_source").cloned(),
        record_id: text(&form, "record_id").trim().parse().ok(),
        reason: text(&form, "reason").to_owned(),
    };
    let back = Form::from([("region_id".to_owned(), village_id.to_string()), ("year".to_owned(), year.to_string())]);
    let result = state.store.confirm_five_zero(&current.actor, village_id, year, &raw).await.map_err(AppError::from);
    let to = format!("/safety/five-zero?region_id={village_id}&year={year}");
    done_or_refused(result, &to, |m| render_five_zero(&state, &current, &headers, &back, Some(m))).await
}

async fn withdraw_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    state.store.withdraw_five_zero_confirmation(&current.actor, id).await?;
    let to = format!("/safety/five-zero?region_id={}&year={}", text(&form, "village_id"), text(&form, "year"));
    Ok(Redirect::to(&to).into_response())
}

// ---- the zeros and the formula, edited by the city's administrators ---------------------

#[derive(Template)]
#[template(path = "safety_zero_rules.html")]
struct ZeroRulesPage {
    ui: Ui,
    version: i64,
    name: String,
    /// The zeros as form rows, with two blank rows to add one.
    rows: Vec<ZeroRow>,
    kinds: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

#[derive(Default)]
struct ZeroRow {
    code: String,
    name: String,
    kinds: Vec<&'static str>,
    min_severity: &'static str,
    violent: bool,
}

async fn zero_rules_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    render_zero_rules(&state, &current, &headers, None).await.map(Html)
}

async fn render_zero_rules(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    error: Option<String>,
) -> PageResult<String> {
    let rules = state.store.five_zero_rules(&current.actor).await?;
    let mut rows: Vec<ZeroRow> = rules
        .rules
        .zeros
        .iter()
        .map(|z| ZeroRow {
            code: z.code.clone(),
            name: z.name.clone(),
            kinds: z.kinds.iter().map(|k| k.as_str()).collect(),
            min_severity: z.min_severity.as_str(),
            violent: z.violent_disputes,
        })
        .collect();
    rows.extend([ZeroRow::default(), ZeroRow::default()]);
    let page = ZeroRulesPage {
        ui: Ui::for_actor(headers, current),
        version: rules.version,
        name: rules.name,
        rows,
        kinds: IncidentKind::ALL.iter().map(|k| (k.as_str(), k.zh())).collect(),
        severities: Severity::ALL.iter().map(|s| (s.as_str(), s.zh())).collect(),
        error,
    };
    Ok(page.render()?)
}

/// The zeros from the editor's rows: a row without a code is left out (how a zero is removed).
fn zero_rules_from_form(form: &Form) -> Value {
    let zeros: Vec<Value> = (0..pingan_domain::safety::five_zero::MAX_ZEROS + 2)
        .filter(|i| !text(form, &format!("code_{i}")).trim().is_empty())
        .map(|i| {
            let kinds: Vec<&str> = IncidentKind::ALL
                .iter()
                .map(|k| k.as_str())
                .filter(|k| form.contains_key(&format!("kind_{i}_{k}")))
                .collect();
            serde_json::json!({
                "code": text(form, &format!("code_{i}")).trim(),
                "name": text(form, &format!("name_{i}")).trim(),
                "kinds": kinds,
                "min_severity": Some(text(form, &format!("min_{i}"))).filter(|m| !m.is_empty()).unwrap_or("ordinary"),
                "violent_disputes": form.contains_key(&format!("violent_{i}")),
            })
        })
        .collect();
    serde_json::json!({ "zeros": zeros })
}

async fn zero_rules_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = async {
        let rules = pingan_domain::safety::five_zero::ZeroRules::parse(&zero_rules_from_form(&form))
            .map_err(AppError::Invalid)?;
        let version = text(&form, "version").parse().unwrap_or(-1);
        Ok::<_, AppError>(state.store.save_five_zero_rules(&current.actor, version, text(&form, "name"), &rules).await?)
    }
    .await;
    done_or_refused(result, "/safety/five-zero", |m| render_zero_rules(&state, &current, &headers, Some(m))).await
}

#[derive(Template)]
#[template(path = "safety_formula.html")]
struct FormulaPage {
    ui: Ui,
    version: i64,
    name: String,
    /// (indicator code, its name, its weight)
    weights: Vec<(String, &'static str, u32)>,
    error: Option<String>,
}

async fn formula_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    render_formula(&state, &current, &headers, None).await.map(Html)
}

async fn render_formula(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    error: Option<String>,
) -> PageResult<String> {
    use pingan_domain::safety::county::Indicator;
    let f = state.store.county_formula(&current.actor).await?;
    let weights = Indicator::ALL
        .iter()
        .map(|i| {
            let code = serde_json::to_value(i).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let weight = f.formula.weights.iter().find(|w| w.indicator == *i).map_or(0, |w| w.weight);
            (code, i.zh(), weight)
        })
        .collect();
    let page = FormulaPage { ui: Ui::for_actor(headers, current), version: f.version, name: f.name, weights, error };
    Ok(page.render()?)
}

async fn formula_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    use pingan_domain::safety::county::{Formula, Indicator};
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = async {
        let mut errors = Vec::new();
        let mut weights = Vec::new();
        for i in Indicator::ALL {
            let code = serde_json::to_value(i).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            // A blank weight is 0: the indicator is left out.
            let raw = Some(text(&form, &format!("w_{code}")).trim()).filter(|w| !w.is_empty()).unwrap_or("0");
            match raw.parse::<u32>() {
                Ok(0) => {}
                Ok(w) if w <= 100 => weights.push(serde_json::json!({ "indicator": code, "weight": w })),
                _ => errors.push(pingan_domain::FieldError::new(
                    format!("w_{code}"),
                    format!("「{}」的分值须为 0 到 100 的整数 / a whole number from 0 to 100", i.zh()),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let formula = Formula::parse(&serde_json::json!({ "weights": weights })).map_err(AppError::Invalid)?;
        let version = text(&form, "version").parse().unwrap_or(-1);
        Ok::<_, AppError>(
            state.store.save_county_formula(&current.actor, version, text(&form, "name"), &formula).await?,
        )
    }
    .await;
    done_or_refused(result, "/safety/scores", |m| render_formula(&state, &current, &headers, Some(m))).await
}

// ---- figures --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_figures.html")]
struct FiguresPage {
    ui: Ui,
    year: i32,
    group: String,
    years: Vec<i32>,
    headers: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
    total: Vec<String>,
    export: String,
}

async fn figures_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    use crate::api::safety::{FiguresParams, figure_columns, figures_request};
    let ui = Ui::for_actor(&headers, &current);
    let params = FiguresParams {
        year: text(&q, "year").parse().ok(),
        group: Some(Some(text(&q, "group")).filter(|g| !g.is_empty()).unwrap_or("industry").to_owned()),
    };
    let (year, group) = figures_request(&params)?;
    let f = state.store.safety_figures(&current.actor, year, group).await?;
    let cells = |this, last| figure_columns(this, last).into_iter().map(|(_, v)| v.text()).collect::<Vec<_>>();
    let group = params.group.unwrap_or_default();
    let this_year = chrono::Datelike::year(&pingan_store::china_today());
    super::render(FiguresPage {
        headers: figure_columns(&f.total, &f.last_year_total).into_iter().map(|(h, _)| h).collect(),
        rows: f.rows.iter().map(|r| (r.name.clone(), cells(&r.figures, &r.last_year))).collect(),
        total: cells(&f.total, &f.last_year_total),
        export: format!("/api/v1/safety/figures.xlsx?year={year}&group={group}"),
        years: (this_year - 4..=this_year).rev().collect(),
        year,
        group,
        ui,
    })
}

// ---- 四级联创 scores ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_scores.html")]
struct ScoresPage {
    ui: Ui,
    year: i32,
    level: String,
    years: Vec<i32>,
    headers: Vec<String>,
    /// (rank, name, total, cells: points and rate)
    rows: Vec<(usize, String, String, Vec<String>)>,
    formula: String,
    edits_formula: bool,
    export: String,
}

async fn scores_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    use crate::api::safety::{ScoresParams, scores_request};
    let ui = Ui::for_actor(&headers, &current);
    let params = ScoresParams {
        year: text(&q, "year").parse().ok(),
        level: Some(Some(text(&q, "level")).filter(|l| !l.is_empty()).unwrap_or("county").to_owned()),
    };
    let (year, level) = scores_request(&params)?;
    let s = state.store.county_scores(&current.actor, year, level).await?;
    let this_year = chrono::Datelike::year(&pingan_store::china_today());
    let level = params.level.unwrap_or_default();
    super::render(ScoresPage {
        headers: s.formula.formula.weights.iter().map(|w| format!("{}({}分)", w.indicator.zh(), w.weight)).collect(),
        rows: s
            .rows
            .iter()
            .map(|r| {
                let cells = r
                    .score
                    .parts
                    .iter()
                    .map(|p| {
                        format!(
                            "{:.2}({})",
                            p.points,
                            p.rate.map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0))
                        )
                    })
                    .collect();
                (r.rank, r.name.clone(), format!("{:.2}", r.score.total), cells)
            })
            .collect(),
        formula: format!(
            "{} v{}{}",
            s.formula.name,
            s.formula.version,
            if s.formula.campaign_id.is_some() { "(本年度考核活动所定)" } else { "" }
        ),
        edits_formula: current.actor.role == Role::Admin && current.actor.scope.region.ids().len() == 1,
        export: format!("/api/v1/safety/county-scores.xlsx?year={year}&level={level}"),
        years: (this_year - 4..=this_year).rev().collect(),
        year,
        level,
        ui,
    })
}

// ---- the public list and the certificate ---------------------------------------------

#[derive(Template)]
#[template(path = "safety_public.html")]
struct PublicPage {
    ui: Ui,
    year: i32,
    entries: Vec<pingan_store::safety::PublicEntry>,
}

/// 公示名单, open to everyone (no sign-in): the public can see who is on notice and object
/// to the 平安办 before the period ends.
async fn public_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let this_year = chrono::Datelike::year(&pingan_store::china_today());
    let year = text(&q, "year").parse().ok().filter(|y| (2000..=2100).contains(y)).unwrap_or(this_year);
    let entries = state.store.safety_public_list(year).await?;
    let ui = Ui { lang: crate::i18n::Lang::from_headers(&headers), actor: None, csrf: String::new() };
    super::render(PublicPage { ui, year, entries })
}

#[derive(Template)]
#[template(path = "safety_certificate.html")]
struct CertificatePage {
    unit: String,
    industry: String,
    year: i64,
    number: String,
    issuer: String,
    awarded_on: String,
}

/// The 平安单位 certificate (printable), for an awarded title only.
async fn certificate_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let d = state.store.safety_application(&current.actor, id).await?;
    let (a, s) = (&d.application, &d.snapshot);
    let Some(on) = s.awarded_on.filter(|_| a.state == ApplicationState::Awarded) else {
        return Err(
            AppError::Conflict("只有已授牌的单位才有证书 / only an awarded title has a certificate".into()).into()
        );
    };
    let page = CertificatePage {
        unit: a.org_name.clone(),
        industry: a.industry_name.clone(),
        year: a.year,
        number: format!("{}-{:06}", a.year, a.id),
        issuer: a.campaign_name.clone(),
        awarded_on: on.format("%Y年%m月%d日").to_string(),
    };
    Ok(Html(page.render().map_err(AppError::from)?).into_response())
}

// ---- the template ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "safety_template.html")]
struct TemplatePage {
    ui: Ui,
    current: pingan_store::safety::TemplateVersion,
    versions: Vec<pingan_store::safety::TemplateSummary>,
    /// City administrators replace it.
    edits: bool,
    error: Option<String>,
    saved: bool,
}

async fn template_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    render_template(&state, &current, &headers, None, q.contains_key("saved")).await.map(Html)
}

async fn render_template(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    error: Option<String>,
    saved: bool,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let template = state.store.safety_template(&current.actor, CampaignKind::SafeUnit).await?;
    let versions = state.store.safety_template_versions(&current.actor, CampaignKind::SafeUnit).await?;
    let edits = current.actor.role == Role::Admin && current.actor.scope.region.ids().len() == 1;
    Ok(TemplatePage { ui, current: template, versions, edits, error, saved }.render()?)
}

/// An edited workbook from the template page: `file`, with the `version` it was downloaded at
/// and the new version's `name`.
async fn template_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let mut fields: Form = Form::new();
    let mut file: Vec<u8> = Vec::new();
    let read = async {
        let mut multipart =
            multipart.map_err(|e| AppError::BadRequest(format!("表单无法读取 / the form cannot be read: {e}")))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无法读取 / the form cannot be read: {e}")))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("表单无法读取 / the form cannot be read: {e}")))?;
            if name == "file" {
                file = bytes.to_vec();
            } else {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        Ok::<(), AppError>(())
    };
    let read = read.await;
    current.check_csrf(fields.get("_csrf").map(String::as_str))?;
    let result = async {
        read?;
        let template = crate::api::safety::template_from_workbook(&file)?;
        let version = text(&fields, "version").parse().unwrap_or(-1);
        Ok::<_, AppError>(
            state
                .store
                .save_safety_template(&current.actor, CampaignKind::SafeUnit, version, text(&fields, "name"), &template)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/safety/template?saved").into_response()),
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            let html = render_template(&state, &current, &headers, Some(message), false).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}
