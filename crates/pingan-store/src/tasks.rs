//! Tasks and supervision (任务督办), the one mechanism every area's follow-ups use: a task is a
//! `tasks` row (its current state) and its `task_events` (what was done, by whom). Rules are
//! [`pingan_domain::task`]'s; here are the scope, the transactions and the deadline timer.
//!
//! Scope: an actor sees the tasks whose place lies in their region; department staff only
//! those their unit owns or assigned. The deadline timer is the task row itself: a task not
//! closed, past `due_ms` and not yet marked is claimed by a conditional update, so each goes
//! overdue once across instances, with its event, notices and audit in the same transaction.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::{WorkCalendar, from_china, to_china};
use pingan_domain::region::RegionPath;
use pingan_domain::task::{NewTask, Relation, TaskCommand, TaskError, TaskSource, TaskState, decide};
use serde::{Deserialize, Serialize};

/// A task as lists and pages show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub source: String,
    pub source_id: Option<i64>,
    pub title: String,
    pub detail: String,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub region_id: i64,
    pub region_name: String,
    pub assigner_id: i64,
    pub assigner_name: String,
    pub assigner_org_id: Option<i64>,
    pub created_ms: i64,
    pub due_ms: i64,
    pub state: String,
    /// When the deadline timer marked it overdue (cleared by a new deadline).
    pub overdue_ms: Option<i64>,
    pub supervisions: i64,
    pub closed_ms: Option<i64>,
    pub version: i64,
    #[serde(skip)]
    pub region_path: String,
    #[serde(skip)]
    pub owner_path: String,
}

impl Task {
    pub fn state(&self) -> TaskState {
        TaskState::parse(&self.state).unwrap_or(TaskState::Open)
    }

    /// Not closed, and past its deadline (or marked so by the deadline timer).
    pub fn is_overdue(&self, now: i64) -> bool {
        self.state() != TaskState::Closed && (self.due_ms < now || self.overdue_ms.is_some())
    }

    /// How `actor` stands to the task (see [`Relation`]).
    pub fn relation(&self, actor: &Actor) -> Relation {
        let org = actor.scope.org_id;
        let owner_path = RegionPath::parse(&self.owner_path);
        let acts_for_owner_region = org.is_none()
            && matches!(actor.role, Role::TownshipDispatcher | Role::VillageCadre)
            && owner_path.is_some_and(|p| actor.scope.covers_region(&p));
        Relation {
            owner: actor.role == Role::Admin || org == Some(self.owner_org_id) || acts_for_owner_region,
            assigner: actor.role == Role::Admin
                || actor.account_id == self.assigner_id
                || (org.is_some() && org == self.assigner_org_id),
            supervisor: matches!(actor.role, Role::Supervisor | Role::Admin),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TaskEvent {
    pub id: i64,
    pub at_ms: i64,
    pub actor_name: Option<String>,
    pub kind: String,
    pub note: String,
    pub due_ms: Option<i64>,
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskFilter {
    /// `open`, `reported`, `closed`, or `active` (open or reported).
    pub state: Option<String>,
    /// Only tasks past their deadline (or marked overdue) and not closed.
    #[serde(default)]
    pub overdue: bool,
    pub source: Option<String>,
    pub source_id: Option<i64>,
    pub owner_org_id: Option<i64>,
    #[serde(default)]
    pub page: i64,
    pub per_page: Option<i64>,
}

/// Figures per responsible unit, and their sum.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskFigures {
    pub org_id: Option<i64>,
    pub name: String,
    pub total: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub active: i64,
    pub overdue: i64,
    pub supervised: i64,
}

pub(crate) const TASK_SELECT: &str = "SELECT t.id, t.source, t.source_id, t.title, t.detail, t.owner_org_id,
        oo.name AS owner_name, t.region_id, r.name AS region_name, t.assigner_id, a.display_name AS assigner_name,
        t.assigner_org_id, t.created_ms, t.due_ms, t.state, t.overdue_ms, CAST(t.supervisions AS BIGINT) AS supervisions,
        t.closed_ms, CAST(t.version AS BIGINT) AS version, t.region_path, ro.path AS owner_path
   FROM tasks t JOIN orgs oo ON oo.id = t.owner_org_id JOIN regions ro ON ro.id = oo.region_id
   JOIN regions r ON r.id = t.region_id JOIN accounts a ON a.id = t.assigner_id";

/// The tasks `actor` may see, as SQL over `tasks t` with `$1`, `$2` (and `$3`) bound by
/// [`scope_params`].
pub(crate) fn scope_sql(actor: &Actor) -> &'static str {
    if actor.scope.org_id.is_some() {
        "t.region_path >= $1 AND t.region_path < $2 AND (t.owner_org_id = $3 OR t.assigner_org_id = $3)"
    } else {
        "t.region_path >= $1 AND t.region_path < $2"
    }
}

pub(crate) fn scope_params(actor: &Actor) -> (String, String, Option<i64>) {
    (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end(), actor.scope.org_id)
}

/// Insert `task` (from `source`/`source_id`, concerning region `region`) inside the open write
/// transaction `tx` of an `on_pool!` body, with its `created` event; evaluates to its id.
macro_rules! insert_task {
    ($tx:expr, $actor:expr, $source:expr, $source_id:expr, $task:expr, $region:expr, $now:expr) => {{
        let actor: &pingan_domain::access::Actor = $actor;
        let task: &pingan_domain::task::NewTask = $task;
        let (region_id, region_path): (i64, &str) = $region;
        let now: i64 = $now;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (source, source_id, title, detail, owner_org_id, region_id, region_path, assigner_id,
                                assigner_org_id, created_ms, due_ms, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open') RETURNING id",
        )
        .bind($source.code())
        .bind($source_id)
        .bind(&task.title)
        .bind(&task.detail)
        .bind(task.owner_org_id)
        .bind(region_id)
        .bind(region_path)
        .bind(actor.account_id)
        .bind(actor.scope.org_id)
        .bind(now)
        .bind(task.due_ms())
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO task_events (task_id, at_ms, actor_id, actor_name, kind, note, due_ms)
             VALUES ($1, $2, $3, $4, 'created', $5, $6)",
        )
        .bind(id)
        .bind(now)
        .bind(actor.account_id)
        .bind(&actor.display_name)
        .bind(&task.title)
        .bind(task.due_ms())
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO notifications (created_ms, audience, org_id, kind, text, task_id) VALUES ($1, 'staff', $2, 'task_assigned', $3, $4)",
        )
        .bind(now)
        .bind(task.owner_org_id)
        .bind(format!("新交办任务:{}(期限 {})", task.title, task.due.date()))
        .bind(id)
        .execute(&mut *$tx)
        .await?;
        id
    }};
}
pub(crate) use insert_task;

fn refused(e: TaskError) -> StoreError {
    match e {
        TaskError::NotAllowed(m) => StoreError::Refused { status: 403, message: m.to_owned() },
        TaskError::WrongState(m) => StoreError::Refused { status: 409, message: m },
        TaskError::Invalid(errors) => StoreError::Invalid(errors),
    }
}

impl Store {
    /// Check that every responsible unit named exists, is live, and stands in the line of the
    /// place the task concerns (`task_path`): a body of that place or of a place within it, or
    /// one above it (a county's or the city's departments). A unit of another township or county
    /// would never see the task, and naming one would tell the caller it exists. Errors name
    /// the field.
    pub(crate) async fn check_task_owners(&self, owners: &[(String, i64)], task_path: &str) -> Result<()> {
        let mut errors = Vec::new();
        for (field, id) in owners {
            let path: Option<String> = on_pool!(&self.db, |pool| {
                sqlx::query_scalar(
                "SELECT r.path FROM orgs o JOIN regions r ON r.id = o.region_id WHERE o.id = $1 AND o.retired_at IS NULL"
            )
            .bind(*id)
            .fetch_optional(pool)
            .await
            })?;
            if !path.is_some_and(|p| task_path.starts_with(&p) || p.starts_with(task_path)) {
                errors.push(FieldError::new(
                    field.clone(),
                    format!("责任单位 {id} 不在本地区或其上级 / no such unit here or above"),
                ));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
    }

    /// Assign a task directly (督办交办), concerning region `region_id` (in the actor's scope).
    pub async fn create_task(&self, actor: &Actor, region_id: i64, task: &NewTask) -> Result<Task> {
        actor.require(Action::Create, Resource::Task)?;
        let region = self.region(&actor.scope, region_id).await?;
        region.require_live()?;
        self.check_task_owners(&[("owner_org_id".into(), task.owner_org_id)], region.path.as_str()).await?;
        let now = now_ms();
        let path = region.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id = insert_task!(tx, actor, TaskSource::Direct, None::<i64>, task, (region.id, path.as_str()), now);
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "task.create".into(),
                target_kind: "task".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "title": task.title, "owner_org_id": task.owner_org_id, "due_ms": task.due_ms(), "region_id": region.id }),
            };
            write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            id
        });
        self.task(actor, id).await.map(|(t, _)| t)
    }

    /// Tasks in the actor's scope, the most urgent first (overdue, then by deadline).
    pub async fn tasks(&self, actor: &Actor, f: &TaskFilter, now: i64) -> Result<(Vec<Task>, i64)> {
        actor.require(Action::Read, Resource::Task)?;
        let mut conditions = vec![scope_sql(actor).to_owned()];
        // Everything inlined below is a parsed code or a number.
        match f.state.as_deref().map(str::trim) {
            Some("active") => conditions.push("t.state <> 'closed'".into()),
            Some(s) if !s.is_empty() => match TaskState::parse(s) {
                Some(st) => conditions.push(format!("t.state = '{}'", st.code())),
                None => {
                    return Err(StoreError::Invalid(vec![FieldError::new("state", "状态无法识别 / unknown state")]));
                }
            },
            _ => {}
        }
        if f.overdue {
            conditions.push(format!("t.state <> 'closed' AND (t.due_ms < {now} OR t.overdue_ms IS NOT NULL)"));
        }
        if let Some(s) = f.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let source = TaskSource::parse(s)
                .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("source", "来源无法识别 / unknown source")]))?;
            conditions.push(format!("t.source = '{}'", source.code()));
        }
        if let Some(id) = f.source_id {
            conditions.push(format!("t.source_id = {id}"));
        }
        if let Some(id) = f.owner_org_id {
            conditions.push(format!("t.owner_org_id = {id}"));
        }
        let filter = conditions.join(" AND ");
        let per_page = f.per_page.unwrap_or(50).clamp(1, 500);
        let offset = f.page.max(0) * per_page;
        let list_sql = format!(
            "{TASK_SELECT} WHERE {filter}
              ORDER BY CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END, t.due_ms, t.id LIMIT {per_page} OFFSET {offset}"
        );
        let count_sql = format!("SELECT count(*) FROM tasks t WHERE {filter}");
        let (start, end, org) = scope_params(actor);
        Ok(on_pool!(&self.db, |pool| {
            let mut list = sqlx::query_as(&list_sql).bind(&start).bind(&end);
            let mut count = sqlx::query_scalar(&count_sql).bind(&start).bind(&end);
            if org.is_some() {
                list = list.bind(org);
                count = count.bind(org);
            }
            let rows: Vec<Task> = list.fetch_all(pool).await?;
            let total: i64 = count.fetch_one(pool).await?;
            (rows, total)
        }))
    }

    /// One task in the actor's scope, with its events (oldest first).
    pub async fn task(&self, actor: &Actor, id: i64) -> Result<(Task, Vec<TaskEvent>)> {
        actor.require(Action::Read, Resource::Task)?;
        let sql = format!("{TASK_SELECT} WHERE t.id = {id} AND {}", scope_sql(actor));
        let (start, end, org) = scope_params(actor);
        let (task, events): (Option<Task>, Vec<TaskEvent>) = on_pool!(&self.db, |pool| {
            let mut q = sqlx::query_as(&sql).bind(&start).bind(&end);
            if org.is_some() {
                q = q.bind(org);
            }
            let task: Option<Task> = q.fetch_optional(pool).await?;
            let events: Vec<TaskEvent> = if task.is_some() {
                sqlx::query_as(
                    "SELECT id, at_ms, actor_name, kind, note, due_ms FROM task_events WHERE task_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?
            } else {
                Vec::new()
            };
            (task, events)
        });
        Ok((task.ok_or(StoreError::NotFound)?, events))
    }

    /// Act on a task as `command` says, on the version the actor saw. One transaction: the
    /// task, its event, the notices it sends and the audit event.
    pub async fn act_on_task(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        command: &TaskCommand,
        calendar: &WorkCalendar,
    ) -> Result<Task> {
        actor.require(Action::Update, Resource::Task)?;
        let (task, _) = self.task(actor, id).await?;
        if task.version != version {
            return Err(StoreError::Conflict(
                "任务刚被他人处理,请刷新后重试 / the task changed meanwhile: reload and retry".into(),
            ));
        }
        let now = now_ms();
        let change = decide(task.state(), task.relation(actor), command, calendar, to_china(now)).map_err(refused)?;
        let new_due = change.new_due.map(from_china);
        // Who hears of it: the unit when it is supervised or sent back; the assigner when the
        // unit reports it done.
        let notice: Option<(&str, Option<i64>, Option<i64>, String)> = match change.kind {
            "supervised" => Some((
                "task_supervised",
                None,
                Some(task.owner_org_id),
                format!("督办:{}。{}", task.title, change.note),
            )),
            "rejected" => Some((
                "task_rejected",
                None,
                Some(task.owner_org_id),
                format!("任务退回重办:{}。{}", task.title, change.note),
            )),
            "reported" => {
                Some(("task_reported", Some(task.assigner_id), None, format!("任务已报结,请核验:{}", task.title)))
            }
            _ => None,
        };
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let updated = sqlx::query(
                "UPDATE tasks SET state = $1, version = version + 1,
                        supervisions = supervisions + $2,
                        due_ms = COALESCE($3, due_ms),
                        overdue_ms = CASE WHEN $3 IS NULL THEN overdue_ms ELSE NULL END,
                        closed_ms = CASE WHEN $1 = 'closed' THEN $4 ELSE NULL END
                  WHERE id = $5 AND version = $6",
            )
            .bind(change.state.code())
            .bind(i32::from(change.kind == "supervised"))
            .bind(new_due)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated != 1 {
                return Err(StoreError::Conflict(
                    "任务刚被他人处理,请刷新后重试 / the task changed meanwhile: reload and retry".into(),
                ));
            }
            sqlx::query(
                "INSERT INTO task_events (task_id, at_ms, actor_id, actor_name, kind, note, due_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(now)
            .bind(actor.account_id)
            .bind(&actor.display_name)
            .bind(change.kind)
            .bind(&change.note)
            .bind(new_due)
            .execute(&mut *tx)
            .await?;
            if let Some((kind, account, org, text)) = &notice {
                sqlx::query(
                    "INSERT INTO notifications (created_ms, audience, account_id, org_id, kind, text, task_id)
                     VALUES ($1, 'staff', $2, $3, $4, $5, $6)",
                )
                .bind(now)
                .bind(*account)
                .bind(*org)
                .bind(*kind)
                .bind(text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: format!("task.{}", change.kind),
                target_kind: "task".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "state": task.state, "due_ms": task.due_ms }),
                after: serde_json::json!({ "state": change.state.code(), "note": change.note, "due_ms": new_due.unwrap_or(task.due_ms) }),
            };
            write_audit!(&mut *tx, &event, task.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.task(actor, id).await.map(|(t, _)| t)
    }

    /// The deadline timer: mark up to `limit` tasks that went past their deadline by `now`
    /// overdue, each once across instances, with an `overdue` event, a notice to the
    /// responsible unit and to the assigner, and an audit event. Returns how many it marked.
    pub async fn run_task_deadlines(&self, now: i64, limit: i64) -> Result<usize> {
        type Due = (i64, i64, i64, String, String);
        let marked: Vec<Due> = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // The outer `overdue_ms IS NULL` is checked again on each row as it is locked, so
            // an instance that waited behind another marks nothing twice.
            let marked: Vec<Due> = sqlx::query_as(
                "UPDATE tasks SET overdue_ms = $1, version = version + 1
                  WHERE id IN (SELECT id FROM tasks WHERE state <> 'closed' AND overdue_ms IS NULL AND due_ms < $1
                                ORDER BY due_ms LIMIT $2)
                    AND overdue_ms IS NULL AND state <> 'closed' AND due_ms < $1
                  RETURNING id, owner_org_id, assigner_id, title, region_path",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            for (id, owner, assigner, title, path) in &marked {
                sqlx::query(
                    "INSERT INTO task_events (task_id, at_ms, kind, note) VALUES ($1, $2, 'overdue', '超过办结期限')",
                )
                .bind(*id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for (account, org) in [(None, Some(*owner)), (Some(*assigner), None)] {
                    sqlx::query(
                        "INSERT INTO notifications (created_ms, audience, account_id, org_id, kind, text, task_id)
                         VALUES ($1, 'staff', $2, $3, 'task_overdue', $4, $5)",
                    )
                    .bind(now)
                    .bind(account)
                    .bind(org)
                    .bind(format!("任务逾期未办结:{title}"))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                }
                let event = AuditEvent {
                    at_ms: now,
                    actor_id: None,
                    actor_name: "system".into(),
                    action: "task.overdue".into(),
                    target_kind: "task".into(),
                    target_id: Some(*id),
                    success: true,
                    before: serde_json::Value::Null,
                    after: serde_json::json!({ "overdue_ms": now }),
                };
                write_audit!(&mut *tx, &event, path.as_str())?;
            }
            tx.commit().await?;
            marked
        });
        Ok(marked.len())
    }

    /// Figures per responsible unit for tasks from `source` (all when `None`) created in
    /// [`from_ms`, `to_ms`), in the actor's scope; the first row is the total.
    pub async fn task_figures(
        &self,
        actor: &Actor,
        source: Option<TaskSource>,
        (from_ms, to_ms): (i64, i64),
        now: i64,
    ) -> Result<Vec<TaskFigures>> {
        actor.require(Action::Read, Resource::Task)?;
        let mut filter = format!("{} AND t.created_ms >= {from_ms} AND t.created_ms < {to_ms}", scope_sql(actor));
        if let Some(s) = source {
            filter.push_str(&format!(" AND t.source = '{}'", s.code()));
        }
        let sql = format!(
            "SELECT t.owner_org_id, o.name, count(*),
                    SUM(CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN t.state = 'closed' AND t.closed_ms <= t.due_ms THEN 1 ELSE 0 END),
                    SUM(CASE WHEN t.state <> 'closed' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN t.state <> 'closed' AND (t.due_ms < {now} OR t.overdue_ms IS NOT NULL) THEN 1 ELSE 0 END),
                    SUM(CASE WHEN t.supervisions > 0 THEN 1 ELSE 0 END)
               FROM tasks t JOIN orgs o ON o.id = t.owner_org_id
              WHERE {filter} GROUP BY t.owner_org_id, o.name ORDER BY count(*) DESC, o.name"
        );
        let (start, end, org) = scope_params(actor);
        type Row = (i64, String, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(&self.db, |pool| {
            let mut q = sqlx::query_as(&sql).bind(&start).bind(&end);
            if org.is_some() {
                q = q.bind(org);
            }
            q.fetch_all(pool).await
        })?;
        let mut total = TaskFigures { name: "合计".into(), ..Default::default() };
        let mut out = vec![];
        for (org_id, name, n, closed, on_time, active, overdue, supervised) in rows {
            let f = TaskFigures {
                org_id: Some(org_id),
                name,
                total: n,
                closed,
                closed_on_time: on_time,
                active,
                overdue,
                supervised,
            };
            total.total += f.total;
            total.closed += f.closed;
            total.closed_on_time += f.closed_on_time;
            total.active += f.active;
            total.overdue += f.overdue;
            total.supervised += f.supervised;
            out.push(f);
        }
        out.insert(0, total);
        Ok(out)
    }
}
