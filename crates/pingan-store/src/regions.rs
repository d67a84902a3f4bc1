//! The region hierarchy: reads scoped to the actor's subtree, the grid polygons
//! for maps and for the point → grid index.

use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::Scope;
use pingan_domain::geometry::Ring;
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Region {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: RegionLevel,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub path: RegionPath,
    pub households: i64,
    pub population: i64,
    pub retired: bool,
}

impl Region {
    /// Refuse to place anything new in a retired region (its successors carry on).
    pub fn require_live(&self) -> Result<()> {
        if self.retired {
            return Err(StoreError::Conflict(format!(
                "区划 {} 已撤销,请选择现行区划 / region {} is retired: choose a live one",
                self.code, self.code
            )));
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct RegionRecord {
    id: i64,
    parent_id: Option<i64>,
    level: String,
    code: String,
    name: String,
    path: String,
    households: i64,
    population: i64,
    retired_at: Option<i64>,
}

const REGION_COLS: &str = "id, parent_id, level, code, name, path, households, population, retired_at";

impl TryFrom<RegionRecord> for Region {
    type Error = StoreError;
    fn try_from(r: RegionRecord) -> Result<Region> {
        Ok(Region {
            level: RegionLevel::parse(&r.level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            path: RegionPath::parse(&r.path)
                .ok_or_else(|| StoreError::Corrupt(format!("region {} has path '{}'", r.id, r.path)))?,
            id: r.id,
            parent_id: r.parent_id,
            code: r.code,
            name: r.name,
            households: r.households,
            population: r.population,
            retired: r.retired_at.is_some(),
        })
    }
}

/// A child region with what lies beneath it, for the region browser.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    #[serde(flatten)]
    pub region: Region,
    pub grids: i64,
    pub orgs: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRecord {
    #[sqlx(flatten)]
    region: RegionRecord,
    grids: i64,
    orgs: i64,
}

/// A grid with its polygon.
#[derive(Debug, Clone)]
pub struct GridShape {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: RegionPath,
    pub ring: Ring,
}

#[derive(sqlx::FromRow)]
struct ShapeRecord {
    id: i64,
    code: String,
    name: String,
    path: String,
    polygon: Option<String>,
}

impl TryFrom<ShapeRecord> for GridShape {
    type Error = StoreError;
    fn try_from(r: ShapeRecord) -> Result<GridShape> {
        let polygon = r.polygon.ok_or_else(|| StoreError::Corrupt(format!("grid {} has no polygon", r.code)))?;
        Ok(GridShape {
            ring: Ring::from_json(&polygon).map_err(|e| StoreError::Corrupt(format!("grid {}: {e}", r.code)))?,
            path: RegionPath::parse(&r.path).ok_or_else(|| StoreError::Corrupt(format!("grid {} path", r.code)))?,
            id: r.id,
            code: r.code,
            name: r.name,
        })
    }
}

fn range(scope: &Scope) -> (String, String) {
    (scope.region.as_str().to_owned(), scope.region.subtree_end())
}

impl Store {
    /// A region inside the scope; anything else is "not found".
    pub async fn region(&self, scope: &Scope, id: i64) -> Result<Region> {
        let (lo, hi) = range(scope);
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE id = $1 AND path >= $2 AND path < $3");
        let rec: Option<RegionRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await)?;
        rec.ok_or(StoreError::NotFound)?.try_into()
    }

    pub async fn region_by_code(&self, scope: &Scope, code: &str) -> Result<Region> {
        let (lo, hi) = range(scope);
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1 AND path >= $2 AND path < $3");
        let rec: Option<RegionRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(code).bind(&lo).bind(&hi).fetch_optional(pool).await)?;
        rec.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The root of a scope (the region an account is bound to).
    pub async fn scope_root(&self, scope: &Scope) -> Result<Region> {
        self.region(scope, scope.region.id()).await
    }

    /// The chain from the city down to `region` (inclusive). Ancestors' names are
    /// shown to anyone who may see the region itself: they are its address.
    pub async fn ancestors(&self, region: &Region) -> Result<Vec<Region>> {
        let ids = region.path.ids();
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE id IN ({placeholders}) ORDER BY path");
        let recs: Vec<RegionRecord> = on_pool!(&self.db, |pool| {
            let mut q = sqlx::query_as(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })?;
        recs.into_iter().map(Region::try_from).collect()
    }

    /// Live children of a region in scope, with grid and organisation counts of each subtree.
    pub async fn children(&self, scope: &Scope, parent_id: i64) -> Result<Vec<RegionSummary>> {
        let parent = self.region(scope, parent_id).await?;
        let sql = "SELECT c.id, c.parent_id, c.level, c.code, c.name, c.path, c.households, c.population, c.retired_at,
                (SELECT count(*) FROM regions g WHERE g.level = 'grid' AND g.retired_at IS NULL
                   AND g.path >= c.path AND g.path < c.path || '~') AS grids,
                (SELECT count(*) FROM orgs o JOIN regions r ON r.id = o.region_id
                   WHERE r.path >= c.path AND r.path < c.path || '~' AND o.retired_at IS NULL) AS orgs
             FROM regions c WHERE c.parent_id = $1 AND c.retired_at IS NULL ORDER BY c.code";
        let recs: Vec<SummaryRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(sql).bind(parent.id).fetch_all(pool).await)?;
        recs.into_iter()
            .map(|r| Ok(RegionSummary { region: r.region.try_into()?, grids: r.grids, orgs: r.orgs }))
            .collect()
    }

    /// Live regions of one level in the scope (its townships, say), by code; at most 2,000.
    pub async fn regions_at_level(&self, scope: &Scope, level: RegionLevel) -> Result<Vec<Region>> {
        let (lo, hi) = range(scope);
        let sql = format!(
            "SELECT {REGION_COLS} FROM regions WHERE level = $1 AND path >= $2 AND path < $3 AND retired_at IS NULL
              ORDER BY code LIMIT 2000"
        );
        let recs: Vec<RegionRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(level.as_str())
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await)?;
        recs.into_iter().map(Region::try_from).collect()
    }

    /// The live grids in the scope as form choices, `(id, "village · grid")`, in code order: at
    /// most `limit` (a form lists a township's worth; beyond that, staff pick through the API).
    pub async fn grid_choices(&self, scope: &Scope, limit: i64) -> Result<Vec<(i64, String)>> {
        let (lo, hi) = range(scope);
        let rows: Vec<(i64, String, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT g.id, v.name, g.name FROM regions g JOIN regions v ON v.id = g.parent_id
              WHERE g.level = 'grid' AND g.path >= $1 AND g.path < $2 AND g.retired_at IS NULL
              ORDER BY g.code LIMIT $3"
        )
        .bind(&lo)
        .bind(&hi)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(id, village, grid)| (id, format!("{village} · {grid}"))).collect())
    }

    /// Number of live regions of each level in the scope.
    pub async fn level_counts(&self, scope: &Scope) -> Result<BTreeMap<RegionLevel, i64>> {
        let (lo, hi) = range(scope);
        let rows: Vec<(String, i64)> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT level, count(*) FROM regions WHERE path >= $1 AND path < $2 AND retired_at IS NULL GROUP BY level"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await
        })?;
        rows.into_iter()
            .map(|(l, n)| Ok((RegionLevel::parse(&l).map_err(|e| StoreError::Corrupt(e.to_string()))?, n)))
            .collect()
    }

    /// Live grids under a region in scope, with polygons (for the map).
    pub async fn grid_shapes(&self, scope: &Scope, region_id: i64) -> Result<Vec<GridShape>> {
        let region = self.region(scope, region_id).await?;
        let recs: Vec<ShapeRecord> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, code, name, path, polygon FROM regions
             WHERE level = 'grid' AND path >= $1 AND path < $2 AND retired_at IS NULL ORDER BY code"
        )
        .bind(region.path.as_str())
        .bind(region.path.subtree_end())
        .fetch_all(pool)
        .await)?;
        recs.into_iter().map(GridShape::try_from).collect()
    }

    /// System job: every live grid polygon, to build the point → grid index.
    /// Unscoped on purpose; the index answers only with grids, and the handlers
    /// that use it apply the caller's scope to the result.
    /// A grid whose polygon is missing or broken is left out with a warning rather
    /// than keeping every instance from starting.
    pub async fn all_grid_shapes_for_index(&self) -> Result<Vec<GridShape>> {
        let recs: Vec<ShapeRecord> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, code, name, path, polygon FROM regions WHERE level = 'grid' AND retired_at IS NULL"
        )
        .fetch_all(pool)
        .await)?;
        Ok(recs
            .into_iter()
            .filter_map(|r| match GridShape::try_from(r) {
                Ok(shape) => Some(shape),
                Err(e) => {
                    tracing::warn!(error = %e, "grid left out of the point index");
                    None
                }
            })
            .collect())
    }

    /// System job: the region with this id regardless of scope (public answers such
    /// as "which grid is this point in" name regions without revealing records).
    pub async fn region_unscoped(&self, id: i64) -> Result<Region> {
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE id = $1");
        let rec: Option<RegionRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        rec.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The city's path, if a city has been loaded.
    pub async fn city_path(&self) -> Result<Option<RegionPath>> {
        let path: Option<String> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT path FROM regions WHERE level = 'city' AND retired_at IS NULL ORDER BY id LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?;
        path.map(|p| RegionPath::parse(&p).ok_or_else(|| StoreError::Corrupt(format!("city path '{p}'")))).transpose()
    }

    /// True when no city has been loaded yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT count(*) FROM regions").fetch_one(pool).await)?;
        Ok(n == 0)
    }
}
