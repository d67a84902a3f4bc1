//! A deterministic random walk over the machine. From many random command sequences, with
//! random actors, data and clocks: `decide` never panics, accepts exactly what the table
//! allows from each state, every state change it makes is a row of `TRANSITIONS`, every row is
//! taken at least once, every state reached is reachable in the table, the snapshot keeps its
//! invariants, and replaying the events gives the same snapshot.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::appeal::rates::CaseSummary;

/// Knuth's MMIX linear congruential generator; the high bits are good enough for choosing.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn units() -> Vec<UnitRef> {
    vec![
        grid_unit(),
        village_committee(),
        zongzhi(),
        gongan_county(),
        zhujian_county(),
        UnitRef::org(org_type("zhifa"), RegionLevel::County, 2, 12),
        gongan_city(),
    ]
}

fn actors() -> Vec<CaseActor> {
    vec![
        dispatcher(),
        supervisor(),
        dept(10),
        dept(11),
        dept(12),
        dept(20),
        cadre(),
        grid_worker(),
        citizen(),
        CaseActor::System,
        leader(),
        admin(),
        CaseActor::staff(301, Role::TownshipDispatcher, Some(30), 3),
    ]
}

fn some_text(rng: &mut Lcg) -> String {
    match rng.below(20) {
        0 => String::new(),
        1 => "   ".into(),
        _ => "理由 / reason".into(),
    }
}

fn some_unit(rng: &mut Lcg) -> UnitRef {
    if rng.chance(5) {
        // A department pushed down to a township: always refused.
        return UnitRef::org(org_type("zhujian"), RegionLevel::Township, 3, 11);
    }
    rng.pick(&units()).clone()
}

fn some_supporting(rng: &mut Lcg) -> Vec<UnitRef> {
    if rng.chance(20) { vec![some_unit(rng)] } else { vec![] }
}

/// Mostly someone who might be allowed to do `kind`, sometimes anyone.
fn some_actor(rng: &mut Lcg, case: &AppealSnapshot, kind: ActionKind) -> CaseActor {
    use ActionKind as A;
    if rng.chance(30) {
        return rng.pick(&actors()).clone();
    }
    let unit: Vec<CaseActor> = case.assignment.iter().map(|a| actor_for(&a.unit)).collect();
    let centres = [dispatcher(), supervisor()];
    let options: Vec<CaseActor> = match kind {
        A::Accept | A::Return | A::StartWork | A::RecordContact | A::SubmitResult | A::RequestExtension => unit,
        A::Escalate | A::Resume | A::TransferOut => unit.into_iter().chain(centres).collect(),
        A::Callback | A::Reopen => vec![citizen(), supervisor()],
        A::Supervise => vec![supervisor(), CaseActor::System],
        A::Archive | A::CloseWithPrimary => vec![dispatcher(), supervisor(), CaseActor::System],
        A::AddInformation => vec![citizen(), grid_worker(), CaseActor::System],
        A::Dispatch => vec![dispatcher(), CaseActor::System],
        _ => centres.to_vec(),
    };
    if options.is_empty() { rng.pick(&actors()).clone() } else { rng.pick(&options).clone() }
}

fn command(rng: &mut Lcg, case: &AppealSnapshot, kind: ActionKind, table: &CategoryTable) -> AppealCommand {
    use ActionKind as A;
    let by = some_actor(rng, case, kind);
    let days = rng.below(13) as u32;
    let satisfaction =
        *rng.pick(&[Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]);
    match kind {
        A::Receive => unreachable!("not a command on a case"),
        A::Reclassify => {
            let c = table.iter().nth(rng.below(table.len())).unwrap();
            AppealCommand::Reclassify {
                by,
                category: c.code,
                urgency: *rng.pick(&Urgency::ALL),
                time_limit_class: c.time_limit_class,
                note: some_text(rng),
            }
        }
        A::Dispatch => {
            AppealCommand::Dispatch { by, to: some_unit(rng), co_handlers: some_supporting(rng), why: some_text(rng) }
        }
        A::Accept => AppealCommand::Accept { by },
        A::Return => AppealCommand::Return { by, reason: some_text(rng) },
        A::ReviewReturn => {
            let decision = if rng.chance(50) {
                ReturnReview::Uphold { to: some_unit(rng), co_handlers: some_supporting(rng), note: some_text(rng) }
            } else {
                ReturnReview::Reject { note: some_text(rng) }
            };
            AppealCommand::ReviewReturn { by, decision }
        }
        A::Reassign => AppealCommand::Reassign {
            by,
            to: some_unit(rng),
            co_handlers: some_supporting(rng),
            reason: some_text(rng),
        },
        A::StartWork => AppealCommand::StartWork { by },
        A::RecordContact => AppealCommand::RecordContact { by, note: some_text(rng) },
        A::SubmitResult => AppealCommand::SubmitResult { by, result: some_text(rng) },
        A::Verify => AppealCommand::Verify { by, passed: rng.chance(60), note: some_text(rng) },
        A::Callback => AppealCommand::Callback { by, solved: rng.chance(50), satisfaction, comment: some_text(rng) },
        A::Reopen => AppealCommand::Reopen { by, reason: some_text(rng) },
        A::Archive => AppealCommand::Archive { by, note: some_text(rng) },
        A::RequestExtension => AppealCommand::RequestExtension { by, days, reason: some_text(rng) },
        A::DecideExtension => {
            AppealCommand::DecideExtension { by, approve: rng.chance(60), days, note: some_text(rng) }
        }
        A::Suspend => AppealCommand::Suspend { by, reason: some_text(rng) },
        A::Resume => AppealCommand::Resume { by, note: some_text(rng) },
        A::Supervise => AppealCommand::Supervise {
            by,
            reason: *rng.pick(&[SupervisionReason::Overdue, SupervisionReason::Manual]),
            note: some_text(rng),
        },
        A::Escalate => {
            let above = case.assignment.as_ref().and_then(|a| a.unit.level.parent());
            let lead = match above {
                Some(level) if rng.chance(80) => {
                    let fitting: Vec<UnitRef> = units().into_iter().filter(|u| u.level == level).collect();
                    rng.pick(&fitting).clone()
                }
                _ => some_unit(rng),
            };
            AppealCommand::Escalate { by, lead, supporting: some_supporting(rng), reason: some_text(rng) }
        }
        A::Merge => AppealCommand::Merge { by, primary_id: 42, reason: some_text(rng) },
        A::Unmerge => AppealCommand::Unmerge { by, reason: some_text(rng) },
        A::CloseWithPrimary => {
            let primary_id = if rng.chance(80) { case.merged_into.unwrap_or(42) } else { 43 };
            AppealCommand::CloseWithPrimary { by, primary_id, result: some_text(rng) }
        }
        A::TransferOut => {
            let to = if rng.chance(50) {
                Outside::Emergency(*rng.pick(&EmergencyLine::ALL))
            } else {
                Outside::Channel(ReferralChannel::Petition)
            };
            AppealCommand::TransferOut { by, to, note: some_text(rng) }
        }
        A::HandOver => {
            let to = rng
                .pick(&[
                    OwnerRef::account(300, None),
                    OwnerRef::org(30),
                    OwnerRef::account(1011, Some(11)),
                    OwnerRef { account_id: None, org_id: None },
                ])
                .clone();
            AppealCommand::HandOver { by, to, reason: some_text(rng) }
        }
        A::AddInformation => AppealCommand::AddInformation { by, text: some_text(rng) },
    }
}

fn check_invariants(s: &AppealSnapshot, now: NaiveDateTime) {
    use AppealState as S;
    assert!(!s.owners.is_empty());
    assert!(s.reopen_count <= 1, "reopened twice");
    if let Some(e) = &s.extension {
        assert!((1..=10).contains(&e.days));
        if let Some(d) = &e.decision {
            assert!(!d.approved || (1..=e.days).contains(&d.days));
        }
    }
    let st = s.state;
    assert_eq!(st == S::Suspended, s.suspension.is_some(), "{st:?}");
    if st == S::Merged {
        assert!(s.merged_into.is_some());
    }
    if st == S::Transferred {
        assert!(s.outside.is_some());
    }
    if matches!(st, S::Dispatched | S::Returned | S::Accepted | S::InProgress | S::Suspended | S::ResultSubmitted) {
        assert!(s.assignment.is_some(), "{st:?} without a unit");
    }
    if matches!(st, S::Accepted | S::InProgress | S::Suspended) {
        assert!(s.resolve.is_some(), "{st:?} without a resolution clock");
    }
    if matches!(st, S::Received | S::Dispatched | S::Returned) {
        assert!(s.pending.is_some(), "{st:?} without a pending clock");
    }
    if st == S::Returned {
        assert!(s.returned.is_some());
    }
    for d in s.pending.iter().chain(&s.resolve) {
        assert!(d.start <= d.warn_at && d.warn_at <= d.due, "{d:?}");
    }
    let _ = card(s, now);
    let _ = card_at_ms(s, crate::calendar::from_china(now));
    let sum = CaseSummary::of(s, now);
    assert!(!sum.closed_on_time || sum.closed);
    assert!(!sum.closed || sum.due);
    assert!(sum.solved_callbacks <= sum.callbacks && sum.satisfied_callbacks <= sum.callbacks);
}

/// The states reachable from `received` following the table.
fn reachable() -> BTreeSet<AppealState> {
    let mut seen = BTreeSet::from([AppealState::Received]);
    let mut frontier = vec![AppealState::Received];
    while let Some(s) = frontier.pop() {
        for t in TRANSITIONS.iter().filter(|t| t.from == s) {
            if seen.insert(t.to) {
                frontier.push(t.to);
            }
        }
    }
    seen
}

#[test]
fn the_table_is_closed_and_reaches_every_state() {
    assert_eq!(reachable(), AppealState::ALL.into_iter().collect());
    let rows: BTreeSet<_> = TRANSITIONS.iter().collect();
    assert_eq!(rows.len(), TRANSITIONS.len(), "no row twice");
    assert!(TRANSITIONS.iter().all(|t| t.action != ActionKind::Receive));
    assert!(AppealState::Archived.actions().is_empty(), "archived is final");
    for a in ActionKind::ALL.into_iter().filter(|a| *a != ActionKind::Receive) {
        assert!(TRANSITIONS.iter().any(|t| t.action == a), "{a:?} has no row");
    }
}

#[test]
fn random_walks_never_panic_and_agree_with_the_table() {
    let cal = WorkCalendar::shipped();
    let policy = TimeLimitPolicy::default();
    let table = CategoryTable::default();
    let mut rng = Lcg(0x5eed_2025);
    let mut taken: BTreeSet<(AppealState, ActionKind, AppealState)> = BTreeSet::new();
    let mut samples: BTreeMap<AppealState, Vec<(AppealSnapshot, NaiveDateTime)>> = BTreeMap::new();
    let (mut accepted, mut refused) = (0, 0);

    for _walk in 0..2500 {
        let cat = table.iter().nth(rng.below(table.len())).unwrap();
        let new = NewAppeal {
            category: cat.code,
            urgency: *rng.pick(&Urgency::ALL),
            time_limit_class: cat.time_limit_class,
            channel: IntakeChannel::Api,
            first_receiver: OwnerRef::account(300, None),
        };
        let mut now = at(2025, 1, 1, 0, 0) + TimeDelta::minutes(rng.below(700 * 1440) as i64);
        let first = receive(&new, &CaseActor::System, now, &cal, &policy).unwrap();
        let mut snap = AppealSnapshot::start(&first).unwrap();
        let mut events = vec![first];

        for _step in 0..60 {
            now += TimeDelta::minutes(match rng.below(20) {
                0 => rng.below(15 * 1440),
                1..=4 => rng.below(2 * 1440),
                _ => rng.below(180),
            } as i64);
            // Mostly an action the state offers, so that walks go deep; sometimes any action.
            let offered = snap.state.actions();
            let kind = if !offered.is_empty() && rng.chance(85) {
                *rng.pick(&offered)
            } else {
                *rng.pick(&ActionKind::ALL[1..])
            };
            let cmd = command(&mut rng, &snap, kind, &table);
            let before = snap.state;
            match decide(&snap, &cmd, now, &cal, &policy) {
                Ok(new_events) => {
                    accepted += 1;
                    assert!(state::allowed(before, kind), "{before:?} accepted {kind:?}");
                    assert!(!new_events.is_empty());
                    for e in &new_events {
                        assert_eq!((e.at, &e.by), (now, cmd.actor()));
                        snap.apply(e);
                    }
                    assert!(
                        state::is_transition(before, kind, snap.state),
                        "{before:?} --{kind:?}--> {:?} is not a row",
                        snap.state
                    );
                    taken.insert((before, kind, snap.state));
                    events.extend(new_events);
                }
                Err(e) => {
                    refused += 1;
                    assert_eq!((e.state, e.action), (Some(before), kind));
                    let by_table = matches!(e.refusal, Refusal::WrongState | Refusal::MergedInto { .. });
                    assert_eq!(by_table, !state::allowed(before, kind), "{before:?} {kind:?}: {e}");
                    assert!(!e.zh().is_empty() && !e.en().is_empty());
                }
            }
            check_invariants(&snap, now);
            let bucket = samples.entry(snap.state).or_default();
            if bucket.len() < 25 {
                bucket.push((snap.clone(), now));
            }
        }
        assert_eq!(AppealSnapshot::replay(&events).unwrap(), snap);
    }

    let rows: BTreeSet<_> = TRANSITIONS.iter().map(|t| (t.from, t.action, t.to)).collect();
    let never: Vec<_> = rows.difference(&taken).collect();
    assert!(never.is_empty(), "rows never taken: {never:?}");
    assert!(taken.is_subset(&rows));
    let reached: BTreeSet<AppealState> = samples.keys().copied().collect();
    assert!(reached.is_subset(&reachable()));
    assert_eq!(reached, AppealState::ALL.into_iter().collect::<BTreeSet<_>>(), "every state visited");
    assert!(accepted > 20_000 && refused > 20_000, "{accepted} accepted, {refused} refused");

    // Every action from every state, on sampled snapshots: refused by the table exactly where
    // the table has no row.
    for (state, snaps) in &samples {
        for (snap, now) in snaps {
            for kind in ActionKind::ALL.into_iter().skip(1) {
                for _ in 0..3 {
                    let cmd = command(&mut rng, snap, kind, &table);
                    match decide(snap, &cmd, *now, &cal, &policy) {
                        Ok(_) => assert!(state::allowed(*state, kind)),
                        Err(e) => {
                            let by_table = matches!(e.refusal, Refusal::WrongState | Refusal::MergedInto { .. });
                            assert_eq!(by_table, !state::allowed(*state, kind), "{state:?} {kind:?}: {e}");
                        }
                    }
                }
            }
        }
    }
}
