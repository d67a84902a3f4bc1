//! The deadline scanner: yellow-card warnings and, when a clock runs out, the red card's
//! supervision order (督办) with notice to the supervisors above.
//!
//! Exactly once across instances: a pass locks the cases it will act on (PostgreSQL: `FOR
//! UPDATE SKIP LOCKED`, so two instances split the work instead of waiting on each other;
//! SQLite: `BEGIN IMMEDIATE` serialises writers), then claims each timer with a conditional
//! `UPDATE … WHERE fired_ms IS NULL` in the same transaction as its action. A timer claimed by
//! one transaction is invisible to every later claim; a crash before commit leaves it unfired.
//! Locks are taken case first, timers second — the order every command uses — so a pass and a
//! command never deadlock.

use super::write::unit_notices;
use super::{AppealRules, CaseWrite, Notice, deadline_kind_str};
use crate::{BeginWrite, Result, Store, StoreError, on_pool};
use pingan_domain::account::Role;
use pingan_domain::appeal::{AppealCommand, AppealSnapshot, CaseActor, SupervisionReason, decide};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::to_china;
use pingan_domain::region::RegionPath;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeadlinePass {
    /// Due timers found.
    pub due: usize,
    /// Timers this pass fired (claimed and acted on).
    pub fired: usize,
    pub warnings: usize,
    pub supervision_orders: usize,
    /// Found but left: the case was locked by someone else, or another instance fired it.
    pub left: usize,
}

/// What a timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerAction {
    /// 黄牌预警: notify the unit that the deadline is near.
    Warn,
    /// 红牌: supervision order and notice to the supervisors above.
    Due,
}

#[derive(sqlx::FromRow)]
struct DueTimer {
    id: i64,
    appeal_id: i64,
    kind: String,
    deadline_kind: String,
    fire_ms: i64,
}

struct LockedCase {
    snapshot: AppealSnapshot,
    version: i64,
    region_path: String,
    tracking_code: String,
}

impl Store {
    /// One pass over the timers due at `now_ms`, at most `batch` of them, in one transaction.
    /// `instance` names the process in `fired_by`. Call again while `due == batch`.
    pub async fn run_deadline_pass(
        &self,
        rules: &AppealRules,
        instance: &str,
        now_ms: i64,
        batch: i64,
    ) -> Result<DeadlinePass> {
        let mut pass = DeadlinePass::default();
        let due: Vec<DueTimer> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, appeal_id, kind, deadline_kind, fire_ms FROM appeal_timers
              WHERE fired_ms IS NULL AND fire_ms <= $1 ORDER BY fire_ms, id LIMIT $2"
        )
        .bind(now_ms)
        .bind(batch)
        .fetch_all(pool)
        .await)?;
        pass.due = due.len();
        if due.is_empty() {
            return Ok(pass);
        }
        let mut ids: Vec<i64> = due.iter().map(|t| t.appeal_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let lock = match self.engine() {
            crate::Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Engine::Sqlite => "",
        };
        let lock_sql = format!(
            "SELECT id, snapshot, version, region_path, tracking_code FROM appeals
              WHERE id IN ({placeholders}) ORDER BY id {lock}"
        );
        let at = to_china(now_ms);
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut q = sqlx::query_as::<_, (i64, String, i64, String, String)>(&lock_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let mut cases: HashMap<i64, LockedCase> = HashMap::new();
            for (id, snapshot, version, region_path, tracking_code) in q.fetch_all(&mut *tx).await? {
                let snapshot: AppealSnapshot =
                    serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {id}: {e}")))?;
                cases.insert(id, LockedCase { snapshot, version, region_path, tracking_code });
            }
            // Claim, in one statement, the due timers of the cases this pass holds: a timer
            // another instance claimed first is not returned, so each fires exactly once.
            let mine: Vec<i64> = due.iter().filter(|t| cases.contains_key(&t.appeal_id)).map(|t| t.id).collect();
            let mut claimed: HashSet<i64> = HashSet::new();
            if !mine.is_empty() {
                let ph = (3..3 + mine.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "UPDATE appeal_timers SET fired_ms = $1, fired_by = $2 WHERE id IN ({ph}) AND fired_ms IS NULL
                     RETURNING id"
                );
                let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(now_ms).bind(instance);
                for id in &mine {
                    q = q.bind(*id);
                }
                claimed.extend(q.fetch_all(&mut *tx).await?);
            }
            // The yellow cards' notices and the supervision orders, written together at the end.
            let mut warnings: Vec<(i64, Notice)> = Vec::new();
            let mut writes: Vec<CaseWrite> = Vec::new();
            // The supervisors above each place, looked up once per place in a pass.
            let mut supervisors: HashMap<String, Vec<i64>> = HashMap::new();
            for timer in &due {
                let Some(case) = cases.get_mut(&timer.appeal_id) else {
                    pass.left += 1;
                    continue;
                };
                if !claimed.contains(&timer.id) {
                    pass.left += 1;
                    continue;
                }
                pass.fired += 1;
                // A timer whose clock has since moved (a command replaced it in a race the
                // delete did not see) fires as a no-op.
                let current = case.snapshot.active_deadline().is_some_and(|d| {
                    deadline_kind_str(d.kind) == timer.deadline_kind
                        && (if timer.kind == "warn" { d.warn_ms() } else { d.due_ms() }) == timer.fire_ms
                });
                if !current {
                    continue;
                }
                if timer.kind == "warn" {
                    pass.warnings += 1;
                    let text = format!(
                        "黄牌预警:诉求 {} 将于 {} 到期 / yellow card: case {} is due {}",
                        case.tracking_code,
                        to_china(timer.fire_ms).format("%m-%d %H:%M"),
                        case.tracking_code,
                        to_china(timer.fire_ms).format("%m-%d %H:%M"),
                    );
                    for n in responsible_notices(&case.snapshot, "appeal.yellow_card", &text) {
                        warnings.push((timer.appeal_id, n));
                    }
                    continue;
                }
                let cmd = AppealCommand::Supervise {
                    by: CaseActor::System,
                    reason: SupervisionReason::Overdue,
                    note: format!(
                        "{}已过({}),红牌超期,自动督办 / {} passed ({}): red card, automatic supervision",
                        kind_zh(&timer.deadline_kind),
                        at.format("%Y-%m-%d %H:%M"),
                        timer.deadline_kind,
                        at.format("%Y-%m-%d %H:%M")
                    ),
                };
                let Ok(events) = decide(&case.snapshot, &cmd, at, &rules.calendar, &rules.policy) else { continue };
                let mut next = case.snapshot.clone();
                for e in &events {
                    next.apply(e);
                }
                let mut notices = unit_notices(&events, &next, &case.tracking_code);
                if next.assignment.is_none() {
                    notices.extend(responsible_notices(
                        &next,
                        "appeal.supervised",
                        &format!(
                            "诉求 {} 超过派单时限,已督办 / case {} missed its dispatch limit",
                            case.tracking_code, case.tracking_code
                        ),
                    ));
                }
                // 逐级督办: the supervisors of every level above the place hear of it.
                let path_ids = RegionPath::parse(&case.region_path).map(|p| p.ids()).unwrap_or_default();
                if !path_ids.is_empty() {
                    if !supervisors.contains_key(&case.region_path) {
                        let ph = (3..3 + path_ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                        let sql = format!(
                            "SELECT id FROM accounts WHERE role = $1 AND NOT disabled AND region_id IN ({ph}) ORDER BY id LIMIT $2"
                        );
                        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(Role::Supervisor.as_str()).bind(20_i64);
                        for id in &path_ids {
                            q = q.bind(*id);
                        }
                        supervisors.insert(case.region_path.clone(), q.fetch_all(&mut *tx).await?);
                    }
                    for &account in &supervisors[&case.region_path] {
                        notices.push(Notice {
                            audience: "staff",
                            account_id: Some(account),
                            org_id: None,
                            phone: None,
                            kind: "appeal.overdue",
                            text: format!(
                                "红牌超期:诉求 {} 已超过{},已自动督办 / red card: case {} is overdue",
                                case.tracking_code,
                                kind_zh(&timer.deadline_kind),
                                case.tracking_code
                            ),
                        });
                    }
                }
                let write = CaseWrite {
                    appeal_id: timer.appeal_id,
                    from_version: case.version,
                    audit: AuditEvent {
                        at_ms: now_ms,
                        actor_id: None,
                        actor_name: format!("system:{instance}"),
                        action: "appeal.supervise".into(),
                        target_kind: "appeal".into(),
                        target_id: Some(timer.appeal_id),
                        success: true,
                        before: serde_json::json!({"version": case.version}),
                        after: serde_json::json!({"version": case.version + events.len() as i64, "reason": "overdue", "timer": timer.id}),
                    },
                    events,
                    snapshot: next.clone(),
                    notices,
                    region_path: case.region_path.clone(),
                    now_ms,
                };
                case.version = write.new_version();
                case.snapshot = next;
                writes.push(write);
                pass.supervision_orders += 1;
            }
            let warnings: Vec<(i64, i64, &Notice)> = warnings.iter().map(|(id, n)| (*id, now_ms, n)).collect();
            crate::insert_notices!(tx, &warnings)?;
            crate::persist_case_writes!(tx, &writes)?;
            tx.commit().await?;
        });
        Ok(pass)
    }

    /// Timers still to fire, for operations and tests.
    pub async fn pending_timer_count(&self) -> Result<i64> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT count(*) FROM appeal_timers WHERE fired_ms IS NULL")
            .fetch_one(pool)
            .await)?)
    }
}

/// Who answers for the running clock: the assigned unit, or before dispatch the owner of record.
fn responsible_notices(case: &AppealSnapshot, kind: &'static str, text: &str) -> Vec<Notice> {
    let (account_id, org_id) = match (&case.assignment, case.owner()) {
        (Some(a), _) => (a.unit.account_id, a.unit.org_id),
        (None, Some(o)) => (o.account_id, o.org_id),
        (None, None) => return Vec::new(),
    };
    if account_id.is_none() && org_id.is_none() {
        return Vec::new();
    }
    vec![Notice { audience: "staff", account_id, org_id, phone: None, kind, text: text.to_owned() }]
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "dispatch" => "派单时限",
        "accept" => "签收时限",
        "review" => "退单审核时限",
        _ => "办结时限",
    }
}
