//! Commands: what someone asks to do with a case, with the data it needs.

use serde::{Deserialize, Serialize};

use super::category::{CategoryCode, EmergencyLine, TimeLimitClass, Urgency};
use super::state::ActionKind;
use super::{CaseActor, OwnerRef, UnitRef};

/// How an appeal came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    /// 微连心 "我要报事": the resident's own report.
    MiniProgram,
    /// 巡查上报: a grid worker's patrol report.
    Patrol,
    /// Walk-in at a red station (红色驿站).
    RedStation,
    /// Handed over by the 12345 hotline. `hotline_12345` as the API documents it and the
    /// database column holds it; `snake_case` alone would make it `hotline12345`, which cases
    /// written before this was fixed still carry.
    #[serde(rename = "hotline_12345", alias = "hotline12345")]
    Hotline12345,
    /// 诉求代办: filed by staff for an elderly or disabled resident.
    Proxy,
    /// Another system through the JSON API.
    Api,
}

impl IntakeChannel {
    pub fn zh(self) -> &'static str {
        match self {
            IntakeChannel::MiniProgram => "微连心我要报事",
            IntakeChannel::Patrol => "网格巡查上报",
            IntakeChannel::RedStation => "红色驿站来访",
            IntakeChannel::Hotline12345 => "12345 热线转办",
            IntakeChannel::Proxy => "诉求代办",
            IntakeChannel::Api => "接口接入",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            IntakeChannel::MiniProgram => "Mini-program report",
            IntakeChannel::Patrol => "Grid patrol report",
            IntakeChannel::RedStation => "Red station walk-in",
            IntakeChannel::Hotline12345 => "12345 hotline hand-over",
            IntakeChannel::Proxy => "Proxy entry",
            IntakeChannel::Api => "API",
        }
    }
}

/// The citizen's rating of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl Satisfaction {
    pub fn zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "Satisfied",
            Satisfaction::BasicallySatisfied => "Basically satisfied",
            Satisfaction::Dissatisfied => "Dissatisfied",
        }
    }

    /// Counts towards 满意率.
    pub fn is_satisfied(self) -> bool {
        self != Satisfaction::Dissatisfied
    }
}

/// Why a supervision order (督办单) was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionReason {
    /// The active deadline passed (issued by the deadline timer).
    Overdue,
    /// The citizen was dissatisfied with a result they called solved.
    Dissatisfied,
    /// The case was reopened after a "not solved" callback.
    Reopened,
    /// "Not solved" again after the one reopening: the case goes to a supervisor.
    NotSolvedAgain,
    /// A supervisor's own decision.
    Manual,
}

impl SupervisionReason {
    pub fn zh(self) -> &'static str {
        match self {
            SupervisionReason::Overdue => "超期督办",
            SupervisionReason::Dissatisfied => "群众不满意督办",
            SupervisionReason::Reopened => "重新办理督办",
            SupervisionReason::NotSolvedAgain => "重办后仍未解决，转督办员",
            SupervisionReason::Manual => "督办员督办",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            SupervisionReason::Overdue => "Overdue",
            SupervisionReason::Dissatisfied => "Citizen dissatisfied",
            SupervisionReason::Reopened => "Reopened",
            SupervisionReason::NotSolvedAgain => "Not solved after reopening; referred to a supervisor",
            SupervisionReason::Manual => "Supervisor's order",
        }
    }
}

/// Channels outside the platform for matters that belong to them (DOMAIN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralChannel {
    /// 诉讼
    Litigation,
    /// 仲裁
    Arbitration,
    /// 行政复议
    AdministrativeReview,
    /// 信访
    Petition,
}

impl ReferralChannel {
    pub fn zh(self) -> &'static str {
        match self {
            ReferralChannel::Litigation => "诉讼",
            ReferralChannel::Arbitration => "仲裁",
            ReferralChannel::AdministrativeReview => "行政复议",
            ReferralChannel::Petition => "信访",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ReferralChannel::Litigation => "Litigation",
            ReferralChannel::Arbitration => "Arbitration",
            ReferralChannel::AdministrativeReview => "Administrative review",
            ReferralChannel::Petition => "Petition",
        }
    }
}

/// Where a transferred case went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "to", rename_all = "snake_case")]
pub enum Outside {
    Emergency(EmergencyLine),
    Channel(ReferralChannel),
}

impl Outside {
    pub fn zh(self) -> &'static str {
        match self {
            Outside::Emergency(line) => line.zh(),
            Outside::Channel(channel) => channel.zh(),
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Outside::Emergency(line) => line.en(),
            Outside::Channel(channel) => channel.en(),
        }
    }
}

/// A dispatcher's decision on a return (退单审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ReturnReview {
    /// The objection stands: reassign (改派) to another unit.
    Uphold {
        to: UnitRef,
        #[serde(default)]
        co_handlers: Vec<UnitRef>,
        note: String,
    },
    /// The objection fails: the case goes back to the unit that returned it.
    Reject { note: String },
}

/// A new appeal, as the intake (page, API, patrol report, hotline hand-over) records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAppeal {
    pub category: CategoryCode,
    pub urgency: Urgency,
    /// From the category table (`Category::time_limit_class`).
    pub time_limit_class: TimeLimitClass,
    pub channel: IntakeChannel,
    /// The owner of record from now on (首问责任): the staff member who took the request, or for
    /// a citizen's own report the dispatch centre the store chose for its place.
    pub first_receiver: OwnerRef,
}

/// Something someone asks to do with an existing case. `by` is who asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AppealCommand {
    /// A dispatcher corrects the category or urgency before dispatch; the pending clock is
    /// recomputed from its start with the new limits. `time_limit_class` comes from the table.
    Reclassify {
        by: CaseActor,
        category: CategoryCode,
        urgency: Urgency,
        time_limit_class: TimeLimitClass,
        note: String,
    },
    /// Assign to a unit (and supporting units). `why` is the routing reason shown with it.
    Dispatch {
        by: CaseActor,
        to: UnitRef,
        #[serde(default)]
        co_handlers: Vec<UnitRef>,
        why: String,
    },
    /// 签收, by the assigned unit.
    Accept {
        by: CaseActor,
    },
    /// 退单, by the assigned unit, within the return window, with a reason.
    Return {
        by: CaseActor,
        reason: String,
    },
    /// A dispatcher's decision on a return.
    ReviewReturn {
        by: CaseActor,
        decision: ReturnReview,
    },
    /// 改派 on a dispatcher's or supervisor's own initiative.
    Reassign {
        by: CaseActor,
        to: UnitRef,
        #[serde(default)]
        co_handlers: Vec<UnitRef>,
        reason: String,
    },
    StartWork {
        by: CaseActor,
    },
    /// The unit reached the citizen (the first such record counts for 响应率).
    RecordContact {
        by: CaseActor,
        note: String,
    },
    SubmitResult {
        by: CaseActor,
        result: String,
    },
    /// Verification on site or by phone; a failure sends the case back to the unit (返工).
    Verify {
        by: CaseActor,
        passed: bool,
        note: String,
    },
    Callback {
        by: CaseActor,
        solved: bool,
        satisfaction: Satisfaction,
        comment: String,
    },
    /// Reopen a called-back case (a complaint after a "solved" callback); once per case.
    Reopen {
        by: CaseActor,
        reason: String,
    },
    Archive {
        by: CaseActor,
        note: String,
    },
    /// Before the resolution deadline, once per case, at most the policy's maximum days.
    RequestExtension {
        by: CaseActor,
        days: u32,
        reason: String,
    },
    /// Approve (with `days` ≤ those requested) or refuse the pending request.
    DecideExtension {
        by: CaseActor,
        approve: bool,
        days: u32,
        note: String,
    },
    Suspend {
        by: CaseActor,
        reason: String,
    },
    Resume {
        by: CaseActor,
        note: String,
    },
    Supervise {
        by: CaseActor,
        reason: SupervisionReason,
        note: String,
    },
    /// 吹哨: the case goes one level up to a lead unit (主办) with supporting units (协办).
    Escalate {
        by: CaseActor,
        lead: UnitRef,
        #[serde(default)]
        supporting: Vec<UnitRef>,
        reason: String,
    },
    /// 并单: join the primary case `primary_id` (the store checks it is open and not this one).
    Merge {
        by: CaseActor,
        primary_id: i64,
        reason: String,
    },
    Unmerge {
        by: CaseActor,
        reason: String,
    },
    /// The primary was closed: a merged case closes with it, and its reporter gets a callback.
    CloseWithPrimary {
        by: CaseActor,
        primary_id: i64,
        result: String,
    },
    TransferOut {
        by: CaseActor,
        to: Outside,
        note: String,
    },
    /// Formal hand-over of first-receiver responsibility.
    HandOver {
        by: CaseActor,
        to: OwnerRef,
        reason: String,
    },
    AddInformation {
        by: CaseActor,
        text: String,
    },
}

impl AppealCommand {
    pub fn kind(&self) -> ActionKind {
        match self {
            AppealCommand::Reclassify { .. } => ActionKind::Reclassify,
            AppealCommand::Dispatch { .. } => ActionKind::Dispatch,
            AppealCommand::Accept { .. } => ActionKind::Accept,
            AppealCommand::Return { .. } => ActionKind::Return,
            AppealCommand::ReviewReturn { .. } => ActionKind::ReviewReturn,
            AppealCommand::Reassign { .. } => ActionKind::Reassign,
            AppealCommand::StartWork { .. } => ActionKind::StartWork,
            AppealCommand::RecordContact { .. } => ActionKind::RecordContact,
            AppealCommand::SubmitResult { .. } => ActionKind::SubmitResult,
            AppealCommand::Verify { .. } => ActionKind::Verify,
            AppealCommand::Callback { .. } => ActionKind::Callback,
            AppealCommand::Reopen { .. } => ActionKind::Reopen,
            AppealCommand::Archive { .. } => ActionKind::Archive,
            AppealCommand::RequestExtension { .. } => ActionKind::RequestExtension,
            AppealCommand::DecideExtension { .. } => ActionKind::DecideExtension,
            AppealCommand::Suspend { .. } => ActionKind::Suspend,
            AppealCommand::Resume { .. } => ActionKind::Resume,
            AppealCommand::Supervise { .. } => ActionKind::Supervise,
            AppealCommand::Escalate { .. } => ActionKind::Escalate,
            AppealCommand::Merge { .. } => ActionKind::Merge,
            AppealCommand::Unmerge { .. } => ActionKind::Unmerge,
            AppealCommand::CloseWithPrimary { .. } => ActionKind::CloseWithPrimary,
            AppealCommand::TransferOut { .. } => ActionKind::TransferOut,
            AppealCommand::HandOver { .. } => ActionKind::HandOver,
            AppealCommand::AddInformation { .. } => ActionKind::AddInformation,
        }
    }

    pub fn actor(&self) -> &CaseActor {
        match self {
            AppealCommand::Reclassify { by, .. }
            | AppealCommand::Dispatch { by, .. }
            | AppealCommand::Accept { by }
            | AppealCommand::Return { by, .. }
            | AppealCommand::ReviewReturn { by, .. }
            | AppealCommand::Reassign { by, .. }
            | AppealCommand::StartWork { by }
            | AppealCommand::RecordContact { by, .. }
            | AppealCommand::SubmitResult { by, .. }
            | AppealCommand::Verify { by, .. }
            | AppealCommand::Callback { by, .. }
            | AppealCommand::Reopen { by, .. }
            | AppealCommand::Archive { by, .. }
            | AppealCommand::RequestExtension { by, .. }
            | AppealCommand::DecideExtension { by, .. }
            | AppealCommand::Suspend { by, .. }
            | AppealCommand::Resume { by, .. }
            | AppealCommand::Supervise { by, .. }
            | AppealCommand::Escalate { by, .. }
            | AppealCommand::Merge { by, .. }
            | AppealCommand::Unmerge { by, .. }
            | AppealCommand::CloseWithPrimary { by, .. }
            | AppealCommand::TransferOut { by, .. }
            | AppealCommand::HandOver { by, .. }
            | AppealCommand::AddInformation { by, .. } => by,
        }
    }
}
