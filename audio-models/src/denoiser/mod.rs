//! The spectrogram denoising autoencoders of seed 002: a deep
//! convolutional autoencoder (DCAE) and a variational autoencoder (VAE)
//! that map the scaled dB spectrogram of a noisy 0.55 s clip to the clean
//! one, with Griffin-Lim back to audio.
//!
//! - [`DenoiserConfig`], [`SpectrogramConfig`], [`AutoencoderKind`]: the
//!   architecture (and the seed's Table 1 grid, [`DenoiserConfig::seed`])
//!   and the front end;
//! - [`SpectrogramFrontEnd`], [`ScaledSpectrogram`]: clip → `|STFT|` dB →
//!   `[0, 1]` and back through Griffin-Lim;
//! - [`AutoencoderNet`]: the network on candle;
//! - [`autoencoder_loss`]: the seed's loss `α·MSE + KL` (on audio-nn's
//!   `vae_kl` and `reparameterize`);
//! - [`train`]: training on a denoising dataset through the shared trainer;
//! - [`SpectrogramDenoiser`]: a trained model, denoising audio of any
//!   length clip by clip, and the seed's evaluation (image MSE, SI-SDR).

mod config;
mod loss;
mod model;
mod network;
mod spectrogram;
mod training;

pub use config::{AutoencoderKind, DenoiserConfig, SpectrogramConfig};
pub use loss::autoencoder_loss;
pub use model::{DenoiserScores, SpectrogramDenoiser, GRIFFIN_LIM_ITERS};
pub use network::{mse_per_item, AutoencoderNet, AutoencoderOutput, Encoded};
pub use spectrogram::{ScaledSpectrogram, SpectrogramFrontEnd, AMIN};
pub use training::{image_batch, load_images, train, TrainConfig, ARCHITECTURES};
