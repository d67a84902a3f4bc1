//! The PRC statutory working-day calendar (工作日历) for time limits, warnings and rates.
//!
//! A day is a working day when it is Monday to Friday and not a statutory holiday, or when it
//! is a make-up working day (调休上班) that the State Council moved onto a weekend. Each year's
//! schedule is published by the State Council, usually in November, so the calendar is data:
//! the schedules we ship (`data/holidays.txt`) plus administrators' overrides from the store.
//! A year without a schedule falls back to plain Monday–Friday, which [`WorkCalendar::is_known`]
//! and [`WorkCalendar::missing_year_warning`] make visible.
//!
//! All dates and times here are China local time (UTC+8, no daylight saving); the rest of the
//! system stores Unix milliseconds, converted with [`to_china`] and [`from_china`].
//!
//! Deadlines follow DOMAIN §8: the start day is not counted, and a deadline in working days is
//! the end ([`END_OF_DAY`]) of the n-th working day after it, so a limit never ends on a holiday.

mod hours;
mod schedule;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};

pub use hours::{InvalidWorkingHours, WorkingHours};
use schedule::is_weekend;
pub use schedule::{DayEntry, DayKind, SHIPPED_SCHEDULE, ScheduleError, parse_schedule};

/// China's offset from UTC, in milliseconds (UTC+8 all year).
pub const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

/// The last millisecond of a day: when a limit "within n working days" runs out. Chosen over
/// midnight of the following day so that the deadline still carries the date it falls on.
pub const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_milli_opt(23, 59, 59, 999) {
    Some(t) => t,
    None => panic!("23:59:59.999 is a time of day"),
};

/// The instant `ms` (Unix milliseconds, UTC) as China local time. Saturates outside chrono's
/// range (about ±262,000 years), which no stored instant reaches.
pub fn to_china(ms: i64) -> NaiveDateTime {
    match DateTime::from_timestamp_millis(ms.saturating_add(CHINA_OFFSET_MS)) {
        Some(utc) => utc.naive_utc(),
        None if ms < 0 => NaiveDateTime::MIN,
        None => NaiveDateTime::MAX,
    }
}

/// China local time as Unix milliseconds (UTC).
pub fn from_china(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_millis() - CHINA_OFFSET_MS
}

/// The entries shipped in `data/holidays.txt`, parsed on first use. The file is compiled in and
/// parsed by a unit test, so a failure here is a build defect, not a runtime condition.
static SHIPPED: LazyLock<Vec<DayEntry>> =
    LazyLock::new(|| parse_schedule(SHIPPED_SCHEDULE).expect("data/holidays.txt is checked by the calendar tests"));

/// Working days and hours on the PRC calendar with 调休 (make-up working days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Every day that departs from the Monday–Friday rule.
    days: BTreeMap<NaiveDate, DayKind>,
    /// Years with at least one entry: those whose schedule has been entered.
    known_years: BTreeSet<i32>,
    hours: WorkingHours,
}

impl WorkCalendar {
    /// A calendar of the given days and the default [`WorkingHours`]. When a date appears twice
    /// the later entry wins. A year becomes known once any of its days is listed; a published
    /// schedule always lists 元旦, so a complete year is never mistaken for a missing one.
    pub fn from_entries(entries: impl IntoIterator<Item = DayEntry>) -> Self {
        WorkCalendar { days: BTreeMap::new(), known_years: BTreeSet::new(), hours: WorkingHours::default() }
            .with_overrides(entries)
    }

    /// The official schedules shipped with Pingan (2025 and 2026).
    pub fn shipped() -> Self {
        Self::from_entries(SHIPPED.iter().cloned())
    }

    /// This calendar with administrators' entries laid over it: an entry for a date replaces
    /// whatever was there, and its year becomes known.
    pub fn with_overrides(mut self, overrides: impl IntoIterator<Item = DayEntry>) -> Self {
        for DayEntry { date, kind } in overrides {
            self.known_years.insert(date.year());
            self.days.insert(date, kind);
        }
        self
    }

    pub fn with_working_hours(mut self, hours: WorkingHours) -> Self {
        self.hours = hours;
        self
    }

    pub fn working_hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The years whose schedule has been entered, ascending.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.known_years.iter().copied()
    }

    /// Whether `year`'s schedule is known; if not, its days follow plain Monday–Friday.
    pub fn is_known(&self, year: i32) -> bool {
        self.known_years.contains(&year)
    }

    /// Every listed day in date order, for an administrator's view of the calendar.
    pub fn entries(&self) -> impl Iterator<Item = (NaiveDate, &DayKind)> + '_ {
        self.days.iter().map(|(date, kind)| (*date, kind))
    }

    /// The listed entry for `date`, if it departs from the Monday–Friday rule.
    pub fn day(&self, date: NaiveDate) -> Option<&DayKind> {
        self.days.get(&date)
    }

    /// A message (Chinese, then English) for administrators when a schedule that deadlines
    /// depend on is missing: this year's at any time, next year's from November on, since the
    /// State Council publishes it around then and cases filed in December already run into it.
    pub fn missing_year_warning(&self, today: NaiveDate) -> Option<String> {
        let year = today.year();
        let mut messages = Vec::new();
        if !self.is_known(year) {
            messages.push(format!(
                "{year}年的法定节假日安排尚未录入，期限暂按周一至周五计算。\
                 / The {year} statutory holiday schedule is missing; deadlines count Monday to Friday until it is entered."
            ));
        }
        if today.month() >= 11 && !self.is_known(year + 1) {
            let next = year + 1;
            messages.push(format!(
                "{next}年的法定节假日安排尚未录入，国务院办公厅发布通知后请及时录入。\
                 / The {next} statutory holiday schedule is missing; enter it once the State Council publishes it."
            ));
        }
        (!messages.is_empty()).then(|| messages.join("\n"))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(kind) => kind.is_working(),
            None => !is_weekend(date),
        }
    }

    /// The holiday `date` is a rest day of, e.g. `春节`; `None` for ordinary weekends, working
    /// days and make-up working days.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        match self.days.get(&date) {
            Some(DayKind::Holiday { name }) => Some(name),
            _ => None,
        }
    }

    /// The first working day strictly after `date` (saturating at chrono's last date).
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.next_working_day_opt(date).unwrap_or(NaiveDate::MAX)
    }

    /// The last working day strictly before `date` (saturating at chrono's first date).
    pub fn previous_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        while let Some(prev) = day.pred_opt() {
            if self.is_working_day(prev) {
                return prev;
            }
            day = prev;
        }
        NaiveDate::MIN
    }

    /// The deadline of a limit of `n` working days starting at `start`: the end of the n-th
    /// working day after the start day. The start day itself never counts, whatever the time of
    /// day, so only `start`'s date matters. `n = 0` means "today": the end of the start day if it
    /// is a working day, else of the next working day (then the same as `n = 1`).
    pub fn add_working_days(&self, start: NaiveDateTime, n: u32) -> NaiveDateTime {
        let date = start.date();
        let day = match n {
            0 if self.is_working_day(date) => Some(date),
            0 => self.next_working_day_opt(date),
            n => self.nth_working_day_after(date, n),
        };
        day.map_or(NaiveDateTime::MAX, |d| d.and_time(END_OF_DAY))
    }

    /// The working days after `a` up to and including `b`; negative when `b` is before `a`.
    /// So `working_days_between(filed, answered) <= 2` reads "answered within 2 working days".
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        // Monday–Friday in closed form, then only the listed days in between are corrected,
        // so a span of years costs a few map lookups, not a walk over every day.
        let plain = weekday_index(b) - weekday_index(a);
        let listed: i64 = self
            .days
            .range((Excluded(a), Included(b)))
            .map(|(date, kind)| match (kind.is_working(), is_weekend(*date)) {
                (true, true) => 1,
                (false, false) => -1,
                _ => 0,
            })
            .sum();
        plain + listed
    }

    /// When the yellow card (黄牌预警) shows: the same clock time on the working day before the
    /// deadline's date, i.e. with one working day left.
    pub fn warning_time(&self, deadline: NaiveDateTime) -> NaiveDateTime {
        self.previous_working_day(deadline.date()).and_time(deadline.time())
    }

    fn next_working_day_opt(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.nth_working_day_after(date, 1)
    }

    /// The n-th working day strictly after `date` (`n >= 1`); `None` past chrono's last date.
    fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let last_listed = self.days.last_key_value().map(|(d, _)| *d);
        let mut day = date;
        let mut remaining = u64::from(n);
        while remaining > 0 {
            if last_listed.is_none_or(|last| day >= last) {
                // Past every listed day the week is plain: any 7 consecutive days hold exactly
                // 5 working days, so whole weeks are skipped at once.
                let weeks = (remaining - 1) / 5;
                day = day.checked_add_days(Days::new(weeks * 7))?;
                remaining -= weeks * 5;
                while remaining > 0 {
                    day = day.succ_opt()?;
                    if !is_weekend(day) {
                        remaining -= 1;
                    }
                }
                return Some(day);
            }
            day = day.succ_opt()?;
            if self.is_working_day(day) {
                remaining -= 1;
            }
        }
        Some(day)
    }
}

impl Default for WorkCalendar {
    fn default() -> Self {
        Self::shipped()
    }
}

/// A running count of Monday–Friday days: `weekday_index(b) - weekday_index(a)` is the number
/// of them in `(a, b]`. Weeks are numbered from any fixed Monday (whichever chrono's day count
/// puts at a multiple of 7), which cancels out in the difference.
fn weekday_index(date: NaiveDate) -> i64 {
    let weekday = i64::from(date.weekday().num_days_from_monday());
    let week = (i64::from(date.num_days_from_ce()) - weekday).div_euclid(7);
    week * 5 + (weekday + 1).min(5)
}
