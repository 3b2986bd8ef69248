//! # audio-models
//!
//! The reference models of the audio deep-learning literature, built from
//! `audio-nn` layers and `audio-dsp` front ends, each with inference, training
//! and loading of its official weights: Open-Unmix, Wave-U-Net and Demucs for
//! separation; a FiLM-conditioned TCN for effects; WaveNet; SampleCNN and a
//! VGG-style mel CNN for tagging; a convolutional autoencoder and a VAE for
//! denoising; an LSTM melody generator, a piano transcriber and the pretrained
//! Basic Pitch for transcription.
//!
//! `audio-models` depends on `audio-nn`, `audio-dsp` and `audio-io`; the
//! `audio` command line fronts it.
//!
//! ## Stable traits
//!
//! Models sit behind small traits ([`Separator`], [`Transcriber`],
//! [`Classifier`], [`Generator`]) so that swapping one model for another changes no caller code.

pub mod basic_pitch;
pub mod error;
pub mod open_unmix;
pub mod traits;

pub use error::{Error, Result};
pub use traits::{Classifier, Generator, Separator, TranscribedNote, Transcriber};
