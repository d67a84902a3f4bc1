//! One unit's way through a 平安单位 campaign, as an explicit state machine (`decide` →
//! events → `apply`, as appeals and mediation cases are):
//!
//! 申报 (drafting) → 自评 item by item → submitted → 主管部门审核 (accept, or return with
//! comments for another round) → 验收: the inspection team scores each item, then concludes →
//! 达标: 公示 until the objection period ends → 授牌; 不达标 / 取消资格: not passed.
//!
//! Confirmed negative and veto events are part of the scorecard at any time: before the
//! conclusion they count when it is computed; after it they re-score, and a result that is no
//! longer 达标 ends the 公示 or revokes the title, with the reason on record.

use super::incident::ListKind;
use super::scoring::{Assessment, Outcome, ScoreResult, score};
use super::template::{Severity, UnitTemplate};
use crate::appeal::ErrorClass;
use crate::mediation::MediationError as Refusal;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// 自评中: applied; the unit scores itself item by item.
    Drafting,
    /// 待审核: submitted to the competent department.
    Submitted,
    /// 已退回: returned with comments; the unit revises and submits again.
    Returned,
    /// 待验收: accepted by the department; the inspection team scores on site.
    Accepted,
    /// 公示中: passed; objections may be raised until the period ends.
    Publicised,
    /// 已授牌
    Awarded,
    /// 未通过: 不达标, 取消资格, or an objection upheld.
    NotPassed,
    /// 已撤销: the title was withdrawn after the award.
    Revoked,
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 8] = [
        ApplicationState::Drafting,
        ApplicationState::Submitted,
        ApplicationState::Returned,
        ApplicationState::Accepted,
        ApplicationState::Publicised,
        ApplicationState::Awarded,
        ApplicationState::NotPassed,
        ApplicationState::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Drafting => "drafting",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Returned => "returned",
            ApplicationState::Accepted => "accepted",
            ApplicationState::Publicised => "publicised",
            ApplicationState::Awarded => "awarded",
            ApplicationState::NotPassed => "not_passed",
            ApplicationState::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicationState> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ApplicationState::Drafting => "自评中",
            ApplicationState::Submitted => "待审核",
            ApplicationState::Returned => "已退回",
            ApplicationState::Accepted => "待验收",
            ApplicationState::Publicised => "公示中",
            ApplicationState::Awarded => "已授牌",
            ApplicationState::NotPassed => "未通过",
            ApplicationState::Revoked => "已撤销",
        }
    }

    /// The unit may still change its self-assessment.
    pub fn unit_edits(self) -> bool {
        matches!(self, ApplicationState::Drafting | ApplicationState::Returned)
    }
}

/// Points given to one task, with the scorer's note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    pub points: u32,
    #[serde(default)]
    pub note: String,
}

/// The department's decision on a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub accepted: bool,
    pub comment: String,
    pub on: NaiveDate,
    pub by: String,
}

/// A confirmed negative or veto event on the scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedEvent {
    pub proposal_id: i64,
    pub list: ListKind,
    pub code: String,
    pub severity: Severity,
    pub summary: String,
    pub on: NaiveDate,
}

/// An objection raised during the 公示.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub text: String,
    pub by: String,
    pub on: NaiveDate,
    /// `Some((upheld, reason))` once the office has decided.
    pub decision: Option<(bool, String)>,
}

/// Why a title or a passed result ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    pub on: NaiveDate,
    pub reason: String,
}

/// The fold of an application's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub state: ApplicationState,
    pub self_scores: BTreeMap<String, ItemScore>,
    pub reviews: Vec<Review>,
    pub inspection: BTreeMap<String, ItemScore>,
    pub team: Option<String>,
    pub inspected_on: Option<NaiveDate>,
    pub confirmed: Vec<ConfirmedEvent>,
    pub result: Option<ScoreResult>,
    pub notice_until: Option<NaiveDate>,
    pub objections: Vec<Objection>,
    pub awarded_on: Option<NaiveDate>,
    /// Set when the result stopped being 达标 after the conclusion.
    pub ended: Option<Ending>,
}

impl Application {
    pub fn new() -> Application {
        Application {
            state: ApplicationState::Drafting,
            self_scores: BTreeMap::new(),
            reviews: Vec::new(),
            inspection: BTreeMap::new(),
            team: None,
            inspected_on: None,
            confirmed: Vec::new(),
            result: None,
            notice_until: None,
            objections: Vec::new(),
            awarded_on: None,
            ended: None,
        }
    }

    /// The self-assessment's total (what the unit claims).
    pub fn self_total(&self) -> u32 {
        self.self_scores.values().map(|s| s.points).sum()
    }

    /// The scorecard as it stands: inspection scores and the confirmed events.
    pub fn assessment(&self) -> Assessment {
        Assessment {
            scores: self.inspection.iter().map(|(k, v)| (k.clone(), v.points)).collect(),
            negative: self
                .confirmed
                .iter()
                .filter(|e| e.list == ListKind::Negative)
                .map(|e| (e.code.clone(), e.severity))
                .collect(),
            vetoes: self.confirmed.iter().filter(|e| e.list == ListKind::Veto).map(|e| e.code.clone()).collect(),
        }
    }

    fn open_objections(&self) -> usize {
        self.objections.iter().filter(|o| o.decision.is_none()).count()
    }
}

impl Default for Application {
    fn default() -> Self {
        Application::new()
    }
}

/// How the acting account stands to this application. Administrators hold every relation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// The unit's own contact (单位联络员).
    pub unit: bool,
    /// Staff of the industry's competent department at the unit's county or the city.
    pub department: bool,
    /// The 平安办 (the 党委政法委 of the county or city), which concludes and awards.
    pub office: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ApplicationCommand {
    /// The unit scores one task of its self-assessment.
    SelfScore { task: String, points: u32, note: String },
    /// The unit submits; the store says which tasks have evidence files.
    Submit {
        #[serde(default)]
        evidence_tasks: BTreeSet<String>,
    },
    /// The department accepts or returns a submission.
    Review { accept: bool, comment: String },
    /// The inspection team scores one task on site.
    Inspect { task: String, points: u32, note: String },
    /// The team concludes: the result is computed; a pass goes to 公示 until `notice_until`.
    Conclude {
        team: String,
        #[serde(default)]
        notice_until: Option<NaiveDate>,
    },
    /// Anyone who may read it objects during the 公示.
    Object { text: String },
    /// The office decides the objection at `index`.
    ResolveObjection { index: usize, upheld: bool, reason: String },
    /// The office awards the title once the period has ended without open objections.
    Award,
    /// A reviewer confirmed a proposal (the store checks the proposal and the item). Never
    /// read from a request: only a proposal's confirmation issues it.
    #[serde(skip_deserializing)]
    ConfirmEvent { proposal_id: i64, list: ListKind, code: String, severity: Severity, summary: String },
}

impl ApplicationCommand {
    pub fn name(&self) -> &'static str {
        match self {
            ApplicationCommand::SelfScore { .. } => "self_score",
            ApplicationCommand::Submit { .. } => "submit",
            ApplicationCommand::Review { .. } => "review",
            ApplicationCommand::Inspect { .. } => "inspect",
            ApplicationCommand::Conclude { .. } => "conclude",
            ApplicationCommand::Object { .. } => "object",
            ApplicationCommand::ResolveObjection { .. } => "resolve_objection",
            ApplicationCommand::Award => "award",
            ApplicationCommand::ConfirmEvent { .. } => "confirm_event",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ApplicationEvent {
    SelfScored { task: String, score: ItemScore },
    Submitted,
    Reviewed { review: Review },
    Inspected { task: String, score: ItemScore },
    Concluded { team: String, on: NaiveDate, result: ScoreResult, notice_until: Option<NaiveDate> },
    ObjectionRaised { objection: Objection },
    ObjectionResolved { index: usize, upheld: bool, reason: String, on: NaiveDate },
    Awarded { on: NaiveDate },
    EventConfirmed { event: ConfirmedEvent },
    Rescored { result: ScoreResult },
    Ended { state: ApplicationState, ending: Ending },
}

const MAX_TEXT: usize = 2000;

fn conflict(message: impl Into<String>) -> Refusal {
    Refusal { class: ErrorClass::Conflict, field: None, message: message.into() }
}

fn bad(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { class: ErrorClass::BadRequest, field: Some(field), message: message.into() }
}

fn forbidden(who: &str) -> Refusal {
    Refusal {
        class: ErrorClass::Forbidden,
        field: None,
        message: format!("此操作由{who}进行 / this is for the {}", who_en(who)),
    }
}

fn who_en(who: &str) -> &'static str {
    match who {
        "申报单位" => "applying unit",
        "主管部门" => "competent department",
        "验收组" => "inspection team",
        _ => "平安办 (the safe-creation office)",
    }
}

fn text(field: &'static str, s: &str, required: bool) -> Result<String, Refusal> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(bad(field, "请填写内容 / this cannot be empty"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(bad(field, format!("不超过 {MAX_TEXT} 字 / at most {MAX_TEXT} characters")));
    }
    Ok(t.to_owned())
}

fn item(t: &UnitTemplate, field: &'static str, task: &str, points: u32, note: &str) -> Result<ItemScore, Refusal> {
    let Some(spec) = t.task(task) else {
        return Err(bad(field, format!("评分表没有任务 {task} / no task {task}")));
    };
    if points > spec.max {
        return Err(bad(
            "points",
            format!(
                "「{}」最高 {} 分,不能给 {points} 分 / at most {} points, not {points}",
                spec.name, spec.max, spec.max
            ),
        ));
    }
    Ok(ItemScore { points, note: text("note", note, false)? })
}

/// What happens to `a` when `actor` (named `by`, standing in `rel`) gives `command` on `today`.
pub fn decide(
    a: &Application,
    t: &UnitTemplate,
    rel: Relation,
    by: &str,
    command: &ApplicationCommand,
    today: NaiveDate,
) -> Result<Vec<ApplicationEvent>, Refusal> {
    use ApplicationCommand as C;
    use ApplicationEvent as E;
    use ApplicationState as S;
    let wrong_state = || {
        conflict(format!(
            "申报当前为“{}”,不能进行此操作 / the application is {}: '{}' is not possible now",
            a.state.zh(),
            a.state.as_str(),
            command.name()
        ))
    };
    match command {
        C::SelfScore { task, points, note } => {
            if !rel.unit {
                return Err(forbidden("申报单位"));
            }
            if !a.state.unit_edits() {
                return Err(wrong_state());
            }
            Ok(vec![E::SelfScored { task: task.clone(), score: item(t, "task", task, *points, note)? }])
        }
        C::Submit { evidence_tasks } => {
            if !rel.unit {
                return Err(forbidden("申报单位"));
            }
            if !a.state.unit_edits() {
                return Err(wrong_state());
            }
            let missing: Vec<&str> =
                t.tasks().filter(|x| !a.self_scores.contains_key(&x.code)).map(|x| x.code.as_str()).collect();
            if !missing.is_empty() {
                return Err(bad(
                    "self_scores",
                    format!("还有 {} 项未自评:{} / tasks not self-assessed yet", missing.len(), missing.join("、")),
                ));
            }
            let no_file: Vec<String> = t
                .tasks()
                .filter(|x| x.evidence_required && !evidence_tasks.contains(&x.code))
                .map(|x| format!("{} {}", x.code, x.name))
                .collect();
            if !no_file.is_empty() {
                return Err(bad(
                    "evidence",
                    format!("以下任务须上传佐证材料:{} / these tasks need an evidence file", no_file.join("、")),
                ));
            }
            Ok(vec![E::Submitted])
        }
        C::Review { accept, comment } => {
            if !rel.department {
                return Err(forbidden("主管部门"));
            }
            if a.state != S::Submitted {
                return Err(wrong_state());
            }
            // A return must say what to change.
            let comment = text("comment", comment, !accept)?;
            Ok(vec![E::Reviewed { review: Review { accepted: *accept, comment, on: today, by: by.to_owned() } }])
        }
        C::Inspect { task, points, note } => {
            if !(rel.department || rel.office) {
                return Err(forbidden("验收组"));
            }
            if a.state != S::Accepted {
                return Err(wrong_state());
            }
            Ok(vec![E::Inspected { task: task.clone(), score: item(t, "task", task, *points, note)? }])
        }
        C::Conclude { team, notice_until } => {
            if !(rel.department || rel.office) {
                return Err(forbidden("验收组"));
            }
            if a.state != S::Accepted {
                return Err(wrong_state());
            }
            let team = text("team", team, true)?;
            let missing: Vec<&str> =
                t.tasks().filter(|x| !a.inspection.contains_key(&x.code)).map(|x| x.code.as_str()).collect();
            if !missing.is_empty() {
                return Err(bad(
                    "inspection",
                    format!(
                        "还有 {} 项未验收评分:{} / tasks not scored on site yet",
                        missing.len(),
                        missing.join("、")
                    ),
                ));
            }
            let result = score(t, &a.assessment())
                .map_err(|e| conflict(e.into_iter().map(|e| e.message).collect::<Vec<_>>().join(";")))?;
            let notice_until = match (result.outcome, notice_until) {
                (Outcome::Passed, Some(d)) if *d > today => Some(*d),
                (Outcome::Passed, _) => {
                    return Err(bad(
                        "notice_until",
                        "公示须有截止日期,且晚于今天 / the notice needs an end after today",
                    ));
                }
                _ => None,
            };
            Ok(vec![E::Concluded { team, on: today, result, notice_until }])
        }
        C::Object { text: body } => {
            if a.state != S::Publicised || a.notice_until.is_some_and(|d| today > d) {
                return Err(conflict("不在公示期内,不能提出异议 / objections are taken only during the notice period"));
            }
            let body = text("text", body, true)?;
            Ok(vec![E::ObjectionRaised {
                objection: Objection { text: body, by: by.to_owned(), on: today, decision: None },
            }])
        }
        C::ResolveObjection { index, upheld, reason } => {
            if !rel.office {
                return Err(forbidden("平安办"));
            }
            if a.state != S::Publicised {
                return Err(wrong_state());
            }
            match a.objections.get(*index) {
                None => return Err(bad("index", "没有这条异议 / no such objection")),
                Some(o) if o.decision.is_some() => return Err(conflict("这条异议已处理 / this objection was decided")),
                Some(_) => {}
            }
            let reason = text("reason", reason, true)?;
            let mut events =
                vec![E::ObjectionResolved { index: *index, upheld: *upheld, reason: reason.clone(), on: today }];
            if *upheld {
                events.push(E::Ended {
                    state: S::NotPassed,
                    ending: Ending { on: today, reason: format!("公示异议成立:{reason}") },
                });
            }
            Ok(events)
        }
        C::Award => {
            if !rel.office {
                return Err(forbidden("平安办"));
            }
            if a.state != S::Publicised {
                return Err(wrong_state());
            }
            if let Some(until) = a.notice_until
                && today <= until
            {
                return Err(conflict(format!(
                    "公示期至 {until} 结束,之后才能授牌 / the notice period runs to {until}"
                )));
            }
            if a.open_objections() > 0 {
                return Err(conflict("还有未处理的异议 / objections are still open"));
            }
            Ok(vec![E::Awarded { on: today }])
        }
        C::ConfirmEvent { proposal_id, list, code, severity, summary } => {
            if !(rel.department || rel.office) {
                return Err(forbidden("主管部门"));
            }
            if matches!(a.state, S::NotPassed | S::Revoked) {
                return Err(wrong_state());
            }
            if a.confirmed.iter().any(|e| e.proposal_id == *proposal_id) {
                return Err(conflict("这条事件已确认 / this event was confirmed already"));
            }
            let known = match list {
                ListKind::Negative => t.negative.iter().any(|n| n.code == *code),
                ListKind::Veto => t.veto.iter().any(|v| v.code == *code),
            };
            if !known {
                return Err(bad("code", format!("{}没有 {code} / the list has no item {code}", list.zh())));
            }
            let event = ConfirmedEvent {
                proposal_id: *proposal_id,
                list: *list,
                code: code.clone(),
                severity: *severity,
                summary: text("summary", summary, true)?,
                on: today,
            };
            let mut events = vec![E::EventConfirmed { event: event.clone() }];
            if a.result.is_some() {
                let mut after = a.clone();
                after.confirmed.push(event.clone());
                let result = score(t, &after.assessment())
                    .map_err(|e| conflict(e.into_iter().map(|e| e.message).collect::<Vec<_>>().join(";")))?;
                let outcome = result.outcome;
                events.push(E::Rescored { result });
                let item_name = match list {
                    ListKind::Negative => t.negative.iter().find(|n| n.code == *code).map(|n| n.name.as_str()),
                    ListKind::Veto => t.veto.iter().find(|v| v.code == *code).map(|v| v.name.as_str()),
                }
                .unwrap_or_default();
                let reason = match outcome {
                    Outcome::Disqualified => format!("一票否决:{item_name}({})", event.summary),
                    _ => format!("{}({})扣分后低于达标线", item_name, event.summary),
                };
                let ending = Ending { on: today, reason };
                match (a.state, outcome) {
                    (_, Outcome::Passed) => {}
                    (S::Awarded, _) => events.push(E::Ended { state: S::Revoked, ending }),
                    (S::Publicised, _) => events.push(E::Ended { state: S::NotPassed, ending }),
                    _ => {}
                }
            }
            Ok(events)
        }
    }
}

/// Fold one event into the application.
pub fn apply(a: &mut Application, e: &ApplicationEvent) {
    use ApplicationEvent as E;
    use ApplicationState as S;
    match e {
        E::SelfScored { task, score } => {
            a.self_scores.insert(task.clone(), score.clone());
        }
        E::Submitted => a.state = S::Submitted,
        E::Reviewed { review } => {
            a.state = if review.accepted { S::Accepted } else { S::Returned };
            a.reviews.push(review.clone());
        }
        E::Inspected { task, score } => {
            a.inspection.insert(task.clone(), score.clone());
        }
        E::Concluded { team, on, result, notice_until } => {
            a.team = Some(team.clone());
            a.inspected_on = Some(*on);
            a.state = if result.outcome == Outcome::Passed { S::Publicised } else { S::NotPassed };
            a.result = Some(result.clone());
            a.notice_until = *notice_until;
        }
        E::ObjectionRaised { objection } => a.objections.push(objection.clone()),
        E::ObjectionResolved { index, upheld, reason, .. } => {
            if let Some(o) = a.objections.get_mut(*index) {
                o.decision = Some((*upheld, reason.clone()));
            }
        }
        E::Awarded { on } => {
            a.state = S::Awarded;
            a.awarded_on = Some(*on);
        }
        E::EventConfirmed { event } => a.confirmed.push(event.clone()),
        E::Rescored { result } => a.result = Some(result.clone()),
        E::Ended { state, ending } => {
            a.state = *state;
            a.ended = Some(ending.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: Relation = Relation { unit: true, department: false, office: false };
    const DEPT: Relation = Relation { unit: false, department: true, office: false };
    const OFFICE: Relation = Relation { unit: false, department: false, office: true };

    #[test]
    fn a_request_cannot_confirm_an_event_directly() {
        let award: ApplicationCommand = serde_json::from_value(serde_json::json!({"action": "award"})).unwrap();
        assert_eq!(award, ApplicationCommand::Award);
        let forged = serde_json::json!({"action": "confirm_event", "proposal_id": 1, "list": "veto", "code": "V1",
                                        "severity": "major", "summary": "x"});
        assert!(serde_json::from_value::<ApplicationCommand>(forged).is_err());
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    fn run(a: &mut Application, t: &UnitTemplate, rel: Relation, c: ApplicationCommand, today: NaiveDate) {
        let events = decide(a, t, rel, "tester", &c, today).unwrap_or_else(|e| panic!("{}: {}", c.name(), e.message));
        for e in &events {
            apply(a, e);
        }
    }

    fn refused(a: &Application, t: &UnitTemplate, rel: Relation, c: ApplicationCommand) -> Refusal {
        decide(a, t, rel, "tester", &c, day(10)).expect_err("refused")
    }

    /// Every task at its maximum, less `short` points taken from the first tasks.
    fn score_all(a: &mut Application, t: &UnitTemplate, inspect: bool, short: u32) {
        let mut short = short;
        for task in t.tasks() {
            let cut = short.min(task.max);
            short -= cut;
            let points = task.max - cut;
            let (task, note) = (task.code.clone(), String::new());
            let c = if inspect {
                ApplicationCommand::Inspect { task, points, note }
            } else {
                ApplicationCommand::SelfScore { task, points, note }
            };
            run(a, t, if inspect { DEPT } else { UNIT }, c, day(10));
        }
    }

    fn evidence(t: &UnitTemplate) -> BTreeSet<String> {
        t.tasks().filter(|x| x.evidence_required).map(|x| x.code.clone()).collect()
    }

    fn confirm(id: i64, list: ListKind, code: &str, severity: Severity) -> ApplicationCommand {
        ApplicationCommand::ConfirmEvent {
            proposal_id: id, list, code: code.into(), severity, summary: "事件".into()
        }
    }

    #[test]
    fn a_unit_goes_from_application_to_award_and_a_veto_revokes_it() {
        let t = UnitTemplate::safe_unit_default();
        let mut a = Application::new();
        score_all(&mut a, &t, false, 0);
        assert_eq!(a.self_total(), 100);
        // Evidence is required where the template says so.
        let err = refused(&a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: BTreeSet::new() });
        assert_eq!(err.field, Some("evidence"));
        run(&mut a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) }, day(10));
        // A return needs a comment; then the unit revises and submits again.
        let err = refused(&a, &t, DEPT, ApplicationCommand::Review { accept: false, comment: " ".into() });
        assert_eq!(err.field, Some("comment"));
        run(&mut a, &t, DEPT, ApplicationCommand::Review { accept: false, comment: "补充演练记录".into() }, day(11));
        assert_eq!(a.state, ApplicationState::Returned);
        run(&mut a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) }, day(12));
        run(&mut a, &t, DEPT, ApplicationCommand::Review { accept: true, comment: String::new() }, day(12));
        assert_eq!(a.state, ApplicationState::Accepted);

        // On site: 88 points, then a confirmed 一般 fire (2 points) before the conclusion.
        score_all(&mut a, &t, true, 12);
        run(&mut a, &t, DEPT, confirm(1, ListKind::Negative, "N09", Severity::Ordinary), day(13));
        let conclude = ApplicationCommand::Conclude { team: "验收组甲".into(), notice_until: Some(day(20)) };
        run(&mut a, &t, OFFICE, conclude, day(14));
        let r = a.result.clone().unwrap();
        assert_eq!((r.points, r.deducted, r.total, r.outcome), (88, 2, 86, Outcome::Passed));
        assert_eq!(a.state, ApplicationState::Publicised);

        // No award before the notice ends, nor with an open objection.
        let err = decide(&a, &t, OFFICE, "x", &ApplicationCommand::Award, day(20)).unwrap_err();
        assert_eq!(err.class, ErrorClass::Conflict);
        run(&mut a, &t, Relation::default(), ApplicationCommand::Object { text: "门卫常年无人".into() }, day(15));
        let err = decide(&a, &t, OFFICE, "x", &ApplicationCommand::Award, day(21)).unwrap_err();
        assert!(err.message.contains("异议"), "{}", err.message);
        let resolve =
            ApplicationCommand::ResolveObjection { index: 0, upheld: false, reason: "经核实已整改".into() };
        run(&mut a, &t, OFFICE, resolve, day(16));
        assert_eq!(refused(&a, &t, DEPT, ApplicationCommand::Award).class, ErrorClass::Forbidden);
        run(&mut a, &t, OFFICE, ApplicationCommand::Award, day(21));
        assert_eq!((a.state, a.awarded_on), (ApplicationState::Awarded, Some(day(21))));

        // A later 一般 negative event re-scores without revoking; a veto revokes with its reason.
        run(&mut a, &t, DEPT, confirm(2, ListKind::Negative, "N10", Severity::Ordinary), day(25));
        assert_eq!((a.result.as_ref().unwrap().total, a.state), (84, ApplicationState::Awarded));
        let err = refused(&a, &t, DEPT, confirm(2, ListKind::Negative, "N10", Severity::Ordinary));
        assert_eq!(err.class, ErrorClass::Conflict, "the same proposal confirms once");
        run(&mut a, &t, OFFICE, confirm(3, ListKind::Veto, "V1", Severity::Major), day(26));
        assert_eq!(a.state, ApplicationState::Revoked);
        assert_eq!(a.result.as_ref().unwrap().outcome, Outcome::Disqualified);
        let ended = a.ended.clone().unwrap();
        assert_eq!(ended.on, day(26));
        assert!(ended.reason.starts_with("一票否决:发生重大刑事案件或群体性事件"), "{}", ended.reason);
    }

    #[test]
    fn deductions_below_the_pass_mark_end_the_notice() {
        let t = UnitTemplate::safe_unit_default();
        let mut a = Application::new();
        score_all(&mut a, &t, false, 0);
        run(&mut a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) }, day(10));
        run(&mut a, &t, DEPT, ApplicationCommand::Review { accept: true, comment: String::new() }, day(10));
        score_all(&mut a, &t, true, 5); // 95
        run(&mut a, &t, DEPT, ApplicationCommand::Conclude { team: "甲".into(), notice_until: Some(day(20)) }, day(11));
        run(&mut a, &t, DEPT, confirm(7, ListKind::Negative, "N09", Severity::Extraordinary), day(12)); // −20
        assert_eq!(a.state, ApplicationState::NotPassed);
        assert_eq!(a.result.as_ref().unwrap().total, 75);
        assert!(a.ended.as_ref().unwrap().reason.contains("低于达标线"));
    }

    #[test]
    fn each_party_does_only_its_part_and_bad_scores_are_refused() {
        let t = UnitTemplate::safe_unit_default();
        let mut a = Application::new();
        let over = ApplicationCommand::SelfScore { task: "P1.1".into(), points: 6, note: String::new() };
        let err = refused(&a, &t, UNIT, over.clone());
        assert_eq!((err.class, err.field), (ErrorClass::BadRequest, Some("points")));
        assert!(err.message.contains("最高 5 分"), "{}", err.message);
        assert_eq!(refused(&a, &t, DEPT, over).class, ErrorClass::Forbidden);
        let unknown = ApplicationCommand::SelfScore { task: "P9.9".into(), points: 1, note: String::new() };
        assert_eq!(refused(&a, &t, UNIT, unknown).field, Some("task"));
        let err = refused(&a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) });
        assert!(err.message.contains("21 项未自评"), "{}", err.message);
        assert_eq!(
            refused(&a, &t, DEPT, ApplicationCommand::Review { accept: true, comment: String::new() }).class,
            ErrorClass::Conflict
        );
        score_all(&mut a, &t, false, 0);
        run(&mut a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) }, day(10));
        // Submitted: the unit can no longer change its scores.
        let again = ApplicationCommand::SelfScore { task: "P1.1".into(), points: 1, note: String::new() };
        assert_eq!(refused(&a, &t, UNIT, again).class, ErrorClass::Conflict);
        assert_eq!(
            refused(&a, &t, UNIT, ApplicationCommand::Review { accept: true, comment: String::new() }).class,
            ErrorClass::Forbidden
        );
        assert_eq!(refused(&a, &t, DEPT, confirm(1, ListKind::Veto, "V9", Severity::Major)).field, Some("code"));
    }

    #[test]
    fn a_veto_before_the_conclusion_disqualifies_whatever_the_points() {
        let t = UnitTemplate::safe_unit_default();
        let mut a = Application::new();
        score_all(&mut a, &t, false, 0);
        run(&mut a, &t, UNIT, ApplicationCommand::Submit { evidence_tasks: evidence(&t) }, day(10));
        run(&mut a, &t, DEPT, ApplicationCommand::Review { accept: true, comment: String::new() }, day(10));
        run(&mut a, &t, DEPT, confirm(1, ListKind::Veto, "V2", Severity::Major), day(10));
        score_all(&mut a, &t, true, 0);
        run(&mut a, &t, DEPT, ApplicationCommand::Conclude { team: "甲".into(), notice_until: None }, day(11));
        assert_eq!((a.state, a.result.unwrap().outcome), (ApplicationState::NotPassed, Outcome::Disqualified));
    }
}
