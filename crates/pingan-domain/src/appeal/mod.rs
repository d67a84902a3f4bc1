//! Citizens' appeals (诉求): categories, routing, time limits and the handling state machine.
//!
//! Everything here is pure. The store loads a case's events, rebuilds an [`AppealSnapshot`],
//! asks [`decide`](fn@decide) what a command means, writes the returned [`AppealEvent`]s in one
//! transaction together with the audit event, and folds them in with [`apply`]. Every rule of
//! DOMAIN §3 that does not need the database lives in this module:
//!
//! - [`category`]: the category codes of DOMAIN §4 ([`CategoryCode`], the default
//!   [`CategoryTable`]), [`Urgency`] and the [`EmergencyLine`]s;
//! - [`org_type`]: the responsible organisation types a category or a catalogue rule names;
//! - [`limits`]: the configurable [`TimeLimitPolicy`] and the [`Deadline`]s it yields on the
//!   [`WorkCalendar`](crate::calendar::WorkCalendar);
//! - [`state`]: the states, the actions and [`TRANSITIONS`], the one table of what may follow what;
//! - [`command`], [`event`], [`decide`](mod@decide): commands in, events out, snapshots folded from events;
//! - [`cards`]: yellow and red cards; [`routing`]: the dispatch catalogue and [`route`];
//!   [`duplicates`]: candidates for merging (并单); [`rates`]: the evaluation rates.
//!
//! # The machine
//!
//! ```text
//!  received ──dispatch──► dispatched ──accept──► accepted ──start──► in_progress ──submit──► result_submitted
//!  受理          派单        │  ▲                签收   │                办理中 │  ▲               已答复 │
//!                     return│  │review (uphold: 改派 to another unit;        │  │resume    verify  │ fail: 返工
//!                           ▼  │ reject: back to the same unit)      suspend│  │                   ▼ pass
//!                        returned 退单                                      suspended 挂起       closed 办结
//!                                                                                                  │ callback
//!  merged 并单 (from any open state before the result; closes with its primary)       solved ◄─────┤
//!  transferred 转出 (110/119/120/122 or another channel; tracked until archived)     called_back   │ not solved, first time:
//!  escalated 吹哨: accepted/in_progress ──► dispatched to the level above                已回访       ▼ reopened → in_progress
//!                                                                                        │ archive
//!                                                                                        ▼ archived 归档
//! ```
//!
//! [`TRANSITIONS`] is authoritative; a test checks that [`decide`](fn@decide) agrees with it in both
//! directions. Supervision (督办), hand-overs (首问责任), contacts, extensions and added
//! information change no state: they are self-loops in the table.
//!
//! # Time
//!
//! All instants are China local time (`NaiveDateTime`, UTC+8), the calendar's convention;
//! [`crate::calendar::to_china`] and [`crate::calendar::from_china`] convert from and to the
//! Unix milliseconds the store keeps, and [`Deadline::due_ms`] and [`card_at_ms`] do it for the
//! common cases. Events carry the deadlines [`decide`](fn@decide) computed, so [`apply`] and [`card`] need
//! no calendar and a replay gives the same snapshot whatever the calendar says later.

pub mod cards;
pub mod category;
pub mod command;
pub mod decide;
mod draft;
pub mod duplicates;
pub mod error;
pub mod event;
pub mod limits;
pub mod org_type;
pub mod rates;
pub mod routing;
pub mod state;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::account::Role;
use crate::region::RegionLevel;

pub use cards::{Card, card, card_at_ms};
pub use category::{Category, CategoryCode, CategoryError, CategoryTable, EmergencyLine, TimeLimitClass, Urgency};
pub use command::{
    AppealCommand, IntakeChannel, NewAppeal, Outside, ReferralChannel, ReturnReview, Satisfaction, SupervisionReason,
};
pub use decide::{decide, execute, receive};
pub use error::{ErrorClass, Refusal, TransitionError};
pub use event::{AppealEvent, AppealSnapshot, EventKind, ReplayError, apply};
pub use limits::{Deadline, DeadlineKind, Limit, TimeLimitPolicy, TimeLimitRule};
pub use org_type::{OrgFamily, OrgType, UnitSelector};
pub use rates::{CaseSummary, Rates, Ratio};
pub use routing::{Catalogue, CatalogueRule, CityRoute, RegionRef, RouteDecision, RouteError, RouteSource, route};
pub use state::{ActionKind, AppealState, TRANSITIONS, Transition};

/// A staff member acting on a case, with what the rules need to know about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffActor {
    pub account_id: i64,
    pub role: Role,
    /// Department staff: their organisation (see `AccountRow::org_id`).
    pub org_id: Option<i64>,
    /// The region the account is attached to: its grid, village, township, county or city.
    pub region_id: i64,
}

/// Who issues a command. The store builds it from the session (or the API token, or the timer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseActor {
    Staff(StaffActor),
    /// A resident: the reporter signed in by phone, or `None` when identified by the tracking
    /// code. Checking that it is *this case's* reporter is the store's job.
    Citizen {
        account_id: Option<i64>,
    },
    /// Timers, automatic rules and trusted systems (the 12345 hand-over API).
    System,
}

impl CaseActor {
    pub fn staff(account_id: i64, role: Role, org_id: Option<i64>, region_id: i64) -> Self {
        CaseActor::Staff(StaffActor { account_id, role, org_id, region_id })
    }

    /// The signed-in account as a case actor: staff with their organisation and scope root.
    pub fn from_actor(actor: &Actor) -> Self {
        if actor.role == Role::Citizen {
            return CaseActor::Citizen { account_id: Some(actor.account_id) };
        }
        CaseActor::staff(actor.account_id, actor.role, actor.scope.org_id, actor.scope.region.id())
    }

    pub fn account_id(&self) -> Option<i64> {
        match self {
            CaseActor::Staff(s) => Some(s.account_id),
            CaseActor::Citizen { account_id } => *account_id,
            CaseActor::System => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            CaseActor::Staff(s) => Some(s.role),
            CaseActor::Citizen { .. } => Some(Role::Citizen),
            CaseActor::System => None,
        }
    }

    /// Whether this actor may act for `unit`: staff of the very organisation (matched by id),
    /// the very grid worker (by account), or — for bodies that have no accounts of their own —
    /// the staff role that serves them in the same region ([`OrgType::region_role`]: the
    /// township dispatcher for the township's bodies, the village cadre for the village's).
    pub fn acts_for(&self, unit: &UnitRef) -> bool {
        let CaseActor::Staff(s) = self else { return false };
        if unit.org_id.is_some() && unit.org_id == s.org_id {
            return true;
        }
        if unit.account_id == Some(s.account_id) {
            return true;
        }
        unit.org_type.region_role() == Some(s.role) && unit.region_id == s.region_id
    }

    /// Whether this actor is `owner` or acts for the owning organisation.
    pub fn is_owner(&self, owner: &OwnerRef) -> bool {
        let CaseActor::Staff(s) = self else { return false };
        owner.account_id == Some(s.account_id) || (owner.org_id.is_some() && owner.org_id == s.org_id)
    }

    pub fn zh(&self) -> &'static str {
        match self {
            CaseActor::Staff(s) => s.role.zh(),
            CaseActor::Citizen { .. } => "群众",
            CaseActor::System => "系统",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            CaseActor::Staff(s) => s.role.en(),
            CaseActor::Citizen { .. } => "Citizen",
            CaseActor::System => "System",
        }
    }

    pub(crate) fn has_role(&self, roles: &[Role]) -> bool {
        matches!(self, CaseActor::Staff(s) if roles.contains(&s.role))
    }
}

/// A unit a case is assigned to (承办单位) or that supports it (协办单位).
///
/// `org_id` names the concrete organisation the store chose among those of `org_type` in
/// `region_id`; a grid worker is an account, named by `account_id`. Either may be absent when
/// the unit is a body without accounts of its own, which its region's staff then act for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitRef {
    pub org_type: OrgType,
    pub level: RegionLevel,
    pub region_id: i64,
    #[serde(default)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub account_id: Option<i64>,
}

impl UnitRef {
    pub fn org(org_type: OrgType, level: RegionLevel, region_id: i64, org_id: i64) -> Self {
        UnitRef { org_type, level, region_id, org_id: Some(org_id), account_id: None }
    }

    pub fn grid_worker(grid_id: i64, account_id: Option<i64>) -> Self {
        UnitRef {
            org_type: OrgType::GRID_WORKER,
            level: RegionLevel::Grid,
            region_id: grid_id,
            org_id: None,
            account_id,
        }
    }

    /// The unit's type may serve at its level (departments at county or city level only, so
    /// that no department's work is pushed down to a township; DOMAIN §3).
    pub fn check(&self) -> Result<(), String> {
        if self.org_type.levels().contains(&self.level) {
            Ok(())
        } else {
            Err(format!(
                "{}不能在{}一级承办 / a {} cannot handle cases at {} level",
                self.org_type.zh(),
                self.level.zh(),
                self.org_type.en(),
                self.level.as_str()
            ))
        }
    }
}

/// The owner of record under 首问责任: the account or organisation that first received the
/// request, until the case is closed or formally handed on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OwnerRef {
    #[serde(default)]
    pub account_id: Option<i64>,
    #[serde(default)]
    pub org_id: Option<i64>,
}

impl OwnerRef {
    pub fn account(account_id: i64, org_id: Option<i64>) -> Self {
        OwnerRef { account_id: Some(account_id), org_id }
    }

    pub fn org(org_id: i64) -> Self {
        OwnerRef { account_id: None, org_id: Some(org_id) }
    }

    pub fn is_empty(&self) -> bool {
        self.account_id.is_none() && self.org_id.is_none()
    }
}

/// One link of the owner chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRecord {
    pub owner: OwnerRef,
    pub since: chrono::NaiveDateTime,
    pub reason: String,
}

/// What a resident reports, in their words: trimmed, not empty, at most
/// [`AppealText::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppealText(String);

impl AppealText {
    pub const MAX_CHARS: usize = 2000;
    /// Fewer characters than this cannot say what and where.
    pub const MIN_CHARS: usize = 4;

    pub fn parse(s: &str) -> Result<AppealText, crate::FieldError> {
        let t = s.trim();
        let n = t.chars().count();
        if n == 0 {
            return Err(crate::FieldError::new("text", "请填写诉求内容 / please describe the problem"));
        }
        if n < Self::MIN_CHARS {
            return Err(crate::FieldError::new(
                "text",
                format!(
                    "诉求内容太短,请说明什么事、在哪里(至少 {} 个字) / too short: say what and where (at least {} characters)",
                    Self::MIN_CHARS,
                    Self::MIN_CHARS
                ),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(crate::FieldError::new(
                "text",
                format!(
                    "诉求内容不能超过 {} 个字(现有 {n} 个) / at most {} characters (got {n})",
                    Self::MAX_CHARS,
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(AppealText(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AppealText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AppealText::parse(&s).map_err(|e| e.message)
    }
}

impl From<AppealText> for String {
    fn from(t: AppealText) -> String {
        t.0
    }
}
