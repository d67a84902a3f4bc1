//! 红色物业 ratings: each property company's quarter, from the D-category appeals placed in the
//! community it is registered in ([`pingan_domain::forces::property`] rates them).

use crate::{Result, Store, on_pool};
use pingan_domain::calendar::from_china;
use pingan_domain::forces::property::{PROPERTY_CATEGORIES, PropertyRating, QuarterAppeals, quarter_bounds, rate};
use pingan_domain::region::RegionPath;
use serde::Serialize;

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

impl Store {
    /// The quarter's rating of every live property company registered under `within` (a
    /// region's path: a community for residents, a scope for staff). Ratings are public.
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
            "SELECT o.id, o.name, r.id, r.name, r.households, count(a.id),
                    CAST(COALESCE(SUM(CASE WHEN a.closed_ms IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN a.closed_on_time THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(a.callbacks), 0) AS BIGINT),
                    CAST(COALESCE(SUM(a.satisfied_callbacks), 0) AS BIGINT)
               FROM orgs o JOIN regions r ON r.id = o.region_id
               LEFT JOIN appeals a ON a.region_path >= r.path AND a.region_path < r.path || '~'
                    AND a.category IN ({categories}) AND a.received_ms >= $3 AND a.received_ms < $4
                    AND a.merged_into IS NULL
              WHERE o.kind = 'property_company' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2
              GROUP BY o.id, o.name, r.id, r.name, r.households
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
}
