//! The audit trail in the `audit` ledger.
//!
//! Audit events are written in their change's transaction (`write_audit!`), by every part of
//! the platform; putting each into the Merkle log there would make every write queue on the
//! log's head. Instead a sequencer — the scanner, every few seconds, on any instance — appends
//! the events not yet in the log, oldest first, in batches: it locks the log's head, so
//! instances take turns and none appends an event twice (`audit_ledger.audit_id` is the key).
//!
//! A leaf carries a salted commitment to the event as stored ([`AuditLeaf`]); the salt is kept
//! in `audit_ledger`. Erasing a person's data deletes the salts of their events and redacts the
//! stored events once (the table's trigger allows exactly that); the leaves and so every proof
//! and checkpoint stay valid, and `pingan ledger verify` tells an erased event from an edited one.

use crate::ledger::{Divergence, append_to_log};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::Scope;
use pingan_domain::audit::{AUDIT_SALT_LEN, AuditEvent, AuditLeaf, audit_commitment};
use serde::Serialize;

/// On PostgreSQL an event's id is drawn when it is written but it becomes visible at commit, so
/// a lower id can appear after a higher one was sequenced. The sequencer looks back this far
/// behind the newest event it sequenced; a transaction open longer than this would be missed.
pub const SEQUENCE_LOOKBACK_MS: i64 = 10 * 60 * 1000;

/// One event of a record's trail, with its place in the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct TrailEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Its entry in the `audit` log, once sequenced.
    pub ledger_index: Option<u64>,
    /// Hex salt that opens the leaf's commitment with the event's canonical bytes; `None`
    /// before sequencing and after an erasure.
    pub salt: Option<String>,
    pub redacted: bool,
}

#[derive(sqlx::FromRow)]
struct TrailRow {
    id: i64,
    encoded: String,
    redacted_ms: Option<i64>,
    ledger_index: Option<i64>,
    salt: Option<Vec<u8>>,
}

/// A sequenced event as the verifier reads it: (ledger index, audit id, salt, the stored
/// event, when it was redacted, the ledger entry).
type SequencedRow = (i64, i64, Option<Vec<u8>>, Option<String>, Option<i64>, Option<Vec<u8>>);

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// Events redacted now.
    pub redacted: u64,
    /// Salts deleted (events already in the ledger).
    pub salts_deleted: u64,
}

impl Store {
    /// Append every audit event not yet in the `audit` log, `batch` per transaction; returns
    /// how many were appended.
    pub async fn sequence_audit_events(&self, batch: i64) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self.sequence_audit_batch(batch.max(1)).await?;
            total += n;
            if n < batch.max(1) as u64 {
                return Ok(total);
            }
        }
    }

    async fn sequence_audit_batch(&self, batch: i64) -> Result<u64> {
        let lock = self.lock_clause();
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO ledger_logs (log, size, root) VALUES ('audit', 0, $1) ON CONFLICT (log) DO NOTHING",
            )
            .bind(pingan_ledger::EMPTY_ROOT.to_vec())
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!("SELECT size FROM ledger_logs WHERE log = 'audit' {lock}")).execute(&mut *tx).await?;
            let lookback: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(audit_id), 0) FROM audit_ledger WHERE sequenced_ms < $1")
                    .bind(now - SEQUENCE_LOOKBACK_MS)
                    .fetch_one(&mut *tx)
                    .await?;
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT a.id, a.region_path, a.encoded FROM audit_events a
                  WHERE a.id > $1 AND NOT EXISTS (SELECT 1 FROM audit_ledger l WHERE l.audit_id = a.id)
                  ORDER BY a.id LIMIT $2",
            )
            .bind(lookback)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                tx.rollback().await?;
                return Ok(0);
            }
            let mut leaves = Vec::with_capacity(rows.len());
            let mut salts = Vec::with_capacity(rows.len());
            for (id, path, encoded) in &rows {
                let event: AuditEvent =
                    serde_json::from_str(encoded).map_err(|e| StoreError::Corrupt(format!("audit event {id}: {e}")))?;
                let salt = rand::random::<[u8; AUDIT_SALT_LEN]>();
                leaves.push(AuditLeaf::of(*id, path, &event, &salt, encoded.as_bytes()).canonical_bytes());
                salts.push(salt);
            }
            let (_, first) = append_to_log!(tx, lock, "audit", &leaves, now);
            let placed: Vec<(i64, i64, &[u8; AUDIT_SALT_LEN])> = rows
                .iter()
                .zip(&salts)
                .enumerate()
                .map(|(i, ((id, _, _), salt))| (*id, (first + i as u64) as i64, salt))
                .collect();
            crate::insert_chunks!(
                tx,
                placed,
                500,
                "INSERT INTO audit_ledger (audit_id, ledger_index, salt, sequenced_ms) ",
                "",
                |b, (id, index, salt)| b.push_bind(*id).push_bind(*index).push_bind(salt.as_slice()).push_bind(now)
            )?;
            tx.commit().await?;
            Ok(rows.len() as u64)
        })
    }

    /// The audit trail of one record (`target_kind`, `target_id`) within `scope`, oldest
    /// first, each event with its ledger entry.
    pub async fn audit_trail(&self, scope: &Scope, target_kind: &str, target_id: i64) -> Result<Vec<TrailEvent>> {
        let lo = scope.region.as_str().to_owned();
        let hi = scope.region.subtree_end();
        let rows: Vec<TrailRow> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT a.id, a.encoded, a.redacted_ms, l.ledger_index, l.salt
               FROM audit_events a LEFT JOIN audit_ledger l ON l.audit_id = a.id
              WHERE a.target_kind = $1 AND a.target_id = $2 AND a.region_path >= $3 AND a.region_path < $4
              ORDER BY a.id LIMIT 1000"
        )
        .bind(target_kind)
        .bind(target_id)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|r| {
                let event = serde_json::from_str(&r.encoded)
                    .map_err(|e| StoreError::Corrupt(format!("audit event {}: {e}", r.id)))?;
                Ok(TrailEvent {
                    id: r.id,
                    event,
                    ledger_index: r.ledger_index.map(|i| i as u64),
                    salt: r.salt.map(hex::encode),
                    redacted: r.redacted_ms.is_some(),
                })
            })
            .collect()
    }

    /// Whether entry `index` of the `audit` log is an event within `scope` (else not found):
    /// the one check before an audit entry or its evidence bundle leaves the platform.
    pub async fn audit_entry_in_scope(&self, scope: &Scope, index: u64) -> Result<()> {
        let lo = scope.region.as_str().to_owned();
        let hi = scope.region.subtree_end();
        let found: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT a.id FROM audit_ledger l JOIN audit_events a ON a.id = l.audit_id
              WHERE l.ledger_index = $1 AND a.region_path >= $2 AND a.region_path < $3"
        )
        .bind(index as i64)
        .bind(&lo)
        .bind(&hi)
        .fetch_optional(pool)
        .await)?;
        found.map(|_| ()).ok_or(StoreError::NotFound)
    }

    /// Erase a person's data (PIPL): the account's name, phone and password go (it keeps its
    /// number, disabled), and in the audit trail every event the account did, and every event
    /// about the account, is redacted ([`AuditEvent::redacted`]) and its salt
    /// deleted, in one transaction with an audit event of its own that names only the account
    /// number and the count. The ledger keeps its leaves and stays valid. `by` names who
    /// ordered it (the operator running the command).
    pub async fn erase_account_personal_data(&self, account_id: i64, by: &str) -> Result<Erasure> {
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, encoded FROM audit_events
                  WHERE redacted_ms IS NULL AND (actor_id = $1 OR (target_kind = 'account' AND target_id = $1))
                  ORDER BY id",
            )
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut salts_deleted = 0;
            for (id, encoded) in &rows {
                let event: AuditEvent =
                    serde_json::from_str(encoded).map_err(|e| StoreError::Corrupt(format!("audit event {id}: {e}")))?;
                let redacted = event.redacted();
                sqlx::query("UPDATE audit_events SET actor_name = $1, encoded = $2, redacted_ms = $3 WHERE id = $4")
                    .bind(&redacted.actor_name)
                    .bind(String::from_utf8(redacted.canonical_bytes()).expect("JSON is UTF-8"))
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                salts_deleted +=
                    sqlx::query("UPDATE audit_ledger SET salt = NULL WHERE audit_id = $1 AND salt IS NOT NULL")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
            }
            // The account itself keeps its number (records point at it) and loses what named
            // the person; it can no longer sign in.
            let updated = sqlx::query(
                "UPDATE accounts SET username = $1, display_name = $2, phone = NULL, password_hash = NULL, disabled = TRUE
                  WHERE id = $3",
            )
            .bind(format!("erased.{account_id}"))
            .bind(pingan_domain::audit::REDACTED_NAME)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
            let erasure = Erasure { redacted: rows.len() as u64, salts_deleted };
            let event = AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: by.to_owned(),
                action: "privacy.erase".into(),
                target_kind: "account".into(),
                target_id: Some(account_id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "events_redacted": erasure.redacted, "salts_deleted": salts_deleted }),
            };
            let path: Option<String> = sqlx::query_scalar(
                "SELECT r.path FROM accounts a JOIN regions r ON r.id = a.region_id WHERE a.id = $1",
            )
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            write_audit!(&mut *tx, &event, path.as_deref().unwrap_or("/"))?;
            tx.commit().await?;
            Ok(erasure)
        })
    }

    /// Check every sequenced audit event against its leaf: the leaf names the event, and where
    /// the salt is kept, the stored event opens the leaf's commitment. An erased event (salt
    /// deleted, event redacted) is counted, not faulted. Returns the events checked, those
    /// erased, and the first problem.
    pub async fn audit_commitments_verify(&self) -> Result<(u64, u64, Option<Divergence>)> {
        const PAGE: i64 = 5_000;
        let (mut checked, mut erased, mut after) = (0u64, 0u64, -1i64);
        loop {
            let rows: Vec<SequencedRow> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT l.ledger_index, l.audit_id, l.salt, a.encoded, a.redacted_ms, e.entry
                       FROM audit_ledger l
                       LEFT JOIN audit_events a ON a.id = l.audit_id
                       LEFT JOIN ledger_entries e ON e.log = 'audit' AND e.idx = l.ledger_index
                      WHERE l.ledger_index > $1 ORDER BY l.ledger_index LIMIT $2"
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(pool)
            .await)?;
            let Some(last) = rows.last() else { return Ok((checked, erased, None)) };
            after = last.0;
            for (index, audit_id, salt, encoded, redacted_ms, entry) in rows {
                let diverge =
                    |reason: String| Ok((checked, erased, Some(Divergence { entry: Some(index as u64), reason })));
                let Some(entry) = entry else {
                    return diverge(format!("audit event {audit_id} points at entry {index}, which is missing"));
                };
                let Ok(leaf) = serde_json::from_slice::<AuditLeaf>(&entry) else {
                    return diverge(format!("entry {index} is not an audit leaf"));
                };
                if leaf.audit_id != audit_id {
                    return diverge(format!("entry {index} is audit event {}, not {audit_id}", leaf.audit_id));
                }
                let Some(encoded) = encoded else {
                    return diverge(format!("audit event {audit_id} (entry {index}) was deleted"));
                };
                match salt {
                    Some(salt) if audit_commitment(&salt, encoded.as_bytes()) != leaf.commitment => {
                        return diverge(format!(
                            "audit event {audit_id} (entry {index}) was changed: it no longer opens its commitment"
                        ));
                    }
                    Some(_) => {}
                    None if redacted_ms.is_some() => erased += 1,
                    None => {
                        return diverge(format!(
                            "audit event {audit_id} (entry {index}) lost its salt without an erasure"
                        ));
                    }
                }
                checked += 1;
            }
        }
    }
}

impl Store {
    /// Erase a card holder's card (PIPL): the card number and the salt of its commitment go, in
    /// one audited transaction; the flows keep their ledger leaves (which hold only the
    /// commitment), so the prepaid log stays valid and the balances stay right, while no one
    /// can any longer tie a leaf to the card. Returns the card's id.
    pub async fn erase_prepaid_card(&self, licence: &str, card_no: &str, by: &str) -> Result<i64> {
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let card: Option<(i64, String)> = sqlx::query_as(
                "SELECT c.id, m.region_path FROM prepaid_cards c JOIN prepaid_merchants m ON m.id = c.merchant_id
                  WHERE m.licence = $1 AND c.card_no = $2 AND c.erased_ms IS NULL",
            )
            .bind(licence)
            .bind(card_no)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, path)) = card else { return Err(StoreError::NotFound) };
            sqlx::query("UPDATE prepaid_cards SET card_no = $1, salt = NULL, erased_ms = $2 WHERE id = $3")
                .bind(format!("erased.{id}"))
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: by.to_owned(),
                action: "privacy.erase".into(),
                target_kind: "prepaid_card".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "card_erased": true }),
            };
            write_audit!(&mut *tx, &event, &path)?;
            tx.commit().await?;
            Ok(id)
        })
    }
}
