//! The appeal rules administrators edit: the dispatch catalogue (派单目录) and the time limits,
//! plus the version counter every instance polls to notice a change made through another.
//!
//! Both documents are replaced whole, by city administrators only, in one transaction with
//! the audit event and a bump of `appeal_rules_version`; calendar changes bump it too
//! (`crate::calendar`). Cases already running keep the deadlines their events carry: the
//! rules only decide what happens from the next receipt, dispatch or clock start on.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::appeal::{Catalogue, CatalogueRule, CategoryCode, OrgType, TimeLimitPolicy};
use pingan_domain::audit::AuditEvent;
use pingan_domain::region::RegionLevel;

/// Who last changed a stored document, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesChange {
    pub at_ms: i64,
    pub by: String,
}

/// The time limits in force: the stored policy, or the shipped one (`updated` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeLimits {
    pub policy: TimeLimitPolicy,
    pub updated: Option<RulesChange>,
}

/// Bump the rules version on a write transaction, refusing when the caller's form was made
/// from another version than the one in the database (two administrators editing at once).
/// Evaluates to the new version, or the conflict.
macro_rules! bump_rules_version {
    ($tx:expr, $expected:expr) => {{
        let expected: Option<i64> = $expected;
        let version: Option<i64> = $crate::sqlx::query_scalar(
            "UPDATE appeal_rules_version SET version = version + 1
              WHERE id = 1 AND ($1 IS NULL OR version = $1) RETURNING version",
        )
        .bind(expected)
        .fetch_optional(&mut *$tx)
        .await?;
        version.ok_or_else(|| {
            $crate::StoreError::Conflict(
                "派单规则刚被他人修改，请刷新后重试 / the appeal rules were changed meanwhile: reload and retry".into(),
            )
        })
    }};
}
pub(crate) use bump_rules_version;

/// The rules are the same for the whole city: only a city-level administrator changes them
/// (the same people as the calendar's). Handlers ask first, to answer 403 before judging input.
pub fn require_rules_admin(actor: &Actor) -> Result<(), Denied> {
    actor.require(Action::Update, Resource::Calendar)?;
    if actor.scope.region.ids().len() != 1 {
        return Err(Denied::Scope);
    }
    Ok(())
}

impl Store {
    /// A number that moves whenever the catalogue, the time limits or the calendar change, for
    /// instances to notice each other's edits.
    pub async fn appeal_rules_version(&self) -> Result<i64> {
        let v: Option<i64> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT version FROM appeal_rules_version WHERE id = 1")
                .fetch_optional(pool)
                .await)?;
        v.ok_or_else(|| StoreError::Corrupt("appeal_rules_version has no row".into()))
    }

    /// The dispatch catalogue (派单目录), in the administrators' order.
    pub async fn dispatch_catalogue(&self) -> Result<Catalogue> {
        let rows: Vec<(String, String, String, Option<i64>, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT category, level, org_type, region_id, note FROM dispatch_rules ORDER BY position, id"
        )
        .fetch_all(pool)
        .await)?;
        let rules = rows
            .into_iter()
            .map(|(category, level, org_type, region_id, note)| {
                Ok(CatalogueRule {
                    category: CategoryCode::parse(&category).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    level: RegionLevel::parse(&level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    org_type: OrgType::parse(&org_type).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    region_id,
                    note,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Catalogue::new(rules).map_err(|e| StoreError::Corrupt(format!("dispatch catalogue: {e:?}")))
    }

    /// Replace the dispatch catalogue (city administrators), audited. A row limited to a
    /// region must name a live county or township. With `expected_version`, refuses (409)
    /// when the rules changed since the caller read them. Returns the new rules version.
    pub async fn set_dispatch_catalogue(
        &self,
        actor: &Actor,
        catalogue: &Catalogue,
        expected_version: Option<i64>,
    ) -> Result<i64> {
        require_rules_admin(actor)?;
        let now = now_ms();
        let version = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut errors = Vec::new();
            for (i, r) in catalogue.rules().iter().enumerate() {
                let Some(id) = r.region_id else { continue };
                let region: Option<(String, Option<i64>)> =
                    sqlx::query_as("SELECT level, retired_at FROM regions WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let fits = matches!(&region, Some((level, None)) if level == "county" || level == "township");
                if !fits {
                    errors.push(FieldError::new(
                        format!("rules[{i}].region_id"),
                        format!(
                            "第 {} 行：区划 {id} 不是现有的县(市、区)或乡镇(街道)，全市适用请留空 / row {}: region {id} \
                             is not a current county or township; leave it empty for the whole city",
                            i + 1,
                            i + 1
                        ),
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
            let version = bump_rules_version!(tx, expected_version)?;
            // Read after the bump: it holds the version row, so a concurrent change has either
            // committed already (and shows here) or waits for this one.
            let before: Vec<(String, String, String, Option<i64>, String)> = sqlx::query_as(
                "SELECT category, level, org_type, region_id, note FROM dispatch_rules ORDER BY position, id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let before: Vec<serde_json::Value> = before
                .into_iter()
                .map(|(category, level, org_type, region_id, note)| {
                    serde_json::json!({"category": category, "level": level, "org_type": org_type,
                                       "region_id": region_id, "note": note})
                })
                .collect();
            sqlx::query("DELETE FROM dispatch_rules").execute(&mut *tx).await?;
            for (i, r) in catalogue.rules().iter().enumerate() {
                sqlx::query(
                    "INSERT INTO dispatch_rules (position, category, level, org_type, region_id, note)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(i as i64)
                .bind(r.category.as_str())
                .bind(r.level.as_str())
                .bind(r.org_type.to_string())
                .bind(r.region_id)
                .bind(&r.note)
                .execute(&mut *tx)
                .await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "appeal.catalogue.set".into(),
                target_kind: "dispatch_catalogue".into(),
                target_id: None,
                success: true,
                before: serde_json::Value::Array(before),
                after: serde_json::to_value(catalogue).unwrap_or_default(),
            };
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
            version
        });
        Ok(version)
    }

    /// The time limits in force: the stored policy, else the shipped default.
    pub async fn time_limits(&self) -> Result<TimeLimits> {
        let row: Option<(String, i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT policy, updated_ms, updated_by FROM appeal_time_limits WHERE id = 1"
        )
        .fetch_optional(pool)
        .await)?;
        match row {
            None => Ok(TimeLimits { policy: TimeLimitPolicy::default(), updated: None }),
            Some((json, at_ms, by)) => {
                let doc: serde_json::Value =
                    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("time limits: {e}")))?;
                // The stored document passed this parser when it was written; reading it the
                // same way keeps a hand-edited row from slipping past the checks.
                let policy =
                    TimeLimitPolicy::parse(&doc).map_err(|e| StoreError::Corrupt(format!("time limits: {e:?}")))?;
                Ok(TimeLimits { policy, updated: Some(RulesChange { at_ms, by }) })
            }
        }
    }

    /// Replace the time limits (city administrators), audited. With `expected_version`,
    /// refuses (409) when the rules changed since the caller read them. Returns the new rules
    /// version.
    pub async fn set_time_limits(
        &self,
        actor: &Actor,
        policy: &TimeLimitPolicy,
        expected_version: Option<i64>,
    ) -> Result<i64> {
        require_rules_admin(actor)?;
        let now = now_ms();
        let json = serde_json::to_string(policy).expect("a policy serialises");
        let version = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let version = bump_rules_version!(tx, expected_version)?;
            // Read after the bump, as for the catalogue; nothing stored means the shipped policy.
            let stored: Option<String> = sqlx::query_scalar("SELECT policy FROM appeal_time_limits WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            let before = match stored {
                Some(json) => {
                    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("time limits: {e}")))?
                }
                None => serde_json::to_value(TimeLimitPolicy::default()).unwrap_or_default(),
            };
            sqlx::query(
                "INSERT INTO appeal_time_limits (id, policy, updated_ms, updated_by) VALUES (1, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET policy = $1, updated_ms = $2, updated_by = $3",
            )
            .bind(&json)
            .bind(now)
            .bind(&actor.username)
            .execute(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "appeal.time_limits.set".into(),
                target_kind: "time_limits".into(),
                target_id: None,
                success: true,
                before,
                after: serde_json::to_value(policy).unwrap_or_default(),
            };
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
            version
        });
        Ok(version)
    }
}
