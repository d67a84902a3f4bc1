//! 四级联创 scores of counties or townships for a year: each area's rates gathered from the
//! areas that keep them — safe units ([`super::figures`]), 五零 villages ([`super::five_zero`]),
//! appeals (`appeals::rates`), mediation — and weighed by the formula in force
//! ([`pingan_domain::safety::county`]), stored as versions like the templates.

use super::{DocumentRow, city_document_name, require};
use crate::appeals::{GroupKey, RatesGroup, RatesQuery};
use crate::mediation::FiguresGroup;
use crate::safety::SafetyGroup;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use pingan_domain::access::{Action, Actor, Denied};
use pingan_domain::account::Role;
use pingan_domain::calendar::from_china;
use pingan_domain::region::RegionLevel;
use pingan_domain::safety::CampaignKind;
use pingan_domain::safety::county::{AreaScore, Formula, Indicator, ranks, score};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

const FORMULA_KIND: &str = "county_formula";
pub(crate) const DEFAULT_FORMULA_NAME: &str = "四级联创评分公式(默认)";

/// A version of the formula: the newest stored, or the one a year's campaign keeps, or the
/// default as version 0.
#[derive(Debug, Clone, Serialize)]
pub struct FormulaVersion {
    pub version: i64,
    pub name: String,
    /// The county campaign of the year that keeps it, when read for a year.
    pub campaign_id: Option<i64>,
    pub formula: Formula,
}

fn formula_from(row: Option<DocumentRow>) -> Result<FormulaVersion> {
    Ok(match row {
        Some(row) => {
            let doc: serde_json::Value =
                serde_json::from_str(&row.body).map_err(|e| StoreError::Corrupt(format!("county formula: {e}")))?;
            let formula = Formula::parse(&doc).map_err(|e| StoreError::Corrupt(format!("county formula: {}", e[0])))?;
            FormulaVersion { version: row.version, name: row.name, campaign_id: row.campaign_id, formula }
        }
        None => FormulaVersion {
            version: 0,
            name: DEFAULT_FORMULA_NAME.into(),
            campaign_id: None,
            formula: Formula::default(),
        },
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub id: i64,
    pub name: String,
    pub rank: usize,
    pub score: AreaScore,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountyScores {
    pub year: i32,
    pub level: RegionLevel,
    pub formula: FormulaVersion,
    /// Best first.
    pub rows: Vec<ScoreRow>,
}

impl Store {
    pub async fn county_formula(&self, actor: &Actor) -> Result<FormulaVersion> {
        require(actor, Action::Read)?;
        self.current_formula().await
    }

    async fn current_formula(&self) -> Result<FormulaVersion> {
        formula_from(self.current_document(CampaignKind::County).await?)
    }

    /// Store the next version of the formula (city administrators; audited).
    pub async fn save_county_formula(
        &self,
        actor: &Actor,
        expected_version: i64,
        name: &str,
        formula: &Formula,
    ) -> Result<FormulaVersion> {
        let name = city_document_name(actor, name)?;
        let before = self.current_formula().await?;
        let after = serde_json::json!({ "kind": FORMULA_KIND, "version": expected_version + 1, "name": name,
            "weights": formula.weights.iter().map(|w| (w.indicator, w.weight)).collect::<Vec<_>>() });
        let body = serde_json::to_string(formula).expect("serialisable");
        self.insert_version(actor, FORMULA_KIND, before.version, expected_version, name, &body, after).await?;
        self.current_formula().await
    }

    /// The scores of the counties (or townships) in the actor's scope for `year`, ranked.
    pub async fn county_scores(&self, actor: &Actor, year: i32, level: RegionLevel) -> Result<CountyScores> {
        require(actor, Action::Read)?;
        if !matches!(
            actor.role,
            Role::Admin | Role::Leader | Role::Supervisor | Role::DeptHandler | Role::TownshipDispatcher
        ) {
            return Err(StoreError::Denied(Denied::Role));
        }
        let (safety_group, rates_group, mediation_group) = match level {
            RegionLevel::County => (SafetyGroup::County, RatesGroup::County, FiguresGroup::County),
            RegionLevel::Township => (SafetyGroup::Township, RatesGroup::Township, FiguresGroup::Township),
            _ => {
                return Err(StoreError::Invalid(vec![pingan_domain::FieldError::new(
                    "level",
                    "按县或乡镇评分 / score counties or townships",
                )]));
            }
        };
        let formula = formula_from(self.document_for_year(CampaignKind::County, year, &actor.scope.region).await?)?;
        let areas = self.regions_at_level(&actor.scope, level).await?;
        let mut rates: HashMap<i64, BTreeMap<Indicator, Option<f64>>> =
            areas.iter().map(|a| (a.id, BTreeMap::new())).collect();
        let mut put = |id: i64, indicator: Indicator, rate: Option<f64>| {
            if let Some(r) = rates.get_mut(&id) {
                r.insert(indicator, rate);
            }
        };

        let units = self.safety_figures(actor, year, safety_group).await?;
        for row in &units.rows {
            if let Ok(id) = row.key.parse::<i64>() {
                put(id, Indicator::SafeUnitAcceptance, row.figures.acceptance_rate);
                put(id, Indicator::SafeUnitApplication, row.figures.application_rate);
            }
        }
        let five_zero = self.five_zero_report(actor, None, year).await?;
        let zero_rows = if level == RegionLevel::County { &five_zero.counties } else { &five_zero.townships };
        for a in zero_rows {
            put(a.id, Indicator::FiveZero, a.rate.rate);
        }
        let start =
            |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(0, from_china);
        let (from_ms, to_ms) = (start(year), start(year + 1).min(crate::now_ms() + 1));
        if to_ms > from_ms {
            let appeals = self.appeal_rates(actor, &RatesQuery { from_ms, to_ms, group: rates_group }).await?;
            for row in &appeals.rows {
                if let GroupKey::Region { id } = row.key {
                    put(id, Indicator::AppealOnTime, row.rates.on_time.value());
                    put(id, Indicator::AppealSatisfaction, row.rates.satisfaction.value());
                }
            }
            let (mediation, _) =
                self.mediation_figures(actor, from_ms, to_ms, mediation_group, &Default::default()).await?;
            for row in &mediation {
                if let Some(id) = row.key {
                    put(id, Indicator::MediationSuccess, row.figures.success_rate);
                }
            }
        }
        let scored: Vec<(i64, String, AreaScore)> = areas
            .into_iter()
            .map(|a| {
                let s = score(&formula.formula, rates.get(&a.id).unwrap_or(&BTreeMap::new()));
                (a.id, a.name, s)
            })
            .collect();
        let order = ranks(&scored.iter().map(|(_, _, s)| s.total).collect::<Vec<_>>());
        let mut rows: Vec<ScoreRow> =
            scored.into_iter().zip(order).map(|((id, name, score), rank)| ScoreRow { id, name, rank, score }).collect();
        rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
        Ok(CountyScores { year, level, formula, rows })
    }
}
