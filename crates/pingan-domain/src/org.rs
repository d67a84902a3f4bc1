//! Organisations: departments, township bodies, committees, red stations,
//! property companies and the social units assessed in safe creation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 职能部门: a city or county department (公安, 住建 …); `dept` says which.
    Department,
    /// 乡镇(街道)机构: 综治中心, 司法所, 派出所 of a township.
    TownshipBody,
    /// 村(居)民委员会
    VillageCommittee,
    /// 人民调解委员会
    MediationCommittee,
    /// 网格党组织
    GridPartyOrg,
    /// 红色驿站: a red station with location and opening hours.
    RedStation,
    /// 物业服务企业
    PropertyCompany,
    /// 业主委员会
    OwnersCommittee,
    /// 社会单位: a school, hospital, market … in one of the 34 industries.
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
            OrgKind::Department => "职能部门",
            OrgKind::TownshipBody => "乡镇(街道)机构",
            OrgKind::VillageCommittee => "村(居)民委员会",
            OrgKind::MediationCommittee => "人民调解委员会",
            OrgKind::GridPartyOrg => "网格党组织",
            OrgKind::RedStation => "红色驿站",
            OrgKind::PropertyCompany => "物业服务企业",
            OrgKind::OwnersCommittee => "业主委员会",
            OrgKind::SocialUnit => "社会单位",
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

/// City and county departments (职能部门), by stable code.
pub const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("gongan", "公安局", "Public Security Bureau"),
    ("yingji", "应急管理局", "Emergency Management Bureau"),
    ("zhujian", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("shichang", "市场监督管理局", "Market Supervision Administration"),
    ("renshe", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("zhifa", "综合行政执法局", "Comprehensive Administrative Law Enforcement Bureau"),
    ("shengtai", "生态环境局", "Ecology and Environment Bureau"),
    ("weijian", "卫生健康委员会", "Health Commission"),
    ("jiaoyu", "教育局", "Education Bureau"),
    ("minzheng", "民政局", "Civil Affairs Bureau"),
    ("sifa", "司法局", "Justice Bureau"),
    ("jiaotong", "交通运输局", "Transport Bureau"),
    ("xiaofang", "消防救援支队", "Fire and Rescue Detachment"),
    ("jiaojing", "公安交通警察支队", "Traffic Police Detachment"),
    ("jinrong", "地方金融管理局", "Local Financial Administration"),
    ("yibao", "医疗保障局", "Healthcare Security Bureau"),
    ("xinfang", "信访局", "Letters and Visits Bureau"),
    ("zhengfa", "党委政法委", "Political and Legal Affairs Commission"),
    ("wenlv", "文化和旅游局", "Culture and Tourism Bureau"),
    ("shangwu", "商务局", "Commerce Bureau"),
    ("youzheng", "邮政管理局", "Postal Administration"),
    ("nongye", "农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("gongxin", "工业和信息化局", "Industry and Information Technology Bureau"),
    ("minzong", "民族宗教事务局", "Ethnic and Religious Affairs Bureau"),
    ("jiguan", "机关事务服务中心", "Government Offices Administration"),
    ("shuili", "水利局", "Water Resources Bureau"),
];

/// Bodies every township has.
pub const TOWNSHIP_BODIES: &[(&str, &str, &str)] = &[
    ("zongzhi", "综治中心", "Comprehensive Governance Centre"),
    ("sifasuo", "司法所", "Judicial Office"),
    ("paichusuo", "派出所", "Police Station"),
];

/// The 34 industries of safe-unit creation: the "6+N" model's six traditional
/// industries first (I01–I06), then the newer fields. Codes are stable identifiers.
pub const INDUSTRIES: &[(&str, &str, &str)] = &[
    ("I01", "平安校园", "Safe campus"),
    ("I02", "平安医院", "Safe hospital"),
    ("I03", "平安交通", "Safe transport"),
    ("I04", "平安企业", "Safe enterprise"),
    ("I05", "平安景区", "Safe scenic spot"),
    ("I06", "平安市场", "Safe market"),
    ("I07", "两新组织", "New economic and social organisations"),
    ("I08", "平安物业", "Safe property management"),
    ("I09", "平安寄递物流", "Safe delivery and logistics"),
    ("I10", "平安金融网点", "Safe financial outlet"),
    ("I11", "平安加油站", "Safe filling station"),
    ("I12", "平安燃气", "Safe gas supply"),
    ("I13", "平安电力", "Safe power supply"),
    ("I14", "平安水利", "Safe water works"),
    ("I15", "平安工地", "Safe construction site"),
    ("I16", "平安危化品企业", "Safe hazardous-chemicals enterprise"),
    ("I17", "平安旅馆", "Safe hotel"),
    ("I18", "平安商场", "Safe shopping mall"),
    ("I19", "平安超市", "Safe supermarket"),
    ("I20", "平安餐饮", "Safe catering"),
    ("I21", "平安娱乐场所", "Safe entertainment venue"),
    ("I22", "平安网吧", "Safe internet café"),
    ("I23", "平安文化场馆", "Safe cultural venue"),
    ("I24", "平安体育场馆", "Safe sports venue"),
    ("I25", "平安养老机构", "Safe elderly-care home"),
    ("I26", "平安幼儿园", "Safe kindergarten"),
    ("I27", "平安培训机构", "Safe training institution"),
    ("I28", "平安宗教场所", "Safe religious venue"),
    ("I29", "平安机关", "Safe government agency"),
    ("I30", "平安农业合作社", "Safe farmers' cooperative"),
    ("I31", "平安汽车站", "Safe bus station"),
    ("I32", "平安停车场", "Safe car park"),
    ("I33", "平安民爆企业", "Safe civil-explosives enterprise"),
    ("I34", "平安通信网点", "Safe telecom outlet"),
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
        assert_eq!(industry_name("I02"), Some("平安医院"));
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
    /// The version the editor saw (`version` of the organisation as read); when
    /// given, the change applies only if nobody changed the record since.
    pub version: Option<i64>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
}

fn text(field: &str, v: &str, max: usize, errors: &mut Vec<crate::FieldError>) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        errors.push(crate::FieldError::new(field, format!("最多 {max} 个字符 / at most {max} characters")));
    }
    v.to_owned()
}

fn optional(field: &str, v: Option<&str>, max: usize, errors: &mut Vec<crate::FieldError>) -> Option<String> {
    v.map(|s| text(field, s, max, errors)).filter(|s| !s.is_empty())
}

/// An office number (`0534-2345678`) or a mobile: digits and hyphens, at least 7.
fn check_phone(p: &str, errors: &mut Vec<crate::FieldError>) {
    if !p.chars().all(|c| c.is_ascii_digit() || c == '-') || p.len() < 7 {
        errors.push(crate::FieldError::new("phone", "电话只能包含数字和连字符 / phone: digits and '-' only"));
    }
}

impl NewOrg {
    pub fn parse(input: &OrgInput) -> Result<NewOrg, Vec<crate::FieldError>> {
        use crate::FieldError;
        let mut errors = Vec::new();
        let kind = OrgKind::parse(input.kind.trim());
        if kind.is_none() {
            errors
                .push(FieldError::new("kind", format!("未知的机构类型 '{}' / unknown organisation kind", input.kind)));
        }
        let name = text("name", &input.name, 100, &mut errors);
        if name.is_empty() {
            errors.push(FieldError::new("name", "名称不能为空 / name is required"));
        }
        let dept = optional("dept", input.dept.as_deref(), 32, &mut errors);
        if let (Some(OrgKind::Department), Some(d)) = (kind, &dept)
            && !DEPARTMENTS.iter().any(|(c, _, _)| c == d)
        {
            errors.push(FieldError::new("dept", format!("未知的部门代码 '{d}' / unknown department code")));
        }
        let industry = optional("industry", input.industry.as_deref(), 8, &mut errors);
        match (kind, &industry) {
            (Some(OrgKind::SocialUnit), None) => {
                errors.push(FieldError::new("industry", "社会单位须填写行业 / a social unit needs an industry"))
            }
            (_, Some(i)) if industry_name(i).is_none() => {
                errors.push(FieldError::new("industry", format!("未知的行业代码 '{i}' / unknown industry code")))
            }
            _ => {}
        }
        let phone = optional("phone", input.phone.as_deref(), 20, &mut errors);
        if let Some(p) = &phone {
            check_phone(p, &mut errors);
        }
        match (input.lon, input.lat) {
            (Some(lon), Some(lat)) if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) => {
                errors.push(FieldError::new("lon", "经纬度超出范围 / longitude or latitude out of range"))
            }
            (Some(_), None) | (None, Some(_)) => {
                errors.push(FieldError::new("lat", "经度和纬度须同时填写 / give both longitude and latitude"))
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
            errors.push(crate::FieldError::new("name", "名称不能为空 / name is required"));
        }
        let patch = OrgPatch {
            version: self.version,
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
            name: " 红色驿站 ".into(),
            region_id: 1,
            opening_hours: Some("08:00-20:00".into()),
            ..Default::default()
        };
        assert_eq!(NewOrg::parse(&good).unwrap().name, "红色驿站");
    }

    #[test]
    fn patch_refuses_empty_name() {
        let p = OrgPatch { name: Some(" ".into()), ..Default::default() };
        assert_eq!(p.checked().unwrap_err()[0].field, "name");
    }
}
