//! Gate nonlinearities of the fused recurrences over whole slices:
//! `sigmoid(x) = 1 / (1 + e^{-x})` and `tanh(x) = 1 − 2 / (1 + e^{2x})`.
//!
//! Runtime dispatch: on x86-64 with AVX2 + FMA, 8 lanes at a time with the
//! Cephes single-precision `expf` (range reduction by `ln 2` split in two
//! constants, degree-5 polynomial, exponent by bit shift; relative error a
//! few ulp), as in Pommier's `avx_mathfun`; elsewhere the standard library's
//! `exp` / `tanh`. Both agree to about `1e-7` absolute (tested), well inside the
//! `1e-5` parity bounds against PyTorch.

use crate::kernels::Isa;

/// `x ← sigmoid(x)` element-wise, with the kernels `isa` (chosen when the
/// layer was planned) allows.
pub(crate) fn sigmoid_inplace(isa: Isa, x: &mut [f32]) {
    map_inplace::<false>(isa, x);
}

/// `x ← tanh(x)` element-wise, with the kernels `isa` allows.
pub(crate) fn tanh_inplace(isa: Isa, x: &mut [f32]) {
    map_inplace::<true>(isa, x);
}

/// `sigmoid` (`TANH = false`) or `tanh` (`TANH = true`) in place, by AVX2 +
/// FMA where `isa` has them.
fn map_inplace<const TANH: bool>(isa: Isa, x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if isa.avx2_fma() {
            // SAFETY: AVX2 and FMA are present (`Isa::detect` found them).
            unsafe { map_avx2::<TANH>(x) };
            return;
        }
    }
    let _ = isa;
    if TANH {
        tanh_scalar(x);
    } else {
        sigmoid_scalar(x);
    }
}

/// `x ← x · (1 + erf(x / √2)) / 2` (GELU with the exact `erf`) element-wise.
/// With AVX2 + FMA, `erf` by Abramowitz and Stegun's 7.1.26
/// (`1 − (a₁t + … + a₅t⁵) e^{−z²}`, `t = 1 / (1 + p z)`, absolute error at
/// most 1.5e-7) on 8 lanes; elsewhere candle's `gelu_erf` (libm's `erff`).
pub(crate) fn gelu_erf_inplace(isa: Isa, x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if isa.avx2_fma() {
            // SAFETY: AVX2 and FMA are present (`Isa::detect` found them).
            unsafe { gelu_erf_avx2(x) };
            return;
        }
    }
    let _ = isa;
    gelu_erf_scalar(x);
}

/// Candle's `gelu_erf` on each value: `y · (1 + erf(y / √2)) / 2`.
pub(crate) fn gelu_erf_scalar(x: &mut [f32]) {
    for v in x {
        let y = *v;
        *v = (candle_core::cpu::erf::erf_f32(y * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * y;
    }
}

/// [`gelu_erf_scalar`] 8 lanes at a time, `1 + erf` formed without
/// cancellation on either side of 0 (`e·poly` below 0, `2 − e·poly` above).
///
/// # Safety
///
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_erf_avx2(x: &mut [f32]) {
    use std::arch::x86_64::*;
    let one = _mm256_set1_ps(1.0);
    let half = _mm256_set1_ps(0.5);
    let sign_mask = _mm256_set1_ps(-0.0);
    let mut chunks = x.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: `c` holds exactly 8 floats.
        let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        let z = _mm256_mul_ps(
            _mm256_andnot_ps(sign_mask, v),
            _mm256_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
        );
        let t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.327_591_1), z, one));
        let mut p = _mm256_set1_ps(1.061_405_4);
        for a in [-1.453_152, 1.421_413_8, -0.284_496_74, 0.254_829_6] {
            p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(a));
        }
        p = _mm256_mul_ps(p, t);
        // e^{−z²}·poly = 1 − erf(|v| / √2)
        let tail = _mm256_mul_ps(
            p,
            exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(z, z))),
        );
        let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(v, _mm256_setzero_ps());
        let one_plus_erf =
            _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0), tail), tail, negative);
        let y = _mm256_mul_ps(_mm256_mul_ps(half, v), one_plus_erf);
        // SAFETY: as above.
        unsafe { _mm256_storeu_ps(c.as_mut_ptr(), y) };
    }
    gelu_erf_scalar(chunks.into_remainder());
}

/// GLU over blocks: `x` is a sequence of blocks of `2·half` values, each
/// the halves `a | b`, and the result holds `a ⊙ σ(b)` for each block
/// (`half` values per block).
pub(crate) fn glu_blocks(isa: Isa, x: &[f32], half: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len() / 2);
    if half == 0 {
        return out;
    }
    let mut gate = vec![0f32; half];
    for block in x.chunks_exact(2 * half) {
        let (a, b) = block.split_at(half);
        gate.copy_from_slice(b);
        sigmoid_inplace(isa, &mut gate);
        out.extend(a.iter().zip(&gate).map(|(v, g)| v * g));
    }
    out
}

/// `softmax` over each row of `row_len` values of `x`, in place:
/// `e^{x − max} / Σ e^{x − max}` (the max taken first, as `torch.softmax`).
pub(crate) fn softmax_rows_inplace(isa: Isa, x: &mut [f32], row_len: usize) {
    if row_len == 0 {
        return;
    }
    for row in x.chunks_mut(row_len) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        #[cfg(target_arch = "x86_64")]
        let sum = if isa.avx2_fma() {
            // SAFETY: AVX2 and FMA are present (`Isa::detect` found them).
            unsafe { exp_shifted_avx2(row, max) }
        } else {
            exp_shifted_scalar(row, max)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let sum = {
            let _ = isa;
            exp_shifted_scalar(row, max)
        };
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// `x ← e^{x − max}`, returning the sum.
fn exp_shifted_scalar(row: &mut [f32], max: f32) -> f32 {
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    sum
}

/// [`exp_shifted_scalar`] 8 lanes at a time.
///
/// # Safety
///
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn exp_shifted_avx2(row: &mut [f32], max: f32) -> f32 {
    use std::arch::x86_64::*;
    let m = _mm256_set1_ps(max);
    let mut acc = _mm256_setzero_ps();
    let mut chunks = row.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: `c` holds exactly 8 floats.
        let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        let e = exp256(_mm256_sub_ps(v, m));
        acc = _mm256_add_ps(acc, e);
        // SAFETY: as above.
        unsafe { _mm256_storeu_ps(c.as_mut_ptr(), e) };
    }
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc) };
    lanes.iter().sum::<f32>() + exp_shifted_scalar(chunks.into_remainder(), max)
}

pub(crate) fn sigmoid_scalar(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
}

pub(crate) fn tanh_scalar(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = v.tanh());
}

/// `e^x` on 8 lanes (Cephes `expf`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp256(x: std::arch::x86_64::__m256) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    let x = _mm256_min_ps(x, _mm256_set1_ps(88.376_26));
    let x = _mm256_max_ps(x, _mm256_set1_ps(-88.376_26));
    // n = round(x / ln 2), r = x − n·ln 2 (ln 2 = C1 + C2 for an exact n·C1).
    let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm256_mul_ps(
        x,
        _mm256_set1_ps(std::f32::consts::LOG2_E),
    ));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
    let mut p = _mm256_set1_ps(1.987_569_1e-4);
    // (Cephes' last coefficient 5.0000001e-1 rounds to 0.5 in f32.)
    for c in [
        1.398_2e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    }
    // e^r = 1 + r + r²·p(r)
    let e = _mm256_fmadd_ps(
        _mm256_mul_ps(p, r),
        r,
        _mm256_add_ps(r, _mm256_set1_ps(1.0)),
    );
    // 2^n by the exponent bits (n in [-127, 128]; -127 gives 0, below f32's range anyway).
    let pow2 = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(
        _mm256_cvtps_epi32(n),
        _mm256_set1_epi32(127),
    )));
    _mm256_mul_ps(e, pow2)
}

/// `sigmoid` (`TANH = false`) or `tanh` (`TANH = true`) in place.
///
/// # Safety
///
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_avx2<const TANH: bool>(x: &mut [f32]) {
    use std::arch::x86_64::*;
    let one = _mm256_set1_ps(1.0);
    let mut chunks = x.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: `c` holds exactly 8 floats.
        let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        let y = if TANH {
            // 1 − 2 / (1 + e^{2x})
            let e = exp256(_mm256_add_ps(v, v));
            _mm256_sub_ps(
                one,
                _mm256_div_ps(_mm256_set1_ps(2.0), _mm256_add_ps(one, e)),
            )
        } else {
            let e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), v));
            _mm256_div_ps(one, _mm256_add_ps(one, e))
        };
        // SAFETY: as above.
        unsafe { _mm256_storeu_ps(c.as_mut_ptr(), y) };
    }
    let rest = chunks.into_remainder();
    if TANH {
        tanh_scalar(rest);
    } else {
        sigmoid_scalar(rest);
    }
}

#[cfg(test)]
mod tests {
    /// Bound on the SIMD path's absolute error against the standard library's
    /// `exp`/`tanh`, over [-100, 100] (both saturate at the ends).
    const SIMD_ABS_TOL: f32 = 3e-7;

    #[test]
    fn softmax_dispatch_matches_scalar() {
        let x: Vec<f32> = (0..3 * 1001)
            .map(|i| ((i * 37 % 1000) as f32 - 500.0) / 25.0)
            .collect();
        let isa = super::Isa::detect();
        let (mut fast, mut slow) = (x.clone(), x.clone());
        super::softmax_rows_inplace(isa, &mut fast, 1001);
        super::softmax_rows_inplace(super::Isa::scalar(), &mut slow, 1001);
        for row in slow.chunks(1001) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        for (f, s) in fast.iter().zip(&slow) {
            assert!((f - s).abs() <= 1e-6 * s.max(1e-3), "{f} vs {s}");
        }
    }

    /// Abramowitz and Stegun's 7.1.26 bounds `erf`'s error by 1.5e-7;
    /// GELU's `x / 2` factor and the f32 arithmetic give this bound on
    /// `|gelu − candle's gelu| / max(1, |x|)`.
    const GELU_TOL: f32 = 4e-7;

    #[test]
    fn gelu_dispatch_matches_scalar() {
        let x: Vec<f32> = (0..40_003)
            .map(|i| (i as f32 - 20_001.0) / 1000.0)
            .collect();
        let mut slow = x.clone();
        super::gelu_erf_scalar(&mut slow);
        let mut fallback = x.clone();
        super::gelu_erf_inplace(super::Isa::scalar(), &mut fallback);
        assert_eq!(fallback, slow, "the scalar Isa runs the fallback");
        let mut fast = x.clone();
        super::gelu_erf_inplace(super::Isa::detect(), &mut fast);
        for ((f, s), v) in fast.iter().zip(&slow).zip(&x) {
            assert!(
                (f - s).abs() <= GELU_TOL * v.abs().max(1.0),
                "x={v}: {f} vs {s}"
            );
        }
        let mut ends = vec![-1e30f32, -100.0, -10.0, 0.0, 10.0, 100.0, 1e30];
        super::gelu_erf_inplace(super::Isa::detect(), &mut ends);
        assert_eq!(ends, [-0.0, -0.0, -0.0, 0.0, 10.0, 100.0, 1e30]);
    }

    #[test]
    fn dispatch_matches_scalar() {
        let x: Vec<f32> = (0..40_003).map(|i| (i as f32 - 20_001.0) / 200.0).collect();
        for tanh in [false, true] {
            let (mut fast, mut slow) = (x.clone(), x.clone());
            let isa = super::Isa::detect();
            let mut fallback = x.clone();
            if tanh {
                super::tanh_inplace(isa, &mut fast);
                super::tanh_scalar(&mut slow);
                super::tanh_inplace(super::Isa::scalar(), &mut fallback);
            } else {
                super::sigmoid_inplace(isa, &mut fast);
                super::sigmoid_scalar(&mut slow);
                super::sigmoid_inplace(super::Isa::scalar(), &mut fallback);
            }
            assert_eq!(
                fallback, slow,
                "tanh={tanh}: the scalar Isa runs the fallback"
            );
            for ((f, s), v) in fast.iter().zip(&slow).zip(&x) {
                assert!(
                    (f - s).abs() <= SIMD_ABS_TOL,
                    "tanh={tanh} x={v}: {f} vs {s}"
                );
                assert!(f.is_finite());
            }
        }
    }
}
