//! Which reference signals span the projections: a signal that is zero, or
//! an exact multiple (to `1e-12` of its peak) of an earlier kept signal, adds
//! nothing to the span of the delayed references but makes the Gram matrix
//! singular (mir_eval then falls back to `lstsq`); it is left out of the
//! basis, which leaves every projection unchanged.
//!
//! The multiple `k = y[t₀] / x[t₀]` is taken at the peak `t₀` of `x`, known
//! only after a first pass ([`super::gram::Peak`]); [`BasisCheck`] then
//! checks `|y[t] − k·x[t]| ≤ 1e-12 · max|y|` for every sample in a second
//! pass, which stops being needed as soon as every pair has failed it
//! (usually within the first samples).

use super::gram::Peak;

/// Relative tolerance of the multiple check.
const REDUNDANCY_TOLERANCE: f64 = 1e-12;

/// A pair `(p, q)`, `p < q`, still possibly redundant: `y_q = k · x_p`.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    p: usize,
    q: usize,
    k: f64,
    tol: f64,
    holds: bool,
}

/// The redundancy check over the reference signals, fed piece by piece.
pub(crate) struct BasisCheck {
    sources: usize,
    channels: usize,
    zero: Vec<bool>,
    candidates: Vec<Candidate>,
    /// Candidates that still hold.
    open: usize,
}

impl BasisCheck {
    /// Plans the check from the first pass's peaks (`sources · channels`
    /// reference signals).
    pub(crate) fn new(peaks: &[Peak], sources: usize, channels: usize) -> Self {
        let m = peaks.len();
        let zero: Vec<bool> = peaks.iter().map(|p| p.magnitude == 0.0).collect();
        let mut candidates = Vec::new();
        for p in 0..m {
            let x0 = peaks[p].values.get(p).copied().unwrap_or(0.0);
            if zero[p] || x0 == 0.0 {
                continue;
            }
            for q in p + 1..m {
                if zero[q] {
                    continue;
                }
                let y0 = peaks[p].values.get(q).copied().unwrap_or(0.0);
                candidates.push(Candidate {
                    p,
                    q,
                    k: y0 / x0,
                    tol: REDUNDANCY_TOLERANCE * peaks[q].magnitude,
                    holds: true,
                });
            }
        }
        let open = candidates.len();
        Self {
            sources,
            channels,
            zero,
            candidates,
            open,
        }
    }

    /// Whether any pair still needs samples to decide.
    pub(crate) fn needs_samples(&self) -> bool {
        self.open > 0
    }

    /// Checks the next samples of every reference signal.
    pub(crate) fn push(&mut self, refs: &[&[f64]]) {
        if self.open == 0 {
            return;
        }
        for c in self.candidates.iter_mut().filter(|c| c.holds) {
            let (x, y) = (refs[c.p], refs[c.q]);
            if !x.iter().zip(y).all(|(a, b)| (b - c.k * a).abs() <= c.tol) {
                c.holds = false;
                self.open -= 1;
            }
        }
    }

    fn redundant(&self, p: usize, q: usize) -> bool {
        self.candidates
            .iter()
            .any(|c| c.p == p && c.q == q && c.holds)
    }

    /// The signals of `candidates` that are neither zero nor redundant with
    /// an earlier kept one.
    fn basis(&self, candidates: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut kept: Vec<usize> = Vec::new();
        for q in candidates {
            if self.zero[q] || kept.iter().any(|&p| self.redundant(p, q)) {
                continue;
            }
            kept.push(q);
        }
        kept
    }

    /// The basis of all reference signals, and that of each source's
    /// channels.
    pub(crate) fn finish(self) -> (Vec<usize>, Vec<Vec<usize>>) {
        let m = self.sources * self.channels;
        let all = self.basis(0..m);
        let per_source = (0..self.sources)
            .map(|j| self.basis(j * self.channels..(j + 1) * self.channels))
            .collect();
        (all, per_source)
    }
}
