//! Seed 002's spectrogram images: a fixed-length clip, `|STFT|` in dB,
//! min–max scaled to `[0, 1]`; and the way back to audio with Griffin-Lim.

use std::path::Path;

use audio_dsp::{
    amplitude_to_db, db_to_amplitude, griffin_lim, spectrogram, DbReference, GriffinLimConfig,
    Stft, StftConfig,
};
use audio_io::LoadOptions;
use ndarray::{s, Array2};

use super::config::SpectrogramConfig;
use crate::{Error, Result};

/// `amplitude_to_db`'s `amin` (librosa's default).
pub const AMIN: f64 = 1e-5;

/// A min–max scaled dB spectrogram with the range it was scaled from:
/// `values = (db − min) / (max − min)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledSpectrogram {
    /// `(bins, frames)` values in `[0, 1]`.
    pub values: Array2<f32>,
    /// The smallest dB value before scaling.
    pub min: f32,
    /// The largest dB value before scaling.
    pub max: f32,
}

impl ScaledSpectrogram {
    /// Scales a dB spectrogram to `[0, 1]` by its own minimum and maximum
    /// (the seed's `MinMaxNormaliser`). A constant image scales to zeros.
    pub fn from_db(db: Array2<f32>) -> Self {
        let min = db.iter().copied().fold(f32::INFINITY, f32::min);
        let max = db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let range = max - min;
        let values = if range > 0.0 {
            db.mapv(|v| (v - min) / range)
        } else {
            Array2::zeros(db.dim())
        };
        Self { values, min, max }
    }

    /// The dB values back: `values · (max − min) + min`.
    pub fn to_db(&self) -> Array2<f32> {
        let range = self.max - self.min;
        self.values.mapv(|v| v * range + self.min)
    }
}

/// The planned front end: one STFT for every clip of a configuration.
///
/// # Example
///
/// ```
/// use audio_models::denoiser::{SpectrogramConfig, SpectrogramFrontEnd};
/// let front = SpectrogramFrontEnd::new(SpectrogramConfig::default())?;
/// let clip: Vec<f32> = (0..20_000).map(|n| (n as f32 * 0.05).sin() * 0.3).collect();
/// let image = front.scaled(&clip)?; // trimmed to 0.55 s
/// assert_eq!(image.values.dim(), (256, 48));
/// let audio = front.to_audio(&image, 8)?;
/// assert_eq!(audio.len(), 12_127);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct SpectrogramFrontEnd {
    config: SpectrogramConfig,
    stft: Stft<f32>,
}

impl SpectrogramFrontEnd {
    /// Plans the STFT.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad setting; the STFT's errors.
    pub fn new(config: SpectrogramConfig) -> Result<Self> {
        config.validate()?;
        let stft = Stft::new(stft_config(&config))?;
        Ok(Self { config, stft })
    }

    /// The configuration.
    pub fn config(&self) -> &SpectrogramConfig {
        &self.config
    }

    /// `clip` trimmed or zero-padded at the end to the clip length.
    pub fn fix_length(&self, clip: &[f32]) -> Vec<f32> {
        let n = self.config.samples();
        let mut out: Vec<f32> = clip.iter().copied().take(n).collect();
        out.resize(n, 0.0);
        out
    }

    /// Loads a file as the seed does (`librosa.load(path, sr, duration)`:
    /// mono, resampled with soxr HQ, the first `duration` seconds) and
    /// fixes its length.
    ///
    /// # Errors
    ///
    /// The decoder's and resampler's errors.
    pub fn load(&self, path: &Path) -> Result<Vec<f32>> {
        let audio = audio_io::load::<f32>(
            path,
            &LoadOptions {
                sr: Some(self.config.sample_rate),
                duration: Some(self.config.duration),
                ..LoadOptions::default()
            },
        )?;
        Ok(self.fix_length(&audio.samples.row(0).to_vec()))
    }

    /// The dB spectrogram `(bins, frames)` of `clip` (fixed to the clip
    /// length first): `amplitude_to_db(|stft(clip)|[:-1])`.
    ///
    /// # Errors
    ///
    /// [`Error::Dsp`] for non-finite samples.
    pub fn db(&self, clip: &[f32]) -> Result<Array2<f32>> {
        let clip = self.fix_length(clip);
        let magnitude = spectrogram(&self.stft, &clip, 1.0)?;
        let magnitude = magnitude.slice(s![..self.config.bins(), ..]);
        Ok(amplitude_to_db(
            magnitude,
            DbReference::Value(1.0),
            AMIN,
            self.config.top_db,
        )?)
    }

    /// The min–max scaled dB spectrogram of `clip`.
    ///
    /// # Errors
    ///
    /// As [`SpectrogramFrontEnd::db`].
    pub fn scaled(&self, clip: &[f32]) -> Result<ScaledSpectrogram> {
        Ok(ScaledSpectrogram::from_db(self.db(clip)?))
    }

    /// A clip whose STFT magnitude is the image's: the dB values back,
    /// `db_to_amplitude`, a zero Nyquist row, then Griffin-Lim (`n_iter`
    /// iterations, momentum 0.99, zero initial phase so the result is
    /// deterministic) to the clip length.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the image is not `(bins, frames)`;
    /// Griffin-Lim's errors.
    pub fn to_audio(&self, image: &ScaledSpectrogram, n_iter: usize) -> Result<Vec<f32>> {
        let (bins, frames) = (self.config.bins(), self.config.frames());
        if image.values.dim() != (bins, frames) {
            return Err(Error::ShapeMismatch {
                what: "spectrogram image",
                expected: format!("({bins}, {frames})"),
                got: vec![image.values.nrows(), image.values.ncols()],
            });
        }
        let amplitude = db_to_amplitude(image.to_db().view(), 1.0);
        let mut full = Array2::<f32>::zeros((bins + 1, frames));
        full.slice_mut(s![..bins, ..]).assign(&amplitude);
        let config = GriffinLimConfig {
            stft: stft_config(&self.config),
            n_iter,
            length: Some(self.config.samples()),
            ..GriffinLimConfig::default()
        };
        Ok(griffin_lim(full.view(), &config)?)
    }
}

fn stft_config(config: &SpectrogramConfig) -> StftConfig {
    StftConfig {
        n_fft: config.n_fft,
        hop_length: Some(config.hop_length),
        ..StftConfig::default()
    }
}
