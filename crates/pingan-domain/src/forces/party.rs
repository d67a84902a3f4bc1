//! 在职党员社区报到: a party member of a work unit reports to the community they live in (by
//! phone, confirmed by the community), chooses the posts they will serve in, and answers the
//! community's calls (听从组织召唤): signs up, checks in on site — the phone's position must lie
//! in the call's grid, inside the call's time — and the call's hours are credited.

use crate::FieldError;
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A service post (服务岗位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServicePost {
    /// 治安巡逻
    Patrol,
    /// 矛盾调解
    Mediation,
    /// 政策宣传
    Publicity,
    /// 关爱老幼
    Care,
    /// 环境整治
    Environment,
    /// 文明劝导
    Civility,
}

impl ServicePost {
    pub const ALL: [ServicePost; 6] = [
        ServicePost::Patrol,
        ServicePost::Mediation,
        ServicePost::Publicity,
        ServicePost::Care,
        ServicePost::Environment,
        ServicePost::Civility,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ServicePost::Patrol => "patrol",
            ServicePost::Mediation => "mediation",
            ServicePost::Publicity => "publicity",
            ServicePost::Care => "care",
            ServicePost::Environment => "environment",
            ServicePost::Civility => "civility",
        }
    }

    pub fn parse(s: &str) -> Option<ServicePost> {
        Self::ALL.into_iter().find(|p| p.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            ServicePost::Patrol => "治安巡逻",
            ServicePost::Mediation => "矛盾调解",
            ServicePost::Publicity => "政策宣传",
            ServicePost::Care => "关爱老幼",
            ServicePost::Environment => "环境整治",
            ServicePost::Civility => "文明劝导",
        }
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    /// Registered, waiting for the community.
    Pending,
    /// Confirmed by the community: on its roster.
    Confirmed,
    /// Declined by the community, with a reason.
    Declined,
}

impl MemberState {
    pub fn code(self) -> &'static str {
        match self {
            MemberState::Pending => "pending",
            MemberState::Confirmed => "confirmed",
            MemberState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<MemberState> {
        [MemberState::Pending, MemberState::Confirmed, MemberState::Declined].into_iter().find(|m| m.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            MemberState::Pending => "待社区确认",
            MemberState::Confirmed => "已报到",
            MemberState::Declined => "未通过",
        }
    }
}

/// A person's name as typed: 2 to 20 characters, no digits (a phone number typed in the wrong
/// box) and no control characters.
pub fn person_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    let ok = (2..=20).contains(&name.chars().count()) && !name.chars().any(|c| c.is_ascii_digit() || c.is_control());
    ok.then(|| name.to_owned())
}

/// A registration as submitted from the phone.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistrationInput {
    #[serde(default)]
    pub name: String,
    /// The work unit (工作单位).
    pub work_org_id: Option<i64>,
    /// The community (村/社区) of residence.
    pub community_id: Option<i64>,
    #[serde(default)]
    pub posts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub name: String,
    pub work_org_id: i64,
    pub community_id: i64,
    /// One to four posts, each once, in a fixed order.
    pub posts: Vec<ServicePost>,
}

impl NewRegistration {
    pub fn parse(input: &RegistrationInput) -> Result<NewRegistration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = person_name(&input.name);
        if name.is_none() {
            errors.push(FieldError::new("name", "请填写姓名(2 至 20 字) / give your name (2 to 20 characters)"));
        }
        if input.work_org_id.is_none() {
            errors.push(FieldError::new("work_org_id", "请选择工作单位 / pick your work unit"));
        }
        if input.community_id.is_none() {
            errors.push(FieldError::new("community_id", "请选择居住的村(社区) / pick the community you live in"));
        }
        let mut posts = Vec::new();
        for p in &input.posts {
            match ServicePost::parse(p) {
                Some(post) if !posts.contains(&post) => posts.push(post),
                Some(_) => {}
                None => errors.push(FieldError::new("posts", format!("服务岗位“{p}”无法识别 / unknown post"))),
            }
        }
        if posts.is_empty() || posts.len() > 4 {
            errors.push(FieldError::new("posts", "请选择 1 至 4 个服务岗位 / choose 1 to 4 posts"));
        }
        posts.sort();
        match (name, input.work_org_id, input.community_id) {
            (Some(name), Some(work_org_id), Some(community_id)) if errors.is_empty() => {
                Ok(NewRegistration { name, work_org_id, community_id, posts })
            }
            _ => Err(errors),
        }
    }
}

/// A call as a community posts it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub post: String,
    /// The grid where members check in.
    pub grid_id: Option<i64>,
    /// China time, `YYYY-MM-DD HH:MM` (or `YYYY-MM-DDTHH:MM` from a browser).
    #[serde(default)]
    pub starts_at: String,
    /// Length in hours, in half hours: these are the hours credited.
    pub hours: Option<f64>,
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub title: String,
    pub post: ServicePost,
    pub grid_id: i64,
    pub starts: NaiveDateTime,
    /// Hours credited, in tenths (so that sums stay exact).
    pub hours_tenths: i64,
    pub capacity: i64,
}

impl NewCall {
    pub fn ends(&self) -> NaiveDateTime {
        self.starts + Duration::minutes(self.hours_tenths * 6)
    }

    /// Parse a call posted at `now` (China time): it starts within the coming 90 days.
    pub fn parse(input: &CallInput, now: NaiveDateTime) -> Result<NewCall, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = input.title.trim();
        if !(2..=60).contains(&title.chars().count()) {
            errors.push(FieldError::new("title", "请写明召集内容(2 至 60 字) / give the call in 2 to 60 characters"));
        }
        let post = ServicePost::parse(&input.post);
        if post.is_none() {
            errors.push(FieldError::new("post", "请选择服务岗位 / pick the post"));
        }
        if input.grid_id.is_none() {
            errors.push(FieldError::new("grid_id", "请选择签到网格 / pick the grid where members check in"));
        }
        let raw = input.starts_at.trim().replace('T', " ");
        let starts = match NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M") {
            Ok(t) if t < now - Duration::hours(1) => {
                errors.push(FieldError::new("starts_at", "开始时间已过 / the start has passed"));
                None
            }
            Ok(t) if t > now + Duration::days(90) => {
                errors.push(FieldError::new("starts_at", "只能召集 90 天内的活动 / within the coming 90 days"));
                None
            }
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError::new(
                    "starts_at",
                    "请填写开始时间(年-月-日 时:分) / give the start (YYYY-MM-DD HH:MM)",
                ));
                None
            }
        };
        let hours = input.hours.filter(|h| (0.5..=12.0).contains(h) && (h * 2.0).fract() == 0.0);
        if hours.is_none() {
            errors.push(FieldError::new("hours", "时长为 0.5 至 12 小时,以半小时计 / 0.5 to 12 hours, in half hours"));
        }
        let capacity = input.capacity.filter(|c| (1..=500).contains(c));
        if capacity.is_none() {
            errors.push(FieldError::new("capacity", "人数为 1 至 500 / 1 to 500 people"));
        }
        match (post, input.grid_id, starts, hours, capacity) {
            (Some(post), Some(grid_id), Some(starts), Some(hours), Some(capacity)) if errors.is_empty() => {
                Ok(NewCall {
                    title: title.to_owned(),
                    post,
                    grid_id,
                    starts,
                    hours_tenths: (hours * 10.0).round() as i64,
                    capacity: i64::from(capacity),
                })
            }
            _ => Err(errors),
        }
    }
}

/// How early before a call's start a member may check in.
pub const EARLY_CHECK_IN: Duration = Duration::hours(1);

/// Why a check-in is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInRefused {
    #[error("还未到签到时间(开始前 1 小时起可签到) / check-in opens an hour before the start")]
    TooEarly,
    #[error("活动已结束,不能签到 / the call is over")]
    Over,
    #[error("签到位置不在活动网格内 / you are not in the call's grid")]
    Elsewhere,
    #[error("已签到 / already checked in")]
    Twice,
}

/// May a member who signed up check in at `now`, standing in grid `here` (the grid the phone's
/// position falls in, `None` outside every grid)?
pub fn check_in(
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    call_grid: i64,
    already: bool,
    here: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), CheckInRefused> {
    if already {
        return Err(CheckInRefused::Twice);
    }
    if now < starts - EARLY_CHECK_IN {
        return Err(CheckInRefused::TooEarly);
    }
    if now > ends {
        return Err(CheckInRefused::Over);
    }
    if here != Some(call_grid) {
        return Err(CheckInRefused::Elsewhere);
    }
    Ok(())
}

/// A report-in rate (报到率) in percent, one decimal: confirmed members over the members the
/// unit has on its rolls; `None` while the unit has not declared its rolls.
pub fn report_in_rate(confirmed: i64, on_rolls: Option<i64>) -> Option<f64> {
    match on_rolls {
        Some(n) if n > 0 => Some((confirmed as f64 * 1000.0 / n as f64).round() / 10.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_registration_names_every_missing_field() {
        let errs = NewRegistration::parse(&RegistrationInput { posts: vec!["guard".into()], ..Default::default() })
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "work_org_id", "community_id", "posts", "posts"]);
        let r = NewRegistration::parse(&RegistrationInput {
            name: " 王建国 ".into(),
            work_org_id: Some(3),
            community_id: Some(9),
            posts: vec!["publicity".into(), "patrol".into(), "patrol".into()],
        })
        .unwrap();
        assert_eq!((r.name.as_str(), r.posts), ("王建国", vec![ServicePost::Patrol, ServicePost::Publicity]));
    }

    #[test]
    fn a_call_has_a_grid_a_time_and_hours_in_halves() {
        let now = at("2026-11-30 08:00");
        let input = CallInput {
            title: "周末夜间治安巡逻".into(),
            post: "patrol".into(),
            grid_id: Some(42),
            starts_at: "2026-12-05T19:00".into(),
            hours: Some(2.5),
            capacity: Some(10),
        };
        let c = NewCall::parse(&input, now).unwrap();
        assert_eq!((c.hours_tenths, c.ends()), (25, at("2026-12-05 21:30")));
        let bad = CallInput { hours: Some(0.7), starts_at: "2026-11-01 09:00".into(), grid_id: None, ..input };
        let fields: Vec<String> = NewCall::parse(&bad, now).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["grid_id", "starts_at", "hours"]);
    }

    #[test]
    fn check_in_is_on_site_and_on_time_and_once() {
        let (starts, ends) = (at("2026-12-05 19:00"), at("2026-12-05 21:00"));
        let ok = |here, now| check_in(starts, ends, 42, false, here, at(now));
        assert_eq!(ok(Some(42), "2026-12-05 18:00"), Ok(()));
        assert_eq!(ok(Some(42), "2026-12-05 17:59"), Err(CheckInRefused::TooEarly));
        assert_eq!(ok(Some(42), "2026-12-05 21:01"), Err(CheckInRefused::Over));
        assert_eq!(ok(Some(41), "2026-12-05 19:10"), Err(CheckInRefused::Elsewhere));
        assert_eq!(ok(None, "2026-12-05 19:10"), Err(CheckInRefused::Elsewhere));
        assert_eq!(check_in(starts, ends, 42, true, Some(42), at("2026-12-05 19:10")), Err(CheckInRefused::Twice));
    }

    #[test]
    fn the_rate_needs_the_rolls() {
        assert_eq!(report_in_rate(37, Some(40)), Some(92.5));
        assert_eq!(report_in_rate(3, None), None);
        assert_eq!(report_in_rate(3, Some(0)), None);
    }
}
