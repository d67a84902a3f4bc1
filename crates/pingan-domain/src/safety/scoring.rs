//! A unit's scorecard against a template: the points of each positive task, the confirmed
//! negative events with their severity, and any veto event.

use super::template::{Severity, UnitTemplate};
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the reviewers entered and confirmed for one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Task code → points given.
    pub scores: BTreeMap<String, u32>,
    /// Confirmed negative events: (item code, severity). Nothing deducts until confirmed.
    pub negative: Vec<(String, Severity)>,
    /// Confirmed veto events (item codes).
    pub vetoes: Vec<String>,
}

/// 达标 / 不达标 / 取消资格.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Disqualified,
}

impl Outcome {
    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Passed => "达标",
            Outcome::Failed => "不达标",
            Outcome::Disqualified => "取消资格",
        }
    }
}

/// The result of scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreResult {
    /// Points of the positive list.
    pub points: u32,
    /// Deducted by confirmed negative events.
    pub deducted: u32,
    /// Points less deductions, never below zero.
    pub total: u32,
    pub outcome: Outcome,
    /// Tasks not scored yet (counted as 0).
    pub unscored: Vec<String>,
}

/// Score `a` against template `t`. A score above its task's maximum, or a code the template does
/// not have, is refused by field (`scores.P1.1`, `negative[0]`, `vetoes[1]`).
pub fn score(t: &UnitTemplate, a: &Assessment) -> Result<ScoreResult, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (code, points) in &a.scores {
        match t.task(code) {
            None => errors.push(FieldError::new(format!("scores.{code}"), format!("没有任务 {code} / no task {code}"))),
            Some(task) if *points > task.max => errors.push(FieldError::new(
                format!("scores.{code}"),
                format!(
                    "「{}」最高 {} 分,不能给 {points} 分 / at most {} points, not {points}",
                    task.name, task.max, task.max
                ),
            )),
            Some(_) => {}
        }
    }
    let mut deducted: u32 = 0;
    for (i, (code, severity)) in a.negative.iter().enumerate() {
        match t.negative.iter().find(|n| &n.code == code) {
            Some(n) => deducted = deducted.saturating_add(n.deductions[severity.index()]),
            None => errors.push(FieldError::new(
                format!("negative[{i}]"),
                format!("负面清单没有 {code} / no negative item {code}"),
            )),
        }
    }
    for (i, code) in a.vetoes.iter().enumerate() {
        if !t.veto.iter().any(|v| &v.code == code) {
            errors.push(FieldError::new(format!("vetoes[{i}]"), format!("否决清单没有 {code} / no veto item {code}")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let points: u32 = a.scores.values().sum();
    let total = points.saturating_sub(deducted);
    let outcome = if !a.vetoes.is_empty() {
        Outcome::Disqualified
    } else if total >= t.pass {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    let unscored = t.tasks().filter(|task| !a.scores.contains_key(&task.code)).map(|task| task.code.clone()).collect();
    Ok(ScoreResult { points, deducted, total, outcome, unscored })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every task at its maximum but `short` points fewer on P1.1.
    fn full(short: u32) -> Assessment {
        let t = UnitTemplate::safe_unit_default();
        let mut scores: BTreeMap<String, u32> = t.tasks().map(|task| (task.code.clone(), task.max)).collect();
        *scores.get_mut("P1.1").unwrap() -= short;
        Assessment { scores, ..Assessment::default() }
    }

    #[test]
    fn points_less_deductions_against_the_pass_mark() {
        let t = UnitTemplate::safe_unit_default();
        let r = score(&t, &full(0)).unwrap();
        assert_eq!((r.points, r.deducted, r.total, r.outcome), (100, 0, 100, Outcome::Passed));
        // A major fire (10) and an ordinary theft (2): 88, still a pass.
        let mut a = full(0);
        a.negative = vec![("N09".into(), Severity::Major), ("N01".into(), Severity::Ordinary)];
        let r = score(&t, &a).unwrap();
        assert_eq!((r.deducted, r.total, r.outcome), (12, 88, Outcome::Passed));
        // 5 fewer points and an extraordinary event (20): 75 < 80.
        let mut a = full(5);
        a.negative = vec![("N10".into(), Severity::Extraordinary)];
        let r = score(&t, &a).unwrap();
        assert_eq!((r.points, r.total, r.outcome), (95, 75, Outcome::Failed));
        // Exactly the pass mark passes.
        let mut a = full(0);
        a.negative = vec![("N10".into(), Severity::Extraordinary)];
        assert_eq!(score(&t, &a).unwrap().outcome, Outcome::Passed);
        // A veto disqualifies whatever the points.
        let mut a = full(0);
        a.vetoes = vec!["V2".into()];
        assert_eq!(score(&t, &a).unwrap().outcome, Outcome::Disqualified);
        // Deductions never take the total below zero.
        let a = Assessment { negative: vec![("N01".into(), Severity::Extraordinary)], ..Assessment::default() };
        let r = score(&t, &a).unwrap();
        assert_eq!((r.total, r.outcome, r.unscored.len()), (0, Outcome::Failed, 21));
    }

    #[test]
    fn a_score_beyond_its_maximum_or_an_unknown_code_is_refused() {
        let t = UnitTemplate::safe_unit_default();
        let mut a = full(0);
        a.scores.insert("P3.1".into(), 9); // at most 8
        a.scores.insert("P9.9".into(), 1);
        a.negative = vec![("N99".into(), Severity::Ordinary)];
        a.vetoes = vec!["V9".into()];
        let fields: Vec<String> = score(&t, &a).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["scores.P3.1", "scores.P9.9", "negative[0]", "vetoes[0]"]);
    }
}
