//! [`WaveUNetConfig`]: the `train.py` arguments of Wave-U-Net-Pytorch that
//! shape the network, with that script's defaults.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Result};

/// The convolution layer's normalisation and activation (`--conv_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConvType {
    /// `"gn"`: GroupNorm over groups of 8 channels, then ReLU (the default).
    #[serde(rename = "gn")]
    GroupNorm,
    /// `"bn"`: BatchNorm (momentum 0.01), then ReLU.
    #[serde(rename = "bn")]
    BatchNorm,
    /// `"normal"`: no normalisation, leaky ReLU (slope 0.01), as the paper.
    #[serde(rename = "normal")]
    Normal,
}

/// How the levels change rate (`--res`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resampling {
    /// `"fixed"`: a 15-tap windowed-sinc low-pass, then keeping every
    /// `strides`-th sample (filtered decimation); upsampling inserts zeros
    /// and applies the same filter (the default).
    #[serde(rename = "fixed")]
    Fixed,
    /// `"learned"`: a strided convolution down and a transposed convolution
    /// up, each a full conv layer with normalisation.
    #[serde(rename = "learned")]
    Learned,
}

/// How the channel count grows with depth (`--feature_growth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureGrowth {
    /// `"double"`: `features · 2^i` at level `i` (the default).
    #[serde(rename = "double")]
    Double,
    /// `"add"`: `features · (i + 1)` at level `i`, as the paper's `F_c · i`.
    #[serde(rename = "add")]
    Add,
}

fn bool_or_int<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Int(i64),
    }
    Ok(match B::deserialize(d)? {
        B::Bool(b) => b,
        B::Int(i) => i != 0,
    })
}

/// The shape of a Wave-U-Net, named as Wave-U-Net-Pytorch's `train.py`
/// arguments (so its JSON is that script's arguments), with its defaults
/// in [`Default`]: 2 channels at 44.1 kHz, 4 sources, 32 features, 6
/// levels doubling, kernel 5, strides 4, GroupNorm, fixed resampling, one
/// network per source, 2 s of output per window.
///
/// `difference_output` is the original paper's output layer (Stoller et
/// al. 2018, section 3.1.2): the last source is the input mixture,
/// centre-cropped to the output, minus the other estimates, so the
/// estimates always sum to the mixture. The PyTorch port does not have it;
/// with it, the network's last source head is not used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaveUNetConfig {
    /// Source names, in output order (`--instruments`).
    pub instruments: Vec<String>,
    /// Audio channels in and per source out (`--channels`).
    pub channels: usize,
    /// Channels of the first level (`--features`).
    pub features: usize,
    /// Levels, counting the bottleneck (`--levels`).
    pub levels: usize,
    /// Convolutions per block (`--depth`).
    pub depth: usize,
    /// Kernel size, odd (`--kernel_size`).
    pub kernel_size: usize,
    /// Resampling factor between levels (`--strides`).
    pub strides: usize,
    /// Normalisation and activation (`--conv_type`).
    pub conv_type: ConvType,
    /// Fixed or learned resampling (`--res`).
    pub res: Resampling,
    /// One network per source (`--separate 1`) or one for all (`0`).
    #[serde(deserialize_with = "bool_or_int")]
    pub separate: bool,
    /// Channel growth with depth (`--feature_growth`).
    pub feature_growth: FeatureGrowth,
    /// Sample rate in Hz (`--sr`).
    pub sr: u32,
    /// Seconds of output each window is at least (`--output_size`).
    pub output_size: f64,
    /// The last source is the mixture minus the others (the paper's
    /// difference output layer).
    pub difference_output: bool,
}

impl Default for WaveUNetConfig {
    fn default() -> Self {
        Self {
            instruments: ["bass", "drums", "other", "vocals"]
                .map(str::to_string)
                .to_vec(),
            channels: 2,
            features: 32,
            levels: 6,
            depth: 1,
            kernel_size: 5,
            strides: 4,
            conv_type: ConvType::GroupNorm,
            res: Resampling::Fixed,
            separate: true,
            feature_growth: FeatureGrowth::Double,
            sr: 44_100,
            output_size: 2.0,
            difference_output: false,
        }
    }
}

/// Channels per group of the GroupNorm layers (`NORM_CHANNELS`).
pub const NORM_CHANNELS: usize = 8;

/// Taps of the fixed resampling filter.
pub const RESAMPLE_TAPS: usize = 15;

impl WaveUNetConfig {
    /// Channels per level, `num_features` of `train.py`.
    pub fn num_features(&self) -> Vec<usize> {
        (0..self.levels)
            .map(|i| match self.feature_growth {
                FeatureGrowth::Double => self.features << i,
                FeatureGrowth::Add => self.features * (i + 1),
            })
            .collect()
    }

    /// Output channels of one network: `channels` per source it estimates.
    pub fn outputs_per_network(&self) -> usize {
        if self.separate {
            self.channels
        } else {
            self.channels * self.instruments.len()
        }
    }

    /// The networks' names: the sources when `separate`, else `["ALL"]`.
    pub fn networks(&self) -> Vec<String> {
        if self.separate {
            self.instruments.clone()
        } else {
            vec!["ALL".to_string()]
        }
    }

    /// Target output samples per window, `int(output_size · sr)`.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "validated finite positive seconds times a rate, truncated as Python's int()"
    )]
    pub fn target_output_samples(&self) -> usize {
        (self.output_size * f64::from(self.sr)) as usize
    }

    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if self.instruments.is_empty() {
            return bad("instruments", "[]".into(), "at least one source");
        }
        for name in &self.instruments {
            crate::target_name::check_target_name(name)?;
        }
        if self.difference_output && self.instruments.len() < 2 {
            return bad(
                "difference_output",
                "true".into(),
                "at least two sources (the last is the mixture minus the others)",
            );
        }
        if self.channels == 0 || self.features == 0 {
            return bad(
                "channels/features",
                format!("{}/{}", self.channels, self.features),
                "both > 0",
            );
        }
        if self.levels < 2 || self.levels > 16 {
            return bad("levels", self.levels.to_string(), "2 to 16");
        }
        if self.depth == 0 {
            return bad("depth", "0".into(), "> 0");
        }
        if self.kernel_size.is_multiple_of(2) {
            return bad("kernel_size", self.kernel_size.to_string(), "odd");
        }
        if self.strides < 2 {
            return bad("strides", self.strides.to_string(), ">= 2");
        }
        if self.sr == 0 {
            return bad("sr", "0".into(), "> 0");
        }
        if !(self.output_size.is_finite() && self.output_size > 0.0 && self.output_size < 3600.0)
            || self.target_output_samples() == 0
        {
            return bad(
                "output_size",
                self.output_size.to_string(),
                "a duration > 0 s (at least one sample) and below an hour",
            );
        }
        if self.conv_type == ConvType::GroupNorm
            && self
                .num_features()
                .iter()
                .any(|f| !f.is_multiple_of(NORM_CHANNELS))
        {
            return bad(
                "features",
                self.features.to_string(),
                "with conv_type gn, every level's channels a multiple of 8",
            );
        }
        Ok(())
    }
}
