//! Yellow and red cards across weekends, holidays, hour limits and suspensions.

use super::*;

#[test]
fn a_friday_case_turns_yellow_over_the_weekend_and_red_on_tuesday() {
    // Friday 2025-03-07: the dispatch limit (one working day) runs to the end of Monday; the
    // yellow card shows with one working day left, from the end of Friday.
    let c = Case::receive("E01", Urgency::Normal, at(2025, 3, 7, 10, 0));
    let p = c.snap.pending.unwrap();
    assert_eq!((p.warn_at, p.due), (eod(2025, 3, 7), eod(2025, 3, 10)));
    assert_eq!(card(&c.snap, at(2025, 3, 7, 17, 0)), Card::None);
    assert_eq!(card(&c.snap, at(2025, 3, 8, 9, 0)), Card::Yellow);
    assert_eq!(card(&c.snap, at(2025, 3, 10, 23, 0)), Card::Yellow);
    assert_eq!(card(&c.snap, eod(2025, 3, 10)), Card::Yellow, "the deadline's last millisecond is still on time");
    assert_eq!(card(&c.snap, at(2025, 3, 11, 0, 0)), Card::Red);
}

#[test]
fn the_resolution_clock_skips_the_national_day_holiday() {
    // Accepted on Tuesday 2025-09-30. 1–8 October are holidays, Saturday 11 October is a
    // make-up working day: the five working days are 9, 10, 11, 13 and 14 October.
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 9, 30, 9, 0));
    c.set(at(2025, 9, 30, 9, 30)).dispatch(&zhujian_county());
    c.set(at(2025, 9, 30, 10, 0)).accept();
    let r = c.snap.resolve.unwrap();
    assert_eq!((r.warn_at, r.due), (eod(2025, 10, 13), eod(2025, 10, 14)));
    assert_eq!(card(&c.snap, at(2025, 10, 5, 12, 0)), Card::None, "the holiday does not count");
    assert_eq!(card(&c.snap, at(2025, 10, 11, 12, 0)), Card::None);
    assert_eq!(card(&c.snap, at(2025, 10, 14, 9, 0)), Card::Yellow);
    assert_eq!(card(&c.snap, at(2025, 10, 15, 0, 0)), Card::Red);
}

#[test]
fn the_spring_festival_2026_and_its_make_up_saturdays() {
    // Accepted Friday 2026-02-13; Saturday the 14th is a make-up working day, 15–23 February
    // the holiday: 14, 24, 25, 26, 27 February are the five working days.
    let mut c = Case::receive("E04", Urgency::Normal, at(2026, 2, 13, 9, 0));
    c.later(30).dispatch(&zhujian_county());
    c.later(30).accept();
    let r = c.snap.resolve.unwrap();
    assert_eq!((r.warn_at, r.due), (eod(2026, 2, 26), eod(2026, 2, 27)));
    assert_eq!(card(&c.snap, at(2026, 2, 20, 9, 0)), Card::None);
    assert_eq!(card(&c.snap, at(2026, 2, 27, 9, 0)), Card::Yellow);
    assert_eq!(card(&c.snap, at(2026, 2, 28, 0, 0)), Card::Red);
}

#[test]
fn hour_limits_warn_at_half_time() {
    let c = Case::receive("B02", Urgency::Urgent, at(2025, 10, 1, 20, 0));
    let p = c.snap.pending.unwrap();
    assert_eq!((p.warn_at, p.due), (at(2025, 10, 1, 20, 30), at(2025, 10, 1, 21, 0)));
    assert_eq!(card(&c.snap, at(2025, 10, 1, 20, 29)), Card::None);
    assert_eq!(card(&c.snap, at(2025, 10, 1, 20, 30)), Card::Yellow);
    assert_eq!(card(&c.snap, at(2025, 10, 1, 21, 1)), Card::Red);
    assert_eq!(card_at_ms(&c.snap, p.due_ms() + 1), Card::Red);
    assert_eq!(card_at_ms(&c.snap, p.warn_ms()), Card::Yellow);
}

#[test]
fn the_active_clock_follows_the_case() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    assert_eq!(c.snap.active_deadline().unwrap().kind, DeadlineKind::Dispatch);
    c.later(60).dispatch(&zhujian_county());
    assert_eq!(c.snap.active_deadline().unwrap().kind, DeadlineKind::Accept);
    // The unit does not sign for two days: red.
    assert_eq!(card(&c.snap, at(2025, 3, 5, 9, 0)), Card::Red);
    c.set(at(2025, 3, 5, 9, 0)).ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    assert_eq!(c.snap.active_deadline().unwrap().kind, DeadlineKind::Review);
    assert_eq!(card(&c.snap, c.now), Card::None, "the review clock is the dispatcher's, fresh");
    c.ok(AppealCommand::ReviewReturn {
        by: dispatcher(), decision: ReturnReview::Reject { note: text("属本部门") }
    });
    c.accept();
    assert_eq!(c.snap.active_deadline().unwrap().kind, DeadlineKind::Resolve);
    c.start_work();
    c.submit();
    assert_eq!(card(&c.snap, at(2026, 1, 1, 0, 0)), Card::None, "no clock once the result is in");
}

#[test]
fn a_suspended_case_keeps_the_card_it_had() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_in_progress(&zhujian_county());
    // Resolve due end of Monday 10 March, yellow from the end of Friday the 7th.
    c.set(at(2025, 3, 6, 10, 0))
        .ok(AppealCommand::Suspend { by: dispatcher(), reason: text("等待鉴定 / awaiting an expert report") });
    assert_eq!(card(&c.snap, at(2025, 3, 20, 0, 0)), Card::None, "paused: read at the suspension instant");
    // Resumed Monday the 17th: seven working days (the 7th, 10th–14th and 17th) moved the clock.
    c.set(at(2025, 3, 17, 9, 0)).ok(AppealCommand::Resume { by: dispatcher(), note: String::new() });
    assert!(matches!(c.events.last().unwrap().kind, EventKind::Resumed { paused_working_days: 7, .. }));
    let r = c.snap.resolve.unwrap();
    assert_eq!((r.warn_at, r.due), (eod(2025, 3, 18), eod(2025, 3, 19)));
    assert_eq!(card(&c.snap, at(2025, 3, 17, 9, 0)), Card::None);
    assert_eq!(card(&c.snap, at(2025, 3, 19, 9, 0)), Card::Yellow);

    // A case suspended while yellow stays yellow, never turns red while paused.
    let mut y = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    y.run_to_in_progress(&zhujian_county());
    y.set(at(2025, 3, 10, 9, 0)).ok(AppealCommand::Suspend { by: dispatcher(), reason: text("暂停") });
    assert_eq!(card(&y.snap, at(2025, 4, 1, 0, 0)), Card::Yellow);
}

#[test]
fn card_names() {
    assert_eq!((Card::Yellow.zh(), Card::Red.zh()), ("黄牌预警", "红牌超期"));
    assert!(Card::None < Card::Yellow && Card::Yellow < Card::Red);
}
