//! The risk level of an open dispute (矛盾纠纷风险等级) and the reasons for it.

use serde::{Deserialize, Serialize};

/// What raises a dispute's risk, as recorded by the mediator or grid worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskFactors {
    /// 扬言报复、自杀等过激言论
    pub threats: bool,
    /// 已发生肢体冲突或暴力
    pub violence: bool,
    /// Number of people on all sides (群体性: many parties).
    pub people: u32,
    /// Earlier cases between the same parties or at the same place (重复纠纷).
    pub earlier_cases: u32,
}

/// 低 / 中 / 高
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            RiskLevel::Low => "低风险",
            RiskLevel::Medium => "中风险",
            RiskLevel::High => "高风险",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            RiskLevel::Low => "Low risk",
            RiskLevel::Medium => "Medium risk",
            RiskLevel::High => "High risk",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High].into_iter().find(|x| x.as_str() == s)
    }
}

/// Parties on all sides from which a dispute counts as involving many people (群体性纠纷的苗头).
pub const MANY_PEOPLE: u32 = 5;

/// A level and the reasons that produced it, in Chinese, for the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    pub level: RiskLevel,
    pub reasons: Vec<String>,
}

impl RiskFactors {
    /// Violence or threats make a dispute high-risk at once; many people or a repeated dispute
    /// make it medium, and both together high.
    pub fn assess(&self) -> RiskAssessment {
        let mut reasons = Vec::new();
        let mut grave = false;
        if self.violence {
            reasons.push("已发生肢体冲突".to_owned());
            grave = true;
        }
        if self.threats {
            reasons.push("有扬言报复等过激言行".to_owned());
            grave = true;
        }
        let many = self.people >= MANY_PEOPLE;
        if many {
            reasons.push(format!("涉及 {} 人", self.people));
        }
        let repeated = self.earlier_cases > 0;
        if repeated {
            reasons.push(format!("同一当事人或地点此前有 {} 起纠纷", self.earlier_cases));
        }
        let level = if grave || (many && repeated) {
            RiskLevel::High
        } else if many || repeated {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        };
        RiskAssessment { level, reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violence_or_threats_are_high_and_the_reasons_say_why() {
        let a = RiskFactors { violence: true, people: 2, ..RiskFactors::default() }.assess();
        assert_eq!(a.level, RiskLevel::High);
        assert_eq!(a.reasons, ["已发生肢体冲突"]);
        assert_eq!(RiskFactors { threats: true, ..RiskFactors::default() }.assess().level, RiskLevel::High);
    }

    #[test]
    fn many_people_or_repetition_are_medium_and_both_high() {
        let many = RiskFactors { people: MANY_PEOPLE, ..RiskFactors::default() };
        assert_eq!(many.assess().level, RiskLevel::Medium);
        let repeated = RiskFactors { people: 2, earlier_cases: 1, ..RiskFactors::default() };
        assert_eq!(repeated.assess().level, RiskLevel::Medium);
        let both = RiskFactors { people: 8, earlier_cases: 2, ..RiskFactors::default() };
        assert_eq!(both.assess().level, RiskLevel::High);
        assert_eq!(RiskFactors { people: 2, ..RiskFactors::default() }.assess().level, RiskLevel::Low);
    }
}
