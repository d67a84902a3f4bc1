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
use serde_json::Value;

use super::category::{TimeLimitClass, Urgency};
use super::draft::{self, Int, row_en, row_zh};
use crate::FieldError;
use crate::calendar::{WorkCalendar, from_china, to_china};

/// The bounds an administrator's values must keep: long enough to act on, short enough to
/// still mean something, and within the norms of DOMAIN §3.
pub mod bounds {
    /// The longest limit in working days (three months of work; the norm for resolving is 5).
    pub const WORKING_DAYS: u32 = 60;
    /// The longest limit in working hours (the same sixty days of eight hours).
    pub const WORKING_HOURS: u32 = 480;
    /// The longest limit in clock hours (thirty days).
    pub const CLOCK_HOURS: u32 = 720;
    /// One extension adds at most 10 working days (DOMAIN §3, Shandong norm).
    pub const EXTENSION_DAYS: u32 = 10;
    /// The longest window for returning a case (the norm is 2 working days).
    pub const RETURN_WINDOW_DAYS: u32 = 10;
    /// The earliest a day-based yellow card may show, in working days before the deadline.
    pub const YELLOW_DAYS: u32 = 5;
}

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

    /// The clocks' codes, as the JSON `unit` field spells them.
    pub const UNITS: [&'static str; 3] = ["working_days", "working_hours", "clock_hours"];

    /// The clock's code (see [`Limit::UNITS`]).
    pub fn unit(self) -> &'static str {
        match self {
            Limit::WorkingDays(_) => "working_days",
            Limit::WorkingHours(_) => "working_hours",
            Limit::ClockHours(_) => "clock_hours",
        }
    }

    /// `n` in the clock `unit`, if `unit` is one of [`Limit::UNITS`].
    pub fn of_unit(unit: &str, n: u32) -> Option<Limit> {
        match unit {
            "working_days" => Some(Limit::WorkingDays(n)),
            "working_hours" => Some(Limit::WorkingHours(n)),
            "clock_hours" => Some(Limit::ClockHours(n)),
            _ => None,
        }
    }

    /// The clock's name: 工作日, 工作小时, 小时.
    pub fn unit_zh(unit: &str) -> &'static str {
        match unit {
            "working_days" => "个工作日",
            "working_hours" => "个工作小时",
            _ => "小时",
        }
    }

    pub fn unit_en(unit: &str) -> &'static str {
        match unit {
            "working_days" => "working day(s)",
            "working_hours" => "working hour(s)",
            _ => "hour(s)",
        }
    }

    /// The most an administrator may set in this clock ([`bounds`]).
    pub fn max_amount(self) -> u32 {
        match self {
            Limit::WorkingDays(_) => bounds::WORKING_DAYS,
            Limit::WorkingHours(_) => bounds::WORKING_HOURS,
            Limit::ClockHours(_) => bounds::CLOCK_HOURS,
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
/// documentation. Data from outside (a request, the stored document) becomes a policy only
/// through [`TimeLimitPolicy::parse`], which deserialising also goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value")]
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

    /// Whether the policy would pass [`TimeLimitPolicy::parse`] (one built in code may not).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let doc = serde_json::to_value(self).expect("a policy serialises");
        TimeLimitPolicy::parse(&doc).map(|_| ())
    }

    /// Parse an administrator's whole time-limit document (the JSON shape this type
    /// serialises to): exactly one rule for every class and urgency, each limit a positive
    /// whole number within [`bounds`] in a known clock, an extension of at most 10 working
    /// days. Every mistake is reported, each naming its field (`rules[2].resolve.n`) and,
    /// in the message, its row.
    pub fn parse(doc: &Value) -> Result<TimeLimitPolicy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        // The class and urgency of every row that names them, even when its limits are wrong,
        // so that a bad limit is not also reported as a missing rule.
        let mut pairs: Vec<(usize, TimeLimitClass, Urgency)> = Vec::new();
        // A row whose class or urgency cannot be read may be the "missing" pair: say nothing
        // about missing pairs then, rather than blame the wrong thing.
        let mut unreadable = false;
        match draft::get(doc, "rules") {
            Some(Value::Array(rows)) => {
                for (i, row) in rows.iter().enumerate() {
                    let (pair, rule) = parse_rule(i, row, &mut errors);
                    rules.extend(rule);
                    let Some((class, urgency)) = pair else {
                        unreadable = true;
                        continue;
                    };
                    match pairs.iter().find(|(_, c, u)| (*c, *u) == (class, urgency)) {
                        Some((first, _, _)) => errors.push(FieldError::new(
                            format!("rules[{i}].urgency"),
                            format!(
                                "{}：{}、{}的规则已在{}，每种只能有一条 / {}: {} × {} is already given in {}",
                                row_zh(i),
                                class.zh(),
                                urgency.zh(),
                                row_zh(*first),
                                row_en(i),
                                class.as_str(),
                                urgency.as_str(),
                                row_en(*first)
                            ),
                        )),
                        None => pairs.push((i, class, urgency)),
                    }
                }
            }
            _ => {
                unreadable = true;
                errors.push(FieldError::new("rules", "须为规则列表 / must be a list of rules"));
            }
        }
        if !unreadable {
            for class in TimeLimitClass::ALL {
                for urgency in Urgency::ALL {
                    if !pairs.iter().any(|(_, c, u)| (*c, *u) == (class, urgency)) {
                        errors.push(FieldError::new(
                            "rules",
                            format!(
                                "缺少{}、{}的规则，每种类别和紧急程度须有且仅有一条 / no rule for {} × {}: every class \
                                 and urgency needs exactly one",
                                class.zh(),
                                urgency.zh(),
                                class.as_str(),
                                urgency.as_str()
                            ),
                        ));
                    }
                }
            }
        }
        let mut scalar = |key: &str, max: u32, zh: &str, en: &str| -> u32 {
            let bad = |why_zh: String, why_en: String| FieldError::new(key, format!("{zh}{why_zh} / {en} {why_en}"));
            match draft::int(doc, key) {
                Int::Value(n) if (1..=i64::from(max)).contains(&n) => return n as u32,
                Int::Value(_) => errors.push(bad(format!("须在 1–{max} 之间"), format!("must be within 1–{max}"))),
                Int::NotInteger => errors.push(bad("须为整数".into(), "must be a whole number".into())),
                Int::Missing => errors.push(bad("为必填项".into(), "is required".into())),
            }
            0
        };
        let extension_max_days = scalar(
            "extension_max_days",
            bounds::EXTENSION_DAYS,
            "单次延期的工作日上限（山东规范：最多 10 个工作日）",
            "the most working days one extension adds (Shandong norm: at most 10)",
        );
        let return_window_days = scalar(
            "return_window_days",
            bounds::RETURN_WINDOW_DAYS,
            "退单期限（工作日）",
            "the return window (working days)",
        );
        let yellow_days_before = scalar(
            "yellow_days_before",
            bounds::YELLOW_DAYS,
            "黄牌提前的工作日数",
            "working days before a deadline that the yellow card shows",
        );
        let hour_limit_yellow_percent = scalar(
            "hour_limit_yellow_percent",
            99,
            "按小时计的时限用去多少（百分比）后亮黄牌",
            "the share of an hour limit (percent) after which the card turns yellow",
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TimeLimitPolicy {
            rules,
            extension_max_days,
            return_window_days,
            yellow_days_before,
            hour_limit_yellow_percent,
        })
    }
}

impl TryFrom<Value> for TimeLimitPolicy {
    type Error = String;
    fn try_from(doc: Value) -> Result<Self, Self::Error> {
        TimeLimitPolicy::parse(&doc)
            .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
    }
}

/// What each limit of a rule is called, for messages.
const LIMIT_FIELDS: [(&str, &str, &str); 3] = [
    ("dispatch", "派单及签收时限", "dispatch and acceptance limit"),
    ("contact", "首次联系群众时限", "first-contact limit"),
    ("resolve", "办结时限", "resolution limit"),
];

/// One row of the document: its class and urgency if readable, and the rule if every field
/// is right (the errors pushed otherwise).
fn parse_rule(
    i: usize,
    row: &Value,
    errors: &mut Vec<FieldError>,
) -> (Option<(TimeLimitClass, Urgency)>, Option<TimeLimitRule>) {
    if !row.is_object() {
        errors.push(FieldError::new(
            format!("rules[{i}]"),
            format!("{}须为一条规则（对象） / {} must be a rule (an object)", row_zh(i), row_en(i)),
        ));
        return (None, None);
    }
    let before = errors.len();
    let class_text = draft::text(row, "class");
    let class = class_text.and_then(|s| TimeLimitClass::ALL.into_iter().find(|c| c.as_str() == s || c.zh() == s));
    if class.is_none() {
        errors.push(FieldError::new(
            format!("rules[{i}].class"),
            format!(
                "{}：时限类别「{}」未知，应为 safety、utility 或 standard / {}: unknown time-limit class '{}' (safety, \
                 utility or standard)",
                row_zh(i),
                class_text.unwrap_or(""),
                row_en(i),
                class_text.unwrap_or("")
            ),
        ));
    }
    let urgency_text = draft::text(row, "urgency");
    let urgency = urgency_text.and_then(Urgency::parse);
    if urgency.is_none() {
        errors.push(FieldError::new(
            format!("rules[{i}].urgency"),
            format!(
                "{}：紧急程度「{}」未知，应为 urgent 或 normal / {}: unknown urgency '{}' (urgent or normal)",
                row_zh(i),
                urgency_text.unwrap_or(""),
                row_en(i),
                urgency_text.unwrap_or("")
            ),
        ));
    }
    // Name the row by what it is when that much is readable.
    let (label_zh, label_en) = match (class, urgency) {
        (Some(c), Some(u)) => (
            format!("{}（{}、{}）", row_zh(i), c.zh(), u.zh()),
            format!("{} ({} × {})", row_en(i), c.as_str(), u.as_str()),
        ),
        _ => (row_zh(i), row_en(i)),
    };
    let mut limits = [None; 3];
    for (slot, (key, zh, en)) in limits.iter_mut().zip(LIMIT_FIELDS) {
        let field = format!("rules[{i}].{key}");
        let Some(limit) = draft::get(row, key).filter(|v| v.is_object()) else {
            errors.push(FieldError::new(field, format!("{label_zh}：须填写{zh} / {label_en}: the {en} is required")));
            continue;
        };
        let unit = draft::text(limit, "unit");
        let known_unit = unit.filter(|u| Limit::UNITS.contains(u));
        if known_unit.is_none() {
            errors.push(FieldError::new(
                format!("{field}.unit"),
                format!(
                    "{label_zh}：{zh}的计时方式「{}」未知，应为 working_days、working_hours 或 clock_hours / \
                     {label_en}: the {en} has an unknown clock '{}' (working_days, working_hours or clock_hours)",
                    unit.unwrap_or(""),
                    unit.unwrap_or("")
                ),
            ));
        }
        let n_field = format!("{field}.n");
        let n = match draft::int(limit, "n") {
            Int::Value(n) if n >= 1 => Some(n),
            Int::Value(_) => {
                errors.push(FieldError::new(
                    n_field.clone(),
                    format!("{label_zh}：{zh}须大于 0 / {label_en}: the {en} must be above 0"),
                ));
                None
            }
            Int::NotInteger | Int::Missing => {
                errors.push(FieldError::new(
                    n_field.clone(),
                    format!("{label_zh}：{zh}须为正整数 / {label_en}: the {en} must be a whole number above 0"),
                ));
                None
            }
        };
        if let (Some(unit), Some(n)) = (known_unit, n) {
            let capped = u32::try_from(n).unwrap_or(u32::MAX);
            let limit = Limit::of_unit(unit, capped).expect("a known unit");
            if capped > limit.max_amount() {
                errors.push(FieldError::new(
                    n_field,
                    format!(
                        "{label_zh}：{zh}不能超过 {}{} / {label_en}: the {en} cannot exceed {} {}",
                        limit.max_amount(),
                        Limit::unit_zh(unit),
                        limit.max_amount(),
                        Limit::unit_en(unit)
                    ),
                ));
            } else {
                *slot = Some(limit);
            }
        }
    }
    let pair = class.zip(urgency);
    if errors.len() > before {
        return (pair, None);
    }
    match (pair, limits) {
        (Some((class, urgency)), [Some(dispatch), Some(contact), Some(resolve)]) => {
            (pair, Some(TimeLimitRule { class, urgency, dispatch, contact, resolve }))
        }
        _ => (pair, None),
    }
}
