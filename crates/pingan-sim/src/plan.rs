//! The city's hierarchy before it becomes rows: which lattice cells make up each
//! county, township, village and grid, and their names and codes.
//!
//! Counties are cut from the whole lattice around their real seats, sized by
//! their real areas; townships from their county around seeds spread over it
//! (streets near the county seat); villages and communities from their township
//! (communities near the township seat). Each grid is one cell. Because every
//! level is a union of cells of its parent, the tiling is hierarchical.

use crate::Scale;
use crate::lattice::Lattice;
use crate::names::{COUNTIES, County, PlaceNamer, stem};
use crate::partition::{Partition, TIE, dist2, partition, pick_spread};
use pingan_domain::region::TownshipKind;
use rand::Rng;

/// Streets (街道) are urban and smaller in area than towns: their share of the county's cells.
const STREET_AREA_WEIGHT: f64 = 0.6;
/// 德城区, the city's core district, stays at its real place while the other
/// counties settle around it and fill the corners of the rectangular extent.
const CORE_DISTRICT_TIE: f64 = 0.9;
/// Streets pick their seeds among this many cells per street nearest the county seat.
const STREET_SEED_POOL_PER_STREET: usize = 8;

pub(crate) struct TownshipPlan {
    pub(crate) county: usize,
    pub(crate) name: String,
    pub(crate) code: String,
}

pub(crate) struct VillagePlan {
    pub(crate) township: usize,
    pub(crate) name: String,
    pub(crate) code: String,
    /// A community (社区, residents' committee) rather than a village (村).
    pub(crate) community: bool,
}

pub(crate) struct GridPlan {
    pub(crate) village: usize,
    pub(crate) cell: usize,
    /// 1-based number within the village.
    pub(crate) number: usize,
}

/// Everything below the counties, each list in code order.
pub(crate) struct Plan {
    pub(crate) lattice: Lattice,
    pub(crate) townships: Vec<TownshipPlan>,
    pub(crate) villages: Vec<VillagePlan>,
    pub(crate) grids: Vec<GridPlan>,
}

impl Plan {
    /// A grid's 15-digit code: its village's code and its number.
    pub(crate) fn grid_code(&self, grid: &GridPlan) -> String {
        format!("{}{:03}", self.villages[grid.village].code, grid.number)
    }
}

impl Scale {
    /// Lattice columns and rows: one cell per grid. Full: 110 × 118 = 12,980 cells of
    /// about 1.5 × 1.5 km; Small: 16 × 18 = 288 cells.
    pub(crate) fn lattice_size(self) -> (usize, usize) {
        match self {
            Scale::Full => (110, 118),
            Scale::Small => (16, 18),
        }
    }

    /// A county's townships at this scale, in code order. Small keeps the seat
    /// street everywhere and the first town in the larger counties.
    fn townships(self, county: &County) -> Vec<&'static str> {
        let all = county.townships.iter().copied();
        match self {
            Scale::Full => all.collect(),
            Scale::Small => {
                let first_town = all.clone().find(|&t| kind_of(t) != TownshipKind::Street);
                let wanted = if county.townships.len() >= 12 { first_town } else { None };
                all.take(1).chain(wanted).collect()
            }
        }
    }

    /// Average number of grids (cells) of a community and of a village. Full:
    /// ≈2.6 grids per village overall; Small: ≈4 villages per township.
    fn cells_per_village(self) -> (f64, f64) {
        match self {
            Scale::Full => (4.0, 2.3),
            Scale::Small => (5.0, 3.5),
        }
    }
}

fn kind_of(township: &str) -> TownshipKind {
    if township.ends_with("街道") {
        TownshipKind::Street
    } else if township.ends_with("乡") {
        TownshipKind::Township
    } else {
        TownshipKind::Town
    }
}

/// Indices `0..owner.len()` grouped by owner, each group ascending.
fn group(owner: &[usize], parts: usize) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); parts];
    for (i, &o) in owner.iter().enumerate() {
        groups[o].push(i);
    }
    groups
}

/// Local indices of `points` ordered by distance from `points[from]` (ties by index).
fn nearest_first(points: &[[f64; 2]], from: usize) -> Vec<usize> {
    let d = |i: usize| dist2(points[i], points[from]);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| d(a).total_cmp(&d(b)).then(a.cmp(&b)));
    order
}

pub(crate) fn plan<R: Rng>(scale: Scale, lattice: Lattice, rng: &mut R, name_rng: &mut R) -> Plan {
    let seats: Vec<usize> = COUNTIES.iter().map(|c| lattice.cell_at(c.seat)).collect();
    // Counties are sized by their real areas; at small scale, by the area of the
    // townships they keep, so that townships come out about equally large.
    let weights: Vec<f64> =
        COUNTIES.iter().map(|c| c.area_km2 * scale.townships(c).len() as f64 / c.townships.len() as f64).collect();
    let total: f64 = weights.iter().sum();
    let targets: Vec<f64> = weights.iter().map(|w| w / total * lattice.len() as f64).collect();
    let ties: Vec<f64> = (0..COUNTIES.len()).map(|i| if i == 0 { CORE_DISTRICT_TIE } else { TIE }).collect();
    let all_cells: Vec<usize> = (0..lattice.len()).collect();
    let county_cells = group(&partition(&lattice, &all_cells, &seats, &targets, &ties).owner, COUNTIES.len());

    let plan = Plan { lattice, townships: Vec::new(), villages: Vec::new(), grids: Vec::new() };
    let mut planner = Planner { scale, plan, rng, name_rng };
    for (county, (cells, seat)) in county_cells.iter().zip(seats).enumerate() {
        planner.county(county, cells, seat);
    }
    planner.plan
}

/// The plan so far and the random streams that extend it.
struct Planner<'r, R> {
    scale: Scale,
    plan: Plan,
    rng: &'r mut R,
    name_rng: &'r mut R,
}

impl<R: Rng> Planner<'_, R> {
    /// Cut county `ci`'s cells into townships; `seat` is the cell of its real seat.
    fn county(&mut self, ci: usize, cells: &[usize], seat: usize) {
        let county = &COUNTIES[ci];
        let points: Vec<[f64; 2]> = cells.iter().map(|&c| self.plan.lattice.center_km(c)).collect();
        let names = self.scale.townships(county);
        let streets = names.iter().filter(|n| kind_of(n) == TownshipKind::Street).count();

        // The first street is the county seat's; the other streets crowd around it,
        // the towns spread over the rest of the county. County borders move while
        // they settle and need not keep the real seat inside; then the seat street
        // starts from the county's cell nearest to it.
        let real_seat = self.plan.lattice.center_km(seat);
        let seat = (0..points.len())
            .min_by(|&a, &b| dist2(points[a], real_seat).total_cmp(&dist2(points[b], real_seat)))
            .expect("every county holds cells");
        let mut seeds = vec![seat];
        let near_seat = nearest_first(&points, seat);
        let street_pool = &near_seat[..(streets * STREET_SEED_POOL_PER_STREET).min(points.len())];
        pick_spread(self.rng, &points, street_pool, &mut seeds, streets.saturating_sub(1));
        let everywhere: Vec<usize> = (0..points.len()).collect();
        let towns = names.len() - seeds.len();
        pick_spread(self.rng, &points, &everywhere, &mut seeds, towns);

        let weights: Vec<f64> =
            names.iter().map(|n| if kind_of(n) == TownshipKind::Street { STREET_AREA_WEIGHT } else { 1.0 }).collect();
        let scale_to_cells = cells.len() as f64 / weights.iter().sum::<f64>();
        let targets: Vec<f64> = weights.iter().map(|w| w * scale_to_cells).collect();
        let ties = vec![TIE; seeds.len()];
        let Partition { owner, centres } = partition(&self.plan.lattice, cells, &seeds, &targets, &ties);
        let parts = group(&owner, names.len());

        let mut namer = PlaceNamer::new(county.townships.iter().copied());
        let mut numbers = [0_u32; 3];
        for (ti, name) in names.iter().enumerate() {
            // 001–099 streets, 100–199 towns, 200–399 townships (DOMAIN §2).
            let (slot, base) = match kind_of(name) {
                TownshipKind::Street => (0, 0),
                TownshipKind::Town => (1, 99),
                TownshipKind::Township => (2, 199),
            };
            numbers[slot] += 1;
            let township = TownshipPlan {
                county: ci,
                name: (*name).to_owned(),
                code: format!("{}{:03}000", county.code, base + numbers[slot]),
            };
            let township_cells: Vec<usize> = parts[ti].iter().map(|&i| cells[i]).collect();
            self.township(township, &township_cells, cells[centres[ti]], &mut namer);
        }
    }

    /// Cut a township's cells into communities and villages, and those into grids;
    /// `seat` is the township's central cell, `namer` the county's.
    fn township(&mut self, township: TownshipPlan, cells: &[usize], seat: usize, namer: &mut PlaceNamer) {
        let township_index = self.plan.townships.len();
        let n = cells.len();
        let (community_cells, village_cells) = self.scale.cells_per_village();
        // Share of the township that is built-up: streets are mostly communities, towns
        // have a community or two around the seat, 乡 are almost all villages.
        let urban_share = match kind_of(&township.name) {
            TownshipKind::Street => 0.75,
            TownshipKind::Town => 0.08,
            TownshipKind::Township => 0.04,
        };
        // Every township has at least its seat community; codes allow 199 communities
        // (001–199) and 200 villages (200–399), and each needs a cell of its own.
        let communities = ((n as f64 * urban_share / community_cells).round() as usize).clamp(1, 199).min(n);
        let villages =
            ((n as f64 * (1.0 - urban_share) / village_cells).round() as usize).min(200).min(n - communities);

        // The seat community grows from the township's centre, the other communities
        // near it, the villages all over.
        let points: Vec<[f64; 2]> = cells.iter().map(|&c| self.plan.lattice.center_km(c)).collect();
        let seat = cells.binary_search(&seat).expect("a part holds its centre");
        let mut seeds = vec![seat];
        let near_seat = nearest_first(&points, seat);
        let pool = ((communities as f64 * community_cells * 1.5).ceil() as usize).clamp(communities, n);
        pick_spread(self.rng, &points, &near_seat[..pool], &mut seeds, communities - 1);
        let everywhere: Vec<usize> = (0..n).collect();
        pick_spread(self.rng, &points, &everywhere, &mut seeds, villages);

        let weights: Vec<f64> =
            (0..seeds.len()).map(|i| if i < communities { community_cells } else { village_cells }).collect();
        let scale_to_cells = n as f64 / weights.iter().sum::<f64>();
        let targets: Vec<f64> = weights.iter().map(|w| w * scale_to_cells).collect();
        let ties = vec![TIE; seeds.len()];
        let parts = group(&partition(&self.plan.lattice, cells, &seeds, &targets, &ties).owner, seeds.len());

        // Number communities and villages north to south, west to east by their
        // north-westernmost cell (cells are numbered row-major from the north-west).
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|&p| (p >= communities, parts[p][0]));
        let prefix = &township.code[..9];
        let mut number_in_kind = 0;
        for (position, &part) in order.iter().enumerate() {
            let community = part < communities;
            number_in_kind = if position == communities { 1 } else { number_in_kind + 1 };
            let (code, name) = if community {
                // The seat community carries the township's name (新湖社区, 二屯社区).
                let preferred = (part == 0).then(|| stem(&township.name));
                (format!("{prefix}{number_in_kind:03}"), namer.community(self.name_rng, preferred))
            } else {
                (format!("{prefix}{:03}", 199 + number_in_kind), namer.village(self.name_rng))
            };
            let village_index = self.plan.villages.len();
            self.plan.villages.push(VillagePlan { township: township_index, name, code, community });
            // Grids are numbered west→east along a row of cells, rows north→south: the
            // row-major order of the cells, in which each part's indices already are.
            for (g, &local) in parts[part].iter().enumerate() {
                self.plan.grids.push(GridPlan { village: village_index, cell: cells[local], number: g + 1 });
            }
        }
        self.plan.townships.push(township);
    }
}
