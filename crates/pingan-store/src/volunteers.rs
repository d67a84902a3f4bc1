//! 志愿者: teams, memberships (a resident's own request, confirmed by the team's staff), the
//! teams' activities with sign-ups and on-site check-ins, hours and star levels, rankings, and
//! volunteers dispatched to simple appeals. Rules are [`pingan_domain::forces::volunteer`]'s
//! and, for activities, [`pingan_domain::forces::party`]'s call rules.

use crate::party::{audit, citizen_only, community_staff};
use crate::signups::{Event, Person, VOLUNTEER_ACTIVITIES};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::AppealState;
use pingan_domain::calendar::from_china;
use pingan_domain::forces::party::{MemberState, NewCall, person_name};
use pingan_domain::forces::volunteer::{DispatchCommand, DispatchState, NewTeam, TeamKind, star_level};
use pingan_domain::personal::mask_phone;
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_id: i64,
    pub region_name: String,
    pub leader: String,
    pub members: i64,
    #[serde(skip)]
    pub region_path: String,
}

impl Team {
    pub fn kind_zh(&self) -> &'static str {
        TeamKind::parse(&self.kind).map_or("", TeamKind::zh)
    }
}

/// A membership as staff see it (the phone masked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Volunteer {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub name: String,
    pub phone: String,
    pub state: String,
    pub joined_ms: i64,
    pub note: Option<String>,
    /// Hours credited in this team: activities checked into and confirmed dispatches, tenths.
    pub hours_tenths: i64,
    #[serde(skip)]
    pub account_id: i64,
    #[serde(skip)]
    pub region_path: String,
}

impl Volunteer {
    pub fn state(&self) -> MemberState {
        MemberState::parse(&self.state).unwrap_or(MemberState::Pending)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub title: String,
    pub post: String,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub hours_tenths: i64,
    pub capacity: i64,
    pub signed_up: i64,
    pub checked_in: i64,
    #[serde(skip)]
    pub region_path: String,
}

impl Activity {
    fn event(&self) -> Event<'_> {
        Event {
            id: self.id,
            starts_ms: self.starts_ms,
            ends_ms: self.ends_ms,
            grid_id: self.grid_id,
            hours_tenths: self.hours_tenths,
            capacity: self.capacity,
            region_path: &self.region_path,
        }
    }
}

/// A volunteer sent to an appeal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Dispatch {
    pub id: i64,
    pub appeal_id: i64,
    pub tracking_code: String,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub team_name: String,
    pub state: String,
    pub task: String,
    pub assigned_ms: i64,
    pub report: Option<String>,
    pub reported_ms: Option<i64>,
    pub hours_tenths: i64,
    pub decided_ms: Option<i64>,
    pub version: i64,
    #[serde(skip)]
    pub account_id: i64,
    #[serde(skip)]
    pub region_path: String,
}

impl Dispatch {
    pub fn state(&self) -> DispatchState {
        DispatchState::parse(&self.state).unwrap_or(DispatchState::Assigned)
    }
}

/// A resident's own view: their teams, the activities of the teams that confirmed them, the
/// appeals they were sent to, and their hours and stars.
#[derive(Debug, Clone, Serialize)]
pub struct MyVolunteering {
    pub memberships: Vec<Volunteer>,
    pub activities: Vec<MyActivity>,
    pub dispatches: Vec<Dispatch>,
    pub hours: f64,
    /// 星级志愿者: 0 to 5.
    pub stars: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyActivity {
    #[serde(flatten)]
    pub activity: Activity,
    pub signed_up: bool,
    pub checked_in_ms: Option<i64>,
    pub hours_tenths: i64,
}

/// A line of the recognition ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankLine {
    pub rank: usize,
    pub name: String,
    pub teams: String,
    /// Hours in the year asked for.
    pub hours: f64,
    /// Hours in all, everywhere: what the star level rests on.
    pub total_hours: f64,
    pub stars: u8,
}

/// A team's figures for a year.
#[derive(Debug, Clone, Serialize)]
pub struct TeamFigures {
    pub team_id: i64,
    pub team_name: String,
    pub kind: String,
    pub region_name: String,
    pub members: i64,
    pub activities: i64,
    pub check_ins: i64,
    pub dispatches_confirmed: i64,
    pub hours: f64,
}

const TEAM_SELECT: &str = "SELECT t.id, t.name, t.kind, t.region_id, r.name AS region_name, t.leader,
        (SELECT count(*) FROM volunteers v WHERE v.team_id = t.id AND v.state = 'confirmed') AS members,
        t.region_path
   FROM volunteer_teams t JOIN regions r ON r.id = t.region_id";

/// Hours credited to one membership: activities checked into and confirmed dispatches.
const HOURS_OF_V: &str = "CAST(COALESCE((SELECT SUM(s.hours_tenths) FROM volunteer_signups s WHERE s.volunteer_id = v.id), 0)
        + COALESCE((SELECT SUM(d.hours_tenths) FROM volunteer_dispatches d WHERE d.volunteer_id = v.id AND d.state = 'confirmed'), 0) AS BIGINT)";

fn volunteer_select() -> String {
    format!(
        "SELECT v.id, v.team_id, t.name AS team_name, v.name, a.phone, v.state, v.joined_ms, v.note,
            {HOURS_OF_V} AS hours_tenths, v.account_id, v.region_path
       FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id JOIN accounts a ON a.id = v.account_id"
    )
}

const ACTIVITY_SELECT: &str =
    "SELECT c.id, c.team_id, t.name AS team_name, c.grid_id, g.name AS grid_name, c.title, c.post, c.starts_ms,
        c.ends_ms, c.hours_tenths, c.capacity,
        (SELECT count(*) FROM volunteer_signups s WHERE s.activity_id = c.id) AS signed_up,
        (SELECT count(*) FROM volunteer_signups s WHERE s.activity_id = c.id AND s.checked_in_ms IS NOT NULL) AS checked_in,
        c.region_path
   FROM volunteer_activities c JOIN volunteer_teams t ON t.id = c.team_id JOIN regions g ON g.id = c.grid_id";

const DISPATCH_SELECT: &str = "SELECT d.id, d.appeal_id, ap.tracking_code, d.volunteer_id, v.name AS volunteer_name,
        t.name AS team_name, d.state, d.task, d.assigned_ms, d.report, d.reported_ms, d.hours_tenths, d.decided_ms,
        d.version, v.account_id, d.region_path
   FROM volunteer_dispatches d JOIN volunteers v ON v.id = d.volunteer_id JOIN volunteer_teams t ON t.id = v.team_id
   JOIN appeals ap ON ap.id = d.appeal_id";

fn masked(mut v: Volunteer) -> Volunteer {
    v.phone = mask_phone(&v.phone);
    v
}

fn scope_range(actor: &Actor) -> (String, String) {
    (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end())
}

fn in_scope(actor: &Actor, path: &str) -> Result<()> {
    let path = RegionPath::parse(path).ok_or_else(|| StoreError::Corrupt("volunteer region path".into()))?;
    if actor.scope.covers_region(&path) { Ok(()) } else { Err(StoreError::NotFound) }
}

/// China's calendar year `year` as [start, end) in epoch milliseconds.
fn year_range(year: i32) -> Result<(i64, i64)> {
    let start = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    match (start(year), start(year + 1)) {
        (Some(a), Some(b)) if (2000..=2100).contains(&year) => Ok((from_china(a), from_china(b))),
        _ => Err(StoreError::Invalid(vec![FieldError::new("year", "年份无效 / no such year")])),
    }
}

impl Store {
    /// Staff create a team for a township or community in their scope.
    pub async fn create_volunteer_team(&self, actor: &Actor, team: &NewTeam) -> Result<Team> {
        community_staff(actor, Action::Create)?;
        let region = self.region(&actor.scope, team.region_id).await?;
        if !matches!(region.level, RegionLevel::Township | RegionLevel::Village) || region.retired {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "region_id",
                "队伍须属于乡镇(街道)或村(社区) / a team belongs to a township or community",
            )]));
        }
        let now = now_ms();
        let path = region.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM volunteer_teams WHERE region_id = $1 AND name = $2")
                    .bind(region.id)
                    .bind(&team.name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{}已有名为“{}”的队伍 / a team of that name exists",
                    region.name, team.name
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO volunteer_teams (name, kind, region_id, region_path, leader, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&team.name)
            .bind(team.kind.code())
            .bind(region.id)
            .bind(&path)
            .bind(&team.leader)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "name": team.name, "kind": team.kind.code(), "region_id": region.id });
            write_audit!(
                &mut *tx,
                &audit(actor, "volunteer.team_create", "volunteer_team", id, after, now),
                path.as_str()
            )?;
            tx.commit().await?;
            id
        });
        self.team_unscoped(id).await
    }

    async fn team_unscoped(&self, id: i64) -> Result<Team> {
        let sql = format!("{TEAM_SELECT} WHERE t.id = $1");
        let t: Option<Team> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        t.ok_or(StoreError::NotFound)
    }

    /// Teams in the staff member's scope.
    pub async fn volunteer_teams(&self, actor: &Actor) -> Result<Vec<Team>> {
        community_staff(actor, Action::Read)?;
        let sql = format!(
            "{TEAM_SELECT} WHERE t.region_path >= $1 AND t.region_path < $2 ORDER BY t.region_path, t.name LIMIT 1000"
        );
        let (lo, hi) = scope_range(actor);
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }

    /// The teams a resident of `community_id` may join: those of the community and of its
    /// township. Public.
    pub async fn volunteer_teams_near(&self, community_id: i64) -> Result<Vec<Team>> {
        let community = self.region_unscoped(community_id).await?;
        if community.level != RegionLevel::Village {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "community_id",
                "请选择村(社区) / pick a village or community",
            )]));
        }
        let ids = community.path.ids();
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("{TEAM_SELECT} WHERE t.region_id IN ({list}) ORDER BY t.region_path DESC, t.name");
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?)
    }

    /// A resident asks to join a team, under `name`.
    pub async fn join_volunteer_team(&self, actor: &Actor, team_id: i64, name: &str) -> Result<MyVolunteering> {
        citizen_only(actor)?;
        let name = person_name(name).ok_or_else(|| {
            StoreError::Invalid(vec![FieldError::new(
                "name",
                "请填写姓名(2 至 20 字) / give your name (2 to 20 characters)",
            )])
        })?;
        let team = self.team_unscoped(team_id).await?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let standing: Option<String> = sqlx::query_scalar(
                "SELECT state FROM volunteers WHERE team_id = $1 AND account_id = $2 AND state <> 'declined'",
            )
            .bind(team_id)
            .bind(actor.account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if standing.is_some() {
                return Err(StoreError::Conflict(format!(
                    "您已申请加入{},不能重复申请 / you have already asked to join this team",
                    team.name
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO volunteers (team_id, account_id, name, region_path, state, joined_ms)
                 VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
            )
            .bind(team_id)
            .bind(actor.account_id)
            .bind(&name)
            .bind(&team.region_path)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "team_id": team_id });
            write_audit!(
                &mut *tx,
                &audit(actor, "volunteer.join", "volunteer", id, after, now),
                team.region_path.as_str()
            )?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.my_volunteering(actor).await
    }

    async fn volunteer_unscoped(&self, id: i64) -> Result<Volunteer> {
        let sql = format!("{} WHERE v.id = $1", volunteer_select());
        let v: Option<Volunteer> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        v.ok_or(StoreError::NotFound)
    }

    /// Memberships in the staff member's scope, pending first; optionally one team's, one state.
    pub async fn volunteers(
        &self,
        actor: &Actor,
        team_id: Option<i64>,
        state: Option<MemberState>,
    ) -> Result<Vec<Volunteer>> {
        community_staff(actor, Action::Read)?;
        let mut filter = String::new();
        if let Some(t) = team_id {
            filter.push_str(&format!(" AND v.team_id = {t}"));
        }
        if let Some(s) = state {
            filter.push_str(&format!(" AND v.state = '{}'", s.code()));
        }
        let sql = format!(
            "{} WHERE v.region_path >= $1 AND v.region_path < $2{filter}
              ORDER BY CASE v.state WHEN 'pending' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END, v.joined_ms DESC LIMIT 1000",
            volunteer_select()
        );
        let (lo, hi) = scope_range(actor);
        let rows: Vec<Volunteer> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(masked).collect())
    }

    /// The team's staff confirm a membership, or decline it with the reason.
    pub async fn decide_volunteer(&self, actor: &Actor, id: i64, confirm: bool, note: &str) -> Result<Volunteer> {
        community_staff(actor, Action::Update)?;
        let v = self.volunteer_unscoped(id).await?;
        in_scope(actor, &v.region_path)?;
        let person = Person { id, region_path: &v.region_path, state_zh: v.state().zh() };
        self.decide_pending(actor, &VOLUNTEER_ACTIVITIES, &person, confirm, note).await?;
        self.volunteer_unscoped(id).await.map(masked)
    }

    /// A team posts an activity; volunteers check in inside `call.grid_id`, which lies in the
    /// team's township or community.
    pub async fn create_volunteer_activity(&self, actor: &Actor, team_id: i64, call: &NewCall) -> Result<Activity> {
        community_staff(actor, Action::Create)?;
        let team = self.team_unscoped(team_id).await?;
        in_scope(actor, &team.region_path)?;
        let grid = self.region(&actor.scope, call.grid_id).await.ok();
        let team_path = RegionPath::parse(&team.region_path).ok_or_else(|| StoreError::Corrupt("team path".into()))?;
        if !grid.as_ref().is_some_and(|g| g.level == RegionLevel::Grid && !g.retired && team_path.contains(&g.path)) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "grid_id",
                "签到网格须在队伍所属区域内 / the grid must lie where the team serves",
            )]));
        }
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO volunteer_activities (team_id, region_path, grid_id, title, post, starts_ms, ends_ms, hours_tenths,
                                                   capacity, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(team_id)
            .bind(&team.region_path)
            .bind(call.grid_id)
            .bind(&call.title)
            .bind(call.post.code())
            .bind(from_china(call.starts))
            .bind(from_china(call.ends()))
            .bind(call.hours_tenths)
            .bind(call.capacity)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "team_id": team_id, "title": call.title, "grid_id": call.grid_id,
                                            "starts_ms": from_china(call.starts), "hours_tenths": call.hours_tenths });
            write_audit!(
                &mut *tx,
                &audit(actor, "volunteer.activity_create", "volunteer_activity", id, after, now),
                team.region_path.as_str()
            )?;
            tx.commit().await?;
            id
        });
        self.activity_unscoped(id).await
    }

    async fn activity_unscoped(&self, id: i64) -> Result<Activity> {
        let sql = format!("{ACTIVITY_SELECT} WHERE c.id = $1");
        let a: Option<Activity> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        a.ok_or(StoreError::NotFound)
    }

    /// Activities in the staff member's scope, the soonest first (those ended a week ago drop off).
    pub async fn volunteer_activities(&self, actor: &Actor, team_id: Option<i64>) -> Result<Vec<Activity>> {
        community_staff(actor, Action::Read)?;
        let team = team_id.map(|t| format!(" AND c.team_id = {t}")).unwrap_or_default();
        let sql = format!(
            "{ACTIVITY_SELECT} WHERE c.region_path >= $1 AND c.region_path < $2 AND c.ends_ms > $3{team} ORDER BY c.starts_ms LIMIT 500"
        );
        let (lo, hi) = scope_range(actor);
        let since = now_ms() - 7 * 86_400_000;
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(since).fetch_all(pool).await)?)
    }

    /// The resident's memberships, their confirmed teams' activities, their dispatches, hours
    /// and stars.
    pub async fn my_volunteering(&self, actor: &Actor) -> Result<MyVolunteering> {
        citizen_only(actor)?;
        let member_sql = format!("{} WHERE v.account_id = $1 ORDER BY v.id DESC", volunteer_select());
        let since = now_ms() - 7 * 86_400_000;
        let activity_sql = format!(
            "{ACTIVITY_SELECT} WHERE c.team_id IN (SELECT team_id FROM volunteers WHERE account_id = $1 AND state = 'confirmed')
               AND c.ends_ms > $2 ORDER BY c.starts_ms LIMIT 100"
        );
        let dispatch_sql = format!("{DISPATCH_SELECT} WHERE v.account_id = $1 ORDER BY d.id DESC LIMIT 100");
        type Mine = (i64, Option<i64>, i64);
        let (members, rows, mine, dispatches): (Vec<Volunteer>, Vec<Activity>, Vec<Mine>, Vec<Dispatch>) =
            on_pool!(&self.db, |pool| {
                let members: Vec<Volunteer> =
                    sqlx::query_as(&member_sql).bind(actor.account_id).fetch_all(pool).await?;
                let rows: Vec<Activity> =
                    sqlx::query_as(&activity_sql).bind(actor.account_id).bind(since).fetch_all(pool).await?;
                let mine: Vec<Mine> = sqlx::query_as(
                    "SELECT s.activity_id, s.checked_in_ms, s.hours_tenths FROM volunteer_signups s
                       JOIN volunteers v ON v.id = s.volunteer_id WHERE v.account_id = $1",
                )
                .bind(actor.account_id)
                .fetch_all(pool)
                .await?;
                let dispatches: Vec<Dispatch> =
                    sqlx::query_as(&dispatch_sql).bind(actor.account_id).fetch_all(pool).await?;
                (members, rows, mine, dispatches)
            });
        let tenths: i64 = members.iter().map(|m| m.hours_tenths).sum();
        let activities = rows
            .into_iter()
            .map(|activity| {
                let own = mine.iter().find(|x| x.0 == activity.id);
                MyActivity {
                    signed_up: own.is_some(),
                    checked_in_ms: own.and_then(|x| x.1),
                    hours_tenths: own.map_or(0, |x| x.2),
                    activity,
                }
            })
            .collect();
        Ok(MyVolunteering {
            memberships: members.into_iter().map(masked).collect(),
            activities,
            dispatches,
            hours: tenths as f64 / 10.0,
            stars: star_level(tenths),
        })
    }

    /// The resident's confirmed membership of the activity's team, or why not.
    async fn volunteer_for_activity(&self, actor: &Actor, activity: &Activity) -> Result<i64> {
        let id: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT id FROM volunteers WHERE account_id = $1 AND team_id = $2 AND state = 'confirmed'"
        )
        .bind(actor.account_id)
        .bind(activity.team_id)
        .fetch_optional(pool)
        .await)?;
        id.ok_or_else(|| StoreError::Refused {
            status: 403,
            message: format!("须先加入{}并经确认 / join the team first", activity.team_name),
        })
    }

    /// A confirmed volunteer signs up for an activity of their team.
    pub async fn sign_up_for_volunteer_activity(&self, actor: &Actor, activity_id: i64) -> Result<MyVolunteering> {
        citizen_only(actor)?;
        let activity = self.activity_unscoped(activity_id).await?;
        let volunteer = self.volunteer_for_activity(actor, &activity).await?;
        self.sign_up_once(actor, &VOLUNTEER_ACTIVITIES, &activity.event(), volunteer).await?;
        self.my_volunteering(actor).await
    }

    /// A volunteer checks in on site: `here` is the grid their phone's position falls in. The
    /// activity's hours are credited.
    pub async fn check_in_volunteer_activity(
        &self,
        actor: &Actor,
        activity_id: i64,
        here: Option<i64>,
        position: (f64, f64),
    ) -> Result<MyVolunteering> {
        citizen_only(actor)?;
        let activity = self.activity_unscoped(activity_id).await?;
        let volunteer = self.volunteer_for_activity(actor, &activity).await?;
        self.check_in_once(actor, &VOLUNTEER_ACTIVITIES, &activity.event(), volunteer, here, position).await?;
        self.my_volunteering(actor).await
    }

    /// The recognition ranking (表彰排行): people with hours in `year` in teams of the actor's
    /// scope (optionally one team), most hours first; stars rest on all their hours.
    pub async fn volunteer_ranking(&self, actor: &Actor, year: i32, team_id: Option<i64>) -> Result<Vec<RankLine>> {
        community_staff(actor, Action::Read)?;
        let (from, to) = year_range(year)?;
        let team = team_id.map(|t| format!(" AND v.team_id = {t}")).unwrap_or_default();
        // Each credited hour once: activity check-ins and confirmed dispatches, with when.
        let hours = "SELECT volunteer_id, hours_tenths AS t, checked_in_ms AS at FROM volunteer_signups WHERE checked_in_ms IS NOT NULL
                     UNION ALL
                     SELECT volunteer_id, hours_tenths, decided_ms FROM volunteer_dispatches WHERE state = 'confirmed'";
        let sql = format!(
            "WITH h AS ({hours}),
                  scoped AS (SELECT v.account_id, MIN(v.name) AS name,
                                    CAST(SUM(CASE WHEN h.at >= $3 AND h.at < $4 THEN h.t ELSE 0 END) AS BIGINT) AS year_t
                               FROM volunteers v JOIN h ON h.volunteer_id = v.id
                              WHERE v.region_path >= $1 AND v.region_path < $2{team}
                              GROUP BY v.account_id)
             SELECT s.name, s.year_t,
                    CAST((SELECT SUM(h2.t) FROM h h2 JOIN volunteers v2 ON v2.id = h2.volunteer_id WHERE v2.account_id = s.account_id) AS BIGINT),
                    s.account_id
               FROM scoped s WHERE s.year_t > 0 ORDER BY s.year_t DESC, s.name LIMIT 100"
        );
        let (lo, hi) = scope_range(actor);
        type Row = (String, i64, i64, i64);
        let (rows, teams): (Vec<Row>, Vec<(i64, String)>) = on_pool!(&self.db, |pool| {
            let rows: Vec<Row> = sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(from).bind(to).fetch_all(pool).await?;
            let teams: Vec<(i64, String)> = sqlx::query_as(
                "SELECT v.account_id, t.name FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id
                  WHERE v.state = 'confirmed' AND v.region_path >= $1 AND v.region_path < $2 ORDER BY t.name",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await?;
            (rows, teams)
        });
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, (name, year_t, total_t, account))| RankLine {
                rank: i + 1,
                name,
                teams: teams
                    .iter()
                    .filter(|(a, _)| *a == account)
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                hours: year_t as f64 / 10.0,
                total_hours: total_t as f64 / 10.0,
                stars: star_level(total_t),
            })
            .collect())
    }

    /// Each team's figures for `year`: members, activities held, check-ins, confirmed
    /// dispatches and hours.
    pub async fn volunteer_team_figures(&self, actor: &Actor, year: i32) -> Result<Vec<TeamFigures>> {
        community_staff(actor, Action::Read)?;
        let (from, to) = year_range(year)?;
        let sql = "SELECT t.id, t.name, t.kind, r.name,
                    (SELECT count(*) FROM volunteers v WHERE v.team_id = t.id AND v.state = 'confirmed'),
                    (SELECT count(*) FROM volunteer_activities c WHERE c.team_id = t.id AND c.starts_ms >= $3 AND c.starts_ms < $4),
                    (SELECT count(*) FROM volunteer_signups s JOIN volunteers v ON v.id = s.volunteer_id
                      WHERE v.team_id = t.id AND s.checked_in_ms >= $3 AND s.checked_in_ms < $4),
                    (SELECT count(*) FROM volunteer_dispatches d JOIN volunteers v ON v.id = d.volunteer_id
                      WHERE v.team_id = t.id AND d.state = 'confirmed' AND d.decided_ms >= $3 AND d.decided_ms < $4),
                    CAST(COALESCE((SELECT SUM(s.hours_tenths) FROM volunteer_signups s JOIN volunteers v ON v.id = s.volunteer_id
                      WHERE v.team_id = t.id AND s.checked_in_ms >= $3 AND s.checked_in_ms < $4), 0)
                    + COALESCE((SELECT SUM(d.hours_tenths) FROM volunteer_dispatches d JOIN volunteers v ON v.id = d.volunteer_id
                      WHERE v.team_id = t.id AND d.state = 'confirmed' AND d.decided_ms >= $3 AND d.decided_ms < $4), 0) AS BIGINT)
               FROM volunteer_teams t JOIN regions r ON r.id = t.region_id
              WHERE t.region_path >= $1 AND t.region_path < $2 ORDER BY t.region_path, t.name";
        let (lo, hi) = scope_range(actor);
        type Row = (i64, String, String, String, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(&self.db, |pool| sqlx::query_as(sql)
            .bind(&lo)
            .bind(&hi)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(team_id, team_name, kind, region_name, members, activities, check_ins, dispatches, tenths)| {
                TeamFigures {
                    team_id,
                    team_name,
                    kind: TeamKind::parse(&kind).map_or(kind.clone(), |k| k.zh().to_owned()),
                    region_name,
                    members,
                    activities,
                    check_ins,
                    dispatches_confirmed: dispatches,
                    hours: tenths as f64 / 10.0,
                }
            })
            .collect())
    }

    /// The appeal categories a volunteer may be sent to.
    pub async fn volunteer_categories(&self) -> Result<Vec<String>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT code FROM volunteer_categories ORDER BY code")
            .fetch_all(pool)
            .await)?)
    }

    /// Administrators set the categories a volunteer may be sent to; each must be a category of
    /// the catalogue.
    pub async fn set_volunteer_categories(&self, actor: &Actor, codes: &[String]) -> Result<Vec<String>> {
        actor.require(Action::Update, Resource::Forces)?;
        if actor.role != Role::Admin || actor.scope.region.ids().len() != 1 {
            return Err(Denied::Role.into());
        }
        let known = self.appeal_rules().await?;
        let mut clean: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            let c = c.trim().to_uppercase();
            if known.categories.iter().any(|k| k.code.as_str() == c.as_str()) {
                if !clean.contains(&c) {
                    clean.push(c);
                }
            } else {
                errors.push(FieldError::new(format!("codes[{i}]"), format!("诉求类别“{c}”不存在 / no such category")));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        clean.sort();
        let before = self.volunteer_categories().await?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM volunteer_categories").execute(&mut *tx).await?;
            for c in &clean {
                sqlx::query("INSERT INTO volunteer_categories (code, updated_by, updated_ms) VALUES ($1, $2, $3)")
                    .bind(c)
                    .bind(actor.account_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut event =
                audit(actor, "volunteer.categories", "volunteer_categories", 0, serde_json::json!(clean), now);
            event.target_id = None;
            event.before = serde_json::json!(before);
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(clean)
    }

    /// The open appeal `appeal_id`, checked for a dispatch: in the actor's scope, of a category
    /// volunteers may take, not yet closed. Its region path.
    async fn appeal_for_dispatch(&self, actor: &Actor, appeal_id: i64) -> Result<String> {
        actor.require(Action::Update, Resource::Appeal)?;
        if actor.role == Role::Citizen {
            return Err(Denied::Role.into());
        }
        let appeal = self.appeal(actor, appeal_id).await?;
        let category = appeal.snapshot.category.as_str().to_owned();
        if !self.volunteer_categories().await?.contains(&category) {
            return Err(StoreError::Refused {
                status: 409,
                message: format!("派单目录不允许将{category}类诉求派给志愿者 / volunteers may not take this category"),
            });
        }
        let state = appeal.snapshot.state;
        if state.is_closed() || matches!(state, AppealState::Merged | AppealState::Transferred) {
            return Err(StoreError::Conflict("诉求已办结或已转出 / the appeal is closed or moved".into()));
        }
        self.appeal_region_path(appeal_id).await
    }

    /// Confirmed volunteers of the teams serving the appeal's place, fewest open dispatches
    /// first: whom the staff may send.
    pub async fn volunteer_candidates(&self, actor: &Actor, appeal_id: i64) -> Result<Vec<Volunteer>> {
        let path = self.appeal_for_dispatch(actor, appeal_id).await?;
        let path = RegionPath::parse(&path).ok_or_else(|| StoreError::Corrupt("appeal path".into()))?;
        let ids = path.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "{} WHERE v.state = 'confirmed' AND t.region_id IN ({ids})
              ORDER BY (SELECT count(*) FROM volunteer_dispatches d WHERE d.volunteer_id = v.id AND d.state IN ('assigned', 'reported')),
                       t.region_path DESC, v.name LIMIT 200",
            volunteer_select()
        );
        let rows: Vec<Volunteer> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(masked).collect())
    }

    /// The handling staff send a volunteer to an appeal with a task; the volunteer gets an SMS.
    pub async fn dispatch_volunteer(
        &self,
        actor: &Actor,
        appeal_id: i64,
        volunteer_id: i64,
        task: &str,
    ) -> Result<Dispatch> {
        let path = self.appeal_for_dispatch(actor, appeal_id).await?;
        let task = task.trim();
        let mut errors = Vec::new();
        if !(2..=200).contains(&task.chars().count()) {
            errors.push(FieldError::new("task", "请写明要志愿者做什么(2 至 200 字) / say what the volunteer is to do"));
        }
        let candidates = self.volunteer_candidates(actor, appeal_id).await?;
        if !candidates.iter().any(|v| v.id == volunteer_id) {
            errors.push(FieldError::new(
                "volunteer_id",
                "请选择服务此地的已确认志愿者 / pick a confirmed volunteer of a team serving this place",
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let volunteer = self.volunteer_unscoped(volunteer_id).await?;
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM volunteer_dispatches WHERE appeal_id = $1 AND volunteer_id = $2 AND state IN ('assigned', 'reported')",
            )
            .bind(appeal_id)
            .bind(volunteer_id)
            .fetch_optional(&mut *tx)
            .await?;
            if open.is_some() {
                return Err(StoreError::Conflict(
                    "该志愿者已派往此诉求 / this volunteer is already on the appeal".into(),
                ));
            }
            let (code,): (String,) = sqlx::query_as("SELECT tracking_code FROM appeals WHERE id = $1")
                .bind(appeal_id)
                .fetch_one(&mut *tx)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO volunteer_dispatches (appeal_id, volunteer_id, region_path, state, task, assigned_by, assigned_ms)
                 VALUES ($1, $2, $3, 'assigned', $4, $5, $6) RETURNING id",
            )
            .bind(appeal_id)
            .bind(volunteer_id)
            .bind(&path)
            .bind(task)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            // The volunteer's own phone, not the reporter's: the notice goes to the volunteer.
            sqlx::query(
                "INSERT INTO notifications (created_ms, audience, phone, kind, text)
                 SELECT $1, 'citizen', a.phone, 'volunteer_dispatch', $2 FROM accounts a WHERE a.id = $3 AND a.phone IS NOT NULL",
            )
            .bind(now)
            .bind(format!("【平安德州】您被派往协助诉求{code}:{task}。完成后请在“我的志愿服务”中反馈。"))
            .bind(volunteer.account_id)
            .execute(&mut *tx)
            .await?;
            let after = serde_json::json!({ "appeal_id": appeal_id, "volunteer_id": volunteer_id, "task": task });
            write_audit!(
                &mut *tx,
                &audit(actor, "volunteer.dispatch", "volunteer_dispatch", id, after, now),
                path.as_str()
            )?;
            tx.commit().await?;
            id
        });
        self.dispatch_unscoped(id).await
    }

    async fn dispatch_unscoped(&self, id: i64) -> Result<Dispatch> {
        let sql = format!("{DISPATCH_SELECT} WHERE d.id = $1");
        let d: Option<Dispatch> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        d.ok_or(StoreError::NotFound)
    }

    /// The volunteers sent to an appeal, for its page.
    pub async fn appeal_volunteers(&self, actor: &Actor, appeal_id: i64) -> Result<Vec<Dispatch>> {
        // The appeal's own read rules (scope, roles, confidentiality) decide who sees its
        // dispatches; one read of the appeal is their price.
        self.appeal(actor, appeal_id).await?;
        let sql = format!("{DISPATCH_SELECT} WHERE d.appeal_id = $1 ORDER BY d.id");
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(appeal_id).fetch_all(pool).await)?)
    }

    /// Dispatches in the staff member's scope waiting for them: reported ones first.
    pub async fn open_dispatches(&self, actor: &Actor) -> Result<Vec<Dispatch>> {
        community_staff(actor, Action::Read)?;
        let sql = format!(
            "{DISPATCH_SELECT} WHERE d.region_path >= $1 AND d.region_path < $2 AND d.state IN ('assigned', 'reported')
              ORDER BY CASE d.state WHEN 'reported' THEN 0 ELSE 1 END, d.assigned_ms LIMIT 500"
        );
        let (lo, hi) = scope_range(actor);
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }

    /// The volunteer reports, or the staff confirm (crediting the hours), send back or cancel.
    pub async fn act_on_dispatch(&self, actor: &Actor, id: i64, command: &DispatchCommand) -> Result<Dispatch> {
        let d = self.dispatch_unscoped(id).await?;
        let is_volunteer = actor.role == Role::Citizen;
        if is_volunteer {
            if d.account_id != actor.account_id {
                return Err(StoreError::NotFound);
            }
        } else {
            actor.require(Action::Update, Resource::Appeal)?;
            in_scope(actor, &d.region_path)?;
        }
        let next = command
            .next(d.state(), is_volunteer)
            .map_err(|e| StoreError::Refused { status: 409, message: e.to_string() })?;
        if let DispatchCommand::SendBack { reason } = command
            && reason.trim().is_empty()
        {
            return Err(StoreError::Invalid(vec![FieldError::new("reason", "退回须写明理由 / give the reason")]));
        }
        let now = now_ms();
        let (set, kind) = match command {
            DispatchCommand::Report { .. } => ("report = $4, hours_tenths = $5, reported_ms = $6", "volunteer.report"),
            DispatchCommand::Confirm => ("decided_by = $4, decided_ms = $5", "volunteer.confirm"),
            DispatchCommand::SendBack { .. } => {
                ("report = $4, decided_by = $5, decided_ms = $6", "volunteer.send_back")
            }
            DispatchCommand::Cancel => ("decided_by = $4, decided_ms = $5", "volunteer.cancel"),
        };
        let sql = format!(
            "UPDATE volunteer_dispatches SET state = $1, version = version + 1, {set} WHERE id = $2 AND version = $3"
        );
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let q = sqlx::query(&sql).bind(next.code()).bind(id).bind(d.version);
            let q = match command {
                DispatchCommand::Report { note, hours_tenths } => q.bind(note).bind(hours_tenths).bind(now),
                DispatchCommand::SendBack { reason } => {
                    q.bind(format!("退回:{}", reason.trim())).bind(actor.account_id).bind(now)
                }
                DispatchCommand::Confirm | DispatchCommand::Cancel => q.bind(actor.account_id).bind(now),
            };
            if q.execute(&mut *tx).await?.rows_affected() != 1 {
                return Err(StoreError::Conflict(
                    "派单刚有变化,请刷新后重试 / the dispatch changed: reload and retry".into(),
                ));
            }
            let mut event =
                audit(actor, kind, "volunteer_dispatch", id, serde_json::json!({ "state": next.code() }), now);
            event.before = serde_json::json!({ "state": d.state });
            if let DispatchCommand::Report { note, hours_tenths } = command {
                event.after = serde_json::json!({ "state": next.code(), "report": note, "hours_tenths": hours_tenths });
            }
            write_audit!(&mut *tx, &event, d.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.dispatch_unscoped(id).await
    }
}
