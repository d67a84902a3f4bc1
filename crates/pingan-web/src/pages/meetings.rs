//! 联席会议 pages: `/meetings`, the meetings in the actor's scope — the 平安建设 joint meeting,
//! its special groups and red property's three-in-one meetings — by kind, the latest first,
//! with the form that records one and assigns each resolution as a task; and `/meetings/{id}`,
//! a meeting with its agenda, attendees and each resolution's task. The same rules as the API
//! (`NewMeeting::parse`, `Store::record_meeting`); a refused form keeps what was typed and
//! names each bad field, on the form and beside the field.

use super::forces::day;
use super::{Form, PageActor, Ui, china_minute, form_answer, form_text};
use crate::AppState;
use crate::api::tasks::now;
use crate::auth::CurrentActor;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::routing::get;
use pingan_domain::calendar::to_china;
use pingan_domain::forces::meeting::{MeetingInput, MeetingKind, NewMeeting};
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_domain::task::{TaskInput, TaskSource};
use pingan_domain::{Action, Actor, FieldError, Resource};
use pingan_store::StoreError;
use pingan_store::meetings::Meeting;
use pingan_store::orgs::OrgFilter;
use pingan_store::tasks::{Task, TaskFilter};

pub fn router() -> Router<AppState> {
    Router::new().route("/meetings", get(list_page).post(record_submit)).route("/meetings/{id}", get(meeting_page))
}

/// Resolution rows on the record form.
const RESOLUTION_ROWS: usize = 3;

/// A resolution row's fields, named as [`TaskInput`]'s.
const RESOLUTION_FIELDS: [&str; 5] = ["title", "detail", "owner_org_id", "due_date", "working_days"];

/// Choices of each kind the form lists: a township's worth; staff of a wider scope who need
/// one beyond that record the meeting through the API.
const CHOICES: i64 = 60;

/// The key of a resolution row's field: the form names its fields as [`MeetingInput`] does,
/// so that an error names the very field it is about.
fn resolution_key(row: usize, field: &str) -> String {
    format!("resolutions[{row}].{field}")
}

fn kind_key(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::Joint => "meetings.kind_joint",
        MeetingKind::SpecialGroup => "meetings.kind_special_group",
        MeetingKind::ThreeInOne => "meetings.kind_three_in_one",
    }
}

/// A meeting as a list row.
struct MeetingRow {
    id: i64,
    title: String,
    kind: &'static str,
    kind_code: String,
    held_on: String,
    place: String,
    resolutions: i64,
    done: i64,
}

fn meeting_row(ui: &Ui, m: &Meeting) -> MeetingRow {
    MeetingRow {
        id: m.id,
        title: m.title.clone(),
        kind: MeetingKind::parse(&m.kind).map_or("", |k| ui.t(kind_key(k))),
        kind_code: m.kind.clone(),
        held_on: m.held_on.clone(),
        place: m.region_name.clone(),
        resolutions: m.resolutions,
        done: m.done,
    }
}

/// What the record form offers, all in the actor's scope.
#[derive(Default)]
struct Choices {
    /// (level, its regions): the actor's own region and the levels below it to the communities.
    places: Vec<(&'static str, Vec<(i64, String)>)>,
    /// (kind of unit, its units): whom a resolution may be assigned to.
    owners: Vec<(&'static str, Vec<(i64, String)>)>,
    companies: Vec<(i64, String)>,
    committees: Vec<(i64, String)>,
}

async fn choices(state: &AppState, actor: &Actor, ui: &Ui) -> PageResult<Choices> {
    let scope = &actor.scope;
    let root = state.store.scope_root(scope).await?;
    let mut places = vec![(ui.level_name(root.level), vec![(root.id, root.name.clone())])];
    for level in
        [RegionLevel::County, RegionLevel::Township, RegionLevel::Village].into_iter().filter(|l| *l > root.level)
    {
        let regions = state.store.regions_at_level(scope, level).await?;
        let regions: Vec<_> = regions.into_iter().take(CHOICES as usize).map(|r| (r.id, r.name)).collect();
        if !regions.is_empty() {
            places.push((ui.level_name(level), regions));
        }
    }
    let units = async |kind: OrgKind| -> PageResult<Vec<(i64, String)>> {
        let f = OrgFilter { kind: Some(kind), limit: CHOICES, ..Default::default() };
        let (orgs, _) = state.store.orgs(scope, &f).await?;
        // Companies and committees are not named after their place; the others are.
        let named = matches!(kind, OrgKind::PropertyCompany | OrgKind::OwnersCommittee);
        Ok(orgs
            .into_iter()
            .map(|o| (o.id, if named { format!("{}({})", o.name, o.region_name) } else { o.name }))
            .collect())
    };
    let companies = units(OrgKind::PropertyCompany).await?;
    let committees = units(OrgKind::OwnersCommittee).await?;
    let mut owners = Vec::new();
    for kind in [OrgKind::Department, OrgKind::TownshipBody, OrgKind::VillageCommittee] {
        owners.push((kind, units(kind).await?));
    }
    owners.push((OrgKind::PropertyCompany, companies.clone()));
    owners.push((OrgKind::OwnersCommittee, committees.clone()));
    let kind_name = |k: OrgKind| if ui.lang == Lang::Zh { k.zh() } else { k.en() };
    Ok(Choices {
        places,
        owners: owners.into_iter().filter(|(_, list)| !list.is_empty()).map(|(k, list)| (kind_name(k), list)).collect(),
        companies,
        committees,
    })
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    ui: Ui,
    /// The kind shown ("" for all) and the tabs: (code, name).
    kind: String,
    tabs: Vec<(&'static str, &'static str)>,
    rows: Vec<MeetingRow>,
    can_record: bool,
    choices: Choices,
    today: String,
    form: Form,
    error: Option<String>,
    /// The fields the refusal named, marked on the form.
    bad: Vec<FieldError>,
}

impl MeetingsPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn selected(&self, key: &str, id: &i64) -> bool {
        self.value(key) == id.to_string()
    }

    /// The kind the form starts at: what was typed, else the tab shown.
    fn chosen_kind(&self) -> &str {
        match self.value("kind") {
            "" => &self.kind,
            k => k,
        }
    }

    /// Why `key` was refused, if it was.
    fn bad(&self, key: &str) -> Option<&str> {
        self.bad.iter().find(|e| e.field == key).map(|e| e.message.as_str())
    }

    fn rows(&self) -> std::ops::Range<usize> {
        0..RESOLUTION_ROWS
    }
}

async fn list_view(
    state: &AppState,
    headers: &HeaderMap,
    current: &CurrentActor,
    kind: Option<MeetingKind>,
    form: Form,
    error: Option<String>,
    bad: Vec<FieldError>,
) -> PageResult<String> {
    let actor = &current.actor;
    let ui = Ui::for_actor(headers, current);
    let meetings = state.store.meetings(actor, kind).await?;
    let can_record = actor.permits(Action::Create, Resource::Forces);
    let choices = if can_record { choices(state, actor, &ui).await? } else { Choices::default() };
    let page = MeetingsPage {
        kind: kind.map_or("", MeetingKind::code).to_owned(),
        tabs: std::iter::once(("", ui.t("meetings.all")))
            .chain(MeetingKind::ALL.iter().map(|k| (k.code(), ui.t(kind_key(*k)))))
            .collect(),
        rows: meetings.iter().map(|m| meeting_row(&ui, m)).collect(),
        can_record,
        choices,
        today: to_china(now()).date().to_string(),
        form,
        error,
        bad,
        ui,
    };
    Ok(page.render().map_err(AppError::from)?)
}

async fn list_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Query(q): Query<Form>,
) -> PageResult<Html<String>> {
    let kind = MeetingKind::parse(form_text(&q, "kind"));
    Ok(Html(list_view(&state, &headers, &current, kind, Form::new(), None, Vec::new()).await?))
}

/// The meeting a form describes, with the rows it came from (an empty row is no resolution)
/// and what the form itself could not read.
fn meeting_input(form: &Form) -> (MeetingInput, Vec<usize>, Vec<FieldError>) {
    let mut unreadable = Vec::new();
    let number = |key: &str| form_text(form, key).parse().ok();
    let rows: Vec<usize> = (0..RESOLUTION_ROWS)
        .filter(|i| RESOLUTION_FIELDS.iter().any(|f| !form_text(form, &resolution_key(*i, f)).is_empty()))
        .collect();
    let resolutions = rows
        .iter()
        .map(|&i| {
            let days_key = resolution_key(i, "working_days");
            let working_days = match form_text(form, &days_key) {
                "" => None,
                days => days
                    .parse()
                    .map_err(|_| {
                        unreadable
                            .push(FieldError::new(days_key, "工作日数应为整数 / the working days are a whole number"))
                    })
                    .ok(),
            };
            TaskInput {
                title: form_text(form, &resolution_key(i, "title")).to_owned(),
                detail: form_text(form, &resolution_key(i, "detail")).to_owned(),
                owner_org_id: number(&resolution_key(i, "owner_org_id")),
                due_date: Some(form_text(form, &resolution_key(i, "due_date")).to_owned()).filter(|s| !s.is_empty()),
                working_days,
            }
        })
        .collect();
    let kind = form_text(form, "kind");
    // The property company and the owners' committee belong to a three-in-one meeting only: a
    // choice left in them after switching to another kind would be stored with that meeting.
    let three_in_one = MeetingKind::parse(kind) == Some(MeetingKind::ThreeInOne);
    let input = MeetingInput {
        kind: kind.to_owned(),
        title: form_text(form, "title").to_owned(),
        held_on: form_text(form, "held_on").to_owned(),
        region_id: number("region_id"),
        attendees: form_text(form, "attendees").to_owned(),
        agenda: form_text(form, "agenda").to_owned(),
        property_org_id: number("property_org_id").filter(|_| three_in_one),
        committee_org_id: number("committee_org_id").filter(|_| three_in_one),
        resolutions,
    };
    (input, rows, unreadable)
}

/// Errors number resolutions in the order they were given; put each back on the form's row
/// it came from (empty rows are skipped, so the two may differ).
fn on_form_rows(errors: Vec<FieldError>, rows: &[usize]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let row = e
                .field
                .strip_prefix("resolutions[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(n, field)| Some((rows.get(n.parse::<usize>().ok()?)?, field.to_owned())));
            match row {
                Some((row, field)) => FieldError { field: format!("resolutions[{row}]{field}"), message: e.message },
                None => e,
            }
        })
        .collect()
}

async fn record_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Form>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let (input, rows, unreadable) = meeting_input(&form);
    let rules = state.appeal_rules();
    let result = match NewMeeting::parse(&input, &rules.calendar, to_china(now())) {
        Ok(meeting) if unreadable.is_empty() => {
            state.store.record_meeting(&current.actor, &meeting).await.map(|(m, _)| m.id).map_err(AppError::from)
        }
        Ok(_) => Err(AppError::Invalid(Vec::new())),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    let result = result.map_err(|e| match e {
        AppError::Invalid(errors) => {
            let mut errors = on_form_rows(errors, &rows);
            errors.extend(unreadable);
            AppError::Invalid(errors)
        }
        e => e,
    });
    let back = match &result {
        Ok(id) => format!("/meetings/{id}"),
        Err(_) => "/meetings".to_owned(),
    };
    let bad = match &result {
        Err(AppError::Invalid(errors)) => errors.clone(),
        _ => Vec::new(),
    };
    form_answer(result.map(|_| ()), &back, form, async |kept, message| {
        list_view(&state, &headers, &current, None, kept, Some(message), bad).await
    })
    .await
}

/// A resolution and its task, as the meeting's page shows it.
struct ResolutionRow {
    task_id: i64,
    title: String,
    detail: String,
    owner: String,
    due: String,
    state: &'static str,
    state_code: String,
    overdue: bool,
    supervisions: i64,
}

fn resolution_row(ui: &Ui, t: &Task, now: i64) -> ResolutionRow {
    ResolutionRow {
        task_id: t.id,
        title: t.title.clone(),
        detail: t.detail.clone(),
        owner: t.owner_name.clone(),
        due: day(t.due_ms),
        state: ui.t(super::forces::task_state_key(t.state())),
        state_code: t.state.clone(),
        overdue: t.is_overdue(now),
        supervisions: t.supervisions,
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    ui: Ui,
    m: Meeting,
    kind: &'static str,
    committee: Option<String>,
    recorded: String,
    resolutions: Vec<ResolutionRow>,
}

async fn meeting_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let actor = &current.actor;
    let m = state.store.meeting(actor, id).await?;
    let filter = TaskFilter {
        source: Some(TaskSource::Meeting.code().to_owned()),
        source_id: Some(id),
        per_page: Some(500),
        ..Default::default()
    };
    let now = now();
    // Department staff see their own unit's resolutions only, as on the task list.
    let (mut tasks, _) = state.store.tasks(actor, &filter, now).await?;
    // In the order the meeting resolved them, not the task list's most urgent first.
    tasks.sort_by_key(|t| t.id);
    let committee = match m.committee_org_id {
        None => None,
        Some(org) => match state.store.org(&actor.scope, org).await {
            Ok(o) => Some(o.name),
            // Retired since, or outside a department's view: the meeting stands without it.
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(AppError::from(e).into()),
        },
    };
    let ui = Ui::for_actor(&headers, &current);
    let page = MeetingPage {
        kind: MeetingKind::parse(&m.kind).map_or("", |k| ui.t(kind_key(k))),
        committee,
        recorded: china_minute(m.recorded_ms),
        resolutions: tasks.iter().map(|t| resolution_row(&ui, t, now)).collect(),
        m,
        ui,
    };
    super::render(page)
}
