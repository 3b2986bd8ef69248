//! The complex multiply-accumulate loops of BSS Eval's FFT work: the
//! cross-spectrum sums of the lag correlations (`acc += conj(x) · y`) and the
//! filtering of museval v4's windows (`acc += h · x`).
//!
//! Each loop has a plain copy for the baseline target (SSE2) and, on x86-64,
//! an AVX2 copy (audio-dsp's CPU detection), the copy chosen once at run time
//! when a correlator or a window filter is planned and kept as a function
//! pointer. Neither copy reorders the arithmetic (no FMA contraction), so
//! both give the same bits (tested below).

use realfft::num_complex::Complex;

/// `acc[k] += conj(x[k]) · y[k]` over the shortest of the three slices.
pub(crate) type CrossKernel = fn(&mut [Complex<f64>], &[Complex<f64>], &[Complex<f64>]);

/// `acc[k] += h[k] · x[k]` over the shortest of the three slices.
pub(crate) type FilterKernel = fn(&mut [Complex<f64>], &[Complex<f64>], &[Complex<f64>]);

/// The loop of [`CrossKernel`], as `acc += x.conj() * y` computes it.
#[inline(always)]
fn cross_body(acc: &mut [Complex<f64>], x: &[Complex<f64>], y: &[Complex<f64>]) {
    for ((a, xv), yv) in acc.iter_mut().zip(x).zip(y) {
        a.re += xv.re * yv.re + xv.im * yv.im;
        a.im += xv.re * yv.im - xv.im * yv.re;
    }
}

/// The loop of [`FilterKernel`], as `acc += h * x` computes it.
#[inline(always)]
fn filter_body(acc: &mut [Complex<f64>], h: &[Complex<f64>], x: &[Complex<f64>]) {
    for ((a, hv), xv) in acc.iter_mut().zip(h).zip(x) {
        a.re += hv.re * xv.re - hv.im * xv.im;
        a.im += hv.re * xv.im + hv.im * xv.re;
    }
}

/// [`CrossKernel`] for the baseline target.
#[inline(never)]
pub(crate) fn cross_scalar(acc: &mut [Complex<f64>], x: &[Complex<f64>], y: &[Complex<f64>]) {
    cross_body(acc, x, y);
}

/// [`FilterKernel`] for the baseline target.
#[inline(never)]
pub(crate) fn filter_scalar(acc: &mut [Complex<f64>], h: &[Complex<f64>], x: &[Complex<f64>]) {
    filter_body(acc, h, x);
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_movedup_pd, _mm256_mul_pd,
        _mm256_permute_pd, _mm256_set_pd, _mm256_storeu_pd, _mm256_xor_pd,
    };

    use super::*;

    /// Two complex values at `p` (4 doubles: re, im, re, im).
    ///
    /// # Safety
    ///
    /// `p` must point at 4 readable `f64` and the CPU must support AVX.
    #[inline(always)]
    unsafe fn load(p: *const Complex<f64>) -> __m256d {
        // SAFETY: the caller's contract; `Complex<f64>` is `repr(C)` (re, im).
        unsafe { _mm256_loadu_pd(p.cast::<f64>()) }
    }

    /// `acc += a' · b` two bins per step, where `a'` is `a` with the lanes
    /// of `sign` negated: `[ar·br, ar·bi] + [±ai·bi, ±ai·br]`, then added to
    /// `acc`; returns how many bins it did (an even number). With the
    /// imaginary lanes negated this is `conj(a) · b` and with the real lanes
    /// negated `a · b`, the same operations in the same order as
    /// [`cross_body`] and [`filter_body`], so the same bits.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX.
    #[target_feature(enable = "avx,avx2")]
    #[inline]
    unsafe fn pairs(
        acc: &mut [Complex<f64>],
        a: &[Complex<f64>],
        b: &[Complex<f64>],
        sign: __m256d,
    ) -> usize {
        let n = acc.len().min(a.len()).min(b.len());
        for k in (0..n / 2).map(|i| 2 * i) {
            // SAFETY: k + 1 < n, so 2 complex values are in every slice.
            unsafe {
                let av = load(a.as_ptr().add(k));
                let bv = load(b.as_ptr().add(k));
                let ar = _mm256_movedup_pd(av);
                let ai = _mm256_xor_pd(_mm256_permute_pd::<0b1111>(av), sign);
                let bs = _mm256_permute_pd::<0b0101>(bv);
                let sum = _mm256_add_pd(_mm256_mul_pd(ar, bv), _mm256_mul_pd(ai, bs));
                let dst = acc.as_mut_ptr().add(k);
                _mm256_storeu_pd(dst.cast::<f64>(), _mm256_add_pd(load(dst), sum));
            }
        }
        n - n % 2
    }

    /// `acc += conj(x) · y` ([`cross_body`]'s bits), two bins at a time.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx,avx2")]
    #[inline(never)]
    unsafe fn cross(acc: &mut [Complex<f64>], x: &[Complex<f64>], y: &[Complex<f64>]) {
        // Sign mask [+, −, +, −]: negates the imaginary lanes.
        let done = unsafe { pairs(acc, x, y, _mm256_set_pd(-0.0, 0.0, -0.0, 0.0)) };
        cross_body(&mut acc[done..], &x[done..], &y[done..]);
    }

    /// `acc += h · x` ([`filter_body`]'s bits), two bins at a time.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx,avx2")]
    #[inline(never)]
    unsafe fn filter(acc: &mut [Complex<f64>], h: &[Complex<f64>], x: &[Complex<f64>]) {
        // Sign mask [−, +, −, +]: negates the real lanes.
        let done = unsafe { pairs(acc, h, x, _mm256_set_pd(0.0, -0.0, 0.0, -0.0)) };
        filter_body(&mut acc[done..], &h[done..], &x[done..]);
    }

    /// Calls the AVX2 cross kernel; handed out only where AVX2 was detected.
    pub(super) fn cross_entry(acc: &mut [Complex<f64>], x: &[Complex<f64>], y: &[Complex<f64>]) {
        // SAFETY: `select_cross` returns this entry only after detecting AVX2.
        unsafe { cross(acc, x, y) }
    }

    /// Calls the AVX2 filter kernel; handed out only where AVX2 was detected.
    pub(super) fn filter_entry(acc: &mut [Complex<f64>], h: &[Complex<f64>], x: &[Complex<f64>]) {
        // SAFETY: `select_filter` returns this entry only after detecting AVX2.
        unsafe { filter(acc, h, x) }
    }
}

/// The [`CrossKernel`] for this CPU.
pub(crate) fn select_cross() -> CrossKernel {
    #[cfg(target_arch = "x86_64")]
    if audio_dsp::kernels::simd::avx2_available() {
        return avx2::cross_entry;
    }
    cross_scalar
}

/// The [`FilterKernel`] for this CPU.
pub(crate) fn select_filter() -> FilterKernel {
    #[cfg(target_arch = "x86_64")]
    if audio_dsp::kernels::simd::avx2_available() {
        return avx2::filter_entry;
    }
    filter_scalar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spectrum(n: usize, seed: u64) -> Vec<Complex<f64>> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let re = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let im = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                Complex::new(re * 1e3, im)
            })
            .collect()
    }

    #[test]
    fn the_chosen_copies_give_the_scalar_bits() {
        for n in [0usize, 1, 3, 128, 1025] {
            let (x, y) = (spectrum(n, 1), spectrum(n, 2));
            let mut want = spectrum(n, 3);
            let mut got = want.clone();
            cross_scalar(&mut want, &x, &y);
            select_cross()(&mut got, &x, &y);
            assert_eq!(got, want, "cross, {n} bins");
            // As num-complex computes `acc += x.conj() * y`.
            let mut reference = spectrum(n, 3);
            for ((a, xv), yv) in reference.iter_mut().zip(&x).zip(&y) {
                *a += xv.conj() * yv;
            }
            assert_eq!(want, reference, "cross vs num-complex, {n} bins");
            let mut want = spectrum(n, 4);
            let mut got = want.clone();
            filter_scalar(&mut want, &x, &y);
            select_filter()(&mut got, &x, &y);
            assert_eq!(got, want, "filter, {n} bins");
            let mut reference = spectrum(n, 4);
            for ((a, hv), xv) in reference.iter_mut().zip(&x).zip(&y) {
                *a += hv * xv;
            }
            assert_eq!(want, reference, "filter vs num-complex, {n} bins");
        }
    }
}
