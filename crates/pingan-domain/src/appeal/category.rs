//! Appeal categories (DOMAIN §4), urgency and the emergency lines.
//!
//! The codes are stable identifiers; everything else about a category (names, handling level,
//! responsible organisation type, time-limit class) is a *configurable default*: the store keeps
//! an administrator's [`CategoryTable`] and falls back to [`CategoryTable::default`].

use std::fmt;

use serde::{Deserialize, Serialize};

use super::org_type::OrgType;
use crate::FieldError;
use crate::region::RegionLevel;

/// A category code: a capital letter and a number 01–99 (`A01` … `Z99`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    #[error(
        "类别代码须为一个字母加两位数字（A01–Z99），收到「{0}」 / a category code is a letter and two digits (A01–Z99), got '{0}'"
    )]
    Malformed(String),
    #[error("未知的诉求类别「{0}」 / unknown appeal category '{0}'")]
    Unknown(String),
}

impl CategoryError {
    /// The error as a form error on `field`.
    pub fn field_error(&self, field: &str) -> FieldError {
        FieldError::new(field, self.to_string())
    }
}

impl CategoryCode {
    /// Accepts surrounding blanks and a lower-case letter (`" b01"` is `B01`).
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let t = s.trim();
        match *t.as_bytes() {
            [letter, d1, d2]
                if letter.is_ascii_alphabetic()
                    && d1.is_ascii_digit()
                    && d2.is_ascii_digit()
                    && (d1, d2) != (b'0', b'0') =>
            {
                Ok(CategoryCode([letter.to_ascii_uppercase(), d1, d2]))
            }
            _ => Err(CategoryError::Malformed(t.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII bytes by construction.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The group letter: `A` disputes, `B` public order, `C` safety, `D` residential compounds,
    /// `E` city management, `F` prepaid consumption, `G` public services, `H` opinions, `Z` other.
    pub fn group(&self) -> char {
        char::from(self.0[0])
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = CategoryError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CategoryCode::parse(&s)
    }
}

impl From<CategoryCode> for String {
    fn from(c: CategoryCode) -> String {
        c.as_str().to_owned()
    }
}

/// 紧急 or 一般. Urgent: a present danger to life or property (smoke, fire, a gas smell or leak,
/// a collapsed road, a fraud transfer under way). Urgent cases skip the queue and get the short
/// dispatch limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Urgent,
    Normal,
}

impl Urgency {
    pub const ALL: [Urgency; 2] = [Urgency::Urgent, Urgency::Normal];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::Normal => "normal",
        }
    }

    pub fn parse(s: &str) -> Option<Urgency> {
        match s.trim() {
            "urgent" | "紧急" => Some(Urgency::Urgent),
            "normal" | "一般" => Some(Urgency::Normal),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Urgency::Urgent => "紧急",
            Urgency::Normal => "一般",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Urgency::Urgent => "Urgent",
            Urgency::Normal => "Normal",
        }
    }
}

/// The emergency lines that take over a matter at once (DOMAIN §3); the case is still tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyLine {
    Police110,
    Fire119,
    Ambulance120,
    Traffic122,
}

impl EmergencyLine {
    pub const ALL: [EmergencyLine; 4] =
        [EmergencyLine::Police110, EmergencyLine::Fire119, EmergencyLine::Ambulance120, EmergencyLine::Traffic122];

    pub fn number(self) -> &'static str {
        match self {
            EmergencyLine::Police110 => "110",
            EmergencyLine::Fire119 => "119",
            EmergencyLine::Ambulance120 => "120",
            EmergencyLine::Traffic122 => "122",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            EmergencyLine::Police110 => "110 报警服务台",
            EmergencyLine::Fire119 => "119 消防救援",
            EmergencyLine::Ambulance120 => "120 医疗急救",
            EmergencyLine::Traffic122 => "122 交通事故报警",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            EmergencyLine::Police110 => "110 police",
            EmergencyLine::Fire119 => "119 fire and rescue",
            EmergencyLine::Ambulance120 => "120 ambulance",
            EmergencyLine::Traffic122 => "122 traffic accidents",
        }
    }
}

/// Which row of the [`TimeLimitPolicy`](super::TimeLimitPolicy) a category's limits come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimitClass {
    /// 安全隐患类: hazards to life or property; dispatched in clock hours, round the clock.
    Safety,
    /// 水电气暖类: water, power, gas and heating outages (Beijing's 2-hour dispatch limit).
    Utility,
    /// 一般类: everything else.
    Standard,
}

impl TimeLimitClass {
    pub const ALL: [TimeLimitClass; 3] = [TimeLimitClass::Safety, TimeLimitClass::Utility, TimeLimitClass::Standard];

    pub fn as_str(self) -> &'static str {
        match self {
            TimeLimitClass::Safety => "safety",
            TimeLimitClass::Utility => "utility",
            TimeLimitClass::Standard => "standard",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            TimeLimitClass::Safety => "安全隐患类",
            TimeLimitClass::Utility => "水电气暖类",
            TimeLimitClass::Standard => "一般类",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            TimeLimitClass::Safety => "Safety hazards",
            TimeLimitClass::Utility => "Utility outages",
            TimeLimitClass::Standard => "Standard",
        }
    }
}

/// One appeal category with its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: CategoryCode,
    pub zh: String,
    pub en: String,
    /// The level that handles it by default (网格, 村(社区), 乡镇(街道), 县, 市).
    pub level: RegionLevel,
    /// The responsible organisation type by default.
    pub org_type: OrgType,
    /// Organisation types usually brought in as supporting units (协办), e.g. the property
    /// company for a residential compound's repairs.
    #[serde(default)]
    pub co_org_types: Vec<OrgType>,
    pub time_limit_class: TimeLimitClass,
    /// The line an *urgent* case of this category belongs to, if any.
    #[serde(default)]
    pub emergency_line: Option<EmergencyLine>,
    /// Whether the grid worker solves an ordinary case of it on the spot (代办, minor
    /// residential matters), so that it stays with the grid.
    #[serde(default)]
    pub grid_solvable: bool,
}

impl Category {
    /// The default owner's organisation type serves at the default level.
    pub fn check(&self) -> Result<(), FieldError> {
        if !self.org_type.levels().contains(&self.level) {
            return Err(FieldError::new(
                "org_type",
                format!(
                    "{} {}：{}不能在{}一级承办 / {}: a {} cannot handle cases at {} level",
                    self.code,
                    self.zh,
                    self.org_type.zh(),
                    self.level.zh(),
                    self.code,
                    self.org_type.en(),
                    self.level.as_str()
                ),
            ));
        }
        if self.zh.trim().is_empty() {
            return Err(FieldError::new(
                "zh",
                format!("{}：名称不能为空 / {}: the name is required", self.code, self.code),
            ));
        }
        Ok(())
    }
}

/// A checked set of categories, in code order, each code once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Category>", into = "Vec<Category>")]
pub struct CategoryTable {
    categories: Vec<Category>,
}

impl CategoryTable {
    pub fn new(mut categories: Vec<Category>) -> Result<Self, Vec<FieldError>> {
        categories.sort_by_key(|c| c.code);
        let mut errors: Vec<FieldError> = categories.iter().filter_map(|c| c.check().err()).collect();
        for pair in categories.windows(2) {
            if pair[0].code == pair[1].code {
                let code = pair[0].code;
                errors.push(FieldError::new(
                    "code",
                    format!("类别代码 {code} 重复 / category code {code} is listed twice"),
                ));
            }
        }
        if errors.is_empty() { Ok(CategoryTable { categories }) } else { Err(errors) }
    }

    pub fn get(&self, code: CategoryCode) -> Option<&Category> {
        self.categories.binary_search_by_key(&code, |c| c.code).ok().map(|i| &self.categories[i])
    }

    /// Parses `code` and finds its category: the one call a form or import row needs.
    pub fn lookup(&self, code: &str) -> Result<&Category, CategoryError> {
        let parsed = CategoryCode::parse(code)?;
        self.get(parsed).ok_or_else(|| CategoryError::Unknown(parsed.to_string()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }
}

impl TryFrom<Vec<Category>> for CategoryTable {
    type Error = String;
    fn try_from(v: Vec<Category>) -> Result<Self, Self::Error> {
        CategoryTable::new(v).map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
    }
}

impl From<CategoryTable> for Vec<Category> {
    fn from(t: CategoryTable) -> Self {
        t.categories
    }
}

impl Default for CategoryTable {
    /// The categories of DOMAIN §4 with Pingan's defaults ([`DEFAULT_CATEGORIES`]).
    fn default() -> Self {
        let categories = DEFAULT_CATEGORIES.iter().map(|d| d.build()).collect();
        CategoryTable::new(categories).expect("the default categories are checked by the appeal tests")
    }
}

/// A row of the built-in default table, in `const` form.
#[derive(Debug, Clone, Copy)]
pub struct CategoryDefault {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub level: RegionLevel,
    pub org_type: &'static str,
    pub co_org_types: &'static [&'static str],
    pub class: TimeLimitClass,
    pub line: Option<EmergencyLine>,
    pub grid_solvable: bool,
}

impl CategoryDefault {
    fn build(self) -> Category {
        let org = |code: &str| OrgType::parse(code).expect("default org types are checked by the appeal tests");
        Category {
            code: CategoryCode::parse(self.code).expect("default codes are checked by the appeal tests"),
            zh: self.zh.to_owned(),
            en: self.en.to_owned(),
            level: self.level,
            org_type: org(self.org_type),
            co_org_types: self.co_org_types.iter().map(|c| org(c)).collect(),
            time_limit_class: self.class,
            emergency_line: self.line,
            grid_solvable: self.grid_solvable,
        }
    }
}

#[allow(clippy::too_many_arguments)]
const fn row(
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    level: RegionLevel,
    org_type: &'static str,
    co_org_types: &'static [&'static str],
    class: TimeLimitClass,
    line: Option<EmergencyLine>,
    grid_solvable: bool,
) -> CategoryDefault {
    CategoryDefault { code, zh, en, level, org_type, co_org_types, class, line, grid_solvable }
}

use EmergencyLine::{Ambulance120, Fire119, Police110, Traffic122};
use RegionLevel::{County, Grid, Township, Village};
use TimeLimitClass::{Safety, Standard, Utility};

/// The default categories (DOMAIN §4). Owners map onto the organisation types Pingan knows:
/// 医调委 and 交调委 have no type of their own, so their departments (卫健, 交警) stand for
/// them; "township government" is the township's 综治中心, which dispatches inside the township.
#[rustfmt::skip]
pub const DEFAULT_CATEGORIES: &[CategoryDefault] = &[
    row("A01", "邻里纠纷", "Neighbour disputes", Village, "mediation_committee", &[], Standard, None, false),
    row("A02", "婚姻家庭纠纷", "Marriage and family disputes", Village, "mediation_committee", &[], Standard, None, false),
    row("A03", "劳资纠纷(欠薪)", "Labour disputes (unpaid wages)", County, "renshe", &[], Standard, None, false),
    row("A04", "土地及宅基地纠纷", "Land and homestead disputes", Township, "zongzhi", &["sifasuo"], Standard, None, false),
    row("A05", "医疗纠纷", "Medical disputes", County, "weijian", &[], Standard, None, false),
    row("A06", "交通事故赔偿纠纷", "Traffic accident compensation disputes", County, "jiaojing", &[], Standard, Some(Traffic122), false),
    row("B01", "治安隐患", "Public order hazards", Township, "paichusuo", &[], Safety, Some(Police110), false),
    row("B02", "电信网络诈骗", "Telecom and online fraud", Township, "paichusuo", &[], Safety, Some(Police110), false),
    row("B03", "噪声扰民", "Noise nuisance", Township, "paichusuo", &[], Standard, Some(Police110), false),
    row("B04", "非法集资", "Illegal fundraising", County, "jinrong", &[], Standard, None, false),
    row("C01", "消防安全隐患", "Fire safety hazards", County, "xiaofang", &[], Safety, Some(Fire119), false),
    row("C02", "燃气安全隐患", "Gas safety hazards", County, "zhujian", &[], Safety, Some(Fire119), false),
    row("C03", "道路交通安全隐患", "Road traffic safety hazards", County, "jiaojing", &["jiaotong"], Safety, Some(Traffic122), false),
    row("C04", "建筑施工安全", "Construction site safety", County, "zhujian", &[], Safety, Some(Fire119), false),
    row("C05", "食品药品安全", "Food and drug safety", County, "shichang", &[], Safety, Some(Ambulance120), false),
    row("C06", "电梯等特种设备", "Lifts and other special equipment", County, "shichang", &[], Safety, Some(Fire119), false),
    row("D01", "物业服务质量", "Property management service quality", Village, "village_committee", &["property_company", "owners_committee"], Standard, None, true),
    row("D02", "小区公共设施维修", "Repairs to shared facilities in residential compounds", Village, "village_committee", &["property_company"], Utility, None, true),
    row("D03", "小区停车管理", "Parking in residential compounds", Village, "village_committee", &["property_company"], Standard, None, true),
    row("D04", "供暖", "Heating", County, "zhujian", &[], Utility, None, false),
    row("E01", "环境卫生", "Sanitation", Township, "zongzhi", &[], Standard, None, false),
    row("E02", "占道经营", "Street trading on roads", County, "zhifa", &[], Standard, None, false),
    row("E03", "违法建设", "Illegal construction", County, "zhifa", &[], Standard, None, false),
    row("E04", "道路及市政设施损坏", "Damaged roads and municipal facilities", County, "zhujian", &[], Standard, Some(Traffic122), false),
    row("E05", "生态环境污染", "Environmental pollution", County, "shengtai", &[], Standard, None, false),
    row("F01", "商家关店跑路(预付卡)", "Business closed with prepaid cards outstanding", County, "shichang", &[], Standard, None, false),
    row("F02", "拒不退卡退费", "Refusal to refund prepaid cards", County, "shichang", &[], Standard, None, false),
    row("F03", "预付卡合同与宣传问题", "Prepaid card contracts and advertising", County, "shichang", &[], Standard, None, false),
    row("G01", "社会保障", "Social security", County, "renshe", &["yibao"], Standard, None, false),
    row("G02", "教育", "Education", County, "jiaoyu", &[], Standard, None, false),
    row("G03", "就业创业", "Employment and starting a business", County, "renshe", &[], Standard, None, false),
    row("G04", "困难救助", "Hardship assistance", County, "minzheng", &[], Standard, None, false),
    row("G05", "证照与事项代办", "Licences and errands done on residents' behalf", Grid, "grid_worker", &[], Standard, None, true),
    row("H01", "意见建议", "Opinions and suggestions", Township, "zongzhi", &[], Standard, None, false),
    row("H02", "表扬感谢", "Praise and thanks", Township, "zongzhi", &[], Standard, None, false),
    row("Z99", "其他", "Other", Township, "zongzhi", &[], Standard, None, false),
];
