//! Spectral features built on the transforms: mel spectrograms, MFCC, chroma,
//! the spectral shape descriptors, RMS, zero-crossing rate, deltas,
//! stacked memory, tonal centroids, the rhythm features (tempograms
//! and tempo), and the inverses of the mel spectrogram and the MFCC.

pub mod chroma;
pub mod chroma_cens;
pub mod chroma_cqt;
pub mod delta;
pub mod inverse;
pub mod melspectrogram;
pub mod mfcc;
pub mod rhythm;
pub mod rms;
pub mod spectral;
pub mod stack_memory;
pub mod streaming_melspectrogram;
pub mod tonnetz;
pub mod zero_crossing_rate;
