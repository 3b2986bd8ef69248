//! The one seeded random generator of the crate family.
//!
//! Griffin-Lim's random phases, Open-Unmix's training augmentations and
//! audio-nn's seeded weight store all draw from [`SeededRng`], so a seed
//! gives the same numbers on every platform and in every crate. It wraps
//! `rand`'s ChaCha8 stream cipher generator (`rand::rngs::ChaCha8Rng`, whose
//! output for a seed is fixed by its specification), and adds the few draws
//! the crates need.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};

/// A seeded, reproducible random generator (ChaCha8 from `rand`).
///
/// The same seed gives the same stream on every platform. Floats in
/// `[0, 1)` carry 53 random bits.
///
/// # Example
///
/// ```
/// use audio_dsp::SeededRng;
/// let (mut a, mut b) = (SeededRng::new(7), SeededRng::new(7));
/// assert_eq!(a.uniform(), b.uniform());
/// let x = a.range(-1.0, 1.0);
/// assert!((-1.0..1.0).contains(&x));
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug)]
pub struct SeededRng(ChaCha8Rng);

impl SeededRng {
    /// A generator seeded with `seed` (`rand`'s `SeedableRng::seed_from_u64`).
    pub fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in `[lo, hi)`: `lo + (hi − lo)·u`, `u` uniform in `[0, 1)`
    /// (so `lo == hi` gives `lo`).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in `0..n`, without modulo bias; `0` when `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.0.random_range(0..n)
        }
    }

    /// Standard normal, by the Box–Muller transform
    /// `√(−2 ln u₁)·cos(2π u₂)`.
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// The underlying `rand` generator, for `rand`'s distributions.
    pub fn as_rand(&mut self) -> &mut ChaCha8Rng {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::SeededRng;

    #[test]
    fn same_seed_same_stream_and_draws_in_range() {
        let (mut a, mut b) = (SeededRng::new(3), SeededRng::new(3));
        let mut c = SeededRng::new(4);
        let (xa, xb, xc): (Vec<u64>, Vec<u64>, Vec<u64>) = (
            (0..8).map(|_| a.next_u64()).collect(),
            (0..8).map(|_| b.next_u64()).collect(),
            (0..8).map(|_| c.next_u64()).collect(),
        );
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
        for _ in 0..1000 {
            let u = a.uniform();
            assert!((0.0..1.0).contains(&u));
            assert!(a.below(3) < 3);
            assert!(a.normal().is_finite());
        }
        assert_eq!(a.below(0), 0);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = SeededRng::new(11);
        let n = 20_000;
        let v: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/sqrt(n) ~ 0.007; of the variance ~0.01.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
