//! Routing (精准匹配办理层级和责任单位): from a category and a place to a level, an
//! organisation type and the region whose unit of that type should act, with the reason.
//!
//! The order of precedence:
//! 1. a rule of the dispatch catalogue (派单目录) for the category, the most specific first
//!    (a rule for the place's township beats one for its county, which beats a city-wide one;
//!    among equals the first listed);
//! 2. a matter the grid can solve (the category's `grid_solvable`, not urgent) stays with the
//!    grid worker;
//! 3. the category's default level and organisation type.
//!
//! Urgent cases of a category with an emergency line are flagged with it: the dispatcher (or
//! the intake itself) transfers them at once with `TransferOut`, and the case stays tracked.
//! Choosing the concrete organisation of `org_type` in `region_id` is the store's job
//! ([`OrgType::selector`] says what to look for).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::category::{Category, CategoryCode, CategoryTable, EmergencyLine, Urgency};
use super::draft::{self, Int, row_en, row_zh};
use super::org_type::OrgType;
use crate::FieldError;
use crate::region::RegionLevel;

/// The most rows a catalogue may have (36 categories at five levels in every county and
/// township of a large city stay well below).
pub const MAX_CATALOGUE_RULES: usize = 2000;

/// The longest note on a catalogue row, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// One region of the place's chain (grid → village → township → county → city).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRef {
    pub id: i64,
    pub level: RegionLevel,
    pub name: String,
}

/// A catalogue entry: cases of `category` are handled at `level` by `org_type` — everywhere,
/// or only under `region_id` (a county's or township's own catalogue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRule {
    pub category: CategoryCode,
    pub level: RegionLevel,
    pub org_type: OrgType,
    #[serde(default)]
    pub region_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

impl CatalogueRule {
    /// The organisation type serves at the rule's level (no department below the county).
    pub fn check(&self) -> Result<(), FieldError> {
        if self.org_type.levels().contains(&self.level) {
            Ok(())
        } else {
            Err(FieldError::new(
                "org_type",
                format!(
                    "{}：{}不能在{}一级承办（职能部门的事项不得下派乡镇） / {}: a {} cannot handle cases at {} level",
                    self.category,
                    self.org_type.zh(),
                    self.level.zh(),
                    self.category,
                    self.org_type.en(),
                    self.level.as_str()
                ),
            ))
        }
    }
}

/// The dispatch catalogue: checked rules in the administrator's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CatalogueRule>", into = "Vec<CatalogueRule>")]
pub struct Catalogue {
    rules: Vec<CatalogueRule>,
}

impl Catalogue {
    pub fn new(rules: Vec<CatalogueRule>) -> Result<Self, Vec<FieldError>> {
        let errors: Vec<FieldError> = rules.iter().filter_map(|r| r.check().err()).collect();
        if errors.is_empty() { Ok(Catalogue { rules }) } else { Err(errors) }
    }

    /// Parse an administrator's whole catalogue: a list of rows `{category, level, org_type,
    /// region_id?, note?}` in the order they should apply. Every category must be one of
    /// `categories`, every level and organisation type known, the type must serve at the
    /// level, and no row may repeat another's category, level and region (it could never
    /// apply). Every mistake is reported, naming its field (`rules[3].org_type`) and, in the
    /// message, its row. Whether a `region_id` exists is the store's question.
    pub fn parse(rows: &Value, categories: &CategoryTable) -> Result<Catalogue, Vec<FieldError>> {
        let Some(rows) = rows.as_array() else {
            return Err(vec![FieldError::new("rules", "须为派单目录的行列表 / must be a list of catalogue rows")]);
        };
        let mut errors = Vec::new();
        if rows.len() > MAX_CATALOGUE_RULES {
            errors.push(FieldError::new(
                "rules",
                format!(
                    "派单目录最多 {MAX_CATALOGUE_RULES} 行，收到 {} 行 / at most {MAX_CATALOGUE_RULES} rows, got {}",
                    rows.len(),
                    rows.len()
                ),
            ));
            return Err(errors);
        }
        let mut rules: Vec<(usize, CatalogueRule)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let Some(rule) = parse_row(i, row, categories, &mut errors) else { continue };
            let same = |r: &CatalogueRule| {
                r.category == rule.category && r.level == rule.level && r.region_id == rule.region_id
            };
            if let Some((first, _)) = rules.iter().find(|(_, r)| same(r)) {
                errors.push(FieldError::new(
                    format!("rules[{i}].level"),
                    format!(
                        "{}与{}重复（类别、层级和适用区划都相同，后一行永远用不上） / {} repeats {} (same category, \
                         level and region: it could never apply)",
                        row_zh(i),
                        row_zh(*first),
                        row_en(i),
                        row_en(*first)
                    ),
                ));
            } else {
                rules.push((i, rule));
            }
        }
        if errors.is_empty() {
            Ok(Catalogue { rules: rules.into_iter().map(|(_, r)| r).collect() })
        } else {
            Err(errors)
        }
    }

    /// How `category` is routed where no county's or township's own rule applies, for an
    /// ordinary (not urgent) case at a place with a grid: what the rules page shows.
    pub fn city_route(&self, category: &Category) -> CityRoute {
        match choose(category, &[], self, false, true) {
            Choice::Catalogue(rule) => CityRoute {
                source: RouteSource::Catalogue,
                level: rule.level,
                org_type: rule.org_type,
                rule_index: self.rules.iter().position(|r| std::ptr::eq(r, rule)),
            },
            Choice::Grid => CityRoute {
                source: RouteSource::GridSolvable,
                level: RegionLevel::Grid,
                org_type: OrgType::GRID_WORKER,
                rule_index: None,
            },
            Choice::Default => CityRoute {
                source: RouteSource::CategoryDefault,
                level: category.level,
                org_type: category.org_type,
                rule_index: None,
            },
        }
    }

    pub fn rules(&self) -> &[CatalogueRule] {
        &self.rules
    }

    /// The rule that applies to `category` at the place `chain`: the most specific region
    /// (deepest level in the chain) first, a rule without a region last, the first listed
    /// among equals. With `level`, only rules for that level.
    pub fn rule_for(
        &self,
        category: CategoryCode,
        chain: &[RegionRef],
        level: Option<RegionLevel>,
    ) -> Option<&CatalogueRule> {
        let specificity = |r: &CatalogueRule| match r.region_id {
            None => Some(None),
            Some(id) => chain.iter().find(|c| c.id == id).map(|c| Some(c.level)),
        };
        let mut best: Option<(&CatalogueRule, Option<RegionLevel>)> = None;
        for rule in self.rules.iter().filter(|r| r.category == category && level.is_none_or(|l| r.level == l)) {
            let Some(spec) = specificity(rule) else { continue };
            // RegionLevel orders City < … < Grid, and None before any level.
            if best.is_none_or(|(_, b)| spec > b) {
                best = Some((rule, spec));
            }
        }
        best.map(|(r, _)| r)
    }
}

impl TryFrom<Vec<CatalogueRule>> for Catalogue {
    type Error = String;
    fn try_from(rules: Vec<CatalogueRule>) -> Result<Self, Self::Error> {
        Catalogue::new(rules).map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
    }
}

impl From<Catalogue> for Vec<CatalogueRule> {
    fn from(c: Catalogue) -> Self {
        c.rules
    }
}

/// One catalogue row; `None` (with the errors pushed) when any field is wrong.
fn parse_row(i: usize, row: &Value, categories: &CategoryTable, errors: &mut Vec<FieldError>) -> Option<CatalogueRule> {
    let (zh, en) = (row_zh(i), row_en(i));
    if !row.is_object() {
        errors.push(FieldError::new(
            format!("rules[{i}]"),
            format!("{zh}须为一行派单规则（对象） / {en} must be a catalogue row (an object)"),
        ));
        return None;
    }
    let before = errors.len();
    let mut refuse =
        |field: &str, message: String| errors.push(FieldError::new(format!("rules[{i}].{field}"), message));
    let category = match draft::text(row, "category") {
        None => {
            refuse("category", format!("{zh}：请选择诉求类别 / {en}: the category is required"));
            None
        }
        Some(code) => match categories.lookup(code) {
            Ok(c) => Some(c.code),
            Err(e) => {
                refuse("category", format!("{zh}：{e}"));
                None
            }
        },
    };
    let level = match draft::text(row, "level") {
        None => {
            refuse("level", format!("{zh}：请选择承办层级 / {en}: the level is required"));
            None
        }
        Some(s) => match RegionLevel::parse(s) {
            Ok(l) => Some(l),
            Err(_) => {
                refuse(
                    "level",
                    format!(
                        "{zh}：未知的承办层级「{s}」，应为 city、county、township、village 或 grid / {en}: unknown \
                         level '{s}' (city, county, township, village or grid)"
                    ),
                );
                None
            }
        },
    };
    let org_type = match draft::text(row, "org_type") {
        None => {
            refuse("org_type", format!("{zh}：请选择责任单位类型 / {en}: the organisation type is required"));
            None
        }
        Some(s) => match OrgType::parse(s) {
            Ok(t) => Some(t),
            Err(e) => {
                refuse("org_type", format!("{zh}：{e}"));
                None
            }
        },
    };
    let region_id = match draft::int(row, "region_id") {
        Int::Missing => None,
        Int::Value(id) if id > 0 => Some(id),
        Int::Value(_) | Int::NotInteger => {
            refuse(
                "region_id",
                format!(
                    "{zh}：适用区划须为区划编号（正整数），全市适用则留空 / {en}: the region must be a region id (a \
                     positive whole number), or empty for the whole city"
                ),
            );
            None
        }
    };
    let note = match draft::get(row, "note") {
        None => String::new(),
        Some(Value::String(n)) if n.trim().chars().count() <= MAX_NOTE_CHARS => n.trim().to_owned(),
        Some(_) => {
            refuse(
                "note",
                format!(
                    "{zh}：说明须为不超过 {MAX_NOTE_CHARS} 字的文字 / {en}: the note must be text of at most \
                     {MAX_NOTE_CHARS} characters"
                ),
            );
            String::new()
        }
    };
    let (Some(category), Some(level), Some(org_type)) = (category, level, org_type) else { return None };
    let rule = CatalogueRule { category, level, org_type, region_id, note };
    if let Err(e) = rule.check() {
        refuse("org_type", format!("{zh}：{}", e.message));
    }
    (errors.len() == before).then_some(rule)
}

/// A category's route where no regional rule applies (see [`Catalogue::city_route`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CityRoute {
    pub source: RouteSource,
    pub level: RegionLevel,
    pub org_type: OrgType,
    /// The catalogue row that decides it, from 0.
    pub rule_index: Option<usize>,
}

/// Which step of the precedence applies (the module documentation's order).
enum Choice<'a> {
    Catalogue(&'a CatalogueRule),
    Grid,
    Default,
}

fn choose<'a>(
    category: &Category,
    chain: &[RegionRef],
    catalogue: &'a Catalogue,
    urgent: bool,
    has_grid: bool,
) -> Choice<'a> {
    if let Some(rule) = catalogue.rule_for(category.code, chain, None) {
        Choice::Catalogue(rule)
    } else if category.grid_solvable && !urgent && has_grid {
        Choice::Grid
    } else {
        Choice::Default
    }
}

/// Which step of the precedence chose the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteSource {
    Catalogue,
    GridSolvable,
    CategoryDefault,
    /// One level up from where the case was ([`escalation_route`]).
    Escalation,
}

/// Where a case should go and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDecision {
    pub category: CategoryCode,
    pub level: RegionLevel,
    pub org_type: OrgType,
    /// Types usually brought in as supporting units (协办).
    pub co_org_types: Vec<OrgType>,
    /// The region at `level` in the place's chain, whose unit of `org_type` should act.
    pub region_id: i64,
    pub region_name: String,
    pub source: RouteSource,
    /// Human-readable "why", Chinese then English: the rule and the place that chose it.
    pub rule_used: String,
    /// The grid worker solves it on the spot.
    pub keep_with_grid: bool,
    /// Urgent and belonging to an emergency line: transfer at once (and keep tracking).
    pub emergency_line: Option<EmergencyLine>,
    /// Urgent cases skip the queue.
    pub urgent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("地点缺少{}一级的区域，无法派单 / the place has no {} in its region chain", .0.zh(), .0.as_str())]
    MissingLevel(RegionLevel),
    #[error("已在市一级，无法再上报 / already at city level; there is no level above")]
    TopLevel,
}

fn at_level(chain: &[RegionRef], level: RegionLevel) -> Result<&RegionRef, RouteError> {
    chain.iter().find(|r| r.level == level).ok_or(RouteError::MissingLevel(level))
}

/// Routes a case of `category` at the place `chain` (its regions, grid to city, in any order).
pub fn route(
    category: &Category,
    chain: &[RegionRef],
    catalogue: &Catalogue,
    urgency: Urgency,
) -> Result<RouteDecision, RouteError> {
    let urgent = urgency == Urgency::Urgent;
    let grid = chain.iter().find(|r| r.level == RegionLevel::Grid);
    let (source, level, org_type, region, why_zh, why_en) =
        match choose(category, chain, catalogue, urgent, grid.is_some()) {
            Choice::Catalogue(rule) => {
                let region = at_level(chain, rule.level)?;
                let note =
                    if rule.note.trim().is_empty() { String::new() } else { format!("（{}）", rule.note.trim()) };
                let scope = rule.region_id.and_then(|id| chain.iter().find(|c| c.id == id)).map(|c| c.name.as_str());
                let (scope_zh, scope_en) = scope.map_or(("全市".to_owned(), "city-wide".to_owned()), |s| {
                    (format!("{s}目录"), format!("catalogue of {s}"))
                });
                (
                    RouteSource::Catalogue,
                    rule.level,
                    rule.org_type,
                    region,
                    format!(
                        "派单目录（{scope_zh}）：{} {} 由{}级{}承办{note}",
                        category.code,
                        category.zh,
                        rule.level.zh(),
                        rule.org_type.zh()
                    ),
                    format!(
                        "dispatch catalogue ({scope_en}): {} {} goes to the {} at {} level",
                        category.code,
                        category.en,
                        rule.org_type.en(),
                        rule.level.as_str()
                    ),
                )
            }
            Choice::Grid => (
                RouteSource::GridSolvable,
                RegionLevel::Grid,
                OrgType::GRID_WORKER,
                at_level(chain, RegionLevel::Grid)?,
                format!("网格可办：{} {} 由网格员就地办理", category.code, category.zh),
                format!("the grid can solve it: {} {} stays with the grid worker", category.code, category.en),
            ),
            Choice::Default => {
                let region = at_level(chain, category.level)?;
                (
                    RouteSource::CategoryDefault,
                    category.level,
                    category.org_type,
                    region,
                    format!(
                        "类别默认：{} {} 由{}级{}承办",
                        category.code,
                        category.zh,
                        category.level.zh(),
                        category.org_type.zh()
                    ),
                    format!(
                        "category default: {} {} goes to the {} at {} level",
                        category.code,
                        category.en,
                        category.org_type.en(),
                        category.level.as_str()
                    ),
                )
            }
        };
    let emergency_line = category.emergency_line.filter(|_| urgent);
    let mut zh = format!("{why_zh}；地点：{}", region.name);
    let mut en = format!("{why_en}; place: {}", region.name);
    if let Some(line) = emergency_line {
        zh.push_str(&format!("；紧急，立即转{}并跟踪", line.zh()));
        en.push_str(&format!("; urgent: transfer to {} at once and keep tracking", line.en()));
    } else if urgent {
        zh.push_str("；紧急，优先派单");
        en.push_str("; urgent: dispatched ahead of the queue");
    }
    Ok(RouteDecision {
        category: category.code,
        level,
        org_type,
        co_org_types: category.co_org_types.clone(),
        region_id: region.id,
        region_name: region.name.clone(),
        source,
        rule_used: format!("{zh} / {en}"),
        keep_with_grid: source == RouteSource::GridSolvable,
        emergency_line,
        urgent,
    })
}

/// Where a case goes when the unit at `from` cannot solve it (吹哨, or the overdue timer's
/// escalation): the level above, with the catalogue's rule for that level if there is one,
/// else the category's own type if it serves there, else that level's general body (the
/// village committee, the township's 综治中心, the county's or city's 政法委, which summons the
/// departments).
pub fn escalation_route(
    category: &Category,
    chain: &[RegionRef],
    from: RegionLevel,
    catalogue: &Catalogue,
) -> Result<RouteDecision, RouteError> {
    let level = from.parent().ok_or(RouteError::TopLevel)?;
    let region = at_level(chain, level)?;
    let rule = catalogue.rule_for(category.code, chain, Some(level));
    let org_type = match rule {
        Some(r) => r.org_type,
        None if category.org_type.levels().contains(&level) => category.org_type,
        None => match level {
            RegionLevel::Grid => OrgType::GRID_WORKER,
            RegionLevel::Village => OrgType::VILLAGE_COMMITTEE,
            RegionLevel::Township => OrgType::ZONGZHI,
            RegionLevel::County | RegionLevel::City => OrgType::ZHENGFA,
        },
    };
    let basis_zh = if rule.is_some() { "派单目录" } else { "逐级上报" };
    let basis_en = if rule.is_some() { "dispatch catalogue" } else { "one level up" };
    Ok(RouteDecision {
        category: category.code,
        level,
        org_type,
        co_org_types: category.co_org_types.clone(),
        region_id: region.id,
        region_name: region.name.clone(),
        source: RouteSource::Escalation,
        rule_used: format!(
            "吹哨上报（{basis_zh}）：{}级无法解决，上报{}级{}；地点：{} / escalated ({basis_en}): not solvable at {} level, \
             sent to the {} at {} level; place: {}",
            from.zh(),
            level.zh(),
            org_type.zh(),
            region.name,
            from.as_str(),
            org_type.en(),
            level.as_str(),
            region.name
        ),
        keep_with_grid: false,
        emergency_line: None,
        urgent: false,
    })
}
