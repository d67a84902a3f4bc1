//! 平安创建 storage: scorecard templates by version, yearly campaigns (here); units'
//! applications and their evidence ([`applications`]); the incident register and the proposals
//! it makes ([`incidents`]); proposals from appeals and mediation cases (`derive`); the 五零
//! villages ([`five_zero`]). The rules
//! are [`pingan_domain::safety`]'s; here are scope, versions, transactions and the audit.

pub mod applications;
pub mod county;
mod derive;
pub mod figures;
pub mod five_zero;
pub mod incidents;

pub use applications::{
    ApplicationDetail, ApplicationFilter, ApplicationView, PublicEntry, RelationView, SafetyEvidence,
};
pub use county::{CountyScores, ScoreRow};
pub use figures::{FiguresRow, SafetyFigures, SafetyGroup};
pub use five_zero::{Confirmation, FiveZeroReport, VillageEvaluation};
pub use incidents::{Incident, IncidentFilter, Proposal, ProposalDecision};

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use chrono::NaiveDate;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::WorkCalendar;
use pingan_domain::region::RegionPath;
use pingan_domain::safety::county::Formula;
use pingan_domain::safety::five_zero::ZeroRules;
use pingan_domain::safety::{CampaignDraft, CampaignKind, UnitTemplate};
use serde::Serialize;

pub(crate) fn require(actor: &Actor, action: Action) -> Result<()> {
    actor.require(action, Resource::Safety).map_err(StoreError::from)
}

/// Templates and city-wide campaigns are the city administrators' (a county administrator
/// runs campaigns for the county only).
fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::Admin { Ok(()) } else { Err(StoreError::Denied(pingan_domain::access::Denied::Role)) }
}

fn is_city(path: &RegionPath) -> bool {
    path.ids().len() == 1
}

/// Templates and the scoring formula are the city administrators': the name of a new version,
/// checked.
pub(crate) fn city_document_name<'a>(actor: &Actor, name: &'a str) -> Result<&'a str> {
    require_admin(actor)?;
    if !is_city(&actor.scope.region) {
        return Err(StoreError::Refused {
            status: 403,
            message: "评分标准由市级管理员维护 / scorecards are kept by the city's administrators".into(),
        });
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "name",
            "请填写名称(100 字以内)/ a name of at most 100 characters",
        )]));
    }
    Ok(name)
}

pub(crate) fn china_today() -> NaiveDate {
    crate::china_today()
}

/// The `n`th working day after `today`: the last day of a 公示 of `n` working days.
pub(crate) fn notice_end(calendar: &WorkCalendar, today: NaiveDate, n: u32) -> NaiveDate {
    (0..n).fold(today, |d, _| calendar.next_working_day(d.succ_opt().unwrap_or(d)))
}

/// One version of a template.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateVersion {
    /// `None` for the shipped default, before any version was stored.
    pub id: Option<i64>,
    pub kind: String,
    /// 0 for the shipped default.
    pub version: i64,
    pub name: String,
    pub template: UnitTemplate,
    pub created_ms: Option<i64>,
    pub created_by: Option<String>,
}

/// A version in the history list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TemplateSummary {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub created_ms: i64,
    pub created_by: Option<String>,
    /// Campaigns that use it (and so keep it).
    pub campaigns: i64,
}

const DEFAULT_TEMPLATE_NAME: &str = "平安单位评分表(默认)";

/// The document a campaign runs on, as its kind has it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CampaignRules {
    /// The 平安单位 scorecard.
    SafeUnit(UnitTemplate),
    /// The 五零 zeros.
    FiveZero(ZeroRules),
    /// The 四级联创 formula.
    County(Formula),
}

impl CampaignRules {
    /// The shipped default of `kind`'s document, with its name.
    fn default_for(kind: CampaignKind) -> (&'static str, CampaignRules) {
        match kind {
            CampaignKind::SafeUnit => {
                (DEFAULT_TEMPLATE_NAME, CampaignRules::SafeUnit(UnitTemplate::safe_unit_default()))
            }
            CampaignKind::FiveZero => (five_zero::DEFAULT_ZEROS_NAME, CampaignRules::FiveZero(ZeroRules::default())),
            CampaignKind::County => (county::DEFAULT_FORMULA_NAME, CampaignRules::County(Formula::default())),
        }
    }

    /// A stored version of `kind`'s document.
    fn parse(kind: CampaignKind, id: i64, body: &str) -> Result<CampaignRules> {
        let doc: serde_json::Value =
            serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("document {id}: {e}")))?;
        let corrupt = |e: Vec<FieldError>| StoreError::Corrupt(format!("document {id}: {}", e[0]));
        Ok(match kind {
            CampaignKind::SafeUnit => CampaignRules::SafeUnit(UnitTemplate::parse(&doc).map_err(corrupt)?),
            CampaignKind::FiveZero => CampaignRules::FiveZero(ZeroRules::parse(&doc).map_err(corrupt)?),
            CampaignKind::County => CampaignRules::County(Formula::parse(&doc).map_err(corrupt)?),
        })
    }

    fn body(&self) -> String {
        match self {
            CampaignRules::SafeUnit(t) => serde_json::to_string(t),
            CampaignRules::FiveZero(z) => serde_json::to_string(z),
            CampaignRules::County(f) => serde_json::to_string(f),
        }
        .expect("serialisable")
    }
}

/// A stored version of a document, as read.
#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub body: String,
    pub created_ms: i64,
    pub created_by: Option<String>,
    /// The campaign whose year it rules, when found by year.
    #[sqlx(default)]
    pub campaign_id: Option<i64>,
}

/// The document of `kind` that rules `year` at a region, and where that came from.
#[derive(Debug, Clone, Serialize)]
pub struct RulesInForce<T> {
    pub version: i64,
    pub name: String,
    /// The campaign of that year that keeps the version; `None` while the year has no campaign
    /// (then the version in force today rules it).
    pub campaign_id: Option<i64>,
    #[serde(flatten)]
    pub rules: T,
}

/// A yearly campaign.
#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub kind: CampaignKind,
    pub year: i32,
    pub name: String,
    pub template_id: i64,
    pub template_version: i64,
    pub region_id: i64,
    pub region_name: String,
    pub apply_until: NaiveDate,
    pub notice_days: u32,
    /// Applications so far (in the reader's scope).
    pub applications: i64,
    #[serde(skip)]
    pub region_path: RegionPath,
}

#[derive(sqlx::FromRow)]
struct CampaignRecord {
    id: i64,
    kind: String,
    year: i64,
    name: String,
    template_id: i64,
    template_version: i64,
    region_id: i64,
    region_name: String,
    region_path: String,
    apply_until: String,
    notice_days: i64,
}

impl CampaignRecord {
    fn into_campaign(self, applications: i64) -> Result<Campaign> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("campaign {}: {what}", self.id));
        Ok(Campaign {
            kind: CampaignKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?,
            year: self.year as i32,
            apply_until: NaiveDate::parse_from_str(&self.apply_until, "%Y-%m-%d")
                .map_err(|_| corrupt("apply_until"))?,
            notice_days: self.notice_days as u32,
            region_path: RegionPath::parse(&self.region_path).ok_or_else(|| corrupt("path"))?,
            id: self.id,
            name: self.name,
            template_id: self.template_id,
            template_version: self.template_version,
            region_id: self.region_id,
            region_name: self.region_name,
            applications,
        })
    }
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.kind, c.year, c.name, c.template_id, t.version AS template_version,
        c.region_id, r.name AS region_name, c.region_path, c.apply_until, c.notice_days
   FROM safety_campaigns c JOIN safety_templates t ON t.id = c.template_id JOIN regions r ON r.id = c.region_id";

pub(crate) fn parse_template(id: i64, body: &str) -> Result<UnitTemplate> {
    let doc: serde_json::Value =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("template {id}: {e}")))?;
    UnitTemplate::parse(&doc).map_err(|e| StoreError::Corrupt(format!("template {id}: {}", e[0])))
}

impl Store {
    /// The template in force for `kind`: the newest stored version, or the shipped default
    /// (version 0) while none is stored.
    pub async fn safety_template(&self, actor: &Actor, kind: CampaignKind) -> Result<TemplateVersion> {
        require(actor, Action::Read)?;
        self.current_template(kind).await
    }

    async fn current_template(&self, kind: CampaignKind) -> Result<TemplateVersion> {
        Ok(match self.current_document(kind).await? {
            Some(row) => TemplateVersion {
                id: Some(row.id),
                kind: kind.as_str().into(),
                version: row.version,
                template: parse_template(row.id, &row.body)?,
                name: row.name,
                created_ms: Some(row.created_ms),
                created_by: row.created_by,
            },
            None => TemplateVersion {
                id: None,
                kind: kind.as_str().into(),
                version: 0,
                name: DEFAULT_TEMPLATE_NAME.into(),
                template: UnitTemplate::safe_unit_default(),
                created_ms: None,
                created_by: None,
            },
        })
    }

    /// The newest stored version of `kind`'s document, if any was stored.
    pub(crate) async fn current_document(&self, kind: CampaignKind) -> Result<Option<DocumentRow>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT t.id, t.version, t.name, t.body, t.created_ms, a.display_name AS created_by
               FROM safety_templates t LEFT JOIN accounts a ON a.id = t.created_by
              WHERE t.kind = $1 ORDER BY t.version DESC LIMIT 1"
        )
        .bind(kind.document())
        .fetch_optional(pool)
        .await)?)
    }

    /// The version of `kind`'s document that rules `year` at `region`: the one kept by that
    /// year's campaign of the nearest region that has one (the region's own, its county's, the
    /// city's), else the one in force (`None` while only the shipped default exists).
    pub(crate) async fn document_for_year(
        &self,
        kind: CampaignKind,
        year: i32,
        region: &RegionPath,
    ) -> Result<Option<DocumentRow>> {
        let above = region.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT t.id, t.version, t.name, t.body, t.created_ms, a.display_name AS created_by, c.id AS campaign_id
               FROM safety_campaigns c JOIN safety_templates t ON t.id = c.template_id
               LEFT JOIN accounts a ON a.id = t.created_by
              WHERE c.kind = $1 AND c.year = $2 AND c.region_id IN ({above})
              ORDER BY length(c.region_path) DESC LIMIT 1"
        );
        let kept: Option<DocumentRow> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(kind.as_str())
            .bind(i64::from(year))
            .fetch_optional(pool)
            .await)?;
        match kept {
            Some(row) => Ok(Some(row)),
            None => self.current_document(kind).await,
        }
    }

    /// A stored version by id (what a campaign runs on).
    pub(crate) async fn template_by_id(&self, id: i64) -> Result<UnitTemplate> {
        let body: Option<String> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT body FROM safety_templates WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await)?;
        parse_template(id, &body.ok_or(StoreError::NotFound)?)
    }

    /// Every stored version of `kind`, newest first, with the campaigns that use each.
    pub async fn safety_template_versions(&self, actor: &Actor, kind: CampaignKind) -> Result<Vec<TemplateSummary>> {
        require(actor, Action::Read)?;
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT t.id, t.version, t.name, t.created_ms, a.display_name AS created_by,
                    (SELECT count(*) FROM safety_campaigns c WHERE c.template_id = t.id) AS campaigns
               FROM safety_templates t LEFT JOIN accounts a ON a.id = t.created_by
              WHERE t.kind = $1 ORDER BY t.version DESC"
        )
        .bind(kind.as_str())
        .fetch_all(pool)
        .await)?)
    }

    /// Store `template` as the next version of `kind`, if `expected_version` is the one in
    /// force (0 for the shipped default). City administrators only; audited. Earlier versions
    /// stay as they were: campaigns that use them keep their rules.
    pub async fn save_safety_template(
        &self,
        actor: &Actor,
        kind: CampaignKind,
        expected_version: i64,
        name: &str,
        template: &UnitTemplate,
    ) -> Result<TemplateVersion> {
        let name = city_document_name(actor, name)?;
        template.check().map_err(StoreError::Invalid)?;
        let before = self.current_template(kind).await?;
        let after = serde_json::json!({ "kind": kind.as_str(), "version": expected_version + 1, "name": name,
            "tasks": template.tasks().count(), "negative": template.negative.len(), "veto": template.veto.len() });
        let body = serde_json::to_string(template).expect("serialisable");
        self.insert_version(actor, kind.as_str(), before.version, expected_version, name, &body, after).await?;
        self.current_template(kind).await
    }

    /// Write version `expected_version + 1` of document `kind` (a template or the county
    /// formula), if `expected_version` is the one in force (`current`), with its audit event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_version(
        &self,
        actor: &Actor,
        kind: &str,
        current: i64,
        expected_version: i64,
        name: &str,
        body: &str,
        after: serde_json::Value,
    ) -> Result<()> {
        if current != expected_version {
            return Err(StoreError::Conflict(format!(
                "已更新为第 {current} 版,请刷新后重试 / it is at version {current} now: reload and retry"
            )));
        }
        let now = now_ms();
        let version = expected_version + 1;
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // The unique (kind, version) makes a concurrent save of the same version fail here.
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO safety_templates (kind, version, name, body, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(kind)
            .bind(version)
            .bind(name)
            .bind(body)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.template_save".into(),
                target_kind: "safety_template".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "kind": kind, "version": current }),
                after,
            };
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Open a campaign for the actor's region (the city, or their county). It runs on the
    /// template in force, stored as version 1 first if only the shipped default exists, so
    /// that later edits never change it. One per kind, year and region.
    pub async fn create_safety_campaign(
        &self,
        actor: &Actor,
        kind: CampaignKind,
        draft: &CampaignDraft,
    ) -> Result<Campaign> {
        require_admin(actor)?;
        let region = self.region(&actor.scope, *actor.scope.region.ids().last().unwrap_or(&0)).await?;
        if !matches!(region.level, pingan_domain::RegionLevel::City | pingan_domain::RegionLevel::County) {
            return Err(StoreError::Refused {
                status: 403,
                message: "创建活动由市级或县级管理员发起 / campaigns are opened by city or county administrators"
                    .into(),
            });
        }
        let current = self.current_document(kind).await?.map(|row| row.id);
        let now = now_ms();
        let (default_name, default_rules) = CampaignRules::default_for(kind);
        let default_body = default_rules.body();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let template_id = match current {
                Some(id) => id,
                None => {
                    sqlx::query(
                        "INSERT INTO safety_templates (kind, version, name, body, created_by, created_ms)
                         VALUES ($1, 1, $2, $3, NULL, $4) ON CONFLICT (kind, version) DO NOTHING",
                    )
                    .bind(kind.document())
                    .bind(default_name)
                    .bind(&default_body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query_scalar("SELECT id FROM safety_templates WHERE kind = $1 AND version = 1")
                        .bind(kind.document())
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO safety_campaigns (kind, year, name, template_id, region_id, region_path, apply_until,
                                               notice_days, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (kind, year, region_id) DO NOTHING RETURNING id",
            )
            .bind(kind.as_str())
            .bind(i64::from(draft.year))
            .bind(&draft.name)
            .bind(template_id)
            .bind(region.id)
            .bind(region.path.as_str())
            .bind(draft.apply_until.to_string())
            .bind(i64::from(draft.notice_days))
            .bind(actor.account_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                return Err(StoreError::Conflict(format!(
                    "{}{}年度的{}创建活动已经存在 / this region already has its {} campaign",
                    region.name,
                    draft.year,
                    kind.zh(),
                    draft.year
                )));
            };
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "safety.campaign_create".into(),
                target_kind: "safety_campaign".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "kind": kind.as_str(), "year": draft.year, "name": draft.name,
                    "template_id": template_id, "apply_until": draft.apply_until.to_string(), "notice_days": draft.notice_days }),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.safety_campaign(actor, id).await.map(|(c, _)| c)
    }

    /// The campaigns the actor takes part in: those of their region and the regions above it
    /// (a county's units apply to the city's campaign), and those below it. Newest first.
    pub async fn safety_campaigns(&self, actor: &Actor) -> Result<Vec<Campaign>> {
        require(actor, Action::Read)?;
        let above = actor.scope.region.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "{CAMPAIGN_SELECT} WHERE (c.region_path >= $1 AND c.region_path < $2) OR c.region_id IN ({above})
              ORDER BY c.year DESC, c.id DESC LIMIT 500"
        );
        let rows: Vec<CampaignRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(actor.scope.region.as_str())
            .bind(actor.scope.region.subtree_end())
            .fetch_all(pool)
            .await)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let counts = self.count_applications(actor, &ids).await?;
        rows.into_iter()
            .map(|r| {
                let n = counts.get(&r.id).copied().unwrap_or(0);
                r.into_campaign(n)
            })
            .collect()
    }

    /// One campaign the actor takes part in, with the document version it runs on.
    pub async fn safety_campaign(&self, actor: &Actor, id: i64) -> Result<(Campaign, CampaignRules)> {
        require(actor, Action::Read)?;
        let sql = format!("{CAMPAIGN_SELECT} WHERE c.id = $1");
        let row: Option<CampaignRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("campaign path".into()))?;
        if !(actor.scope.covers_region(&path) || path.contains(&actor.scope.region)) {
            return Err(StoreError::NotFound);
        }
        let campaign = row.into_campaign(0)?;
        let body: String =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT body FROM safety_templates WHERE id = $1")
                .bind(campaign.template_id)
                .fetch_one(pool)
                .await)?;
        let rules = CampaignRules::parse(campaign.kind, campaign.template_id, &body)?;
        let applications = self.count_applications(actor, &[id]).await?.get(&id).copied().unwrap_or(0);
        Ok((Campaign { applications, ..campaign }, rules))
    }

    /// Applications in the actor's scope, per campaign of `campaign_ids`.
    async fn count_applications(
        &self,
        actor: &Actor,
        campaign_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, i64>> {
        if campaign_ids.is_empty() {
            return Ok(Default::default());
        }
        let (own, org) = applications::own_org_filter(actor, 3);
        let ids = campaign_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT campaign_id, count(*) FROM safety_applications
              WHERE campaign_id IN ({ids}) AND region_path >= $1 AND region_path < $2 {own}
              GROUP BY campaign_id"
        );
        let rows: Vec<(i64, i64)> = on_pool!(&self.db, |pool| {
            let q = sqlx::query_as(&sql).bind(actor.scope.region.as_str()).bind(actor.scope.region.subtree_end());
            match org {
                Some(org) => q.bind(org),
                None => q,
            }
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().collect())
    }
}
