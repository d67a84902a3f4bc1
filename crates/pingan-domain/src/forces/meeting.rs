//! Meetings whose resolutions are tracked as tasks: the 平安建设 joint meeting (联席会议) and its
//! special groups (专项组), and the red-property three-in-one meeting (三方联席会议: the
//! community's party organisation, the property company and the owners' committee). Each
//! resolution names a responsible unit and a deadline and becomes a [`crate::task`] task.

use crate::FieldError;
use crate::calendar::WorkCalendar;
use crate::task::{NewTask, TaskInput};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 平安建设联席会议
    Joint,
    /// 专项组会议 (a special group of the joint meeting)
    SpecialGroup,
    /// 红色物业三方联席会议
    ThreeInOne,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 3] = [MeetingKind::Joint, MeetingKind::SpecialGroup, MeetingKind::ThreeInOne];

    pub fn code(self) -> &'static str {
        match self {
            MeetingKind::Joint => "joint",
            MeetingKind::SpecialGroup => "special_group",
            MeetingKind::ThreeInOne => "three_in_one",
        }
    }

    pub fn parse(s: &str) -> Option<MeetingKind> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            MeetingKind::Joint => "平安建设联席会议",
            MeetingKind::SpecialGroup => "专项组会议",
            MeetingKind::ThreeInOne => "红色物业三方联席会议",
        }
    }
}

/// A meeting as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub held_on: String,
    /// The place it concerns: the convening region (a community for a three-in-one meeting).
    pub region_id: Option<i64>,
    /// Who attended, separated by 、 or commas.
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub agenda: String,
    /// Three-in-one meetings: the property company and the owners' committee.
    pub property_org_id: Option<i64>,
    pub committee_org_id: Option<i64>,
    #[serde(default)]
    pub resolutions: Vec<TaskInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub region_id: i64,
    pub attendees: Vec<String>,
    pub agenda: String,
    pub property_org_id: Option<i64>,
    pub committee_org_id: Option<i64>,
    pub resolutions: Vec<NewTask>,
}

impl NewMeeting {
    /// Parse a meeting recorded at `now` (China time); every error, resolutions by row.
    pub fn parse(
        input: &MeetingInput,
        calendar: &WorkCalendar,
        now: NaiveDateTime,
    ) -> Result<NewMeeting, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = MeetingKind::parse(&input.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择会议类别 / pick the kind of meeting"));
        }
        let title = input.title.trim();
        if !(2..=60).contains(&title.chars().count()) {
            errors.push(FieldError::new("title", "请写明会议名称(2 至 60 字) / name the meeting (2 to 60 characters)"));
        }
        let today = now.date();
        let held_on = match NaiveDate::parse_from_str(input.held_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errors.push(FieldError::new("held_on", "会议日期不能晚于今天 / the meeting cannot be in the future"));
                None
            }
            Ok(d) if d < today - chrono::Days::new(366) => {
                errors.push(FieldError::new("held_on", "只能补录一年内的会议 / only meetings of the past year"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new("held_on", "请填写会议日期(年-月-日) / give the date (YYYY-MM-DD)"));
                None
            }
        };
        if input.region_id.is_none() {
            errors.push(FieldError::new("region_id", "请选择会议所在区域 / pick the place"));
        }
        let attendees: Vec<String> = input
            .attendees
            .split([',', ',', '、', ';', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if attendees.is_empty() || attendees.len() > 100 {
            errors.push(FieldError::new("attendees", "请填写参会单位或人员 / name who attended"));
        }
        let agenda = input.agenda.trim();
        if !(4..=4000).contains(&agenda.chars().count()) {
            errors.push(FieldError::new("agenda", "请写明议题(4 至 4000 字) / give the agenda (4 to 4000 characters)"));
        }
        if kind == Some(MeetingKind::ThreeInOne) && input.property_org_id.is_none() {
            errors
                .push(FieldError::new("property_org_id", "三方联席会议须选择物业服务企业 / pick the property company"));
        }
        if input.resolutions.len() > 50 {
            errors.push(FieldError::new("resolutions", "一次会议最多 50 项决议 / at most 50 resolutions"));
        }
        let mut resolutions = Vec::new();
        for (i, r) in input.resolutions.iter().enumerate().take(50) {
            match NewTask::parse(r, calendar, now, &format!("resolutions[{i}].")) {
                Ok(t) => resolutions.push(t),
                Err(e) => errors.extend(e),
            }
        }
        match (kind, held_on, input.region_id) {
            (Some(kind), Some(held_on), Some(region_id)) if errors.is_empty() => Ok(NewMeeting {
                kind,
                title: title.to_owned(),
                held_on,
                region_id,
                attendees,
                agenda: agenda.to_owned(),
                property_org_id: input.property_org_id,
                committee_org_id: input.committee_org_id,
                resolutions,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_three_in_one_meeting_needs_its_property_company_and_each_resolution_a_unit() {
        let cal = WorkCalendar::shipped();
        let now = NaiveDateTime::parse_from_str("2026-11-30 10:00", "%Y-%m-%d %H:%M").unwrap();
        let mut input = MeetingInput {
            kind: "three_in_one".into(),
            title: "幸福小区三方联席会议".into(),
            held_on: "2026-11-27".into(),
            region_id: Some(8),
            attendees: "社区党委、物业公司、业委会".into(),
            agenda: "电梯维修资金使用与车棚改造".into(),
            resolutions: vec![TaskInput {
                title: "更换 3 号楼电梯钢丝绳".into(),
                working_days: Some(10),
                ..Default::default()
            }],
            ..Default::default()
        };
        let errs = NewMeeting::parse(&input, &cal, now).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["property_org_id", "resolutions[0].owner_org_id"]);
        input.property_org_id = Some(40);
        input.resolutions[0].owner_org_id = Some(40);
        let m = NewMeeting::parse(&input, &cal, now).unwrap();
        assert_eq!((m.kind, m.attendees.len(), m.resolutions.len()), (MeetingKind::ThreeInOne, 3, 1));
    }
}
