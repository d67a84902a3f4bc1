//! The mediation figures (DOMAIN §5): 成功率 = successful ÷ closed, with cases in progress
//! counted apart; the share resolved at each level (小事不出村、大事不出镇、矛盾不上交); days to
//! resolution; judicial confirmations; the performance rate of agreements.

use super::MediationLevel;
use super::case::{Judicial, MediationSnapshot, MediationState, Performance};
use chrono::NaiveDate;
use serde::Serialize;

/// What the figures need of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: MediationState,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub resolved_level: Option<MediationLevel>,
    pub judicial_confirmed: bool,
    pub performance: Performance,
}

impl From<&MediationSnapshot> for CaseFacts {
    fn from(s: &MediationSnapshot) -> CaseFacts {
        CaseFacts {
            state: s.state,
            opened_on: s.opened_on,
            closed_on: s.closed_on,
            resolved_level: s.resolved_level,
            judicial_confirmed: matches!(s.judicial, Judicial::Confirmed { .. }),
            performance: s.performance,
        }
    }
}

/// The figures of a set of cases (a body, a mediator, a region, a period).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MediationFigures {
    pub cases: u64,
    /// Still registered or being mediated: not in the success rate.
    pub in_progress: u64,
    pub closed: u64,
    /// 调解成功: an agreement was reached.
    pub successful: u64,
    pub not_agreed: u64,
    pub terminated: u64,
    /// successful ÷ closed; `None` while nothing has closed.
    pub success_rate: Option<f64>,
    /// Successful cases by the level that resolved them: village, township, county.
    pub resolved_at: [u64; 3],
    /// Each level's share of the successful cases.
    pub resolved_share: [Option<f64>; 3],
    /// Mean calendar days from registration to agreement.
    pub average_days_to_resolution: Option<f64>,
    pub judicial_confirmations: u64,
    pub performed: u64,
    pub breached: u64,
    /// performed ÷ (performed + breached): agreements whose follow-up has a result.
    pub performance_rate: Option<f64>,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn level_index(level: MediationLevel) -> usize {
    match level {
        MediationLevel::Village => 0,
        MediationLevel::Township => 1,
        MediationLevel::County => 2,
    }
}

impl MediationFigures {
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseFacts>) -> MediationFigures {
        let mut f = MediationFigures::default();
        let mut days_total: i64 = 0;
        for c in cases {
            f.cases += 1;
            match c.state {
                MediationState::Registered | MediationState::Mediating => f.in_progress += 1,
                MediationState::Agreed => {
                    f.successful += 1;
                    if let Some(level) = c.resolved_level {
                        f.resolved_at[level_index(level)] += 1;
                    }
                    if let Some(closed) = c.closed_on {
                        days_total += (closed - c.opened_on).num_days();
                    }
                    if c.judicial_confirmed {
                        f.judicial_confirmations += 1;
                    }
                    match c.performance {
                        Performance::Performed => f.performed += 1,
                        Performance::Breached => f.breached += 1,
                        Performance::Pending => {}
                    }
                }
                MediationState::NotAgreed => f.not_agreed += 1,
                MediationState::Terminated => f.terminated += 1,
            }
        }
        f.closed = f.successful + f.not_agreed + f.terminated;
        f.success_rate = ratio(f.successful, f.closed);
        let resolved: u64 = f.resolved_at.iter().sum();
        f.resolved_share = f.resolved_at.map(|n| ratio(n, resolved));
        f.average_days_to_resolution = (f.successful > 0).then(|| days_total as f64 / f.successful as f64);
        f.performance_rate = ratio(f.performed, f.performed + f.breached);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    fn case(state: MediationState, opened: u32, closed: Option<u32>, level: Option<MediationLevel>) -> CaseFacts {
        CaseFacts {
            state,
            opened_on: d(opened),
            closed_on: closed.map(d),
            resolved_level: level,
            judicial_confirmed: false,
            performance: Performance::Pending,
        }
    }

    #[test]
    fn figures_by_hand() {
        use MediationLevel::*;
        use MediationState::*;
        let mut cases = vec![
            case(Agreed, 1, Some(3), Some(Village)),   // 2 days
            case(Agreed, 2, Some(6), Some(Village)),   // 4 days
            case(Agreed, 3, Some(13), Some(Township)), // 10 days
            case(Agreed, 4, Some(8), Some(Village)),   // 4 days
            case(NotAgreed, 5, Some(9), None),
            case(Terminated, 6, Some(7), None),
            case(Mediating, 7, None, None),
            case(Registered, 8, None, None),
        ];
        cases[0].judicial_confirmed = true;
        cases[0].performance = Performance::Performed;
        cases[1].performance = Performance::Performed;
        cases[2].performance = Performance::Breached;
        let f = MediationFigures::of(&cases);
        assert_eq!((f.cases, f.in_progress, f.closed), (8, 2, 6));
        assert_eq!((f.successful, f.not_agreed, f.terminated), (4, 1, 1));
        // 4 successful of 6 closed; the two in progress count nowhere.
        assert_eq!(f.success_rate, Some(4.0 / 6.0));
        assert_eq!(f.resolved_at, [3, 1, 0]);
        assert_eq!(f.resolved_share, [Some(0.75), Some(0.25), Some(0.0)]);
        // (2 + 4 + 10 + 4) / 4 = 5 days.
        assert_eq!(f.average_days_to_resolution, Some(5.0));
        assert_eq!(f.judicial_confirmations, 1);
        // 2 performed, 1 breached, 1 not yet visited.
        assert_eq!(f.performance_rate, Some(2.0 / 3.0));
    }

    #[test]
    fn nothing_closed_means_no_rate_rather_than_zero() {
        let f = MediationFigures::of(&[case(MediationState::Mediating, 1, None, None)]);
        assert_eq!(f.success_rate, None);
        assert_eq!(f.average_days_to_resolution, None);
        assert_eq!(f.resolved_share, [None, None, None]);
        assert_eq!(MediationFigures::of(&[]).cases, 0);
    }
}
