//! "德为民" brands: a county's, township's or village's featured mediation studio or method
//! (一县一品牌、一乡一特色、一村一亮点), one per region, with its page's figures — those of the
//! studio's body, or for a method those of the whole region. The content's rules are in
//! [`pingan_domain::mediation::brand`]; here are the scope checks, the one-per-region rule
//! (a unique column, so two registrations at once cannot both pass), versions and the audit.

use super::{FiguresSubset, MediationBody, require};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::mediation::brand::tier_of;
use pingan_domain::mediation::{BrandDraft, BrandKind, MediationFigures, RawBrand};
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;

/// A registered brand as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct MediationBrand {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub region_level: RegionLevel,
    /// 一县一品牌 / 一乡一特色 / 一村一亮点
    pub tier: &'static str,
    pub name: String,
    pub kind: BrandKind,
    pub summary: String,
    pub body_org_id: Option<i64>,
    pub body_name: Option<String>,
    pub lead: Option<String>,
    pub updated_ms: i64,
    pub version: i64,
    #[serde(skip)]
    pub region_path: RegionPath,
}

#[derive(sqlx::FromRow)]
struct BrandRecord {
    id: i64,
    region_id: i64,
    region_name: String,
    region_level: String,
    region_path: String,
    name: String,
    kind: String,
    summary: String,
    body_org_id: Option<i64>,
    body_name: Option<String>,
    lead: Option<String>,
    updated_ms: i64,
    version: i64,
}

impl TryFrom<BrandRecord> for MediationBrand {
    type Error = StoreError;
    fn try_from(r: BrandRecord) -> Result<MediationBrand> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("brand {}: {what}", r.id));
        let region_level = RegionLevel::parse(&r.region_level).map_err(|_| corrupt("level"))?;
        Ok(MediationBrand {
            id: r.id,
            region_id: r.region_id,
            region_name: r.region_name,
            tier: tier_of(region_level).ok_or_else(|| corrupt("level"))?,
            region_level,
            name: r.name,
            kind: BrandKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
            summary: r.summary,
            body_org_id: r.body_org_id,
            body_name: r.body_name,
            lead: r.lead,
            updated_ms: r.updated_ms,
            version: r.version,
            region_path: RegionPath::parse(&r.region_path).ok_or_else(|| corrupt("path"))?,
        })
    }
}

const SELECT: &str = "SELECT b.id, b.region_id, r.name AS region_name, r.level AS region_level, b.region_path, b.name,
        b.kind, b.summary, b.body_org_id, o.name AS body_name, b.lead, b.updated_ms, b.version
   FROM mediation_brands b JOIN regions r ON r.id = b.region_id LEFT JOIN orgs o ON o.id = b.body_org_id";

/// A brand with its figures: this year's and all its cases'.
#[derive(Debug, Clone, Serialize)]
pub struct BrandPage {
    pub brand: MediationBrand,
    pub this_year: MediationFigures,
    pub all_time: MediationFigures,
}

impl Store {
    /// The brands in the actor's scope and those of the regions above it (a grid worker's
    /// village, township and county: their own programme), counties first, then townships,
    /// then villages, each by region code.
    pub async fn mediation_brands(&self, actor: &Actor) -> Result<Vec<MediationBrand>> {
        require(actor, Action::Read)?;
        // Ids from the path, which the store wrote: safe to inline.
        let above = actor.scope.region.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "{SELECT} WHERE (b.region_path >= $1 AND b.region_path < $2) OR b.region_id IN ({above})
              ORDER BY CASE r.level WHEN 'county' THEN 0 WHEN 'township' THEN 1 ELSE 2 END, r.code LIMIT 5000"
        );
        let rows: Vec<BrandRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(actor.scope.region.as_str())
            .bind(actor.scope.region.subtree_end())
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(MediationBrand::try_from).collect()
    }

    async fn brand_where(&self, condition: &str, id: i64) -> Result<Option<MediationBrand>> {
        let sql = format!("{SELECT} WHERE {condition}");
        let row: Option<BrandRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        row.map(MediationBrand::try_from).transpose()
    }

    /// One brand, if its region is in the actor's scope or above it (a village sees its
    /// township's and county's brands: they are its own programme).
    pub async fn mediation_brand(&self, actor: &Actor, id: i64) -> Result<MediationBrand> {
        require(actor, Action::Read)?;
        let brand = self.brand_where("b.id = $1", id).await?.ok_or(StoreError::NotFound)?;
        if actor.scope.covers_region(&brand.region_path) || brand.region_path.contains(&actor.scope.region) {
            Ok(brand)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The brand of region `region_id`, if one is registered and the actor may see the region.
    pub async fn mediation_brand_of_region(&self, actor: &Actor, region_id: i64) -> Result<Option<MediationBrand>> {
        require(actor, Action::Read)?;
        self.region(&actor.scope, region_id).await?;
        self.brand_where("b.region_id = $1", region_id).await
    }

    /// A brand with this year's and all-time figures.
    pub async fn mediation_brand_page(&self, actor: &Actor, id: i64) -> Result<BrandPage> {
        let brand = self.mediation_brand(actor, id).await?;
        // A studio's body hears cases of its region only, so the region narrows the reading.
        let subset = FiguresSubset {
            region: Some(brand.region_path.clone()),
            body_org_id: brand.body_org_id,
            mediator_id: None,
        };
        // A brand's figures are the whole of its region's, also for a viewer from a village
        // below it: they are counts, with no case or person in them, and a county's brand
        // counted over one village would misstate it. The widened scope serves only these
        // two counts.
        let mut viewer = actor.clone();
        if !actor.scope.covers_region(&brand.region_path) {
            viewer.scope.region = brand.region_path.clone();
        }
        let year_start = super::year_start_ms(super::china_today());
        let now = now_ms() + 1;
        let group = super::FiguresGroup::Total;
        let (_, this_year) = self.mediation_figures(&viewer, year_start, now, group, &subset).await?;
        let (_, all_time) = self.mediation_figures(&viewer, 0, now, group, &subset).await?;
        Ok(BrandPage { brand, this_year, all_time })
    }

    /// Register the brand of region `region_id` (`expected_version` `None`), or change it (the
    /// version the caller saw). Audited; one per region.
    pub async fn save_mediation_brand(
        &self,
        actor: &Actor,
        region_id: i64,
        expected_version: Option<i64>,
        raw: &RawBrand,
    ) -> Result<MediationBrand> {
        require(actor, Action::Update)?;
        let region = self.region(&actor.scope, region_id).await?;
        actor.authorize(Action::Update, Resource::Mediation, &Placement { region: &region.path, org_id: None })?;
        region.require_live()?;
        let draft = raw.parse(region.level).map_err(StoreError::Invalid)?;
        if let Some(body_id) = draft.body_org_id {
            let body = self.mediation_body(body_id).await.map_err(|e| match e {
                StoreError::NotFound => invalid_body(),
                e => e,
            })?;
            check_body_in_region(&body, &region.path)?;
        }
        let now = now_ms();
        let before = self.brand_where("b.region_id = $1", region_id).await?;
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id = match (expected_version, &before) {
                (None, None) => {
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO mediation_brands (region_id, region_path, name, kind, summary, body_org_id, lead,
                                                       created_ms, updated_ms, version)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)
                         ON CONFLICT (region_id) DO NOTHING RETURNING id",
                    )
                    .bind(region_id)
                    .bind(region.path.as_str())
                    .bind(&draft.name)
                    .bind(draft.kind.as_str())
                    .bind(&draft.summary)
                    .bind(draft.body_org_id)
                    .bind(&draft.lead)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    inserted.ok_or_else(already_registered)?
                }
                (None, Some(_)) => return Err(already_registered()),
                (Some(_), None) => return Err(StoreError::NotFound),
                (Some(version), Some(existing)) => {
                    let updated = sqlx::query(
                        "UPDATE mediation_brands SET name = $1, kind = $2, summary = $3, body_org_id = $4, lead = $5,
                                updated_ms = $6, version = version + 1
                          WHERE id = $7 AND version = $8",
                    )
                    .bind(&draft.name)
                    .bind(draft.kind.as_str())
                    .bind(&draft.summary)
                    .bind(draft.body_org_id)
                    .bind(&draft.lead)
                    .bind(now)
                    .bind(existing.id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if updated == 0 {
                        return Err(StoreError::Conflict(
                            "品牌已被他人修改,请刷新后重试 / the brand was changed meanwhile: reload and try again"
                                .into(),
                        ));
                    }
                    existing.id
                }
            };
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: if before.is_some() { "mediation.brand_update" } else { "mediation.brand_register" }.into(),
                target_kind: "mediation_brand".into(),
                target_id: Some(id),
                success: true,
                before: before.as_ref().map_or(serde_json::Value::Null, brand_json),
                after: draft_json(region_id, &draft),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.mediation_brand(actor, id).await
    }
}

fn already_registered() -> StoreError {
    StoreError::Conflict(
        "该地区已登记调解品牌(一地一品牌),请修改现有品牌 / this region already has its brand: change that one instead"
            .into(),
    )
}

fn invalid_body() -> StoreError {
    StoreError::Invalid(vec![FieldError::new("body_org_id", "没有这个调解组织 / no such mediation body")])
}

/// A studio's body works in the brand's region or below it.
fn check_body_in_region(body: &MediationBody, region: &RegionPath) -> Result<()> {
    if region.contains(&body.region_path) {
        Ok(())
    } else {
        Err(StoreError::Invalid(vec![FieldError::new(
            "body_org_id",
            "品牌只能选择本地区的调解组织 / choose a mediation body of this region",
        )]))
    }
}

fn brand_json(b: &MediationBrand) -> serde_json::Value {
    serde_json::json!({
        "region_id": b.region_id, "name": b.name, "kind": b.kind.as_str(), "summary": b.summary,
        "body_org_id": b.body_org_id, "lead": b.lead, "version": b.version,
    })
}

fn draft_json(region_id: i64, d: &BrandDraft) -> serde_json::Value {
    serde_json::json!({
        "region_id": region_id, "name": d.name, "kind": d.kind.as_str(), "summary": d.summary,
        "body_org_id": d.body_org_id, "lead": d.lead,
    })
}
