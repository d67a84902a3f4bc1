//! Working hours (工作时间) and limits counted in them, such as Beijing's 1- and 2-hour dispatch limits.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::WorkCalendar;

/// The two daily working periods of a working day, each a half-open interval `[start, end)`.
///
/// The default, 08:30–12:00 and 13:30–17:30 (7.5 hours), is the usual winter timetable of
/// Shandong's government offices; cities shift the afternoon in summer, hence configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WorkingHoursRaw", into = "WorkingHoursRaw")]
pub struct WorkingHours {
    morning: (NaiveTime, NaiveTime),
    afternoon: (NaiveTime, NaiveTime),
}

/// A timetable whose periods are empty, reversed or overlapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("工作时间无效: {0} / invalid working hours: {0}")]
pub struct InvalidWorkingHours(String);

impl WorkingHours {
    /// Checks that each period ends after it starts and the morning ends before the afternoon begins.
    pub fn new(
        morning: (NaiveTime, NaiveTime),
        afternoon: (NaiveTime, NaiveTime),
    ) -> Result<Self, InvalidWorkingHours> {
        for (label, (start, end)) in [("morning", morning), ("afternoon", afternoon)] {
            if start >= end {
                return Err(InvalidWorkingHours(format!("{label} {start}–{end} ends before it starts")));
            }
        }
        if morning.1 > afternoon.0 {
            return Err(InvalidWorkingHours(format!(
                "morning ends at {} after the afternoon starts at {}",
                morning.1, afternoon.0
            )));
        }
        Ok(WorkingHours { morning, afternoon })
    }

    pub fn morning(&self) -> (NaiveTime, NaiveTime) {
        self.morning
    }

    pub fn afternoon(&self) -> (NaiveTime, NaiveTime) {
        self.afternoon
    }

    /// Working time in one working day.
    pub fn per_day(&self) -> TimeDelta {
        (self.morning.1 - self.morning.0) + (self.afternoon.1 - self.afternoon.0)
    }

    fn periods(&self) -> [(NaiveTime, NaiveTime); 2] {
        [self.morning, self.afternoon]
    }
}

impl Default for WorkingHours {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("constant time of day");
        WorkingHours { morning: (t(8, 30), t(12, 0)), afternoon: (t(13, 30), t(17, 30)) }
    }
}

/// The serialised shape, so that a configuration file cannot bypass [`WorkingHours::new`].
#[derive(Serialize, Deserialize)]
struct WorkingHoursRaw {
    morning: (NaiveTime, NaiveTime),
    afternoon: (NaiveTime, NaiveTime),
}

impl TryFrom<WorkingHoursRaw> for WorkingHours {
    type Error = InvalidWorkingHours;
    fn try_from(raw: WorkingHoursRaw) -> Result<Self, Self::Error> {
        WorkingHours::new(raw.morning, raw.afternoon)
    }
}

impl From<WorkingHours> for WorkingHoursRaw {
    fn from(h: WorkingHours) -> Self {
        WorkingHoursRaw { morning: h.morning, afternoon: h.afternoon }
    }
}

impl WorkCalendar {
    /// [`add_working_minutes`](Self::add_working_minutes) for whole hours.
    pub fn add_working_hours(&self, start: NaiveDateTime, hours: u32) -> NaiveDateTime {
        self.add_working_ms(start, i64::from(hours) * 3_600_000)
    }

    /// The moment `minutes` of working time have passed since `start` (China local time),
    /// counting only the working periods of working days.
    ///
    /// A start outside working time begins at the next working period (07:00 counts from 08:30,
    /// 12:10 from 13:30, Friday 18:00 from the next working day's 08:30, make-up Saturdays
    /// included). A limit that runs out exactly at a period's end is due then (12:00, not 13:30);
    /// zero minutes gives the first working moment at or after `start`.
    /// Saturates at chrono's last representable moment, which no real limit approaches.
    pub fn add_working_minutes(&self, start: NaiveDateTime, minutes: u32) -> NaiveDateTime {
        self.add_working_ms(start, i64::from(minutes) * 60_000)
    }

    fn add_working_ms(&self, start: NaiveDateTime, mut remaining: i64) -> NaiveDateTime {
        let per_day = self.hours.per_day().num_milliseconds();
        let mut day = start.date();
        let mut from = start.time();
        loop {
            if self.is_working_day(day) {
                for (period_start, period_end) in self.hours.periods() {
                    if from >= period_end {
                        continue;
                    }
                    let begin = from.max(period_start);
                    let available = (period_end - begin).num_milliseconds();
                    if remaining <= available {
                        // Cannot wrap past midnight: begin + remaining <= period_end.
                        return day.and_time(begin + TimeDelta::milliseconds(remaining));
                    }
                    remaining -= available;
                }
            }
            // The next day is worked from its first period; whole days in between are skipped
            // in one step so that a huge limit costs no more than a small one.
            let Some(mut next) = self.next_working_day_opt(day) else { return NaiveDateTime::MAX };
            let whole_days = (remaining - 1) / per_day;
            if whole_days > 0 {
                let Some(later) = u32::try_from(whole_days).ok().and_then(|n| self.nth_working_day_after(next, n))
                else {
                    return NaiveDateTime::MAX;
                };
                next = later;
                remaining -= whole_days * per_day;
            }
            day = next;
            from = NaiveTime::MIN;
        }
    }
}
