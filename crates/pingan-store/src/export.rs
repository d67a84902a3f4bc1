//! Bulk exports: whole tables within a scope, in the shape imports read, with
//! personal data already masked (DOMAIN §9) so that no caller can forget to.
//!
//! Values come out as stored (kinds, levels and roles as their codes). Only live
//! rows are exported: retired regions and organisations and disabled accounts
//! stay out.

use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::Scope;
use pingan_domain::geometry::Ring;
use pingan_domain::personal::{display_contact_phone, mask_phone};

/// A region above the grids (grids have [`GridExport`]).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RegionExport {
    pub level: String,
    pub code: String,
    pub name: String,
    /// `None` for the city.
    pub parent_code: Option<String>,
    pub households: i64,
    pub population: i64,
}

/// A grid with its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct GridExport {
    pub code: String,
    pub name: String,
    pub households: i64,
    pub population: i64,
    pub ring: Ring,
}

#[derive(sqlx::FromRow)]
struct GridRecord {
    code: String,
    name: String,
    households: i64,
    population: i64,
    polygon: Option<String>,
}

/// An organisation; a mobile `phone` is masked, an office number (`0534-2345678`)
/// is not: the same rule as the organisation screens, so an export shows no more.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgExport {
    pub kind: String,
    pub name: String,
    pub region_code: String,
    pub dept: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub opening_hours: Option<String>,
}

/// An account without its password hash; `phone` is masked.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountExport {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub org_id: Option<i64>,
    pub phone: Option<String>,
}

fn range(scope: &Scope) -> (String, String) {
    (scope.region.as_str().to_owned(), scope.region.subtree_end())
}

impl Store {
    /// Live cities, counties, townships and villages in scope, parents before
    /// children (path order), so that the file can be imported again as it is.
    pub async fn export_regions(&self, scope: &Scope) -> Result<Vec<RegionExport>> {
        let (lo, hi) = range(scope);
        let rows = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT r.level, r.code, r.name, p.code AS parent_code, r.households, r.population
             FROM regions r LEFT JOIN regions p ON p.id = r.parent_id
             WHERE r.path >= $1 AND r.path < $2 AND r.level <> 'grid' AND r.retired_at IS NULL
             ORDER BY r.path"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }

    /// Live grids in scope with their boundaries, by code.
    pub async fn export_grids(&self, scope: &Scope) -> Result<Vec<GridExport>> {
        let (lo, hi) = range(scope);
        let recs: Vec<GridRecord> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT code, name, households, population, polygon FROM regions
             WHERE path >= $1 AND path < $2 AND level = 'grid' AND retired_at IS NULL ORDER BY code"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        recs.into_iter()
            .map(|r| {
                let polygon =
                    r.polygon.ok_or_else(|| StoreError::Corrupt(format!("grid {} has no polygon", r.code)))?;
                let ring =
                    Ring::from_json(&polygon).map_err(|e| StoreError::Corrupt(format!("grid {}: {e}", r.code)))?;
                Ok(GridExport { code: r.code, name: r.name, households: r.households, population: r.population, ring })
            })
            .collect()
    }

    /// Live organisations whose region lies in scope, by id; mobiles masked.
    pub async fn export_orgs(&self, scope: &Scope) -> Result<Vec<OrgExport>> {
        let (lo, hi) = range(scope);
        let rows: Vec<OrgExport> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT o.kind, o.name, r.code AS region_code, o.dept, o.industry, o.address, o.phone, o.lon, o.lat,
                    o.opening_hours
             FROM orgs o JOIN regions r ON r.id = o.region_id
             WHERE r.path >= $1 AND r.path < $2 AND o.retired_at IS NULL ORDER BY o.id"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|o| OrgExport { phone: o.phone.as_deref().map(display_contact_phone), ..o }).collect())
    }

    /// Enabled accounts whose scope root lies in scope, by id; phones masked,
    /// password hashes never read.
    pub async fn export_accounts(&self, scope: &Scope) -> Result<Vec<AccountExport>> {
        let (lo, hi) = range(scope);
        let rows: Vec<AccountExport> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT a.username, a.display_name, a.role, r.code AS region_code, a.org_id, a.phone
             FROM accounts a JOIN regions r ON r.id = a.region_id
             WHERE r.path >= $1 AND r.path < $2 AND NOT a.disabled ORDER BY a.id"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|a| AccountExport { phone: a.phone.as_deref().map(mask_phone), ..a }).collect())
    }
}
