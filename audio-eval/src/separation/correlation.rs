//! Cross-correlations at short lags by blocked FFTs.
//!
//! BSS Eval needs `Σ_t x[t] y[t + k]` only for `|k| < 512`, but mir_eval and
//! museval compute it with one FFT of the whole (zero-padded) signal per pair
//! (`scipy.fftpack.fft(..., n=2**ceil(log2(nsampl + flen - 1)))`). Here the
//! signals are cut into blocks of `B` samples; each block of `x` is
//! correlated with the matching block of `y` extended by `max_lag` samples on
//! both sides, and the cross-spectra are summed over blocks before a single
//! inverse FFT per pair. The result is the same linear correlation (exact up
//! to rounding), with memory bounded by the block size instead of the track
//! length.

use std::sync::Arc;

use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// The smallest even FFT length at least `n` whose only prime factors are
/// 2, 3 and 5 (fast sizes for `rustfft`; even so that the last real-FFT bin
/// is the Nyquist bin).
pub(crate) fn fast_fft_len(n: usize) -> usize {
    let mut best = n.max(2).next_power_of_two();
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut m = 2 * p35;
            while m < n {
                m *= 2;
            }
            if m < best {
                best = m;
            }
            p35 *= 3;
        }
        p5 *= 5;
    }
    best
}

/// The FFT length used for blocks of a correlation at lags `|k| <= max_lag`
/// over signals of `len` samples.
fn block_fft_len(len: usize, max_lag: usize) -> usize {
    let needed = len + 2 * max_lag;
    let target = (16 * max_lag).max(4096);
    fast_fft_len(needed.min(target.max(2 * max_lag + 1)))
}

/// Cross-correlations `c[k + max_lag] = Σ_t x[t] · y[t + k]` for
/// `k ∈ [-max_lag, max_lag]`, for each `(x index, y index)` pair.
///
/// All signals have the same length; samples outside `[0, len)` are zero.
/// Work is split over blocks with rayon.
pub(crate) fn lag_correlations(
    xs: &[&[f64]],
    ys: &[&[f64]],
    pairs: &[(usize, usize)],
    max_lag: usize,
) -> Vec<Vec<f64>> {
    let len = xs.first().map_or(0, |x| x.len());
    let fft_len = block_fft_len(len, max_lag);
    let block = fft_len - 2 * max_lag;
    let n_blocks = len.div_ceil(block).max(1);
    let bins = fft_len / 2 + 1;
    let mut planner = RealFftPlanner::<f64>::new();
    let forward: Arc<dyn RealToComplex<f64>> = planner.plan_fft_forward(fft_len);
    let inverse: Arc<dyn ComplexToReal<f64>> = planner.plan_fft_inverse(fft_len);
    let mut x_used = vec![false; xs.len()];
    let mut y_used = vec![false; ys.len()];
    for &(xi, yi) in pairs {
        x_used[xi] = true;
        y_used[yi] = true;
    }

    // One task per group of blocks; each accumulates its own cross-spectra.
    let threads = rayon::current_num_threads().max(1);
    let groups = threads.min(n_blocks).max(1);
    let per_group = n_blocks.div_ceil(groups);
    let partial: Vec<Vec<Complex<f64>>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let mut acc = vec![Complex::new(0.0, 0.0); pairs.len() * bins];
            let mut time = forward.make_input_vec();
            let mut scratch = forward.make_scratch_vec();
            let mut xspec: Vec<Vec<Complex<f64>>> = vec![Vec::new(); xs.len()];
            let mut yspec: Vec<Vec<Complex<f64>>> = vec![Vec::new(); ys.len()];
            for b in (g * per_group)..((g + 1) * per_group).min(n_blocks) {
                let start = b * block;
                for (i, x) in xs.iter().enumerate() {
                    if !x_used[i] {
                        continue;
                    }
                    time.fill(0.0);
                    let end = (start + block).min(len);
                    if start < end {
                        time[..end - start].copy_from_slice(&x[start..end]);
                    }
                    let out = &mut xspec[i];
                    out.resize(bins, Complex::new(0.0, 0.0));
                    // The lengths come from the plan, so this cannot fail.
                    let _ = forward.process_with_scratch(&mut time, out, &mut scratch);
                }
                for (i, y) in ys.iter().enumerate() {
                    if !y_used[i] {
                        continue;
                    }
                    time.fill(0.0);
                    // y segment covers [start - max_lag, start + block + max_lag).
                    let seg_start = start as isize - max_lag as isize;
                    let seg_end = (start + block + max_lag).min(len) as isize;
                    let from = seg_start.max(0);
                    if from < seg_end {
                        let off = (from - seg_start) as usize;
                        let (from, to) = (from as usize, seg_end as usize);
                        time[off..off + (to - from)].copy_from_slice(&y[from..to]);
                    }
                    let out = &mut yspec[i];
                    out.resize(bins, Complex::new(0.0, 0.0));
                    let _ = forward.process_with_scratch(&mut time, out, &mut scratch);
                }
                for (p, &(xi, yi)) in pairs.iter().enumerate() {
                    let a = &mut acc[p * bins..(p + 1) * bins];
                    for ((s, xv), yv) in a.iter_mut().zip(&xspec[xi]).zip(&yspec[yi]) {
                        *s += xv.conj() * yv;
                    }
                }
            }
            acc
        })
        .collect();
    let mut acc = vec![Complex::new(0.0, 0.0); pairs.len() * bins];
    for part in &partial {
        for (a, p) in acc.iter_mut().zip(part) {
            *a += p;
        }
    }
    let scale = 1.0 / fft_len as f64;
    let mut out_time = inverse.make_output_vec();
    let mut scratch = inverse.make_scratch_vec();
    let mut result = Vec::with_capacity(pairs.len());
    for p in 0..pairs.len() {
        let spec = &mut acc[p * bins..(p + 1) * bins];
        spec[0].im = 0.0;
        spec[bins - 1].im = 0.0;
        let _ = inverse.process_with_scratch(spec, &mut out_time, &mut scratch);
        result.push(
            out_time[..=2 * max_lag]
                .iter()
                .map(|v| v * scale)
                .collect::<Vec<f64>>(),
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(x: &[f64], y: &[f64], max_lag: usize) -> Vec<f64> {
        let n = x.len() as isize;
        (-(max_lag as isize)..=max_lag as isize)
            .map(|k| {
                (0..n)
                    .filter(|t| t + k >= 0 && t + k < n)
                    .map(|t| x[t as usize] * y[(t + k) as usize])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn matches_direct_sum() {
        for &len in &[5usize, 100, 3000, 20_000] {
            let x: Vec<f64> = (0..len).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
            let y: Vec<f64> = (0..len)
                .map(|i| ((i * 104_729) % 17) as f64 - 8.0)
                .collect();
            let got = lag_correlations(&[&x], &[&y, &x], &[(0, 0), (0, 1)], 40);
            for (g, d) in got.iter().zip([direct(&x, &y, 40), direct(&x, &x, 40)]) {
                for (a, b) in g.iter().zip(&d) {
                    assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{len}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn fast_lengths() {
        assert_eq!(fast_fft_len(44_611), 45_000);
        assert_eq!(fast_fft_len(1), 2);
        assert_eq!(fast_fft_len(2022), 2048);
        assert_eq!(fast_fft_len(1025), 1080);
    }
}
