//! Splitting a region's lattice cells into compact, connected parts of chosen sizes.
//!
//! Each level of the hierarchy (counties of the city, townships of a county,
//! villages of a township) is cut from its parent's cells the same way: one seed
//! per part, then all parts grow from their seeds at once, claiming unclaimed
//! cells that share an edge with cells they already hold, the cell with the
//! smallest *power distance* `|cell − site|² − w` first. With equal weights that
//! is the nearest-site (Voronoi) rule, with straight borders. Growing only
//! through shared edges keeps every part connected, even inside a concave parent.
//!
//! The growth is repeated for a number of rounds. Each round raises the weights
//! of parts below their target size and lowers the others', and moves each
//! site part of the way towards the centre of its part (Lloyd's method), so that
//! parts come out compact and near their sizes even where seeds are bunched or
//! sit near the region's edge (without it, a county next to an empty corner of
//! the city's extent would take the whole corner). Sites stay tied to their
//! original seeds so that parts stay roughly where they were placed.

use crate::lattice::Lattice;
use rand::Rng;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::f64::consts::PI;

/// Growth rounds at most; sizes usually settle within a couple of dozen.
const MAX_ROUNDS: usize = 80;
/// Rounds to run before accepting a result, so that the sites have moved into their parts.
const RELAX_ROUNDS: usize = 30;
/// How strongly a site usually stays tied to its original seed
/// (0: drifts freely to its part's centre, 1: never moves).
pub(crate) const TIE: f64 = 0.35;
/// Stop adjusting once every part is within this share of its target (or one cell).
const TOLERANCE: f64 = 0.05;
/// Candidates drawn per seed in best-candidate sampling; more spreads seeds more evenly.
const SEED_CANDIDATES: usize = 8;

/// Squared distance between two planar points.
pub(crate) fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// A cell's claim by one part, ordered for the growth queue (smallest power
/// distance first; ties by part, then cell, so the result never depends on heap internals).
#[derive(PartialEq)]
struct Claim {
    distance: f64,
    part: usize,
    cell: usize,
}

impl Eq for Claim {}

impl Ord for Claim {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance.total_cmp(&other.distance).then(self.part.cmp(&other.part)).then(self.cell.cmp(&other.cell))
    }
}

impl PartialOrd for Claim {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The result of [`partition`].
pub(crate) struct Partition {
    /// Each cell's part, by position in the cells given.
    pub(crate) owner: Vec<usize>,
    /// The cell each part grew from, near its middle, by position in the cells given.
    pub(crate) centres: Vec<usize>,
}

/// Split `cells` (lattice cell ids of one edge-connected region) into connected
/// parts grown from `seeds` (distinct indices into `cells`), aiming at
/// `targets[i]` cells for part `i`, its site tied to its seed with strength
/// `ties[i]` (see [`TIE`]).
pub(crate) fn partition(
    lattice: &Lattice,
    cells: &[usize],
    seeds: &[usize],
    targets: &[f64],
    ties: &[f64],
) -> Partition {
    debug_assert!(seeds.len() == targets.len() && seeds.len() == ties.len());
    const UNCLAIMED: usize = usize::MAX;
    let mut local = vec![UNCLAIMED; lattice.len()];
    for (i, &c) in cells.iter().enumerate() {
        local[c] = i;
    }
    let points: Vec<[f64; 2]> = cells.iter().map(|&c| lattice.center_km(c)).collect();
    let neighbours: Vec<Vec<usize>> = cells
        .iter()
        .map(|&c| lattice.edge_neighbours(c).map(|n| local[n]).filter(|&n| n != UNCLAIMED).collect())
        .collect();

    let anchors: Vec<[f64; 2]> = seeds.iter().map(|&s| points[s]).collect();
    let mut sites = anchors.clone();
    let mut seeds = seeds.to_vec();
    let mut weights = vec![0.0_f64; seeds.len()];
    // Per-part step gain, halved whenever the part overshoots its target so that
    // close neighbours do not see-saw around their targets.
    let mut gains = vec![0.5_f64; seeds.len()];
    let mut last_errors = vec![0.0_f64; seeds.len()];
    let mut best: Option<(f64, Partition)> = None;
    let mut owner = vec![UNCLAIMED; cells.len()];
    let mut sizes = vec![0_usize; seeds.len()];
    let mut queue = BinaryHeap::with_capacity(cells.len() * 2);
    for round in 0..MAX_ROUNDS {
        owner.fill(UNCLAIMED);
        sizes.fill(0);
        queue.clear();
        for (part, &seed) in seeds.iter().enumerate() {
            queue.push(Reverse(Claim { distance: f64::NEG_INFINITY, part, cell: seed }));
        }
        while let Some(Reverse(Claim { part, cell, .. })) = queue.pop() {
            if owner[cell] != UNCLAIMED {
                continue;
            }
            owner[cell] = part;
            sizes[part] += 1;
            for &n in &neighbours[cell] {
                if owner[n] == UNCLAIMED {
                    let distance = dist2(points[n], sites[part]) - weights[part];
                    queue.push(Reverse(Claim { distance, part, cell: n }));
                }
            }
        }
        debug_assert!(owner.iter().all(|&o| o != UNCLAIMED), "the region is edge-connected");

        if round >= RELAX_ROUNDS {
            let miss: f64 = sizes.iter().zip(targets).map(|(&s, &t)| (s as f64 - t).abs()).sum();
            if best.as_ref().is_none_or(|b| miss < b.0) {
                best = Some((miss, Partition { owner: owner.clone(), centres: seeds.clone() }));
            }
            if sizes.iter().zip(targets).all(|(&s, &t)| (s as f64 - t).abs() <= (TOLERANCE * t).max(1.0)) {
                break;
            }
        }
        // Raising a weight by δ moves the part's border outwards by about δ / (2·D),
        // D being the distance to the neighbouring site (≈ the part's diameter), which
        // grows its area by ≈ π·δ / 2: the full step to close a gap ΔA is 2·ΔA / π.
        for (part, w) in weights.iter_mut().enumerate() {
            let error = targets[part] - sizes[part] as f64;
            gains[part] =
                if error * last_errors[part] < 0.0 { gains[part] * 0.5 } else { (gains[part] * 1.2).min(1.0) };
            last_errors[part] = error;
            *w += gains[part] * 2.0 * error * lattice.cell_area_km2() / PI;
        }
        // Lloyd's step, tied to the original seed.
        let mut sums = vec![[0.0_f64; 2]; seeds.len()];
        for (p, &o) in points.iter().zip(&owner) {
            sums[o][0] += p[0];
            sums[o][1] += p[1];
        }
        for (part, (sum, &n)) in sums.iter().zip(&sizes).enumerate() {
            // Half-way to the goal each round: whole steps make sites jump about.
            let goal = |k: usize| ties[part] * anchors[part][k] + (1.0 - ties[part]) * sum[k] / n as f64;
            sites[part] = [0.5 * (sites[part][0] + goal(0)), 0.5 * (sites[part][1] + goal(1))];
            // Grow from the part's own cell nearest the site: parts are disjoint, so
            // seeds stay distinct.
            seeds[part] = (0..points.len())
                .filter(|&c| owner[c] == part)
                .min_by(|&a, &b| dist2(points[a], sites[part]).total_cmp(&dist2(points[b], sites[part])))
                .expect("a part holds at least its seed");
        }
    }
    best.expect("MAX_ROUNDS > RELAX_ROUNDS").1
}

/// Pick `n` more seeds from `pool` (indices into `points`), each as far as
/// possible from those already in `chosen` (best of a few random candidates,
/// Mitchell's algorithm), and append them to `chosen`.
///
/// The pool must hold at least `n` points not yet chosen.
pub(crate) fn pick_spread(rng: &mut impl Rng, points: &[[f64; 2]], pool: &[usize], chosen: &mut Vec<usize>, n: usize) {
    let mut available: Vec<usize> = pool.iter().copied().filter(|p| !chosen.contains(p)).collect();
    assert!(available.len() >= n, "seed pool of {} for {n} seeds", available.len());
    for _ in 0..n {
        let mut best = (f64::NEG_INFINITY, 0);
        for _ in 0..SEED_CANDIDATES {
            let at = rng.gen_range(0..available.len());
            let gap = chosen.iter().map(|&c| dist2(points[c], points[available[at]])).fold(f64::INFINITY, f64::min);
            if gap > best.0 {
                best = (gap, at);
            }
        }
        chosen.push(available.swap_remove(best.1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn parts_are_connected_and_near_their_targets() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let lattice = Lattice::new(40, 40, &mut rng);
        let cells: Vec<usize> = (0..lattice.len()).collect();
        let points: Vec<[f64; 2]> = cells.iter().map(|&c| lattice.center_km(c)).collect();
        let mut seeds = Vec::new();
        pick_spread(&mut rng, &points, &cells, &mut seeds, 5);
        let targets = [100.0, 200.0, 300.0, 400.0, 600.0];
        let Partition { owner, centres } = partition(&lattice, &cells, &seeds, &targets, &[TIE; 5]);
        for (part, (&centre, &target)) in centres.iter().zip(&targets).enumerate() {
            assert_eq!(owner[centre], part);
            let size = owner.iter().filter(|&&o| o == part).count();
            assert!((size as f64 - target).abs() <= 0.1 * target, "part {part}: {size} cells for a target of {target}");
            // Connected: a walk over shared edges from the centre reaches all the part's cells.
            let mut seen = vec![false; cells.len()];
            let mut stack = vec![centre];
            seen[centre] = true;
            let mut reached = 0;
            while let Some(c) = stack.pop() {
                reached += 1;
                for n in lattice.edge_neighbours(c) {
                    if owner[n] == part && !seen[n] {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
            assert_eq!(reached, size, "part {part} is in one piece");
        }
    }
}
