//! 基层力量 and 任务督办 pages: the task list (overdue first) and a task's page with the
//! actions the rule allows the viewer; the liaison points with the year's figures, a point's
//! page with its visits and the form that records a visit and its problems as tasks.

use super::{Form, PageActor, Ui, china_minute, form_answer, form_text, render};
use crate::AppState;
use crate::api::liaison::year_of;
use crate::api::tasks::{allowed_actions, now};
use crate::error::{AppError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::liaison::{NewVisit, VisitInput};
use pingan_domain::org::OrgKind;
use pingan_domain::task::{TaskCommand, TaskInput, TaskSource, TaskState};
use pingan_store::liaison::{LiaisonFigures, LiaisonPoint, LiaisonVisit};
use pingan_store::orgs::OrgFilter;
use pingan_store::tasks::{Task, TaskFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}", get(task_page).post(task_submit))
        .route("/liaison", get(liaison_page))
        .route("/liaison/points/{id}", get(point_page))
        .route("/liaison/points/{id}/visits", post(visit_submit))
}

pub(super) fn day(ms: i64) -> String {
    to_china(ms).format("%Y-%m-%d").to_string()
}

/// A task as a list row.
struct TaskRow {
    id: i64,
    title: String,
    source: &'static str,
    owner: String,
    region: String,
    due: String,
    state: &'static str,
    state_code: String,
    overdue: bool,
    supervisions: i64,
}

/// The i18n key of a task's state.
pub(super) fn task_state_key(state: TaskState) -> &'static str {
    match state {
        TaskState::Open => "tasks.state_open",
        TaskState::Reported => "tasks.state_reported",
        TaskState::Closed => "tasks.state_closed",
    }
}

fn task_source_key(source: TaskSource) -> &'static str {
    match source {
        TaskSource::Liaison => "tasks.source_liaison",
        TaskSource::Meeting => "tasks.source_meeting",
        TaskSource::Direct => "tasks.source_direct",
    }
}

fn task_row(ui: &Ui, t: &Task, now: i64) -> TaskRow {
    TaskRow {
        id: t.id,
        title: t.title.clone(),
        source: TaskSource::parse(&t.source).map_or("", |s| ui.t(task_source_key(s))),
        owner: t.owner_name.clone(),
        region: t.region_name.clone(),
        due: day(t.due_ms),
        state: ui.t(task_state_key(t.state())),
        state_code: t.state.clone(),
        overdue: t.is_overdue(now),
        supervisions: t.supervisions,
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    ui: Ui,
    tab: String,
    rows: Vec<TaskRow>,
    total: i64,
}

async fn tasks_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let tab = match form_text(&q, "tab") {
        t @ ("overdue" | "reported" | "closed" | "all") => t,
        _ => "active",
    };
    let filter = TaskFilter {
        state: match tab {
            "active" | "overdue" => Some("active".into()),
            "all" => None,
            t => Some(t.into()),
        },
        overdue: tab == "overdue",
        source: Some(form_text(&q, "source").to_owned()).filter(|s| !s.is_empty()),
        per_page: Some(200),
        ..Default::default()
    };
    let now = now();
    let (tasks, total) = state.store.tasks(&current.actor, &filter, now).await?;
    let ui = Ui::for_actor(&headers, &current);
    render(TasksPage { rows: tasks.iter().map(|t| task_row(&ui, t, now)).collect(), ui, tab: tab.to_owned(), total })
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    ui: Ui,
    t: TaskRow,
    detail: String,
    assigner: String,
    created: String,
    version: i64,
    /// (when, who, what, note)
    events: Vec<(String, String, String, String)>,
    /// (action, its label's key)
    actions: Vec<(&'static str, &'static str)>,
    /// Where it came from: (link, label).
    origin: Option<(String, String)>,
    /// The 五老 helping: "老教师 刘** (幸福社区)".
    helpers: Vec<String>,
    error: Option<String>,
}

/// The i18n key of a task event's kind.
fn event_key(kind: &str) -> &'static str {
    match kind {
        "created" => "tasks.event_created",
        "progress" => "tasks.event_progress",
        "reported" => "tasks.event_reported",
        "closed" => "tasks.event_closed",
        "rejected" => "tasks.event_rejected",
        "supervised" => "tasks.event_supervised",
        "overdue" => "tasks.event_overdue",
        "helper" => "tasks.event_helper",
        _ => "tasks.event_other",
    }
}

async fn task_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    error: Option<String>,
) -> PageResult<String> {
    let (task, events) = state.store.task(&current.actor, id).await?;
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let origin = match (TaskSource::parse(&task.source), task.source_id) {
        (Some(TaskSource::Liaison), Some(visit)) => {
            let point = state.store.liaison_point_of_visit(&current.actor, visit).await?;
            point.map(|p| (format!("/liaison/points/{p}"), ui.t("liaison.origin").to_owned()))
        }
        (Some(TaskSource::Meeting), Some(meeting)) => {
            Some((format!("/meetings/{meeting}"), ui.t("meetings.origin").into()))
        }
        _ => None,
    };
    let helpers = state
        .store
        .task_helpers(task.id)
        .await?
        .into_iter()
        .map(|h| format!("{} {}({})", h.kind, h.name, h.community_name))
        .collect();
    let page = TaskPage {
        helpers,
        t: task_row(&ui, &task, now()),
        ui,
        detail: task.detail.clone(),
        assigner: task.assigner_name.clone(),
        created: china_minute(task.created_ms),
        version: task.version,
        events: events
            .iter()
            .map(|e| {
                let note = match e.due_ms {
                    Some(due) if e.kind != "created" || !e.note.is_empty() => {
                        if e.kind == "supervised" || e.kind == "created" {
                            format!("{}({} {})", e.note, lang.t("tasks.due"), day(due))
                        } else {
                            e.note.clone()
                        }
                    }
                    _ => e.note.clone(),
                };
                (
                    china_minute(e.at_ms),
                    e.actor_name.clone().unwrap_or_else(|| lang.t("tasks.system").into()),
                    lang.t(event_key(&e.kind)).into(),
                    note,
                )
            })
            .collect(),
        actions: allowed_actions(&task, &current.actor)
            .into_iter()
            .map(|a| {
                let label = match a {
                    "progress" => "tasks.do_progress",
                    "report" => "tasks.do_report",
                    "confirm" => "tasks.do_confirm",
                    "reject" => "tasks.do_reject",
                    _ => "tasks.do_supervise",
                };
                (a, label)
            })
            .collect(),
        origin,
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn task_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(task_view(&state, &headers, &current, id, None).await?))
}

async fn task_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let note = form_text(&form, "note").to_owned();
    let command = match form_text(&form, "action") {
        "progress" => TaskCommand::Progress { note },
        "report" => TaskCommand::Report { note },
        "confirm" => TaskCommand::Confirm { note },
        "reject" => TaskCommand::Reject { note },
        "supervise" => TaskCommand::Supervise {
            note,
            new_due_date: Some(form_text(&form, "new_due_date").to_owned()).filter(|s| !s.is_empty()),
        },
        _ => return Err(AppError::BadRequest("未知操作 / unknown action".into()).into()),
    };
    let version = form_text(&form, "version").parse().unwrap_or(-1);
    let rules = state.appeal_rules();
    let result = state.store.act_on_task(&current.actor, id, version, &command, &rules.calendar).await;
    // The task page keeps no typed text: its forms are short notes asked for again.
    form_answer(result.map(|_| ()).map_err(AppError::from), &format!("/tasks/{id}"), form, async |_, message| {
        task_view(&state, &headers, &current, id, Some(message)).await
    })
    .await
}

#[derive(Template)]
#[template(path = "liaison.html")]
struct LiaisonPage {
    ui: Ui,
    f: LiaisonFigures,
    points: Vec<LiaisonPoint>,
}

async fn liaison_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let year = year_of(form_text(&q, "year").parse().ok())?;
    let f = state.store.liaison_figures(&current.actor, year).await?;
    let points = state.store.liaison_points(&current.actor, None, year).await?;
    render(LiaisonPage { ui: Ui::for_actor(&headers, &current), f, points })
}

#[derive(Template)]
#[template(path = "liaison_point.html")]
struct PointPage {
    ui: Ui,
    p: LiaisonPoint,
    visits: Vec<LiaisonVisit>,
    /// Tasks of this point's visits, by visit.
    tasks: Vec<(i64, TaskRow)>,
    can_record: bool,
    /// Responsible units to pick from: (id, name).
    owners: Vec<(i64, String)>,
    today: String,
    form: Form,
    error: Option<String>,
}

async fn point_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let today = to_china(now()).date();
    let year = year_of(form_text(&form, "year").parse().ok())?;
    let (p, visits) = state.store.liaison_point(actor, id, year).await?;
    let filter = TaskFilter { source: Some("liaison".into()), per_page: Some(500), ..Default::default() };
    let ui = Ui::for_actor(headers, current);
    let mut tasks = Vec::new();
    for v in &visits {
        let (ts, _) = state.store.tasks(actor, &TaskFilter { source_id: Some(v.id), ..filter.clone() }, now()).await?;
        tasks.extend(ts.iter().map(|t| (v.id, task_row(&ui, t, now()))));
    }
    let can_record = actor.permits(pingan_domain::Action::Create, pingan_domain::Resource::Forces)
        && (actor.scope.org_id == Some(p.org_id)
            || matches!(actor.role, pingan_domain::Role::Admin | pingan_domain::Role::Supervisor));
    // The paired unit, the township's own bodies, and the other departments.
    let mut owners = vec![(p.org_id, p.org_name.clone())];
    if can_record {
        let bodies = OrgFilter {
            kind: Some(OrgKind::TownshipBody),
            region_id: Some(p.township_id),
            limit: 50,
            ..Default::default()
        };
        let depts = OrgFilter { kind: Some(OrgKind::Department), limit: 500, ..Default::default() };
        for f in [bodies, depts] {
            if let Ok((orgs, _)) = state.store.orgs(&actor.scope, &f).await {
                owners.extend(orgs.into_iter().filter(|o| o.id != p.org_id).map(|o| (o.id, o.name)));
            }
        }
    }
    let page = PointPage { ui, p, visits, tasks, can_record, owners, today: today.to_string(), form, error };
    Ok(page.render().map_err(AppError::from)?)
}

async fn point_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    Ok(Html(point_view(&state, &headers, &current, id, q, None).await?))
}

/// Problem rows on the visit form.
pub(crate) const PROBLEM_ROWS: usize = 3;

async fn visit_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    // A problem row counts once anything is written in it; an empty row is no problem.
    let problems = (0..PROBLEM_ROWS)
        .filter(|i| ["title", "owner", "due"].iter().any(|k| !form_text(&form, &format!("p{i}_{k}")).is_empty()))
        .map(|i| TaskInput {
            title: form_text(&form, &format!("p{i}_title")).to_owned(),
            detail: String::new(),
            owner_org_id: form_text(&form, &format!("p{i}_owner")).parse().ok(),
            due_date: Some(form_text(&form, &format!("p{i}_due")).to_owned()).filter(|s| !s.is_empty()),
            working_days: None,
        })
        .collect();
    let input = VisitInput {
        visited_on: form_text(&form, "visited_on").to_owned(),
        people: form_text(&form, "people").to_owned(),
        findings: form_text(&form, "findings").to_owned(),
        problems,
    };
    let rules = state.appeal_rules();
    let result = match NewVisit::parse(&input, &rules.calendar, to_china(now())) {
        Ok(visit) => state.store.record_liaison_visit(&current.actor, id, &visit).await.map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    form_answer(result.map(|_| ()), &format!("/liaison/points/{id}"), form, async |kept, message| {
        point_view(&state, &headers, &current, id, kept, Some(message)).await
    })
    .await
}

impl PointPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn rows(&self) -> std::ops::Range<usize> {
        0..PROBLEM_ROWS
    }

    fn selected(&self, key: &str, id: &i64) -> bool {
        self.value(key) == id.to_string()
    }
}

impl TaskRow {
    fn is_closed(&self) -> bool {
        self.state_code == TaskState::Closed.code()
    }
}
