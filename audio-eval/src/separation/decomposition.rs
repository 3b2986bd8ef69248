//! The BSS Eval decomposition: least-squares projections of each estimate on
//! the delayed references (`_project`, `_project_images` of mir_eval;
//! `_compute_projection_filters` of museval).
//!
//! With `S` the matrix whose columns are the references delayed by
//! `0..flen` samples (all channels of all sources), `G = SᵀS` (the Gram
//! matrix, built from lag correlations) and `D = Sᵀe`, the distortion filters
//! solve `G C = D`. The projected signals are `S C`, and their energies follow
//! from the normal equations without forming them: `‖S C‖² = Cᵀ D`. The same
//! holds for the projection on one source `j` (`G_jj C_j = D_j`), and since
//! the span of source `j` lies inside the span of all sources,
//! `⟨P_all e, P_j e⟩ = ‖P_j e‖²`. So the four BSS Eval energies of a pair
//! `(estimate, reference)` come from a handful of dot products.

use rayon::prelude::*;

use super::basis::BasisCheck;
use super::cholesky::Cholesky;
use super::gram::{gram_of, pair_index, GramStatistics};
use super::levinson::BlockToeplitz;
use super::signals::{safe_db, Signals};

/// Length of the distortion filters (taps) in mir_eval and museval.
pub const FILTER_LENGTH: usize = 512;

/// Which criteria to derive from the decomposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criteria {
    /// `bss_eval_sources`: `s_filt = s_true + e_spat` is the target.
    Sources,
    /// `bss_eval_images`: `s_true` is the target, `e_spat` a distortion.
    Images,
}

/// SDR, ISR, SIR, SAR of one `(estimate, reference)` pair (ISR is NaN for
/// [`Criteria::Sources`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairMetrics {
    pub(crate) sdr: f64,
    pub(crate) isr: f64,
    pub(crate) sir: f64,
    pub(crate) sar: f64,
}

impl PairMetrics {
    pub(crate) const NAN: Self = Self {
        sdr: f64::NAN,
        isr: f64::NAN,
        sir: f64::NAN,
        sar: f64::NAN,
    };
}

/// The Gram system of a set of references and the correlations of the
/// estimates with them, on the bases of [`super::basis`] (zero and
/// redundant reference channels left out).
pub(crate) struct Decomposition {
    pub(crate) flen: usize,
    /// Number of reference signals (`sources · channels`).
    pub(crate) m: usize,
    pub(crate) channels: usize,
    /// `ρ_pq(k)` for `p ≤ q` at `pair_index(p, q)`, lags `-(flen-1)..flen`.
    corr: Vec<Vec<f64>>,
    basis_all: Vec<usize>,
    full: Solver,
    basis_source: Vec<Vec<usize>>,
    per_source: Vec<Solver>,
    /// `D` per estimate signal (`source · channels + channel`), length `m · flen`.
    pub(crate) d: Vec<Vec<f64>>,
    /// `‖ref signal‖²` per reference signal.
    pub(crate) ref_energy: Vec<f64>,
    /// `‖est signal‖²` per estimate signal.
    pub(crate) est_energy: Vec<f64>,
}

/// A solver for one Gram system: block Levinson on the block-Toeplitz
/// structure, with the dense Cholesky factorisation as fallback when the
/// Levinson residual is not small enough (ill-conditioned systems).
pub(crate) struct Solver {
    toeplitz: BlockToeplitz,
    dense: std::sync::OnceLock<Option<Cholesky>>,
    eps: f64,
}

/// Largest accepted `|rᵀ x| / |xᵀ y|` of a Levinson solution (`r = G x − y`):
/// the relative error it puts on the projection energy `xᵀ y`.
const LEVINSON_TOLERANCE: f64 = 1e-11;

/// A Gram system could not be factored even with diagonal loading (the
/// references contain no usable signal).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Singular;

impl Solver {
    fn placeholder() -> Self {
        Self {
            toeplitz: BlockToeplitz {
                m: 0,
                l: 0,
                r: Vec::new(),
            },
            dense: std::sync::OnceLock::new(),
            eps: 0.0,
        }
    }

    /// Solves in place for `nrhs` columns in signal-major layout
    /// (`c[j · mb · flen + bp · flen + a]`).
    fn solve_columns(
        &self,
        c: &mut [f64],
        nrhs: usize,
        mb: usize,
        flen: usize,
        owner: &Decomposition,
    ) {
        // To lag-major rows with the columns interleaved.
        let mut y = vec![0.0; c.len()];
        for j in 0..nrhs {
            for bp in 0..mb {
                for a in 0..flen {
                    y[(a * mb + bp) * nrhs + j] = c[j * mb * flen + bp * flen + a];
                }
            }
        }
        if let Some(x) = self.toeplitz.solve(&y, nrhs) {
            let r = self.toeplitz.apply(&x, nrhs);
            let err: f64 = r
                .iter()
                .zip(&y)
                .zip(&x)
                .map(|((rv, yv), xv)| (rv - yv) * xv)
                .sum();
            let energy: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            if err.is_finite() && err.abs() <= LEVINSON_TOLERANCE * energy.abs() {
                for j in 0..nrhs {
                    for bp in 0..mb {
                        for a in 0..flen {
                            c[j * mb * flen + bp * flen + a] = x[(a * mb + bp) * nrhs + j];
                        }
                    }
                }
                return;
            }
        }
        match self.dense.get_or_init(|| owner.dense_for(self)) {
            Some(chol) => chol.solve_columns(c, nrhs),
            None => c.fill(0.0),
        }
    }
}

impl Decomposition {
    /// Builds `G` from `refs`, `D` from `ests` (same shape), and factors
    /// `G + eps·I` and its per-source diagonal blocks (whole signals in
    /// memory: [`Decomposition::from_statistics`] with both passes run here).
    pub(crate) fn new(
        refs: &Signals<'_>,
        ests: &Signals<'_>,
        flen: usize,
        eps: f64,
    ) -> Result<Self, Singular> {
        let stats = gram_of(refs, ests, flen);
        let mut check = BasisCheck::new(&stats.peaks, refs.sources, refs.channels);
        check.push(&refs.data);
        let (basis_all, basis_source) = check.finish();
        Self::from_statistics(stats, basis_all, basis_source, eps)
    }

    /// The decomposition from the first pass's statistics and the bases of
    /// the second: factors `G + eps·I` and its per-source diagonal blocks.
    pub(crate) fn from_statistics(
        stats: GramStatistics,
        basis_all: Vec<usize>,
        basis_source: Vec<Vec<usize>>,
        eps: f64,
    ) -> Result<Self, Singular> {
        let mut this = Self {
            flen: stats.flen,
            m: stats.m,
            channels: stats.channels,
            corr: stats.corr,
            basis_all,
            full: Solver::placeholder(),
            basis_source,
            per_source: Vec::new(),
            d: stats.d,
            ref_energy: stats.ref_energy,
            est_energy: stats.est_energy,
        };
        if this.basis_all.is_empty() {
            return Err(Singular);
        }
        this.full = this.solver(&this.basis_all, eps);
        this.per_source = this
            .basis_source
            .iter()
            .map(|b| this.solver(b, eps))
            .collect();
        Ok(this)
    }

    /// The block-Toeplitz form (lag-major) of the Gram matrix of `basis`
    /// plus `eps·I`.
    fn solver(&self, basis: &[usize], eps: f64) -> Solver {
        let (flen, mb) = (self.flen, basis.len());
        let max_lag = flen - 1;
        let mut r = vec![0.0; flen * mb * mb];
        for k in 0..flen {
            for (bp, &p) in basis.iter().enumerate() {
                for (bq, &q) in basis.iter().enumerate() {
                    // R(k)[p][q] = ρ_pq(k); ρ_pq(k) = ρ_qp(−k).
                    r[k * mb * mb + bp * mb + bq] = if p <= q {
                        self.corr[pair_index(self.m, p, q)][max_lag + k]
                    } else {
                        self.corr[pair_index(self.m, q, p)][max_lag - k]
                    };
                }
            }
        }
        for bp in 0..mb {
            r[bp * mb + bp] += eps;
        }
        Solver {
            toeplitz: BlockToeplitz { m: mb, l: flen, r },
            dense: std::sync::OnceLock::new(),
            eps: 0.0,
        }
    }

    /// The Gram matrix of the delayed signals of `basis` (ascending), row-major.
    fn gram(&self, basis: &[usize]) -> Vec<f64> {
        let flen = self.flen;
        let max_lag = flen - 1;
        let n = basis.len() * flen;
        let mut g = vec![0.0; n * n];
        for (bi, &p) in basis.iter().enumerate() {
            for (bj, &q) in basis.iter().enumerate().skip(bi) {
                let v = &self.corr[pair_index(self.m, p, q)];
                for a in 0..flen {
                    let row = (bi * flen + a) * n + bj * flen;
                    // G[(p, a), (q, b)] = ρ_pq(b - a)
                    g[row..row + flen].copy_from_slice(&v[max_lag - a..max_lag - a + flen]);
                }
                if bi != bj {
                    for a in 0..flen {
                        for b in 0..flen {
                            g[(bj * flen + b) * n + bi * flen + a] =
                                g[(bi * flen + a) * n + bj * flen + b];
                        }
                    }
                }
            }
        }
        g
    }

    /// Solves for the filters of the estimate sources `ests` on `basis` with
    /// `solver` (all right-hand sides in one solve); returns, per estimate,
    /// the filters scattered into `full_len`-long columns (zeros for signals
    /// outside the basis) and `Σ C·D` (the projection energy).
    fn solve(
        &self,
        ests: &[usize],
        basis: &[usize],
        solver: &Solver,
        offset: usize,
        full_len: usize,
    ) -> Vec<(Vec<f64>, f64)> {
        let (flen, nch) = (self.flen, self.channels);
        let nb = basis.len() * flen;
        let cols = ests.len() * nch;
        let mut c = Vec::with_capacity(nb * cols);
        for &est in ests {
            for ch in 0..nch {
                let d = &self.d[est * nch + ch];
                for &p in basis {
                    c.extend_from_slice(&d[p * flen..(p + 1) * flen]);
                }
            }
        }
        let rhs = c.clone();
        solver.solve_columns(&mut c, cols, basis.len(), flen, self);
        ests.iter()
            .enumerate()
            .map(|(k, _)| {
                let block = k * nch * nb..(k + 1) * nch * nb;
                let energy = super::cholesky::dot(&c[block.clone()], &rhs[block]);
                let mut out = vec![0.0; full_len * nch];
                for ch in 0..nch {
                    let col = (k * nch + ch) * nb;
                    for (bi, &p) in basis.iter().enumerate() {
                        let dst = ch * full_len + (p - offset) * flen;
                        out[dst..dst + flen]
                            .copy_from_slice(&c[col + bi * flen..col + (bi + 1) * flen]);
                    }
                }
                (out, energy)
            })
            .collect()
    }

    /// The dense Gram matrix of the whole basis of `solver` (fallback).
    fn dense_for(&self, solver: &Solver) -> Option<Cholesky> {
        let basis: Vec<usize> = if std::ptr::eq(solver, &self.full) {
            self.basis_all.clone()
        } else {
            let j = self
                .per_source
                .iter()
                .position(|s| std::ptr::eq(s, solver))?;
            self.basis_source[j].clone()
        };
        let n = basis.len() * self.flen;
        let mut g = self.gram(&basis);
        // The eps loading is inside R(0) already.
        let mb = basis.len();
        for bp in 0..mb {
            for a in 0..self.flen {
                g[(bp * self.flen + a) * n + bp * self.flen + a] = solver.toeplitz.r[bp * mb + bp];
            }
        }
        Cholesky::factor_regularised(g, n, solver.eps)
    }

    /// The filters `C = G⁻¹ D` projecting each estimate source of `ests` on
    /// all references: column-major, column `c` (output channel) of length
    /// `m · flen`, tap `a` from reference signal `p` at `p · flen + a`; and
    /// the projection energy `Σ C·D`.
    pub(crate) fn filters_all(&self, ests: &[usize]) -> Vec<(Vec<f64>, f64)> {
        self.solve(ests, &self.basis_all, &self.full, 0, self.m * self.flen)
    }

    /// The filters `C_j = G_jj⁻¹ D_j` projecting each estimate source of
    /// `ests` on the channels of reference source `j` (column-major,
    /// `channels` columns of `channels · flen`, tap `a` from channel `cj` at
    /// `cj · flen + a`), and the projection energies.
    pub(crate) fn filters_source(&self, ests: &[usize], j: usize) -> Vec<(Vec<f64>, f64)> {
        let solver = &self.per_source[j];
        self.solve(
            ests,
            &self.basis_source[j],
            solver,
            j * self.channels,
            self.channels * self.flen,
        )
    }

    /// Metrics of every `(estimate, reference)` pair listed in `wanted`
    /// (`wanted[est]` = the references to score it against), with the
    /// Gram-identity energies described in the module documentation.
    pub(crate) fn pair_metrics(
        &self,
        wanted: &[Vec<usize>],
        criteria: Criteria,
    ) -> Vec<Vec<(usize, PairMetrics)>> {
        let nest = wanted.len();
        let nch = self.channels;
        let all: Vec<usize> = (0..nest).collect();
        let e_pall: Vec<f64> = self.filters_all(&all).into_iter().map(|x| x.1).collect();
        // Per reference source j: the estimates scored against it.
        let nsrc = self.per_source.len();
        let e_pj: Vec<Vec<(usize, f64)>> = (0..nsrc)
            .into_par_iter()
            .map(|j| {
                let ests: Vec<usize> = (0..nest).filter(|&e| wanted[e].contains(&j)).collect();
                if ests.is_empty() {
                    return Vec::new();
                }
                let out = self.filters_source(&ests, j);
                ests.into_iter()
                    .zip(out)
                    .map(|(e, (_, en))| (e, en))
                    .collect()
            })
            .collect();
        (0..nest)
            .map(|est| {
                let e_e: f64 = (0..nch).map(|ch| self.est_energy[est * nch + ch]).sum();
                let e_pall = e_pall[est];
                wanted[est]
                    .iter()
                    .map(|&j| {
                        let e_pj = e_pj[j]
                            .iter()
                            .find(|(e, _)| *e == est)
                            .map_or(f64::NAN, |x| x.1);
                        let metrics = match criteria {
                            Criteria::Sources => PairMetrics {
                                sdr: safe_db(e_pj, e_e - e_pj),
                                isr: f64::NAN,
                                sir: safe_db(e_pj, e_pall - e_pj),
                                sar: safe_db(e_pall, e_e - e_pall),
                            },
                            Criteria::Images => {
                                let e_s: f64 =
                                    (0..nch).map(|ch| self.ref_energy[j * nch + ch]).sum();
                                // ⟨e, s⟩: lag 0 of the correlation of each
                                // estimate channel with the same reference channel.
                                let es: f64 = (0..nch)
                                    .map(|ch| self.d[est * nch + ch][(j * nch + ch) * self.flen])
                                    .sum();
                                PairMetrics {
                                    sdr: safe_db(e_s, e_e - 2.0 * es + e_s),
                                    isr: safe_db(e_s, e_pj - 2.0 * es + e_s),
                                    sir: safe_db(e_pj, e_pall - e_pj),
                                    sar: safe_db(e_pall, e_e - e_pall),
                                }
                            }
                        };
                        (j, metrics)
                    })
                    .collect()
            })
            .collect()
    }
}
