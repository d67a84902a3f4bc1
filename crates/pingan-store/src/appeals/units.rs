//! Units a dispatcher may choose for a case: the organisations serving the regions of its place.

use crate::{Result, Store, on_pool};
use pingan_domain::account::Role;
use pingan_domain::region::RegionPath;
use serde::Serialize;

/// One choice in a dispatch form: an organisation (`org_id`) or a grid worker (`account_id`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnitOption {
    pub org_id: Option<i64>,
    pub account_id: Option<i64>,
    pub name: String,
    /// The level it serves at, e.g. 县(市、区).
    pub level: String,
}

/// An organisation: id, name, the level of its region.
type OrgRow = (i64, String, String);

impl Store {
    /// The region path a case was filed under (for pages that need the place's chain). Callers
    /// have already been allowed to read the case.
    pub async fn appeal_region_path(&self, id: i64) -> Result<String> {
        on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT region_path FROM appeals WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await)?
        .ok_or(crate::StoreError::NotFound)
    }

    /// The bodies that can take a case at `place`: departments of its county and the city, the
    /// township's bodies, the village's committees and the grid's workers — most local first.
    pub async fn candidate_units(&self, place: &RegionPath) -> Result<Vec<UnitOption>> {
        let ids = place.ids();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ph = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let orgs_sql = format!(
            "SELECT o.id, o.name, r.level FROM orgs o JOIN regions r ON r.id = o.region_id
              WHERE o.region_id IN ({ph}) AND o.retired_at IS NULL
                AND o.kind IN ('department', 'township_body', 'village_committee', 'mediation_committee',
                               'property_company', 'owners_committee')
              ORDER BY length(r.path) DESC, o.kind, o.id"
        );
        let workers_sql = format!(
            "SELECT a.id, a.display_name FROM accounts a WHERE a.region_id IN ({ph}) AND a.role = '{}' AND NOT a.disabled
              ORDER BY a.id",
            Role::GridWorker.as_str()
        );
        let (orgs, workers): (Vec<OrgRow>, Vec<(i64, String)>) = on_pool!(&self.db, |pool| {
            let mut q = sqlx::query_as(&orgs_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let orgs = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(&workers_sql);
            for id in &ids {
                q = q.bind(*id);
            }
            (orgs, q.fetch_all(pool).await?)
        });
        let level_zh = |l: &str| pingan_domain::region::RegionLevel::parse(l).map(|l| l.zh()).unwrap_or("");
        let mut out: Vec<UnitOption> = workers
            .into_iter()
            .map(|(id, name)| UnitOption {
                org_id: None,
                account_id: Some(id),
                name: format!("网格员 {name}"),
                level: "网格".into(),
            })
            .collect();
        out.extend(orgs.into_iter().map(|(id, name, level)| UnitOption {
            org_id: Some(id),
            account_id: None,
            name,
            level: level_zh(&level).into(),
        }));
        Ok(out)
    }
}
