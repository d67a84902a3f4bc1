//! Self-governance (村民自治): the organisations a community runs itself (议事会, 红白理事会,
//! 禁毒禁赌会, 道德评议会, 村务监督委员会) and the "五老" roster — retired cadres, teachers,
//! soldiers, experts and model workers who help mediate, publicise and watch over — who can be
//! named on tasks to help.

use crate::FieldError;
use crate::personal::Phone;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfGovKind {
    /// 村(居)民议事会
    Council,
    /// 红白理事会
    Ceremonies,
    /// 禁毒禁赌会
    AntiVice,
    /// 道德评议会
    Morals,
    /// 村(居)务监督委员会
    Oversight,
}

impl SelfGovKind {
    pub const ALL: [SelfGovKind; 5] = [
        SelfGovKind::Council,
        SelfGovKind::Ceremonies,
        SelfGovKind::AntiVice,
        SelfGovKind::Morals,
        SelfGovKind::Oversight,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SelfGovKind::Council => "council",
            SelfGovKind::Ceremonies => "ceremonies",
            SelfGovKind::AntiVice => "anti_vice",
            SelfGovKind::Morals => "morals",
            SelfGovKind::Oversight => "oversight",
        }
    }

    pub fn parse(s: &str) -> Option<SelfGovKind> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            SelfGovKind::Council => "村(居)民议事会",
            SelfGovKind::Ceremonies => "红白理事会",
            SelfGovKind::AntiVice => "禁毒禁赌会",
            SelfGovKind::Morals => "道德评议会",
            SelfGovKind::Oversight => "村(居)务监督委员会",
        }
    }
}

/// The five kinds of 五老.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElderKind {
    /// 老干部
    Cadre,
    /// 老教师
    Teacher,
    /// 老战士
    Soldier,
    /// 老专家
    Expert,
    /// 老模范
    Model,
}

impl ElderKind {
    pub const ALL: [ElderKind; 5] =
        [ElderKind::Cadre, ElderKind::Teacher, ElderKind::Soldier, ElderKind::Expert, ElderKind::Model];

    pub fn code(self) -> &'static str {
        match self {
            ElderKind::Cadre => "cadre",
            ElderKind::Teacher => "teacher",
            ElderKind::Soldier => "soldier",
            ElderKind::Expert => "expert",
            ElderKind::Model => "model",
        }
    }

    pub fn parse(s: &str) -> Option<ElderKind> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            ElderKind::Cadre => "老干部",
            ElderKind::Teacher => "老教师",
            ElderKind::Soldier => "老战士",
            ElderKind::Expert => "老专家",
            ElderKind::Model => "老模范",
        }
    }
}

/// A self-governance organisation as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SelfGovInput {
    #[serde(default)]
    pub kind: String,
    pub community_id: Option<i64>,
    /// 负责人
    #[serde(default)]
    pub chair: String,
    pub members: Option<i64>,
    /// Its charter or rules, in short.
    #[serde(default)]
    pub charter: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSelfGov {
    pub kind: SelfGovKind,
    pub community_id: i64,
    pub chair: String,
    pub members: i64,
    pub charter: String,
}

impl NewSelfGov {
    pub fn parse(input: &SelfGovInput) -> Result<NewSelfGov, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = SelfGovKind::parse(&input.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择组织类别 / pick the kind"));
        }
        if input.community_id.is_none() {
            errors.push(FieldError::new("community_id", "请选择村(社区) / pick the community"));
        }
        let chair = input.chair.trim();
        if !(2..=20).contains(&chair.chars().count()) {
            errors.push(FieldError::new("chair", "请填写负责人姓名 / name the chair"));
        }
        let members = input.members.filter(|n| (3..=200).contains(n));
        if members.is_none() {
            errors.push(FieldError::new("members", "成员人数为 3 至 200 / 3 to 200 members"));
        }
        let charter = input.charter.trim();
        if charter.chars().count() > 2000 {
            errors.push(FieldError::new("charter", "章程不超过 2000 字 / at most 2000 characters"));
        }
        match (kind, input.community_id, members) {
            (Some(kind), Some(community_id), Some(members)) if errors.is_empty() => {
                Ok(NewSelfGov { kind, community_id, chair: chair.to_owned(), members, charter: charter.to_owned() })
            }
            _ => Err(errors),
        }
    }
}

/// A 五老 as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ElderInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    pub community_id: Option<i64>,
    #[serde(default)]
    pub phone: String,
    /// What they help with: mediation, publicity, care of the young …
    #[serde(default)]
    pub strengths: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewElder {
    pub name: String,
    pub kind: ElderKind,
    pub community_id: i64,
    pub phone: Phone,
    pub strengths: String,
}

impl NewElder {
    pub fn parse(input: &ElderInput) -> Result<NewElder, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if !(2..=20).contains(&name.chars().count()) || name.chars().any(|c| c.is_ascii_digit()) {
            errors.push(FieldError::new("name", "请填写姓名(2 至 20 字) / give the name"));
        }
        let kind = ElderKind::parse(&input.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择类别:老干部、老教师、老战士、老专家、老模范 / pick the kind"));
        }
        if input.community_id.is_none() {
            errors.push(FieldError::new("community_id", "请选择村(社区) / pick the community"));
        }
        let phone = Phone::parse(&input.phone).map_err(|m| errors.push(FieldError::new("phone", m))).ok();
        let strengths = input.strengths.trim();
        if strengths.chars().count() > 200 {
            errors.push(FieldError::new("strengths", "特长不超过 200 字 / at most 200 characters"));
        }
        match (kind, input.community_id, phone) {
            (Some(kind), Some(community_id), Some(phone)) if errors.is_empty() => {
                Ok(NewElder { name: name.to_owned(), kind, community_id, phone, strengths: strengths.to_owned() })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_elder_needs_a_kind_and_a_mobile_number() {
        let errs =
            NewElder::parse(&ElderInput { name: "刘德厚".into(), phone: "12345".into(), ..Default::default() })
                .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "community_id", "phone"]);
        let e = NewElder::parse(&ElderInput {
            name: "刘德厚".into(),
            kind: "teacher".into(),
            community_id: Some(7),
            phone: "13912345678".into(),
            strengths: "调解邻里纠纷".into(),
        })
        .unwrap();
        assert_eq!(e.kind.zh(), "老教师");
    }

    #[test]
    fn a_self_governance_body_has_a_chair_and_members() {
        let errs = NewSelfGov::parse(&SelfGovInput {
            kind: "council".into(),
            community_id: Some(3),
            members: Some(2),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["chair", "members"]);
    }
}
