//! # audio-dsp
//!
//! Audio signal processing in pure Rust whose results match
//! [librosa](https://librosa.org) 0.11 numerically: windows, STFT/ISTFT,
//! mel filterbanks, dB scaling, MFCC, Griffin-Lim, mu-law companding,
//! constant-Q transforms (CQT, VQT, hybrid, harmonic, inverse), chroma
//! (STFT, CQT, CENS), resampling, onset strength and detection, tuning,
//! YIN/pYIN pitch tracking and Krumhansl-Kessler key estimation.
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

pub mod beat;
pub mod convert;
pub mod cqt;
pub mod decompose;
pub mod effects;
pub mod error;
pub mod feature;
pub mod filters;
#[doc(hidden)]
pub mod fuzzing;
pub mod kernels;
pub mod music;
pub mod onset;
pub mod pitch;
pub mod resample;
pub mod spectral;
pub mod transform;
pub mod util;

pub use convert::{
    a_weighting, frames_to_samples, frames_to_time, hz_to_midi, hz_to_note, midi_to_hz,
    midi_to_note, midi_to_note_with, note_to_hz, note_to_midi, note_to_pitch_class,
    samples_to_frames, samples_to_time, time_to_frames, time_to_samples, PitchNameOptions,
    PITCH_CLASS_NAMES,
};
pub use cqt::constant_q::{cqt, vqt, Cqt, CqtConfig};
pub use cqt::cqt_filters::{cqt_frequencies, C1_HZ};
pub use cqt::hcqt::{Hcqt, HcqtConfig};
pub use cqt::hybrid_cqt::{hybrid_cqt, HybridCqt};
pub use cqt::icqt::Icqt;
pub use cqt::streaming_cqt::StreamingCqt;
pub use cqt::streaming_hcqt::StreamingHcqt;
pub use cqt::streaming_hybrid_cqt::StreamingHybridCqt;
pub use effects::{
    phase_vocoder, pitch_shift, time_stretch, PhaseVocoder, PitchShift, PitchShiftConfig,
    TimeStretch,
};
pub use error::{Error, Result};
pub use feature::chroma::{
    chroma_stft, ChromaConfig, ChromaFilterbank, ChromaStft, ChromaStftConfig,
};
pub use feature::chroma_cens::{chroma_cens, CensStream, ChromaCens, ChromaCensConfig};
pub use feature::chroma_cqt::{chroma_cqt, cq_to_chroma, ChromaCqt, ChromaCqtConfig, CqtMode};
pub use feature::melspectrogram::{MelSpectrogram, MelSpectrogramConfig};
pub use feature::mfcc::{Mfcc, MfccConfig};
pub use feature::streaming_melspectrogram::StreamingMelSpectrogram;
pub use filters::dct::{dct_matrix, DctNorm, DctType};
pub use filters::mel::{
    fft_frequencies, hz_to_mel, mel_frequencies, mel_to_hz, MelConfig, MelFilterbank, MelNorm,
};
pub use filters::window::{get_window, pad_center, WindowKind};
pub use music::key::{
    estimate_key, estimate_key_from_notes, estimate_key_from_signal, filter_notes_in_key,
    key_from_profile, transpose_notes, transpose_to_c_major_a_minor, Key, KeyEstimate, KeyMode,
    KRUMHANSL_KESSLER_MAJOR, KRUMHANSL_KESSLER_MINOR,
};
pub use music::note::Note;
pub use music::postprocess::{KeySelection, Postprocess};
pub use music::quantize::{quantize_notes, QuantizeGrid};
pub use onset::onset_detect::{onset_backtrack, onset_detect, OnsetDetect, OnsetDetectConfig};
pub use onset::onset_strength::{
    onset_strength, OnsetAggregate, OnsetStrength, OnsetStrengthConfig,
};
pub use onset::peak_pick::{peak_pick, PeakPickConfig};
pub use onset::streaming_onset_strength::StreamingOnsetStrength;
pub use pitch::pyin::{pyin, Pyin, PyinConfig, PyinOutput, PyinStream};
pub use pitch::tuning::{estimate_tuning, piptrack, pitch_tuning, TuningConfig, TuningEstimator};
pub use pitch::yin::{yin, Yin, YinConfig};
pub use resample::resampler::{resample, ResampleMethod, ResampleStream, Resampler};
pub use spectral::griffin_lim::{
    griffin_lim, GriffinLimConfig, GriffinLimInit, GriffinLimPrecision,
};
pub use spectral::istft::{Istft, IstftConfig};
pub use spectral::spectrogram::{spectrogram, spectrogram_power, spectrogram_power_by_frame};
pub use spectral::stft::{Stft, StftConfig};
pub use spectral::streaming_istft::StreamingIstft;
pub use spectral::streaming_stft::StreamingStft;
pub use transform::Transform;
pub use util::db::{amplitude_to_db, db_to_amplitude, db_to_power, power_to_db, DbReference};
pub use util::frame::{frame, overlap_add};
pub use util::mu_law::{mu_compress, mu_compress_quantized, mu_expand, mu_expand_quantized};
pub use util::norm::PNorm;
pub use util::pad::{pad, PadMode};
pub use util::rng::SeededRng;

/// Floating-point sample types the transforms are generic over: `f32` and `f64`.
pub trait Float:
    realfft::FftNum + num_traits::Float + Default + std::fmt::Display + 'static
{
}

impl Float for f32 {}
impl Float for f64 {}

/// The code blocks of this crate's README, run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The code blocks of the repository's README (its dependency snippet),
/// run as doctests. Not in the published package, and only read under `cfg(doctest)`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadmeDoctests;
