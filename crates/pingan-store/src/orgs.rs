//! Organisations: scoped lists and details, and audited changes.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::Scope;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::org::{NewOrg, OrgKind, OrgPatch};
use pingan_domain::region::RegionPath;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Org {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub region_id: i64,
    pub region_name: String,
    pub region_code: String,
    #[serde(skip)]
    pub region_path: RegionPath,
    pub dept: Option<String>,
    pub industry: Option<String>,
    pub parent_org_id: Option<i64>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub opening_hours: Option<String>,
    /// Version for optimistic concurrency: a change applies only to what was read.
    #[serde(skip)]
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct OrgRecord {
    id: i64,
    kind: String,
    name: String,
    region_id: i64,
    region_name: String,
    region_code: String,
    region_path: String,
    dept: Option<String>,
    industry: Option<String>,
    parent_org_id: Option<i64>,
    address: Option<String>,
    phone: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    opening_hours: Option<String>,
    updated_at: i64,
}

const ORG_SELECT: &str = "SELECT o.id, o.kind, o.name, o.region_id, r.name AS region_name, r.code AS region_code,
    r.path AS region_path, o.dept, o.industry, o.parent_org_id, o.address, o.phone, o.lon, o.lat, o.opening_hours, o.updated_at
    FROM orgs o JOIN regions r ON r.id = o.region_id";

impl TryFrom<OrgRecord> for Org {
    type Error = StoreError;
    fn try_from(r: OrgRecord) -> Result<Org> {
        Ok(Org {
            kind: OrgKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("org {} kind '{}'", r.id, r.kind)))?,
            region_path: RegionPath::parse(&r.region_path)
                .ok_or_else(|| StoreError::Corrupt(format!("org {} region path", r.id)))?,
            id: r.id,
            name: r.name,
            region_id: r.region_id,
            region_name: r.region_name,
            region_code: r.region_code,
            dept: r.dept,
            industry: r.industry,
            parent_org_id: r.parent_org_id,
            address: r.address,
            phone: r.phone,
            lon: r.lon,
            lat: r.lat,
            opening_hours: r.opening_hours,
            updated_at: r.updated_at,
        })
    }
}

impl Org {
    fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind.as_str(), "name": self.name, "region_id": self.region_id,
            "address": self.address,
            "phone": self.phone.as_deref().map(pingan_domain::personal::display_contact_phone),
            "opening_hours": self.opening_hours,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    /// Only organisations in this region's subtree (itself inside the scope).
    pub region_id: Option<i64>,
    /// Name contains this text.
    pub q: Option<String>,
    pub industry: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// Live organisations in scope matching the filter, by name, with the total.
    pub async fn orgs(&self, scope: &Scope, f: &OrgFilter) -> Result<(Vec<Org>, i64)> {
        let (lo, hi) = match f.region_id {
            Some(id) => {
                let r = self.region(scope, id).await?;
                (r.path.as_str().to_owned(), r.path.subtree_end())
            }
            None => (scope.region.as_str().to_owned(), scope.region.subtree_end()),
        };
        let kind = f.kind.map(|k| k.as_str());
        let q =
            f.q.as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(|q| format!("%{}%", crate::audit::escape_like(q)));
        let where_ = "WHERE r.path >= $1 AND r.path < $2 AND o.retired_at IS NULL
            AND ($3 IS NULL OR o.kind = $3) AND ($4 IS NULL OR lower(o.name) LIKE lower($4) ESCAPE '\\')
            AND ($5 IS NULL OR o.industry = $5)";
        let list_sql = format!("{ORG_SELECT} {where_} ORDER BY o.id LIMIT $6 OFFSET $7");
        let count_sql = format!("SELECT count(*) FROM orgs o JOIN regions r ON r.id = o.region_id {where_}");
        let (recs, total): (Vec<OrgRecord>, i64) = on_pool!(&self.db, |pool| {
            let recs = sqlx::query_as(&list_sql)
                .bind(&lo)
                .bind(&hi)
                .bind(kind)
                .bind(&q)
                .bind(&f.industry)
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(pool)
                .await?;
            let total = sqlx::query_scalar(&count_sql)
                .bind(&lo)
                .bind(&hi)
                .bind(kind)
                .bind(&q)
                .bind(&f.industry)
                .fetch_one(pool)
                .await?;
            (recs, total)
        });
        Ok((recs.into_iter().map(Org::try_from).collect::<Result<_>>()?, total))
    }

    pub async fn org(&self, scope: &Scope, id: i64) -> Result<Org> {
        let sql = format!("{ORG_SELECT} WHERE o.id = $1 AND r.path >= $2 AND r.path < $3 AND o.retired_at IS NULL");
        let rec: Option<OrgRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(scope.region.as_str())
            .bind(scope.region.subtree_end())
            .fetch_optional(pool)
            .await)?;
        rec.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Create an organisation in a region of the actor's scope; audited in the same transaction.
    pub async fn create_org(&self, actor: &Actor, new: &NewOrg) -> Result<Org> {
        actor.require(Action::Create, Resource::Org)?;
        let region = self.region(&actor.scope, new.region_id).await?;
        actor.authorize(Action::Create, Resource::Org, &Placement { region: &region.path, org_id: None })?;
        region.require_live()?;
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orgs (kind, name, region_id, dept, industry, address, phone, lon, lat, opening_hours, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(new.kind.as_str())
            .bind(&new.name)
            .bind(new.region_id)
            .bind(&new.dept)
            .bind(&new.industry)
            .bind(&new.address)
            .bind(&new.phone)
            .bind(new.lon)
            .bind(new.lat)
            .bind(&new.opening_hours)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "org.create".into(),
                target_kind: "org".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "kind": new.kind.as_str(), "name": new.name, "region_id": new.region_id,
                    "dept": new.dept, "industry": new.industry, "address": new.address,
                    "phone": new.phone.as_deref().map(pingan_domain::personal::display_contact_phone),
                    "opening_hours": new.opening_hours,
                }),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.directory_changed();
        self.org(&actor.scope, id).await
    }

    /// Change contact details; only fields present in the patch change.
    pub async fn update_org(&self, actor: &Actor, id: i64, patch: &OrgPatch) -> Result<Org> {
        actor.require(Action::Update, Resource::Org)?;
        let before = self.org(&actor.scope, id).await?;
        actor.authorize(Action::Update, Resource::Org, &Placement { region: &before.region_path, org_id: Some(id) })?;
        if patch.version.is_some_and(|v| v != before.updated_at) {
            return Err(StoreError::Conflict(
                "该记录已被他人修改,请刷新后重试 / someone else changed this record since you opened it: reload and retry".into(),
            ));
        }
        let now = now_ms();
        let clear = |v: &Option<String>, old: &Option<String>| match v {
            Some(s) if s.is_empty() => None,
            Some(s) => Some(s.clone()),
            None => old.clone(),
        };
        let mut after = before.clone();
        after.updated_at = now.max(before.updated_at + 1);
        if let Some(n) = &patch.name {
            after.name = n.clone();
        }
        after.address = clear(&patch.address, &before.address);
        after.phone = clear(&patch.phone, &before.phone);
        after.opening_hours = clear(&patch.opening_hours, &before.opening_hours);
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Only if nobody changed it since we read it (no lost updates between instances).
            let changed = sqlx::query(
                "UPDATE orgs SET name = $1, address = $2, phone = $3, opening_hours = $4, updated_at = $5
                 WHERE id = $6 AND updated_at = $7",
            )
            .bind(&after.name)
            .bind(&after.address)
            .bind(&after.phone)
            .bind(&after.opening_hours)
            .bind(after.updated_at)
            .bind(id)
            .bind(before.updated_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict(
                    "该记录刚被他人修改,请刷新后重试 / someone else just changed this record: reload and try again"
                        .into(),
                ));
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "org.update".into(),
                target_kind: "org".into(),
                target_id: Some(id),
                success: true,
                before: before.audit_summary(),
                after: after.audit_summary(),
            };
            write_audit!(&mut *tx, &event, before.region_path.as_str())?;
            tx.commit().await?;
        });
        self.directory_changed();
        Ok(after)
    }
}

/// A red station as the public sees it (红色驿站 are public service points).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PublicStation {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
}

impl Store {
    /// Public directory: the live red stations under a region, for citizens.
    /// Unscoped on purpose: it returns only what a station posts on its door.
    pub async fn public_red_stations(&self, region: &RegionPath, limit: i64) -> Result<Vec<PublicStation>> {
        let rows: Vec<PublicStation> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT o.id, o.name, r.name AS region_name, o.address, o.phone, o.opening_hours
             FROM orgs o JOIN regions r ON r.id = o.region_id
             WHERE o.kind = 'red_station' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2
             ORDER BY r.path, o.id LIMIT $3"
        )
        .bind(region.as_str())
        .bind(region.subtree_end())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|s| PublicStation {
                phone: s.phone.as_deref().map(pingan_domain::personal::display_contact_phone),
                ..s
            })
            .collect())
    }
}
