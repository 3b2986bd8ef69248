//! [`TcnEffectConfig`]: the constructor arguments of micro-TCN's `TCNModel`,
//! plus the sample rate and the names and ranges of the user's parameters.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One user-facing control of an effect model: its name, its range in the
/// user's units, and its default. The network sees the value mapped
/// linearly to `[0, 1]` over `[min, max]` (micro-TCN's LA-2A controls are
/// already in `[0, 1]`; a model trained on the effects dataset maps each
/// recorded parameter over the dataset's range).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectParam {
    /// The name (`peak_reduction`, `threshold_db`, ...).
    pub name: String,
    /// The value mapped to 0.
    pub min: f64,
    /// The value mapped to 1.
    pub max: f64,
    /// The value used when the user sets none.
    pub default: f64,
}

impl EffectParam {
    /// A control named `name` over `[min, max]` with default `default`.
    pub fn new(name: &str, min: f64, max: f64, default: f64) -> Self {
        Self {
            name: name.to_string(),
            min,
            max,
            default,
        }
    }

    /// `(value - min) / (max - min)`, the network's input for `value`.
    pub fn normalize(&self, value: f64) -> f64 {
        (value - self.min) / (self.max - self.min)
    }
}

/// The shape of a TCN effect model, named as micro-TCN's `TCNModel`
/// arguments (Steinmetz & Reiss 2022, github.com/csteinmetz1/micro-tcn,
/// Apache-2.0), whose defaults here are its `uTCN-300-C` compressor
/// (the seed's figure): 4 blocks of 32 channels, kernel 13, dilations
/// 1, 10, 100, 1000 (a receptive field of 13 333 samples, 302 ms at
/// 44.1 kHz), causal, conditioned on the LA-2A's `limit` and
/// `peak_reduction` controls.
///
/// ```text
/// block n:  in → out channels  (out = channel_width, or in·channel_growth when > 1)
///           dilation = dilation_growth ^ (n mod stack_size)
/// receptive field = kernel_size + Σ_{n≥1} (kernel_size − 1)·dilation_n
/// ```
///
/// Not supported (refused by [`TcnEffectConfig::validate`]): micro-TCN's
/// `grouped` convolutions and `skip_connections`, which its `forward` does
/// not use.
///
/// ```
/// use audio_models::effects::TcnEffectConfig;
/// let c = TcnEffectConfig::default();
/// assert_eq!(c.receptive_field(), 13_333);
/// assert_eq!(c.dilations(), [1, 10, 100, 1000]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TcnEffectConfig {
    /// The user's controls, in the order the conditioning MLP takes them
    /// (`nparams` is their count). With none, the blocks use batch norm
    /// instead of FiLM and there is no MLP.
    pub params: Vec<EffectParam>,
    /// Input channels (`ninputs`).
    pub ninputs: usize,
    /// Output channels (`noutputs`).
    pub noutputs: usize,
    /// TCN blocks (`nblocks`).
    pub nblocks: usize,
    /// Taps of each dilated convolution (`kernel_size`).
    pub kernel_size: usize,
    /// Dilation of block `n` is `dilation_growth^(n mod stack_size)`.
    pub dilation_growth: usize,
    /// When > 1, each block has `channel_growth` times its input channels.
    pub channel_growth: usize,
    /// Channels of every block when `channel_growth` is 1.
    pub channel_width: usize,
    /// Blocks per stack of growing dilations (`stack_size`).
    pub stack_size: usize,
    /// Causal: the residual is cropped to the convolution's end (micro-TCN's
    /// `causal_crop`), so the output needs one sample of look-ahead; else
    /// to its centre, half the receptive field.
    pub causal: bool,
    /// The sample rate the model was trained at, in Hz.
    pub sample_rate: u32,
    /// A DC blocker after the network in the block processor and
    /// [`super::TcnEffect::apply`] (a one-pole high-pass at this many Hz,
    /// `y[n] = x[n] − x[n−1] + R·y[n−1]`, `R = 1 − 2π·f/sr`), for a
    /// network whose output carries an offset (the randomised overdrive).
    /// Not part of micro-TCN; `None` (the default) for none.
    pub dc_block_hz: Option<f64>,
}

impl Default for TcnEffectConfig {
    fn default() -> Self {
        Self {
            params: vec![
                EffectParam::new("limit", 0.0, 1.0, 0.0),
                EffectParam::new("peak_reduction", 0.0, 1.0, 0.5),
            ],
            ninputs: 1,
            noutputs: 1,
            nblocks: 4,
            kernel_size: 13,
            dilation_growth: 10,
            channel_growth: 1,
            channel_width: 32,
            stack_size: 10,
            causal: true,
            sample_rate: 44_100,
            dc_block_hz: None,
        }
    }
}

/// The hidden sizes of micro-TCN's conditioning MLP `gen`:
/// `nparams → 16 → 32 → 32`, ReLU after each.
pub const GEN_SIZES: [usize; 3] = [16, 32, 32];

impl TcnEffectConfig {
    /// The number of controls (`nparams`).
    pub fn nparams(&self) -> usize {
        self.params.len()
    }

    /// The dilation of each block.
    pub fn dilations(&self) -> Vec<usize> {
        (0..self.nblocks)
            .map(|n| {
                self.dilation_growth
                    .saturating_pow((n % self.stack_size.max(1)) as u32)
            })
            .collect()
    }

    /// `(in, out)` channels of each block.
    pub fn channels(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(self.nblocks);
        let mut in_ch = self.ninputs;
        for _ in 0..self.nblocks {
            let out_ch = if self.channel_growth > 1 {
                in_ch * self.channel_growth
            } else {
                self.channel_width
            };
            out.push((in_ch, out_ch));
            in_ch = out_ch;
        }
        out
    }

    /// Input samples per output sample: `kernel_size + Σ (kernel_size−1)·d`
    /// over the blocks after the first (micro-TCN's
    /// `compute_receptive_field`, which is also `1 + Σ (kernel_size−1)·d`
    /// over all blocks when the first dilation is 1).
    pub fn receptive_field(&self) -> usize {
        1 + self
            .dilations()
            .iter()
            .map(|d| (self.kernel_size.saturating_sub(1)).saturating_mul(*d))
            .sum::<usize>()
    }

    /// Samples of look-ahead of the aligned output: the output for time `t`
    /// needs the input up to `t + lookahead`. 1 for a causal model (micro-TCN's
    /// `causal_crop` ends one sample before the last), `ceil((rf − 1) / 2)`
    /// otherwise. This is the latency of [`super::TcnEffectProcessor`].
    pub fn lookahead(&self) -> usize {
        let span = self.receptive_field() - 1;
        if self.causal {
            1
        } else {
            span - span / 2
        }
    }

    /// Checks every size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the field: zero channels, blocks,
    /// stack size or sample rate; a kernel under 2; a dilation growth of 0;
    /// a receptive field over 2^24 samples; a channel count that is not a
    /// multiple of the block's input channels (the grouped residual needs
    /// it); a parameter range that is empty or not finite.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        for (name, v) in [
            ("ninputs", self.ninputs),
            ("noutputs", self.noutputs),
            ("nblocks", self.nblocks),
            ("channel_width", self.channel_width),
            ("stack_size", self.stack_size),
            ("dilation_growth", self.dilation_growth),
        ] {
            if v == 0 || v > 4096 {
                return bad(name, v.to_string(), "1 to 4096");
            }
        }
        if self.sample_rate == 0 {
            return bad("sample_rate", "0".into(), "> 0");
        }
        if !(2..=1024).contains(&self.kernel_size) {
            return bad(
                "kernel_size",
                self.kernel_size.to_string(),
                "2 to 1024 (micro-TCN's causal crop needs at least 2 taps)",
            );
        }
        let span: u128 = self
            .dilations()
            .iter()
            .map(|&d| (self.kernel_size as u128 - 1) * d as u128)
            .sum();
        if span >= 1 << 24 || self.dilations().contains(&usize::MAX) {
            return bad(
                "dilation_growth",
                self.dilation_growth.to_string(),
                "a receptive field under 2^24 samples",
            );
        }
        for (i, (a, b)) in self.channels().into_iter().enumerate() {
            if b % a != 0 || b > 4096 {
                return bad(
                    "channel_width",
                    format!("{b} channels after {a} in block {i}"),
                    "a multiple of the block's input channels, at most 4096",
                );
            }
        }
        if let Some(f) = self.dc_block_hz {
            if !(f.is_finite() && f > 0.0 && f < 1000.0) {
                return bad("dc_block_hz", f.to_string(), "a frequency in (0, 1000) Hz");
            }
        }
        for p in &self.params {
            if !(p.min.is_finite() && p.max.is_finite() && p.default.is_finite() && p.max > p.min) {
                return bad(
                    "params",
                    format!("{} over [{}, {}]", p.name, p.min, p.max),
                    "finite bounds with max > min and a finite default",
                );
            }
        }
        Ok(())
    }
}
