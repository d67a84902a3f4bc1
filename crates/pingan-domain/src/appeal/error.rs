//! Refusals: why a command was not carried out, in Chinese and English, with the status class
//! the web layer answers with.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::state::{ActionKind, AppealState};
use crate::region::RegionLevel;

/// How the web layer should answer a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// 400: the command's own data is wrong (an empty reason, a bad unit).
    BadRequest,
    /// 403: this actor may not do this to this case.
    Forbidden,
    /// 409: not now — the case's state or history forbids it (wrong state, window passed …).
    Conflict,
}

impl ErrorClass {
    pub fn status(self) -> u16 {
        match self {
            ErrorClass::BadRequest => 400,
            ErrorClass::Forbidden => 403,
            ErrorClass::Conflict => 409,
        }
    }
}

/// The specific reason for a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The transition table has no row for this action in this state.
    WrongState,
    /// The case was merged: its handling is the primary's.
    MergedInto { primary_id: i64 },
    /// Only the assigned unit may do this.
    NotAssignedUnit,
    /// This actor's role may not do this.
    NotPermitted { actor_zh: &'static str, actor_en: &'static str },
    /// Only a supervisor may do this now (the case went to a supervisor).
    SupervisorRequired,
    /// The person who submitted the result may not verify it.
    OwnResult,
    /// The assigned unit may not rate its own work.
    OwnWork,
    /// A required text field is empty.
    Required { field: &'static str },
    /// A text field is longer than `max` characters.
    TooLong { field: &'static str, max: usize },
    /// A unit that cannot serve where it was placed, or listed twice.
    InvalidUnit { field: &'static str, detail: String },
    /// Reassigning to the unit that already has the case.
    SameUnit,
    /// Handing over to the current owner.
    SameOwner,
    /// The return window closed.
    ReturnWindowClosed { until: NaiveDateTime },
    /// The unit already returned this assignment once and the return was rejected.
    AlreadyReturned,
    /// The one extension of the case was already requested.
    ExtensionUsed,
    /// Days outside 1..=max.
    ExtensionDays { days: u32, max: u32 },
    /// There is no extension request waiting for a decision.
    NoPendingExtension,
    /// The deadline already passed (extensions and suspensions must come before it).
    DeadlinePassed { due: NaiveDateTime },
    /// The one reopening of the case was used.
    ReopenUsed,
    /// The case has no unit of its own (it closed with its primary).
    NoUnit,
    /// Already at the city level: nothing above.
    TopLevel { level: RegionLevel },
    /// Escalation goes exactly one level up.
    NotOneLevelUp { from: RegionLevel, expected: RegionLevel, got: RegionLevel },
    /// The primary named is not the one this case was merged into.
    WrongPrimary { expected: i64, got: i64 },
}

impl Refusal {
    pub fn class(&self) -> ErrorClass {
        use Refusal::*;
        match self {
            WrongState
            | MergedInto { .. }
            | ReturnWindowClosed { .. }
            | AlreadyReturned
            | ExtensionUsed
            | NoPendingExtension
            | DeadlinePassed { .. }
            | ReopenUsed
            | NoUnit
            | TopLevel { .. } => ErrorClass::Conflict,
            NotAssignedUnit | NotPermitted { .. } | SupervisorRequired | OwnResult | OwnWork => ErrorClass::Forbidden,
            Required { .. }
            | TooLong { .. }
            | InvalidUnit { .. }
            | SameUnit
            | SameOwner
            | ExtensionDays { .. }
            | NotOneLevelUp { .. }
            | WrongPrimary { .. } => ErrorClass::BadRequest,
        }
    }

    fn zh(&self) -> String {
        use Refusal::*;
        match self {
            WrongState => "当前状态下不允许此操作".into(),
            MergedInto { primary_id } => format!("本件已并入主件 {primary_id}，由主件统一办理"),
            NotAssignedUnit => "只有承办单位可以执行此操作".into(),
            NotPermitted { actor_zh, .. } => format!("{actor_zh}无权执行此操作"),
            SupervisorRequired => "本件已转督办员，只有督办员可以执行此操作".into(),
            OwnResult => "提交办理结果的人员不能核查自己的结果".into(),
            OwnWork => "承办单位不能为自己的办理结果回访".into(),
            Required { field } => format!("{}不能为空", field_zh(field)),
            TooLong { field, max } => format!("{}最多 {max} 个字符", field_zh(field)),
            InvalidUnit { detail, .. } => detail.clone(),
            SameUnit => "改派须派给其他单位".into(),
            SameOwner => "已是当前首问责任人".into(),
            ReturnWindowClosed { until } => format!("退单期限已于 {} 届满", until.format("%Y-%m-%d %H:%M")),
            AlreadyReturned => "本单位已退单一次且被驳回，须继续办理".into(),
            ExtensionUsed => "每件诉求只能申请一次延期".into(),
            ExtensionDays { days, max } => format!("延期天数须在 1–{max} 个工作日之间（申请 {days} 天）"),
            NoPendingExtension => "没有待审批的延期申请".into(),
            DeadlinePassed { due } => format!("办理时限已于 {} 届满", due.format("%Y-%m-%d %H:%M")),
            ReopenUsed => "每件诉求只能重新办理一次，请转督办员".into(),
            NoUnit => "本件随主件办结，没有自己的承办单位，请对主件操作".into(),
            TopLevel { level } => format!("已在{}一级，无法再上报", level.zh()),
            NotOneLevelUp { from, expected, got } => {
                format!("吹哨上报只能上升一级：当前为{}，应报{}，实为{}", from.zh(), expected.zh(), got.zh())
            }
            WrongPrimary { expected, got } => format!("本件并入的是主件 {expected}，不是 {got}"),
        }
    }

    fn en(&self) -> String {
        use Refusal::*;
        match self {
            WrongState => "not allowed in this state".into(),
            MergedInto { primary_id } => {
                format!("the case was merged into case {primary_id}, which carries its handling")
            }
            NotAssignedUnit => "only the assigned unit may do this".into(),
            NotPermitted { actor_en, .. } => format!("a {} may not do this", actor_en.to_lowercase()),
            SupervisorRequired => "the case went to a supervisor; only a supervisor may do this".into(),
            OwnResult => "whoever submitted the result may not verify it".into(),
            OwnWork => "the assigned unit may not rate its own work".into(),
            Required { field } => format!("{field} is required"),
            TooLong { field, max } => format!("{field} is longer than {max} characters"),
            InvalidUnit { detail, .. } => detail.clone(),
            SameUnit => "a reassignment must go to another unit".into(),
            SameOwner => "that is already the owner of record".into(),
            ReturnWindowClosed { until } => format!("the return window closed at {}", until.format("%Y-%m-%d %H:%M")),
            AlreadyReturned => "this unit's return was already rejected once; it must handle the case".into(),
            ExtensionUsed => "a case may be extended only once".into(),
            ExtensionDays { days, max } => format!("an extension is 1–{max} working days ({days} requested)"),
            NoPendingExtension => "no extension request is waiting for a decision".into(),
            DeadlinePassed { due } => format!("the deadline passed at {}", due.format("%Y-%m-%d %H:%M")),
            ReopenUsed => "a case may be reopened only once; refer it to a supervisor".into(),
            NoUnit => "the case closed with its primary and has no unit of its own; act on the primary".into(),
            TopLevel { level } => format!("already at {} level; there is no level above", level.as_str()),
            NotOneLevelUp { from, expected, got } => format!(
                "escalation goes one level up: from {} to {}, not {}",
                from.as_str(),
                expected.as_str(),
                got.as_str()
            ),
            WrongPrimary { expected, got } => format!("the case was merged into case {expected}, not {got}"),
        }
    }
}

fn field_zh(field: &str) -> &'static str {
    match field {
        "reason" => "理由",
        "note" => "说明",
        "why" => "派单依据",
        "result" => "办理结果",
        "text" => "补充内容",
        "comment" => "评价意见",
        "first_receiver" => "首问责任人",
        "to" => "接收人",
        _ => "该项",
    }
}

/// A refused command: the case's state, the action attempted and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} / {}", self.zh(), self.en())]
pub struct TransitionError {
    /// `None` when creating a case.
    pub state: Option<AppealState>,
    pub action: ActionKind,
    pub refusal: Refusal,
}

impl TransitionError {
    pub fn new(state: Option<AppealState>, action: ActionKind, refusal: Refusal) -> Self {
        TransitionError { state, action, refusal }
    }

    pub fn class(&self) -> ErrorClass {
        self.refusal.class()
    }

    /// The form field a 400 is about, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match &self.refusal {
            Refusal::Required { field } | Refusal::TooLong { field, .. } | Refusal::InvalidUnit { field, .. } => {
                Some(field)
            }
            Refusal::ExtensionDays { .. } => Some("days"),
            Refusal::SameUnit | Refusal::SameOwner => Some("to"),
            Refusal::NotOneLevelUp { .. } => Some("lead"),
            Refusal::WrongPrimary { .. } => Some("primary_id"),
            _ => None,
        }
    }

    /// E.g. `无法退单（当前状态：已签收）：退单期限已于 2025-03-05 23:59 届满`.
    pub fn zh(&self) -> String {
        let state = self.state.map_or("新诉求", AppealState::zh);
        format!("无法{}（当前状态：{state}）：{}", self.action.zh(), self.refusal.zh())
    }

    /// E.g. `cannot return the case (current state: accepted): the return window closed at …`.
    pub fn en(&self) -> String {
        let state = self.state.map_or("new appeal", AppealState::en);
        format!("cannot {} (current state: {state}): {}", self.action.en(), self.refusal.en())
    }
}
