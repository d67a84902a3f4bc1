//! Splitting a region's lattice cells into compact, connected parts of chosen sizes.
//!
//! Each level of the hierarchy (counties of the city, townships of a county,
//! villages of a township) is cut from its parent's cells the same way: place one
//! seed per part, then let all parts grow from their seeds at once, each at its
//! own speed, claiming unclaimed cells that share an edge with cells they already
//! hold (crystal growth). A cell's arrival time is its straight-line distance from
//! the seed divided by the part's speed, so boundaries are smooth arcs like those
//! of a weighted Voronoi diagram. Growing only through shared edges keeps every
//! part connected, even inside a concave parent, and a part can never lose its
//! own seed; repeating the growth with adjusted speeds brings each part close to
//! its target size.

use crate::lattice::Lattice;
use rand::Rng;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Growth rounds at most; sizes usually settle within a couple of dozen.
const MAX_ROUNDS: usize = 60;
/// Stop adjusting once every part is within this share of its target (or one cell).
const TOLERANCE: f64 = 0.05;
/// Candidates drawn per seed in best-candidate sampling; more spreads seeds more evenly.
const SEED_CANDIDATES: usize = 8;

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// A cell's arrival time for one part, ordered for the growth queue (earliest
/// first; ties by part, then cell, so the result never depends on heap internals).
#[derive(PartialEq)]
struct Arrival {
    time: f64,
    part: usize,
    cell: usize,
}

impl Eq for Arrival {}

impl Ord for Arrival {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time.total_cmp(&other.time).then(self.part.cmp(&other.part)).then(self.cell.cmp(&other.cell))
    }
}

impl PartialOrd for Arrival {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Split `cells` (lattice cell ids of one edge-connected region) into parts grown
/// from `seeds` (distinct indices into `cells`), aiming at `targets[i]` cells for
/// part `i`. Returns each cell's part, by position in `cells`.
pub(crate) fn partition(lattice: &Lattice, cells: &[usize], seeds: &[usize], targets: &[f64]) -> Vec<usize> {
    debug_assert_eq!(seeds.len(), targets.len());
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

    let mut speeds = vec![1.0_f64; seeds.len()];
    // Per-part step gain, halved whenever the part overshoots its target so that
    // close neighbours do not see-saw around their targets.
    let mut gains = vec![1.0_f64; seeds.len()];
    let mut last_errors = vec![0.0_f64; seeds.len()];
    let mut best: (f64, Vec<usize>) = (f64::INFINITY, Vec::new());
    let mut owner = vec![UNCLAIMED; cells.len()];
    let mut sizes = vec![0_usize; seeds.len()];
    let mut queue = BinaryHeap::with_capacity(cells.len() * 2);
    for _ in 0..MAX_ROUNDS {
        owner.fill(UNCLAIMED);
        sizes.fill(0);
        queue.clear();
        for (part, &seed) in seeds.iter().enumerate() {
            queue.push(Reverse(Arrival { time: 0.0, part, cell: seed }));
        }
        while let Some(Reverse(Arrival { part, cell, .. })) = queue.pop() {
            if owner[cell] != UNCLAIMED {
                continue;
            }
            owner[cell] = part;
            sizes[part] += 1;
            let seed = points[seeds[part]];
            for &n in &neighbours[cell] {
                if owner[n] == UNCLAIMED {
                    let time = dist2(points[n], seed).sqrt() / speeds[part];
                    queue.push(Reverse(Arrival { time, part, cell: n }));
                }
            }
        }
        debug_assert!(owner.iter().all(|&o| o != UNCLAIMED), "the region is edge-connected");

        let miss: f64 = sizes.iter().zip(targets).map(|(&s, &t)| (s as f64 - t).abs()).sum();
        if miss < best.0 {
            best = (miss, owner.clone());
        }
        if sizes.iter().zip(targets).all(|(&s, &t)| (s as f64 - t).abs() <= (TOLERANCE * t).max(1.0)) {
            break;
        }
        // A part's area grows with the square of its speed.
        for (part, speed) in speeds.iter_mut().enumerate() {
            let error = targets[part] - sizes[part] as f64;
            gains[part] =
                if error * last_errors[part] < 0.0 { gains[part] * 0.5 } else { (gains[part] * 1.2).min(1.0) };
            last_errors[part] = error;
            *speed *= (targets[part] / sizes[part] as f64).powf(0.5 * gains[part]);
        }
    }
    best.1
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
    fn parts_reach_their_targets_and_keep_their_seeds() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let lattice = Lattice::new(40, 40, &mut rng);
        let cells: Vec<usize> = (0..lattice.len()).collect();
        let points: Vec<[f64; 2]> = cells.iter().map(|&c| lattice.center_km(c)).collect();
        let mut seeds = Vec::new();
        pick_spread(&mut rng, &points, &cells, &mut seeds, 5);
        let targets = [100.0, 200.0, 300.0, 400.0, 600.0];
        let owner = partition(&lattice, &cells, &seeds, &targets);
        for (part, (&seed, &target)) in seeds.iter().zip(&targets).enumerate() {
            assert_eq!(owner[seed], part);
            let size = owner.iter().filter(|&&o| o == part).count() as f64;
            assert!((size - target).abs() <= 0.15 * target, "part {part}: {size} cells for a target of {target}");
        }
    }
}
