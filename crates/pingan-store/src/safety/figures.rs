//! 平安单位 figures for a year, per industry or per county, over the reader's scope: the units
//! who could apply, the applications of that year's campaigns and where they stand.

use super::require;
use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::org::INDUSTRIES;
use pingan_domain::region::RegionPath;
use pingan_domain::safety::figures::{Counted, SafeUnitFigures};
use serde::Serialize;
use std::collections::BTreeMap;

/// How the figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafetyGroup {
    Industry,
    County,
    Township,
}

impl SafetyGroup {
    pub fn parse(s: &str) -> Option<SafetyGroup> {
        match s {
            "industry" => Some(SafetyGroup::Industry),
            "county" => Some(SafetyGroup::County),
            "township" => Some(SafetyGroup::Township),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FiguresRow {
    /// An industry code or a county's id.
    pub key: String,
    pub name: String,
    pub figures: SafeUnitFigures,
    /// The same row the year before.
    pub last_year: SafeUnitFigures,
}

#[derive(Debug, Clone, Serialize)]
pub struct SafetyFigures {
    pub year: i32,
    pub rows: Vec<FiguresRow>,
    pub total: SafeUnitFigures,
    pub last_year_total: SafeUnitFigures,
}

impl Store {
    /// The figures of `year` (and the year before) in the actor's scope.
    pub async fn safety_figures(&self, actor: &Actor, year: i32, group: SafetyGroup) -> Result<SafetyFigures> {
        require(actor, Action::Read)?;
        if actor.role == Role::UnitContact {
            return Err(StoreError::Denied(Denied::Role));
        }
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let units: Vec<(Option<String>, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT o.industry, r.path FROM orgs o JOIN regions r ON r.id = o.region_id
              WHERE o.kind = 'social_unit' AND o.retired_at IS NULL AND r.path >= $1 AND r.path < $2"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        let apps: Vec<(i64, String, String, String, Option<String>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT c.year, a.industry, a.region_path, a.state, a.outcome
               FROM safety_applications a JOIN safety_campaigns c ON c.id = a.campaign_id
              WHERE c.kind = 'safe_unit' AND c.year IN ($1, $2) AND a.region_path >= $3 AND a.region_path < $4"
        )
        .bind(i64::from(year))
        .bind(i64::from(year) - 1)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        let area = |level: &'static str| async move {
            let rows: Vec<(i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT id, name FROM regions WHERE level = $1 AND path >= $2 AND path < $3"
            )
            .bind(level)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await)?;
            Ok::<BTreeMap<String, String>, StoreError>(
                rows.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
            )
        };
        let county_names: BTreeMap<String, String> = match group {
            SafetyGroup::County => area("county").await?,
            SafetyGroup::Township => area("township").await?,
            SafetyGroup::Industry => {
                INDUSTRIES.iter().map(|(code, name, _)| ((*code).to_owned(), (*name).to_owned())).collect()
            }
        };
        let key_of = |industry: &str, path: &str| -> Option<String> {
            let at = |depth: usize| RegionPath::parse(path).and_then(|p| p.ids().get(depth).map(i64::to_string));
            match group {
                SafetyGroup::Industry => Some(industry.to_owned()),
                SafetyGroup::County => at(1),
                SafetyGroup::Township => at(2),
            }
        };
        let mut rows: BTreeMap<String, (SafeUnitFigures, SafeUnitFigures)> = BTreeMap::new();
        let (mut total, mut last_total) = (SafeUnitFigures::default(), SafeUnitFigures::default());
        for (industry, path) in &units {
            let Some(industry) = industry else { continue };
            if let Some(key) = key_of(industry, path) {
                let entry = rows.entry(key).or_default();
                entry.0.add_unit();
                entry.1.add_unit();
            }
            total.add_unit();
            last_total.add_unit();
        }
        for (y, industry, path, state, outcome) in &apps {
            let counted = Counted {
                concluded: outcome.is_some(),
                passing: matches!(state.as_str(), "publicised" | "awarded"),
                awarded: state == "awarded",
                revoked: state == "revoked",
            };
            let this = *y == i64::from(year);
            if let Some(key) = key_of(industry, path) {
                let entry = rows.entry(key).or_default();
                if this { entry.0.add_application(counted) } else { entry.1.add_application(counted) }
            }
            if this { total.add_application(counted) } else { last_total.add_application(counted) }
        }
        let rows = rows
            .into_iter()
            .filter_map(|(key, (figures, last_year))| {
                let name = county_names.get(&key)?.clone();
                Some(FiguresRow { key, name, figures, last_year })
            })
            .collect();
        Ok(SafetyFigures { year, rows, total, last_year_total: last_total })
    }
}
