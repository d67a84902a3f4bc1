//! `/api/v1/appeal-rules`: the dispatch catalogue (派单目录) and the time limits. Everyone who
//! handles appeals reads them (they explain why a case went where it went and when it is
//! due); city administrators replace either document whole. A change applies to what happens
//! next: deadlines already running keep the values their events carry.

use super::ApiJson;
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::i18n::Lang;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::appeal::{Catalogue, CategoryTable, RouteSource, TimeLimitPolicy};
use pingan_store::appeals::require_rules_admin;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// What a change does to cases, in both languages (the page says the same).
pub const EFFECT: &str = "新规则只影响此后受理、派单或开始计时的诉求；已在办诉求已算出的时限不变 / new rules apply \
     to cases received, dispatched or whose clock starts afterwards; deadlines already set on running cases stay as they are";

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueRowDto {
    pub category: String,
    pub category_name: String,
    /// `city`, `county`, `township`, `village` or `grid`.
    pub level: String,
    pub level_name: String,
    /// An organisation type code: a department (`zhifa`, `renshe` …), a township body
    /// (`zongzhi`, `sifasuo`, `paichusuo`), a village body (`village_committee`,
    /// `mediation_committee`, `property_company`, `owners_committee`) or `grid_worker`.
    pub org_type: String,
    pub org_type_name: String,
    /// Only under this county or township; `null` for the whole city.
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRouteDto {
    pub category: String,
    pub category_name: String,
    /// `catalogue` (decided by catalogue row `row`), `grid_solvable` (the grid worker solves it
    /// on the spot) or `category_default`.
    pub source: String,
    /// The deciding catalogue row, counted from 1.
    pub row: Option<usize>,
    pub level: String,
    pub level_name: String,
    pub org_type: String,
    pub org_type_name: String,
    /// `safety`, `utility` or `standard`: which rows of the time limits apply.
    pub time_limit_class: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueResponse {
    /// The rules version read; send it back with a change to refuse overwriting a newer one.
    pub version: i64,
    /// The rows, in the order they apply among equally specific rows.
    pub rules: Vec<CatalogueRowDto>,
    /// Where each category goes where no county's or township's own row applies (ordinary
    /// cases at a place with a grid).
    pub routes: Vec<CategoryRouteDto>,
    /// Whether the caller may change the rules.
    pub editable: bool,
    pub effect: String,
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::Zh { zh.to_owned() } else { en.to_owned() }
}

/// The catalogue as shown: rows with their names, and every category's city-wide route.
pub(crate) async fn catalogue_view(
    state: &AppState,
    actor: &Actor,
    categories: &CategoryTable,
    catalogue: &Catalogue,
    version: i64,
    lang: Lang,
) -> ApiResult<CatalogueResponse> {
    let mut region_names: BTreeMap<i64, Option<String>> = BTreeMap::new();
    for id in catalogue.rules().iter().filter_map(|r| r.region_id) {
        if let std::collections::btree_map::Entry::Vacant(slot) = region_names.entry(id) {
            // Region names are public; a row may outlive its region (retired or merged).
            let name = match state.store.region_unscoped(id).await {
                Ok(r) => Some(r.name),
                Err(pingan_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            slot.insert(name);
        }
    }
    let category_name = |code: &str| categories.lookup(code).map(|c| pick(lang, &c.zh, &c.en)).unwrap_or_default();
    let rows = catalogue
        .rules()
        .iter()
        .map(|r| CatalogueRowDto {
            category: r.category.to_string(),
            category_name: category_name(r.category.as_str()),
            level: r.level.as_str().into(),
            level_name: pick(lang, r.level.zh(), r.level.en()),
            org_type: r.org_type.to_string(),
            org_type_name: pick(lang, r.org_type.zh(), r.org_type.en()),
            region_id: r.region_id,
            region_name: r.region_id.and_then(|id| region_names.get(&id).cloned().flatten()),
            note: r.note.clone(),
        })
        .collect();
    let routes = categories
        .iter()
        .map(|c| {
            let route = catalogue.city_route(c);
            CategoryRouteDto {
                category: c.code.to_string(),
                category_name: pick(lang, &c.zh, &c.en),
                source: match route.source {
                    RouteSource::Catalogue => "catalogue",
                    RouteSource::GridSolvable => "grid_solvable",
                    RouteSource::CategoryDefault | RouteSource::Escalation => "category_default",
                }
                .into(),
                row: route.rule_index.map(|i| i + 1),
                level: route.level.as_str().into(),
                level_name: pick(lang, route.level.zh(), route.level.en()),
                org_type: route.org_type.to_string(),
                org_type_name: pick(lang, route.org_type.zh(), route.org_type.en()),
                time_limit_class: c.time_limit_class.as_str().into(),
            }
        })
        .collect();
    Ok(CatalogueResponse {
        version,
        rules: rows,
        routes,
        editable: require_rules_admin(actor).is_ok(),
        effect: EFFECT.into(),
    })
}

/// The time limits as a document: the policy's own fields (what `PUT` takes back) plus where
/// they come from.
pub(crate) async fn time_limits_view(state: &AppState, actor: &Actor) -> ApiResult<Value> {
    let version = state.store.appeal_rules_version().await?;
    let limits = state.store.time_limits().await?;
    let mut doc = serde_json::to_value(&limits.policy).map_err(|e| AppError::Internal(format!("policy: {e}")))?;
    doc["version"] = version.into();
    doc["source"] = if limits.updated.is_some() { "stored" } else { "shipped" }.into();
    doc["updated_ms"] = limits.updated.as_ref().map(|u| u.at_ms).into();
    doc["updated_by"] = limits.updated.as_ref().map(|u| u.by.clone()).into();
    doc["editable"] = require_rules_admin(actor).is_ok().into();
    doc["effect"] = EFFECT.into();
    Ok(doc)
}

/// The optional `version` of a change document.
pub(crate) fn expected_version(doc: &Value) -> Result<Option<i64>, FieldError> {
    match doc.get("version") {
        None | Some(Value::Null) => Ok(None),
        // A form without the field sends it empty.
        Some(Value::String(v)) if v.trim().is_empty() => Ok(None),
        Some(v) => v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).map(Some).ok_or_else(|| {
            FieldError::new(
                "version",
                "version 须为读取时得到的规则版本号 / version must be the rules version you read",
            )
        }),
    }
}

/// The dispatch catalogue and where each category goes now.
#[utoipa::path(get, path = "/api/v1/appeal-rules/catalogue", tag = "appeals",
    responses((status = 200, body = CatalogueResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_catalogue(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
) -> ApiResult<Json<CatalogueResponse>> {
    current.actor.require(Action::Read, Resource::Appeal)?;
    let version = state.store.appeal_rules_version().await?;
    // Read from the store, not this instance's copy: the answer is the catalogue in force even
    // in the seconds before this instance notices another's change.
    let catalogue = state.store.dispatch_catalogue().await?;
    let rules = state.appeal_rules();
    let lang = Lang::from_headers(&headers);
    Ok(Json(catalogue_view(&state, &current.actor, &rules.categories, &catalogue, version, lang).await?))
}

/// Replace the whole catalogue (city administrators). Body: `{"version"?: n, "rules": [{"category",
/// "level", "org_type", "region_id"?, "note"?}, …]}`. Every wrong field is named
/// (`rules[2].org_type`) and nothing is written. Requires `X-CSRF-Token`.
#[utoipa::path(put, path = "/api/v1/appeal-rules/catalogue", tag = "appeals", request_body = Object,
    responses((status = 200, body = CatalogueResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn put_catalogue(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiJson(doc): ApiJson<Value>,
) -> ApiResult<Json<CatalogueResponse>> {
    current.check_csrf_header(&headers)?;
    require_rules_admin(&current.actor)?;
    let (catalogue, version) = parse_catalogue(&doc, &state.appeal_rules().categories)?;
    state.store.set_dispatch_catalogue(&current.actor, &catalogue, version).await?;
    state.reload_appeal_rules().await?;
    get_catalogue(State(state), current, headers).await
}

/// The catalogue and the expected version of a change document, every mistake at once.
pub(crate) fn parse_catalogue(doc: &Value, categories: &CategoryTable) -> Result<(Catalogue, Option<i64>), AppError> {
    let rows = doc.get("rules").unwrap_or(&Value::Null);
    with_version(Catalogue::parse(rows, categories), doc)
}

/// The time limits: one rule per time-limit class and urgency (`dispatch`: each hand-on until
/// the unit signs for the case; `contact`: first contact with the resident; `resolve`: the
/// result), each `{"unit": "working_days" | "working_hours" | "clock_hours", "n": …}`, and the
/// extension, return-window and yellow-card settings.
#[utoipa::path(get, path = "/api/v1/appeal-rules/time-limits", tag = "appeals",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_time_limits(State(state): State<AppState>, current: CurrentActor) -> ApiResult<Json<Value>> {
    current.actor.require(Action::Read, Resource::Appeal)?;
    Ok(Json(time_limits_view(&state, &current.actor).await?))
}

/// Replace the whole time-limit document (city administrators): the shape `GET` returns, with
/// `version` optional. Limits must be positive and sane, an extension at most 10 working days;
/// every wrong field is named (`rules[1].resolve.n`) and nothing is written. Requires
/// `X-CSRF-Token`.
#[utoipa::path(put, path = "/api/v1/appeal-rules/time-limits", tag = "appeals", request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn put_time_limits(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiJson(doc): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    current.check_csrf_header(&headers)?;
    require_rules_admin(&current.actor)?;
    let (policy, version) = parse_time_limits(&doc)?;
    state.store.set_time_limits(&current.actor, &policy, version).await?;
    state.reload_appeal_rules().await?;
    Ok(Json(time_limits_view(&state, &current.actor).await?))
}

/// The policy and the expected version of a change document, every mistake at once.
pub(crate) fn parse_time_limits(doc: &Value) -> Result<(TimeLimitPolicy, Option<i64>), AppError> {
    with_version(TimeLimitPolicy::parse(doc), doc)
}

/// A parsed rules document with its expected `version`, or the mistakes of both at once.
fn with_version<T>(parsed: Result<T, Vec<FieldError>>, doc: &Value) -> Result<(T, Option<i64>), AppError> {
    match (parsed, expected_version(doc)) {
        (Ok(t), Ok(v)) => Ok((t, v)),
        (t, v) => {
            let mut errors = t.err().unwrap_or_default();
            errors.extend(v.err());
            Err(AppError::Invalid(errors))
        }
    }
}
