//! CPU kernels for the fused inference paths, each chosen once, with a scalar fallback tested against it.

pub(crate) mod fast_math;
pub(crate) mod gemv;
pub(crate) mod gru_kernel;
pub(crate) mod lstm_kernel;
pub(crate) mod real_fft;
pub(crate) mod stft_fft;
pub(crate) mod tcn_kernel;
