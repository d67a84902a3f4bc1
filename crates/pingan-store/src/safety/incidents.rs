//! The incident register (事件登记) and the proposals it makes. Recording an incident proposes,
//! in the same transaction, the negative-list or veto item it matches against every open
//! application of the incident's year at the unit it happened at — the unit named, or any unit
//! of the county at the same address. A unit that applies later gets the year's incidents so
//! far when it applies. A reviewer of the unit's competent department or the 平安办 confirms
//! (and the application re-scores) or dismisses each proposal; nothing deducts silently.

use super::applications::{AppRow, persist_application, refusal};
use super::{china_today, require};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::region::RegionLevel;
use pingan_domain::safety::incident::same_address;
use pingan_domain::safety::{
    ApplicationCommand, IncidentKind, ListKind, ProposalSource, RawIncident, Severity, UnitTemplate, apply, decide,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A recorded incident.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Incident {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub occurred_on: String,
    pub region_id: i64,
    pub place: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub address: Option<String>,
    pub summary: String,
    pub casualties: i64,
    pub recorded_by: Option<String>,
    pub recorded_ms: i64,
    /// Applications it was proposed against.
    pub proposals: i64,
    /// The citizen's appeal it was registered from.
    pub appeal_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub kind: Option<IncidentKind>,
    pub page: i64,
    pub per_page: i64,
}

/// What a record proposes against an application, and what became of it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Proposal {
    pub id: i64,
    pub application_id: i64,
    pub source: String,
    pub source_id: i64,
    pub list: String,
    pub item_code: String,
    pub severity: String,
    pub summary: String,
    pub occurred_on: String,
    /// `proposed`, `confirmed` or `dismissed`.
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
    pub created_ms: i64,
}

/// A reviewer's decision on a proposal. Confirming may correct the item (within its list)
/// and the severity; dismissing needs a reason.
#[derive(Debug, Clone, Deserialize)]
pub struct ProposalDecision {
    pub confirm: bool,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Propose the incidents of `year` at the unit against application `app_id`, inside the open
/// transaction `tx` of an `on_pool!` body: those naming the unit, and those of the unit's
/// county at its address.
macro_rules! propose_incidents_for_application {
    ($tx:expr, $app_id:expr, $org_id:expr, $address:expr, $county:expr, $year:expr, $template_id:expr, $now:expr) => {{
        let county: &pingan_domain::region::RegionPath = $county;
        let address: Option<&str> = $address;
        let (from, to) = (format!("{:04}-01-01", $year), format!("{:04}-12-31", $year));
        let found: Vec<(i64, String, String, String, Option<i64>, Option<String>, String)> = sqlx::query_as(
            "SELECT id, kind, severity, occurred_on, org_id, address, summary FROM safety_incidents
              WHERE occurred_on >= $1 AND occurred_on <= $2
                AND (org_id = $3 OR (address IS NOT NULL AND region_path >= $4 AND region_path < $5))",
        )
        .bind(&from)
        .bind(&to)
        .bind($org_id)
        .bind(county.as_str())
        .bind(county.subtree_end())
        .fetch_all(&mut *$tx)
        .await?;
        let body: String = sqlx::query_scalar("SELECT body FROM safety_templates WHERE id = $1")
            .bind($template_id)
            .fetch_one(&mut *$tx)
            .await?;
        let template = $crate::safety::incidents::template_of($template_id, &body)?;
        for (incident_id, kind, severity, occurred_on, org, incident_address, summary) in found {
            let at_unit = org == Some($org_id)
                || matches!((address, incident_address.as_deref()), (Some(a), Some(b)) if pingan_domain::safety::incident::same_address(a, b));
            let (Some(kind), Some(severity)) = (
                pingan_domain::safety::IncidentKind::parse(&kind),
                pingan_domain::safety::Severity::parse(&severity),
            ) else {
                return Err(StoreError::Corrupt(format!("incident {incident_id}: kind or severity")));
            };
            if at_unit {
                let source = pingan_domain::safety::ProposalSource::Incident(kind);
                $crate::safety::incidents::insert_proposal!($tx, &template, $app_id, source, incident_id, severity, &summary, &occurred_on, $now);
            }
        }
    }};
}
pub(crate) use propose_incidents_for_application;

/// Insert the proposal a record makes under `template`, if it makes one, once per
/// application and record; evaluates to the number of rows written (0 or 1).
macro_rules! insert_proposal {
    ($tx:expr, $template:expr, $app_id:expr, $source:expr, $source_id:expr, $severity:expr, $summary:expr, $occurred_on:expr, $now:expr) => {{
        let source: pingan_domain::safety::ProposalSource = $source;
        match pingan_domain::safety::propose($template, source, $severity) {
            Some(p) => sqlx::query(
                "INSERT INTO safety_proposals (application_id, source, source_id, list, item_code, severity, summary,
                                               occurred_on, status, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9)
                 ON CONFLICT (application_id, source, source_id) DO NOTHING",
            )
            .bind($app_id)
            .bind(source.code())
            .bind($source_id)
            .bind(p.list.as_str())
            .bind(&p.code)
            .bind(p.severity.as_str())
            .bind($summary)
            .bind($occurred_on)
            .bind($now)
            .execute(&mut *$tx)
            .await?
            .rows_affected(),
            None => 0u64,
        }
    }};
}
pub(crate) use insert_proposal;

pub(crate) fn template_of(id: i64, body: &str) -> Result<UnitTemplate> {
    super::parse_template(id, body)
}

const INCIDENT_SELECT: &str = "SELECT i.id, i.kind, i.severity, i.occurred_on, i.region_id, r.name AS place, i.org_id,
        o.name AS org_name, i.address, i.summary, i.casualties, a.display_name AS recorded_by, i.recorded_ms,
        i.appeal_id, (SELECT count(*) FROM safety_proposals p WHERE p.source_id = i.id AND p.source LIKE 'incident.%') AS proposals
   FROM safety_incidents i JOIN regions r ON r.id = i.region_id LEFT JOIN orgs o ON o.id = i.org_id
   LEFT JOIN accounts a ON a.id = i.recorded_by";

const PROPOSAL_SELECT: &str = "SELECT p.id, p.application_id, p.source, p.source_id, p.list, p.item_code, p.severity,
        p.summary, p.occurred_on, p.status, p.reason, a.display_name AS decided_by, p.decided_ms, p.created_ms
   FROM safety_proposals p LEFT JOIN accounts a ON a.id = p.decided_by";

impl Store {
    /// Record an incident at a unit (`org_id`) or a place (`region_id`, a township, village or
    /// grid), and propose it against the open applications of its year at that unit or
    /// address. Staff who record incidents (township dispatchers, departments, administrators)
    /// do so wherever their scope reaches: an incident belongs to no organisation.
    ///
    /// An incident may be registered from a citizen's appeal (`appeal_id`) the recorder can
    /// read, once: an appeal found to be such an event. Without a unit or place it is at the
    /// appeal's place.
    pub async fn record_incident(
        &self,
        actor: &Actor,
        raw: &RawIncident,
        region_id: Option<i64>,
        org_id: Option<i64>,
        appeal_id: Option<i64>,
    ) -> Result<Incident> {
        require(actor, Action::Create)?;
        if actor.role == Role::UnitContact {
            return Err(StoreError::Denied(Denied::Role));
        }
        let mut errors = Vec::new();
        let draft = raw.parse(china_today()).map_err(|e| errors.extend(e)).ok();
        let mut region_id = region_id;
        if let Some(appeal_id) = appeal_id {
            match self.appeal(actor, appeal_id).await {
                Ok(appeal) => region_id = region_id.or(Some(appeal.region_id)),
                Err(StoreError::NotFound) => {
                    errors.push(FieldError::new("appeal_id", "没有这件诉求 / no such appeal"));
                }
                Err(e) => return Err(e),
            }
        }
        let (region, unit) = match (org_id, region_id) {
            (Some(org_id), _) => match self.org(&actor.scope, org_id).await {
                Ok(org) => (Some(self.region(&actor.scope, org.region_id).await?), Some(org)),
                Err(StoreError::NotFound) => {
                    errors.push(FieldError::new("org_id", "没有这个单位 / no such unit"));
                    (None, None)
                }
                Err(e) => return Err(e),
            },
            (None, Some(region_id)) => match self.region(&actor.scope, region_id).await {
                Ok(r) if matches!(r.level, RegionLevel::Township | RegionLevel::Village | RegionLevel::Grid) => {
                    (Some(r), None)
                }
                Ok(_) => {
                    errors.push(FieldError::new(
                        "region_id",
                        "请选择乡镇、村(社区)或网格 / choose a township, village or grid",
                    ));
                    (None, None)
                }
                Err(StoreError::NotFound) => {
                    errors.push(FieldError::new("region_id", "没有这个地区 / no such region"));
                    (None, None)
                }
                Err(e) => return Err(e),
            },
            (None, None) => {
                errors.push(FieldError::new("region_id", "请选择事发单位或地点 / name the unit or the place"));
                (None, None)
            }
        };
        let (Some(draft), Some(region)) = (draft, region) else {
            return Err(StoreError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        region.require_live()?;
        // An incident at a unit without its own address is at the unit's address.
        let address = draft.address.clone().or_else(|| unit.as_ref().and_then(|u| u.address.clone()));
        let county = region.path.ancestor(2);
        let year = chrono::Datelike::year(&draft.occurred_on);
        let occurred_on = draft.occurred_on.to_string();
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO safety_incidents (kind, severity, occurred_on, region_id, region_path, org_id, address, summary,
                                               casualties, recorded_by, recorded_ms, appeal_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(draft.kind.as_str())
            .bind(draft.severity.as_str())
            .bind(&occurred_on)
            .bind(region.id)
            .bind(region.path.as_str())
            .bind(org_id)
            .bind(&address)
            .bind(&draft.summary)
            .bind(i64::from(draft.casualties))
            .bind(actor.account_id)
            .bind(now)
            .bind(appeal_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::Conflict("这件诉求已经登记为事件 / this appeal is already registered as an incident".into())
                }
                _ => StoreError::from(e),
            })?;
            // The open applications of the year in the county: named, or at the same address.
            let candidates: Vec<(i64, i64, Option<String>, i64, String)> = sqlx::query_as(
                "SELECT a.id, a.org_id, o.address, c.template_id, t.body
                   FROM safety_applications a JOIN safety_campaigns c ON c.id = a.campaign_id
                   JOIN safety_templates t ON t.id = c.template_id JOIN orgs o ON o.id = a.org_id
                  WHERE c.year = $1 AND a.state NOT IN ('not_passed', 'revoked')
                    AND (a.org_id = $2 OR (o.address IS NOT NULL AND a.region_path >= $3 AND a.region_path < $4))",
            )
            .bind(i64::from(year))
            .bind(org_id.unwrap_or(-1))
            .bind(county.as_str())
            .bind(county.subtree_end())
            .fetch_all(&mut *tx)
            .await?;
            let mut templates: HashMap<i64, UnitTemplate> = HashMap::new();
            for (app_id, app_org, app_address, template_id, body) in candidates {
                let at_unit = Some(app_org) == org_id
                    || matches!((&address, &app_address), (Some(a), Some(b)) if same_address(a, b));
                if !at_unit {
                    continue;
                }
                let template = match templates.entry(template_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(template_of(template_id, &body)?),
                };
                insert_proposal!(
                    tx,
                    template,
                    app_id,
                    ProposalSource::Incident(draft.kind),
                    id,
                    draft.severity,
                    &draft.summary,
                    &occurred_on,
                    now
                );
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.incident_record".into(),
                target_kind: "safety_incident".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "kind": draft.kind.as_str(), "severity": draft.severity.as_str(),
                    "occurred_on": occurred_on, "region_id": region.id, "org_id": org_id }),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.incident(actor, id).await
    }

    /// One incident in the actor's scope.
    pub async fn incident(&self, actor: &Actor, id: i64) -> Result<Incident> {
        require(actor, Action::Read)?;
        let sql = format!("{INCIDENT_SELECT} WHERE i.id = $1 AND i.region_path >= $2 AND i.region_path < $3");
        let row: Option<Incident> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.scope.region.as_str())
            .bind(actor.scope.region.subtree_end())
            .fetch_optional(pool)
            .await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Incidents in the actor's scope, newest first. Units' contacts do not read the register.
    pub async fn incidents(&self, actor: &Actor, f: &IncidentFilter) -> Result<(Vec<Incident>, i64)> {
        require(actor, Action::Read)?;
        if actor.role == Role::UnitContact {
            return Err(StoreError::Denied(Denied::Role));
        }
        let mut where_ = "i.region_path >= $1 AND i.region_path < $2".to_owned();
        if let Some(k) = f.kind {
            // A parsed kind: safe to inline.
            where_.push_str(&format!(" AND i.kind = '{}'", k.as_str()));
        }
        let per_page = f.per_page.clamp(1, 200);
        let offset = (f.page.max(1) - 1).min(10_000) * per_page;
        let list = format!(
            "{INCIDENT_SELECT} WHERE {where_} ORDER BY i.occurred_on DESC, i.id DESC LIMIT {per_page} OFFSET {offset}"
        );
        let count = format!("SELECT count(*) FROM safety_incidents i WHERE {where_}");
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| {
            let rows: Vec<Incident> = sqlx::query_as(&list).bind(&lo).bind(&hi).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(&count).bind(&lo).bind(&hi).fetch_one(pool).await?;
            (rows, total)
        }))
    }

    pub(crate) async fn proposals_of_application(&self, id: i64) -> Result<Vec<Proposal>> {
        let sql = format!("{PROPOSAL_SELECT} WHERE p.application_id = $1 ORDER BY p.id");
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_all(pool).await)?)
    }

    /// Confirm or dismiss proposal `id`: the competent department or the 平安办. A confirmation
    /// is a step of the application (re-scored, perhaps revoked) written with the proposal's
    /// new status in one transaction; a proposal is decided once.
    pub async fn decide_proposal(&self, actor: &Actor, id: i64, decision: &ProposalDecision) -> Result<Proposal> {
        require(actor, Action::Update)?;
        let sql = format!("{PROPOSAL_SELECT} WHERE p.id = $1");
        let proposal: Option<Proposal> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let proposal = proposal.ok_or(StoreError::NotFound)?;
        let row: AppRow = self.readable_application(actor, proposal.application_id).await?;
        let relation = self.relation_to(actor, &row).await?;
        if !(relation.department || relation.office) {
            return Err(StoreError::Refused {
                status: 403,
                message: "事件由主管部门或平安办核实 / proposals are decided by the competent department or the safe-creation office"
                    .into(),
            });
        }
        if proposal.status != "proposed" {
            return Err(StoreError::Conflict("这条推送已处理 / this proposal was decided already".into()));
        }
        let reason = decision.reason.trim();
        if reason.chars().count() > 2000 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "不超过 2000 字 / at most 2000 characters",
            )]));
        }
        let now = now_ms();
        let mark = "UPDATE safety_proposals SET status = $1, reason = $2, decided_by = $3, decided_ms = $4
                     WHERE id = $5 AND status = 'proposed'";
        if !decision.confirm {
            if reason.is_empty() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "reason",
                    "排除推送事件须写明理由 / say why the proposal does not apply",
                )]));
            }
            on_pool!(&self.db, |pool| {
                let mut tx = pool.begin_write().await?;
                let changed = sqlx::query(mark)
                    .bind("dismissed")
                    .bind(reason)
                    .bind(actor.account_id)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict(
                        "这条推送刚被他人处理 / someone just decided this proposal".into(),
                    ));
                }
                let event = AuditEvent {
                    at_ms: now,
                    actor_id: Some(actor.account_id),
                    actor_name: actor.username.clone(),
                    action: "safety.proposal_dismiss".into(),
                    target_kind: "safety_proposal".into(),
                    target_id: Some(id),
                    success: true,
                    before: serde_json::json!({ "status": "proposed" }),
                    after: serde_json::json!({ "status": "dismissed", "application_id": proposal.application_id }),
                };
                write_audit!(&mut *tx, &event, row.region_path.as_str())?;
                tx.commit().await?;
            });
            return self.proposal(id).await;
        }
        let list = ListKind::parse(&proposal.list).ok_or_else(|| StoreError::Corrupt("proposal list".into()))?;
        let severity = match decision.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                Severity::parse(&proposal.severity).ok_or_else(|| StoreError::Corrupt("proposal severity".into()))?
            }
            Some(s) => Severity::parse(s).ok_or_else(|| {
                StoreError::Invalid(vec![FieldError::new(
                    "severity",
                    "事件等级为一般、较大、重大或特大 / choose a severity",
                )])
            })?,
        };
        let code = decision.code.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or(&proposal.item_code);
        let command = ApplicationCommand::ConfirmEvent {
            proposal_id: id,
            list,
            code: code.to_owned(),
            severity,
            summary: proposal.summary.clone(),
        };
        let template = self.template_by_id(row.view()?.template_id).await?;
        let before = row.snapshot()?;
        let events =
            decide(&before, &template, relation, &actor.display_name, &command, china_today()).map_err(refusal)?;
        let mut after = before.clone();
        for e in &events {
            apply(&mut after, e);
        }
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(mark)
                .bind("confirmed")
                .bind((!reason.is_empty()).then_some(reason))
                .bind(actor.account_id)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("这条推送刚被他人处理 / someone just decided this proposal".into()));
            }
            persist_application!(tx, &row, &after, &events, actor, "proposal_confirm", now);
            tx.commit().await?;
        });
        self.proposal(id).await
    }

    async fn proposal(&self, id: i64) -> Result<Proposal> {
        let sql = format!("{PROPOSAL_SELECT} WHERE p.id = $1");
        let row: Option<Proposal> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::NotFound)
    }
}
