//! 人民调解 ("德为民"): mediation cases under the People's Mediation Law (DOMAIN §5).
//!
//! Pure rules only; the store keeps a case as its append-only events and their fold, as it
//! does for appeals:
//!
//! - this module: the national dispute types ([`DisputeType`]), mediation bodies
//!   ([`BodyKind`]), the levels a case climbs ([`MediationLevel`]) and where a case came from
//!   ([`CaseSource`]);
//! - [`party`]: applicants and respondents, with checked and masked identity numbers;
//! - [`agreement`]: the 调解协议书's statutory content and the 30-day judicial-confirmation window;
//! - [`case`]: the states, commands, events, [`decide`] and [`apply`];
//! - [`risk`]: the risk level of an open dispute and why;
//! - [`evidence`]: what an attached file is said to be, and when a case takes evidence;
//! - [`brand`]: the "德为民" featured studios and methods (一县一品牌、一乡一特色、一村一亮点);
//! - [`figures`]: success rate, share resolved per level, days to resolution, confirmations and
//!   performance.
//!
//! 枫桥经验 — 小事不出村、大事不出镇、矛盾不上交: a case starts at the lowest level that can hear
//! it and climbs one level at a time; the level where it was finally resolved is kept.

pub mod agreement;
pub mod brand;
pub mod case;
pub mod evidence;
pub mod figures;
pub mod party;
pub mod risk;

pub use agreement::{Agreement, AgreementForm, JUDICIAL_WINDOW_DAYS, RawAgreement, judicial_window_end};
pub use brand::{BrandDraft, BrandKind, RawBrand};
pub use case::{
    Judicial, LevelStep, MediationCommand, MediationError, MediationEvent, MediationSnapshot, MediationState,
    NewMediationCase, Performance, TerminationReason, apply, decide, open, opened, replay,
};
pub use evidence::{EvidenceNote, EvidenceSource};
pub use figures::{CaseFacts, MediationFigures};
pub use party::{IdNumber, Party, PartyKind, PartySide, RawParty, parse_parties};
pub use risk::{RiskAssessment, RiskFactors, RiskLevel};

use crate::region::RegionLevel;
use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code stored and sent over the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            pub fn en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

pub(crate) use code_enum;

code_enum! {
    /// The dispute types of the national people's-mediation statistics.
    DisputeType {
        MarriageFamily = "marriage_family", "婚姻家庭纠纷", "Marriage and family";
        Neighbour = "neighbour", "邻里纠纷", "Neighbours";
        HouseLand = "house_land", "房屋宅基地纠纷", "Housing and homesteads";
        Damages = "damages", "损害赔偿纠纷", "Damages";
        Contract = "contract", "合同纠纷", "Contract";
        Labour = "labour", "劳动争议", "Labour";
        Medical = "medical", "医疗纠纷", "Medical";
        Traffic = "traffic", "道路交通事故纠纷", "Road traffic accident";
        Property = "property", "物业纠纷", "Property management";
        Other = "other", "其他纠纷", "Other";
    }
}

impl DisputeType {
    /// The dispute type an appeal of a dispute category (A01–A06, DOMAIN §4) carries over when
    /// it becomes a mediation case (转调解); `None` for other categories.
    pub fn from_appeal_category(code: &str) -> Option<DisputeType> {
        Some(match code {
            "A01" => DisputeType::Neighbour,
            "A02" => DisputeType::MarriageFamily,
            "A03" => DisputeType::Labour,
            "A04" => DisputeType::HouseLand,
            "A05" => DisputeType::Medical,
            "A06" => DisputeType::Traffic,
            _ => return None,
        })
    }

    /// The industry committee that specialises in this type, if any.
    pub fn industry(self) -> Option<Industry> {
        match self {
            DisputeType::Medical => Some(Industry::Medical),
            DisputeType::Traffic => Some(Industry::Traffic),
            DisputeType::Labour => Some(Industry::Labour),
            DisputeType::Property => Some(Industry::Property),
            _ => None,
        }
    }
}

code_enum! {
    /// The industries with their own mediation committees (行业性专业性调解委员会).
    Industry {
        /// 医调委
        Medical = "medical", "医疗纠纷人民调解委员会", "Medical dispute mediation committee";
        /// 交调委
        Traffic = "traffic", "道路交通事故纠纷人民调解委员会", "Traffic accident mediation committee";
        Labour = "labour", "劳动争议人民调解委员会", "Labour dispute mediation committee";
        Property = "property", "物业纠纷人民调解委员会", "Property dispute mediation committee";
    }
}

code_enum! {
    /// What kind of mediation body hears a case.
    BodyKind {
        /// 村(居)民委员会人民调解委员会
        Village = "village", "村(社区)人民调解委员会", "Village (community) mediation committee";
        /// 乡镇(街道)人民调解委员会, working with the 司法所
        Township = "township", "乡镇(街道)人民调解委员会", "Township (street) mediation committee";
        /// A county-level joint committee (县级矛盾纠纷调处中心)
        County = "county", "县级矛盾纠纷调处中心", "County dispute resolution centre";
        /// 行业性专业性调解委员会
        Industry = "industry", "行业性专业性人民调解委员会", "Industry mediation committee";
        /// A named mediation studio (个人调解工作室), part of the "德为民" brand
        Studio = "studio", "调解工作室", "Mediation studio";
    }
}

code_enum! {
    /// The level a case is heard at. Industry committees and studios sit at the level of the
    /// region they serve.
    MediationLevel {
        Village = "village", "村(社区)", "Village";
        Township = "township", "乡镇(街道)", "Township";
        County = "county", "县(市、区)", "County";
    }
}

impl MediationLevel {
    /// The level of a body placed in a region of `level`; bodies above the county (the city)
    /// hear cases at county level, grids belong to their village.
    pub fn of_region(level: RegionLevel) -> MediationLevel {
        match level {
            RegionLevel::Grid | RegionLevel::Village => MediationLevel::Village,
            RegionLevel::Township => MediationLevel::Township,
            RegionLevel::County | RegionLevel::City => MediationLevel::County,
        }
    }

    /// The level a case escalates to (矛盾不上交 stops at the county).
    pub fn above(self) -> Option<MediationLevel> {
        match self {
            MediationLevel::Village => Some(MediationLevel::Township),
            MediationLevel::Township => Some(MediationLevel::County),
            MediationLevel::County => None,
        }
    }
}

code_enum! {
    /// Where a case came from.
    CaseSource {
        /// 转调解: from a citizen's appeal of a dispute category
        Appeal = "appeal", "诉求转调解", "From an appeal";
        /// 排查: a grid worker's or cadre's own finding
        Patrol = "patrol", "排查发现", "Found on patrol";
        /// 申请: the parties applied at a mediation body
        Application = "application", "当事人申请", "Application by the parties";
    }
}

code_enum! {
    /// Where parties are told to go when mediation fails (人民调解法 第二十六条).
    OtherChannel {
        Litigation = "litigation", "诉讼", "Litigation";
        Arbitration = "arbitration", "仲裁", "Arbitration";
        Administrative = "administrative", "行政处理(复议)", "Administrative handling";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispute_categories_carry_their_type_and_others_do_not() {
        assert_eq!(DisputeType::from_appeal_category("A01"), Some(DisputeType::Neighbour));
        assert_eq!(DisputeType::from_appeal_category("A06"), Some(DisputeType::Traffic));
        assert_eq!(DisputeType::from_appeal_category("B01"), None);
        for t in DisputeType::ALL {
            assert_eq!(DisputeType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(DisputeType::ALL.len(), 10);
    }

    #[test]
    fn levels_climb_to_the_county_and_stop() {
        assert_eq!(MediationLevel::Village.above(), Some(MediationLevel::Township));
        assert_eq!(MediationLevel::Township.above(), Some(MediationLevel::County));
        assert_eq!(MediationLevel::County.above(), None);
        assert_eq!(MediationLevel::of_region(RegionLevel::Grid), MediationLevel::Village);
        assert_eq!(MediationLevel::of_region(RegionLevel::City), MediationLevel::County);
    }
}
