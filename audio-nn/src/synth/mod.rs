//! Differentiable synthesisers of DDSP (Engel et al. 2020): a harmonic
//! oscillator bank and filtered noise, driven by frame-rate controls.

pub mod filtered_noise;
pub mod harmonic;

pub use filtered_noise::{filtered_noise_direct, FilteredNoise, FilteredNoiseStream};
pub use harmonic::{harmonic_amplitudes, HarmonicBases, HarmonicStream, HarmonicSynth};
