//! Spectral features built on the transforms: mel spectrograms, MFCC, chroma,
//! the spectral shape descriptors, RMS, zero-crossing rate, deltas,
//! stacked memory, tonal centroids, and the rhythm features (tempograms
//! and tempo).

pub mod chroma;
pub mod chroma_cens;
pub mod chroma_cqt;
pub mod delta;
pub mod melspectrogram;
pub mod mfcc;
pub mod rhythm;
pub mod rms;
pub mod spectral;
pub mod stack_memory;
pub mod tonnetz;
pub mod zero_crossing_rate;
