//! 红色物业: the estates each property company serves (with owners' committees and households),
//! each company's party organisation, and its quarterly rating from the D-category appeals of
//! the communities it serves — where it has estates there, their households; otherwise the
//! community it is registered in ([`pingan_domain::forces::property`] rates them).

use crate::party::{audit, community_staff};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor};
use pingan_domain::calendar::from_china;
use pingan_domain::forces::property::{
    NewEstate, PROPERTY_CATEGORIES, PartyOrgStatus, PartyStatus, PropertyRating, QuarterAppeals, quarter_bounds, rate,
};
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Estate {
    pub id: i64,
    pub name: String,
    pub community_id: i64,
    pub community_name: String,
    pub company_org_id: i64,
    pub company_name: String,
    pub owners_committee_org_id: Option<i64>,
    pub owners_committee_name: Option<String>,
    pub households: i64,
}

/// A property company as the community's staff see it: what it serves, its party
/// organisation, and its three-in-one meetings.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyCompany {
    pub org_id: i64,
    pub name: String,
    pub estates: i64,
    pub households: i64,
    /// Estates with an owners' committee.
    pub with_committee: i64,
    pub party_status: String,
    pub party_status_zh: &'static str,
    pub party_members: i64,
    pub secretary: Option<String>,
    /// 红色物业: its own or a joint party branch.
    pub red: bool,
    /// Three-in-one meetings it joined this year.
    pub meetings: i64,
}

const ESTATE_SELECT: &str = "SELECT e.id, e.name, e.community_id, r.name AS community_name, e.company_org_id,
        c.name AS company_name, e.owners_committee_org_id, w.name AS owners_committee_name, e.households
   FROM property_estates e JOIN regions r ON r.id = e.community_id JOIN orgs c ON c.id = e.company_org_id
   LEFT JOIN orgs w ON w.id = e.owners_committee_org_id";

#[derive(Debug, Clone, Serialize)]
pub struct CompanyQuarter {
    pub org_id: i64,
    pub name: String,
    pub community_id: i64,
    pub community_name: String,
    pub year: i32,
    pub quarter: u32,
    pub appeals: QuarterAppeals,
    pub rating: PropertyRating,
}

/// Which company serves which community, and how many households: its estates there, or,
/// for a company with no estates recorded, the community it is registered in.
const SERVED: &str =
    "SELECT e.company_org_id AS org_id, e.community_id, CAST(SUM(e.households) AS BIGINT) AS households
      FROM property_estates e GROUP BY e.company_org_id, e.community_id
    UNION ALL
    SELECT o.id, o.region_id, r.households FROM orgs o JOIN regions r ON r.id = o.region_id
     WHERE o.kind = 'property_company' AND NOT EXISTS (SELECT 1 FROM property_estates e WHERE e.company_org_id = o.id)";

impl Store {
    /// The quarter's rating of every live property company in each community it serves under
    /// `within` (a region's path: a community for residents, a scope for staff). Public.
    pub async fn property_ratings(&self, within: &RegionPath, year: i32, quarter: u32) -> Result<Vec<CompanyQuarter>> {
        let Some((from, to)) = quarter_bounds(year, quarter) else {
            return Err(crate::StoreError::Invalid(vec![pingan_domain::FieldError::new(
                "quarter",
                "季度为 1 至 4 / a quarter is 1 to 4",
            )]));
        };
        let (from_ms, to_ms) =
            (from_china(from.and_time(chrono::NaiveTime::MIN)), from_china(to.and_time(chrono::NaiveTime::MIN)));
        // The categories are constants of the domain, inlined.
        let categories = PROPERTY_CATEGORIES.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT o.id, o.name, r.id, r.name, s.households, count(a.id),
                    CAST(COALESCE(SUM(CASE WHEN a.closed_ms IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN a.closed_on_time THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(a.callbacks), 0) AS BIGINT),
                    CAST(COALESCE(SUM(a.satisfied_callbacks), 0) AS BIGINT)
               FROM ({SERVED}) s JOIN orgs o ON o.id = s.org_id JOIN regions r ON r.id = s.community_id
               LEFT JOIN appeals a ON a.region_path >= r.path AND a.region_path < r.path || '~'
                    AND a.category IN ({categories}) AND a.received_ms >= $3 AND a.received_ms < $4
                    AND a.merged_into IS NULL
              WHERE o.kind = 'property_company' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2
              GROUP BY o.id, o.name, r.id, r.name, s.households
              ORDER BY o.name LIMIT 5000"
        );
        type Row = (i64, String, i64, String, i64, i64, i64, i64, i64, i64);
        let (lo, hi) = (within.as_str().to_owned(), within.subtree_end());
        let rows: Vec<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(&lo)
            .bind(&hi)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(
                |(org_id, name, community_id, community_name, households, n, closed, on_time, callbacks, satisfied)| {
                    let appeals = QuarterAppeals {
                        households,
                        appeals: n,
                        closed,
                        closed_on_time: on_time,
                        callbacks,
                        satisfied,
                    };
                    CompanyQuarter {
                        org_id,
                        name,
                        community_id,
                        community_name,
                        year,
                        quarter,
                        rating: rate(&appeals),
                        appeals,
                    }
                },
            )
            .collect())
    }

    /// Record an estate a property company serves, in a community of the actor's scope; the
    /// owners' committee, if named, must be one of that community.
    pub async fn add_estate(&self, actor: &Actor, estate: &NewEstate) -> Result<Estate> {
        community_staff(actor, Action::Create)?;
        let mut errors = Vec::new();
        let community = self
            .region(&actor.scope, estate.community_id)
            .await
            .ok()
            .filter(|c| c.level == RegionLevel::Village && !c.retired);
        if community.is_none() {
            errors.push(FieldError::new("community_id", "请选择辖区内的村(社区) / pick a community in your scope"));
        }
        // A company may be registered anywhere in the city (a county firm serves many
        // communities): its kind is checked, not the actor's scope over its registration.
        let kind_of = |id: i64| async move {
            on_pool!(&self.db, |pool| sqlx::query_as::<_, (String, i64)>(
                "SELECT kind, region_id FROM orgs WHERE id = $1 AND retired_at IS NULL"
            )
            .bind(id)
            .fetch_optional(pool)
            .await)
        };
        if kind_of(estate.company_org_id).await?.is_none_or(|(k, _)| k != "property_company") {
            errors.push(FieldError::new("company_org_id", "请选择物业服务企业 / pick a property company"));
        }
        if let Some(committee) = estate.owners_committee_org_id {
            let ok = kind_of(committee).await?.is_some_and(|(k, region)| {
                k == "owners_committee" && community.as_ref().is_some_and(|c| c.id == region)
            });
            if !ok {
                errors.push(FieldError::new(
                    "owners_committee_org_id",
                    "业主委员会须属于本村(社区) / the owners' committee must be the community's",
                ));
            }
        }
        let Some(community) = community.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM property_estates WHERE community_id = $1 AND name = $2")
                    .bind(community.id)
                    .bind(&estate.name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{}已有小区“{}” / the estate is already recorded",
                    community.name, estate.name
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO property_estates (name, community_id, region_path, company_org_id, owners_committee_org_id,
                                               households, created_by, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&estate.name)
            .bind(community.id)
            .bind(&path)
            .bind(estate.company_org_id)
            .bind(estate.owners_committee_org_id)
            .bind(estate.households)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "name": estate.name, "company_org_id": estate.company_org_id,
                "owners_committee_org_id": estate.owners_committee_org_id, "households": estate.households });
            write_audit!(
                &mut *tx,
                &audit(actor, "property.estate_add", "property_estate", id, after, now),
                path.as_str()
            )?;
            tx.commit().await?;
            id
        });
        let sql = format!("{ESTATE_SELECT} WHERE e.id = $1");
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
    }

    /// Estates in the actor's scope, optionally of one community.
    pub async fn estates(&self, actor: &Actor, community_id: Option<i64>) -> Result<Vec<Estate>> {
        community_staff(actor, Action::Read)?;
        let one = community_id.map(|c| format!(" AND e.community_id = {c}")).unwrap_or_default();
        let sql = format!(
            "{ESTATE_SELECT} WHERE e.region_path >= $1 AND e.region_path < $2{one} ORDER BY r.name, e.name LIMIT 5000"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }

    /// Record a property company's party organisation. Staff of a community it serves (or
    /// where it is registered) may.
    pub async fn set_property_party(&self, actor: &Actor, org_id: i64, party: &PartyStatus) -> Result<PropertyCompany> {
        community_staff(actor, Action::Update)?;
        let company = self
            .property_companies(actor)
            .await?
            .into_iter()
            .find(|c| c.org_id == org_id)
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO property_party (org_id, status, members, secretary, updated_by, updated_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (org_id) DO UPDATE SET status = excluded.status, members = excluded.members,
                    secretary = excluded.secretary, updated_by = excluded.updated_by, updated_ms = excluded.updated_ms",
            )
            .bind(org_id)
            .bind(party.status.code())
            .bind(party.members)
            .bind(&party.secretary)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut event = audit(
                actor,
                "property.party",
                "org",
                org_id,
                serde_json::json!({ "status": party.status.code(), "members": party.members, "secretary": party.secretary }),
                now,
            );
            event.before = serde_json::json!({ "status": company.party_status, "members": company.party_members });
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.property_companies(actor).await?.into_iter().find(|c| c.org_id == org_id).ok_or(StoreError::NotFound)
    }

    /// The property companies serving the actor's scope (by their estates there, or registered
    /// there), with their party organisation and this year's three-in-one meetings.
    pub async fn property_companies(&self, actor: &Actor) -> Result<Vec<PropertyCompany>> {
        community_staff(actor, Action::Read)?;
        let year_start = {
            use chrono::Datelike;
            let today = crate::china_today();
            chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0))
        };
        let since = year_start.map(from_china).unwrap_or(0);
        let sql = format!(
            "SELECT o.id, o.name,
                    (SELECT count(*) FROM property_estates e WHERE e.company_org_id = o.id AND e.region_path >= $1 AND e.region_path < $2),
                    CAST(COALESCE((SELECT SUM(e.households) FROM property_estates e
                                    WHERE e.company_org_id = o.id AND e.region_path >= $1 AND e.region_path < $2), 0) AS BIGINT),
                    (SELECT count(*) FROM property_estates e WHERE e.company_org_id = o.id AND e.owners_committee_org_id IS NOT NULL
                        AND e.region_path >= $1 AND e.region_path < $2),
                    p.status, COALESCE(p.members, 0), p.secretary,
                    (SELECT count(*) FROM meetings m WHERE m.property_org_id = o.id AND m.kind = 'three_in_one' AND m.recorded_ms >= $3)
               FROM orgs o LEFT JOIN property_party p ON p.org_id = o.id
              WHERE o.kind = 'property_company' AND o.retired_at IS NULL
                AND o.id IN (SELECT s.org_id FROM ({SERVED}) s JOIN regions r ON r.id = s.community_id
                              WHERE r.path >= $1 AND r.path < $2)
              ORDER BY o.name LIMIT 5000"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        type Row = (i64, String, i64, i64, i64, Option<String>, i64, Option<String>, i64);
        let rows: Vec<Row> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(since).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(org_id, name, estates, households, with_committee, status, party_members, secretary, meetings)| {
                let status = status.as_deref().and_then(PartyOrgStatus::parse).unwrap_or(PartyOrgStatus::None);
                PropertyCompany {
                    org_id,
                    name,
                    estates,
                    households,
                    with_committee,
                    party_status: status.code().to_owned(),
                    party_status_zh: status.zh(),
                    party_members,
                    secretary,
                    red: status.is_red(),
                    meetings,
                }
            })
            .collect())
    }

    /// The property companies a community's estate may name: the live ones registered in the
    /// community's county (a company serves beyond where it is registered).
    pub async fn property_company_choices(&self, community: &RegionPath) -> Result<Vec<(i64, String)>> {
        let county = community.ancestor(2);
        let (lo, hi) = (county.as_str().to_owned(), county.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT o.id, o.name FROM orgs o JOIN regions r ON r.id = o.region_id
              WHERE o.kind = 'property_company' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2
              ORDER BY o.name LIMIT 1000"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?)
    }
}
