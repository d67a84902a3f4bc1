//! Assessment: a merchant's indicators read from its flows, the regulators' signals and the
//! citizens' complaints, scored by the rules in force ([`pingan_domain::prepaid::assess`]);
//! the result is kept on the merchant and as the day's row of its trend. An orange or red
//! warning opens a tracked case (or raises the open one) and notifies the supervising
//! market-regulation department and the grid workers of the merchant's stores, in the same
//! transaction. Run after every flow and signal, and daily for every merchant.

use super::flows::months_between as months_open;
use crate::{BeginWrite, Result, Store, StoreError, on_pool};
use pingan_domain::appeal::duplicates::distance_m;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::prepaid::rules::EscrowFacts;
use pingan_domain::prepaid::{Assessment, Indicators, IssuerType, SignalKind, WarningLevel, assess};
use std::collections::HashSet;

/// (appeal id, text, lon, lat, received).
type ComplaintRow = (i64, String, Option<f64>, Option<f64>, i64);

const DAY_MS: i64 = 86_400_000;

/// Complaint categories about prepaid cards (DOMAIN §4: F01 closure, F02 refusal to refund,
/// F03 contract and advertising).
const COMPLAINT_CATEGORIES: &str = "('F01', 'F02', 'F03')";

/// A complaint within this distance of a store is about it, when the text names no one.
const COMPLAINT_RADIUS_M: f64 = 150.0;

/// Working days a tracked case has before it is overdue.
pub const CASE_WORKING_DAYS: u32 = 5;

impl Store {
    /// Link the F01–F03 appeals of the last year that name the merchant (brand, name or
    /// licence) or were reported at one of its stores. System job: unscoped.
    async fn link_prepaid_complaints(&self, merchant_id: i64, now: i64) -> Result<()> {
        let m = self.merchant_unscoped(merchant_id).await?;
        let stores = self.merchant_stores(merchant_id).await?;
        let path = m.path()?;
        let county = match path.ids().get(..2) {
            Some(ids) => pingan_domain::region::RegionPath::root(ids[0]).child(ids[1]),
            None => path.clone(),
        };
        let sql = format!(
            "SELECT a.id, a.text, a.lon, a.lat, a.received_ms FROM appeals a
              WHERE a.category IN {COMPLAINT_CATEGORIES} AND a.received_ms >= $1
                AND a.region_path >= $2 AND a.region_path < $3
                AND NOT EXISTS (SELECT 1 FROM prepaid_complaints c WHERE c.merchant_id = $4 AND c.appeal_id = a.id)"
        );
        let rows: Vec<ComplaintRow> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(now - 365 * DAY_MS)
            .bind(county.as_str())
            .bind(county.subtree_end())
            .bind(merchant_id)
            .fetch_all(pool)
            .await)?;
        // A complaint that names some merchant of the county is about that one, wherever it
        // was reported from; only anonymous ones are matched by place.
        let brands: Vec<String> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT brand FROM prepaid_merchants WHERE region_path >= $1 AND region_path < $2"
        )
        .bind(county.as_str())
        .bind(county.subtree_end())
        .fetch_all(pool)
        .await)?;
        let mut links = Vec::new();
        for (id, text, lon, lat, received_ms) in rows {
            let names_someone = brands.iter().any(|b| b.chars().count() >= 2 && text.contains(b.as_str()));
            let matched = if text.contains(&m.licence) {
                Some("licence")
            } else if (m.brand.chars().count() >= 2 && text.contains(&m.brand)) || text.contains(&m.name) {
                Some("name")
            } else if !names_someone
                && let (Some(lon), Some(lat)) = (lon, lat)
                && stores.iter().any(|s| distance_m(lon, lat, s.lon, s.lat) <= COMPLAINT_RADIUS_M)
            {
                Some("place")
            } else {
                None
            };
            if let Some(by) = matched {
                links.push((id, by, received_ms));
            }
        }
        if links.is_empty() {
            return Ok(());
        }
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            for (appeal_id, by, received_ms) in &links {
                sqlx::query(
                    "INSERT INTO prepaid_complaints (merchant_id, appeal_id, matched_by, received_ms) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (merchant_id, appeal_id) DO NOTHING",
                )
                .bind(merchant_id)
                .bind(appeal_id)
                .bind(by)
                .bind(received_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The merchant's indicators at `now` under the rules in force.
    pub async fn prepaid_indicators(&self, merchant_id: i64, now: i64) -> Result<Indicators> {
        let rules = self.prepaid_rules().await?.rules;
        let m = self.merchant_unscoped(merchant_id).await?;
        let sums = |kind: &'static str, from: i64, to: i64| {
            let db = self.db.clone();
            async move {
                let sum: Option<i64> = on_pool!(&db, |pool| sqlx::query_scalar(
                    "SELECT CAST(sum(amount_fen) AS BIGINT) FROM prepaid_flows
                      WHERE merchant_id = $1 AND kind = $2 AND occurred_ms >= $3 AND occurred_ms < $4"
                )
                .bind(merchant_id)
                .bind(kind)
                .bind(from)
                .bind(to)
                .fetch_one(pool)
                .await)?;
                Ok::<i64, StoreError>(sum.unwrap_or(0))
            }
        };
        let first_sale: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT min(occurred_ms) FROM prepaid_flows WHERE merchant_id = $1 AND kind = 'sale'"
        )
        .bind(merchant_id)
        .fetch_one(pool)
        .await)?;
        let week_start = now - 7 * DAY_MS;
        let sales_7d = sums("sale", week_start, now + DAY_MS).await?;
        // The weekly baseline: whole weeks of history before the last 7 days, at most 12.
        let history_weeks = first_sale.map_or(0, |first| ((week_start - first) / (7 * DAY_MS)).clamp(0, 12));
        let sales_weekly_baseline = if history_weeks >= 4 {
            Some(sums("sale", week_start - history_weeks * 7 * DAY_MS, week_start).await? / history_weeks)
        } else {
            None
        };
        let month_start = now - 30 * DAY_MS;
        let redemptions_30d = sums("redemption", month_start, now + DAY_MS).await?;
        let redemptions_prior = sums("redemption", month_start - 90 * DAY_MS, month_start).await?;
        let redemptions_monthly_baseline =
            (first_sale.is_some_and(|f| f <= month_start - 60 * DAY_MS)).then_some(redemptions_prior / 3);
        let monthly_redemptions = sums("redemption", now - 90 * DAY_MS, now + DAY_MS).await? / 3;
        let count = |sql: String, from: i64| {
            let db = self.db.clone();
            async move {
                let n: i64 =
                    on_pool!(&db, |pool| sqlx::query_scalar(&sql).bind(merchant_id).bind(from).fetch_one(pool).await)?;
                Ok::<u32, StoreError>(n as u32)
            }
        };
        let signals = |kinds: &[SignalKind]| {
            let list = kinds.iter().map(|k| format!("'{}'", k.code())).collect::<Vec<_>>().join(",");
            format!(
                "SELECT count(*) FROM prepaid_signals WHERE merchant_id = $1 AND kind IN ({list})
                   AND occurred_ms >= $2 AND lifted_ms IS NULL"
            )
        };
        let complaints =
            "SELECT count(*) FROM prepaid_complaints WHERE merchant_id = $1 AND received_ms >= $2".to_owned();
        let issuer = IssuerType::parse(&m.issuer_type)
            .ok_or_else(|| StoreError::Corrupt(format!("prepaid merchant {merchant_id}: issuer type")))?;
        let opened_on = chrono::NaiveDate::parse_from_str(&m.opened_on, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("prepaid merchant {merchant_id}: opened_on")))?;
        let required = rules.escrow_requirement(&EscrowFacts {
            issuer,
            outstanding_fen: m.outstanding_fen,
            months_open: months_open(opened_on, to_china(now).date()),
            monthly_redemptions_fen: monthly_redemptions,
        });
        Ok(Indicators {
            outstanding_fen: m.outstanding_fen,
            escrow_fen: m.escrow_fen,
            required,
            sales_7d_fen: sales_7d,
            sales_weekly_baseline_fen: sales_weekly_baseline,
            redemptions_30d_fen: redemptions_30d,
            redemptions_monthly_baseline_fen: redemptions_monthly_baseline,
            complaints_30d: count(complaints.clone(), now - 30 * DAY_MS).await?,
            complaints_year: count(complaints, now - 365 * DAY_MS).await?,
            refunds_refused_90d: count(signals(&[SignalKind::RefundRefused]), now - 90 * DAY_MS).await?,
            refunds_refused_year: count(signals(&[SignalKind::RefundRefused]), now - 365 * DAY_MS).await?,
            closure_notices: count(signals(&[SignalKind::ClosureNotice]), now - 90 * DAY_MS).await?,
            relocation_notices: count(signals(&[SignalKind::RelocationNotice]), now - 90 * DAY_MS).await?,
            penalties_year: count(signals(&[SignalKind::Penalty, SignalKind::Lawsuit]), now - 365 * DAY_MS).await?,
            listings_active: count(signals(&[SignalKind::Defaulter, SignalKind::AbnormalListing]), 0).await?,
            payee_changes_180d: count(signals(&[SignalKind::PayeeChange]), now - 180 * DAY_MS).await?,
            stop_order: m.stop_order.is_some(),
        })
    }

    /// Assess merchant `id` now: link its complaints, score it, keep the result and the day's
    /// trend row, and open or raise its case on orange and red. System job: unscoped.
    pub async fn assess_prepaid_merchant(&self, id: i64, now: i64) -> Result<Assessment> {
        self.link_prepaid_complaints(id, now).await?;
        let rules = self.prepaid_rules().await?.rules;
        let ind = self.prepaid_indicators(id, now).await?;
        let a = assess(&rules, &ind);
        let m = self.merchant_unscoped(id).await?;
        let stores = self.merchant_stores(id).await?;
        let body = serde_json::json!({ "assessment": a, "indicators": ind }).to_string();
        let day = to_china(now).date().to_string();
        let calendar = self.work_calendar().await?;
        let due = from_china(calendar.add_working_days(to_china(now), CASE_WORKING_DAYS));
        let reasons_text = a.reasons.iter().map(|r| r.zh.clone()).collect::<Vec<_>>().join(";");
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE prepaid_merchants SET warning_level = $1, credit_grade = $2, risk_score = $3, credit_score = $4,
                        required_fen = $5, required_percent = $6, assessment = $7, assessed_ms = $8 WHERE id = $9",
            )
            .bind(a.level.code())
            .bind(a.grade.code())
            .bind(a.risk_score as i64)
            .bind(a.credit_score as i64)
            .bind(ind.required.required_fen)
            .bind(ind.required.percent as i64)
            .bind(&body)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO prepaid_assessments (merchant_id, day, region_path, industry, level, grade, risk_score,
                        outstanding_fen, escrow_fen, required_fen, assessed_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (merchant_id, day) DO UPDATE SET level = excluded.level, grade = excluded.grade,
                        risk_score = excluded.risk_score, outstanding_fen = excluded.outstanding_fen,
                        escrow_fen = excluded.escrow_fen, required_fen = excluded.required_fen,
                        assessed_ms = excluded.assessed_ms",
            )
            .bind(id)
            .bind(&day)
            .bind(&m.region_path)
            .bind(&m.industry)
            .bind(a.level.code())
            .bind(a.grade.code())
            .bind(a.risk_score as i64)
            .bind(ind.outstanding_fen)
            .bind(ind.escrow_fen)
            .bind(ind.required.required_fen)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if a.level.opens_case() {
                let open: Option<(i64, String)> =
                    sqlx::query_as("SELECT id, level FROM prepaid_cases WHERE merchant_id = $1 AND status <> 'closed'")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let notify = match open {
                    None => {
                        let case_id: i64 = sqlx::query_scalar(
                            "INSERT INTO prepaid_cases (merchant_id, region_path, level, reasons, regulator_org_id,
                                    opened_ms, due_ms, status)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id",
                        )
                        .bind(id)
                        .bind(&m.region_path)
                        .bind(a.level.code())
                        .bind(&reasons_text)
                        .bind(m.regulator_org_id)
                        .bind(now)
                        .bind(due)
                        .fetch_one(&mut *tx)
                        .await?;
                        Some((case_id, "opened", format!("{}:{}", a.level.zh(), reasons_text)))
                    }
                    Some((case_id, level)) if WarningLevel::parse(&level).is_some_and(|l| l < a.level) => {
                        sqlx::query("UPDATE prepaid_cases SET level = $1, reasons = $2 WHERE id = $3")
                            .bind(a.level.code())
                            .bind(&reasons_text)
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                        Some((case_id, "raised", format!("升为{}:{}", a.level.zh(), reasons_text)))
                    }
                    Some(_) => None,
                };
                if let Some((case_id, kind, text)) = notify {
                    sqlx::query(
                        "INSERT INTO prepaid_case_events (case_id, at_ms, actor_id, kind, text) VALUES ($1, $2, NULL, $3, $4)",
                    )
                    .bind(case_id)
                    .bind(now)
                    .bind(kind)
                    .bind(&text)
                    .execute(&mut *tx)
                    .await?;
                    let message = format!("【预付卡{}】{}({}):{}", a.level.zh(), m.brand, m.licence, reasons_text);
                    let mut grid_workers: Vec<i64> = Vec::new();
                    let grids: HashSet<i64> = stores.iter().map(|s| s.region_id).collect();
                    for grid in grids {
                        let ids: Vec<i64> = sqlx::query_scalar(
                            "SELECT id FROM accounts WHERE role = 'grid_worker' AND region_id = $1 AND NOT disabled",
                        )
                        .bind(grid)
                        .fetch_all(&mut *tx)
                        .await?;
                        grid_workers.extend(ids);
                    }
                    let regulator = m.regulator_org_id.map(|org| (None, Some(org)));
                    for (account, org) in regulator.into_iter().chain(grid_workers.into_iter().map(|a| (Some(a), None)))
                    {
                        sqlx::query(
                            "INSERT INTO notifications (created_ms, prepaid_case_id, audience, account_id, org_id, kind, text)
                             VALUES ($1, $2, 'staff', $3, $4, 'prepaid_warning', $5)",
                        )
                        .bind(now)
                        .bind(case_id)
                        .bind(account)
                        .bind(org)
                        .bind(&message)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(a)
    }

    /// The latest assessment of merchant `id` with its indicators (`null` before the first);
    /// callers have checked that the merchant is readable.
    pub async fn prepaid_assessment_json(&self, id: i64) -> Result<serde_json::Value> {
        let body: Option<Option<String>> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT assessment FROM prepaid_merchants WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await)?;
        match body.flatten() {
            None => Ok(serde_json::Value::Null),
            Some(b) => {
                serde_json::from_str(&b).map_err(|e| StoreError::Corrupt(format!("prepaid assessment {id}: {e}")))
            }
        }
    }

    /// Assess every merchant (the daily run), closed ones too: their cards are still owed.
    /// Returns how many were assessed.
    pub async fn assess_all_prepaid_merchants(&self, now: i64) -> Result<usize> {
        let ids: Vec<i64> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM prepaid_merchants ORDER BY id")
                .fetch_all(pool)
                .await)?;
        for id in &ids {
            self.assess_prepaid_merchant(*id, now).await?;
        }
        Ok(ids.len())
    }
}

/// Milliseconds of a day, for callers that schedule the daily run.
pub const ASSESS_EVERY_MS: i64 = DAY_MS;
