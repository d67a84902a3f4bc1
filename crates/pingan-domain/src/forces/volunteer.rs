//! 志愿者: volunteer teams (平安志愿者, anti-fraud publicity, patrol, …) run by a township or
//! community, the residents who join them (by phone, confirmed by the team's staff), the
//! teams' activities — posted, signed up for and checked into on site by the same rules as a
//! community's call to party members ([`super::party::NewCall`], [`super::party::check_in`]) —
//! the hours credited, the star levels those hours earn, and the dispatch of a volunteer to a
//! simple appeal (such as E01 sanitation) when the administrators' list of categories allows.

use super::party::person_name;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// What a team does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// 平安志愿者
    Safety,
    /// 反诈宣传
    AntiFraud,
    /// 治安巡逻
    Patrol,
    /// 关爱帮扶
    Care,
    /// 环境卫生
    Environment,
}

impl TeamKind {
    pub const ALL: [TeamKind; 5] =
        [TeamKind::Safety, TeamKind::AntiFraud, TeamKind::Patrol, TeamKind::Care, TeamKind::Environment];

    pub fn code(self) -> &'static str {
        match self {
            TeamKind::Safety => "safety",
            TeamKind::AntiFraud => "anti_fraud",
            TeamKind::Patrol => "patrol",
            TeamKind::Care => "care",
            TeamKind::Environment => "environment",
        }
    }

    pub fn parse(s: &str) -> Option<TeamKind> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            TeamKind::Safety => "平安志愿者",
            TeamKind::AntiFraud => "反诈宣传",
            TeamKind::Patrol => "治安巡逻",
            TeamKind::Care => "关爱帮扶",
            TeamKind::Environment => "环境卫生",
        }
    }
}

/// A team as staff create it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    /// The township or community that runs the team; its volunteers serve there.
    pub region_id: Option<i64>,
    /// 队长
    #[serde(default)]
    pub leader: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub name: String,
    pub kind: TeamKind,
    pub region_id: i64,
    pub leader: String,
}

impl NewTeam {
    pub fn parse(input: &TeamInput) -> Result<NewTeam, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if !(2..=40).contains(&name.chars().count()) {
            errors.push(FieldError::new("name", "请填写队伍名称(2 至 40 字) / name the team in 2 to 40 characters"));
        }
        let kind = TeamKind::parse(&input.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择队伍类别 / pick the kind of team"));
        }
        if input.region_id.is_none() {
            errors
                .push(FieldError::new("region_id", "请选择所属乡镇(街道)或村(社区) / pick the township or community"));
        }
        let leader = person_name(&input.leader);
        if leader.is_none() {
            errors.push(FieldError::new("leader", "请填写队长姓名(2 至 20 字) / give the leader's name"));
        }
        match (kind, input.region_id, leader) {
            (Some(kind), Some(region_id), Some(leader)) if errors.is_empty() => {
                Ok(NewTeam { name: name.to_owned(), kind, region_id, leader })
            }
            _ => Err(errors),
        }
    }
}

/// Hours at which a volunteer earns each star (星级志愿者): 100, 300, 600, 1,000 and 1,500
/// hours of recorded service, as 《中国注册志愿者管理办法》 sets them.
pub const STAR_HOURS: [i64; 5] = [100, 300, 600, 1000, 1500];

/// The star level (0 to 5) that `hours_tenths` tenths of an hour of service earn.
pub fn star_level(hours_tenths: i64) -> u8 {
    STAR_HOURS.iter().filter(|&&h| hours_tenths >= h * 10).count() as u8
}

/// Where a volunteer's dispatch to an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchState {
    /// Sent by the handling staff; the volunteer has been told.
    Assigned,
    /// The volunteer reports what they did and the time it took.
    Reported,
    /// The staff confirmed the report: the hours are credited.
    Confirmed,
    /// Withdrawn by the staff before a report.
    Cancelled,
}

impl DispatchState {
    pub fn code(self) -> &'static str {
        match self {
            DispatchState::Assigned => "assigned",
            DispatchState::Reported => "reported",
            DispatchState::Confirmed => "confirmed",
            DispatchState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<DispatchState> {
        [DispatchState::Assigned, DispatchState::Reported, DispatchState::Confirmed, DispatchState::Cancelled]
            .into_iter()
            .find(|d| d.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            DispatchState::Assigned => "已派志愿者",
            DispatchState::Reported => "志愿者已反馈",
            DispatchState::Confirmed => "已确认,计入时长",
            DispatchState::Cancelled => "已撤回",
        }
    }
}

/// What may be done to a dispatch, and by whom.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchCommand {
    /// The volunteer reports: what was done, in how many hours.
    Report { note: String, hours_tenths: i64 },
    /// The staff confirm the report; the hours are credited.
    Confirm,
    /// The staff send the report back for more work, saying why.
    SendBack { reason: String },
    /// The staff withdraw the dispatch before a report.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchRefused {
    #[error("只有被派的志愿者本人可以反馈 / only the volunteer sent may report")]
    NotTheVolunteer,
    #[error("志愿者反馈须由派单人员确认 / the staff confirm a report")]
    NotStaff,
    #[error("当前状态({0})不能进行此操作 / not possible in this state")]
    State(&'static str),
}

impl DispatchCommand {
    /// Parse a volunteer's report: a note of 2 to 200 characters and 0.5 to 8 hours, in halves.
    pub fn report(note: &str, hours: Option<f64>) -> Result<DispatchCommand, Vec<FieldError>> {
        let mut errors = Vec::new();
        let note = note.trim();
        if !(2..=200).contains(&note.chars().count()) {
            errors
                .push(FieldError::new("note", "请说明完成情况(2 至 200 字) / say what was done (2 to 200 characters)"));
        }
        let hours = hours.filter(|h| (0.5..=8.0).contains(h) && (h * 2.0).fract() == 0.0);
        if hours.is_none() {
            errors.push(FieldError::new("hours", "时长为 0.5 至 8 小时,以半小时计 / 0.5 to 8 hours, in half hours"));
        }
        match hours {
            Some(h) if errors.is_empty() => {
                Ok(DispatchCommand::Report { note: note.to_owned(), hours_tenths: (h * 10.0).round() as i64 })
            }
            _ => Err(errors),
        }
    }

    /// The state this command leads to from `from`, when `is_volunteer` (the actor is the
    /// volunteer sent) or else staff in scope.
    pub fn next(&self, from: DispatchState, is_volunteer: bool) -> Result<DispatchState, DispatchRefused> {
        use DispatchState::*;
        match (self, is_volunteer) {
            (DispatchCommand::Report { .. }, false) => return Err(DispatchRefused::NotTheVolunteer),
            (DispatchCommand::Report { .. }, true) => {}
            (_, true) => return Err(DispatchRefused::NotStaff),
            _ => {}
        }
        match (self, from) {
            (DispatchCommand::Report { .. }, Assigned) => Ok(Reported),
            (DispatchCommand::Confirm, Reported) => Ok(Confirmed),
            (DispatchCommand::SendBack { .. }, Reported) => Ok(Assigned),
            (DispatchCommand::Cancel, Assigned) => Ok(Cancelled),
            (_, s) => Err(DispatchRefused::State(s.zh())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_names_every_bad_field() {
        let errs = NewTeam::parse(&TeamInput { kind: "choir".into(), ..Default::default() }).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "region_id", "leader"]);
        let t = NewTeam::parse(&TeamInput {
            name: " 新湖街道平安志愿者服务队 ".into(),
            kind: "safety".into(),
            region_id: Some(5),
            leader: "李红梅".into(),
        })
        .unwrap();
        assert_eq!((t.name.as_str(), t.kind), ("新湖街道平安志愿者服务队", TeamKind::Safety));
    }

    #[test]
    fn stars_follow_the_hours() {
        assert_eq!(star_level(0), 0);
        assert_eq!(star_level(999), 0);
        assert_eq!(star_level(1000), 1);
        assert_eq!(star_level(5999), 2);
        assert_eq!(star_level(6000), 3);
        assert_eq!(star_level(15_000), 5);
        assert_eq!(star_level(1_000_000), 5);
    }

    #[test]
    fn a_report_has_a_note_and_hours_in_halves() {
        assert_eq!(
            DispatchCommand::report(" 已清理楼道杂物 ", Some(1.5)),
            Ok(DispatchCommand::Report { note: "已清理楼道杂物".into(), hours_tenths: 15 })
        );
        let fields: Vec<String> =
            DispatchCommand::report("好", Some(0.7)).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["note", "hours"]);
        assert!(DispatchCommand::report("已清理", Some(9.0)).is_err());
        assert!(DispatchCommand::report("已清理", None).is_err());
    }

    #[test]
    fn the_volunteer_reports_and_the_staff_decide() {
        use DispatchState::*;
        let report = DispatchCommand::Report { note: "已清理".into(), hours_tenths: 10 };
        assert_eq!(report.next(Assigned, true), Ok(Reported));
        assert_eq!(report.next(Assigned, false), Err(DispatchRefused::NotTheVolunteer));
        assert_eq!(report.next(Reported, true), Err(DispatchRefused::State("志愿者已反馈")));
        assert_eq!(DispatchCommand::Confirm.next(Reported, false), Ok(Confirmed));
        assert_eq!(DispatchCommand::Confirm.next(Reported, true), Err(DispatchRefused::NotStaff));
        assert_eq!(DispatchCommand::Confirm.next(Assigned, false), Err(DispatchRefused::State("已派志愿者")));
        assert_eq!(DispatchCommand::SendBack { reason: "未清理完".into() }.next(Reported, false), Ok(Assigned));
        assert_eq!(DispatchCommand::Cancel.next(Assigned, false), Ok(Cancelled));
        assert!(DispatchCommand::Cancel.next(Confirmed, false).is_err());
    }
}
