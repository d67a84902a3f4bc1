//! Appeal pages' shared wording: what each event says on a timeline.

use pingan_domain::appeal::event::DispatchVia;
use pingan_domain::appeal::{AppealEvent, EventKind};

/// One line of a case's timeline, in Chinese, for staff and residents alike.
pub fn event_zh(e: &AppealEvent) -> String {
    match &e.kind {
        EventKind::Received { channel, .. } => format!("受理({})", channel.zh()),
        EventKind::Reclassified { category, note, .. } => format!("调整类别为 {category}:{note}"),
        EventKind::Dispatched { why, via, .. } => {
            let verb = match via {
                DispatchVia::Dispatch => "派单",
                DispatchVia::Reassign => "改派",
                DispatchVia::Escalation => "吹哨上报",
            };
            format!("{verb}:{}", why.split(" / ").next().unwrap_or(why))
        }
        EventKind::Accepted { .. } => "承办单位已签收".into(),
        EventKind::Returned { reason, .. } => format!("退单:{reason}"),
        EventKind::ReturnUpheld { note } => format!("退单审核通过:{note}"),
        EventKind::ReturnRejected { note, .. } => format!("退单审核不通过,退回原单位:{note}"),
        EventKind::WorkStarted => "开始办理".into(),
        EventKind::CitizenContacted { note } => format!("已联系群众:{note}"),
        EventKind::ResultSubmitted { result } => format!("提交办理结果:{result}"),
        EventKind::Verified { passed: true, .. } => "核查通过,已办结".into(),
        EventKind::Verified { passed: false, note, .. } => format!("核查未通过,返工:{note}"),
        EventKind::CallbackRecorded { solved, satisfaction, comment } => format!(
            "回访:{},{}{}",
            if *solved { "已解决" } else { "未解决" },
            satisfaction.zh(),
            if comment.is_empty() { String::new() } else { format!("({comment})") }
        ),
        EventKind::Reopened { reason, .. } => format!("重新办理:{reason}"),
        EventKind::Archived { .. } => "归档".into(),
        EventKind::ExtensionRequested { days, reason } => format!("申请延期 {days} 个工作日:{reason}"),
        EventKind::ExtensionDecided { approved: true, days, .. } => format!("批准延期 {days} 个工作日"),
        EventKind::ExtensionDecided { approved: false, note, .. } => format!("不予延期:{note}"),
        EventKind::Suspended { reason } => format!("挂起:{reason}"),
        EventKind::Resumed { .. } => "恢复办理".into(),
        EventKind::SupervisionOrdered { reason, .. } => format!("督办:{}", reason.zh()),
        EventKind::Escalated { to_level, reason, .. } => format!("吹哨上报至{}级:{reason}", to_level.zh()),
        EventKind::Merged { primary_id, .. } => format!("并入诉求 {primary_id} 一并办理"),
        EventKind::Unmerged { reason, .. } => format!("取消并单:{reason}"),
        EventKind::ClosedWithPrimary { .. } => "随主诉求办结".into(),
        EventKind::TransferredOut { to, .. } => format!("已转{}", to.zh()),
        EventKind::HandedOver { reason, .. } => format!("首问责任移交:{reason}"),
        EventKind::InformationAdded { text } => format!("补充信息:{text}"),
    }
}

// ---- staff workbench -------------------------------------------------------

use super::{PageActor, Ui, render};
use crate::AppState;
use crate::api::appeals::{
    AppealItemDto, ListParams, NewAppealRequest, category_name, command_from_json, list_filter, parse_intake,
};
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::appeal::{ActionKind, AppealState, Card, IntakeChannel};
use pingan_store::appeals::{AppealRecord, Queue, UnitOption};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appeals", get(workbench))
        .route("/appeals/export.xlsx", get(export))
        .route("/appeals/rates", get(rates_page))
        .route("/appeals/new", get(new_page).post(new_submit))
        .route("/appeals/bulk-dispatch", post(bulk_dispatch))
        .route("/appeals/{id}", get(case_page))
        .route("/appeals/{id}/act", post(act_submit))
        .route(
            "/appeals/{id}/attachments",
            post(attach_submit).layer(axum::extract::DefaultBodyLimit::max(crate::api::attachments::upload_limit(
                &pingan_store::blobs::AttachmentPolicy::default(),
            ))),
        )
}

/// A queue tab with its count.
pub struct QueueTab {
    pub code: &'static str,
    pub name: &'static str,
    pub count: i64,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct Workbench {
    ui: Ui,
    tabs: Vec<QueueTab>,
    items: Vec<AppealItemDto>,
    total: i64,
    mine: bool,
    queue: String,
    q: String,
    category: String,
    query: String,
    prev: Option<String>,
    next: Option<String>,
    /// Units for bulk dispatch (dispatch centres only).
    units: Vec<UnitOption>,
    can_file: bool,
    notice: Option<String>,
}

fn lang_pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

fn query_string(p: &ListParams, page: Option<i64>) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: &str| {
        if !v.is_empty() {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    };
    push("queue", p.queue.as_deref().unwrap_or(""));
    push("state", p.state.as_deref().unwrap_or(""));
    push("category", p.category.as_deref().unwrap_or(""));
    push("q", p.q.as_deref().unwrap_or(""));
    if p.mine {
        push("mine", "true");
    }
    if let Some(page) = page {
        push("page", &page.to_string());
    }
    parts.join("&")
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn workbench(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
    Query(extra): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let actor = &current.actor;
    let f = list_filter(&p)?;
    let counts = state.store.appeal_queue_counts(actor, p.mine).await?;
    let tabs = counts
        .counts
        .iter()
        .map(|(q, n)| QueueTab {
            code: q.as_str(),
            name: lang_pick(ui.lang, q.zh(), q.en()),
            count: *n,
            active: f.queue == Some(*q),
        })
        .collect();
    let (items, total) = state.store.appeals(actor, &f).await?;
    let rules = state.appeal_rules();
    let items = items.into_iter().map(|i| AppealItemDto::new(i, &rules)).collect();
    let page = p.page.unwrap_or(1).max(1);
    let prev = (page > 1).then(|| format!("/appeals?{}", query_string(&p, Some(page - 1))));
    let next = (f.offset + f.limit < total).then(|| format!("/appeals?{}", query_string(&p, Some(page + 1))));
    let dispatcher = matches!(actor.role, pingan_domain::Role::TownshipDispatcher | pingan_domain::Role::Supervisor);
    let units = if dispatcher && f.queue == Some(Queue::ToDispatch) {
        state.store.candidate_units(&actor.scope.region).await?
    } else {
        Vec::new()
    };
    render(Workbench {
        query: query_string(&p, None),
        queue: p.queue.clone().unwrap_or_default(),
        q: p.q.clone().unwrap_or_default(),
        category: p.category.clone().unwrap_or_default(),
        mine: p.mine,
        can_file: actor.permits(pingan_domain::access::Action::Create, pingan_domain::access::Resource::Appeal),
        ui,
        tabs,
        items,
        total,
        prev,
        next,
        units,
        notice: extra.get("notice").cloned(),
    })
}

/// The list as an Excel workbook, personal data masked (DOMAIN §9), at most 50,000 rows.
async fn export(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    Query(p): Query<ListParams>,
) -> PageResult<Response> {
    let mut f = list_filter(&ListParams { page: Some(1), per_page: Some(1), ..p })?;
    let rules = state.appeal_rules();
    let mut rows = Vec::new();
    f.limit = 500;
    loop {
        let (items, total) = state.store.appeals(&current.actor, &f).await?;
        let n = items.len() as i64;
        rows.extend(items.into_iter().map(|i| AppealItemDto::new(i, &rules)));
        f.offset += n;
        if n == 0 || f.offset >= total || rows.len() >= 50_000 {
            break;
        }
    }
    let bytes = appeals_xlsx(&rows).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    let name = format!("诉求清单_{}.xlsx", chrono::Utc::now().format("%Y%m%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"appeals.xlsx\"; filename*=UTF-8''{}", urlencode(&name)),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn appeals_xlsx(rows: &[AppealItemDto]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("诉求清单")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let headers =
        ["查询码", "受理时间", "类别", "紧急程度", "状态", "地点", "承办单位", "时限", "预警", "诉求摘要", "反映人"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let time = |ms: i64| pingan_domain::calendar::to_china(ms).format("%Y-%m-%d %H:%M").to_string();
    for (r, i) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let cells = [
            i.tracking_code.clone(),
            time(i.received_ms),
            format!("{} {}", i.category, i.category_name),
            if i.urgency == "urgent" { "紧急".into() } else { "一般".into() },
            i.state_name.clone(),
            i.place.clone(),
            i.unit_name.clone(),
            i.due_ms.map(time).unwrap_or_default(),
            match i.card.as_str() {
                "red" => "红牌".into(),
                "yellow" => "黄牌".into(),
                _ => String::new(),
            },
            i.excerpt.clone(),
            i.reporter.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, v)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

#[derive(serde::Deserialize)]
struct BulkForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    /// Comma-joined by the browser as repeated `id` fields; serde_urlencoded gives the last
    /// only, so the page sends them joined in `ids`.
    #[serde(default)]
    ids: String,
}

/// 批量派单: dispatch the chosen waiting cases to one unit; each case is its own transaction,
/// and the page reports which were refused and why.
async fn bulk_dispatch(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    body: String,
) -> PageResult<Response> {
    // Repeated `id=…` fields from the checkboxes, plus the unit and the token.
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let form = BulkForm { csrf: get("_csrf"), unit: get("unit"), ids: get("ids") };
    current.check_csrf(Some(&form.csrf))?;
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .chain(form.ids.split(',').filter(|s| !s.is_empty()))
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let lang = Lang::from_headers(&headers);
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            lang_pick(lang, "请先勾选要派发的诉求", "Tick the cases to dispatch first").into(),
        )
        .into());
    }
    let to = unit_json(&form.unit).ok_or_else(|| {
        AppError::Invalid(vec![pingan_domain::FieldError::new(
            "unit",
            lang_pick(lang, "请选择承办单位", "Choose a unit"),
        )])
    })?;
    let rules = state.appeal_rules();
    let (mut done, mut refused) = (0, Vec::new());
    for id in ids {
        let v = json!({"action": "dispatch", "to": to, "why": "调度员批量派单 / dispatched in bulk by the dispatcher"});
        let result = async {
            let cmd = command_from_json(&state, &current.actor, v).await?;
            state.store.act_on_appeal(&current.actor, id, &cmd, None, &rules).await.map_err(AppError::from)
        }
        .await;
        match result {
            Ok(_) => done += 1,
            Err(e) => refused.push(format!("#{id}: {}", e.status_and_message().1)),
        }
    }
    let message = format!(
        "{} {done}{}",
        lang_pick(lang, "已派单", "Dispatched"),
        if refused.is_empty() { String::new() } else { format!(";{}", refused.join(";")) }
    );
    let location = format!("/appeals?queue=to_dispatch&notice={}", urlencode(&message));
    Ok(Redirect::to(&location).into_response())
}

/// `org:12` or `account:34` from a unit select.
fn unit_json(v: &str) -> Option<Value> {
    let (kind, id) = v.split_once(':')?;
    let id: i64 = id.trim().parse().ok()?;
    match kind {
        "org" => Some(json!({"org_id": id})),
        "account" => Some(json!({"account_id": id})),
        _ => None,
    }
}

// ---- the case page ----------------------------------------------------------

/// A form for one action on the case page.
pub struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    /// Which inputs it needs (the template draws them).
    pub fields: Vec<&'static str>,
}

/// An attachment as the case pages show it, always through the authorised download: photos
/// a browser can draw as thumbnails, the rest (PDF, and HEIC, which few browsers but Safari
/// draw) as links.
pub struct AttachmentView {
    pub url: String,
    pub name: String,
    pub thumb: bool,
}

pub fn attachment_views(items: Vec<pingan_store::appeals::Attachment>) -> Vec<AttachmentView> {
    use pingan_store::blobs::AttachmentKind;
    items
        .into_iter()
        .map(|a| AttachmentView {
            url: format!("/api/v1/attachments/{}", a.id),
            thumb: a.kind.is_image() && a.kind != AttachmentKind::Heic,
            name: a.name,
        })
        .collect()
}

pub struct TimelineRow {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct CasePage {
    ui: Ui,
    r: AppealRecord,
    state_name: &'static str,
    category_name: String,
    card: &'static str,
    card_name: &'static str,
    due: String,
    why: String,
    owners: Vec<(String, String)>,
    timeline: Vec<TimelineRow>,
    attachments: Vec<AttachmentView>,
    actions: Vec<ActionForm>,
    units: Vec<UnitOption>,
    categories: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
    /// The mediation case it became (转调解), if any.
    mediation: Option<i64>,
    /// A dispute case (A01–A06) that may still go to mediation by this actor.
    can_mediate: bool,
    /// Staff who keep the incident register may register the appeal as an incident.
    can_register_incident: bool,
    /// The volunteers sent to it, and whom this actor may send (empty where the category,
    /// the state or the actor's role does not allow it).
    volunteers: Vec<pingan_store::volunteers::Dispatch>,
    volunteer_candidates: Vec<pingan_store::volunteers::Volunteer>,
}

impl CasePage {
    fn dispatch_state(&self, d: &pingan_store::volunteers::Dispatch) -> &'static str {
        d.state().zh()
    }
}

fn action_form(kind: ActionKind, lang: Lang) -> Option<ActionForm> {
    let (action, zh, en, fields): (&str, &str, &str, Vec<&str>) = match kind {
        ActionKind::Dispatch => ("dispatch", "派单", "Dispatch", vec!["unit", "why"]),
        ActionKind::Accept => ("accept", "签收", "Accept", vec![]),
        ActionKind::Return => ("return", "退单", "Return", vec!["reason"]),
        ActionKind::ReviewReturn => ("review_return", "退单审核", "Review return", vec!["uphold", "unit", "note"]),
        ActionKind::Reassign => ("reassign", "改派", "Reassign", vec!["unit", "reason"]),
        ActionKind::StartWork => ("start_work", "开始办理", "Start work", vec![]),
        ActionKind::RecordContact => ("record_contact", "记录联系群众", "Record contact", vec!["note"]),
        ActionKind::SubmitResult => ("submit_result", "提交办理结果", "Submit result", vec!["result"]),
        ActionKind::Verify => ("verify", "核查", "Verify", vec!["passed", "note"]),
        ActionKind::Callback => ("callback", "电话回访", "Phone callback", vec!["solved", "satisfaction", "comment"]),
        ActionKind::Reopen => ("reopen", "重新办理", "Reopen", vec!["reason"]),
        ActionKind::Archive => ("archive", "归档", "Archive", vec!["note"]),
        ActionKind::RequestExtension => ("request_extension", "申请延期", "Request extension", vec!["days", "reason"]),
        ActionKind::DecideExtension => {
            ("decide_extension", "审批延期", "Decide extension", vec!["approve", "days", "note"])
        }
        ActionKind::Suspend => ("suspend", "挂起", "Suspend", vec!["reason"]),
        ActionKind::Resume => ("resume", "恢复办理", "Resume", vec!["note"]),
        ActionKind::Supervise => ("supervise", "督办", "Supervise", vec!["note"]),
        ActionKind::Escalate => ("escalate", "吹哨上报", "Escalate", vec!["unit", "reason"]),
        ActionKind::Merge => ("merge", "并单", "Merge", vec!["primary_id", "reason"]),
        ActionKind::Unmerge => ("unmerge", "取消并单", "Unmerge", vec!["reason"]),
        ActionKind::TransferOut => ("transfer_out", "转出", "Transfer out", vec!["outside", "note"]),
        ActionKind::HandOver => ("hand_over", "移交首问责任", "Hand over", vec!["unit", "reason"]),
        ActionKind::AddInformation => ("add_information", "补充信息", "Add information", vec!["text"]),
        ActionKind::Reclassify => ("reclassify", "调整类别", "Reclassify", vec!["category", "urgency", "note"]),
        ActionKind::Receive | ActionKind::CloseWithPrimary => return None,
    };
    Some(ActionForm { action, label: lang_pick(lang, zh, en), fields })
}

/// Whether the page offers `kind` to this actor: the unit's own steps to the unit, the
/// centres' steps to dispatchers and supervisors. `decide` still has the last word.
fn offered(kind: ActionKind, actor: &pingan_domain::Actor, case: &pingan_domain::appeal::AppealSnapshot) -> bool {
    use pingan_domain::Role;
    let by = pingan_domain::appeal::CaseActor::from_actor(actor);
    let unit = case.assignment.as_ref().is_some_and(|a| by.acts_for(&a.unit));
    let centre = matches!(actor.role, Role::TownshipDispatcher | Role::Supervisor);
    match kind {
        ActionKind::Accept
        | ActionKind::Return
        | ActionKind::StartWork
        | ActionKind::RecordContact
        | ActionKind::SubmitResult
        | ActionKind::RequestExtension => unit,
        ActionKind::Escalate | ActionKind::TransferOut | ActionKind::Resume => unit || centre,
        ActionKind::Supervise => actor.role == Role::Supervisor,
        ActionKind::HandOver => centre || case.owner().is_some_and(|o| by.is_owner(o)),
        ActionKind::AddInformation => true,
        _ => centre,
    }
}

async fn case_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    // A refused volunteer dispatch comes back here with its reason.
    let error = q.get("volunteer_error").cloned();
    render_case(&state, &current, &headers, id, error, q.get("notice").cloned()).await.map(Html)
}

async fn render_case(
    state: &AppState,
    current: &crate::auth::CurrentActor,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
    notice: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let r = state.store.appeal(&current.actor, id).await?;
    let attachments = attachment_views(state.store.appeal_attachments(&current.actor, id).await?);
    let rules = state.appeal_rules();
    let s = &r.snapshot;
    let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    let timeline = r
        .events
        .iter()
        .map(|e| TimelineRow {
            at: time(pingan_domain::calendar::to_china(e.at_ms)),
            who: e.actor_name.clone(),
            what: event_zh(&e.event),
        })
        .collect();
    let owners = s
        .owners
        .iter()
        .map(|o| {
            let who = match (o.owner.org_id, o.owner.account_id) {
                (Some(org), _) => format!("机构 #{org}"),
                (None, Some(acc)) => format!("账号 #{acc}"),
                _ => "—".into(),
            };
            (format!("{} · {}", time(o.since), o.reason), who)
        })
        .collect();
    let leader = current.actor.role == pingan_domain::Role::Leader;
    let actions = if leader {
        Vec::new()
    } else {
        s.state
            .actions()
            .into_iter()
            .filter(|k| offered(*k, &current.actor, s))
            .filter_map(|k| action_form(k, ui.lang))
            .collect()
    };
    let needs_units = !leader
        && matches!(
            s.state,
            AppealState::Received
                | AppealState::Returned
                | AppealState::Dispatched
                | AppealState::Accepted
                | AppealState::InProgress
        );
    let units = if needs_units {
        let path = pingan_domain::region::RegionPath::parse(&state.store.appeal_region_path(id).await?)
            .ok_or_else(|| AppError::Internal(format!("appeal {id} region path")))?;
        state.store.candidate_units(&path).await?
    } else {
        Vec::new()
    };
    let categories = rules.categories.iter().map(|c| (c.code.as_str().to_owned(), c.zh.clone())).collect();
    let card = pingan_domain::appeal::card_at_ms(s, chrono::Utc::now().timestamp_millis());
    let mediation = state.store.mediation_case_for_appeal(&current.actor, id).await?;
    let can_mediate = mediation.is_none()
        && pingan_domain::mediation::DisputeType::from_appeal_category(s.category.as_str()).is_some()
        && current.actor.permits(pingan_domain::access::Action::Create, pingan_domain::access::Resource::Mediation);
    let can_register_incident =
        current.actor.permits(pingan_domain::access::Action::Create, pingan_domain::access::Resource::Safety)
            && current.actor.role != pingan_domain::account::Role::UnitContact;
    let volunteers = state.store.appeal_volunteers(&current.actor, id).await?;
    let volunteer_candidates = match state.store.volunteer_candidates(&current.actor, id).await {
        Ok(list) => list,
        // Not a category volunteers take, closed, or not this actor's to send: no form.
        Err(pingan_store::StoreError::Refused { .. } | pingan_store::StoreError::Conflict(_))
        | Err(pingan_store::StoreError::Denied(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let page = CasePage {
        volunteers,
        volunteer_candidates,
        mediation,
        can_mediate,
        can_register_incident,
        state_name: lang_pick(ui.lang, s.state.zh(), s.state.en()),
        category_name: category_name(&rules, s.category.as_str()),
        card: match card {
            Card::None => "none",
            Card::Yellow => "yellow",
            Card::Red => "red",
        },
        card_name: lang_pick(ui.lang, card.zh(), card.en()),
        due: s.active_deadline().map(|d| format!("{} {}", d.kind.zh(), time(d.due))).unwrap_or_default(),
        why: s.assignment.as_ref().map(|a| a.why.clone()).unwrap_or_default(),
        owners,
        timeline,
        attachments,
        actions,
        units,
        categories,
        error,
        notice,
        ui,
        r,
    };
    Ok(page.render()?)
}

/// The case page's action forms: fields → the JSON command the API takes → the same path.
async fn act_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let expected_version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let result = async {
        let v = form_command(&form)?;
        let cmd = command_from_json(&state, &current.actor, v).await?;
        let rules = state.appeal_rules();
        state.store.act_on_appeal(&current.actor, id, &cmd, expected_version, &rules).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/appeals/{id}")).into_response()),
        Err(e) => {
            let (status, message) = super::form_refusal(e)?;
            let html = render_case(&state, &current, &headers, id, Some(message), None).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// Staff handling a case add photos or PDFs to it (现场照片, 处理材料) from the case page: the
/// same checks as the API's upload, every file checked by content before any is stored, and a
/// refusal shown on the case page.
async fn attach_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> PageResult<Response> {
    let policy = pingan_store::blobs::AttachmentPolicy::default();
    // Whether they may add to this case at all, before reading the upload.
    state.store.check_attachable(&current.actor, id, &[], &policy).await.map_err(AppError::from)?;
    let mut form = super::citizen_appeals::PostedForm::read(req, &state, false).await?;
    current.check_csrf(form.fields.get("_csrf").map(String::as_str))?;
    let (st, cur, hd) = (&state, &current, &headers);
    let refused = |status: StatusCode, message: String| async move {
        let html = render_case(st, cur, hd, id, Some(message), None).await?;
        Ok::<Response, PageError>((status, Html(html)).into_response())
    };
    if let Some((status, message)) = form.broken.take() {
        return refused(status, message).await;
    }
    if !form.photo_errors.is_empty() {
        let message = form.photo_errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(";");
        return refused(StatusCode::BAD_REQUEST, message).await;
    }
    if form.photos.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "请选择要上传的附件 / choose at least one file".into()).await;
    }
    let names = form.photo_names();
    let stored = match state.store.check_attachable(&current.actor, id, &names, &policy).await {
        Ok(()) => crate::api::attachments::store_blobs(&state.blobs, std::mem::take(&mut form.photos)).await?,
        Err(pingan_store::StoreError::Invalid(fields)) => {
            let message = fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join(";");
            return refused(StatusCode::BAD_REQUEST, message).await;
        }
        Err(e) => return Err(AppError::from(e).into()),
    };
    match state.store.add_attachments(&current.actor, id, &stored, &policy).await {
        Ok(_) => Ok(Redirect::to(&format!("/appeals/{id}")).into_response()),
        Err(pingan_store::StoreError::Invalid(fields)) => {
            let message = fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join(";");
            refused(StatusCode::BAD_REQUEST, message).await
        }
        Err(e) => Err(AppError::from(e).into()),
    }
}

/// Turn the form's strings into the command JSON of `POST /api/v1/appeals/{id}/actions`.
pub fn form_command(form: &BTreeMap<String, String>) -> Result<Value, AppError> {
    let action = form.get("action").map(String::as_str).unwrap_or("");
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let flag = |k: &str| matches!(form.get(k).map(String::as_str), Some("true" | "1" | "on" | "yes"));
    let number = |k: &str| -> Result<i64, AppError> {
        form.get(k)
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| AppError::Invalid(vec![pingan_domain::FieldError::new(k, "请填写数字 / enter a number")]))
    };
    let unit = || -> Result<Value, AppError> {
        unit_json(form.get("unit").map(String::as_str).unwrap_or("")).ok_or_else(|| {
            AppError::Invalid(vec![pingan_domain::FieldError::new("unit", "请选择单位 / choose a unit")])
        })
    };
    let mut v = match action {
        "dispatch" => json!({"to": unit()?, "why": text("why")}),
        "reassign" => json!({"to": unit()?, "reason": text("reason")}),
        "escalate" => json!({"lead": unit()?, "reason": text("reason")}),
        "hand_over" => {
            let u = unit()?;
            json!({"to": {"org_id": u.get("org_id"), "account_id": u.get("account_id")}, "reason": text("reason")})
        }
        "review_return" if flag("uphold") => {
            json!({"decision": {"decision": "uphold", "to": unit()?, "note": text("note")}})
        }
        "review_return" => json!({"decision": {"decision": "reject", "note": text("note")}}),
        "verify" => json!({"passed": flag("passed"), "note": text("note")}),
        "callback" => {
            json!({"solved": flag("solved"), "satisfaction": text("satisfaction"), "comment": text("comment")})
        }
        "request_extension" => json!({"days": number("days")?, "reason": text("reason")}),
        "decide_extension" => json!({"approve": flag("approve"), "days": number("days")?, "note": text("note")}),
        "supervise" => json!({"reason": "manual", "note": text("note")}),
        "merge" => json!({"primary_id": number("primary_id")?, "reason": text("reason")}),
        "transfer_out" => {
            let outside = match text("outside").as_str() {
                line @ ("police110" | "fire119" | "ambulance120" | "traffic122") => {
                    json!({"kind": "emergency", "to": line})
                }
                channel @ ("litigation" | "arbitration" | "administrative_review" | "petition") => {
                    json!({"kind": "channel", "to": channel})
                }
                _ => {
                    return Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
                        "outside",
                        "请选择转往何处 / choose where to transfer",
                    )]));
                }
            };
            json!({"to": outside, "note": text("note")})
        }
        "reclassify" => json!({"category": text("category"), "urgency": text("urgency"), "note": text("note")}),
        _ => {
            let mut m = serde_json::Map::new();
            for k in ["reason", "note", "result", "text"] {
                if let Some(x) = form.get(k) {
                    m.insert(k.into(), Value::String(x.clone()));
                }
            }
            Value::Object(m)
        }
    };
    v["action"] = Value::String(action.to_owned());
    Ok(v)
}

// ---- staff intake -------------------------------------------------------------

#[derive(Template)]
#[template(path = "appeal_new.html")]
struct NewPage {
    ui: Ui,
    categories: Vec<(String, String)>,
    form: BTreeMap<String, String>,
    errors: Vec<pingan_domain::FieldError>,
    channels: Vec<(&'static str, &'static str)>,
}

impl NewPage {
    /// A submitted field's value, for refilling the form.
    fn val(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }
}

fn channels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    [
        ("patrol", IntakeChannel::Patrol),
        ("red_station", IntakeChannel::RedStation),
        ("hotline_12345", IntakeChannel::Hotline12345),
        ("proxy", IntakeChannel::Proxy),
    ]
    .into_iter()
    .map(|(code, c)| (code, lang_pick(lang, c.zh(), c.en())))
    .collect()
}

async fn new_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<BTreeMap<String, String>>,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let rules = state.appeal_rules();
    let categories = rules.categories.iter().map(|c| (c.code.as_str().to_owned(), c.zh.clone())).collect();
    let mut form = BTreeMap::new();
    form.insert("channel".to_owned(), "patrol".to_owned());
    // Opened from a red station's page (`?station=`): a walk-in filed there.
    if let Some(id) = q.get("station").and_then(|s| s.trim().parse::<i64>().ok()) {
        let station = state.store.red_station(&current.actor, id).await?;
        form.insert("channel".to_owned(), "red_station".to_owned());
        form.insert("station_org_id".to_owned(), station.id.to_string());
        form.insert("station_name".to_owned(), station.name);
    }
    render(NewPage { channels: channels(ui.lang), ui, categories, form, errors: Vec::new() })
}

/// The request an intake form describes (shared by the staff and the residents' forms).
pub fn intake_request(form: &BTreeMap<String, String>) -> NewAppealRequest {
    let opt = |k: &str| form.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let num = |k: &str| opt(k).and_then(|v| v.parse::<f64>().ok());
    NewAppealRequest {
        text: form.get("text").cloned().unwrap_or_default(),
        category: opt("category"),
        urgency: opt("urgency"),
        channel: opt("channel"),
        lon: num("lon"),
        lat: num("lat"),
        region_code: opt("region_code"),
        address: opt("address"),
        confidential: matches!(form.get("confidential").map(String::as_str), Some("on" | "true" | "1")),
        reporter_name: opt("reporter_name"),
        reporter_phone: opt("reporter_phone"),
        station_org_id: opt("station_org_id").and_then(|v| v.parse().ok()),
    }
}

async fn new_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let req = intake_request(&form);
    let rules = state.appeal_rules();
    let filed = async {
        // The station comes from the station page's link as a number; anything else was
        // changed on the way and must not file a walk-in without its station.
        if form.get("station_org_id").is_some_and(|v| !v.trim().is_empty() && v.trim().parse::<i64>().is_err()) {
            return Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
                "station_org_id",
                "红色驿站无法识别,请从驿站页面重新登记 / unknown station: start again from the station's page",
            )]));
        }
        let intake = parse_intake(&state, &current.actor, false, &req, &rules).await?;
        state.store.file_appeal(&current.actor, &intake, &rules, None).await.map_err(AppError::from)
    }
    .await;
    match filed {
        Ok(f) => Ok(Redirect::to(&format!(
            "/appeals/{}?notice={}",
            f.id,
            urlencode(&format!("已受理,查询码 {}", f.tracking_code))
        ))
        .into_response()),
        Err(AppError::Invalid(errors)) => {
            let ui = Ui::for_actor(&headers, &current);
            let categories = rules.categories.iter().map(|c| (c.code.as_str().to_owned(), c.zh.clone())).collect();
            let html = NewPage { channels: channels(ui.lang), ui, categories, form, errors }.render()?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

// ---- rates and ranking ----------------------------------------------------------

pub struct RateCells {
    pub name: String,
    pub cases: u64,
    /// 响应率, 解决率, 满意率, 按期办结率, 办结率, 返工率, 退单率, 延期率, 重复诉求率.
    pub cells: Vec<String>,
    pub rank: String,
    pub score: String,
}

fn rate_cells(row: &pingan_store::appeals::RatesRow) -> Vec<String> {
    let r = &row.rates;
    [r.response, r.resolution, r.satisfaction, r.on_time, r.closure, r.rework, r.returns, r.extension, r.repeat]
        .iter()
        .map(|x| x.percent())
        .collect()
}

#[derive(Template)]
#[template(path = "appeal_rates.html")]
struct RatesPage {
    ui: Ui,
    from: String,
    to: String,
    group: &'static str,
    groups: Vec<(&'static str, &'static str)>,
    rows: Vec<RateCells>,
    total: RateCells,
    month: String,
    ranking: Vec<RateCells>,
    score_rule: &'static str,
    query: String,
    rows_pager: TablePager,
    ranking_pager: TablePager,
}

/// Rows shown per page of each rates table: every township (134 in the reference city) fits
/// on one; by unit (about 19,000) the page would otherwise be megabytes of HTML.
const RATES_PAGE_ROWS: usize = 200;

/// Which page of each rates table to show, from 1 (the page only; the API returns every row).
#[derive(Debug, Default, serde::Deserialize)]
struct RatesPaging {
    page: Option<usize>,
    rank_page: Option<usize>,
}

/// Where one table of a page stands: "第 2/97 页" and its neighbours' links.
struct TablePager {
    page: usize,
    pages: usize,
    rows: usize,
    prev: Option<String>,
    next: Option<String>,
}

impl TablePager {
    /// The page `wanted` (clamped to the ones there are) of `rows` rows, and the slice it shows;
    /// `href(n)` links page `n`.
    fn new(rows: usize, wanted: Option<usize>, href: impl Fn(usize) -> String) -> (TablePager, std::ops::Range<usize>) {
        let pages = rows.div_ceil(RATES_PAGE_ROWS).max(1);
        let page = wanted.unwrap_or(1).clamp(1, pages);
        let start = (page - 1) * RATES_PAGE_ROWS;
        let pager = TablePager {
            page,
            pages,
            rows,
            prev: (page > 1).then(|| href(page - 1)),
            next: (page < pages).then(|| href(page + 1)),
        };
        (pager, start..(start + RATES_PAGE_ROWS).min(rows))
    }
}

/// 评价指标: the rates of DOMAIN §3 for a period by county, township or unit, and the month's
/// ranking, exportable to Excel.
async fn rates_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(p): Query<crate::api::appeal_rates::RatesParams>,
    Query(paging): Query<RatesPaging>,
) -> PageResult<Html<String>> {
    use chrono::Datelike;
    let ui = Ui::for_actor(&headers, &current);
    let (from, to, group) = crate::api::appeal_rates::rates_request(&p)?;
    let midnight = crate::api::appeal_rates::midnight_ms;
    let q = pingan_store::appeals::RatesQuery {
        from_ms: midnight(from),
        to_ms: midnight(to.succ_opt().unwrap_or(to)),
        group,
    };
    let ranking_group = if group == pingan_store::appeals::RatesGroup::County {
        pingan_store::appeals::RatesGroup::Township
    } else {
        group
    };
    // The two reports read different cases: side by side, the page waits for the longer only.
    let (report, ranking) = tokio::try_join!(
        state.store.appeal_rates(&current.actor, &q),
        state.store.appeal_monthly_ranking(&current.actor, from.year(), from.month(), ranking_group)
    )?;
    let cells = |row: &pingan_store::appeals::RatesRow, rank: String, score: String| RateCells {
        name: row.name.clone(),
        cases: row.cases,
        cells: rate_cells(row),
        rank,
        score,
    };
    let query = format!("from={from}&to={to}&group={}", group.as_str());
    let (rows_pager, shown_rows) = TablePager::new(report.rows.len(), paging.page, |n| {
        format!("/appeals/rates?{query}&page={n}&rank_page={}", paging.rank_page.unwrap_or(1))
    });
    let (ranking_pager, shown_ranking) = TablePager::new(ranking.rows.len(), paging.rank_page, |n| {
        format!("/appeals/rates?{query}&page={}&rank_page={n}#ranking", rows_pager.page)
    });
    let rows = report.rows[shown_rows].iter().map(|r| cells(r, String::new(), String::new())).collect();
    let total = cells(&report.total, String::new(), String::new());
    let ranking = ranking.rows[shown_ranking]
        .iter()
        .map(|r| {
            cells(
                &r.row,
                r.standing.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                r.standing.score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into()),
            )
        })
        .collect();
    render(RatesPage {
        from: from.to_string(),
        to: to.to_string(),
        group: group.as_str(),
        groups: pingan_store::appeals::RatesGroup::ALL.iter().map(|g| (g.as_str(), g.zh())).collect(),
        rows,
        total,
        month: format!("{:04}-{:02}", from.year(), from.month()),
        ranking,
        score_rule: pingan_domain::appeal::rates::SCORE_RULE_ZH,
        query,
        rows_pager,
        ranking_pager,
        ui,
    })
}

#[cfg(test)]
mod tests {
    use super::{RATES_PAGE_ROWS, TablePager};

    fn href(n: usize) -> String {
        format!("?page={n}")
    }

    #[test]
    fn a_short_table_is_one_page_without_links() {
        let (pager, shown) = TablePager::new(134, None, href);
        assert_eq!((pager.page, pager.pages), (1, 1));
        assert_eq!(shown, 0..134);
        assert!(pager.prev.is_none() && pager.next.is_none());
        let (pager, shown) = TablePager::new(0, Some(3), href);
        assert_eq!((pager.page, pager.pages, shown), (1, 1, 0..0));
    }

    #[test]
    fn a_long_table_is_cut_into_pages_and_a_page_past_the_end_shows_the_last() {
        let rows = 19_331;
        let (pager, shown) = TablePager::new(rows, Some(2), href);
        assert_eq!(pager.pages, rows.div_ceil(RATES_PAGE_ROWS));
        assert_eq!(shown, RATES_PAGE_ROWS..2 * RATES_PAGE_ROWS);
        assert_eq!(pager.prev.as_deref(), Some("?page=1"));
        assert_eq!(pager.next.as_deref(), Some("?page=3"));
        let (last, shown) = TablePager::new(rows, Some(10_000), href);
        assert_eq!(last.page, last.pages);
        assert_eq!(shown, (last.pages - 1) * RATES_PAGE_ROWS..rows);
        assert!(last.next.is_none());
        let (first, _) = TablePager::new(rows, Some(0), href);
        assert_eq!(first.page, 1);
    }
}
