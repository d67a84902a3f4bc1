//! 人民调解: mediation bodies, mediators and cases. A case is its append-only
//! `mediation_events`; the `mediation_cases` row holds their fold (the snapshot) and the
//! columns lists and figures read. Every change is one transaction: the events, the row
//! (version-checked), the parties' keys and the audit event. Evidence files are in
//! [`evidence`]; after-care reminders in [`reminders`];
//! the "德为民" brands in [`brands`].

mod bodies;
mod brands;
mod evidence;
mod reminders;

pub use bodies::check_body_kind;
pub use brands::{BrandPage, MediationBrand};
pub use evidence::Evidence;
pub use reminders::{ReminderKind, ReminderPass, reminder_text};

use crate::{BeginWrite, Db, Result, Store, StoreError, now_ms, on_pool, write_audit};
use chrono::NaiveDate;
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::appeal::ErrorClass;
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::to_china;
use pingan_domain::mediation::{
    self, BodyKind, CaseFacts, CaseSource, DisputeType, Industry, Judicial, MediationCommand, MediationError,
    MediationEvent, MediationFigures, MediationLevel, MediationSnapshot, MediationState, NewMediationCase, Party,
    PartySide, RawParty, RiskFactors, RiskLevel,
};
use pingan_domain::personal::{mask_name, mask_phone};
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// `insert_alerts!(tx, now_ms, case_id, &[account_id], &text)`: a high-risk alert about a case
/// in each account's inbox.
macro_rules! insert_alerts {
    ($tx:expr, $now:expr, $case_id:expr, $accounts:expr, $text:expr) => {
        for account in $accounts {
            sqlx::query(
                "INSERT INTO notifications (created_ms, appeal_id, mediation_case_id, audience, account_id, org_id, phone, kind, text)
                 VALUES ($1, NULL, $2, 'staff', $3, NULL, NULL, 'mediation_high_risk', $4)",
            )
            .bind($now)
            .bind($case_id)
            .bind(account)
            .bind($text)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Specialties as stored: dispute type codes, comma-separated.
pub fn specialties_text(types: &[DisputeType]) -> String {
    types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
}

fn parse_specialties(s: &str) -> Vec<DisputeType> {
    s.split(',').filter_map(DisputeType::parse).collect()
}

pub use crate::china_today;

/// Earlier disputes that make a new one "repeated": within this many days.
const REPEAT_WINDOW_DAYS: i64 = 365;

/// A mediation body: a `mediation_committee` organisation with what it is.
#[derive(Debug, Clone, Serialize)]
pub struct MediationBody {
    pub org_id: i64,
    pub name: String,
    pub kind: BodyKind,
    pub industry: Option<Industry>,
    pub level: MediationLevel,
    pub region_id: i64,
    pub region_name: String,
    #[serde(skip)]
    pub region_path: RegionPath,
}

#[derive(sqlx::FromRow)]
struct BodyRecord {
    org_id: i64,
    name: String,
    kind: Option<String>,
    industry: Option<String>,
    region_id: i64,
    region_name: String,
    region_level: String,
    region_path: String,
}

impl TryFrom<BodyRecord> for MediationBody {
    type Error = StoreError;
    fn try_from(r: BodyRecord) -> Result<MediationBody> {
        let level = RegionLevel::parse(&r.region_level)
            .map_err(|_| StoreError::Corrupt(format!("region level {}", r.region_level)))?;
        let level = MediationLevel::of_region(level);
        let kind = match r.kind.as_deref().and_then(BodyKind::parse) {
            Some(k) => k,
            None => match level {
                MediationLevel::Village => BodyKind::Village,
                MediationLevel::Township => BodyKind::Township,
                MediationLevel::County => BodyKind::County,
            },
        };
        Ok(MediationBody {
            org_id: r.org_id,
            name: r.name,
            kind,
            industry: r.industry.as_deref().and_then(Industry::parse),
            level,
            region_id: r.region_id,
            region_name: r.region_name,
            region_path: RegionPath::parse(&r.region_path).ok_or_else(|| StoreError::Corrupt("region path".into()))?,
        })
    }
}

const BODY_SELECT: &str = "SELECT o.id AS org_id, o.name, b.kind, b.industry, r.id AS region_id, r.name AS region_name,
        r.level AS region_level, r.path AS region_path
   FROM orgs o JOIN regions r ON r.id = o.region_id LEFT JOIN mediation_bodies b ON b.org_id = o.id
  WHERE o.kind = 'mediation_committee' AND o.retired_at IS NULL";

/// A mediator as lists show them (phone masked) with their open caseload.
#[derive(Debug, Clone, Serialize)]
pub struct Mediator {
    pub id: i64,
    pub body_org_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub specialties: Vec<DisputeType>,
    pub active: bool,
    pub open_cases: i64,
}

#[derive(sqlx::FromRow)]
struct MediatorRecord {
    id: i64,
    body_org_id: i64,
    name: String,
    phone: Option<String>,
    specialties: String,
    active: bool,
    open_cases: i64,
}

impl From<MediatorRecord> for Mediator {
    fn from(r: MediatorRecord) -> Mediator {
        Mediator {
            id: r.id,
            body_org_id: r.body_org_id,
            name: r.name,
            phone: r.phone.as_deref().map(mask_phone),
            specialties: parse_specialties(&r.specialties),
            active: r.active,
            open_cases: r.open_cases,
        }
    }
}

const MEDIATOR_SELECT: &str = "SELECT m.id, m.body_org_id, m.name, m.phone, m.specialties, m.active,
        (SELECT count(*) FROM mediation_cases c WHERE c.mediator_id = m.id AND c.state IN ('registered', 'mediating')) AS open_cases
   FROM mediators m";

/// A new mediator of a body.
#[derive(Debug, Clone)]
pub struct NewMediator {
    pub body_org_id: i64,
    pub name: String,
    pub phone: Option<pingan_domain::personal::Phone>,
    pub specialties: Vec<DisputeType>,
}

/// Changes to a mediator: only what is given changes.
#[derive(Debug, Clone, Default)]
pub struct MediatorPatch {
    /// A mediator who stops (retires, moves away) keeps their history and leaves the roster:
    /// no new cases are suggested to them or may be assigned.
    pub active: Option<bool>,
    pub specialties: Option<Vec<DisputeType>>,
}

/// What opening a case asks for; the store fills in what an appeal carries.
#[derive(Debug, Clone, Default)]
pub struct OpenMediation {
    /// 转调解: open from this appeal (its place, type, facts and reporter carry over).
    pub appeal_id: Option<i64>,
    /// The place of the dispute (a grid or village), unless it comes from an appeal.
    pub region_id: Option<i64>,
    /// `patrol` (排查) or `application` (申请); ignored with an appeal.
    pub source: Option<String>,
    /// The body to hear it; default: the village committee of the place (or the industry
    /// committee of the county for a type that has one and no village committee).
    pub body_org_id: Option<i64>,
    pub dispute_type: Option<String>,
    pub summary: Option<String>,
    /// Amount in dispute in yuan (two decimals at most).
    pub amount_yuan: Option<f64>,
    pub parties: Vec<RawParty>,
    pub consents: Vec<String>,
    pub risk: RiskFactors,
}

/// A party as shown: name by surname for persons, ID number and phone masked.
#[derive(Debug, Clone, Serialize)]
pub struct PartyView {
    pub side: PartySide,
    pub side_zh: &'static str,
    pub kind: mediation::PartyKind,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: String,
}

impl PartyView {
    /// Masked (DOMAIN §9); `full_name` keeps the whole name, for those handling the case.
    pub fn of(p: &Party, full_name: bool) -> PartyView {
        PartyView {
            side: p.side,
            side_zh: p.side.zh(),
            kind: p.kind,
            name: if full_name { p.name.clone() } else { p.display_name() },
            id_number: p.masked_id(),
            phone: p.phone.as_ref().map(|x| x.masked()),
            address: p.address.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredMediationEvent {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_name: String,
    #[serde(flatten)]
    pub event: MediationEvent,
}

/// One case with its history, as an allowed viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MediationCase {
    pub id: i64,
    pub case_no: String,
    pub version: i64,
    pub region_id: i64,
    pub place: String,
    pub body_org_id: i64,
    pub body_name: String,
    pub appeal_id: Option<i64>,
    pub parties: Vec<PartyView>,
    /// The snapshot, its parties cleared (they are in `parties`, masked).
    pub snapshot: MediationSnapshot,
    pub events: Vec<StoredMediationEvent>,
}

/// A row of a case list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MediationListItem {
    pub id: i64,
    pub case_no: String,
    pub state: String,
    pub dispute_type: String,
    pub level: String,
    pub risk_level: String,
    pub body_name: String,
    pub place: String,
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct MediationFilter {
    pub state: Option<MediationState>,
    /// Only cases still being mediated (the high-risk board: open and high until defused).
    pub open_only: bool,
    pub risk_level: Option<String>,
    pub body_org_id: Option<i64>,
    pub mediator_id: Option<i64>,
    pub queue: Option<AfterCareQueue>,
    pub limit: i64,
    pub offset: i64,
}

/// The after-care queues of agreed cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCareQueue {
    /// 待回访: the performance date has passed and no follow-up visit has a result.
    FollowUpDue,
    /// 司法确认即将届满: the 30-day window ends within a week and nobody has applied.
    JudicialWindowClosing,
}

impl AfterCareQueue {
    /// Days before the end of the judicial window from which a case is listed.
    pub const JUDICIAL_NOTICE_DAYS: i64 = 7;

    pub fn parse(s: &str) -> Option<AfterCareQueue> {
        match s {
            "follow_up_due" => Some(AfterCareQueue::FollowUpDue),
            "judicial_window" => Some(AfterCareQueue::JudicialWindowClosing),
            _ => None,
        }
    }
}

/// How figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiguresGroup {
    /// One row: everything in scope.
    Total,
    County,
    Township,
    /// The body that holds the case now.
    Body,
    Mediator,
}

impl FiguresGroup {
    pub fn parse(s: &str) -> Option<FiguresGroup> {
        Some(match s {
            "total" => FiguresGroup::Total,
            "county" => FiguresGroup::County,
            "township" => FiguresGroup::Township,
            "body" => FiguresGroup::Body,
            "mediator" => FiguresGroup::Mediator,
            _ => return None,
        })
    }
}

/// Which cases figures count, within the actor's scope: those of a region's subtree, of a
/// body (holding them now), of a mediator; all when empty.
#[derive(Debug, Clone, Default)]
pub struct FiguresSubset {
    pub region: Option<RegionPath>,
    pub body_org_id: Option<i64>,
    pub mediator_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FiguresRow {
    pub key: Option<i64>,
    pub name: String,
    pub figures: MediationFigures,
}

fn refusal(e: MediationError) -> StoreError {
    match (e.class, e.field) {
        (ErrorClass::BadRequest, field) => {
            StoreError::Invalid(vec![FieldError::new(field.unwrap_or("command"), e.message)])
        }
        (class, _) => StoreError::Refused { status: class.status(), message: e.message },
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, message)])
}

/// The key that finds the same party in another case: its identity number, or its name and
/// phone, hashed (the number is not stored twice).
fn party_key(p: &Party) -> String {
    let basis = match (&p.id_number, &p.phone) {
        (Some(id), _) => format!("id:{}", id.as_str()),
        (None, Some(phone)) => format!("np:{}:{}", p.name, phone.as_str()),
        (None, None) => format!("n:{}", p.name),
    };
    hex::encode(Sha256::digest(basis.as_bytes()))
}

fn require(actor: &Actor, action: Action) -> Result<()> {
    actor.require(action, Resource::Mediation).map_err(StoreError::from)
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    case_no: String,
    version: i64,
    region_id: i64,
    region_path: String,
    place: String,
    body_org_id: i64,
    body_name: String,
    appeal_id: Option<i64>,
    snapshot: String,
}

impl Store {
    /// The mediation bodies that can hear a dispute at `place` (a region path): the committees
    /// of the place's village, township and county, and the county's industry committees.
    pub async fn mediation_bodies_for_place(&self, place: &RegionPath) -> Result<Vec<MediationBody>> {
        let ids = place.ids();
        let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!("{BODY_SELECT} AND o.region_id IN ({list}) ORDER BY r.path DESC, o.id");
        let rows: Vec<BodyRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        rows.into_iter().map(MediationBody::try_from).collect()
    }

    /// Mediation bodies in the actor's scope (optionally of one region), by level then name.
    pub async fn mediation_bodies(&self, actor: &Actor, region_id: Option<i64>) -> Result<Vec<MediationBody>> {
        require(actor, Action::Read)?;
        let sql = format!(
            "{BODY_SELECT} AND r.path >= $1 AND r.path < $2 AND ($3 IS NULL OR o.region_id = $3) ORDER BY r.path, o.id LIMIT 5000"
        );
        let rows: Vec<BodyRecord> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(actor.scope.region.as_str())
            .bind(actor.scope.region.subtree_end())
            .bind(region_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(MediationBody::try_from).collect()
    }

    async fn mediation_body(&self, org_id: i64) -> Result<MediationBody> {
        let sql = format!("{BODY_SELECT} AND o.id = $1");
        let row: Option<BodyRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(org_id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The mediators of a body, with their open caseload.
    pub async fn mediators(&self, actor: &Actor, body_org_id: i64) -> Result<Vec<Mediator>> {
        require(actor, Action::Read)?;
        let body = self.mediation_body(body_org_id).await?;
        if !actor.scope.covers_region(&body.region_path) && !body.region_path.contains(&actor.scope.region) {
            return Err(StoreError::NotFound);
        }
        let sql = format!("{MEDIATOR_SELECT} WHERE m.body_org_id = $1 ORDER BY m.id");
        let rows: Vec<MediatorRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(body_org_id).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Mediator::from).collect())
    }

    /// One mediator with their body, if the body is in the actor's scope or above it (as
    /// for [`Store::mediators`]).
    pub async fn mediator(&self, actor: &Actor, id: i64) -> Result<(Mediator, MediationBody)> {
        require(actor, Action::Read)?;
        let sql = format!("{MEDIATOR_SELECT} WHERE m.id = $1");
        let row: Option<MediatorRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let mediator = Mediator::from(row.ok_or(StoreError::NotFound)?);
        let body = self.mediation_body(mediator.body_org_id).await?;
        if !actor.scope.covers_region(&body.region_path) && !body.region_path.contains(&actor.scope.region) {
            return Err(StoreError::NotFound);
        }
        Ok((mediator, body))
    }

    /// Change a mediator of a body in the actor's scope (stop or restart them, their
    /// specialties); audited.
    pub async fn update_mediator(&self, actor: &Actor, id: i64, patch: &MediatorPatch) -> Result<Mediator> {
        require(actor, Action::Update)?;
        if patch.active.is_none() && patch.specialties.is_none() {
            return Err(invalid("active", "没有要修改的内容 / nothing to change"));
        }
        let (before, body) = self.mediator(actor, id).await?;
        actor.authorize(
            Action::Update,
            Resource::Mediation,
            &Placement { region: &body.region_path, org_id: Some(body.org_id) },
        )?;
        let active = patch.active.unwrap_or(before.active);
        let specialties = patch.specialties.clone().unwrap_or_else(|| before.specialties.clone());
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Only what the patch names, so a colleague's change to the other field stands.
            sqlx::query(
                "UPDATE mediators SET active = COALESCE($1, active), specialties = COALESCE($2, specialties) WHERE id = $3",
            )
            .bind(patch.active)
            .bind(patch.specialties.as_deref().map(specialties_text))
            .bind(id)
                .execute(&mut *tx)
                .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "mediator.update".into(),
                target_kind: "mediator".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({"active": before.active, "specialties": specialties_text(&before.specialties)}),
                after: serde_json::json!({"active": active, "specialties": specialties_text(&specialties)}),
            };
            write_audit!(&mut *tx, &event, body.region_path.as_str())?;
            tx.commit().await?;
        });
        Ok(self.mediator(actor, id).await?.0)
    }

    /// Add a mediator to a body in the actor's scope; audited.
    pub async fn create_mediator(&self, actor: &Actor, new: &NewMediator) -> Result<Mediator> {
        require(actor, Action::Create)?;
        let body = self.mediation_body(new.body_org_id).await.map_err(|e| match e {
            StoreError::NotFound => invalid("body_org_id", "没有这个调解组织 / no such mediation body"),
            e => e,
        })?;
        actor.authorize(
            Action::Create,
            Resource::Mediation,
            &Placement { region: &body.region_path, org_id: Some(body.org_id) },
        )?;
        let name = new.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(invalid(
                "name",
                "请填写调解员姓名(不超过 50 字) / the mediator's name is required (at most 50 characters)",
            ));
        }
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO mediators (body_org_id, name, phone, specialties, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(body.org_id)
            .bind(&name)
            .bind(new.phone.as_ref().map(|p| p.as_str().to_owned()))
            .bind(specialties_text(&new.specialties))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "mediator.create".into(),
                target_kind: "mediator".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "body_org_id": body.org_id, "name": mask_name(&name),
                    "specialties": specialties_text(&new.specialties),
                }),
            };
            write_audit!(&mut *tx, &event, body.region_path.as_str())?;
            tx.commit().await?;
            id
        });
        let sql = format!("{MEDIATOR_SELECT} WHERE m.id = $1");
        let row: MediatorRecord = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?;
        Ok(row.into())
    }

    /// The mediator a case's body would best give it: one with the dispute type among their
    /// specialties first, then the lightest open caseload, then the longest serving.
    pub async fn suggest_mediator(&self, actor: &Actor, case_id: i64) -> Result<Option<Mediator>> {
        let (row, snapshot) = self.readable_case(actor, case_id).await?;
        let mediators = self.mediators(actor, row.body_org_id).await?;
        let t = snapshot.dispute_type;
        Ok(mediators.into_iter().filter(|m| m.active).min_by_key(|m| (!m.specialties.contains(&t), m.open_cases, m.id)))
    }

    /// Open a case (转调解 from an appeal, 排查, or an application at a body).
    pub async fn open_mediation(&self, actor: &Actor, req: &OpenMediation) -> Result<MediationCase> {
        require(actor, Action::Create)?;
        let today = china_today();
        let mut errors = Vec::new();
        // What an appeal carries over.
        let (source, region_id, mut dispute_type, mut summary, applicant) = match req.appeal_id {
            Some(appeal_id) => {
                let record = self.appeal(actor, appeal_id).await.map_err(|e| match e {
                    StoreError::NotFound => {
                        invalid("appeal_id", "没有这件诉求,或您无权查看 / no such appeal in your scope")
                    }
                    e => e,
                })?;
                let category = record.snapshot.category.as_str().to_owned();
                let Some(t) = DisputeType::from_appeal_category(&category) else {
                    return Err(invalid(
                        "appeal_id",
                        &format!(
                            "只有矛盾纠纷类诉求(A01–A06)可转调解,此件为 {category} / only dispute appeals (A01–A06) go to mediation"
                        ),
                    ));
                };
                // The reporter becomes the applicant, unmasked: they asked for help with this.
                let reporter = self.appeal_reporter(appeal_id).await?;
                (CaseSource::Appeal, record.region_id, Some(t), Some(record.text.clone()), reporter)
            }
            None => {
                let source = match req.source.as_deref().unwrap_or("application") {
                    "patrol" => CaseSource::Patrol,
                    "application" => CaseSource::Application,
                    _ => {
                        errors.push(FieldError::new(
                            "source",
                            "须为 patrol(排查)或 application(申请) / must be patrol or application",
                        ));
                        CaseSource::Application
                    }
                };
                let Some(region_id) = req.region_id else {
                    return Err(invalid("region_id", "请选择纠纷发生地 / choose where the dispute is"));
                };
                (source, region_id, None, None, None)
            }
        };
        if let Some(t) = req.dispute_type.as_deref().filter(|s| !s.trim().is_empty()) {
            match DisputeType::parse(t.trim()) {
                Some(t) => dispute_type = Some(t),
                None => errors.push(FieldError::new("dispute_type", "未知的纠纷类型 / unknown dispute type")),
            }
        }
        if dispute_type.is_none() && errors.is_empty() {
            errors.push(FieldError::new("dispute_type", "请选择纠纷类型 / choose the dispute type"));
        }
        if let Some(s) = req.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            summary = Some(s.trim().to_owned());
        }
        let amount_fen = match req.amount_yuan {
            Some(a) if !a.is_finite() || !(0.0..=1e12).contains(&a) => {
                errors.push(FieldError::new(
                    "amount",
                    "争议金额须为 0 至 1 万亿元之间的数 / the amount must be between 0 and 10^12 yuan",
                ));
                None
            }
            Some(a) => Some((a * 100.0).round() as i64),
            None => None,
        };
        let mut raw_parties = req.parties.clone();
        if !raw_parties.iter().any(|p| p.side.trim() == "applicant")
            && let Some(p) = applicant
        {
            raw_parties.insert(0, p);
        }
        let parties = match mediation::parse_parties(&raw_parties) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        let mut consents = Vec::new();
        for c in &req.consents {
            match PartySide::parse(c.trim()) {
                Some(side) if !consents.contains(&side) => consents.push(side),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "consents",
                    "须为 applicant 或 respondent / must be applicant or respondent",
                )),
            }
        }
        let place = self.region(&actor.scope, region_id).await.map_err(|e| match e {
            StoreError::NotFound => invalid("region_id", "纠纷发生地不在您的辖区内 / the place is not in your scope"),
            e => e,
        })?;
        if place.retired {
            errors.push(FieldError::new("region_id", "该区划已撤销 / this region is retired"));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let (Some(dispute_type), Some(parties)) = (dispute_type, parties) else {
            unreachable!("errors were reported above")
        };
        actor.authorize(Action::Create, Resource::Mediation, &Placement { region: &place.path, org_id: None })?;
        let bodies = self.mediation_bodies_for_place(&place.path).await?;
        let body = match req.body_org_id {
            Some(id) => bodies.into_iter().find(|b| b.org_id == id).ok_or_else(|| {
                invalid(
                    "body_org_id",
                    "该调解组织不负责纠纷发生地 / that mediation body does not serve the place of the dispute",
                )
            })?,
            None => default_body(bodies, dispute_type).ok_or_else(|| {
                invalid("body_org_id", "纠纷发生地没有人民调解组织,请先设立 / no mediation body serves this place")
            })?,
        };
        // Repeated disputes: the same parties, or the same village, within a year.
        let keys: Vec<String> = parties.iter().map(party_key).collect();
        let since = now_ms() - REPEAT_WINDOW_DAYS * 86_400_000;
        let village_path = village_prefix(&place.path);
        let earlier = self.earlier_disputes(&keys, village_path.as_deref(), since).await?;
        let mut risk = req.risk;
        risk.earlier_cases = risk.earlier_cases.max(earlier as u32);
        risk.people = risk.people.max(parties.len() as u32);
        let new_case = NewMediationCase {
            source,
            dispute_type,
            level: body.level,
            body_id: body.org_id,
            body_name: body.name.clone(),
            appeal_id: req.appeal_id,
            summary: summary.unwrap_or_default(),
            amount_fen,
            parties,
            consents,
            risk,
        };
        let opened = mediation::open(new_case, today).map_err(refusal)?;
        let snapshot = mediation::opened(&opened).expect("an Opened event opens");
        let alerted = if snapshot.risk.level == RiskLevel::High {
            self.township_dispatchers(&place.path).await?
        } else {
            Vec::new()
        };
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let seq: i64 = sqlx::query_scalar("SELECT count(*) FROM mediation_cases WHERE opened_ms >= $1")
                .bind(year_start_ms(today))
                .fetch_one(&mut *tx)
                .await?;
            let case_no = format!("调〔{}〕{}号", today.format("%Y"), seq + 1);
            let alert_text = high_risk_alert(&case_no, &place.name, &snapshot);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO mediation_cases (case_no, region_id, region_path, body_org_id, level, state, dispute_type, source,
                        appeal_id, mediator_id, risk_level, opened_ms, updated_ms, version, snapshot, violent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $11, 1, $12, $13) RETURNING id",
            )
            .bind(&case_no)
            .bind(place.id)
            .bind(place.path.as_str())
            .bind(body.org_id)
            .bind(body.level.as_str())
            .bind(snapshot.state.as_str())
            .bind(dispute_type.as_str())
            .bind(source.as_str())
            .bind(req.appeal_id)
            .bind(snapshot.risk.level.as_str())
            .bind(now)
            .bind(serde_json::to_string(&snapshot).expect("serialisable"))
            .bind(snapshot.risk_factors.violence)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() && req.appeal_id.is_some() => {
                    StoreError::Conflict("这件诉求已转调解 / this appeal already has a mediation case".into())
                }
                _ => StoreError::from(e),
            })?;
            sqlx::query("INSERT INTO mediation_events (case_id, seq, at_ms, kind, actor_id, body) VALUES ($1, 1, $2, 'opened', $3, $4)")
                .bind(id)
                .bind(now)
                .bind(actor.account_id)
                .bind(serde_json::to_string(&opened).expect("serialisable"))
                .execute(&mut *tx)
                .await?;
            let mut unique_keys = keys.clone();
            unique_keys.sort();
            unique_keys.dedup();
            for key in &unique_keys {
                sqlx::query("INSERT INTO mediation_parties (case_id, party_key) VALUES ($1, $2)")
                    .bind(id)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_alerts!(tx, now, id, &alerted, &alert_text);
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "mediation.open".into(),
                target_kind: "mediation_case".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "case_no": case_no, "source": source.as_str(), "appeal_id": req.appeal_id,
                    "body_org_id": body.org_id, "dispute_type": dispute_type.as_str(),
                    "risk": snapshot.risk.level.as_str(),
                }),
            };
            write_audit!(&mut *tx, &event, place.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.mediation_case(actor, id).await
    }

    /// The reporter of an appeal as an applicant (name and phone in clear), if named.
    async fn appeal_reporter(&self, appeal_id: i64) -> Result<Option<RawParty>> {
        let row: Option<(String, Option<String>, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT reporter_name, reporter_phone, address FROM appeals WHERE id = $1"
        )
        .bind(appeal_id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.filter(|(name, _, _)| !name.trim().is_empty()).map(|(name, phone, address)| RawParty {
            side: "applicant".into(),
            kind: Some("person".into()),
            name,
            id_number: None,
            phone,
            address: Some(address),
        }))
    }

    async fn earlier_disputes(&self, keys: &[String], village_path: Option<&str>, since_ms: i64) -> Result<i64> {
        let list = keys.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
        // The keys are hex digests made here, safe to inline.
        let by_party = format!(
            "SELECT count(DISTINCT c.id) FROM mediation_parties p JOIN mediation_cases c ON c.id = p.case_id
              WHERE p.party_key IN ({list}) AND c.opened_ms >= $1"
        );
        let parties: i64 = if keys.is_empty() {
            0
        } else {
            on_pool!(&self.db, |pool| sqlx::query_scalar(&by_party).bind(since_ms).fetch_one(pool).await)?
        };
        let place: i64 = match village_path {
            Some(path) => on_pool!(&self.db, |pool| {
                sqlx::query_scalar(
                "SELECT count(*) FROM mediation_cases WHERE region_path >= $1 AND region_path < $2 AND opened_ms >= $3"
            )
            .bind(path)
            .bind(format!("{path}~"))
            .bind(since_ms)
            .fetch_one(pool)
            .await
            })?,
            None => 0,
        };
        // Several disputes a year in one village are normal; three or more at the same place
        // count as repetition.
        Ok(parties.max(if place >= 3 { place } else { 0 }))
    }

    /// The township's dispatchers (综治中心), who receive high-risk alerts for a place.
    async fn township_dispatchers(&self, place: &RegionPath) -> Result<Vec<i64>> {
        // The place's township is whichever of its ancestors is one: ids from the stored path,
        // safe to inline.
        let ids = place.ids().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT a.id FROM accounts a JOIN regions r ON r.id = a.region_id
              WHERE a.role = 'township_dispatcher' AND NOT a.disabled AND r.level = 'township' AND r.id IN ({ids})
              ORDER BY a.id"
        );
        let found: Vec<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(&sql).fetch_all(pool).await)?;
        Ok(found)
    }

    async fn case_row(&self, id: i64) -> Result<CaseRow> {
        let row: Option<CaseRow> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT c.id, c.case_no, c.version, c.region_id, c.region_path, r.name AS place, c.body_org_id,
                    o.name AS body_name, c.appeal_id, c.snapshot
               FROM mediation_cases c JOIN regions r ON r.id = c.region_id JOIN orgs o ON o.id = c.body_org_id
              WHERE c.id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// A case's row and snapshot, if the actor may read cases and this one lies in their scope.
    async fn readable_case(&self, actor: &Actor, id: i64) -> Result<(CaseRow, MediationSnapshot)> {
        require(actor, Action::Read)?;
        let row = self.case_row(id).await?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("case path".into()))?;
        if !actor.scope.covers_region(&path) {
            return Err(StoreError::NotFound);
        }
        let snapshot =
            serde_json::from_str(&row.snapshot).map_err(|e| StoreError::Corrupt(format!("mediation snapshot: {e}")))?;
        Ok((row, snapshot))
    }

    /// Where a case the actor may change lies, and whether it is still open: for those who
    /// join it (the 五老 asked to help).
    pub(crate) async fn changeable_case_place(&self, actor: &Actor, id: i64) -> Result<(RegionPath, bool)> {
        require(actor, Action::Update)?;
        let (row, snapshot) = self.readable_case(actor, id).await?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("case path".into()))?;
        Ok((path, snapshot.state.is_open()))
    }

    /// That the actor may read case `id`.
    pub async fn check_case_readable(&self, actor: &Actor, id: i64) -> Result<()> {
        self.readable_case(actor, id).await.map(|_| ())
    }

    /// One case with its history, if it lies in the actor's scope.
    pub async fn mediation_case(&self, actor: &Actor, id: i64) -> Result<MediationCase> {
        let (row, mut snapshot) = self.readable_case(actor, id).await?;
        let events: Vec<(i64, i64, Option<String>, String)> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT e.seq, e.at_ms, a.display_name, e.body FROM mediation_events e LEFT JOIN accounts a ON a.id = e.actor_id
              WHERE e.case_id = $1 ORDER BY e.seq"
        )
        .bind(id)
        .fetch_all(pool)
        .await
        })?;
        let mut stored = Vec::with_capacity(events.len());
        for (seq, at_ms, actor_name, body) in events {
            let mut event: MediationEvent =
                serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("mediation event: {e}")))?;
            // The parties are shown once, masked, not in the history.
            if let MediationEvent::Opened { case, .. } = &mut event {
                case.parties.clear();
            }
            stored.push(StoredMediationEvent { seq, at_ms, actor_name: actor_name.unwrap_or_default(), event });
        }
        let handles = actor.permits(Action::Update, Resource::Mediation);
        let parties = snapshot.parties.iter().map(|p| PartyView::of(p, handles)).collect();
        snapshot.parties.clear();
        Ok(MediationCase {
            id: row.id,
            case_no: row.case_no,
            version: row.version,
            region_id: row.region_id,
            place: row.place,
            body_org_id: row.body_org_id,
            body_name: row.body_name,
            appeal_id: row.appeal_id,
            parties,
            snapshot,
            events: stored,
        })
    }

    /// The mediation case opened from an appeal (转调解), if any and if the actor may see it.
    pub async fn mediation_case_for_appeal(&self, actor: &Actor, appeal_id: i64) -> Result<Option<i64>> {
        if !actor.permits(Action::Read, Resource::Mediation) {
            return Ok(None);
        }
        let row: Option<(i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, region_path FROM mediation_cases WHERE appeal_id = $1"
        )
        .bind(appeal_id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.and_then(|(id, path)| RegionPath::parse(&path).filter(|p| actor.scope.covers_region(p)).map(|_| id)))
    }

    /// The full parties of a case, for its agreement document (the caller masks what it prints).
    pub async fn mediation_parties(&self, actor: &Actor, id: i64) -> Result<Vec<Party>> {
        Ok(self.readable_case(actor, id).await?.1.parties)
    }

    /// Carry out a command on a case whose version the caller saw.
    pub async fn act_on_mediation(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        command: MediationCommandRequest,
    ) -> Result<MediationCase> {
        require(actor, Action::Update)?;
        let row = self.case_row(id).await?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("case path".into()))?;
        if !actor.scope.covers_region(&path) {
            return Err(StoreError::NotFound);
        }
        actor.authorize(
            Action::Update,
            Resource::Mediation,
            &Placement { region: &path, org_id: Some(row.body_org_id) },
        )?;
        if version != row.version {
            return Err(StoreError::Conflict(
                "案件已被他人更新,请刷新后重试 / someone else updated this case since you opened it: reload and retry"
                    .into(),
            ));
        }
        let before: MediationSnapshot =
            serde_json::from_str(&row.snapshot).map_err(|e| StoreError::Corrupt(format!("mediation snapshot: {e}")))?;
        let command = self.resolve_command(&before, &path, command).await?;
        let today = china_today();
        let events = mediation::decide(&before, &command, today).map_err(refusal)?;
        let mut after = before.clone();
        for e in &events {
            mediation::apply(&mut after, e);
        }
        let alerted = if after.risk.level == RiskLevel::High && before.risk.level != RiskLevel::High {
            self.township_dispatchers(&path).await?
        } else {
            Vec::new()
        };
        let alert_text = high_risk_alert(&row.case_no, &row.place, &after);
        let now = now_ms();
        let new_version = row.version + events.len() as i64;
        let mediator_id = after.mediator.as_ref().map(|(id, _)| *id);
        let judicial = judicial_code(after.judicial);
        let performance = performance_code(after.performance);
        let closed_ms = after.closed_on.map(|d| if before.closed_on == Some(d) { None } else { Some(now) });
        let (follow_up_due, judicial_due) = due_columns(&after);
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE mediation_cases SET body_org_id = $1, level = $2, state = $3, mediator_id = $4, risk_level = $5,
                        closed_ms = CASE WHEN $6 THEN NULL WHEN $7 IS NULL THEN closed_ms ELSE $7 END,
                        resolved_level = $8, judicial = $9, performance = $10, updated_ms = $11, version = $12, snapshot = $13,
                        follow_up_due_ms = $16, judicial_due_ms = $17, violent = $18
                  WHERE id = $14 AND version = $15",
            )
            .bind(after.body_id())
            .bind(after.level().as_str())
            .bind(after.state.as_str())
            .bind(mediator_id)
            .bind(after.risk.level.as_str())
            .bind(after.closed_on.is_none())
            .bind(closed_ms.flatten())
            .bind(after.resolved_level.map(|l| l.as_str()))
            .bind(judicial)
            .bind(performance)
            .bind(now)
            .bind(new_version)
            .bind(serde_json::to_string(&after).expect("serialisable"))
            .bind(id)
            .bind(row.version)
            .bind(follow_up_due)
            .bind(judicial_due)
            .bind(after.risk_factors.violence)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict(
                    "案件刚被他人更新,请刷新后重试 / someone else just updated this case: reload and retry".into(),
                ));
            }
            for (i, e) in events.iter().enumerate() {
                let body = serde_json::to_value(e).expect("serialisable");
                let kind = body.get("kind").and_then(|k| k.as_str()).unwrap_or("event").to_owned();
                sqlx::query("INSERT INTO mediation_events (case_id, seq, at_ms, kind, actor_id, body) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id)
                    .bind(row.version + 1 + i as i64)
                    .bind(now)
                    .bind(&kind)
                    .bind(actor.account_id)
                    .bind(body.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            insert_alerts!(tx, now, id, &alerted, &alert_text);
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: format!("mediation.{}", command.name()),
                target_kind: "mediation_case".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "state": before.state.as_str(), "level": before.level().as_str(), "version": row.version }),
                after: serde_json::json!({ "state": after.state.as_str(), "level": after.level().as_str(), "version": new_version }),
            };
            write_audit!(&mut *tx, &event, row.region_path.as_str())?;
            tx.commit().await?;
        });
        self.mediation_case(actor, id).await
    }

    /// Turn a request into a command, checking what only the database knows: the mediator
    /// belongs to the case's body, the escalation target serves the place one level up.
    async fn resolve_command(
        &self,
        s: &MediationSnapshot,
        place: &RegionPath,
        req: MediationCommandRequest,
    ) -> Result<MediationCommand> {
        Ok(match req {
            MediationCommandRequest::Domain(c) => c,
            MediationCommandRequest::AssignMediator { mediator_id } => {
                let m: Option<(i64, String, bool)> = on_pool!(&self.db, |pool| sqlx::query_as(
                    "SELECT body_org_id, name, active FROM mediators WHERE id = $1"
                )
                .bind(mediator_id)
                .fetch_optional(pool)
                .await)?;
                match m {
                    Some((body, name, true)) if body == s.body_id() => {
                        MediationCommand::AssignMediator { mediator_id, mediator_name: name }
                    }
                    Some((_, _, false)) => {
                        return Err(invalid("mediator_id", "该调解员已停用 / this mediator is inactive"));
                    }
                    Some(_) => {
                        return Err(invalid(
                            "mediator_id",
                            "该调解员不属于承办此案的调解组织 / this mediator does not belong to the body hearing the case",
                        ));
                    }
                    None => return Err(invalid("mediator_id", "没有这位调解员 / no such mediator")),
                }
            }
            MediationCommandRequest::Escalate { body_org_id, reason } => {
                let Some(next) = s.level().above() else {
                    return Err(StoreError::Refused {
                        status: 409,
                        message: "已在县级调处,不能再上移 / the case is already at county level, the highest".into(),
                    });
                };
                let bodies = self.mediation_bodies_for_place(place).await?;
                let body = match body_org_id {
                    Some(id) => bodies.into_iter().find(|b| b.org_id == id && b.level == next).ok_or_else(|| {
                        invalid(
                            "body_org_id",
                            "须选择服务纠纷发生地的上一级调解组织 / choose a body one level up that serves the place",
                        )
                    })?,
                    None => bodies
                        .into_iter()
                        .filter(|b| b.level == next)
                        .min_by_key(|b| (b.kind == BodyKind::Studio || b.kind == BodyKind::Industry, b.org_id))
                        .ok_or_else(|| {
                            invalid("body_org_id", "上一级没有人民调解组织 / no mediation body one level up")
                        })?,
                };
                MediationCommand::Escalate { to_level: body.level, body_id: body.org_id, body_name: body.name, reason }
            }
        })
    }

    /// Cases in the actor's scope, newest first, and how many match.
    pub async fn mediation_cases(&self, actor: &Actor, f: &MediationFilter) -> Result<(Vec<MediationListItem>, i64)> {
        require(actor, Action::Read)?;
        let open = if f.open_only { " AND c.state IN ('registered', 'mediating')" } else { "" };
        // Times are computed here, not taken from the request: safe to inline.
        let now = now_ms();
        let queue = match f.queue {
            None => String::new(),
            Some(AfterCareQueue::FollowUpDue) => format!(" AND c.follow_up_due_ms < {now}"),
            Some(AfterCareQueue::JudicialWindowClosing) => format!(
                " AND c.judicial_due_ms >= {now} AND c.judicial_due_ms < {}",
                now + AfterCareQueue::JUDICIAL_NOTICE_DAYS * 86_400_000
            ),
        };
        let filter = format!(
            "c.region_path >= $1 AND c.region_path < $2 AND ($3 IS NULL OR c.state = $3)
             AND ($4 IS NULL OR c.risk_level = $4) AND {body} AND {mediator}{open}{queue}",
            body = optional_equals("c.body_org_id", 5, f.body_org_id),
            mediator = optional_equals("c.mediator_id", 6, f.mediator_id),
        );
        let list = format!(
            "SELECT c.id, c.case_no, c.state, c.dispute_type, c.level, c.risk_level, o.name AS body_name, r.name AS place,
                    c.opened_ms, c.closed_ms
               FROM mediation_cases c JOIN orgs o ON o.id = c.body_org_id JOIN regions r ON r.id = c.region_id
              WHERE {filter} ORDER BY c.opened_ms DESC, c.id DESC LIMIT $7 OFFSET $8"
        );
        let count = format!("SELECT count(*) FROM mediation_cases c WHERE {filter}");
        let state = f.state.map(|s| s.as_str());
        let (rows, total) = on_pool!(&self.db, |pool| {
            let rows: Vec<MediationListItem> = sqlx::query_as(&list)
                .bind(actor.scope.region.as_str())
                .bind(actor.scope.region.subtree_end())
                .bind(state)
                .bind(f.risk_level.as_deref())
                .bind(f.body_org_id)
                .bind(f.mediator_id)
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(&count)
                .bind(actor.scope.region.as_str())
                .bind(actor.scope.region.subtree_end())
                .bind(state)
                .bind(f.risk_level.as_deref())
                .bind(f.body_org_id)
                .bind(f.mediator_id)
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        Ok((rows, total))
    }

    /// The figures of the cases opened in `from_ms..to_ms` in the actor's scope, grouped.
    pub async fn mediation_figures(
        &self,
        actor: &Actor,
        from_ms: i64,
        to_ms: i64,
        group: FiguresGroup,
        subset: &FiguresSubset,
    ) -> Result<(Vec<FiguresRow>, MediationFigures)> {
        require(actor, Action::Read)?;
        let scope = &actor.scope.region;
        let range = match &subset.region {
            None => scope,
            Some(r) if actor.scope.covers_region(r) => r,
            Some(r) if r.contains(scope) => scope,
            Some(_) => return Ok((Vec::new(), MediationFigures::default())),
        };
        #[derive(sqlx::FromRow)]
        struct FactRow {
            state: String,
            opened_ms: i64,
            closed_ms: Option<i64>,
            resolved_level: Option<String>,
            judicial: String,
            performance: String,
            region_path: String,
            body_org_id: i64,
            mediator_id: Option<i64>,
        }
        let sql = format!(
            "SELECT state, opened_ms, closed_ms, resolved_level, judicial, performance, region_path, body_org_id, mediator_id
               FROM mediation_cases
              WHERE region_path >= $1 AND region_path < $2 AND opened_ms >= $3 AND opened_ms < $4
                AND {} AND {}",
            optional_equals("body_org_id", 5, subset.body_org_id),
            optional_equals("mediator_id", 6, subset.mediator_id),
        );
        let rows: Vec<FactRow> = on_pool!(&self.db, |pool| {
            sqlx::query_as(&sql)
                .bind(range.as_str())
                .bind(range.subtree_end())
                .bind(from_ms)
                .bind(to_ms)
                .bind(subset.body_org_id)
                .bind(subset.mediator_id)
                .fetch_all(pool)
                .await
        })?;
        let mut groups: HashMap<Option<i64>, Vec<CaseFacts>> = HashMap::new();
        let mut all = Vec::with_capacity(rows.len());
        for r in rows {
            let state =
                MediationState::parse(&r.state).ok_or_else(|| StoreError::Corrupt(format!("state {}", r.state)))?;
            let facts = CaseFacts {
                state,
                opened_on: to_china(r.opened_ms).date(),
                closed_on: r.closed_ms.map(|ms| to_china(ms).date()),
                resolved_level: r.resolved_level.as_deref().and_then(MediationLevel::parse),
                judicial_confirmed: r.judicial == "confirmed",
                performance: match r.performance.as_str() {
                    "performed" => mediation::Performance::Performed,
                    "breached" => mediation::Performance::Breached,
                    _ => mediation::Performance::Pending,
                },
            };
            let key = match group {
                FiguresGroup::Total => None,
                // Paths are /city/county/township/…: the id at depth 2 or 3.
                FiguresGroup::County => path_id_at(&r.region_path, 1),
                FiguresGroup::Township => path_id_at(&r.region_path, 2),
                FiguresGroup::Body => Some(r.body_org_id),
                FiguresGroup::Mediator => r.mediator_id,
            };
            groups.entry(key).or_default().push(facts);
            all.push(facts);
        }
        let names = self.figure_names(group, groups.keys().filter_map(|k| *k).collect()).await?;
        let mut out: Vec<FiguresRow> = groups
            .into_iter()
            .map(|(key, facts)| FiguresRow {
                key,
                name: match key {
                    Some(k) => names.get(&k).cloned().unwrap_or_else(|| k.to_string()),
                    None if group == FiguresGroup::Total => "合计".into(),
                    None => "未指派 / unassigned".into(),
                },
                figures: MediationFigures::of(&facts),
            })
            .collect();
        out.sort_by(|a, b| (a.key.is_none(), &a.name).cmp(&(b.key.is_none(), &b.name)));
        Ok((out, MediationFigures::of(&all)))
    }

    async fn figure_names(&self, group: FiguresGroup, ids: Vec<i64>) -> Result<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let table = match group {
            FiguresGroup::Total => return Ok(HashMap::new()),
            FiguresGroup::County | FiguresGroup::Township => "regions",
            FiguresGroup::Body => "orgs",
            FiguresGroup::Mediator => "mediators",
        };
        let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT id, name FROM {table} WHERE id IN ({list})");
        let rows: Vec<(i64, String)> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().collect())
    }
}

/// What the demo's mediation history is generated from (system reads, unscoped).
pub struct MediationHistorySource {
    /// The dispute appeals (A01–A06).
    pub appeals: Vec<DisputeAppealRow>,
    /// Mediation committees: org id, name, region id.
    pub bodies: Vec<(i64, String, i64)>,
    /// Mediators: id, body org id, name.
    pub mediators: Vec<(i64, i64, String)>,
}

/// A dispute appeal as the mediation history needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeAppealRow {
    pub id: i64,
    pub category: String,
    pub region_id: i64,
    pub region_path: String,
    pub received_ms: i64,
    pub text: String,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
}

impl Store {
    /// The appeals, bodies and mediators the demo's mediation history is made from.
    pub async fn mediation_history_source(&self) -> Result<MediationHistorySource> {
        let (appeals, bodies, mediators) = on_pool!(&self.db, |pool| {
            let appeals = sqlx::query_as(
                "SELECT id, category, region_id, region_path, received_ms, text, reporter_name, reporter_phone FROM appeals
                  WHERE category IN ('A01', 'A02', 'A03', 'A04', 'A05', 'A06') AND merged_into IS NULL ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            let bodies = sqlx::query_as(
                "SELECT o.id, o.name, o.region_id FROM orgs o LEFT JOIN mediation_bodies b ON b.org_id = o.id
                  WHERE o.kind = 'mediation_committee' AND o.retired_at IS NULL AND b.org_id IS NULL ORDER BY o.id",
            )
            .fetch_all(pool)
            .await?;
            let mediators = sqlx::query_as("SELECT id, body_org_id, name FROM mediators WHERE active ORDER BY id")
                .fetch_all(pool)
                .await?;
            (appeals, bodies, mediators)
        });
        Ok(MediationHistorySource { appeals, bodies, mediators })
    }

    /// Load the demo's mediation history in one transaction: rows, events, party keys, and one
    /// audit event for the whole load. Returns the cases written.
    pub async fn load_mediation_history(
        &self,
        cases: &[crate::rows::MediationHistoryRow],
        actor_name: &str,
    ) -> Result<u64> {
        use chrono::Datelike;
        if cases.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        // The audit event belongs to the city: the first level of any case's path.
        let root = RegionPath::parse(&cases[0].region_path)
            .and_then(|p| p.ids().first().map(|id| format!("/{id}/")))
            .unwrap_or_else(|| "/".into());
        let mut ordered: Vec<&crate::rows::MediationHistoryRow> = cases.iter().collect();
        ordered.sort_by_key(|c| c.events.first().map_or(0, |e| e.0));
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let first_id: i64 =
                sqlx::query_scalar("SELECT COALESCE(max(id), 0) + 1 FROM mediation_cases").fetch_one(&mut *tx).await?;
            let mut per_year: HashMap<i32, i64> = HashMap::new();
            let mut case_rows = Vec::with_capacity(ordered.len());
            let mut event_rows = Vec::new();
            let mut key_rows = Vec::new();
            for (i, c) in ordered.iter().enumerate() {
                let id = first_id + i as i64;
                let opened_ms = c.events.first().map_or(now, |e| e.0);
                let year = to_china(opened_ms).year();
                let n = per_year.entry(year).or_insert(0);
                *n += 1;
                let s = &c.snapshot;
                let judicial = judicial_code(s.judicial);
                let performance = performance_code(s.performance);
                let updated_ms = c.events.last().map_or(opened_ms, |e| e.0);
                case_rows.push((id, format!("调〔{year}〕{n}号"), *c, opened_ms, updated_ms, judicial, performance));
                for (seq, (at, e)) in c.events.iter().enumerate() {
                    let body = serde_json::to_value(e).expect("serialisable");
                    let kind = body.get("kind").and_then(|k| k.as_str()).unwrap_or("event").to_owned();
                    event_rows.push((id, seq as i64 + 1, *at, kind, body.to_string()));
                }
                let mut keys: Vec<String> = s.parties.iter().map(party_key).collect();
                keys.sort();
                keys.dedup();
                key_rows.extend(keys.into_iter().map(|k| (id, k)));
            }
            crate::insert_chunks!(
                tx,
                case_rows,
                500,
                "INSERT INTO mediation_cases (id, case_no, region_id, region_path, body_org_id, level, state, dispute_type, source,
                        appeal_id, mediator_id, risk_level, opened_ms, closed_ms, resolved_level, judicial, performance,
                        updated_ms, version, snapshot, follow_up_due_ms, judicial_due_ms, violent) ",
                "",
                |b, (id, case_no, c, opened_ms, updated_ms, judicial, performance)| b
                    .push_bind(*id)
                    .push_bind(case_no)
                    .push_bind(c.region_id)
                    .push_bind(&c.region_path)
                    .push_bind(c.snapshot.body_id())
                    .push_bind(c.snapshot.level().as_str())
                    .push_bind(c.snapshot.state.as_str())
                    .push_bind(c.snapshot.dispute_type.as_str())
                    .push_bind(c.snapshot.source.as_str())
                    .push_bind(c.appeal_id)
                    .push_bind(c.snapshot.mediator.as_ref().map(|m| m.0))
                    .push_bind(c.snapshot.risk.level.as_str())
                    .push_bind(*opened_ms)
                    .push_bind(c.closed_ms)
                    .push_bind(c.snapshot.resolved_level.map(|l| l.as_str()))
                    .push_bind(*judicial)
                    .push_bind(*performance)
                    .push_bind(*updated_ms)
                    .push_bind(c.events.len() as i64)
                    .push_bind(serde_json::to_string(&c.snapshot).expect("serialisable"))
                    .push_bind(due_columns(&c.snapshot).0)
                    .push_bind(due_columns(&c.snapshot).1)
                    .push_bind(c.snapshot.risk_factors.violence)
            )?;
            crate::insert_chunks!(
                tx,
                event_rows,
                1000,
                "INSERT INTO mediation_events (case_id, seq, at_ms, kind, actor_id, body) ",
                "",
                |b, (id, seq, at, kind, body)| b
                    .push_bind(*id)
                    .push_bind(*seq)
                    .push_bind(*at)
                    .push_bind(kind)
                    .push_bind(None::<i64>)
                    .push_bind(body)
            )?;
            crate::insert_chunks!(
                tx,
                key_rows,
                1000,
                "INSERT INTO mediation_parties (case_id, party_key) ",
                "",
                |b, (id, key)| b.push_bind(*id).push_bind(key)
            )?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: actor_name.to_owned(),
                action: "mediation.history".into(),
                target_kind: "mediation_case".into(),
                target_id: None,
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "cases": cases.len() }),
            };
            write_audit!(&mut *tx, &event, &root)?;
            tx.commit().await?;
        });
        if let Db::Postgres(pool) = &self.db {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('mediation_cases', 'id'), GREATEST((SELECT max(id) FROM mediation_cases), 1))",
            )
            .execute(pool)
            .await?;
        }
        Ok(cases.len() as u64)
    }
}

/// A command as the web layer hands it over: domain commands as they are, and the two that
/// need the database to be completed.
#[derive(Debug, Clone)]
pub enum MediationCommandRequest {
    Domain(MediationCommand),
    AssignMediator {
        mediator_id: i64,
    },
    /// To the named body one level up, or the committee of that level serving the place.
    Escalate {
        body_org_id: Option<i64>,
        reason: String,
    },
}

/// The alert a township's dispatchers receive when a dispute becomes high-risk.
fn high_risk_alert(case_no: &str, place: &str, s: &MediationSnapshot) -> String {
    format!(
        "高风险矛盾纠纷预警:{case_no}({place},{}),{}。请综治中心跟进化解。",
        s.dispute_type.zh(),
        if s.risk.reasons.is_empty() { "风险等级为高".to_owned() } else { s.risk.reasons.join(";") }
    )
}

/// The body a new case goes to by default: the lowest level first (小事不出村); at the same
/// level a committee of the place before an industry committee, unless the type has one.
fn default_body(bodies: Vec<MediationBody>, t: DisputeType) -> Option<MediationBody> {
    let industry = t.industry();
    bodies.into_iter().min_by_key(|b| {
        let level = match b.level {
            MediationLevel::Village => 0,
            MediationLevel::Township => 1,
            MediationLevel::County => 2,
        };
        let fits = match b.kind {
            BodyKind::Industry => b.industry.is_some() && b.industry == industry,
            BodyKind::Studio => false,
            _ => true,
        };
        let studio_or_other_industry = matches!(b.kind, BodyKind::Studio | BodyKind::Industry) && !fits;
        (studio_or_other_industry, level, b.org_id)
    })
}

/// The after-care deadlines of an agreed case, as the ends of their days (China time): the
/// performance date while no follow-up has a result, the judicial window while nobody applied.
fn due_columns(s: &MediationSnapshot) -> (Option<i64>, Option<i64>) {
    let Some(a) = s.agreement.as_ref().filter(|_| s.state == MediationState::Agreed) else { return (None, None) };
    let end_of = |d: NaiveDate| {
        pingan_domain::calendar::from_china(d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).expect("midnight exists"))
            - 1
    };
    let follow_up = (s.performance == mediation::Performance::Pending).then(|| end_of(a.performance_due));
    let judicial = (s.judicial == Judicial::NotApplied).then(|| end_of(a.judicial_window_end()));
    (follow_up, judicial)
}

/// The `judicial` column: where judicial confirmation stands.
fn judicial_code(j: Judicial) -> &'static str {
    match j {
        Judicial::NotApplied => "not_applied",
        Judicial::Applied { .. } => "applied",
        Judicial::Confirmed { .. } => "confirmed",
        Judicial::Rejected { .. } => "rejected",
    }
}

/// The `performance` column: how the agreement is being kept.
fn performance_code(p: mediation::Performance) -> &'static str {
    match p {
        mediation::Performance::Pending => "pending",
        mediation::Performance::Performed => "performed",
        mediation::Performance::Breached => "breached",
    }
}

/// `/1/4/57/300/…` → `/1/4/57/300/`: the village part of a place's path, if it is that deep.
fn village_prefix(path: &RegionPath) -> Option<String> {
    let ids = path.ids();
    (ids.len() >= 4).then(|| format!("/{}/", ids[..4].iter().map(|i| i.to_string()).collect::<Vec<_>>().join("/")))
}

fn path_id_at(path: &str, depth: usize) -> Option<i64> {
    path.split('/').filter(|p| !p.is_empty()).nth(depth).and_then(|p| p.parse().ok())
}

/// `column = $n` when filtering by `value`, else a condition that only names `$n` (which is
/// bound either way): an equality the planner can serve from the column's index, where
/// `($n IS NULL OR column = $n)` would read every row of the scope.
fn optional_equals(column: &str, n: usize, value: Option<i64>) -> String {
    match value {
        Some(_) => format!("{column} = ${n}"),
        None => format!("${n} IS NULL"),
    }
}

/// Midnight of 1 January of `today`'s year, in China.
pub fn year_start_ms(today: NaiveDate) -> i64 {
    use chrono::Datelike;
    let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("1 January exists");
    pingan_domain::calendar::from_china(first.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(id: i64, level: MediationLevel, kind: BodyKind, industry: Option<Industry>) -> MediationBody {
        MediationBody {
            org_id: id,
            name: format!("b{id}"),
            kind,
            industry,
            level,
            region_id: 1,
            region_name: String::new(),
            region_path: RegionPath::parse("/1/").unwrap(),
        }
    }

    #[test]
    fn the_default_body_is_the_lowest_level_and_an_industry_committee_only_for_its_type() {
        let bodies = vec![
            body(1, MediationLevel::County, BodyKind::Industry, Some(Industry::Medical)),
            body(2, MediationLevel::County, BodyKind::County, None),
            body(3, MediationLevel::Township, BodyKind::Township, None),
            body(4, MediationLevel::Village, BodyKind::Village, None),
        ];
        assert_eq!(default_body(bodies.clone(), DisputeType::Neighbour).unwrap().org_id, 4);
        assert_eq!(default_body(bodies.clone()[..3].to_vec(), DisputeType::Neighbour).unwrap().org_id, 3);
        // A medical dispute with no village or township committee goes to the 医调委, not the centre.
        assert_eq!(default_body(bodies[..2].to_vec(), DisputeType::Medical).unwrap().org_id, 1);
        assert_eq!(default_body(bodies[..2].to_vec(), DisputeType::Neighbour).unwrap().org_id, 2);
    }

    #[test]
    fn paths_give_their_village_and_levels() {
        let p = RegionPath::parse("/1/4/57/300/9000/").unwrap();
        assert_eq!(village_prefix(&p).as_deref(), Some("/1/4/57/300/"));
        assert_eq!(village_prefix(&RegionPath::parse("/1/4/").unwrap()), None);
        assert_eq!(path_id_at("/1/4/57/300/", 1), Some(4));
        assert_eq!(path_id_at("/1/4/57/300/", 2), Some(57));
        assert_eq!(path_id_at("/1/", 2), None);
    }
}
