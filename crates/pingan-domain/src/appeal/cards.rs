//! Yellow and red cards (黄牌预警, 红牌超期) from a case's active deadline.
//!
//! The active deadline is the pending clock before a unit signs for the case (dispatch,
//! acceptance, return review) and the resolution clock after ([`AppealSnapshot::active_deadline`]).
//! Once the result is submitted, or the case is merged or transferred, no clock runs.
//!
//! Suspension pauses the clock. A suspended case shows the card it had when it was suspended
//! (the clock is read at the suspension instant, not now); on resumption the deadline and the
//! warning move later by the working days the suspension took (`working_days_between` the
//! suspension's date and the resumption's date, so a suspension within one day costs nothing and
//! one from Friday to Monday costs one working day). Counting whole working days, rather than
//! storing the remaining working time to the millisecond, keeps day-based deadlines at the end of
//! a working day and matches how limits are stated; it errs, by less than a day, in the unit's favour.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::event::AppealSnapshot;
use super::state::AppealState;
use crate::calendar::to_china;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Card {
    None,
    /// 黄牌: the warning time has come; the deadline has not passed.
    Yellow,
    /// 红牌: overdue.
    Red,
}

impl Card {
    pub fn zh(self) -> &'static str {
        match self {
            Card::None => "正常",
            Card::Yellow => "黄牌预警",
            Card::Red => "红牌超期",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Card::None => "On time",
            Card::Yellow => "Yellow card: due soon",
            Card::Red => "Red card: overdue",
        }
    }
}

/// The card `snapshot` shows at `now` (China local time).
pub fn card(snapshot: &AppealSnapshot, now: NaiveDateTime) -> Card {
    let Some(deadline) = snapshot.active_deadline() else { return Card::None };
    let clock = match (&snapshot.state, &snapshot.suspension) {
        (AppealState::Suspended, Some(s)) => s.since.min(now),
        _ => now,
    };
    if clock > deadline.due {
        Card::Red
    } else if clock >= deadline.warn_at {
        Card::Yellow
    } else {
        Card::None
    }
}

/// [`card`] at `now_ms` (Unix milliseconds).
pub fn card_at_ms(snapshot: &AppealSnapshot, now_ms: i64) -> Card {
    card(snapshot, to_china(now_ms))
}
