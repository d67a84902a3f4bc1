//! Every transition of the machine, one by one.

use super::*;
use crate::appeal::event::DispatchVia;

// 2025-03-03 is a Monday; no holiday near it.

#[test]
fn the_main_line_from_receipt_to_archive() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    assert_eq!(c.state(), AppealState::Received);
    // 一般 × 一般: the "24 hours" are one working day.
    let pending = c.snap.pending.unwrap();
    assert_eq!(
        (pending.kind, pending.due, pending.warn_at),
        (DeadlineKind::Dispatch, eod(2025, 3, 4), eod(2025, 3, 3))
    );

    c.set(at(2025, 3, 3, 10, 0)).dispatch(&zhujian_county());
    assert_eq!(c.state(), AppealState::Dispatched);
    let a = c.snap.assignment.clone().unwrap();
    assert_eq!((a.unit, a.via, a.return_until), (zhujian_county(), DispatchVia::Dispatch, eod(2025, 3, 5)));
    assert_eq!(c.snap.pending.unwrap().kind, DeadlineKind::Accept);
    assert_eq!(c.snap.contact_due, Some(eod(2025, 3, 4)));

    c.set(at(2025, 3, 3, 11, 0)).accept();
    assert_eq!(c.state(), AppealState::Accepted);
    assert_eq!(c.snap.pending, None);
    let resolve = c.snap.resolve.unwrap();
    // Five working days after Monday: Tuesday … Friday, then Monday the 10th.
    assert_eq!(
        (resolve.kind, resolve.due, resolve.warn_at),
        (DeadlineKind::Resolve, eod(2025, 3, 10), eod(2025, 3, 7))
    );

    c.set(at(2025, 3, 3, 14, 0)).start_work();
    assert_eq!(c.state(), AppealState::InProgress);
    c.set(at(2025, 3, 3, 15, 0)).ok(AppealCommand::RecordContact { by: dept(11), note: text("电话联系 / phoned") });
    assert_eq!(c.snap.milestones.first_contact_at, Some(at(2025, 3, 3, 15, 0)));

    c.set(at(2025, 3, 5, 10, 0)).submit();
    assert_eq!(c.state(), AppealState::ResultSubmitted);
    assert_eq!(c.snap.active_deadline(), None, "the clock stops with the result");

    c.set(at(2025, 3, 5, 16, 0)).verify(true);
    assert_eq!(c.state(), AppealState::Closed);
    assert_eq!(c.snap.milestones.closed_on_time, Some(true));

    let events = c.set(at(2025, 3, 6, 9, 0)).callback(true, Satisfaction::Satisfied);
    assert_eq!(events.len(), 1);
    assert_eq!(c.state(), AppealState::CalledBack);
    assert!(c.snap.callbacks[0].by_citizen);

    c.ok(AppealCommand::Archive { by: dispatcher(), note: String::new() });
    assert_eq!(c.state(), AppealState::Archived);
    assert!(c.snap.supervision.is_empty());
    assert_eq!(AppealSnapshot::replay(&c.events).unwrap(), c.snap);
}

#[test]
fn a_result_may_come_straight_after_acceptance() {
    let mut c = Case::receive("G05", Urgency::Normal, at(2025, 3, 3, 9, 0));
    // A grid worker's own patrol report: dispatched to himself (自办), solved on the spot.
    c.ok(AppealCommand::Dispatch {
        by: grid_worker(), to: grid_unit(), co_handlers: vec![], why: text("网格可办")
    });
    c.accept();
    c.submit();
    assert_eq!(c.state(), AppealState::ResultSubmitted);
}

#[test]
fn a_failed_verification_sends_the_result_back() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    c.later(60).submit();
    c.ok(AppealCommand::Verify { by: dispatcher(), passed: false, note: text("现场未修复 / not repaired") });
    assert_eq!((c.state(), c.snap.rework_count), (AppealState::InProgress, 1));
    c.later(60).submit();
    c.later(60).verify(true);
    assert_eq!(c.state(), AppealState::Closed);
}

#[test]
fn a_late_result_closes_overdue() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    c.set(at(2025, 3, 11, 9, 0)).submit();
    c.later(10).verify(true);
    assert_eq!(c.snap.milestones.closed_on_time, Some(false));
}

#[test]
fn a_return_upheld_goes_to_another_unit() {
    let mut c = Case::receive("B01", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.later(30).dispatch(&gongan_county());
    c.later(60)
        .ok(AppealCommand::Return { by: dept(10), reason: text("属派出所辖区事项 / a police station matter") });
    assert_eq!(c.state(), AppealState::Returned);
    assert_eq!(c.snap.returned.as_ref().unwrap().unit, gongan_county());
    assert_eq!(c.snap.pending.unwrap().kind, DeadlineKind::Review);

    let police_station = UnitRef::org(org_type("paichusuo"), RegionLevel::Township, 3, 31);
    c.later(60).ok(AppealCommand::ReviewReturn {
        by: dispatcher(),
        decision: ReturnReview::Uphold {
            to: police_station.clone(),
            co_handlers: vec![],
            note: text("退单理由成立，改派派出所 / upheld"),
        },
    });
    assert_eq!(c.state(), AppealState::Dispatched);
    let a = c.snap.assignment.clone().unwrap();
    assert_eq!((a.unit, a.via), (police_station, DispatchVia::Reassign));
    assert_eq!((c.snap.return_count, c.snap.reassign_count), (1, 1));
    assert_eq!(c.snap.returned, None);
    // The township dispatcher acts for the township's 派出所 desk.
    c.later(10).ok(AppealCommand::Accept { by: dispatcher() });
}

#[test]
fn a_return_rejected_goes_back_to_the_same_unit_with_its_clock() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.later(60).dispatch(&zhujian_county());
    c.later(60).accept();
    let resolve = c.snap.resolve;
    c.later(60).ok(AppealCommand::Return { by: dept(11), reason: text("非本部门职责 / not ours") });
    c.later(60).ok(AppealCommand::ReviewReturn {
        by: supervisor(),
        decision: ReturnReview::Reject { note: text("道路维修属住建职责 / road repairs are yours") },
    });
    assert_eq!(c.state(), AppealState::Dispatched);
    assert_eq!(c.unit(), zhujian_county());
    assert_eq!(c.snap.pending.unwrap().kind, DeadlineKind::Accept);
    c.later(10).accept();
    assert_eq!(c.snap.resolve, resolve, "the resolution clock kept running through the return");
}

#[test]
fn a_dispatcher_may_reassign_before_or_after_acceptance() {
    let mut c = Case::receive("E02", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.later(60).dispatch(&zhujian_county());
    c.later(60).ok(AppealCommand::Reassign {
        by: dispatcher(),
        to: UnitRef::org(org_type("zhifa"), RegionLevel::County, 2, 12),
        co_handlers: vec![],
        reason: text("占道经营属综合执法 / street trading is law enforcement's"),
    });
    assert_eq!((c.state(), c.snap.reassign_count), (AppealState::Dispatched, 1));
    c.later(60).ok(AppealCommand::Accept { by: dept(12) });
    assert!(c.snap.resolve.is_some());
    c.later(60).ok(AppealCommand::Reassign {
        by: supervisor(),
        to: zhujian_county(),
        co_handlers: vec![],
        reason: text("督办员改派"),
    });
    assert_eq!(c.state(), AppealState::Dispatched);
    assert_eq!(c.snap.resolve, None, "a new unit gets its own resolution clock when it accepts");
}

#[test]
fn an_extension_moves_the_deadline_once() {
    let mut c = Case::receive("A03", Urgency::Normal, at(2025, 3, 3, 9, 0));
    let renshe = UnitRef::org(org_type("renshe"), RegionLevel::County, 2, 13);
    c.run_to_in_progress(&renshe);
    assert_eq!(c.snap.resolve.unwrap().due, eod(2025, 3, 10));
    c.later(60).ok(AppealCommand::RequestExtension {
        by: dept(13),
        days: 10,
        reason: text("需调取工资台账 / payroll records needed"),
    });
    assert_eq!(c.state(), AppealState::InProgress);
    assert!(c.snap.extension.as_ref().unwrap().decision.is_none());
    c.later(60).ok(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 8, note: String::new() });
    // Eight working days after Monday the 10th: 11–14, 17–20.
    let resolve = c.snap.resolve.unwrap();
    assert_eq!((resolve.due, resolve.warn_at), (eod(2025, 3, 20), eod(2025, 3, 19)));
    assert!(c.snap.extended());
}

#[test]
fn a_refused_extension_keeps_the_deadline() {
    let mut c = Case::receive("A03", Urgency::Normal, at(2025, 3, 3, 9, 0));
    let renshe = UnitRef::org(org_type("renshe"), RegionLevel::County, 2, 13);
    c.run_to_in_progress(&renshe);
    let resolve = c.snap.resolve;
    c.ok(AppealCommand::RequestExtension { by: dept(13), days: 3, reason: text("复杂 / complex") });
    c.ok(AppealCommand::DecideExtension {
        by: supervisor(),
        approve: false,
        days: 0,
        note: text("可按期办结 / can finish in time"),
    });
    assert_eq!(c.snap.resolve, resolve);
    assert!(!c.snap.extended());
}

#[test]
fn suspension_pauses_the_clock_by_the_working_days_it_took() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    // Suspended on Friday, resumed on Monday: Monday is the one working day lost.
    c.set(at(2025, 3, 7, 10, 0))
        .ok(AppealCommand::Suspend {
            by: dispatcher(), reason: text("等待群众提供材料 / waiting for documents")
        });
    assert_eq!(c.state(), AppealState::Suspended);
    assert_eq!(c.snap.suspension.as_ref().unwrap().since, at(2025, 3, 7, 10, 0));
    c.set(at(2025, 3, 10, 9, 0)).ok(AppealCommand::Resume { by: dept(11), note: String::new() });
    assert_eq!(c.state(), AppealState::InProgress);
    let resolve = c.snap.resolve.unwrap();
    assert_eq!((resolve.due, resolve.warn_at), (eod(2025, 3, 11), eod(2025, 3, 10)));
    assert!(matches!(c.events.last().unwrap().kind, EventKind::Resumed { paused_working_days: 1, .. }));
}

#[test]
fn a_suspension_within_one_day_costs_nothing() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    let resolve = c.snap.resolve;
    c.ok(AppealCommand::Suspend { by: supervisor(), reason: text("暂停") });
    c.later(120).ok(AppealCommand::Resume { by: CaseActor::System, note: String::new() });
    assert_eq!(c.snap.resolve, resolve);
}

#[test]
fn an_extension_can_be_decided_while_suspended() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    c.ok(AppealCommand::RequestExtension { by: dept(11), days: 2, reason: text("需施工 / construction needed") });
    c.ok(AppealCommand::Suspend { by: dispatcher(), reason: text("汛期停工 / flood season") });
    c.ok(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 2, note: String::new() });
    assert_eq!(c.state(), AppealState::Suspended);
    assert_eq!(c.snap.resolve.unwrap().due, eod(2025, 3, 12));
}

#[test]
fn not_solved_reopens_once_then_goes_to_a_supervisor() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    c.set(at(2025, 3, 4, 9, 0));
    let events = c.callback(false, Satisfaction::Dissatisfied);
    assert_eq!(events.len(), 3, "callback, reopening, supervision order");
    assert_eq!((c.state(), c.snap.reopen_count), (AppealState::InProgress, 1));
    assert_eq!(c.snap.supervision[0].reason, SupervisionReason::Reopened);
    assert_eq!(c.snap.milestones.closed_at, None);
    // A fresh five working days from the reopening (Tuesday): to Tuesday the 11th.
    assert_eq!(c.snap.resolve.unwrap().due, eod(2025, 3, 11));

    c.later(60).submit();
    c.later(60).verify(true);
    let events = c.later(60).callback(false, Satisfaction::Dissatisfied);
    assert_eq!(events.len(), 2, "callback and the supervisor's order; no second reopening");
    assert_eq!(c.state(), AppealState::CalledBack);
    assert!(c.snap.needs_supervisor);
    assert_eq!(c.snap.supervision[1].reason, SupervisionReason::NotSolvedAgain);
    let e = c.refused(AppealCommand::Archive { by: dispatcher(), note: text("归档") });
    assert_eq!(e.refusal, Refusal::SupervisorRequired);
    c.ok(AppealCommand::Archive {
        by: supervisor(),
        note: text("督办员研判后归档 / archived on a supervisor's review"),
    });
    assert_eq!(c.state(), AppealState::Archived);
}

#[test]
fn a_dissatisfied_but_solved_callback_gets_a_supervision_order() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    let events = c.ok(AppealCommand::Callback {
        by: dispatcher(),
        solved: true,
        satisfaction: Satisfaction::Dissatisfied,
        comment: text("态度差 / rude"),
    });
    assert_eq!(events.len(), 2);
    assert_eq!(c.state(), AppealState::CalledBack);
    assert_eq!(c.snap.supervision[0].reason, SupervisionReason::Dissatisfied);
    assert!(!c.snap.callbacks[0].by_citizen, "a phone callback by staff");
}

#[test]
fn an_explicit_reopen_after_a_solved_callback() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    c.callback(true, Satisfaction::BasicallySatisfied);
    c.later(60).ok(AppealCommand::Reopen { by: citizen(), reason: text("路面又塌了 / the road sank again") });
    assert_eq!((c.state(), c.snap.reopen_count), (AppealState::InProgress, 1));
    assert_eq!(c.snap.supervision.last().unwrap().reason, SupervisionReason::Reopened);
}

#[test]
fn escalation_from_the_grid_to_the_village() {
    let mut c = Case::receive("G05", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&grid_unit());
    c.later(60).ok(AppealCommand::Escalate {
        by: grid_worker(),
        lead: village_committee(),
        supporting: vec![],
        reason: text("需村委会出具证明 / needs the committee's certificate"),
    });
    assert_eq!(c.state(), AppealState::Dispatched);
    let a = c.snap.assignment.clone().unwrap();
    assert_eq!((a.unit, a.via), (village_committee(), DispatchVia::Escalation));
    assert_eq!(c.snap.escalation_count, 1);
    c.later(10).ok(AppealCommand::Accept { by: cadre() });
}

#[test]
fn a_township_whistle_summons_departments_as_lead_and_supporting_units() {
    let mut c = Case::receive("E01", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zongzhi());
    let zhifa = UnitRef::org(org_type("zhifa"), RegionLevel::County, 2, 12);
    let shengtai = UnitRef::org(org_type("shengtai"), RegionLevel::County, 2, 14);
    let events = c.later(60).ok(AppealCommand::Escalate {
        by: dispatcher(),
        lead: zhifa.clone(),
        supporting: vec![shengtai.clone(), zhujian_county()],
        reason: text("垃圾乱倒涉及多部门 / dumping involves several departments"),
    });
    assert!(matches!(
        events[0].kind,
        EventKind::Escalated { from_level: RegionLevel::Township, to_level: RegionLevel::County, .. }
    ));
    let a = c.snap.assignment.clone().unwrap();
    assert_eq!(a.unit, zhifa);
    assert_eq!(a.co_handlers, vec![shengtai, zhujian_county()]);
    assert_eq!(c.snap.resolve, None);
    c.later(10).ok(AppealCommand::Accept { by: dept(12) });
}

#[test]
fn merged_cases_follow_their_primary() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.later(60).dispatch(&zhujian_county());
    c.later(60).ok(AppealCommand::Merge {
        by: dispatcher(),
        primary_id: 77,
        reason: text("同一路段塌陷 / same collapse"),
    });
    assert_eq!((c.state(), c.snap.merged_into), (AppealState::Merged, Some(77)));
    assert_eq!(card(&c.snap, at(2025, 4, 1, 0, 0)), Card::None);
    c.ok(AppealCommand::AddInformation { by: citizen(), text: text("补充照片 / photos") });
    c.ok(AppealCommand::CloseWithPrimary {
        by: CaseActor::System,
        primary_id: 77,
        result: text("主件已修复 / repaired"),
    });
    assert_eq!(c.state(), AppealState::Closed);
    assert!(c.snap.closed_with_primary);
    // Every reporter gets the callback; a merged case never reopens on its own.
    let events = c.callback(false, Satisfaction::Dissatisfied);
    assert_eq!(events.len(), 2);
    assert_eq!((c.state(), c.snap.reopen_count), (AppealState::CalledBack, 0));
    assert!(c.snap.needs_supervisor);
    assert_eq!(c.refused(AppealCommand::Reopen { by: citizen(), reason: text("没修好") }).refusal, Refusal::NoUnit);
}

#[test]
fn an_unmerged_case_starts_again_from_receipt() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.ok(AppealCommand::Merge { by: dispatcher(), primary_id: 77, reason: text("疑似重复") });
    c.later(60)
        .ok(AppealCommand::Unmerge { by: dispatcher(), reason: text("并非同一事项 / a different matter") });
    assert_eq!((c.state(), c.snap.merged_into), (AppealState::Received, None));
    assert_eq!(c.snap.pending.unwrap().start, c.now);
    c.dispatch(&zhujian_county());
}

#[test]
fn emergencies_are_transferred_and_tracked() {
    let mut c = Case::receive("C01", Urgency::Urgent, at(2025, 3, 8, 22, 0));
    c.later(5).ok(AppealCommand::TransferOut {
        by: dispatcher(),
        to: Outside::Emergency(EmergencyLine::Fire119),
        note: text("楼道冒烟 / smoke in the stairwell"),
    });
    assert_eq!(c.state(), AppealState::Transferred);
    assert_eq!(c.snap.outside, Some(Outside::Emergency(EmergencyLine::Fire119)));
    assert_eq!(card(&c.snap, at(2025, 3, 20, 0, 0)), Card::None);
    c.ok(AppealCommand::Supervise { by: CaseActor::System, reason: SupervisionReason::Overdue, note: String::new() });
    let e = c.refused(AppealCommand::Archive { by: dispatcher(), note: String::new() });
    assert_eq!(e.refusal, Refusal::Required { field: "note" });
    c.later(600).ok(AppealCommand::Archive { by: dispatcher(), note: text("119 已处置 / handled by 119") });
    assert_eq!(c.state(), AppealState::Archived);
}

#[test]
fn a_matter_for_the_courts_is_referred() {
    let mut c = Case::receive("A04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zongzhi());
    c.ok(AppealCommand::TransferOut {
        by: dispatcher(),
        to: Outside::Channel(ReferralChannel::Litigation),
        note: text("已引导诉讼 / referred to the court"),
    });
    assert_eq!(c.state(), AppealState::Transferred);
}

#[test]
fn urgent_cases_get_the_short_clock_and_jump_the_queue() {
    // Saturday night: clock hours run whatever the calendar says.
    let urgent = Case::receive("C02", Urgency::Urgent, at(2025, 3, 8, 22, 0));
    let p = urgent.snap.pending.unwrap();
    assert_eq!((p.due, p.warn_at), (at(2025, 3, 8, 23, 0), at(2025, 3, 8, 22, 30)));
    let outage = Case::receive("D04", Urgency::Normal, at(2025, 3, 8, 22, 0));
    assert_eq!(outage.snap.pending.unwrap().due, at(2025, 3, 9, 0, 0));
    let hazard = Case::receive("C01", Urgency::Normal, at(2025, 3, 8, 22, 0));
    assert_eq!(hazard.snap.pending.unwrap().due, at(2025, 3, 9, 22, 0));
    let plain = Case::receive("E01", Urgency::Normal, at(2025, 3, 8, 22, 0));
    assert_eq!(plain.snap.pending.unwrap().due, eod(2025, 3, 10), "the next working day, Monday");

    let earlier = Case::receive("E01", Urgency::Normal, at(2025, 3, 7, 9, 0));
    let mut queue = [&plain.snap, &earlier.snap, &urgent.snap];
    queue.sort_by_key(|s| s.queue_key());
    assert_eq!(queue[0].urgency, Urgency::Urgent);
    assert_eq!(queue[1].received_at, at(2025, 3, 7, 9, 0));

    // Dispatched urgently, the unit has an hour to sign and two to reach the citizen.
    let mut urgent = urgent;
    urgent.later(20).dispatch(&zhujian_county());
    assert_eq!(urgent.snap.pending.unwrap().due, at(2025, 3, 8, 23, 20));
    assert_eq!(urgent.snap.contact_due, Some(at(2025, 3, 9, 0, 20)));
}

#[test]
fn reclassification_recomputes_the_pending_clock_from_its_start() {
    let mut c = Case::receive("E01", Urgency::Normal, at(2025, 3, 8, 22, 0));
    c.later(10).ok(AppealCommand::Reclassify {
        by: dispatcher(),
        category: CategoryCode::parse("C02").unwrap(),
        urgency: Urgency::Urgent,
        time_limit_class: TimeLimitClass::Safety,
        note: text("有燃气味 / smells of gas"),
    });
    assert_eq!((c.snap.category.as_str(), c.snap.urgency), ("C02", Urgency::Urgent));
    assert_eq!(c.snap.pending.unwrap().due, at(2025, 3, 8, 23, 0));
}

#[test]
fn supervision_orders_attach_without_changing_state() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    c.ok(AppealCommand::Supervise {
        by: supervisor(),
        reason: SupervisionReason::Manual,
        note: text("限期办理 / act now"),
    });
    c.ok(AppealCommand::Supervise { by: CaseActor::System, reason: SupervisionReason::Overdue, note: String::new() });
    assert_eq!((c.state(), c.snap.supervision.len()), (AppealState::InProgress, 2));
}

#[test]
fn citizens_and_staff_add_information_while_open() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.ok(AppealCommand::AddInformation { by: citizen(), text: text("坑更大了 / the hole grew") });
    c.run_to_in_progress(&zhujian_county());
    c.ok(AppealCommand::AddInformation { by: grid_worker(), text: text("已设警示 / warning signs placed") });
    assert_eq!(c.snap.information_count, 2);
}

#[test]
fn events_round_trip_through_json() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    c.callback(false, Satisfaction::Dissatisfied);
    let json = serde_json::to_string(&c.events).unwrap();
    let back: Vec<AppealEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c.events);
    assert_eq!(AppealSnapshot::replay(&back).unwrap(), c.snap);
    assert_eq!(AppealSnapshot::replay(&back[1..]), Err(ReplayError));
    let via_free_fn = back.iter().skip(1).fold(AppealSnapshot::start(&back[0]).unwrap(), |s, e| apply(&s, e));
    assert_eq!(via_free_fn, c.snap);
}

#[test]
fn commands_parse_from_json() {
    let json = r#"{"action":"return","by":{"kind":"staff","account_id":1011,"role":"dept_handler","org_id":11,"region_id":2},"reason":"不属本部门"}"#;
    let cmd: AppealCommand = serde_json::from_str(json).unwrap();
    assert_eq!(cmd.kind(), ActionKind::Return);
    assert_eq!(cmd.actor(), &dept(11));
}

#[test]
fn execute_returns_the_next_snapshot() {
    let c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    let cmd =
        AppealCommand::Dispatch { by: dispatcher(), to: zhujian_county(), co_handlers: vec![], why: text("目录") };
    let (next, events) = execute(&c.snap, &cmd, c.now, &c.cal, &c.policy).unwrap();
    assert_eq!(next.state, AppealState::Dispatched);
    assert_eq!(events.len(), 1);
}

#[test]
fn receipt_checks_its_actor_and_first_receiver() {
    let cal = WorkCalendar::shipped();
    let policy = TimeLimitPolicy::default();
    let mut new = NewAppeal {
        category: CategoryCode::parse("A01").unwrap(),
        urgency: Urgency::Normal,
        time_limit_class: TimeLimitClass::Standard,
        channel: IntakeChannel::Proxy,
        first_receiver: OwnerRef::account(400, None),
    };
    let now = at(2025, 3, 3, 9, 0);
    assert!(receive(&new, &cadre(), now, &cal, &policy).is_ok());
    assert!(receive(&new, &citizen(), now, &cal, &policy).is_ok());
    assert!(receive(&new, &CaseActor::System, now, &cal, &policy).is_ok());
    let e = receive(&new, &leader(), now, &cal, &policy).unwrap_err();
    assert_eq!((e.state, e.class()), (None, ErrorClass::Forbidden));
    assert!(e.to_string().contains("新诉求"), "{e}");
    new.first_receiver = OwnerRef { account_id: None, org_id: None };
    let e = receive(&new, &cadre(), now, &cal, &policy).unwrap_err();
    assert_eq!((e.refusal.clone(), e.field()), (Refusal::Required { field: "first_receiver" }, Some("first_receiver")));
}
