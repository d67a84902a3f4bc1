//! Red station (红色驿站) pages: `/stations`, the usage of the stations in scope over a period
//! with its workbook, and `/stations/{id}`, one station — where and when it is open, its
//! services and staff (phones masked), this month's and this year's usage, the visit form, the
//! keepers' forms for services and staff, and the way to file a walk-in appeal there.

use super::{Form, PageActor, Ui, china_minute, form_answer, form_text, render};
use crate::AppState;
use crate::api::stations::{PeriodParams, period_of};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use pingan_domain::Role;
use pingan_domain::access::{Action, Resource};
use pingan_domain::forces::station::parse_services;
use pingan_domain::forces::station::{NewStaff, NewVisit, ServicesInput, StaffInput, StationService, VisitInput};
use pingan_store::china_today;
use pingan_store::stations::{StationFigures, StationProfile, Usage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stations", get(figures_page))
        .route("/stations/{id}", get(station_page))
        .route("/stations/{id}/services", post(services_submit))
        .route("/stations/{id}/staff", post(staff_submit))
        .route("/stations/{id}/staff/{staff_id}/retire", post(retire_submit))
        .route("/stations/{id}/visits", post(visit_submit))
}

fn service_name(lang: Lang, code: &str) -> &'static str {
    match (StationService::parse(code), lang) {
        (Some(s), Lang::Zh) => s.zh(),
        (Some(s), Lang::En) => s.en(),
        (None, _) => "—",
    }
}

#[derive(Template)]
#[template(path = "stations.html")]
struct FiguresPage {
    ui: Ui,
    f: StationFigures,
    /// The query string of the period, for the workbook link.
    query: String,
}

impl FiguresPage {
    fn service(&self, code: &str) -> &'static str {
        service_name(self.ui.lang, code)
    }
}

async fn figures_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let params = PeriodParams { from: q.get("from").cloned(), to: q.get("to").cloned() };
    let period = period_of(&params)?;
    let f = state.store.station_figures(&current.actor, &period).await?;
    let query = format!("from={}&to={}", period.from, period.to);
    render(FiguresPage { ui: Ui::for_actor(&headers, &current), f, query })
}

#[derive(Template)]
#[template(path = "station.html")]
struct StationPage {
    ui: Ui,
    p: StationProfile,
    /// Every service: (code, name, offered).
    services: Vec<(&'static str, &'static str, bool)>,
    /// (code, name) of the services offered, for the visit form.
    offered: Vec<(&'static str, &'static str)>,
    can_keep: bool,
    can_record: bool,
    can_file: bool,
    /// May change the station's address, phone and opening hours (the organisation's page).
    can_edit_org: bool,
    today: String,
    form: Form,
    error: Option<String>,
}

impl StationPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn service(&self, code: &str) -> &'static str {
        service_name(self.ui.lang, code)
    }

    fn when(&self, ms: &i64) -> String {
        china_minute(*ms)
    }

    fn state(&self, code: &str) -> &'static str {
        match (pingan_domain::appeal::AppealState::parse(code), self.ui.lang) {
            (Some(s), Lang::Zh) => s.zh(),
            (Some(s), Lang::En) => s.en(),
            (None, _) => "—",
        }
    }

    fn phone(&self) -> String {
        self.p.station.phone.as_deref().map_or_else(|| "—".to_owned(), pingan_domain::personal::display_contact_phone)
    }

    fn periods(&self) -> Vec<(&'static str, &Usage)> {
        vec![(self.ui.t("station.this_month"), &self.p.month), (self.ui.t("station.this_year"), &self.p.year)]
    }

    /// The period's services that served anyone.
    fn used<'a>(&self, u: &'a Usage) -> Vec<&'a pingan_store::stations::ServiceUsage> {
        u.by_service.iter().filter(|s| s.visits > 0).collect()
    }
}

async fn station_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    form: Form,
    error: Option<String>,
) -> PageResult<String> {
    let ui = Ui::for_actor(headers, current);
    let p = state.store.station_profile(&current.actor, id).await?;
    let actor = &current.actor;
    let pick = |s: StationService| if ui.lang == Lang::Zh { s.zh() } else { s.en() };
    let services = StationService::ALL
        .iter()
        .map(|s| (s.code(), pick(*s), p.services.iter().any(|x| x.code == s.code())))
        .collect();
    let offered =
        p.services.iter().filter_map(|x| StationService::parse(x.code)).map(|s| (s.code(), pick(s))).collect();
    // The same roles as the store's checks, so that no form is shown that would be refused.
    let keeper = matches!(actor.role, Role::VillageCadre | Role::TownshipDispatcher | Role::Admin);
    let page = StationPage {
        can_keep: keeper && actor.permits(Action::Update, Resource::Forces),
        can_record: (keeper || actor.role == Role::GridWorker) && actor.permits(Action::Create, Resource::Forces),
        can_file: actor.permits(Action::Create, Resource::Appeal),
        can_edit_org: actor.permits(Action::Update, Resource::Org),
        services,
        offered,
        today: china_today().format("%Y-%m-%d").to_string(),
        p,
        ui,
        form,
        error,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn station_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(station_view(&state, &headers, &current, id, Form::new(), None).await?))
}

/// Back to the station, or its page again with the refusal and the form as sent.
async fn station_result(
    state: &AppState,
    headers: &HeaderMap,
    current: &crate::auth::CurrentActor,
    id: i64,
    form: Form,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    form_answer(result, &format!("/stations/{id}"), form, async |kept, message| {
        station_view(state, headers, current, id, kept, Some(message)).await
    })
    .await
}

async fn services_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    // Services arrive as `svc_<code>=on` checkboxes.
    let input = ServicesInput {
        services: StationService::ALL
            .iter()
            .filter(|s| form.contains_key(&format!("svc_{}", s.code())))
            .map(|s| s.code().to_owned())
            .collect(),
    };
    let result = match parse_services(&input) {
        Ok(services) => state.store.set_station_services(&current.actor, id, &services).await.map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    station_result(&state, &headers, &current, id, Form::new(), result).await
}

async fn staff_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let input = StaffInput {
        name: form_text(&form, "name").to_owned(),
        phone: form_text(&form, "phone").to_owned(),
        duty: form_text(&form, "duty").to_owned(),
    };
    let result = match NewStaff::parse(&input) {
        Ok(staff) => {
            state.store.add_station_staff(&current.actor, id, &staff).await.map(|_| ()).map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    station_result(&state, &headers, &current, id, form, result).await
}

async fn retire_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path((id, staff_id)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let result = state.store.retire_station_staff(&current.actor, id, staff_id).await.map_err(AppError::from);
    station_result(&state, &headers, &current, id, Form::new(), result).await
}

async fn visit_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let people = form_text(&form, "people");
    let input = VisitInput {
        service: form_text(&form, "service").to_owned(),
        // Not a number is out of range: the same message as 0 or 501.
        people: Some(people.parse().unwrap_or(0)),
        note: form_text(&form, "note").to_owned(),
        day: form_text(&form, "day").to_owned(),
    };
    let result = match NewVisit::parse(&input, china_today()) {
        Ok(visit) => {
            state.store.record_station_visit(&current.actor, id, &visit).await.map(|_| ()).map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    station_result(&state, &headers, &current, id, form, result).await
}
