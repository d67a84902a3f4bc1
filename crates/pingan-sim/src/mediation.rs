//! A year of mediation history (德为民) consistent with the appeal history: a share of the
//! dispute appeals (A01–A06) go to mediation at their village's committee, and each case is
//! driven through the real rules (`pingan_domain::mediation::decide`), so every stored event is
//! one the platform itself could have written.
//!
//! The shape follows the programme's reports: most disputes settle in the village in one or two
//! sessions, the rest climb to the township and rarely to the county (小事不出村、大事不出镇);
//! overall about 97 % of closed cases end in an agreement; a few parties withdraw or refuse; a
//! share of agreements is judicially confirmed; follow-ups find most agreements kept. Cases
//! whose next step would lie in the future stay open, as real ones are.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use pingan_domain::calendar::from_china;
use pingan_domain::mediation::{
    Agreement, AgreementForm, CaseSource, DisputeType, MediationCommand, MediationEvent, MediationLevel,
    MediationSnapshot, NewMediationCase, OtherChannel, Party, PartyKind, PartySide, Performance, RiskFactors,
    TerminationReason, apply, decide, open, opened,
};
use pingan_domain::personal::Phone;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A dispute appeal of the history, as the generator needs it.
#[derive(Debug, Clone)]
pub struct DisputeAppeal {
    pub appeal_id: i64,
    pub category: String,
    pub received: NaiveDateTime,
    pub text: String,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
}

/// A mediation body and its mediators.
#[derive(Debug, Clone)]
pub struct BodyStaff {
    pub org_id: i64,
    pub name: String,
    pub mediators: Vec<(i64, String)>,
}

/// The bodies serving an appeal's place, lowest level first.
#[derive(Debug, Clone, Default)]
pub struct PlaceBodies {
    pub village: Option<BodyStaff>,
    pub township: Option<BodyStaff>,
    pub county: Option<BodyStaff>,
}

/// One generated case: its events with their times, and the fold.
#[derive(Debug, Clone)]
pub struct GeneratedMediation {
    pub appeal_id: i64,
    pub events: Vec<(i64, MediationEvent)>,
    pub snapshot: MediationSnapshot,
    /// When it closed (agreement, failure or termination), if it has.
    pub closed_ms: Option<i64>,
}

/// Share of dispute appeals that become mediation cases (the others are handled by the unit).
const TO_MEDIATION: f64 = 0.45;

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马", "朱", "胡", "郭", "何", "高", "林"];
const GIVEN: &[&str] =
    &["建国", "秀英", "玉兰", "志强", "桂芝", "海燕", "国庆", "春梅", "德胜", "丽娟", "振华", "淑珍"];

fn person(rng: &mut impl Rng) -> String {
    format!("{}{}", SURNAMES[rng.gen_range(0..SURNAMES.len())], GIVEN[rng.gen_range(0..GIVEN.len())])
}

/// Drives one case; stops at the first step that would lie after `now`.
struct Driver {
    snapshot: MediationSnapshot,
    events: Vec<(i64, MediationEvent)>,
    at: NaiveDateTime,
    now: NaiveDateTime,
    closed_ms: Option<i64>,
}

impl Driver {
    /// Carry out the command `make` builds for its day, `days` (and some hours) after the last
    /// step; `false` when that is in the future or the rules refuse it.
    fn step_on(&mut self, rng: &mut impl Rng, days: i64, make: impl FnOnce(NaiveDate) -> MediationCommand) -> bool {
        let at = self.at + Duration::days(days) + Duration::minutes(rng.gen_range(30..480));
        if at > self.now {
            return false;
        }
        let Ok(events) = decide(&self.snapshot, &make(at.date()), at.date()) else { return false };
        let ms = from_china(at);
        for e in events {
            apply(&mut self.snapshot, &e);
            if matches!(
                e,
                MediationEvent::AgreementReached { .. }
                    | MediationEvent::NotAgreed { .. }
                    | MediationEvent::Terminated { .. }
            ) {
                self.closed_ms = Some(ms);
            }
            self.events.push((ms, e));
        }
        self.at = at;
        true
    }

    fn step(&mut self, rng: &mut impl Rng, days: i64, command: MediationCommand) -> bool {
        self.step_on(rng, days, |_| command)
    }

    fn assign(&mut self, rng: &mut impl Rng, body: &BodyStaff) -> bool {
        let Some((id, name)) = body.mediators.get(rng.gen_range(0..body.mediators.len().max(1))).cloned() else {
            return false;
        };
        self.step(rng, 0, MediationCommand::AssignMediator { mediator_id: id, mediator_name: name })
    }

    fn session(&mut self, rng: &mut impl Rng, days: i64, place: &str) -> bool {
        self.step_on(rng, days, |held_on| MediationCommand::LogSession {
            held_on,
            place: place.to_owned(),
            attendees: "双方当事人、调解员".into(),
            record: "听取双方陈述,释法说理,提出调解方案".into(),
        })
    }
}

/// The mediation case an appeal becomes, if it does (decided by `seed` and the appeal's id).
pub fn mediation_for(
    seed: u64,
    appeal: &DisputeAppeal,
    bodies: &PlaceBodies,
    now: NaiveDateTime,
) -> Option<GeneratedMediation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (appeal.appeal_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    if !rng.gen_bool(TO_MEDIATION) {
        return None;
    }
    let dispute_type = DisputeType::from_appeal_category(&appeal.category)?;
    let village = bodies.village.as_ref()?;
    let opened_at = appeal.received + Duration::hours(rng.gen_range(2..48));
    if opened_at > now {
        return None;
    }
    let applicant_name =
        if appeal.reporter_name.trim().is_empty() { person(&mut rng) } else { appeal.reporter_name.clone() };
    let parties = vec![
        Party {
            side: PartySide::Applicant,
            kind: PartyKind::Person,
            name: applicant_name,
            id_number: None,
            phone: appeal.reporter_phone.as_deref().and_then(|p| Phone::parse(p).ok()),
            address: String::new(),
        },
        Party {
            side: PartySide::Respondent,
            kind: PartyKind::Person,
            name: person(&mut rng),
            id_number: None,
            phone: None,
            address: String::new(),
        },
    ];
    let risk = RiskFactors {
        threats: rng.gen_bool(0.03),
        violence: rng.gen_bool(0.01),
        people: if rng.gen_bool(0.05) { rng.gen_range(5..20) } else { 2 },
        earlier_cases: 0,
    };
    let case = NewMediationCase {
        source: CaseSource::Appeal,
        dispute_type,
        level: MediationLevel::Village,
        body_id: village.org_id,
        body_name: village.name.clone(),
        appeal_id: Some(appeal.appeal_id),
        summary: appeal.text.clone(),
        amount_fen: rng.gen_bool(0.4).then(|| rng.gen_range(50_000..5_000_000)),
        parties,
        consents: vec![PartySide::Applicant],
        risk,
    };
    let first = open(case, opened_at.date()).ok()?;
    let snapshot = opened(&first)?;
    let mut d = Driver { snapshot, events: vec![(from_china(opened_at), first)], at: opened_at, now, closed_ms: None };
    run(&mut d, &mut rng, bodies);
    Some(GeneratedMediation {
        appeal_id: appeal.appeal_id,
        events: d.events,
        snapshot: d.snapshot,
        closed_ms: d.closed_ms,
    })
}

fn run(d: &mut Driver, rng: &mut ChaCha8Rng, bodies: &PlaceBodies) {
    if rng.gen_bool(0.01) {
        d.step(
            rng,
            3,
            MediationCommand::Terminate {
                reason: TerminationReason::PartyRefuses,
                note: "被申请人明确拒绝调解".into(),
            },
        );
        return;
    }
    if !d.step(rng, 1, MediationCommand::RecordConsent { side: PartySide::Respondent }) {
        return;
    }
    let levels: [(Option<&BodyStaff>, f64, &str); 3] = [
        (bodies.village.as_ref(), 0.90, "村(社区)调解室"),
        (bodies.township.as_ref(), 0.80, "乡镇(街道)调解室"),
        (bodies.county.as_ref(), 0.70, "县矛盾纠纷调处化解中心"),
    ];
    for (i, (body, success, place)) in levels.iter().enumerate() {
        let Some(body) = body else { return };
        let wait = rng.gen_range(1..4);
        if i > 0
            && !d.step(
                rng,
                wait,
                MediationCommand::Escalate {
                    to_level: [MediationLevel::Village, MediationLevel::Township, MediationLevel::County][i],
                    body_id: body.org_id,
                    body_name: body.name.clone(),
                    reason: "下级调解未果,双方分歧较大".into(),
                },
            )
        {
            return;
        }
        if !d.assign(rng, body) {
            return;
        }
        for _ in 0..rng.gen_range(1..=3) {
            let wait = rng.gen_range(1..6);
            if !d.session(rng, wait, place) {
                return;
            }
        }
        if rng.gen_bool(0.005) {
            d.step(
                rng,
                1,
                MediationCommand::Terminate {
                    reason: TerminationReason::Withdrawn,
                    note: "当事人自行和解,撤回申请".into(),
                },
            );
            return;
        }
        if rng.gen_bool(*success) {
            agree(d, rng);
            return;
        }
    }
    let channels = vec![if rng.gen_bool(0.7) { OtherChannel::Litigation } else { OtherChannel::Administrative }];
    d.step(
        rng,
        1,
        MediationCommand::RecordNoAgreement {
            channels, reason: "双方分歧较大,经多次调解未能达成一致".into()
        },
    );
}

fn agree(d: &mut Driver, rng: &mut ChaCha8Rng) {
    let days_to_due = rng.gen_range(7..60);
    let form = if rng.gen_bool(0.85) { AgreementForm::Written } else { AgreementForm::Oral };
    let facts = d.snapshot.summary.clone();
    let agreed = d.step_on(rng, 1, |effective| MediationCommand::ReachAgreement {
        agreement: Agreement {
            form,
            facts,
            terms: "双方互谅互让,被申请人按约定履行义务并赔礼道歉".into(),
            performance_manner: "被申请人自行履行,调解员见证".into(),
            performance_due: effective + Duration::days(days_to_due),
            effective,
        },
    });
    if !agreed {
        return;
    }
    let wait = rng.gen_range(3..25);
    if rng.gen_bool(0.15) && d.step_on(rng, wait, |on| MediationCommand::ApplyJudicial { on }) {
        let confirmed = rng.gen_bool(0.95);
        d.step_on(rng, 3, |on| MediationCommand::DecideJudicial { confirmed, on });
    }
    let due = d.snapshot.agreement.as_ref().map_or(d.at.date(), |a| a.performance_due);
    // Visits come some days after the performance date; until then the case is due a follow-up.
    let until_due = (due - d.at.date()).num_days().max(0) + rng.gen_range(1..15);
    let performance = if rng.gen_bool(0.94) { Performance::Performed } else { Performance::Breached };
    let visited = d.step_on(rng, until_due, |on| MediationCommand::FollowUp {
        on,
        performance,
        note: "回访当事人,核实履行情况".into(),
    });
    if visited && performance == Performance::Breached {
        d.step(
            rng,
            2,
            MediationCommand::Refer {
                channel: OtherChannel::Litigation, note: "引导当事人向法院起诉".into()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(id: i64) -> BodyStaff {
        BodyStaff {
            org_id: id,
            name: format!("调委会{id}"),
            mediators: vec![(id * 10, "王调解".into()), (id * 10 + 1, "李调解".into())],
        }
    }

    #[test]
    fn the_history_settles_mostly_in_the_village_and_replays_to_its_snapshot() {
        let bodies = PlaceBodies { village: Some(body(1)), township: Some(body(2)), county: Some(body(3)) };
        let start = NaiveDate::from_ymd_opt(2025, 12, 25).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let now = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let cases: Vec<GeneratedMediation> = (1..=2000)
            .filter_map(|i| {
                let appeal = DisputeAppeal {
                    appeal_id: i,
                    category: "A01".into(),
                    received: start + Duration::hours(i * 4),
                    text: "邻里纠纷".into(),
                    reporter_name: "张三".into(),
                    reporter_phone: Some("13800138000".into()),
                };
                mediation_for(7, &appeal, &bodies, now)
            })
            .collect();
        assert!((700..1100).contains(&cases.len()), "{} of 2000 went to mediation", cases.len());
        let facts: Vec<_> = cases.iter().map(|c| pingan_domain::mediation::CaseFacts::from(&c.snapshot)).collect();
        let f = pingan_domain::mediation::MediationFigures::of(&facts);
        let success = f.success_rate.unwrap();
        assert!(success > 0.93 && success < 0.995, "success rate {success}");
        assert!(f.resolved_share[0].unwrap() > 0.8, "most settle in the village: {:?}", f.resolved_share);
        assert!(f.resolved_at[1] > 0 && f.in_progress > 0 && f.judicial_confirmations > 0, "{f:?}");
        for c in &cases {
            let events: Vec<&MediationEvent> = c.events.iter().map(|(_, e)| e).collect();
            assert_eq!(pingan_domain::mediation::replay(events).as_ref(), Some(&c.snapshot));
            assert!(c.events.windows(2).all(|w| w[0].0 <= w[1].0), "events in time order");
            assert_eq!(c.closed_ms.is_some(), !c.snapshot.state.is_open(), "{:?}", c.snapshot.state);
        }
    }
}
