//! MelGAN's front end (`mel2wav.modules.Audio2Mel`): reflect padding of
//! `(n_fft − hop) / 2` samples on each side, an uncentred hann STFT, the
//! magnitude, Slaney mel filters and `log10(max(·, 1e−5))`.

use audio_dsp::{spectrogram, MelConfig, MelFilterbank, Stft, StftConfig};
use ndarray::Array2;

use super::config::MelGanConfig;
use crate::{Error, Result};

/// The floor of the mel magnitudes before the logarithm (−100 dB).
pub const MEL_FLOOR: f32 = 1e-5;

/// The planned log-mel front end of a [`MelGanConfig`]. A signal of `n`
/// samples gives `⌊n / hop⌋` frames (for `n ≥ hop`),
/// frame `t` covering samples `t·hop − (n_fft − hop)/2 …`, so the
/// generator's `frames · hop` samples line up with the input.
///
/// # Example
///
/// ```
/// use audio_models::vocoder::{LogMel, MelGanConfig};
/// let front = LogMel::new(&MelGanConfig::default())?;
/// let tone: Vec<f32> = (0..22_050).map(|n| (n as f32 * 0.1).sin()).collect();
/// let mel = front.compute(&tone)?;
/// assert_eq!(mel.dim(), (80, 22_050 / 256));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct LogMel {
    stft: Stft<f32>,
    filters: MelFilterbank<f32>,
    pad: usize,
    hop: usize,
    n_mels: usize,
}

impl LogMel {
    /// Plans the STFT and the filters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration.
    pub fn new(config: &MelGanConfig) -> Result<Self> {
        config.validate()?;
        let hop = config.hop();
        Ok(Self {
            stft: Stft::new(StftConfig {
                n_fft: config.n_fft,
                hop_length: Some(hop),
                center: false,
                ..StftConfig::default()
            })?,
            filters: MelFilterbank::new(&MelConfig {
                sr: f64::from(config.sample_rate),
                n_fft: config.n_fft,
                n_mels: config.n_mels,
                fmin: config.fmin,
                fmax: config.fmax,
                ..MelConfig::default()
            })?,
            pad: (config.n_fft - hop) / 2,
            hop,
            n_mels: config.n_mels,
        })
    }

    /// Mel bands.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// Samples per frame.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// The log-mel spectrogram `(n_mels, frames)` of `samples`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the signal is not longer than the
    /// reflect padding (`(n_fft − hop) / 2` samples) or gives no frame;
    /// the STFT's (non-finite samples).
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>> {
        let n = samples.len();
        if n <= self.pad || n < self.hop {
            return Err(Error::InvalidParameter {
                name: "samples",
                value: n.to_string(),
                expected: "more samples than the reflect padding and at least one hop",
            });
        }
        let mut padded = Vec::with_capacity(n + 2 * self.pad);
        padded.extend(samples[1..=self.pad].iter().rev());
        padded.extend_from_slice(samples);
        padded.extend(samples[n - 1 - self.pad..n - 1].iter().rev());
        let magnitude = spectrogram(&self.stft, &padded, 1.0)?;
        let mut mel = self.filters.apply(magnitude.view())?;
        mel.mapv_inplace(|v| v.max(MEL_FLOOR).log10());
        Ok(mel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_short_a_signal_is_an_error() -> Result<()> {
        let front = LogMel::new(&MelGanConfig::default())?;
        assert!(matches!(
            front.compute(&[0.0; 300]),
            Err(Error::InvalidParameter {
                name: "samples",
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn frames_are_the_hops_of_the_signal() -> Result<()> {
        let front = LogMel::new(&MelGanConfig::default())?;
        for n in [1024usize, 8192, 8200] {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
            assert_eq!(front.compute(&x)?.dim(), (80, n / 256));
        }
        Ok(())
    }
}
