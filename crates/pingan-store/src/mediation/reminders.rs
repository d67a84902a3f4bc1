//! Reminders for an agreement's after-care: the performance follow-up visit (履行回访) as its
//! day comes, and the judicial-confirmation application (司法确认) while the 30-day window is
//! closing. The queues on the case list show what is due at any time; these push it to the
//! people who handle the case — the mediator's account and the staff who act on mediation at
//! the body's region or the nearest region above it that has any — once per case, kind and due
//! date, whichever instance's scanner gets there first (the reminder row is the claim).

use crate::{BeginWrite, Result, Store, now_ms, on_pool};
use pingan_domain::calendar::to_china;
use pingan_domain::region::RegionPath;
use serde::Serialize;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Remind of a follow-up from the day before the performance date (the due time is the end of
/// that date, so the day before starts two days earlier)...
pub const FOLLOW_UP_LEAD_MS: i64 = 2 * DAY_MS;
/// ...until a week after it; older ones stay on the 待回访 queue without a push (a scanner
/// that was down for a month should not flood the inboxes).
pub const FOLLOW_UP_LATE_MS: i64 = 7 * DAY_MS;
/// Remind of the judicial window a week before it closes.
pub const JUDICIAL_LEAD_MS: i64 = 7 * DAY_MS;

/// The kinds of reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    FollowUp,
    Judicial,
}

impl ReminderKind {
    fn as_str(self) -> &'static str {
        match self {
            ReminderKind::FollowUp => "follow_up",
            ReminderKind::Judicial => "judicial",
        }
    }

    fn column(self) -> &'static str {
        match self {
            ReminderKind::FollowUp => "follow_up_due_ms",
            ReminderKind::Judicial => "judicial_due_ms",
        }
    }

    /// The due dates that call for a reminder at `now`: `(from, to)` on the due column.
    fn window(self, now: i64) -> (i64, i64) {
        match self {
            ReminderKind::FollowUp => (now - FOLLOW_UP_LATE_MS, now + FOLLOW_UP_LEAD_MS),
            // The column holds the last millisecond of the window, so a closed one is < now.
            ReminderKind::Judicial => (now, now + JUDICIAL_LEAD_MS),
        }
    }

    /// The notification kind in the inbox.
    fn notification_kind(self) -> &'static str {
        match self {
            ReminderKind::FollowUp => "mediation_follow_up",
            ReminderKind::Judicial => "mediation_judicial_window",
        }
    }
}

/// The reminder's text: the case, what is due and by when, in days from `now`.
pub fn reminder_text(kind: ReminderKind, case_no: &str, due_ms: i64, now: i64) -> String {
    let day = to_china(due_ms).date();
    let today = to_china(now).date();
    let days = (day - today).num_days();
    match kind {
        ReminderKind::FollowUp if days < 0 => {
            format!("调解案件 {case_no} 的协议约定于 {day} 前履行,已逾期 {} 天未回访,请尽快回访履行情况", -days)
        }
        ReminderKind::FollowUp if days == 0 => {
            format!("调解案件 {case_no} 的协议履行期限为今天({day}),请回访当事人履行情况")
        }
        ReminderKind::FollowUp => {
            format!("调解案件 {case_no} 的协议履行期限为 {day}(还有 {days} 天),届时请回访当事人履行情况")
        }
        ReminderKind::Judicial => format!(
            "调解案件 {case_no} 的司法确认申请期限将于 {day} 届满(还有 {days} 天);当事人如需申请,请告知其在期限内向人民法院提出"
        ),
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReminderPass {
    /// Cases whose reminder this pass sent.
    pub follow_ups: usize,
    pub judicial: usize,
    /// Notifications written (one per recipient).
    pub notified: usize,
}

type DueRow = (i64, String, i64, String, Option<i64>);

impl Store {
    /// One pass over the reminders due at `now` (at most `batch` cases of each kind), each
    /// case in its own transaction: the reminder row first — only the instance that inserts it
    /// notifies — then one notice per recipient.
    pub async fn run_mediation_reminders(&self, now: i64, batch: i64) -> Result<ReminderPass> {
        let mut pass = ReminderPass::default();
        for kind in [ReminderKind::FollowUp, ReminderKind::Judicial] {
            let (from, to) = kind.window(now);
            let column = kind.column();
            let sql = format!(
                "SELECT c.id, c.case_no, c.{column}, r.path, ma.id
                   FROM mediation_cases c JOIN orgs o ON o.id = c.body_org_id JOIN regions r ON r.id = o.region_id
                   LEFT JOIN mediators m ON m.id = c.mediator_id AND m.active
                   LEFT JOIN accounts ma ON ma.id = m.account_id AND NOT ma.disabled
                  WHERE c.{column} >= $1 AND c.{column} <= $2
                    AND NOT EXISTS (SELECT 1 FROM mediation_reminders r
                                     WHERE r.case_id = c.id AND r.kind = $3 AND r.due_ms = c.{column})
                  ORDER BY c.{column}, c.id LIMIT $4"
            );
            let due: Vec<DueRow> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
                .bind(from)
                .bind(to)
                .bind(kind.as_str())
                .bind(batch)
                .fetch_all(pool)
                .await)?;
            for (case_id, case_no, due_ms, body_path, mediator_account) in due {
                let text = reminder_text(kind, &case_no, due_ms, now);
                let Some(path) = RegionPath::parse(&body_path) else {
                    // One bad row must not stop every other reminder.
                    tracing::warn!(case_id, body_path, "mediation reminder skipped: unreadable region path");
                    continue;
                };
                let sent = self.send_reminder(kind, case_id, due_ms, &path, mediator_account, &text).await?;
                if let Some(n) = sent {
                    match kind {
                        ReminderKind::FollowUp => pass.follow_ups += 1,
                        ReminderKind::Judicial => pass.judicial += 1,
                    }
                    pass.notified += n;
                }
            }
        }
        Ok(pass)
    }

    /// Claim and send one reminder; `None` when another instance already had.
    async fn send_reminder(
        &self,
        kind: ReminderKind,
        case_id: i64,
        due_ms: i64,
        body_path: &RegionPath,
        mediator_account: Option<i64>,
        text: &str,
    ) -> Result<Option<usize>> {
        let now = now_ms();
        let sent = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let claimed = sqlx::query(
                "INSERT INTO mediation_reminders (case_id, kind, due_ms, sent_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (case_id, kind, due_ms) DO NOTHING",
            )
            .bind(case_id)
            .bind(kind.as_str())
            .bind(due_ms)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                tx.rollback().await?;
                None
            } else {
                // The staff who act on mediation at the body's region or, where it has none (many
                // villages have no account), at the nearest region above it — the township's
                // 综治中心 for a village — and the mediator. Ids from the stored path: inlined.
                let ids = body_path.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                let staff: Vec<(i64, i64)> = sqlx::query_as(&format!(
                    "SELECT a.id, CAST(length(r.path) AS BIGINT) AS depth FROM accounts a JOIN regions r ON r.id = a.region_id
                      WHERE r.id IN ({ids}) AND a.role IN ('village_cadre', 'township_dispatcher', 'supervisor')
                        AND NOT a.disabled
                      ORDER BY depth DESC, a.id"
                ))
                .fetch_all(&mut *tx)
                .await?;
                let nearest = staff.first().map(|(_, depth)| *depth);
                let mut recipients: Vec<i64> =
                    staff.into_iter().take_while(|(_, depth)| Some(*depth) == nearest).map(|(id, _)| id).collect();
                recipients.extend(mediator_account.filter(|a| !recipients.contains(a)));
                for account in &recipients {
                    sqlx::query(
                        "INSERT INTO notifications (created_ms, appeal_id, mediation_case_id, audience, account_id, org_id, phone, kind, text)
                         VALUES ($1, NULL, $2, 'staff', $3, NULL, NULL, $4, $5)",
                    )
                    .bind(now)
                    .bind(case_id)
                    .bind(account)
                    .bind(kind.notification_kind())
                    .bind(text)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Some(recipients.len())
            }
        });
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use pingan_domain::calendar::from_china;

    fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
        from_china(NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap())
    }

    #[test]
    fn texts_count_days_on_the_china_calendar() {
        let due = at(2026, 12, 3, 23) + 59 * 60 * 1000; // the end of the performance day
        let t = reminder_text(ReminderKind::FollowUp, "TJ1", due, at(2026, 12, 2, 9));
        assert!(t.contains("2026-12-03") && t.contains("还有 1 天"), "{t}");
        let t = reminder_text(ReminderKind::FollowUp, "TJ1", due, at(2026, 12, 3, 9));
        assert!(t.contains("今天"), "{t}");
        let t = reminder_text(ReminderKind::FollowUp, "TJ1", due, at(2026, 12, 6, 9));
        assert!(t.contains("已逾期 3 天"), "{t}");
        let t = reminder_text(ReminderKind::Judicial, "TJ1", due, at(2026, 11, 27, 9));
        assert!(t.contains("还有 6 天") && t.contains("人民法院"), "{t}");
    }

    #[test]
    fn windows_open_before_the_due_date() {
        let now = at(2026, 12, 1, 12);
        assert_eq!(ReminderKind::FollowUp.window(now), (now - 7 * DAY_MS, now + 2 * DAY_MS));
        assert_eq!(ReminderKind::Judicial.window(now), (now, now + 7 * DAY_MS));
    }
}
