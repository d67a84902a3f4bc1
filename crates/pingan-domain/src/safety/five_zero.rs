//! 平安"五零"村(社区): each "zero" is a kind of event that must not occur at a village in the
//! assessment period (DOMAIN §6). A village holds a zero when no record of it is found — the
//! incident register, and for disputes turned violent also the mediation cases whose parties
//! came to blows — and the evaluation lists the records behind every broken zero.

use super::incident::IncidentKind;
use super::template::Severity;
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
    /// `incident` or `mediation`.
    pub source: String,
    pub id: i64,
    pub on: NaiveDate,
    /// What it is, without the people in it.
    pub summary: String,
    /// For incidents: their kind and severity.
    pub kind: Option<IncidentKind>,
    pub severity: Option<Severity>,
}

/// One zero's result at one village, with the records that broke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZeroResult {
    pub code: String,
    pub name: String,
    pub held: bool,
    pub evidence: Vec<Record>,
}

/// Evaluate a village's records against the zeros.
pub fn evaluate(zeros: &[Zero], records: &[Record]) -> Vec<ZeroResult> {
    zeros
        .iter()
        .map(|z| {
            let evidence: Vec<Record> = records
                .iter()
                .filter(|r| match (r.source.as_str(), r.kind, r.severity) {
                    ("incident", Some(kind), Some(severity)) => z.kinds.contains(&kind) && severity >= z.min_severity,
                    ("mediation", _, _) => z.violent_disputes,
                    _ => false,
                })
                .cloned()
                .collect();
            ZeroResult { code: z.code.clone(), name: z.name.clone(), held: evidence.is_empty(), evidence }
        })
        .collect()
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
        let results = evaluate(&zeros, &records);
        let held: Vec<(&str, bool, usize)> =
            results.iter().map(|r| (r.code.as_str(), r.held, r.evidence.len())).collect();
        assert_eq!(held, [("Z1", false, 1), ("Z2", true, 0), ("Z3", true, 0), ("Z4", true, 0), ("Z5", false, 1)]);
        assert_eq!(results[4].evidence[0].id, 9);
        let major_fire = evaluate(&zeros, &[incident(IncidentKind::Fire, Severity::Major)]);
        assert!(!major_fire[1].held);
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
