//! The audit trail: append-only events, written in the same transaction as the change.

use crate::{Result, Store, on_pool};
use pingan_domain::Scope;
use pingan_domain::audit::AuditEvent;
use serde::Serialize;

/// Insert one audit event on any connection or transaction of either engine.
/// A macro rather than a function so that the same statement serves both
/// engines' connection types inside [`on_pool!`] bodies.
#[macro_export]
macro_rules! write_audit {
    ($conn:expr, $event:expr, $region_path:expr) => {{
        let ev: &pingan_domain::audit::AuditEvent = $event;
        let path: &str = $region_path;
        $crate::sqlx::query(
            "INSERT INTO audit_events (at_ms, actor_id, actor_name, action, target_kind, target_id, success, region_path, encoded)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(ev.at_ms)
        .bind(ev.actor_id)
        .bind(&ev.actor_name)
        .bind(&ev.action)
        .bind(&ev.target_kind)
        .bind(ev.target_id)
        .bind(ev.success)
        .bind(path)
        .bind(String::from_utf8(ev.canonical_bytes()).expect("JSON is UTF-8"))
        .execute($conn)
        .await.map(|_| ())
    }};
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Actions starting with this, e.g. `org.` or `account.login`.
    pub action_prefix: Option<String>,
    pub actor_name: Option<String>,
    pub target_kind: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub region_path: String,
    #[serde(flatten)]
    pub event: AuditEvent,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    region_path: String,
    encoded: String,
}

impl Store {
    /// Record an event that is not part of another change (sign-ins, sign-outs).
    pub async fn record_audit(&self, event: &AuditEvent, region_path: &str) -> Result<()> {
        on_pool!(&self.db, |pool| write_audit!(pool, event, region_path))?;
        Ok(())
    }

    /// Events whose target lies in the actor's scope, newest first, with the total count.
    pub async fn audit_events(&self, scope: &Scope, f: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        let lo = scope.region.as_str().to_owned();
        let hi = scope.region.subtree_end();
        let action = f.action_prefix.as_ref().map(|a| format!("{}%", escape_like(a)));
        let where_ = "region_path >= $1 AND region_path < $2
            AND ($3 IS NULL OR lower(action) LIKE lower($3) ESCAPE '\\')
            AND ($4 IS NULL OR actor_name = $4)
            AND ($5 IS NULL OR target_kind = $5)
            AND ($6 IS NULL OR at_ms >= $6)
            AND ($7 IS NULL OR at_ms < $7)";
        let list_sql = format!(
            "SELECT id, region_path, encoded FROM audit_events WHERE {where_} ORDER BY id DESC LIMIT $8 OFFSET $9"
        );
        let count_sql = format!("SELECT count(*) FROM audit_events WHERE {where_}");
        let (rows, total): (Vec<AuditRow>, i64) = on_pool!(&self.db, |pool| {
            let rows = sqlx::query_as::<_, AuditRow>(&list_sql)
                .bind(&lo)
                .bind(&hi)
                .bind(&action)
                .bind(&f.actor_name)
                .bind(&f.target_kind)
                .bind(f.from_ms)
                .bind(f.to_ms)
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(&count_sql)
                .bind(&lo)
                .bind(&hi)
                .bind(&action)
                .bind(&f.actor_name)
                .bind(&f.target_kind)
                .bind(f.from_ms)
                .bind(f.to_ms)
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        let records = rows
            .into_iter()
            .map(|r| {
                let event = serde_json::from_str(&r.encoded)
                    .map_err(|e| crate::StoreError::Corrupt(format!("audit event {}: {e}", r.id)))?;
                Ok(AuditRecord { id: r.id, region_path: r.region_path, event })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((records, total))
    }
}

/// Escape `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
