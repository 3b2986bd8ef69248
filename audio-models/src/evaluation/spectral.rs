//! Spectral distances between a reference and a resynthesis, and the
//! Griffin-Lim baseline that vocoders and resynthesisers are compared with.

use audio_dsp::feature::inverse::{mel_to_audio, MelToAudioConfig, MelToStftConfig};
use audio_dsp::{spectrogram, MelConfig, MelSpectrogram, MelSpectrogramConfig, Stft, StftConfig};
use serde::{Deserialize, Serialize};

use crate::datasets::TranscriptionDataset;
use crate::{Dataset, Error, Result};

/// The floor of the magnitudes in the log-STFT distance (−100 dB).
pub const LOG_FLOOR: f64 = 1e-5;

/// Spectral convergence and log-STFT distance of one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectralDistances {
    /// `‖|S| − |Ŝ|‖_F / ‖|S|‖_F` (Arık et al. 2019; lower is better).
    pub spectral_convergence: f64,
    /// `mean |ln max(|S|, 1e−5) − ln max(|Ŝ|, 1e−5)|` over the bins and
    /// frames (lower is better).
    pub log_stft_distance: f64,
}

/// A planned comparison: one STFT (hann, centred) for every pair.
///
/// # Example
///
/// ```
/// use audio_models::evaluation::SpectralComparison;
/// let cmp = SpectralComparison::new(1024, 256)?;
/// let y: Vec<f32> = (0..16_000).map(|n| (n as f32 * 0.05).sin()).collect();
/// let d = cmp.compare(&y, &y)?;
/// assert_eq!(d.spectral_convergence, 0.0);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct SpectralComparison {
    stft: Stft<f32>,
}

impl SpectralComparison {
    /// Plans the STFT.
    ///
    /// # Errors
    ///
    /// The STFT planner's (a zero size).
    pub fn new(n_fft: usize, hop: usize) -> Result<Self> {
        Ok(Self {
            stft: Stft::new(StftConfig {
                n_fft,
                hop_length: Some(hop),
                ..StftConfig::default()
            })?,
        })
    }

    /// The distances of `estimate` from `reference`, over their common
    /// length.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] when either is empty or the reference is silent;
    /// the STFT's (non-finite samples).
    pub fn compare(&self, reference: &[f32], estimate: &[f32]) -> Result<SpectralDistances> {
        let n = reference.len().min(estimate.len());
        if n == 0 {
            return Err(Error::Empty {
                what: "audio to compare",
            });
        }
        let a = spectrogram(&self.stft, &reference[..n], 1.0)?;
        let b = spectrogram(&self.stft, &estimate[..n], 1.0)?;
        let (mut diff, mut norm, mut log_sum) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in a.iter().zip(b.iter()) {
            let (x, y) = (f64::from(x), f64::from(y));
            diff += (x - y).powi(2);
            norm += x * x;
            log_sum += (x.max(LOG_FLOOR).ln() - y.max(LOG_FLOOR).ln()).abs();
        }
        if norm == 0.0 {
            return Err(Error::Empty {
                what: "a silent reference",
            });
        }
        #[allow(clippy::cast_precision_loss, reason = "bin counts")]
        Ok(SpectralDistances {
            spectral_convergence: (diff / norm).sqrt(),
            log_stft_distance: log_sum / a.len() as f64,
        })
    }
}

/// The Griffin-Lim baseline: `samples`' mel spectrogram (power, Slaney
/// mels from 0 Hz to Nyquist, hann, centred) inverted by
/// `librosa.feature.inverse.mel_to_audio` (NNLS to a linear magnitude, then
/// 32 iterations of fast Griffin-Lim from zero phase), cut to the input's
/// length.
///
/// # Errors
///
/// The mel spectrogram's and the inversion's errors.
pub fn griffin_lim_from_mel(
    samples: &[f32],
    sample_rate: u32,
    n_fft: usize,
    hop: usize,
    n_mels: usize,
) -> Result<Vec<f32>> {
    let mel = MelSpectrogram::<f32>::new(MelSpectrogramConfig {
        stft: StftConfig {
            n_fft,
            hop_length: Some(hop),
            ..StftConfig::default()
        },
        power: 2.0,
        mel: MelConfig {
            sr: f64::from(sample_rate),
            n_fft,
            n_mels,
            ..MelConfig::default()
        },
    })?;
    let m = audio_dsp::Transform::process(&mel, samples)?;
    let config = MelToAudioConfig::<f32> {
        mel: MelToStftConfig {
            sr: f64::from(sample_rate),
            n_fft,
            power: 2.0,
            ..MelToStftConfig::default()
        },
        hop_length: Some(hop),
        length: Some(samples.len()),
        ..MelToAudioConfig::default()
    };
    Ok(mel_to_audio(m.view(), &config)?)
}

/// The mean [`SpectralDistances`] of an estimate and of a baseline over the
/// first `limit` songs (all by default) of a split at `sample_rate`, each
/// song mixed to mono and handed to `estimate_and_baseline`, both compared
/// with it by `SpectralComparison::new(n_fft, hop)`. Returns the number of
/// songs scored and the two means.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a split at another rate;
/// [`Error::Empty`] (naming `what`) for no songs; the readers' and the
/// closure's.
pub(crate) fn mean_distances_over_split(
    data: &TranscriptionDataset,
    sample_rate: u32,
    limit: Option<usize>,
    (n_fft, hop): (usize, usize),
    what: &'static str,
    mut estimate_and_baseline: impl FnMut(&[f32]) -> Result<(Vec<f32>, Vec<f32>)>,
) -> Result<(usize, SpectralDistances, SpectralDistances)> {
    if data.sample_rate() != sample_rate {
        return Err(Error::InvalidParameter {
            name: "sample_rate",
            value: format!("{} Hz", data.sample_rate()),
            expected: "the model's sample rate (render the dataset at it)",
        });
    }
    let n = limit.map_or(data.len(), |l| l.min(data.len()));
    if n == 0 {
        return Err(Error::Empty { what });
    }
    let cmp = SpectralComparison::new(n_fft, hop)?;
    let mut sums = [0.0f64; 4];
    for i in 0..n {
        let (samples, _) = data.get(i)?;
        let mono = audio_io::to_mono(&samples).row(0).to_vec();
        let (estimate, baseline) = estimate_and_baseline(&mono)?;
        let ours = cmp.compare(&mono, &estimate)?;
        let base = cmp.compare(&mono, &baseline)?;
        sums[0] += ours.spectral_convergence;
        sums[1] += ours.log_stft_distance;
        sums[2] += base.spectral_convergence;
        sums[3] += base.log_stft_distance;
    }
    #[allow(clippy::cast_precision_loss, reason = "song counts are small")]
    let mean = |s: f64| s / n as f64;
    Ok((
        n,
        SpectralDistances {
            spectral_convergence: mean(sums[0]),
            log_stft_distance: mean(sums[1]),
        },
        SpectralDistances {
            spectral_convergence: mean(sums[2]),
            log_stft_distance: mean(sums[3]),
        },
    ))
}
