//! A MelGAN vocoder (Kumar et al. 2019; seed 003's GANs): a convolutional
//! generator from a log-mel spectrogram to the waveform, trained against a
//! multi-scale discriminator with the hinge loss and feature matching, and
//! optionally the multi-resolution STFT loss; compared with Griffin-Lim on
//! the same mel.
//!
//! - [`MelGanConfig`]: sizes (the reference implementation's by default);
//! - [`LogMel`]: the front end of `mel2wav.modules.Audio2Mel`;
//! - [`MelGanGenerator`], [`MultiScaleDiscriminator`]: the networks, with
//!   `mel2wav`'s key names;
//! - [`discriminator_hinge_loss`], [`generator_hinge_loss`],
//!   [`feature_matching_loss`]: the losses;
//! - [`MelGan`]: a vocoder (chunked vocoding, copy synthesis, Griffin-Lim
//!   on the same mel, the evaluation);
//! - [`train`]: training on a split of renders.

mod config;
mod discriminator;
mod generator;
mod loss;
mod mel;
mod model;
mod training;

pub use config::MelGanConfig;
pub use discriminator::{MultiScaleDiscriminator, ScaleDiscriminator};
pub use generator::{MelGanGenerator, LEAKY_SLOPE};
pub use loss::{discriminator_hinge_loss, feature_matching_loss, generator_hinge_loss};
pub use mel::{LogMel, LogMelConfig, LogMelStream, MEL_FLOOR};
pub use model::{MelGan, VocodeStream, VocoderScores, CHUNK_FRAMES, EVAL_HOP, EVAL_N_FFT};
pub use training::{train, TrainConfig, ARCHITECTURE, DISCRIMINATOR_PREFIX, STFT_RESOLUTIONS};
