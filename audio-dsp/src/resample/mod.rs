//! Sample-rate conversion: the exact FFT method and the rubato-based quality presets.

pub mod resampler;
mod two_stage;

pub use resampler::{resample, ResampleMethod, Resampler};
