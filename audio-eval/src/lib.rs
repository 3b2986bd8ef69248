//! # audio-eval
//!
//! Evaluation metrics that give the same numbers as
//! [mir_eval](https://github.com/craffel/mir_eval) 0.8 and
//! [museval](https://github.com/sigsep/sigsep-mus-eval) 0.4: BSS Eval
//! (sources, images, framewise, v4) and SI-SDR for separation; transcription,
//! multipitch, onset, melody, beat and key metrics; classification scores.
//!
//! `audio-eval` depends on `audio-dsp` (FFTs) and on nothing else of ours, so
//! it can score the output of any separator or transcriber, Rust or not.
//!
//! ## Conventions
//!
//! - Signals are `(sources, samples)` or `(sources, samples, channels)` as in
//!   museval; times are in seconds, frequencies in Hz, as in mir_eval.
//! - Metrics are `f64`.

pub mod error;
#[doc(hidden)]
pub mod fuzzing;

// Music information retrieval (mir_eval 0.8.2).
pub mod annotations;
pub mod beat;
pub mod classification;
pub mod key;
mod matching;
pub mod melody;
pub mod multipitch;
pub mod onset;
pub mod report;
pub mod scores;
pub mod tagging;
pub mod transcription;
pub mod transcription_velocity;
mod validate;

// Source separation (mir_eval 0.8.2 separation, museval 0.4.1, SI-SDR).
pub mod separation;

pub use error::{Error, Result};

/// The code blocks of this crate's README, run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
