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
use crate::partition::{partition, pick_spread};
use pingan_domain::region::TownshipKind;
use rand::Rng;

/// Streets (街道) are urban and smaller in area than towns: their share of the county's cells.
const STREET_AREA_WEIGHT: f64 = 0.6;
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
    /// A community (社區(qū), residents' committee) rather than a village (村).
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

impl Scale {
    /// Lattice columns and rows: one cell per grid. Full: 110 × 118 = 12,980 cells of
    /// about 1.5 × 1.5 km; Small: 16 × 18 = 288 cells.
    pub(crate) fn lattice_size(self) -> (usize, usize) {
        match self {
            Scale::Full => (110, 118),
            Scale::Small => (16, 18),
        }
    }

    /// How many of a county's townships exist at this scale. Small keeps the seat
    /// street everywhere and the first town in the larger counties.
    fn township_count(self, county: &County) -> usize {
        match self {
            Scale::Full => county.townships.len(),
            Scale::Small if county.townships.len() >= 12 => 2,
            Scale::Small => 1,
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

pub(crate) fn kind_of(township: &str) -> TownshipKind {
    if township.ends_with("街道") {
        TownshipKind::Street
    } else if township.ends_with("鄉(xiāng)") {
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
    let d = |i: usize| (points[i][0] - points[from][0]).powi(2) + (points[i][1] - points[from][1]).powi(2);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| d(a).total_cmp(&d(b)).then(a.cmp(&b)));
    order
}

pub(crate) fn plan(scale: Scale, lattice: Lattice, rng: &mut impl Rng, name_rng: &mut impl Rng) -> Plan {
    let seats: Vec<usize> = COUNTIES.iter().map(|c| lattice.cell_at(c.seat)).collect();
    let total_area: f64 = COUNTIES.iter().map(|c| c.area_km2).sum();
    let targets: Vec<f64> = COUNTIES.iter().map(|c| c.area_km2 / total_area * lattice.len() as f64).collect();
    let all_cells: Vec<usize> = (0..lattice.len()).collect();
    let county_cells = group(&partition(&lattice, &all_cells, &seats, &targets), COUNTIES.len());

    let mut plan = Plan { lattice, townships: Vec::new(), villages: Vec::new(), grids: Vec::new() };
    for (ci, county) in COUNTIES.iter().enumerate() {
        let cells = &county_cells[ci];
        let points: Vec<[f64; 2]> = cells.iter().map(|&c| plan.lattice.center_km(c)).collect();
        let names = &county.townships[..scale.township_count(county)];
        let streets = names.iter().filter(|n| kind_of(n) == TownshipKind::Street).count();

        // The first street is the county seat's; the other streets crowd around it,
        // the towns spread over the rest of the county.
        let seat = cells.binary_search(&seats[ci]).expect("a part always keeps its seed cell");
        let mut seeds = vec![seat];
        let near_seat = nearest_first(&points, seat);
        let street_pool = &near_seat[..(streets * STREET_SEED_POOL_PER_STREET).min(points.len())];
        pick_spread(rng, &points, street_pool, &mut seeds, streets.saturating_sub(1));
        let everywhere: Vec<usize> = (0..points.len()).collect();
        let towns = names.len() - seeds.len();
        pick_spread(rng, &points, &everywhere, &mut seeds, towns);

        let weights: Vec<f64> =
            names.iter().map(|n| if kind_of(n) == TownshipKind::Street { STREET_AREA_WEIGHT } else { 1.0 }).collect();
        let scale_to_cells = cells.len() as f64 / weights.iter().sum::<f64>();
        let targets: Vec<f64> = weights.iter().map(|w| w * scale_to_cells).collect();
        let parts = group(&partition(&plan.lattice, cells, &seeds, &targets), names.len());

        let mut namer = PlaceNamer::new(names.iter().copied());
        let mut numbers = [0_u32; 3];
        for (ti, name) in names.iter().enumerate() {
            let kind = kind_of(name);
            // 001–099 streets, 100–199 towns, 200–399 townships (DOMAIN §2).
            let (slot, base) = match kind {
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
            let seat = cells[seeds[ti]];
            plan_villages(&mut plan, scale, &township, kind, &township_cells, seat, rng, name_rng, &mut namer);
            plan.townships.push(township);
        }
    }
    plan
}

/// Cut a township's cells into communities and villages, and those into grids.
#[allow(clippy::too_many_arguments)] // one private step of `plan`, sharing its state
fn plan_villages(
    plan: &mut Plan,
    scale: Scale,
    township: &TownshipPlan,
    kind: TownshipKind,
    cells: &[usize],
    seat: usize,
    rng: &mut impl Rng,
    name_rng: &mut impl Rng,
    namer: &mut PlaceNamer,
) {
    let township_index = plan.townships.len();
    let n = cells.len();
    let (community_cells, village_cells) = scale.cells_per_village();
    // Share of the township that is built-up: streets are mostly communities, towns
    // have a community or two around the seat, 鄉(xiāng) are almost all villages.
    let urban_share = match kind {
        TownshipKind::Street => 0.75,
        TownshipKind::Town => 0.08,
        TownshipKind::Township => 0.04,
    };
    // Every township has at least its seat community; codes allow 199 communities
    // (001–199) and 200 villages (200–399), and each needs a cell of its own.
    let communities = ((n as f64 * urban_share / community_cells).round() as usize).clamp(1, 199).min(n);
    let villages = ((n as f64 * (1.0 - urban_share) / village_cells).round() as usize).min(200).min(n - communities);

    let points: Vec<[f64; 2]> = cells.iter().map(|&c| plan.lattice.center_km(c)).collect();
    let seat = cells.binary_search(&seat).expect("a part always keeps its seed cell");
    let mut seeds = vec![seat];
    let near_seat = nearest_first(&points, seat);
    let pool = ((communities as f64 * community_cells * 1.5).ceil() as usize).clamp(communities, n);
    pick_spread(rng, &points, &near_seat[..pool], &mut seeds, communities - 1);
    let everywhere: Vec<usize> = (0..n).collect();
    pick_spread(rng, &points, &everywhere, &mut seeds, villages);

    let weights: Vec<f64> =
        (0..seeds.len()).map(|i| if i < communities { community_cells } else { village_cells }).collect();
    let scale_to_cells = n as f64 / weights.iter().sum::<f64>();
    let targets: Vec<f64> = weights.iter().map(|w| w * scale_to_cells).collect();
    let parts = group(&partition(&plan.lattice, cells, &seeds, &targets), seeds.len());

    // Number communities and villages north to south, west to east by their
    // north-westernmost cell (cells are numbered row-major from the north-west).
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&p| (p >= communities, parts[p][0]));
    let prefix = &township.code[..9];
    let township_stem = stem(&township.name);
    let mut number_in_kind = 0;
    for (position, &part) in order.iter().enumerate() {
        let community = part < communities;
        number_in_kind = if position == communities { 1 } else { number_in_kind + 1 };
        let (code, name) = if community {
            // The seat community carries the township's name (新湖社區(qū), 二屯社區(qū)).
            let preferred = (part == 0).then_some(township_stem);
            (format!("{prefix}{number_in_kind:03}"), namer.community(name_rng, preferred))
        } else {
            (format!("{prefix}{:03}", 199 + number_in_kind), namer.village(name_rng))
        };
        let village_index = plan.villages.len();
        plan.villages.push(VillagePlan { township: township_index, name, code, community });
        // Grids are numbered west→east along a row of cells, rows north→south: the
        // row-major order of the cells, in which each part's indices already are.
        for (g, &local) in parts[part].iter().enumerate() {
            plan.grids.push(GridPlan { village: village_index, cell: cells[local], number: g + 1 });
        }
    }
}
