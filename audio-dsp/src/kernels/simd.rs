//! Element-wise kernels of the hot paths.
//!
//! Each kernel body is an ordinary loop that LLVM vectorises for the baseline
//! target (SSE2). Where `benches/kernels.rs` showed that a copy compiled with
//! AVX2 + FMA pays, the kernel is compiled twice and the copy is chosen at run
//! time, once, when a transform is planned ([`select_magnitude`], kept as a
//! function pointer by the plan): only the magnitude (its square roots run 8 lanes wide: 1.9x on one
//! STFT's worth of data); the others are memory-bound and gained nothing, so
//! they have no AVX2 copy (figures in docs/src/performance.md). No kernel
//! reorders a floating-point reduction, so both copies give bit-identical
//! results (tested below).

use num_complex::Complex;

use crate::Float;

/// Whether the AVX2 + FMA copies can run on this CPU (detected once).
pub fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static DETECTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `out[i] = a[i] * b[i]` over the shortest of the three slices (window multiply).
#[inline]
pub fn multiply<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = x * y;
    }
}

/// `acc[i] += a[i] * b[i]` (windowed overlap-add).
#[inline]
pub fn multiply_add<T: Float>(a: &[T], b: &[T], acc: &mut [T]) {
    for ((o, &x), &y) in acc.iter_mut().zip(a).zip(b) {
        *o = *o + x * y;
    }
}

/// `out[i] = re^2 + im^2` (power spectrum).
#[inline]
pub fn power<T: Float>(z: &[Complex<T>], out: &mut [T]) {
    for (o, c) in out.iter_mut().zip(z) {
        *o = c.re * c.re + c.im * c.im;
    }
}

/// `out[i] = sqrt(re^2 + im^2)` (magnitude spectrum): the baseline-target copy.
#[inline(never)]
pub fn magnitude_scalar<T: Float>(z: &[Complex<T>], out: &mut [T]) {
    for (o, c) in out.iter_mut().zip(z) {
        *o = (c.re * c.re + c.im * c.im).sqrt();
    }
}

/// The AVX2 + FMA copy of [`magnitude_scalar`] (same loop, compiled for
/// AVX2: its square roots run 8 lanes wide).
///
/// # Safety
///
/// The CPU must support AVX2 and FMA ([`avx2_available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
pub unsafe fn magnitude_avx2<T: Float>(z: &[Complex<T>], out: &mut [T]) {
    for (o, c) in out.iter_mut().zip(z) {
        *o = (c.re * c.re + c.im * c.im).sqrt();
    }
}

/// Calls [`magnitude_avx2`]; only [`select_magnitude`] hands it out, and
/// only after checking the CPU.
#[cfg(target_arch = "x86_64")]
fn magnitude_avx2_checked<T: Float>(z: &[Complex<T>], out: &mut [T]) {
    // SAFETY: `select_magnitude` returns this function only when
    // `avx2_available()` is true: the CPU supports AVX2 and FMA.
    unsafe { magnitude_avx2(z, out) }
}

/// The magnitude kernel for this CPU: [`magnitude_avx2`] where AVX2 and FMA
/// are available, else [`magnitude_scalar`]. Call it once, when planning, and
/// keep the function pointer.
pub fn select_magnitude<T: Float>() -> fn(&[Complex<T>], &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_available() {
            return magnitude_avx2_checked::<T>;
        }
    }
    magnitude_scalar::<T>
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn complex(v: &[(f32, f32)]) -> Vec<Complex<f32>> {
        v.iter().map(|&(re, im)| Complex::new(re, im)).collect()
    }

    proptest! {
        #[test]
        fn avx2_magnitude_equals_scalar(
            z in proptest::collection::vec((-1e3f32..1e3, -1e3f32..1e3), 0..300),
        ) {
            let z = complex(&z);
            let (mut p1, mut p2) = (vec![0.0f32; z.len()], vec![0.0f32; z.len()]);
            magnitude_scalar(&z, &mut p1);
            select_magnitude::<f32>()(&z, &mut p2);
            prop_assert_eq!(&p1, &p2);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_magnitude_equals_scalar_f64() {
        if !avx2_available() {
            return;
        }
        let z: Vec<Complex<f64>> = (0..1031)
            .map(|i| Complex::new((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()))
            .collect();
        let (mut s, mut v) = (vec![0.0; z.len()], vec![0.0; z.len()]);
        magnitude_scalar(&z, &mut s);
        // SAFETY: AVX2 and FMA are available (checked above).
        unsafe { magnitude_avx2(&z, &mut v) };
        assert_eq!(s, v);
    }
}
