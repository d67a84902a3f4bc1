//! Red stations (红色驿站): the services each station offers, its staff (phones masked in every
//! list), the visits it records (people served, by service and day), the walk-in appeals filed
//! there (`appeals.station_org_id`), and the usage figures per station for a period. A station
//! is an organisation of kind `red_station`; reads and writes take the actor's scope through the
//! station's region. Rules are [`pingan_domain::forces::station`]'s.

use crate::appeals::AppealFilter;
use crate::orgs::Org;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use chrono::NaiveTime;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::IntakeChannel;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::from_china;
use pingan_domain::forces::station::{NewStaff, NewVisit, Period, StationService};
use pingan_domain::org::OrgKind;
use pingan_domain::personal::mask_phone;
use serde::Serialize;
use std::collections::HashMap;

/// A service as the pages and the API show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceLine {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl From<StationService> for ServiceLine {
    fn from(s: StationService) -> ServiceLine {
        ServiceLine { code: s.code(), zh: s.zh(), en: s.en() }
    }
}

/// A staff member on duty at a station (the phone masked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StationStaff {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub duty: String,
    pub added_ms: i64,
}

/// A visit record: people served by one service on one day.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StationVisit {
    pub id: i64,
    pub org_id: i64,
    /// `YYYY-MM-DD`, China time.
    pub day: String,
    pub service: String,
    pub people: i64,
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_ms: i64,
}

impl StationVisit {
    pub fn service_zh(&self) -> &'static str {
        StationService::parse(&self.service).map_or("—", StationService::zh)
    }
}

/// One service's share of a period.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServiceUsage {
    pub service: &'static str,
    pub zh: &'static str,
    pub visits: i64,
    pub people: i64,
}

/// What a station (or all stations in scope) did over a period.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub period: Period,
    /// Visit records.
    pub visits: i64,
    /// People served (人次).
    pub people: i64,
    /// Walk-in appeals (红色驿站来访) filed at the station in the period.
    pub appeals: i64,
    /// Every service in the fixed order, offered or not, so columns line up.
    pub by_service: Vec<ServiceUsage>,
}

impl Usage {
    fn empty(period: Period) -> Usage {
        Usage {
            period,
            visits: 0,
            people: 0,
            appeals: 0,
            by_service: StationService::ALL
                .iter()
                .map(|s| ServiceUsage { service: s.code(), zh: s.zh(), visits: 0, people: 0 })
                .collect(),
        }
    }

    fn add(&mut self, other: &Usage) {
        self.visits += other.visits;
        self.people += other.people;
        self.appeals += other.appeals;
        for (mine, theirs) in self.by_service.iter_mut().zip(&other.by_service) {
            mine.visits += theirs.visits;
            mine.people += theirs.people;
        }
    }
}

/// A station's line in the figures.
#[derive(Debug, Clone, Serialize)]
pub struct StationUsage {
    pub org_id: i64,
    pub name: String,
    pub region_name: String,
    pub address: Option<String>,
    pub opening_hours: Option<String>,
    #[serde(flatten)]
    pub usage: Usage,
}

/// The usage of every station in the actor's scope over a period, and their sum.
#[derive(Debug, Clone, Serialize)]
pub struct StationFigures {
    pub period: Period,
    pub stations: Vec<StationUsage>,
    pub total: Usage,
}

/// A walk-in appeal as the station's page lists it (no reporter, no tracking code: the case's
/// own page decides who sees more).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WalkIn {
    pub id: i64,
    pub category: String,
    pub state: String,
    pub received_ms: i64,
}

/// A station's page: where and when it is open, what it offers, who runs it, what it did.
#[derive(Debug, Clone, Serialize)]
pub struct StationProfile {
    pub station: Org,
    pub services: Vec<ServiceLine>,
    pub staff: Vec<StationStaff>,
    pub month: Usage,
    pub year: Usage,
    pub recent_visits: Vec<StationVisit>,
    /// Empty for those who may not read appeals.
    pub recent_appeals: Vec<WalkIn>,
}

/// Who keeps a station's services and staff: the community's cadres, the township's
/// dispatchers, administrators.
fn station_keeper(actor: &Actor) -> Result<()> {
    actor.require(Action::Update, Resource::Forces)?;
    if matches!(actor.role, Role::VillageCadre | Role::TownshipDispatcher | Role::Admin) {
        Ok(())
    } else {
        Err(Denied::Role.into())
    }
}

/// Who records visits: those who keep the station and the grid workers who staff it.
fn visit_recorder(actor: &Actor) -> Result<()> {
    actor.require(Action::Create, Resource::Forces)?;
    if matches!(actor.role, Role::GridWorker | Role::VillageCadre | Role::TownshipDispatcher | Role::Admin) {
        Ok(())
    } else {
        Err(Denied::Role.into())
    }
}

fn audit(actor: &Actor, action: &str, id: i64, before: serde_json::Value, after: serde_json::Value) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        actor_id: Some(actor.account_id),
        actor_name: actor.username.clone(),
        action: action.into(),
        target_kind: "org".into(),
        target_id: Some(id),
        success: true,
        before,
        after,
    }
}

/// The period's bounds as the columns hold them: days as text, appeals' receipt in ms.
fn bounds(p: &Period) -> (String, String, i64, i64) {
    let start = from_china(p.from.and_time(NaiveTime::MIN));
    let end = from_china((p.to + chrono::Days::new(1)).and_time(NaiveTime::MIN));
    (p.from.format("%Y-%m-%d").to_string(), p.to.format("%Y-%m-%d").to_string(), start, end)
}

use crate::china_today;

const VISIT_SELECT: &str = "SELECT v.id, v.org_id, v.day, v.service, v.people, v.note,
        a.display_name AS recorded_by_name, v.recorded_ms
   FROM station_visits v JOIN accounts a ON a.id = v.recorded_by";

impl Store {
    /// A live red station in the actor's scope; anything else is "not found", so that
    /// stations out of scope are not told apart from none.
    pub async fn red_station(&self, actor: &Actor, id: i64) -> Result<Org> {
        actor.require(Action::Read, Resource::Forces)?;
        let org = self.org(&actor.scope, id).await?;
        if org.kind != OrgKind::RedStation {
            return Err(StoreError::NotFound);
        }
        Ok(org)
    }

    /// The station named on a new appeal: only a walk-in (`red_station` channel) names one, and
    /// it must be a live red station in the filer's scope.
    pub(crate) async fn check_walk_in_station(&self, actor: &Actor, channel: IntakeChannel, id: i64) -> Result<()> {
        let field = |message: &str| StoreError::Invalid(vec![FieldError::new("station_org_id", message)]);
        if channel != IntakeChannel::RedStation {
            return Err(field("只有红色驿站来访才填写驿站 / only a walk-in at a red station names a station"));
        }
        match self.org(&actor.scope, id).await {
            Ok(org) if org.kind == OrgKind::RedStation => Ok(()),
            Ok(_) | Err(StoreError::NotFound) => {
                Err(field("请选择辖区内的红色驿站 / pick a red station in your scope"))
            }
            Err(e) => Err(e),
        }
    }

    async fn station_services(&self, id: i64) -> Result<Vec<StationService>> {
        let codes: Vec<String> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT service FROM station_services WHERE org_id = $1")
                .bind(id)
                .fetch_all(pool)
                .await)?;
        let mut services: Vec<StationService> = codes.iter().filter_map(|c| StationService::parse(c)).collect();
        services.sort();
        Ok(services)
    }

    async fn station_staff(&self, id: i64) -> Result<Vec<StationStaff>> {
        let rows: Vec<StationStaff> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, name, phone, duty, added_ms FROM station_staff
              WHERE org_id = $1 AND retired_ms IS NULL ORDER BY added_ms, id"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|mut s| {
                s.phone = mask_phone(&s.phone);
                s
            })
            .collect())
    }

    /// Replace the services a station offers.
    pub async fn set_station_services(&self, actor: &Actor, id: i64, services: &[StationService]) -> Result<()> {
        station_keeper(actor)?;
        let station = self.red_station(actor, id).await?;
        let after: Vec<&str> = services.iter().map(|s| s.code()).collect();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // What this transaction removed is the audit's "before", even under concurrent changes.
            let mut before: Vec<String> =
                sqlx::query_scalar("DELETE FROM station_services WHERE org_id = $1 RETURNING service")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            before.sort_by_key(|c| StationService::parse(c));
            for s in &after {
                sqlx::query("INSERT INTO station_services (org_id, service) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*s)
                    .execute(&mut *tx)
                    .await?;
            }
            let event = audit(
                actor,
                "station.services",
                id,
                serde_json::json!({ "services": before }),
                serde_json::json!({ "services": after }),
            );
            write_audit!(&mut *tx, &event, station.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Put a staff member on a station (one active entry per phone and station).
    pub async fn add_station_staff(&self, actor: &Actor, id: i64, staff: &NewStaff) -> Result<StationStaff> {
        station_keeper(actor)?;
        let station = self.red_station(actor, id).await?;
        let now = now_ms();
        let staff_id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM station_staff WHERE org_id = $1 AND phone = $2 AND retired_ms IS NULL",
            )
            .bind(id)
            .bind(staff.phone.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(
                    "此手机号已是本驿站工作人员 / this phone is on the station's staff already".into(),
                ));
            }
            let staff_id: i64 = sqlx::query_scalar(
                "INSERT INTO station_staff (org_id, name, phone, duty, added_by, added_ms)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id)
            .bind(&staff.name)
            .bind(staff.phone.as_str())
            .bind(&staff.duty)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "staff_id": staff_id, "phone": staff.phone.masked(), "duty": staff.duty });
            let event = audit(actor, "station.staff_add", id, serde_json::Value::Null, after);
            write_audit!(&mut *tx, &event, station.region_path.as_str())?;
            tx.commit().await?;
            staff_id
        });
        self.station_staff(id).await?.into_iter().find(|s| s.id == staff_id).ok_or(StoreError::NotFound)
    }

    /// Take a staff member off a station; the row stays, retired.
    pub async fn retire_station_staff(&self, actor: &Actor, id: i64, staff_id: i64) -> Result<()> {
        station_keeper(actor)?;
        let station = self.red_station(actor, id).await?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE station_staff SET retired_ms = $1, retired_by = $2
                  WHERE id = $3 AND org_id = $4 AND retired_ms IS NULL",
            )
            .bind(now)
            .bind(actor.account_id)
            .bind(staff_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Err(StoreError::NotFound);
            }
            let event = audit(
                actor,
                "station.staff_retire",
                id,
                serde_json::json!({ "staff_id": staff_id }),
                serde_json::Value::Null,
            );
            write_audit!(&mut *tx, &event, station.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Record a visit: the service must be one the station offers.
    pub async fn record_station_visit(&self, actor: &Actor, id: i64, visit: &NewVisit) -> Result<StationVisit> {
        visit_recorder(actor)?;
        let station = self.red_station(actor, id).await?;
        let now = now_ms();
        let path = station.region_path.as_str().to_owned();
        let day = visit.day.format("%Y-%m-%d").to_string();
        let visit_id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Checked in the transaction, so that a change of services cannot slip between.
            let offered: Option<String> =
                sqlx::query_scalar("SELECT service FROM station_services WHERE org_id = $1 AND service = $2")
                    .bind(id)
                    .bind(visit.service.code())
                    .fetch_optional(&mut *tx)
                    .await?;
            if offered.is_none() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "service",
                    format!("本驿站未提供“{}”服务 / the station does not offer this service", visit.service.zh()),
                )]));
            }
            let visit_id: i64 = sqlx::query_scalar(
                "INSERT INTO station_visits (org_id, region_path, day, service, people, note, recorded_by, recorded_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id)
            .bind(&path)
            .bind(&day)
            .bind(visit.service.code())
            .bind(visit.people)
            .bind(&visit.note)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "visit_id": visit_id, "day": day, "service": visit.service.code(),
                                            "people": visit.people });
            write_audit!(&mut *tx, &audit(actor, "station.visit", id, serde_json::Value::Null, after), path.as_str())?;
            tx.commit().await?;
            visit_id
        });
        let sql = format!("{VISIT_SELECT} WHERE v.id = $1");
        let v: Option<StationVisit> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(visit_id).fetch_optional(pool).await)?;
        v.ok_or(StoreError::NotFound)
    }

    /// A station's visits in a period, the latest first (at most 500).
    pub async fn station_visits(&self, actor: &Actor, id: i64, period: &Period) -> Result<Vec<StationVisit>> {
        let station = self.red_station(actor, id).await?;
        let (from, to, _, _) = bounds(period);
        let sql = format!(
            "{VISIT_SELECT} WHERE v.org_id = $1 AND v.region_path >= $2 AND v.region_path < $3
                AND v.day >= $4 AND v.day <= $5 ORDER BY v.day DESC, v.id DESC LIMIT 500"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(station.id)
            .bind(&lo)
            .bind(&hi)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await)?)
    }

    /// A station's page: its organisation row, services, staff (masked), this month's and
    /// this year's usage, the latest visits and walk-in appeals.
    pub async fn station_profile(&self, actor: &Actor, id: i64) -> Result<StationProfile> {
        let station = self.red_station(actor, id).await?;
        let today = china_today();
        let (month, year) = (Period::month_to_date(today), Period::year_to_date(today));
        let usage = |p: Period| async move {
            let rows = self.station_usage(actor, &p, Some(id)).await?;
            Ok::<Usage, StoreError>(rows.into_iter().next().map_or_else(|| Usage::empty(p), |s| s.usage))
        };
        let month = usage(month).await?;
        let year_usage = usage(year).await?;
        let mut recent_visits = self.station_visits(actor, id, &year).await?;
        recent_visits.truncate(20);
        // Walk-ins through the appeals' own read rules: a department sees its unit's cases, a
        // cadre those placed in their village, whichever station filed them.
        let recent_appeals = if actor.permits(Action::Read, Resource::Appeal) {
            let filter = AppealFilter { station: Some(id), limit: 20, ..Default::default() };
            let (items, _) = self.appeals(actor, &filter).await?;
            items
                .into_iter()
                .map(|a| WalkIn {
                    id: a.id,
                    category: a.category,
                    state: a.state.as_str().to_owned(),
                    received_ms: a.received_ms,
                })
                .collect()
        } else {
            vec![]
        };
        Ok(StationProfile {
            services: self.station_services(id).await?.into_iter().map(ServiceLine::from).collect(),
            staff: self.station_staff(id).await?,
            station,
            month,
            year: year_usage,
            recent_visits,
            recent_appeals,
        })
    }

    /// Usage of every live red station in the actor's scope over a period (stations without
    /// visits included, with zeros), in region order, and their sum.
    pub async fn station_figures(&self, actor: &Actor, period: &Period) -> Result<StationFigures> {
        let stations = self.station_usage(actor, period, None).await?;
        let mut total = Usage::empty(*period);
        for s in &stations {
            total.add(&s.usage);
        }
        Ok(StationFigures { period: *period, stations, total })
    }

    async fn station_usage(&self, actor: &Actor, period: &Period, only: Option<i64>) -> Result<Vec<StationUsage>> {
        actor.require(Action::Read, Resource::Forces)?;
        let (from, to, start_ms, end_ms) = bounds(period);
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let one_org = only.map(|id| format!(" AND o.id = {id}")).unwrap_or_default();
        let one_visit = only.map(|id| format!(" AND org_id = {id}")).unwrap_or_default();
        let one_appeal = only.map(|id| format!(" AND station_org_id = {id}")).unwrap_or_default();
        // Visits are scoped by the path they were recorded under, stations by their region now;
        // appeals follow their station.
        let sql = format!(
            "SELECT o.id, o.name, r.name, o.address, o.opening_hours,
                    COALESCE(v.visits, 0), COALESCE(v.people, 0), COALESCE(a.appeals, 0)
               FROM orgs o JOIN regions r ON r.id = o.region_id
               LEFT JOIN (SELECT org_id, count(*) AS visits, CAST(SUM(people) AS BIGINT) AS people
                            FROM station_visits
                           WHERE region_path >= $1 AND region_path < $2 AND day >= $3 AND day <= $4{one_visit}
                           GROUP BY org_id) v ON v.org_id = o.id
               LEFT JOIN (SELECT station_org_id, count(*) AS appeals FROM appeals
                           WHERE station_org_id IS NOT NULL AND received_ms >= $5 AND received_ms < $6{one_appeal}
                           GROUP BY station_org_id) a ON a.station_org_id = o.id
              WHERE o.kind = 'red_station' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2{one_org}
              ORDER BY r.path, o.id LIMIT 5000"
        );
        let by_service_sql = format!(
            "SELECT org_id, service, count(*), CAST(SUM(people) AS BIGINT) FROM station_visits
              WHERE region_path >= $1 AND region_path < $2 AND day >= $3 AND day <= $4{one_visit}
              GROUP BY org_id, service"
        );
        type Row = (i64, String, String, Option<String>, Option<String>, i64, i64, i64);
        type ServiceRow = (i64, String, i64, i64);
        let (rows, by_service): (Vec<Row>, Vec<ServiceRow>) = on_pool!(&self.db, |pool| {
            let rows: Vec<Row> = sqlx::query_as(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(&from)
                .bind(&to)
                .bind(start_ms)
                .bind(end_ms)
                .fetch_all(pool)
                .await?;
            let by_service: Vec<ServiceRow> =
                sqlx::query_as(&by_service_sql).bind(&lo).bind(&hi).bind(&from).bind(&to).fetch_all(pool).await?;
            (rows, by_service)
        });
        let mut services: HashMap<(i64, StationService), (i64, i64)> = HashMap::new();
        for (org, code, visits, people) in by_service {
            if let Some(s) = StationService::parse(&code) {
                services.insert((org, s), (visits, people));
            }
        }
        Ok(rows
            .into_iter()
            .map(|(org_id, name, region_name, address, opening_hours, visits, people, appeals)| {
                let mut usage = Usage { visits, people, appeals, ..Usage::empty(*period) };
                for (line, s) in usage.by_service.iter_mut().zip(StationService::ALL) {
                    let (v, p) = services.get(&(org_id, s)).copied().unwrap_or((0, 0));
                    (line.visits, line.people) = (v, p);
                }
                StationUsage { org_id, name, region_name, address, opening_hours, usage }
            })
            .collect())
    }
}
