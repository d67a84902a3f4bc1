//! Liaison points (联系点): each city unit is paired with townships it helps. Its staff make
//! assistance visits (下沉帮扶调研) with a date, the people who went and what they found; each
//! problem found becomes a task for a responsible unit, tracked until solved.

use crate::FieldError;
use crate::calendar::WorkCalendar;
use crate::task::{NewTask, TaskInput};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

/// A visit as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitInput {
    #[serde(default)]
    pub visited_on: String,
    /// The people who went, separated by commas or spaces (、,,).
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub problems: Vec<TaskInput>,
}

/// A visit that can be recorded, its problems ready to become tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub people: Vec<String>,
    pub findings: String,
    pub problems: Vec<NewTask>,
}

impl NewVisit {
    /// Parse a visit recorded at `now` (China time); every error, with the problem row it is in.
    pub fn parse(input: &VisitInput, calendar: &WorkCalendar, now: NaiveDateTime) -> Result<NewVisit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let today = now.date();
        let visited_on = match NaiveDate::parse_from_str(input.visited_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errors.push(FieldError::new("visited_on", "走访日期不能晚于今天 / the visit cannot be in the future"));
                None
            }
            Ok(d) if d < today - chrono::Days::new(366) => {
                errors.push(FieldError::new("visited_on", "只能补录一年内的走访 / only visits of the past year"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new("visited_on", "请填写走访日期(年-月-日) / give the date (YYYY-MM-DD)"));
                None
            }
        };
        let people: Vec<String> = input
            .people
            .split([',', ',', '、', ' ', ' ', ';', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if people.is_empty() || people.len() > 30 || people.iter().any(|p| p.chars().count() > 20) {
            errors.push(FieldError::new(
                "people",
                "请填写参加人员(最多 30 人,每人不超过 20 字) / name the people who went (up to 30)",
            ));
        }
        let findings = input.findings.trim();
        if findings.chars().count() < 4 || findings.chars().count() > 4000 {
            errors.push(FieldError::new(
                "findings",
                "请写明调研情况(4 至 4000 字) / describe what was found (4 to 4000 characters)",
            ));
        }
        if input.problems.len() > 50 {
            errors.push(FieldError::new("problems", "一次走访最多登记 50 个问题 / at most 50 problems a visit"));
        }
        let mut problems = Vec::new();
        for (i, p) in input.problems.iter().enumerate().take(50) {
            match NewTask::parse(p, calendar, now, &format!("problems[{i}].")) {
                Ok(t) => problems.push(t),
                Err(e) => errors.extend(e),
            }
        }
        match visited_on {
            Some(visited_on) if errors.is_empty() => {
                Ok(NewVisit { visited_on, people, findings: findings.to_owned(), problems })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_names_its_people_and_every_bad_problem_row() {
        let cal = WorkCalendar::shipped();
        let now = NaiveDateTime::parse_from_str("2026-11-02 09:00", "%Y-%m-%d %H:%M").unwrap();
        let problem = |title: &str, owner: Option<i64>, days: Option<u32>| TaskInput {
            title: title.into(),
            owner_org_id: owner,
            working_days: days,
            ..Default::default()
        };
        let mut input = VisitInput {
            visited_on: "2026-10-30".into(),
            people: "张伟、李娜, 王强".into(),
            findings: "走访三个村,了解矛盾纠纷排查情况".into(),
            problems: vec![problem("村内道路破损", Some(5), Some(10)), problem("监控点位不足", None, Some(10))],
        };
        let errs = NewVisit::parse(&input, &cal, now).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["problems[1].owner_org_id"]);
        input.problems[1].owner_org_id = Some(6);
        let v = NewVisit::parse(&input, &cal, now).unwrap();
        assert_eq!(v.people, ["张伟", "李娜", "王强"]);
        assert_eq!(v.problems.len(), 2);
        input.visited_on = "2026-11-03".into();
        input.people = " ".into();
        let errs = NewVisit::parse(&input, &cal, now).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["visited_on", "people"]);
    }
}
