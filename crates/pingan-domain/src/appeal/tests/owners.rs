//! 首问责任: the owner chain.

use super::*;

#[test]
fn the_first_receiver_owns_the_case_until_a_formal_hand_over() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    assert_eq!(c.snap.owners.len(), 1);
    assert_eq!(c.snap.owner(), Some(&OwnerRef::account(300, None)));
    assert_eq!(c.snap.owners[0].since, at(2025, 3, 3, 9, 0));

    // Dispatching does not move ownership: the unit handles, the first receiver answers for it.
    c.run_to_in_progress(&zhujian_county());
    assert_eq!(c.snap.owners.len(), 1);

    // The owner hands over to the township's 综治中心 (an organisation) …
    c.later(60).ok(AppealCommand::HandOver {
        by: dispatcher(),
        to: OwnerRef::org(30),
        reason: text("调岗，移交综治中心 / transferred post"),
    });
    // … whose staff may hand it on in turn, to the grid worker.
    let centre_staff = CaseActor::staff(301, Role::TownshipDispatcher, Some(30), 3);
    c.later(60).ok(AppealCommand::HandOver {
        by: centre_staff,
        to: OwnerRef::account(500, None),
        reason: text("由网格员跟踪 / the grid worker follows it"),
    });
    // The former owner is no longer the owner, but a supervisor may still reassign ownership.
    let chain: Vec<_> = c.snap.owners.iter().map(|o| (o.owner.clone(), o.since)).collect();
    assert_eq!(
        chain,
        vec![
            (OwnerRef::account(300, None), at(2025, 3, 3, 9, 0)),
            (OwnerRef::org(30), at(2025, 3, 3, 13, 0)),
            (OwnerRef::account(500, None), at(2025, 3, 3, 14, 0)),
        ]
    );
    c.ok(AppealCommand::HandOver {
        by: grid_worker(), to: OwnerRef::account(400, None), reason: text("移交村干部")
    });
    assert_eq!(c.snap.owner(), Some(&OwnerRef::account(400, None)));
    c.ok(AppealCommand::HandOver {
        by: supervisor(), to: OwnerRef::account(500, None), reason: text("督办员指定")
    });
    assert_eq!(c.snap.owners.len(), 5);
}

#[test]
fn ownership_ends_at_closure_and_resumes_on_reopening() {
    let mut c = Case::receive("E04", Urgency::Normal, at(2025, 3, 3, 9, 0));
    c.run_to_closed(&zhujian_county());
    let e = c.refused(AppealCommand::HandOver { by: dispatcher(), to: OwnerRef::org(30), reason: text("移交") });
    assert_eq!(e.refusal, Refusal::WrongState);
    c.callback(false, Satisfaction::Dissatisfied);
    assert_eq!(c.state(), AppealState::InProgress);
    c.ok(AppealCommand::HandOver { by: dispatcher(), to: OwnerRef::org(30), reason: text("重办期间移交") });
    assert_eq!(c.snap.owners.len(), 2);
}

#[test]
fn hand_over_is_possible_in_every_open_state_and_none_closed() {
    for s in AppealState::ALL {
        let allowed = state::allowed(s, ActionKind::HandOver);
        assert_eq!(allowed, !s.is_closed(), "{s:?}");
    }
}
