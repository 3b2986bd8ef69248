//! Sample-rate conversion: the exact FFT method, the rubato-based quality presets and the two-stage engine of `High` at non-integer rates.

pub mod resampler;
mod soxr;
mod two_stage;

pub use resampler::{resample, ResampleMethod, ResampleStream, Resampler};
