//! # audio-models
//!
//! Models of the audio deep-learning literature, built from `audio-nn`
//! layers and `audio-dsp` front ends. Implemented today:
//!
//! - [`open_unmix`]: Open-Unmix (Stöter et al. 2019) for music source
//!   separation: inference equal to `openunmix` 1.3.0, loading of its official
//!   `.pth` checkpoints by their own key names, multichannel Wiener
//!   post-filtering, and training.
//! - [`demucs`]: Demucs v2 (`demucs.demucs.Demucs`), v3 (`HDemucs`) and v4
//!   (`HTDemucs`, with its cross-domain transformer), `apply_model` and bags
//!   of models, equal to `demucs` 4.1.0, loading the package's release `.th`
//!   and `.yaml` files; streamed separation in bounded memory; training (v2).
//! - [`basic_pitch`]: Basic Pitch (Bittner et al. 2022) for polyphonic note
//!   transcription, with its pretrained ICASSP 2022 weights embedded in the
//!   crate (144 KB), equal to `basic-pitch` 0.4.0.
//!
//! - [`wave_u_net`]: Wave-U-Net (Stoller et al. 2018) equal to the
//!   authors' PyTorch port, loading its checkpoints, with training.
//! - [`tf_mask`]: the LSTM time-frequency mask separator of seed 001.
//! - [`tagging`]: SampleCNN and the mel CNNs for tagging and
//!   classification.
//!
//! A small Open-Unmix trained here is embedded
//! ([`OpenUnmixSeparator::embedded`](open_unmix::OpenUnmixSeparator::embedded)).
//! - [`wavenet_separator`]: the Wavenet regression separator (Lluís et al.
//!   2019), with training.
//!
//! The generative models of the seeds: [`wavenet`] (with fast incremental
//! generation), [`melody`] (the LSTM melody generator of seed 002),
//! [`denoiser`] (seed 002's DCAE and VAE spectrogram denoisers), [`ddsp`]
//! (harmonic-plus-noise resynthesis and timbre transfer) and [`vocoder`]
//! (MelGAN). [`effects`] holds the TCN effect model with FiLM and
//! [`frame_mlp`] seed 004's frame-window piano transcriber.
//!
//! [`training`] holds the shared trainer, and [`datasets`] reads the folder
//! layouts it trains on (separation, classification, transcription, melody,
//! denoising, effects); [`augment`] holds the seeded data augmentations
//! (random gain, channel swap, noise, random remix) as composable transforms.
//!
//! `audio-models` depends on `audio-nn`, `audio-dsp` and `audio-io`; the
//! `audio` command line fronts it.
//!
//! ## Stable traits
//!
//! Models sit behind small traits ([`Separator`], [`Transcriber`],
//! [`Classifier`], [`Generator`]) so that swapping one model for another changes no caller code.

pub mod augment;
pub mod basic_pitch;
mod checked_weights;
pub mod datasets;
pub mod ddsp;
pub mod demucs;
pub mod denoiser;
pub mod effects;
pub mod error;
pub mod evaluation;
pub mod frame_mlp;
#[doc(hidden)]
pub mod fuzzing;
pub mod melody;
pub mod mixture_source;
mod mixture_windows;
pub mod open_unmix;
pub mod registry;
mod sampling;
pub mod separation_data;
pub mod tagging;
mod target_name;
pub mod tf_mask;
pub mod training;
pub mod traits;
pub mod vocoder;
pub mod wave_u_net;
pub mod wavenet;
pub mod wavenet_separator;

pub use datasets::Split;
pub use error::{Error, Result};
pub use training::{Dataset, Optimizer, TrainTask, Trainer, TrainerConfig};
pub use traits::{Classifier, Generator, Separator, Transcriber};

/// The code blocks of this crate's README, run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
