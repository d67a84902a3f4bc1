//! 平安"五零"村(社区): each "zero" is a kind of event that must not occur at a village in the
//! assessment period (DOMAIN §6). A village holds a zero when no record of it is found — the
//! incident register (where an appeal found to be such an event is registered), for disputes
//! turned violent also the mediation cases whose parties came to blows, and the township's
//! manual confirmations — and the evaluation lists the records behind every broken zero.
//!
//! The zeros are configurable ([`ZeroRules`]), versioned by the store like the scorecard.

use super::incident::IncidentKind;
use super::template::Severity;
use crate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One zero and the records that break it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zero {
    pub code: String,
    pub name: String,
    /// Incident kinds that break it …
    pub kinds: Vec<IncidentKind>,
    /// … from this severity up.
    pub min_severity: Severity,
    /// A mediation case whose parties came to blows breaks it too.
    #[serde(default)]
    pub violent_disputes: bool,
}

/// The zeros in force: a document administrators edit, versioned by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZeroRules {
    pub zeros: Vec<Zero>,
}

impl Default for ZeroRules {
    fn default() -> Self {
        ZeroRules { zeros: default_zeros() }
    }
}

/// At most this many zeros: the programme's "五零" is five, and a few local additions.
pub const MAX_ZEROS: usize = 10;

impl ZeroRules {
    /// Parse an administrator's zeros: every mistake at once, by field.
    pub fn parse(doc: &serde_json::Value) -> Result<ZeroRules, Vec<FieldError>> {
        let rules: ZeroRules = serde_json::from_value(doc.clone())
            .map_err(|e| vec![FieldError::new("zeros", format!("格式有误 / the zeros are malformed: {e}"))])?;
        let mut errors = Vec::new();
        if rules.zeros.is_empty() || rules.zeros.len() > MAX_ZEROS {
            errors.push(FieldError::new(
                "zeros",
                format!("须有 1 到 {MAX_ZEROS} 个“零” / between 1 and {MAX_ZEROS} zeros"),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, z) in rules.zeros.iter().enumerate() {
            let code = z.code.as_str();
            if code.is_empty() || code.len() > 8 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                errors.push(FieldError::new(
                    format!("zeros[{i}].code"),
                    "编号为 1 到 8 位字母或数字 / a code of 1 to 8 letters or digits",
                ));
            } else if seen.contains(&code) {
                errors.push(FieldError::new(format!("zeros[{i}].code"), format!("编号 {code} 重复 / used twice")));
            }
            seen.push(code);
            let name = z.name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                errors.push(FieldError::new(
                    format!("zeros[{i}].name"),
                    "请填写名称(30 字以内)/ a name of at most 30 characters",
                ));
            }
            let mut kinds = z.kinds.clone();
            kinds.sort_by_key(|k| k.as_str());
            kinds.dedup();
            if kinds.len() != z.kinds.len() {
                errors.push(FieldError::new(format!("zeros[{i}].kinds"), "事件类型重复 / a kind listed twice"));
            }
        }
        if errors.is_empty() { Ok(rules) } else { Err(errors) }
    }

    pub fn zero(&self, code: &str) -> Option<&Zero> {
        self.zeros.iter().find(|z| z.code == code)
    }
}

impl Zero {
    /// Only a township's confirmation can break it: the platform keeps no record of its kind.
    pub fn manual_only(&self) -> bool {
        self.kinds.is_empty() && !self.violent_disputes
    }
}

/// The default zeros *(configurable)*: criminal cases, major safety accidents, bypass-level
/// petitions, mass incidents, disputes escalated to violence.
pub fn default_zeros() -> Vec<Zero> {
    let zero = |code: &str, name: &str, kinds: &[IncidentKind], min_severity, violent_disputes| Zero {
        code: code.into(),
        name: name.into(),
        kinds: kinds.to_vec(),
        min_severity,
        violent_disputes,
    };
    use IncidentKind::*;
    vec![
        zero("Z1", "零刑事案件", &[Criminal], Severity::Ordinary, false),
        zero("Z2", "零重大安全事故", &[Fire, Accident, Traffic], Severity::Major, false),
        zero("Z3", "零越级上访", &[Petition], Severity::Ordinary, false),
        zero("Z4", "零群体性事件", &[Mass], Severity::Ordinary, false),
        zero("Z5", "零民转刑案件", &[Violence], Severity::Ordinary, true),
    ]
}

/// A record found against a village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// `incident`, `mediation`, or `manual` (a township's confirmation that a zero was broken).
    pub source: String,
    pub id: i64,
    pub on: NaiveDate,
    /// What it is, without the people in it.
    pub summary: String,
    /// For incidents: their kind and severity.
    pub kind: Option<IncidentKind>,
    pub severity: Option<Severity>,
    /// For manual confirmations: the zero they break.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero: Option<String>,
}

/// A township's decision that a record does not count against one zero at one village (it was
/// registered at the wrong place, or turned out not to be such an event), with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The confirmation's own id.
    pub id: i64,
    pub zero: String,
    pub source: String,
    pub record_id: i64,
    pub reason: String,
}

/// One zero's result at one village, with the records that broke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZeroResult {
    pub code: String,
    pub name: String,
    pub held: bool,
    pub evidence: Vec<Record>,
    /// Records that would have broken it, set aside by a township with a reason.
    pub excluded: Vec<(Record, Exclusion)>,
}

/// Evaluate a village's records against the zeros, setting aside the excluded ones.
pub fn evaluate(zeros: &[Zero], records: &[Record], exclusions: &[Exclusion]) -> Vec<ZeroResult> {
    zeros
        .iter()
        .map(|z| {
            let (mut evidence, mut excluded) = (Vec::new(), Vec::new());
            for r in records.iter().filter(|r| breaks(z, r)) {
                match exclusions.iter().find(|x| x.zero == z.code && x.source == r.source && x.record_id == r.id) {
                    Some(x) => excluded.push((r.clone(), x.clone())),
                    None => evidence.push(r.clone()),
                }
            }
            ZeroResult { code: z.code.clone(), name: z.name.clone(), held: evidence.is_empty(), evidence, excluded }
        })
        .collect()
}

/// Whether `r` is a record of the kind that breaks `z`.
pub fn breaks(z: &Zero, r: &Record) -> bool {
    match (r.source.as_str(), r.kind, r.severity) {
        ("incident", Some(kind), Some(severity)) => z.kinds.contains(&kind) && severity >= z.min_severity,
        ("mediation", _, _) => z.violent_disputes,
        ("manual", _, _) => r.zero.as_deref() == Some(z.code.as_str()),
        _ => false,
    }
}

/// A township's confirmation on a village's evaluation, as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawConfirmation {
    /// The zero's code.
    pub zero: String,
    /// `broken` (an event the platform holds no record of) or `excluded` (a record set aside).
    pub verdict: String,
    /// broken: the day of the event, `YYYY-MM-DD`.
    #[serde(default)]
    pub occurred_on: Option<String>,
    /// excluded: `incident` or `mediation`, and the record's id.
    #[serde(default)]
    pub record_source: Option<String>,
    #[serde(default)]
    pub record_id: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The zero was broken by an event of `on` that the platform holds no record of.
    Broken { on: NaiveDate },
    /// This record does not count against the zero.
    Excluded { source: String, record_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfirmationDraft {
    pub zero: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub reason: String,
}

impl RawConfirmation {
    /// Every mistake at once: the zero must be one of `rules`, a broken zero's event fall in
    /// `year` and not after `today`, and a reason is always given.
    pub fn parse(&self, rules: &ZeroRules, year: i32, today: NaiveDate) -> Result<ConfirmationDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let zero = self.zero.trim();
        if rules.zero(zero).is_none() {
            errors.push(FieldError::new("zero", "请选择一个“零” / choose one of the zeros"));
        }
        let reason = self.reason.trim();
        if reason.chars().count() < 4 || reason.chars().count() > 500 {
            errors.push(FieldError::new("reason", "请写明依据(4 到 500 字)/ give the reason in 4 to 500 characters"));
        }
        let verdict = match self.verdict.as_str() {
            "broken" => {
                let on = self.occurred_on.as_deref().map(str::trim).unwrap_or_default();
                match NaiveDate::parse_from_str(on, "%Y-%m-%d") {
                    Ok(d) if chrono::Datelike::year(&d) != year || d > today => {
                        errors.push(FieldError::new(
                            "occurred_on",
                            format!("发生日期须在 {year} 年内且不晚于今天 / a day of {year}, not after today"),
                        ));
                        None
                    }
                    Ok(d) => Some(Verdict::Broken { on: d }),
                    Err(_) => {
                        errors.push(FieldError::new(
                            "occurred_on",
                            "请填写发生日期,如 2026-05-01 / give the day as YYYY-MM-DD",
                        ));
                        None
                    }
                }
            }
            "excluded" => {
                let source = self.record_source.as_deref().unwrap_or_default();
                if !matches!(source, "incident" | "mediation") {
                    errors.push(FieldError::new(
                        "record_source",
                        "记录须为事件或调解案件 / an incident or a mediation case",
                    ));
                }
                match self.record_id {
                    Some(id) if id > 0 => Some(Verdict::Excluded { source: source.to_owned(), record_id: id }),
                    _ => {
                        errors.push(FieldError::new("record_id", "请指明要核销的记录 / name the record to set aside"));
                        None
                    }
                }
            }
            _ => {
                errors.push(FieldError::new("verdict", "请选择“确认打破”或“核销记录” / broken or excluded"));
                None
            }
        };
        match verdict {
            Some(verdict) if errors.is_empty() => {
                Ok(ConfirmationDraft { zero: zero.to_owned(), verdict, reason: reason.to_owned() })
            }
            _ => Err(errors),
        }
    }
}

/// 五零 success over a set of villages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FiveZeroRate {
    pub villages: u64,
    /// Villages that held every zero.
    pub held: u64,
    /// `held / villages`; `None` without villages.
    pub rate: Option<f64>,
}

impl FiveZeroRate {
    pub fn add(&mut self, held_all: bool) {
        self.villages += 1;
        self.held += u64::from(held_all);
        self.rate = Some(self.held as f64 / self.villages as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(kind: IncidentKind, severity: Severity) -> Record {
        Record {
            source: "incident".into(),
            id: 1,
            on: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            summary: "事件".into(),
            kind: Some(kind),
            severity: Some(severity),
            zero: None,
        }
    }

    #[test]
    fn each_zero_lists_what_broke_it() {
        let zeros = default_zeros();
        let records = [
            incident(IncidentKind::Criminal, Severity::Ordinary),
            incident(IncidentKind::Fire, Severity::Serious), // below 重大: no broken zero
            Record {
                source: "mediation".into(),
                kind: None,
                severity: None,
                id: 9,
                ..incident(IncidentKind::Mass, Severity::Ordinary)
            },
        ];
        let results = evaluate(&zeros, &records, &[]);
        let held: Vec<(&str, bool, usize)> =
            results.iter().map(|r| (r.code.as_str(), r.held, r.evidence.len())).collect();
        assert_eq!(held, [("Z1", false, 1), ("Z2", true, 0), ("Z3", true, 0), ("Z4", true, 0), ("Z5", false, 1)]);
        assert_eq!(results[4].evidence[0].id, 9);
        let major_fire = evaluate(&zeros, &[incident(IncidentKind::Fire, Severity::Major)], &[]);
        assert!(!major_fire[1].held);
    }

    #[test]
    fn confirmations_break_a_zero_or_set_a_record_aside() {
        let zeros = default_zeros();
        let manual = Record {
            source: "manual".into(),
            id: 3,
            kind: None,
            severity: None,
            zero: Some("Z3".into()),
            ..incident(IncidentKind::Mass, Severity::Ordinary)
        };
        let crime = incident(IncidentKind::Criminal, Severity::Ordinary);
        let aside = Exclusion {
            id: 4,
            zero: "Z1".into(),
            source: "incident".into(),
            record_id: crime.id,
            reason: "登记地点有误".into(),
        };
        let results = evaluate(&zeros, &[manual, crime], &[aside]);
        assert!(results[0].held, "the criminal case was set aside");
        assert_eq!(results[0].excluded.len(), 1);
        assert!(!results[2].held, "the township confirmed a bypass petition");
        assert_eq!(results[2].evidence[0].source, "manual");
        assert!(results.iter().filter(|r| r.code != "Z3").all(|r| r.held));
    }

    #[test]
    fn a_confirmation_names_each_mistake() {
        let rules = ZeroRules::default();
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let raw = RawConfirmation {
            zero: "Z9".into(),
            verdict: "broken".into(),
            occurred_on: Some("2026-07-01".into()),
            reason: "有".into(),
            ..Default::default()
        };
        let fields: Vec<String> = raw.parse(&rules, 2026, today).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["zero", "reason", "occurred_on"]);
        let raw = RawConfirmation {
            zero: "Z1".into(),
            verdict: "excluded".into(),
            record_source: Some("appeal".into()),
            reason: "登记地点有误,实为邻村".into(),
            ..Default::default()
        };
        let fields: Vec<String> = raw.parse(&rules, 2026, today).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["record_source", "record_id"]);
        let raw = RawConfirmation { record_source: Some("incident".into()), record_id: Some(7), ..raw };
        let draft = raw.parse(&rules, 2026, today).unwrap();
        assert_eq!(draft.verdict, Verdict::Excluded { source: "incident".into(), record_id: 7 });
    }

    #[test]
    fn zero_rules_name_each_mistake() {
        let doc = serde_json::json!({ "zeros": [
            { "code": "Z1", "name": "零刑事案件", "kinds": ["criminal"], "min_severity": "ordinary" },
            { "code": "Z1", "name": " ", "kinds": ["fire", "fire"], "min_severity": "major" },
            { "code": "零", "name": "零邪教", "kinds": [], "min_severity": "ordinary" },
        ]});
        let fields: Vec<String> = ZeroRules::parse(&doc).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["zeros[1].code", "zeros[1].name", "zeros[1].kinds", "zeros[2].code"]);
        let back = serde_json::to_value(ZeroRules::default()).unwrap();
        let rules = ZeroRules::parse(&back).unwrap();
        assert_eq!(rules.zeros.len(), 5);
        assert!(rules.zeros.iter().all(|z| !z.manual_only()));
        assert!(ZeroRules::parse(&serde_json::json!({ "zeros": [] })).is_err());
    }

    #[test]
    fn the_rate_counts_villages_that_held_every_zero() {
        let mut r = FiveZeroRate::default();
        assert_eq!(r.rate, None);
        for held in [true, true, false, true] {
            r.add(held);
        }
        assert_eq!((r.villages, r.held, r.rate), (4, 3, Some(0.75)));
    }
}
