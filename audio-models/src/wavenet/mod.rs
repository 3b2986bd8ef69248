//! WaveNet (van den Oord et al. 2016, "WaveNet: A Generative Model for Raw
//! Audio"; seed 003's generative zoo): dilated causal convolutions with
//! gated activations, residual and skip paths and a 256-way μ-law softmax
//! or a discretized mixture of logistics, with optional local (a log-mel
//! spectrogram, repeated or upsampled by learned kernels) and global
//! conditioning.
//!
//! - [`WaveNetConfig`]: the sizes (stacks of layers with dilations 1, 2,
//!   …, 2^(n-1));
//! - [`WaveNet`]: the network on candle (teacher-forced logits);
//! - [`FastWaveNet`]: generation sample by sample with per-layer queues
//!   (Paine et al. 2016), and the naive recomputation it replaces, which
//!   gives the same samples to the bit; a [`crate::Generator`];
//! - [`train`]: teacher-forced training on labelled audio through the
//!   shared trainer, globally conditioned on the label and locally on the
//!   audio's own log-mel spectrogram when the model takes one (a WaveNet
//!   vocoder).

mod config;
mod generation;
mod network;
mod training;

pub use config::WaveNetConfig;
pub use generation::{FastWaveNet, GenerateConfig};
pub use network::WaveNet;
pub use training::{audio_to_classes, train, TrainConfig, WaveNetArchitecture, ARCHITECTURE};

use ndarray::Array2;

use crate::{Error, Result};

/// The audio of μ-law classes: `mu_expand` of `(class - Q/2) · 2 / Q`
/// (`librosa.mu_expand(quantize=True)`), `Q` classes, `mu = Q - 1`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for fewer than 2 classes.
pub fn classes_to_audio(classes: &[usize], quantization_channels: usize) -> Result<Vec<f32>> {
    if quantization_channels < 2 {
        return Err(Error::InvalidParameter {
            name: "quantization_channels",
            value: quantization_channels.to_string(),
            expected: "at least 2 classes",
        });
    }
    let half = (quantization_channels / 2) as i64;
    #[allow(clippy::cast_possible_wrap, reason = "classes are below 2^16")]
    let codes: Vec<i64> = classes.iter().map(|&c| c as i64 - half).collect();
    Ok(audio_dsp::mu_expand_quantized(
        &codes,
        (quantization_channels - 1) as f64,
    )?)
}

impl crate::Generator for FastWaveNet {
    fn sample_rate(&self) -> u32 {
        self.config().sample_rate
    }

    /// Unconditioned generation at temperature 1 from silence.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a conditioned model (use
    /// [`FastWaveNet::generate`] with its conditioning).
    fn generate(&self, length: usize, seed: u64) -> Result<Array2<f32>> {
        let c = self.config();
        if c.local_channels.is_some() || c.global_classes.is_some() {
            return Err(Error::InvalidParameter {
                name: "conditioning",
                value: "a conditioned WaveNet".into(),
                expected: "an unconditioned model (or FastWaveNet::generate with its conditioning)",
            });
        }
        let audio = self.generate_audio(
            length,
            None,
            &GenerateConfig {
                seed,
                ..GenerateConfig::default()
            },
        )?;
        Array2::from_shape_vec((1, length), audio).map_err(|_| Error::Empty {
            what: "generated audio",
        })
    }
}
