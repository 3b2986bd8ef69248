//! # audio-io
//!
//! Getting audio, symbolic music and weights in and out of the family:
//! decoding WAV (and FLAC, MP3, OGG), loading like `librosa.load`, writing
//! WAV, MIDI and piano rolls, weight files, and spectrogram pictures.
//!
//! `audio-io` depends on `audio-dsp` (for resampling on load) and on nothing
//! else of ours; `audio-models` and the `audio` command line build on it.
//!
//! ## Conventions
//!
//! - Samples are floats in `[-1, 1)`: integer PCM of `b` bits is divided by
//!   `2^(b-1)`, as `soundfile` and `librosa.load` do.
//! - Multichannel audio is `(channels, samples)`, librosa's layout.

pub mod error;
pub mod wav;

pub use error::{Error, Result};
