//! Splitting a set of lattice cells into compact parts of chosen sizes.
//!
//! Each level of the hierarchy (counties of the city, townships of a county,
//! villages of a township) is cut from its parent's cells the same way: place one
//! seed per part, then give every cell to the seed with the smallest *power
//! distance* `|cell − seed|² − w`. With equal weights that is the plain
//! nearest-seed (Voronoi) rule; adjusting the weights grows or shrinks each part
//! towards its target size while keeping parts convex in the plane, hence compact
//! and (almost always) contiguous on the lattice.

use rand::Rng;
use std::f64::consts::PI;

/// Weight adjustment rounds at most; sizes usually settle within a few dozen.
const MAX_ROUNDS: usize = 200;
/// Stop adjusting once every part is within this share of its target (or one cell).
const TOLERANCE: f64 = 0.05;
/// Share of the squared distance between two seeds by which their weights may
/// differ, keeping each seed safely inside its own part.
const SEED_MARGIN: f64 = 0.8;
/// Candidates drawn per seed in best-candidate sampling; more spreads seeds more evenly.
const SEED_CANDIDATES: usize = 8;

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Assign each point (a cell centre in km) to one of the parts whose seeds are
/// `seeds` (indices into `points`, distinct), aiming at `targets[i]` points for part
/// `i`. `cell_area` is the area one point stands for, in km².
///
/// Every seed's own point goes to its part, so no part is ever empty.
pub(crate) fn partition(points: &[[f64; 2]], seeds: &[usize], targets: &[f64], cell_area: f64) -> Vec<usize> {
    debug_assert_eq!(seeds.len(), targets.len());
    let mut weights = vec![0.0_f64; seeds.len()];
    // Per-part step gain, halved whenever the part overshoots its target so that
    // close neighbours (a small county next to a big one) stop see-sawing.
    let mut gains = vec![0.5_f64; seeds.len()];
    let mut last_errors = vec![0.0_f64; seeds.len()];
    let mut owner = vec![0_usize; points.len()];
    let mut best: (f64, Vec<usize>) = (f64::INFINITY, Vec::new());
    let mut sizes = vec![0_usize; seeds.len()];
    for _ in 0..MAX_ROUNDS {
        sizes.iter_mut().for_each(|s| *s = 0);
        for (point, own) in points.iter().zip(owner.iter_mut()) {
            let mut nearest = (f64::INFINITY, 0);
            for (part, (&seed, &w)) in seeds.iter().zip(&weights).enumerate() {
                let d = dist2(*point, points[seed]) - w;
                if d < nearest.0 {
                    nearest = (d, part);
                }
            }
            *own = nearest.1;
            sizes[nearest.1] += 1;
        }
        let miss: f64 = sizes.iter().zip(targets).map(|(&s, &t)| (s as f64 - t).abs()).sum();
        if miss < best.0 {
            best = (miss, owner.clone());
        }
        if sizes.iter().zip(targets).all(|(&s, &t)| (s as f64 - t).abs() <= (TOLERANCE * t).max(1.0)) {
            break;
        }
        // Raising a weight by δ moves the part's border outwards by about δ / (2·D),
        // D being the distance to the neighbouring seed (≈ the part's diameter), which
        // grows its area by ≈ π·δ / 2: the full step to close a gap ΔA is 2·ΔA / π.
        for (part, w) in weights.iter_mut().enumerate() {
            let error = targets[part] - sizes[part] as f64;
            gains[part] =
                if error * last_errors[part] < 0.0 { gains[part] * 0.5 } else { (gains[part] * 1.2).min(1.0) };
            last_errors[part] = error;
            *w += gains[part] * 2.0 * error * cell_area / PI;
        }
        keep_seeds_inside(points, seeds, &mut weights);
    }
    let mut owner = best.1;
    for (part, &seed) in seeds.iter().enumerate() {
        owner[seed] = part;
    }
    owner
}

/// Raise weights until every seed lies inside its own part: seed `i` beats seed
/// `j` at its own point when `w_i ≥ w_j − |s_i − s_j|²`. Without this a small part
/// next to a big one (德城區(qū) among its neighbours) can be pushed off its seed
/// altogether and reappear somewhere else. Parts stay convex around their seeds,
/// at the price of missing a target where seeds are very close together.
fn keep_seeds_inside(points: &[[f64; 2]], seeds: &[usize], weights: &mut [f64]) {
    // Raising one weight can break another seed's bound; a few passes settle it,
    // and the final `partition` step hands any seed that still loses its point back.
    for _ in 0..8 {
        let mut raised = false;
        for i in 0..seeds.len() {
            let floor = (0..seeds.len())
                .filter(|&j| j != i)
                .map(|j| weights[j] - SEED_MARGIN * dist2(points[seeds[i]], points[seeds[j]]))
                .fold(f64::NEG_INFINITY, f64::max);
            if weights[i] < floor {
                weights[i] = floor;
                raised = true;
            }
        }
        if !raised {
            break;
        }
    }
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
        let points: Vec<[f64; 2]> = (0..40 * 40).map(|i| [(i % 40) as f64, (i / 40) as f64]).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut seeds = Vec::new();
        let all: Vec<usize> = (0..points.len()).collect();
        pick_spread(&mut rng, &points, &all, &mut seeds, 5);
        let targets = [100.0, 200.0, 300.0, 400.0, 600.0];
        let owner = partition(&points, &seeds, &targets, 1.0);
        for (part, (&seed, &target)) in seeds.iter().zip(&targets).enumerate() {
            assert_eq!(owner[seed], part);
            let size = owner.iter().filter(|&&o| o == part).count() as f64;
            assert!((size - target).abs() <= 0.15 * target, "part {part}: {size} cells for a target of {target}");
        }
    }
}
