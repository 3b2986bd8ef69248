//! # audio-io
//!
//! Getting audio, symbolic music and weights in and out of the family:
//! decoding WAV, FLAC, MP3 and OGG/Vorbis (block by block or whole), loading
//! like `librosa.load`, streaming like `librosa.stream`, writing WAV, MIDI
//! files and notes, piano rolls, the melody encoding of the melody-generation
//! seed, weight files (safetensors, PyTorch `.pth`), and spectrogram and
//! waveform pictures.
//!
//! `audio-io` depends on `audio-dsp` (for resampling on load) and on nothing
//! else of ours; `audio-models` and the `audio` command line build on it.
//!
//! ## Conventions
//!
//! - Samples are floats in `[-1, 1)`: integer PCM of `b` bits is divided by
//!   `2^(b-1)`, as `soundfile` and `librosa.load` do.
//! - Multichannel audio is `(channels, samples)`, librosa's layout.
//! - Hostile files give typed [`Error`]s: no panic, and no allocation sized
//!   from a header field without a bound.

pub mod audio;
mod colormap_tables;
pub mod decode;
pub mod error;
mod font;
pub mod load;
pub mod melody;
pub mod midi;
pub mod notes;
#[cfg(feature = "npy")]
pub mod npy;
pub mod piano_roll;
mod pickle;
pub mod picture;
pub mod wav;
pub mod weights;

pub use audio::{to_mono, Audio, Sample};
/// The family's note and key types (defined in `audio-dsp`).
pub use audio_dsp::{Key, KeyMode, Note};
pub use decode::{decode, decode_bytes, AudioInfo, AudioReader};
pub use error::{Error, Result};
pub use load::{load, load_bytes, load_from, resample_audio, LoadOptions, Stream, StreamOptions};
