//! Events (what happened to a case) and the snapshot folded from them.
//!
//! Events carry every value [`decide`](fn@super::decide) computed — deadlines included — so that
//! folding them needs neither the calendar nor the policy, and a case replays to the same
//! snapshot after either changes. [`AppealSnapshot::apply`] never fails and never panics, even
//! on a sequence `decide` would not produce.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::category::{CategoryCode, TimeLimitClass, Urgency};
use super::command::{IntakeChannel, Outside, Satisfaction, SupervisionReason};
use super::limits::Deadline;
use super::state::AppealState;
use super::{CaseActor, OwnerRecord, OwnerRef, UnitRef};
use crate::region::RegionLevel;

/// Something that happened to a case: when, by whom, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealEvent {
    /// China local time.
    pub at: NaiveDateTime,
    pub by: CaseActor,
    pub kind: EventKind,
}

/// How a unit came to have the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchVia {
    /// The first dispatch, or one after an unmerge.
    Dispatch,
    /// 改派: a reassignment, or a return upheld.
    Reassign,
    /// 吹哨: escalated from the level below.
    Escalation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Received {
        category: CategoryCode,
        urgency: Urgency,
        time_limit_class: TimeLimitClass,
        channel: IntakeChannel,
        first_receiver: OwnerRef,
        /// The dispatch clock.
        pending: Deadline,
    },
    Reclassified {
        category: CategoryCode,
        urgency: Urgency,
        time_limit_class: TimeLimitClass,
        note: String,
        pending: Deadline,
    },
    Dispatched {
        to: UnitRef,
        co_handlers: Vec<UnitRef>,
        why: String,
        via: DispatchVia,
        /// The acceptance clock.
        pending: Deadline,
        return_until: NaiveDateTime,
        /// Set on the first dispatch only: when the citizen must have been contacted (响应率).
        contact_due: Option<NaiveDateTime>,
    },
    Accepted {
        /// A new resolution clock, when this assignment had none yet.
        resolve: Option<Deadline>,
    },
    Returned {
        reason: String,
        /// The review clock.
        pending: Deadline,
    },
    ReturnUpheld {
        note: String,
    },
    ReturnRejected {
        note: String,
        /// The acceptance clock, again.
        pending: Deadline,
    },
    WorkStarted,
    CitizenContacted {
        note: String,
    },
    ResultSubmitted {
        result: String,
    },
    Verified {
        passed: bool,
        note: String,
        /// When passed: whether the result came within the resolution deadline.
        on_time: Option<bool>,
    },
    CallbackRecorded {
        solved: bool,
        satisfaction: Satisfaction,
        comment: String,
    },
    Reopened {
        reason: String,
        resolve: Deadline,
    },
    Archived {
        note: String,
    },
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionDecided {
        approved: bool,
        days: u32,
        note: String,
        /// The moved resolution clock, when approved.
        resolve: Option<Deadline>,
    },
    Suspended {
        reason: String,
    },
    Resumed {
        note: String,
        /// Working days the suspension took, by which the clock moved.
        paused_working_days: u32,
        resolve: Option<Deadline>,
    },
    SupervisionOrdered {
        reason: SupervisionReason,
        note: String,
    },
    Escalated {
        from_level: RegionLevel,
        to_level: RegionLevel,
        reason: String,
    },
    Merged {
        primary_id: i64,
        reason: String,
    },
    Unmerged {
        reason: String,
        pending: Deadline,
    },
    ClosedWithPrimary {
        primary_id: i64,
        result: String,
    },
    TransferredOut {
        to: Outside,
        note: String,
    },
    HandedOver {
        to: OwnerRef,
        reason: String,
    },
    InformationAdded {
        text: String,
    },
}

/// The unit that has the case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub unit: UnitRef,
    /// 协办单位.
    pub co_handlers: Vec<UnitRef>,
    pub since: NaiveDateTime,
    pub why: String,
    pub via: DispatchVia,
    /// The last moment the unit may return the case.
    pub return_until: NaiveDateTime,
    /// The unit returned it once and the return was rejected.
    pub returned_once: bool,
    pub accepted_at: Option<NaiveDateTime>,
}

/// A return waiting for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub unit: UnitRef,
    pub reason: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    pub approved: bool,
    pub days: u32,
    pub note: String,
    pub at: NaiveDateTime,
}

/// The case's one extension request and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub requested_at: NaiveDateTime,
    pub days: u32,
    pub reason: String,
    pub decision: Option<ExtensionDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub since: NaiveDateTime,
    pub reason: String,
}

/// A supervision order (督办单) attached to the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionOrder {
    pub reason: SupervisionReason,
    pub note: String,
    pub at: NaiveDateTime,
    pub by: CaseActor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub text: String,
    pub at: NaiveDateTime,
    pub by_account: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRecord {
    pub solved: bool,
    pub satisfaction: Satisfaction,
    pub comment: String,
    pub at: NaiveDateTime,
    /// The citizen rated it themselves (rather than staff recording a phone callback).
    pub by_citizen: bool,
}

/// The instants the rates are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    pub first_dispatched_at: Option<NaiveDateTime>,
    pub first_contact_at: Option<NaiveDateTime>,
    pub first_accepted_at: Option<NaiveDateTime>,
    /// The latest result.
    pub result_at: Option<NaiveDateTime>,
    /// The latest closure; cleared by a reopening.
    pub closed_at: Option<NaiveDateTime>,
    /// Whether the latest closure's result came within its deadline (`None` when closed with a primary).
    pub closed_on_time: Option<bool>,
    pub archived_at: Option<NaiveDateTime>,
}

/// A case as its events left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealSnapshot {
    pub state: AppealState,
    pub category: CategoryCode,
    pub urgency: Urgency,
    pub time_limit_class: TimeLimitClass,
    pub channel: IntakeChannel,
    pub received_at: NaiveDateTime,
    /// The owner chain (首问责任), first receiver first; never empty.
    pub owners: Vec<OwnerRecord>,
    pub assignment: Option<Assignment>,
    /// The clock before a unit signs: dispatch, acceptance or return review.
    pub pending: Option<Deadline>,
    /// The resolution clock of the current assignment (or reopening).
    pub resolve: Option<Deadline>,
    /// When the citizen must have been contacted (from the first dispatch).
    pub contact_due: Option<NaiveDateTime>,
    pub returned: Option<ReturnRecord>,
    pub extension: Option<Extension>,
    pub suspension: Option<Suspension>,
    pub supervision: Vec<SupervisionOrder>,
    pub merged_into: Option<i64>,
    pub closed_with_primary: bool,
    pub outside: Option<Outside>,
    pub result: Option<ResultRecord>,
    pub callbacks: Vec<CallbackRecord>,
    pub milestones: Milestones,
    pub reopen_count: u32,
    pub return_count: u32,
    pub reassign_count: u32,
    pub escalation_count: u32,
    /// Results sent back by a failed verification (返工).
    pub rework_count: u32,
    pub information_count: u32,
    /// "Not solved" after the reopening: a supervisor decides what happens next.
    pub needs_supervisor: bool,
}

/// A list of events that does not start with `Received`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("诉求事件须以受理开始 / an appeal's events must start with its receipt")]
pub struct ReplayError;

impl AppealSnapshot {
    /// The snapshot a `Received` event starts; `None` for any other event.
    pub fn start(event: &AppealEvent) -> Option<AppealSnapshot> {
        let EventKind::Received { category, urgency, time_limit_class, channel, first_receiver, pending } = &event.kind
        else {
            return None;
        };
        Some(AppealSnapshot {
            state: AppealState::Received,
            category: *category,
            urgency: *urgency,
            time_limit_class: *time_limit_class,
            channel: *channel,
            received_at: event.at,
            owners: vec![OwnerRecord {
                owner: first_receiver.clone(),
                since: event.at,
                reason: "首问受理 / first receiver".into(),
            }],
            assignment: None,
            pending: Some(*pending),
            resolve: None,
            contact_due: None,
            returned: None,
            extension: None,
            suspension: None,
            supervision: Vec::new(),
            merged_into: None,
            closed_with_primary: false,
            outside: None,
            result: None,
            callbacks: Vec::new(),
            milestones: Milestones::default(),
            reopen_count: 0,
            return_count: 0,
            reassign_count: 0,
            escalation_count: 0,
            rework_count: 0,
            information_count: 0,
            needs_supervisor: false,
        })
    }

    /// The snapshot of a whole history.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a AppealEvent>) -> Result<AppealSnapshot, ReplayError> {
        let mut events = events.into_iter();
        let mut snapshot = events.next().and_then(AppealSnapshot::start).ok_or(ReplayError)?;
        for event in events {
            snapshot.apply(event);
        }
        Ok(snapshot)
    }

    /// The current owner of record.
    pub fn owner(&self) -> Option<&OwnerRef> {
        self.owners.last().map(|r| &r.owner)
    }

    /// The deadline the cards follow: the pending clock before 签收, the resolution clock
    /// after (frozen while suspended); none once the result is in or the case left the line.
    pub fn active_deadline(&self) -> Option<&Deadline> {
        match self.state {
            AppealState::Received | AppealState::Dispatched | AppealState::Returned => self.pending.as_ref(),
            AppealState::Accepted | AppealState::InProgress | AppealState::Suspended => self.resolve.as_ref(),
            _ => None,
        }
    }

    /// Sort key for work queues: urgent cases first (emergencies skip the queue), then by the
    /// active deadline, then by receipt.
    pub fn queue_key(&self) -> (u8, NaiveDateTime, NaiveDateTime) {
        let urgent = u8::from(self.urgency != Urgency::Urgent);
        (urgent, self.active_deadline().map_or(NaiveDateTime::MAX, |d| d.due), self.received_at)
    }

    /// Whether an approved extension moved the resolution deadline.
    pub fn extended(&self) -> bool {
        self.extension.as_ref().and_then(|e| e.decision.as_ref()).is_some_and(|d| d.approved)
    }

    /// Folds one event in.
    pub fn apply(&mut self, event: &AppealEvent) {
        let at = event.at;
        match &event.kind {
            EventKind::Received { .. } => {
                if let Some(fresh) = AppealSnapshot::start(event) {
                    *self = fresh;
                }
            }
            EventKind::Reclassified { category, urgency, time_limit_class, pending, .. } => {
                self.category = *category;
                self.urgency = *urgency;
                self.time_limit_class = *time_limit_class;
                self.pending = Some(*pending);
            }
            EventKind::Dispatched { to, co_handlers, why, via, pending, return_until, contact_due } => {
                self.state = AppealState::Dispatched;
                self.assignment = Some(Assignment {
                    unit: to.clone(),
                    co_handlers: co_handlers.clone(),
                    since: at,
                    why: why.clone(),
                    via: *via,
                    return_until: *return_until,
                    returned_once: false,
                    accepted_at: None,
                });
                self.pending = Some(*pending);
                self.resolve = None;
                self.returned = None;
                self.milestones.first_dispatched_at.get_or_insert(at);
                if let Some(due) = contact_due {
                    self.contact_due.get_or_insert(*due);
                }
                match via {
                    DispatchVia::Dispatch => {}
                    DispatchVia::Reassign => self.reassign_count += 1,
                    DispatchVia::Escalation => self.escalation_count += 1,
                }
            }
            EventKind::Accepted { resolve } => {
                self.state = AppealState::Accepted;
                self.pending = None;
                if let Some(r) = resolve {
                    self.resolve = Some(*r);
                }
                if let Some(a) = &mut self.assignment {
                    a.accepted_at = Some(at);
                }
                self.milestones.first_accepted_at.get_or_insert(at);
            }
            EventKind::Returned { reason, pending } => {
                self.state = AppealState::Returned;
                self.pending = Some(*pending);
                self.return_count += 1;
                if let Some(a) = &mut self.assignment {
                    a.returned_once = true;
                    a.accepted_at = None;
                    self.returned = Some(ReturnRecord { unit: a.unit.clone(), reason: reason.clone(), at });
                }
            }
            EventKind::ReturnUpheld { .. } => self.returned = None,
            EventKind::ReturnRejected { pending, .. } => {
                self.state = AppealState::Dispatched;
                self.returned = None;
                self.pending = Some(*pending);
            }
            EventKind::WorkStarted => self.state = AppealState::InProgress,
            EventKind::CitizenContacted { .. } => {
                self.milestones.first_contact_at.get_or_insert(at);
            }
            EventKind::ResultSubmitted { result } => {
                self.state = AppealState::ResultSubmitted;
                self.result = Some(ResultRecord { text: result.clone(), at, by_account: event.by.account_id() });
                self.milestones.result_at = Some(at);
            }
            EventKind::Verified { passed: true, on_time, .. } => {
                self.state = AppealState::Closed;
                self.milestones.closed_at = Some(at);
                self.milestones.closed_on_time = *on_time;
            }
            EventKind::Verified { passed: false, .. } => {
                self.state = AppealState::InProgress;
                self.rework_count += 1;
            }
            EventKind::CallbackRecorded { solved, satisfaction, comment } => {
                self.state = AppealState::CalledBack;
                self.callbacks.push(CallbackRecord {
                    solved: *solved,
                    satisfaction: *satisfaction,
                    comment: comment.clone(),
                    at,
                    by_citizen: matches!(event.by, CaseActor::Citizen { .. }),
                });
            }
            EventKind::Reopened { resolve, .. } => {
                self.state = AppealState::InProgress;
                self.reopen_count += 1;
                self.resolve = Some(*resolve);
                self.milestones.closed_at = None;
                self.milestones.closed_on_time = None;
            }
            EventKind::Archived { .. } => {
                self.state = AppealState::Archived;
                self.milestones.archived_at = Some(at);
            }
            EventKind::ExtensionRequested { days, reason } => {
                self.extension =
                    Some(Extension { requested_at: at, days: *days, reason: reason.clone(), decision: None });
            }
            EventKind::ExtensionDecided { approved, days, note, resolve } => {
                if let Some(e) = &mut self.extension {
                    e.decision = Some(ExtensionDecision { approved: *approved, days: *days, note: note.clone(), at });
                }
                if let Some(r) = resolve {
                    self.resolve = Some(*r);
                }
            }
            EventKind::Suspended { reason } => {
                self.state = AppealState::Suspended;
                self.suspension = Some(Suspension { since: at, reason: reason.clone() });
            }
            EventKind::Resumed { resolve, .. } => {
                self.state = AppealState::InProgress;
                self.suspension = None;
                if let Some(r) = resolve {
                    self.resolve = Some(*r);
                }
            }
            EventKind::SupervisionOrdered { reason, note } => {
                if *reason == SupervisionReason::NotSolvedAgain {
                    self.needs_supervisor = true;
                }
                self.supervision.push(SupervisionOrder {
                    reason: *reason,
                    note: note.clone(),
                    at,
                    by: event.by.clone(),
                });
            }
            EventKind::Escalated { .. } => {}
            EventKind::Merged { primary_id, .. } => {
                self.state = AppealState::Merged;
                self.merged_into = Some(*primary_id);
                self.assignment = None;
                self.pending = None;
                self.resolve = None;
                self.returned = None;
                self.suspension = None;
            }
            EventKind::Unmerged { pending, .. } => {
                self.state = AppealState::Received;
                self.merged_into = None;
                self.pending = Some(*pending);
            }
            EventKind::ClosedWithPrimary { result, .. } => {
                self.state = AppealState::Closed;
                self.closed_with_primary = true;
                self.result = Some(ResultRecord { text: result.clone(), at, by_account: event.by.account_id() });
                self.milestones.result_at = Some(at);
                self.milestones.closed_at = Some(at);
                self.milestones.closed_on_time = None;
            }
            EventKind::TransferredOut { to, .. } => {
                self.state = AppealState::Transferred;
                self.outside = Some(*to);
                self.pending = None;
                self.resolve = None;
                self.returned = None;
            }
            EventKind::HandedOver { to, reason } => {
                self.owners.push(OwnerRecord { owner: to.clone(), since: at, reason: reason.clone() });
            }
            EventKind::InformationAdded { .. } => self.information_count += 1,
        }
    }
}

/// `snapshot` with `event` folded in.
pub fn apply(snapshot: &AppealSnapshot, event: &AppealEvent) -> AppealSnapshot {
    let mut next = snapshot.clone();
    next.apply(event);
    next
}
