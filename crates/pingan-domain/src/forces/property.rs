//! 红色物业: a property company's quarterly service rating, shown to residents, from the
//! D-category appeals (物业服务, 小区设施维修, 小区停车; DOMAIN §4) placed in the community it
//! serves. The rating is transparent: a score out of 100 with each deduction and its reason.
//! *(configurable default: the weights below are this project's, not a published norm.)*

use super::party::person_name;
use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The appeal categories a property company answers for.
pub const PROPERTY_CATEGORIES: [&str; 3] = ["D01", "D02", "D03"];

/// What a quarter's appeals say about a company.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuarterAppeals {
    /// Households of the community served (complaints are counted per 100 of them).
    pub households: i64,
    pub appeals: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub callbacks: i64,
    pub satisfied: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyGrade {
    /// 优秀 (≥ 90)
    Excellent,
    /// 良好 (≥ 80)
    Good,
    /// 合格 (≥ 60)
    Fair,
    /// 待改进
    Poor,
}

impl PropertyGrade {
    pub fn zh(self) -> &'static str {
        match self {
            PropertyGrade::Excellent => "优秀",
            PropertyGrade::Good => "良好",
            PropertyGrade::Fair => "合格",
            PropertyGrade::Poor => "待改进",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyRating {
    pub score: i64,
    pub grade: PropertyGrade,
    pub grade_zh: &'static str,
    /// Each deduction, in words, with its points.
    pub reasons: Vec<String>,
}

/// Rate a quarter: 100, less up to 30 for complaints per 100 households (5 a complaint per
/// 100 households), up to 30 for dissatisfied callbacks, up to 20 for cases closed late, and up
/// to 20 for cases still open (2 each).
pub fn rate(q: &QuarterAppeals) -> PropertyRating {
    let mut score = 100;
    let mut reasons = Vec::new();
    let mut deduct = |points: i64, why: String| {
        if points > 0 {
            score -= points;
            reasons.push(format!("{why}:扣 {points} 分"));
        }
    };
    let per_hundred = q.appeals as f64 * 100.0 / q.households.max(1) as f64;
    deduct(
        ((per_hundred * 5.0).round() as i64).min(30),
        format!("物业类诉求 {} 件(每百户 {per_hundred:.1} 件)", q.appeals),
    );
    if q.callbacks > 0 {
        let unhappy = 1.0 - q.satisfied as f64 / q.callbacks as f64;
        deduct((unhappy * 30.0).round() as i64, format!("回访满意 {}/{}", q.satisfied, q.callbacks));
    }
    if q.closed > 0 {
        let late = 1.0 - q.closed_on_time as f64 / q.closed as f64;
        deduct((late * 20.0).round() as i64, format!("按期办结 {}/{}", q.closed_on_time, q.closed));
    }
    let open = (q.appeals - q.closed).max(0);
    deduct((open * 2).min(20), format!("未办结 {open} 件"));
    let score = score.max(0);
    let grade = match score {
        90.. => PropertyGrade::Excellent,
        80..=89 => PropertyGrade::Good,
        60..=79 => PropertyGrade::Fair,
        _ => PropertyGrade::Poor,
    };
    PropertyRating { score, grade, grade_zh: grade.zh(), reasons }
}

/// The quarter (1–4) `date` falls in.
pub fn quarter_of(date: NaiveDate) -> u32 {
    date.month0() / 3 + 1
}

/// The first day of the quarter and of the next one.
pub fn quarter_bounds(year: i32, quarter: u32) -> Option<(NaiveDate, NaiveDate)> {
    if !(1..=4).contains(&quarter) {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)?;
    let end = if quarter == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1)?
    };
    Some((start, end))
}

/// A residential estate (小区) and who serves it: the property company, and the owners'
/// committee (业主委员会) where the owners have elected one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EstateInput {
    #[serde(default)]
    pub name: String,
    pub community_id: Option<i64>,
    pub company_org_id: Option<i64>,
    pub owners_committee_org_id: Option<i64>,
    pub households: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEstate {
    pub name: String,
    pub community_id: i64,
    pub company_org_id: i64,
    pub owners_committee_org_id: Option<i64>,
    pub households: i64,
}

impl NewEstate {
    pub fn parse(input: &EstateInput) -> Result<NewEstate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if !(2..=40).contains(&name.chars().count()) {
            errors.push(FieldError::new("name", "请填写小区名称(2 至 40 字) / name the estate in 2 to 40 characters"));
        }
        if input.community_id.is_none() {
            errors.push(FieldError::new("community_id", "请选择所在村(社区) / pick the community"));
        }
        if input.company_org_id.is_none() {
            errors.push(FieldError::new("company_org_id", "请选择物业服务企业 / pick the property company"));
        }
        let households = input.households.filter(|h| (1..=20_000).contains(h));
        if households.is_none() {
            errors.push(FieldError::new("households", "户数为 1 至 20000 / 1 to 20,000 households"));
        }
        match (input.community_id, input.company_org_id, households) {
            (Some(community_id), Some(company_org_id), Some(households)) if errors.is_empty() => Ok(NewEstate {
                name: name.to_owned(),
                community_id,
                company_org_id,
                owners_committee_org_id: input.owners_committee_org_id,
                households,
            }),
            _ => Err(errors),
        }
    }
}

/// How a property company's party organisation stands (物业企业党组织组建情况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyOrgStatus {
    /// 单独组建: its own branch.
    Independent,
    /// 联合组建: a branch shared with other companies or the community.
    Joint,
    /// 选派党建指导员: no branch yet; a party-building instructor is sent in.
    Instructor,
    /// 未建立
    None,
}

impl PartyOrgStatus {
    pub const ALL: [PartyOrgStatus; 4] =
        [PartyOrgStatus::Independent, PartyOrgStatus::Joint, PartyOrgStatus::Instructor, PartyOrgStatus::None];

    pub fn code(self) -> &'static str {
        match self {
            PartyOrgStatus::Independent => "independent",
            PartyOrgStatus::Joint => "joint",
            PartyOrgStatus::Instructor => "instructor",
            PartyOrgStatus::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<PartyOrgStatus> {
        Self::ALL.into_iter().find(|p| p.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            PartyOrgStatus::Independent => "单独组建党组织",
            PartyOrgStatus::Joint => "联合组建党组织",
            PartyOrgStatus::Instructor => "选派党建指导员",
            PartyOrgStatus::None => "未建立党组织",
        }
    }

    /// 红色物业: a company under party leadership — a branch of its own or a joint one.
    pub fn is_red(self) -> bool {
        matches!(self, PartyOrgStatus::Independent | PartyOrgStatus::Joint)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartyStatusInput {
    #[serde(default)]
    pub status: String,
    /// Formal party members among the company's staff.
    pub members: Option<i64>,
    /// The branch secretary, or the instructor sent in.
    #[serde(default)]
    pub secretary: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyStatus {
    pub status: PartyOrgStatus,
    pub members: i64,
    pub secretary: Option<String>,
}

impl PartyStatus {
    /// A branch of its own needs three formal members (《中国共产党章程》 Art. 30: an
    /// organisation with three or more formal members forms a primary organisation); a branch
    /// or an instructor has a named person.
    pub fn parse(input: &PartyStatusInput) -> Result<PartyStatus, Vec<FieldError>> {
        let mut errors = Vec::new();
        let status = PartyOrgStatus::parse(&input.status);
        if status.is_none() {
            errors.push(FieldError::new("status", "请选择党组织组建情况 / pick the party organisation status"));
        }
        let members = input.members.filter(|m| (0..=1000).contains(m));
        if members.is_none() {
            errors.push(FieldError::new("members", "党员人数为 0 至 1000 / 0 to 1,000 members"));
        }
        if status == Some(PartyOrgStatus::Independent) && members.is_some_and(|m| m < 3) {
            errors.push(FieldError::new(
                "members",
                "正式党员 3 人以上方可单独组建 / a branch of its own needs three formal members",
            ));
        }
        let secretary = person_name(&input.secretary);
        let needs_person = status.is_some_and(|s| s != PartyOrgStatus::None);
        if needs_person && secretary.is_none() {
            errors.push(FieldError::new("secretary", "请填写书记或党建指导员姓名 / name the secretary or instructor"));
        }
        match (status, members) {
            (Some(status), Some(members)) if errors.is_empty() => {
                Ok(PartyStatus { status, members, secretary: secretary.filter(|_| needs_person) })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_quarter_is_excellent_and_each_deduction_is_named() {
        let quiet = rate(&QuarterAppeals { households: 400, ..Default::default() });
        assert_eq!((quiet.score, quiet.grade, quiet.reasons.len()), (100, PropertyGrade::Excellent, 0));
        let busy = rate(&QuarterAppeals {
            households: 400,
            appeals: 8,
            closed: 6,
            closed_on_time: 3,
            callbacks: 6,
            satisfied: 3,
        });
        // 2 per 100 households: −10; half satisfied: −15; half late: −10; 2 open: −4.
        assert_eq!((busy.score, busy.grade), (61, PropertyGrade::Fair), "{:?}", busy.reasons);
        assert_eq!(busy.reasons.len(), 4);
        assert!(busy.reasons[0].contains("每百户 2.0 件") && busy.reasons[0].contains("扣 10 分"));
        let worst = rate(&QuarterAppeals { households: 10, appeals: 50, ..Default::default() });
        assert_eq!((worst.score, worst.grade), (50, PropertyGrade::Poor));
    }

    #[test]
    fn quarters_run_three_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(quarter_of(d(2026, 11, 29)), 4);
        assert_eq!(quarter_bounds(2026, 4), Some((d(2026, 10, 1), d(2027, 1, 1))));
        assert_eq!(quarter_bounds(2026, 2), Some((d(2026, 4, 1), d(2026, 7, 1))));
        assert_eq!(quarter_bounds(2026, 5), None);
    }

    #[test]
    fn an_estate_names_every_missing_field() {
        let fields: Vec<String> =
            NewEstate::parse(&EstateInput::default()).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "community_id", "company_org_id", "households"]);
        let e = NewEstate::parse(&EstateInput {
            name: " 锦绣花园 ".into(),
            community_id: Some(4),
            company_org_id: Some(9),
            owners_committee_org_id: None,
            households: Some(860),
        })
        .unwrap();
        assert_eq!((e.name.as_str(), e.households), ("锦绣花园", 860));
    }

    #[test]
    fn a_branch_of_its_own_needs_three_members_and_a_secretary() {
        let input = |status: &str, members: i64, secretary: &str| PartyStatusInput {
            status: status.into(),
            members: Some(members),
            secretary: secretary.into(),
        };
        let fields = |i: PartyStatusInput| -> Vec<String> {
            PartyStatus::parse(&i).unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(input("independent", 2, "王芳")), ["members"]);
        assert_eq!(fields(input("joint", 1, "")), ["secretary"]);
        assert_eq!(fields(input("party", -1, "")), ["status", "members"]);
        let ok = PartyStatus::parse(&input("independent", 3, "王芳")).unwrap();
        assert!(ok.status.is_red());
        let none = PartyStatus::parse(&input("none", 0, "王芳")).unwrap();
        assert_eq!((none.status.is_red(), none.secretary), (false, None));
        assert!(!PartyOrgStatus::Instructor.is_red());
    }
}
