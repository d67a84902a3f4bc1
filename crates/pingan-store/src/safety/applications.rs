//! A unit's application in a campaign: applying (申报, up to the campaign's deadline), the
//! steps of [`pingan_domain::safety::application`] as version-checked writes with their events
//! and audit, and the self-assessment's evidence files (佐证材料) per task.
//!
//! Who stands where to an application — the unit, its competent department, the 平安办 — is
//! decided here, once ([`Store::relation_to`]); what each may do is the state machine's rule.

use super::{china_today, notice_end, require};
use crate::blobs::{AttachmentKind, BlobRef};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::mediation::MediationError;
use pingan_domain::org::{OrgKind, industry_name};
use pingan_domain::region::RegionPath;
use pingan_domain::safety::industry::competent_department;
use pingan_domain::safety::{Application, ApplicationCommand, ApplicationState, Relation, UnitTemplate, apply, decide};
use serde::Serialize;
use std::collections::BTreeSet;

/// Evidence files per application, and per task.
pub const MAX_EVIDENCE_PER_APPLICATION: usize = 60;
pub const MAX_EVIDENCE_PER_TASK: usize = 5;

/// An application as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub year: i64,
    pub org_id: i64,
    pub org_name: String,
    pub address: Option<String>,
    /// The grid or village the unit is in.
    pub place: String,
    pub industry: String,
    pub industry_name: String,
    pub dept_org_id: Option<i64>,
    pub dept_name: Option<String>,
    pub state: ApplicationState,
    pub state_zh: &'static str,
    pub outcome: Option<String>,
    pub total: Option<i64>,
    pub applied_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
    #[serde(skip)]
    pub region_path: RegionPath,
    #[serde(skip)]
    pub template_id: i64,
}

/// How the reader stands to an application, for the page's buttons.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RelationView {
    pub unit: bool,
    pub department: bool,
    pub office: bool,
}

impl From<Relation> for RelationView {
    fn from(r: Relation) -> Self {
        RelationView { unit: r.unit, department: r.department, office: r.office }
    }
}

/// One application with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationDetail {
    pub application: ApplicationView,
    pub snapshot: Application,
    pub self_total: u32,
    pub template: UnitTemplate,
    pub evidence: Vec<SafetyEvidence>,
    pub proposals: Vec<super::Proposal>,
    pub relation: RelationView,
}

/// One evidence file's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyEvidence {
    pub id: i64,
    pub application_id: i64,
    pub task_code: String,
    pub sha256: String,
    pub size: i64,
    pub kind: AttachmentKind,
    pub name: String,
    pub added_by: String,
    pub added_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub campaign_id: Option<i64>,
    pub state: Option<ApplicationState>,
    pub industry: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AppRow {
    pub(crate) id: i64,
    pub(crate) campaign_id: i64,
    pub(crate) campaign_name: String,
    pub(crate) year: i64,
    pub(crate) template_id: i64,
    pub(crate) notice_days: i64,
    pub(crate) org_id: i64,
    pub(crate) org_name: String,
    pub(crate) address: Option<String>,
    pub(crate) place: String,
    pub(crate) industry: String,
    pub(crate) dept_org_id: Option<i64>,
    pub(crate) dept_name: Option<String>,
    pub(crate) region_path: String,
    pub(crate) state: String,
    pub(crate) outcome: Option<String>,
    pub(crate) total: Option<i64>,
    pub(crate) applied_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) version: i64,
    pub(crate) snapshot: String,
}

pub(crate) const APP_SELECT: &str =
    "SELECT a.id, a.campaign_id, c.name AS campaign_name, c.year, c.template_id, c.notice_days,
        a.org_id, o.name AS org_name, o.address, r.name AS place, a.industry, a.dept_org_id, d.name AS dept_name,
        a.region_path, a.state, a.outcome, a.total, a.applied_ms, a.updated_ms, a.version, a.snapshot
   FROM safety_applications a
   JOIN safety_campaigns c ON c.id = a.campaign_id
   JOIN orgs o ON o.id = a.org_id
   JOIN regions r ON r.id = o.region_id
   LEFT JOIN orgs d ON d.id = a.dept_org_id";

impl AppRow {
    pub(crate) fn view(&self) -> Result<ApplicationView> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("safety application {}: {what}", self.id));
        let state = ApplicationState::parse(&self.state).ok_or_else(|| corrupt("state"))?;
        Ok(ApplicationView {
            id: self.id,
            campaign_id: self.campaign_id,
            campaign_name: self.campaign_name.clone(),
            year: self.year,
            org_id: self.org_id,
            org_name: self.org_name.clone(),
            address: self.address.clone(),
            place: self.place.clone(),
            industry_name: industry_name(&self.industry).unwrap_or_default().to_owned(),
            industry: self.industry.clone(),
            dept_org_id: self.dept_org_id,
            dept_name: self.dept_name.clone(),
            state_zh: state.zh(),
            state,
            outcome: self.outcome.clone(),
            total: self.total,
            applied_ms: self.applied_ms,
            updated_ms: self.updated_ms,
            version: self.version,
            region_path: RegionPath::parse(&self.region_path).ok_or_else(|| corrupt("path"))?,
            template_id: self.template_id,
        })
    }

    pub(crate) fn snapshot(&self) -> Result<Application> {
        serde_json::from_str(&self.snapshot)
            .map_err(|e| StoreError::Corrupt(format!("safety application {}: {e}", self.id)))
    }
}

/// A unit's contact reads only their own unit's applications: the SQL condition on `column`
/// (placeholder `$n`) and its value, or nothing for everyone else.
pub(crate) fn own_org_filter(actor: &Actor, n: usize) -> (String, Option<i64>) {
    own_org_condition(actor, "org_id", n)
}

pub(crate) fn own_org_condition(actor: &Actor, column: &str, n: usize) -> (String, Option<i64>) {
    if actor.role == Role::UnitContact {
        // A contact without an organisation reads nothing (-1 matches no row).
        (format!("AND {column} = ${n}"), Some(actor.scope.org_id.unwrap_or(-1)))
    } else {
        (String::new(), None)
    }
}

pub(crate) fn refusal(e: MediationError) -> StoreError {
    match (e.class, e.field) {
        (pingan_domain::appeal::ErrorClass::BadRequest, field) => {
            StoreError::Invalid(vec![FieldError::new(field.unwrap_or("action"), e.message)])
        }
        (class, _) => StoreError::Refused { status: class.status(), message: e.message },
    }
}

/// Write the events of one step and the new fold: the version-checked row, the events, the
/// audit event. Expands inside an `on_pool!` body, with `$tx` the open transaction.
macro_rules! persist_application {
    ($tx:expr, $row:expr, $after:expr, $events:expr, $actor:expr, $action:expr, $now:expr) => {{
        let row: &AppRow = $row;
        let after: &pingan_domain::safety::Application = $after;
        let events: &[pingan_domain::safety::ApplicationEvent] = $events;
        let new_version = row.version + events.len() as i64;
        let result = after.result.as_ref();
        let changed = sqlx::query(
            "UPDATE safety_applications SET state = $1, outcome = $2, total = $3, updated_ms = $4, version = $5,
                    snapshot = $6
              WHERE id = $7 AND version = $8",
        )
        .bind(after.state.as_str())
        .bind(result.map(|r| serde_json::to_value(r.outcome).expect("serialisable").as_str().unwrap_or("").to_owned()))
        .bind(result.map(|r| i64::from(r.total)))
        .bind($now)
        .bind(new_version)
        .bind(serde_json::to_string(after).expect("serialisable"))
        .bind(row.id)
        .bind(row.version)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(
                "申报刚被他人更新,请刷新后重试 / someone else just updated this application: reload and retry".into(),
            ));
        }
        for (i, e) in events.iter().enumerate() {
            let body = serde_json::to_value(e).expect("serialisable");
            let kind = body.get("kind").and_then(|k| k.as_str()).unwrap_or("event").to_owned();
            sqlx::query(
                "INSERT INTO safety_application_events (application_id, seq, at_ms, kind, actor_id, body)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(row.version + 1 + i as i64)
            .bind($now)
            .bind(&kind)
            .bind($actor.account_id)
            .bind(body.to_string())
            .execute(&mut *$tx)
            .await?;
        }
        let before_state = row.state.clone();
        let event = AuditEvent {
            at_ms: $now,
            actor_id: Some($actor.account_id),
            actor_name: $actor.username.clone(),
            action: format!("safety.{}", $action),
            target_kind: "safety_application".into(),
            target_id: Some(row.id),
            success: true,
            before: serde_json::json!({ "state": before_state, "version": row.version }),
            after: serde_json::json!({ "state": after.state.as_str(), "version": new_version,
                "total": result.map(|r| r.total) }),
        };
        write_audit!(&mut *$tx, &event, row.region_path.as_str())?;
    }};
}
pub(crate) use persist_application;

impl Store {
    pub(crate) async fn application_row(&self, id: i64) -> Result<AppRow> {
        let sql = format!("{APP_SELECT} WHERE a.id = $1");
        let row: Option<AppRow> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The row of application `id` if `actor` may read it (404 otherwise, as for anything out
    /// of scope).
    pub(crate) async fn readable_application(&self, actor: &Actor, id: i64) -> Result<AppRow> {
        require(actor, Action::Read)?;
        let row = self.application_row(id).await?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("application path".into()))?;
        let own = actor.role != Role::UnitContact || actor.scope.org_id == Some(row.org_id);
        if actor.scope.covers_region(&path) && own { Ok(row) } else { Err(StoreError::NotFound) }
    }

    /// How `actor` stands to the application in `row`: the unit (its contact, or a township
    /// dispatcher acting for a unit without one, as 诉求代办 does for residents), the competent
    /// department (its staff at the unit's county or the city), the 平安办 (the 党委政法委's
    /// staff there). Administrators in scope hold all three.
    pub(crate) async fn relation_to(&self, actor: &Actor, row: &AppRow) -> Result<Relation> {
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("application path".into()))?;
        if !actor.scope.covers_region(&path) {
            return Ok(Relation::default());
        }
        Ok(match actor.role {
            Role::Admin => Relation { unit: true, department: true, office: true },
            Role::UnitContact => Relation { unit: actor.scope.org_id == Some(row.org_id), ..Relation::default() },
            Role::TownshipDispatcher => Relation { unit: true, ..Relation::default() },
            Role::DeptHandler => {
                let dept = match actor.scope.org_id {
                    Some(org) => on_pool!(&self.db, |pool| sqlx::query_scalar::<_, Option<String>>(
                        "SELECT dept FROM orgs WHERE id = $1 AND kind = 'department'"
                    )
                    .bind(org)
                    .fetch_optional(pool)
                    .await)?
                    .flatten(),
                    None => None,
                };
                let dept = dept.as_deref();
                Relation {
                    unit: false,
                    department: dept.is_some() && dept == competent_department(&row.industry),
                    office: dept == Some("zhengfa"),
                }
            }
            _ => Relation::default(),
        })
    }

    /// Apply for a 平安单位 title in campaign `campaign_id` for unit `org_id`: by the unit's
    /// contact, or a township dispatcher or administrator for a unit in their scope. Refused
    /// after the campaign's deadline, for what is not a social unit of one of the industries,
    /// and for a unit outside the campaign's region. The records of the campaign's year so far
    /// are proposed against it at once.
    pub async fn apply_for_safe_unit(&self, actor: &Actor, campaign_id: i64, org_id: i64) -> Result<ApplicationView> {
        require(actor, Action::Create)?;
        if !matches!(actor.role, Role::UnitContact | Role::TownshipDispatcher | Role::Admin) {
            return Err(StoreError::Denied(Denied::Role));
        }
        if actor.role == Role::UnitContact && actor.scope.org_id != Some(org_id) {
            return Err(StoreError::Denied(Denied::Scope));
        }
        let (campaign, _) = self.safety_campaign(actor, campaign_id).await?;
        if !campaign.kind.takes_applications() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "campaign_id",
                format!("{}不接受单位申报 / units do not apply to this campaign", campaign.kind.zh()),
            )]));
        }
        let today = china_today();
        if today > campaign.apply_until {
            return Err(StoreError::Conflict(format!(
                "{}的申报已于 {} 截止 / applications closed on {}",
                campaign.name, campaign.apply_until, campaign.apply_until
            )));
        }
        let org = self.org(&actor.scope, org_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(vec![FieldError::new("org_id", "没有这个单位 / no such unit")]),
            e => e,
        })?;
        let industry = match (&org.kind, &org.industry) {
            (OrgKind::SocialUnit, Some(industry)) => industry.clone(),
            _ => {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "org_id",
                    format!("「{}」不是参加平安单位创建的社会单位 / not a social unit of the 34 industries", org.name),
                )]));
            }
        };
        if !campaign.region_path.contains(&org.region_path) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "org_id",
                format!(
                    "「{}」不在{}的范围内 / the unit is outside the campaign's region",
                    org.name, campaign.region_name
                ),
            )]));
        }
        let dept_org_id = self.competent_department_org(&org.region_path, &industry).await?;
        let now = now_ms();
        let snapshot = serde_json::to_string(&Application::new()).expect("serialisable");
        let county = org.region_path.ancestor(2);
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO safety_applications (campaign_id, org_id, region_path, industry, dept_org_id, state,
                                                  applied_ms, updated_ms, version, snapshot)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1, $8)
                 ON CONFLICT (campaign_id, org_id) DO NOTHING RETURNING id",
            )
            .bind(campaign_id)
            .bind(org_id)
            .bind(org.region_path.as_str())
            .bind(&industry)
            .bind(dept_org_id)
            .bind(ApplicationState::Drafting.as_str())
            .bind(now)
            .bind(&snapshot)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                return Err(StoreError::Conflict(format!(
                    "「{}」已申报{} / the unit has applied in this campaign already",
                    org.name, campaign.name
                )));
            };
            sqlx::query(
                "INSERT INTO safety_application_events (application_id, seq, at_ms, kind, actor_id, body)
                 VALUES ($1, 1, $2, 'applied', $3, $4)",
            )
            .bind(id)
            .bind(now)
            .bind(actor.account_id)
            .bind(serde_json::json!({ "kind": "applied", "org_id": org_id, "campaign_id": campaign_id }).to_string())
            .execute(&mut *tx)
            .await?;
            super::incidents::propose_incidents_for_application!(
                tx,
                id,
                org_id,
                org.address.as_deref(),
                &county,
                campaign.year,
                campaign.template_id,
                now
            );
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.apply".into(),
                target_kind: "safety_application".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "campaign_id": campaign_id, "org_id": org_id, "industry": industry }),
            };
            write_audit!(&mut *tx, &event, org.region_path.as_str())?;
            tx.commit().await?;
            id
        });
        // The year's appeals and disputes about the unit so far (its incidents came above).
        self.derive_safety_proposals(Some(id)).await?;
        self.application_row(id).await?.view()
    }

    /// The department organisation of `industry`'s competent department for a unit at `place`:
    /// the county's, else the city's.
    async fn competent_department_org(&self, place: &RegionPath, industry: &str) -> Result<Option<i64>> {
        let Some(dept) = competent_department(industry) else { return Ok(None) };
        let ids = place.ids();
        for region in ids.iter().take(2).rev() {
            let found: Option<i64> = on_pool!(&self.db, |pool| {
                sqlx::query_scalar(
                "SELECT id FROM orgs WHERE kind = 'department' AND dept = $1 AND region_id = $2 AND retired_at IS NULL
                  ORDER BY id LIMIT 1"
            )
            .bind(dept)
            .bind(*region)
            .fetch_optional(pool)
            .await
            })?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Applications in the actor's scope (a unit's contact: their own), newest first.
    pub async fn safety_applications(
        &self,
        actor: &Actor,
        f: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationView>, i64)> {
        require(actor, Action::Read)?;
        let mut conditions = vec!["a.region_path >= $1 AND a.region_path < $2".to_owned()];
        let (own, own_org) = own_org_condition(actor, "a.org_id", 3);
        if !own.is_empty() {
            conditions.push(own.trim_start_matches("AND ").to_owned());
        }
        // Ids and codes below are parsed values (numbers, a known state, an industry code
        // checked against the table): safe to inline.
        if let Some(c) = f.campaign_id {
            conditions.push(format!("a.campaign_id = {c}"));
        }
        if let Some(s) = f.state {
            conditions.push(format!("a.state = '{}'", s.as_str()));
        }
        if let Some(i) = f.industry.as_deref().filter(|i| industry_name(i).is_some()) {
            conditions.push(format!("a.industry = '{i}'"));
        }
        let where_ = conditions.join(" AND ");
        let per_page = f.per_page.clamp(1, 200);
        let offset = (f.page.max(1) - 1).min(10_000) * per_page;
        let list = format!(
            "{APP_SELECT} WHERE {where_} ORDER BY a.updated_ms DESC, a.id DESC LIMIT {per_page} OFFSET {offset}"
        );
        let count = format!("SELECT count(*) FROM safety_applications a WHERE {where_}");
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let (rows, total): (Vec<AppRow>, i64) = on_pool!(&self.db, |pool| {
            let mut q = sqlx::query_as(&list).bind(&lo).bind(&hi);
            let mut c = sqlx::query_scalar(&count).bind(&lo).bind(&hi);
            if let Some(org) = own_org {
                q = q.bind(org);
                c = c.bind(org);
            }
            (q.fetch_all(pool).await?, c.fetch_one(pool).await?)
        });
        Ok((rows.iter().map(AppRow::view).collect::<Result<_>>()?, total))
    }

    /// One application with its template version, evidence, proposals and the reader's relation.
    pub async fn safety_application(&self, actor: &Actor, id: i64) -> Result<ApplicationDetail> {
        let row = self.readable_application(actor, id).await?;
        let template = self.template_by_id(row.template_id).await?;
        let relation = self.relation_to(actor, &row).await?;
        let snapshot = row.snapshot()?;
        Ok(ApplicationDetail {
            self_total: snapshot.self_total(),
            snapshot,
            template,
            evidence: self.evidence_of_application(id).await?,
            proposals: self.proposals_of_application(id).await?,
            relation: relation.into(),
            application: row.view()?,
        })
    }

    /// One step of an application (not a confirmation of an event: that is a proposal's
    /// decision). The store fills in what only it knows: which tasks have evidence files, and
    /// the end of the 公示 in working days.
    pub async fn act_on_application(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        command: ApplicationCommand,
    ) -> Result<ApplicationView> {
        require(actor, Action::Update)?;
        let row = self.readable_application(actor, id).await?;
        if version != row.version {
            return Err(StoreError::Conflict(
                "申报已被他人更新,请刷新后重试 / someone else updated this application since you opened it: reload and retry"
                    .into(),
            ));
        }
        let today = china_today();
        let command = match command {
            ApplicationCommand::ConfirmEvent { .. } => {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "action",
                    "负面和否决事件通过核实推送的事件确认 / confirm events through their proposals",
                )]));
            }
            ApplicationCommand::Submit { .. } => {
                let evidence_tasks: BTreeSet<String> =
                    self.evidence_of_application(id).await?.into_iter().map(|e| e.task_code).collect();
                ApplicationCommand::Submit { evidence_tasks }
            }
            ApplicationCommand::Conclude { team, .. } => {
                let calendar = self.work_calendar().await?;
                let until = notice_end(&calendar, today, row.notice_days as u32);
                ApplicationCommand::Conclude { team, notice_until: Some(until) }
            }
            other => other,
        };
        let template = self.template_by_id(row.template_id).await?;
        let relation = self.relation_to(actor, &row).await?;
        let before = row.snapshot()?;
        let events = decide(&before, &template, relation, &actor.display_name, &command, today).map_err(refusal)?;
        let mut after = before.clone();
        for e in &events {
            apply(&mut after, e);
        }
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            persist_application!(tx, &row, &after, &events, actor, command.name(), now);
            tx.commit().await?;
        });
        // Before a review or a result, the records since the application are on the list too.
        if matches!(command, ApplicationCommand::Submit { .. } | ApplicationCommand::Conclude { .. }) {
            self.derive_safety_proposals(Some(id)).await?;
        }
        self.application_row(id).await?.view()
    }

    async fn evidence_of_application(&self, id: i64) -> Result<Vec<SafetyEvidence>> {
        let rows: Vec<EvidenceRow> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT e.id, e.application_id, e.task_code, e.sha256, e.size, e.mime, e.name, a.display_name, e.added_ms
               FROM safety_evidence e LEFT JOIN accounts a ON a.id = e.added_by
              WHERE e.application_id = $1 ORDER BY e.task_code, e.id"
        )
        .bind(id)
        .fetch_all(pool)
        .await
        })?;
        rows.into_iter().map(evidence_of).collect()
    }

    /// One evidence file, for anyone who may read its application.
    pub async fn safety_evidence_item(&self, actor: &Actor, evidence_id: i64) -> Result<SafetyEvidence> {
        let row: Option<EvidenceRow> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT e.id, e.application_id, e.task_code, e.sha256, e.size, e.mime, e.name, a.display_name, e.added_ms
               FROM safety_evidence e LEFT JOIN accounts a ON a.id = e.added_by WHERE e.id = $1"
        )
        .bind(evidence_id)
        .fetch_optional(pool)
        .await
        })?;
        let e = evidence_of(row.ok_or(StoreError::NotFound)?)?;
        self.readable_application(actor, e.application_id).await?;
        Ok(e)
    }

    /// Whether `actor` may add the files `names` to task `task` of application `id`: the unit
    /// only, while it may still edit, a task of the template, within the limits. With no names,
    /// whether they may add at all (checked before an upload is read).
    pub async fn check_safety_evidence_addable(
        &self,
        actor: &Actor,
        id: i64,
        task: Option<&str>,
        names: &[String],
    ) -> Result<()> {
        require(actor, Action::Update)?;
        let row = self.readable_application(actor, id).await?;
        if !self.relation_to(actor, &row).await?.unit {
            return Err(StoreError::Refused {
                status: 403,
                message: "佐证材料由申报单位上传 / evidence is added by the applying unit".into(),
            });
        }
        let snapshot = row.snapshot()?;
        if !snapshot.state.unit_edits() {
            return Err(StoreError::Conflict(format!(
                "申报当前为“{}”,不能再上传材料 / the application is {}: no more evidence",
                snapshot.state.zh(),
                snapshot.state.as_str()
            )));
        }
        let Some(task) = task else { return Ok(()) };
        let template = self.template_by_id(row.template_id).await?;
        if template.task(task).is_none() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "task",
                format!("评分表没有任务 {task} / no task {task}"),
            )]));
        }
        let existing = self.evidence_of_application(id).await?;
        let for_task = existing.iter().filter(|e| e.task_code == task).count();
        if !names.is_empty() && for_task + names.len() > MAX_EVIDENCE_PER_TASK {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "file",
                format!(
                    "每项任务最多 {MAX_EVIDENCE_PER_TASK} 份材料,{task} 已有 {for_task} 份 / at most {MAX_EVIDENCE_PER_TASK} files per task"
                ),
            )]));
        }
        if existing.len() + names.len() > MAX_EVIDENCE_PER_APPLICATION {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "file",
                format!(
                    "每份申报最多 {MAX_EVIDENCE_PER_APPLICATION} 份材料 / at most {MAX_EVIDENCE_PER_APPLICATION} files per application"
                ),
            )]));
        }
        Ok(())
    }

    /// Record stored blobs as evidence of task `task`, with an audit event, in one transaction
    /// that checks the application's state again.
    pub async fn add_safety_evidence(
        &self,
        actor: &Actor,
        id: i64,
        task: &str,
        files: &[(String, BlobRef)],
    ) -> Result<Vec<SafetyEvidence>> {
        if files.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "file",
                "请选择要上传的材料 / choose at least one file",
            )]));
        }
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        self.check_safety_evidence_addable(actor, id, Some(task), &names).await?;
        let row = self.application_row(id).await?;
        let now = now_ms();
        let lock = self.lock_clause();
        let select = format!("SELECT state FROM safety_applications WHERE id = $1 {lock}");
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let state: String = sqlx::query_scalar(&select).bind(id).fetch_one(&mut *tx).await?;
            if !ApplicationState::parse(&state).is_some_and(ApplicationState::unit_edits) {
                return Err(StoreError::Conflict(
                    "申报刚被提交,不能再上传材料 / the application was just submitted".into(),
                ));
            }
            for (name, blob) in files {
                sqlx::query(
                    "INSERT INTO safety_evidence (application_id, task_code, sha256, size, mime, name, added_by, added_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(task)
                .bind(&blob.sha256)
                .bind(blob.size as i64)
                .bind(blob.kind.mime())
                .bind(name)
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.evidence_add".into(),
                target_kind: "safety_application".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "task": task, "files": files.len(),
                    "sha256": files.iter().map(|(_, b)| b.sha256.clone()).collect::<Vec<_>>() }),
            };
            write_audit!(&mut *tx, &event, row.region_path.as_str())?;
            tx.commit().await?;
        });
        Ok(self.evidence_of_application(id).await?.into_iter().filter(|e| e.task_code == task).collect())
    }
}

type EvidenceRow = (i64, i64, String, String, i64, String, String, Option<String>, i64);

fn evidence_of(
    (id, application_id, task_code, sha256, size, mime, name, by, added_ms): EvidenceRow,
) -> Result<SafetyEvidence> {
    let kind = AttachmentKind::of_mime(&mime)
        .ok_or_else(|| StoreError::Corrupt(format!("safety evidence {id}: type '{mime}'")))?;
    Ok(SafetyEvidence {
        id,
        application_id,
        task_code,
        sha256,
        size,
        kind,
        name,
        added_by: by.unwrap_or_default(),
        added_ms,
    })
}

/// An entry of the public list (公示名单): units on notice, awarded, or whose title was revoked.
#[derive(Debug, Clone, Serialize)]
pub struct PublicEntry {
    pub application_id: i64,
    pub unit: String,
    pub industry: String,
    pub address: String,
    pub state: ApplicationState,
    pub total: Option<i64>,
    pub notice_until: Option<chrono::NaiveDate>,
    pub awarded_on: Option<chrono::NaiveDate>,
    pub ended: Option<String>,
}

impl Store {
    /// The public list of `year`: units on notice (with the end of the objection period),
    /// awarded, and revoked with the reason. Public by design — unit names, addresses and
    /// results, no person — so it reads across scopes.
    pub async fn safety_public_list(&self, year: i32) -> Result<Vec<PublicEntry>> {
        let sql = format!(
            "{APP_SELECT} WHERE c.year = $1 AND c.kind = 'safe_unit' AND a.state IN ('publicised', 'awarded', 'revoked')
              ORDER BY a.industry, o.name LIMIT 20000"
        );
        let rows: Vec<AppRow> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(i64::from(year)).fetch_all(pool).await)?;
        rows.iter()
            .map(|r| {
                let v = r.view()?;
                let s = r.snapshot()?;
                Ok(PublicEntry {
                    application_id: v.id,
                    unit: v.org_name,
                    industry: v.industry_name,
                    address: v.address.unwrap_or_default(),
                    state: v.state,
                    total: v.total,
                    notice_until: s.notice_until,
                    awarded_on: s.awarded_on,
                    ended: s.ended.map(|e| format!("{} {}", e.on, e.reason)),
                })
            })
            .collect()
    }
}
