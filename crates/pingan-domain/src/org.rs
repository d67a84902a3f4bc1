//! Organisations: departments, township bodies, committees, red stations,
//! property companies and the social units assessed in safe creation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 職能部門: a city or county department (公安, 住建 …); `dept` says which.
    Department,
    /// 鄉鎮(街道)機構: 綜治中心, 司法所, 派出所 of a township.
    TownshipBody,
    /// 村(居)民委員會
    VillageCommittee,
    /// 人民調解委員會
    MediationCommittee,
    /// 網格黨組織
    GridPartyOrg,
    /// 紅色驛站: a red station with location and opening hours.
    RedStation,
    /// 物業服務企業
    PropertyCompany,
    /// 業主委員會
    OwnersCommittee,
    /// 社會單位: a school, hospital, market … in one of the 34 industries.
    SocialUnit,
}

impl OrgKind {
    pub const ALL: [OrgKind; 9] = [
        OrgKind::Department,
        OrgKind::TownshipBody,
        OrgKind::VillageCommittee,
        OrgKind::MediationCommittee,
        OrgKind::GridPartyOrg,
        OrgKind::RedStation,
        OrgKind::PropertyCompany,
        OrgKind::OwnersCommittee,
        OrgKind::SocialUnit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Department => "department",
            OrgKind::TownshipBody => "township_body",
            OrgKind::VillageCommittee => "village_committee",
            OrgKind::MediationCommittee => "mediation_committee",
            OrgKind::GridPartyOrg => "grid_party_org",
            OrgKind::RedStation => "red_station",
            OrgKind::PropertyCompany => "property_company",
            OrgKind::OwnersCommittee => "owners_committee",
            OrgKind::SocialUnit => "social_unit",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            OrgKind::Department => "職能部門",
            OrgKind::TownshipBody => "鄉鎮(街道)機構",
            OrgKind::VillageCommittee => "村(居)民委員會",
            OrgKind::MediationCommittee => "人民調解委員會",
            OrgKind::GridPartyOrg => "網格黨組織",
            OrgKind::RedStation => "紅色驛站",
            OrgKind::PropertyCompany => "物業服務企業",
            OrgKind::OwnersCommittee => "業主委員會",
            OrgKind::SocialUnit => "社會單位",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            OrgKind::Department => "Department",
            OrgKind::TownshipBody => "Township body",
            OrgKind::VillageCommittee => "Village committee",
            OrgKind::MediationCommittee => "Mediation committee",
            OrgKind::GridPartyOrg => "Grid party organisation",
            OrgKind::RedStation => "Red station",
            OrgKind::PropertyCompany => "Property company",
            OrgKind::OwnersCommittee => "Owners' committee",
            OrgKind::SocialUnit => "Social unit",
        }
    }
}

/// City and county departments (職能部門), by stable code.
pub const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("gongan", "公安局", "Public Security Bureau"),
    ("yingji", "應急管理局", "Emergency Management Bureau"),
    ("zhujian", "住房和城鄉建設局", "Housing and Urban-Rural Development Bureau"),
    ("shichang", "市場監督管理局", "Market Supervision Administration"),
    ("renshe", "人力資源和社會保障局", "Human Resources and Social Security Bureau"),
    ("zhifa", "綜合行政執法局", "Comprehensive Administrative Law Enforcement Bureau"),
    ("shengtai", "生態環境局", "Ecology and Environment Bureau"),
    ("weijian", "衛生健康委員會", "Health Commission"),
    ("jiaoyu", "教育局", "Education Bureau"),
    ("minzheng", "民政局", "Civil Affairs Bureau"),
    ("sifa", "司法局", "Justice Bureau"),
    ("jiaotong", "交通運輸局", "Transport Bureau"),
    ("xiaofang", "消防救援支隊", "Fire and Rescue Detachment"),
    ("jiaojing", "公安交通警察支隊", "Traffic Police Detachment"),
    ("jinrong", "地方金融管理局", "Local Financial Administration"),
    ("yibao", "醫療保障局", "Healthcare Security Bureau"),
    ("xinfang", "信訪局", "Letters and Visits Bureau"),
    ("zhengfa", "黨委政法委", "Political and Legal Affairs Commission"),
];

/// Bodies every township has.
pub const TOWNSHIP_BODIES: &[(&str, &str, &str)] = &[
    ("zongzhi", "綜治中心", "Comprehensive Governance Centre"),
    ("sifasuo", "司法所", "Judicial Office"),
    ("paichusuo", "派出所", "Police Station"),
];

/// The 34 industries of safe-unit creation: the "6+N" model's six traditional
/// industries first (I01–I06), then the newer fields. Codes are stable identifiers.
pub const INDUSTRIES: &[(&str, &str, &str)] = &[
    ("I01", "平安校園", "Safe campus"),
    ("I02", "平安醫院", "Safe hospital"),
    ("I03", "平安交通", "Safe transport"),
    ("I04", "平安企業", "Safe enterprise"),
    ("I05", "平安景區", "Safe scenic spot"),
    ("I06", "平安市場", "Safe market"),
    ("I07", "兩新組織", "New economic and social organisations"),
    ("I08", "平安物業", "Safe property management"),
    ("I09", "平安寄遞物流", "Safe delivery and logistics"),
    ("I10", "平安金融網點", "Safe financial outlet"),
    ("I11", "平安加油站", "Safe filling station"),
    ("I12", "平安燃氣", "Safe gas supply"),
    ("I13", "平安電力", "Safe power supply"),
    ("I14", "平安水利", "Safe water works"),
    ("I15", "平安工地", "Safe construction site"),
    ("I16", "平安危化品企業", "Safe hazardous-chemicals enterprise"),
    ("I17", "平安旅館", "Safe hotel"),
    ("I18", "平安商場", "Safe shopping mall"),
    ("I19", "平安超市", "Safe supermarket"),
    ("I20", "平安餐飲", "Safe catering"),
    ("I21", "平安娛樂場所", "Safe entertainment venue"),
    ("I22", "平安網吧", "Safe internet café"),
    ("I23", "平安文化場館", "Safe cultural venue"),
    ("I24", "平安體育場館", "Safe sports venue"),
    ("I25", "平安養老機構", "Safe elderly-care home"),
    ("I26", "平安幼兒園", "Safe kindergarten"),
    ("I27", "平安培訓機構", "Safe training institution"),
    ("I28", "平安宗教場所", "Safe religious venue"),
    ("I29", "平安機關", "Safe government agency"),
    ("I30", "平安農業合作社", "Safe farmers' cooperative"),
    ("I31", "平安汽車站", "Safe bus station"),
    ("I32", "平安停車場", "Safe car park"),
    ("I33", "平安民爆企業", "Safe civil-explosives enterprise"),
    ("I34", "平安通信網點", "Safe telecom outlet"),
];

pub fn industry_name(code: &str) -> Option<&'static str> {
    INDUSTRIES.iter().find(|(c, _, _)| *c == code).map(|(_, zh, _)| *zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_four_distinct_industries() {
        assert_eq!(INDUSTRIES.len(), 34);
        let mut codes: Vec<_> = INDUSTRIES.iter().map(|i| i.0).collect();
        codes.dedup();
        assert_eq!(codes.len(), 34);
        assert_eq!(industry_name("I02"), Some("平安醫院"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
    }
}

/// An organisation as submitted (API body, form or import row), before checking.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgInput {
    pub kind: String,
    pub name: String,
    pub region_id: i64,
    pub dept: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub opening_hours: Option<String>,
}

/// A checked new organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrg {
    pub kind: OrgKind,
    pub name: String,
    pub region_id: i64,
    pub dept: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub opening_hours: Option<String>,
}

/// Changes to an organisation's contact details. `Some("")` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct OrgPatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
}

fn text(field: &str, v: &str, max: usize, errors: &mut Vec<crate::FieldError>) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        errors.push(crate::FieldError::new(field, format!("最多 {max} 個字符 / at most {max} characters")));
    }
    v.to_owned()
}

fn optional(field: &str, v: Option<&str>, max: usize, errors: &mut Vec<crate::FieldError>) -> Option<String> {
    v.map(|s| text(field, s, max, errors)).filter(|s| !s.is_empty())
}

/// An office number (`0534-2345678`) or a mobile: digits and hyphens, at least 7.
fn check_phone(p: &str, errors: &mut Vec<crate::FieldError>) {
    if !p.chars().all(|c| c.is_ascii_digit() || c == '-') || p.len() < 7 {
        errors.push(crate::FieldError::new("phone", "電話只能包含數字和連字符 / phone: digits and '-' only"));
    }
}

impl NewOrg {
    pub fn parse(input: &OrgInput) -> Result<NewOrg, Vec<crate::FieldError>> {
        use crate::FieldError;
        let mut errors = Vec::new();
        let kind = OrgKind::parse(input.kind.trim());
        if kind.is_none() {
            errors
                .push(FieldError::new("kind", format!("未知的機構類型 '{}' / unknown organisation kind", input.kind)));
        }
        let name = text("name", &input.name, 100, &mut errors);
        if name.is_empty() {
            errors.push(FieldError::new("name", "名稱不能為空 / name is required"));
        }
        let dept = optional("dept", input.dept.as_deref(), 32, &mut errors);
        if let (Some(OrgKind::Department), Some(d)) = (kind, &dept)
            && !DEPARTMENTS.iter().any(|(c, _, _)| c == d)
        {
            errors.push(FieldError::new("dept", format!("未知的部門代碼 '{d}' / unknown department code")));
        }
        let industry = optional("industry", input.industry.as_deref(), 8, &mut errors);
        match (kind, &industry) {
            (Some(OrgKind::SocialUnit), None) => {
                errors.push(FieldError::new("industry", "社會單位須填寫行業 / a social unit needs an industry"))
            }
            (_, Some(i)) if industry_name(i).is_none() => {
                errors.push(FieldError::new("industry", format!("未知的行業代碼 '{i}' / unknown industry code")))
            }
            _ => {}
        }
        let phone = optional("phone", input.phone.as_deref(), 20, &mut errors);
        if let Some(p) = &phone {
            check_phone(p, &mut errors);
        }
        match (input.lon, input.lat) {
            (Some(lon), Some(lat)) if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) => {
                errors.push(FieldError::new("lon", "經緯度超出范圍 / longitude or latitude out of range"))
            }
            (Some(_), None) | (None, Some(_)) => {
                errors.push(FieldError::new("lat", "經度和緯度須同時填寫 / give both longitude and latitude"))
            }
            _ => {}
        }
        let address = optional("address", input.address.as_deref(), 200, &mut errors);
        let opening_hours = optional("opening_hours", input.opening_hours.as_deref(), 100, &mut errors);
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewOrg {
                kind,
                name,
                region_id: input.region_id,
                dept,
                industry,
                address,
                phone,
                lon: input.lon,
                lat: input.lat,
                opening_hours,
            }),
            _ => Err(errors),
        }
    }
}

impl OrgPatch {
    /// Check and normalise: trims, enforces lengths, refuses an empty name.
    pub fn checked(&self) -> Result<OrgPatch, Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.as_deref().map(|n| text("name", n, 100, &mut errors));
        if name.as_deref() == Some("") {
            errors.push(crate::FieldError::new("name", "名稱不能為空 / name is required"));
        }
        let patch = OrgPatch {
            name,
            address: self.address.as_deref().map(|v| text("address", v, 200, &mut errors)),
            phone: self.phone.as_deref().map(|v| text("phone", v, 20, &mut errors)),
            opening_hours: self.opening_hours.as_deref().map(|v| text("opening_hours", v, 100, &mut errors)),
        };
        if let Some(p) = patch.phone.as_deref().filter(|p| !p.is_empty()) {
            check_phone(p, &mut errors);
        }
        if errors.is_empty() { Ok(patch) } else { Err(errors) }
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn new_org_reports_every_bad_field() {
        let bad = OrgInput {
            kind: "castle".into(),
            name: "  ".into(),
            region_id: 1,
            industry: Some("I99".into()),
            phone: Some("call me".into()),
            lon: Some(116.0),
            ..Default::default()
        };
        let errs = NewOrg::parse(&bad).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "name", "industry", "phone", "lat"]);
        let good = OrgInput {
            kind: "red_station".into(),
            name: " 紅色驛站 ".into(),
            region_id: 1,
            opening_hours: Some("08:00-20:00".into()),
            ..Default::default()
        };
        assert_eq!(NewOrg::parse(&good).unwrap().name, "紅色驛站");
    }

    #[test]
    fn patch_refuses_empty_name() {
        let p = OrgPatch { name: Some(" ".into()), ..Default::default() };
        assert_eq!(p.checked().unwrap_err()[0].field, "name");
    }
}
