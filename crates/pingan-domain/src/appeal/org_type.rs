//! Responsible organisation types: what a category or a catalogue rule names as the owner.
//!
//! A type is a stable code: a department code from [`crate::org::DEPARTMENTS`] (`gongan`,
//! `zhujian` …), a township body from [`crate::org::TOWNSHIP_BODIES`] (`zongzhi`, `sifasuo`,
//! `paichusuo`), a village body (`village_committee`, `mediation_committee`,
//! `property_company`, `owners_committee`) or `grid_worker`. Which concrete organisation of
//! that type serves a place is the store's choice; [`OrgType::selector`] says what to look for.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::account::Role;
use crate::org::{DEPARTMENTS, OrgKind, TOWNSHIP_BODIES};
use crate::region::RegionLevel;

/// Village-level bodies that can be responsible for a case.
pub const VILLAGE_BODIES: &[(&str, &str, &str)] = &[
    ("village_committee", "村(居)民委员会", "Village or residents' committee"),
    ("mediation_committee", "人民调解委员会", "People's mediation committee"),
    ("property_company", "物业服务企业", "Property company"),
    ("owners_committee", "业主委员会", "Owners' committee"),
];

const GRID_WORKER: (&str, &str, &str) = ("grid_worker", "网格员", "Grid worker");

/// The broad kind of an [`OrgType`], which fixes the levels it may serve at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgFamily {
    /// A city or county department (职能部门).
    Department,
    /// 综治中心, 司法所, 派出所 of a township.
    TownshipBody,
    /// Committees and companies of a village or community.
    VillageBody,
    /// The grid worker (an account, not an organisation).
    GridWorker,
}

/// A responsible organisation type (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct OrgType(&'static str);

/// A string that is no organisation type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的责任单位类型「{0}」 / unknown responsible organisation type '{0}'")]
pub struct UnknownOrgType(pub String);

/// What the store looks for to find the concrete unit of a type in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSelector {
    /// An organisation of this kind; for departments and township bodies also its `dept` code.
    Org { kind: OrgKind, dept: Option<&'static str> },
    /// The grid worker account(s) of the grid.
    GridWorker,
}

impl OrgType {
    pub const GRID_WORKER: OrgType = OrgType("grid_worker");
    pub const ZONGZHI: OrgType = OrgType("zongzhi");
    pub const VILLAGE_COMMITTEE: OrgType = OrgType("village_committee");
    /// 党委政法委: the county- and city-level catch-all when a matter has no department of its own.
    pub const ZHENGFA: OrgType = OrgType("zhengfa");

    fn tables() -> impl Iterator<Item = (&'static (&'static str, &'static str, &'static str), OrgFamily)> {
        DEPARTMENTS
            .iter()
            .map(|e| (e, OrgFamily::Department))
            .chain(TOWNSHIP_BODIES.iter().map(|e| (e, OrgFamily::TownshipBody)))
            .chain(VILLAGE_BODIES.iter().map(|e| (e, OrgFamily::VillageBody)))
            .chain(std::iter::once((&GRID_WORKER, OrgFamily::GridWorker)))
    }

    pub fn parse(s: &str) -> Result<OrgType, UnknownOrgType> {
        let s = s.trim();
        Self::tables().find(|(e, _)| e.0 == s).map(|(e, _)| OrgType(e.0)).ok_or_else(|| UnknownOrgType(s.to_owned()))
    }

    /// Every type, departments first.
    pub fn all() -> impl Iterator<Item = OrgType> {
        Self::tables().map(|(e, _)| OrgType(e.0))
    }

    fn entry(self) -> (&'static str, &'static str, OrgFamily) {
        Self::tables().find(|(e, _)| e.0 == self.0).map(|(e, f)| (e.1, e.2, f)).unwrap_or((
            "",
            "",
            OrgFamily::Department,
        ))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    pub fn zh(self) -> &'static str {
        self.entry().0
    }

    pub fn en(self) -> &'static str {
        self.entry().1
    }

    pub fn family(self) -> OrgFamily {
        self.entry().2
    }

    /// The levels this type may handle cases at. Departments serve the county and the city and
    /// are never pushed down to a township (DOMAIN §3).
    pub fn levels(self) -> &'static [RegionLevel] {
        match self.family() {
            OrgFamily::Department => &[RegionLevel::County, RegionLevel::City],
            OrgFamily::TownshipBody => &[RegionLevel::Township],
            OrgFamily::VillageBody => &[RegionLevel::Village],
            OrgFamily::GridWorker => &[RegionLevel::Grid],
        }
    }

    /// The staff role that acts for a unit of this type in its own region when the unit has no
    /// accounts of its own: township bodies are staffed through the 综治中心's dispatchers
    /// (the centre houses the 司法所 and 派出所 desks), village bodies through the village
    /// cadres. Departments act only through their own staff (matched by organisation).
    pub fn region_role(self) -> Option<Role> {
        match self.family() {
            OrgFamily::Department => None,
            OrgFamily::TownshipBody => Some(Role::TownshipDispatcher),
            OrgFamily::VillageBody => Some(Role::VillageCadre),
            OrgFamily::GridWorker => Some(Role::GridWorker),
        }
    }

    pub fn selector(self) -> UnitSelector {
        let kind = match (self.family(), self.0) {
            (OrgFamily::GridWorker, _) => return UnitSelector::GridWorker,
            (OrgFamily::Department, code) => return UnitSelector::Org { kind: OrgKind::Department, dept: Some(code) },
            (OrgFamily::TownshipBody, code) => {
                return UnitSelector::Org { kind: OrgKind::TownshipBody, dept: Some(code) };
            }
            (OrgFamily::VillageBody, "mediation_committee") => OrgKind::MediationCommittee,
            (OrgFamily::VillageBody, "property_company") => OrgKind::PropertyCompany,
            (OrgFamily::VillageBody, "owners_committee") => OrgKind::OwnersCommittee,
            (OrgFamily::VillageBody, _) => OrgKind::VillageCommittee,
        };
        UnitSelector::Org { kind, dept: None }
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for OrgType {
    type Error = UnknownOrgType;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrgType::parse(&s)
    }
}

// Written out: a derived impl would borrow the `&'static str` from the input.
impl<'de> Deserialize<'de> for OrgType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OrgType::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl From<OrgType> for String {
    fn from(t: OrgType) -> String {
        t.0.to_owned()
    }
}
