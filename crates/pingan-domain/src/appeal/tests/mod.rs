//! Tests of the appeal module, with a small world: one city (region 1), one county (2), one
//! township (3), one village (4), one grid (5) and their units and staff.

mod cards;
mod category;
mod limits;
mod machine;
mod owners;
mod rates;
mod refusals;
mod routing;
mod walk;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::*;
use crate::calendar::WorkCalendar;
use crate::region::RegionLevel;

pub(super) fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
}

pub(super) fn eod(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_time(crate::calendar::END_OF_DAY)
}

pub(super) fn org_type(code: &str) -> OrgType {
    OrgType::parse(code).unwrap()
}

// ---- units ----

pub(super) fn gongan_county() -> UnitRef {
    UnitRef::org(org_type("gongan"), RegionLevel::County, 2, 10)
}

pub(super) fn zhujian_county() -> UnitRef {
    UnitRef::org(org_type("zhujian"), RegionLevel::County, 2, 11)
}

pub(super) fn gongan_city() -> UnitRef {
    UnitRef::org(org_type("gongan"), RegionLevel::City, 1, 20)
}

pub(super) fn zongzhi() -> UnitRef {
    UnitRef::org(OrgType::ZONGZHI, RegionLevel::Township, 3, 30)
}

pub(super) fn village_committee() -> UnitRef {
    UnitRef::org(OrgType::VILLAGE_COMMITTEE, RegionLevel::Village, 4, 40)
}

pub(super) fn grid_unit() -> UnitRef {
    UnitRef::grid_worker(5, Some(500))
}

// ---- actors ----

pub(super) fn dispatcher() -> CaseActor {
    CaseActor::staff(300, Role::TownshipDispatcher, None, 3)
}

pub(super) fn supervisor() -> CaseActor {
    CaseActor::staff(900, Role::Supervisor, None, 1)
}

pub(super) fn dept(org_id: i64) -> CaseActor {
    CaseActor::staff(1000 + org_id, Role::DeptHandler, Some(org_id), 2)
}

pub(super) fn cadre() -> CaseActor {
    CaseActor::staff(400, Role::VillageCadre, None, 4)
}

pub(super) fn grid_worker() -> CaseActor {
    CaseActor::staff(500, Role::GridWorker, None, 5)
}

pub(super) fn leader() -> CaseActor {
    CaseActor::staff(800, Role::Leader, None, 1)
}

pub(super) fn admin() -> CaseActor {
    CaseActor::staff(700, Role::Admin, None, 1)
}

pub(super) fn citizen() -> CaseActor {
    CaseActor::Citizen { account_id: Some(9000) }
}

/// Staff acting for `unit` in this world.
pub(super) fn actor_for(unit: &UnitRef) -> CaseActor {
    match unit.org_type.family() {
        OrgFamily::Department => dept(unit.org_id.unwrap()),
        OrgFamily::TownshipBody => dispatcher(),
        OrgFamily::VillageBody => cadre(),
        OrgFamily::GridWorker => grid_worker(),
    }
}

pub(super) fn text(s: &str) -> String {
    s.to_owned()
}

/// A case under test: the snapshot, its events so far, a clock that only moves when told.
#[derive(Clone)]
pub(super) struct Case {
    pub snap: AppealSnapshot,
    pub events: Vec<AppealEvent>,
    pub now: NaiveDateTime,
    pub cal: WorkCalendar,
    pub policy: TimeLimitPolicy,
}

impl Case {
    /// A case of `category` received by the township dispatcher (account 300) at `now`.
    pub fn receive(category: &str, urgency: Urgency, now: NaiveDateTime) -> Case {
        let table = CategoryTable::default();
        let cat = table.lookup(category).unwrap();
        let new = NewAppeal {
            category: cat.code,
            urgency,
            time_limit_class: cat.time_limit_class,
            channel: IntakeChannel::MiniProgram,
            first_receiver: OwnerRef::account(300, None),
        };
        let cal = WorkCalendar::shipped();
        let policy = TimeLimitPolicy::default();
        let event = receive(&new, &dispatcher(), now, &cal, &policy).unwrap();
        Case { snap: AppealSnapshot::start(&event).unwrap(), events: vec![event], now, cal, policy }
    }

    pub fn state(&self) -> AppealState {
        self.snap.state
    }

    pub fn try_run(&mut self, cmd: AppealCommand) -> Result<Vec<AppealEvent>, TransitionError> {
        let before = self.snap.state;
        let events = decide(&self.snap, &cmd, self.now, &self.cal, &self.policy)?;
        for e in &events {
            assert_eq!(e.at, self.now);
            self.snap.apply(e);
        }
        assert!(
            state::is_transition(before, cmd.kind(), self.snap.state),
            "{before:?} --{:?}--> {:?} is not in TRANSITIONS",
            cmd.kind(),
            self.snap.state
        );
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    #[track_caller]
    pub fn ok(&mut self, cmd: AppealCommand) -> Vec<AppealEvent> {
        match self.try_run(cmd) {
            Ok(events) => events,
            Err(e) => panic!("refused: {e}"),
        }
    }

    /// Runs a command that must be refused, and checks it changed nothing.
    #[track_caller]
    pub fn refused(&mut self, cmd: AppealCommand) -> TransitionError {
        let before = self.snap.clone();
        let n = self.events.len();
        let kind = cmd.kind();
        let err = self.try_run(cmd).expect_err("the command should be refused");
        assert_eq!(self.snap, before);
        assert_eq!(self.events.len(), n);
        assert_eq!((err.state, err.action), (Some(before.state), kind));
        err
    }

    pub fn set(&mut self, now: NaiveDateTime) -> &mut Self {
        assert!(now >= self.now, "time only moves forward");
        self.now = now;
        self
    }

    pub fn later(&mut self, minutes: i64) -> &mut Self {
        self.now += TimeDelta::minutes(minutes);
        self
    }

    pub fn unit(&self) -> UnitRef {
        self.snap.assignment.as_ref().expect("assigned").unit.clone()
    }

    pub fn dispatch(&mut self, to: &UnitRef) {
        self.ok(AppealCommand::Dispatch {
            by: dispatcher(),
            to: to.clone(),
            co_handlers: vec![],
            why: text("类别默认 / category default"),
        });
    }

    pub fn accept(&mut self) {
        let by = actor_for(&self.unit());
        self.ok(AppealCommand::Accept { by });
    }

    pub fn start_work(&mut self) {
        let by = actor_for(&self.unit());
        self.ok(AppealCommand::StartWork { by });
    }

    pub fn submit(&mut self) {
        let by = actor_for(&self.unit());
        self.ok(AppealCommand::SubmitResult { by, result: text("已修复 / repaired") });
    }

    pub fn verify(&mut self, passed: bool) {
        self.ok(AppealCommand::Verify { by: supervisor(), passed, note: text("现场核查 / checked on site") });
    }

    pub fn callback(&mut self, solved: bool, satisfaction: Satisfaction) -> Vec<AppealEvent> {
        self.ok(AppealCommand::Callback { by: citizen(), solved, satisfaction, comment: String::new() })
    }

    /// Dispatch to `unit`, accept and start, each an hour after the last.
    pub fn run_to_in_progress(&mut self, unit: &UnitRef) {
        self.later(60).dispatch(unit);
        self.later(60).accept();
        self.later(60).start_work();
    }

    /// On to a verified closure, each step an hour after the last.
    pub fn run_to_closed(&mut self, unit: &UnitRef) {
        self.run_to_in_progress(unit);
        self.later(60).submit();
        self.later(60).verify(true);
    }
}
