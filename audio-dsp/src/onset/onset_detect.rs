//! Onset detection by peak picking, as `librosa.onset.onset_detect`, and
//! backtracking, as `librosa.onset.onset_backtrack`.

use crate::{peak_pick, Error, Float, OnsetStrength, OnsetStrengthConfig, PeakPickConfig, Result};

/// Parameters of [`onset_detect`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct OnsetDetectConfig {
    /// Sample rate in Hz (used for the default peak-picking windows and for
    /// [`OnsetDetect::to_seconds`]). Default 22050.
    pub sr: f64,
    /// Hop length of the envelope in samples. Default 512.
    pub hop_length: usize,
    /// Move each onset back to the preceding local minimum of the energy
    /// (the normalised envelope unless one is given). Default false.
    pub backtrack: bool,
    /// Rescale the envelope to `[0, 1]` (`(o - min) / (max - min + tiny)`)
    /// before peak picking. Default true.
    pub normalize: bool,
    /// Peak-picking windows in frames; `None` uses
    /// [`PeakPickConfig::onset_defaults`] for `sr` and `hop_length`.
    pub peak_pick: Option<PeakPickConfig>,
}

impl Default for OnsetDetectConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            backtrack: false,
            normalize: true,
            peak_pick: None,
        }
    }
}

/// Onset detection from an onset strength envelope: peak picking after
/// optional normalisation, with optional backtracking
/// (`librosa.onset.onset_detect(onset_envelope=..., sparse=True)`).
///
/// The result is in frames; [`OnsetDetect::to_samples`] and
/// [`OnsetDetect::to_seconds`] convert to librosa's `units="samples"` and
/// `units="time"` (`frame * hop` and `frame * hop / sr`).
///
/// # Example
///
/// ```
/// use audio_dsp::{OnsetDetect, OnsetDetectConfig};
/// let mut env = vec![0.0f64; 100];
/// env[20] = 1.0;
/// env[60] = 0.8;
/// let detect = OnsetDetect::new(OnsetDetectConfig::default())?;
/// assert_eq!(detect.process_envelope(&env, None)?, vec![20, 60]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OnsetDetect {
    config: OnsetDetectConfig,
    peak: PeakPickConfig,
}

impl OnsetDetect {
    /// Validates the parameters and resolves the peak-picking windows.
    ///
    /// # Errors
    ///
    /// As [`PeakPickConfig::onset_defaults`] (bad `sr` or `hop_length`), and
    /// [`Error::InvalidParameter`] for a given `peak_pick` with `post_max = 0`,
    /// `post_avg = 0` or a negative `delta`.
    pub fn new(config: OnsetDetectConfig) -> Result<Self> {
        let defaults = PeakPickConfig::onset_defaults(config.sr, config.hop_length)?;
        let peak = config.peak_pick.unwrap_or(defaults);
        // Validate the windows once (an empty signal exercises only the checks).
        peak_pick::<f64>(&[], &peak)?;
        Ok(Self { config, peak })
    }

    /// The configuration.
    pub fn config(&self) -> &OnsetDetectConfig {
        &self.config
    }

    /// The resolved peak-picking windows.
    pub fn peak_pick_config(&self) -> &PeakPickConfig {
        &self.peak
    }

    /// Onset frames of an envelope; `energy` (same length) overrides the
    /// normalised envelope as the backtracking function.
    ///
    /// An all-zero or non-finite envelope has no onsets (librosa returns an
    /// empty array too).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `energy` has a different length.
    ///
    /// # Shapes
    ///
    /// `(frames,)` → onset frame indices, ascending.
    pub fn process_envelope<T: Float>(
        &self,
        envelope: &[T],
        energy: Option<&[T]>,
    ) -> Result<Vec<usize>> {
        if let Some(e) = energy {
            if e.len() != envelope.len() {
                return Err(Error::ShapeMismatch {
                    what: "onset backtracking energy",
                    expected: vec![envelope.len()],
                    got: vec![e.len()],
                });
            }
        }
        let mut env = envelope.to_vec();
        if self.config.normalize && !env.is_empty() {
            let min = env.iter().fold(T::infinity(), |m, &v| m.min(v));
            env.iter_mut().for_each(|v| *v = *v - min);
            let max = env.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
            let denom = max + T::min_positive_value();
            env.iter_mut().for_each(|v| *v = *v / denom);
        }
        if env.iter().all(|&v| v == T::zero()) || env.iter().any(|v| !v.is_finite()) {
            return Ok(Vec::new());
        }
        let onsets = peak_pick(&env, &self.peak)?;
        if self.config.backtrack {
            Ok(onset_backtrack(&onsets, energy.unwrap_or(&env)))
        } else {
            Ok(onsets)
        }
    }

    /// Frames to samples: `frame * hop_length`.
    pub fn to_samples(&self, frames: &[usize]) -> Vec<usize> {
        frames.iter().map(|&f| f * self.config.hop_length).collect()
    }

    /// Frames to seconds: `frame * hop_length / sr`.
    pub fn to_seconds(&self, frames: &[usize]) -> Vec<f64> {
        frames
            .iter()
            .map(|&f| (f * self.config.hop_length) as f64 / self.config.sr)
            .collect()
    }
}

/// Detects onsets in a signal: [`OnsetStrength`] with `onset` (whose hop
/// should equal `detect.hop_length`), then [`OnsetDetect::process_envelope`]
/// (`librosa.onset.onset_detect(y=signal, sr=sr, hop_length=hop)`).
///
/// # Errors
///
/// As [`OnsetStrength::new`], [`OnsetDetect::new`] and their `process`;
/// [`Error::InvalidParameter`] when the two hop lengths differ.
///
/// # Shapes
///
/// `(samples,)` → onset frame indices.
///
/// # Example
///
/// ```
/// let mut y = vec![0.0f32; 44100];
/// for k in 0..4 {
///     for n in 0..2000 {
///         y[5000 + 10000 * k + n] = (n as f32 * 0.3).sin() * (-(n as f32) / 400.0).exp();
///     }
/// }
/// let frames = audio_dsp::onset_detect(&y, Default::default(), Default::default())?;
/// assert_eq!(frames.len(), 4);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn onset_detect<T: Float>(
    signal: &[T],
    onset: OnsetStrengthConfig,
    detect: OnsetDetectConfig,
) -> Result<Vec<usize>> {
    let strength = OnsetStrength::new(onset)?;
    if strength.hop_length() != detect.hop_length {
        return Err(Error::InvalidParameter {
            name: "hop_length",
            value: detect.hop_length.to_string(),
            expected: "the onset strength's hop length",
        });
    }
    let env = strength.process(signal)?;
    OnsetDetect::new(detect)?.process_envelope(&env, None)
}

/// Moves each onset back to the nearest preceding local minimum of `energy`
/// (`librosa.onset.onset_backtrack`): the minima are frame 0 and every `i` with
/// `energy[i] <= energy[i - 1]` and `energy[i] < energy[i + 1]`; each event maps
/// to the largest minimum `<= event`.
///
/// Reference: Jehan, "Creating music by listening", PhD thesis, MIT 2005.
///
/// (librosa raises on an empty event list; this returns an empty list.)
///
/// # Shapes
///
/// `events: (n,)`, `energy: (frames,)` → `(n,)`.
///
/// # Example
///
/// ```
/// let energy = [3.0, 2.0, 1.0, 2.0, 5.0, 4.0, 6.0];
/// assert_eq!(audio_dsp::onset_backtrack(&[4, 6], &energy), vec![2, 5]);
/// ```
pub fn onset_backtrack<T: Float>(events: &[usize], energy: &[T]) -> Vec<usize> {
    let mut minima = vec![0usize];
    for i in 1..energy.len().saturating_sub(1) {
        if energy[i] <= energy[i - 1] && energy[i] < energy[i + 1] {
            minima.push(i);
        }
    }
    events
        .iter()
        .map(|&e| {
            let k = minima.partition_point(|&m| m <= e);
            minima[k.saturating_sub(1)]
        })
        .collect()
}
