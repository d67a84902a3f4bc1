//! 红色物业: a property company's quarterly service rating, shown to residents, from the
//! D-category appeals (物业服务, 小区设施维修, 小区停车; DOMAIN §4) placed in the community it
//! serves. The rating is transparent: a score out of 100 with each deduction and its reason.
//! *(configurable default: the weights below are this project's, not a published norm.)*

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The appeal categories a property company answers for.
pub const PROPERTY_CATEGORIES: [&str; 3] = ["D01", "D02", "D03"];

/// What a quarter's appeals say about a company.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuarterAppeals {
    /// Households of the community served (complaints are counted per 100 of them).
    pub households: i64,
    pub appeals: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub callbacks: i64,
    pub satisfied: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyGrade {
    /// 优秀 (≥ 90)
    Excellent,
    /// 良好 (≥ 80)
    Good,
    /// 合格 (≥ 60)
    Fair,
    /// 待改进
    Poor,
}

impl PropertyGrade {
    pub fn zh(self) -> &'static str {
        match self {
            PropertyGrade::Excellent => "优秀",
            PropertyGrade::Good => "良好",
            PropertyGrade::Fair => "合格",
            PropertyGrade::Poor => "待改进",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyRating {
    pub score: i64,
    pub grade: PropertyGrade,
    pub grade_zh: &'static str,
    /// Each deduction, in words, with its points.
    pub reasons: Vec<String>,
}

/// Rate a quarter: 100, less up to 30 for complaints per 100 households (5 a complaint per
/// 100 households), up to 30 for dissatisfied callbacks, up to 20 for cases closed late, and up
/// to 20 for cases still open (2 each).
pub fn rate(q: &QuarterAppeals) -> PropertyRating {
    let mut score = 100;
    let mut reasons = Vec::new();
    let mut deduct = |points: i64, why: String| {
        if points > 0 {
            score -= points;
            reasons.push(format!("{why}:扣 {points} 分"));
        }
    };
    let per_hundred = q.appeals as f64 * 100.0 / q.households.max(1) as f64;
    deduct(
        ((per_hundred * 5.0).round() as i64).min(30),
        format!("物业类诉求 {} 件(每百户 {per_hundred:.1} 件)", q.appeals),
    );
    if q.callbacks > 0 {
        let unhappy = 1.0 - q.satisfied as f64 / q.callbacks as f64;
        deduct((unhappy * 30.0).round() as i64, format!("回访满意 {}/{}", q.satisfied, q.callbacks));
    }
    if q.closed > 0 {
        let late = 1.0 - q.closed_on_time as f64 / q.closed as f64;
        deduct((late * 20.0).round() as i64, format!("按期办结 {}/{}", q.closed_on_time, q.closed));
    }
    let open = (q.appeals - q.closed).max(0);
    deduct((open * 2).min(20), format!("未办结 {open} 件"));
    let score = score.max(0);
    let grade = match score {
        90.. => PropertyGrade::Excellent,
        80..=89 => PropertyGrade::Good,
        60..=79 => PropertyGrade::Fair,
        _ => PropertyGrade::Poor,
    };
    PropertyRating { score, grade, grade_zh: grade.zh(), reasons }
}

/// The quarter (1–4) `date` falls in.
pub fn quarter_of(date: NaiveDate) -> u32 {
    date.month0() / 3 + 1
}

/// The first day of the quarter and of the next one.
pub fn quarter_bounds(year: i32, quarter: u32) -> Option<(NaiveDate, NaiveDate)> {
    if !(1..=4).contains(&quarter) {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)?;
    let end = if quarter == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1)?
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_quarter_is_excellent_and_each_deduction_is_named() {
        let quiet = rate(&QuarterAppeals { households: 400, ..Default::default() });
        assert_eq!((quiet.score, quiet.grade, quiet.reasons.len()), (100, PropertyGrade::Excellent, 0));
        let busy = rate(&QuarterAppeals {
            households: 400,
            appeals: 8,
            closed: 6,
            closed_on_time: 3,
            callbacks: 6,
            satisfied: 3,
        });
        // 2 per 100 households: −10; half satisfied: −15; half late: −10; 2 open: −4.
        assert_eq!((busy.score, busy.grade), (61, PropertyGrade::Fair), "{:?}", busy.reasons);
        assert_eq!(busy.reasons.len(), 4);
        assert!(busy.reasons[0].contains("每百户 2.0 件") && busy.reasons[0].contains("扣 10 分"));
        let worst = rate(&QuarterAppeals { households: 10, appeals: 50, ..Default::default() });
        assert_eq!((worst.score, worst.grade), (50, PropertyGrade::Poor));
    }

    #[test]
    fn quarters_run_three_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(quarter_of(d(2026, 11, 29)), 4);
        assert_eq!(quarter_bounds(2026, 4), Some((d(2026, 10, 1), d(2027, 1, 1))));
        assert_eq!(quarter_bounds(2026, 2), Some((d(2026, 4, 1), d(2026, 7, 1))));
        assert_eq!(quarter_bounds(2026, 5), None);
    }
}
