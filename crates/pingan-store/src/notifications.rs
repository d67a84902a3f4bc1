//! The notification outbox: claiming rows for the notifier, recording what became of each
//! delivery, and a staff member's inbox.
//!
//! Every case change writes its notices in its own transaction (`appeals::Notice`); a notifier
//! on any instance drains them. Exactly once across instances: a claim transaction takes a
//! batch of due rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent claims split the work;
//! SQLite: `BEGIN IMMEDIATE` serialises them), counts the attempt, stamps the rows with a claim
//! token and moves `next_attempt_ms` to the end of a lease, then commits before anything is
//! sent. A row is invisible to other claims until that lease runs out, so a sender that crashed
//! mid-batch only delays its rows. Only the holder of the claim marks a row sent or failed; a
//! failure schedules the next attempt after a backoff, and after the last attempt the row is
//! marked given up and kept.

use crate::{BeginWrite, Result, Store, on_pool};
use pingan_domain::access::{Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::personal::mask_phone;
use serde::Serialize;

/// How the notifier retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxPolicy {
    /// How long a claim holds its rows; a sender must finish a batch well within it.
    pub lease_ms: i64,
    /// Attempts before a row is given up.
    pub max_attempts: i32,
    /// Wait after the first failure; doubled after each further one.
    pub backoff_base_ms: i64,
    pub backoff_max_ms: i64,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        OutboxPolicy { lease_ms: 5 * 60_000, max_attempts: 8, backoff_base_ms: 30_000, backoff_max_ms: 3_600_000 }
    }
}

impl OutboxPolicy {
    /// The wait before the next attempt, after `attempts` failed ones.
    pub fn backoff_ms(&self, attempts: i32) -> i64 {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        self.backoff_base_ms.saturating_mul(1i64 << doublings).min(self.backoff_max_ms)
    }
}

/// One outbox row as claimed for delivery. `phone` is the real number: the SMS gateway needs it,
/// so it goes nowhere else (logs and lists mask it; so does `Debug`).
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub created_ms: i64,
    pub appeal_id: Option<i64>,
    /// `citizen` (an SMS to `phone`) or `staff` (in-app for `account_id` or the staff of `org_id`).
    pub audience: String,
    pub account_id: Option<i64>,
    pub org_id: Option<i64>,
    pub phone: Option<String>,
    pub kind: String,
    pub text: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

impl Notification {
    pub fn is_citizen(&self) -> bool {
        self.audience == "citizen"
    }

    /// The phone masked, for logs.
    pub fn masked_phone(&self) -> Option<String> {
        self.phone.as_deref().map(mask_phone)
    }
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("id", &self.id)
            .field("appeal_id", &self.appeal_id)
            .field("audience", &self.audience)
            .field("account_id", &self.account_id)
            .field("org_id", &self.org_id)
            .field("phone", &self.masked_phone())
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A batch taken by one claim; `token` names the claim when marking its rows.
#[derive(Debug, Clone)]
pub struct Claim {
    pub token: String,
    pub items: Vec<Notification>,
}

/// What became of a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureOutcome {
    /// Tried again from `at_ms`.
    Retry { at_ms: i64 },
    /// That was the last attempt.
    GaveUp,
    /// The claim had lapsed and another sender holds the row now: nothing was recorded.
    Lapsed,
}

/// One line of a staff member's inbox.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub id: i64,
    pub created_ms: i64,
    pub appeal_id: Option<i64>,
    pub tracking_code: Option<String>,
    /// The mediation case a notice is about (a high-risk alert, an after-care reminder).
    pub mediation_case_id: Option<i64>,
    /// The task a notice is about (assigned, overdue, supervised, reported, sent back).
    pub task_id: Option<i64>,
    pub kind: String,
    /// With any mobile number in it masked.
    pub text: String,
    pub unread: bool,
}

/// The newest notices for a person and how many they have not read.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub unread: i64,
}

const COLUMNS: &str = "id, created_ms, appeal_id, audience, account_id, org_id, phone, kind, text, attempts";

/// The longest error text kept on a row.
const MAX_ERROR_CHARS: usize = 500;

impl Store {
    /// Claim up to `batch` rows due at `now_ms` for delivery by `claimer` (an instance name),
    /// oldest first. The claim commits before this returns: deliver, then mark each row with
    /// [`Store::notification_sent`] or [`Store::notification_failed`].
    pub async fn claim_notifications(
        &self,
        claimer: &str,
        now_ms: i64,
        batch: i64,
        policy: &OutboxPolicy,
    ) -> Result<Claim> {
        let token = format!("{claimer}:{}", &crate::accounts::random_token()[..16]);
        let lock = match self.engine() {
            crate::Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Engine::Sqlite => "",
        };
        // Rows whose last attempt's lease ran out (their sender died) have had their chances.
        let expire = "UPDATE notifications SET gave_up_ms = $1, claim = NULL,
                         last_error = COALESCE(last_error, 'no result within the lease (sender stopped?)')
                       WHERE sent_ms IS NULL AND gave_up_ms IS NULL AND attempts >= $2 AND next_attempt_ms <= $1";
        let claim = format!(
            "UPDATE notifications SET attempts = attempts + 1, next_attempt_ms = $1, claim = $2
              WHERE id IN (SELECT id FROM notifications
                            WHERE sent_ms IS NULL AND gave_up_ms IS NULL AND next_attempt_ms <= $3 AND attempts < $4
                            ORDER BY id LIMIT $5 {lock})
             RETURNING {COLUMNS}"
        );
        let mut items: Vec<Notification> = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(expire).bind(now_ms).bind(policy.max_attempts).execute(&mut *tx).await?;
            let items = sqlx::query_as::<_, Notification>(&claim)
                .bind(now_ms + policy.lease_ms)
                .bind(&token)
                .bind(now_ms)
                .bind(policy.max_attempts)
                .bind(batch.max(1))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            items
        });
        items.sort_by_key(|n| n.id);
        Ok(Claim { token, items })
    }

    /// Record a delivery. False when the claim had lapsed and another sender took the row.
    pub async fn notification_sent(&self, claim: &str, id: i64, now_ms: i64) -> Result<bool> {
        let done = on_pool!(&self.db, |pool| sqlx::query(
            "UPDATE notifications SET sent_ms = $1, claim = NULL WHERE id = $2 AND claim = $3 AND sent_ms IS NULL"
        )
        .bind(now_ms)
        .bind(id)
        .bind(claim)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Record a failed delivery of `item` (as claimed): retry after the backoff, or give up
    /// after the last attempt.
    pub async fn notification_failed(
        &self,
        claim: &str,
        item: &Notification,
        error: &str,
        now_ms: i64,
        policy: &OutboxPolicy,
    ) -> Result<FailureOutcome> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let outcome = if item.attempts >= policy.max_attempts {
            FailureOutcome::GaveUp
        } else {
            FailureOutcome::Retry { at_ms: now_ms + policy.backoff_ms(item.attempts) }
        };
        let (next, gave_up) = match outcome {
            FailureOutcome::Retry { at_ms } => (at_ms, None),
            _ => (now_ms, Some(now_ms)),
        };
        let done = on_pool!(&self.db, |pool| sqlx::query(
            "UPDATE notifications SET last_error = $1, next_attempt_ms = $2, gave_up_ms = $3, claim = NULL
              WHERE id = $4 AND claim = $5 AND sent_ms IS NULL"
        )
        .bind(&error)
        .bind(next)
        .bind(gave_up)
        .bind(item.id)
        .bind(claim)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(if done == 1 { outcome } else { FailureOutcome::Lapsed })
    }

    /// A staff member's own inbox, newest first: notices to their account or to their
    /// organisation. Residents hear by SMS and have none.
    pub async fn notifications_for(&self, actor: &Actor, limit: i64) -> Result<Inbox> {
        if actor.role == Role::Citizen {
            return Err(Denied::Role.into());
        }
        // Without an organisation `$2` is NULL, which equals nothing.
        let mine = "n.audience = 'staff' AND (n.account_id = $1 OR n.org_id = $2)";
        let org = actor.scope.org_id;
        let list = format!(
            "SELECT n.id, n.created_ms, n.appeal_id, a.tracking_code, n.mediation_case_id, n.task_id, n.kind, n.text
               FROM notifications n LEFT JOIN appeals a ON a.id = n.appeal_id
              WHERE {mine} ORDER BY n.id DESC LIMIT $3"
        );
        let unread = format!(
            "SELECT count(*) FROM notifications n
              WHERE {mine} AND n.id > COALESCE((SELECT last_read_id FROM notification_reads WHERE account_id = $1), 0)"
        );
        let read_up_to = "SELECT last_read_id FROM notification_reads WHERE account_id = $1";
        type Row = (i64, i64, Option<i64>, Option<String>, Option<i64>, Option<i64>, String, String);
        let (rows, unread, read_up_to): (Vec<Row>, i64, Option<i64>) = on_pool!(&self.db, |pool| {
            let rows: Vec<Row> = sqlx::query_as(&list)
                .bind(actor.account_id)
                .bind(org)
                .bind(limit.clamp(1, 200))
                .fetch_all(pool)
                .await?;
            let unread: i64 = sqlx::query_scalar(&unread).bind(actor.account_id).bind(org).fetch_one(pool).await?;
            let read_up_to: Option<i64> =
                sqlx::query_scalar(read_up_to).bind(actor.account_id).fetch_optional(pool).await?;
            (rows, unread, read_up_to)
        });
        let read_up_to = read_up_to.unwrap_or(0);
        let items = rows
            .into_iter()
            .map(|(id, created_ms, appeal_id, tracking_code, mediation_case_id, task_id, kind, text)| InboxItem {
                id,
                created_ms,
                appeal_id,
                tracking_code,
                mediation_case_id,
                task_id,
                kind,
                text: mask_phones_in(&text),
                unread: id > read_up_to,
            })
            .collect();
        Ok(Inbox { items, unread })
    }

    /// Mark the actor's inbox read up to notice `up_to_id` (everything when `None`). The mark
    /// only moves forward.
    pub async fn mark_notifications_read(&self, actor: &Actor, up_to_id: Option<i64>, now_ms: i64) -> Result<()> {
        if actor.role == Role::Citizen {
            return Err(Denied::Role.into());
        }
        let up_to = match up_to_id {
            Some(id) => id,
            None => {
                on_pool!(&self.db, |pool| sqlx::query_scalar::<_, Option<i64>>("SELECT max(id) FROM notifications")
                    .fetch_one(pool)
                    .await)?
                .unwrap_or(0)
            }
        };
        on_pool!(&self.db, |pool| sqlx::query(
            "INSERT INTO notification_reads (account_id, last_read_id, read_ms) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET
               last_read_id = CASE WHEN excluded.last_read_id > notification_reads.last_read_id
                                   THEN excluded.last_read_id ELSE notification_reads.last_read_id END,
               read_ms = excluded.read_ms"
        )
        .bind(actor.account_id)
        .bind(up_to)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

/// Mask every mainland mobile number (11 digits from 1) in a text, for lists that show
/// stored notice texts.
pub fn mask_phones_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.len() == 11 && run.starts_with('1') {
                out.push_str(&mask_phone(&run));
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

impl Store {
    /// Claim periodic job `name` for this period: true for exactly one caller across instances
    /// once the job is due at `now` (then it is next due `every_ms` later), false otherwise.
    pub async fn claim_periodic_job(&self, name: &str, instance: &str, now: i64, every_ms: i64) -> Result<bool> {
        let claimed = on_pool!(&self.db, |pool| sqlx::query(
            "INSERT INTO scheduled_jobs (name, due_ms, holder) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET due_ms = excluded.due_ms, holder = excluded.holder
              WHERE scheduled_jobs.due_ms <= $4"
        )
        .bind(name)
        .bind(now + every_ms)
        .bind(instance)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(claimed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let p = OutboxPolicy::default();
        assert_eq!(p.backoff_ms(1), 30_000);
        assert_eq!(p.backoff_ms(2), 60_000);
        assert_eq!(p.backoff_ms(3), 120_000);
        assert_eq!(p.backoff_ms(20), 3_600_000);
        assert_eq!(p.backoff_ms(i32::MAX), 3_600_000);
    }

    #[test]
    fn phones_in_texts_are_masked() {
        assert_eq!(mask_phones_in("联系人 13800138000,查询码 250101ABCD"), "联系人 138****8000,查询码 250101ABCD");
        assert_eq!(mask_phones_in("编号 123456789012 不是手机号"), "编号 123456789012 不是手机号");
        assert_eq!(mask_phones_in(""), "");
    }
}
