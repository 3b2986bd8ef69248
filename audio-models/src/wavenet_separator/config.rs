//! [`WavenetSeparatorConfig`]: the `model` section of the reference's
//! `config.json`, plus the sources.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The shape of the Wavenet separator, named as the `model` section of
/// source-separation-wavenet's `config_multi_instrument.json`, whose values
/// are the defaults: 4 stacks of dilations 1…512, kernel 3, 64 residual
/// and 64 skip channels, final convolutions of 2048 and 256 channels,
/// target field 1601 samples with 1 sample of padding, 16 kHz mono;
/// outputs `vocals`, `drums`, `bass`, and `other` as the difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WavenetSeparatorConfig {
    /// The sources the network outputs, in order.
    pub sources: Vec<String>,
    /// A last source computed as the mixture minus the network's outputs
    /// (`other` in the multi-instrument model, the accompaniment in the
    /// singing-voice one); `None` for none.
    pub difference: Option<String>,
    /// Stacks of dilated blocks (`num_stacks`).
    pub num_stacks: usize,
    /// Dilations of one stack (`dilations`: `9` in the reference means
    /// `2^0 … 2^9`).
    pub dilations: Vec<usize>,
    /// Kernel of the dilated convolutions (`filters.lengths.res`, odd).
    pub res_kernel: usize,
    /// Residual channels (`filters.depths.res`).
    pub res_channels: usize,
    /// Skip channels (`filters.depths.skip`).
    pub skip_channels: usize,
    /// The two final convolutions' channels (`filters.depths.final`).
    pub final_channels: [usize; 2],
    /// Their kernels (`filters.lengths.final`, odd).
    pub final_kernels: [usize; 2],
    /// Output samples per window (`target_field_length`, odd).
    pub target_field_length: usize,
    /// Extra output samples on each side during training (`target_padding`).
    pub target_padding: usize,
    /// Sample rate in Hz (`dataset.sample_rate`).
    pub sample_rate: u32,
}

impl Default for WavenetSeparatorConfig {
    fn default() -> Self {
        Self {
            sources: ["vocals", "drums", "bass"].map(str::to_string).to_vec(),
            difference: Some("other".to_string()),
            num_stacks: 4,
            dilations: (0..10).map(|i| 1 << i).collect(),
            res_kernel: 3,
            res_channels: 64,
            skip_channels: 64,
            final_channels: [2048, 256],
            final_kernels: [3, 3],
            target_field_length: 1601,
            target_padding: 1,
            sample_rate: 16_000,
        }
    }
}

impl WavenetSeparatorConfig {
    /// Input samples one output sample depends on
    /// (`compute_receptive_field_length`): `stacks · 2 · Σ d·(k−1)/2 + 1`.
    pub fn receptive_field_length(&self) -> usize {
        let half = (self.res_kernel - 1) / 2;
        self.num_stacks * 2 * self.dilations.iter().map(|d| d * half).sum::<usize>() + 1
    }

    /// Input samples per window: `receptive_field + target_field − 1`.
    pub fn input_length(&self) -> usize {
        self.receptive_field_length() + self.target_field_length - 1
    }

    /// Output samples computed per window: the target field and its padding.
    pub fn padded_target_field_length(&self) -> usize {
        self.target_field_length + 2 * self.target_padding
    }

    /// All outputs: the network's sources, then the difference source.
    pub fn outputs(&self) -> Vec<String> {
        let mut v = self.sources.clone();
        if let Some(d) = &self.difference {
            v.push(d.clone());
        }
        v
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
        if self.sources.is_empty() {
            return bad("sources", "[]".into(), "at least one source");
        }
        for s in self.outputs() {
            crate::target_name::check_target_name(&s)?;
        }
        if self.num_stacks == 0 || self.dilations.is_empty() || self.dilations.contains(&0) {
            return bad(
                "num_stacks/dilations",
                format!("{}/{:?}", self.num_stacks, self.dilations),
                "at least one stack and one dilation, each > 0",
            );
        }
        if self.dilations.iter().any(|&d| d > 1 << 16) || self.num_stacks > 64 {
            return bad(
                "num_stacks/dilations",
                format!("{}/{:?}", self.num_stacks, self.dilations),
                "at most 64 stacks and dilations up to 65536",
            );
        }
        for (name, k) in [
            ("res_kernel", self.res_kernel),
            ("final_kernels", self.final_kernels[0]),
            ("final_kernels", self.final_kernels[1]),
            ("target_field_length", self.target_field_length),
        ] {
            if k.is_multiple_of(2) {
                return bad(name, k.to_string(), "odd");
            }
        }
        if self.res_channels == 0 || self.skip_channels == 0 || self.final_channels.contains(&0) {
            return bad(
                "channels",
                format!(
                    "{}/{}/{:?}",
                    self.res_channels, self.skip_channels, self.final_channels
                ),
                "all > 0",
            );
        }
        if self.target_padding > self.receptive_field_length() / 2 {
            return bad(
                "target_padding",
                self.target_padding.to_string(),
                "at most half the receptive field",
            );
        }
        if self.sample_rate == 0 {
            return bad("sample_rate", "0".into(), "> 0");
        }
        Ok(())
    }
}
