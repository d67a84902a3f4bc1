//! Reading cases: lists and queue counts for the workbench, one case with its history, and a
//! resident's view by tracking code. Every read goes through [`ScopeSql`], the one place that
//! turns an actor into the rows they may see.

use super::write::check_case_access;
use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::org_type::VILLAGE_BODIES;
use pingan_domain::appeal::{AppealEvent, AppealSnapshot, AppealState, Card, CaseActor};
use pingan_domain::org::TOWNSHIP_BODIES;
use pingan_domain::personal::{mask_name, mask_phone};
use serde::Serialize;

/// States in which a clock runs and a card can show.
const ACTIVE_STATES: &str = "('received', 'dispatched', 'returned', 'accepted', 'in_progress')";

/// Which queue of the workbench (工作台) a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// 待派单: received or returned, waiting for the dispatch centre.
    ToDispatch,
    /// 待签收
    ToAccept,
    /// 处理中
    InProgress,
    /// 即将超时: the yellow card shows.
    DueSoon,
    /// 已超时: the red card shows.
    Overdue,
    /// 待回访: closed, waiting for the resident's rating.
    ToCallBack,
}

impl Queue {
    pub const ALL: [Queue; 6] =
        [Queue::ToDispatch, Queue::ToAccept, Queue::InProgress, Queue::DueSoon, Queue::Overdue, Queue::ToCallBack];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::ToDispatch => "to_dispatch",
            Queue::ToAccept => "to_accept",
            Queue::InProgress => "in_progress",
            Queue::DueSoon => "due_soon",
            Queue::Overdue => "overdue",
            Queue::ToCallBack => "to_call_back",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Queue::ToDispatch => "待派单",
            Queue::ToAccept => "待签收",
            Queue::InProgress => "处理中",
            Queue::DueSoon => "即将超时",
            Queue::Overdue => "已超时",
            Queue::ToCallBack => "待回访",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Queue::ToDispatch => "To dispatch",
            Queue::ToAccept => "To accept",
            Queue::InProgress => "In progress",
            Queue::DueSoon => "Due soon",
            Queue::Overdue => "Overdue",
            Queue::ToCallBack => "To call back",
        }
    }

    /// The condition; `$N` for now is appended by the caller as the last parameter.
    fn condition(self, now: &str) -> String {
        match self {
            Queue::ToDispatch => "a.state IN ('received', 'returned')".into(),
            Queue::ToAccept => "a.state = 'dispatched'".into(),
            Queue::InProgress => "a.state IN ('accepted', 'in_progress', 'suspended')".into(),
            Queue::DueSoon => {
                format!("a.state IN {ACTIVE_STATES} AND a.warn_ms <= {now} AND a.due_ms >= {now}")
            }
            Queue::Overdue => format!("a.state IN {ACTIVE_STATES} AND a.due_ms < {now}"),
            Queue::ToCallBack => "a.state = 'closed'".into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppealFilter {
    pub queue: Option<Queue>,
    pub state: Option<AppealState>,
    pub category: Option<String>,
    /// Only cases whose assigned unit the actor acts for (their own work).
    pub mine: bool,
    /// Words in the text, the address or the tracking code.
    pub q: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only walk-ins filed at this red station.
    pub station: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One line of a list: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct AppealListItem {
    pub id: i64,
    pub tracking_code: String,
    pub received_ms: i64,
    pub category: String,
    pub urgency: String,
    pub state: AppealState,
    pub channel: String,
    pub place: String,
    pub unit_name: String,
    pub warn_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub card: Card,
    /// The first 80 characters.
    pub excerpt: String,
    pub reporter: String,
}

/// A whole case for its page.
#[derive(Debug, Clone, Serialize)]
pub struct AppealRecord {
    pub id: i64,
    pub tracking_code: String,
    pub version: i64,
    pub text: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub region_id: i64,
    pub place: String,
    pub channel: String,
    pub confidential: bool,
    /// Masked unless the viewer handles the case; "保密" when confidential and they do not.
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub unit_name: String,
    pub card: Card,
    pub snapshot: AppealSnapshot,
    pub events: Vec<StoredEvent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_name: String,
    #[serde(flatten)]
    pub event: AppealEvent,
}

/// Counts per queue for the workbench.
#[derive(Debug, Clone, Serialize)]
pub struct QueueCounts {
    pub counts: Vec<(Queue, i64)>,
}

/// A bound parameter of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    I64(Option<i64>),
    Text(Option<String>),
}

/// The rows an actor may see, as SQL over `appeals a`: a resident their own reports; department
/// staff their organisation's cases; everyone else the cases whose place lies in their region.
pub(crate) struct ScopeSql {
    pub sql: String,
    pub params: Vec<Param>,
}

impl ScopeSql {
    pub fn of(actor: &Actor) -> ScopeSql {
        if actor.role == Role::Citizen {
            return ScopeSql {
                sql: "a.reporter_account_id = $1".into(),
                params: vec![Param::I64(Some(actor.account_id))],
            };
        }
        if let Some(org) = actor.scope.org_id {
            return ScopeSql { sql: "a.unit_org_id = $1".into(), params: vec![Param::I64(Some(org))] };
        }
        ScopeSql {
            sql: "a.region_path >= $1 AND a.region_path < $2".into(),
            params: vec![
                Param::Text(Some(actor.scope.region.as_str().to_owned())),
                Param::Text(Some(actor.scope.region.subtree_end())),
            ],
        }
    }

    pub(crate) fn push(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }
}

/// The unit types an account acts for by its role in its own region.
fn role_unit_types(role: Role) -> Vec<&'static str> {
    match role {
        Role::TownshipDispatcher => TOWNSHIP_BODIES.iter().map(|b| b.0).collect(),
        Role::VillageCadre => VILLAGE_BODIES.iter().map(|b| b.0).collect(),
        Role::GridWorker => vec!["grid_worker"],
        _ => Vec::new(),
    }
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::I64(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    tracking_code: String,
    received_ms: i64,
    category: String,
    urgency: String,
    state: String,
    channel: String,
    place: String,
    unit_name: String,
    warn_ms: Option<i64>,
    due_ms: Option<i64>,
    text: String,
    confidential: bool,
    reporter_name: String,
    reporter_phone: Option<String>,
}

fn card_of(state: AppealState, warn_ms: Option<i64>, due_ms: Option<i64>, now_ms: i64) -> Card {
    let active = matches!(
        state,
        AppealState::Received
            | AppealState::Dispatched
            | AppealState::Returned
            | AppealState::Accepted
            | AppealState::InProgress
    );
    match (active, warn_ms, due_ms) {
        (true, _, Some(due)) if now_ms > due => Card::Red,
        (true, Some(warn), _) if now_ms >= warn => Card::Yellow,
        _ => Card::None,
    }
}

/// Whether `actor`, who may read the case, sees who reported it in full: those handling it
/// (the unit, the dispatch centre, supervisors) and the reporter. Everyone else sees the
/// reporter masked, or not at all when the case is confidential (保密).
pub(crate) fn sees_reporter(actor: &Actor, case: &AppealSnapshot) -> bool {
    let by = CaseActor::from_actor(actor);
    actor.role == Role::Citizen
        || matches!(actor.role, Role::TownshipDispatcher | Role::Supervisor)
        || case.assignment.as_ref().is_some_and(|a| by.acts_for(&a.unit))
        || case.owner().is_some_and(|o| by.is_owner(o))
}

fn reporter_masked(confidential: bool, name: &str, phone: Option<&str>) -> String {
    if confidential {
        return "保密".into();
    }
    match (name.trim(), phone) {
        ("", Some(p)) => mask_phone(p),
        ("", None) => String::new(),
        (n, Some(p)) => format!("{} {}", mask_name(n), mask_phone(p)),
        (n, None) => mask_name(n),
    }
}

impl Store {
    fn list_where(&self, actor: &Actor, f: &AppealFilter, now_ms: i64) -> ScopeSql {
        let mut s = ScopeSql::of(actor);
        let mut conds = vec![format!("({})", s.sql)];
        if let Some(queue) = f.queue {
            let now = s.push(Param::I64(Some(now_ms)));
            conds.push(queue.condition(&now));
        }
        if let Some(state) = f.state {
            let p = s.push(Param::Text(Some(state.as_str().to_owned())));
            conds.push(format!("a.state = {p}"));
        }
        if let Some(c) = &f.category {
            let p = s.push(Param::Text(Some(format!("{}%", c.trim()))));
            conds.push(format!("a.category LIKE {p}"));
        }
        if let Some(q) = f.q.as_ref().map(|q| q.trim()).filter(|q| !q.is_empty()) {
            let p = s.push(Param::Text(Some(format!("%{}%", crate::audit::escape_like(q)))));
            conds.push(format!(
                "(a.text LIKE {p} ESCAPE '\\' OR a.address LIKE {p} ESCAPE '\\' OR a.tracking_code LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(from) = f.from_ms {
            let p = s.push(Param::I64(Some(from)));
            conds.push(format!("a.received_ms >= {p}"));
        }
        if let Some(to) = f.to_ms {
            let p = s.push(Param::I64(Some(to)));
            conds.push(format!("a.received_ms < {p}"));
        }
        if let Some(station) = f.station {
            let p = s.push(Param::I64(Some(station)));
            conds.push(format!("a.station_org_id = {p}"));
        }
        if f.mine {
            let me = s.push(Param::I64(Some(actor.account_id)));
            let mut mine = vec![format!("a.unit_account_id = {me}")];
            if let Some(org) = actor.scope.org_id {
                let p = s.push(Param::I64(Some(org)));
                mine.push(format!("a.unit_org_id = {p}"));
            }
            let types = role_unit_types(actor.role);
            if !types.is_empty() {
                let region = s.push(Param::I64(Some(actor.scope.region.id())));
                let list = types.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
                mine.push(format!("(a.unit_region_id = {region} AND a.unit_org_type IN ({list}))"));
            }
            conds.push(format!("({})", mine.join(" OR ")));
        }
        s.sql = conds.join(" AND ");
        s
    }

    /// Cases the actor may see, newest first (or by deadline for the clock queues), masked.
    pub async fn appeals(&self, actor: &Actor, f: &AppealFilter) -> Result<(Vec<AppealListItem>, i64)> {
        require_read(actor)?;
        let now = crate::now_ms();
        let mut w = self.list_where(actor, f, now);
        let order = match f.queue {
            Some(Queue::DueSoon | Queue::Overdue | Queue::ToAccept | Queue::InProgress | Queue::ToDispatch) => {
                "CASE WHEN a.urgency = 'urgent' THEN 0 ELSE 1 END, a.due_ms, a.id"
            }
            _ => "a.received_ms DESC, a.id DESC",
        };
        let count_sql = format!("SELECT count(*) FROM appeals a WHERE {}", w.sql);
        let count_params = w.params.clone();
        let limit = w.push(Param::I64(Some(f.limit.clamp(1, 500))));
        let offset = w.push(Param::I64(Some(f.offset.max(0))));
        let list_sql = format!(
            "SELECT a.id, a.tracking_code, a.received_ms, a.category, a.urgency, a.state, a.channel,
                    r.name AS place, a.unit_name, a.warn_ms, a.due_ms, a.text, a.confidential, a.reporter_name,
                    a.reporter_phone
               FROM appeals a JOIN regions r ON r.id = a.region_id
              WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            w.sql
        );
        let (rows, total): (Vec<ListRow>, i64) = on_pool!(&self.db, |pool| {
            let rows = bind_all!(sqlx::query_as::<_, ListRow>(&list_sql), &w.params).fetch_all(pool).await?;
            let total: i64 = bind_all!(sqlx::query_scalar(&count_sql), &count_params).fetch_one(pool).await?;
            (rows, total)
        });
        let items = rows
            .into_iter()
            .map(|r| {
                let state = AppealState::parse(&r.state)
                    .ok_or_else(|| StoreError::Corrupt(format!("appeal {} state '{}'", r.id, r.state)))?;
                Ok(AppealListItem {
                    card: card_of(state, r.warn_ms, r.due_ms, now),
                    excerpt: r.text.chars().take(80).collect(),
                    reporter: reporter_masked(r.confidential, &r.reporter_name, r.reporter_phone.as_deref()),
                    id: r.id,
                    tracking_code: r.tracking_code,
                    received_ms: r.received_ms,
                    category: r.category,
                    urgency: r.urgency,
                    state,
                    channel: r.channel,
                    place: r.place,
                    unit_name: r.unit_name,
                    warn_ms: r.warn_ms,
                    due_ms: r.due_ms,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// How many cases wait in each queue, for the actor (their own work when `mine`).
    pub async fn appeal_queue_counts(&self, actor: &Actor, mine: bool) -> Result<QueueCounts> {
        require_read(actor)?;
        let now = crate::now_ms();
        let mut counts = Vec::new();
        for queue in Queue::ALL {
            let f = AppealFilter { queue: Some(queue), mine, ..Default::default() };
            let w = self.list_where(actor, &f, now);
            let sql = format!("SELECT count(*) FROM appeals a WHERE {}", w.sql);
            let n: i64 =
                on_pool!(&self.db, |pool| bind_all!(sqlx::query_scalar(&sql), &w.params).fetch_one(pool).await)?;
            counts.push((queue, n));
        }
        Ok(QueueCounts { counts })
    }

    /// One case with its whole history, for someone allowed to see it.
    pub async fn appeal(&self, actor: &Actor, id: i64) -> Result<AppealRecord> {
        require_read(actor)?;
        let record = self.appeal_record(id).await?;
        let reporter_account = record.1;
        let mut record = record.0;
        let path = record_path(self, id).await?;
        check_case_access(actor, &record.snapshot, &path, reporter_account).map_err(|_| StoreError::NotFound)?;
        if !sees_reporter(actor, &record.snapshot) {
            if record.confidential {
                record.reporter_name = "保密".into();
                record.reporter_phone = None;
            } else {
                record.reporter_name = mask_name(&record.reporter_name);
                record.reporter_phone = record.reporter_phone.as_deref().map(mask_phone);
            }
        }
        Ok(record)
    }

    /// A resident's view by tracking code: the case, its history, no one's personal data.
    pub async fn appeal_by_tracking_code(&self, code: &str) -> Result<AppealRecord> {
        let code = code.trim().to_ascii_uppercase();
        let id: i64 = on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM appeals WHERE tracking_code = $1")
            .bind(&code)
            .fetch_optional(pool)
            .await)?
        .ok_or(StoreError::NotFound)?;
        let (mut record, _) = self.appeal_record(id).await?;
        record.reporter_name = mask_name(&record.reporter_name);
        record.reporter_phone = record.reporter_phone.as_deref().map(mask_phone);
        for e in &mut record.events {
            // Staff are named by role only on the public page.
            e.actor_name = e.event.by.zh().to_owned();
        }
        Ok(record)
    }

    async fn appeal_record(&self, id: i64) -> Result<(AppealRecord, Option<i64>)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            tracking_code: String,
            version: i64,
            text: String,
            address: String,
            lon: Option<f64>,
            lat: Option<f64>,
            region_id: i64,
            place: String,
            channel: String,
            confidential: bool,
            reporter_name: String,
            reporter_phone: Option<String>,
            unit_name: String,
            snapshot: String,
            reporter_account_id: Option<i64>,
        }
        let row: Option<Row> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT a.tracking_code, a.version, a.text, a.address, a.lon, a.lat, a.region_id, r.name AS place,
                    a.channel, a.confidential, a.reporter_name, a.reporter_phone, a.unit_name, a.snapshot,
                    a.reporter_account_id
               FROM appeals a JOIN regions r ON r.id = a.region_id WHERE a.id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let Row {
            tracking_code,
            version,
            text,
            address,
            lon,
            lat,
            region_id,
            place,
            channel,
            confidential,
            reporter_name,
            reporter_phone,
            unit_name,
            snapshot,
            reporter_account_id: reporter_account,
        } = row.ok_or(StoreError::NotFound)?;
        let snapshot: AppealSnapshot =
            serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {id}: {e}")))?;
        let rows: Vec<(i64, i64, String, Option<String>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT e.seq, e.at_ms, e.body, ac.display_name FROM appeal_events e
               LEFT JOIN accounts ac ON ac.id = e.actor_id
              WHERE e.appeal_id = $1 ORDER BY e.seq"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        let events = rows
            .into_iter()
            .map(|(seq, at_ms, body, name)| {
                let event: AppealEvent = serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("appeal {id} event {seq}: {e}")))?;
                let actor_name = match (&event.by, name) {
                    (CaseActor::Staff(_), Some(n)) => format!("{} {n}", event.by.zh()),
                    _ => event.by.zh().to_owned(),
                };
                Ok(StoredEvent { seq, at_ms, actor_name, event })
            })
            .collect::<Result<Vec<_>>>()?;
        let card = pingan_domain::appeal::card_at_ms(&snapshot, crate::now_ms());
        Ok((
            AppealRecord {
                id,
                tracking_code,
                version,
                text,
                address,
                lon,
                lat,
                region_id,
                place,
                channel,
                confidential,
                reporter_name,
                reporter_phone,
                unit_name,
                card,
                snapshot,
                events,
            },
            reporter_account,
        ))
    }
}

async fn record_path(store: &Store, id: i64) -> Result<String> {
    on_pool!(&store.db, |pool| sqlx::query_scalar("SELECT region_path FROM appeals WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn require_read(actor: &Actor) -> Result<()> {
    if actor.role == Role::Citizen {
        return Ok(());
    }
    actor.require(Action::Read, Resource::Appeal)?;
    Ok(())
}
