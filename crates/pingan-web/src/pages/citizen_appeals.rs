//! Residents' appeal pages (微连心 "我要报事"): the phone-sized report form with category
//! suggestions as they type and the place by position, map or list; their own cases with the
//! timeline, added information and the rating; and the public page for a tracking code.

use super::appeals::{AttachmentView, attachment_views, event_zh, intake_request};
use super::{PageSession, Ui, render};
use crate::AppState;
use crate::api::appeals::{category_name, command_from_json, parse_intake};
use crate::api::attachments::{CheckedFile, read_error_message, read_file, store_blobs, upload_limit};
use crate::auth::CurrentActor;
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::appeal::AppealState;
use pingan_domain::geometry::{BBox, SvgProjection};
use pingan_domain::region::{RegionLevel, RegionPath};
use pingan_domain::{FieldError, Scope};
use pingan_store::StoreError;
use pingan_store::appeals::{AppealFilter, AppealRecord, check_attachment_count, clean_attachment_name};
use pingan_store::blobs::{AttachmentPolicy, BlobError};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    // The two forms that carry photos take a case's full set of them at the largest size.
    let uploads = DefaultBodyLimit::max(upload_limit(&AttachmentPolicy::default()));
    Router::new()
        .route("/citizen/report", get(report_page).post(report_submit).layer(uploads))
        .route("/citizen/cases", get(my_cases))
        .route("/citizen/cases/{id}", get(my_case))
        .route("/citizen/cases/{id}/act", post(my_case_act).layer(uploads))
        .route("/track", get(track_lookup))
        .route("/track/{code}", get(track_page))
}

/// The form field the photos come in, and that their errors are shown next to.
const PHOTOS: &str = "photos";

/// The most bytes of one text field, and of a whole form without files: far above what the
/// forms' inputs allow, far below what could hurt.
const TEXT_LIMIT: usize = 64 * 1024;

/// The most text fields a form may have.
const MAX_TEXT_FIELDS: usize = 64;

/// A resident's form as posted: `multipart/form-data` (the pages' forms: text fields and
/// `photos` file parts), or `application/x-www-form-urlencoded` (a page loaded before photos
/// existed, and forms without them). Refused photos and a body that breaks off partway (past
/// the size limit, say) are kept for the handler to show on the form, with the text the
/// resident typed.
#[derive(Default)]
pub(crate) struct PostedForm {
    pub(crate) fields: BTreeMap<String, String>,
    /// Photos that passed the content checks, in the order sent.
    pub(crate) photos: Vec<CheckedFile>,
    /// Photos refused, each named, on the field `photos`.
    pub(crate) photo_errors: Vec<FieldError>,
    /// Whether any photo was chosen (a form shown again must ask for them again: a browser
    /// cannot refill a file input).
    pub(crate) photos_sent: bool,
    /// The request broke off: the status (413 past the size limit, 400 otherwise) and why.
    pub(crate) broken: Option<(StatusCode, String)>,
}

impl PostedForm {
    pub(crate) fn photo_names(&self) -> Vec<String> {
        self.photos.iter().map(|f| f.name.clone()).collect()
    }

    /// A refusal of the store's about the files (on its field `file`), moved to `photos`.
    fn refuse_photos(&mut self, e: AppError) -> Result<(), AppError> {
        match e {
            AppError::Invalid(fields) => {
                self.photo_errors.extend(fields.into_iter().map(|f| FieldError::new(PHOTOS, f.message)));
                Ok(())
            }
            e => Err(e),
        }
    }

    /// The photos' count against the limit, for a case that has `existing` already.
    fn check_count(&mut self, existing: usize, policy: &AttachmentPolicy) {
        if let Err(StoreError::Invalid(fields)) = check_attachment_count(existing, &self.photo_names(), policy) {
            self.photo_errors.extend(fields.into_iter().map(|f| FieldError::new(PHOTOS, f.message)));
        }
    }
}

fn broke_off(status: StatusCode, message: String) -> Option<(StatusCode, String)> {
    let status = if status == StatusCode::PAYLOAD_TOO_LARGE { status } else { StatusCode::BAD_REQUEST };
    Some((status, message))
}

impl PostedForm {
    /// Read the form. Handlers call this once they know who is posting, so that no one
    /// signed out can make the server read a large body.
    /// `images_only`: residents send photos; staff may also attach PDFs (the store's kinds).
    pub(crate) async fn read(req: Request, state: &AppState, images_only: bool) -> Result<Self, PageError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
        let mut out = PostedForm::default();
        if !multipart {
            let bytes = axum::body::to_bytes(req.into_body(), TEXT_LIMIT)
                .await
                .map_err(|_| AppError::BadRequest("表单内容过长 / the form is too long".into()))?;
            out.fields = url::form_urlencoded::parse(&bytes).into_owned().collect();
            return Ok(out);
        }
        let policy = AttachmentPolicy::default();
        let limit = upload_limit(&policy);
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|r| AppError::BadRequest(format!("表单格式有误 / malformed form: {}", r.body_text())))?;
        let mut files = 0;
        loop {
            let mut field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    let message = format!("表单上传不完整,请重试 / the form arrived incomplete: {}", e.body_text());
                    out.broken = broke_off(e.status(), message);
                    break;
                }
            };
            let key = field.name().unwrap_or_default().to_owned();
            if let Some(raw) = field.file_name().map(str::to_owned) {
                if key != PHOTOS {
                    continue;
                }
                files += 1;
                let name = clean_attachment_name(Some(&raw), files);
                match read_file(field, name.clone(), &policy).await {
                    Ok(Ok(file)) if images_only && !file.kind.is_image() => out.photo_errors.push(FieldError::new(
                        PHOTOS,
                        format!(
                            "附件「{name}」不是照片,请选择 JPEG、PNG、WebP、GIF 或 HEIC 图片 / '{name}' is not a photo: choose a JPEG, PNG, WebP, GIF or HEIC picture"
                        ),
                    )),
                    Ok(Ok(file)) => out.photos.push(file),
                    // A file input left empty still sends a part: no name and no bytes.
                    Ok(Err(BlobError::Empty { .. })) if raw.trim().is_empty() => files -= 1,
                    Ok(Err(e)) => out.photo_errors.push(FieldError::new(PHOTOS, e.to_string())),
                    Err(e) => {
                        out.broken = broke_off(e.status(), read_error_message(&name, &e, limit));
                        break;
                    }
                }
                out.photos_sent |= files > 0;
                continue;
            }
            if out.fields.len() >= MAX_TEXT_FIELDS {
                out.broken = broke_off(StatusCode::BAD_REQUEST, "表单字段过多 / too many form fields".into());
                break;
            }
            let mut value = Vec::new();
            let mut failed = None;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if value.len() + chunk.len() <= TEXT_LIMIT => value.extend_from_slice(&chunk),
                    Ok(Some(_)) => {
                        failed = Some((StatusCode::BAD_REQUEST, format!("「{key}」过长 / '{key}' is too long")));
                        break;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let message = format!("表单上传不完整,请重试 / the form arrived incomplete: {}", e.body_text());
                        failed = Some((e.status(), message));
                        break;
                    }
                }
            }
            if let Some((status, message)) = failed {
                out.broken = broke_off(status, message);
                break;
            }
            match String::from_utf8(value) {
                Ok(v) => {
                    out.fields.insert(key, v);
                }
                Err(_) => {
                    out.broken =
                        broke_off(StatusCode::BAD_REQUEST, format!("「{key}」不是有效文本 / '{key}' is not text"));
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// The photo limits as a page says them: `{n}` and `{mib}` in `template` filled in.
fn photo_limits(template: &str, n: usize, policy: &AttachmentPolicy) -> String {
    template.replace("{n}", &n.to_string()).replace("{mib}", &(policy.max_bytes / (1024 * 1024)).to_string())
}

/// The resident behind a page; staff are sent to their own pages, strangers to sign-in.
fn resident(session: Result<PageSession, PageError>, back: &str) -> Result<CurrentActor, Redirect> {
    match session {
        Ok(PageSession(c)) if !c.actor.role.is_staff() => Ok(c),
        Ok(_) => Err(Redirect::to("/appeals")),
        Err(_) => Err(Redirect::to(&format!("/citizen/login?next={back}"))),
    }
}

fn ui_for(headers: &HeaderMap, c: &CurrentActor) -> Ui {
    Ui { lang: Lang::from_headers(headers), actor: Some(c.actor.clone()), csrf: c.csrf_token.clone() }
}

/// The whole city, for the public lists of townships and grids.
fn city_scope(state: &AppState) -> Result<Scope, AppError> {
    let region = RegionPath::parse(&state.root_path)
        .ok_or_else(|| AppError::Unavailable("城市尚未导入 / no city loaded yet".into()))?;
    Ok(Scope { region, org_id: None })
}

pub struct GridChoice {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "citizen_report.html")]
struct ReportPage {
    ui: Ui,
    /// (county, [(township id, name)])
    townships: Vec<(String, Vec<(i64, String)>)>,
    township: Option<i64>,
    grids: Vec<GridChoice>,
    map_svg: String,
    categories: Vec<(String, String)>,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    photos: PhotoInput,
}

/// What a page's photo input shows and the script checks before uploading (the server checks
/// again): the label with the limits, how many more photos fit, the largest size.
pub struct PhotoInput {
    pub label: String,
    pub max_count: usize,
    pub max_bytes: u64,
    /// The script's messages, translated: `{n}`/`{max}` chosen, too many, `{name}` too large.
    pub count_text: String,
    pub too_many: String,
    pub too_big: String,
    /// The form came back: photos chosen before must be chosen again.
    pub again: bool,
}

impl PhotoInput {
    fn new(ui: &Ui, label_key: &str, max_count: usize, again: bool) -> PhotoInput {
        let policy = AttachmentPolicy::default();
        PhotoInput {
            label: photo_limits(ui.t(label_key), max_count, &policy),
            max_count,
            max_bytes: policy.max_bytes,
            count_text: ui.t("report.photos_count").to_owned(),
            too_many: photo_limits(ui.t("report.photos_too_many"), max_count, &policy),
            too_big: photo_limits(ui.t("report.photos_too_big"), max_count, &policy),
            again,
        }
    }
}

impl ReportPage {
    fn val(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn is_township(&self, id: &i64) -> bool {
        self.township == Some(*id)
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Every error of `field` (each refused photo has its own).
    fn errors_for(&self, field: &str) -> Vec<&str> {
        self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect()
    }
}

#[derive(serde::Deserialize, Default)]
struct ReportQuery {
    township: Option<i64>,
}

async fn report_page(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/report") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let mut form = BTreeMap::new();
    if let Some(t) = q.township {
        form.insert("township".to_owned(), t.to_string());
    }
    let page = report_form(&state, ui_for(&headers, &current), q.township, form, Vec::new()).await?;
    Ok(render(page)?.into_response())
}

async fn report_form(
    state: &AppState,
    ui: Ui,
    township: Option<i64>,
    form: BTreeMap<String, String>,
    errors: Vec<FieldError>,
) -> PageResult<ReportPage> {
    let scope = city_scope(state)?;
    let mut townships = Vec::new();
    for county in state.store.children(&scope, scope.region.id()).await? {
        let list = state
            .store
            .children(&scope, county.region.id)
            .await?
            .into_iter()
            .filter(|t| t.region.level == RegionLevel::Township)
            .map(|t| (t.region.id, t.region.name))
            .collect();
        townships.push((county.region.name, list));
    }
    let (grids, map_svg) = match township {
        Some(id) => {
            let shapes = state.store.grid_shapes(&scope, id).await.unwrap_or_default();
            let svg = pick_map(&shapes);
            (shapes.into_iter().map(|g| GridChoice { code: g.code, name: g.name }).collect(), svg)
        }
        None => (Vec::new(), String::new()),
    };
    let rules = state.appeal_rules();
    let categories = rules.categories.iter().map(|c| (c.code.as_str().to_owned(), c.zh.clone())).collect();
    let photos = PhotoInput::new(&ui, "report.photos", AttachmentPolicy::default().max_count, false);
    Ok(ReportPage { ui, townships, township, grids, map_svg, categories, form, errors, photos })
}

/// The township's grids as a tap-to-choose SVG map: each grid carries its code; the page's
/// script copies a tapped grid into the form's grid list (the list alone works without script).
fn pick_map(grids: &[pingan_store::regions::GridShape]) -> String {
    let mut bbox = BBox::empty();
    for g in grids {
        bbox.union(&g.ring.bbox());
    }
    if bbox.is_empty() {
        return String::new();
    }
    let proj = SvgProjection::fit(bbox, 600.0);
    let mut svg = format!(
        r#"<svg class="gridmap pick" id="pick-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {:.0} {:.0}" role="img">"#,
        proj.width, proj.height
    );
    for g in grids {
        let _ = write!(
            svg,
            r#"<path d="{}" data-code="{}"><title>{}</title></path>"#,
            proj.path(&g.ring),
            crate::html_escape(&g.code),
            crate::html_escape(&g.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

async fn report_submit(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    req: Request,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/report") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let mut posted = PostedForm::read(req, &state, true).await?;
    current.check_csrf(posted.fields.get("_csrf").map(String::as_str))?;
    let policy = AttachmentPolicy::default();
    // The form comes back with what the resident typed and every error next to its field.
    let refuse = |status: StatusCode, form: BTreeMap<String, String>, errors: Vec<FieldError>, again: bool| {
        let ui = ui_for(&headers, &current);
        let state = &state;
        async move {
            let township = form.get("township").and_then(|t| t.parse().ok());
            let mut page = report_form(state, ui, township, form, errors).await?;
            page.photos.again = again;
            Ok::<_, PageError>((status, render(page)?).into_response())
        }
    };
    if let Some((status, message)) = posted.broken.take() {
        return refuse(status, posted.fields, vec![FieldError::new(PHOTOS, message)], true).await;
    }
    posted.check_count(0, &policy);
    let mut req = intake_request(&posted.fields);
    // A grid chosen on the map or from the list stands for the place when there is no point.
    if req.lon.is_none() && req.lat.is_none() {
        req.region_code = posted.fields.get("grid").map(|g| g.trim().to_owned()).filter(|g| !g.is_empty());
    }
    req.channel = None;
    let rules = state.appeal_rules();
    // Every field and every photo is checked before anything is written.
    let intake = match parse_intake(&state, &current.actor, false, &req, &rules).await {
        Ok(intake) if posted.photo_errors.is_empty() => intake,
        Ok(_) => return refuse(StatusCode::BAD_REQUEST, posted.fields, posted.photo_errors, true).await,
        Err(AppError::Invalid(mut errors)) => {
            errors.append(&mut posted.photo_errors);
            return refuse(StatusCode::BAD_REQUEST, posted.fields, errors, posted.photos_sent).await;
        }
        Err(e) => return Err(e.into()),
    };
    // Blobs first, then the case with its attachment rows in one transaction. A failure
    // between the two leaves only unreferenced blobs, which are harmless (content-addressed:
    // the same photo sent again reuses its file); the other order could leave a case whose
    // photos are missing, or rows pointing at files never written.
    let stored = store_blobs(&state.blobs, posted.photos).await?;
    let filed = state.store.file_appeal_with_attachments(&current.actor, &intake, &rules, &stored, &policy).await;
    match filed.map_err(AppError::from) {
        Ok(f) => Ok(Redirect::to(&format!("/citizen/cases/{}", f.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|f| if f.field == "file" { FieldError::new(PHOTOS, f.message) } else { f })
                .collect();
            refuse(StatusCode::BAD_REQUEST, posted.fields, errors, posted.photos_sent).await
        }
        Err(e) => Err(PageError(e)),
    }
}

pub struct CaseLine {
    pub id: i64,
    pub code: String,
    pub when: String,
    pub category: String,
    pub state: String,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "citizen_cases.html")]
struct CasesPage {
    ui: Ui,
    cases: Vec<CaseLine>,
}

async fn my_cases(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let current = match resident(session, "/citizen/cases") {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let (items, _) = state.store.appeals(&current.actor, &AppealFilter { limit: 100, ..Default::default() }).await?;
    let rules = state.appeal_rules();
    let cases = items
        .into_iter()
        .map(|i| CaseLine {
            id: i.id,
            code: i.tracking_code,
            when: pingan_domain::calendar::to_china(i.received_ms).format("%Y-%m-%d %H:%M").to_string(),
            category: category_name(&rules, &i.category),
            state: i.state.zh().into(),
            excerpt: i.excerpt,
        })
        .collect();
    Ok(render(CasesPage { ui: ui_for(&headers, &current), cases })?.into_response())
}

pub struct Step {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "citizen_case.html")]
struct CasePage {
    ui: Ui,
    r: AppealRecord,
    category: String,
    state_name: &'static str,
    steps: Vec<Step>,
    /// The resident's own page (forms), not the public one.
    own: bool,
    can_rate: bool,
    can_add: bool,
    error: Option<String>,
    /// Only on the resident's own page: the public page shows no photos.
    attachments: Vec<AttachmentView>,
    /// The add-information form: the photo input, its error and the text to show again.
    photos: PhotoInput,
    photo_error: Option<String>,
    add_text: String,
}

/// What the add-information form shows again after a refusal.
#[derive(Default)]
struct AddForm {
    text: String,
    photo_error: Option<String>,
    photos_again: bool,
}

fn case_page(
    ui: Ui,
    r: AppealRecord,
    state: &AppState,
    attachments: Option<Vec<AttachmentView>>,
    error: Option<String>,
    add: AddForm,
) -> CasePage {
    let own = attachments.is_some();
    let attachments = attachments.unwrap_or_default();
    let rules = state.appeal_rules();
    let steps = r
        .events
        .iter()
        .map(|e| Step {
            at: pingan_domain::calendar::to_china(e.at_ms).format("%Y-%m-%d %H:%M").to_string(),
            who: e.event.by.zh().into(),
            what: event_zh(&e.event),
        })
        .collect();
    let s = r.snapshot.state;
    let room = AttachmentPolicy::default().max_count.saturating_sub(attachments.len());
    CasePage {
        category: category_name(&rules, r.snapshot.category.as_str()),
        state_name: s.zh(),
        can_rate: own && s == AppealState::Closed,
        can_add: own && open_for_adding(s),
        steps,
        own,
        error,
        attachments,
        photos: PhotoInput::new(&ui, "report.add_photos", room, add.photos_again),
        photo_error: add.photo_error,
        add_text: add.text,
        ui,
        r,
    }
}

/// Whether a resident may still add information (and photos) to a case in state `s`.
fn open_for_adding(s: AppealState) -> bool {
    !s.is_closed() && !matches!(s, AppealState::Merged | AppealState::Transferred)
}

/// The resident's own case page, with its attachments.
async fn own_case_page(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
    add: AddForm,
) -> PageResult<CasePage> {
    let r = state.store.appeal(&current.actor, id).await?;
    let attachments = attachment_views(state.store.appeal_attachments(&current.actor, id).await?);
    Ok(case_page(ui_for(headers, current), r, state, Some(attachments), error, add))
}

async fn my_case(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let current = match resident(session, &format!("/citizen/cases/{id}")) {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let page = own_case_page(&state, &current, &headers, id, None, AddForm::default()).await?;
    Ok(render(page)?.into_response())
}

/// A resident's two actions: add information (text, photos or both) while the case is open,
/// rate it once closed.
async fn my_case_act(
    State(state): State<AppState>,
    session: Result<PageSession, PageError>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: Request,
) -> PageResult<Response> {
    let current = match resident(session, &format!("/citizen/cases/{id}")) {
        Ok(c) => c,
        Err(r) => return Ok(r.into_response()),
    };
    let posted = PostedForm::read(req, &state, true).await?;
    current.check_csrf(posted.fields.get("_csrf").map(String::as_str))?;
    let text = |k: &str| posted.fields.get(k).cloned().unwrap_or_default();
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    let rules = state.appeal_rules();
    let result = match posted.fields.get("action").map(String::as_str) {
        Some("add_information") => return add_information(&state, &current, &headers, id, posted).await,
        Some("callback") => {
            let v = json!({
                "action": "callback",
                "solved": text("solved") == "true",
                "satisfaction": text("satisfaction"),
                "comment": text("comment"),
            });
            async {
                let cmd = command_from_json(&state, &current.actor, v).await?;
                state.store.act_on_appeal(&current.actor, id, &cmd, version, &rules).await.map_err(AppError::from)
            }
            .await
        }
        _ => return Err(AppError::BadRequest("未知的操作 / unknown action".into()).into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/citizen/cases/{id}")).into_response()),
        Err(e) => refused(&state, &current, &headers, id, e, AddForm::default()).await,
    }
}

/// The case page again after a refused action: its status and message, or the error page
/// when the refusal is not the resident's to fix.
async fn refused(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    id: i64,
    e: AppError,
    add: AddForm,
) -> PageResult<Response> {
    let (status, message) = e.status_and_message();
    if status.is_server_error() || status == StatusCode::NOT_FOUND {
        return Err(PageError(e));
    }
    let message = match &e {
        AppError::Invalid(f) => f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(";"),
        _ => message,
    };
    let page = own_case_page(state, current, headers, id, Some(message), add).await?;
    Ok((status, render(page)?).into_response())
}

/// Added information: text, photos, or both. Everything is checked before anything is
/// written; then the photos' blobs, then the text and the photos' rows in one transaction
/// (as for a new report, see `report_submit`).
async fn add_information(
    state: &AppState,
    current: &CurrentActor,
    headers: &HeaderMap,
    id: i64,
    mut posted: PostedForm,
) -> PageResult<Response> {
    let policy = AttachmentPolicy::default();
    let text = posted.fields.get("text").cloned().unwrap_or_default();
    let again =
        |photo_error: Option<String>, photos_again: bool| AddForm { text: text.clone(), photo_error, photos_again };
    // The form comes back with the text typed and the photos' errors next to their input.
    let photo_refusal = |status: StatusCode, errors: Vec<FieldError>, photos_again: bool| async move {
        let message = errors.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(";");
        let add = again(Some(message), photos_again);
        let page = own_case_page(state, current, headers, id, None, add).await?;
        Ok::<_, PageError>((status, render(page)?).into_response())
    };
    if let Some((status, message)) = posted.broken.take() {
        return photo_refusal(status, vec![FieldError::new(PHOTOS, message)], true).await;
    }
    if !posted.photos.is_empty() {
        // Whether they may add to this case, and the count with what it has already.
        let names = posted.photo_names();
        if let Err(e) = state.store.check_attachable(&current.actor, id, &names, &policy).await {
            posted.refuse_photos(e.into())?;
        }
    }
    if !posted.photo_errors.is_empty() {
        return photo_refusal(StatusCode::BAD_REQUEST, posted.photo_errors, true).await;
    }
    let rules = state.appeal_rules();
    let result = if text.trim().is_empty() && !posted.photos.is_empty() {
        // Photos alone: nothing to say in the timeline, the attachments show them. Like added
        // text, only while the case is open.
        let case = state.store.appeal(&current.actor, id).await?;
        if !open_for_adding(case.snapshot.state) {
            let message =
                "诉求已办结或已转出,不能再补充 / the case is closed or transferred: nothing more can be added";
            return refused(state, current, headers, id, AppError::Conflict(message.into()), again(None, true)).await;
        }
        let stored = store_blobs(&state.blobs, posted.photos).await?;
        state.store.add_attachments(&current.actor, id, &stored, &policy).await.map(|_| ()).map_err(AppError::from)
    } else {
        let v = json!({"action": "add_information", "text": text});
        match command_from_json(state, &current.actor, v).await {
            Ok(cmd) => {
                let stored = store_blobs(&state.blobs, posted.photos).await?;
                let acted =
                    state.store.act_with_attachments(&current.actor, id, &cmd, None, &rules, &stored, &policy).await;
                acted.map(|_| ()).map_err(AppError::from)
            }
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/citizen/cases/{id}")).into_response()),
        // The count, should another upload have filled the case meanwhile.
        Err(AppError::Invalid(fields)) if fields.iter().all(|f| f.field == "file") => {
            photo_refusal(StatusCode::BAD_REQUEST, fields, true).await
        }
        Err(e) => refused(state, current, headers, id, e, again(None, posted.photos_sent)).await,
    }
}

#[derive(serde::Deserialize)]
struct TrackQuery {
    code: Option<String>,
}

async fn track_lookup(Query(q): Query<TrackQuery>) -> Redirect {
    match q.code.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty() && c.len() <= 32) {
        Some(code) => Redirect::to(&format!("/track/{}", urlencoding(&code))),
        None => Redirect::to("/citizen"),
    }
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The public page of a tracking code: the case's course, no one's personal data.
async fn track_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    if code.len() > 32 {
        return Err(AppError::NotFound.into());
    }
    let mut r = state.store.appeal_by_tracking_code(&code).await?;
    r.reporter_phone = None;
    r.reporter_name = String::new();
    let ui = Ui { lang: Lang::from_headers(&headers), actor: None, csrf: String::new() };
    // No attachments: photos of a place and of people are for the reporter and staff only.
    render(case_page(ui, r, &state, None, None, AddForm::default()))
}
