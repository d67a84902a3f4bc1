//! 平安"五零"村(社区) evaluated from the platform's records: the year's incidents at each
//! village (some registered from appeals), its disputes that came to blows, and the
//! township's confirmations, against the zeros that rule the year
//! ([`pingan_domain::safety::five_zero`]); success rates per township and county. The zeros
//! are a versioned document like the scorecard, kept by the year's 五零 campaign.

use super::{DocumentRow, RulesInForce, city_document_name, require};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use chrono::{Datelike, NaiveDate};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::mediation::DisputeType;
use pingan_domain::region::{RegionLevel, RegionPath};
use pingan_domain::safety::CampaignKind;
use pingan_domain::safety::five_zero::{
    Exclusion, FiveZeroRate, RawConfirmation, Record, Verdict, ZeroResult, ZeroRules, breaks, evaluate,
};
use pingan_domain::safety::{IncidentKind, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(crate) const DEFAULT_ZEROS_NAME: &str = "五零村(社区)标准(默认)";

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
    /// The township's confirmations in force (listed for a single village).
    pub confirmations: Vec<Confirmation>,
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
    pub region_level: RegionLevel,
    /// The zeros that rule the year, and where they come from.
    pub rules: RulesInForce<ZeroRules>,
    pub total: FiveZeroRate,
    pub counties: Vec<AreaRate>,
    pub townships: Vec<AreaRate>,
    /// Every village with its zeros, for a township or a village (a county's or the city's
    /// thousands are read township by township).
    pub villages: Vec<VillageEvaluation>,
    /// Whether the reader may confirm or set aside records here.
    pub can_confirm: bool,
}

/// A confirmation in force on one village's evaluation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Confirmation {
    pub id: i64,
    pub village_id: i64,
    #[serde(skip)]
    pub region_path: String,
    pub year: i64,
    pub zero_code: String,
    /// `broken` or `excluded`.
    pub verdict: String,
    pub occurred_on: Option<String>,
    pub record_source: Option<String>,
    pub record_id: Option<i64>,
    pub reason: String,
    pub created_by: Option<String>,
    pub created_ms: i64,
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

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: i64,
    kind: String,
    severity: String,
    occurred_on: String,
    region_path: String,
    summary: String,
    appeal_id: Option<i64>,
}

/// A year's records and confirmations under a region, by village path.
#[derive(Default)]
struct Evidence {
    records: HashMap<String, Vec<Record>>,
    exclusions: HashMap<String, Vec<Exclusion>>,
    confirmations: HashMap<String, Vec<Confirmation>>,
}

fn year_range(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    (first, last)
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map_or(0, from_china)
}

/// The path of the village `path` lies in, if it lies in one.
fn village_of(path: &str) -> Option<String> {
    let p = RegionPath::parse(path)?;
    (p.ids().len() >= 4).then(|| p.ancestor(4).as_str().to_owned())
}

fn zeros_in_force(row: Option<DocumentRow>) -> Result<RulesInForce<ZeroRules>> {
    Ok(match row {
        Some(row) => {
            let doc: serde_json::Value = serde_json::from_str(&row.body)
                .map_err(|e| StoreError::Corrupt(format!("five-zero rules {}: {e}", row.id)))?;
            let rules = ZeroRules::parse(&doc)
                .map_err(|e| StoreError::Corrupt(format!("five-zero rules {}: {}", row.id, e[0])))?;
            RulesInForce { version: row.version, name: row.name, campaign_id: row.campaign_id, rules }
        }
        None => {
            RulesInForce { version: 0, name: DEFAULT_ZEROS_NAME.into(), campaign_id: None, rules: ZeroRules::default() }
        }
    })
}

/// Who confirms: administrators and township dispatchers above the village (a village does not
/// confirm its own evaluation).
fn may_confirm(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::TownshipDispatcher) && actor.scope.region.ids().len() <= 3
}

impl Store {
    /// The zeros in force today (for the next campaign), with their version.
    pub async fn five_zero_rules(&self, actor: &Actor) -> Result<RulesInForce<ZeroRules>> {
        require(actor, Action::Read)?;
        zeros_in_force(self.current_document(CampaignKind::FiveZero).await?)
    }

    /// Store the next version of the zeros (city administrators; audited). A year whose 五零
    /// campaign was opened keeps the version it opened with.
    pub async fn save_five_zero_rules(
        &self,
        actor: &Actor,
        expected_version: i64,
        name: &str,
        rules: &ZeroRules,
    ) -> Result<RulesInForce<ZeroRules>> {
        let name = city_document_name(actor, name)?;
        let doc = serde_json::to_value(rules).expect("serialisable");
        let rules = ZeroRules::parse(&doc).map_err(StoreError::Invalid)?;
        let before = zeros_in_force(self.current_document(CampaignKind::FiveZero).await?)?;
        let after = serde_json::json!({ "kind": "five_zero", "version": expected_version + 1, "name": name,
            "zeros": rules.zeros.iter().map(|z| format!("{} {}", z.code, z.name)).collect::<Vec<_>>() });
        let body = serde_json::to_string(&rules).expect("serialisable");
        self.insert_version(actor, "five_zero", before.version, expected_version, name, &body, after).await?;
        zeros_in_force(self.current_document(CampaignKind::FiveZero).await?)
    }

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
        let rules = zeros_in_force(self.document_for_year(CampaignKind::FiveZero, year, &region.path).await?)?;
        let mut evidence = self.five_zero_evidence(&lo, &hi, year).await?;

        let mut total = FiveZeroRate::default();
        let mut counties: BTreeMap<i64, AreaRate> = BTreeMap::new();
        let mut townships: BTreeMap<i64, AreaRate> = BTreeMap::new();
        let list_villages = matches!(region.level, RegionLevel::Township | RegionLevel::Village);
        let mut out = Vec::new();
        for v in villages {
            let records = evidence.records.get(&v.path).map_or(&[][..], Vec::as_slice);
            let exclusions = evidence.exclusions.get(&v.path).map_or(&[][..], Vec::as_slice);
            let results = evaluate(&rules.rules.zeros, records, exclusions);
            let held_all = results.iter().all(|r| r.held);
            total.add(held_all);
            let add = |areas: &mut BTreeMap<i64, AreaRate>, id: i64, name: &str| {
                areas
                    .entry(id)
                    .or_insert_with(|| AreaRate { id, name: name.to_owned(), rate: FiveZeroRate::default() })
                    .rate
                    .add(held_all)
            };
            add(&mut counties, v.county_id, &v.county_name);
            add(&mut townships, v.township_id, &v.township_name);
            if list_villages {
                out.push(VillageEvaluation {
                    confirmations: evidence.confirmations.remove(&v.path).unwrap_or_default(),
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
            region_level: region.level,
            rules,
            total,
            counties: counties.into_values().collect(),
            townships: townships.into_values().collect(),
            villages: out,
            can_confirm: may_confirm(actor) && region.level == RegionLevel::Village,
        })
    }

    /// The records of `year` under the path range `lo..hi`, by village: incidents, disputes
    /// whose parties came to blows, and the confirmations in force.
    async fn five_zero_evidence(&self, lo: &str, hi: &str, year: i32) -> Result<Evidence> {
        let (first, last) = year_range(year);
        let incidents: Vec<IncidentRow> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, kind, severity, occurred_on, region_path, summary, appeal_id FROM safety_incidents
              WHERE region_path >= $1 AND region_path < $2 AND occurred_on >= $3 AND occurred_on <= $4"
        )
        .bind(lo)
        .bind(hi)
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(pool)
        .await)?;
        let cases: Vec<(i64, String, String, i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, case_no, region_path, opened_ms, dispute_type FROM mediation_cases
              WHERE violent AND region_path >= $1 AND region_path < $2 AND opened_ms >= $3 AND opened_ms < $4"
        )
        .bind(lo)
        .bind(hi)
        .bind(midnight(first))
        .bind(midnight(last.succ_opt().unwrap_or(last)))
        .fetch_all(pool)
        .await)?;
        let confirmations: Vec<Confirmation> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT f.id, f.village_id, f.region_path, f.year, f.zero_code, f.verdict, f.occurred_on, f.record_source,
                    f.record_id, f.reason, a.display_name AS created_by, f.created_ms
               FROM five_zero_confirmations f LEFT JOIN accounts a ON a.id = f.created_by
              WHERE f.year = $1 AND f.region_path >= $2 AND f.region_path < $3 AND f.withdrawn_ms IS NULL
              ORDER BY f.id"
        )
        .bind(i64::from(year))
        .bind(lo)
        .bind(hi)
        .fetch_all(pool)
        .await
        })?;

        let mut out = Evidence::default();
        for i in incidents {
            let corrupt = |what: &str| StoreError::Corrupt(format!("incident {}: {what}", i.id));
            let kind = IncidentKind::parse(&i.kind).ok_or_else(|| corrupt("kind"))?;
            let severity = Severity::parse(&i.severity).ok_or_else(|| corrupt("severity"))?;
            let on = NaiveDate::parse_from_str(&i.occurred_on, "%Y-%m-%d").map_err(|_| corrupt("date"))?;
            if let Some(v) = village_of(&i.region_path) {
                let from_appeal = i.appeal_id.map(|a| format!("(源自诉求 #{a})")).unwrap_or_default();
                out.records.entry(v).or_default().push(Record {
                    source: "incident".into(),
                    id: i.id,
                    on,
                    summary: format!("事件 #{}:{}({}):{}{from_appeal}", i.id, kind.zh(), severity.zh(), i.summary),
                    kind: Some(kind),
                    severity: Some(severity),
                    zero: None,
                });
            }
        }
        for (id, case_no, path, opened_ms, dispute_type) in cases {
            let dispute =
                DisputeType::parse(&dispute_type).ok_or_else(|| StoreError::Corrupt(format!("mediation case {id}")))?;
            if let Some(v) = village_of(&path) {
                out.records.entry(v).or_default().push(Record {
                    source: "mediation".into(),
                    id,
                    on: to_china(opened_ms).date(),
                    summary: format!("调解案件 {case_no}:{},纠纷中发生肢体冲突", dispute.zh()),
                    kind: None,
                    severity: None,
                    zero: None,
                });
            }
        }
        for c in confirmations {
            match (c.verdict.as_str(), &c.occurred_on, &c.record_source, c.record_id) {
                ("broken", Some(on), _, _) => {
                    let on = NaiveDate::parse_from_str(on, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("five-zero confirmation {}", c.id)))?;
                    out.records.entry(c.region_path.clone()).or_default().push(Record {
                        source: "manual".into(),
                        id: c.id,
                        on,
                        summary: format!("乡镇确认 #{}:{}", c.id, c.reason),
                        kind: None,
                        severity: None,
                        zero: Some(c.zero_code.clone()),
                    });
                }
                ("excluded", _, Some(source), Some(record_id)) => {
                    out.exclusions.entry(c.region_path.clone()).or_default().push(Exclusion {
                        id: c.id,
                        zero: c.zero_code.clone(),
                        source: source.clone(),
                        record_id,
                        reason: c.reason.clone(),
                    });
                }
                _ => return Err(StoreError::Corrupt(format!("five-zero confirmation {}", c.id))),
            }
            out.confirmations.entry(c.region_path.clone()).or_default().push(c);
        }
        Ok(out)
    }

    /// A township's confirmation on village `village_id`'s evaluation of `year` (this year or
    /// the last): that a zero was broken by an event the platform holds no record of, or that
    /// one record does not count against a zero. Administrators and township dispatchers above
    /// the village; audited.
    pub async fn confirm_five_zero(
        &self,
        actor: &Actor,
        village_id: i64,
        year: i32,
        raw: &RawConfirmation,
    ) -> Result<Confirmation> {
        require(actor, Action::Update)?;
        if !may_confirm(actor) {
            return Err(StoreError::Denied(Denied::Role));
        }
        let village = self.region(&actor.scope, village_id).await?;
        if village.level != RegionLevel::Village {
            return Err(StoreError::Invalid(vec![FieldError::new("village_id", "请选择村(社区)/ choose a village")]));
        }
        let today = super::china_today();
        if !(today.year() - 1..=today.year()).contains(&year) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "year",
                format!("只能确认 {} 或 {} 年度 / this year or the last", today.year() - 1, today.year()),
            )]));
        }
        let rules = zeros_in_force(self.document_for_year(CampaignKind::FiveZero, year, &village.path).await?)?;
        let draft = raw.parse(&rules.rules, year, today).map_err(StoreError::Invalid)?;
        if let Verdict::Excluded { source, record_id } = &draft.verdict {
            // Only a record that counts against that zero here can be set aside.
            let evidence = self.five_zero_evidence(village.path.as_str(), &village.path.subtree_end(), year).await?;
            let zero = rules.rules.zero(&draft.zero).expect("parsed against these rules");
            let counts = evidence
                .records
                .get(village.path.as_str())
                .into_iter()
                .flatten()
                .any(|r| &r.source == source && r.id == *record_id && breaks(zero, r));
            if !counts {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "record_id",
                    format!("该记录不是本村{}的依据 / the record does not count against {} here", zero.name, zero.code),
                )]));
            }
        }
        let (on, source, record_id) = match &draft.verdict {
            Verdict::Broken { on } => (Some(on.to_string()), None, None),
            Verdict::Excluded { source, record_id } => (None, Some(source.clone()), Some(*record_id)),
        };
        let verdict = match draft.verdict {
            Verdict::Broken { .. } => "broken",
            Verdict::Excluded { .. } => "excluded",
        };
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO five_zero_confirmations (village_id, region_path, year, zero_code, verdict, occurred_on,
                        record_source, record_id, reason, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(village.id)
            .bind(village.path.as_str())
            .bind(i64::from(year))
            .bind(&draft.zero)
            .bind(verdict)
            .bind(&on)
            .bind(&source)
            .bind(record_id)
            .bind(&draft.reason)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::Conflict("这条记录已经核销 / the record is already set aside".into())
                }
                _ => StoreError::from(e),
            })?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.five_zero_confirm".into(),
                target_kind: "five_zero_confirmation".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "village_id": village.id, "year": year, "zero": draft.zero,
                    "verdict": verdict, "occurred_on": on, "record_source": source, "record_id": record_id,
                    "reason": draft.reason }),
            };
            write_audit!(&mut *tx, &event, village.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.five_zero_report(actor, Some(village.id), year)
            .await?
            .villages
            .into_iter()
            .flat_map(|v| v.confirmations)
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Withdraw a confirmation in force (it stays in the history and the audit).
    pub async fn withdraw_five_zero_confirmation(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Action::Update)?;
        if !may_confirm(actor) {
            return Err(StoreError::Denied(Denied::Role));
        }
        let row: Option<(i64, String, i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT village_id, region_path, year, zero_code FROM five_zero_confirmations
              WHERE id = $1 AND withdrawn_ms IS NULL"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let (village_id, path, year, zero) = row.ok_or(StoreError::NotFound)?;
        // Out of scope reads as not found.
        self.region(&actor.scope, village_id).await?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE five_zero_confirmations SET withdrawn_by = $1, withdrawn_ms = $2
                  WHERE id = $3 AND withdrawn_ms IS NULL",
            )
            .bind(actor.account_id)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.five_zero_withdraw".into(),
                target_kind: "five_zero_confirmation".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "village_id": village_id, "year": year, "zero": zero }),
                after: serde_json::json!({ "withdrawn": true }),
            };
            write_audit!(&mut *tx, &event, &path)?;
            tx.commit().await?;
        });
        Ok(())
    }
}
