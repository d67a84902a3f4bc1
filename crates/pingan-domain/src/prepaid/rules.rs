//! The prepaid rules as data (DOMAIN §7): how much escrow a merchant must hold, how its
//! indicators score into a warning level, and how they deduct from its credit. One document,
//! edited by city administrators and versioned by the store; the defaults below are the
//! national rule and Dezhou's stricter local additions.

use super::IssuerType;
use super::risk::IndicatorCode;
use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrepaidRules {
    pub escrow: EscrowRules,
    /// Warning score: each indicator's points by the highest band its value reaches.
    pub risk: Vec<ScoreRule>,
    /// The score from which each level starts (blue, yellow, orange, red), ascending.
    pub levels: LevelThresholds,
    /// Credit: 100 minus each indicator's deduction (value × per unit, capped).
    pub credit: Vec<CreditRule>,
    /// The credit score from which each grade starts (A, B, C; below C is D).
    pub grades: GradeThresholds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscrowRules {
    /// 存管比例 by issuer type, per cent of the outstanding balance (national rule).
    pub by_issuer: Vec<IssuerRatio>,
    /// Higher ratios above an outstanding balance (local rule: 40% above ¥200,000).
    pub tiers: Vec<BalanceTier>,
    /// Businesses younger than this many months hold `young_percent`.
    pub young_months: u32,
    pub young_percent: u32,
    /// Balances larger than this many months of redemptions (large against revenue) hold
    /// `large_percent`; 0 turns the rule off.
    pub large_months: u32,
    pub large_percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuerRatio {
    pub issuer: IssuerType,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceTier {
    /// Outstanding balance above which the tier applies, in fen.
    pub above_fen: i64,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRule {
    pub indicator: IndicatorCode,
    /// Ascending by `at_least`.
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub at_least: f64,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelThresholds {
    pub blue: u32,
    pub yellow: u32,
    pub orange: u32,
    pub red: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditRule {
    pub indicator: IndicatorCode,
    pub per_unit: u32,
    pub cap: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeThresholds {
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

/// What a merchant must hold in escrow now, and which rule says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscrowRequirement {
    pub percent: u32,
    pub required_fen: i64,
    pub rule_zh: String,
    pub rule_en: String,
}

/// The facts the escrow rule reads.
#[derive(Debug, Clone, Copy)]
pub struct EscrowFacts {
    pub issuer: IssuerType,
    pub outstanding_fen: i64,
    /// Whole months since the business opened.
    pub months_open: u32,
    /// Average redemptions per month over the last quarter, in fen.
    pub monthly_redemptions_fen: i64,
}

fn band(at_least: f64, points: u32) -> Band {
    Band { at_least, points }
}

impl Default for PrepaidRules {
    fn default() -> Self {
        use IndicatorCode::*;
        let rule = |indicator, bands| ScoreRule { indicator, bands };
        let credit = |indicator, per_unit, cap| CreditRule { indicator, per_unit, cap };
        PrepaidRules {
            escrow: EscrowRules {
                by_issuer: vec![
                    IssuerRatio { issuer: IssuerType::Group, percent: 20 },
                    IssuerRatio { issuer: IssuerType::Brand, percent: 30 },
                    IssuerRatio { issuer: IssuerType::Scale, percent: 40 },
                    IssuerRatio { issuer: IssuerType::Other, percent: 40 },
                ],
                tiers: vec![BalanceTier { above_fen: 20_000_000, percent: 40 }],
                young_months: 12,
                young_percent: 100,
                large_months: 12,
                large_percent: 100,
            },
            risk: vec![
                rule(EscrowShortfall, vec![band(1.0, 15), band(50.0, 30)]),
                rule(PresaleSurge, vec![band(2.0, 10), band(3.0, 20), band(5.0, 30)]),
                rule(RedemptionDecline, vec![band(30.0, 10), band(60.0, 20)]),
                rule(Complaints30d, vec![band(2.0, 10), band(5.0, 20), band(10.0, 30)]),
                rule(RefundsRefused90d, vec![band(1.0, 15), band(3.0, 25)]),
                rule(ClosureNotices, vec![band(1.0, 40)]),
                rule(RelocationNotices, vec![band(1.0, 15)]),
                rule(PenaltiesYear, vec![band(1.0, 10), band(2.0, 20), band(3.0, 30)]),
                rule(ListingsActive, vec![band(1.0, 20)]),
                rule(PayeeChanges180d, vec![band(1.0, 5), band(2.0, 15), band(3.0, 25)]),
                rule(StopOrder, vec![band(1.0, 30)]),
            ],
            levels: LevelThresholds { blue: 10, yellow: 25, orange: 45, red: 70 },
            credit: vec![
                credit(EscrowShortfall, 1, 15),
                credit(ComplaintsYear, 2, 20),
                credit(RefundsRefusedYear, 10, 30),
                credit(PenaltiesYear, 10, 30),
                credit(ListingsActive, 25, 50),
                credit(ClosureNotices, 20, 20),
                credit(StopOrder, 20, 20),
                credit(PayeeChanges180d, 3, 9),
            ],
            grades: GradeThresholds { a: 90, b: 75, c: 60 },
        }
    }
}

impl PrepaidRules {
    /// Parse an administrator's document: every mistake at once, by field.
    pub fn parse(doc: &serde_json::Value) -> Result<PrepaidRules, Vec<FieldError>> {
        let rules: PrepaidRules = serde_json::from_value(doc.clone())
            .map_err(|e| vec![FieldError::new("rules", format!("格式有误 / the rules are malformed: {e}"))])?;
        let mut errors = Vec::new();
        let mut bad = |field: String, zh: &str, en: &str| errors.push(FieldError::new(field, format!("{zh} / {en}")));
        let e = &rules.escrow;
        for issuer in IssuerType::ALL {
            if e.by_issuer.iter().filter(|r| r.issuer == *issuer).count() != 1 {
                bad(
                    format!("escrow.by_issuer.{}", issuer.code()),
                    &format!("须为{}给出且只给出一个比例", issuer.zh()),
                    "give exactly one ratio per issuer type",
                );
            }
        }
        let percents = e.by_issuer.iter().map(|r| r.percent).chain(e.tiers.iter().map(|t| t.percent));
        if percents.chain([e.young_percent, e.large_percent]).any(|p| p > 100) {
            bad("escrow".into(), "存管比例不能超过 100%", "an escrow ratio above 100%");
        }
        if e.tiers.iter().any(|t| t.above_fen < 0) || !e.tiers.windows(2).all(|w| w[0].above_fen < w[1].above_fen) {
            bad("escrow.tiers".into(), "余额档位须为正数且从小到大", "balance tiers must be positive and ascending");
        }
        for (i, r) in rules.risk.iter().enumerate() {
            if r.bands.is_empty()
                || !r.bands.windows(2).all(|w| w[0].at_least < w[1].at_least)
                || r.bands.iter().any(|b| !b.at_least.is_finite() || b.at_least < 0.0 || b.points > 100)
            {
                bad(
                    format!("risk[{i}].bands"),
                    "分档须非空、门槛从小到大、分值不超过 100",
                    "bands must be non-empty, ascending, at most 100 points",
                );
            }
            if rules.risk[..i].iter().any(|o| o.indicator == r.indicator) {
                bad(format!("risk[{i}].indicator"), "指标重复", "an indicator appears twice");
            }
        }
        let l = &rules.levels;
        if !(0 < l.blue && l.blue < l.yellow && l.yellow < l.orange && l.orange < l.red) {
            bad(
                "levels".into(),
                "预警分数线须为 0 < 蓝 < 黄 < 橙 < 红",
                "thresholds must ascend: 0 < blue < yellow < orange < red",
            );
        }
        for (i, c) in rules.credit.iter().enumerate() {
            if c.cap > 100 || c.per_unit > 100 {
                bad(format!("credit[{i}]"), "扣分不能超过 100", "a deduction above 100");
            }
        }
        let g = &rules.grades;
        if !(g.c < g.b && g.b < g.a && g.a <= 100) {
            bad("grades".into(), "信用分数线须为 C < B < A ≤ 100", "grades must ascend: C < B < A ≤ 100");
        }
        if errors.is_empty() { Ok(rules) } else { Err(errors) }
    }

    /// The escrow a merchant must hold now: the highest ratio any rule demands.
    pub fn escrow_requirement(&self, f: &EscrowFacts) -> EscrowRequirement {
        let e = &self.escrow;
        let base = e.by_issuer.iter().find(|r| r.issuer == f.issuer).map_or(100, |r| r.percent);
        let mut best = (base, format!("{}按 {base}% 存管", f.issuer.zh()), format!("{} at {base}%", f.issuer.en()));
        let mut consider = |percent: u32, zh: String, en: String| {
            if percent > best.0 {
                best = (percent, zh, en);
            }
        };
        for t in &e.tiers {
            if f.outstanding_fen > t.above_fen {
                consider(
                    t.percent,
                    format!("预收余额超过 {} 按 {}% 存管", super::format_yuan(t.above_fen), t.percent),
                    format!("balance above {} at {}%", super::format_yuan(t.above_fen), t.percent),
                );
            }
        }
        if f.months_open < e.young_months {
            consider(
                e.young_percent,
                format!("开业不满 {} 个月按 {}% 存管", e.young_months, e.young_percent),
                format!("open under {} months at {}%", e.young_months, e.young_percent),
            );
        }
        if e.large_months > 0 && f.outstanding_fen > f.monthly_redemptions_fen.saturating_mul(e.large_months as i64) {
            consider(
                e.large_percent,
                format!("预收余额超过 {} 个月的消费额按 {}% 存管", e.large_months, e.large_percent),
                format!("balance above {} months of redemptions at {}%", e.large_months, e.large_percent),
            );
        }
        let (percent, rule_zh, rule_en) = best;
        // Rounded up to the fen: the requirement is a floor.
        let required_fen = (f.outstanding_fen.max(0) * percent as i64 + 99) / 100;
        EscrowRequirement { percent, required_fen, rule_zh, rule_en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(y: i64) -> i64 {
        y * 100
    }

    fn facts(issuer: IssuerType, outstanding_fen: i64, months_open: u32, monthly: i64) -> EscrowFacts {
        EscrowFacts { issuer, outstanding_fen, months_open, monthly_redemptions_fen: monthly }
    }

    #[test]
    fn the_highest_applicable_ratio_wins() {
        let r = PrepaidRules::default();
        let group = r.escrow_requirement(&facts(IssuerType::Group, yuan(100_000), 36, yuan(50_000)));
        assert_eq!((group.percent, group.required_fen), (20, yuan(20_000)));
        let brand = r.escrow_requirement(&facts(IssuerType::Brand, yuan(100_000), 36, yuan(50_000)));
        assert_eq!(brand.percent, 30);
        // Above ¥200,000 the local tier lifts a group issuer to 40%.
        let big = r.escrow_requirement(&facts(IssuerType::Group, yuan(300_000), 36, yuan(50_000)));
        assert_eq!((big.percent, big.required_fen), (40, yuan(120_000)));
        assert!(big.rule_zh.contains("¥200,000.00"), "{}", big.rule_zh);
        // Young, or large against a year of redemptions: all of it.
        let young = r.escrow_requirement(&facts(IssuerType::Group, yuan(100_000), 5, yuan(50_000)));
        assert_eq!((young.percent, young.required_fen), (100, yuan(100_000)));
        let large = r.escrow_requirement(&facts(IssuerType::Group, yuan(100_000), 36, yuan(5_000)));
        assert_eq!(large.percent, 100);
        assert_eq!(r.escrow_requirement(&facts(IssuerType::Other, 1, 36, 1)).required_fen, 1, "rounded up");
    }

    #[test]
    fn the_defaults_parse_and_mistakes_are_named() {
        let r = PrepaidRules::default();
        assert_eq!(PrepaidRules::parse(&serde_json::to_value(&r).unwrap()).unwrap(), r);
        let mut doc = serde_json::to_value(&r).unwrap();
        doc["levels"]["orange"] = serde_json::json!(5);
        doc["escrow"]["by_issuer"].as_array_mut().unwrap().pop();
        doc["risk"][0]["bands"] = serde_json::json!([{"at_least": 5.0, "points": 1}, {"at_least": 2.0, "points": 2}]);
        let errors = PrepaidRules::parse(&doc).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["escrow.by_issuer.other", "risk[0].bands", "levels"], "{errors:?}");
        assert!(PrepaidRules::parse(&serde_json::json!({"escrow": 1})).is_err());
    }
}
