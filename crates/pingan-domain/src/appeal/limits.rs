//! Time limits (办理时限) as data, and the deadlines they give on the working-day calendar.
//!
//! # Defaults and the choice of clock
//!
//! | class × urgency | dispatch (each hand-on before 签收) | first contact | resolve and reply |
//! |---|---|---|---|
//! | any × 紧急 | 1 clock hour | 2 clock hours | 5 working days |
//! | 水电气暖 × 一般 | 2 clock hours | 1 working day | 5 working days |
//! | 安全隐患 × 一般 | 24 clock hours | 1 working day | 5 working days |
//! | 一般 × 一般 | 1 working day | 1 working day | 5 working days |
//!
//! Beijing's dispatch norm (1 hour for emergencies and threats to life or property, 2 hours for
//! water, power, gas and heating outages, 24 hours otherwise) is in clock hours. Emergencies,
//! outages and hazards do not keep office hours and the dispatch desks have night duty, so
//! those limits stay in clock hours and run through nights and holidays. The plain "24 hours"
//! becomes one working day (the end of the next working day): never shorter than 24 hours
//! when the next day is worked, and never running out on a rest day when nobody would act on
//! it. Resolution follows Shandong's 5 working days; an extension adds at most 10 working
//! days, once; a unit may return a case within 2 working days of its dispatch. Working-hour
//! limits ([`Limit::WorkingHours`]) are available for cities that count that way.
//!
//! Yellow cards: for limits in days, one working day before the deadline (the calendar's
//! [`WorkCalendar::warning_time`]); for limits in hours, where "a working day before" would
//! be before the start, when half the time has gone ([`TimeLimitPolicy::hour_limit_yellow_percent`]).

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::category::{TimeLimitClass, Urgency};
use crate::FieldError;
use crate::calendar::{WorkCalendar, from_china, to_china};

/// A length of time in one of three clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "n", rename_all = "snake_case")]
pub enum Limit {
    /// The end of the n-th working day after the start day (DOMAIN §8).
    WorkingDays(u32),
    /// n hours of the calendar's working hours.
    WorkingHours(u32),
    /// n hours of the wall clock.
    ClockHours(u32),
}

impl Limit {
    /// When the limit runs out for something that started at `start`.
    pub fn due(self, start: NaiveDateTime, cal: &WorkCalendar) -> NaiveDateTime {
        match self {
            Limit::WorkingDays(n) => cal.add_working_days(start, n),
            Limit::WorkingHours(h) => cal.add_working_hours(start, h),
            Limit::ClockHours(h) => {
                start.checked_add_signed(TimeDelta::hours(i64::from(h))).unwrap_or(NaiveDateTime::MAX)
            }
        }
    }

    /// [`due`](Self::due) on Unix milliseconds.
    pub fn due_ms(self, start_ms: i64, cal: &WorkCalendar) -> i64 {
        from_china(self.due(to_china(start_ms), cal))
    }

    pub fn amount(self) -> u32 {
        match self {
            Limit::WorkingDays(n) | Limit::WorkingHours(n) | Limit::ClockHours(n) => n,
        }
    }

    pub fn zh(self) -> String {
        match self {
            Limit::WorkingDays(n) => format!("{n}个工作日"),
            Limit::WorkingHours(n) => format!("{n}个工作小时"),
            Limit::ClockHours(n) => format!("{n}小时"),
        }
    }

    pub fn en(self) -> String {
        match self {
            Limit::WorkingDays(n) => format!("{n} working day(s)"),
            Limit::WorkingHours(n) => format!("{n} working hour(s)"),
            Limit::ClockHours(n) => format!("{n} hour(s)"),
        }
    }
}

/// The limits for one time-limit class and urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimitRule {
    pub class: TimeLimitClass,
    pub urgency: Urgency,
    /// Each hand-on before a unit signs for the case: receipt (or a return, or an unmerge) to
    /// dispatch, dispatch to 签收, a return to its review.
    pub dispatch: Limit,
    /// First dispatch to the first contact with the citizen (响应率).
    pub contact: Limit,
    /// Acceptance (or a reopening) to the submitted result (办结时限).
    pub resolve: Limit,
}

/// The time limits of a city: data an administrator edits, with the defaults of the module
/// documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimitPolicy {
    /// One rule per class and urgency; a missing pair falls back to the default rule.
    pub rules: Vec<TimeLimitRule>,
    /// The most working days one extension may add (10).
    pub extension_max_days: u32,
    /// Working days after a dispatch during which the unit may return the case (2).
    pub return_window_days: u32,
    /// Working days before a day-based deadline that the yellow card shows (1).
    pub yellow_days_before: u32,
    /// For limits in hours: the share of the limit, in percent, after which the card turns yellow (50).
    pub hour_limit_yellow_percent: u32,
}

impl Default for TimeLimitPolicy {
    fn default() -> Self {
        let mut rules = Vec::new();
        for class in TimeLimitClass::ALL {
            for urgency in Urgency::ALL {
                rules.push(default_rule(class, urgency));
            }
        }
        TimeLimitPolicy {
            rules,
            extension_max_days: 10,
            return_window_days: 2,
            yellow_days_before: 1,
            hour_limit_yellow_percent: 50,
        }
    }
}

fn default_rule(class: TimeLimitClass, urgency: Urgency) -> TimeLimitRule {
    let (dispatch, contact) = match (urgency, class) {
        (Urgency::Urgent, _) => (Limit::ClockHours(1), Limit::ClockHours(2)),
        (Urgency::Normal, TimeLimitClass::Utility) => (Limit::ClockHours(2), Limit::WorkingDays(1)),
        (Urgency::Normal, TimeLimitClass::Safety) => (Limit::ClockHours(24), Limit::WorkingDays(1)),
        (Urgency::Normal, TimeLimitClass::Standard) => (Limit::WorkingDays(1), Limit::WorkingDays(1)),
    };
    TimeLimitRule { class, urgency, dispatch, contact, resolve: Limit::WorkingDays(5) }
}

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 派单时限: from receipt (or an unmerge) to dispatch.
    Dispatch,
    /// 签收时限: from dispatch to acceptance by the unit.
    Accept,
    /// 退单审核时限: from a return to the dispatcher's review.
    Review,
    /// 办结时限: from acceptance (or a reopening) to the result.
    Resolve,
}

impl DeadlineKind {
    pub fn zh(self) -> &'static str {
        match self {
            DeadlineKind::Dispatch => "派单时限",
            DeadlineKind::Accept => "签收时限",
            DeadlineKind::Review => "退单审核时限",
            DeadlineKind::Resolve => "办结时限",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            DeadlineKind::Dispatch => "dispatch limit",
            DeadlineKind::Accept => "acceptance limit",
            DeadlineKind::Review => "return review limit",
            DeadlineKind::Resolve => "resolution limit",
        }
    }
}

/// A running clock: when it started, when the yellow card shows and when it runs out
/// (the last moment still on time). China local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub start: NaiveDateTime,
    pub warn_at: NaiveDateTime,
    pub due: NaiveDateTime,
}

impl Deadline {
    pub fn due_ms(&self) -> i64 {
        from_china(self.due)
    }

    pub fn warn_ms(&self) -> i64 {
        from_china(self.warn_at)
    }

    /// The same clock moved `days` working days later (an extension, or the working days a
    /// suspension took): both instants keep their time of day and move to the working day
    /// `days` working days after their own date.
    pub fn shifted(self, days: u32, cal: &WorkCalendar) -> Deadline {
        Deadline { due: shift(self.due, days, cal), warn_at: shift(self.warn_at, days, cal), ..self }
    }
}

fn shift(t: NaiveDateTime, days: u32, cal: &WorkCalendar) -> NaiveDateTime {
    if days == 0 || t == NaiveDateTime::MAX {
        return t;
    }
    cal.add_working_days(t, days).date().and_time(t.time())
}

impl TimeLimitPolicy {
    /// The limits for a class and urgency.
    pub fn rule(&self, class: TimeLimitClass, urgency: Urgency) -> TimeLimitRule {
        self.rules
            .iter()
            .find(|r| r.class == class && r.urgency == urgency)
            .copied()
            .unwrap_or_else(|| default_rule(class, urgency))
    }

    /// A clock of `limit` started at `start`.
    pub fn deadline(&self, kind: DeadlineKind, limit: Limit, start: NaiveDateTime, cal: &WorkCalendar) -> Deadline {
        let due = limit.due(start, cal);
        Deadline { kind, start, warn_at: self.warning(limit, start, due, cal), due }
    }

    /// When the yellow card shows for a clock of `limit` from `start` to `due` (see the module
    /// documentation); never before the start.
    pub fn warning(&self, limit: Limit, start: NaiveDateTime, due: NaiveDateTime, cal: &WorkCalendar) -> NaiveDateTime {
        let warn = match limit {
            Limit::WorkingDays(_) => {
                (0..self.yellow_days_before).fold(due, |t, _| if t <= start { t } else { cal.warning_time(t) })
            }
            Limit::WorkingHours(_) | Limit::ClockHours(_) => {
                let span = (due - start).num_milliseconds();
                let part = span.saturating_mul(i64::from(self.hour_limit_yellow_percent.min(100))) / 100;
                start + TimeDelta::milliseconds(part)
            }
        };
        warn.max(start)
    }

    /// The last moment a unit dispatched at `dispatched_at` may return the case.
    pub fn return_until(&self, dispatched_at: NaiveDateTime, cal: &WorkCalendar) -> NaiveDateTime {
        cal.add_working_days(dispatched_at, self.return_window_days)
    }

    /// Checks the policy an administrator submitted: every class and urgency once, no zero
    /// limits, an extension of at least one day, a percentage within 1–99.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for class in TimeLimitClass::ALL {
            for urgency in Urgency::ALL {
                let n = self.rules.iter().filter(|r| r.class == class && r.urgency == urgency).count();
                if n != 1 {
                    errors.push(FieldError::new(
                        "rules",
                        format!(
                            "{}、{}须有且仅有一条规则（现有 {n} 条） / {} × {} needs exactly one rule ({n} given)",
                            class.zh(),
                            urgency.zh(),
                            class.as_str(),
                            urgency.as_str()
                        ),
                    ));
                }
            }
        }
        for r in &self.rules {
            for (field, limit) in [("dispatch", r.dispatch), ("contact", r.contact), ("resolve", r.resolve)] {
                if limit.amount() == 0 {
                    errors.push(FieldError::new(
                        field,
                        format!(
                            "{}、{}的时限不能为零 / the {field} limit of {} × {} cannot be zero",
                            r.class.zh(),
                            r.urgency.zh(),
                            r.class.as_str(),
                            r.urgency.as_str()
                        ),
                    ));
                }
            }
        }
        if self.extension_max_days == 0 {
            errors.push(FieldError::new("extension_max_days", "延期天数上限至少为 1 / at least 1 working day"));
        }
        if !(1..=99).contains(&self.hour_limit_yellow_percent) {
            errors.push(FieldError::new("hour_limit_yellow_percent", "须在 1–99 之间 / must be within 1–99"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}
