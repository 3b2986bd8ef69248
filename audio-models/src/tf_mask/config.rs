//! [`TfMaskConfig`]: the shape of the LSTM time-frequency mask separator.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The name of the output that takes what the named targets leave: the
/// mixture minus them (the seed's "accompaniment" when the target is
/// `vocals`).
pub const RESIDUAL: &str = "residual";

/// The LSTM T-F mask separator's shape and STFT. Defaults: 44.1 kHz,
/// `n_fft` 2048, hop 512, two peephole LSTM layers of 256 cells, targets
/// `vocals` (plus [`RESIDUAL`], the seed's two-source setting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TfMaskConfig {
    /// The sources the model estimates, in output order. Unless
    /// `residual` is false, a last output [`RESIDUAL`] takes the rest of
    /// the mixture, so the outputs always sum to the mixture.
    pub targets: Vec<String>,
    /// Add the [`RESIDUAL`] output.
    pub residual: bool,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// FFT size (periodic Hann window of this length, centred, reflect
    /// padding).
    pub n_fft: usize,
    /// Hop in samples.
    pub hop_length: usize,
    /// LSTM cells per layer.
    pub hidden_size: usize,
    /// Stacked LSTM layers.
    pub num_layers: usize,
    /// Peephole connections (Gers & Schmidhuber 2000), as the seed's cell.
    pub peephole: bool,
    /// Bidirectional layers (offline only; the seed's are forward).
    pub bidirectional: bool,
}

impl Default for TfMaskConfig {
    fn default() -> Self {
        Self {
            targets: vec!["vocals".to_string()],
            residual: true,
            sample_rate: 44_100,
            n_fft: 2048,
            hop_length: 512,
            hidden_size: 256,
            num_layers: 2,
            peephole: true,
            bidirectional: false,
        }
    }
}

impl TfMaskConfig {
    /// Frequency bins, `n_fft / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// The output names: the targets, then [`RESIDUAL`] if set.
    pub fn outputs(&self) -> Vec<String> {
        let mut v = self.targets.clone();
        if self.residual {
            v.push(RESIDUAL.to_string());
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
        if self.outputs().len() < 2 {
            return bad(
                "targets",
                format!("{:?}", self.targets),
                "at least two outputs (targets plus the residual)",
            );
        }
        for t in &self.targets {
            crate::target_name::check_target_name(t)?;
            if t == RESIDUAL {
                return bad("targets", t.clone(), "names other than `residual`");
            }
        }
        if self.sample_rate == 0 {
            return bad("sample_rate", "0".into(), "> 0");
        }
        if self.n_fft < 16 || self.n_fft > 1 << 16 {
            return bad("n_fft", self.n_fft.to_string(), "16 to 65536");
        }
        if self.hop_length == 0 || self.hop_length > self.n_fft {
            return bad("hop_length", self.hop_length.to_string(), "1 to n_fft");
        }
        if self.hidden_size == 0 || self.num_layers == 0 {
            return bad(
                "hidden_size/num_layers",
                format!("{}/{}", self.hidden_size, self.num_layers),
                "both > 0",
            );
        }
        Ok(())
    }
}
