//! The evaluation rates of DOMAIN §3, from one summary per case.
//!
//! The store reduces each case of a unit or region and period to a [`CaseSummary`] (from its
//! snapshot with [`CaseSummary::of`], or straight from its event rows in SQL with the same
//! definitions) and these functions divide. Each rate is a [`Ratio`] so that sums over units
//! and months stay exact and an empty denominator shows as "—", not as 0% or 100%.
//! *(configurable definitions: these are the defaults.)*

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::command::Satisfaction;
use super::event::AppealSnapshot;

/// What the rates need to know about one case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// Dispatched to a unit at least once.
    pub dispatched: bool,
    /// The citizen was first contacted by the contact deadline.
    pub contacted_on_time: bool,
    /// Its resolution was due by the end of the period (or it was closed in it).
    pub due: bool,
    pub closed: bool,
    /// Closed, and the accepted result came within the resolution deadline.
    pub closed_on_time: bool,
    /// Sent back for rework at least once (a failed verification or a reopening).
    pub reworked: bool,
    /// Returned (退单) at least once.
    pub returned: bool,
    /// An extension was approved.
    pub extended: bool,
    /// A repeat of another appeal (merged into it as a duplicate, or flagged by the store).
    pub repeat: bool,
    /// Callbacks recorded.
    pub callbacks: u32,
    /// Callbacks that said "solved".
    pub solved_callbacks: u32,
    /// Callbacks rated 满意 or 基本满意.
    pub satisfied_callbacks: u32,
}

impl CaseSummary {
    /// The summary of a case as of `as_of` (the end of the period).
    pub fn of(s: &AppealSnapshot, as_of: NaiveDateTime) -> CaseSummary {
        let m = &s.milestones;
        let closed = m.closed_at.is_some_and(|t| t <= as_of);
        let contacted_on_time = match (m.first_contact_at, s.contact_due) {
            (Some(at), Some(due)) => at <= due,
            _ => false,
        };
        let callbacks: Vec<_> = s.callbacks.iter().filter(|c| c.at <= as_of).collect();
        CaseSummary {
            dispatched: m.first_dispatched_at.is_some_and(|t| t <= as_of),
            contacted_on_time,
            due: (closed && m.closed_on_time.is_some()) || s.resolve.is_some_and(|d| d.due <= as_of),
            closed: closed && m.closed_on_time.is_some(),
            closed_on_time: closed && m.closed_on_time == Some(true),
            reworked: s.rework_count > 0 || s.reopen_count > 0,
            returned: s.return_count > 0,
            extended: s.extended(),
            repeat: s.merged_into.is_some(),
            callbacks: callbacks.len() as u32,
            solved_callbacks: callbacks.iter().filter(|c| c.solved).count() as u32,
            satisfied_callbacks: callbacks.iter().filter(|c| c.satisfaction != Satisfaction::Dissatisfied).count()
                as u32,
        }
    }
}

/// A rate as numerator over denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub num: u64,
    pub den: u64,
}

impl Ratio {
    pub fn new(num: u64, den: u64) -> Ratio {
        Ratio { num, den }
    }

    /// The share in 0..=1; `None` when nothing was counted.
    pub fn value(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 / self.den as f64)
    }

    /// E.g. `95.2%`, or `—` when nothing was counted.
    pub fn percent(self) -> String {
        self.value().map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
    }
}

impl std::ops::Add for Ratio {
    type Output = Ratio;
    fn add(self, o: Ratio) -> Ratio {
        Ratio { num: self.num + o.num, den: self.den + o.den }
    }
}

fn count(cases: &[CaseSummary], num: impl Fn(&CaseSummary) -> bool, den: impl Fn(&CaseSummary) -> bool) -> Ratio {
    let den_cases = cases.iter().filter(|c| den(c));
    let (mut n, mut d) = (0, 0);
    for c in den_cases {
        d += 1;
        if num(c) {
            n += 1;
        }
    }
    Ratio::new(n, d)
}

/// 响应率 = cases where the citizen was contacted within the limit ÷ cases dispatched.
pub fn response_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.contacted_on_time, |c| c.dispatched)
}

/// 解决率 = callbacks saying "solved" ÷ callbacks.
pub fn resolution_rate(cases: &[CaseSummary]) -> Ratio {
    let (n, d) = cases.iter().fold((0, 0), |(n, d), c| (n + u64::from(c.solved_callbacks), d + u64::from(c.callbacks)));
    Ratio::new(n, d)
}

/// 满意率 = (satisfied + basically satisfied) ÷ callbacks.
pub fn satisfaction_rate(cases: &[CaseSummary]) -> Ratio {
    let (n, d) =
        cases.iter().fold((0, 0), |(n, d), c| (n + u64::from(c.satisfied_callbacks), d + u64::from(c.callbacks)));
    Ratio::new(n, d)
}

/// 按期办结率 = closed on time ÷ due.
pub fn on_time_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.closed_on_time, |c| c.due)
}

/// 结案率 = closed ÷ due.
pub fn closure_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.closed, |c| c.due)
}

/// 返工率 = reworked ÷ closed.
pub fn rework_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.reworked, |c| c.closed)
}

/// 退单率 = cases returned at least once ÷ cases dispatched.
pub fn return_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.returned, |c| c.dispatched)
}

/// 延期率 = cases with an approved extension ÷ cases dispatched.
pub fn extension_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.extended, |c| c.dispatched)
}

/// 重复诉求率 = repeat appeals ÷ all appeals received.
pub fn repeat_rate(cases: &[CaseSummary]) -> Ratio {
    count(cases, |c| c.repeat, |_| true)
}

/// All the rates of a set of cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub response: Ratio,
    pub resolution: Ratio,
    pub satisfaction: Ratio,
    pub on_time: Ratio,
    pub closure: Ratio,
    pub rework: Ratio,
    pub returns: Ratio,
    pub extension: Ratio,
    pub repeat: Ratio,
}

impl Rates {
    pub fn of(cases: &[CaseSummary]) -> Rates {
        Rates {
            response: response_rate(cases),
            resolution: resolution_rate(cases),
            satisfaction: satisfaction_rate(cases),
            on_time: on_time_rate(cases),
            closure: closure_rate(cases),
            rework: rework_rate(cases),
            returns: return_rate(cases),
            extension: extension_rate(cases),
            repeat: repeat_rate(cases),
        }
    }
}
