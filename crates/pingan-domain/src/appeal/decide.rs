//! The decision function: a command against a snapshot gives events, or a refusal.
//!
//! Checks run in a fixed order, so that the answer to a bad request is predictable:
//! 1. the transition table ([`TRANSITIONS`](super::TRANSITIONS)): a missing row is
//!    [`Refusal::WrongState`] (409), or [`Refusal::MergedInto`] for a merged case;
//! 2. who: the assigned unit for the unit's own steps, dispatchers and supervisors for
//!    dispatch-centre and supervision-centre steps (403);
//! 3. the command's data: required texts, valid units, day counts (400);
//! 4. the case's history and the clock: windows, one extension, one reopening (409).
//!
//! Who does what (roles from [`Role`]; "unit" = staff acting for the assigned unit, see
//! [`CaseActor::acts_for`]):
//!
//! | action | who |
//! |---|---|
//! | receive | any staff but leaders and administrators, citizens, the system |
//! | dispatch | township dispatcher, the system; any staff to a unit they act for (自办) |
//! | accept, return, start, contact, submit result, request extension | unit |
//! | review return, reassign, verify, decide extension, suspend, merge, unmerge, reclassify | township dispatcher, supervisor |
//! | resume | township dispatcher, supervisor, unit, the system |
//! | escalate (吹哨) | unit, township dispatcher |
//! | callback | citizen, township dispatcher, supervisor, the system — never the unit |
//! | reopen | citizen, township dispatcher, supervisor |
//! | archive | township dispatcher, supervisor, the system; a supervisor only after "not solved" twice |
//! | supervise | supervisor, the system (overdue timer) |
//! | close with primary | the system, township dispatcher, supervisor |
//! | transfer out | township dispatcher, supervisor, unit, the system |
//! | hand over | the owner of record, township dispatcher, supervisor |
//! | add information | citizen, the system, any staff but leaders and administrators |
//!
//! *Where* (is the case inside the actor's scope) is the store's check, as for every record.

use chrono::NaiveDateTime;

use super::command::{AppealCommand, NewAppeal, ReturnReview, Satisfaction, SupervisionReason};
use super::error::{Refusal, TransitionError};
use super::event::{AppealEvent, AppealSnapshot, DispatchVia, EventKind};
use super::limits::{DeadlineKind, TimeLimitPolicy, TimeLimitRule};
use super::state::{self, ActionKind, AppealState};
use super::{CaseActor, UnitRef};
use crate::account::Role;
use crate::calendar::WorkCalendar;

/// The longest reason, note, result or comment, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

const DISPATCHERS: &[Role] = &[Role::TownshipDispatcher];
const SUPERVISORS: &[Role] = &[Role::Supervisor];
/// The dispatch centre and the supervision centre: they review, verify and approve.
const CENTRES: &[Role] = &[Role::TownshipDispatcher, Role::Supervisor];
/// Staff who handle cases; leaders only read and administrators run the platform.
const HANDLING_STAFF: &[Role] =
    &[Role::GridWorker, Role::VillageCadre, Role::TownshipDispatcher, Role::DeptHandler, Role::Supervisor];

/// One kind of actor a step admits.
#[derive(Debug, Clone, Copy)]
enum Who {
    Roles(&'static [Role]),
    Unit,
    Owner,
    Citizen,
    System,
}

/// Records a new case: the `Received` event that starts its history and the dispatch clock.
pub fn receive(
    new: &NewAppeal,
    by: &CaseActor,
    now: NaiveDateTime,
    cal: &WorkCalendar,
    policy: &TimeLimitPolicy,
) -> Result<AppealEvent, TransitionError> {
    let refuse = |refusal| TransitionError::new(None, ActionKind::Receive, refusal);
    if let CaseActor::Staff(s) = by
        && !HANDLING_STAFF.contains(&s.role)
    {
        return Err(refuse(Refusal::NotPermitted { actor_zh: by.zh(), actor_en: by.en() }));
    }
    if new.first_receiver.is_empty() {
        return Err(refuse(Refusal::Required { field: "first_receiver" }));
    }
    let rule = policy.rule(new.time_limit_class, new.urgency);
    Ok(AppealEvent {
        at: now,
        by: by.clone(),
        kind: EventKind::Received {
            category: new.category,
            urgency: new.urgency,
            time_limit_class: new.time_limit_class,
            channel: new.channel,
            first_receiver: new.first_receiver.clone(),
            pending: policy.deadline(DeadlineKind::Dispatch, rule.dispatch, now, cal),
        },
    })
}

/// What `cmd` means for `case` at `now`: the events to record, or why not.
pub fn decide(
    case: &AppealSnapshot,
    cmd: &AppealCommand,
    now: NaiveDateTime,
    cal: &WorkCalendar,
    policy: &TimeLimitPolicy,
) -> Result<Vec<AppealEvent>, TransitionError> {
    let ctx = Ctx { case, by: cmd.actor(), action: cmd.kind(), now, cal, policy };
    if !state::allowed(case.state, ctx.action) {
        return Err(ctx.refuse(match (case.state, case.merged_into) {
            (AppealState::Merged, Some(primary_id)) => Refusal::MergedInto { primary_id },
            _ => Refusal::WrongState,
        }));
    }
    ctx.decide(cmd)
}

/// [`decide`] and [`apply`](super::apply) in one: the new snapshot and the events to store.
pub fn execute(
    case: &AppealSnapshot,
    cmd: &AppealCommand,
    now: NaiveDateTime,
    cal: &WorkCalendar,
    policy: &TimeLimitPolicy,
) -> Result<(AppealSnapshot, Vec<AppealEvent>), TransitionError> {
    let events = decide(case, cmd, now, cal, policy)?;
    let mut next = case.clone();
    for e in &events {
        next.apply(e);
    }
    Ok((next, events))
}

struct Ctx<'a> {
    case: &'a AppealSnapshot,
    by: &'a CaseActor,
    action: ActionKind,
    now: NaiveDateTime,
    cal: &'a WorkCalendar,
    policy: &'a TimeLimitPolicy,
}

impl Ctx<'_> {
    fn refuse(&self, refusal: Refusal) -> TransitionError {
        TransitionError::new(Some(self.case.state), self.action, refusal)
    }

    fn event(&self, kind: EventKind) -> AppealEvent {
        AppealEvent { at: self.now, by: self.by.clone(), kind }
    }

    fn rule(&self) -> TimeLimitRule {
        self.policy.rule(self.case.time_limit_class, self.case.urgency)
    }

    fn is_unit(&self) -> bool {
        self.case.assignment.as_ref().is_some_and(|a| self.by.acts_for(&a.unit))
    }

    fn admits(&self, who: Who) -> bool {
        match who {
            Who::Roles(roles) => self.by.has_role(roles),
            Who::Unit => self.is_unit(),
            Who::Owner => self.case.owner().is_some_and(|o| self.by.is_owner(o)),
            Who::Citizen => matches!(self.by, CaseActor::Citizen { .. }),
            Who::System => matches!(self.by, CaseActor::System),
        }
    }

    fn allow(&self, whos: &[Who]) -> Result<(), TransitionError> {
        if whos.iter().any(|w| self.admits(*w)) {
            return Ok(());
        }
        Err(self.refuse(match whos {
            [Who::Unit] => Refusal::NotAssignedUnit,
            _ => Refusal::NotPermitted { actor_zh: self.by.zh(), actor_en: self.by.en() },
        }))
    }

    fn unit_only(&self) -> Result<(), TransitionError> {
        self.allow(&[Who::Unit])
    }

    /// `text` trimmed, refused when empty or too long.
    fn required(&self, field: &'static str, text: &str) -> Result<String, TransitionError> {
        let t = self.optional(field, text)?;
        if t.is_empty() { Err(self.refuse(Refusal::Required { field })) } else { Ok(t) }
    }

    fn optional(&self, field: &'static str, text: &str) -> Result<String, TransitionError> {
        let t = text.trim();
        if t.chars().count() > MAX_TEXT_CHARS {
            return Err(self.refuse(Refusal::TooLong { field, max: MAX_TEXT_CHARS }));
        }
        Ok(t.to_owned())
    }

    /// The lead unit fits its level, and the supporting units too, each listed once.
    fn check_units(&self, field: &'static str, lead: &UnitRef, supporting: &[UnitRef]) -> Result<(), TransitionError> {
        let invalid = |field, detail| self.refuse(Refusal::InvalidUnit { field, detail });
        lead.check().map_err(|d| invalid(field, d))?;
        for (i, unit) in supporting.iter().enumerate() {
            unit.check().map_err(|d| invalid("co_handlers", d))?;
            if unit == lead || supporting[..i].contains(unit) {
                return Err(invalid(
                    "co_handlers",
                    "协办单位不能重复，也不能与主办单位相同 / supporting units must differ from the lead and each other"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    fn not_late(&self, due: Option<NaiveDateTime>) -> Result<(), TransitionError> {
        match due {
            Some(due) if self.now > due => Err(self.refuse(Refusal::DeadlinePassed { due })),
            _ => Ok(()),
        }
    }

    fn dispatched(&self, to: &UnitRef, co_handlers: &[UnitRef], why: String, via: DispatchVia) -> AppealEvent {
        let rule = self.rule();
        let first = self.case.milestones.first_dispatched_at.is_none();
        self.event(EventKind::Dispatched {
            to: to.clone(),
            co_handlers: co_handlers.to_vec(),
            why,
            via,
            pending: self.policy.deadline(DeadlineKind::Accept, rule.dispatch, self.now, self.cal),
            return_until: self.policy.return_until(self.now, self.cal),
            contact_due: first.then(|| rule.contact.due(self.now, self.cal)),
        })
    }

    fn resolve_clock(&self) -> super::Deadline {
        self.policy.deadline(DeadlineKind::Resolve, self.rule().resolve, self.now, self.cal)
    }

    fn supervision(&self, reason: SupervisionReason, note: impl Into<String>) -> AppealEvent {
        self.event(EventKind::SupervisionOrdered { reason, note: note.into() })
    }

    fn decide(&self, cmd: &AppealCommand) -> Result<Vec<AppealEvent>, TransitionError> {
        let case = self.case;
        let (now, cal, policy) = (self.now, self.cal, self.policy);
        let one = |kind| Ok(vec![self.event(kind)]);
        match cmd {
            AppealCommand::Reclassify { category, urgency, time_limit_class, note, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let note = self.optional("note", note)?;
                let rule = policy.rule(*time_limit_class, *urgency);
                let (kind, start) = case.pending.map_or((DeadlineKind::Dispatch, now), |p| (p.kind, p.start));
                one(EventKind::Reclassified {
                    category: *category,
                    urgency: *urgency,
                    time_limit_class: *time_limit_class,
                    note,
                    pending: policy.deadline(kind, rule.dispatch, start, cal),
                })
            }
            AppealCommand::Dispatch { to, co_handlers, why, .. } => {
                // 自办: handling staff may take a case for a unit they act for themselves.
                if !(self.by.has_role(HANDLING_STAFF) && self.by.acts_for(to)) {
                    self.allow(&[Who::Roles(DISPATCHERS), Who::System])?;
                }
                let why = self.required("why", why)?;
                self.check_units("to", to, co_handlers)?;
                Ok(vec![self.dispatched(to, co_handlers, why, DispatchVia::Dispatch)])
            }
            AppealCommand::Accept { .. } => {
                self.unit_only()?;
                let resolve = case.resolve.is_none().then(|| self.resolve_clock());
                one(EventKind::Accepted { resolve })
            }
            AppealCommand::Return { reason, .. } => {
                self.unit_only()?;
                let reason = self.required("reason", reason)?;
                let Some(a) = &case.assignment else { return Err(self.refuse(Refusal::NoUnit)) };
                if a.returned_once {
                    return Err(self.refuse(Refusal::AlreadyReturned));
                }
                if now > a.return_until {
                    return Err(self.refuse(Refusal::ReturnWindowClosed { until: a.return_until }));
                }
                let pending = policy.deadline(DeadlineKind::Review, self.rule().dispatch, now, cal);
                one(EventKind::Returned { reason, pending })
            }
            AppealCommand::ReviewReturn { decision, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                match decision {
                    ReturnReview::Uphold { to, co_handlers, note } => {
                        let note = self.required("note", note)?;
                        self.check_units("to", to, co_handlers)?;
                        if case.assignment.as_ref().is_some_and(|a| a.unit == *to) {
                            return Err(self.refuse(Refusal::SameUnit));
                        }
                        Ok(vec![
                            self.event(EventKind::ReturnUpheld { note: note.clone() }),
                            self.dispatched(to, co_handlers, note, DispatchVia::Reassign),
                        ])
                    }
                    ReturnReview::Reject { note } => {
                        let note = self.required("note", note)?;
                        let pending = policy.deadline(DeadlineKind::Accept, self.rule().dispatch, now, cal);
                        one(EventKind::ReturnRejected { note, pending })
                    }
                }
            }
            AppealCommand::Reassign { to, co_handlers, reason, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                self.check_units("to", to, co_handlers)?;
                if case.assignment.as_ref().is_some_and(|a| a.unit == *to) {
                    return Err(self.refuse(Refusal::SameUnit));
                }
                Ok(vec![self.dispatched(to, co_handlers, reason, DispatchVia::Reassign)])
            }
            AppealCommand::StartWork { .. } => {
                self.unit_only()?;
                one(EventKind::WorkStarted)
            }
            AppealCommand::RecordContact { note, .. } => {
                self.unit_only()?;
                let note = self.optional("note", note)?;
                one(EventKind::CitizenContacted { note })
            }
            AppealCommand::SubmitResult { result, .. } => {
                self.unit_only()?;
                let result = self.required("result", result)?;
                one(EventKind::ResultSubmitted { result })
            }
            AppealCommand::Verify { passed, note, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let submitter = case.result.as_ref().and_then(|r| r.by_account);
                if submitter.is_some() && submitter == self.by.account_id() {
                    return Err(self.refuse(Refusal::OwnResult));
                }
                let note = if *passed { self.optional("note", note)? } else { self.required("note", note)? };
                let on_time = match (passed, &case.result, &case.resolve) {
                    (true, Some(r), Some(d)) => Some(r.at <= d.due),
                    _ => None,
                };
                one(EventKind::Verified { passed: *passed, note, on_time })
            }
            AppealCommand::Callback { solved, satisfaction, comment, .. } => {
                if matches!(self.by, CaseActor::Staff(_)) && self.is_unit() {
                    return Err(self.refuse(Refusal::OwnWork));
                }
                self.allow(&[Who::Citizen, Who::Roles(CENTRES), Who::System])?;
                let comment = self.optional("comment", comment)?;
                let mut events = vec![self.event(EventKind::CallbackRecorded {
                    solved: *solved,
                    satisfaction: *satisfaction,
                    comment,
                })];
                let has_unit = case.assignment.is_some() && !case.closed_with_primary;
                if !*solved && case.reopen_count == 0 && has_unit {
                    events.push(self.event(EventKind::Reopened {
                        reason: "回访未解决 / callback: not solved".into(),
                        resolve: self.resolve_clock(),
                    }));
                    events.push(self.supervision(SupervisionReason::Reopened, ""));
                } else if !*solved {
                    events.push(self.supervision(SupervisionReason::NotSolvedAgain, ""));
                } else if *satisfaction == Satisfaction::Dissatisfied {
                    events.push(self.supervision(SupervisionReason::Dissatisfied, ""));
                }
                Ok(events)
            }
            AppealCommand::Reopen { reason, .. } => {
                self.allow(&[Who::Citizen, Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                if case.reopen_count > 0 {
                    return Err(self.refuse(Refusal::ReopenUsed));
                }
                if case.assignment.is_none() || case.closed_with_primary {
                    return Err(self.refuse(Refusal::NoUnit));
                }
                Ok(vec![
                    self.event(EventKind::Reopened { reason: reason.clone(), resolve: self.resolve_clock() }),
                    self.supervision(SupervisionReason::Reopened, reason),
                ])
            }
            AppealCommand::Archive { note, .. } => {
                if case.needs_supervisor {
                    if !self.admits(Who::Roles(SUPERVISORS)) {
                        return Err(self.refuse(Refusal::SupervisorRequired));
                    }
                } else {
                    self.allow(&[Who::Roles(CENTRES), Who::System])?;
                }
                // Without a callback (unreachable citizen) or after a transfer, say what happened.
                let note = if case.state == AppealState::CalledBack {
                    self.optional("note", note)?
                } else {
                    self.required("note", note)?
                };
                one(EventKind::Archived { note })
            }
            AppealCommand::RequestExtension { days, reason, .. } => {
                self.unit_only()?;
                let reason = self.required("reason", reason)?;
                let max = policy.extension_max_days;
                if !(1..=max).contains(days) {
                    return Err(self.refuse(Refusal::ExtensionDays { days: *days, max }));
                }
                if case.extension.is_some() {
                    return Err(self.refuse(Refusal::ExtensionUsed));
                }
                self.not_late(case.resolve.map(|d| d.due))?;
                one(EventKind::ExtensionRequested { days: *days, reason })
            }
            AppealCommand::DecideExtension { approve, days, note, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let Some(request) = case.extension.as_ref().filter(|e| e.decision.is_none()) else {
                    return Err(self.refuse(Refusal::NoPendingExtension));
                };
                if *approve {
                    let max = request.days.min(policy.extension_max_days);
                    if !(1..=max).contains(days) {
                        return Err(self.refuse(Refusal::ExtensionDays { days: *days, max }));
                    }
                    let note = self.optional("note", note)?;
                    let resolve = case.resolve.map(|d| d.shifted(*days, cal));
                    one(EventKind::ExtensionDecided { approved: true, days: *days, note, resolve })
                } else {
                    let note = self.required("note", note)?;
                    one(EventKind::ExtensionDecided { approved: false, days: 0, note, resolve: None })
                }
            }
            AppealCommand::Suspend { reason, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                self.not_late(case.resolve.map(|d| d.due))?;
                one(EventKind::Suspended { reason })
            }
            AppealCommand::Resume { note, .. } => {
                self.allow(&[Who::Roles(CENTRES), Who::Unit, Who::System])?;
                let note = self.optional("note", note)?;
                let since = case.suspension.as_ref().map_or(now, |s| s.since);
                let paused =
                    u32::try_from(cal.working_days_between(since.date(), now.date()).max(0)).unwrap_or(u32::MAX);
                let resolve = case.resolve.map(|d| d.shifted(paused, cal));
                one(EventKind::Resumed { note, paused_working_days: paused, resolve })
            }
            AppealCommand::Supervise { reason, note, .. } => {
                self.allow(&[Who::Roles(SUPERVISORS), Who::System])?;
                let note = if *reason == SupervisionReason::Manual {
                    self.required("note", note)?
                } else {
                    self.optional("note", note)?
                };
                Ok(vec![self.supervision(*reason, note)])
            }
            AppealCommand::Escalate { lead, supporting, reason, .. } => {
                self.allow(&[Who::Unit, Who::Roles(DISPATCHERS)])?;
                let reason = self.required("reason", reason)?;
                let Some(a) = &case.assignment else { return Err(self.refuse(Refusal::NoUnit)) };
                let from = a.unit.level;
                let Some(expected) = from.parent() else {
                    return Err(self.refuse(Refusal::TopLevel { level: from }));
                };
                if lead.level != expected {
                    return Err(self.refuse(Refusal::NotOneLevelUp { from, expected, got: lead.level }));
                }
                self.check_units("lead", lead, supporting)?;
                Ok(vec![
                    self.event(EventKind::Escalated { from_level: from, to_level: expected, reason: reason.clone() }),
                    self.dispatched(lead, supporting, reason, DispatchVia::Escalation),
                ])
            }
            AppealCommand::Merge { primary_id, reason, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                one(EventKind::Merged { primary_id: *primary_id, reason })
            }
            AppealCommand::Unmerge { reason, .. } => {
                self.allow(&[Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                let pending = policy.deadline(DeadlineKind::Dispatch, self.rule().dispatch, now, cal);
                one(EventKind::Unmerged { reason, pending })
            }
            AppealCommand::CloseWithPrimary { primary_id, result, .. } => {
                self.allow(&[Who::System, Who::Roles(CENTRES)])?;
                if let Some(expected) = case.merged_into
                    && expected != *primary_id
                {
                    return Err(self.refuse(Refusal::WrongPrimary { expected, got: *primary_id }));
                }
                let result = self.required("result", result)?;
                one(EventKind::ClosedWithPrimary { primary_id: *primary_id, result })
            }
            AppealCommand::TransferOut { to, note, .. } => {
                self.allow(&[Who::Roles(CENTRES), Who::Unit, Who::System])?;
                let note = self.optional("note", note)?;
                one(EventKind::TransferredOut { to: *to, note })
            }
            AppealCommand::HandOver { to, reason, .. } => {
                self.allow(&[Who::Owner, Who::Roles(CENTRES)])?;
                let reason = self.required("reason", reason)?;
                if to.is_empty() {
                    return Err(self.refuse(Refusal::Required { field: "to" }));
                }
                if case.owner() == Some(to) {
                    return Err(self.refuse(Refusal::SameOwner));
                }
                one(EventKind::HandedOver { to: to.clone(), reason })
            }
            AppealCommand::AddInformation { text, .. } => {
                self.allow(&[Who::Citizen, Who::System, Who::Roles(HANDLING_STAFF)])?;
                let text = self.required("text", text)?;
                one(EventKind::InformationAdded { text })
            }
        }
    }
}
