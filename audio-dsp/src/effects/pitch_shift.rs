//! `librosa.effects.pitch_shift`.

use ndarray::{Array2, ArrayView2};

use super::time_stretch::TimeStretch;
use crate::{Error, Float, ResampleMethod, Resampler, Result, StftConfig};

/// Settings of [`PitchShift`] (librosa's keyword arguments).
#[derive(Debug, Clone)]
pub struct PitchShiftConfig {
    /// Steps per octave (`bins_per_octave`, 12).
    pub bins_per_octave: u32,
    /// The resampler (`res_type`): default [`ResampleMethod::SoxrHq`],
    /// librosa's default `soxr_hq`; [`ResampleMethod::Fft`] is `"fft"`.
    pub method: ResampleMethod,
    /// Scale the resampled signal by `1 / sqrt(ratio)` (`scale`, false).
    pub scale: bool,
    /// The STFT of the time stretch (librosa's defaults).
    pub stft: StftConfig,
}

impl Default for PitchShiftConfig {
    fn default() -> Self {
        Self {
            bins_per_octave: 12,
            method: ResampleMethod::SoxrHq,
            scale: false,
            stft: StftConfig::default(),
        }
    }
}

/// Pitch shifting by `n_steps` steps of `1 / bins_per_octave` octave, as
/// `librosa.effects.pitch_shift(y, sr=sr, n_steps=n_steps, ...)`: with
/// `rate = 2^(-n_steps / bins_per_octave)`, a [`TimeStretch`] by `rate`,
/// then resampling from `sr / rate` to `sr`, then zero-padding or cutting
/// to the input length. The duration is kept.
///
/// With [`ResampleMethod::Fft`] the result is librosa's
/// `res_type="fft"` to float rounding, and with the default
/// [`ResampleMethod::SoxrHq`] librosa's default `soxr_hq` to soxr's float32
/// rounding.
///
/// ```
/// use audio_dsp::effects::{PitchShift, PitchShiftConfig};
///
/// let y: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let up = PitchShift::<f32>::new(22_050.0, 4.0, PitchShiftConfig::default())?;
/// assert_eq!(up.process(&y)?.len(), y.len());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct PitchShift<T: Float> {
    stretch: TimeStretch<T>,
    resampler: Resampler,
    scale: Option<f64>,
}

impl<T: Float> std::fmt::Debug for PitchShift<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PitchShift")
            .field("stretch", &self.stretch)
            .field("resampler", &self.resampler)
            .finish_non_exhaustive()
    }
}

impl<T: Float> PitchShift<T> {
    /// Plans a shift by `n_steps` (any finite value, fractional included)
    /// for signals at `sr` Hz.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `bins_per_octave = 0`, a non-finite
    /// `n_steps`, or a sample rate that is not finite and positive; as
    /// [`TimeStretch::new`] and [`Resampler::new`].
    pub fn new(sr: f64, n_steps: f64, config: PitchShiftConfig) -> Result<Self> {
        if config.bins_per_octave == 0 {
            return Err(Error::InvalidParameter {
                name: "bins_per_octave",
                value: "0".into(),
                expected: "a positive integer",
            });
        }
        if !n_steps.is_finite() {
            return Err(Error::InvalidParameter {
                name: "n_steps",
                value: n_steps.to_string(),
                expected: "a finite number of steps",
            });
        }
        if !(sr.is_finite() && sr > 0.0) {
            return Err(Error::InvalidParameter {
                name: "sr",
                value: sr.to_string(),
                expected: "a finite sample rate > 0",
            });
        }
        let rate = 2f64.powf(-n_steps / f64::from(config.bins_per_octave));
        let stretch = TimeStretch::new(rate, config.stft)?;
        let orig_sr = sr / rate;
        let resampler = Resampler::new(orig_sr, sr, config.method)?;
        let scale = config.scale.then(|| (sr / orig_sr).sqrt());
        Ok(Self {
            stretch,
            resampler,
            scale,
        })
    }

    /// The time-stretch rate, `2^(-n_steps / bins_per_octave)`.
    pub fn rate(&self) -> f64 {
        self.stretch.rate()
    }

    /// Shifts a mono signal.
    ///
    /// # Errors
    ///
    /// As [`TimeStretch::process`] and [`Resampler::process`].
    ///
    /// # Shapes
    ///
    /// `(n,)` → `(n,)`.
    pub fn process(&self, y: &[T]) -> Result<Vec<T>> {
        let stretched = self.stretch.process(y)?;
        let mut out = self.resampler.process(&stretched)?;
        if let Some(s) = self.scale {
            for v in &mut out {
                *v = T::from(v.to_f64().unwrap_or(0.0) / s).unwrap_or_else(T::zero);
            }
        }
        out.resize(y.len(), T::zero());
        Ok(out)
    }

    /// Shifts each channel of `(channels, n)`.
    ///
    /// # Errors
    ///
    /// As [`PitchShift::process`].
    ///
    /// # Shapes
    ///
    /// `(channels, n)` → `(channels, n)`.
    pub fn process_multichannel(&self, y: ArrayView2<'_, T>) -> Result<Array2<T>> {
        super::per_channel(y, y.ncols(), |x| self.process(x))
    }
}

/// `librosa.effects.pitch_shift(y, sr=sr, n_steps=n_steps)` with librosa's
/// defaults (12 steps per octave, the high-quality resampler): a
/// [`PitchShift`] planned for one call.
///
/// ```
/// use audio_dsp::effects::pitch_shift;
/// let y: Vec<f64> = (0..8000).map(|i| (i as f64 * 0.1).sin()).collect();
/// assert_eq!(pitch_shift(&y, 8000.0, -3.0)?.len(), 8000);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
///
/// # Errors
///
/// As [`PitchShift::new`] and [`PitchShift::process`].
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
pub fn pitch_shift<T: Float>(y: &[T], sr: f64, n_steps: f64) -> Result<Vec<T>> {
    PitchShift::new(sr, n_steps, PitchShiftConfig::default())?.process(y)
}
