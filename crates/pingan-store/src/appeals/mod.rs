//! Citizens' appeals as stored.
//!
//! A case is its events (`appeal_events`, append-only); the `appeals` row holds their fold
//! (the [`AppealSnapshot`] as JSON) and the columns queues filter and sort on. Every change —
//! filing, a command, a deadline action — is one transaction that appends the events, updates
//! the row, replaces the pending timers, queues notifications and writes the audit event
//! ([`CaseWrite`], persisted by one macro). The rules come from `pingan_domain::appeal`; this
//! module only finds what they need (the place's regions, the concrete unit) and keeps the result.

mod attachments;
mod corrections;
mod history;
pub(crate) mod intake;
mod rates;
mod read;
mod rules;
mod timers;
mod units;
mod write;

pub use attachments::{Attachment, check_attachment_count, clean_attachment_name};
pub use corrections::ClassifierCorrection;
pub use history::{HistoricalCase, HistoryLoad, HistoryPreparer, PreparedHistory};
pub use intake::{GroupCommit, MAX_BATCH};
pub use rates::{GroupKey, MonthlyRanking, RankedRow, RatesGroup, RatesQuery, RatesReport, RatesRow};
pub use read::{AppealFilter, AppealListItem, AppealRecord, Queue, QueueCounts, StoredEvent};
pub(crate) use rules::bump_rules_version;
pub use rules::{RulesChange, TimeLimits, require_rules_admin};
pub use timers::{DeadlinePass, TimerAction};
pub use units::UnitOption;
pub use write::{Filed, Idempotency, Intake};

use crate::ttl_cache::TtlCache;
use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::account::Role;
use pingan_domain::appeal::duplicates::DuplicatePolicy;
use pingan_domain::appeal::{
    AppealEvent, AppealSnapshot, Catalogue, CategoryTable, OrgType, TimeLimitPolicy, UnitRef, UnitSelector,
};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::WorkCalendar;
use pingan_domain::region::RegionLevel;

/// Everything the appeal rules need besides the case: categories, time limits, the dispatch
/// catalogue, the working-day calendar and the merge window. Loaded once and shared; reloaded
/// when an administrator changes the calendar, the catalogue or the time limits (on every
/// instance: see [`Store::appeal_rules_version`]).
#[derive(Debug, Clone)]
pub struct AppealRules {
    pub categories: CategoryTable,
    pub policy: TimeLimitPolicy,
    pub catalogue: Catalogue,
    pub calendar: WorkCalendar,
    pub duplicates: DuplicatePolicy,
}

/// How long a routing look-up is trusted: a region retired or a unit added through another
/// instance is routed by within this time; through this store, at once.
pub(crate) const ROUTING_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The routing look-ups read for every new case (see [`crate::ttl_cache`]).
#[derive(Debug)]
pub(crate) struct RoutingCache {
    /// A region and its chain up to the city, by region id.
    pub chains: TtlCache<i64, (crate::regions::Region, Vec<pingan_domain::appeal::RegionRef>)>,
    /// The unit [`Store::find_unit_named`] chose, by organisation type, level and region.
    pub units: TtlCache<(OrgType, RegionLevel, i64), Option<(UnitRef, String)>>,
}

impl Default for RoutingCache {
    fn default() -> Self {
        // Bounded by the city: ~13,000 grids and their ancestors, a few types per region.
        RoutingCache { chains: TtlCache::new(ROUTING_TTL, 100_000), units: TtlCache::new(ROUTING_TTL, 200_000) }
    }
}

impl Store {
    /// Forget cached routing look-ups: called by every write to regions, organisations or
    /// staff accounts made through this store.
    pub(crate) fn directory_changed(&self) {
        self.routing.chains.clear();
        self.routing.units.clear();
    }

    /// The rules in force: shipped categories, the stored time limits (or the shipped ones),
    /// catalogue and calendar.
    pub async fn appeal_rules(&self) -> Result<AppealRules> {
        Ok(AppealRules {
            categories: CategoryTable::default(),
            policy: self.time_limits().await?.policy,
            catalogue: self.dispatch_catalogue().await?,
            calendar: self.work_calendar().await?,
            duplicates: DuplicatePolicy::default(),
        })
    }

    /// The concrete unit of `org_type` serving region `region_id` (at `level`): the first live
    /// organisation of that kind (and department code) there, or for a grid the first active
    /// grid worker. `None` when the region has none; bodies without accounts may still be
    /// assigned by type, since their region's staff act for them.
    pub async fn find_unit(&self, org_type: OrgType, level: RegionLevel, region_id: i64) -> Result<Option<UnitRef>> {
        Ok(self.find_unit_named(org_type, level, region_id).await?.map(|(u, _)| u))
    }

    /// [`Store::find_unit`] with the unit's name (the organisation's, the grid worker's, or
    /// for a body without a row of its own its region's), in one query.
    pub async fn find_unit_named(
        &self,
        org_type: OrgType,
        level: RegionLevel,
        region_id: i64,
    ) -> Result<Option<(UnitRef, String)>> {
        let key = (org_type, level, region_id);
        if let Some(hit) = self.routing.units.get(&key) {
            return Ok(hit);
        }
        type Row = (Option<i64>, Option<String>, Option<String>);
        let found = match org_type.selector() {
            UnitSelector::GridWorker => {
                let row: Row = on_pool!(&self.db, |pool| sqlx::query_as(
                    "SELECT a.id, a.display_name, r.name FROM regions r
                       LEFT JOIN accounts a ON a.id = (SELECT id FROM accounts WHERE role = $1 AND region_id = $2
                            AND NOT disabled ORDER BY id LIMIT 1)
                      WHERE r.id = $2"
                )
                .bind(Role::GridWorker.as_str())
                .bind(region_id)
                .fetch_optional(pool)
                .await)?
                .unwrap_or((None, None, None));
                let name = row.1.or(row.2).unwrap_or_default();
                Some((UnitRef::grid_worker(region_id, row.0), name))
            }
            UnitSelector::Org { kind, dept } => {
                let row: Row = on_pool!(&self.db, |pool| sqlx::query_as(
                    "SELECT o.id, o.name, r.name FROM regions r
                       LEFT JOIN orgs o ON o.id = (SELECT id FROM orgs WHERE kind = $1 AND region_id = $2
                            AND ($3 IS NULL OR dept = $3) AND retired_at IS NULL ORDER BY id LIMIT 1)
                      WHERE r.id = $2"
                )
                .bind(kind.as_str())
                .bind(region_id)
                .bind(dept)
                .fetch_optional(pool)
                .await)?
                .unwrap_or((None, None, None));
                match row {
                    (Some(id), Some(name), _) => Some((UnitRef::org(org_type, level, region_id, id), name)),
                    // Departments act only through their own staff: without the organisation
                    // there is no one to hand the case to.
                    _ if org_type.region_role().is_none() => None,
                    (_, _, region_name) => Some((
                        UnitRef { org_type, level, region_id, org_id: None, account_id: None },
                        format!("{}{}", region_name.unwrap_or_default(), org_type.zh()),
                    )),
                }
            }
        };
        self.routing.units.put(key, found.clone());
        Ok(found)
    }

    /// What a unit is called: its organisation's or grid worker's name, else its region's.
    pub async fn unit_name(&self, unit: &UnitRef) -> Result<String> {
        let name: Option<String> = on_pool!(&self.db, |pool| {
            sqlx::query_scalar(
            "SELECT COALESCE((SELECT name FROM orgs WHERE id = $1), (SELECT display_name FROM accounts WHERE id = $2),
                             (SELECT name FROM regions WHERE id = $3))"
        )
        .bind(unit.org_id)
        .bind(unit.account_id)
        .bind(unit.region_id)
        .fetch_one(pool)
        .await
        })?;
        Ok(name.unwrap_or_default())
    }

    /// The unit an organisation is, for dispatch by id: its type from its kind and code, its
    /// level and region from where it sits.
    pub async fn unit_for_org(&self, org_id: i64) -> Result<UnitRef> {
        let row: Option<(String, Option<String>, i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT o.kind, o.dept, o.region_id, r.level FROM orgs o JOIN regions r ON r.id = o.region_id
              WHERE o.id = $1 AND o.retired_at IS NULL"
        )
        .bind(org_id)
        .fetch_optional(pool)
        .await)?;
        let (kind, dept, region_id, level) = row.ok_or(StoreError::NotFound)?;
        let level = RegionLevel::parse(&level).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let type_code = match kind.as_str() {
            "department" | "township_body" => dept.unwrap_or_default(),
            other => other.to_owned(),
        };
        let org_type = OrgType::parse(&type_code).map_err(|_| {
            StoreError::Invalid(vec![pingan_domain::FieldError::new(
                "org_id",
                format!("机构 {org_id} 不是可承办诉求的单位 / organisation {org_id} cannot handle appeals"),
            )])
        })?;
        Ok(UnitRef::org(org_type, level, region_id, org_id))
    }

    /// The grid worker account `account_id` as a unit, for dispatch by id.
    pub async fn unit_for_grid_worker(&self, account_id: i64) -> Result<UnitRef> {
        let region: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT region_id FROM accounts WHERE id = $1 AND role = $2 AND NOT disabled"
        )
        .bind(account_id)
        .bind(Role::GridWorker.as_str())
        .fetch_optional(pool)
        .await)?;
        let region_id = region.ok_or_else(|| {
            StoreError::Invalid(vec![pingan_domain::FieldError::new(
                "account_id",
                format!("账号 {account_id} 不是在岗网格员 / account {account_id} is not an active grid worker"),
            )])
        })?;
        Ok(UnitRef::grid_worker(region_id, Some(account_id)))
    }
}

/// The columns of an `appeals` row that follow from its snapshot: what queues filter and sort
/// on, and what the rates count (the definitions of [`pingan_domain::appeal::CaseSummary`]).
/// Every writer — commands, timers, the demo's history loader — derives them here.
#[derive(Debug, Clone, PartialEq)]
pub struct RowColumns {
    pub state: &'static str,
    pub category: String,
    pub urgency: &'static str,
    pub unit_org_id: Option<i64>,
    pub unit_account_id: Option<i64>,
    pub unit_region_id: Option<i64>,
    pub unit_level: Option<&'static str>,
    pub unit_org_type: Option<String>,
    pub warn_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub merged_into: Option<i64>,
    pub closed_ms: Option<i64>,
    pub first_dispatched_ms: Option<i64>,
    pub contact_due_ms: Option<i64>,
    pub first_contact_ms: Option<i64>,
    pub resolve_due_ms: Option<i64>,
    pub closed_on_time: Option<bool>,
    pub reworked: bool,
    pub returned: bool,
    pub extended: bool,
    pub callbacks: i32,
    pub solved_callbacks: i32,
    pub satisfied_callbacks: i32,
}

impl RowColumns {
    pub fn of(s: &AppealSnapshot) -> RowColumns {
        use pingan_domain::calendar::from_china;
        let unit = s.assignment.as_ref().map(|a| &a.unit);
        let deadline = s.active_deadline();
        let m = &s.milestones;
        RowColumns {
            state: s.state.as_str(),
            category: s.category.as_str().to_owned(),
            urgency: s.urgency.as_str(),
            unit_org_id: unit.and_then(|u| u.org_id),
            unit_account_id: unit.and_then(|u| u.account_id),
            unit_region_id: unit.map(|u| u.region_id),
            unit_level: unit.map(|u| u.level.as_str()),
            unit_org_type: unit.map(|u| u.org_type.to_string()),
            warn_ms: deadline.map(|d| d.warn_ms()),
            due_ms: deadline.map(|d| d.due_ms()),
            merged_into: s.merged_into,
            closed_ms: m.closed_at.map(from_china),
            first_dispatched_ms: m.first_dispatched_at.map(from_china),
            contact_due_ms: s.contact_due.map(from_china),
            first_contact_ms: m.first_contact_at.map(from_china),
            resolve_due_ms: s.resolve.map(|d| d.due_ms()),
            closed_on_time: m.closed_at.and(m.closed_on_time),
            reworked: s.rework_count > 0 || s.reopen_count > 0,
            returned: s.return_count > 0,
            extended: s.extended(),
            callbacks: s.callbacks.len() as i32,
            solved_callbacks: s.callbacks.iter().filter(|c| c.solved).count() as i32,
            satisfied_callbacks: s.callbacks.iter().filter(|c| c.satisfaction.is_satisfied()).count() as i32,
        }
    }
}

/// `UPDATE appeals SET …` for every [`RowColumns`] column plus `updated_ms`, `version` and
/// `snapshot`, as `$1…$26`; `$27` is the id and `$28` the version the write started from.
pub const UPDATE_ROW_SQL: &str = "UPDATE appeals SET state = $1, category = $2, urgency = $3,
    unit_org_id = $4, unit_account_id = $5, unit_region_id = $6, unit_level = $7, unit_org_type = $8,
    unit_name = COALESCE((SELECT name FROM orgs WHERE id = $4), (SELECT display_name FROM accounts WHERE id = $5),
                         (SELECT name FROM regions WHERE id = $6), ''),
    warn_ms = $9, due_ms = $10, merged_into = $11, closed_ms = $12,
    first_dispatched_ms = $13, contact_due_ms = $14, first_contact_ms = $15, resolve_due_ms = $16,
    closed_on_time = $17, reworked = $18, returned = $19, extended = $20,
    callbacks = $21, solved_callbacks = $22, satisfied_callbacks = $23,
    updated_ms = $24, version = $25, snapshot = $26
  WHERE id = $27 AND version = $28";

/// Bind a [`RowColumns`] in the order of [`UPDATE_ROW_SQL`]'s `$1…$23`.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_row_columns {
    ($q:expr, $c:expr) => {{
        let c: &$crate::appeals::RowColumns = $c;
        $q.bind(c.state)
            .bind(&c.category)
            .bind(c.urgency)
            .bind(c.unit_org_id)
            .bind(c.unit_account_id)
            .bind(c.unit_region_id)
            .bind(c.unit_level)
            .bind(&c.unit_org_type)
            .bind(c.warn_ms)
            .bind(c.due_ms)
            .bind(c.merged_into)
            .bind(c.closed_ms)
            .bind(c.first_dispatched_ms)
            .bind(c.contact_due_ms)
            .bind(c.first_contact_ms)
            .bind(c.resolve_due_ms)
            .bind(c.closed_on_time)
            .bind(c.reworked)
            .bind(c.returned)
            .bind(c.extended)
            .bind(c.callbacks)
            .bind(c.solved_callbacks)
            .bind(c.satisfied_callbacks)
    }};
}

/// What a write does to a case's row, events, timers, notifications and audit trail.
pub(crate) struct CaseWrite {
    pub appeal_id: i64,
    /// Events after `from_version`, numbered from `from_version + 1`.
    pub from_version: i64,
    pub events: Vec<AppealEvent>,
    pub snapshot: AppealSnapshot,
    pub notices: Vec<Notice>,
    pub audit: AuditEvent,
    pub region_path: String,
    pub now_ms: i64,
}

/// One message for the outbox.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub audience: &'static str,
    pub account_id: Option<i64>,
    pub org_id: Option<i64>,
    pub phone: Option<String>,
    pub kind: &'static str,
    pub text: String,
}

impl CaseWrite {
    pub fn new_version(&self) -> i64 {
        self.from_version + self.events.len() as i64
    }

    /// The timers the snapshot needs: the active clock's yellow and red moments. A suspended
    /// case has none (its clock stands still).
    pub fn timers(&self) -> Vec<(&'static str, &'static str, i64)> {
        timers_for(&self.snapshot)
    }
}

/// The timers a case needs: its active clock's yellow and red moments as `(kind, deadline
/// kind, fire_ms)`. A suspended case has none (its clock stands still).
pub(crate) fn timers_for(s: &AppealSnapshot) -> Vec<(&'static str, &'static str, i64)> {
    match (s.active_deadline(), s.state) {
        (_, pingan_domain::appeal::AppealState::Suspended) | (None, _) => Vec::new(),
        (Some(d), _) => {
            let kind = deadline_kind_str(d.kind);
            vec![("warn", kind, d.warn_ms()), ("due", kind, d.due_ms())]
        }
    }
}

pub(crate) fn deadline_kind_str(k: pingan_domain::appeal::DeadlineKind) -> &'static str {
    use pingan_domain::appeal::DeadlineKind::*;
    match k {
        Dispatch => "dispatch",
        Accept => "accept",
        Review => "review",
        Resolve => "resolve",
    }
}

/// The stable name of an event kind, for the `kind` column and the audit action.
pub(crate) fn event_kind_str(e: &AppealEvent) -> String {
    serde_json::to_value(&e.kind)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Multi-row inserts shared by every writer that writes many cases in one transaction (the
/// group-commit intake, the deadline pass): one statement per few hundred rows instead of one
/// per row, which on PostgreSQL is one round trip instead of hundreds.
///
/// The loop every multi-row insert shares: `rows` in chunks of `per`, each one
/// `head VALUES (…), (…) suffix` statement, binding a row's columns with `bind`; the first
/// failure ends it.
#[macro_export]
#[doc(hidden)]
macro_rules! insert_chunks {
    ($tx:expr, $rows:expr, $per:expr, $head:expr, $suffix:expr, |$b:ident, $row:pat_param| $bind:expr) => {{
        let mut result: $crate::Result<()> = Ok(());
        for chunk in $rows.chunks($per) {
            let mut q = $crate::sqlx::QueryBuilder::new($head);
            q.push_values(chunk.iter(), |mut $b, $row| {
                $bind;
            });
            q.push($suffix);
            if let Err(e) = q.build().execute(&mut *$tx).await {
                result = Err(e.into());
                break;
            }
        }
        result
    }};
}

/// `insert_events!(tx, &[(appeal_id, seq, &AppealEvent)])`
#[macro_export]
#[doc(hidden)]
macro_rules! insert_events {
    ($tx:expr, $rows:expr) => {{
        let rows: &[(i64, i64, &pingan_domain::appeal::AppealEvent)] = $rows;
        $crate::insert_chunks!(
            $tx,
            rows,
            1000,
            "INSERT INTO appeal_events (appeal_id, seq, at_ms, kind, actor_id, body) ",
            "",
            |b, (id, seq, e)| b
                .push_bind(*id)
                .push_bind(*seq)
                .push_bind(pingan_domain::calendar::from_china(e.at))
                .push_bind($crate::appeals::event_kind_str(e))
                .push_bind(e.by.account_id())
                .push_bind(serde_json::to_string(e).expect("events serialise"))
        )
    }};
}

/// `insert_timers!(tx, &[(appeal_id, kind, deadline_kind, fire_ms)])`; a timer that exists
/// already (one that just fired, say) is left as it is.
#[macro_export]
#[doc(hidden)]
macro_rules! insert_timers {
    ($tx:expr, $rows:expr) => {{
        let rows: &[(i64, &str, &str, i64)] = $rows;
        $crate::insert_chunks!(
            $tx,
            rows,
            1000,
            "INSERT INTO appeal_timers (appeal_id, kind, deadline_kind, fire_ms) ",
            " ON CONFLICT (appeal_id, kind, deadline_kind, fire_ms) DO NOTHING",
            |b, (id, kind, dk, fire)| b.push_bind(*id).push_bind(*kind).push_bind(*dk).push_bind(*fire)
        )
    }};
}

/// `insert_notices!(tx, &[(appeal_id, created_ms, &Notice)])`
#[macro_export]
#[doc(hidden)]
macro_rules! insert_notices {
    ($tx:expr, $rows:expr) => {{
        let rows: &[(i64, i64, &$crate::appeals::Notice)] = $rows;
        $crate::insert_chunks!(
            $tx,
            rows,
            1000,
            "INSERT INTO notifications (created_ms, appeal_id, audience, account_id, org_id, phone, kind, text) ",
            "",
            |b, (id, now, n)| b
                .push_bind(*now)
                .push_bind(*id)
                .push_bind(n.audience)
                .push_bind(n.account_id)
                .push_bind(n.org_id)
                .push_bind(&n.phone)
                .push_bind(n.kind)
                .push_bind(&n.text)
        )
    }};
}

/// `insert_audits!(tx, &[(AuditEvent, region_path)])`
#[macro_export]
#[doc(hidden)]
macro_rules! insert_audits {
    ($tx:expr, $rows:expr) => {{
        let rows: &[(pingan_domain::audit::AuditEvent, &str)] = $rows;
        $crate::insert_chunks!(
            $tx,
            rows,
            500,
            "INSERT INTO audit_events (at_ms, actor_id, actor_name, action, target_kind, target_id, success,
                region_path, encoded) ",
            "",
            |b, (ev, path)| b
                .push_bind(ev.at_ms)
                .push_bind(ev.actor_id)
                .push_bind(&ev.actor_name)
                .push_bind(&ev.action)
                .push_bind(&ev.target_kind)
                .push_bind(ev.target_id)
                .push_bind(ev.success)
                .push_bind(*path)
                .push_bind(String::from_utf8(ev.canonical_bytes()).expect("JSON is UTF-8"))
        )
    }};
}

/// Persist many [`CaseWrite`]s on one transaction, as [`persist_case_write!`] does one by one,
/// with the events, timers, outbox and audit of all of them in a few multi-row statements;
/// only each row's version-checked update stays one statement per write. Writes of the same
/// case must come in order (each starting from the version the previous one left).
#[macro_export]
#[doc(hidden)]
macro_rules! persist_case_writes {
    ($tx:expr, $ws:expr) => {{
        let ws: &[$crate::appeals::CaseWrite] = $ws;
        async {
            let events: Vec<(i64, i64, &pingan_domain::appeal::AppealEvent)> = ws
                .iter()
                .flat_map(|w| {
                    w.events.iter().enumerate().map(move |(i, e)| (w.appeal_id, w.from_version + 1 + i as i64, e))
                })
                .collect();
            $crate::insert_events!($tx, &events)?;
            for w in ws {
                let columns = $crate::appeals::RowColumns::of(&w.snapshot);
                let updated = $crate::bind_row_columns!($crate::sqlx::query($crate::appeals::UPDATE_ROW_SQL), &columns)
                    .bind(w.now_ms)
                    .bind(w.new_version())
                    .bind(serde_json::to_string(&w.snapshot).expect("snapshots serialise"))
                    .bind(w.appeal_id)
                    .bind(w.from_version)
                    .execute(&mut *$tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::StoreError::Conflict(
                        "该诉求刚被他人处理,请刷新后重试 / the case was changed meanwhile: reload and retry".into(),
                    ));
                }
            }
            // Each case keeps the timers of its last write.
            let mut last: std::collections::BTreeMap<i64, &$crate::appeals::CaseWrite> = Default::default();
            for w in ws {
                last.insert(w.appeal_id, w);
            }
            if !last.is_empty() {
                let mut q = $crate::sqlx::QueryBuilder::new(
                    "DELETE FROM appeal_timers WHERE fired_ms IS NULL AND appeal_id IN (",
                );
                let mut ids = q.separated(", ");
                for id in last.keys() {
                    ids.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut *$tx).await?;
            }
            let timers: Vec<(i64, &str, &str, i64)> = last
                .values()
                .flat_map(|w| w.timers().into_iter().map(move |(k, d, f)| (w.appeal_id, k, d, f)))
                .collect();
            $crate::insert_timers!($tx, &timers)?;
            let notices: Vec<(i64, i64, &$crate::appeals::Notice)> =
                ws.iter().flat_map(|w| w.notices.iter().map(move |n| (w.appeal_id, w.now_ms, n))).collect();
            $crate::insert_notices!($tx, &notices)?;
            let audits: Vec<(pingan_domain::audit::AuditEvent, &str)> =
                ws.iter().map(|w| (w.audit.clone(), w.region_path.as_str())).collect();
            $crate::insert_audits!($tx, &audits)?;
            Ok::<(), $crate::StoreError>(())
        }
        .await
    }};
}

/// Persist a [`CaseWrite`] on a transaction of either engine: the events (the primary key
/// refuses a second writer of the same sequence number), the row (only if it still has the
/// version the write started from), the timers, the outbox and the audit event.
#[macro_export]
#[doc(hidden)]
macro_rules! persist_case_write {
    ($tx:expr, $w:expr) => {{
        let w: &$crate::appeals::CaseWrite = $w;
        $crate::persist_case_writes!($tx, std::slice::from_ref(w))
    }};
}
