//! A year of citizens' appeals (诉求历史) for the demo city, so that every queue, case page and
//! rate has something true to show.
//!
//! Nothing here invents a state: each case is driven through the real rules
//! ([`receive`](pingan_domain::appeal::receive) and [`decide`](pingan_domain::appeal::decide) on
//! [`WorkCalendar::shipped`], [`TimeLimitPolicy::default`] and [`CategoryTable::default`]),
//! routed with [`route`](pingan_domain::appeal::route) to the concrete unit the store's
//! `find_unit` would choose, by actors the rules accept, at simulated times. The deadline scanner
//! is simulated too: a clock that runs out before the next step gets its red-card supervision
//! order (督办) from the system, as the live timer would issue it.
//!
//! Volume follows the seasons (noise and outages in summer, heating in winter, unpaid wages
//! before the Spring Festival (春节), school places in August …), the week (fewer on weekends
//! and holidays) and a plausible mix of categories and intake channels. Most cases are accepted,
//! handled, closed on time and called back satisfied; minorities are returned (退单) and
//! reassigned, extended, suspended, late with a supervision order, reworked, reopened after
//! "not solved", merged as duplicates (并单), escalated (吹哨), referred to another channel or
//! transferred to an emergency line. Steps that would fall after "now" do not happen, so the
//! last weeks' cases wait in every state and the queues are not empty.
//!
//! Deterministic: the same city, seed and "now" give the same cases. Each day draws from its
//! own random stream, so days are generated in parallel and in parts ([`AppealHistory::part`])
//! without changing the result.
//!
//! Staff who act are the city's accounts where it has them. At full scale only the first
//! county's villages, grids and departments have demo accounts; elsewhere a unit's steps are
//! recorded under [`OFFLINE_STAFF`], which no account has, so pages name the actor by role.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use pingan_domain::Role;
use pingan_domain::appeal::routing::escalation_route;
use pingan_domain::appeal::{
    AppealCommand, AppealEvent, AppealSnapshot, AppealState, CaseActor, Catalogue, Category, CategoryTable,
    DeadlineKind, EventKind, IntakeChannel, NewAppeal, OrgFamily, OrgType, Outside, OwnerRef, ReferralChannel,
    RegionRef, ReturnReview, Satisfaction, SupervisionReason, TimeLimitClass, TimeLimitPolicy, UnitRef, UnitSelector,
    Urgency, decide, receive, route,
};
use pingan_domain::calendar::{WorkCalendar, from_china};
use pingan_domain::region::{RegionLevel, VillageKind};
use pingan_store::appeals::HistoricalCase;
use pingan_store::rows::CityRows;
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Scale, names};

/// The account id recorded for staff of a unit that has no demo account (see the module
/// documentation). Ids start at 1, so it names no one.
pub const OFFLINE_STAFF: i64 = 0;

/// Days per [`AppealHistory::part`].
pub const PART_DAYS: usize = 7;

/// Share of cases a duplicate report follows (another resident, same problem, merged).
const DUPLICATE_RATE: f64 = 0.025;

impl Scale {
    /// About how many cases a year of history holds: 300,000 for the real city, a hundredth
    /// of that for the small one.
    pub fn appeal_volume(self) -> u64 {
        match self {
            Scale::Full => 300_000,
            Scale::Small => 3_000,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryConfig {
    pub seed: u64,
    /// China local time. The history covers the 365 days before it; nothing happens after it.
    pub now: NaiveDateTime,
    /// About how many cases, duplicates included.
    pub cases: u64,
}

impl HistoryConfig {
    pub fn new(seed: u64, scale: Scale, now: NaiveDateTime) -> Self {
        HistoryConfig { seed, now, cases: scale.appeal_volume() }
    }
}

/// Every case of the year at once (tests and small cities; the demo loads [`AppealHistory::part`]s).
/// Ids run from `first_id`.
pub fn generate_history(city: &CityRows, config: HistoryConfig, first_id: i64) -> Vec<HistoricalCase> {
    let history = AppealHistory::new(city, config);
    let mut out = Vec::new();
    for part in 0..history.parts() {
        let next = first_id + out.len() as i64;
        out.extend(history.part(part, next));
    }
    out
}

/// A year's plan over a city: how many cases of which category each day, and what the
/// simulation needs of the city. Owns its data, so it can move to a generator thread.
pub struct AppealHistory {
    config: HistoryConfig,
    city: CityIndex,
    rules: Rules,
    /// Index into `rules.categories` and count, per day of `days`.
    days: Vec<(NaiveDate, Vec<(usize, u32)>)>,
    keep_commands: bool,
}

impl AppealHistory {
    pub fn new(city: &CityRows, config: HistoryConfig) -> AppealHistory {
        let rules = Rules::new();
        let city = CityIndex::new(city);
        let days = plan_days(&config, &rules);
        AppealHistory { config, city, rules, days, keep_commands: false }
    }

    /// Cases the plan draws (each may bring a duplicate report).
    pub fn planned(&self) -> u64 {
        self.days.iter().flat_map(|(_, c)| c.iter().map(|(_, n)| u64::from(*n))).sum()
    }

    pub fn parts(&self) -> usize {
        self.days.len().div_ceil(PART_DAYS)
    }

    /// The cases received in the `part`-th week of the year (and the duplicates they drew),
    /// in order of receipt, with ids from `first_id`. The days are simulated in parallel.
    pub fn part(&self, part: usize, first_id: i64) -> Vec<HistoricalCase> {
        let drafts = self.numbered(part, first_id);
        let refusals: u32 = drafts.iter().map(|d| d.refusals).sum();
        if refusals > 0 {
            tracing::warn!(refusals, part, "the rules refused steps of the generated history; those cases stop there");
        }
        let key = self.code_key();
        let as_of_ms = from_china(self.config.now);
        drafts
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let id = first_id + i as i64;
                let g = &self.city.grids[d.grid];
                HistoricalCase {
                    id,
                    tracking_code: tracking_code(d.events[0].at, id, key),
                    region_id: g.id,
                    region_path: g.path.clone(),
                    county_id: Some(g.county),
                    township_id: Some(g.township),
                    lon: Some(d.point[0]),
                    lat: Some(d.point[1]),
                    address: d.address,
                    text: d.text,
                    confidential: d.confidential,
                    reporter_name: d.reporter_name,
                    reporter_phone: d.reporter_phone,
                    filed_by: d.filed_by,
                    events: d.events,
                    as_of_ms,
                }
            })
            .collect()
    }

    /// A part's drafts in order, numbered from `first_id`: merged cases now name their
    /// primary's id in their events (and in the commands that made them).
    fn numbered(&self, part: usize, first_id: i64) -> Vec<Draft> {
        let mut drafts = self.part_drafts(part);
        for d in &mut drafts {
            let Some(position) = d.primary else { continue };
            let id = first_id + position as i64;
            for e in &mut d.events {
                if let EventKind::Merged { primary_id, .. } | EventKind::ClosedWithPrimary { primary_id, .. } =
                    &mut e.kind
                {
                    *primary_id = id;
                }
            }
            for (_, c) in &mut d.commands {
                if let AppealCommand::Merge { primary_id, .. } | AppealCommand::CloseWithPrimary { primary_id, .. } = c
                {
                    *primary_id = id;
                }
            }
        }
        drafts
    }

    /// The drafts of a part, sorted by receipt, merged cases pointing at their primary's
    /// position in the part (patched into ids by the caller's numbering).
    fn part_drafts(&self, part: usize) -> Vec<Draft> {
        let days: Vec<usize> = (part * PART_DAYS..((part + 1) * PART_DAYS).min(self.days.len())).collect();
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(days.len()).max(1);
        let next = AtomicUsize::new(0);
        let mut per_day: Vec<Vec<Draft>> = Vec::new();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&day) = days.get(i) else { break };
                            done.push((i, self.day(day)));
                        }
                        done
                    })
                })
                .collect();
            let mut all: Vec<(usize, Vec<Draft>)> =
                handles.into_iter().flat_map(|h| h.join().expect("a generator thread panicked")).collect();
            all.sort_by_key(|(i, _)| *i);
            per_day = all.into_iter().map(|(_, d)| d).collect();
        });
        // Number the part in order of receipt; a duplicate always follows its primary.
        let mut order: Vec<(NaiveDateTime, usize, usize)> = Vec::new();
        for (d, drafts) in per_day.iter().enumerate() {
            for (i, draft) in drafts.iter().enumerate() {
                order.push((draft.events[0].at, d, i));
            }
        }
        order.sort();
        let position: HashMap<(usize, usize), usize> =
            order.iter().enumerate().map(|(pos, &(_, d, i))| ((d, i), pos)).collect();
        let mut offsets = Vec::with_capacity(per_day.len());
        let mut acc = 0;
        for drafts in &per_day {
            offsets.push(acc);
            acc += drafts.len();
        }
        let mut slots: Vec<Option<Draft>> = per_day.into_iter().flatten().map(Some).collect();
        order
            .iter()
            .map(|&(_, d, i)| {
                let mut draft = slots[offsets[d] + i].take().expect("each draft is taken once");
                if let Some(primary) = draft.primary {
                    draft.primary = Some(position[&(d, primary)]);
                }
                draft
            })
            .collect()
    }

    /// The key of the tracking-code scramble.
    fn code_key(&self) -> u64 {
        ChaCha8Rng::seed_from_u64(self.config.seed ^ 0x7472_6163_6b00).r#gen()
    }

    /// One day's cases: the planned ones, each with its duplicate if it draws one.
    fn day(&self, day: usize) -> Vec<Draft> {
        let (date, counts) = &self.days[day];
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
        rng.set_stream(0x4150_0000 + day as u64);
        let mut starts: Vec<(NaiveDateTime, usize)> = Vec::new();
        for &(category, n) in counts {
            for _ in 0..n {
                starts.push((receipt_time(&mut rng, *date, self.rules.categories[category].code.as_str()), category));
            }
        }
        starts.sort();
        let mut out = Vec::with_capacity(starts.len() + starts.len() / 30);
        for (at, category) in starts {
            if at > self.config.now {
                continue;
            }
            let (primary, duplicate) = self.case(&mut rng, at, category);
            let index = out.len();
            out.push(primary);
            if let Some(mut dup) = duplicate {
                dup.primary = Some(index);
                out.push(dup);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The rules and the city
// ---------------------------------------------------------------------------------------------

struct Rules {
    cal: WorkCalendar,
    policy: TimeLimitPolicy,
    categories: Vec<Category>,
    catalogue: Catalogue,
}

impl Rules {
    fn new() -> Rules {
        Rules {
            cal: WorkCalendar::shipped(),
            policy: TimeLimitPolicy::default(),
            categories: CategoryTable::default().iter().cloned().collect(),
            catalogue: Catalogue::default(),
        }
    }

    fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code.as_str() == code)
    }
}

struct Grid {
    id: i64,
    path: String,
    ring: Vec<[f64; 2]>,
    bbox: [f64; 4],
    village: i64,
    township: i64,
    county: i64,
    city: i64,
    village_name: String,
    township_name: String,
    county_name: String,
    community: bool,
    population: i64,
    /// Grid, village, township, county, city.
    chain: Vec<RegionRef>,
}

/// Organisations by kind and region, by id: `(id, dept)`.
type OrgsAt = HashMap<(&'static str, i64), Vec<(i64, Option<String>)>>;

struct CityIndex {
    grids: Vec<Grid>,
    /// Where appeals come from: residents, towns more than the countryside.
    grid_weights: WeightedIndex<f64>,
    /// Organisations by kind and region, by id: `(id, dept)`.
    orgs: OrgsAt,
    /// The first account of a role in a region.
    accounts: HashMap<(Role, i64), i64>,
    /// A department's first handler: organisation → (account, its region).
    handlers: HashMap<i64, (i64, i64)>,
}

impl CityIndex {
    fn new(city: &CityRows) -> CityIndex {
        let by_id: HashMap<i64, &pingan_store::rows::RegionRow> = city.regions.iter().map(|r| (r.id, r)).collect();
        let mut grids = Vec::new();
        for r in city.regions.iter().filter(|r| r.level == RegionLevel::Grid) {
            let Some(ring) = &r.polygon else { continue };
            let mut chain = vec![RegionRef { id: r.id, level: r.level, name: r.name.clone() }];
            let mut up = r.parent_id.and_then(|p| by_id.get(&p));
            while let Some(a) = up {
                chain.push(RegionRef { id: a.id, level: a.level, name: a.name.clone() });
                up = a.parent_id.and_then(|p| by_id.get(&p));
            }
            let at = |level: RegionLevel| chain.iter().find(|c| c.level == level);
            let (Some(village), Some(township), Some(county), Some(top)) =
                (at(RegionLevel::Village), at(RegionLevel::Township), at(RegionLevel::County), at(RegionLevel::City))
            else {
                continue;
            };
            let community = by_id.get(&village.id).and_then(|v| v.code.village_kind()) == Some(VillageKind::Community);
            let b = ring.bbox();
            grids.push(Grid {
                id: r.id,
                path: r.path.as_str().to_owned(),
                ring: ring.points().to_vec(),
                bbox: [b.min_lon, b.min_lat, b.max_lon, b.max_lat],
                village: village.id,
                township: township.id,
                county: county.id,
                city: top.id,
                village_name: village.name.clone(),
                township_name: township.name.clone(),
                county_name: county.name.clone(),
                community,
                population: r.population,
                chain,
            });
        }
        let grid_weights = WeightedIndex::new(
            grids.iter().map(|g| (g.population.max(50) as f64) * if g.community { 1.6 } else { 1.0 }),
        )
        .expect("the city has grids with residents");
        let mut orgs = OrgsAt::new();
        for o in &city.orgs {
            orgs.entry((o.kind.as_str(), o.region_id)).or_default().push((o.id, o.dept.clone()));
        }
        for list in orgs.values_mut() {
            list.sort();
        }
        let mut accounts = HashMap::new();
        let mut handlers = HashMap::new();
        for a in &city.accounts {
            accounts.entry((a.role, a.region_id)).and_modify(|id: &mut i64| *id = (*id).min(a.id)).or_insert(a.id);
            if let (Role::DeptHandler, Some(org)) = (a.role, a.org_id) {
                handlers
                    .entry(org)
                    .and_modify(|h: &mut (i64, i64)| *h = (*h).min((a.id, a.region_id)))
                    .or_insert((a.id, a.region_id));
            }
        }
        CityIndex { grids, grid_weights, orgs, accounts, handlers }
    }

    fn account(&self, role: Role, region: i64) -> Option<i64> {
        self.accounts.get(&(role, region)).copied()
    }

    /// The store's `find_unit`: the first organisation of the type in the region, or the
    /// grid's first worker; a body without an organisation by type; a department never.
    fn find_unit(&self, org_type: OrgType, level: RegionLevel, region_id: i64) -> Option<UnitRef> {
        match org_type.selector() {
            UnitSelector::GridWorker => {
                Some(UnitRef::grid_worker(region_id, self.account(Role::GridWorker, region_id)))
            }
            UnitSelector::Org { kind, dept } => {
                let id = self.orgs.get(&(kind.as_str(), region_id)).and_then(|list| {
                    list.iter().find(|(_, d)| dept.is_none_or(|want| d.as_deref() == Some(want))).map(|(id, _)| *id)
                });
                match id {
                    Some(id) => Some(UnitRef::org(org_type, level, region_id, id)),
                    None if org_type.region_role().is_none() => None,
                    None => Some(UnitRef { org_type, level, region_id, org_id: None, account_id: None }),
                }
            }
        }
    }

    /// Who acts for a unit: its own staff, the region's staff for bodies without accounts,
    /// or [`OFFLINE_STAFF`].
    fn unit_actor(&self, unit: &UnitRef) -> CaseActor {
        match unit.org_type.family() {
            OrgFamily::GridWorker => {
                CaseActor::staff(unit.account_id.unwrap_or(OFFLINE_STAFF), Role::GridWorker, None, unit.region_id)
            }
            OrgFamily::Department => match unit.org_id.and_then(|o| self.handlers.get(&o)) {
                Some(&(account, region)) => CaseActor::staff(account, Role::DeptHandler, unit.org_id, region),
                None => CaseActor::staff(OFFLINE_STAFF, Role::DeptHandler, unit.org_id, unit.region_id),
            },
            OrgFamily::TownshipBody => CaseActor::staff(
                self.account(Role::TownshipDispatcher, unit.region_id).unwrap_or(OFFLINE_STAFF),
                Role::TownshipDispatcher,
                None,
                unit.region_id,
            ),
            OrgFamily::VillageBody => CaseActor::staff(
                self.account(Role::VillageCadre, unit.region_id).unwrap_or(OFFLINE_STAFF),
                Role::VillageCadre,
                None,
                unit.region_id,
            ),
        }
    }

    /// The township's dispatcher (every township has one), else the supervisor above.
    fn dispatcher(&self, g: &Grid) -> CaseActor {
        match self.account(Role::TownshipDispatcher, g.township) {
            Some(id) => CaseActor::staff(id, Role::TownshipDispatcher, None, g.township),
            None => self.supervisor(g),
        }
    }

    /// The county's supervisor, else the city's.
    fn supervisor(&self, g: &Grid) -> CaseActor {
        match self.account(Role::Supervisor, g.county) {
            Some(id) => CaseActor::staff(id, Role::Supervisor, None, g.county),
            None => CaseActor::staff(
                self.account(Role::Supervisor, g.city).unwrap_or(OFFLINE_STAFF),
                Role::Supervisor,
                None,
                g.city,
            ),
        }
    }

    /// The dispatch centre for a step the unit must not take itself (verifying its own result,
    /// calling back about its own work): the dispatcher, unless the dispatcher is the unit.
    fn centre(&self, g: &Grid, unit: Option<&UnitRef>) -> CaseActor {
        let dispatcher = self.dispatcher(g);
        if unit.is_some_and(|u| dispatcher.acts_for(u)) { self.supervisor(g) } else { dispatcher }
    }

    /// The owner of a resident's own report: the township's 综治中心, else its dispatcher.
    fn township_receiver(&self, g: &Grid) -> OwnerRef {
        match self.find_unit(OrgType::ZONGZHI, RegionLevel::Township, g.township).and_then(|u| u.org_id) {
            Some(org) => OwnerRef::org(org),
            None => {
                OwnerRef::account(self.account(Role::TownshipDispatcher, g.township).unwrap_or(OFFLINE_STAFF), None)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Volume: categories, seasons, the week
// ---------------------------------------------------------------------------------------------

/// Per category, in code order: share of the year's cases (per mille) and the chance a case is
/// urgent (紧急).
#[rustfmt::skip]
const PROFILE: [(&str, f64, f64); 36] = [
    ("A01", 60.0, 0.002), ("A02", 20.0, 0.01), ("A03", 36.0, 0.0), ("A04", 20.0, 0.002), ("A05", 8.0, 0.0),
    ("A06", 8.0, 0.02), ("B01", 25.0, 0.04), ("B02", 12.0, 0.08), ("B03", 58.0, 0.01), ("B04", 3.0, 0.0),
    ("C01", 20.0, 0.12), ("C02", 12.0, 0.25), ("C03", 15.0, 0.04), ("C04", 10.0, 0.04), ("C05", 20.0, 0.03),
    ("C06", 10.0, 0.08), ("D01", 90.0, 0.0), ("D02", 80.0, 0.03), ("D03", 50.0, 0.0), ("D04", 42.0, 0.02),
    ("E01", 70.0, 0.0), ("E02", 40.0, 0.0), ("E03", 30.0, 0.0), ("E04", 50.0, 0.03), ("E05", 30.0, 0.0),
    ("F01", 12.0, 0.0), ("F02", 15.0, 0.0), ("F03", 8.0, 0.0), ("G01", 30.0, 0.0), ("G02", 20.0, 0.0),
    ("G03", 15.0, 0.0), ("G04", 15.0, 0.0), ("G05", 30.0, 0.0), ("H01", 25.0, 0.0), ("H02", 10.0, 0.0),
    ("Z99", 20.0, 0.0),
];

fn profile(code: &str) -> (f64, f64) {
    PROFILE.iter().find(|p| p.0 == code).map_or((10.0, 0.0), |p| (p.1, p.2))
}

/// How much more (or less) a category is reported on `date` than on an average day.
fn season(code: &str, date: NaiveDate, spring_festival: Option<NaiveDate>) -> f64 {
    let (m, d) = (date.month(), date.day());
    let summer = (6..=8).contains(&m);
    let winter = m == 12 || m <= 2;
    // Dezhou heats from 15 November to 15 March.
    let heating = (m == 11 && d >= 15) || m == 12 || m <= 2 || (m == 3 && d <= 15);
    let before_festival = spring_festival.is_some_and(|f| (0..=45).contains(&(f - date).num_days()));
    match code {
        "B03" if summer => 1.7,
        "B03" if winter => 0.7,
        "D02" if summer => 1.4,
        "D04" if heating => {
            if (m == 11 && d >= 15) || (m == 12 && d <= 10) {
                2.6
            } else {
                1.6
            }
        }
        "D04" if m == 10 || (m == 11 && d < 15) => 0.5,
        "D04" => 0.06,
        "A03" if before_festival => 3.4,
        "A03" if m == 12 => 1.5,
        "E01" | "E05" | "E02" if summer => 1.3,
        "E02" if winter => 0.7,
        "E04" if m == 7 || m == 8 => 1.6,
        "C05" if summer => 1.25,
        "C01" if winter => 1.4,
        "C02" if winter || m == 11 => 1.6,
        "C03" if winter => 1.3,
        "G02" if (m == 8 && d >= 10) || (m == 9 && d <= 15) => 2.2,
        "G02" if m == 6 => 1.4,
        "G01" if (10..=12).contains(&m) => 1.4,
        "A04" if m == 3 || m == 4 || m == 10 => 1.4,
        "F01" | "F02" if m == 3 || m == 9 => 1.3,
        "H02" if before_festival => 1.5,
        _ => 1.0,
    }
}

/// Fewer reports on rest days, fewest over the Spring Festival.
fn day_factor(cal: &WorkCalendar, date: NaiveDate) -> f64 {
    if let Some(holiday) = cal.holiday_name(date) {
        return if holiday.contains("春节") { 0.45 } else { 0.6 };
    }
    if !cal.is_working_day(date) {
        return if date.weekday() == Weekday::Sat { 0.78 } else { 0.72 };
    }
    match date.weekday() {
        Weekday::Mon => 1.12,
        Weekday::Tue => 1.05,
        Weekday::Fri => 0.97,
        _ => 1.0,
    }
}

/// How many cases of each category each day of the year brings, drawn once for the year.
fn plan_days(config: &HistoryConfig, rules: &Rules) -> Vec<(NaiveDate, Vec<(usize, u32)>)> {
    let last = config.now.date();
    let first = last - TimeDelta::days(364);
    let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    // The first 春节 rest day in or just after the year.
    let festival = first.iter_days().take(430).find(|d| rules.cal.holiday_name(*d).is_some_and(|n| n.contains("春节")));
    let mut weights: Vec<Vec<f64>> = Vec::with_capacity(dates.len());
    for (i, date) in dates.iter().enumerate() {
        // Use of the platform grows over the year.
        let growth = 0.85 + 0.3 * i as f64 / dates.len() as f64;
        let day = day_factor(&rules.cal, *date) * growth;
        weights.push(
            rules
                .categories
                .iter()
                .map(|c| {
                    let code = c.code.as_str();
                    profile(code).0 * season(code, *date, festival) * day
                })
                .collect(),
        );
    }
    let total: f64 = weights.iter().flatten().sum();
    let primaries = config.cases as f64 / (1.0 + DUPLICATE_RATE);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(0x4150_504c);
    dates
        .into_iter()
        .zip(weights)
        .map(|(date, w)| {
            let counts = w
                .iter()
                .enumerate()
                .filter_map(|(c, w)| {
                    let expected = primaries * w / total;
                    let n = expected.floor() as u32 + u32::from(rng.gen_bool(expected.fract()));
                    (n > 0).then_some((c, n))
                })
                .collect();
            (date, counts)
        })
        .collect()
}

/// When in the day a report comes in: office hours mostly, noise in the evening and at night.
fn receipt_time(rng: &mut impl Rng, date: NaiveDate, code: &str) -> NaiveDateTime {
    #[rustfmt::skip]
    const HOURS: [f64; 24] = [
        0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 5.0, 5.0, 4.5,
        3.0, 3.0, 4.0, 4.5, 4.5, 4.0, 3.0, 3.0, 2.5, 2.0, 1.2, 0.6,
    ];
    static DAY: LazyLock<WeightedIndex<f64>> = LazyLock::new(|| WeightedIndex::new(HOURS).expect("positive"));
    static NIGHT: LazyLock<WeightedIndex<f64>> = LazyLock::new(|| {
        WeightedIndex::new(HOURS.iter().enumerate().map(|(h, w)| if h >= 20 || h <= 1 { w * 4.0 } else { *w }))
            .expect("positive")
    });
    let hour = if code == "B03" { NIGHT.sample(rng) } else { DAY.sample(rng) };
    date.and_hms_opt(hour as u32, rng.gen_range(0..60), rng.gen_range(0..60)).expect("a valid time of day")
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

/// A case before it has an id.
struct Draft {
    grid: usize,
    point: [f64; 2],
    address: String,
    text: String,
    confidential: bool,
    reporter_name: String,
    reporter_phone: Option<String>,
    filed_by: Option<i64>,
    events: Vec<AppealEvent>,
    /// The primary a merged duplicate points at: its index in the day, then in the part.
    primary: Option<usize>,
    /// What was asked of the rules (tests replay it).
    commands: Vec<(NaiveDateTime, AppealCommand)>,
    #[cfg_attr(not(test), allow(dead_code))] // the tests replay the rules from it
    intake: Option<(NewAppeal, CaseActor)>,
    refusals: u32,
}

/// A case being driven through the rules.
struct CaseSim<'r> {
    rules: &'r Rules,
    now: NaiveDateTime,
    snapshot: AppealSnapshot,
    events: Vec<AppealEvent>,
    commands: Option<Vec<(NaiveDateTime, AppealCommand)>>,
    last: NaiveDateTime,
    stopped: bool,
    /// Deadlines whose red card has already been acted on.
    red: Vec<(DeadlineKind, NaiveDateTime)>,
    refusals: u32,
}

impl<'r> CaseSim<'r> {
    fn new(rules: &'r Rules, received: AppealEvent, now: NaiveDateTime, keep: bool) -> CaseSim<'r> {
        let snapshot = AppealSnapshot::start(&received).expect("receive yields Received");
        CaseSim {
            rules,
            now,
            last: received.at,
            snapshot,
            events: vec![received],
            commands: keep.then(Vec::new),
            stopped: false,
            red: Vec::new(),
            refusals: 0,
        }
    }

    fn state(&self) -> AppealState {
        self.snapshot.state
    }

    /// Run `cmd` at `at` (or at the last event, if earlier). After "now", or after a refusal,
    /// nothing more happens to the case.
    fn act(&mut self, at: NaiveDateTime, cmd: AppealCommand) -> bool {
        if self.stopped {
            return false;
        }
        let at = at.max(self.last);
        if at > self.now {
            self.red_card(self.now);
            self.stopped = true;
            return false;
        }
        self.red_card(at);
        self.run(at, cmd)
    }

    fn run(&mut self, at: NaiveDateTime, cmd: AppealCommand) -> bool {
        match decide(&self.snapshot, &cmd, at, &self.rules.cal, &self.rules.policy) {
            Ok(events) => {
                for e in &events {
                    self.snapshot.apply(e);
                }
                self.events.extend(events);
                self.last = at;
                if let Some(c) = &mut self.commands {
                    c.push((at, cmd));
                }
                true
            }
            Err(e) => {
                tracing::debug!(error = %e.en(), action = ?cmd.kind(), "the history generator asked for a refused step");
                self.refusals += 1;
                self.stopped = true;
                false
            }
        }
    }

    /// The deadline scanner: a clock that ran out before `until` gets its supervision order,
    /// a minute after it ran out, once per deadline.
    fn red_card(&mut self, until: NaiveDateTime) {
        if self.snapshot.state == AppealState::Suspended {
            return;
        }
        let Some(d) = self.snapshot.active_deadline().copied() else { return };
        if d.due >= until || self.red.contains(&(d.kind, d.due)) {
            return;
        }
        self.red.push((d.kind, d.due));
        let at = (d.due + TimeDelta::minutes(1)).min(until).max(self.last);
        let (zh, en) = match d.kind {
            DeadlineKind::Dispatch => ("派单时限", "dispatch"),
            DeadlineKind::Accept => ("签收时限", "accept"),
            DeadlineKind::Review => ("退单审核时限", "review"),
            DeadlineKind::Resolve => ("办结时限", "resolve"),
        };
        let stamp = at.format("%Y-%m-%d %H:%M");
        let note =
            format!("{zh}已过({stamp}),红牌超期,自动督办 / {en} passed ({stamp}): red card, automatic supervision");
        self.run(at, AppealCommand::Supervise { by: CaseActor::System, reason: SupervisionReason::Overdue, note });
    }

    fn finish(mut self) -> (Vec<AppealEvent>, Vec<(NaiveDateTime, AppealCommand)>, u32) {
        if !self.stopped {
            self.red_card(self.now);
        }
        (self.events, self.commands.unwrap_or_default(), self.refusals)
    }
}

/// How a case was taken in: the channel, who recorded it and who owns it (首问责任).
struct IntakeBy {
    channel: IntakeChannel,
    by: CaseActor,
    first_receiver: OwnerRef,
    filed_by: Option<i64>,
}

/// Where a case stands at "now", for the duplicate it may draw.
enum Fate {
    /// Closed (it may have moved on since).
    Closed(Closure),
    /// Still with a unit.
    Open,
    /// Transferred, referred elsewhere or never dispatched: nothing to merge into.
    Left,
}

/// What the primary leaves its duplicate: when it was closed and with which result.
struct Closure {
    at: NaiveDateTime,
    result: String,
}

impl AppealHistory {
    fn office(&self, t: NaiveDateTime, minutes: u32) -> NaiveDateTime {
        self.rules.cal.add_working_minutes(t, minutes)
    }

    fn intake(&self, rng: &mut impl Rng, g: &Grid, code: &str, at: NaiveDateTime) -> IntakeBy {
        let working = self.rules.cal.is_working_day(at.date());
        let patrol_often = ["E01", "E02", "E03", "E04", "C01", "C03", "C04", "B01"].contains(&code);
        let patrol_rarely = ["A02", "A05", "B02", "F01", "F02", "F03", "G01", "G02", "G03", "H02"].contains(&code);
        let errands = ["G01", "G04", "G05"].contains(&code);
        let mut weights = [
            (IntakeChannel::MiniProgram, 52.0),
            (IntakeChannel::Patrol, 18.0),
            (IntakeChannel::Hotline12345, 15.0),
            (IntakeChannel::RedStation, 7.0),
            (IntakeChannel::Proxy, 5.0),
            (IntakeChannel::Api, 3.0),
        ];
        for (channel, w) in &mut weights {
            match channel {
                IntakeChannel::Patrol if patrol_often => *w *= 2.5,
                IntakeChannel::Patrol if patrol_rarely => *w *= 0.2,
                IntakeChannel::Proxy if errands => *w *= 4.0,
                IntakeChannel::RedStation if errands => *w *= 2.0,
                _ => {}
            }
            if !working && matches!(channel, IntakeChannel::Patrol | IntakeChannel::Proxy) {
                *w *= 0.3;
            }
            // Patrols and walk-ins happen by day.
            if matches!(channel, IntakeChannel::Patrol | IntakeChannel::RedStation | IntakeChannel::Proxy)
                && !(8..18).contains(&chrono::Timelike::hour(&at))
            {
                *w *= 0.05;
            }
        }
        let channel = *weighted(rng, &weights);
        let city = &self.city;
        let staff = |role: Role, region: i64| city.account(role, region).map(|id| (id, role, region));
        let taker = match channel {
            IntakeChannel::Patrol => staff(Role::GridWorker, g.id),
            IntakeChannel::RedStation => staff(Role::VillageCadre, g.village).or_else(|| staff(Role::GridWorker, g.id)),
            IntakeChannel::Proxy => staff(Role::GridWorker, g.id).or_else(|| staff(Role::VillageCadre, g.village)),
            IntakeChannel::Hotline12345 => staff(Role::TownshipDispatcher, g.township),
            IntakeChannel::MiniProgram | IntakeChannel::Api => None,
        };
        match (channel, taker) {
            (IntakeChannel::MiniProgram | IntakeChannel::Api, _) | (_, None) => {
                // Without staff there (no patrol on the platform), the resident reported it themselves.
                let channel = if channel == IntakeChannel::Api { channel } else { IntakeChannel::MiniProgram };
                let by = if channel == IntakeChannel::Api {
                    CaseActor::System
                } else {
                    CaseActor::Citizen { account_id: None }
                };
                IntakeBy { channel, by, first_receiver: city.township_receiver(g), filed_by: None }
            }
            (channel, Some((id, role, region))) => IntakeBy {
                channel,
                by: CaseActor::staff(id, role, None, region),
                first_receiver: OwnerRef::account(id, None),
                filed_by: Some(id),
            },
        }
    }

    /// A case received at `at`, and the duplicate report it may draw.
    fn case(&self, rng: &mut ChaCha8Rng, at: NaiveDateTime, category: usize) -> (Draft, Option<Draft>) {
        let gi = self.city.grid_weights.sample(rng);
        let g = &self.city.grids[gi];
        let truth = &self.rules.categories[category];
        let code = truth.code.as_str();
        let urgency = if rng.gen_bool(profile(code).1) { Urgency::Urgent } else { Urgency::Normal };
        // 3% arrive under a neighbouring category: the unit returns them and the dispatcher corrects it.
        let filed_as = match misfiled_as(code) {
            Some(wrong) if urgency == Urgency::Normal && rng.gen_bool(0.03) => {
                self.rules.category(wrong).unwrap_or(truth)
            }
            _ => truth,
        };
        let intake = self.intake(rng, g, code, at);
        let point = point_in(rng, g);
        let (text, address) = texts::compose(rng, code, urgency, intake.channel, g);
        let (reporter_name, reporter_phone) = reporter(rng, intake.channel);
        let confidential = rng.gen_bool(match code {
            "A02" | "G04" => 0.08,
            "B02" | "B04" => 0.05,
            _ => 0.015,
        });
        let new = NewAppeal {
            category: filed_as.code,
            urgency,
            time_limit_class: filed_as.time_limit_class,
            channel: intake.channel,
            first_receiver: intake.first_receiver.clone(),
        };
        let received = receive(&new, &intake.by, at, &self.rules.cal, &self.rules.policy)
            .expect("staff who take cases may receive them");
        let mut sim = CaseSim::new(&self.rules, received, self.config.now, self.keep_commands);
        let fate = self.handle(rng, &mut sim, g, truth, filed_as, urgency, intake.channel);
        let (events, commands, refusals) = sim.finish();
        let primary = Draft {
            grid: gi,
            point,
            address,
            text,
            confidential,
            reporter_name,
            reporter_phone,
            filed_by: intake.filed_by,
            events,
            primary: None,
            commands,
            intake: self.keep_commands.then_some((new, intake.by)),
            refusals,
        };
        let duplicate = match fate {
            Fate::Closed(closure) if duplicable(code) && rng.gen_bool(DUPLICATE_RATE) => {
                self.duplicate(rng, gi, truth, at, Some(&closure))
            }
            Fate::Open if duplicable(code) && rng.gen_bool(DUPLICATE_RATE) => self.duplicate(rng, gi, truth, at, None),
            _ => None,
        };
        (primary, duplicate)
    }

    /// Everything after receipt. Says whether the case is closed (and how, for a duplicate to
    /// close with), still open at "now", or left the line.
    #[allow(clippy::too_many_arguments)]
    fn handle(
        &self,
        rng: &mut ChaCha8Rng,
        sim: &mut CaseSim,
        g: &Grid,
        truth: &Category,
        filed_as: &Category,
        urgency: Urgency,
        channel: IntakeChannel,
    ) -> Fate {
        let city = &self.city;
        let at = sim.last;
        let Ok(decision) = route(filed_as, &g.chain, &self.rules.catalogue, urgency) else { return Fate::Left };
        let dispatcher = city.dispatcher(g);
        if let Some(line) = decision.emergency_line {
            // As intake does: straight to the emergency line, still tracked.
            sim.act(
                at,
                AppealCommand::TransferOut {
                    by: CaseActor::System,
                    to: Outside::Emergency(line),
                    note: format!("紧急事项,已转{} / urgent: transferred to {}", line.zh(), line.en()),
                },
            );
            let done = self.office(at, rng.gen_range(450..4500));
            sim.act(
                done,
                AppealCommand::Archive {
                    by: dispatcher, note: format!("{}已处置完毕，跟踪回访结束", line.zh())
                },
            );
            return Fate::Left;
        }
        let Some(mut unit) = city.find_unit(decision.org_type, decision.level, decision.region_id) else {
            return Fate::Left;
        };
        sim.act(
            at,
            AppealCommand::Dispatch {
                by: CaseActor::System,
                to: unit.clone(),
                co_handlers: Vec::new(),
                why: decision.rule_used,
            },
        );
        let mut t = at;

        // 退单: a misfiled case goes back, is corrected and reassigned; a few objections fail.
        let misfiled = filed_as.code != truth.code;
        if misfiled || rng.gen_bool(0.015) {
            let Some(until) = sim.snapshot.assignment.as_ref().map(|a| a.return_until) else { return Fate::Open };
            t = self.office(t, rng.gen_range(30..600)).min(until);
            let reason = if misfiled {
                format!("经核实，该诉求属于{}，不在本单位职责范围，申请退回改派", truth.zh)
            } else {
                pick(rng, texts::RETURN_REASONS).to_owned()
            };
            sim.act(t, AppealCommand::Return { by: city.unit_actor(&unit), reason });
            t = self.office(t, rng.gen_range(20..400));
            let corrected = if misfiled {
                sim.act(
                    t,
                    AppealCommand::Reclassify {
                        by: dispatcher.clone(),
                        category: truth.code,
                        urgency,
                        time_limit_class: truth.time_limit_class,
                        note: format!("更正为{} {}", truth.code, truth.zh),
                    },
                );
                route(truth, &g.chain, &self.rules.catalogue, urgency)
                    .ok()
                    .and_then(|d| city.find_unit(d.org_type, d.level, d.region_id))
                    .filter(|u| *u != unit)
            } else {
                None
            };
            match corrected {
                Some(to) => {
                    let note = format!("退单理由成立，已更正分类并改派{}", to.org_type.zh());
                    sim.act(
                        t,
                        AppealCommand::ReviewReturn {
                            by: dispatcher.clone(),
                            decision: ReturnReview::Uphold { to: to.clone(), co_handlers: Vec::new(), note },
                        },
                    );
                    unit = to;
                }
                None => {
                    let note = pick(rng, texts::REJECT_NOTES).to_owned();
                    sim.act(
                        t,
                        AppealCommand::ReviewReturn { by: dispatcher.clone(), decision: ReturnReview::Reject { note } },
                    );
                }
            }
        }

        let class = sim.snapshot.time_limit_class;
        let mut moves = 0;
        let closed = loop {
            // 签收
            t = self.accept_time(rng, sim, t, class, urgency);
            if !sim.act(t, AppealCommand::Accept { by: city.unit_actor(&unit) }) {
                return Fate::Open;
            }
            let worker = city.unit_actor(&unit);
            let start = if urgency == Urgency::Urgent || class != TimeLimitClass::Standard {
                t + TimeDelta::minutes(rng.gen_range(5..60))
            } else {
                self.office(t, rng.gen_range(0..120))
            };
            sim.act(start, AppealCommand::StartWork { by: worker.clone() });
            t = start;
            if sim.snapshot.milestones.first_contact_at.is_none() && rng.gen_bool(0.98) {
                let due = sim.snapshot.contact_due.unwrap_or(t);
                let when = if rng.gen_bool(0.04) {
                    self.office(due, rng.gen_range(30..600))
                } else if urgency == Urgency::Urgent {
                    (t + TimeDelta::minutes(rng.gen_range(5..40))).min(due).max(t)
                } else {
                    self.office(t, rng.gen_range(5..300)).min(due).max(t)
                };
                sim.act(
                    when,
                    AppealCommand::RecordContact { by: worker.clone(), note: pick(rng, texts::CONTACTS).to_owned() },
                );
                t = t.max(when);
            }
            // Residents sometimes add to their report while it is handled.
            if moves == 0 && rng.gen_bool(0.03) {
                let by = if channel == IntakeChannel::MiniProgram {
                    CaseActor::Citizen { account_id: None }
                } else {
                    CaseActor::System
                };
                let when = t + TimeDelta::minutes(rng.gen_range(20..600));
                sim.act(when, AppealCommand::AddInformation { by, text: pick(rng, texts::ADDED).to_owned() });
                t = when;
            }
            // Now and then the case moves on once: 吹哨 for a local unit, or 改派 by the dispatcher.
            if moves == 0 && rng.gen_bool(0.03) {
                let local = matches!(unit.level, RegionLevel::Grid | RegionLevel::Village | RegionLevel::Township);
                let when = self.office(t, rng.gen_range(60..900));
                if local && rng.gen_bool(0.5) {
                    let lead = escalation_route(truth, &g.chain, unit.level, &self.rules.catalogue)
                        .ok()
                        .and_then(|d| city.find_unit(d.org_type, d.level, d.region_id));
                    if let Some(lead) = lead {
                        moves += 1;
                        sim.act(
                            when,
                            AppealCommand::Escalate {
                                by: worker.clone(),
                                lead: lead.clone(),
                                supporting: Vec::new(),
                                reason: pick(rng, texts::ESCALATIONS).to_owned(),
                            },
                        );
                        t = when;
                        unit = lead;
                        continue;
                    }
                } else if let Some(to) = self.alternative(g, &unit) {
                    moves += 1;
                    sim.act(
                        when,
                        AppealCommand::Reassign {
                            by: dispatcher.clone(),
                            to: to.clone(),
                            co_handlers: Vec::new(),
                            reason: format!(
                                "经核实，该事项由{}{}办理更为适宜，改派",
                                if to.level == RegionLevel::City { "市级" } else { "" },
                                to.org_type.zh()
                            ),
                        },
                    );
                    t = when;
                    unit = to;
                    continue;
                }
            }
            // Disputes that belong to a court, an arbitration or another channel leave here.
            if let Some(channel) = referral(code_of(truth)).filter(|_| rng.gen_bool(0.03)) {
                let when = self.office(t, rng.gen_range(60..1200));
                sim.act(
                    when,
                    AppealCommand::TransferOut {
                        by: worker.clone(),
                        to: Outside::Channel(channel),
                        note: format!("该事项应通过{}途径解决，已告知当事人并提供指引", channel.zh()),
                    },
                );
                let done = self.office(when, rng.gen_range(450..4500));
                sim.act(
                    done,
                    AppealCommand::Archive {
                        by: city.dispatcher(g),
                        note: format!("已引导当事人通过{}途径解决，归档", channel.zh()),
                    },
                );
                return Fate::Left;
            }
            break self.resolve(rng, sim, g, &unit, truth, urgency, t);
        };
        let Some(closure) = closed else { return Fate::Open };
        self.after_closure(rng, sim, g, &unit, truth, urgency, channel, &closure);
        Fate::Closed(closure)
    }

    /// 签收: mostly within the acceptance limit (night duty for urgent, outage and hazard
    /// cases), a few late.
    fn accept_time(
        &self,
        rng: &mut impl Rng,
        sim: &CaseSim,
        t: NaiveDateTime,
        class: TimeLimitClass,
        urgency: Urgency,
    ) -> NaiveDateTime {
        let due = sim.snapshot.pending.map(|d| d.due);
        if let Some(due) = due.filter(|_| rng.gen_bool(0.025)) {
            return self.office(due, rng.gen_range(20..900));
        }
        let when = match (urgency, class) {
            (Urgency::Urgent, _) => t + TimeDelta::minutes(rng.gen_range(5..45)),
            (_, TimeLimitClass::Utility) => t + TimeDelta::minutes(rng.gen_range(10..100)),
            (_, TimeLimitClass::Safety) => t + TimeDelta::minutes(rng.gen_range(20..900)),
            _ => self.office(t, rng.gen_range(10..400)),
        };
        due.map_or(when, |d| when.min(d).max(t))
    }

    /// From work under way to a verified result: extensions, suspensions, supervision, rework.
    /// Returns the closure, if it came before "now".
    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &self,
        rng: &mut ChaCha8Rng,
        sim: &mut CaseSim,
        g: &Grid,
        unit: &UnitRef,
        truth: &Category,
        urgency: Urgency,
        start: NaiveDateTime,
    ) -> Option<Closure> {
        let city = &self.city;
        let worker = city.unit_actor(unit);
        let centre = city.centre(g, Some(unit));
        let mut t = start;
        let due = |sim: &CaseSim| sim.snapshot.resolve.map(|d| d.due);
        // 督办 on a supervisor's own initiative.
        if rng.gen_bool(0.01) {
            let when = self.office(t, rng.gen_range(240..1800));
            sim.act(
                when,
                AppealCommand::Supervise {
                    by: city.supervisor(g),
                    reason: SupervisionReason::Manual,
                    note: pick(rng, texts::MANUAL_SUPERVISION).to_owned(),
                },
            );
        }
        // 延期: once, asked before the deadline, mostly approved.
        if sim.snapshot.extension.is_none() && rng.gen_bool(0.04) {
            let when = self.office(t, rng.gen_range(240..1500));
            if due(sim).is_some_and(|d| when <= d) {
                let days = rng.gen_range(3..=10);
                sim.act(
                    when,
                    AppealCommand::RequestExtension {
                        by: worker.clone(),
                        days,
                        reason: pick(rng, texts::EXTENSIONS).to_owned(),
                    },
                );
                let decided = self.office(when, rng.gen_range(30..480));
                let approve = rng.gen_bool(0.85);
                let (days, note) = if approve {
                    (rng.gen_range(2..=days), "同意延期，请在延长期限内办结".to_owned())
                } else {
                    (0, "该事项可在原时限内办结，不同意延期".to_owned())
                };
                sim.act(decided, AppealCommand::DecideExtension { by: centre.clone(), approve, days, note });
                t = decided;
            }
        }
        // 挂起: waiting for something outside the unit's hands.
        if rng.gen_bool(0.01) {
            let when = self.office(t, rng.gen_range(60..600));
            if due(sim).is_some_and(|d| when <= d) {
                sim.act(
                    when,
                    AppealCommand::Suspend { by: centre.clone(), reason: pick(rng, texts::SUSPENSIONS).to_owned() },
                );
                let back = self.office(when, rng.gen_range(900..4500));
                sim.act(
                    back,
                    AppealCommand::Resume { by: worker.clone(), note: pick(rng, texts::RESUMPTIONS).to_owned() },
                );
                t = back;
            }
        }
        // The result: most in a few working days, some late.
        let mut rework = 0;
        loop {
            let submitted = if rng.gen_bool(0.04) {
                self.office(due(sim).unwrap_or(t), rng.gen_range(60..3000))
            } else {
                let minutes = if urgency == Urgency::Urgent {
                    rng.gen_range(60..600)
                } else {
                    // Working minutes: the same day, one or two days, up to four, nearly five.
                    let (lo, hi) =
                        *weighted(rng, &[((60, 450), 3.0), ((450, 900), 4.0), ((900, 1800), 2.0), ((1800, 2200), 0.5)]);
                    rng.gen_range(lo..hi)
                };
                let when = self.office(t, minutes);
                due(sim).map_or(when, |d| when.min(d - TimeDelta::minutes(rng.gen_range(1..90))).max(t))
            };
            let result = texts::result(rng, code_of(truth));
            if !sim.act(submitted, AppealCommand::SubmitResult { by: worker.clone(), result: result.clone() }) {
                return None;
            }
            let checked = self.office(submitted, rng.gen_range(15..480));
            let passed = rework > 0 || rng.gen_bool(0.97);
            let note = if passed { pick(rng, texts::VERIFIED).to_owned() } else { pick(rng, texts::REWORK).to_owned() };
            if !sim.act(checked, AppealCommand::Verify { by: centre.clone(), passed, note }) {
                return None;
            }
            if passed {
                return Some(Closure { at: checked, result });
            }
            rework += 1;
            t = checked;
        }
    }

    /// 回访, 重办 and 归档 after the first closure.
    #[allow(clippy::too_many_arguments)]
    fn after_closure(
        &self,
        rng: &mut ChaCha8Rng,
        sim: &mut CaseSim,
        g: &Grid,
        unit: &UnitRef,
        truth: &Category,
        urgency: Urgency,
        channel: IntakeChannel,
        closure: &Closure,
    ) {
        let city = &self.city;
        let mut t = closure.at;
        let mut rounds = 0;
        loop {
            // Some residents cannot be reached: the case is archived without a rating.
            if rng.gen_bool(0.03) {
                let when = self.office(t, rng.gen_range(2250..4500));
                sim.act(
                    when,
                    AppealCommand::Archive {
                        by: city.dispatcher(g), note: "多次电话回访未接通，按规定归档".into()
                    },
                );
                return;
            }
            let (by, when) = if channel == IntakeChannel::MiniProgram && rng.gen_bool(0.6) {
                (CaseActor::Citizen { account_id: None }, t + TimeDelta::minutes(rng.gen_range(30..2880)))
            } else {
                (city.centre(g, Some(unit)), self.office(t, rng.gen_range(60..1440)))
            };
            let solved = rng.gen_bool(if rounds == 0 { 0.955 } else { 0.85 });
            let satisfaction = if !solved {
                Satisfaction::Dissatisfied
            } else {
                *weighted(
                    rng,
                    &[
                        (Satisfaction::Satisfied, 86.0),
                        (Satisfaction::BasicallySatisfied, 11.0),
                        (Satisfaction::Dissatisfied, 3.0),
                    ],
                )
            };
            let comment = texts::callback(rng, solved, satisfaction).to_owned();
            if !sim.act(when, AppealCommand::Callback { by, solved, satisfaction, comment }) {
                return;
            }
            t = when;
            if sim.state() == AppealState::InProgress {
                // Not solved, first time: reopened with a new clock and a supervision order.
                rounds += 1;
                if self.resolve(rng, sim, g, unit, truth, urgency, t).is_none() {
                    return;
                }
                t = sim.last;
                continue;
            }
            if sim.snapshot.needs_supervisor {
                let when = self.office(t, rng.gen_range(450..2250));
                sim.act(
                    when,
                    AppealCommand::Archive {
                        by: city.supervisor(g),
                        note: "经督办员研判，已依法依规答复群众，归档".into(),
                    },
                );
                return;
            }
            // A complaint after a "solved" callback, once in a while.
            if rounds == 0 && rng.gen_bool(0.01) {
                let when = t + TimeDelta::minutes(rng.gen_range(600..7200));
                let (by, reason) = if channel == IntakeChannel::MiniProgram {
                    (CaseActor::Citizen { account_id: None }, "问题又出现了，请重新处理".to_owned())
                } else {
                    (city.centre(g, Some(unit)), "群众再次来电反映问题反弹，重新办理".to_owned())
                };
                if sim.act(when, AppealCommand::Reopen { by, reason }) {
                    rounds += 1;
                    if self.resolve(rng, sim, g, unit, truth, urgency, when).is_none() {
                        return;
                    }
                    t = sim.last;
                    continue;
                }
                return;
            }
            let when = self.office(t, rng.gen_range(450..6000));
            let by = if rng.gen_bool(0.5) { CaseActor::System } else { city.dispatcher(g) };
            sim.act(when, AppealCommand::Archive { by, note: String::new() });
            return;
        }
    }

    /// Where a dispatcher reassigns a case (改派): a department's city-level counterpart,
    /// another township body, the village's other committee, the grid's village.
    fn alternative(&self, g: &Grid, unit: &UnitRef) -> Option<UnitRef> {
        let city = &self.city;
        let parse = |s: &str| OrgType::parse(s).ok();
        let to = match unit.org_type.family() {
            OrgFamily::Department if unit.level == RegionLevel::County => {
                city.find_unit(unit.org_type, RegionLevel::City, g.city)
            }
            OrgFamily::Department => None,
            OrgFamily::TownshipBody => {
                let other = if unit.org_type == OrgType::ZONGZHI { parse("sifasuo")? } else { OrgType::ZONGZHI };
                city.find_unit(other, RegionLevel::Township, g.township)
            }
            OrgFamily::VillageBody => {
                let other = if unit.org_type == OrgType::VILLAGE_COMMITTEE {
                    parse("property_company").filter(|_| g.community)?
                } else {
                    OrgType::VILLAGE_COMMITTEE
                };
                city.find_unit(other, RegionLevel::Village, g.village)
            }
            OrgFamily::GridWorker => city.find_unit(OrgType::VILLAGE_COMMITTEE, RegionLevel::Village, g.village),
        };
        to.filter(|u| u != unit)
    }

    /// Another resident reports the same problem before the primary is closed; the dispatcher
    /// merges it (并单) and it closes with the primary.
    fn duplicate(
        &self,
        rng: &mut ChaCha8Rng,
        gi: usize,
        truth: &Category,
        primary_at: NaiveDateTime,
        closure: Option<&Closure>,
    ) -> Option<Draft> {
        let g = &self.city.grids[gi];
        let at = primary_at + TimeDelta::minutes(rng.gen_range(30..1800));
        let merge_at = self.office(at, rng.gen_range(10..240));
        // The primary must still be open when the duplicate is merged into it.
        if closure.is_some_and(|c| merge_at >= c.at) || at > self.config.now {
            return None;
        }
        let code = truth.code.as_str();
        let intake = self.intake(rng, g, code, at);
        let new = NewAppeal {
            category: truth.code,
            urgency: Urgency::Normal,
            time_limit_class: truth.time_limit_class,
            channel: intake.channel,
            first_receiver: intake.first_receiver.clone(),
        };
        let received = receive(&new, &intake.by, at, &self.rules.cal, &self.rules.policy).ok()?;
        let mut sim = CaseSim::new(&self.rules, received, self.config.now, self.keep_commands);
        let decision = route(truth, &g.chain, &self.rules.catalogue, Urgency::Normal).ok()?;
        if let Some(unit) = self.city.find_unit(decision.org_type, decision.level, decision.region_id) {
            sim.act(
                at,
                AppealCommand::Dispatch {
                    by: CaseActor::System,
                    to: unit,
                    co_handlers: Vec::new(),
                    why: decision.rule_used,
                },
            );
        }
        let dispatcher = self.city.dispatcher(g);
        // The primary's id is not known yet: numbered when the part is put in order.
        sim.act(
            merge_at,
            AppealCommand::Merge {
                by: dispatcher.clone(),
                primary_id: 0,
                reason: "与同一地点的在办诉求反映同一问题，并单处理".into(),
            },
        );
        if let Some(closure) = closure {
            sim.act(
                closure.at,
                AppealCommand::CloseWithPrimary {
                    by: CaseActor::System,
                    primary_id: 0,
                    result: closure.result.clone(),
                },
            );
            let rated = self.office(closure.at, rng.gen_range(60..1440));
            let satisfaction =
                if rng.gen_bool(0.9) { Satisfaction::Satisfied } else { Satisfaction::BasicallySatisfied };
            sim.act(
                rated,
                AppealCommand::Callback {
                    by: dispatcher.clone(),
                    solved: true,
                    satisfaction,
                    comment: texts::callback(rng, true, satisfaction).to_owned(),
                },
            );
            sim.act(
                self.office(rated, rng.gen_range(450..6000)),
                AppealCommand::Archive { by: CaseActor::System, note: String::new() },
            );
        }
        let (events, commands, refusals) = sim.finish();
        let (text, address) = texts::compose(rng, code, Urgency::Normal, intake.channel, g);
        let (reporter_name, reporter_phone) = reporter(rng, intake.channel);
        Some(Draft {
            grid: gi,
            point: point_in(rng, g),
            address,
            text,
            confidential: false,
            reporter_name,
            reporter_phone,
            filed_by: intake.filed_by,
            events,
            primary: None,
            commands,
            intake: self.keep_commands.then_some((new, intake.by)),
            refusals,
        })
    }
}

/// Categories where several residents report the same thing.
fn duplicable(code: &str) -> bool {
    matches!(code.as_bytes()[0], b'B' | b'C' | b'D' | b'E') && code != "B02"
}

/// The category a case of `code` is most often mistaken for at intake, when the two belong to
/// different units.
fn misfiled_as(code: &str) -> Option<&'static str> {
    Some(match code {
        "D01" => "E01",
        "E01" => "D01",
        "E05" => "B03",
        "B03" => "E05",
        "E04" => "D02",
        "D02" => "E04",
        "G04" => "G01",
        "D03" => "A01",
        "C05" => "E02",
        "E02" => "C05",
        _ => return None,
    })
}

/// The channel outside the platform a dispute may belong to.
fn referral(code: &str) -> Option<ReferralChannel> {
    Some(match code {
        "A02" | "A05" | "A06" => ReferralChannel::Litigation,
        "A03" => ReferralChannel::Arbitration,
        "A04" => ReferralChannel::AdministrativeReview,
        "B04" => ReferralChannel::Petition,
        _ => return None,
    })
}

fn code_of(c: &Category) -> &str {
    c.code.as_str()
}

fn weighted<'a, T>(rng: &mut impl Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut x = rng.gen_range(0.0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

/// Who reported it: residents leave a mobile number, often a name; a patrol finding often has
/// no reporter at all.
fn reporter(rng: &mut impl Rng, channel: IntakeChannel) -> (String, Option<String>) {
    match channel {
        IntakeChannel::Patrol if rng.gen_bool(0.6) => (String::new(), None),
        IntakeChannel::MiniProgram if rng.gen_bool(0.5) => (String::new(), Some(names::mobile(rng))),
        _ => (names::person(rng), Some(names::mobile(rng))),
    }
}

/// A point inside the grid's polygon.
fn point_in(rng: &mut impl Rng, g: &Grid) -> [f64; 2] {
    let [min_lon, min_lat, max_lon, max_lat] = g.bbox;
    for _ in 0..50 {
        let p = [rng.gen_range(min_lon..max_lon), rng.gen_range(min_lat..max_lat)];
        if inside(&g.ring, p) {
            return p;
        }
    }
    // The average of the corners of a lattice cell lies inside it.
    let n = g.ring.len() as f64;
    let (lon, lat) = g.ring.iter().fold((0.0, 0.0), |(a, b), p| (a + p[0] / n, b + p[1] / n));
    [lon, lat]
}

/// Ray casting: whether `p` is strictly inside the ring.
fn inside(ring: &[[f64; 2]], p: [f64; 2]) -> bool {
    let mut inside = false;
    let mut j = ring.len() - 1;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The tracking code intake would issue (`yymmdd` of the receipt and eight characters of the
/// same alphabet), its tail a keyed permutation of the id, so that codes never repeat.
fn tracking_code(received: NaiveDateTime, id: i64, key: u64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    const SPACE: u64 = 31u64.pow(8);
    const MASK: u64 = (1 << 40) - 1;
    // A bijection on 40-bit numbers; walking its cycle until the value fits keeps it one on 31^8.
    let mix = |mut x: u64| {
        x ^= key & MASK;
        x = x.wrapping_mul(0x5851_F42D_4C95_7F2D | 1) & MASK;
        x ^= x >> 19;
        x = x.wrapping_mul(0x2545_F491_4F6C_DD1D | 1) & MASK;
        x ^= x >> 23;
        x
    };
    let mut x = (id as u64) % SPACE;
    loop {
        x = mix(x);
        if x < SPACE {
            break;
        }
    }
    let mut tail = [0u8; 8];
    for slot in tail.iter_mut().rev() {
        *slot = ALPHABET[(x % 31) as usize];
        x /= 31;
    }
    format!("{}{}", received.format("%y%m%d"), std::str::from_utf8(&tail).expect("ASCII"))
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

mod texts {
    use super::{Grid, pick};
    use crate::names;
    use pingan_domain::appeal::{IntakeChannel, Satisfaction, Urgency};
    use rand::Rng;
    use rand::seq::SliceRandom;
    use std::collections::HashMap;
    use std::sync::LazyLock;

    /// Roads for the reports' places.
    #[rustfmt::skip]
    const ROADS: &[&str] = &[
        "东风路", "湖滨大道", "新华路", "天衢路", "解放路", "德兴大道", "三八路", "建设街", "青年路", "大学路",
        "长河大道", "运河街", "红星路", "崇德路", "东方红路", "迎宾大街", "新河路", "德州大道", "岔河街", "光明街",
        "文化路", "府前街", "人民路", "兴隆大街", "振华路", "商贸街", "康宁路", "育才路", "工业路", "和平路",
    ];
    const ESTATES: &[&str] = &["家园", "花园", "小区", "苑", "新村", "名居", "华府"];
    #[rustfmt::skip]
    const SHOPS: &[&str] = &[
        "烧烤店", "饭店", "超市", "健身房", "理发店", "美容院", "洗车店", "培训学校", "KTV", "水果店",
        "面馆", "药店", "便利店", "游泳馆", "母婴店",
    ];
    const COMPANIES: &[&str] = &["建筑工程有限公司", "纺织有限公司", "化工有限公司", "机械有限公司", "食品有限公司"];
    const NUMBERS: &[&str] = &["两", "三", "四", "五", "六", "七", "八"];
    const DURATIONS: &[&str] = &["三天", "一个星期", "十来天", "半个月", "一个多月", "两个月", "三个多月"];
    const NIGHT: &[&str] = &["晚上十一点多", "半夜十二点", "凌晨一两点", "晚上十点以后"];

    /// Per category, in code order: what residents write. `{p}` the compound or village, `{v}`
    /// the village or community, `{r}`/`{r2}` roads, `{b}` a building, `{s}` a shop, `{c}` a
    /// company, `{n}` a number, `{m}` money, `{d}` a span of time, `{x}` a person, `{t}` night.
    #[rustfmt::skip]
    const REPORTS: &[(&str, &[&str])] = &[
        ("A01", &[
            "楼上{x}家装修{d}了，每天早上七点不到就开始砸墙打钻，跟他们沟通了{n}次都不听，请社区出面协调。",
            "{p}{b}楼上住户的空调外机对着我家窗户，噪音大还往下滴水，协商不成，希望给调解一下。",
            "邻居{x}在楼道里堆放杂物和电动车，占了大半个过道，说了也不挪，老人进出很不方便。",
            "我家和邻居{x}因为院墙滴水的问题吵了好几次，眼看要动手，请调解委员会给调解一下。",
            "对门养的狗经常半夜叫，还在楼道里随地大小便，跟狗主人说了反而吵了一架，请帮忙协调。",
            "楼上卫生间漏水，我家厨房顶棚都泡坏了，邻居不承认也不给修，想请社区调解。",
            "邻居{x}在公共绿地里私自种菜还围了栅栏，其他住户有意见，双方闹得很僵。",
        ]),
        ("A02", &[
            "我和丈夫因为家庭琐事经常吵架，最近他喝了酒还动手，想请社区帮忙调解一下。",
            "老人有{n}个子女，都不愿意承担赡养费用，老人生活很困难，请村里给调解。",
            "离婚后对方一直不按判决支付孩子的抚养费，已经拖欠{d}，希望能帮忙协调。",
            "兄弟几个因为父母留下的老房子怎么分闹翻了，请调解委员会出面调解。",
            "邻居家婆媳矛盾很深，经常半夜吵闹摔东西，担心出事，请网格员关注一下。",
            "儿子儿媳闹离婚，为了孩子跟谁生活吵得不可开交，老人想请人调解。",
        ]),
        ("A03", &[
            "我在{c}干活，已经{d}没发工资了，老板一直拖着不给，一共欠我{m}，请帮忙讨要。",
            "我们{n}十多个农民工在{p}附近的工地干活，包工头拖欠工资{d}，快过年了还拿不到钱。",
            "在{s}打工，辞职后老板扣着最后一个月的工资{m}不给，说要扣押金，请劳动监察处理。",
            "{c}拖欠我们{n}个人的加班费，去要了好几次都说没钱，希望有关部门督促支付。",
            "装修队的{x}找我干了{d}的活，工钱{m}到现在不结，电话也不接了。",
            "公司不给缴社保还拖欠工资，现在解除合同也不给经济补偿，请劳动部门帮忙。",
        ]),
        ("A04", &[
            "我家宅基地东边被邻居{x}盖房时占了一米多，找村里调解了还没解决。",
            "{v}两户人家为了承包地的地界吵起来了，一方把界石挪了，差点打起来。",
            "我家承包的{n}亩地被村里调整给了别人，一直没有给个说法，请镇上处理。",
            "老宅基地确权时登记的面积和实际不一样，和邻居有争议，需要镇里协调。",
            "村里流转土地的租金已经{d}没发了，村民意见很大，希望镇里督促解决。",
            "邻居在我家承包地边上挖沟，把地头冲坏了，协商不成。",
        ]),
        ("A05", &[
            "家里老人在{v}附近的诊所输液后出现严重过敏，诊所不承认有问题，想申请医疗纠纷调解。",
            "母亲在医院做完手术后感染，住院时间延长，多花了{m}，医院说是正常情况，我们不认可。",
            "孩子在{s}附近的口腔诊所补完牙一直疼，去复查说要重新做还要再交钱，请卫生部门处理。",
            "在卫生院拿错了药，吃了{n}天才发现，身体不舒服，要求医院给个说法。",
            "医院收费清单里有好几项没做的检查，找医院对账一直推脱。",
        ]),
        ("A06", &[
            "上个月在{r}被一辆电动三轮车撞了，腿骨折，对方一直拖着不赔医药费。",
            "我的车停在{r}路边被人剐蹭，对方认了全责但保险一直没理赔，想请交警调解。",
            "家人骑电动车在{r}路口被货车撞伤，住院花了{m}，肇事方只垫付了一部分。",
            "两车追尾，对方不认可交警的责任认定，赔偿谈不拢，申请调解。",
            "骑车被一辆电动车撞倒，对方是个学生，家长不愿意赔偿，请帮忙协调。",
        ]),
        ("B01", &[
            "{p}附近最近晚上总有几个陌生人转悠，还撬电动车锁，居民很担心，请加强巡逻。",
            "{r}上那个路口没有路灯，晚上黑乎乎的，最近有人被抢了包，希望派出所重视。",
            "{p}{b}有一户出租房人员进出很杂，半夜经常吵闹，怀疑有违法活动。",
            "{v}村头的小卖部里常有人聚众赌博，有时候到凌晨，影响很坏。",
            "小区监控坏了{d}都没修，最近有几户的电动车电瓶被偷了。",
            "{s}门口经常有人酒后闹事，昨天晚上还打起来了，请派出所管一管。",
        ]),
        ("B02", &[
            "我母亲接到自称公检法的电话，说她涉嫌洗钱，让她把存款转到安全账户，已经转了{m}，请赶紧帮忙。",
            "在网上刷单兼职被骗了{m}，对方先给了点小钱，后来就让我不停垫钱，现在联系不上了。",
            "有人冒充快递客服说我的快递丢了要理赔，让我开通借款再转账，被骗了{m}。",
            "小区里有人挨家挨户推销所谓的养老投资项目，承诺高额回报，怀疑是诈骗。",
            "父亲在网上认识了一个投资导师，让他下载了一个炒股软件，已经投进去{m}，提不出钱来。",
            "收到短信说医保卡被冻结，点了链接填了银行卡信息，卡里的钱被转走了。",
        ]),
        ("B03", &[
            "{p}楼下的{s}每天晚上音响开得很大，一直到{t}，严重影响休息。",
            "{r}边上的烧烤摊每天营业到{t}，喝酒划拳声音特别大，住户根本睡不着。",
            "{p}的广场舞音响声音太大，晚上九点多还在跳，家里有高三的孩子没法学习。",
            "楼上住户每天{t}还在唱歌，跟物业反映了没用，请派出所处理。",
            "{r}上有辆卖货的车整天用大喇叭循环喊，声音刺耳，附近居民很烦。",
            "{s}门口装了个大音箱放音乐招揽顾客，从早到晚不停。",
        ]),
        ("B04", &[
            "{v}有人以合作社入股的名义吸收村民存款，承诺年息百分之十五，好多老人都交了钱。",
            "有个投资公司在{r}开了门店，天天组织老人听课送鸡蛋，动员大家买理财产品，怀疑是非法集资。",
            "我在{c}投了{m}，说好每月返利，现在公司关门了，老板找不到了。",
            "{p}附近有人推销养老公寓的会员卡，说交钱就能保值增值，很多老人都上当了。",
            "亲戚拉我投一个虚拟币项目，说拉人头还有奖励，感觉不靠谱，想举报。",
        ]),
        ("C01", &[
            "{p}{b}楼道里堆满了纸箱和旧家具，还有人在楼道里给电动车充电，万一着火很危险。",
            "{p}的消防通道常年被私家车堵着，消防车根本进不来，请相关部门管一管。",
            "{r}上有家{s}在店里住人，还用电炉子做饭，消防隐患很大。",
            "{v}有户人家把柴火和秸秆堆在房前屋后，挨着电线，太危险了。",
            "{p}地下室的消火栓都没有水，灭火器也过期好几年了。",
            "有住户从楼上拉电线下来给电动车充电，线就挂在窗户外面。",
        ]),
        ("C02", &[
            "{p}{b}楼道里燃气味道很重，不知道哪家漏气了，请赶紧派人来查。",
            "{r}上的{s}后厨用的液化气罐和炉灶挨着，管子都老化了，怕出事。",
            "家里燃气表后面的管子有点漏气，打了燃气公司电话一直没人来。",
            "{v}有个小作坊私自存放了好多液化气罐，就在居民房旁边。",
            "小区改造挖断了燃气管道，闻到很大的燃气味，请燃气公司马上处理。",
            "有人在出租屋里用瓶装液化气，还接了好几个灶头，房东也不管。",
        ]),
        ("C03", &[
            "{r}和{r2}交叉口的红绿灯坏了{d}了，车和人都乱走，很容易出事故。",
            "{v}村口的路边有棵大树挡住了视线，出村的车看不见大路上的车，已经出过好几次险情。",
            "{r}上的减速带被压坏了，车速特别快，学校门口孩子过马路很危险。",
            "{p}门口的路上有一个大坑，晚上骑电动车的人经常摔倒。",
            "下雪后{r}上的桥面结冰了，没人撒融雪剂，车辆打滑很危险。",
            "有货车经常在{r}上超载超速行驶，路边就是村民的房子。",
        ]),
        ("C04", &[
            "{p}旁边工地的塔吊吊着东西从居民楼上空经过，太吓人了。",
            "{r}上的工地脚手架没有防护网，施工的时候砖块往下掉，差点砸到行人。",
            "{c}在{p}附近施工，基坑挖得很深，周边没有围挡，小孩经常在边上玩。",
            "工地晚上施工，工人不戴安全帽，也没有安全绳，看着很危险。",
            "{v}有户人家自建房盖到四层了，没有任何安全措施，楼板看着就不结实。",
        ]),
        ("C05", &[
            "在{r}上的{s}买的熟食吃了以后全家拉肚子，怀疑食品不卫生。",
            "{s}卖的牛奶已经过期了还在卖，跟店员说了也不下架。",
            "{v}有个小作坊做豆腐和凉皮，卫生条件很差，也没有任何证照。",
            "学校门口的小摊卖的零食都是三无产品，孩子们天天买，请市场监管部门查一查。",
            "药店里卖的保健品宣传说能治高血压，老人买了{m}的，吃了没用。",
            "{s}后厨老鼠乱跑，员工不戴口罩手套，我拍了视频。",
        ]),
        ("C06", &[
            "{p}{b}的电梯三天两头出故障，今天又把人困在里面{n}十分钟。",
            "{p}的电梯运行时晃得厉害，还有异响，检验标志也过期了。",
            "商场的扶梯经常急停，上周一位老人被摔伤了。",
            "小区电梯坏了{d}了，物业说没钱修，高层的老人下不了楼。",
            "{r}附近游乐场的设备看着很旧，也没有检验合格的标志。",
        ]),
        ("D01", &[
            "{p}物业收了物业费，小区里的垃圾好几天没人清，楼道也没人打扫。",
            "{p}的物业保安形同虚设，外来人员随便进出，门禁坏了也不修。",
            "物业擅自把{p}的公共绿地改成停车位收费，业主们都不同意。",
            "{p}的物业公司要涨物业费，但服务一点没改善，业主们意见很大。",
            "{p}物业对业主报修一直推诿，说了好几次都没人来。",
            "小区公共收益的账目物业从来不公开，业主委员会要求查账被拒绝。",
        ]),
        ("D02", &[
            "{p}{b}的楼道灯坏了{d}了，晚上上下楼黑乎乎的，老人摔了一跤。",
            "{p}的二次供水泵坏了，高层已经停水{n}天了。",
            "{p}的下水道堵了，污水都漫到路面上了，味道很大。",
            "{p}{b}的单元门门禁坏了关不上，谁都能进。",
            "{p}的屋顶防水层坏了，顶楼住户家里一下雨就漏水。",
            "{p}小区里的路灯有一半不亮，晚上散步很不安全。",
            "{p}停电{n}个小时了，物业说是线路老化，一直没人来修。",
        ]),
        ("D03", &[
            "{p}里的车乱停乱放，把消防通道和单元门口都堵了，物业不管。",
            "有人在{p}的公共车位上装了地锁，据为己有，其他业主没法停车。",
            "{p}门口的停车收费标准突然涨价，也没有公示，业主们有意见。",
            "外来车辆随便进{p}停车，业主回家都找不到车位。",
            "{p}的电动车充电桩太少，大家只能从楼上拉线充电。",
            "小区里有辆车停了{d}没动过，落满了灰，占着车位，怀疑是僵尸车。",
        ]),
        ("D04", &[
            "{p}{b}家里的暖气一直不热，室温才十四五度，老人孩子都冻感冒了。",
            "{p}的供暖管道漏水，楼道里全是水，暖气也停了。",
            "我们交了取暖费，但是暖气片上面热下面凉，屋里温度上不去。",
            "{p}整栋楼的暖气都不热，打供热公司电话一直打不通。",
            "今年供暖都开始{d}了，我家暖气还是凉的，请供热公司上门看看。",
            "{v}清洁取暖改造后，燃气壁挂炉经常熄火，屋里太冷了。",
        ]),
        ("E01", &[
            "{r}边上的垃圾桶已经满得溢出来了，{d}没人清运，臭气熏天。",
            "{v}村头的沟渠里堆满了生活垃圾，夏天蚊蝇成群。",
            "{r}附近的公共厕所很脏，门也坏了，没人打扫。",
            "有人把建筑垃圾倒在{r}边的空地上，越堆越多。",
            "{p}门口的绿化带里全是烟头和塑料袋，好久没人清理了。",
            "{v}的垃圾收集点离住户太近，味道很大，希望挪一挪。",
        ]),
        ("E02", &[
            "{r}上的{s}把货架摆到了人行道上，行人只能走机动车道。",
            "{p}门口每天早上都有早市摆摊，占了半条马路，车都过不去。",
            "{r}的路口有很多流动商贩卖水果，堵得很厉害。",
            "{s}在门口搭了个棚子做生意，占用了盲道。",
            "学校门口放学时间小摊小贩很多，孩子过马路很危险。",
        ]),
        ("E03", &[
            "{p}{b}的一楼住户私自扩建了一个院子，把公共绿地圈起来了。",
            "{p}有人在楼顶加盖了彩钢房，影响楼体安全。",
            "{v}有人在基本农田上盖厂房，正在施工。",
            "{r}上的{s}把门面往外接了两米，盖了一个违建。",
            "邻居在自家院里加盖二层，挡住了我家的采光。",
        ]),
        ("E04", &[
            "{r}上有个井盖不见了，晚上很危险，请赶紧处理。",
            "{r}的路面塌陷了一个大坑，已经有车掉进去了。",
            "{r}上的路灯连着{n}盏都不亮，已经{d}了。",
            "{p}门口的人行道砖松动翘起，老人走路容易绊倒。",
            "下大雨后{r}积水很深，排水口被堵住了。",
            "{r}上的护栏被撞坏了，倒在路边没人修。",
        ]),
        ("E05", &[
            "{v}附近的{c}晚上偷偷排放废气，味道刺鼻，村民都不敢开窗。",
            "{r}边上的小河变黑发臭，怀疑有企业往河里排污水。",
            "{p}旁边的工地夜间施工，噪音很大，到凌晨还在打桩。",
            "{v}有人在地里焚烧秸秆和垃圾，浓烟很大。",
            "{s}的油烟直接排到居民楼里，家里都不敢开窗户。",
            "{c}的粉尘太大了，附近庄稼的叶子上全是灰。",
        ]),
        ("F01", &[
            "我在{s}办了{m}的会员卡，才用了几次，店突然关门了，老板联系不上。",
            "{r}上的健身房毫无预兆就关门了，我们{n}百多个会员的卡里还有钱。",
            "孩子在{s}报了一年的课，交了{m}，现在培训机构人去楼空。",
            "{s}贴了个装修的告示就关门了，{d}都没开，充值的钱怎么办？",
            "理发店换了老板，说以前办的卡不认了，卡里还有{m}。",
        ]),
        ("F02", &[
            "在{s}充值了{m}，现在不想办了要求退款，商家说概不退款。",
            "给孩子在{s}报的课，上了两节课觉得不合适，机构不给退剩下的钱。",
            "健身房办卡时说可以随时退，现在要退却说要扣一半手续费。",
            "美容院推销的疗程卡{m}，效果和宣传的不一样，要求退款被拒。",
            "{s}搬到很远的地方了，我去不了，要求退卡里的余额商家不同意。",
        ]),
        ("F03", &[
            "{s}办卡时口头承诺送{n}次服务，合同上没写，现在不认账。",
            "{s}的预付卡合同里写着卡丢失不补办、不退不转，这合理吗？",
            "培训机构宣传说保过，合同里却没有这一条，考试没过也不退费。",
            "{s}充值时说打八折，结果消费时价格比原来还高。",
            "商家宣传的会员权益随意变更，原来的优惠都取消了。",
        ]),
        ("G01", &[
            "我父亲的养老金这个月没到账，去社保局问了说要重新认证，不知道怎么办。",
            "灵活就业人员的社保怎么缴费？去了好几个窗口都说不清楚。",
            "在外地住院的医疗费回来报销，材料交上去{d}了还没有消息。",
            "我今年退休，但之前的工作年限有一段没有记录，影响养老金计算。",
            "交城乡居民医保的时候系统一直提示错误，交不上。",
            "老人的高龄补贴停发了，不知道是什么原因。",
        ]),
        ("G02", &[
            "孩子今年上小学，户口在{v}，但分配的学校离家太远，希望调整。",
            "附近的学校放学时间早，家长都在上班，能不能开设课后托管？",
            "学校让家长在指定的店里买校服和辅导资料，价格很贵。",
            "{v}的小学只剩{n}十多个学生，老师也不够，孩子上学要跑很远。",
            "孩子在学校被同学欺负，老师处理不当，希望教育部门重视。",
            "幼儿园收费涨了很多，也没有提前通知家长。",
        ]),
        ("G03", &[
            "我今年大学毕业，想了解一下本地的就业补贴和创业贷款政策。",
            "四十多岁失业了，想参加政府组织的技能培训，去哪里报名？",
            "想在{v}开个小作坊，创业担保贷款的手续太复杂，希望有人指导一下。",
            "村里留守妇女多，希望能引进一些在家就能做的手工活。",
            "申请了失业保险金，{d}了还没审批下来。",
        ]),
        ("G04", &[
            "{v}有位独居老人{x}，身体不好，生活困难，希望能给申请低保。",
            "家里孩子得了重病，花了{m}，家里实在拿不出钱了，有没有救助政策？",
            "残疾人补贴今年一直没发，不知道要去哪里问。",
            "{v}有户人家房子漏雨，老两口住在里面很危险，能不能帮忙危房改造？",
            "家里遭了火灾，东西都烧没了，希望申请临时救助。",
        ]),
        ("G05", &[
            "家里老人行动不便，想请网格员帮忙代办一下高龄补贴的认证。",
            "我在外地打工，孩子的出生证明和户口登记能不能请网格员代办？",
            "想给父亲办理残疾证，不知道需要准备哪些材料，能否帮忙代办。",
            "老人的身份证过期了，腿脚不方便，能不能上门办理？",
            "需要开具居住证明，请社区网格员帮忙办一下。",
            "老人的养老保险资格认证不会用手机操作，请网格员帮忙。",
        ]),
        ("H01", &[
            "建议在{r}和{r2}路口加装红绿灯，早晚高峰太堵了。",
            "{p}附近没有公共健身器材，建议在空地上安装一些。",
            "建议在{v}增设一个公交站点，老人进城看病太不方便了。",
            "希望{r}边上多设一些垃圾分类投放点。",
            "建议社区多组织一些面向老年人的防诈骗讲座。",
            "{p}附近缺少停车位，建议利用闲置空地建一个停车场。",
        ]),
        ("H02", &[
            "感谢{v}的网格员{x}，上周帮我家老人办好了医保手续，服务特别热情。",
            "{p}物业这次维修下水道特别及时，半天就修好了，给他们点赞。",
            "感谢派出所民警帮我找回了走失的老人，太感谢了！",
            "社区工作人员冒雨帮我们清理积水，非常辛苦，特此表扬。",
            "上次反映的路灯问题很快就修好了，办事效率高，谢谢。",
        ]),
        ("Z99", &[
            "{r}附近有一群流浪狗，经常追着行人叫，孩子们很害怕。",
            "家里的有线电视信号很差，打了客服电话也没人来修。",
            "想咨询一下{v}的拆迁补偿政策，到哪里可以查到。",
            "快递驿站经常弄丢包裹，投诉了也没有回应。",
            "{r}附近的手机信号很差，打电话老是断线。",
            "邻村的喇叭每天早上五点就开始广播，能不能晚一点。",
        ]),
    ];

    /// What units report back, per category.
    #[rustfmt::skip]
    const RESULTS: &[(&str, &[&str])] = &[
        ("A01", &["经社区调解，双方达成一致意见，签订了调解协议。", "已组织双方当面协商，责任方同意承担维修费用，矛盾已化解。"]),
        ("A02", &["经调解员多次上门做工作，双方达成和解，签订了调解协议。", "已组织家庭成员协商，明确了赡养责任和费用分担。"]),
        ("A03", &["劳动保障监察大队已约谈企业负责人，拖欠的工资已全部发放到位。", "经协调，用工方已与劳动者签订还款计划，首期工资已支付。"]),
        ("A04", &["镇综治中心会同司法所现场勘验，依据确权资料划定了界线，双方认可。", "已组织村两委和双方当事人协商，达成土地调整方案。"]),
        ("A05", &["已组织医患双方进行调解，院方同意减免部分费用并致歉。", "卫健部门已调查核实，指导医院依法依规处理。"]),
        ("A06", &["交警部门已组织双方调解，达成赔偿协议并当场履行。", "已协调保险公司启动理赔程序，款项已到账。"]),
        ("B01", &["派出所已加强该区域夜间巡逻，并协调安装了监控和路灯。", "民警已上门核查，对相关人员进行了法治教育，隐患已消除。"]),
        ("B02", &["已协助当事人报案，反诈中心已对涉案账户止付，并开展了防骗宣传。", "民警已上门劝阻，当事人已停止转账。"]),
        ("B03", &["民警已到现场处置，责令商户降低音量并限定营业时间。", "已约谈经营者，安装了隔音设施，噪声已明显减轻。"]),
        ("B04", &["已移交地方金融管理部门调查，相关场所已停止宣传活动。", "已对涉事人员开展约谈，并在社区开展防范非法集资宣传。"]),
        ("C01", &["已督促清理楼道堆积物，拆除了私拉电线，隐患已消除。", "消防救援大队已现场检查，责令限期整改，复查合格。"]),
        ("C02", &["燃气公司已上门检测，更换了老化管道，复查无泄漏。", "已责令商户更换合格的液化气设施，并进行了安全培训。"]),
        ("C03", &["已修复信号灯并增设了警示标志。", "已清理遮挡视线的树木，并施划了减速标线。"]),
        ("C04", &["住建部门已检查工地，责令停工整改，防护设施已补齐。", "已督促施工单位设置围挡和警示标志，复查合格。"]),
        ("C05", &["市场监管部门已现场检查，下架过期食品并立案调查。", "已责令商户停业整顿，整改后复查合格。"]),
        ("C06", &["特种设备检验机构已检测，电梯维保单位已更换故障部件，恢复正常运行。", "已督促物业更换电梯部件并完成年检。"]),
        ("D01", &["已约谈物业公司，督促其整改服务问题，小区卫生已恢复正常。", "社区已组织物业和业主委员会协商，物业承诺整改并公开账目。"]),
        ("D02", &["已协调物业更换了损坏设施，恢复正常使用。", "物业已安排维修人员疏通管道、修复设施，群众已确认。"]),
        ("D03", &["已协调物业清理占用的消防通道，规范了停车秩序。", "社区已召集物业和业主协商，拆除了私装的地锁。"]),
        ("D04", &["供热公司已上门排查，排除了管道空气，室温已达标。", "已更换损坏的暖气阀门，恢复供暖，室温回升到18度以上。"]),
        ("E01", &["已安排环卫人员清运垃圾，并加密了清运频次。", "已清理沟渠垃圾，并设置了禁止倾倒的警示牌。"]),
        ("E02", &["执法队员已现场劝离占道商户，清理了占道物品。", "已引导商贩进入规范的便民市场经营。"]),
        ("E03", &["综合执法部门已下达整改通知，违建已自行拆除。", "已立案调查，责令停止建设并限期拆除。"]),
        ("E04", &["已补装井盖，设置了临时警示标志。", "市政养护单位已修复路面和路灯，恢复正常。"]),
        ("E05", &["生态环境部门已现场检查，责令企业停产整改。", "已制止焚烧行为，并对相关人员进行了宣传教育。"]),
        ("F01", &["市场监管部门已立案调查，协调商家承接方继续提供服务。", "已组织消费者登记，协调商家分批退还预付款。"]),
        ("F02", &["经调解，商家同意按未消费金额退款。", "已约谈商家，告知概不退款条款无效，款项已退还。"]),
        ("F03", &["已责令商家修改格式合同中的不公平条款，并兑现承诺。", "经调解，商家同意按原约定提供优惠服务。"]),
        ("G01", &["已为群众讲解政策并协助完成认证，待遇已恢复发放。", "社保经办机构已核实缴费记录，问题已解决。"]),
        ("G02", &["教育部门已答复入学政策，并协调就近学校解决就读问题。", "已责令学校停止指定购买，并退还相关费用。"]),
        ("G03", &["已为群众讲解就业创业扶持政策，并推荐了培训项目。", "已协助办理相关手续，补贴已审批通过。"]),
        ("G04", &["民政部门已入户核查，符合条件的已纳入低保。", "已协助申请临时救助，救助金已发放。"]),
        ("G05", &["网格员已上门代办，相关手续已办结。", "已协助群众准备材料并完成办理。"]),
        ("H01", &["已将建议转交相关部门研究，部分建议已采纳实施。", "已向群众答复相关规划和下一步安排。"]),
        ("H02", &["已将群众的表扬转达给相关工作人员。", "感谢群众的认可，已在单位内部通报表扬。"]),
        ("Z99", &["已向群众答复了相关情况和办理渠道。", "已协调相关单位处理，群众表示认可。"]),
    ];

    pub(super) const RETURN_REASONS: &[&str] = &[
        "该事项涉及多个部门职责，建议由属地乡镇牵头办理",
        "诉求地点不在本单位管辖范围内，申请退回",
        "经现场核实，该事项不属于本单位职责",
    ];
    pub(super) const REJECT_NOTES: &[&str] =
        &["经审核，该事项属于贵单位职责范围，请按时办理", "派单目录明确由贵单位承办，退单理由不成立"];
    pub(super) const CONTACTS: &[&str] =
        &["已电话联系群众，了解了具体情况", "已上门与群众当面沟通", "已联系反映人，约定了现场查看时间"];
    pub(super) const ADDED: &[&str] = &[
        "补充一下：问题还在持续，今天更严重了。",
        "补充具体位置：在大门东侧，靠近路口。",
        "补充联系方式：白天上班不方便接电话，下午五点后可以联系。",
    ];
    pub(super) const EXTENSIONS: &[&str] = &[
        "需协调多个部门共同处理，申请延期",
        "涉及资金审批，需要履行程序，申请延期",
        "需等待天气条件允许后施工，申请延期",
    ];
    pub(super) const SUSPENSIONS: &[&str] =
        &["需等待第三方鉴定结果", "当事人外出务工，暂时无法联系", "涉及诉讼，等待法院判决"];
    pub(super) const RESUMPTIONS: &[&str] = &["鉴定结果已出，恢复办理", "已联系上当事人，恢复办理"];
    pub(super) const ESCALATIONS: &[&str] =
        &["涉及多部门职责，本级无法解决，吹哨上报", "问题较复杂，需上级协调相关部门共同解决"];
    pub(super) const MANUAL_SUPERVISION: &[&str] =
        &["群众多次来电催办，请加快办理", "该问题社会关注度高，请限期办结并报送结果"];
    pub(super) const VERIFIED: &[&str] = &["", "现场核查属实，同意办结", "电话核实问题已解决"];
    pub(super) const REWORK: &[&str] = &["现场核查发现问题未整改到位，退回重办", "群众反映问题依旧存在，请重新处理"];

    /// Sentences of the classifier's training file, by category: more ways of saying things.
    /// Keyed by category and whether the sentence is urgent (紧急).
    static TRAIN: LazyLock<HashMap<(&'static str, bool), Vec<&'static str>>> = LazyLock::new(|| {
        let mut by_code: HashMap<(&str, bool), Vec<&str>> = HashMap::new();
        for line in include_str!("../../pingan-classify/data/train.csv").lines().skip(1) {
            // text,category,urgency: the text is everything before the last two commas.
            let mut parts = line.rsplitn(3, ',');
            let (Some(urgency), Some(category), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            by_code.entry((category, urgency.trim() == "紧急")).or_default().push(text.trim());
        }
        by_code
    });

    pub(super) fn templates(code: &str) -> &'static [&'static str] {
        REPORTS.iter().find(|r| r.0 == code).map_or(&[], |r| r.1)
    }

    /// The report's text and address.
    pub(super) fn compose(
        rng: &mut impl Rng,
        code: &str,
        urgency: Urgency,
        channel: IntakeChannel,
        g: &Grid,
    ) -> (String, String) {
        let place =
            if g.community { format!("{}{}", names::brand(rng), pick(rng, ESTATES)) } else { g.village_name.clone() };
        let urgent = urgency == Urgency::Urgent;
        let trained = TRAIN.get(&(code, urgent)).map_or(&[][..], |t| &t[..]);
        // The templates describe ordinary cases; an urgent one takes an urgent sentence if any.
        let mut body = if !trained.is_empty() && (urgent || rng.gen_bool(0.3)) {
            pick(rng, trained).to_owned()
        } else {
            let template = pick(rng, templates(code));
            fill(rng, template, &place, g)
        };
        if !body.ends_with(['。', '！', '？', '!', '?']) {
            body.push('。');
        }
        let text = match channel {
            IntakeChannel::Patrol => {
                format!("{}{body}", pick(rng, &["网格员巡查发现：", "巡查中群众反映：", "入户走访时了解到："]))
            }
            IntakeChannel::Hotline12345 => format!("12345热线转办：市民来电反映，{body}"),
            IntakeChannel::RedStation => format!("群众到红色驿站反映：{body}"),
            IntakeChannel::Proxy => format!("网格员代为反映：{body}"),
            IntakeChannel::MiniProgram | IntakeChannel::Api => {
                let open = pick(rng, &["", "", "您好，", "你好，", "反映一个问题：", "想反映个情况，"]);
                let close = pick(
                    rng,
                    &["", "", "希望尽快处理。", "请有关部门尽快解决，谢谢！", "已经反映过一次了，还没有解决。"],
                );
                format!("{open}{body}{close}")
            }
        };
        let address = if g.community {
            format!("德州市{}{}{}{}号{place}", g.county_name, g.township_name, pick(rng, ROADS), rng.gen_range(1..=399))
        } else {
            format!("德州市{}{}{}", g.county_name, g.township_name, g.village_name)
        };
        (text, address)
    }

    fn fill(rng: &mut impl Rng, template: &str, place: &str, g: &Grid) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else { break };
            let slot = &rest[start + 1..start + len];
            match slot {
                "p" => out.push_str(place),
                "v" => out.push_str(&g.village_name),
                "r" | "r2" => out.push_str(pick(rng, ROADS)),
                "b" => out.push_str(&format!("{}号楼{}单元", rng.gen_range(1..=24), rng.gen_range(1..=4))),
                "s" => out.push_str(&format!("{}{}", names::brand(rng), pick(rng, SHOPS))),
                "c" => out.push_str(&format!("德州{}{}", names::brand(rng), pick(rng, COMPANIES))),
                "n" => out.push_str(pick(rng, NUMBERS)),
                "m" => out.push_str(&money(rng)),
                "d" => out.push_str(pick(rng, DURATIONS)),
                "x" => out.push_str(&format!("{}某", names::surname(rng))),
                "t" => out.push_str(pick(rng, NIGHT)),
                other => out.push_str(other),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    fn money(rng: &mut impl Rng) -> String {
        match rng.gen_range(0..3) {
            0 => format!("{}元", rng.gen_range(5..100) * 100),
            1 => format!("{}千多元", ["两", "三", "五", "八"].choose(rng).copied().unwrap_or("三")),
            _ => format!("{}万多元", rng.gen_range(1..=9)),
        }
    }

    pub(super) fn result(rng: &mut impl Rng, code: &str) -> String {
        let list = RESULTS.iter().find(|r| r.0 == code).map_or(&[][..], |r| r.1);
        let text = list.choose(rng).copied().unwrap_or("已办理完毕，并向群众反馈了结果。");
        text.to_owned()
    }

    pub(super) fn callback(rng: &mut impl Rng, solved: bool, satisfaction: Satisfaction) -> &'static str {
        let list: &[&str] = match (solved, satisfaction) {
            (false, _) => &["问题没有解决，还是老样子", "只是来看了看，什么也没做"],
            (true, Satisfaction::Satisfied) => &["处理及时，很满意", "问题解决了，谢谢", "工作人员态度很好", ""],
            (true, Satisfaction::BasicallySatisfied) => &["问题基本解决了，就是时间有点长", "还可以", ""],
            (true, Satisfaction::Dissatisfied) => &["问题是解决了，但是拖了太久", "处理态度一般"],
        };
        pick(rng, list)
    }

    #[cfg(test)]
    pub(super) fn codes() -> impl Iterator<Item = (&'static str, usize, usize)> {
        REPORTS.iter().map(|r| {
            let results = RESULTS.iter().find(|x| x.0 == r.0).map_or(0, |x| x.1.len());
            (r.0, r.1.len(), results)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pingan_domain::appeal::{CaseSummary, Rates};
    use pingan_domain::calendar::to_china;
    use pingan_domain::geometry::GridIndex;
    use std::collections::{BTreeMap, HashSet};

    const SEED: u64 = 371400;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(10, 30, 0).unwrap()
    }

    static CITY: LazyLock<CityRows> = LazyLock::new(|| crate::generate_city(SEED, Scale::Small));

    /// The small city's year, with the commands that made it.
    static HISTORY: LazyLock<(Vec<HistoricalCase>, Vec<Draft>)> = LazyLock::new(|| {
        let mut history = AppealHistory::new(&CITY, HistoryConfig::new(SEED, Scale::Small, now()));
        history.keep_commands = true;
        let mut cases = Vec::new();
        let mut drafts = Vec::new();
        for part in 0..history.parts() {
            let first = 1 + cases.len() as i64;
            cases.extend(history.part(part, first));
            drafts.extend(history.numbered(part, first));
        }
        (cases, drafts)
    });

    fn cases() -> &'static [HistoricalCase] {
        &HISTORY.0
    }

    fn snapshots() -> Vec<AppealSnapshot> {
        cases().iter().map(|c| AppealSnapshot::replay(&c.events).expect("every history replays")).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_year() {
        let config = HistoryConfig::new(SEED, Scale::Small, now());
        let history = AppealHistory::new(&CITY, config);
        assert_eq!(history.part(3, 1), history.part(3, 1));
        let other = AppealHistory::new(&CITY, HistoryConfig { seed: SEED + 1, ..config });
        assert_ne!(history.part(3, 1), other.part(3, 1));
        // Parts generated alone equal the same parts generated in sequence.
        let first_of_part_5: i64 = 1 + (0..5).map(|p| history.part(p, 1).len() as i64).sum::<i64>();
        let alone = history.part(5, first_of_part_5);
        let in_sequence: Vec<_> =
            cases().iter().filter(|c| c.id >= first_of_part_5).take(alone.len()).cloned().collect();
        assert_eq!(alone, in_sequence);
    }

    #[test]
    fn volume_follows_the_scale() {
        let n = cases().len() as f64;
        assert!((2_700.0..=3_300.0).contains(&n), "{n} cases at small scale");
        let full = crate::generate_city(SEED, Scale::Full);
        let planned = AppealHistory::new(&full, HistoryConfig::new(SEED, Scale::Full, now())).planned() as f64;
        // Plus 2.5% duplicates, minus the few planned after "now" on the last day.
        assert!((285_000.0..=300_000.0).contains(&planned), "{planned} planned at full scale");
    }

    #[test]
    fn every_history_is_what_the_rules_decide() {
        let (cal, policy) = (WorkCalendar::shipped(), TimeLimitPolicy::default());
        let drafts = &HISTORY.1;
        assert_eq!(drafts.len(), cases().len());
        for (d, c) in drafts.iter().zip(cases()) {
            assert_eq!(d.refusals, 0, "case {}: a step was refused after {:#?}", c.id, c.events.last());
            let (new, by) = d.intake.as_ref().expect("kept");
            let received = receive(new, by, c.events[0].at, &cal, &policy).unwrap();
            let mut snapshot = AppealSnapshot::start(&received).unwrap();
            let mut events = vec![received];
            for (at, cmd) in &d.commands {
                let more = decide(&snapshot, cmd, *at, &cal, &policy)
                    .unwrap_or_else(|e| panic!("case {}: {:?} refused: {}", c.id, cmd.kind(), e.en()));
                for e in &more {
                    snapshot.apply(e);
                }
                events.extend(more);
            }
            assert_eq!(events, c.events, "case {}", c.id);
            assert_eq!(AppealSnapshot::replay(&c.events).unwrap(), snapshot);
            assert!(c.events.windows(2).all(|w| w[0].at <= w[1].at), "case {}: events in time order", c.id);
            assert!(c.events.last().unwrap().at <= now(), "case {}: nothing after now", c.id);
        }
    }

    #[test]
    fn places_codes_and_merges_hold_together() {
        let index = GridIndex::new(
            CITY.regions
                .iter()
                .filter(|r| r.level == RegionLevel::Grid)
                .map(|r| (r.id, r.code.to_string(), r.polygon.clone().unwrap()))
                .collect(),
        );
        let mut codes = HashSet::new();
        let by_id: HashMap<i64, &HistoricalCase> = cases().iter().map(|c| (c.id, c)).collect();
        for (i, c) in cases().iter().enumerate() {
            assert_eq!(c.id, i as i64 + 1);
            assert_eq!(
                index.locate(c.lon.unwrap(), c.lat.unwrap()),
                Some(c.region_id),
                "case {} lies in its grid",
                c.id
            );
            let grid = CITY.regions.iter().find(|r| r.id == c.region_id).unwrap();
            assert_eq!(c.region_path, grid.path.as_str());
            assert!(c.region_path.contains(&format!("/{}/", c.township_id.unwrap())));
            assert!(c.region_path.contains(&format!("/{}/", c.county_id.unwrap())));
            let code = &c.tracking_code;
            assert_eq!(code.len(), 14, "{code}");
            assert_eq!(&code[..6], c.events[0].at.format("%y%m%d").to_string());
            assert!(code[6..].bytes().all(|b| b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b)), "{code}");
            assert!(codes.insert(code.clone()), "{code} twice");
            assert!(c.text.chars().count() >= 8 && !c.text.contains('{'), "{}", c.text);
            if let Some(phone) = &c.reporter_phone {
                assert!(pingan_domain::personal::Phone::parse(phone).is_ok(), "{phone}");
            }
            let s = AppealSnapshot::replay(&c.events).unwrap();
            if let Some(primary) = s.merged_into.or_else(|| {
                c.events.iter().find_map(|e| match e.kind {
                    EventKind::ClosedWithPrimary { primary_id, .. } => Some(primary_id),
                    _ => None,
                })
            }) {
                assert!(primary < c.id, "case {}: its primary {primary} comes first", c.id);
                let p = AppealSnapshot::replay(&by_id[&primary].events).unwrap();
                assert_eq!(p.category, s.category);
                assert_eq!(by_id[&primary].region_id, c.region_id);
            }
            assert_eq!(c.as_of_ms, from_china(now()));
            assert!(to_china(c.as_of_ms) >= c.events.last().unwrap().at);
        }
        // All seven channels but a missing one would be odd; the grid workers' patrols are there.
        let channels: HashSet<IntakeChannel> = snapshots().iter().map(|s| s.channel).collect();
        assert_eq!(channels.len(), 6, "{channels:?}");
    }

    #[test]
    fn the_state_mix_is_plausible() {
        let all = snapshots();
        let n = all.len() as f64;
        let share = |f: &dyn Fn(&AppealSnapshot) -> bool| all.iter().filter(|s| f(s)).count() as f64 / n;
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &all {
            *states.entry(s.state.as_str()).or_default() += 1;
        }
        // Old cases are finished; the last weeks' wait in every state.
        let month_ago = now() - TimeDelta::days(45);
        let old: Vec<_> = all.iter().filter(|s| s.received_at < month_ago).collect();
        let finished = old.iter().filter(|s| s.state == AppealState::Archived).count() as f64 / old.len() as f64;
        assert!(finished > 0.9, "{finished} of older cases archived: {states:?}");
        // (A small city has a few dozen open cases; rarer open states show at full scale.)
        for state in [
            AppealState::Dispatched,
            AppealState::InProgress,
            AppealState::Closed,
            AppealState::CalledBack,
            AppealState::Archived,
        ] {
            assert!(states.get(state.as_str()).is_some_and(|n| *n > 0), "no case {}: {states:?}", state.as_str());
        }
        // The minorities are there, and stay minorities.
        type Check<'a> = (&'a str, f64, f64, &'a dyn Fn(&AppealSnapshot) -> bool);
        let checks: [Check; 10] = [
            ("returned", 0.01, 0.1, &|s| s.return_count > 0),
            ("reassigned", 0.01, 0.1, &|s| s.reassign_count > 0),
            ("escalated", 0.002, 0.05, &|s| s.escalation_count > 0),
            ("extended", 0.01, 0.08, &|s| s.extended()),
            ("reopened", 0.01, 0.1, &|s| s.reopen_count > 0),
            ("reworked", 0.01, 0.1, &|s| s.rework_count > 0),
            ("merged", 0.005, 0.05, &|s| s.merged_into.is_some()),
            ("transferred", 0.005, 0.06, &|s| s.outside.is_some()),
            ("overdue", 0.03, 0.2, &|s| s.supervision.iter().any(|o| o.reason == SupervisionReason::Overdue)),
            ("urgent", 0.005, 0.06, &|s| s.urgency == Urgency::Urgent),
        ];
        for (name, lo, hi, f) in checks {
            let x = share(f);
            assert!((lo..=hi).contains(&x), "{name}: {x}");
        }
        let rates = Rates::of(&all.iter().map(|s| CaseSummary::of(s, now())).collect::<Vec<_>>());
        let rate = |r: pingan_domain::appeal::Ratio| r.value().unwrap_or(0.0);
        assert!(rate(rates.on_time) > 0.85 && rate(rates.on_time) < 0.99, "{rates:?}");
        assert!(rate(rates.satisfaction) > 0.88 && rate(rates.satisfaction) < 0.995, "{rates:?}");
        assert!(rate(rates.resolution) > 0.88, "{rates:?}");
        assert!(rate(rates.response) > 0.8, "{rates:?}");
        // Residents report through the mini-program most.
        let mini = share(&|s| s.channel == IntakeChannel::MiniProgram);
        assert!((0.4..0.75).contains(&mini), "{mini}");
    }

    #[test]
    fn volume_follows_the_seasons() {
        let all = snapshots();
        let count = |code: &str, months: &[u32]| {
            all.iter().filter(|s| s.category.as_str() == code && months.contains(&s.received_at.month())).count()
        };
        assert!(count("D04", &[12, 1]) > 5 * count("D04", &[6, 7]).max(1), "heating is a winter matter");
        assert!(count("B03", &[6, 7, 8]) > count("B03", &[12, 1, 2]), "noise is a summer matter");
        // Unpaid wages before the Spring Festival (2026-02-17).
        let festival = NaiveDate::from_ymd_opt(2026, 2, 15).unwrap();
        let wages = |from: NaiveDate, to: NaiveDate| {
            all.iter().filter(|s| s.category.as_str() == "A03" && (from..to).contains(&s.received_at.date())).count()
        };
        let before = wages(festival - TimeDelta::days(40), festival);
        let after = wages(festival + TimeDelta::days(30), festival + TimeDelta::days(70));
        assert!(before > 2 * after, "{before} before the festival, {after} after");
        let weekdays = all.iter().filter(|s| s.received_at.weekday() == Weekday::Tue).count();
        let sundays = all.iter().filter(|s| s.received_at.weekday() == Weekday::Sun).count();
        assert!(weekdays > sundays, "{weekdays} on Tuesdays, {sundays} on Sundays");
    }

    #[test]
    fn every_category_has_words() {
        let table = CategoryTable::default();
        let codes: Vec<_> = texts::codes().collect();
        assert_eq!(codes.len(), table.len());
        for ((code, reports, results), category) in codes.iter().zip(table.iter()) {
            assert_eq!(*code, category.code.as_str());
            assert!(*reports >= 5 && *results >= 2, "{code}");
        }
        assert_eq!(PROFILE.len(), table.len());
        assert!(PROFILE.iter().zip(table.iter()).all(|(p, c)| p.0 == c.code.as_str()));
    }

    /// `cargo test --release -p pingan-sim full_scale_year -- --ignored --nocapture`
    #[test]
    #[ignore = "generates the full city's year: run in release"]
    fn full_scale_year() {
        let full = crate::generate_city(SEED, Scale::Full);
        let started = std::time::Instant::now();
        let history = AppealHistory::new(&full, HistoryConfig::new(SEED, Scale::Full, now()));
        let (mut n, mut events, mut open) = (0usize, 0usize, BTreeMap::<&str, usize>::new());
        for part in 0..history.parts() {
            for c in history.part(part, 1 + n as i64) {
                n += 1;
                events += c.events.len();
                let s = AppealSnapshot::replay(&c.events).unwrap();
                *open.entry(s.state.as_str()).or_default() += 1;
            }
        }
        eprintln!("{n} cases, {events} events in {:.1} s: {open:?}", started.elapsed().as_secs_f64());
        assert!((285_000..=315_000).contains(&n), "{n}");
        // Intake dispatches every case whose unit exists, and in the generated city every one
        // does: nothing waits in 已受理.
        for state in AppealState::ALL.iter().filter(|s| **s != AppealState::Received) {
            assert!(open.contains_key(state.as_str()), "no case {}", state.as_str());
        }
    }

    #[test]
    fn tracking_codes_never_repeat() {
        let mut seen = HashSet::new();
        let at = now();
        for id in 1..200_000 {
            assert!(seen.insert(tracking_code(at, id, 12345)));
        }
    }
}
