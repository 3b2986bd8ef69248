//! # audio-dsp
//!
//! Audio signal processing in pure Rust whose results match
//! [librosa](https://librosa.org) 0.11 numerically: windows, STFT/ISTFT,
//! mel filterbanks, dB scaling, MFCC, Griffin-Lim, mu-law companding, and
//! (with later releases) CQT, chroma, resampling and onset strength.
//!
//! This crate is the bottom of the family and depends on no other crate of
//! ours: `audio-io`, `audio-eval` and `audio-nn` build on it, `audio-models`
//! builds on those, and the `audio` command line (`audio-cli`) fronts them all.
//!
//! ## Conventions
//!
//! These follow librosa unless a type's documentation says otherwise:
//!
//! - **Layout.** Signals are `(samples,)` or `(channels, samples)`;
//!   spectrograms are `(bins, frames)` or `(channels, bins, frames)`, frequency
//!   on the first axis after the channels, as librosa returns them.
//! - **FFT normalisation.** Forward transforms are unnormalised
//!   (`X[k] = sum_n x[n] e^{-2 pi i k n / N}`); the inverse divides by `N`, and
//!   the ISTFT divides by the window sum-square envelope.
//! - **Centring.** `center = true` pads `n_fft / 2` samples on both sides
//!   (constant zero padding by default, as librosa 0.10+), so frame `t` is
//!   centred on sample `t * hop_length`.
//! - **dB.** `power_to_db(S) = 10 log10(max(S, amin) / ref)`, `amin = 1e-10`,
//!   `ref = 1`, with optional `top_db` clipping below the peak.
//! - **Precision.** Every transform is generic over `f32` and `f64` through
//!   the [`Float`] trait.
//!
//! Errors are reported through [`Error`]; bad parameters never panic.

pub mod error;

pub use error::{Error, Result};

/// Floating-point sample types the transforms are generic over: `f32` and `f64`.
pub trait Float: realfft::FftNum + num_traits::Float + Default + std::fmt::Display {}

impl Float for f32 {}
impl Float for f64 {}
