//! Proposals from the platform's other records (incidents propose themselves when recorded,
//! [`super::incidents`]): appeals and mediation cases of the campaign's year about a unit —
//! at its address, or naming it — become proposals against its open application:
//!
//! - a 消防安全隐患 appeal (C01) that was handled to a close: a fire hazard found at the unit;
//! - an appeal that went overdue or whose reporter was not satisfied;
//! - a dispute whose mediation climbed beyond the village.
//!
//! Each proposal is written once per application and record (the table's unique key), so the
//! pass can run again and from several instances. The summaries name the record, never the
//! people in it: the unit's contact reads them.

use super::incidents::{insert_proposal, template_of};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};
use chrono::NaiveDate;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::mediation::MediationSnapshot;
use pingan_domain::region::RegionPath;
use pingan_domain::safety::incident::same_address;
use pingan_domain::safety::{ProposalSource, Severity, UnitTemplate};
use std::collections::{BTreeMap, HashMap};

/// The category of fire-safety hazards (DOMAIN §4).
const FIRE_HAZARD: &str = "C01";

#[derive(sqlx::FromRow)]
struct OpenApplication {
    id: i64,
    org_name: String,
    address: Option<String>,
    region_path: String,
    year: i64,
    template_id: i64,
    body: String,
}

#[derive(sqlx::FromRow)]
struct AppealRecord {
    id: i64,
    category: String,
    state: String,
    address: String,
    text: String,
    received_ms: i64,
    closed_on_time: Option<bool>,
    resolve_due_ms: Option<i64>,
    closed_ms: Option<i64>,
    callbacks: i64,
    satisfied_callbacks: i64,
}

impl AppealRecord {
    fn about(&self, unit: &OpenApplication) -> bool {
        unit.address.as_deref().is_some_and(|a| same_address(a, &self.address)) || self.text.contains(&unit.org_name)
    }

    /// A hazard found: handled to a close.
    fn fire_hazard(&self) -> bool {
        self.category == FIRE_HAZARD && matches!(self.state.as_str(), "closed" | "called_back" | "archived")
    }

    fn unresolved(&self, now: i64) -> bool {
        let overdue = self.closed_on_time == Some(false)
            || (self.closed_ms.is_none() && self.resolve_due_ms.is_some_and(|d| d < now));
        overdue || self.satisfied_callbacks < self.callbacks
    }
}

fn year_bounds(year: i64) -> (i64, i64) {
    let start =
        |y: i64| NaiveDate::from_ymd_opt(y as i32, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(0, from_china);
    (start(year), start(year + 1))
}

fn day_of(ms: i64) -> String {
    to_china(ms).date().to_string()
}

impl Store {
    /// Derive proposals from appeals and mediation cases for the open applications (all, or
    /// application `only`); returns how many new proposals were written. A system job: it
    /// runs on no one's behalf and reads across scopes.
    pub async fn derive_safety_proposals(&self, only: Option<i64>) -> Result<u64> {
        let apps: Vec<OpenApplication> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT a.id, o.name AS org_name, o.address, a.region_path, c.year, c.template_id, t.body
               FROM safety_applications a JOIN orgs o ON o.id = a.org_id
               JOIN safety_campaigns c ON c.id = a.campaign_id JOIN safety_templates t ON t.id = c.template_id
              WHERE a.state NOT IN ('not_passed', 'revoked') AND ($1 IS NULL OR a.id = $1)
              ORDER BY a.region_path"
        )
        .bind(only)
        .fetch_all(pool)
        .await)?;
        // One read of the records per village and year: a unit's appeals and disputes are
        // filed at its grid or village.
        let mut groups: BTreeMap<(String, i64), Vec<OpenApplication>> = BTreeMap::new();
        for a in apps {
            let path =
                RegionPath::parse(&a.region_path).ok_or_else(|| StoreError::Corrupt("application path".into()))?;
            groups.entry((path.ancestor(4).as_str().to_owned(), a.year)).or_default().push(a);
        }
        let mut templates: HashMap<i64, UnitTemplate> = HashMap::new();
        let mut written = 0;
        let now = now_ms();
        for ((village, year), apps) in groups {
            let (from, to) = year_bounds(year);
            let end = format!("{village}~");
            let appeals: Vec<AppealRecord> = on_pool!(&self.db, |pool| {
                sqlx::query_as(
                "SELECT id, category, state, address, text, received_ms, closed_on_time, resolve_due_ms, closed_ms,
                        CAST(callbacks AS BIGINT) AS callbacks, CAST(satisfied_callbacks AS BIGINT) AS satisfied_callbacks
                   FROM appeals
                  WHERE region_path >= $1 AND region_path < $2 AND received_ms >= $3 AND received_ms < $4
                    AND merged_into IS NULL"
            )
            .bind(&village)
            .bind(&end)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
            })?;
            let cases: Vec<(i64, String, String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT id, case_no, snapshot, opened_ms FROM mediation_cases
                  WHERE region_path >= $1 AND region_path < $2 AND opened_ms >= $3 AND opened_ms < $4
                    AND level <> 'village'"
            )
            .bind(&village)
            .bind(&end)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)?;
            let mut escalated = Vec::new();
            for (id, case_no, snapshot, opened_ms) in cases {
                let s: MediationSnapshot = serde_json::from_str(&snapshot)
                    .map_err(|e| StoreError::Corrupt(format!("mediation snapshot {id}: {e}")))?;
                if s.levels.len() > 1 {
                    escalated.push((id, case_no, s, opened_ms));
                }
            }
            // (application, template id, source, record id, summary, day)
            let mut found: Vec<(i64, i64, ProposalSource, i64, String, String)> = Vec::new();
            for app in &apps {
                for a in appeals.iter().filter(|a| a.about(app)) {
                    if a.fire_hazard() {
                        let summary = format!("诉求 #{}:消防安全隐患,经办理查实", a.id);
                        found.push((
                            app.id,
                            app.template_id,
                            ProposalSource::AppealFireHazard,
                            a.id,
                            summary,
                            day_of(a.received_ms),
                        ));
                    }
                    if a.unresolved(now) {
                        let why =
                            if a.satisfied_callbacks < a.callbacks { "回访不满意" } else { "超期未办结" };
                        let summary = format!("诉求 #{}:{why}", a.id);
                        found.push((
                            app.id,
                            app.template_id,
                            ProposalSource::AppealUnresolved,
                            a.id,
                            summary,
                            day_of(a.received_ms),
                        ));
                    }
                }
                for (id, case_no, s, opened_ms) in &escalated {
                    let named = s.parties.iter().any(|p| p.name == app.org_name) || s.summary.contains(&app.org_name);
                    if named {
                        let summary = format!("调解案件 {case_no}:纠纷调解升级至{}", s.level().zh());
                        found.push((
                            app.id,
                            app.template_id,
                            ProposalSource::MediationEscalated,
                            *id,
                            summary,
                            day_of(*opened_ms),
                        ));
                    }
                }
                if let std::collections::hash_map::Entry::Vacant(e) = templates.entry(app.template_id) {
                    e.insert(template_of(app.template_id, &app.body)?);
                }
            }
            if found.is_empty() {
                continue;
            }
            let templates = &templates;
            written += on_pool!(&self.db, |pool| {
                let mut tx = pool.begin_write().await?;
                let mut n = 0u64;
                for (app_id, template_id, source, record_id, summary, day) in &found {
                    let template = &templates[template_id];
                    n += insert_proposal!(
                        tx,
                        template,
                        *app_id,
                        *source,
                        *record_id,
                        Severity::Ordinary,
                        summary,
                        day,
                        now
                    );
                }
                tx.commit().await?;
                n
            });
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn appeal(category: &str, state: &str) -> AppealRecord {
        AppealRecord {
            id: 1,
            category: category.into(),
            state: state.into(),
            address: "德城区 新华路 12 号".into(),
            text: "学校门口消防通道被占用".into(),
            received_ms: 0,
            closed_on_time: None,
            resolve_due_ms: Some(10_000),
            closed_ms: None,
            callbacks: 0,
            satisfied_callbacks: 0,
        }
    }

    fn unit(name: &str, address: Option<&str>) -> OpenApplication {
        OpenApplication {
            id: 1,
            org_name: name.into(),
            address: address.map(Into::into),
            region_path: "/1/".into(),
            year: 2026,
            template_id: 1,
            body: String::new(),
        }
    }

    #[test]
    fn which_appeals_are_about_a_unit_and_what_they_show() {
        let a = appeal("C01", "closed");
        assert!(a.about(&unit("德城区实验小学", Some("德城区新华路12号"))), "same address");
        assert!(!a.about(&unit("德城区实验小学", Some("德城区新华路21号"))));
        assert!(appeal("C01", "in_progress").about(&unit("消防通道", None)), "named in the text");
        assert!(a.fire_hazard());
        assert!(!appeal("C01", "in_progress").fire_hazard(), "a hazard is found once the appeal is handled");
        assert!(!appeal("C02", "closed").fire_hazard());
        // Overdue: past its limit while open, or closed late; unsatisfied: a callback not satisfied.
        assert!(!a.unresolved(5_000) && a.unresolved(20_000));
        let late = AppealRecord { closed_ms: Some(30_000), closed_on_time: Some(false), ..appeal("C01", "closed") };
        assert!(late.unresolved(0));
        let unhappy = AppealRecord { callbacks: 1, satisfied_callbacks: 0, ..appeal("A01", "called_back") };
        assert!(unhappy.unresolved(0));
    }

    #[test]
    fn a_year_is_counted_in_china_time() {
        let (from, to) = year_bounds(2026);
        assert_eq!(day_of(from), "2026-01-01");
        assert_eq!(day_of(to - 1), "2026-12-31");
        assert_eq!(chrono::Utc.timestamp_millis_opt(from).unwrap().to_rfc3339(), "2025-12-31T16:00:00+00:00");
    }
}
