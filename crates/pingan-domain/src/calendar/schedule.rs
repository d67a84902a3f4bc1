//! The calendar's data: dated entries, the schedule file format and the shipped schedules.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The State Council schedules shipped with the binary (see the file for its format and sources).
pub const SHIPPED_SCHEDULE: &str = include_str!("../../data/holidays.txt");

/// The longest holiday block a schedule line may span. The longest so far is 9 days (春节 2026);
/// the cap turns a mistyped year or month into an error instead of months of holidays.
const MAX_RANGE_DAYS: i64 = 16;

/// One day that departs from the plain Monday–Friday rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub kind: DayKind,
}

impl DayEntry {
    pub fn holiday(date: NaiveDate, name: impl Into<String>) -> Self {
        DayEntry { date, kind: DayKind::Holiday { name: name.into() } }
    }

    pub fn makeup_workday(date: NaiveDate, name: impl Into<String>) -> Self {
        DayEntry { date, kind: DayKind::MakeupWorkday { name: name.into() } }
    }
}

/// What a listed day is. Either kind may sit on any weekday: an administrator cancels a shipped
/// holiday with a `MakeupWorkday` and a shipped make-up day with a `Holiday`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// 放假: a rest day of a statutory holiday block, weekend days inside the block included.
    Holiday { name: String },
    /// 调休上班: a weekend day worked to make a holiday block longer; `name` is that holiday.
    MakeupWorkday { name: String },
}

impl DayKind {
    /// The festival the day belongs to, e.g. `春节`.
    pub fn name(&self) -> &str {
        match self {
            DayKind::Holiday { name } | DayKind::MakeupWorkday { name } => name,
        }
    }

    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::MakeupWorkday { .. })
    }
}

/// A line of a schedule file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ScheduleError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// Reads a schedule in the format of `data/holidays.txt`: `#` comments, blank lines, and lines
/// `<date>[..<date>] holiday|workday <name>`. Every problem is reported with its line, and a
/// make-up workday on Monday–Friday is refused, as it is always a slip (the day works anyway).
pub fn parse_schedule(text: &str) -> Result<Vec<DayEntry>, ScheduleError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |message: String| ScheduleError { line, message };
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let mut fields = content.split_whitespace();
        let (Some(dates), Some(kind), Some(name), None) = (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(err(format!("expected `<date>[..<date>] holiday|workday <name>`, found `{content}`")));
        };
        let (first, last) = parse_range(dates).map_err(&err)?;
        for date in first.iter_days().take_while(|d| *d <= last) {
            let entry = match kind {
                "holiday" => DayEntry::holiday(date, name),
                "workday" if is_weekend(date) => DayEntry::makeup_workday(date, name),
                "workday" => {
                    return Err(err(format!("{date} is a {}, already a working day", date.weekday())));
                }
                other => return Err(err(format!("unknown kind `{other}`, expected `holiday` or `workday`"))),
            };
            entries.push(entry);
        }
    }
    Ok(entries)
}

fn parse_range(text: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("`{s}` is not a date (YYYY-MM-DD): {e}"))
    };
    let (first, last) = match text.split_once("..") {
        Some((a, b)) => (date(a)?, date(b)?),
        None => (date(text)?, date(text)?),
    };
    let span = (last - first).num_days() + 1;
    if span < 1 {
        return Err(format!("range `{text}` ends before it starts"));
    }
    if span > MAX_RANGE_DAYS {
        return Err(format!("range `{text}` spans {span} days, more than {MAX_RANGE_DAYS}"));
    }
    Ok((first, last))
}

pub(super) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}
