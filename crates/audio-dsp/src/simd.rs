//! Element-wise kernels of the hot paths, compiled twice: once for the
//! baseline target and once with AVX2 + FMA enabled, chosen at run time.
//!
//! Each kernel body is an ordinary loop that LLVM vectorises; the AVX2 copy
//! gets 256-bit registers (8 `f32` or 4 `f64` lanes against SSE2's 4 or 2).
//! No kernel reorders a floating-point reduction, so both copies give
//! bit-identical results (tested below, and `benches/kernels.rs` measures
//! what the AVX2 copy pays).

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

macro_rules! dispatched {
    (
        $(#[$doc:meta])*
        fn $name:ident / $scalar:ident / $avx2:ident <T>($($arg:ident : $ty:ty),*) $body:block
    ) => {
        $(#[$doc])*
        #[inline]
        pub fn $name<T: Float>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if avx2_available() {
                    // SAFETY: the CPU supports AVX2 and FMA (checked above).
                    unsafe { $avx2($($arg),*) };
                    return;
                }
            }
            $scalar($($arg),*)
        }

        /// The baseline-target copy of the kernel of the same name.
        #[inline(never)]
        pub fn $scalar<T: Float>($($arg: $ty),*) $body

        /// The AVX2 + FMA copy of the kernel of the same name.
        ///
        /// # Safety
        ///
        /// The CPU must support AVX2 and FMA ([`avx2_available`]).
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        #[inline(never)]
        pub unsafe fn $avx2<T: Float>($($arg: $ty),*) $body
    };
}

dispatched! {
    /// `out[i] = a[i] * b[i]` over the shortest of the three slices (window multiply).
    fn multiply / multiply_scalar / multiply_avx2<T>(a: &[T], b: &[T], out: &mut [T]) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = x * y;
        }
    }
}

dispatched! {
    /// `acc[i] += a[i] * b[i]` (windowed overlap-add).
    fn multiply_add / multiply_add_scalar / multiply_add_avx2<T>(a: &[T], b: &[T], acc: &mut [T]) {
        for ((o, &x), &y) in acc.iter_mut().zip(a).zip(b) {
            *o = *o + x * y;
        }
    }
}

dispatched! {
    /// `out[i] = re^2 + im^2` (power spectrum).
    fn power / power_scalar / power_avx2<T>(z: &[Complex<T>], out: &mut [T]) {
        for (o, c) in out.iter_mut().zip(z) {
            *o = c.re * c.re + c.im * c.im;
        }
    }
}

dispatched! {
    /// `out[i] = sqrt(re^2 + im^2)` (magnitude spectrum).
    fn magnitude / magnitude_scalar / magnitude_avx2<T>(z: &[Complex<T>], out: &mut [T]) {
        for (o, c) in out.iter_mut().zip(z) {
            *o = (c.re * c.re + c.im * c.im).sqrt();
        }
    }
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
        fn avx2_kernels_equal_scalar(
            a in proptest::collection::vec(-1e3f32..1e3, 0..300),
            b in proptest::collection::vec(-1e3f32..1e3, 0..300),
            z in proptest::collection::vec((-1e3f32..1e3, -1e3f32..1e3), 0..300),
        ) {
            let n = a.len().min(b.len());
            let (mut s, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
            multiply_scalar(&a, &b, &mut s);
            multiply(&a, &b, &mut v);
            prop_assert_eq!(&s, &v);
            let (mut s2, mut v2) = (a[..n].to_vec(), a[..n].to_vec());
            multiply_add_scalar(&a, &b, &mut s2);
            multiply_add(&a, &b, &mut v2);
            prop_assert_eq!(&s2, &v2);
            let z = complex(&z);
            let (mut p1, mut p2) = (vec![0.0f32; z.len()], vec![0.0f32; z.len()]);
            power_scalar(&z, &mut p1);
            power(&z, &mut p2);
            prop_assert_eq!(&p1, &p2);
            magnitude_scalar(&z, &mut p1);
            magnitude(&z, &mut p2);
            prop_assert_eq!(&p1, &p2);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_copies_equal_scalar_f64() {
        if !avx2_available() {
            return;
        }
        let a: Vec<f64> = (0..1031).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..1031).map(|i| (i as f64 * 0.11).cos()).collect();
        let (mut s, mut v) = (vec![0.0; a.len()], vec![0.0; a.len()]);
        multiply_scalar(&a, &b, &mut s);
        // SAFETY: AVX2 and FMA are available (checked above).
        unsafe { multiply_avx2(&a, &b, &mut v) };
        assert_eq!(s, v);
    }
}
