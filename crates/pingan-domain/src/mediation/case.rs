//! A mediation case: its states, the commands on it, the events they produce, and the fold.
//!
//! ```text
//!  registered 已受理 ──session──► mediating 调解中 ──agree──► agreed 调解成功 ──follow-up──► performed 已履行
//!      │  ▲                          │   │                    │  │ judicial confirmation 司法确认 (≤ 30 days)
//!      │  └──────escalate 上移────────┘   │ fail                │  └─ breach 违约 ──► reopen (back to mediating)
//!      │        (one level up,          ▼                      │                   or refer (other channels)
//!      │         history kept)       not_agreed 调解不成 (parties told litigation / arbitration / administrative)
//!      └──terminate──► terminated 终止 (withdrawn, or one party refuses)
//! ```
//!
//! Consent (自愿): no session is held and no agreement reached until both sides have consented.

use super::agreement::Agreement;
use super::party::{Party, PartySide};
use super::risk::{RiskAssessment, RiskFactors};
use super::{CaseSource, DisputeType, MediationLevel, OtherChannel};
use crate::appeal::ErrorClass;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediationState {
    /// 已受理: registered, waiting for its first session.
    Registered,
    /// 调解中
    Mediating,
    /// 调解成功: an agreement was reached (closed, successful).
    Agreed,
    /// 调解不成: closed; the parties were told the other channels.
    NotAgreed,
    /// 终止调解: withdrawn, or a party refused to go on (closed).
    Terminated,
}

impl MediationState {
    pub const ALL: [MediationState; 5] = [
        MediationState::Registered,
        MediationState::Mediating,
        MediationState::Agreed,
        MediationState::NotAgreed,
        MediationState::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediationState::Registered => "registered",
            MediationState::Mediating => "mediating",
            MediationState::Agreed => "agreed",
            MediationState::NotAgreed => "not_agreed",
            MediationState::Terminated => "terminated",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            MediationState::Registered => "已受理",
            MediationState::Mediating => "调解中",
            MediationState::Agreed => "调解成功",
            MediationState::NotAgreed => "调解不成",
            MediationState::Terminated => "终止调解",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            MediationState::Registered => "Registered",
            MediationState::Mediating => "Being mediated",
            MediationState::Agreed => "Agreement reached",
            MediationState::NotAgreed => "No agreement",
            MediationState::Terminated => "Terminated",
        }
    }

    pub fn parse(s: &str) -> Option<MediationState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still being mediated (counted apart from closed cases in the figures).
    pub fn is_open(self) -> bool {
        matches!(self, MediationState::Registered | MediationState::Mediating)
    }
}

/// Why a case was terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// 当事人撤回申请
    Withdrawn,
    /// 一方当事人明确拒绝继续调解
    PartyRefuses,
}

impl TerminationReason {
    pub fn zh(self) -> &'static str {
        match self {
            TerminationReason::Withdrawn => "当事人撤回申请",
            TerminationReason::PartyRefuses => "一方当事人拒绝继续调解",
        }
    }
}

/// Where judicial confirmation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Judicial {
    NotApplied,
    /// Applied to the court on this day; the court decides on acceptance within 3 days.
    Applied {
        on: NaiveDate,
    },
    Confirmed {
        on: NaiveDate,
    },
    Rejected {
        on: NaiveDate,
    },
}

/// How the parties are keeping the agreement, from the follow-up visits (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performance {
    /// 履行中 (or not yet visited)
    Pending,
    /// 已履行
    Performed,
    /// 未履行(违约)
    Breached,
}

/// A case as opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMediationCase {
    pub source: CaseSource,
    pub dispute_type: DisputeType,
    pub level: MediationLevel,
    pub body_id: i64,
    pub body_name: String,
    /// The appeal it came from (转调解).
    pub appeal_id: Option<i64>,
    /// The facts as first told.
    pub summary: String,
    /// 争议金额, in fen (分).
    pub amount_fen: Option<i64>,
    pub parties: Vec<Party>,
    /// Sides that consented when the case was opened.
    pub consents: Vec<PartySide>,
    pub risk: RiskFactors,
}

/// Everything that can happen to a case, as stored (append-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediationEvent {
    Opened { case: NewMediationCase, on: NaiveDate },
    ConsentRecorded { side: PartySide },
    MediatorAssigned { mediator_id: i64, mediator_name: String },
    SessionHeld { held_on: NaiveDate, place: String, attendees: String, record: String },
    RiskAssessed { factors: RiskFactors, assessment: RiskAssessment },
    Escalated { from_level: MediationLevel, to_level: MediationLevel, body_id: i64, body_name: String, reason: String },
    AgreementReached { agreement: Agreement, on: NaiveDate },
    NotAgreed { channels: Vec<OtherChannel>, reason: String, on: NaiveDate },
    Terminated { reason: TerminationReason, note: String, on: NaiveDate },
    JudicialApplied { on: NaiveDate },
    JudicialDecided { confirmed: bool, on: NaiveDate },
    FollowedUp { on: NaiveDate, performance: Performance, note: String },
    Reopened { reason: String },
    Referred { channel: OtherChannel, note: String },
}

/// What someone asks to do to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum MediationCommand {
    RecordConsent {
        side: PartySide,
    },
    AssignMediator {
        mediator_id: i64,
        mediator_name: String,
    },
    LogSession {
        held_on: NaiveDate,
        place: String,
        attendees: String,
        record: String,
    },
    AssessRisk {
        factors: RiskFactors,
    },
    /// Move to a body one level up; the store has checked the body's level and place.
    Escalate {
        to_level: MediationLevel,
        body_id: i64,
        body_name: String,
        reason: String,
    },
    ReachAgreement {
        agreement: Agreement,
    },
    RecordNoAgreement {
        channels: Vec<OtherChannel>,
        reason: String,
    },
    Terminate {
        reason: TerminationReason,
        note: String,
    },
    ApplyJudicial {
        on: NaiveDate,
    },
    DecideJudicial {
        confirmed: bool,
        on: NaiveDate,
    },
    FollowUp {
        on: NaiveDate,
        performance: Performance,
        note: String,
    },
    Reopen {
        reason: String,
    },
    Refer {
        channel: OtherChannel,
        note: String,
    },
}

impl MediationCommand {
    pub fn name(&self) -> &'static str {
        match self {
            MediationCommand::RecordConsent { .. } => "consent",
            MediationCommand::AssignMediator { .. } => "assign",
            MediationCommand::LogSession { .. } => "session",
            MediationCommand::AssessRisk { .. } => "risk",
            MediationCommand::Escalate { .. } => "escalate",
            MediationCommand::ReachAgreement { .. } => "agree",
            MediationCommand::RecordNoAgreement { .. } => "fail",
            MediationCommand::Terminate { .. } => "terminate",
            MediationCommand::ApplyJudicial { .. } => "judicial_apply",
            MediationCommand::DecideJudicial { .. } => "judicial_decide",
            MediationCommand::FollowUp { .. } => "follow_up",
            MediationCommand::Reopen { .. } => "reopen",
            MediationCommand::Refer { .. } => "refer",
        }
    }
}

/// One step of the case's way up the levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelStep {
    pub level: MediationLevel,
    pub body_id: i64,
    pub body_name: String,
}

/// The fold of a case's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationSnapshot {
    pub state: MediationState,
    pub source: CaseSource,
    pub dispute_type: DisputeType,
    pub appeal_id: Option<i64>,
    pub summary: String,
    pub amount_fen: Option<i64>,
    pub parties: Vec<Party>,
    pub consents: Vec<PartySide>,
    /// Where it is heard now, and every level before (the first is where it opened).
    pub levels: Vec<LevelStep>,
    pub mediator: Option<(i64, String)>,
    pub sessions: u32,
    pub risk_factors: RiskFactors,
    pub risk: RiskAssessment,
    pub opened_on: NaiveDate,
    /// When it closed (agreement, failure or termination); cleared by a reopening.
    pub closed_on: Option<NaiveDate>,
    /// The level where an agreement was reached.
    pub resolved_level: Option<MediationLevel>,
    pub agreement: Option<Agreement>,
    pub judicial: Judicial,
    pub performance: Performance,
    pub channels: Vec<OtherChannel>,
    pub referred: Option<OtherChannel>,
    pub termination: Option<TerminationReason>,
}

impl MediationSnapshot {
    pub fn level(&self) -> MediationLevel {
        self.levels.last().map_or(MediationLevel::Village, |s| s.level)
    }

    pub fn body_id(&self) -> i64 {
        self.levels.last().map_or(0, |s| s.body_id)
    }

    pub fn has_consent(&self, side: PartySide) -> bool {
        self.consents.contains(&side)
    }
}

/// Why a command was refused, with the status class the web layer answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediationError {
    pub class: ErrorClass,
    /// The field at fault, when one is.
    pub field: Option<&'static str>,
    pub message: String,
}

impl MediationError {
    fn conflict(message: impl Into<String>) -> Self {
        MediationError { class: ErrorClass::Conflict, field: None, message: message.into() }
    }

    fn bad(field: &'static str, message: impl Into<String>) -> Self {
        MediationError { class: ErrorClass::BadRequest, field: Some(field), message: message.into() }
    }

    fn wrong_state(command: &MediationCommand, state: MediationState) -> Self {
        Self::conflict(format!(
            "案件当前为“{}”,不能进行此操作 / the case is {}: '{}' is not possible now",
            state.zh(),
            state.as_str(),
            command.name()
        ))
    }
}

impl std::fmt::Display for MediationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

const MAX_TEXT: usize = 5000;

fn required(field: &'static str, value: &str) -> Result<(), MediationError> {
    let n = value.trim().chars().count();
    if n == 0 {
        Err(MediationError::bad(field, format!("请填写 {field} / {field} is required")))
    } else if n > MAX_TEXT {
        Err(MediationError::bad(field, format!("不超过 {MAX_TEXT} 字 / at most {MAX_TEXT} characters")))
    } else {
        Ok(())
    }
}

fn both_consented(s: &MediationSnapshot) -> Result<(), MediationError> {
    for side in [PartySide::Applicant, PartySide::Respondent] {
        if !s.has_consent(side) {
            return Err(MediationError::conflict(format!(
                "{}尚未同意调解:人民调解须双方自愿 / the {} has not consented; mediation needs both sides' consent",
                side.zh(),
                side.as_str()
            )));
        }
    }
    Ok(())
}

/// The opening event of a new case: checked for consent-independent facts only (a case may be
/// registered before the respondent has agreed to mediate).
pub fn open(case: NewMediationCase, today: NaiveDate) -> Result<MediationEvent, MediationError> {
    required("summary", &case.summary)?;
    if case.amount_fen.is_some_and(|a| a < 0) {
        return Err(MediationError::bad("amount", "争议金额不能为负 / the amount in dispute cannot be negative"));
    }
    Ok(MediationEvent::Opened { case, on: today })
}

/// What `command` means for a case in `s` on `today`: the events to store, or why not.
pub fn decide(
    s: &MediationSnapshot,
    command: &MediationCommand,
    today: NaiveDate,
) -> Result<Vec<MediationEvent>, MediationError> {
    use MediationCommand as C;
    use MediationState as S;
    let open = s.state.is_open();
    let event = match command {
        C::RecordConsent { side } if open => {
            if s.has_consent(*side) {
                return Err(MediationError::conflict(format!("{}已同意调解 / already consented", side.zh())));
            }
            MediationEvent::ConsentRecorded { side: *side }
        }
        C::AssignMediator { mediator_id, mediator_name } if open => {
            if s.mediator.as_ref().is_some_and(|(id, _)| id == mediator_id) {
                return Err(MediationError::conflict("该调解员已在承办此案 / this mediator already has the case"));
            }
            MediationEvent::MediatorAssigned { mediator_id: *mediator_id, mediator_name: mediator_name.clone() }
        }
        C::LogSession { held_on, place, attendees, record } if open => {
            both_consented(s)?;
            if s.mediator.is_none() {
                return Err(MediationError::conflict("请先指派调解员 / assign a mediator first"));
            }
            if *held_on > today || *held_on < s.opened_on {
                return Err(MediationError::bad(
                    "held_on",
                    "调解日期须在受理之日与今天之间 / the session date must lie between registration and today",
                ));
            }
            required("place", place)?;
            required("attendees", attendees)?;
            required("record", record)?;
            MediationEvent::SessionHeld {
                held_on: *held_on,
                place: place.trim().into(),
                attendees: attendees.trim().into(),
                record: record.trim().into(),
            }
        }
        C::AssessRisk { factors } if open => {
            // Earlier disputes between the same parties or at the same place are a fact found
            // when the case opened, not an opinion a reassessment can drop.
            let factors =
                RiskFactors { earlier_cases: factors.earlier_cases.max(s.risk_factors.earlier_cases), ..*factors };
            MediationEvent::RiskAssessed { factors, assessment: factors.assess() }
        }
        C::Escalate { to_level, body_id, body_name, reason } if open => {
            let Some(next) = s.level().above() else {
                return Err(MediationError::conflict(
                    "已在县级调处,不能再上移 / the case is already at county level, the highest",
                ));
            };
            if *to_level != next {
                return Err(MediationError::bad(
                    "body_id",
                    format!(
                        "只能上移到{}一级的调解组织 / escalation goes one level up, to {}",
                        next.zh(),
                        next.as_str()
                    ),
                ));
            }
            required("reason", reason)?;
            MediationEvent::Escalated {
                from_level: s.level(),
                to_level: *to_level,
                body_id: *body_id,
                body_name: body_name.clone(),
                reason: reason.trim().into(),
            }
        }
        C::ReachAgreement { agreement } if s.state == S::Mediating => {
            both_consented(s)?;
            if agreement.effective < s.opened_on {
                return Err(MediationError::bad(
                    "effective",
                    "协议生效日期不能早于受理日期 / the agreement cannot predate the case",
                ));
            }
            MediationEvent::AgreementReached { agreement: agreement.clone(), on: today }
        }
        C::RecordNoAgreement { channels, reason } if s.state == S::Mediating => {
            if channels.is_empty() {
                return Err(MediationError::bad(
                    "channels",
                    "须告知当事人可通过诉讼、仲裁或行政途径解决 / name the channels the parties were told of",
                ));
            }
            required("reason", reason)?;
            MediationEvent::NotAgreed { channels: channels.clone(), reason: reason.trim().into(), on: today }
        }
        C::Terminate { reason, note } if open => {
            required("note", note)?;
            MediationEvent::Terminated { reason: *reason, note: note.trim().into(), on: today }
        }
        C::ApplyJudicial { on } if s.state == S::Agreed && s.judicial == Judicial::NotApplied => {
            let Some(a) = &s.agreement else { return Err(MediationError::wrong_state(command, s.state)) };
            if *on > today || *on < a.effective {
                return Err(MediationError::bad(
                    "on",
                    "申请日期须在协议生效之日与今天之间 / the application date must lie between the agreement's effect and today",
                ));
            }
            let end = a.judicial_window_end();
            if *on > end {
                return Err(MediationError::conflict(format!(
                    "司法确认须在协议生效之日起 30 日内申请(截止 {end}) / judicial confirmation must be applied for within 30 days of the agreement taking effect (by {end})"
                )));
            }
            MediationEvent::JudicialApplied { on: *on }
        }
        C::DecideJudicial { confirmed, on } if matches!(s.judicial, Judicial::Applied { .. }) => {
            let Judicial::Applied { on: applied } = s.judicial else { unreachable!("matched above") };
            if *on < applied || *on > today {
                return Err(MediationError::bad(
                    "on",
                    "裁定日期须在申请之日与今天之间 / the decision date must lie between the application and today",
                ));
            }
            MediationEvent::JudicialDecided { confirmed: *confirmed, on: *on }
        }
        C::FollowUp { on, performance, note } if s.state == S::Agreed && s.performance == Performance::Pending => {
            let effective = s.agreement.as_ref().map_or(s.opened_on, |a| a.effective);
            if *on > today || *on < effective {
                return Err(MediationError::bad(
                    "on",
                    "回访日期须在协议生效之日与今天之间 / the visit date must lie between the agreement's effect and today",
                ));
            }
            required("note", note)?;
            MediationEvent::FollowedUp { on: *on, performance: *performance, note: note.trim().into() }
        }
        C::Reopen { reason }
            if s.state == S::Agreed && s.performance == Performance::Breached && s.referred.is_none() =>
        {
            if matches!(s.judicial, Judicial::Confirmed { .. }) {
                return Err(MediationError::conflict(
                    "协议已经司法确认,违约应申请法院强制执行 / a judicially confirmed agreement is enforced by the court: refer the case",
                ));
            }
            required("reason", reason)?;
            MediationEvent::Reopened { reason: reason.trim().into() }
        }
        C::Refer { channel, note }
            if s.state == S::Agreed && s.performance == Performance::Breached && s.referred.is_none() =>
        {
            required("note", note)?;
            MediationEvent::Referred { channel: *channel, note: note.trim().into() }
        }
        _ => return Err(MediationError::wrong_state(command, s.state)),
    };
    Ok(vec![event])
}

/// The snapshot a case's first event makes.
pub fn opened(event: &MediationEvent) -> Option<MediationSnapshot> {
    let MediationEvent::Opened { case, on } = event else { return None };
    Some(MediationSnapshot {
        state: MediationState::Registered,
        source: case.source,
        dispute_type: case.dispute_type,
        appeal_id: case.appeal_id,
        summary: case.summary.clone(),
        amount_fen: case.amount_fen,
        parties: case.parties.clone(),
        consents: case.consents.clone(),
        levels: vec![LevelStep { level: case.level, body_id: case.body_id, body_name: case.body_name.clone() }],
        mediator: None,
        sessions: 0,
        risk_factors: case.risk,
        risk: case.risk.assess(),
        opened_on: *on,
        closed_on: None,
        resolved_level: None,
        agreement: None,
        judicial: Judicial::NotApplied,
        performance: Performance::Pending,
        channels: Vec::new(),
        referred: None,
        termination: None,
    })
}

/// Fold one event into the snapshot.
pub fn apply(s: &mut MediationSnapshot, event: &MediationEvent) {
    use MediationEvent as E;
    match event {
        E::Opened { .. } => {}
        E::ConsentRecorded { side } => s.consents.push(*side),
        E::MediatorAssigned { mediator_id, mediator_name } => s.mediator = Some((*mediator_id, mediator_name.clone())),
        E::SessionHeld { .. } => {
            s.sessions += 1;
            s.state = MediationState::Mediating;
        }
        E::RiskAssessed { factors, assessment } => {
            s.risk_factors = *factors;
            s.risk = assessment.clone();
        }
        E::Escalated { to_level, body_id, body_name, .. } => {
            s.levels.push(LevelStep { level: *to_level, body_id: *body_id, body_name: body_name.clone() });
            // The new body assigns its own mediator and holds its own first session.
            s.mediator = None;
            s.state = MediationState::Registered;
        }
        E::AgreementReached { agreement, on } => {
            s.state = MediationState::Agreed;
            s.agreement = Some(agreement.clone());
            s.closed_on = Some(*on);
            s.resolved_level = Some(s.level());
            s.judicial = Judicial::NotApplied;
            s.performance = Performance::Pending;
        }
        E::NotAgreed { channels, on, .. } => {
            s.state = MediationState::NotAgreed;
            s.channels = channels.clone();
            s.closed_on = Some(*on);
        }
        E::Terminated { reason, on, .. } => {
            s.state = MediationState::Terminated;
            s.termination = Some(*reason);
            s.closed_on = Some(*on);
        }
        E::JudicialApplied { on } => s.judicial = Judicial::Applied { on: *on },
        E::JudicialDecided { confirmed, on } => {
            s.judicial = if *confirmed { Judicial::Confirmed { on: *on } } else { Judicial::Rejected { on: *on } }
        }
        E::FollowedUp { performance, .. } => s.performance = *performance,
        E::Reopened { .. } => {
            s.state = MediationState::Mediating;
            s.agreement = None;
            s.closed_on = None;
            s.resolved_level = None;
            s.performance = Performance::Pending;
            s.judicial = Judicial::NotApplied;
        }
        E::Referred { channel, .. } => s.referred = Some(*channel),
    }
}

/// Rebuild a case from its events (the first must be `Opened`).
pub fn replay<'a>(events: impl IntoIterator<Item = &'a MediationEvent>) -> Option<MediationSnapshot> {
    let mut events = events.into_iter();
    let mut s = opened(events.next()?)?;
    for e in events {
        apply(&mut s, e);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediation::agreement::AgreementForm;
    use crate::mediation::party::PartyKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn party(side: PartySide, name: &str) -> Party {
        Party { side, kind: PartyKind::Person, name: name.into(), id_number: None, phone: None, address: String::new() }
    }

    fn new_case(consents: Vec<PartySide>) -> MediationSnapshot {
        let case = NewMediationCase {
            source: CaseSource::Appeal,
            dispute_type: DisputeType::Neighbour,
            level: MediationLevel::Village,
            body_id: 10,
            body_name: "天衢苑社区人民调解委员会".into(),
            appeal_id: Some(7),
            summary: "院墙排水纠纷".into(),
            amount_fen: Some(120_000),
            parties: vec![party(PartySide::Applicant, "张三"), party(PartySide::Respondent, "李四")],
            consents,
            risk: RiskFactors::default(),
        };
        opened(&open(case, d("2026-11-02")).unwrap()).unwrap()
    }

    fn run(s: &mut MediationSnapshot, c: MediationCommand, today: &str) -> Result<(), MediationError> {
        for e in decide(s, &c, d(today))? {
            apply(s, &e);
        }
        Ok(())
    }

    fn session(on: &str) -> MediationCommand {
        MediationCommand::LogSession {
            held_on: d(on),
            place: "社区调解室".into(),
            attendees: "张三、李四、调解员王五".into(),
            record: "双方陈述意见".into(),
        }
    }

    fn agreement(effective: &str) -> Agreement {
        Agreement {
            form: AgreementForm::Written,
            facts: "排水沟堵塞".into(),
            terms: "李四疏通排水沟".into(),
            performance_manner: "自行施工".into(),
            performance_due: d("2026-12-31"),
            effective: d(effective),
        }
    }

    fn assign() -> MediationCommand {
        MediationCommand::AssignMediator { mediator_id: 3, mediator_name: "王五".into() }
    }

    #[test]
    fn no_session_without_both_consents_and_a_mediator() {
        let mut s = new_case(vec![PartySide::Applicant]);
        run(&mut s, assign(), "2026-11-03").unwrap();
        let err = run(&mut s, session("2026-11-03"), "2026-11-03").unwrap_err();
        assert_eq!(err.class, ErrorClass::Conflict);
        assert!(err.message.contains("被申请人"), "{}", err.message);
        run(&mut s, MediationCommand::RecordConsent { side: PartySide::Respondent }, "2026-11-03").unwrap();
        run(&mut s, session("2026-11-03"), "2026-11-03").unwrap();
        assert_eq!(s.state, MediationState::Mediating);
        let mut unassigned = new_case(vec![PartySide::Applicant, PartySide::Respondent]);
        assert!(run(&mut unassigned, session("2026-11-03"), "2026-11-03").is_err());
    }

    #[test]
    fn escalation_climbs_one_level_keeps_history_and_records_where_it_was_resolved() {
        let mut s = new_case(vec![PartySide::Applicant, PartySide::Respondent]);
        run(&mut s, assign(), "2026-11-03").unwrap();
        run(&mut s, session("2026-11-03"), "2026-11-03").unwrap();
        let to_county = MediationCommand::Escalate {
            to_level: MediationLevel::County,
            body_id: 30,
            body_name: "县调处中心".into(),
            reason: "村级调解未果".into(),
        };
        assert_eq!(run(&mut s, to_county, "2026-11-04").unwrap_err().field, Some("body_id"));
        let up = MediationCommand::Escalate {
            to_level: MediationLevel::Township,
            body_id: 20,
            body_name: "新湖街道人民调解委员会".into(),
            reason: "村级调解未果".into(),
        };
        run(&mut s, up, "2026-11-04").unwrap();
        assert_eq!(s.state, MediationState::Registered);
        assert_eq!(s.levels.len(), 2);
        assert_eq!(s.levels[0].level, MediationLevel::Village);
        assert!(s.mediator.is_none(), "the township assigns its own mediator");
        run(&mut s, assign(), "2026-11-05").unwrap();
        run(&mut s, session("2026-11-05"), "2026-11-05").unwrap();
        run(&mut s, MediationCommand::ReachAgreement { agreement: agreement("2026-11-05") }, "2026-11-05").unwrap();
        assert_eq!(s.state, MediationState::Agreed);
        assert_eq!(s.resolved_level, Some(MediationLevel::Township));
        assert_eq!(s.sessions, 2);
    }

    #[test]
    fn the_judicial_window_is_thirty_days_from_effect() {
        let mut s = new_case(vec![PartySide::Applicant, PartySide::Respondent]);
        run(&mut s, assign(), "2026-11-03").unwrap();
        run(&mut s, session("2026-11-03"), "2026-11-03").unwrap();
        run(&mut s, MediationCommand::ReachAgreement { agreement: agreement("2026-11-03") }, "2026-11-03").unwrap();
        let late = run(&mut s, MediationCommand::ApplyJudicial { on: d("2026-12-04") }, "2026-12-10").unwrap_err();
        assert_eq!(late.class, ErrorClass::Conflict);
        assert!(late.message.contains("2026-12-03"), "{}", late.message);
        run(&mut s, MediationCommand::ApplyJudicial { on: d("2026-12-03") }, "2026-12-10").unwrap();
        run(&mut s, MediationCommand::DecideJudicial { confirmed: true, on: d("2026-12-05") }, "2026-12-10").unwrap();
        assert_eq!(s.judicial, Judicial::Confirmed { on: d("2026-12-05") });
    }

    #[test]
    fn a_breach_reopens_unless_confirmed_by_a_court_and_closed_cases_refuse_work() {
        let mut s = new_case(vec![PartySide::Applicant, PartySide::Respondent]);
        run(&mut s, assign(), "2026-11-03").unwrap();
        run(&mut s, session("2026-11-03"), "2026-11-03").unwrap();
        run(&mut s, MediationCommand::ReachAgreement { agreement: agreement("2026-11-03") }, "2026-11-03").unwrap();
        assert!(run(&mut s, session("2026-11-04"), "2026-11-04").is_err(), "an agreed case holds no sessions");
        let breach = MediationCommand::FollowUp {
            on: d("2026-12-31"),
            performance: Performance::Breached,
            note: "未疏通".into(),
        };
        run(&mut s, breach, "2027-01-02").unwrap();
        run(&mut s, MediationCommand::Reopen { reason: "李四未履行".into() }, "2027-01-02").unwrap();
        assert_eq!(s.state, MediationState::Mediating);
        assert!(s.agreement.is_none() && s.closed_on.is_none() && s.resolved_level.is_none());
        let fail = MediationCommand::RecordNoAgreement { channels: vec![], reason: "分歧较大".into() };
        assert_eq!(run(&mut s, fail, "2027-01-03").unwrap_err().field, Some("channels"));
        let fail = MediationCommand::RecordNoAgreement {
            channels: vec![OtherChannel::Litigation],
            reason: "分歧较大".into(),
        };
        run(&mut s, fail, "2027-01-03").unwrap();
        assert_eq!(s.state, MediationState::NotAgreed);
        assert_eq!(s.closed_on, Some(d("2027-01-03")));
    }

    #[test]
    fn replaying_the_events_gives_the_same_case() {
        let mut s = new_case(vec![PartySide::Applicant]);
        let mut events = vec![
            open(
                NewMediationCase {
                    source: s.source,
                    dispute_type: s.dispute_type,
                    level: s.level(),
                    body_id: s.body_id(),
                    body_name: s.levels[0].body_name.clone(),
                    appeal_id: s.appeal_id,
                    summary: s.summary.clone(),
                    amount_fen: s.amount_fen,
                    parties: s.parties.clone(),
                    consents: s.consents.clone(),
                    risk: s.risk_factors,
                },
                d("2026-11-02"),
            )
            .unwrap(),
        ];
        for c in [MediationCommand::RecordConsent { side: PartySide::Respondent }, assign(), session("2026-11-03")] {
            for e in decide(&s, &c, d("2026-11-03")).unwrap() {
                apply(&mut s, &e);
                events.push(e);
            }
        }
        let json = serde_json::to_string(&events).unwrap();
        let back: Vec<MediationEvent> = serde_json::from_str(&json).unwrap();
        assert_eq!(replay(&back), Some(s));
    }
}
