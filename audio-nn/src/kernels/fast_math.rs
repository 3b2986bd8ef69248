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
