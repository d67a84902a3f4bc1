//! `/api/v1/tasks/*`: tasks and supervision (任务督办), the one task mechanism of every area:
//! list and read in scope, assign directly, act (progress, report, confirm, reject,
//! supervise), figures by responsible unit and their workbook.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pingan_domain::FieldError;
use pingan_domain::calendar::to_china;
use pingan_domain::task::{NewTask, TaskCommand, TaskInput, TaskSource};
use pingan_store::tasks::{Task, TaskEvent, TaskFigures, TaskFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(task_figures))
        .routes(routes!(task_figures_xlsx))
        .routes(routes!(get_task))
        .routes(routes!(act_on_task))
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    #[schema(value_type = Vec<Object>)]
    pub tasks: Vec<Task>,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TaskParams {
    /// `open`, `reported`, `closed` or `active`.
    pub state: Option<String>,
    #[serde(default)]
    pub overdue: bool,
    pub source: Option<String>,
    pub source_id: Option<i64>,
    pub owner_org_id: Option<i64>,
    #[serde(default)]
    pub page: i64,
    pub per_page: Option<i64>,
}

/// Tasks in the caller's scope, overdue and nearest deadlines first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskParams),
    responses((status = 200, body = TaskList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<TaskParams>,
) -> ApiResult<Json<TaskList>> {
    let filter = TaskFilter {
        state: p.state,
        overdue: p.overdue,
        source: p.source,
        source_id: p.source_id,
        owner_org_id: p.owner_org_id,
        page: p.page,
        per_page: p.per_page,
    };
    let (tasks, total) = state.store.tasks(&caller.actor, &filter, now()).await?;
    Ok(Json(TaskList { tasks, total }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTaskBody {
    /// The place the task concerns (a region in the caller's scope).
    pub region_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// The responsible unit (责任单位).
    pub owner_org_id: Option<i64>,
    /// A working day, YYYY-MM-DD …
    pub due_date: Option<String>,
    /// … or a number of working days from today.
    pub working_days: Option<u32>,
}

/// Assign a task directly to a responsible unit with a deadline (a date that is a working day,
/// or a number of working days).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = NewTaskBody,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_task(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewTaskBody>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    caller.check_write(&headers)?;
    let rules = state.appeal_rules();
    let input = TaskInput {
        title: body.title,
        detail: body.detail,
        owner_org_id: body.owner_org_id,
        due_date: body.due_date,
        working_days: body.working_days,
    };
    let parsed = NewTask::parse(&input, &rules.calendar, to_china(now()), "");
    let region = body.region_id.ok_or_else(|| FieldError::new("region_id", "请选择任务所在区域 / pick the place"));
    let (task, region) = match (parsed, region) {
        (Ok(t), Ok(r)) => (t, r),
        (t, r) => {
            let mut errors = t.err().unwrap_or_default();
            errors.extend(r.err());
            return Err(AppError::Invalid(errors));
        }
    };
    Ok((StatusCode::CREATED, Json(state.store.create_task(&caller.actor, region, &task).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    #[schema(value_type = Object)]
    pub task: Task,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<TaskEvent>,
    /// Not closed and past its deadline (or marked so by the deadline timer).
    pub overdue: bool,
    /// What the caller may do now: `progress`, `report`, `confirm`, `reject`, `supervise`.
    pub actions: Vec<&'static str>,
}

/// The actions `actor` may take on `task` now, as the task rule says.
pub(crate) fn allowed_actions(task: &Task, actor: &pingan_domain::Actor) -> Vec<&'static str> {
    use pingan_domain::task::decide;
    if !actor.permits(pingan_domain::Action::Update, pingan_domain::Resource::Task) {
        return vec![];
    }
    // The calendar only checks a new deadline, which a probe does not give.
    let cal = pingan_domain::calendar::WorkCalendar::from_entries([]);
    let at = to_china(now());
    let probe = |c: TaskCommand| decide(task.state(), task.relation(actor), &c, &cal, at).is_ok();
    let note = || "-".to_owned();
    let mut out = vec![];
    for (name, cmd) in [
        ("progress", TaskCommand::Progress { note: note() }),
        ("report", TaskCommand::Report { note: note() }),
        ("confirm", TaskCommand::Confirm { note: note() }),
        ("reject", TaskCommand::Reject { note: note() }),
        ("supervise", TaskCommand::Supervise { note: note(), new_due_date: None }),
    ] {
        if probe(cmd) {
            out.push(name);
        }
    }
    out
}

/// A task with its history and what the caller may do.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetail), (status = 404, body = ErrorBody)))]
pub async fn get_task(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TaskDetail>> {
    let (task, events) = state.store.task(&caller.actor, id).await?;
    let actions = allowed_actions(&task, &caller.actor);
    Ok(Json(TaskDetail { overdue: task.is_overdue(now()), task, events, actions }))
}

/// Act on a task: `{"version": n, "action": "progress" | "report" | "confirm" | "reject" |
/// "supervise", "note": "…", "new_due_date": "YYYY-MM-DD"}` (a new deadline only with
/// `supervise`).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/actions", tag = "tasks", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Object), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn act_on_task(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<Task>> {
    caller.check_write(&headers)?;
    let (version, command) = super::versioned_action::<TaskCommand>(&body, "任务")?;
    let rules = state.appeal_rules();
    Ok(Json(state.store.act_on_task(&caller.actor, id, version, &command, &rules.calendar).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FigureParams {
    /// `liaison`, `meeting` or `direct`; all when absent.
    pub source: Option<String>,
    /// The year the tasks were assigned in; this year when absent.
    pub year: Option<i32>,
}

/// A figures request read: the source, the year and the year's instants [from, to).
type FigureRequest = (Option<TaskSource>, i32, (i64, i64));

fn figure_params(p: &FigureParams) -> Result<FigureRequest, AppError> {
    use chrono::Datelike;
    let source = match p.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            TaskSource::parse(s)
                .ok_or_else(|| AppError::Invalid(vec![FieldError::new("source", "来源无法识别 / unknown source")]))?,
        ),
    };
    let year = p.year.unwrap_or_else(|| to_china(now()).year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "year",
            "年份应在 2000 至 2100 之间 / a year from 2000 to 2100",
        )]));
    }
    let start = |y: i32| {
        pingan_domain::calendar::from_china(
            chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default().and_time(chrono::NaiveTime::MIN),
        )
    };
    Ok((source, year, (start(year), start(year + 1))))
}

/// Tasks by responsible unit for a year: assigned, closed (on time), open, overdue,
/// supervised; the first row is the total.
#[utoipa::path(get, path = "/api/v1/tasks/figures", tag = "tasks", params(FigureParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn task_figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FigureParams>,
) -> ApiResult<Json<Vec<TaskFigures>>> {
    let (source, _, range) = figure_params(&p)?;
    Ok(Json(state.store.task_figures(&caller.actor, source, range, now()).await?))
}

/// The same figures as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/tasks/figures.xlsx", tag = "tasks", params(FigureParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn task_figures_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FigureParams>,
) -> ApiResult<axum::response::Response> {
    let (source, year, range) = figure_params(&p)?;
    let rows = state.store.task_figures(&caller.actor, source, range, now()).await?;
    super::xlsx_download("tasks.xlsx", &format!("{year}年任务督办统计.xlsx"), || figures_workbook(&rows))
}

pub(crate) fn figures_workbook(rows: &[TaskFigures]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("任务督办")?;
    let head = ["责任单位", "交办", "办结", "按期办结", "在办", "逾期未办结", "督办过"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    // The total row (first from the store) goes last, as a sheet reader expects.
    for (r, f) in rows.iter().skip(1).chain(rows.first()).enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &f.name)?;
        for (c, v) in [f.total, f.closed, f.closed_on_time, f.active, f.overdue, f.supervised].iter().enumerate() {
            ws.write_number(r, c as u16 + 1, *v as f64)?;
        }
    }
    ws.autofit();
    book.save_to_buffer()
}
