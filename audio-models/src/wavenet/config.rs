//! WaveNet's configuration.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// WaveNet (van den Oord et al. 2016): stacks of dilated causal
/// convolutions with gated activations, residual and skip paths, a μ-law
/// softmax output or a discretized mixture of logistics, and optional local
/// (an upsampled spectrogram) and global (a class id) conditioning.
///
/// The output is a softmax over `quantization_channels` μ-law classes
/// (input: the one-hot class of each sample) by default. With
/// `mixtures: Some(K)` it is a discretized mixture of `K` logistics
/// (Salimans et al. 2017, as r9y9's `wavenet_vocoder`): the input is the
/// sample itself in `[−1, 1]` (one channel), the head gives `3K`
/// parameters per sample, and `quantization_channels` is the number of
/// discretization bins (65536 for 16-bit audio).
///
/// Local conditioning reaches the audio rate by repeating each frame
/// `local_hop` times, or, with `upsample_scales` (whose product is
/// `local_hop`), by r9y9's `UpsampleNetwork`: per scale `s`, each frame
/// repeated `s` times (nearest) then smoothed along time by a learned
/// kernel of `2s + 1` taps shared by all bands (a `Conv2d(1, 1, (1, 2s+1))`
/// without bias, padding `s`), with no activation.
///
/// Layer `i` has dilation `2^(i mod layers_per_stack)` and kernel 2, so the
/// receptive field is `1 + stacks × (2^layers_per_stack - 1)` samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaveNetConfig {
    /// Sample rate of the generated audio, in Hz.
    pub sample_rate: u32,
    /// μ-law classes (256: 8 bits, `mu = 255`).
    pub quantization_channels: usize,
    /// Residual channels `C`.
    pub residual_channels: usize,
    /// Skip channels `S`.
    pub skip_channels: usize,
    /// Layers in each stack (dilations 1, 2, …, 2^(n-1)).
    pub layers_per_stack: usize,
    /// Stacks.
    pub stacks: usize,
    /// Local conditioning: channels of the conditioning frames (a mel
    /// spectrogram's bands), or `None`.
    pub local_channels: Option<usize>,
    /// Samples per conditioning frame: each frame is repeated this many
    /// times to reach the audio rate.
    pub local_hop: usize,
    /// Global conditioning: number of classes (speakers, instruments), or
    /// `None`.
    pub global_classes: Option<usize>,
    /// Width of the global embedding.
    pub global_dim: usize,
    /// The output distribution: `None` for the μ-law softmax, `Some(K)`
    /// for a discretized mixture of `K` logistics.
    pub mixtures: Option<usize>,
    /// The learned upsampling of the local conditioning, scale by scale
    /// (product `local_hop`); empty: repetition.
    pub upsample_scales: Vec<usize>,
}

impl Default for WaveNetConfig {
    /// A small WaveNet at 16 kHz: 2 stacks of 10 layers (receptive field
    /// 2047 samples, 128 ms), 64 residual and 128 skip channels, 256 μ-law
    /// classes, unconditioned.
    fn default() -> Self {
        Self {
            sample_rate: 16_000,
            quantization_channels: 256,
            residual_channels: 64,
            skip_channels: 128,
            layers_per_stack: 10,
            stacks: 2,
            local_channels: None,
            local_hop: 256,
            global_classes: None,
            global_dim: 16,
            mixtures: None,
            upsample_scales: Vec::new(),
        }
    }
}

impl WaveNetConfig {
    /// The network's input channels per sample: `Q` one-hot classes, or
    /// the sample itself for a mixture of logistics.
    pub fn input_channels(&self) -> usize {
        if self.mixtures.is_some() {
            1
        } else {
            self.quantization_channels
        }
    }

    /// The head's outputs per sample: `Q` logits, or `3K` mixture
    /// parameters.
    pub fn output_channels(&self) -> usize {
        self.mixtures.map_or(self.quantization_channels, |k| 3 * k)
    }

    /// Total layers.
    pub fn layers(&self) -> usize {
        self.stacks * self.layers_per_stack
    }

    /// The dilation of layer `i`.
    pub fn dilation(&self, i: usize) -> usize {
        1 << (i % self.layers_per_stack.max(1))
    }

    /// Samples that one output sees: `1 + Σ dilations`.
    pub fn receptive_field(&self) -> usize {
        1 + (0..self.layers()).map(|i| self.dilation(i)).sum::<usize>()
    }

    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero size, fewer than 2 classes,
    /// more than 20 layers per stack, zero mixtures, or upsampling scales
    /// that are zero or whose product is not `local_hop`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("sample_rate", self.sample_rate as usize),
            ("residual_channels", self.residual_channels),
            ("skip_channels", self.skip_channels),
            ("layers_per_stack", self.layers_per_stack),
            ("stacks", self.stacks),
            ("local_hop", self.local_hop),
            ("global_dim", self.global_dim),
        ] {
            if v == 0 {
                return Err(Error::InvalidParameter {
                    name,
                    value: "0".into(),
                    expected: "> 0",
                });
            }
        }
        if self.quantization_channels < 2 {
            return Err(Error::InvalidParameter {
                name: "quantization_channels",
                value: self.quantization_channels.to_string(),
                expected: "at least 2 classes",
            });
        }
        if self.layers_per_stack > 20 {
            return Err(Error::InvalidParameter {
                name: "layers_per_stack",
                value: self.layers_per_stack.to_string(),
                expected: "at most 20 (a dilation of 2^19)",
            });
        }
        if !self.upsample_scales.is_empty()
            && (self.upsample_scales.contains(&0)
                || self.upsample_scales.iter().product::<usize>() != self.local_hop)
        {
            return Err(Error::InvalidParameter {
                name: "upsample_scales",
                value: format!("{:?}", self.upsample_scales),
                expected: "positive scales whose product is local_hop",
            });
        }
        for (name, v) in [
            ("local_channels", self.local_channels),
            ("global_classes", self.global_classes),
            ("mixtures", self.mixtures),
        ] {
            if v == Some(0) {
                return Err(Error::InvalidParameter {
                    name,
                    value: "0".into(),
                    expected: "None or > 0",
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receptive_field_sums_the_dilations() {
        let c = WaveNetConfig::default();
        assert_eq!(c.receptive_field(), 1 + 2 * 1023);
        assert_eq!((c.dilation(0), c.dilation(9), c.dilation(10)), (1, 512, 1));
        assert!(c.validate().is_ok());
        let bad = WaveNetConfig {
            local_channels: Some(0),
            ..WaveNetConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = WaveNetConfig {
            local_hop: 16,
            upsample_scales: vec![4, 2],
            ..WaveNetConfig::default()
        };
        assert!(bad.validate().is_err());
        let good = WaveNetConfig {
            local_hop: 16,
            upsample_scales: vec![4, 4],
            mixtures: Some(3),
            ..WaveNetConfig::default()
        };
        assert!(good.validate().is_ok());
        assert_eq!((good.input_channels(), good.output_channels()), (1, 9));
    }
}
