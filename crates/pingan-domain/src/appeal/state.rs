//! The states of a case, the actions on it, and the one table of which action leads where.

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    /// 已受理: recorded, waiting for dispatch.
    Received,
    /// 已派单: assigned to a unit, waiting for it to sign (签收) or return (退单).
    Dispatched,
    /// 已签收: the unit signed for it.
    Accepted,
    /// 办理中
    InProgress,
    /// 已答复: the unit submitted its result; waiting for verification.
    ResultSubmitted,
    /// 已办结: the result was verified.
    Closed,
    /// 已回访: the citizen (or a phone callback) rated the result.
    CalledBack,
    /// 已归档
    Archived,
    /// 已退单: the unit objected; waiting for the dispatcher's review.
    Returned,
    /// 已挂起: paused with a reason; the clock stands still.
    Suspended,
    /// 已并单: joined a primary case, which carries the handling.
    Merged,
    /// 已转出: handed to 110/119/120/122 or to another channel (courts, arbitration,
    /// administrative review, petitions); tracked until archived.
    Transferred,
}

impl AppealState {
    pub const ALL: [AppealState; 12] = [
        AppealState::Received,
        AppealState::Dispatched,
        AppealState::Accepted,
        AppealState::InProgress,
        AppealState::ResultSubmitted,
        AppealState::Closed,
        AppealState::CalledBack,
        AppealState::Archived,
        AppealState::Returned,
        AppealState::Suspended,
        AppealState::Merged,
        AppealState::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Received => "received",
            AppealState::Dispatched => "dispatched",
            AppealState::Accepted => "accepted",
            AppealState::InProgress => "in_progress",
            AppealState::ResultSubmitted => "result_submitted",
            AppealState::Closed => "closed",
            AppealState::CalledBack => "called_back",
            AppealState::Archived => "archived",
            AppealState::Returned => "returned",
            AppealState::Suspended => "suspended",
            AppealState::Merged => "merged",
            AppealState::Transferred => "transferred",
        }
    }

    pub fn parse(s: &str) -> Option<AppealState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            AppealState::Received => "已受理",
            AppealState::Dispatched => "已派单",
            AppealState::Accepted => "已签收",
            AppealState::InProgress => "办理中",
            AppealState::ResultSubmitted => "已答复",
            AppealState::Closed => "已办结",
            AppealState::CalledBack => "已回访",
            AppealState::Archived => "已归档",
            AppealState::Returned => "已退单",
            AppealState::Suspended => "已挂起",
            AppealState::Merged => "已并单",
            AppealState::Transferred => "已转出",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            AppealState::Received => "received",
            AppealState::Dispatched => "dispatched",
            AppealState::Accepted => "accepted",
            AppealState::InProgress => "in progress",
            AppealState::ResultSubmitted => "result submitted",
            AppealState::Closed => "closed",
            AppealState::CalledBack => "called back",
            AppealState::Archived => "archived",
            AppealState::Returned => "returned",
            AppealState::Suspended => "suspended",
            AppealState::Merged => "merged",
            AppealState::Transferred => "transferred",
        }
    }

    /// Closed, called back or archived: the first receiver's responsibility has ended.
    pub fn is_closed(self) -> bool {
        matches!(self, AppealState::Closed | AppealState::CalledBack | AppealState::Archived)
    }

    /// The actions the table allows from here (what a case page may offer, before the
    /// per-actor checks of [`decide`](fn@super::decide)).
    pub fn actions(self) -> Vec<ActionKind> {
        let mut out: Vec<ActionKind> = TRANSITIONS.iter().filter(|t| t.from == self).map(|t| t.action).collect();
        out.dedup();
        out
    }
}

/// What a command asks for (the command without its data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Receive,
    Reclassify,
    Dispatch,
    Accept,
    Return,
    ReviewReturn,
    Reassign,
    StartWork,
    RecordContact,
    SubmitResult,
    Verify,
    Callback,
    Reopen,
    Archive,
    RequestExtension,
    DecideExtension,
    Suspend,
    Resume,
    Supervise,
    Escalate,
    Merge,
    Unmerge,
    CloseWithPrimary,
    TransferOut,
    HandOver,
    AddInformation,
}

impl ActionKind {
    pub const ALL: [ActionKind; 26] = [
        ActionKind::Receive,
        ActionKind::Reclassify,
        ActionKind::Dispatch,
        ActionKind::Accept,
        ActionKind::Return,
        ActionKind::ReviewReturn,
        ActionKind::Reassign,
        ActionKind::StartWork,
        ActionKind::RecordContact,
        ActionKind::SubmitResult,
        ActionKind::Verify,
        ActionKind::Callback,
        ActionKind::Reopen,
        ActionKind::Archive,
        ActionKind::RequestExtension,
        ActionKind::DecideExtension,
        ActionKind::Suspend,
        ActionKind::Resume,
        ActionKind::Supervise,
        ActionKind::Escalate,
        ActionKind::Merge,
        ActionKind::Unmerge,
        ActionKind::CloseWithPrimary,
        ActionKind::TransferOut,
        ActionKind::HandOver,
        ActionKind::AddInformation,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            ActionKind::Receive => "受理",
            ActionKind::Reclassify => "更正分类",
            ActionKind::Dispatch => "派单",
            ActionKind::Accept => "签收",
            ActionKind::Return => "退单",
            ActionKind::ReviewReturn => "审核退单",
            ActionKind::Reassign => "改派",
            ActionKind::StartWork => "开始办理",
            ActionKind::RecordContact => "记录联系群众",
            ActionKind::SubmitResult => "提交办理结果",
            ActionKind::Verify => "核查办理结果",
            ActionKind::Callback => "回访",
            ActionKind::Reopen => "重新办理",
            ActionKind::Archive => "归档",
            ActionKind::RequestExtension => "申请延期",
            ActionKind::DecideExtension => "审批延期",
            ActionKind::Suspend => "挂起",
            ActionKind::Resume => "恢复办理",
            ActionKind::Supervise => "督办",
            ActionKind::Escalate => "吹哨上报",
            ActionKind::Merge => "并单",
            ActionKind::Unmerge => "取消并单",
            ActionKind::CloseWithPrimary => "随主件办结",
            ActionKind::TransferOut => "转出",
            ActionKind::HandOver => "移交首问责任",
            ActionKind::AddInformation => "补充信息",
        }
    }

    /// The action as a verb phrase: "cannot {en}".
    pub fn en(self) -> &'static str {
        match self {
            ActionKind::Receive => "receive the appeal",
            ActionKind::Reclassify => "correct the classification",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Accept => "accept (sign for) the case",
            ActionKind::Return => "return the case",
            ActionKind::ReviewReturn => "review the return",
            ActionKind::Reassign => "reassign the case",
            ActionKind::StartWork => "start work",
            ActionKind::RecordContact => "record a contact with the citizen",
            ActionKind::SubmitResult => "submit the result",
            ActionKind::Verify => "verify the result",
            ActionKind::Callback => "record the callback",
            ActionKind::Reopen => "reopen the case",
            ActionKind::Archive => "archive the case",
            ActionKind::RequestExtension => "request an extension",
            ActionKind::DecideExtension => "decide on the extension",
            ActionKind::Suspend => "suspend the case",
            ActionKind::Resume => "resume the case",
            ActionKind::Supervise => "issue a supervision order",
            ActionKind::Escalate => "escalate the case",
            ActionKind::Merge => "merge the case",
            ActionKind::Unmerge => "undo the merge",
            ActionKind::CloseWithPrimary => "close the case with its primary",
            ActionKind::TransferOut => "transfer the case out",
            ActionKind::HandOver => "hand over first-receiver responsibility",
            ActionKind::AddInformation => "add information",
        }
    }
}

/// One row of the table: `action` in state `from` may lead to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Transition {
    pub from: AppealState,
    pub action: ActionKind,
    pub to: AppealState,
}

const fn t(from: AppealState, action: ActionKind, to: AppealState) -> Transition {
    Transition { from, action, to }
}

use ActionKind as A;
use AppealState as S;

/// Every transition the machine makes. An action with two rows from the same state has two
/// outcomes (a verification passes or fails; a callback says solved or, the first time, not
/// solved). An action without a row from a state is refused there. `Receive` creates a case
/// and has no row.
#[rustfmt::skip]
pub const TRANSITIONS: &[Transition] = &[
    // the main line
    t(S::Received, A::Dispatch, S::Dispatched),
    t(S::Dispatched, A::Accept, S::Accepted),
    t(S::Accepted, A::StartWork, S::InProgress),
    t(S::Accepted, A::SubmitResult, S::ResultSubmitted),
    t(S::InProgress, A::SubmitResult, S::ResultSubmitted),
    t(S::ResultSubmitted, A::Verify, S::Closed),
    t(S::ResultSubmitted, A::Verify, S::InProgress), // verification failed: 返工
    t(S::Closed, A::Callback, S::CalledBack),
    t(S::Closed, A::Callback, S::InProgress), // not solved, first time: reopened
    t(S::CalledBack, A::Reopen, S::InProgress),
    t(S::Closed, A::Archive, S::Archived),
    t(S::CalledBack, A::Archive, S::Archived),
    // corrections before dispatch
    t(S::Received, A::Reclassify, S::Received),
    t(S::Returned, A::Reclassify, S::Returned),
    // 退单 and 改派
    t(S::Dispatched, A::Return, S::Returned),
    t(S::Accepted, A::Return, S::Returned),
    t(S::Returned, A::ReviewReturn, S::Dispatched),
    t(S::Dispatched, A::Reassign, S::Dispatched),
    t(S::Accepted, A::Reassign, S::Dispatched),
    t(S::InProgress, A::Reassign, S::Dispatched),
    // 吹哨: one level up, to a lead unit with supporting units
    t(S::Accepted, A::Escalate, S::Dispatched),
    t(S::InProgress, A::Escalate, S::Dispatched),
    // suspension
    t(S::InProgress, A::Suspend, S::Suspended),
    t(S::Suspended, A::Resume, S::InProgress),
    // extension: requested by the unit, decided by a dispatcher or supervisor
    t(S::Accepted, A::RequestExtension, S::Accepted),
    t(S::InProgress, A::RequestExtension, S::InProgress),
    t(S::Accepted, A::DecideExtension, S::Accepted),
    t(S::InProgress, A::DecideExtension, S::InProgress),
    t(S::Suspended, A::DecideExtension, S::Suspended),
    // contact with the citizen
    t(S::Accepted, A::RecordContact, S::Accepted),
    t(S::InProgress, A::RecordContact, S::InProgress),
    // 并单
    t(S::Received, A::Merge, S::Merged),
    t(S::Dispatched, A::Merge, S::Merged),
    t(S::Returned, A::Merge, S::Merged),
    t(S::Accepted, A::Merge, S::Merged),
    t(S::InProgress, A::Merge, S::Merged),
    t(S::Merged, A::Unmerge, S::Received),
    t(S::Merged, A::CloseWithPrimary, S::Closed),
    // transfers to an emergency line or another channel
    t(S::Received, A::TransferOut, S::Transferred),
    t(S::Dispatched, A::TransferOut, S::Transferred),
    t(S::Returned, A::TransferOut, S::Transferred),
    t(S::Accepted, A::TransferOut, S::Transferred),
    t(S::InProgress, A::TransferOut, S::Transferred),
    t(S::Transferred, A::Archive, S::Archived),
    // 督办: an order attached to the case, in every state but archived and merged
    t(S::Received, A::Supervise, S::Received),
    t(S::Dispatched, A::Supervise, S::Dispatched),
    t(S::Returned, A::Supervise, S::Returned),
    t(S::Accepted, A::Supervise, S::Accepted),
    t(S::InProgress, A::Supervise, S::InProgress),
    t(S::Suspended, A::Supervise, S::Suspended),
    t(S::ResultSubmitted, A::Supervise, S::ResultSubmitted),
    t(S::Closed, A::Supervise, S::Closed),
    t(S::CalledBack, A::Supervise, S::CalledBack),
    t(S::Transferred, A::Supervise, S::Transferred),
    // 首问责任: formal hand-over, until closure
    t(S::Received, A::HandOver, S::Received),
    t(S::Dispatched, A::HandOver, S::Dispatched),
    t(S::Returned, A::HandOver, S::Returned),
    t(S::Accepted, A::HandOver, S::Accepted),
    t(S::InProgress, A::HandOver, S::InProgress),
    t(S::Suspended, A::HandOver, S::Suspended),
    t(S::ResultSubmitted, A::HandOver, S::ResultSubmitted),
    t(S::Merged, A::HandOver, S::Merged),
    t(S::Transferred, A::HandOver, S::Transferred),
    // information added by the citizen or staff while the case is open
    t(S::Received, A::AddInformation, S::Received),
    t(S::Dispatched, A::AddInformation, S::Dispatched),
    t(S::Returned, A::AddInformation, S::Returned),
    t(S::Accepted, A::AddInformation, S::Accepted),
    t(S::InProgress, A::AddInformation, S::InProgress),
    t(S::Suspended, A::AddInformation, S::Suspended),
    t(S::ResultSubmitted, A::AddInformation, S::ResultSubmitted),
    t(S::Merged, A::AddInformation, S::Merged),
];

/// Whether the table has a row for `action` in state `from`.
pub fn allowed(from: AppealState, action: ActionKind) -> bool {
    TRANSITIONS.iter().any(|t| t.from == from && t.action == action)
}

/// Whether `from --action--> to` is a row of the table.
pub fn is_transition(from: AppealState, action: ActionKind, to: AppealState) -> bool {
    TRANSITIONS.contains(&t(from, action, to))
}
