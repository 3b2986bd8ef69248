//! # audio-io
//!
//! Getting audio, symbolic music and weights in and out of the family:
//! decoding WAV, FLAC, MP3 and OGG/Vorbis (block by block or whole), loading
//! like `librosa.load`, streaming like `librosa.stream`, writing WAV and FLAC, MIDI
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
//!
//! ## Cargo features
//!
//! WAV reading and writing, and FLAC writing, are always available. The rest is opt-in, so a
//! user of `load` does not compile the PNG encoder, the font or the unpickler:
//!
//! | feature | default | what |
//! |---|---|---|
//! | `decode` | yes | FLAC, MP3, OGG/Vorbis (and WAV) through symphonia; [`load()`], [`Stream`] |
//! | `midi` | no | MIDI files, notes CSV/JSON, piano rolls, the melody encoding, Humdrum `**kern` scores |
//! | `weights` | no | safetensors and PyTorch `.pth` checkpoints |
//! | `picture` | no | spectrogram and waveform pictures (PNG) |
//! | `npy` | no | NumPy `.npy` / `.npz` arrays |

pub mod audio;
#[cfg(feature = "picture")]
mod colormap_tables;
#[cfg(feature = "decode")]
pub mod convert;
#[cfg(feature = "decode")]
pub mod decode;
pub mod error;
pub mod flac;
#[cfg(feature = "picture")]
mod font;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "midi")]
pub mod kern;
#[cfg(feature = "decode")]
pub mod load;
/// `load` as a stream of blocks in bounded memory.
#[cfg(feature = "decode")]
pub mod load_stream;
#[cfg(feature = "midi")]
pub mod melody;
#[cfg(feature = "midi")]
pub mod midi;
#[cfg(feature = "midi")]
pub mod notes;
#[cfg(feature = "npy")]
pub mod npy;
#[cfg(feature = "npy")]
mod npy_columns;
pub mod output_file;
#[cfg(feature = "midi")]
pub mod piano_roll;
#[cfg(feature = "weights")]
mod pickle;
#[cfg(feature = "picture")]
pub mod picture;
#[cfg(feature = "weights")]
mod py_value;
mod quantizer;
pub mod stream_writer;
mod third_party;
pub mod wav;
#[cfg(feature = "weights")]
pub mod weights;
#[cfg(any(feature = "weights", feature = "npy"))]
mod zip_archive;

pub use audio::{to_mono, Audio, Sample};
/// The family's note and key types (defined in `audio-dsp`).
pub use audio_dsp::{Key, KeyMode, Note};
#[cfg(feature = "decode")]
pub use decode::{decode, decode_bytes, AudioInfo, AudioReader};
pub use error::{Error, Result};
#[cfg(feature = "decode")]
pub use load::{load, load_bytes, load_from, resample_audio, LoadOptions, Stream, StreamOptions};
#[cfg(feature = "decode")]
pub use load_stream::{LoadStream, LOAD_BLOCK_FRAMES};
pub use output_file::{write_file, OutputFile};
pub use stream_writer::{AudioStreamWriter, OutputFormat};

/// The code blocks of this crate's README, run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
