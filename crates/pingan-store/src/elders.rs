//! Self-governance organisations and the 五老 roster of each community, kept by its cadres (and
//! the township's dispatchers and administrators), and the 五老 named on a task to help with it.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::forces::elders::{ElderKind, NewElder, NewSelfGov};
use pingan_domain::personal::{mask_name, mask_phone};
use pingan_domain::region::RegionLevel;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SelfGovOrg {
    pub id: i64,
    pub kind: String,
    pub community_id: i64,
    pub community_name: String,
    pub chair: String,
    pub members: i64,
    pub charter: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Elder {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub community_id: i64,
    pub community_name: String,
    /// Masked in every list.
    pub phone: String,
    pub strengths: String,
    /// Tasks they were named on.
    pub tasks: i64,
    /// Mediation cases they were asked to help with.
    pub cases: i64,
}

/// A 五老 named on a task or a mediation case (name masked).
#[derive(Debug, Clone, Serialize)]
pub struct TaskHelper {
    pub elder_id: i64,
    pub name: String,
    pub kind: &'static str,
    pub community_name: String,
}

fn roster_keeper(actor: &Actor) -> Result<()> {
    actor.require(Action::Create, Resource::Forces)?;
    if matches!(actor.role, Role::VillageCadre | Role::TownshipDispatcher | Role::Admin) {
        Ok(())
    } else {
        Err(Denied::Role.into())
    }
}

fn audit(actor: &Actor, action: &str, kind: &str, id: i64, after: serde_json::Value, at: i64) -> AuditEvent {
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

const ELDER_SELECT: &str =
    "SELECT e.id, e.name, e.kind, e.community_id, r.name AS community_name, e.phone, e.strengths,
        (SELECT count(*) FROM task_helpers h WHERE h.elder_id = e.id) AS tasks,
        (SELECT count(*) FROM mediation_helpers h WHERE h.elder_id = e.id) AS cases
   FROM elders e JOIN regions r ON r.id = e.community_id";

impl Store {
    /// The community (a village-level region in the actor's scope) a roster entry goes in.
    async fn roster_community(&self, actor: &Actor, id: i64) -> Result<crate::regions::Region> {
        let community =
            self.region(&actor.scope, id).await.ok().filter(|c| c.level == RegionLevel::Village && !c.retired);
        community.ok_or_else(|| {
            StoreError::Invalid(vec![FieldError::new(
                "community_id",
                "请选择辖区内的村(社区) / pick a community in your scope",
            )])
        })
    }

    pub async fn create_self_gov_org(&self, actor: &Actor, org: &NewSelfGov) -> Result<SelfGovOrg> {
        roster_keeper(actor)?;
        let community = self.roster_community(actor, org.community_id).await?;
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM self_gov_orgs WHERE community_id = $1 AND kind = $2")
                    .bind(community.id)
                    .bind(org.kind.code())
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{}已有{} / the community already has one",
                    community.name,
                    org.kind.zh()
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO self_gov_orgs (kind, community_id, region_path, chair, members, charter, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(org.kind.code())
            .bind(community.id)
            .bind(&path)
            .bind(&org.chair)
            .bind(org.members)
            .bind(&org.charter)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "kind": org.kind.code(), "community_id": community.id, "chair": org.chair, "members": org.members });
            write_audit!(&mut *tx, &audit(actor, "self_gov.create", "self_gov_org", id, after, now), path.as_str())?;
            tx.commit().await?;
            id
        });
        self.self_gov_orgs(actor, Some(community.id))
            .await?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Self-governance organisations in the actor's scope, optionally of one community.
    pub async fn self_gov_orgs(&self, actor: &Actor, community_id: Option<i64>) -> Result<Vec<SelfGovOrg>> {
        actor.require(Action::Read, Resource::Forces)?;
        let one = community_id.map(|c| format!(" AND s.community_id = {c}")).unwrap_or_default();
        let sql = format!(
            "SELECT s.id, s.kind, s.community_id, r.name AS community_name, s.chair, s.members, s.charter
               FROM self_gov_orgs s JOIN regions r ON r.id = s.community_id
              WHERE s.region_path >= $1 AND s.region_path < $2{one} ORDER BY r.name, s.kind LIMIT 2000"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }

    /// Put a 五老 on the community's roster (one entry per phone and community).
    pub async fn add_elder(&self, actor: &Actor, elder: &NewElder) -> Result<Elder> {
        roster_keeper(actor)?;
        let community = self.roster_community(actor, elder.community_id).await?;
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<String> =
                sqlx::query_scalar("SELECT name FROM elders WHERE community_id = $1 AND phone = $2")
                    .bind(community.id)
                    .bind(elder.phone.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(name) = exists {
                return Err(StoreError::Conflict(format!(
                    "此手机号已在名册中({}) / this phone is on the roster already",
                    mask_name(&name)
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO elders (name, kind, community_id, region_path, phone, strengths, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&elder.name)
            .bind(elder.kind.code())
            .bind(community.id)
            .bind(&path)
            .bind(elder.phone.as_str())
            .bind(&elder.strengths)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "kind": elder.kind.code(), "community_id": community.id, "phone": elder.phone.masked() });
            write_audit!(&mut *tx, &audit(actor, "elder.add", "elder", id, after, now), path.as_str())?;
            tx.commit().await?;
            id
        });
        self.elders(actor, Some(community.id), None).await?.into_iter().find(|e| e.id == id).ok_or(StoreError::NotFound)
    }

    /// The 五老 roster in the actor's scope (phones masked), optionally of one community or kind.
    pub async fn elders(
        &self,
        actor: &Actor,
        community_id: Option<i64>,
        kind: Option<ElderKind>,
    ) -> Result<Vec<Elder>> {
        actor.require(Action::Read, Resource::Forces)?;
        let mut filter = "e.region_path >= $1 AND e.region_path < $2".to_owned();
        if let Some(c) = community_id {
            filter.push_str(&format!(" AND e.community_id = {c}"));
        }
        if let Some(k) = kind {
            filter.push_str(&format!(" AND e.kind = '{}'", k.code()));
        }
        let sql = format!("{ELDER_SELECT} WHERE {filter} ORDER BY r.name, e.kind, e.id LIMIT 5000");
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let rows: Vec<Elder> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|mut e| {
                e.phone = mask_phone(&e.phone);
                e
            })
            .collect())
    }

    /// Name a 五老 of the actor's scope on a task the actor may act on.
    pub async fn add_task_helper(&self, actor: &Actor, task_id: i64, elder_id: i64) -> Result<Vec<TaskHelper>> {
        actor.require(Action::Update, Resource::Task)?;
        let (task, _) = self.task(actor, task_id).await?;
        let rel = task.relation(actor);
        if !(rel.owner || rel.assigner || rel.supervisor) {
            return Err(StoreError::Refused {
                status: 403,
                message: "只有责任单位、交办人或督办员可以邀请五老协助 / only those on the task may ask for help"
                    .into(),
            });
        }
        let elder = self.elders(actor, None, None).await?.into_iter().find(|e| e.id == elder_id);
        let Some(elder) = elder else {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "elder_id",
                "名册中没有此人 / not on the roster in your scope",
            )]));
        };
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let added = sqlx::query(
                "INSERT INTO task_helpers (task_id, elder_id, added_by, added_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (task_id, elder_id) DO NOTHING",
            )
            .bind(task_id)
            .bind(elder_id)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                return Err(StoreError::Conflict("已邀请此人协助 / already helping".into()));
            }
            let kind = ElderKind::parse(&elder.kind).map_or("五老", ElderKind::zh);
            sqlx::query(
                "INSERT INTO task_events (task_id, at_ms, actor_id, actor_name, kind, note) VALUES ($1, $2, $3, $4, 'helper', $5)",
            )
            .bind(task_id)
            .bind(now)
            .bind(actor.account_id)
            .bind(&actor.display_name)
            .bind(format!("邀请{kind}{}协助", mask_name(&elder.name)))
            .execute(&mut *tx)
            .await?;
            let after = serde_json::json!({ "elder_id": elder_id });
            write_audit!(
                &mut *tx,
                &audit(actor, "task.helper", "task", task_id, after, now),
                task.region_path.as_str()
            )?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.task_helpers(task_id).await
    }

    /// The 五老 helping with a task.
    pub async fn task_helpers(&self, task_id: i64) -> Result<Vec<TaskHelper>> {
        self.helpers("task_helpers", "task_id", task_id).await
    }

    /// Ask a 五老 to help mediate a case (小事不出村: the elders of the place know the parties).
    /// They must be on a roster of the case's township, in the actor's scope; the case open.
    pub async fn add_mediation_helper(&self, actor: &Actor, case_id: i64, elder_id: i64) -> Result<Vec<TaskHelper>> {
        let (place, open) = self.changeable_case_place(actor, case_id).await?;
        if !open {
            return Err(StoreError::Conflict("调解已结束 / the mediation is over".into()));
        }
        // city / county / township / …: the township is the third id of the place's path.
        let township = place.ids().get(2).copied();
        // Not the actor's roster view: a grid worker mediating in one grid may ask the elders
        // of any community of the township, whose rosters lie outside the grid.
        let elder: Option<(String, Option<i64>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT e.kind, r.parent_id FROM elders e JOIN regions r ON r.id = e.community_id WHERE e.id = $1"
        )
        .bind(elder_id)
        .fetch_optional(pool)
        .await)?;
        let Some((kind, _)) = elder.filter(|(_, parent)| township.is_some() && *parent == township) else {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "elder_id",
                "须为本乡镇(街道)五老名册中的人 / pick someone on a roster of the case's township",
            )]));
        };
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let added = sqlx::query(
                "INSERT INTO mediation_helpers (case_id, elder_id, added_by, added_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (case_id, elder_id) DO NOTHING",
            )
            .bind(case_id)
            .bind(elder_id)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                return Err(StoreError::Conflict("已邀请此人协助 / already helping".into()));
            }
            let after = serde_json::json!({ "elder_id": elder_id, "kind": kind });
            write_audit!(
                &mut *tx,
                &audit(actor, "mediation.helper", "mediation_case", case_id, after, now),
                place.as_str()
            )?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.mediation_helpers(case_id).await
    }

    /// The 五老 the actor may ask to help mediate a case: those on the rosters of the case's
    /// township not yet helping, `(id, "name · kind · community")` with the name masked; none
    /// when the actor may not change the case or it is over.
    pub async fn mediation_helper_choices(&self, actor: &Actor, case_id: i64) -> Result<Vec<(i64, String)>> {
        let (place, open) = match self.changeable_case_place(actor, case_id).await {
            Ok(p) => p,
            Err(StoreError::Denied(_)) => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let Some(township) = place.ids().get(2).copied().filter(|_| open) else { return Ok(vec![]) };
        let rows: Vec<(i64, String, String, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT e.id, e.name, e.kind, r.name FROM elders e JOIN regions r ON r.id = e.community_id
              WHERE r.parent_id = $1
                AND NOT EXISTS (SELECT 1 FROM mediation_helpers h WHERE h.case_id = $2 AND h.elder_id = e.id)
              ORDER BY r.name, e.name LIMIT 500"
        )
        .bind(township)
        .bind(case_id)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, kind, community)| {
                let kind = ElderKind::parse(&kind).map_or("五老", ElderKind::zh);
                (id, format!("{} · {kind} · {community}", mask_name(&name)))
            })
            .collect())
    }

    /// The 五老 helping to mediate a case.
    pub async fn mediation_helpers(&self, case_id: i64) -> Result<Vec<TaskHelper>> {
        self.helpers("mediation_helpers", "case_id", case_id).await
    }

    /// The 五老 named in `table` (keyed by `key`) for record `id`, names masked.
    async fn helpers(&self, table: &str, key: &str, id: i64) -> Result<Vec<TaskHelper>> {
        let sql = format!(
            "SELECT e.id, e.name, e.kind, r.name FROM {table} h JOIN elders e ON e.id = h.elder_id
               JOIN regions r ON r.id = e.community_id WHERE h.{key} = $1 ORDER BY h.added_ms"
        );
        let rows: Vec<(i64, String, String, String)> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(elder_id, name, kind, community_name)| TaskHelper {
                elder_id,
                name: mask_name(&name),
                kind: ElderKind::parse(&kind).map_or("五老", ElderKind::zh),
                community_name,
            })
            .collect())
    }
}
