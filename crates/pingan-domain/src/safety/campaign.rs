//! A yearly campaign (创建活动): which template it runs on, until when units may apply, and how
//! long a passed result stays on public notice (公示) for objections.

use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Kinds of campaign, each run on its own kind of versioned document: the 平安单位 scorecard,
/// the 五零 zeros, the 四级联创 formula. A campaign keeps the version it opened with, so a
/// year's results keep that year's rules. The kind is part of a campaign's identity (one per
/// kind, year and region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// 平安单位: units apply and are assessed on the scorecard.
    SafeUnit,
    /// 平安"五零"村(社区): every village is evaluated against the zeros.
    FiveZero,
    /// 四级联创 county and township scoring by the formula.
    County,
}

impl CampaignKind {
    pub const ALL: [CampaignKind; 3] = [CampaignKind::SafeUnit, CampaignKind::FiveZero, CampaignKind::County];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::SafeUnit => "safe_unit",
            CampaignKind::FiveZero => "five_zero",
            CampaignKind::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            CampaignKind::SafeUnit => "平安单位",
            CampaignKind::FiveZero => "平安\u{201c}五零\u{201d}村(社区)",
            CampaignKind::County => "四级联创考核",
        }
    }

    /// The kind of versioned document the campaign runs on.
    pub fn document(self) -> &'static str {
        match self {
            CampaignKind::SafeUnit => "safe_unit",
            CampaignKind::FiveZero => "five_zero",
            CampaignKind::County => "county_formula",
        }
    }

    /// Whether units apply to it (the other kinds evaluate every area without asking).
    pub fn takes_applications(self) -> bool {
        self == CampaignKind::SafeUnit
    }
}

/// A campaign as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawCampaign {
    pub name: String,
    pub year: i32,
    /// `YYYY-MM-DD`: the last day applications are taken (平安单位), or by which the year's
    /// evaluation is settled (the other kinds).
    pub apply_until: String,
    /// Working days of public notice; 5 when not given.
    #[serde(default)]
    pub notice_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignDraft {
    pub name: String,
    pub year: i32,
    pub apply_until: NaiveDate,
    pub notice_days: u32,
}

/// 公示 of at least five working days is the common rule for honours.
pub const DEFAULT_NOTICE_DAYS: u32 = 5;

impl RawCampaign {
    /// Every mistake at once. A campaign is for this year or the next, and its application
    /// deadline is not already past.
    pub fn parse(&self, today: NaiveDate) -> Result<CampaignDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new("name", "请填写活动名称(100 字以内)/ a name of at most 100 characters"));
        }
        if !(today.year()..=today.year() + 1).contains(&self.year) {
            errors.push(FieldError::new(
                "year",
                format!("年度须为 {} 或 {} / the year must be this year or the next", today.year(), today.year() + 1),
            ));
        }
        let apply_until = match NaiveDate::parse_from_str(self.apply_until.trim(), "%Y-%m-%d") {
            Ok(d) if d < today => {
                errors.push(FieldError::new("apply_until", "申报截止日期已过 / the deadline is already past"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new(
                    "apply_until",
                    "请填写申报截止日期,如 2026-06-30 / give the date as YYYY-MM-DD",
                ));
                None
            }
        };
        let notice_days = self.notice_days.unwrap_or(DEFAULT_NOTICE_DAYS);
        if !(1..=30).contains(&notice_days) {
            errors.push(FieldError::new("notice_days", "公示期为 1 到 30 个工作日 / 1 to 30 working days"));
        }
        match apply_until {
            Some(apply_until) if errors.is_empty() => {
                Ok(CampaignDraft { name: name.to_owned(), year: self.year, apply_until, notice_days })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_form_names_each_mistake() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let raw = RawCampaign { name: " ".into(), year: 2024, apply_until: "2026-02-01".into(), notice_days: Some(0) };
        let fields: Vec<String> = raw.parse(today).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "year", "apply_until", "notice_days"]);
        let raw = RawCampaign {
            name: "2026年度平安单位创建".into(),
            year: 2026,
            apply_until: "2026-06-30".into(),
            notice_days: None,
        };
        let d = raw.parse(today).unwrap();
        assert_eq!((d.notice_days, d.apply_until.to_string().as_str()), (5, "2026-06-30"));
    }
}
