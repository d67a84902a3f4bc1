//! Bulk loading of a whole city (the demo generator and first-time imports).

use crate::rows::CityRows;
use crate::{BeginWrite, Db, Result, Store, now_ms, on_pool, write_audit};
use pingan_domain::audit::AuditEvent;
use sqlx::QueryBuilder;

/// Rows per INSERT statement: large enough to amortise round trips, small enough
/// to stay under SQLite's 32,766 bound parameters (regions have 13 columns).
const BATCH: usize = 1000;

impl Store {
    /// Write every row of `city` in one transaction, with one audit event for the load.
    /// `progress(done, total)` is called after each batch.
    pub async fn load_city(
        &self,
        city: &CityRows,
        actor_name: &str,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<()> {
        let total = (city.regions.len() + city.orgs.len() + city.accounts.len()) as u64;
        let now = now_ms();
        let mut done = 0u64;
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            for chunk in city.regions.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO regions (id, parent_id, level, code, name, path, polygon, min_lon, min_lat, max_lon, max_lat, households, population, created_at) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    let bbox = r.polygon.as_ref().map(|p| p.bbox());
                    b.push_bind(r.id)
                        .push_bind(r.parent_id)
                        .push_bind(r.level.as_str())
                        .push_bind(r.code.as_str())
                        .push_bind(&r.name)
                        .push_bind(r.path.as_str())
                        .push_bind(r.polygon.as_ref().map(|p| p.to_json()))
                        .push_bind(bbox.map(|b| b.min_lon))
                        .push_bind(bbox.map(|b| b.min_lat))
                        .push_bind(bbox.map(|b| b.max_lon))
                        .push_bind(bbox.map(|b| b.max_lat))
                        .push_bind(r.households)
                        .push_bind(r.population)
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
                done += chunk.len() as u64;
                progress(done, total);
            }
            for chunk in city.orgs.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO orgs (id, kind, name, region_id, dept, industry, parent_org_id, address, phone, lon, lat, opening_hours, created_at, updated_at) ",
                );
                qb.push_values(chunk, |mut b, o| {
                    b.push_bind(o.id)
                        .push_bind(o.kind.as_str())
                        .push_bind(&o.name)
                        .push_bind(o.region_id)
                        .push_bind(&o.dept)
                        .push_bind(&o.industry)
                        .push_bind(o.parent_org_id)
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
                progress(done, total);
            }
            for chunk in city.accounts.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO accounts (id, username, display_name, role, region_id, org_id, phone, password_hash, created_at) ",
                );
                qb.push_values(chunk, |mut b, a| {
                    b.push_bind(a.id)
                        .push_bind(&a.username)
                        .push_bind(&a.display_name)
                        .push_bind(a.role.as_str())
                        .push_bind(a.region_id)
                        .push_bind(a.org_id)
                        .push_bind(&a.phone)
                        .push_bind(&a.password_hash)
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
                done += chunk.len() as u64;
                progress(done, total);
            }
            for chunk in city.mediation_bodies.chunks(BATCH) {
                let mut qb = QueryBuilder::new("INSERT INTO mediation_bodies (org_id, kind, industry) ");
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(m.org_id).push_bind(m.kind.as_str()).push_bind(m.industry.map(|i| i.as_str()));
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in city.mediators.chunks(BATCH) {
                let mut qb =
                    QueryBuilder::new("INSERT INTO mediators (id, body_org_id, name, phone, specialties, created_ms) ");
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(m.id)
                        .push_bind(m.body_org_id)
                        .push_bind(&m.name)
                        .push_bind(&m.phone)
                        .push_bind(crate::mediation::specialties_text(&m.specialties))
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in city.mediation_brands.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO mediation_brands (region_id, region_path, name, kind, summary, body_org_id, lead, created_ms, updated_ms, version) ",
                );
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(m.region_id)
                        .push_bind(&m.region_path)
                        .push_bind(&m.name)
                        .push_bind(m.kind.as_str())
                        .push_bind(&m.summary)
                        .push_bind(m.body_org_id)
                        .push_bind(&m.lead)
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(1_i64);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: actor_name.to_owned(),
                action: "city.load".into(),
                target_kind: "city".into(),
                target_id: city.regions.first().map(|r| r.id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "regions": city.regions.len(), "orgs": city.orgs.len(), "accounts": city.accounts.len(),
                    "mediators": city.mediators.len(), "mediation_brands": city.mediation_brands.len(),
                }),
            };
            let root = city.regions.first().map(|r| r.path.as_str().to_owned()).unwrap_or_else(|| "/".into());
            write_audit!(&mut *tx, &event, &root)?;
            tx.commit().await?;
        });
        self.directory_changed();
        self.reset_sequences().await
    }

    /// After inserting explicit ids, move PostgreSQL's identity sequences past them
    /// (SQLite's INTEGER PRIMARY KEY needs nothing).
    async fn reset_sequences(&self) -> Result<()> {
        if let Db::Postgres(pool) = &self.db {
            for table in ["regions", "orgs", "accounts", "mediators"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"
                ))
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }
}
