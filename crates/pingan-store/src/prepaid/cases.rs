//! What regulators do and see: signals they record (penalties, listings, closure notices,
//! stop orders …), the tracked cases orange and red warnings open, and the board by region
//! and industry with its trend.

use super::{Merchant, require};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::to_china;
use pingan_domain::prepaid::{PrepaidIndustry, SignalKind, WarningLevel};
use serde::Serialize;
use std::collections::BTreeMap;

/// (day, level, merchants, outstanding, shortfall).
type TrendRow = (String, String, i64, Option<i64>, Option<i64>);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Signal {
    pub id: i64,
    pub merchant_id: i64,
    pub kind: String,
    pub note: String,
    pub occurred_ms: i64,
    pub recorded_ms: i64,
    pub recorded_by: Option<String>,
    pub lifted_ms: Option<i64>,
    pub lift_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PrepaidCase {
    pub id: i64,
    pub merchant_id: i64,
    pub brand: String,
    pub licence: String,
    pub region_name: String,
    pub level: String,
    pub reasons: String,
    pub regulator_org_id: Option<i64>,
    pub regulator_name: Option<String>,
    pub opened_ms: i64,
    pub due_ms: i64,
    pub status: String,
    pub closed_ms: Option<i64>,
    pub outcome: Option<String>,
    #[serde(skip)]
    pub region_path: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseEvent {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub text: String,
}

const CASE_SELECT: &str = "SELECT c.id, c.merchant_id, m.brand, m.licence, r.name AS region_name, c.level, c.reasons,
        c.regulator_org_id, o.name AS regulator_name, c.opened_ms, c.due_ms, c.status, c.closed_ms, c.outcome, c.region_path
   FROM prepaid_cases c JOIN prepaid_merchants m ON m.id = c.merchant_id JOIN regions r ON r.id = m.region_id
   LEFT JOIN orgs o ON o.id = c.regulator_org_id";

/// One row of the board: a region or an industry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BoardRow {
    pub key: String,
    pub name: String,
    pub merchants: i64,
    /// Orange and red.
    pub at_risk: i64,
    pub red: i64,
    pub outstanding_fen: i64,
    pub escrow_fen: i64,
    /// Σ max(required − escrow, 0).
    pub shortfall_fen: i64,
}

impl BoardRow {
    fn add(&mut self, m: &Merchant) {
        self.merchants += 1;
        let level = WarningLevel::parse(&m.warning_level).unwrap_or(WarningLevel::None);
        self.at_risk += i64::from(level.opens_case());
        self.red += i64::from(level == WarningLevel::Red);
        self.outstanding_fen += m.outstanding_fen;
        self.escrow_fen += m.escrow_fen;
        self.shortfall_fen += m.shortfall_fen();
    }
}

/// A day of the trend: merchants at each level.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrendDay {
    pub day: String,
    pub blue: i64,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
    pub outstanding_fen: i64,
    pub shortfall_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub total: BoardRow,
    pub by_region: Vec<BoardRow>,
    pub by_industry: Vec<BoardRow>,
    /// Orange and red merchants, the riskiest first.
    pub at_risk: Vec<Merchant>,
    pub trend: Vec<TrendDay>,
}

/// Trend days shown on the board.
const TREND_DAYS: i64 = 30;

impl Store {
    /// Record a signal about a merchant. A stop order bars sales until lifted; a closure
    /// notice marks the business closed (no more sales). Audited; the merchant is assessed.
    pub async fn record_prepaid_signal(
        &self,
        actor: &Actor,
        merchant_id: i64,
        kind: SignalKind,
        note: &str,
        occurred_ms: Option<i64>,
    ) -> Result<Signal> {
        let m = self.merchant_for_update(actor, merchant_id).await?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 500 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "note",
                "请写明依据(500 字以内) / give the grounds, at most 500 characters",
            )]));
        }
        let now = now_ms();
        let occurred = occurred_ms.unwrap_or(now);
        if occurred > now + 60_000 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "occurred_at",
                "发生时间不能晚于现在 / the time is in the future",
            )]));
        }
        if kind == SignalKind::StopOrder && m.stop_order.is_some() {
            return Err(StoreError::Conflict(
                "该商户已在停止发卡令中 / the merchant is already under a stop order".into(),
            ));
        }
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_signals (merchant_id, kind, note, occurred_ms, recorded_ms, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(merchant_id)
            .bind(kind.code())
            .bind(note)
            .bind(occurred)
            .bind(now)
            .bind(actor.account_id)
            .fetch_one(&mut *tx)
            .await?;
            match kind {
                SignalKind::StopOrder => {
                    sqlx::query("UPDATE prepaid_merchants SET stop_order = $1 WHERE id = $2")
                        .bind(note)
                        .bind(merchant_id)
                        .execute(&mut *tx)
                        .await?;
                }
                SignalKind::ClosureNotice => {
                    sqlx::query("UPDATE prepaid_merchants SET closed_ms = $1 WHERE id = $2 AND closed_ms IS NULL")
                        .bind(occurred)
                        .bind(merchant_id)
                        .execute(&mut *tx)
                        .await?;
                }
                _ => {}
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.signal_record".into(),
                target_kind: "prepaid_merchant".into(),
                target_id: Some(merchant_id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "signal_id": id, "kind": kind.code(), "note": note, "occurred_ms": occurred }),
            };
            write_audit!(&mut *tx, &event, m.region_path.as_str())?;
            tx.commit().await?;
            id
        });
        self.assess_prepaid_merchant(merchant_id, now).await?;
        self.prepaid_signals(merchant_id).await?.into_iter().find(|s| s.id == id).ok_or(StoreError::NotFound)
    }

    /// Lift a standing signal (a stop order, a listing) or withdraw a closure notice given in
    /// error. Events that happened (a penalty) stay.
    pub async fn lift_prepaid_signal(&self, actor: &Actor, signal_id: i64, note: &str) -> Result<Signal> {
        let row: Option<(i64, String, Option<i64>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT merchant_id, kind, lifted_ms FROM prepaid_signals WHERE id = $1"
        )
        .bind(signal_id)
        .fetch_optional(pool)
        .await)?;
        let Some((merchant_id, kind, lifted)) = row else { return Err(StoreError::NotFound) };
        let m = self.merchant_for_update(actor, merchant_id).await?;
        let kind = SignalKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("signal {signal_id}: kind")))?;
        if !(kind.is_standing() || kind == SignalKind::ClosureNotice) {
            return Err(StoreError::Refused {
                status: 409,
                message: format!("{}是已发生的事件,不能解除 / an event that happened cannot be lifted", kind.zh()),
            });
        }
        if lifted.is_some() {
            return Err(StoreError::Conflict("已经解除 / already lifted".into()));
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 500 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "note",
                "请写明解除依据(500 字以内) / give the grounds",
            )]));
        }
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE prepaid_signals SET lifted_ms = $1, lifted_by = $2, lift_note = $3 WHERE id = $4")
                .bind(now)
                .bind(actor.account_id)
                .bind(note)
                .bind(signal_id)
                .execute(&mut *tx)
                .await?;
            let clear = match kind {
                SignalKind::StopOrder => Some("stop_order"),
                SignalKind::ClosureNotice => Some("closed_ms"),
                _ => None,
            };
            if let Some(column) = clear {
                sqlx::query(&format!("UPDATE prepaid_merchants SET {column} = NULL WHERE id = $1"))
                    .bind(merchant_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.signal_lift".into(),
                target_kind: "prepaid_merchant".into(),
                target_id: Some(merchant_id),
                success: true,
                before: serde_json::json!({ "signal_id": signal_id, "kind": kind.code() }),
                after: serde_json::json!({ "lifted": true, "note": note }),
            };
            write_audit!(&mut *tx, &event, m.region_path.as_str())?;
            tx.commit().await?;
        });
        self.assess_prepaid_merchant(merchant_id, now).await?;
        self.prepaid_signals(merchant_id).await?.into_iter().find(|s| s.id == signal_id).ok_or(StoreError::NotFound)
    }

    /// A merchant's signals, newest first (callers have checked the merchant is readable).
    pub async fn prepaid_signals(&self, merchant_id: i64) -> Result<Vec<Signal>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT s.id, s.merchant_id, s.kind, s.note, s.occurred_ms, s.recorded_ms, a.display_name AS recorded_by,
                    s.lifted_ms, s.lift_note
               FROM prepaid_signals s LEFT JOIN accounts a ON a.id = s.recorded_by
              WHERE s.merchant_id = $1 ORDER BY s.occurred_ms DESC, s.id DESC"
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Tracked cases in the actor's scope: open ones first, then the latest closed.
    pub async fn prepaid_cases(&self, actor: &Actor, merchant_id: Option<i64>) -> Result<Vec<PrepaidCase>> {
        require(actor, Action::Read)?;
        let scope = &actor.scope.region;
        let only = merchant_id.map(|id| format!("AND c.merchant_id = {id}")).unwrap_or_default();
        let sql = format!(
            "{CASE_SELECT} WHERE c.region_path >= $1 AND c.region_path < $2 {only}
              ORDER BY CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END, c.due_ms, c.id DESC LIMIT 500"
        );
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(scope.as_str())
            .bind(scope.subtree_end())
            .fetch_all(pool)
            .await)?)
    }

    /// Case `id` and its events.
    pub async fn prepaid_case(&self, actor: &Actor, id: i64) -> Result<(PrepaidCase, Vec<CaseEvent>)> {
        require(actor, Action::Read)?;
        let sql = format!("{CASE_SELECT} WHERE c.id = $1");
        let case: Option<PrepaidCase> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let case = case.ok_or(StoreError::NotFound)?;
        let path = pingan_domain::region::RegionPath::parse(&case.region_path)
            .ok_or_else(|| StoreError::Corrupt(format!("prepaid case {id}: path")))?;
        if !actor.scope.covers_region(&path) {
            return Err(StoreError::NotFound);
        }
        let events: Vec<CaseEvent> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT e.id, e.at_ms, a.display_name AS actor, e.kind, e.text FROM prepaid_case_events e
               LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.case_id = $1 ORDER BY e.id"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok((case, events))
    }

    /// Note progress on a case (`close`: and close it, the note being the outcome). The
    /// supervising department or an administrator; audited.
    pub async fn act_on_prepaid_case(&self, actor: &Actor, id: i64, text: &str, close: bool) -> Result<PrepaidCase> {
        let (case, _) = self.prepaid_case(actor, id).await?;
        let path = pingan_domain::region::RegionPath::parse(&case.region_path)
            .ok_or_else(|| StoreError::Corrupt(format!("prepaid case {id}: path")))?;
        actor.authorize(
            Action::Update,
            Resource::Prepaid,
            &Placement { region: &path, org_id: case.regulator_org_id },
        )?;
        if case.status == "closed" {
            return Err(StoreError::Conflict("案件已办结 / the case is closed".into()));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "text",
                "请填写处置情况(1000 字以内) / describe what was done",
            )]));
        }
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let moved = if close {
                sqlx::query(
                    "UPDATE prepaid_cases SET status = 'closed', closed_ms = $1, closed_by = $2, outcome = $3
                      WHERE id = $4 AND status <> 'closed'",
                )
                .bind(now)
                .bind(actor.account_id)
                .bind(text)
                .bind(id)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("UPDATE prepaid_cases SET status = 'handling' WHERE id = $1 AND status <> 'closed'")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
            };
            if moved.rows_affected() == 0 {
                return Err(StoreError::Conflict("案件已办结 / the case is closed".into()));
            }
            sqlx::query(
                "INSERT INTO prepaid_case_events (case_id, at_ms, actor_id, kind, text) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(now)
            .bind(actor.account_id)
            .bind(if close { "closed" } else { "note" })
            .bind(text)
            .execute(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: if close { "prepaid.case_close" } else { "prepaid.case_note" }.into(),
                target_kind: "prepaid_case".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "status": case.status }),
                after: serde_json::json!({ "status": if close { "closed" } else { "handling" }, "text": text }),
            };
            write_audit!(&mut *tx, &event, case.region_path.as_str())?;
            tx.commit().await?;
        });
        Ok(self.prepaid_case(actor, id).await?.0)
    }

    /// The regulators' board over the actor's scope (one industry, or all).
    pub async fn prepaid_board(&self, actor: &Actor, industry: Option<PrepaidIndustry>, now: i64) -> Result<Board> {
        require(actor, Action::Read)?;
        let scope = &actor.scope.region;
        let only = industry.map(|i| format!("AND m.industry = '{}'", i.code())).unwrap_or_default();
        let sql = format!("{} WHERE m.region_path >= $1 AND m.region_path < $2 {only}", super::MERCHANT_SELECT);
        let merchants: Vec<Merchant> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(scope.as_str())
            .bind(scope.subtree_end())
            .fetch_all(pool)
            .await)?;
        // Rows by the level below the scope (counties for the city, townships for a county).
        let depth = scope.ids().len();
        let children = self.children(&actor.scope, *scope.ids().last().unwrap_or(&0)).await?;
        let mut by_region: BTreeMap<i64, BoardRow> = children
            .iter()
            .map(|c| {
                (
                    c.region.id,
                    BoardRow { key: c.region.code.clone(), name: c.region.name.clone(), ..BoardRow::default() },
                )
            })
            .collect();
        let mut by_industry: BTreeMap<&'static str, BoardRow> = BTreeMap::new();
        let mut total = BoardRow { key: "all".into(), name: "合计".into(), ..BoardRow::default() };
        for m in &merchants {
            total.add(m);
            if let Some(child) = m.path()?.ids().get(depth)
                && let Some(row) = by_region.get_mut(child)
            {
                row.add(m);
            }
            if let Some(i) = PrepaidIndustry::parse(&m.industry) {
                by_industry
                    .entry(i.code())
                    .or_insert_with(|| BoardRow { key: i.code().into(), name: i.zh().into(), ..BoardRow::default() })
                    .add(m);
            }
        }
        let mut at_risk: Vec<Merchant> = merchants
            .into_iter()
            .filter(|m| WarningLevel::parse(&m.warning_level).is_some_and(WarningLevel::opens_case))
            .map(Merchant::masked)
            .collect();
        at_risk.sort_by(|a, b| b.risk_score.cmp(&a.risk_score).then(b.outstanding_fen.cmp(&a.outstanding_fen)));
        let from = (to_china(now).date() - chrono::Duration::days(TREND_DAYS - 1)).to_string();
        let trend_sql = format!(
            "SELECT a.day, a.level, count(*), CAST(sum(a.outstanding_fen) AS BIGINT),
                    CAST(sum(CASE WHEN a.required_fen > a.escrow_fen THEN a.required_fen - a.escrow_fen ELSE 0 END) AS BIGINT)
               FROM prepaid_assessments a
              WHERE a.day >= $1 AND a.region_path >= $2 AND a.region_path < $3 {}
              GROUP BY a.day, a.level ORDER BY a.day",
            industry.map(|i| format!("AND a.industry = '{}'", i.code())).unwrap_or_default()
        );
        let rows: Vec<TrendRow> = on_pool!(&self.db, |pool| sqlx::query_as(&trend_sql)
            .bind(&from)
            .bind(scope.as_str())
            .bind(scope.subtree_end())
            .fetch_all(pool)
            .await)?;
        let mut trend: BTreeMap<String, TrendDay> = BTreeMap::new();
        for (day, level, n, outstanding, shortfall) in rows {
            let d = trend.entry(day.clone()).or_insert_with(|| TrendDay { day, ..TrendDay::default() });
            match WarningLevel::parse(&level) {
                Some(WarningLevel::Blue) => d.blue += n,
                Some(WarningLevel::Yellow) => d.yellow += n,
                Some(WarningLevel::Orange) => d.orange += n,
                Some(WarningLevel::Red) => d.red += n,
                _ => {}
            }
            d.outstanding_fen += outstanding.unwrap_or(0);
            d.shortfall_fen += shortfall.unwrap_or(0);
        }
        Ok(Board {
            total,
            by_region: by_region.into_values().collect(),
            by_industry: by_industry.into_values().collect(),
            at_risk,
            trend: trend.into_values().collect(),
        })
    }
}
