//! Scale-invariant SDR, SIR and SAR (Le Roux, Wisdom, Erdogan and Hershey,
//! "SDR — half-baked or well done?", ICASSP 2019).

use ndarray::{ArrayView2, Axis};
use rayon::prelude::*;

use super::cholesky::{dot, Cholesky};
use super::signals::{best_permutation, safe_db, validate};
use crate::Result;

/// Options of [`si_sdr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SiSdrConfig {
    /// Subtract each signal's mean first (the paper assumes zero-mean
    /// signals; off by default, as `torchmetrics`' `zero_mean=False`).
    pub zero_mean: bool,
    /// Match estimates to references by the permutation with the best mean
    /// SI-SDR (permutation-invariant evaluation); otherwise estimate `j` is
    /// scored against reference `j`.
    pub compute_permutation: bool,
}

/// SI-SDR, SI-SIR and SI-SAR per reference source (dB); serialised with
/// these field names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiSdrScores {
    /// Scale-invariant SDR per reference.
    pub si_sdr: Vec<f64>,
    /// Scale-invariant SIR per reference.
    pub si_sir: Vec<f64>,
    /// Scale-invariant SAR per reference.
    pub si_sar: Vec<f64>,
    /// `permutation[j]`: the estimate matched with reference `j`.
    pub permutation: Vec<usize>,
}

/// SI-SDR, SI-SIR, SI-SAR of each estimate against its reference.
///
/// With `α = ⟨ŝ, s⟩ / ‖s‖²`, `e_target = α s`, `P ŝ` the least-squares
/// projection of `ŝ` on the span of all references,
/// `e_interf = P ŝ − e_target` and `e_artif = ŝ − P ŝ`:
/// `SI-SDR = 10 log10(‖e_target‖² / ‖ŝ − e_target‖²)`,
/// `SI-SIR = 10 log10(‖e_target‖² / ‖e_interf‖²)`,
/// `SI-SAR = 10 log10(‖e_target‖² / ‖e_artif‖²)` (Le Roux et al. 2019, eqs.
/// 4–6). Scaling an estimate leaves all three unchanged. A ratio whose error
/// energy is zero (or below `1e-14` of the target's) is `+inf`.
///
/// # Shapes
///
/// `reference` and `estimated` are `(sources, samples)`.
///
/// # Errors
///
/// As [`bss_eval_sources`](super::bss_eval_sources): shape mismatch, empty,
/// non-finite, silent sources, too many sources, or more than 9 sources with
/// `compute_permutation`.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use audio_eval::separation::{si_sdr, SiSdrConfig};
///
/// let reference = Array2::from_shape_fn((1, 1000), |(_, t)| (0.05 * t as f64).sin());
/// let noise = Array2::from_shape_fn((1, 1000), |(_, t)| ((t * 7919 % 97) as f64 / 97.0) - 0.5);
/// let estimated = &reference * 3.0 + &noise * 0.1;
/// let scores = si_sdr(reference.view(), estimated.view(), SiSdrConfig::default())?;
/// let target = 3.0f64.powi(2) * 500.0; // ≈ ‖α s‖²
/// assert!(scores.si_sdr[0] > 20.0 && target > 0.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn si_sdr(
    reference: ArrayView2<'_, f64>,
    estimated: ArrayView2<'_, f64>,
    config: SiSdrConfig,
) -> Result<SiSdrScores> {
    validate(
        reference.insert_axis(Axis(2)),
        estimated.insert_axis(Axis(2)),
    )?;
    let prep = |v: ArrayView2<'_, f64>| -> Vec<Vec<f64>> {
        v.outer_iter()
            .map(|row| {
                let mut r = row.to_vec();
                if config.zero_mean {
                    let mean = r.iter().sum::<f64>() / r.len() as f64;
                    r.iter_mut().for_each(|x| *x -= mean);
                }
                r
            })
            .collect()
    };
    let refs = prep(reference);
    let ests = prep(estimated);
    let n = refs.len();
    let ref_energy: Vec<f64> = refs.iter().map(|r| dot(r, r)).collect();
    // sdr[jest][jtrue]
    let pair = |e: &[f64], j: usize| -> f64 {
        let alpha = dot(e, &refs[j]) / ref_energy[j];
        let mut target = 0.0;
        let mut res = 0.0;
        for (ev, sv) in e.iter().zip(&refs[j]) {
            let t = alpha * sv;
            target += t * t;
            res += (ev - t) * (ev - t);
        }
        safe_db(target, res)
    };
    let perm: Vec<usize> = if config.compute_permutation {
        let sdr: Vec<Vec<f64>> = ests
            .par_iter()
            .map(|e| (0..n).map(|j| pair(e, j)).collect())
            .collect();
        best_permutation(&sdr, n)?
    } else {
        (0..n).collect()
    };
    // Gram matrix of the references for the projection on their span.
    let mut gram = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            gram[i * n + k] = dot(&refs[i], &refs[k]);
        }
    }
    let chol = Cholesky::factor_regularised(gram, n, 0.0);
    let out: Vec<(f64, f64, f64)> = (0..n)
        .into_par_iter()
        .map(|j| {
            let e = &ests[perm[j]];
            let alpha = dot(e, &refs[j]) / ref_energy[j];
            let mut coef: Vec<f64> = refs.iter().map(|r| dot(r, e)).collect();
            if let Some(c) = &chol {
                c.solve_columns(&mut coef, 1);
            }
            let (mut target, mut res, mut interf, mut artif) = (0.0, 0.0, 0.0, 0.0);
            for t in 0..e.len() {
                let tv = alpha * refs[j][t];
                let p: f64 = coef.iter().zip(&refs).map(|(c, r)| c * r[t]).sum();
                target += tv * tv;
                res += (e[t] - tv) * (e[t] - tv);
                interf += (p - tv) * (p - tv);
                artif += (e[t] - p) * (e[t] - p);
            }
            (
                safe_db(target, res),
                safe_db(target, interf),
                safe_db(target, artif),
            )
        })
        .collect();
    Ok(SiSdrScores {
        si_sdr: out.iter().map(|x| x.0).collect(),
        si_sir: out.iter().map(|x| x.1).collect(),
        si_sar: out.iter().map(|x| x.2).collect(),
        permutation: perm,
    })
}
