//! A multinomial logistic regression (softmax) over sparse features, trained by stochastic gradient
//! descent with L2 regularisation and iterate averaging.
//!
//! Written here rather than taken from an ML framework because it is small (one loop), it is the
//! product's core and must be deterministic to the bit for a given training set (fixed seed, fixed
//! order, no threads), and a framework would bring far more than it adds. Two classes make it a plain
//! logistic regression, which the urgency model uses.

use serde::{Deserialize, Serialize};

/// A sparse vector: (feature index, value), indices ascending.
pub(crate) type Sparse = Vec<(u32, f32)>;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    /// Passes over the data.
    pub epochs: usize,
    /// L2 strength per example.
    pub lambda: f64,
    /// Initial step size.
    pub eta0: f64,
    pub seed: u64,
}

/// Weights laid out feature-major (`w[f * classes + c]`) so that one feature's weights for every class
/// are adjacent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Linear {
    pub classes: usize,
    pub features: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// SplitMix64: a tiny, well-mixed generator; all the shuffling needs.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

impl Linear {
    /// Raw class scores of `x`.
    pub fn scores(&self, x: &[(u32, f32)]) -> Vec<f64> {
        let c = self.classes;
        let mut s: Vec<f64> = self.bias.iter().map(|&b| b as f64).collect();
        for &(f, v) in x {
            let f = f as usize;
            if f < self.features {
                let row = &self.weights[f * c..(f + 1) * c];
                for (sk, &w) in s.iter_mut().zip(row) {
                    *sk += w as f64 * v as f64;
                }
            }
        }
        s
    }

    /// Class probabilities of `x`.
    pub fn probabilities(&self, x: &[(u32, f32)]) -> Vec<f64> {
        softmax(self.scores(x))
    }

    /// Trains on `xs` with labels `ys` (class indices) and per-example weights `sample_weight`.
    pub fn train(
        xs: &[Sparse],
        ys: &[usize],
        sample_weight: &[f64],
        features: usize,
        classes: usize,
        p: Params,
    ) -> Linear {
        assert_eq!(xs.len(), ys.len());
        assert_eq!(xs.len(), sample_weight.len());
        let n = xs.len();
        // Working weights are `scale * w`; shrinking `scale` applies the L2 decay to every weight at
        // once, so each step costs only the example's non-zero features (Bottou's trick).
        let mut w = vec![0f64; features * classes];
        let mut b = vec![0f64; classes];
        let mut scale = 1f64;
        // The result is the mean of the weights at the end of each pass in the second half of the
        // passes: a cheap form of iterate averaging that steadies SGD's last steps.
        let mut sum_w = vec![0f64; features * classes];
        let mut sum_b = vec![0f64; classes];
        let mut averaged = 0usize;

        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix(p.seed);
        let mut t = 0f64;
        let mut probs = vec![0f64; classes];
        for epoch in 0..p.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let eta = p.eta0 / (1.0 + p.eta0 * p.lambda * t);
                t += 1.0;
                // Scores with the current weights.
                probs.copy_from_slice(&b);
                for &(f, v) in &xs[i] {
                    let row = &w[f as usize * classes..(f as usize + 1) * classes];
                    for (pk, &wk) in probs.iter_mut().zip(row) {
                        *pk += scale * wk * v as f64;
                    }
                }
                softmax_in_place(&mut probs);
                // Gradient of the log loss: p - y, times the example's weight.
                let sw = sample_weight[i];
                for (k, pk) in probs.iter_mut().enumerate() {
                    *pk = sw * (*pk - if k == ys[i] { 1.0 } else { 0.0 });
                }
                scale *= 1.0 - eta * p.lambda;
                for &(f, v) in &xs[i] {
                    let row = &mut w[f as usize * classes..(f as usize + 1) * classes];
                    let step = eta * v as f64 / scale;
                    for (wk, &gk) in row.iter_mut().zip(probs.iter()) {
                        *wk -= step * gk;
                    }
                }
                for (bk, &gk) in b.iter_mut().zip(probs.iter()) {
                    *bk -= eta * gk;
                }
                if scale < 1e-9 {
                    w.iter_mut().for_each(|x| *x *= scale);
                    scale = 1.0;
                }
            }
            if epoch >= p.epochs / 2 {
                for (s, &x) in sum_w.iter_mut().zip(&w) {
                    *s += x * scale;
                }
                for (s, &x) in sum_b.iter_mut().zip(&b) {
                    *s += x;
                }
                averaged += 1;
            }
        }
        let k = averaged.max(1) as f64;
        Linear {
            classes,
            features,
            weights: sum_w.iter().map(|&x| (x / k) as f32).collect(),
            bias: sum_b.iter().map(|&x| (x / k) as f32).collect(),
        }
    }
}

pub(crate) fn softmax(mut s: Vec<f64>) -> Vec<f64> {
    softmax_in_place(&mut s);
    s
}

fn softmax_in_place(s: &mut [f64]) {
    let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for x in s.iter_mut() {
        *x = (*x - max).exp();
        total += *x;
    }
    for x in s.iter_mut() {
        *x /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem() {
        // Feature 0 → class 0, feature 1 → class 1, feature 2 → class 2; feature 3 is noise.
        let xs: Vec<Sparse> = (0..60).map(|i| vec![((i % 3) as u32, 1.0), (3, 0.5)]).collect();
        let ys: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let p = Params { epochs: 10, lambda: 1e-3, eta0: 0.5, seed: 1 };
        let m = Linear::train(&xs, &ys, &vec![1.0; 60], 4, 3, p);
        for c in 0..3 {
            let probs = m.probabilities(&[(c as u32, 1.0)]);
            let best = (0..3).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap();
            assert_eq!(best, c);
        }
        assert_eq!(m, Linear::train(&xs, &ys, &vec![1.0; 60], 4, 3, p), "deterministic");
    }
}
