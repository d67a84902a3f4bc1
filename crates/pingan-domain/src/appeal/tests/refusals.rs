//! Every refusal: wrong state, wrong actor, windows passed, second extension, second reopen …

use super::*;

fn dispatched_to_zhujian() -> Case {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.set(at(2025, 3, 3, 10, 0)).dispatch(&zhujian_county());
    c
}

fn in_progress() -> Case {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    c
}

#[test]
fn wrong_state_names_the_state_and_the_action() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    let e = c.refused(AppealCommand::Accept { by: dept(11) });
    assert_eq!(e.refusal, Refusal::WrongState);
    assert_eq!(e.class().status(), 409);
    let msg = e.to_string();
    assert!(msg.contains("签收") && msg.contains("已受理"), "{msg}");
    assert!(msg.contains("accept") && msg.contains("received"), "{msg}");
    assert_eq!(
        msg,
        "无法签收（当前状态：已受理）：当前状态下不允许此操作 / \
         cannot accept (sign for) the case (current state: received): not allowed in this state"
    );
}

#[test]
fn callbacks_only_after_closure() {
    let mut c = in_progress();
    let e = c.refused(AppealCommand::Callback {
        by: citizen(),
        solved: true,
        satisfaction: Satisfaction::Satisfied,
        comment: String::new(),
    });
    assert_eq!(e.refusal, Refusal::WrongState);
    c.later(60).submit();
    let e = c.refused(AppealCommand::Callback {
        by: citizen(),
        solved: true,
        satisfaction: Satisfaction::Satisfied,
        comment: String::new(),
    });
    assert_eq!(e.refusal, Refusal::WrongState);
}

#[test]
fn only_the_assigned_unit_accepts_returns_and_submits() {
    let mut c = dispatched_to_zhujian();
    for by in [dept(10), dispatcher(), supervisor(), citizen(), CaseActor::System, cadre()] {
        let e = c.refused(AppealCommand::Accept { by: by.clone() });
        assert_eq!((e.refusal.clone(), e.class().status()), (Refusal::NotAssignedUnit, 403), "{by:?}");
        let e = c.refused(AppealCommand::Return { by, reason: text("不是我们的") });
        assert_eq!(e.refusal, Refusal::NotAssignedUnit);
    }
    c.accept();
    c.start_work();
    let e = c.refused(AppealCommand::SubmitResult { by: dept(10), result: text("办完了") });
    assert_eq!(e.refusal, Refusal::NotAssignedUnit);
    let e = c.refused(AppealCommand::RequestExtension { by: dispatcher(), days: 2, reason: text("延期") });
    assert_eq!(e.refusal, Refusal::NotAssignedUnit);
    assert!(e.to_string().contains("只有承办单位"), "{e}");
}

#[test]
fn roles_outside_the_centres_may_not_dispatch_or_verify() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    for by in [leader(), admin(), citizen(), dept(10)] {
        let e = c.refused(AppealCommand::Dispatch {
            by: by.clone(),
            to: zhujian_county(),
            co_handlers: vec![],
            why: text("目录"),
        });
        assert!(matches!(e.refusal, Refusal::NotPermitted { .. }), "{by:?}: {e}");
        assert_eq!(e.class(), ErrorClass::Forbidden);
    }
    let e = c.refused(AppealCommand::Dispatch {
        by: leader(),
        to: zhujian_county(),
        co_handlers: vec![],
        why: text("目录"),
    });
    assert!(e.to_string().contains("领导(只读)无权执行此操作"), "{e}");
    // A leader whose account belongs to the department still may not take a case: leaders only read.
    let leader_of_zhujian = CaseActor::staff(801, Role::Leader, Some(11), 2);
    let e = c.refused(AppealCommand::Dispatch {
        by: leader_of_zhujian,
        to: zhujian_county(),
        co_handlers: vec![],
        why: text("自办"),
    });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let mut c = in_progress();
    c.later(60).submit();
    let e = c.refused(AppealCommand::Verify { by: dept(11), passed: true, note: String::new() });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
}

#[test]
fn nobody_verifies_their_own_result() {
    let mut c = Case::receive("E01", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zongzhi());
    c.ok(AppealCommand::SubmitResult { by: dispatcher(), result: text("已清理 / cleaned") });
    let e = c.refused(AppealCommand::Verify { by: dispatcher(), passed: true, note: String::new() });
    assert_eq!((e.refusal.clone(), e.class()), (Refusal::OwnResult, ErrorClass::Forbidden));
    c.verify(true);
    let e = c.refused(AppealCommand::Callback {
        by: dispatcher(),
        solved: true,
        satisfaction: Satisfaction::Satisfied,
        comment: String::new(),
    });
    assert_eq!(e.refusal, Refusal::OwnWork);
}

#[test]
fn a_return_needs_a_reason_and_the_window() {
    let mut c = dispatched_to_zhujian();
    for blank in ["", "   "] {
        let e = c.refused(AppealCommand::Return { by: dept(11), reason: text(blank) });
        assert_eq!(
            (e.refusal.clone(), e.class().status(), e.field()),
            (Refusal::Required { field: "reason" }, 400, Some("reason"))
        );
    }
    // Dispatched Monday 10:00: the window holds to the end of Wednesday (two working days).
    c.set(eod(2025, 3, 5));
    let events = c.clone().ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    assert_eq!(events.len(), 1);
    c.set(at(2025, 3, 6, 0, 0));
    let e = c.refused(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    assert_eq!(e.refusal, Refusal::ReturnWindowClosed { until: eod(2025, 3, 5) });
    assert!(e.to_string().contains("退单期限已于 2025-03-05 23:59 届满"), "{e}");
}

#[test]
fn the_return_window_skips_weekends_and_holidays() {
    // Dispatched on Monday 2025-09-29: Tuesday the 30th, then the National Day holiday and the
    // make-up Saturday … the second working day is Thursday 10-09.
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 9, 29, 9, 0));
    c.later(60).dispatch(&zhujian_county());
    assert_eq!(c.snap.assignment.as_ref().unwrap().return_until, eod(2025, 10, 9));
    c.set(at(2025, 10, 8, 12, 0));
    c.ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
}

#[test]
fn a_unit_returns_once_per_assignment() {
    let mut c = dispatched_to_zhujian();
    c.later(10).ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    c.later(10).ok(AppealCommand::ReviewReturn {
        by: dispatcher(),
        decision: ReturnReview::Reject { note: text("属本部门") },
    });
    let e = c.later(10).refused(AppealCommand::Return { by: dept(11), reason: text("还是不是") });
    assert_eq!(e.refusal, Refusal::AlreadyReturned);
    let e =
        c.refused(AppealCommand::ReviewReturn { by: dispatcher(), decision: ReturnReview::Reject { note: text("x") } });
    assert_eq!(e.refusal, Refusal::WrongState);
}

#[test]
fn reviews_and_reassignments_need_another_unit_and_a_reason() {
    let mut c = dispatched_to_zhujian();
    c.ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    let e = c.refused(AppealCommand::ReviewReturn {
        by: dispatcher(),
        decision: ReturnReview::Uphold { to: zhujian_county(), co_handlers: vec![], note: text("改派") },
    });
    assert_eq!((e.refusal.clone(), e.field()), (Refusal::SameUnit, Some("to")));
    let e = c.refused(AppealCommand::ReviewReturn {
        by: dispatcher(),
        decision: ReturnReview::Reject { note: String::new() },
    });
    assert_eq!(e.refusal, Refusal::Required { field: "note" });
    let e = c.refused(AppealCommand::ReviewReturn { by: dept(11), decision: ReturnReview::Reject { note: text("x") } });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));

    let mut c = dispatched_to_zhujian();
    let e = c.refused(AppealCommand::Reassign {
        by: dispatcher(),
        to: zhujian_county(),
        co_handlers: vec![],
        reason: text("x"),
    });
    assert_eq!(e.refusal, Refusal::SameUnit);
    let e = c.refused(AppealCommand::Reassign {
        by: dispatcher(),
        to: gongan_county(),
        co_handlers: vec![],
        reason: text(" "),
    });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });
}

#[test]
fn units_must_fit_their_level() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    // A department pushed down to a township is refused.
    let pushed_down = UnitRef::org(org_type("zhujian"), RegionLevel::Township, 3, 11);
    let e =
        c.refused(AppealCommand::Dispatch { by: dispatcher(), to: pushed_down, co_handlers: vec![], why: text("x") });
    assert!(matches!(e.refusal, Refusal::InvalidUnit { field: "to", .. }), "{e}");
    assert!(e.to_string().contains("住房和城乡建设局不能在乡镇(街道)一级承办"), "{e}");
    let e = c.refused(AppealCommand::Dispatch {
        by: dispatcher(),
        to: zhujian_county(),
        co_handlers: vec![zhujian_county()],
        why: text("x"),
    });
    assert!(matches!(e.refusal, Refusal::InvalidUnit { field: "co_handlers", .. }), "{e}");
    let e = c.refused(AppealCommand::Dispatch {
        by: dispatcher(),
        to: zhujian_county(),
        co_handlers: vec![],
        why: String::new(),
    });
    assert_eq!(e.refusal, Refusal::Required { field: "why" });
}

#[test]
fn one_extension_per_case_within_the_maximum_and_before_the_deadline() {
    let mut c = in_progress();
    for days in [0, 11] {
        let e = c.refused(AppealCommand::RequestExtension { by: dept(11), days, reason: text("复杂") });
        assert_eq!((e.refusal.clone(), e.field()), (Refusal::ExtensionDays { days, max: 10 }, Some("days")));
    }
    let e = c.refused(AppealCommand::RequestExtension { by: dept(11), days: 3, reason: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });
    let e = c.refused(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 3, note: String::new() });
    assert_eq!(e.refusal, Refusal::NoPendingExtension);

    c.ok(AppealCommand::RequestExtension { by: dept(11), days: 3, reason: text("复杂") });
    let e = c.refused(AppealCommand::RequestExtension { by: dept(11), days: 3, reason: text("再延") });
    assert_eq!(e.refusal, Refusal::ExtensionUsed);
    let e = c.refused(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 4, note: String::new() });
    assert_eq!(e.refusal, Refusal::ExtensionDays { days: 4, max: 3 }, "never more than requested");
    let e = c.refused(AppealCommand::DecideExtension { by: dept(11), approve: true, days: 3, note: String::new() });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }), "a unit does not approve its own extension");
    let e =
        c.refused(AppealCommand::DecideExtension { by: dispatcher(), approve: false, days: 0, note: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "note" });
    c.ok(AppealCommand::DecideExtension { by: dispatcher(), approve: false, days: 0, note: text("不予延期") });
    let e = c.refused(AppealCommand::RequestExtension { by: dept(11), days: 3, reason: text("再申请") });
    assert_eq!(e.refusal, Refusal::ExtensionUsed, "a refused request used the case's one chance");
    let e = c.refused(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 3, note: String::new() });
    assert_eq!(e.refusal, Refusal::NoPendingExtension);
}

#[test]
fn no_extension_or_suspension_after_the_deadline() {
    let mut c = in_progress();
    let due = c.snap.resolve.unwrap().due;
    assert_eq!(due, eod(2025, 3, 10));
    c.set(at(2025, 3, 11, 0, 0));
    let e = c.refused(AppealCommand::RequestExtension { by: dept(11), days: 3, reason: text("来不及") });
    assert_eq!((e.refusal.clone(), e.class()), (Refusal::DeadlinePassed { due }, ErrorClass::Conflict));
    let e = c.refused(AppealCommand::Suspend { by: dispatcher(), reason: text("挂起") });
    assert_eq!(e.refusal, Refusal::DeadlinePassed { due });
}

#[test]
fn suspension_needs_a_centre_and_a_reason() {
    let mut c = in_progress();
    let e = c.refused(AppealCommand::Suspend { by: dept(11), reason: text("挂起") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let e = c.refused(AppealCommand::Suspend { by: dispatcher(), reason: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });
    let e = c.refused(AppealCommand::Resume { by: dispatcher(), note: String::new() });
    assert_eq!(e.refusal, Refusal::WrongState);
}

#[test]
fn a_second_reopen_is_refused() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    c.callback(true, Satisfaction::Satisfied);
    let e = c.refused(AppealCommand::Reopen { by: citizen(), reason: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });
    let e = c.refused(AppealCommand::Reopen { by: dept(11), reason: text("重办") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    c.ok(AppealCommand::Reopen { by: supervisor(), reason: text("群众再次反映 / the citizen complained again") });
    c.later(60).submit();
    c.later(60).verify(true);
    c.later(60).callback(true, Satisfaction::Satisfied);
    let e = c.refused(AppealCommand::Reopen { by: citizen(), reason: text("又坏了") });
    assert_eq!((e.refusal.clone(), e.class().status()), (Refusal::ReopenUsed, 409));
    assert!(e.to_string().contains("只能重新办理一次"), "{e}");
}

#[test]
fn merged_cases_refuse_their_own_handling() {
    let mut c = dispatched_to_zhujian();
    c.ok(AppealCommand::Merge { by: dispatcher(), primary_id: 42, reason: text("重复 / duplicate") });
    let attempts = [
        AppealCommand::Accept { by: dept(11) },
        AppealCommand::Dispatch { by: dispatcher(), to: zhujian_county(), co_handlers: vec![], why: text("x") },
        AppealCommand::SubmitResult { by: dept(11), result: text("x") },
        AppealCommand::Merge { by: dispatcher(), primary_id: 43, reason: text("x") },
        AppealCommand::Supervise { by: supervisor(), reason: SupervisionReason::Manual, note: text("x") },
        AppealCommand::TransferOut {
            by: dispatcher(),
            to: Outside::Emergency(EmergencyLine::Police110),
            note: String::new(),
        },
    ];
    for cmd in attempts {
        let e = c.refused(cmd);
        assert_eq!((e.refusal.clone(), e.class()), (Refusal::MergedInto { primary_id: 42 }, ErrorClass::Conflict));
        assert!(e.to_string().contains("已并入主件 42"), "{e}");
    }
    let e = c.refused(AppealCommand::CloseWithPrimary { by: CaseActor::System, primary_id: 43, result: text("x") });
    assert_eq!(e.refusal, Refusal::WrongPrimary { expected: 42, got: 43 });
    let e = c.refused(AppealCommand::CloseWithPrimary { by: citizen(), primary_id: 42, result: text("x") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
}

#[test]
fn escalation_goes_exactly_one_level_up() {
    let mut c = Case::receive("G05", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&grid_unit());
    let e = c.refused(AppealCommand::Escalate {
        by: grid_worker(),
        lead: zongzhi(),
        supporting: vec![],
        reason: text("上报"),
    });
    assert_eq!(
        (e.refusal.clone(), e.field()),
        (
            Refusal::NotOneLevelUp {
                from: RegionLevel::Grid,
                expected: RegionLevel::Village,
                got: RegionLevel::Township
            },
            Some("lead")
        )
    );
    let e = c.refused(AppealCommand::Escalate {
        by: cadre(),
        lead: village_committee(),
        supporting: vec![],
        reason: text("上报"),
    });
    // Escalation admits the unit or a township dispatcher: a stranger gets the general refusal.
    assert_eq!(e.refusal, Refusal::NotPermitted { actor_zh: "村(社区)干部", actor_en: "Village cadre" });
    let e = c.refused(AppealCommand::Escalate {
        by: grid_worker(),
        lead: village_committee(),
        supporting: vec![],
        reason: String::new(),
    });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });

    let mut c = Case::receive("B02", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&gongan_city());
    let e = c.refused(AppealCommand::Escalate {
        by: dept(20),
        lead: gongan_city(),
        supporting: vec![],
        reason: text("上报"),
    });
    assert_eq!(e.refusal, Refusal::TopLevel { level: RegionLevel::City });
}

#[test]
fn hand_overs_need_the_owner_or_a_centre() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    let e = c.refused(AppealCommand::HandOver { by: dept(11), to: OwnerRef::org(11), reason: text("移交") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let e =
        c.refused(AppealCommand::HandOver {
            by: dispatcher(), to: OwnerRef::account(300, None), reason: text("移交")
        });
    assert_eq!(e.refusal, Refusal::SameOwner);
    let e = c.refused(AppealCommand::HandOver {
        by: dispatcher(),
        to: OwnerRef { account_id: None, org_id: None },
        reason: text("移交"),
    });
    assert_eq!(e.refusal, Refusal::Required { field: "to" });
    let e = c.refused(AppealCommand::HandOver { by: dispatcher(), to: OwnerRef::org(11), reason: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "reason" });
}

#[test]
fn supervision_and_archiving_are_for_the_centres() {
    let mut c = in_progress();
    let e =
        c.refused(AppealCommand::Supervise { by: dispatcher(), reason: SupervisionReason::Manual, note: text("x") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let e = c.refused(AppealCommand::Supervise {
        by: supervisor(),
        reason: SupervisionReason::Manual,
        note: String::new(),
    });
    assert_eq!(e.refusal, Refusal::Required { field: "note" });
    let e = c.refused(AppealCommand::Archive { by: supervisor(), note: text("x") });
    assert_eq!(e.refusal, Refusal::WrongState);
    c.later(60).submit();
    c.later(60).verify(true);
    let e = c.refused(AppealCommand::Archive { by: dept(11), note: text("x") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let e = c.refused(AppealCommand::Archive { by: dispatcher(), note: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "note" }, "archiving without a callback says why");
    c.ok(AppealCommand::Archive {
        by: CaseActor::System, note: text("三次回访未接通 / unreachable three times")
    });
}

#[test]
fn texts_have_a_length_limit() {
    let mut c = dispatched_to_zhujian();
    let long = "长".repeat(decide::MAX_TEXT_CHARS + 1);
    let e = c.refused(AppealCommand::Return { by: dept(11), reason: long });
    assert_eq!(
        (e.refusal.clone(), e.class().status()),
        (Refusal::TooLong { field: "reason", max: decide::MAX_TEXT_CHARS }, 400)
    );
    let e = c.refused(AppealCommand::AddInformation { by: leader(), text: text("x") });
    assert!(matches!(e.refusal, Refusal::NotPermitted { .. }));
    let e = c.refused(AppealCommand::AddInformation { by: citizen(), text: text("  ") });
    assert_eq!(e.refusal, Refusal::Required { field: "text" });
}

#[test]
fn every_refusal_has_a_status_and_both_languages() {
    let d = at(2025, 1, 1, 0, 0);
    let all = [
        Refusal::WrongState,
        Refusal::MergedInto { primary_id: 1 },
        Refusal::NotAssignedUnit,
        Refusal::NotPermitted { actor_zh: "群众", actor_en: "Citizen" },
        Refusal::SupervisorRequired,
        Refusal::OwnResult,
        Refusal::OwnWork,
        Refusal::Required { field: "reason" },
        Refusal::TooLong { field: "note", max: 5 },
        Refusal::InvalidUnit { field: "to", detail: "x / x".into() },
        Refusal::SameUnit,
        Refusal::SameOwner,
        Refusal::ReturnWindowClosed { until: d },
        Refusal::AlreadyReturned,
        Refusal::ExtensionUsed,
        Refusal::ExtensionDays { days: 11, max: 10 },
        Refusal::NoPendingExtension,
        Refusal::DeadlinePassed { due: d },
        Refusal::ReopenUsed,
        Refusal::NoUnit,
        Refusal::TopLevel { level: RegionLevel::City },
        Refusal::NotOneLevelUp { from: RegionLevel::Grid, expected: RegionLevel::Village, got: RegionLevel::City },
        Refusal::WrongPrimary { expected: 1, got: 2 },
    ];
    for refusal in all {
        let e = TransitionError::new(Some(AppealState::InProgress), ActionKind::Return, refusal);
        assert!([400, 403, 409].contains(&e.class().status()));
        let (zh, en) = (e.zh(), e.en());
        assert!(zh.starts_with("无法退单（当前状态：办理中）："), "{zh}");
        assert!(en.starts_with("cannot return the case (current state: in progress): "), "{en}");
        assert!(zh.chars().count() > "无法退单（当前状态：办理中）：".chars().count(), "{zh}");
        assert_eq!(e.to_string(), format!("{zh} / {en}"));
    }
}
