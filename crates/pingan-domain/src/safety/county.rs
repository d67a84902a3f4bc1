//! 四级联创 county and township scoring: each area's score is a weighted sum of its rates —
//! safe units accepted and applied, 五零 villages, appeals closed on time and satisfied,
//! disputes mediated — by a formula kept as data (weights in points, summing to 100), and the
//! areas ranked on it. The county's score feeds its annual development assessment.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 平安单位验收通过率
    SafeUnitAcceptance,
    /// 平安单位申报率
    SafeUnitApplication,
    /// 平安"五零"村(社区)创建成功率
    FiveZero,
    /// 诉求按时办结率
    AppealOnTime,
    /// 诉求满意率
    AppealSatisfaction,
    /// 矛盾纠纷调解成功率
    MediationSuccess,
}

impl Indicator {
    pub const ALL: [Indicator; 6] = [
        Indicator::SafeUnitAcceptance,
        Indicator::SafeUnitApplication,
        Indicator::FiveZero,
        Indicator::AppealOnTime,
        Indicator::AppealSatisfaction,
        Indicator::MediationSuccess,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Indicator::SafeUnitAcceptance => "平安单位验收通过率",
            Indicator::SafeUnitApplication => "平安单位申报率",
            Indicator::FiveZero => "五零村(社区)创建成功率",
            Indicator::AppealOnTime => "诉求按时办结率",
            Indicator::AppealSatisfaction => "诉求满意率",
            Indicator::MediationSuccess => "调解成功率",
        }
    }
}

/// One indicator's weight, in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    pub indicator: Indicator,
    pub weight: u32,
}

/// The scoring formula: weights summing to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Formula {
    pub weights: Vec<Weight>,
}

impl Default for Formula {
    /// The default *(configurable)*: safe units 40 (accepted 25, applied 15), 五零 25,
    /// appeals 25 (on time 15, satisfied 10), mediation 10.
    fn default() -> Self {
        use Indicator::*;
        let w = |indicator, weight| Weight { indicator, weight };
        Formula {
            weights: vec![
                w(SafeUnitAcceptance, 25),
                w(SafeUnitApplication, 15),
                w(FiveZero, 25),
                w(AppealOnTime, 15),
                w(AppealSatisfaction, 10),
                w(MediationSuccess, 10),
            ],
        }
    }
}

impl Formula {
    /// Parse an administrator's formula: every mistake at once, by field.
    pub fn parse(doc: &serde_json::Value) -> Result<Formula, Vec<FieldError>> {
        let f: Formula = serde_json::from_value(doc.clone())
            .map_err(|e| vec![FieldError::new("formula", format!("公式格式有误 / the formula is malformed: {e}"))])?;
        let mut errors = Vec::new();
        let mut seen = Vec::new();
        for (i, w) in f.weights.iter().enumerate() {
            if seen.contains(&w.indicator) {
                errors.push(FieldError::new(
                    format!("weights[{i}].indicator"),
                    format!("「{}」重复 / used twice", w.indicator.zh()),
                ));
            }
            seen.push(w.indicator);
        }
        let sum: u32 = f.weights.iter().map(|w| w.weight).sum();
        if sum != 100 {
            errors.push(FieldError::new(
                "weights",
                format!("权重合计 {sum} 分,须为 100 分 / the weights sum to {sum}, not 100"),
            ));
        }
        if errors.is_empty() { Ok(f) } else { Err(errors) }
    }
}

/// One indicator's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub indicator: Indicator,
    pub weight: u32,
    /// `None` when the area has nothing to measure it by (no units, no cases …).
    pub rate: Option<f64>,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaScore {
    /// 0–100.
    pub total: f64,
    pub parts: Vec<Part>,
}

/// Score an area: each weight times its rate. An indicator the area cannot be measured by
/// earns nothing (it is shown as such, so the reader sees why).
pub fn score(f: &Formula, rates: &BTreeMap<Indicator, Option<f64>>) -> AreaScore {
    let parts: Vec<Part> = f
        .weights
        .iter()
        .map(|w| {
            let rate = rates.get(&w.indicator).copied().flatten();
            Part {
                indicator: w.indicator,
                weight: w.weight,
                rate,
                points: rate.map_or(0.0, |r| f64::from(w.weight) * r),
            }
        })
        .collect();
    AreaScore { total: parts.iter().map(|p| p.points).sum(), parts }
}

/// Ranks by score, highest first; equal scores (to 0.01 points) share a rank (1, 2, 2, 4).
pub fn ranks(totals: &[f64]) -> Vec<usize> {
    let key = |t: f64| (t * 100.0).round() as i64;
    totals.iter().map(|t| 1 + totals.iter().filter(|o| key(**o) > key(*t)).count()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_is_the_weighted_rates_and_a_missing_rate_earns_nothing() {
        let f = Formula::default();
        let rates: BTreeMap<Indicator, Option<f64>> = [
            (Indicator::SafeUnitAcceptance, Some(0.8)),
            (Indicator::SafeUnitApplication, Some(0.5)),
            (Indicator::FiveZero, Some(1.0)),
            (Indicator::AppealOnTime, Some(0.9)),
            (Indicator::AppealSatisfaction, None),
            (Indicator::MediationSuccess, Some(0.6)),
        ]
        .into();
        let s = score(&f, &rates);
        // 25×0.8 + 15×0.5 + 25×1 + 15×0.9 + 0 + 10×0.6 = 20 + 7.5 + 25 + 13.5 + 6 = 72
        assert!((s.total - 72.0).abs() < 1e-9, "{}", s.total);
        assert_eq!(s.parts[4].points, 0.0);
    }

    #[test]
    fn ties_share_a_rank() {
        assert_eq!(ranks(&[70.0, 90.0, 70.004, 50.0]), vec![2, 1, 2, 4]);
    }

    #[test]
    fn a_formula_must_sum_to_100_without_repeats() {
        let doc = serde_json::to_value(Formula::default()).unwrap();
        assert_eq!(Formula::parse(&doc), Ok(Formula::default()));
        let bad = serde_json::json!({"weights": [
            {"indicator": "five_zero", "weight": 50}, {"indicator": "five_zero", "weight": 40}]});
        let fields: Vec<String> = Formula::parse(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["weights[1].indicator", "weights"]);
    }
}
