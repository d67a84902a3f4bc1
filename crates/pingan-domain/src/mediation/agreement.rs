//! The mediation agreement (调解协议书) and the judicial-confirmation window.
//!
//! 人民调解法 第二十九条: an agreement states the parties; the main facts, the disputed matters and
//! each party's responsibility; what was agreed, and how and by when it will be performed.
//! 第三十三条: within 30 days of its taking effect the parties may jointly apply to a court for
//! judicial confirmation.

use crate::FieldError;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days after the agreement takes effect in which the parties may apply for judicial
/// confirmation (司法确认).
pub const JUDICIAL_WINDOW_DAYS: u64 = 30;

/// The last day on which judicial confirmation may be applied for.
pub fn judicial_window_end(effective: NaiveDate) -> NaiveDate {
    effective.checked_add_days(Days::new(JUDICIAL_WINDOW_DAYS)).unwrap_or(NaiveDate::MAX)
}

/// Written (书面) or oral (口头, recorded by the mediator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementForm {
    Written,
    Oral,
}

impl AgreementForm {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementForm::Written => "written",
            AgreementForm::Oral => "oral",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            AgreementForm::Written => "书面协议",
            AgreementForm::Oral => "口头协议",
        }
    }
}

/// An agreement with its statutory content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub form: AgreementForm,
    /// 纠纷的主要事实、争议事项以及各方当事人的责任
    pub facts: String,
    /// 当事人达成调解协议的内容
    pub terms: String,
    /// 履行方式
    pub performance_manner: String,
    /// 履行期限: the last day of performance.
    pub performance_due: NaiveDate,
    /// The day it took effect (signed, sealed).
    pub effective: NaiveDate,
}

/// An agreement as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawAgreement {
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default)]
    pub facts: String,
    #[serde(default)]
    pub terms: String,
    #[serde(default)]
    pub performance_manner: String,
    #[serde(default)]
    pub performance_due: Option<String>,
    #[serde(default)]
    pub effective: Option<String>,
}

const MAX_TEXT: usize = 5000;

impl Agreement {
    /// Check an agreement reached on `today`: every statutory part present, dates that make
    /// sense (effective no later than today, performance no earlier than effect).
    pub fn parse(raw: &RawAgreement, today: NaiveDate) -> Result<Agreement, Vec<FieldError>> {
        let mut errors = Vec::new();
        let form = match raw.form.as_deref().map(str::trim) {
            None | Some("") | Some("written") => Some(AgreementForm::Written),
            Some("oral") => Some(AgreementForm::Oral),
            Some(_) => {
                errors.push(FieldError::new("form", "须为 written(书面)或 oral(口头) / must be written or oral"));
                None
            }
        };
        let mut text = |field: &'static str, value: &str, what: &str| {
            let v = value.trim().to_owned();
            if v.is_empty() {
                errors.push(FieldError::new(field, format!("协议须写明{what} / the agreement must state {field}")));
            } else if v.chars().count() > MAX_TEXT {
                errors.push(FieldError::new(field, format!("不超过 {MAX_TEXT} 字 / at most {MAX_TEXT} characters")));
            }
            v
        };
        let facts = text("facts", &raw.facts, "主要事实、争议事项及各方责任");
        let terms = text("terms", &raw.terms, "协议内容");
        let performance_manner = text("performance_manner", &raw.performance_manner, "履行方式");
        let mut date = |field: &'static str, value: Option<&str>, default: Option<NaiveDate>| match value
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new(field, "日期格式须为 YYYY-MM-DD / a date is YYYY-MM-DD"));
                    None
                }
            },
            None if default.is_some() => default,
            None => {
                errors.push(FieldError::new(field, "请填写履行期限 / the performance date is required"));
                None
            }
        };
        let effective = date("effective", raw.effective.as_deref(), Some(today));
        let performance_due = date("performance_due", raw.performance_due.as_deref(), None);
        if let Some(e) = effective
            && e > today
        {
            errors.push(FieldError::new(
                "effective",
                "生效日期不能晚于今天 / the agreement cannot take effect in the future",
            ));
        }
        if let (Some(e), Some(p)) = (effective, performance_due)
            && p < e
        {
            errors.push(FieldError::new(
                "performance_due",
                "履行期限不能早于协议生效日期 / performance cannot be due before the agreement takes effect",
            ));
        }
        match (form, effective, performance_due) {
            (Some(form), Some(effective), Some(performance_due)) if errors.is_empty() => {
                Ok(Agreement { form, facts, terms, performance_manner, performance_due, effective })
            }
            _ => Err(errors),
        }
    }

    pub fn judicial_window_end(&self) -> NaiveDate {
        judicial_window_end(self.effective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn raw() -> RawAgreement {
        RawAgreement {
            form: None,
            facts: "双方因院墙排水发生争执".into(),
            terms: "李四于月底前改建排水沟".into(),
            performance_manner: "自行施工".into(),
            performance_due: Some("2026-12-31".into()),
            effective: Some("2026-11-27".into()),
        }
    }

    #[test]
    fn a_complete_agreement_parses_with_its_window() {
        let a = Agreement::parse(&raw(), d("2026-11-27")).unwrap();
        assert_eq!(a.form, AgreementForm::Written);
        assert_eq!(a.judicial_window_end(), d("2026-12-27"));
    }

    #[test]
    fn missing_terms_or_performance_date_are_named() {
        let r = RawAgreement { terms: " ".into(), performance_due: None, ..raw() };
        let fields: Vec<String> =
            Agreement::parse(&r, d("2026-11-27")).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["terms", "performance_due"]);
    }

    #[test]
    fn dates_must_be_in_order_and_not_in_the_future() {
        let early = RawAgreement { performance_due: Some("2026-11-01".into()), ..raw() };
        assert_eq!(Agreement::parse(&early, d("2026-11-27")).unwrap_err()[0].field, "performance_due");
        let future = RawAgreement { effective: Some("2026-11-28".into()), ..raw() };
        assert_eq!(Agreement::parse(&future, d("2026-11-27")).unwrap_err()[0].field, "effective");
        let bad = RawAgreement { effective: Some("27/11/2026".into()), ..raw() };
        assert_eq!(Agreement::parse(&bad, d("2026-11-27")).unwrap_err()[0].field, "effective");
    }
}
