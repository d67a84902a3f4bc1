//! Liaison points (联系点): city units paired with townships, their assistance visits, and the
//! problems those visits found — each a [`crate::tasks`] task (source `liaison`, the visit's id),
//! so that "problems solved" is the count of those tasks closed.

use crate::tasks::insert_task;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use chrono::Datelike;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::forces::liaison::NewVisit;
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_domain::task::TaskSource;
use serde::Serialize;

/// A pairing with what came of it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LiaisonPoint {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub township_id: i64,
    pub township_name: String,
    pub county_name: String,
    pub since: String,
    pub visits: i64,
    pub last_visit: Option<String>,
    /// Problems found on its visits (tasks), closed, not closed, and not closed past deadline.
    pub problems: i64,
    pub solved: i64,
    pub active: i64,
    pub overdue: i64,
    #[serde(skip)]
    pub region_path: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LiaisonVisit {
    pub id: i64,
    pub point_id: i64,
    pub visited_on: String,
    pub people: String,
    pub findings: String,
    pub recorded_by: String,
    pub recorded_ms: i64,
    pub problems: i64,
    pub solved: i64,
}

/// The programme's liaison figures (DOMAIN §1: 74 units, 134 townships, 81 visits, 102
/// problems solved), computed from the records, for one year.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiaisonFigures {
    pub year: i32,
    pub units: i64,
    pub townships: i64,
    pub points: i64,
    pub visits: i64,
    pub problems: i64,
    pub solved: i64,
    pub active: i64,
    pub overdue: i64,
    pub by_unit: Vec<UnitLiaison>,
}

#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct UnitLiaison {
    pub org_id: i64,
    pub org_name: String,
    pub townships: i64,
    pub visits: i64,
    pub problems: i64,
    pub solved: i64,
    pub overdue: i64,
}

/// Per point: its visits in the year and the problems they found. `$1`, `$2`: the scope's
/// range; `{from}`/`{to}`: the year's dates and instants, `{now}` for overdue.
fn point_select(from: &str, to: &str, now: i64) -> String {
    format!(
        "SELECT p.id, p.org_id, o.name AS org_name, p.township_id, r.name AS township_name, c.name AS county_name, p.since,
                (SELECT count(*) FROM liaison_visits v WHERE v.point_id = p.id AND v.visited_on >= '{from}' AND v.visited_on < '{to}') AS visits,
                (SELECT max(v.visited_on) FROM liaison_visits v WHERE v.point_id = p.id) AS last_visit,
                COALESCE(SUM(CASE WHEN t.id IS NOT NULL THEN 1 ELSE 0 END), 0) AS problems,
                COALESCE(SUM(CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END), 0) AS solved,
                COALESCE(SUM(CASE WHEN t.state <> 'closed' THEN 1 ELSE 0 END), 0) AS active,
                COALESCE(SUM(CASE WHEN t.state <> 'closed' AND (t.due_ms < {now} OR t.overdue_ms IS NOT NULL) THEN 1 ELSE 0 END), 0) AS overdue,
                p.region_path
           FROM liaison_points p JOIN orgs o ON o.id = p.org_id JOIN regions r ON r.id = p.township_id
           JOIN regions c ON c.id = r.parent_id
           LEFT JOIN liaison_visits v ON v.point_id = p.id AND v.visited_on >= '{from}' AND v.visited_on < '{to}'
           LEFT JOIN tasks t ON t.source = 'liaison' AND t.source_id = v.id"
    )
}

const POINT_GROUP: &str =
    "GROUP BY p.id, p.org_id, o.name, p.township_id, r.name, c.name, p.since, p.region_path ORDER BY o.name, r.name";

fn year_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1))
}

impl Store {
    /// Pair city unit `org_id` with township `township_id` from `since` (YYYY-MM-DD).
    /// Administrators only; a pairing that stands already is a conflict.
    pub async fn create_liaison_point(
        &self,
        actor: &Actor,
        org_id: i64,
        township_id: i64,
        since: chrono::NaiveDate,
    ) -> Result<LiaisonPoint> {
        actor.require(Action::Create, Resource::Forces)?;
        if actor.role != Role::Admin {
            return Err(pingan_domain::access::Denied::Role.into());
        }
        let mut errors = Vec::new();
        let township = self.region(&actor.scope, township_id).await;
        match &township {
            Ok(t) if t.level == RegionLevel::Township && !t.retired => {}
            _ => {
                errors.push(FieldError::new("township_id", "请选择辖区内的乡镇(街道) / pick a township in your scope"))
            }
        }
        let org = self.org(&actor.scope, org_id).await;
        match &org {
            Ok(o) if o.kind == OrgKind::Department => {}
            _ => errors.push(FieldError::new("org_id", "联系单位须为职能部门 / the unit must be a department")),
        }
        let (Ok(township), Ok(org), true) = (township, org, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        actor.authorize(Action::Create, Resource::Forces, &Placement { region: &township.path, org_id: None })?;
        let now = now_ms();
        let path = township.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM liaison_points WHERE org_id = $1 AND township_id = $2 AND ended_ms IS NULL",
            )
            .bind(org.id)
            .bind(township.id)
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{}已是{}的联系点 / this unit is already paired with this township",
                    org.name, township.name
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO liaison_points (org_id, township_id, region_path, since, created_ms)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(org.id)
            .bind(township.id)
            .bind(&path)
            .bind(since.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "liaison.point_create".into(),
                target_kind: "liaison_point".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "org_id": org.id, "township_id": township.id, "since": since.to_string() }),
            };
            write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            id
        });
        self.liaison_point(actor, id, since.year()).await.map(|(p, _)| p)
    }

    /// The pairings in the actor's scope with the year's figures; `org_id` narrows to one unit.
    pub async fn liaison_points(&self, actor: &Actor, org_id: Option<i64>, year: i32) -> Result<Vec<LiaisonPoint>> {
        actor.require(Action::Read, Resource::Forces)?;
        let (from, to) = year_bounds(year);
        let unit = org_id.map(|id| format!(" AND p.org_id = {id}")).unwrap_or_default();
        let sql = format!(
            "{} WHERE p.ended_ms IS NULL AND p.region_path >= $1 AND p.region_path < $2{unit} {POINT_GROUP}",
            point_select(&from, &to, now_ms())
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }

    /// One pairing in the actor's scope, with all its visits (newest first).
    pub async fn liaison_point(&self, actor: &Actor, id: i64, year: i32) -> Result<(LiaisonPoint, Vec<LiaisonVisit>)> {
        actor.require(Action::Read, Resource::Forces)?;
        let (from, to) = year_bounds(year);
        let sql = format!(
            "{} WHERE p.id = $3 AND p.region_path >= $1 AND p.region_path < $2 {POINT_GROUP}",
            point_select(&from, &to, now_ms())
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let (point, visits): (Option<LiaisonPoint>, Vec<LiaisonVisit>) = on_pool!(&self.db, |pool| {
            let point: Option<LiaisonPoint> =
                sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(id).fetch_optional(pool).await?;
            let visits: Vec<LiaisonVisit> = sqlx::query_as(
                "SELECT v.id, v.point_id, v.visited_on, v.people, v.findings, a.display_name AS recorded_by, v.recorded_ms,
                        (SELECT count(*) FROM tasks t WHERE t.source = 'liaison' AND t.source_id = v.id) AS problems,
                        (SELECT count(*) FROM tasks t WHERE t.source = 'liaison' AND t.source_id = v.id AND t.state = 'closed') AS solved
                   FROM liaison_visits v JOIN accounts a ON a.id = v.recorded_by
                  WHERE v.point_id = $1 ORDER BY v.visited_on DESC, v.id DESC",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            (point, visits)
        });
        Ok((point.ok_or(StoreError::NotFound)?, visits))
    }

    /// Record a visit to pairing `point_id` and open a task for each problem it found, in one
    /// transaction. The unit's own staff record it (or a supervisor or administrator).
    /// Returns the visit's id and the tasks' ids.
    pub async fn record_liaison_visit(
        &self,
        actor: &Actor,
        point_id: i64,
        visit: &NewVisit,
    ) -> Result<(i64, Vec<i64>)> {
        actor.require(Action::Create, Resource::Forces)?;
        let year = visit.visited_on.year();
        let (point, _) = self.liaison_point(actor, point_id, year).await?;
        let own_unit = actor.scope.org_id == Some(point.org_id);
        if !own_unit && !matches!(actor.role, Role::Admin | Role::Supervisor) {
            return Err(StoreError::Refused {
                status: 403,
                message: format!("走访由{}登记 / the paired unit records its visits", point.org_name),
            });
        }
        let owners: Vec<(String, i64)> = visit
            .problems
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("problems[{i}].owner_org_id"), p.owner_org_id))
            .collect();
        self.check_task_owners(&owners, &point.region_path).await?;
        let now = now_ms();
        let people = visit.people.join("、");
        Ok(on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let visit_id: i64 = sqlx::query_scalar(
                "INSERT INTO liaison_visits (point_id, visited_on, people, findings, recorded_by, recorded_ms)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(point.id)
            .bind(visit.visited_on.to_string())
            .bind(&people)
            .bind(&visit.findings)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut task_ids = Vec::with_capacity(visit.problems.len());
            for problem in &visit.problems {
                let region = (point.township_id, point.region_path.as_str());
                task_ids.push(insert_task!(tx, actor, TaskSource::Liaison, Some(visit_id), problem, region, now));
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "liaison.visit_record".into(),
                target_kind: "liaison_point".into(),
                target_id: Some(point.id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "visit_id": visit_id, "visited_on": visit.visited_on.to_string(), "people": people,
                    "findings": visit.findings, "task_ids": task_ids,
                }),
            };
            write_audit!(&mut *tx, &event, point.region_path.as_str())?;
            tx.commit().await?;
            (visit_id, task_ids)
        }))
    }

    /// The pairing a visit belongs to, if it is in the actor's scope.
    pub async fn liaison_point_of_visit(&self, actor: &Actor, visit_id: i64) -> Result<Option<i64>> {
        actor.require(Action::Read, Resource::Forces)?;
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT p.id FROM liaison_visits v JOIN liaison_points p ON p.id = v.point_id
              WHERE v.id = $1 AND p.region_path >= $2 AND p.region_path < $3"
        )
        .bind(visit_id)
        .bind(&lo)
        .bind(&hi)
        .fetch_optional(pool)
        .await)?)
    }

    /// The year's liaison figures in the actor's scope, in total and by unit.
    pub async fn liaison_figures(&self, actor: &Actor, year: i32) -> Result<LiaisonFigures> {
        let points = self.liaison_points(actor, None, year).await?;
        let mut f = LiaisonFigures { year, points: points.len() as i64, ..Default::default() };
        let mut units: std::collections::BTreeMap<(String, i64), UnitLiaison> = Default::default();
        let mut townships = std::collections::HashSet::new();
        for p in &points {
            townships.insert(p.township_id);
            f.visits += p.visits;
            f.problems += p.problems;
            f.solved += p.solved;
            f.active += p.active;
            f.overdue += p.overdue;
            let u = units.entry((p.org_name.clone(), p.org_id)).or_insert_with(|| UnitLiaison {
                org_id: p.org_id,
                org_name: p.org_name.clone(),
                ..Default::default()
            });
            u.townships += 1;
            u.visits += p.visits;
            u.problems += p.problems;
            u.solved += p.solved;
            u.overdue += p.overdue;
        }
        f.units = units.len() as i64;
        f.townships = townships.len() as i64;
        f.by_unit = units.into_values().collect();
        Ok(f)
    }
}
