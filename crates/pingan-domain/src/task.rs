//! Tasks and supervision (任务督办): one mechanism for every follow-up the programme tracks —
//! problems found on liaison visits, joint-meeting resolutions, and later warnings and
//! mediation follow-ups. A task has a responsible unit (责任单位), a deadline on the
//! working-day calendar, progress reports, and supervision orders (督办) when it runs late.
//!
//! The life of a task: `open` → (the unit reports it done) `reported` → (whoever assigned it,
//! or a supervisor, checks the result) `closed`, or back to `open` when the result does not
//! hold. Being overdue is not a state: a task past its deadline and not closed is overdue, and
//! the deadline timer marks the moment it became so, once.

use crate::FieldError;
use crate::calendar::{WorkCalendar, from_china};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Where a task came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskSource {
    /// A problem found on a liaison visit (联系点下沉帮扶调研).
    Liaison,
    /// A resolution of a joint meeting (平安建设联席会议).
    Meeting,
    /// Assigned directly by a supervisor or a leader's office.
    Direct,
}

impl TaskSource {
    pub const ALL: [TaskSource; 3] = [TaskSource::Liaison, TaskSource::Meeting, TaskSource::Direct];

    pub fn code(self) -> &'static str {
        match self {
            TaskSource::Liaison => "liaison",
            TaskSource::Meeting => "meeting",
            TaskSource::Direct => "direct",
        }
    }

    pub fn parse(s: &str) -> Option<TaskSource> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            TaskSource::Liaison => "联系点发现问题",
            TaskSource::Meeting => "联席会议决议",
            TaskSource::Direct => "直接交办",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Assigned and being worked on.
    Open,
    /// The unit says it is done; waiting for the assigner's check.
    Reported,
    /// Checked and closed (办结).
    Closed,
}

impl TaskState {
    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Reported => "reported",
            TaskState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        [TaskState::Open, TaskState::Reported, TaskState::Closed].into_iter().find(|k| k.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            TaskState::Open => "办理中",
            TaskState::Reported => "待核验",
            TaskState::Closed => "已办结",
        }
    }
}

/// A task as submitted: by a form, a JSON body or a row of a visit's problems.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// The responsible unit (责任单位).
    pub owner_org_id: Option<i64>,
    /// The deadline as a date (YYYY-MM-DD), which must be a working day …
    #[serde(default)]
    pub due_date: Option<String>,
    /// … or as a number of working days from today.
    #[serde(default)]
    pub working_days: Option<u32>,
}

/// A task that can be assigned: a title, a responsible unit and a deadline that is the end of
/// a working day, not in the past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub detail: String,
    pub owner_org_id: i64,
    /// The end of the deadline's working day, China time.
    pub due: NaiveDateTime,
}

impl NewTask {
    pub fn due_ms(&self) -> i64 {
        from_china(self.due)
    }

    /// Parse `input` received at `now` (China time). Field names are prefixed with `prefix`
    /// (e.g. `problems[2].`) so that an error names the row it is in.
    pub fn parse(
        input: &TaskInput,
        calendar: &WorkCalendar,
        now: NaiveDateTime,
        prefix: &str,
    ) -> Result<NewTask, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = input.title.trim();
        let chars = title.chars().count();
        if !(2..=100).contains(&chars) {
            errors.push(FieldError::new(
                format!("{prefix}title"),
                "请写明任务内容(2 至 100 字) / give the task in 2 to 100 characters",
            ));
        }
        let detail = input.detail.trim();
        if detail.chars().count() > 2000 {
            errors.push(FieldError::new(format!("{prefix}detail"), "说明不超过 2000 字 / at most 2000 characters"));
        }
        let owner = input.owner_org_id.filter(|id| *id > 0);
        if owner.is_none() {
            errors.push(FieldError::new(format!("{prefix}owner_org_id"), "请指定责任单位 / name the responsible unit"));
        }
        let due = match (input.due_date.as_deref().map(str::trim).filter(|s| !s.is_empty()), input.working_days) {
            (None, None) => Err("请给出办结期限 / give a deadline".to_owned()),
            (Some(_), Some(_)) => {
                Err("期限只能给一种:日期或工作日数 / give a date or a number of working days, not both".to_owned())
            }
            (Some(date), None) => parse_due_date(date, calendar, now.date()),
            (None, Some(n)) if (1..=120).contains(&n) => Ok(calendar.add_working_days(now, n)),
            (None, Some(_)) => Err("工作日数应在 1 至 120 之间 / between 1 and 120 working days".to_owned()),
        };
        let due = due.map_err(|m| errors.push(FieldError::new(format!("{prefix}due_date"), m))).ok();
        match (owner, due) {
            (Some(owner_org_id), Some(due)) if errors.is_empty() => {
                Ok(NewTask { title: title.to_owned(), detail: detail.to_owned(), owner_org_id, due })
            }
            _ => Err(errors),
        }
    }
}

/// A deadline date: a working day, from today to two years ahead; its end is the deadline.
pub fn parse_due_date(s: &str, calendar: &WorkCalendar, today: NaiveDate) -> Result<NaiveDateTime, String> {
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("“{s}”不是日期(年-月-日) / not a date (YYYY-MM-DD)"))?;
    if date < today {
        return Err(format!("期限 {date} 已过 / the deadline {date} has passed"));
    }
    if date > today + chrono::Days::new(730) {
        return Err("期限不超过两年 / at most two years ahead".to_owned());
    }
    if !calendar.is_working_day(date) {
        let why = calendar.holiday_name(date).unwrap_or("休息日");
        let next = calendar.next_working_day(date);
        return Err(format!(
            "{date} 不是工作日({why}),可改为 {next} / {date} is not a working day; the next one is {next}"
        ));
    }
    Ok(calendar.add_working_days(date.and_time(chrono::NaiveTime::MIN), 0))
}

/// How the actor stands to a task; the store works it out, the rules below use it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// Staff of the responsible unit (or who act for it).
    pub owner: bool,
    /// Who assigned it (or their unit).
    pub assigner: bool,
    /// A supervisor (督办员) or administrator over the task's place.
    pub supervisor: bool,
}

/// What someone does to a task.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskCommand {
    /// A progress report (进展反馈) by the responsible unit.
    Progress { note: String },
    /// The unit reports the task done, with the result (办结反馈).
    Report { note: String },
    /// The assigner or a supervisor checks the result and closes the task.
    Confirm { note: String },
    /// The result does not hold: back to the unit with the reason.
    Reject { note: String },
    /// A supervision order (督办): a note, and optionally a new deadline (YYYY-MM-DD).
    Supervise {
        note: String,
        #[serde(default)]
        new_due_date: Option<String>,
    },
}

impl TaskCommand {
    pub fn kind(&self) -> &'static str {
        match self {
            TaskCommand::Progress { .. } => "progress",
            TaskCommand::Report { .. } => "reported",
            TaskCommand::Confirm { .. } => "closed",
            TaskCommand::Reject { .. } => "rejected",
            TaskCommand::Supervise { .. } => "supervised",
        }
    }

    fn note(&self) -> &str {
        match self {
            TaskCommand::Progress { note }
            | TaskCommand::Report { note }
            | TaskCommand::Confirm { note }
            | TaskCommand::Reject { note }
            | TaskCommand::Supervise { note, .. } => note,
        }
    }
}

/// What a command does, once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskChange {
    /// The event's kind: `progress`, `reported`, `closed`, `rejected`, `supervised`.
    pub kind: &'static str,
    pub note: String,
    pub state: TaskState,
    /// A new deadline (a supervision order may set one); the overdue mark is cleared with it.
    pub new_due: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{0}")]
    WrongState(String),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

/// Decide `command` on a task in `state`, for an actor standing in `rel`, at `now` (China time).
pub fn decide(
    state: TaskState,
    rel: Relation,
    command: &TaskCommand,
    calendar: &WorkCalendar,
    now: NaiveDateTime,
) -> Result<TaskChange, TaskError> {
    let note = command.note().trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(TaskError::Invalid(vec![FieldError::new(
            "note",
            "请填写说明(1000 字以内) / write a note of at most 1000 characters",
        )]));
    }
    let (allowed, from, to): (bool, &[TaskState], TaskState) = match command {
        TaskCommand::Progress { .. } => (rel.owner, &[TaskState::Open], TaskState::Open),
        TaskCommand::Report { .. } => (rel.owner, &[TaskState::Open], TaskState::Reported),
        TaskCommand::Confirm { .. } => (rel.assigner || rel.supervisor, &[TaskState::Reported], TaskState::Closed),
        TaskCommand::Reject { .. } => (rel.assigner || rel.supervisor, &[TaskState::Reported], TaskState::Open),
        TaskCommand::Supervise { .. } => {
            (rel.assigner || rel.supervisor, &[TaskState::Open, TaskState::Reported], state)
        }
    };
    if !allowed {
        return Err(TaskError::NotAllowed(match command {
            TaskCommand::Progress { .. } | TaskCommand::Report { .. } => {
                "只有责任单位可以反馈 / only the responsible unit reports on a task"
            }
            _ => "只有交办人或督办员可以核验、退回或督办 / only the assigner or a supervisor may do this",
        }));
    }
    if !from.contains(&state) {
        return Err(TaskError::WrongState(format!(
            "任务{},不能{} / the task is {}",
            state.zh(),
            match command {
                TaskCommand::Progress { .. } => "反馈进展",
                TaskCommand::Report { .. } => "报结",
                TaskCommand::Confirm { .. } => "核验办结",
                TaskCommand::Reject { .. } => "退回",
                TaskCommand::Supervise { .. } => "督办",
            },
            state.code()
        )));
    }
    let new_due = match command {
        TaskCommand::Supervise { new_due_date: Some(d), .. } if !d.trim().is_empty() => Some(
            parse_due_date(d.trim(), calendar, now.date())
                .map_err(|m| TaskError::Invalid(vec![FieldError::new("new_due_date", m)]))?,
        ),
        _ => None,
    };
    Ok(TaskChange { kind: command.kind(), note: note.to_owned(), state: to, new_due })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn input(owner: Option<i64>, due: Option<&str>, days: Option<u32>) -> TaskInput {
        TaskInput {
            title: "修复村口路灯".into(),
            detail: String::new(),
            owner_org_id: owner,
            due_date: due.map(str::to_owned),
            working_days: days,
        }
    }

    #[test]
    fn a_task_needs_a_unit_and_a_deadline_on_a_working_day() {
        let cal = WorkCalendar::shipped();
        let now = at("2026-09-28 10:00");
        let errs = NewTask::parse(&input(None, None, None), &cal, now, "problems[1].").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["problems[1].owner_org_id", "problems[1].due_date"]);
        // 2026-10-03 is in the National Day holiday: the message offers the next working day.
        let errs = NewTask::parse(&input(Some(3), Some("2026-10-03"), None), &cal, now, "").unwrap_err();
        assert!(errs[0].message.contains("不是工作日") && errs[0].message.contains("2026-10-08"), "{errs:?}");
        let errs = NewTask::parse(&input(Some(3), Some("2026-09-01"), None), &cal, now, "").unwrap_err();
        assert!(errs[0].message.contains("已过"), "{errs:?}");
        let errs = NewTask::parse(&input(Some(3), Some("2026-09-30"), Some(3)), &cal, now, "").unwrap_err();
        assert_eq!(errs[0].field, "due_date");
        // Five working days from Monday 28 September skip the holiday: 29 and 30 September,
        // 8 and 9 October, and Saturday 10 October, a make-up working day.
        let t = NewTask::parse(&input(Some(3), None, Some(5)), &cal, now, "").unwrap();
        assert_eq!(t.due.date(), NaiveDate::from_ymd_opt(2026, 10, 10).unwrap());
        let t = NewTask::parse(&input(Some(3), Some("2026-09-30"), None), &cal, now, "").unwrap();
        assert_eq!(t.due, at("2026-09-30 23:59") + chrono::Duration::seconds(59) + chrono::Duration::milliseconds(999));
    }

    #[test]
    fn only_the_unit_reports_and_only_the_assigner_or_a_supervisor_closes() {
        let cal = WorkCalendar::shipped();
        let now = at("2026-11-02 10:00");
        let owner = Relation { owner: true, ..Default::default() };
        let assigner = Relation { assigner: true, ..Default::default() };
        let note = || "已协调住建部门完成维修".to_owned();
        let report = TaskCommand::Report { note: note() };
        assert!(matches!(decide(TaskState::Open, assigner, &report, &cal, now), Err(TaskError::NotAllowed(_))));
        let c = decide(TaskState::Open, owner, &report, &cal, now).unwrap();
        assert_eq!((c.kind, c.state), ("reported", TaskState::Reported));
        let confirm = TaskCommand::Confirm { note: note() };
        assert!(matches!(decide(TaskState::Reported, owner, &confirm, &cal, now), Err(TaskError::NotAllowed(_))));
        assert_eq!(decide(TaskState::Reported, assigner, &confirm, &cal, now).unwrap().state, TaskState::Closed);
        assert!(matches!(decide(TaskState::Open, assigner, &confirm, &cal, now), Err(TaskError::WrongState(_))));
        let reject = TaskCommand::Reject { note: note() };
        assert_eq!(decide(TaskState::Reported, assigner, &reject, &cal, now).unwrap().state, TaskState::Open);
        let empty = TaskCommand::Progress { note: "  ".into() };
        assert!(matches!(decide(TaskState::Open, owner, &empty, &cal, now), Err(TaskError::Invalid(_))));
    }

    #[test]
    fn a_supervision_order_may_move_the_deadline_to_a_working_day() {
        let cal = WorkCalendar::shipped();
        let now = at("2026-11-02 10:00");
        let sup = Relation { supervisor: true, ..Default::default() };
        let order = |d: &str| TaskCommand::Supervise { note: "请加快办理".into(), new_due_date: Some(d.into()) };
        let c = decide(TaskState::Open, sup, &order("2026-11-06"), &cal, now).unwrap();
        assert_eq!(
            (c.kind, c.state, c.new_due.map(|d| d.date())),
            ("supervised", TaskState::Open, NaiveDate::from_ymd_opt(2026, 11, 6))
        );
        assert!(matches!(decide(TaskState::Open, sup, &order("2026-11-07"), &cal, now), Err(TaskError::Invalid(_))));
        assert!(matches!(
            decide(TaskState::Closed, sup, &order("2026-11-06"), &cal, now),
            Err(TaskError::WrongState(_))
        ));
        let owner = Relation { owner: true, ..Default::default() };
        assert!(matches!(
            decide(TaskState::Open, owner, &order("2026-11-06"), &cal, now),
            Err(TaskError::NotAllowed(_))
        ));
    }
}
