//! CPU kernels, each chosen once when a transform is planned, with a scalar
//! fallback tested against it.
//!
//! The module is public only so that `benches/kernels.rs` can time the
//! variants and the family's other crates share the CPU detection
//! (`simd::avx2_available`); it is not part of the supported API.

#[doc(hidden)]
pub mod simd;

pub(crate) mod same_type;

use num_complex::Complex;

use crate::Float;

/// A kernel from complex spectra to real values (`out[i] = f(z[i])`).
pub(crate) type SpectrumKernel<T> = fn(&[Complex<T>], &mut [T]);

/// The spectrum kernels a planned transform runs, picked for this CPU once,
/// when the transform is planned, so no hot loop checks CPU features.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpectrumKernels<T> {
    /// `re^2 + im^2`.
    pub power: SpectrumKernel<T>,
    /// `sqrt(re^2 + im^2)`.
    pub magnitude: SpectrumKernel<T>,
}

impl<T: Float> SpectrumKernels<T> {
    /// The fastest variants this CPU runs.
    pub(crate) fn detect() -> Self {
        Self {
            power: simd::power::<T>,
            magnitude: simd::select_magnitude::<T>(),
        }
    }
}
