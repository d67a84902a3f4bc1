//! Plain rows for bulk loading (the demo generator and imports build these).
//!
//! Ids are assigned by the producer so that a whole city can be written in large
//! batches with its parent links already in place; the store moves each table's
//! id sequence past the largest id afterwards.

use pingan_domain::Role;
use pingan_domain::geometry::Ring;
use pingan_domain::mediation::{BodyKind, DisputeType, Industry, MediationEvent, MediationSnapshot};
use pingan_domain::org::OrgKind;
use pingan_domain::region::{RegionCode, RegionLevel, RegionPath};

#[derive(Debug, Clone)]
pub struct RegionRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: RegionLevel,
    pub code: RegionCode,
    pub name: String,
    pub path: RegionPath,
    /// Grids carry their polygon; higher levels are the union of their grids.
    pub polygon: Option<Ring>,
    pub households: i64,
    pub population: i64,
}

#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    /// The region the organisation belongs to (a department: its city or county).
    pub region_id: i64,
    /// For departments and township bodies: the code from `pingan_domain::org::DEPARTMENTS`
    /// or `TOWNSHIP_BODIES`.
    pub dept: Option<String>,
    /// For social units: the industry code (`I01`–`I34`).
    pub industry: Option<String>,
    /// Organisation this one belongs to (an owners' committee to its property company's community, …).
    pub parent_org_id: Option<i64>,
    pub address: Option<String>,
    /// Office phone (not personal data) or a contact's mobile (masked in lists).
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Red stations: e.g. `周一至周五 08:30-17:30`.
    pub opening_hours: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Root of the account's scope.
    pub region_id: i64,
    /// Department staff: their organisation.
    pub org_id: Option<i64>,
    pub phone: Option<String>,
    /// PHC string (argon2id). `None`: the account cannot sign in by password until one is set.
    pub password_hash: Option<String>,
}

/// What a mediation committee (an organisation of kind `mediation_committee`) is, where its
/// region's level does not say it: an industry committee or a named studio.
#[derive(Debug, Clone)]
pub struct MediationBodyRow {
    pub org_id: i64,
    pub kind: BodyKind,
    pub industry: Option<Industry>,
}

/// A people's mediator (人民调解员) of one body.
#[derive(Debug, Clone)]
pub struct MediatorRow {
    pub id: i64,
    pub body_org_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub specialties: Vec<DisputeType>,
}

/// A "德为民" brand (一县一品牌、一乡一特色、一村一亮点) of one region.
#[derive(Debug, Clone)]
pub struct MediationBrandRow {
    pub region_id: i64,
    pub region_path: String,
    pub name: String,
    pub kind: pingan_domain::mediation::BrandKind,
    pub summary: String,
    /// A studio's body: the committee it works in.
    pub body_org_id: Option<i64>,
    pub lead: Option<String>,
}

/// Everything a synthetic or imported city consists of.
#[derive(Debug, Clone, Default)]
pub struct CityRows {
    pub regions: Vec<RegionRow>,
    pub orgs: Vec<OrgRow>,
    pub accounts: Vec<AccountRow>,
    pub mediation_bodies: Vec<MediationBodyRow>,
    pub mediators: Vec<MediatorRow>,
    pub mediation_brands: Vec<MediationBrandRow>,
}

/// A mediation case of the demo's history, its events already driven through the rules.
#[derive(Debug, Clone)]
pub struct MediationHistoryRow {
    pub appeal_id: i64,
    pub region_id: i64,
    pub region_path: String,
    /// (time, event), in order; the first is `Opened`.
    pub events: Vec<(i64, MediationEvent)>,
    pub snapshot: MediationSnapshot,
    pub closed_ms: Option<i64>,
}
