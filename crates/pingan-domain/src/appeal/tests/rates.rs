//! The rates on a small hand-computed set, and summaries from real case histories.

use super::*;
use crate::appeal::rates::*;

fn summary(f: impl FnOnce(&mut CaseSummary)) -> CaseSummary {
    let mut s = CaseSummary::default();
    f(&mut s);
    s
}

#[test]
fn rates_on_a_hand_computed_set() {
    let cases = [
        // 1: on time, contacted in time, solved and satisfied.
        summary(|s| {
            s.dispatched = true;
            s.contacted_on_time = true;
            s.due = true;
            s.closed = true;
            s.closed_on_time = true;
            s.callbacks = 1;
            s.solved_callbacks = 1;
            s.satisfied_callbacks = 1;
        }),
        // 2: returned once, extended, closed late; not solved then solved, basically satisfied both times.
        summary(|s| {
            s.dispatched = true;
            s.contacted_on_time = true;
            s.due = true;
            s.closed = true;
            s.returned = true;
            s.extended = true;
            s.reworked = true;
            s.callbacks = 2;
            s.solved_callbacks = 1;
            s.satisfied_callbacks = 2;
        }),
        // 3: dispatched, contacted late, due and still open.
        summary(|s| {
            s.dispatched = true;
            s.due = true;
        }),
        // 4: dispatched, not yet due.
        summary(|s| s.dispatched = true),
        // 5: a duplicate merged before dispatch.
        summary(|s| s.repeat = true),
    ];
    let r = Rates::of(&cases);
    assert_eq!(r.response, Ratio::new(2, 4));
    assert_eq!(r.resolution, Ratio::new(2, 3));
    assert_eq!(r.satisfaction, Ratio::new(3, 3));
    assert_eq!(r.on_time, Ratio::new(1, 3));
    assert_eq!(r.closure, Ratio::new(2, 3));
    assert_eq!(r.rework, Ratio::new(1, 2));
    assert_eq!(r.returns, Ratio::new(1, 4));
    assert_eq!(r.extension, Ratio::new(1, 4));
    assert_eq!(r.repeat, Ratio::new(1, 5));
    assert_eq!(r.response.percent(), "50.0%");
    assert_eq!(r.resolution.percent(), "66.7%");
    assert_eq!(Rates::of(&[]).on_time.percent(), "—");
    assert_eq!(Rates::of(&[]).on_time.value(), None);
    assert_eq!(Ratio::new(1, 2) + Ratio::new(2, 3), Ratio::new(3, 5));
}

#[test]
fn summaries_from_case_histories() {
    // A clean case: contacted within the day, closed on time, solved.
    let mut good = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    good.run_to_in_progress(&zhujian_county());
    good.ok(AppealCommand::RecordContact { by: dept(11), note: String::new() });
    good.later(60).submit();
    good.later(60).verify(true);
    good.later(60).callback(true, Satisfaction::Satisfied);

    // A troubled one: returned, reassigned, extended, contacted late, reopened.
    let mut bad = Case::receive("E02", Urgency::Normal, at(2025, 3, 3, 9, 0));
    bad.later(60).dispatch(&zhujian_county());
    bad.later(60).ok(AppealCommand::Return { by: dept(11), reason: text("非本部门") });
    let zhifa = UnitRef::org(org_type("zhifa"), RegionLevel::County, 2, 12);
    bad.later(60).ok(AppealCommand::ReviewReturn {
        by: dispatcher(),
        decision: ReturnReview::Uphold { to: zhifa, co_handlers: vec![], note: text("改派综合执法") },
    });
    bad.set(at(2025, 3, 5, 9, 0)).ok(AppealCommand::Accept { by: dept(12) });
    bad.ok(AppealCommand::StartWork { by: dept(12) });
    bad.ok(AppealCommand::RecordContact { by: dept(12), note: String::new() });
    bad.ok(AppealCommand::RequestExtension { by: dept(12), days: 5, reason: text("需联合执法") });
    bad.ok(AppealCommand::DecideExtension { by: dispatcher(), approve: true, days: 5, note: String::new() });
    bad.later(60).ok(AppealCommand::SubmitResult { by: dept(12), result: text("已劝离") });
    bad.later(60).verify(true);
    bad.later(60).callback(false, Satisfaction::Dissatisfied);

    // A duplicate.
    let mut dup = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 30));
    dup.ok(AppealCommand::Merge { by: dispatcher(), primary_id: 1, reason: text("重复") });

    let as_of = at(2025, 3, 31, 0, 0);
    let s_good = CaseSummary::of(&good.snap, as_of);
    let s_bad = CaseSummary::of(&bad.snap, as_of);
    let s_dup = CaseSummary::of(&dup.snap, as_of);
    assert_eq!(
        s_good,
        CaseSummary {
            dispatched: true,
            contacted_on_time: true,
            due: true,
            closed: true,
            closed_on_time: true,
            callbacks: 1,
            solved_callbacks: 1,
            satisfied_callbacks: 1,
            ..CaseSummary::default()
        }
    );
    assert_eq!(
        s_bad,
        CaseSummary {
            dispatched: true,
            contacted_on_time: false,
            due: true,
            closed: false,
            reworked: true,
            returned: true,
            extended: true,
            callbacks: 1,
            ..CaseSummary::default()
        }
    );
    assert_eq!(s_dup, CaseSummary { repeat: true, ..CaseSummary::default() });
    let r = Rates::of(&[s_good, s_bad, s_dup]);
    assert_eq!(
        (r.response, r.returns, r.extension, r.repeat),
        (Ratio::new(1, 2), Ratio::new(1, 2), Ratio::new(1, 2), Ratio::new(1, 3))
    );
    assert_eq!((r.resolution, r.satisfaction, r.on_time), (Ratio::new(1, 2), Ratio::new(1, 2), Ratio::new(1, 2)));

    // Before the good case's deadline and closure, it is not yet due.
    let early = CaseSummary::of(&good.snap, at(2025, 3, 3, 10, 0));
    assert_eq!((early.dispatched, early.due, early.closed, early.callbacks), (true, false, false, 0));
}
