//! The evaluation rates of DOMAIN §3, from one summary per case.
//!
//! The store reduces each case of a unit or region and period to a [`CaseSummary`] (from its
//! snapshot with [`CaseSummary::of`], or straight from its event rows in SQL with the same
//! definitions) and these functions divide. Each rate is a [`Ratio`] so that sums over units
//! and months stay exact and an empty denominator shows as "—", not as 0% or 100%.
//! *(configurable definitions: these are the defaults.)*
//!
//! The monthly ranking of townships and units (月度排名) orders them by [`composite_score`]
//! with [`rank`].

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

/// Fewer cases than this in a month are too few to judge (one bad case would swing every
/// rate): such a township or unit is listed after the ranked ones, without a rank.
pub const RANKING_MIN_CASES: u64 = 5;

/// The weights of the composite score of the monthly ranking (月度排名), and how much each
/// share of returns (退单) and rework (返工) takes off. See [`composite_score`].
pub const SCORE_WEIGHTS: ScoreWeights =
    ScoreWeights { on_time: 0.35, satisfaction: 0.25, resolution: 0.20, response: 0.20, returns: 20.0, rework: 20.0 };

/// The composite score rule in words, for the ranking's readers.
pub const SCORE_RULE_ZH: &str = "综合得分 = 100 ×(按期办结率 × 0.35 + 满意率 × 0.25 + 解决率 × 0.20 + 响应率 × 0.20)\
    − 20 × 退单率 − 20 × 返工率;无数据的指标不计入,其余权重按比例放大;当月诉求少于 5 件的不参与排名,列于最后。";

/// See [`SCORE_WEIGHTS`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreWeights {
    pub on_time: f64,
    pub satisfaction: f64,
    pub resolution: f64,
    pub response: f64,
    /// Points off per 100% returned.
    pub returns: f64,
    /// Points off per 100% reworked.
    pub rework: f64,
}

/// The composite score (综合得分) of a month's rates, 0–100, higher is better:
///
/// `100 × (0.35 按期办结率 + 0.25 满意率 + 0.20 解决率 + 0.20 响应率) − 20 × 退单率 − 20 × 返工率`,
/// floored at 0.
///
/// A rate with nothing counted ("—", e.g. no callbacks yet) is left out and the weights of the
/// others are scaled up to sum to 1, so that a township is neither rewarded nor punished for a
/// rate it had no occasion to earn; the penalties count as 0 then. `None` when none of the four
/// positive rates has anything counted: there is nothing to judge.
pub fn composite_score(r: &Rates) -> Option<f64> {
    let w = SCORE_WEIGHTS;
    let parts = [
        (r.on_time, w.on_time),
        (r.satisfaction, w.satisfaction),
        (r.resolution, w.resolution),
        (r.response, w.response),
    ];
    let (sum, weight) = parts
        .iter()
        .filter_map(|(ratio, weight)| ratio.value().map(|v| (v * weight, *weight)))
        .fold((0.0, 0.0), |(s, t), (v, w)| (s + v, t + w));
    if weight == 0.0 {
        return None;
    }
    let penalty = w.returns * r.returns.value().unwrap_or(0.0) + w.rework * r.rework.value().unwrap_or(0.0);
    Some((100.0 * sum / weight - penalty).max(0.0))
}

/// One place in a monthly ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Standing {
    /// Which of the entries given to [`rank`].
    pub index: usize,
    /// 1, 2, 3 … for the ranked; `None` for those listed after them.
    pub rank: Option<u32>,
    pub score: Option<f64>,
    /// At least [`RANKING_MIN_CASES`] cases and a score.
    pub ranked: bool,
}

/// The monthly ranking of townships or units, given each one's case count and rates: those
/// with at least [`RANKING_MIN_CASES`] cases and a score first, best [`composite_score`] first,
/// numbered 1, 2, 3 …; then the rest, unnumbered. Ties go to the one with more cases, then to
/// the earlier entry (callers pass entries in a stable order, e.g. by name).
pub fn rank(entries: &[(u64, Rates)]) -> Vec<Standing> {
    let mut out: Vec<Standing> = entries
        .iter()
        .enumerate()
        .map(|(index, (cases, rates))| {
            let score = composite_score(rates);
            Standing { index, rank: None, score, ranked: *cases >= RANKING_MIN_CASES && score.is_some() }
        })
        .collect();
    out.sort_by(|a, b| {
        let (ca, cb) = (entries[a.index].0, entries[b.index].0);
        b.ranked
            .cmp(&a.ranked)
            .then_with(|| b.score.unwrap_or(-1.0).total_cmp(&a.score.unwrap_or(-1.0)))
            .then_with(|| cb.cmp(&ca))
            .then_with(|| a.index.cmp(&b.index))
    });
    for (i, s) in out.iter_mut().enumerate() {
        if s.ranked {
            s.rank = Some(i as u32 + 1);
        }
    }
    out
}

#[cfg(test)]
mod ranking_tests {
    use super::*;

    fn rates(on_time: (u64, u64), satisfaction: (u64, u64), resolution: (u64, u64), response: (u64, u64)) -> Rates {
        Rates {
            on_time: Ratio::new(on_time.0, on_time.1),
            satisfaction: Ratio::new(satisfaction.0, satisfaction.1),
            resolution: Ratio::new(resolution.0, resolution.1),
            response: Ratio::new(response.0, response.1),
            ..Rates::default()
        }
    }

    #[test]
    fn perfect_rates_score_100_and_penalties_take_off() {
        let perfect = rates((10, 10), (4, 4), (4, 4), (10, 10));
        assert_eq!(composite_score(&perfect), Some(100.0));
        let mut returned = perfect;
        returned.returns = Ratio::new(1, 10);
        returned.rework = Ratio::new(1, 4);
        // 100 − 20 × 0.1 − 20 × 0.25
        assert!((composite_score(&returned).unwrap() - 93.0).abs() < 1e-9);
        let mut awful = rates((0, 10), (0, 4), (0, 4), (0, 10));
        awful.returns = Ratio::new(10, 10);
        assert_eq!(composite_score(&awful), Some(0.0), "floored at 0");
    }

    #[test]
    fn missing_rates_are_left_out_not_counted_as_zero() {
        // No callbacks yet: only on-time (0.35) and response (0.20) count, scaled to 1.
        let r = rates((1, 2), (0, 0), (0, 0), (1, 1));
        let expected = 100.0 * (0.5 * 0.35 + 1.0 * 0.20) / 0.55;
        assert!((composite_score(&r).unwrap() - expected).abs() < 1e-9);
        assert_eq!(composite_score(&Rates::default()), None, "nothing to judge");
    }

    #[test]
    fn the_ranking_puts_few_cases_after_the_rest() {
        let good = rates((9, 10), (9, 10), (9, 10), (9, 10));
        let better = rates((10, 10), (10, 10), (10, 10), (10, 10));
        let worse = rates((5, 10), (5, 10), (5, 10), (5, 10));
        let entries = [(3, better), (20, worse), (12, good), (8, Rates::default()), (30, good)];
        let order = rank(&entries);
        let indices: Vec<usize> = order.iter().map(|s| s.index).collect();
        // good with 30 cases beats good with 12 on the tie; too few cases and no score go last.
        assert_eq!(indices, [4, 2, 1, 0, 3]);
        let ranks: Vec<Option<u32>> = order.iter().map(|s| s.rank).collect();
        assert_eq!(ranks, [Some(1), Some(2), Some(3), None, None]);
        assert!(!order[3].ranked && order[3].score == Some(100.0), "a perfect score on 3 cases is not ranked");
        assert!(!order[4].ranked && order[4].score.is_none());
        assert!(rank(&[]).is_empty());
    }
}
