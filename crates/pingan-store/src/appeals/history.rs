//! Bulk loading of a generated appeal history (the demo's year of cases, 诉求历史).
//!
//! A live write appends a case's events one command at a time; a history arrives whole. Each
//! case's row is derived exactly as a live write derives it — the snapshot from
//! [`AppealSnapshot::replay`], the queue and rate columns from [`RowColumns::of`], the unit's
//! name from the organisation, account or region it names, the timers from `timers_for` — and written with multi-row INSERTs in one transaction with one audit
//! event (`appeal.history.load`) for the whole load, as the city seed does. A producer may
//! derive the rows on its own thread ([`HistoryPreparer`]) while the load writes the previous
//! part. No notifications are queued: a year of old notices would only bury today's.

use std::collections::HashMap;
use std::sync::Arc;

use super::{RowColumns, event_kind_str, timers_for};
use crate::{BeginWrite, Db, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::appeal::{AppealEvent, AppealSnapshot};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::from_china;
use sqlx::QueryBuilder;

/// Cases per `INSERT INTO appeals`: 44 columns, under SQLite's 32,766 bound parameters.
const CASE_BATCH: usize = 500;
/// Rows per `INSERT INTO appeal_events` or `appeal_timers` (6 columns each).
const ROW_BATCH: usize = 4000;
/// The page cache of the loading connection on SQLite (`PRAGMA cache_size`, negative: KiB):
/// a load writes gigabytes in one transaction, and a larger cache spills fewer pages (about a
/// tenth faster). `finish` restores the connection's own; a load dropped unfinished leaves it
/// on that pooled connection, as a cache limit, until the connection closes.
const LOAD_CACHE_KIB: i64 = -262_144;
/// `fired_by` of the timers a history already acted on.
const FIRED_BY_HISTORY: &str = "history";

/// One case of a generated history, ready to store: where, what, who reported it, and every
/// event from its receipt on. The producer assigns ids (as the city seed does), so that a merged
/// case can name its primary; a merged case must come after its primary, in the same `push` or a
/// later one. Category, urgency, channel, state and every deadline come from the events.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoricalCase {
    pub id: i64,
    /// Six digits of the receipt date (`yymmdd`) and eight characters, as intake issues them.
    pub tracking_code: String,
    /// The grid the place lies in.
    pub region_id: i64,
    /// That grid's region path.
    pub region_path: String,
    pub county_id: Option<i64>,
    pub township_id: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub text: String,
    pub confidential: bool,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    /// The staff account that entered it (patrol, walk-in, hotline, proxy); `None` for a
    /// resident's own report and for systems.
    pub filed_by: Option<i64>,
    /// The history, `Received` first, in order.
    pub events: Vec<AppealEvent>,
    /// The instant (Unix milliseconds) the history was simulated up to. Timers due before then
    /// have fired: what they did (a supervision order at a red card) is among the events.
    pub as_of_ms: i64,
}

/// A history load in progress: one transaction over any number of [`push`](Self::push)es,
/// committed with its one audit event by [`finish`](Self::finish). Dropped unfinished, it
/// rolls back and leaves nothing.
pub struct HistoryLoad {
    db: Db,
    tx: HistoryTx,
    preparer: HistoryPreparer,
    actor_name: String,
    root_path: Option<String>,
    cases: u64,
    events: u64,
    timers: u64,
    first_id: Option<i64>,
    last_id: Option<i64>,
}

enum HistoryTx {
    /// With the connection's own `cache_size`, to restore.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, i64),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Run `$body` with `$tx` bound to the open transaction of whichever engine is in use.
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            HistoryTx::Sqlite($t, _) => $body,
            HistoryTx::Postgres($t) => $body,
        }
    };
}

/// The names `appeals.unit_name` is made of, as `UPDATE_ROW_SQL` looks them up: the
/// organisation's, else the account's display name, else the region's.
#[derive(Default)]
struct UnitNames {
    orgs: HashMap<i64, String>,
    accounts: HashMap<i64, String>,
    regions: HashMap<i64, String>,
}

impl UnitNames {
    fn of(&self, c: &RowColumns) -> String {
        let named = |map: &HashMap<i64, String>, id: Option<i64>| id.and_then(|id| map.get(&id)).cloned();
        named(&self.orgs, c.unit_org_id)
            .or_else(|| named(&self.accounts, c.unit_account_id))
            .or_else(|| named(&self.regions, c.unit_region_id))
            .unwrap_or_default()
    }
}

/// One `appeals` row, derived (the case without its events, which became [`EventRow`]s).
struct CaseRow {
    case: HistoricalCase,
    cols: RowColumns,
    unit_name: String,
    channel: &'static str,
    received_ms: i64,
    updated_ms: i64,
    version: i64,
    snapshot: String,
}

struct EventRow {
    appeal_id: i64,
    seq: i64,
    at_ms: i64,
    kind: String,
    actor_id: Option<i64>,
    body: String,
}

struct TimerRow {
    appeal_id: i64,
    kind: &'static str,
    deadline_kind: &'static str,
    fire_ms: i64,
    fired_ms: Option<i64>,
}

/// The event's kind as `event_kind_str` names it, read from its serialised body, where serde
/// writes the tag first (`"kind":{"type":"accepted"…`): the same string for a fraction of the
/// cost of building the value tree again, which matters over millions of events.
fn kind_in(body: &str) -> Option<&str> {
    const TAG: &str = "\"kind\":{\"type\":\"";
    let start = body.find(TAG)? + TAG.len();
    let len = body[start..].find('"')?;
    Some(&body[start..start + len])
}

fn invalid_case(id: i64, message: String) -> StoreError {
    StoreError::Invalid(vec![FieldError::new("events", format!("诉求 {id}：{message} / case {id}: {message}"))])
}

/// Derives one case's row, events and timers.
fn prepare(
    case: &HistoricalCase,
    names: &UnitNames,
    events: &mut Vec<EventRow>,
    timers: &mut Vec<TimerRow>,
) -> Result<CaseRow> {
    let snapshot = AppealSnapshot::replay(&case.events).map_err(|e| invalid_case(case.id, e.to_string()))?;
    let cols = RowColumns::of(&snapshot);
    for (i, e) in case.events.iter().enumerate() {
        let body = serde_json::to_string(e).expect("events serialise");
        events.push(EventRow {
            appeal_id: case.id,
            seq: i as i64 + 1,
            at_ms: from_china(e.at),
            kind: kind_in(&body).map_or_else(|| event_kind_str(e), str::to_owned),
            actor_id: e.by.account_id(),
            body,
        });
    }
    for (kind, deadline_kind, fire_ms) in timers_for(&snapshot) {
        // Strictly before: the history's red cards are for clocks that ran out before "now".
        let fired_ms = (fire_ms < case.as_of_ms).then_some(fire_ms);
        timers.push(TimerRow { appeal_id: case.id, kind, deadline_kind, fire_ms, fired_ms });
    }
    let last = case.events.last().map_or(snapshot.received_at, |e| e.at);
    let head = HistoricalCase {
        id: case.id,
        tracking_code: case.tracking_code.clone(),
        region_id: case.region_id,
        region_path: case.region_path.clone(),
        county_id: case.county_id,
        township_id: case.township_id,
        lon: case.lon,
        lat: case.lat,
        address: case.address.clone(),
        text: case.text.clone(),
        confidential: case.confidential,
        reporter_name: case.reporter_name.clone(),
        reporter_phone: case.reporter_phone.clone(),
        filed_by: case.filed_by,
        events: Vec::new(),
        as_of_ms: case.as_of_ms,
    };
    Ok(CaseRow {
        case: head,
        unit_name: names.of(&cols),
        cols,
        channel: super::write::channel_str(snapshot.channel),
        received_ms: from_china(snapshot.received_at),
        updated_ms: from_china(last),
        version: case.events.len() as i64,
        snapshot: serde_json::to_string(&snapshot).expect("snapshots serialise"),
    })
}

/// Derives rows from cases — replay, columns, JSON — apart from the load, so that a producer
/// can do it on its own thread while the load writes the previous part. Cheap to clone.
#[derive(Clone)]
pub struct HistoryPreparer {
    names: Arc<UnitNames>,
}

/// Cases ready to write: their rows, events and timers.
pub struct PreparedHistory {
    rows: Vec<CaseRow>,
    events: Vec<EventRow>,
    timers: Vec<TimerRow>,
}

impl PreparedHistory {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl HistoryPreparer {
    /// Refuses a case whose events do not replay (no receipt first).
    pub fn prepare(&self, cases: &[HistoricalCase]) -> Result<PreparedHistory> {
        let mut events = Vec::with_capacity(cases.len() * 10);
        let mut timers = Vec::new();
        let rows =
            cases.iter().map(|c| prepare(c, &self.names, &mut events, &mut timers)).collect::<Result<Vec<_>>>()?;
        Ok(PreparedHistory { rows, events, timers })
    }
}

impl Store {
    /// Write a whole history in one transaction with one audit event; returns the number of
    /// cases written. See [`HistoricalCase`] for what the caller provides.
    pub async fn load_appeal_history(&self, cases: &[HistoricalCase]) -> Result<u64> {
        let mut load = self.begin_appeal_history("system").await?;
        load.push(cases).await?;
        load.finish().await
    }

    /// Start a history load that takes its cases in parts (so that a year need not be held in
    /// memory at once). `actor_name` names the loader in the audit event.
    pub async fn begin_appeal_history(&self, actor_name: &str) -> Result<HistoryLoad> {
        type Named = Vec<(i64, String)>;
        let (tx, orgs, accounts, regions): (HistoryTx, Named, Named, Named) = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *tx).await?;
                sqlx::query(&format!("PRAGMA cache_size = {LOAD_CACHE_KIB}")).execute(&mut *tx).await?;
                let orgs = sqlx::query_as("SELECT id, name FROM orgs").fetch_all(&mut *tx).await?;
                let accounts = sqlx::query_as("SELECT id, display_name FROM accounts").fetch_all(&mut *tx).await?;
                let regions = sqlx::query_as("SELECT id, name FROM regions").fetch_all(&mut *tx).await?;
                (HistoryTx::Sqlite(tx, cache), orgs, accounts, regions)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                let orgs = sqlx::query_as("SELECT id, name FROM orgs").fetch_all(&mut *tx).await?;
                let accounts = sqlx::query_as("SELECT id, display_name FROM accounts").fetch_all(&mut *tx).await?;
                let regions = sqlx::query_as("SELECT id, name FROM regions").fetch_all(&mut *tx).await?;
                (HistoryTx::Postgres(tx), orgs, accounts, regions)
            }
        };
        Ok(HistoryLoad {
            db: self.db.clone(),
            tx,
            preparer: HistoryPreparer {
                names: Arc::new(UnitNames {
                    orgs: orgs.into_iter().collect(),
                    accounts: accounts.into_iter().collect(),
                    regions: regions.into_iter().collect(),
                }),
            },
            actor_name: actor_name.to_owned(),
            root_path: None,
            cases: 0,
            events: 0,
            timers: 0,
            first_id: None,
            last_id: None,
        })
    }

    /// Whether any case is stored. Unscoped: for start-up decisions (the demo's history) only.
    pub async fn has_appeals(&self) -> Result<bool> {
        let any: Option<i64> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM appeals LIMIT 1").fetch_optional(pool).await)?;
        Ok(any.is_some())
    }
}

impl HistoryLoad {
    /// Write `cases` (rows, events, timers) inside the load's transaction.
    pub async fn push(&mut self, cases: &[HistoricalCase]) -> Result<()> {
        let prepared = self.preparer.prepare(cases)?;
        self.push_prepared(prepared).await
    }

    /// The preparer of this load, for a producer thread.
    pub fn preparer(&self) -> HistoryPreparer {
        self.preparer.clone()
    }

    /// Write cases made ready by [`preparer`](Self::preparer).
    pub async fn push_prepared(&mut self, prepared: PreparedHistory) -> Result<()> {
        // Every row first: events and timers refer to their case.
        for chunk in prepared.rows.chunks(CASE_BATCH) {
            self.write_cases(chunk).await?;
        }
        for chunk in prepared.events.chunks(ROW_BATCH) {
            self.write_events(chunk).await?;
        }
        for chunk in prepared.timers.chunks(ROW_BATCH) {
            self.write_timers(chunk).await?;
        }
        self.cases += prepared.rows.len() as u64;
        self.events += prepared.events.len() as u64;
        self.timers += prepared.timers.len() as u64;
        for row in &prepared.rows {
            let id = row.case.id;
            self.first_id = Some(self.first_id.map_or(id, |f| f.min(id)));
            self.last_id = Some(self.last_id.map_or(id, |l| l.max(id)));
            if self.root_path.is_none() {
                // The city's path: the first segment of any place's path.
                self.root_path = row.case.region_path.split('/').nth(1).map(|s| format!("/{s}/"));
            }
        }
        Ok(())
    }

    async fn write_cases(&mut self, rows: &[CaseRow]) -> Result<()> {
        on_tx!(&mut self.tx, |tx| {
            let mut qb = QueryBuilder::new(
                "INSERT INTO appeals (id, tracking_code, region_id, region_path, lon, lat, address, text, category,
                    urgency, channel, state, confidential, reporter_name, reporter_phone, reporter_account_id,
                    filed_by, unit_org_id, unit_account_id, unit_region_id, unit_level, unit_org_type, unit_name,
                    warn_ms, due_ms, merged_into, received_ms, closed_ms, updated_ms, version, snapshot, county_id,
                    township_id, first_dispatched_ms, contact_due_ms, first_contact_ms, resolve_due_ms,
                    closed_on_time, reworked, returned, extended, callbacks, solved_callbacks,
                    satisfied_callbacks) ",
            );
            qb.push_values(rows, |mut b, r| {
                let (c, k) = (&r.case, &r.cols);
                b.push_bind(c.id)
                    .push_bind(&c.tracking_code)
                    .push_bind(c.region_id)
                    .push_bind(&c.region_path)
                    .push_bind(c.lon)
                    .push_bind(c.lat)
                    .push_bind(&c.address)
                    .push_bind(&c.text)
                    .push_bind(&k.category)
                    .push_bind(k.urgency)
                    .push_bind(r.channel)
                    .push_bind(k.state)
                    .push_bind(c.confidential)
                    .push_bind(&c.reporter_name)
                    .push_bind(&c.reporter_phone)
                    .push_bind(None::<i64>)
                    .push_bind(c.filed_by)
                    .push_bind(k.unit_org_id)
                    .push_bind(k.unit_account_id)
                    .push_bind(k.unit_region_id)
                    .push_bind(k.unit_level)
                    .push_bind(&k.unit_org_type)
                    .push_bind(&r.unit_name)
                    .push_bind(k.warn_ms)
                    .push_bind(k.due_ms)
                    .push_bind(k.merged_into)
                    .push_bind(r.received_ms)
                    .push_bind(k.closed_ms)
                    .push_bind(r.updated_ms)
                    .push_bind(r.version)
                    .push_bind(&r.snapshot)
                    .push_bind(c.county_id)
                    .push_bind(c.township_id)
                    .push_bind(k.first_dispatched_ms)
                    .push_bind(k.contact_due_ms)
                    .push_bind(k.first_contact_ms)
                    .push_bind(k.resolve_due_ms)
                    .push_bind(k.closed_on_time)
                    .push_bind(k.reworked)
                    .push_bind(k.returned)
                    .push_bind(k.extended)
                    .push_bind(k.callbacks)
                    .push_bind(k.solved_callbacks)
                    .push_bind(k.satisfied_callbacks);
            });
            qb.build().execute(&mut **tx).await?;
        });
        Ok(())
    }

    async fn write_events(&mut self, events: &[EventRow]) -> Result<()> {
        on_tx!(&mut self.tx, |tx| {
            let mut qb = QueryBuilder::new("INSERT INTO appeal_events (appeal_id, seq, at_ms, kind, actor_id, body) ");
            qb.push_values(events, |mut b, e| {
                b.push_bind(e.appeal_id)
                    .push_bind(e.seq)
                    .push_bind(e.at_ms)
                    .push_bind(&e.kind)
                    .push_bind(e.actor_id)
                    .push_bind(&e.body);
            });
            qb.build().execute(&mut **tx).await?;
        });
        Ok(())
    }

    async fn write_timers(&mut self, timers: &[TimerRow]) -> Result<()> {
        on_tx!(&mut self.tx, |tx| {
            let mut qb = QueryBuilder::new(
                "INSERT INTO appeal_timers (appeal_id, kind, deadline_kind, fire_ms, fired_ms, fired_by) ",
            );
            qb.push_values(timers, |mut b, t| {
                b.push_bind(t.appeal_id)
                    .push_bind(t.kind)
                    .push_bind(t.deadline_kind)
                    .push_bind(t.fire_ms)
                    .push_bind(t.fired_ms)
                    .push_bind(t.fired_ms.map(|_| FIRED_BY_HISTORY));
            });
            qb.build().execute(&mut **tx).await?;
        });
        Ok(())
    }

    /// Write the audit event, commit, and (PostgreSQL) move the id sequence past the loaded
    /// ids. Returns the number of cases written.
    pub async fn finish(self) -> Result<u64> {
        let HistoryLoad { db, tx, actor_name, root_path, cases, events, timers, first_id, last_id, .. } = self;
        let event = AuditEvent {
            at_ms: now_ms(),
            actor_id: None,
            actor_name,
            action: "appeal.history.load".into(),
            target_kind: "appeal".into(),
            target_id: None,
            success: true,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "cases": cases, "events": events, "timers": timers, "first_id": first_id, "last_id": last_id,
            }),
        };
        let root = root_path.unwrap_or_else(|| "/".into());
        match tx {
            HistoryTx::Sqlite(mut tx, cache) => {
                write_audit!(&mut *tx, &event, &root)?;
                sqlx::query(&format!("PRAGMA cache_size = {cache}")).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            HistoryTx::Postgres(mut tx) => {
                write_audit!(&mut *tx, &event, &root)?;
                sqlx::query(
                    "SELECT setval(pg_get_serial_sequence('appeals', 'id'), GREATEST((SELECT max(id) FROM appeals), 1))",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        if let Db::Sqlite(pool) = &db {
            // The commit copied the write-ahead log into the database; give its gigabytes back.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Ok(cases)
    }

    /// Cases pushed so far.
    pub fn cases(&self) -> u64 {
        self.cases
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use pingan_domain::appeal::{
        AppealCommand, CaseActor, CategoryCode, IntakeChannel, NewAppeal, OwnerRef, TimeLimitClass, TimeLimitPolicy,
        Urgency, decide, receive,
    };
    use pingan_domain::calendar::WorkCalendar;

    fn at(d: u32, h: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn kinds_are_read_from_the_body_as_event_kind_str_names_them() {
        let (cal, policy) = (WorkCalendar::shipped(), TimeLimitPolicy::default());
        let new = NewAppeal {
            category: CategoryCode::parse("E01").unwrap(),
            urgency: Urgency::Normal,
            time_limit_class: TimeLimitClass::Standard,
            channel: IntakeChannel::MiniProgram,
            first_receiver: OwnerRef::org(9),
        };
        let received = receive(&new, &CaseActor::Citizen { account_id: None }, at(2, 9), &cal, &policy).unwrap();
        let snapshot = AppealSnapshot::replay([&received]).unwrap();
        let cmd = AppealCommand::TransferOut {
            by: CaseActor::System,
            to: pingan_domain::appeal::Outside::Channel(pingan_domain::appeal::ReferralChannel::Petition),
            note: "\"kind\":{\"type\":\"x\"".into(),
        };
        let mut events = vec![received];
        events.extend(decide(&snapshot, &cmd, at(2, 10), &cal, &policy).unwrap());
        for e in &events {
            let body = serde_json::to_string(e).unwrap();
            assert_eq!(kind_in(&body), Some(event_kind_str(e).as_str()), "{body}");
        }
    }

    #[test]
    fn unit_names_prefer_the_organisation() {
        let mut names = UnitNames::default();
        names.orgs.insert(1, "德城区人力资源和社会保障局".into());
        names.accounts.insert(2, "王伟".into());
        names.regions.insert(3, "第1网格".into());
        let mut cols = RowColumns::of(&{
            let new = NewAppeal {
                category: CategoryCode::parse("G05").unwrap(),
                urgency: Urgency::Normal,
                time_limit_class: TimeLimitClass::Standard,
                channel: IntakeChannel::Patrol,
                first_receiver: OwnerRef::account(2, None),
            };
            let e = receive(&new, &CaseActor::System, at(2, 9), &WorkCalendar::shipped(), &TimeLimitPolicy::default())
                .unwrap();
            AppealSnapshot::replay([&e]).unwrap()
        });
        assert_eq!(names.of(&cols), "");
        cols.unit_region_id = Some(3);
        assert_eq!(names.of(&cols), "第1网格");
        cols.unit_account_id = Some(2);
        assert_eq!(names.of(&cols), "王伟");
        cols.unit_org_id = Some(1);
        assert_eq!(names.of(&cols), "德城区人力资源和社会保障局");
    }
}
