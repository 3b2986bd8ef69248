//! DDSP's configuration: the frame rate, the synthesiser sizes, the
//! decoder's widths and the control features.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A DDSP autoencoder (Engel et al. 2020, the solo-instrument model): the
/// f0 (pYIN) and loudness (A-weighted power) of each frame drive a decoder
/// (an MLP per input, a GRU, an output MLP) whose outputs control a
/// harmonic synthesiser and filtered noise.
///
/// The defaults are DDSP's at a CPU-friendly size: 16 kHz, 125 frames a
/// second (hop 128), 60 harmonics, 65 noise bands, MLPs of 2 × 128 and a
/// GRU of 256 (DDSP: 250 frames a second, 101 harmonics, 3 × 512 and 512).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DdspConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Samples per frame (the controls' rate is `sample_rate / hop`).
    pub hop: usize,
    /// Harmonic oscillators.
    pub harmonics: usize,
    /// Filtered-noise bands (linearly spaced to Nyquist).
    pub noise_bands: usize,
    /// Width of the MLP layers.
    pub mlp_width: usize,
    /// Layers of each MLP.
    pub mlp_layers: usize,
    /// GRU state size.
    pub gru_size: usize,
    /// Lowest f0 pYIN looks for, Hz (C2).
    pub fmin: f64,
    /// Highest f0 pYIN looks for, Hz (C7).
    pub fmax: f64,
    /// pYIN's and the loudness STFT's frame length.
    pub frame_length: usize,
    /// The filtered noise's generator seed.
    pub noise_seed: u64,
}

impl Default for DdspConfig {
    fn default() -> Self {
        Self {
            sample_rate: 16_000,
            hop: 128,
            harmonics: 60,
            noise_bands: 65,
            mlp_width: 128,
            mlp_layers: 2,
            gru_size: 256,
            fmin: 65.406_391_325_149_66,
            fmax: 2_093.004_522_404_789,
            frame_length: 1024,
            noise_seed: 0,
        }
    }
}

impl DdspConfig {
    /// Outputs of the decoder: amplitude, harmonic distribution, noise bands.
    pub fn outputs(&self) -> usize {
        1 + self.harmonics + self.noise_bands
    }

    /// Checks the sizes.
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
        if !(8_000..=192_000).contains(&self.sample_rate) {
            return bad(
                "sample_rate",
                self.sample_rate.to_string(),
                "in 8000..=192000 Hz",
            );
        }
        if self.hop == 0 || self.hop > 4096 {
            return bad("hop", self.hop.to_string(), "in 1..=4096");
        }
        if self.harmonics == 0 || self.harmonics > 512 {
            return bad("harmonics", self.harmonics.to_string(), "in 1..=512");
        }
        if self.noise_bands < 2 || self.noise_bands > 513 {
            return bad("noise_bands", self.noise_bands.to_string(), "in 2..=513");
        }
        for (name, v) in [
            ("mlp_width", self.mlp_width),
            ("mlp_layers", self.mlp_layers),
            ("gru_size", self.gru_size),
        ] {
            if v == 0 || v > 4096 {
                return bad(name, v.to_string(), "in 1..=4096");
            }
        }
        let nyquist = f64::from(self.sample_rate) / 2.0;
        if !(self.fmin > 0.0 && self.fmin < self.fmax && self.fmax < nyquist) {
            return bad(
                "fmin",
                format!("{} .. {} Hz", self.fmin, self.fmax),
                "0 < fmin < fmax < Nyquist",
            );
        }
        if self.frame_length < 64.max(self.hop) || self.frame_length > 65_536 {
            return bad(
                "frame_length",
                self.frame_length.to_string(),
                "in 64..=65536 and at least the hop",
            );
        }
        Ok(())
    }
}
