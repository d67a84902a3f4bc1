//! 平安"五零"村(社区) evaluated from the platform's records: the year's incidents at each
//! village and its disputes that came to blows, against the zeros
//! ([`pingan_domain::safety::five_zero`]); success rates per township and county.

use super::require;
use crate::{Result, Store, StoreError, on_pool};
use chrono::NaiveDate;
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::mediation::MediationSnapshot;
use pingan_domain::region::{RegionLevel, RegionPath};
use pingan_domain::safety::five_zero::{FiveZeroRate, Record, Zero, ZeroResult, default_zeros, evaluate};
use pingan_domain::safety::{IncidentKind, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One village's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct VillageEvaluation {
    pub village_id: i64,
    pub village_name: String,
    pub township_id: i64,
    pub township_name: String,
    pub held_all: bool,
    /// Codes of the zeros broken.
    pub broken: Vec<String>,
    pub zeros: Vec<ZeroResult>,
}

/// A township's or county's rate.
#[derive(Debug, Clone, Serialize)]
pub struct AreaRate {
    pub id: i64,
    pub name: String,
    pub rate: FiveZeroRate,
}

#[derive(Debug, Clone, Serialize)]
pub struct FiveZeroReport {
    pub year: i32,
    pub region_id: i64,
    pub region_name: String,
    pub zeros: Vec<Zero>,
    pub total: FiveZeroRate,
    pub counties: Vec<AreaRate>,
    pub townships: Vec<AreaRate>,
    /// Every village with its zeros, for a township or a village (a county's or the city's
    /// thousands are read township by township).
    pub villages: Vec<VillageEvaluation>,
}

#[derive(sqlx::FromRow)]
struct VillageRow {
    id: i64,
    name: String,
    path: String,
    township_id: i64,
    township_name: String,
    county_id: i64,
    county_name: String,
}

fn year_range(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    (first, last)
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map_or(0, from_china)
}

impl Store {
    /// The 五零 evaluation of `year` for region `region_id` (default: the actor's scope).
    pub async fn five_zero_report(&self, actor: &Actor, region_id: Option<i64>, year: i32) -> Result<FiveZeroReport> {
        require(actor, Action::Read)?;
        if actor.role == Role::UnitContact {
            return Err(StoreError::Denied(Denied::Role));
        }
        let region = self.region(&actor.scope, region_id.unwrap_or_else(|| actor.scope.region.id())).await?;
        let (lo, hi) = (region.path.as_str().to_owned(), region.path.subtree_end());
        let villages: Vec<VillageRow> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT v.id, v.name, v.path, t.id AS township_id, t.name AS township_name, c.id AS county_id,
                    c.name AS county_name
               FROM regions v JOIN regions t ON t.id = v.parent_id JOIN regions c ON c.id = t.parent_id
              WHERE v.level = 'village' AND v.retired_at IS NULL AND v.path >= $1 AND v.path < $2
              ORDER BY v.code"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        let (first, last) = year_range(year);
        let incidents: Vec<(i64, String, String, String, String, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, kind, severity, occurred_on, region_path, summary FROM safety_incidents
              WHERE region_path >= $1 AND region_path < $2 AND occurred_on >= $3 AND occurred_on <= $4"
        )
        .bind(&lo)
        .bind(&hi)
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(pool)
        .await)?;
        // Only the cases whose stored risk factors say the parties came to blows are read
        // whole; the text test spares parsing a year of disputes.
        let cases: Vec<(i64, String, String, i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, case_no, region_path, opened_ms, snapshot FROM mediation_cases
              WHERE region_path >= $1 AND region_path < $2 AND opened_ms >= $3 AND opened_ms < $4
                AND snapshot LIKE '%\"violence\":true%'"
        )
        .bind(&lo)
        .bind(&hi)
        .bind(midnight(first))
        .bind(midnight(last.succ_opt().unwrap_or(last)))
        .fetch_all(pool)
        .await)?;

        let village_of = |path: &str| -> Option<String> {
            let p = RegionPath::parse(path)?;
            (p.ids().len() >= 4).then(|| p.ancestor(4).as_str().to_owned())
        };
        let mut records: HashMap<String, Vec<Record>> = HashMap::new();
        for (id, kind, severity, on, path, summary) in incidents {
            let (Some(kind), Some(severity)) = (IncidentKind::parse(&kind), Severity::parse(&severity)) else {
                return Err(StoreError::Corrupt(format!("incident {id}: kind or severity")));
            };
            let on = NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("incident {id}: date")))?;
            if let Some(v) = village_of(&path) {
                let summary = format!("{}({}):{summary}", kind.zh(), severity.zh());
                records.entry(v).or_default().push(Record {
                    source: "incident".into(),
                    id,
                    on,
                    summary,
                    kind: Some(kind),
                    severity: Some(severity),
                });
            }
        }
        for (id, case_no, path, opened_ms, snapshot) in cases {
            let s: MediationSnapshot = serde_json::from_str(&snapshot)
                .map_err(|e| StoreError::Corrupt(format!("mediation snapshot {id}: {e}")))?;
            if let (true, Some(v)) = (s.risk_factors.violence, village_of(&path)) {
                records.entry(v).or_default().push(Record {
                    source: "mediation".into(),
                    id,
                    on: to_china(opened_ms).date(),
                    summary: format!("调解案件 {case_no}:{},纠纷中发生肢体冲突", s.dispute_type.zh()),
                    kind: None,
                    severity: None,
                });
            }
        }

        let zeros = default_zeros();
        let mut total = FiveZeroRate::default();
        let mut counties: BTreeMap<i64, AreaRate> = BTreeMap::new();
        let mut townships: BTreeMap<i64, AreaRate> = BTreeMap::new();
        let list_villages = matches!(region.level, RegionLevel::Township | RegionLevel::Village);
        let mut out = Vec::new();
        for v in villages {
            let results = evaluate(&zeros, records.get(&v.path).map_or(&[][..], Vec::as_slice));
            let held_all = results.iter().all(|r| r.held);
            total.add(held_all);
            counties
                .entry(v.county_id)
                .or_insert_with(|| AreaRate {
                    id: v.county_id,
                    name: v.county_name.clone(),
                    rate: FiveZeroRate::default(),
                })
                .rate
                .add(held_all);
            townships
                .entry(v.township_id)
                .or_insert_with(|| AreaRate {
                    id: v.township_id,
                    name: v.township_name.clone(),
                    rate: FiveZeroRate::default(),
                })
                .rate
                .add(held_all);
            if list_villages {
                out.push(VillageEvaluation {
                    village_id: v.id,
                    village_name: v.name,
                    township_id: v.township_id,
                    township_name: v.township_name,
                    held_all,
                    broken: results.iter().filter(|r| !r.held).map(|r| r.code.clone()).collect(),
                    zeros: results,
                });
            }
        }
        Ok(FiveZeroReport {
            year,
            region_id: region.id,
            region_name: region.name,
            zeros,
            total,
            counties: counties.into_values().collect(),
            townships: townships.into_values().collect(),
            villages: out,
        })
    }
}
