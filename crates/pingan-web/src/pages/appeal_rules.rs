//! `/admin/appeal-rules`: the dispatch catalogue (派单目录) and the time limits as tables, with
//! where each category goes now. City administrators edit them; everyone who handles appeals
//! reads them. Each form posts its whole document through the parsers the API uses
//! (`api::appeal_rules`), and a refused form comes back as typed, each mistake next to its field.

use super::{PageActor, Ui, format_time, render};
use crate::AppState;
use crate::api::appeal_rules::{CatalogueResponse, catalogue_view, parse_catalogue, parse_time_limits};
use crate::auth::CurrentActor;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::appeal::routing::MAX_CATALOGUE_RULES;
use pingan_domain::appeal::{Limit, OrgType, TimeLimitClass, TimeLimitPolicy, Urgency};
use pingan_domain::region::RegionLevel;
use pingan_store::appeals::{TimeLimits, require_rules_admin};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/appeal-rules", get(rules_page))
        .route("/admin/appeal-rules/catalogue", post(save_catalogue))
        .route("/admin/appeal-rules/time-limits", post(save_time_limits))
}

/// One catalogue row as typed (or as stored), with its mistakes by field.
pub struct RowForm {
    pub order: String,
    pub category: String,
    pub level: String,
    pub org_type: String,
    pub region_id: String,
    pub region_name: String,
    pub note: String,
    /// Names for reading (stored rows only).
    pub category_name: String,
    pub level_name: String,
    pub org_type_name: String,
    errors: Vec<(String, String)>,
}

impl RowForm {
    /// The mistake in this row's `field` (`""`: the row as a whole).
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    fn blank(order: usize) -> RowForm {
        RowForm {
            order: order.to_string(),
            category: String::new(),
            level: String::new(),
            org_type: String::new(),
            region_id: String::new(),
            region_name: String::new(),
            note: String::new(),
            category_name: String::new(),
            level_name: String::new(),
            org_type_name: String::new(),
            errors: Vec::new(),
        }
    }
}

/// One limit of a time-limit row.
pub struct LimitCell {
    pub key: &'static str,
    pub unit: String,
    pub n: String,
    /// The limit in words, for reading.
    pub text: String,
    pub error: Option<String>,
}

/// The limits of one class and urgency.
pub struct LimitRowForm {
    pub class_name: &'static str,
    pub urgency_name: &'static str,
    pub cells: Vec<LimitCell>,
    pub error: Option<String>,
}

/// One of the policy's single settings.
pub struct ScalarForm {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub max: u32,
    pub error: Option<String>,
}

/// Where a category goes now, in words.
pub struct RouteView {
    pub category: String,
    pub name: String,
    pub source: String,
    pub unit: String,
    pub class_name: &'static str,
}

#[derive(Template)]
#[template(path = "appeal_rules.html")]
struct RulesPage {
    ui: Ui,
    editable: bool,
    version: i64,
    rows: Vec<RowForm>,
    catalogue_errors: Vec<String>,
    routes: Vec<RouteView>,
    categories: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    org_types: Vec<(&'static str, &'static str)>,
    units: Vec<(&'static str, &'static str)>,
    limits: Vec<LimitRowForm>,
    scalars: Vec<ScalarForm>,
    limit_errors: Vec<String>,
    limits_source: String,
    notice: Option<&'static str>,
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

/// The class × urgency pairs in the order the form lists them.
fn pairs() -> impl Iterator<Item = (TimeLimitClass, Urgency)> {
    TimeLimitClass::ALL.into_iter().flat_map(|c| Urgency::ALL.into_iter().map(move |u| (c, u)))
}

const LIMIT_KEYS: [&str; 3] = ["dispatch", "contact", "resolve"];

const SCALARS: [(&str, &str, u32); 4] = [
    ("extension_max_days", "rules.extension", pingan_domain::appeal::limits::bounds::EXTENSION_DAYS),
    ("return_window_days", "rules.return_window", pingan_domain::appeal::limits::bounds::RETURN_WINDOW_DAYS),
    ("yellow_days_before", "rules.yellow_days", pingan_domain::appeal::limits::bounds::YELLOW_DAYS),
    ("hour_limit_yellow_percent", "rules.yellow_percent", 99),
];

fn catalogue_rows(view: &CatalogueResponse) -> Vec<RowForm> {
    view.rules
        .iter()
        .enumerate()
        .map(|(i, r)| RowForm {
            order: (i + 1).to_string(),
            category: r.category.clone(),
            level: r.level.clone(),
            org_type: r.org_type.clone(),
            region_id: r.region_id.map(|id| id.to_string()).unwrap_or_default(),
            region_name: r.region_name.clone().unwrap_or_default(),
            note: r.note.clone(),
            category_name: r.category_name.clone(),
            level_name: r.level_name.clone(),
            org_type_name: r.org_type_name.clone(),
            errors: Vec::new(),
        })
        .collect()
}

fn limit_rows(policy: &TimeLimitPolicy, lang: Lang) -> Vec<LimitRowForm> {
    pairs()
        .map(|(class, urgency)| {
            let rule = policy.rule(class, urgency);
            let cells = [rule.dispatch, rule.contact, rule.resolve]
                .into_iter()
                .zip(LIMIT_KEYS)
                .map(|(l, key)| LimitCell {
                    key,
                    unit: l.unit().into(),
                    n: l.amount().to_string(),
                    text: if lang == Lang::Zh { l.zh() } else { l.en() },
                    error: None,
                })
                .collect();
            LimitRowForm {
                class_name: pick(lang, class.zh(), class.en()),
                urgency_name: pick(lang, urgency.zh(), urgency.en()),
                cells,
                error: None,
            }
        })
        .collect()
}

fn scalar_forms(policy: &TimeLimitPolicy, ui: &Ui) -> Vec<ScalarForm> {
    let values = [
        policy.extension_max_days,
        policy.return_window_days,
        policy.yellow_days_before,
        policy.hour_limit_yellow_percent,
    ];
    SCALARS
        .iter()
        .zip(values)
        .map(|(&(key, label, max), v)| ScalarForm { key, label: ui.t(label), value: v.to_string(), max, error: None })
        .collect()
}

fn limits_source(limits: &TimeLimits, ui: &Ui) -> String {
    match &limits.updated {
        None => ui.t("rules.shipped").to_owned(),
        Some(u) => format!("{} {} · {}", ui.t("rules.updated"), format_time(u.at_ms), u.by),
    }
}

/// Everything the page shows, read from the store (not this instance's copy, which may be a
/// few seconds behind another instance's change).
async fn base_page(state: &AppState, current: &CurrentActor, headers: &HeaderMap) -> PageResult<RulesPage> {
    current.actor.require(Action::Read, Resource::Appeal)?;
    let ui = Ui::for_actor(headers, current);
    let lang = ui.lang;
    let version = state.store.appeal_rules_version().await?;
    let catalogue = state.store.dispatch_catalogue().await?;
    let rules = state.appeal_rules();
    let view = catalogue_view(state, &current.actor, &rules.categories, &catalogue, version, lang).await?;
    let limits = state.store.time_limits().await?;
    let routes = view
        .routes
        .iter()
        .map(|r| {
            let source = match (r.source.as_str(), r.row) {
                ("catalogue", Some(n)) => {
                    if lang == Lang::Zh {
                        format!("派单目录第 {n} 行")
                    } else {
                        format!("catalogue row {n}")
                    }
                }
                ("grid_solvable", _) => ui.t("rules.grid_solvable").to_owned(),
                _ => ui.t("rules.category_default").to_owned(),
            };
            let class = TimeLimitClass::ALL.into_iter().find(|c| c.as_str() == r.time_limit_class);
            RouteView {
                category: r.category.clone(),
                name: r.category_name.clone(),
                source,
                unit: format!("{} · {}", r.level_name, r.org_type_name),
                class_name: class.map_or("", |c| pick(lang, c.zh(), c.en())),
            }
        })
        .collect();
    Ok(RulesPage {
        editable: view.editable,
        version,
        rows: catalogue_rows(&view),
        catalogue_errors: Vec::new(),
        routes,
        categories: rules
            .categories
            .iter()
            .map(|c| (c.code.to_string(), format!("{} {}", c.code, if lang == Lang::Zh { &c.zh } else { &c.en })))
            .collect(),
        levels: RegionLevel::ALL.iter().map(|l| (l.as_str(), pick(lang, l.zh(), l.en()))).collect(),
        org_types: OrgType::all().map(|t| (t.as_str(), pick(lang, t.zh(), t.en()))).collect(),
        units: Limit::UNITS
            .iter()
            .map(|u| {
                let name = match *u {
                    "working_days" => ui.t("rules.working_days"),
                    "working_hours" => ui.t("rules.working_hours"),
                    _ => ui.t("rules.clock_hours"),
                };
                (*u, name)
            })
            .collect(),
        limits: limit_rows(&limits.policy, lang),
        scalars: scalar_forms(&limits.policy, &ui),
        limit_errors: Vec::new(),
        limits_source: limits_source(&limits, &ui),
        notice: None,
        ui,
    })
}

#[derive(serde::Deserialize)]
struct PageQuery {
    saved: Option<String>,
}

async fn rules_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> PageResult<Html<String>> {
    let mut page = base_page(&state, &current, &headers).await?;
    page.notice = match q.saved.as_deref() {
        Some("catalogue") => Some(page.ui.t("rules.saved_catalogue")),
        Some("time-limits") => Some(page.ui.t("rules.saved_limits")),
        _ => None,
    };
    render(finish(page))
}

/// The page as drawn: for an editor, one blank row at the end of the catalogue for a new entry.
fn finish(mut page: RulesPage) -> RulesPage {
    if page.editable {
        let n = page.rows.len();
        page.rows.push(RowForm::blank(n + 1));
    }
    page
}

/// `rules[3].org_type` → (3, "org_type"); `rules[3]` → (3, "").
fn row_field(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("rules[")?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest.strip_prefix('.').unwrap_or(rest)))
}

/// The catalogue form's rows in the order asked for (removed and blank rows left out), and
/// each row's own mistakes with the order field.
fn catalogue_form_rows(form: &BTreeMap<String, String>) -> Vec<RowForm> {
    let val = |key: String| form.get(&key).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut rows: Vec<(f64, usize, RowForm)> = Vec::new();
    // One beyond the largest catalogue: the blank row for a new entry.
    for i in 0..=MAX_CATALOGUE_RULES {
        let keys = ["category", "level", "org_type", "region_id", "note", "order"];
        if keys.iter().all(|k| !form.contains_key(&format!("{k}_{i}"))) {
            break;
        }
        if form.contains_key(&format!("remove_{i}")) {
            continue;
        }
        let mut row = RowForm {
            order: val(format!("order_{i}")),
            category: val(format!("category_{i}")),
            level: val(format!("level_{i}")),
            org_type: val(format!("org_type_{i}")),
            region_id: val(format!("region_id_{i}")),
            region_name: String::new(),
            note: val(format!("note_{i}")),
            category_name: String::new(),
            level_name: String::new(),
            org_type_name: String::new(),
            errors: Vec::new(),
        };
        if [&row.category, &row.level, &row.org_type, &row.region_id, &row.note].iter().all(|v| v.is_empty()) {
            continue;
        }
        let position = if row.order.is_empty() {
            (i + 1) as f64
        } else {
            match row.order.parse::<f64>() {
                Ok(n) if n.is_finite() => n,
                _ => {
                    row.errors.push((
                        "order".into(),
                        "顺序须为数字，例如 2.5 排在第 2 和第 3 行之间 / the order must be a number, e.g. 2.5 to go between \
                         rows 2 and 3"
                            .into(),
                    ));
                    (i + 1) as f64
                }
            }
        };
        rows.push((position, i, row));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    rows.into_iter().map(|(_, _, r)| r).collect()
}

/// Attach `errors` to the catalogue rows they name; the rest go above the table.
fn place_catalogue_errors(page: &mut RulesPage, errors: Vec<FieldError>) {
    for e in errors {
        match row_field(&e.field).and_then(|(i, f)| page.rows.get_mut(i).map(|r| (r, f))) {
            Some((row, field)) => row.errors.push((field.to_owned(), e.message)),
            None => page.catalogue_errors.push(e.message),
        }
    }
}

/// The page again with a refused form: 400, everything as typed, mistakes in place.
fn refused(page: RulesPage) -> PageResult<Response> {
    Ok((StatusCode::BAD_REQUEST, render(finish(page))?).into_response())
}

async fn save_catalogue(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    require_rules_admin(&current.actor)?;
    let rows = catalogue_form_rows(&form);
    let doc = json!({
        "version": form.get("version").map(|v| v.trim()).unwrap_or(""),
        "rules": rows.iter().map(|r| json!({
            "category": r.category,
            "level": r.level,
            "org_type": r.org_type,
            "region_id": r.region_id,
            "note": r.note,
        })).collect::<Vec<Value>>(),
    });
    let form_errors = rows.iter().any(|r| !r.errors.is_empty());
    let result = match parse_catalogue(&doc, &state.appeal_rules().categories) {
        Ok(_) if form_errors => Err(AppError::Invalid(Vec::new())),
        Ok((catalogue, version)) => {
            state.store.set_dispatch_catalogue(&current.actor, &catalogue, version).await.map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            state.reload_appeal_rules().await?;
            Ok(Redirect::to("/admin/appeal-rules?saved=catalogue#catalogue").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = base_page(&state, &current, &headers).await?;
            page.rows = rows;
            place_catalogue_errors(&mut page, errors);
            refused(page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn save_time_limits(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    require_rules_admin(&current.actor)?;
    let val = |key: String| form.get(&key).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut doc = json!({
        "version": val("version".into()),
        "rules": pairs().enumerate().map(|(k, (class, urgency))| {
            let mut rule = json!({"class": class.as_str(), "urgency": urgency.as_str()});
            for key in LIMIT_KEYS {
                rule[key] = json!({"unit": val(format!("limit_{k}_{key}_unit")), "n": val(format!("limit_{k}_{key}_n"))});
            }
            rule
        }).collect::<Vec<Value>>(),
    });
    for (key, _, _) in SCALARS {
        doc[key] = val(key.into()).into();
    }
    let result = match parse_time_limits(&doc) {
        Ok((policy, version)) => {
            state.store.set_time_limits(&current.actor, &policy, version).await.map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            state.reload_appeal_rules().await?;
            Ok(Redirect::to("/admin/appeal-rules?saved=time-limits#time-limits").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = base_page(&state, &current, &headers).await?;
            // The rows as typed.
            for (k, row) in page.limits.iter_mut().enumerate() {
                for cell in &mut row.cells {
                    cell.unit = val(format!("limit_{k}_{}_unit", cell.key));
                    cell.n = val(format!("limit_{k}_{}_n", cell.key));
                }
            }
            for s in &mut page.scalars {
                s.value = val(s.key.into());
            }
            for e in errors {
                let cell = row_field(&e.field).and_then(|(k, f)| {
                    let key = f.split('.').next().unwrap_or("");
                    page.limits.get_mut(k).map(|row| (row, key))
                });
                match cell {
                    Some((row, key)) => match row.cells.iter_mut().find(|c| c.key == key) {
                        Some(c) => c.error = Some(e.message),
                        None => row.error = Some(e.message),
                    },
                    None => match page.scalars.iter_mut().find(|s| s.key == e.field) {
                        Some(s) => s.error = Some(e.message),
                        None => page.limit_errors.push(e.message),
                    },
                }
            }
            refused(page)
        }
        Err(e) => Err(e.into()),
    }
}
