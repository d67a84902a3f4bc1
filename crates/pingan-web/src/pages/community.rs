//! A community's grassroots forces on one staff page, `/communities/{id}/forces`: its
//! self-governance organisations and 五老 roster, its estates (小区) with their property
//! companies and owners' committees, and each company's party organisation (红色物业) — each
//! with the form that adds to it. The same rules as the API; a refused form keeps what was
//! typed and says why.

use super::{Form, PageActor, Ui, form_answer, form_text};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{AppError, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use pingan_domain::forces::elders::{ElderInput, ElderKind, NewElder, NewSelfGov, SelfGovInput, SelfGovKind};
use pingan_domain::forces::property::{EstateInput, NewEstate, PartyOrgStatus, PartyStatus, PartyStatusInput};
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_store::elders::{Elder, SelfGovOrg};
use pingan_store::orgs::OrgFilter;
use pingan_store::property::{Estate, PropertyCompany};
use pingan_store::regions::Region;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}/forces", get(page))
        .route("/communities/{id}/self-governance", post(self_gov_submit))
        .route("/communities/{id}/elders", post(elder_submit))
        .route("/communities/{id}/estates", post(estate_submit))
        .route("/communities/{id}/companies/{org}/party", post(party_submit))
}

#[derive(Template)]
#[template(path = "community_forces.html")]
struct CommunityPage {
    ui: Ui,
    community: Region,
    self_gov: Vec<SelfGovOrg>,
    elders: Vec<Elder>,
    estates: Vec<Estate>,
    companies: Vec<PropertyCompany>,
    company_choices: Vec<(i64, String)>,
    committee_choices: Vec<(i64, String)>,
    self_gov_kinds: Vec<(&'static str, &'static str)>,
    elder_kinds: Vec<(&'static str, &'static str)>,
    party_statuses: Vec<(&'static str, &'static str)>,
    form: Form,
    error: Option<String>,
}

impl CommunityPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }
    fn self_gov_zh(&self, o: &SelfGovOrg) -> &'static str {
        SelfGovKind::parse(&o.kind).map_or("", SelfGovKind::zh)
    }
    fn elder_zh(&self, e: &Elder) -> &'static str {
        ElderKind::parse(&e.kind).map_or("", ElderKind::zh)
    }
}

async fn view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    id: i64,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let actor = &current.actor;
    let community = state.store.region(&actor.scope, id).await?;
    if community.level != RegionLevel::Village {
        return Err(AppError::NotFound.into());
    }
    let committees =
        OrgFilter { kind: Some(OrgKind::OwnersCommittee), region_id: Some(id), limit: 500, ..Default::default() };
    let page = CommunityPage {
        ui: Ui::for_actor(headers, current),
        self_gov: state.store.self_gov_orgs(actor, Some(id)).await?,
        elders: state.store.elders(actor, Some(id), None).await?,
        estates: state.store.estates(actor, Some(id)).await?,
        companies: state.store.property_companies(actor).await?,
        company_choices: state.store.property_company_choices(&community.path).await?,
        committee_choices: state
            .store
            .orgs(&actor.scope, &committees)
            .await?
            .0
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect(),
        self_gov_kinds: SelfGovKind::ALL.iter().map(|k| (k.code(), k.zh())).collect(),
        elder_kinds: ElderKind::ALL.iter().map(|k| (k.code(), k.zh())).collect(),
        party_statuses: PartyOrgStatus::ALL.iter().map(|k| (k.code(), k.zh())).collect(),
        community,
        form,
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(view(&state, &headers, &current, id, Form::new(), None).await?))
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    id: i64,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    let back = format!("/communities/{id}/forces");
    form_answer(result, &back, form, async |kept, message| view(state, headers, current, id, kept, Some(message)).await)
        .await
}

fn number(form: &Form, key: &str) -> Option<i64> {
    form_text(form, key).parse().ok()
}

async fn self_gov_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = SelfGovInput {
        kind: form_text(&form, "kind").to_owned(),
        community_id: Some(id),
        chair: form_text(&form, "chair").to_owned(),
        members: number(&form, "members"),
        charter: form_text(&form, "charter").to_owned(),
    };
    let result = match NewSelfGov::parse(&input) {
        Ok(org) => state.store.create_self_gov_org(&current.actor, &org).await.map(|_| ()).map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &headers, &current, id, form, result).await
}

async fn elder_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = ElderInput {
        name: form_text(&form, "name").to_owned(),
        kind: form_text(&form, "kind").to_owned(),
        community_id: Some(id),
        phone: form_text(&form, "phone").to_owned(),
        strengths: form_text(&form, "strengths").to_owned(),
    };
    let result = match NewElder::parse(&input) {
        Ok(elder) => state.store.add_elder(&current.actor, &elder).await.map(|_| ()).map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &headers, &current, id, form, result).await
}

async fn estate_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = EstateInput {
        name: form_text(&form, "name").to_owned(),
        community_id: Some(id),
        company_org_id: number(&form, "company_org_id"),
        owners_committee_org_id: number(&form, "owners_committee_org_id"),
        households: number(&form, "households"),
    };
    let result = match NewEstate::parse(&input) {
        Ok(estate) => state.store.add_estate(&current.actor, &estate).await.map(|_| ()).map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &headers, &current, id, form, result).await
}

async fn party_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path((id, org)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = PartyStatusInput {
        status: form_text(&form, "status").to_owned(),
        members: number(&form, "members"),
        secretary: form_text(&form, "secretary").to_owned(),
    };
    let result = match PartyStatus::parse(&input) {
        Ok(party) => {
            state.store.set_property_party(&current.actor, org, &party).await.map(|_| ()).map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &headers, &current, id, form, result).await
}
