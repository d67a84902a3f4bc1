//! Red stations (红色驿站): small service points, each an organisation of kind `red_station`
//! with its address and opening hours, that offer residents and outdoor workers a fixed list of
//! services, are kept by named staff, count the people they serve, and take walk-in appeals
//! (红色驿站来访). This module holds the list of services and the checks on what staff submit;
//! the station itself is an [`crate::org`] row.

use crate::FieldError;
use crate::personal::Phone;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A service a station offers (驿站服务).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationService {
    /// 政策咨询
    Policy,
    /// 矛盾调解
    Mediation,
    /// 法律援助
    LegalAid,
    /// 诉求代办
    Errands,
    /// 休息饮水
    Rest,
    /// 手机充电
    Charging,
    /// 应急药箱
    FirstAid,
    /// 图书阅览
    Reading,
    /// 志愿服务
    Volunteering,
}

impl StationService {
    pub const ALL: [StationService; 9] = [
        StationService::Policy,
        StationService::Mediation,
        StationService::LegalAid,
        StationService::Errands,
        StationService::Rest,
        StationService::Charging,
        StationService::FirstAid,
        StationService::Reading,
        StationService::Volunteering,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StationService::Policy => "policy",
            StationService::Mediation => "mediation",
            StationService::LegalAid => "legal_aid",
            StationService::Errands => "errands",
            StationService::Rest => "rest",
            StationService::Charging => "charging",
            StationService::FirstAid => "first_aid",
            StationService::Reading => "reading",
            StationService::Volunteering => "volunteering",
        }
    }

    pub fn parse(s: &str) -> Option<StationService> {
        Self::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            StationService::Policy => "政策咨询",
            StationService::Mediation => "矛盾调解",
            StationService::LegalAid => "法律援助",
            StationService::Errands => "诉求代办",
            StationService::Rest => "休息饮水",
            StationService::Charging => "手机充电",
            StationService::FirstAid => "应急药箱",
            StationService::Reading => "图书阅览",
            StationService::Volunteering => "志愿服务",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            StationService::Policy => "Policy advice",
            StationService::Mediation => "Dispute mediation",
            StationService::LegalAid => "Legal aid",
            StationService::Errands => "Appeals filed on residents' behalf",
            StationService::Rest => "Rest and drinking water",
            StationService::Charging => "Phone charging",
            StationService::FirstAid => "First-aid kit",
            StationService::Reading => "Reading corner",
            StationService::Volunteering => "Volunteer service",
        }
    }
}

/// The services a station offers, as submitted (codes).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServicesInput {
    #[serde(default)]
    pub services: Vec<String>,
}

/// At least one service, each once, in the fixed order of [`StationService::ALL`].
pub fn parse_services(input: &ServicesInput) -> Result<Vec<StationService>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut services = Vec::new();
    for s in &input.services {
        match StationService::parse(s) {
            Some(x) if !services.contains(&x) => services.push(x),
            Some(_) => {}
            None => errors.push(FieldError::new("services", format!("服务项目“{s}”无法识别 / unknown service"))),
        }
    }
    if services.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("services", "请至少选择一项服务 / choose at least one service"));
    }
    services.sort();
    if errors.is_empty() { Ok(services) } else { Err(errors) }
}

/// A staff member (驿站工作人员) as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StaffInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// What they do at the station: 站长, 值班员, 志愿者 …
    #[serde(default)]
    pub duty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub name: String,
    pub phone: Phone,
    pub duty: String,
}

impl NewStaff {
    pub fn parse(input: &StaffInput) -> Result<NewStaff, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if !(2..=20).contains(&name.chars().count()) || name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
            errors.push(FieldError::new("name", "请填写姓名(2 至 20 字) / give the name (2 to 20 characters)"));
        }
        let phone = Phone::parse(&input.phone).map_err(|m| errors.push(FieldError::new("phone", m))).ok();
        let duty = input.duty.trim();
        if !(2..=40).contains(&duty.chars().count()) {
            errors.push(FieldError::new("duty", "请填写岗位职责(2 至 40 字) / give the duty (2 to 40 characters)"));
        }
        match phone {
            Some(phone) if errors.is_empty() => Ok(NewStaff { name: name.to_owned(), phone, duty: duty.to_owned() }),
            _ => Err(errors),
        }
    }
}

/// A visit (来访登记): people served by one service on one day, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitInput {
    #[serde(default)]
    pub service: String,
    pub people: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// `YYYY-MM-DD`; today (China time) when empty.
    #[serde(default)]
    pub day: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub service: StationService,
    pub people: i64,
    pub note: String,
    pub day: NaiveDate,
}

/// The most people one visit record may count: a record is a sitting, not a month's tally.
pub const MAX_PEOPLE: i64 = 500;

impl NewVisit {
    /// Parse a visit recorded on `today` (China time): it cannot be dated in the future.
    pub fn parse(input: &VisitInput, today: NaiveDate) -> Result<NewVisit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let service = StationService::parse(&input.service);
        if service.is_none() {
            errors.push(FieldError::new("service", "请选择服务项目 / pick the service"));
        }
        let people = input.people.filter(|n| (1..=MAX_PEOPLE).contains(n));
        if people.is_none() {
            errors.push(FieldError::new("people", "服务人数为 1 至 500 / 1 to 500 people"));
        }
        let note = input.note.trim();
        if note.chars().count() > 200 {
            errors.push(FieldError::new("note", "备注不超过 200 字 / at most 200 characters"));
        }
        let raw = input.day.trim();
        let day = if raw.is_empty() {
            Some(today)
        } else {
            match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("day", "日期不能晚于今天 / the day cannot be in the future"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new("day", "日期格式应为 年-月-日 / YYYY-MM-DD"));
                    None
                }
            }
        };
        match (service, people, day) {
            (Some(service), Some(people), Some(day)) if errors.is_empty() => {
                Ok(NewVisit { service, people, note: note.to_owned(), day })
            }
            _ => Err(errors),
        }
    }
}

/// The days figures are counted over, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// From the first of `today`'s month to `today`.
    pub fn month_to_date(today: NaiveDate) -> Period {
        Period { from: today.with_day(1).unwrap_or(today), to: today }
    }

    /// From the first of January of `today`'s year to `today`.
    pub fn year_to_date(today: NaiveDate) -> Period {
        Period { from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today), to: today }
    }

    /// A period given as `YYYY-MM-DD` ends: the year to date when both are empty, at most
    /// 366 days long (a figure sheet is a month, a quarter or a year).
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Period, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut date = |field: &str, raw: Option<&str>| match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| errors.push(FieldError::new(field, "日期格式应为 年-月-日 / YYYY-MM-DD")))
                .ok(),
        };
        let (from_day, to_day) = (date("from", from), date("to", to));
        if !errors.is_empty() {
            return Err(errors);
        }
        let to = to_day.unwrap_or(today);
        let from = from_day.unwrap_or_else(|| Period::year_to_date(to).from);
        if from > to {
            return Err(vec![FieldError::new("from", "起始日期不能晚于截止日期 / the start is after the end")]);
        }
        if (to - from).num_days() > 365 {
            return Err(vec![FieldError::new("from", "统计期间不超过一年 / at most a year")]);
        }
        Ok(Period { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn services_are_known_codes_each_once_in_a_fixed_order() {
        let s = parse_services(&ServicesInput { services: vec!["rest".into(), "policy".into(), "rest".into()] });
        assert_eq!(s.unwrap(), [StationService::Policy, StationService::Rest]);
        let errs = parse_services(&ServicesInput { services: vec!["massage".into()] }).unwrap_err();
        assert_eq!(fields(&errs), ["services"]);
        let errs = parse_services(&ServicesInput::default()).unwrap_err();
        assert_eq!(fields(&errs), ["services"]);
        assert!(StationService::ALL.iter().all(|s| StationService::parse(s.code()) == Some(*s)));
    }

    #[test]
    fn staff_need_a_name_a_mobile_and_a_duty() {
        let errs =
            NewStaff::parse(&StaffInput { name: "李".into(), phone: "0534-123".into(), duty: "".into() }).unwrap_err();
        assert_eq!(fields(&errs), ["name", "phone", "duty"]);
        let s = NewStaff::parse(&StaffInput {
            name: " 李红梅 ".into(),
            phone: "139 1234 5678".into(),
            duty: "站长".into(),
        })
        .unwrap();
        assert_eq!((s.name.as_str(), s.phone.masked().as_str()), ("李红梅", "139****5678"));
    }

    #[test]
    fn a_visit_counts_people_on_a_day_that_has_come() {
        let today = day("2026-11-29");
        let v =
            NewVisit::parse(&VisitInput { service: "charging".into(), people: Some(3), ..Default::default() }, today)
                .unwrap();
        assert_eq!((v.service, v.people, v.day), (StationService::Charging, 3, today));
        let bad =
            VisitInput { service: "nap".into(), people: Some(501), note: "长".repeat(201), day: "2026-11-30".into() };
        assert_eq!(fields(&NewVisit::parse(&bad, today).unwrap_err()), ["service", "people", "note", "day"]);
        let bad =
            VisitInput { service: "rest".into(), people: Some(0), day: "29/11/2026".into(), ..Default::default() };
        assert_eq!(fields(&NewVisit::parse(&bad, today).unwrap_err()), ["people", "day"]);
    }

    #[test]
    fn a_period_is_the_year_to_date_unless_given_and_at_most_a_year() {
        let today = day("2026-11-29");
        assert_eq!(Period::parse(None, None, today).unwrap(), Period { from: day("2026-01-01"), to: today });
        assert_eq!(Period::month_to_date(today).from, day("2026-11-01"));
        let p = Period::parse(Some("2025-07-01"), Some("2025-09-30"), today).unwrap();
        assert_eq!((p.from, p.to), (day("2025-07-01"), day("2025-09-30")));
        assert_eq!(fields(&Period::parse(Some("2026-12-01"), Some("2026-11-01"), today).unwrap_err()), ["from"]);
        assert_eq!(fields(&Period::parse(Some("2024-01-01"), Some("2026-01-01"), today).unwrap_err()), ["from"]);
        assert_eq!(fields(&Period::parse(Some("x"), Some("y"), today).unwrap_err()), ["from", "to"]);
    }
}
