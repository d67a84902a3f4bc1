//! Safety incidents (事件登记) and what they propose. An incident — a fire, an accident, a
//! criminal case, a mass incident, a collective or bypass petition, a public-opinion incident,
//! a dispute turned violent — is recorded once by the staff who learn of it; the platform then
//! proposes the negative-list or veto item it matches for every unit it happened at, and
//! counts it against the village's "zeros". Nothing deducts until a reviewer confirms.

use super::template::{Severity, UnitTemplate};
use crate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of incident the register takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// 火灾
    Fire,
    /// 生产安全事故
    Accident,
    /// 道路交通事故
    Traffic,
    /// 刑事案件
    Criminal,
    /// 群体性事件
    Mass,
    /// 集体上访或越级上访
    Petition,
    /// 负面舆情
    Opinion,
    /// 矛盾纠纷激化为暴力(民转刑)
    Violence,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 8] = [
        IncidentKind::Fire,
        IncidentKind::Accident,
        IncidentKind::Traffic,
        IncidentKind::Criminal,
        IncidentKind::Mass,
        IncidentKind::Petition,
        IncidentKind::Opinion,
        IncidentKind::Violence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::Fire => "fire",
            IncidentKind::Accident => "accident",
            IncidentKind::Traffic => "traffic",
            IncidentKind::Criminal => "criminal",
            IncidentKind::Mass => "mass",
            IncidentKind::Petition => "petition",
            IncidentKind::Opinion => "opinion",
            IncidentKind::Violence => "violence",
        }
    }

    pub fn parse(s: &str) -> Option<IncidentKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            IncidentKind::Fire => "火灾",
            IncidentKind::Accident => "生产安全事故",
            IncidentKind::Traffic => "道路交通事故",
            IncidentKind::Criminal => "刑事案件",
            IncidentKind::Mass => "群体性事件",
            IncidentKind::Petition => "集体或越级上访",
            IncidentKind::Opinion => "负面舆情",
            IncidentKind::Violence => "矛盾纠纷激化为暴力",
        }
    }
}

/// A platform record that can propose a negative or veto item. Templates name these by code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source", content = "kind")]
pub enum ProposalSource {
    /// A registered incident of this kind.
    Incident(IncidentKind),
    /// A fire-hazard appeal about the unit, substantiated and closed (消防隐患).
    AppealFireHazard,
    /// An appeal about the unit that went overdue or whose reporter was not satisfied.
    AppealUnresolved,
    /// A dispute at the unit whose mediation climbed beyond the village.
    MediationEscalated,
}

impl ProposalSource {
    pub fn code(self) -> String {
        match self {
            ProposalSource::Incident(k) => format!("incident.{}", k.as_str()),
            ProposalSource::AppealFireHazard => "appeal.fire_hazard".into(),
            ProposalSource::AppealUnresolved => "appeal.unresolved".into(),
            ProposalSource::MediationEscalated => "mediation.escalated".into(),
        }
    }

    pub fn parse(code: &str) -> Option<ProposalSource> {
        match code {
            "appeal.fire_hazard" => Some(ProposalSource::AppealFireHazard),
            "appeal.unresolved" => Some(ProposalSource::AppealUnresolved),
            "mediation.escalated" => Some(ProposalSource::MediationEscalated),
            _ => code.strip_prefix("incident.").and_then(IncidentKind::parse).map(ProposalSource::Incident),
        }
    }

    pub fn zh(self) -> String {
        match self {
            ProposalSource::Incident(k) => format!("事件登记:{}", k.zh()),
            ProposalSource::AppealFireHazard => "诉求:消防隐患".into(),
            ProposalSource::AppealUnresolved => "诉求:超期或不满意".into(),
            ProposalSource::MediationEscalated => "调解:纠纷升级".into(),
        }
    }
}

/// Which list a proposal or a confirmed event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 负面清单: deducts by severity.
    Negative,
    /// 一票否决
    Veto,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Negative => "negative",
            ListKind::Veto => "veto",
        }
    }

    pub fn parse(s: &str) -> Option<ListKind> {
        [ListKind::Negative, ListKind::Veto].into_iter().find(|l| l.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ListKind::Negative => "负面清单",
            ListKind::Veto => "一票否决",
        }
    }
}

/// What a record proposes against a unit under a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposed {
    pub list: ListKind,
    pub code: String,
    pub severity: Severity,
}

/// The item a record of `source` and `severity` proposes: a veto item naming the source when
/// the record is 重大 or worse, otherwise the first negative item naming it; `None` when the
/// template names the source nowhere (then the record proposes nothing).
pub fn propose(t: &UnitTemplate, source: ProposalSource, severity: Severity) -> Option<Proposed> {
    let code = source.code();
    let names = |sources: &[String]| sources.contains(&code);
    if severity >= Severity::Major
        && let Some(v) = t.veto.iter().find(|v| names(&v.sources))
    {
        return Some(Proposed { list: ListKind::Veto, code: v.code.clone(), severity });
    }
    t.negative.iter().find(|n| names(&n.sources)).map(|n| Proposed {
        list: ListKind::Negative,
        code: n.code.clone(),
        severity,
    })
}

/// An incident as the form or API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawIncident {
    pub kind: String,
    pub severity: String,
    /// `YYYY-MM-DD`
    pub occurred_on: String,
    pub summary: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub casualties: u32,
}

/// A checked incident (its place and unit are the store's to check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentDraft {
    pub kind: IncidentKind,
    pub severity: Severity,
    pub occurred_on: NaiveDate,
    pub summary: String,
    pub address: Option<String>,
    pub casualties: u32,
}

const MAX_SUMMARY: usize = 2000;

impl RawIncident {
    /// Every mistake at once, by field. An incident cannot have happened after `today`.
    pub fn parse(&self, today: NaiveDate) -> Result<IncidentDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = IncidentKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择事件类别 / choose the kind of incident"));
        }
        let severity = Severity::parse(self.severity.trim());
        if severity.is_none() {
            errors.push(FieldError::new("severity", "请选择事件等级(一般/较大/重大/特大)/ choose the severity"));
        }
        let occurred_on = match NaiveDate::parse_from_str(self.occurred_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errors.push(FieldError::new("occurred_on", "发生日期不能晚于今天 / the date cannot be in the future"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors
                    .push(FieldError::new("occurred_on", "请填写发生日期,如 2026-05-01 / give the date as YYYY-MM-DD"));
                None
            }
        };
        let summary = self.summary.trim();
        if summary.is_empty() {
            errors.push(FieldError::new("summary", "请填写事件简要情况 / describe the incident"));
        } else if summary.chars().count() > MAX_SUMMARY {
            errors.push(FieldError::new(
                "summary",
                format!("简要情况不超过 {MAX_SUMMARY} 字 / at most {MAX_SUMMARY} characters"),
            ));
        }
        let address = self.address.trim();
        if address.chars().count() > 200 {
            errors.push(FieldError::new("address", "地址不超过 200 字 / at most 200 characters"));
        }
        match (kind, severity, occurred_on) {
            (Some(kind), Some(severity), Some(occurred_on)) if errors.is_empty() => Ok(IncidentDraft {
                kind,
                severity,
                occurred_on,
                summary: summary.to_owned(),
                address: (!address.is_empty()).then(|| address.to_owned()),
                casualties: self.casualties,
            }),
            _ => Err(errors),
        }
    }
}

/// Two addresses name the same place when they agree once blanks and punctuation are gone
/// (staff type 「德城区 新华路 12 号」 and 「德城区新华路12号」 for the same gate).
pub fn same_address(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    let (a, b) = (key(a), key(b));
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip_through_their_codes() {
        let all = IncidentKind::ALL.map(ProposalSource::Incident).into_iter().chain([
            ProposalSource::AppealFireHazard,
            ProposalSource::AppealUnresolved,
            ProposalSource::MediationEscalated,
        ]);
        for s in all {
            assert_eq!(ProposalSource::parse(&s.code()), Some(s));
        }
        assert_eq!(ProposalSource::parse("incident.flood"), None);
    }

    #[test]
    fn a_major_record_proposes_the_veto_and_a_lesser_one_the_negative_item() {
        let t = UnitTemplate::safe_unit_default();
        let fire = ProposalSource::Incident(IncidentKind::Fire);
        let p = propose(&t, fire, Severity::Ordinary).unwrap();
        assert_eq!((p.list, p.code.as_str()), (ListKind::Negative, "N09"));
        let p = propose(&t, fire, Severity::Major).unwrap();
        assert_eq!((p.list, p.code.as_str()), (ListKind::Veto, "V2"));
        let p = propose(&t, ProposalSource::Incident(IncidentKind::Criminal), Severity::Extraordinary).unwrap();
        assert_eq!((p.list, p.code.as_str()), (ListKind::Veto, "V1"));
        // A 重大 unresolved appeal: no veto item names it, so the negative item at 重大.
        let p = propose(&t, ProposalSource::AppealUnresolved, Severity::Major).unwrap();
        assert_eq!((p.list, p.code.as_str(), p.severity), (ListKind::Negative, "N23", Severity::Major));
        // Violence feeds the villages' zeros; the default unit template does not name it.
        assert_eq!(propose(&t, ProposalSource::Incident(IncidentKind::Violence), Severity::Ordinary), None);
    }

    #[test]
    fn an_incident_form_names_each_mistake() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let raw = RawIncident { kind: "flood".into(), occurred_on: "2026-12-01".into(), ..RawIncident::default() };
        let fields: Vec<String> = raw.parse(today).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "severity", "occurred_on", "summary"]);
        let raw = RawIncident {
            kind: "fire".into(),
            severity: "ordinary".into(),
            occurred_on: "2026-11-20".into(),
            summary: " 厨房油锅起火,已扑灭 ".into(),
            address: "  ".into(),
            casualties: 0,
        };
        let d = raw.parse(today).unwrap();
        assert_eq!((d.kind, d.summary.as_str(), d.address), (IncidentKind::Fire, "厨房油锅起火,已扑灭", None));
    }

    #[test]
    fn addresses_match_without_blanks_and_punctuation() {
        assert!(same_address("德城区 新华路 12 号", "德城区新华路12号"));
        assert!(!same_address("德城区新华路12号", "德城区新华路21号"));
        assert!(!same_address(" ", " "));
    }
}
