//! Spectral features built on the transforms: mel spectrograms, MFCC and chroma.

pub mod chroma;
pub mod chroma_cens;
pub mod chroma_cqt;
pub mod melspectrogram;
pub mod mfcc;
