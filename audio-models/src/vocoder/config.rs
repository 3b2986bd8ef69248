//! MelGAN's configuration: the mel front end, the generator and the
//! multi-scale discriminator.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A MelGAN vocoder (Kumar et al. 2019), with the sizes of the reference
/// implementation (`descriptinc/melgan-neurips`, `mel2wav`) as defaults:
/// 80 log-mel bands of a 1024-point STFT with hop 256 at 22.05 kHz, a
/// generator of width `ngf = 32` upsampling by 8 · 8 · 2 · 2 with three
/// dilated residual blocks per stage, and three discriminators of width
/// `ndf = 16` with four strided grouped layers (factor 4).
///
/// # Example
///
/// ```
/// use audio_models::vocoder::MelGanConfig;
/// let c = MelGanConfig::default();
/// assert_eq!(c.hop(), 256);
/// c.validate()?;
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MelGanConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// FFT size of the mel front end (the window is as long).
    pub n_fft: usize,
    /// Mel bands.
    pub n_mels: usize,
    /// Lowest mel edge in Hz.
    pub fmin: f64,
    /// Highest mel edge in Hz (`None`: Nyquist).
    pub fmax: Option<f64>,
    /// The generator's upsampling factors; their product is the hop.
    pub ratios: Vec<usize>,
    /// Width of the generator's last stage (`ngf`); the first is
    /// `ngf · 2^len(ratios)`.
    pub ngf: usize,
    /// Residual blocks per stage (dilations 1, 3, 9, …).
    pub residual_layers: usize,
    /// Discriminators (each on the input average-pooled once more).
    pub discriminators: usize,
    /// Width of each discriminator's first layer (`ndf`).
    pub ndf: usize,
    /// Strided grouped layers per discriminator.
    pub discriminator_layers: usize,
    /// Stride of those layers.
    pub downsampling_factor: usize,
}

impl Default for MelGanConfig {
    fn default() -> Self {
        Self {
            sample_rate: 22_050,
            n_fft: 1024,
            n_mels: 80,
            fmin: 0.0,
            fmax: None,
            ratios: vec![8, 8, 2, 2],
            ngf: 32,
            residual_layers: 3,
            discriminators: 3,
            ndf: 16,
            discriminator_layers: 4,
            downsampling_factor: 4,
        }
    }
}

impl MelGanConfig {
    /// Samples per mel frame: the product of the ratios.
    pub fn hop(&self) -> usize {
        self.ratios.iter().product()
    }

    /// The front end's sizes.
    pub fn log_mel(&self) -> super::LogMelConfig {
        super::LogMelConfig {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            hop: self.hop(),
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
        }
    }

    /// Checks every size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field: a zero
    /// size, no ratios, a hop that is not below the FFT size or an FFT
    /// size whose difference from the hop is odd (the front end pads
    /// `(n_fft − hop) / 2` on each side), an `ndf` below 4 (the grouped
    /// layers use `channels / 4` groups), a band edge outside
    /// `[0, Nyquist]`.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        for (name, v) in [
            ("sample_rate", self.sample_rate as usize),
            ("n_fft", self.n_fft),
            ("n_mels", self.n_mels),
            ("ngf", self.ngf),
            ("discriminators", self.discriminators),
            ("discriminator_layers", self.discriminator_layers),
            ("downsampling_factor", self.downsampling_factor),
        ] {
            if v == 0 {
                return bad(name, "0".into(), "> 0");
            }
        }
        if self.ratios.is_empty() || self.ratios.contains(&0) || self.ratios.len() > 8 {
            return bad(
                "ratios",
                format!("{:?}", self.ratios),
                "1 to 8 upsampling factors, each > 0",
            );
        }
        let hop = self.hop();
        if hop >= self.n_fft || !(self.n_fft - hop).is_multiple_of(2) || self.n_fft > 65_536 {
            return bad(
                "n_fft",
                self.n_fft.to_string(),
                "above the hop (the ratios' product), at most 65536, and differing from it by an even number",
            );
        }
        if self.ndf < 4 {
            return bad("ndf", self.ndf.to_string(), ">= 4");
        }
        let nyquist = f64::from(self.sample_rate) / 2.0;
        let fmax = self.fmax.unwrap_or(nyquist);
        if !(self.fmin >= 0.0 && self.fmin < fmax && fmax <= nyquist) {
            return bad(
                "fmin",
                format!("{} .. {fmax}", self.fmin),
                "0 <= fmin < fmax <= Nyquist",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_sizes_name_their_field() {
        let cases: [(MelGanConfig, &str); 5] = [
            (
                MelGanConfig {
                    ngf: 0,
                    ..MelGanConfig::default()
                },
                "ngf",
            ),
            (
                MelGanConfig {
                    ratios: vec![],
                    ..MelGanConfig::default()
                },
                "ratios",
            ),
            (
                MelGanConfig {
                    n_fft: 256,
                    ..MelGanConfig::default()
                },
                "n_fft",
            ),
            (
                MelGanConfig {
                    ndf: 2,
                    ..MelGanConfig::default()
                },
                "ndf",
            ),
            (
                MelGanConfig {
                    fmax: Some(20_000.0),
                    ..MelGanConfig::default()
                },
                "fmin",
            ),
        ];
        for (config, field) in cases {
            assert!(
                matches!(config.validate(), Err(Error::InvalidParameter { name, .. }) if name == field),
                "{field}"
            );
        }
    }
}
