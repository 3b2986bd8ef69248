//! The first pass of a BSS Eval decomposition: the lag correlations that
//! make the Gram matrix `G` of the delayed references and the correlations
//! `D` of the estimates with them, the signals' energies, and each
//! reference's peak (for the redundancy check of [`super::basis`]), gathered
//! from signals fed piece by piece.

use super::correlation::LagCorrelator;
use super::signals::Signals;

/// Where a reference signal peaks: its largest `|x[t]|` (the last such `t`,
/// as `Iterator::max_by`) and the value of every reference signal at that
/// sample.
#[derive(Debug, Clone)]
pub(crate) struct Peak {
    /// `max_t |x[t]|`.
    pub(crate) magnitude: f64,
    /// `x_q[t₀]` for every reference signal `q`; empty until a sample is fed.
    pub(crate) values: Vec<f64>,
}

/// Everything the decomposition needs from the whole signals.
pub(crate) struct GramStatistics {
    /// Reference signals (`sources · channels`).
    pub(crate) m: usize,
    pub(crate) sources: usize,
    pub(crate) channels: usize,
    pub(crate) flen: usize,
    /// `ρ_pq(k)` for `p ≤ q` in row order, lags `-(flen-1)..flen`.
    pub(crate) corr: Vec<Vec<f64>>,
    /// `D` per estimate signal, length `m · flen`.
    pub(crate) d: Vec<Vec<f64>>,
    /// `‖ref signal‖²` per reference signal.
    pub(crate) ref_energy: Vec<f64>,
    /// `‖est signal‖²` per estimate signal.
    pub(crate) est_energy: Vec<f64>,
    /// Per reference signal.
    pub(crate) peaks: Vec<Peak>,
}

/// Accumulates [`GramStatistics`] over pieces of the references and
/// estimates (`sources · channels` signals each, advancing together).
pub(crate) struct GramAccumulator {
    m: usize,
    sources: usize,
    channels: usize,
    flen: usize,
    correlator: LagCorrelator,
    est_energy: Vec<f64>,
    peaks: Vec<Peak>,
}

impl GramAccumulator {
    /// Plans the pass for `sources` reference and estimate sources of
    /// `channels` channels and filters of `flen` taps.
    pub(crate) fn new(sources: usize, channels: usize, flen: usize) -> Self {
        let m = sources * channels;
        // Signals 0..m are the references, m..2m the estimates.
        let mut pairs = Vec::with_capacity(m * (m + 1) / 2 + m * m);
        for p in 0..m {
            for q in p..m {
                pairs.push((q, p));
            }
        }
        for e in 0..m {
            for p in 0..m {
                pairs.push((p, m + e));
            }
        }
        Self {
            m,
            sources,
            channels,
            flen,
            correlator: LagCorrelator::new(2 * m, pairs, flen - 1),
            est_energy: vec![0.0; m],
            peaks: vec![
                Peak {
                    magnitude: 0.0,
                    values: Vec::new(),
                };
                m
            ],
        }
    }

    /// Feeds the next samples: `refs` and `ests` of `sources · channels`
    /// slices, all of one length.
    pub(crate) fn push(&mut self, refs: &[&[f64]], ests: &[&[f64]]) {
        let pieces: Vec<&[f64]> = refs.iter().chain(ests).copied().collect();
        self.correlator.push(&pieces);
        for (acc, e) in self.est_energy.iter_mut().zip(ests) {
            for v in e.iter() {
                *acc += v * v;
            }
        }
        let n = refs.first().map_or(0, |r| r.len());
        if n == 0 {
            return;
        }
        for (p, peak) in self.peaks.iter_mut().enumerate() {
            // The piece's largest |x[t]|, the last such t (`>=`: the last
            // maximum wins, as `max_by`), then the same rule across pieces.
            let (mut best_t, mut best) = (0, refs[p][0].abs());
            for (t, v) in refs[p].iter().enumerate().skip(1) {
                let a = v.abs();
                if a >= best {
                    (best_t, best) = (t, a);
                }
            }
            if best >= peak.magnitude || peak.values.is_empty() {
                peak.magnitude = best;
                peak.values = refs.iter().map(|r| r[best_t]).collect();
            }
        }
    }

    /// The statistics of everything fed.
    pub(crate) fn finish(self) -> GramStatistics {
        let (m, flen) = (self.m, self.flen);
        let max_lag = flen - 1;
        let mut corr = self.correlator.finish();
        let dcorr = corr.split_off(m * (m + 1) / 2);
        let d: Vec<Vec<f64>> = dcorr
            .chunks(m)
            .map(|chunk| {
                let mut col = vec![0.0; m * flen];
                for (p, v) in chunk.iter().enumerate() {
                    col[p * flen..(p + 1) * flen].copy_from_slice(&v[max_lag..]);
                }
                col
            })
            .collect();
        let ref_energy: Vec<f64> = (0..m).map(|p| corr[pair_index(m, p, p)][max_lag]).collect();
        GramStatistics {
            m,
            sources: self.sources,
            channels: self.channels,
            flen,
            corr,
            d,
            ref_energy,
            est_energy: self.est_energy,
            peaks: self.peaks,
        }
    }
}

/// The index of the pair `(p, q)`, `p ≤ q`, in row order.
pub(crate) fn pair_index(m: usize, p: usize, q: usize) -> usize {
    p * m - p * (p + 1) / 2 + q
}

/// [`GramStatistics`] of whole signals in memory.
pub(crate) fn gram_of(refs: &Signals<'_>, ests: &Signals<'_>, flen: usize) -> GramStatistics {
    let mut acc = GramAccumulator::new(refs.sources, refs.channels, flen);
    acc.push(&refs.data, &ests.data);
    acc.finish()
}
