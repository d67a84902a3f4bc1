//! 在职党员社区报到: registrations (a resident's own, by phone), the community's confirmation,
//! the public roster (masked), calls, sign-ups and on-site check-ins, and the figures by work
//! unit. Rules are [`pingan_domain::forces::party`]'s; where a phone stands is the web layer's
//! grid index's answer, passed in.

use crate::signups::{Event, PARTY_CALLS, Person};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::from_china;
use pingan_domain::forces::party::{MemberState, NewCall, NewRegistration, ServicePost, report_in_rate};
use pingan_domain::personal::{mask_name, mask_phone};
use pingan_domain::region::RegionLevel;
use serde::Serialize;

/// A registration as staff see it (the phone masked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PartyMember {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub work_org_id: i64,
    pub work_org_name: String,
    pub community_id: i64,
    pub community_name: String,
    pub posts: String,
    pub state: String,
    pub registered_ms: i64,
    pub decided_ms: Option<i64>,
    pub note: Option<String>,
    /// Hours credited, in tenths.
    pub hours_tenths: i64,
    #[serde(skip)]
    pub account_id: i64,
    #[serde(skip)]
    pub region_path: String,
}

impl PartyMember {
    pub fn state(&self) -> MemberState {
        MemberState::parse(&self.state).unwrap_or(MemberState::Pending)
    }

    pub fn posts(&self) -> Vec<ServicePost> {
        self.posts.split(',').filter_map(ServicePost::parse).collect()
    }
}

/// A line of the public roster (公示): the name and phone masked.
#[derive(Debug, Clone, Serialize)]
pub struct RosterLine {
    pub name: String,
    pub work_org_name: String,
    pub posts: Vec<&'static str>,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PartyCall {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
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

impl PartyCall {
    pub(crate) fn event(&self) -> Event<'_> {
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

/// A member's own view: the registration, the calls of the community and what they did.
#[derive(Debug, Clone, Serialize)]
pub struct MyService {
    pub member: Option<PartyMember>,
    pub calls: Vec<MyCall>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyCall {
    #[serde(flatten)]
    pub call: PartyCall,
    pub signed_up: bool,
    pub checked_in_ms: Option<i64>,
    pub hours_tenths: i64,
}

/// Figures for one work unit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitReportIn {
    pub org_id: i64,
    pub org_name: String,
    pub on_rolls: Option<i64>,
    pub registered: i64,
    pub confirmed: i64,
    /// 报到率, percent: confirmed ÷ on the rolls.
    pub rate: Option<f64>,
    pub hours: f64,
}

const MEMBER_SELECT: &str = "SELECT m.id, m.name, a.phone, m.work_org_id, o.name AS work_org_name, m.community_id,
        r.name AS community_name, m.posts, m.state, m.registered_ms, m.decided_ms, m.note,
        CAST(COALESCE((SELECT SUM(s.hours_tenths) FROM party_signups s WHERE s.member_id = m.id), 0) AS BIGINT) AS hours_tenths,
        m.account_id, m.region_path
   FROM party_members m JOIN accounts a ON a.id = m.account_id JOIN orgs o ON o.id = m.work_org_id
   JOIN regions r ON r.id = m.community_id";

const CALL_SELECT: &str =
    "SELECT c.id, c.community_id, r.name AS community_name, c.grid_id, g.name AS grid_name, c.title,
        c.post, c.starts_ms, c.ends_ms, c.hours_tenths, c.capacity,
        (SELECT count(*) FROM party_signups s WHERE s.call_id = c.id) AS signed_up,
        (SELECT count(*) FROM party_signups s WHERE s.call_id = c.id AND s.checked_in_ms IS NOT NULL) AS checked_in,
        c.region_path
   FROM party_calls c JOIN regions r ON r.id = c.community_id JOIN regions g ON g.id = c.grid_id";

fn masked(mut m: PartyMember) -> PartyMember {
    m.phone = mask_phone(&m.phone);
    m
}

pub(crate) fn citizen_only(actor: &Actor) -> Result<()> {
    if actor.role == Role::Citizen { Ok(()) } else { Err(Denied::Role.into()) }
}

/// Staff who run a community's roster and calls: its cadres, the township's dispatchers and
/// administrators (in scope).
pub(crate) fn community_staff(actor: &Actor, action: Action) -> Result<()> {
    actor.require(action, Resource::Forces)?;
    if action != Action::Read && !matches!(actor.role, Role::VillageCadre | Role::TownshipDispatcher | Role::Admin) {
        return Err(Denied::Role.into());
    }
    Ok(())
}

pub(crate) fn audit(actor: &Actor, action: &str, kind: &str, id: i64, after: serde_json::Value, at: i64) -> AuditEvent {
    AuditEvent {
        at_ms: at,
        actor_id: Some(actor.account_id),
        actor_name: actor.username.clone(),
        action: action.into(),
        target_kind: kind.into(),
        target_id: Some(id),
        success: true,
        before: serde_json::Value::Null,
        after,
    }
}

impl Store {
    /// A resident registers with the community they live in.
    pub async fn register_party_member(&self, actor: &Actor, reg: &NewRegistration) -> Result<PartyMember> {
        citizen_only(actor)?;
        let mut errors = Vec::new();
        let community =
            self.region_unscoped(reg.community_id).await.ok().filter(|r| r.level == RegionLevel::Village && !r.retired);
        if community.is_none() {
            errors.push(FieldError::new("community_id", "请选择村(社区) / pick a village or community"));
        }
        let work: Option<i64> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1 AND retired_at IS NULL")
                .bind(reg.work_org_id)
                .fetch_optional(pool)
                .await)?;
        if work.is_none() {
            errors.push(FieldError::new("work_org_id", "工作单位不存在 / no such unit"));
        }
        let Some(community) = community.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let posts = reg.posts.iter().map(|p| p.code()).collect::<Vec<_>>().join(",");
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let standing: Option<String> = sqlx::query_scalar(
                "SELECT r.name FROM party_members m JOIN regions r ON r.id = m.community_id
                  WHERE m.account_id = $1 AND m.state <> 'declined'",
            )
            .bind(actor.account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(name) = standing {
                return Err(StoreError::Conflict(format!(
                    "您已向{name}报到,不能重复报到 / you have already registered with {name}"
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO party_members (account_id, name, work_org_id, community_id, region_path, posts, state, registered_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id",
            )
            .bind(actor.account_id)
            .bind(&reg.name)
            .bind(reg.work_org_id)
            .bind(community.id)
            .bind(&path)
            .bind(&posts)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after =
                serde_json::json!({ "work_org_id": reg.work_org_id, "community_id": community.id, "posts": posts });
            write_audit!(&mut *tx, &audit(actor, "party.register", "party_member", id, after, now), path.as_str())?;
            tx.commit().await?;
            id
        });
        self.party_member_unscoped(id).await
    }

    async fn party_member_unscoped(&self, id: i64) -> Result<PartyMember> {
        let sql = format!("{MEMBER_SELECT} WHERE m.id = $1");
        let m: Option<PartyMember> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        m.map(masked).ok_or(StoreError::NotFound)
    }

    /// Registrations in the staff member's scope, optionally of one community and state,
    /// pending first.
    pub async fn party_members(
        &self,
        actor: &Actor,
        community_id: Option<i64>,
        state: Option<MemberState>,
    ) -> Result<Vec<PartyMember>> {
        community_staff(actor, Action::Read)?;
        let mut filter = "m.region_path >= $1 AND m.region_path < $2".to_owned();
        if let Some(c) = community_id {
            filter.push_str(&format!(" AND m.community_id = {c}"));
        }
        if let Some(s) = state {
            filter.push_str(&format!(" AND m.state = '{}'", s.code()));
        }
        if let Some(org) = actor.scope.org_id {
            filter.push_str(&format!(" AND m.work_org_id = {org}"));
        }
        let sql = format!(
            "{MEMBER_SELECT} WHERE {filter}
              ORDER BY CASE m.state WHEN 'pending' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END, m.registered_ms DESC LIMIT 1000"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let rows: Vec<PartyMember> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(masked).collect())
    }

    /// The community confirms (or declines, with a reason) a pending registration.
    pub async fn decide_party_member(&self, actor: &Actor, id: i64, confirm: bool, note: &str) -> Result<PartyMember> {
        community_staff(actor, Action::Update)?;
        let m = self.party_member_unscoped(id).await?;
        let path = pingan_domain::region::RegionPath::parse(&m.region_path)
            .ok_or_else(|| StoreError::Corrupt("party member path".into()))?;
        if !actor.scope.covers_region(&path) {
            return Err(StoreError::NotFound);
        }
        let person = Person { id, region_path: &m.region_path, state_zh: m.state().zh() };
        self.decide_pending(actor, &PARTY_CALLS, &person, confirm, note).await?;
        self.party_member_unscoped(id).await
    }

    /// The community's public roster (公示): confirmed members, names masked.
    pub async fn party_roster(&self, community_id: i64) -> Result<Vec<RosterLine>> {
        let sql =
            format!("{MEMBER_SELECT} WHERE m.community_id = $1 AND m.state = 'confirmed' ORDER BY m.registered_ms");
        let rows: Vec<PartyMember> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(community_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|m| RosterLine {
                name: mask_name(&m.name),
                work_org_name: m.work_org_name.clone(),
                posts: m.posts().into_iter().map(ServicePost::zh).collect(),
                hours: m.hours_tenths as f64 / 10.0,
            })
            .collect())
    }

    /// A community posts a call; members check in inside `call.grid_id`, which lies in it.
    pub async fn create_party_call(&self, actor: &Actor, community_id: i64, call: &NewCall) -> Result<PartyCall> {
        community_staff(actor, Action::Create)?;
        let community = self.region(&actor.scope, community_id).await?;
        let grid = self.region(&actor.scope, call.grid_id).await.ok();
        let in_community = grid
            .as_ref()
            .is_some_and(|g| g.level == RegionLevel::Grid && g.parent_id == Some(community.id) && !g.retired);
        if community.level != RegionLevel::Village || !in_community {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "grid_id",
                "签到网格须属于本村(社区) / the grid must belong to the community",
            )]));
        }
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO party_calls (community_id, region_path, grid_id, title, post, starts_ms, ends_ms, hours_tenths,
                                          capacity, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(community.id)
            .bind(&path)
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
            let after = serde_json::json!({ "title": call.title, "grid_id": call.grid_id, "starts_ms": from_china(call.starts),
                                            "hours_tenths": call.hours_tenths, "capacity": call.capacity });
            write_audit!(&mut *tx, &audit(actor, "party.call_create", "party_call", id, after, now), path.as_str())?;
            tx.commit().await?;
            id
        });
        self.party_call_unscoped(id).await
    }

    async fn party_call_unscoped(&self, id: i64) -> Result<PartyCall> {
        let sql = format!("{CALL_SELECT} WHERE c.id = $1");
        let c: Option<PartyCall> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        c.ok_or(StoreError::NotFound)
    }

    /// Calls in the staff member's scope, the soonest first (those ended a week ago drop off).
    pub async fn party_calls(&self, actor: &Actor, community_id: Option<i64>) -> Result<Vec<PartyCall>> {
        community_staff(actor, Action::Read)?;
        let unit = community_id.map(|c| format!(" AND c.community_id = {c}")).unwrap_or_default();
        let sql = format!(
            "{CALL_SELECT} WHERE c.region_path >= $1 AND c.region_path < $2 AND c.ends_ms > $3{unit} ORDER BY c.starts_ms LIMIT 500"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let since = now_ms() - 7 * 86_400_000;
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(since).fetch_all(pool).await)?)
    }

    /// The resident's registration (the newest) and their community's calls with what they did.
    pub async fn my_party_service(&self, actor: &Actor) -> Result<MyService> {
        citizen_only(actor)?;
        let sql = format!("{MEMBER_SELECT} WHERE m.account_id = $1 ORDER BY m.id DESC LIMIT 1");
        let member: Option<PartyMember> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(actor.account_id).fetch_optional(pool).await)?;
        let member = member.map(masked);
        let mut calls = Vec::new();
        if let Some(m) = member.as_ref().filter(|m| m.state() == MemberState::Confirmed) {
            let sql =
                format!("{CALL_SELECT} WHERE c.community_id = $1 AND c.ends_ms > $2 ORDER BY c.starts_ms LIMIT 100");
            let since = now_ms() - 7 * 86_400_000;
            type Mine = (i64, Option<i64>, i64);
            let (rows, mine): (Vec<PartyCall>, Vec<Mine>) = on_pool!(&self.db, |pool| {
                let rows: Vec<PartyCall> =
                    sqlx::query_as(&sql).bind(m.community_id).bind(since).fetch_all(pool).await?;
                let mine: Vec<Mine> = sqlx::query_as(
                    "SELECT call_id, checked_in_ms, hours_tenths FROM party_signups WHERE member_id = $1",
                )
                .bind(m.id)
                .fetch_all(pool)
                .await?;
                (rows, mine)
            });
            for call in rows {
                let own = mine.iter().find(|x| x.0 == call.id);
                calls.push(MyCall {
                    signed_up: own.is_some(),
                    checked_in_ms: own.and_then(|x| x.1),
                    hours_tenths: own.map_or(0, |x| x.2),
                    call,
                });
            }
        }
        Ok(MyService { member, calls })
    }

    /// The resident's confirmed registration in the call's community, or why not.
    async fn member_for_call(&self, actor: &Actor, call: &PartyCall) -> Result<PartyMember> {
        let sql = format!("{MEMBER_SELECT} WHERE m.account_id = $1 AND m.state = 'confirmed' AND m.community_id = $2");
        let m: Option<PartyMember> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(actor.account_id)
            .bind(call.community_id)
            .fetch_optional(pool)
            .await)?;
        m.ok_or_else(|| StoreError::Refused {
            status: 403,
            message: format!("须先向{}报到并经确认 / register with the community first", call.community_name),
        })
    }

    /// A confirmed member signs up for a call of their community.
    pub async fn sign_up_for_party_call(&self, actor: &Actor, call_id: i64) -> Result<MyService> {
        citizen_only(actor)?;
        let call = self.party_call_unscoped(call_id).await?;
        let member = self.member_for_call(actor, &call).await?;
        self.sign_up_once(actor, &PARTY_CALLS, &call.event(), member.id).await?;
        self.my_party_service(actor).await
    }

    /// A member checks in on site: `here` is the grid their phone's position (`lon`, `lat`)
    /// falls in. The call's hours are credited.
    pub async fn check_in_party_call(
        &self,
        actor: &Actor,
        call_id: i64,
        here: Option<i64>,
        position: (f64, f64),
    ) -> Result<MyService> {
        citizen_only(actor)?;
        let call = self.party_call_unscoped(call_id).await?;
        let member = self.member_for_call(actor, &call).await?;
        self.check_in_once(actor, &PARTY_CALLS, &call.event(), member.id, here, position).await?;
        self.my_party_service(actor).await
    }

    /// A work unit declares the party members on its rolls (its own staff, or administrators).
    pub async fn set_party_rolls(&self, actor: &Actor, org_id: i64, members: i64) -> Result<()> {
        actor.require(Action::Update, Resource::Forces)?;
        if actor.role != Role::Admin && actor.scope.org_id != Some(org_id) {
            return Err(Denied::Scope.into());
        }
        if !(0..=100_000).contains(&members) {
            return Err(StoreError::Invalid(vec![FieldError::new("members", "人数为 0 至 100000 / 0 to 100,000")]));
        }
        let org = self.org(&actor.scope, org_id).await?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO party_rolls (org_id, members, updated_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (org_id) DO UPDATE SET members = excluded.members, updated_ms = excluded.updated_ms",
            )
            .bind(org_id)
            .bind(members)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let after = serde_json::json!({ "members": members });
            write_audit!(&mut *tx, &audit(actor, "party.rolls", "org", org_id, after, now), org.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Report-in figures by work unit, for members living in the actor's scope (department
    /// staff: their own unit).
    pub async fn party_unit_figures(&self, actor: &Actor) -> Result<Vec<UnitReportIn>> {
        actor.require(Action::Read, Resource::Forces)?;
        let unit = actor.scope.org_id.map(|o| format!(" AND m.work_org_id = {o}")).unwrap_or_default();
        let sql = format!(
            "SELECT m.work_org_id, o.name, pr.members,
                    SUM(CASE WHEN m.state <> 'declined' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN m.state = 'confirmed' THEN 1 ELSE 0 END),
                    CAST(COALESCE(SUM((SELECT SUM(s.hours_tenths) FROM party_signups s WHERE s.member_id = m.id)), 0) AS BIGINT)
               FROM party_members m JOIN orgs o ON o.id = m.work_org_id LEFT JOIN party_rolls pr ON pr.org_id = m.work_org_id
              WHERE m.region_path >= $1 AND m.region_path < $2{unit}
              GROUP BY m.work_org_id, o.name, pr.members ORDER BY o.name"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        type Row = (i64, String, Option<i64>, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(org_id, org_name, on_rolls, registered, confirmed, tenths)| UnitReportIn {
                org_id,
                org_name,
                on_rolls,
                registered,
                confirmed,
                rate: report_in_rate(confirmed, on_rolls),
                hours: tenths as f64 / 10.0,
            })
            .collect())
    }
}
