//! 微心愿: a resident (or a grid worker on a resident's behalf) posts a small wish — a
//! wheelchair, a repair, a visit; a party member who reported to the community, or a unit's
//! staff, claims it and fulfils it with proof; the resident (or the grid worker who posted it)
//! confirms it was done.
//!
//! `open` → claim → `claimed` → fulfil (with proof) → `fulfilled` → confirm → `confirmed`; an
//! open wish may be withdrawn (`withdrawn`), and a claimer may give a claimed wish back.

use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WishKind {
    /// 物品: a wheelchair, books, a heater …
    Goods,
    /// 维修: a repair at home.
    Repair,
    /// 探访陪伴: a visit, company, an errand.
    Visit,
    Other,
}

impl WishKind {
    pub const ALL: [WishKind; 4] = [WishKind::Goods, WishKind::Repair, WishKind::Visit, WishKind::Other];

    pub fn code(self) -> &'static str {
        match self {
            WishKind::Goods => "goods",
            WishKind::Repair => "repair",
            WishKind::Visit => "visit",
            WishKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<WishKind> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            WishKind::Goods => "物品",
            WishKind::Repair => "维修",
            WishKind::Visit => "探访陪伴",
            WishKind::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WishState {
    Open,
    Claimed,
    Fulfilled,
    Confirmed,
    Withdrawn,
}

impl WishState {
    pub const ALL: [WishState; 5] =
        [WishState::Open, WishState::Claimed, WishState::Fulfilled, WishState::Confirmed, WishState::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            WishState::Open => "open",
            WishState::Claimed => "claimed",
            WishState::Fulfilled => "fulfilled",
            WishState::Confirmed => "confirmed",
            WishState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<WishState> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            WishState::Open => "待认领",
            WishState::Claimed => "已认领",
            WishState::Fulfilled => "已完成,待确认",
            WishState::Confirmed => "已圆梦",
            WishState::Withdrawn => "已撤回",
        }
    }
}

/// A wish as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WishInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub kind: String,
    /// The community it is in.
    pub community_id: Option<i64>,
    /// When a grid worker posts it for a resident: the resident's name, shown masked.
    #[serde(default)]
    pub for_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWish {
    pub title: String,
    pub detail: String,
    pub kind: WishKind,
    pub community_id: i64,
    pub for_name: Option<String>,
}

impl NewWish {
    pub fn parse(input: &WishInput) -> Result<NewWish, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = input.title.trim();
        if !(2..=40).contains(&title.chars().count()) {
            errors.push(FieldError::new("title", "请写明心愿(2 至 40 字) / the wish in 2 to 40 characters"));
        }
        let detail = input.detail.trim();
        if detail.chars().count() > 500 {
            errors.push(FieldError::new("detail", "说明不超过 500 字 / at most 500 characters"));
        }
        let kind = WishKind::parse(&input.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择心愿类别 / pick the kind"));
        }
        if input.community_id.is_none() {
            errors.push(FieldError::new("community_id", "请选择所在村(社区) / pick the community"));
        }
        let for_name = input.for_name.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if for_name.as_ref().is_some_and(|n| n.chars().count() > 20) {
            errors.push(FieldError::new("for_name", "姓名不超过 20 字 / at most 20 characters"));
        }
        match (kind, input.community_id) {
            (Some(kind), Some(community_id)) if errors.is_empty() => {
                Ok(NewWish { title: title.to_owned(), detail: detail.to_owned(), kind, community_id, for_name })
            }
            _ => Err(errors),
        }
    }
}

/// What someone does to a wish.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WishCommand {
    Claim,
    /// Give a claimed wish back to the open list.
    Release,
    Fulfil {
        #[serde(default)]
        proof: String,
    },
    Confirm,
    Withdraw,
}

/// How the actor stands to a wish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WishRelation {
    /// Who posted it (the resident, or the grid worker on their behalf).
    pub poster: bool,
    /// Who claimed it.
    pub claimer: bool,
    /// May claim wishes here: a confirmed party member of the community, or staff.
    pub may_claim: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WishRefused {
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{0}")]
    WrongState(String),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

/// The state after `command`, or why not.
pub fn decide(state: WishState, rel: WishRelation, command: &WishCommand) -> Result<WishState, WishRefused> {
    use WishState::*;
    let wrong =
        |doing: &str| WishRefused::WrongState(format!("心愿{},不能{doing} / the wish is {}", state.zh(), state.code()));
    match command {
        WishCommand::Claim => {
            if rel.poster {
                return Err(WishRefused::NotAllowed("不能认领自己的心愿 / you cannot claim your own wish"));
            }
            if !rel.may_claim {
                return Err(WishRefused::NotAllowed(
                    "向本社区报到的党员和单位可认领 / party members of the community and units claim wishes",
                ));
            }
            match state {
                Open => Ok(Claimed),
                Claimed | Fulfilled | Confirmed => {
                    Err(WishRefused::WrongState("该心愿已被认领 / the wish has already been claimed".to_owned()))
                }
                Withdrawn => Err(wrong("认领")),
            }
        }
        WishCommand::Release => match (rel.claimer, state) {
            (false, _) => Err(WishRefused::NotAllowed("只有认领人可以退回 / only the claimer gives it back")),
            (true, Claimed) => Ok(Open),
            _ => Err(wrong("退回")),
        },
        WishCommand::Fulfil { proof } => {
            if !rel.claimer {
                return Err(WishRefused::NotAllowed("只有认领人可以反馈完成 / only the claimer reports it done"));
            }
            if state != Claimed {
                return Err(wrong("反馈完成"));
            }
            if !(4..=500).contains(&proof.trim().chars().count()) {
                return Err(WishRefused::Invalid(vec![FieldError::new(
                    "proof",
                    "请说明完成情况(4 至 500 字) / describe what was done (4 to 500 characters)",
                )]));
            }
            Ok(Fulfilled)
        }
        WishCommand::Confirm => match (rel.poster, state) {
            (false, _) => {
                Err(WishRefused::NotAllowed("由提出心愿的群众确认 / the resident who made the wish confirms"))
            }
            (true, Fulfilled) => Ok(Confirmed),
            _ => Err(wrong("确认")),
        },
        WishCommand::Withdraw => match (rel.poster, state) {
            (false, _) => Err(WishRefused::NotAllowed("只有提出人可以撤回 / only the poster withdraws it")),
            (true, Open) => Ok(Withdrawn),
            _ => Err(wrong("撤回")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wish_is_claimed_once_fulfilled_with_proof_and_confirmed_by_its_poster() {
        let poster = WishRelation { poster: true, ..Default::default() };
        let member = WishRelation { may_claim: true, ..Default::default() };
        let claimer = WishRelation { claimer: true, may_claim: true, ..Default::default() };
        assert_eq!(decide(WishState::Open, member, &WishCommand::Claim), Ok(WishState::Claimed));
        assert!(
            matches!(decide(WishState::Claimed, member, &WishCommand::Claim), Err(WishRefused::WrongState(m)) if m.contains("已被认领"))
        );
        assert!(matches!(decide(WishState::Open, poster, &WishCommand::Claim), Err(WishRefused::NotAllowed(_))));
        assert!(matches!(
            decide(WishState::Open, WishRelation::default(), &WishCommand::Claim),
            Err(WishRefused::NotAllowed(_))
        ));
        let fulfil = |p: &str| WishCommand::Fulfil { proof: p.into() };
        assert!(matches!(decide(WishState::Claimed, claimer, &fulfil("好")), Err(WishRefused::Invalid(_))));
        assert!(matches!(
            decide(WishState::Claimed, member, &fulfil("轮椅已送到家中")),
            Err(WishRefused::NotAllowed(_))
        ));
        assert_eq!(decide(WishState::Claimed, claimer, &fulfil("轮椅已送到家中")), Ok(WishState::Fulfilled));
        assert!(matches!(
            decide(WishState::Fulfilled, claimer, &WishCommand::Confirm),
            Err(WishRefused::NotAllowed(_))
        ));
        assert_eq!(decide(WishState::Fulfilled, poster, &WishCommand::Confirm), Ok(WishState::Confirmed));
        assert_eq!(decide(WishState::Claimed, claimer, &WishCommand::Release), Ok(WishState::Open));
        assert_eq!(decide(WishState::Open, poster, &WishCommand::Withdraw), Ok(WishState::Withdrawn));
        assert!(matches!(decide(WishState::Claimed, poster, &WishCommand::Withdraw), Err(WishRefused::WrongState(_))));
    }

    #[test]
    fn a_wish_names_its_missing_fields() {
        let errs = NewWish::parse(&WishInput { title: "轮".into(), ..Default::default() }).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "kind", "community_id"]);
        let w = NewWish::parse(&WishInput {
            title: "需要一台轮椅".into(),
            kind: "goods".into(),
            community_id: Some(5),
            for_name: Some(" 李秀英 ".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((w.kind, w.for_name.as_deref()), (WishKind::Goods, Some("李秀英")));
    }
}
