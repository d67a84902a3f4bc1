//! The risk model: a merchant's indicators (computed by the store from its flows, the
//! regulators' signals and the citizens' complaints) scored by the rules into a warning level
//! and a credit grade, each with the reasons that made it. Transparent by construction: the
//! score is the sum of the listed reasons' points, nothing else.

use super::rules::{EscrowRequirement, PrepaidRules};
use super::{CreditGrade, WarningLevel, format_yuan};
use serde::{Deserialize, Serialize};

/// What the rules can score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorCode {
    /// Escrow below the requirement, per cent of the requirement missing.
    EscrowShortfall,
    /// Card sales of the last 7 days ÷ the merchant's weekly average of the 12 weeks before.
    PresaleSurge,
    /// Per cent by which the last 30 days' redemptions fell below the monthly average of the
    /// 90 days before.
    RedemptionDecline,
    /// F01–F03 appeals linked to the merchant, last 30 days.
    Complaints30d,
    /// The same, last 365 days.
    ComplaintsYear,
    /// Refusals to refund found by regulators, last 90 days.
    RefundsRefused90d,
    RefundsRefusedYear,
    /// Closure notices, last 90 days.
    ClosureNotices,
    /// Relocation notices, last 90 days.
    RelocationNotices,
    /// Penalties and lawsuits, last 365 days.
    PenaltiesYear,
    /// Defaulter and abnormal-operation listings in force.
    ListingsActive,
    /// Payee-account changes, last 180 days.
    PayeeChanges180d,
    /// A stop order in force (1) or not (0).
    StopOrder,
}

/// A merchant's indicators at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    pub outstanding_fen: i64,
    pub escrow_fen: i64,
    pub required: EscrowRequirement,
    pub sales_7d_fen: i64,
    /// Weekly average of the 12 weeks before the last 7 days; `None` without history.
    pub sales_weekly_baseline_fen: Option<i64>,
    pub redemptions_30d_fen: i64,
    /// Monthly average of the 90 days before the last 30; `None` without history.
    pub redemptions_monthly_baseline_fen: Option<i64>,
    pub complaints_30d: u32,
    pub complaints_year: u32,
    pub refunds_refused_90d: u32,
    pub refunds_refused_year: u32,
    pub closure_notices: u32,
    pub relocation_notices: u32,
    pub penalties_year: u32,
    pub listings_active: u32,
    pub payee_changes_180d: u32,
    pub stop_order: bool,
}

/// Weekly baselines below this (¥1,000) are too thin to call a surge against.
const MIN_SALES_BASELINE_FEN: i64 = 100_000;

impl Indicators {
    /// Escrow ÷ outstanding, in per mille; `None` with nothing outstanding.
    pub fn coverage_permille(&self) -> Option<i64> {
        (self.outstanding_fen > 0).then(|| self.escrow_fen.saturating_mul(1000) / self.outstanding_fen)
    }

    pub fn shortfall_fen(&self) -> i64 {
        (self.required.required_fen - self.escrow_fen).max(0)
    }

    /// The indicator's value, or `None` when it cannot be measured (no history).
    pub fn value(&self, code: IndicatorCode) -> Option<f64> {
        use IndicatorCode::*;
        Some(match code {
            EscrowShortfall => {
                if self.required.required_fen <= 0 {
                    0.0
                } else {
                    self.shortfall_fen() as f64 * 100.0 / self.required.required_fen as f64
                }
            }
            PresaleSurge => {
                let base = self.sales_weekly_baseline_fen.filter(|b| *b >= MIN_SALES_BASELINE_FEN)?;
                self.sales_7d_fen as f64 / base as f64
            }
            RedemptionDecline => {
                let base = self.redemptions_monthly_baseline_fen.filter(|b| *b > 0)?;
                ((base - self.redemptions_30d_fen) as f64 * 100.0 / base as f64).max(0.0)
            }
            Complaints30d => self.complaints_30d as f64,
            ComplaintsYear => self.complaints_year as f64,
            RefundsRefused90d => self.refunds_refused_90d as f64,
            RefundsRefusedYear => self.refunds_refused_year as f64,
            ClosureNotices => self.closure_notices as f64,
            RelocationNotices => self.relocation_notices as f64,
            PenaltiesYear => self.penalties_year as f64,
            ListingsActive => self.listings_active as f64,
            PayeeChanges180d => self.payee_changes_180d as f64,
            StopOrder => u8::from(self.stop_order) as f64,
        })
    }

    /// The indicator as a person reads it, with its value: (zh, en).
    pub fn describe(&self, code: IndicatorCode) -> (String, String) {
        use IndicatorCode::*;
        let v = self.value(code).unwrap_or(0.0);
        match code {
            EscrowShortfall => (
                format!(
                    "存管资金缺口 {v:.0}%:应存管 {}({}),实存 {}",
                    format_yuan(self.required.required_fen),
                    self.required.rule_zh,
                    format_yuan(self.escrow_fen)
                ),
                format!(
                    "escrow short by {v:.0}%: {} required ({}), {} held",
                    format_yuan(self.required.required_fen),
                    self.required.rule_en,
                    format_yuan(self.escrow_fen)
                ),
            ),
            PresaleSurge => (
                format!(
                    "近 7 天售卡 {},是此前周均 {} 的 {v:.1} 倍",
                    format_yuan(self.sales_7d_fen),
                    format_yuan(self.sales_weekly_baseline_fen.unwrap_or(0))
                ),
                format!(
                    "card sales of the last 7 days {} are {v:.1}× the weekly average {}",
                    format_yuan(self.sales_7d_fen),
                    format_yuan(self.sales_weekly_baseline_fen.unwrap_or(0))
                ),
            ),
            RedemptionDecline => (
                format!(
                    "近 30 天核销 {},比此前月均 {} 下降 {v:.0}%",
                    format_yuan(self.redemptions_30d_fen),
                    format_yuan(self.redemptions_monthly_baseline_fen.unwrap_or(0))
                ),
                format!(
                    "redemptions of the last 30 days {} are {v:.0}% below the monthly average {}",
                    format_yuan(self.redemptions_30d_fen),
                    format_yuan(self.redemptions_monthly_baseline_fen.unwrap_or(0))
                ),
            ),
            Complaints30d => (format!("近 30 天相关投诉 {v:.0} 件"), format!("{v:.0} complaints in 30 days")),
            ComplaintsYear => (format!("近一年相关投诉 {v:.0} 件"), format!("{v:.0} complaints in a year")),
            RefundsRefused90d => (format!("近 90 天拒不退费 {v:.0} 次"), format!("{v:.0} refunds refused in 90 days")),
            RefundsRefusedYear => (format!("近一年拒不退费 {v:.0} 次"), format!("{v:.0} refunds refused in a year")),
            ClosureNotices => (format!("闭店通知 {v:.0} 份"), format!("{v:.0} closure notices")),
            RelocationNotices => (format!("迁址通知 {v:.0} 份"), format!("{v:.0} relocation notices")),
            PenaltiesYear => {
                (format!("近一年行政处罚、涉诉 {v:.0} 起"), format!("{v:.0} penalties or lawsuits in a year"))
            }
            ListingsActive => (
                format!("列入失信或经营异常名录 {v:.0} 项"),
                format!("{v:.0} defaulter or abnormal-operation listings"),
            ),
            PayeeChanges180d => {
                (format!("近半年变更收款账户 {v:.0} 次"), format!("payee account changed {v:.0} times in 180 days"))
            }
            StopOrder => ("处于停止发卡令中".into(), "under a stop order".into()),
        }
    }
}

/// One indicator's contribution, as listed to regulators and consumers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub indicator: IndicatorCode,
    pub points: u32,
    pub zh: String,
    pub en: String,
}

/// What the model concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub risk_score: u32,
    pub level: WarningLevel,
    /// The reasons of the risk score, largest first.
    pub reasons: Vec<Reason>,
    pub credit_score: u32,
    pub grade: CreditGrade,
    /// The deductions from 100, largest first.
    pub deductions: Vec<Reason>,
}

/// Score `ind` under `rules`.
pub fn assess(rules: &PrepaidRules, ind: &Indicators) -> Assessment {
    let mut reasons = Vec::new();
    for rule in &rules.risk {
        let Some(v) = ind.value(rule.indicator) else { continue };
        let points = rule.bands.iter().rev().find(|b| v >= b.at_least).map_or(0, |b| b.points);
        if points > 0 {
            let (zh, en) = ind.describe(rule.indicator);
            reasons.push(Reason { indicator: rule.indicator, points, zh, en });
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.points));
    let risk_score: u32 = reasons.iter().map(|r| r.points).sum();
    let l = &rules.levels;
    let level = match risk_score {
        s if s >= l.red => WarningLevel::Red,
        s if s >= l.orange => WarningLevel::Orange,
        s if s >= l.yellow => WarningLevel::Yellow,
        s if s >= l.blue => WarningLevel::Blue,
        _ => WarningLevel::None,
    };
    let mut deductions = Vec::new();
    for rule in &rules.credit {
        let Some(v) = ind.value(rule.indicator) else { continue };
        // Shortfall is a percentage: one point per `per_unit` whole per cent would punish
        // small gaps; it deducts its cap once any shortfall exists.
        let points = if rule.indicator == IndicatorCode::EscrowShortfall {
            if v >= 1.0 { rule.cap } else { 0 }
        } else {
            ((v.max(0.0) * rule.per_unit as f64) as u32).min(rule.cap)
        };
        if points > 0 {
            let (zh, en) = ind.describe(rule.indicator);
            deductions.push(Reason { indicator: rule.indicator, points, zh, en });
        }
    }
    deductions.sort_by_key(|r| std::cmp::Reverse(r.points));
    let credit_score = 100u32.saturating_sub(deductions.iter().map(|r| r.points).sum());
    let g = &rules.grades;
    let grade = match credit_score {
        s if s >= g.a => CreditGrade::A,
        s if s >= g.b => CreditGrade::B,
        s if s >= g.c => CreditGrade::C,
        _ => CreditGrade::D,
    };
    Assessment { risk_score, level, reasons, credit_score, grade, deductions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepaid::IssuerType;
    use crate::prepaid::rules::EscrowFacts;

    fn healthy() -> Indicators {
        let rules = PrepaidRules::default();
        let required = rules.escrow_requirement(&EscrowFacts {
            issuer: IssuerType::Brand,
            outstanding_fen: 10_000_000,
            months_open: 40,
            monthly_redemptions_fen: 3_000_000,
        });
        Indicators {
            outstanding_fen: 10_000_000,
            escrow_fen: 3_500_000,
            required,
            sales_7d_fen: 600_000,
            sales_weekly_baseline_fen: Some(500_000),
            redemptions_30d_fen: 3_000_000,
            redemptions_monthly_baseline_fen: Some(3_100_000),
            complaints_30d: 0,
            complaints_year: 1,
            refunds_refused_90d: 0,
            refunds_refused_year: 0,
            closure_notices: 0,
            relocation_notices: 0,
            penalties_year: 0,
            listings_active: 0,
            payee_changes_180d: 0,
            stop_order: false,
        }
    }

    #[test]
    fn a_healthy_merchant_has_no_warning_and_grade_a() {
        let a = assess(&PrepaidRules::default(), &healthy());
        assert_eq!((a.level, a.risk_score), (WarningLevel::None, 0), "{:?}", a.reasons);
        assert_eq!((a.grade, a.credit_score), (CreditGrade::A, 98));
        assert_eq!(a.deductions.len(), 1);
    }

    #[test]
    fn a_gym_that_sells_hard_and_then_closes_reaches_red_with_its_reasons() {
        let mut ind = healthy();
        ind.sales_7d_fen = 4_000_000; // 8× the baseline
        ind.redemptions_30d_fen = 900_000; // −71%
        ind.escrow_fen = 1_000_000; // 29% of the 30% required → 71% short
        ind.complaints_30d = 6;
        ind.closure_notices = 1;
        let a = assess(&PrepaidRules::default(), &ind);
        assert_eq!(a.level, WarningLevel::Red);
        assert_eq!(a.risk_score, a.reasons.iter().map(|r| r.points).sum::<u32>());
        let codes: Vec<_> = a.reasons.iter().map(|r| r.indicator).collect();
        assert_eq!(codes[0], IndicatorCode::ClosureNotices, "largest first");
        for want in [IndicatorCode::PresaleSurge, IndicatorCode::RedemptionDecline, IndicatorCode::EscrowShortfall] {
            assert!(codes.contains(&want), "{want:?} in {codes:?}");
        }
        let surge = a.reasons.iter().find(|r| r.indicator == IndicatorCode::PresaleSurge).unwrap();
        assert!(surge.zh.contains("8.0 倍"), "{}", surge.zh);
        assert!(a.grade <= CreditGrade::C, "{:?} {}", a.grade, a.credit_score);
    }

    #[test]
    fn each_level_starts_at_its_threshold() {
        let rules = PrepaidRules::default();
        let mut ind = healthy();
        ind.payee_changes_180d = 2; // 15 points
        assert_eq!(assess(&rules, &ind).level, WarningLevel::Blue);
        ind.complaints_30d = 2; // +10 = 25
        assert_eq!(assess(&rules, &ind).level, WarningLevel::Yellow);
        ind.stop_order = true; // +30 = 55
        assert_eq!(assess(&rules, &ind).level, WarningLevel::Orange);
        ind.closure_notices = 1; // +40 = 95
        assert_eq!(assess(&rules, &ind).level, WarningLevel::Red);
    }

    #[test]
    fn no_history_means_no_surge_or_decline_is_claimed() {
        let mut ind = healthy();
        ind.sales_weekly_baseline_fen = None;
        ind.redemptions_monthly_baseline_fen = None;
        ind.sales_7d_fen = 99_000_000;
        ind.redemptions_30d_fen = 0;
        assert_eq!(assess(&PrepaidRules::default(), &ind).level, WarningLevel::None);
        // A thin baseline (under ¥1,000 a week) is no baseline either.
        ind.sales_weekly_baseline_fen = Some(50_000);
        assert!(ind.value(IndicatorCode::PresaleSurge).is_none());
        assert_eq!(ind.coverage_permille(), Some(350));
    }
}
