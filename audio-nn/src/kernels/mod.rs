//! CPU kernels for the fused inference paths, each chosen once, with a scalar fallback tested against it.

pub(crate) mod fast_math;
pub(crate) mod gemv;
pub(crate) mod gru_kernel;
pub(crate) mod im2col_conv;
pub(crate) mod lstm_kernel;
pub(crate) mod real_fft;
pub(crate) mod stft_fft;
pub(crate) mod tcn_kernel;

/// The instruction-set extensions a planned layer's kernels may use, detected
/// once, when the layer (or its packed weights, FFT plan) is built, and kept
/// with it, so no hot loop checks CPU features. Only [`Isa::detect`] can
/// report an extension as present, which is what makes the `unsafe` calls of
/// the SIMD copies sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa {
    avx2: bool,
    fma: bool,
}

impl Isa {
    /// What this CPU has (detected on the first call, then cached).
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            static DETECTED: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
            *DETECTED.get_or_init(|| Isa {
                avx2: std::arch::is_x86_feature_detected!("avx2"),
                fma: std::arch::is_x86_feature_detected!("fma"),
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self::scalar()
        }
    }

    /// No extensions: the scalar fallbacks (for tests against the SIMD copies).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn scalar() -> Self {
        Isa {
            avx2: false,
            fma: false,
        }
    }

    /// AVX2 is present.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn avx2(self) -> bool {
        self.avx2
    }

    /// AVX2 and FMA are present.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn avx2_fma(self) -> bool {
        self.avx2 && self.fma
    }
}
