//! Bulk imports from files: the lookups that checking needs, and the writes.
//!
//! Checking a file's rows is the caller's job (`pingan::tables`): it parses each
//! row into the domain types and, with the lookups below (loaded once per import,
//! not once per row), resolves codes to regions and catches duplicates. Only a
//! file without a single bad row reaches the writes here, and each write is ONE
//! transaction with ONE audit event, so an import lands completely or not at all.
//!
//! Imports are system jobs run by an administrator on the server (actor
//! [`IMPORT_ACTOR`]): codes and usernames are unique across the whole database,
//! so the lookups are unscoped on purpose.

use crate::{BeginWrite, Engine, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::Role;
use pingan_domain::account::Username;
use pingan_domain::audit::AuditEvent;
use pingan_domain::geometry::{BBox, Ring};
use pingan_domain::org::NewOrg;
use pingan_domain::personal::Phone;
use pingan_domain::region::{RegionCode, RegionLevel, RegionPath};
use serde_json::{Value, json};
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};

/// The actor name on every import's audit event.
pub const IMPORT_ACTOR: &str = "import";

/// Rows per INSERT statement (as in `seed`): regions have 14 columns, so 1,000 rows
/// stay under SQLite's 32,766 bound parameters.
const BATCH: usize = 1000;

/// `progress(done, total)`, called as batches are written.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// An existing region, as imports need it to attach rows to it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownRegion {
    pub id: i64,
    pub level: RegionLevel,
    pub path: RegionPath,
    /// Retired regions keep their codes (old records refer to them) but take no new rows.
    pub retired: bool,
}

/// Where a new region hangs.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionParent {
    /// The city itself: the root of the tree.
    Root,
    /// A region already in the database.
    Existing { id: i64, path: RegionPath },
    /// An earlier row of the same import, by its index in the rows written.
    Row(usize),
}

/// A checked region row (city, county, township or village).
#[derive(Debug, Clone, PartialEq)]
pub struct RegionImport {
    pub level: RegionLevel,
    pub code: RegionCode,
    pub name: String,
    pub parent: RegionParent,
    pub households: i64,
    pub population: i64,
}

/// What a grid row does.
#[derive(Debug, Clone, PartialEq)]
pub enum GridTarget {
    /// A new grid in this village.
    New { village_id: i64, village_path: RegionPath },
    /// The grid exists: its boundary is replaced (a recorded boundary change).
    Replace { id: i64, path: RegionPath },
}

/// A checked grid row.
#[derive(Debug, Clone, PartialEq)]
pub struct GridImport {
    pub code: RegionCode,
    pub name: String,
    pub households: i64,
    pub population: i64,
    pub ring: Ring,
    pub target: GridTarget,
}

/// What a grid import did. Only boundaries of existing grids change; their names
/// and figures stay as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridImportOutcome {
    pub added: usize,
    pub replaced: usize,
    /// Existing grids whose boundary in the file equals the stored one.
    pub unchanged: usize,
}

/// A checked organisation row, with its region's path for the audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgImport {
    pub org: NewOrg,
    pub region_path: RegionPath,
}

/// A checked account row; the password (if any) is already hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountImport {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub region_id: i64,
    pub region_path: RegionPath,
    pub org_id: Option<i64>,
    pub phone: Option<Phone>,
    /// argon2id PHC string; `None`: no password sign-in until one is set.
    pub password_hash: Option<String>,
}

/// One `regions` row as an import writes it.
struct RegionInsert<'a> {
    id: i64,
    parent_id: Option<i64>,
    level: RegionLevel,
    code: &'a str,
    name: &'a str,
    path: RegionPath,
    polygon: Option<String>,
    bbox: Option<BBox>,
    households: i64,
    population: i64,
}

/// Insert a batch of [`RegionInsert`]s on either engine's transaction.
macro_rules! insert_regions {
    ($conn:expr, $rows:expr, $now:expr) => {{
        let mut qb = QueryBuilder::new(
            "INSERT INTO regions (id, parent_id, level, code, name, path, polygon, min_lon, min_lat, max_lon, max_lat, households, population, created_at) ",
        );
        qb.push_values($rows, |mut b, r: &RegionInsert<'_>| {
            b.push_bind(r.id)
                .push_bind(r.parent_id)
                .push_bind(r.level.as_str())
                .push_bind(r.code)
                .push_bind(r.name)
                .push_bind(r.path.as_str())
                .push_bind(r.polygon.as_deref())
                .push_bind(r.bbox.map(|b| b.min_lon))
                .push_bind(r.bbox.map(|b| b.min_lat))
                .push_bind(r.bbox.map(|b| b.max_lon))
                .push_bind(r.bbox.map(|b| b.max_lat))
                .push_bind(r.households)
                .push_bind(r.population)
                .push_bind($now);
        });
        qb.build().execute($conn).await.map(|_| ())
    }};
}

/// Replace one grid's boundary and record the change; `false` when the stored
/// boundary is already this one (nothing is written then).
macro_rules! replace_boundary {
    ($tx:expr, $id:expr, $ring:expr, $file:expr, $now:expr) => {{
        let (old, min_lon, min_lat, max_lon, max_lat): (Option<String>, Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
            sqlx::query_as("SELECT polygon, min_lon, min_lat, max_lon, max_lat FROM regions WHERE id = $1")
                .bind($id)
                .fetch_one(&mut *$tx)
                .await?;
        let polygon = $ring.to_json();
        if old.as_deref() == Some(polygon.as_str()) {
            false
        } else {
            let b = $ring.bbox();
            sqlx::query("UPDATE regions SET polygon = $1, min_lon = $2, min_lat = $3, max_lon = $4, max_lat = $5 WHERE id = $6")
                .bind(&polygon)
                .bind(b.min_lon)
                .bind(b.min_lat)
                .bind(b.max_lon)
                .bind(b.max_lat)
                .bind($id)
                .execute(&mut *$tx)
                .await?;
            let detail = json!({
                "file": $file,
                "old_bbox": [min_lon, min_lat, max_lon, max_lat],
                "new_bbox": [b.min_lon, b.min_lat, b.max_lon, b.max_lat],
            });
            sqlx::query("INSERT INTO region_changes (region_id, kind, detail, at_ms) VALUES ($1, 'boundary', $2, $3)")
                .bind($id)
                .bind(detail.to_string())
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            true
        }
    }};
}

#[derive(sqlx::FromRow)]
struct KnownRecord {
    id: i64,
    level: String,
    code: String,
    path: String,
    retired_at: Option<i64>,
}

impl Store {
    /// System job (imports): every region, live or retired, by code. Codes are
    /// unique across the database, so uniqueness can only be checked unscoped.
    pub async fn region_directory(&self) -> Result<HashMap<String, KnownRegion>> {
        let recs: Vec<KnownRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as("SELECT id, level, code, path, retired_at FROM regions")
                .fetch_all(pool)
                .await)?;
        recs.into_iter()
            .map(|r| {
                let known = KnownRegion {
                    id: r.id,
                    level: RegionLevel::parse(&r.level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    path: RegionPath::parse(&r.path)
                        .ok_or_else(|| StoreError::Corrupt(format!("region {} has path '{}'", r.id, r.path)))?,
                    retired: r.retired_at.is_some(),
                };
                Ok((r.code, known))
            })
            .collect()
    }

    /// System job (imports): every username; they are unique across the database.
    pub async fn usernames(&self) -> Result<HashSet<String>> {
        let names: Vec<String> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT username FROM accounts").fetch_all(pool).await)?;
        Ok(names.into_iter().collect())
    }

    /// System job (imports): the ids of live organisations.
    pub async fn live_org_ids(&self) -> Result<HashSet<i64>> {
        let ids: Vec<i64> =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM orgs WHERE retired_at IS NULL")
                .fetch_all(pool)
                .await)?;
        Ok(ids.into_iter().collect())
    }

    /// Write checked region rows (parents before children) in one transaction.
    pub async fn import_regions(&self, file: &str, rows: &[RegionImport], progress: Progress<'_>) -> Result<()> {
        let now = now_ms();
        let reserve = reserve_ids_sql(self.engine());
        on_pool!(&self.db, |pool| async {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<i64> = sqlx::query_scalar(reserve).bind(rows.len() as i64).fetch_all(&mut *tx).await?;
            let inserts = place_regions(rows, &ids)?;
            let mut done = 0;
            for chunk in inserts.chunks(BATCH) {
                insert_regions!(&mut *tx, chunk, now)?;
                done += chunk.len() as u64;
                progress(done, rows.len() as u64);
            }
            let event = import_event("regions", file, rows.len(), json!({}), now);
            write_audit!(&mut *tx, &event, &common_ancestor(inserts.iter().map(|r| &r.path)))?;
            tx.commit().await?;
            Ok(())
        }
        .await)
        .map_err(duplicate_as_conflict)
        .inspect(|_| self.directory_changed())
    }

    /// Write checked grid rows in one transaction: new grids are inserted, existing
    /// ones get the file's boundary (recorded in `region_changes` as 'boundary').
    pub async fn import_grids(
        &self,
        file: &str,
        rows: &[GridImport],
        progress: Progress<'_>,
    ) -> Result<GridImportOutcome> {
        let now = now_ms();
        let reserve = reserve_ids_sql(self.engine());
        let new = rows.iter().filter(|r| matches!(r.target, GridTarget::New { .. })).count();
        let total = rows.len() as u64;
        on_pool!(&self.db, |pool| async {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<i64> = sqlx::query_scalar(reserve).bind(new as i64).fetch_all(&mut *tx).await?;
            let mut ids = ids.into_iter();
            let mut outcome = GridImportOutcome::default();
            let mut inserts = Vec::with_capacity(new);
            let mut paths = Vec::with_capacity(rows.len());
            for row in rows {
                match &row.target {
                    GridTarget::New { village_id, village_path } => {
                        let id = ids.next().ok_or_else(|| StoreError::Conflict("too few grid ids reserved".into()))?;
                        let insert = grid_insert(row, id, *village_id, village_path);
                        paths.push(insert.path.clone());
                        inserts.push(insert);
                    }
                    GridTarget::Replace { id, path } => {
                        if replace_boundary!(tx, *id, row.ring, file, now) {
                            outcome.replaced += 1;
                        } else {
                            outcome.unchanged += 1;
                        }
                        paths.push(path.clone());
                    }
                }
            }
            progress((outcome.replaced + outcome.unchanged) as u64, total);
            for chunk in inserts.chunks(BATCH) {
                insert_regions!(&mut *tx, chunk, now)?;
                outcome.added += chunk.len();
                progress((outcome.added + outcome.replaced + outcome.unchanged) as u64, total);
            }
            let counts = json!({"added": outcome.added, "replaced": outcome.replaced, "unchanged": outcome.unchanged});
            let event = import_event("grids", file, rows.len(), counts, now);
            write_audit!(&mut *tx, &event, &common_ancestor(paths.iter()))?;
            tx.commit().await?;
            Ok(outcome)
        }
        .await)
        .map_err(duplicate_as_conflict)
        .inspect(|_| self.directory_changed())
    }

    /// Write checked organisations in one transaction.
    pub async fn import_orgs(&self, file: &str, rows: &[OrgImport], progress: Progress<'_>) -> Result<()> {
        let now = now_ms();
        on_pool!(&self.db, |pool| async {
            let mut tx = pool.begin_write().await?;
            let mut done = 0;
            for chunk in rows.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO orgs (kind, name, region_id, dept, industry, address, phone, lon, lat, opening_hours, created_at, updated_at) ",
                );
                qb.push_values(chunk, |mut b, row| {
                    let o = &row.org;
                    b.push_bind(o.kind.as_str())
                        .push_bind(&o.name)
                        .push_bind(o.region_id)
                        .push_bind(&o.dept)
                        .push_bind(&o.industry)
                        .push_bind(&o.address)
                        .push_bind(&o.phone)
                        .push_bind(o.lon)
                        .push_bind(o.lat)
                        .push_bind(&o.opening_hours)
                        .push_bind(now)
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
                done += chunk.len() as u64;
                progress(done, rows.len() as u64);
            }
            let event = import_event("orgs", file, rows.len(), json!({}), now);
            write_audit!(&mut *tx, &event, &common_ancestor(rows.iter().map(|r| &r.region_path)))?;
            tx.commit().await?;
            Ok(())
        }
        .await)
        .map_err(duplicate_as_conflict)
        .inspect(|_| self.directory_changed())
    }

    /// Write checked accounts in one transaction (passwords hashed beforehand, so
    /// the transaction stays short).
    pub async fn import_accounts(&self, file: &str, rows: &[AccountImport], progress: Progress<'_>) -> Result<()> {
        let now = now_ms();
        on_pool!(&self.db, |pool| async {
            let mut tx = pool.begin_write().await?;
            let mut done = 0;
            for chunk in rows.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO accounts (username, display_name, role, region_id, org_id, phone, password_hash, created_at) ",
                );
                qb.push_values(chunk, |mut b, a| {
                    b.push_bind(a.username.as_str())
                        .push_bind(&a.display_name)
                        .push_bind(a.role.as_str())
                        .push_bind(a.region_id)
                        .push_bind(a.org_id)
                        .push_bind(a.phone.as_ref().map(Phone::as_str))
                        .push_bind(&a.password_hash)
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
                done += chunk.len() as u64;
                progress(done, rows.len() as u64);
            }
            let event = import_event("accounts", file, rows.len(), json!({}), now);
            write_audit!(&mut *tx, &event, &common_ancestor(rows.iter().map(|r| &r.region_path)))?;
            tx.commit().await?;
            Ok(())
        }
        .await)
        .map_err(duplicate_as_conflict)
        .inspect(|_| self.directory_changed())
    }
}

/// SQL that returns `$1` unused region ids, one per row. New regions need their
/// ids before they are written because a region's path ends in its own id.
fn reserve_ids_sql(engine: Engine) -> &'static str {
    match engine {
        // Under BEGIN IMMEDIATE no other writer can take ids until we commit.
        Engine::Sqlite => {
            "WITH RECURSIVE k(n) AS (SELECT 1 WHERE $1 > 0 UNION ALL SELECT n + 1 FROM k WHERE n < $1)
             SELECT (SELECT COALESCE(max(id), 0) FROM regions) + n FROM k"
        }
        // The identity sequence hands each id out once, whatever other transactions do.
        Engine::Postgres => "SELECT nextval(pg_get_serial_sequence('regions', 'id')) FROM generate_series(1, $1)",
    }
}

/// Give each new region its id, parent and path. Parents precede their children,
/// so a parent named by row index is already placed.
fn place_regions<'a>(rows: &'a [RegionImport], ids: &[i64]) -> Result<Vec<RegionInsert<'a>>> {
    let mut placed: Vec<RegionInsert<'a>> = Vec::with_capacity(rows.len());
    for (i, (row, &id)) in rows.iter().zip(ids).enumerate() {
        let (parent_id, path) = match &row.parent {
            RegionParent::Root => (None, RegionPath::root(id)),
            RegionParent::Existing { id: parent, path } => (Some(*parent), path.child(id)),
            RegionParent::Row(j) => {
                let parent = placed.get(*j).ok_or_else(|| {
                    StoreError::Conflict(format!("region row {i} names row {j} as parent, which does not precede it"))
                })?;
                (Some(parent.id), parent.path.child(id))
            }
        };
        placed.push(RegionInsert {
            id,
            parent_id,
            level: row.level,
            code: row.code.as_str(),
            name: &row.name,
            path,
            polygon: None,
            bbox: None,
            households: row.households,
            population: row.population,
        });
    }
    Ok(placed)
}

fn grid_insert<'a>(row: &'a GridImport, id: i64, village_id: i64, village_path: &RegionPath) -> RegionInsert<'a> {
    RegionInsert {
        id,
        parent_id: Some(village_id),
        level: RegionLevel::Grid,
        code: row.code.as_str(),
        name: &row.name,
        path: village_path.child(id),
        polygon: Some(row.ring.to_json()),
        bbox: Some(row.ring.bbox()),
        households: row.households,
        population: row.population,
    }
}

/// The audit event of an import: `after` names the file and the row count, plus
/// `extra` fields.
fn import_event(kind: &str, file: &str, rows: usize, extra: Value, now: i64) -> AuditEvent {
    let mut after = json!({"file": file, "rows": rows});
    if let (Some(after), Value::Object(extra)) = (after.as_object_mut(), extra) {
        after.extend(extra);
    }
    AuditEvent {
        at_ms: now,
        actor_id: None,
        actor_name: IMPORT_ACTOR.into(),
        action: format!("import.{kind}"),
        target_kind: kind.into(),
        target_id: None,
        success: true,
        before: Value::Null,
        after,
    }
}

/// The deepest region containing all of `paths`, as a path string: the audit
/// event's place, so that whoever's scope covers the import can read it.
/// Paths from different roots (or none) give "/", which no scope covers.
fn common_ancestor<'a>(paths: impl IntoIterator<Item = &'a RegionPath>) -> String {
    let mut common: Option<Vec<i64>> = None;
    for path in paths {
        let ids = path.ids();
        common = Some(match common {
            None => ids,
            Some(mut prefix) => {
                let shared = prefix.iter().zip(&ids).take_while(|(a, b)| a == b).count();
                prefix.truncate(shared);
                prefix
            }
        });
    }
    match common.as_deref() {
        Some([root, rest @ ..]) => rest.iter().fold(RegionPath::root(*root), |p, id| p.child(*id)).as_str().to_owned(),
        _ => "/".to_owned(),
    }
}

/// A unique violation at write time means someone added the same code or username
/// between the check and the write; the transaction has rolled back.
fn duplicate_as_conflict(e: StoreError) -> StoreError {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => StoreError::Conflict(format!(
            "a code or username in the file was added by someone else during the import; nothing was imported, run it again ({})",
            db.message()
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> RegionPath {
        RegionPath::parse(s).unwrap()
    }

    #[test]
    fn common_ancestor_is_the_shared_prefix_of_ids() {
        assert_eq!(common_ancestor([&path("/1/4/57/"), &path("/1/4/58/")]), "/1/4/");
        assert_eq!(common_ancestor([&path("/1/4/57/"), &path("/1/45/")]), "/1/");
        assert_eq!(common_ancestor([&path("/1/4/57/")]), "/1/4/57/");
        assert_eq!(common_ancestor([&path("/1/"), &path("/2/")]), "/");
        assert_eq!(common_ancestor(std::iter::empty()), "/");
    }

    #[test]
    fn regions_are_placed_under_earlier_rows() {
        let row = |level, code: &str, parent| RegionImport {
            level,
            code: RegionCode::parse(level, code).unwrap(),
            name: code.to_owned(),
            parent,
            households: 0,
            population: 0,
        };
        let rows = [
            row(RegionLevel::City, "371400", RegionParent::Root),
            row(RegionLevel::County, "371402", RegionParent::Row(0)),
            row(RegionLevel::Township, "371402001000", RegionParent::Existing { id: 9, path: path("/7/9/") }),
        ];
        let placed = place_regions(&rows, &[10, 11, 12]).unwrap();
        let summary: Vec<_> = placed.iter().map(|r| (r.parent_id, r.path.as_str())).collect();
        assert_eq!(summary, [(None, "/10/"), (Some(10), "/10/11/"), (Some(9), "/7/9/12/")]);
        let forward = [row(RegionLevel::County, "371402", RegionParent::Row(1))];
        assert!(place_regions(&forward, &[1]).is_err());
    }
}
