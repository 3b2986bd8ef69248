//! Tempo estimation from the autocorrelation tempogram, as `librosa.feature.tempo`.

use ndarray::{ArrayView2, Axis};

use super::tempogram::{Tempogram, TempogramConfig};
use crate::error::invalid;
use crate::util::frame::check_positive;
use crate::util::pairwise_stream::{PairwisePlan, PairwiseStream};
use crate::util::pairwise_sum::{mean, median};
use crate::{time_to_frames, Float, Result};

/// How the tempogram is summarised over time before the tempo is picked
/// (librosa's `aggregate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TempoAggregate {
    /// `np.mean` over frames: one global tempo (librosa's default).
    #[default]
    Mean,
    /// `np.median` over frames: one global tempo.
    Median,
    /// `np.max` over frames: one global tempo.
    Max,
    /// No aggregation (`aggregate=None`): one tempo per frame.
    None,
}

impl std::str::FromStr for TempoAggregate {
    type Err = crate::Error;

    /// Parses `mean`, `median`, `max` or `none`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for anything else.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mean" => Ok(Self::Mean),
            "median" => Ok(Self::Median),
            "max" => Ok(Self::Max),
            "none" => Ok(Self::None),
            _ => Err(invalid(
                "aggregate",
                s.chars().take(32).collect::<String>(),
                "mean, median, max or none",
            )),
        }
    }
}

/// Parameters of [`tempo()`], with `librosa.feature.tempo`'s names and defaults
/// (no `prior` distribution: the log-normal prior below is librosa's default).
#[derive(Debug, Clone, PartialEq)]
pub struct TempoConfig {
    /// Sample rate of the signal the envelope came from. Default 22050.
    pub sr: f64,
    /// Samples between onset frames. Default 512.
    pub hop_length: usize,
    /// Centre of the tempo prior, in BPM. Default 120.
    pub start_bpm: f64,
    /// Width of the prior in octaves. Default 1.
    pub std_bpm: f64,
    /// Length of the autocorrelation window in seconds (the tempogram's
    /// `win_length` is `floor(floor(ac_size · sr) / hop)` frames). Default 8.
    pub ac_size: f64,
    /// Tempi at or above this many BPM are never chosen; `None` allows all.
    /// Default `Some(320)`.
    pub max_tempo: Option<f64>,
    /// Summary over time. Default mean.
    pub aggregate: TempoAggregate,
}

impl Default for TempoConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            start_bpm: 120.0,
            std_bpm: 1.0,
            ac_size: 8.0,
            max_tempo: Some(320.0),
            aggregate: TempoAggregate::Mean,
        }
    }
}

pub(crate) fn check_sr(sr: f64) -> Result<()> {
    if sr.is_finite() && sr > 0.0 {
        Ok(())
    } else {
        Err(invalid("sr", sr, "a positive, finite sample rate"))
    }
}

impl TempoConfig {
    fn validate(&self) -> Result<()> {
        check_sr(self.sr)?;
        check_positive("hop_length", self.hop_length)?;
        if !(self.start_bpm.is_finite() && self.start_bpm > 0.0) {
            return Err(invalid(
                "start_bpm",
                self.start_bpm,
                "a positive, finite tempo",
            ));
        }
        if !(self.std_bpm.is_finite() && self.std_bpm > 0.0) {
            return Err(invalid("std_bpm", self.std_bpm, "a positive, finite width"));
        }
        if !(self.ac_size.is_finite() && self.ac_size > 0.0) {
            return Err(invalid(
                "ac_size",
                self.ac_size,
                "a positive, finite duration",
            ));
        }
        if let Some(m) = self.max_tempo {
            if m.is_nan() {
                return Err(invalid("max_tempo", m, "a tempo in BPM, or none"));
            }
        }
        Ok(())
    }

    /// The tempogram window in frames, `time_to_frames(ac_size, sr, hop)`.
    fn win_length(&self) -> Result<usize> {
        let frames = time_to_frames(self.ac_size, self.sr, self.hop_length, None)?;
        usize::try_from(frames)
            .ok()
            .filter(|&w| w > 0)
            .ok_or_else(|| invalid("ac_size", self.ac_size, "at least one onset frame long"))
    }
}

/// The tempo (BPM) of each autocorrelation lag,
/// `librosa.tempo_frequencies(n_bins, hop_length, sr)`: `inf` for lag 0,
/// `60 sr / (hop · k)` for lag `k`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for `hop_length = 0` or a sample rate
/// that is not positive and finite.
///
/// # Example
///
/// ```
/// let bpm = audio_dsp::feature::rhythm::tempo_frequencies(4, 512, 22050.0)?;
/// assert!(bpm[0].is_infinite());
/// assert!((bpm[2] - 60.0 * 22050.0 / 1024.0).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn tempo_frequencies(n_bins: usize, hop_length: usize, sr: f64) -> Result<Vec<f64>> {
    check_positive("hop_length", hop_length)?;
    check_sr(sr)?;
    Ok((0..n_bins)
        .map(|k| {
            if k == 0 {
                f64::INFINITY
            } else {
                60.0 * sr / (hop_length as f64 * k as f64)
            }
        })
        .collect())
}

/// Global or per-frame tempo estimation (`librosa.feature.tempo`): the
/// autocorrelation [`Tempogram`] of the onset envelope (window
/// `ac_size` seconds), summarised over time by `aggregate`, weighted by a
/// log-normal prior and maximised over lags:
///
/// `tempo = bpm[argmax_k (log1p(10⁶ T[k]) - ½ ((log2 bpm[k] - log2 start_bpm) / std_bpm)²)]`,
///
/// with lags whose tempo is at or above `max_tempo` excluded.
///
/// Reference: Ellis, "Beat tracking by dynamic programming", JNMR 36(1), 2007;
/// librosa 0.11.
///
/// # Shapes
///
/// One value for an aggregate, one per onset frame for [`TempoAggregate::None`].
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a non-positive or non-finite `sr`,
/// `start_bpm`, `std_bpm` or `ac_size`, an `ac_size` shorter than one frame,
/// or `hop_length = 0`; [`crate::Error::InputTooShort`] for an empty envelope;
/// [`crate::Error::NonFinite`] for NaN or infinities.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::rhythm::{tempo, TempoConfig};
/// // Pulses every 23 frames at hop 512, 22050 Hz: 60·22050/(512·23) ≈ 112.3 BPM.
/// let env: Vec<f32> = (0..2000).map(|t| if t % 23 == 0 { 1.0 } else { 0.0 }).collect();
/// let bpm = tempo(&env, &TempoConfig::default())?;
/// assert_eq!(bpm.len(), 1);
/// assert!((bpm[0] - 60.0 * 22050.0 / (512.0 * 23.0)).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn tempo<T: Float>(onset_envelope: &[T], config: &TempoConfig) -> Result<Vec<f64>> {
    config.validate()?;
    let plan = Tempogram::new(TempogramConfig {
        win_length: config.win_length()?,
        ..TempogramConfig::default()
    })?;
    if config.aggregate == TempoAggregate::Median {
        // The median needs every frame's value of each lag at once.
        return tempo_from_tempogram(plan.process(onset_envelope)?.view(), config);
    }
    // The tempogram in blocks of frames, never whole (it is `win_length`
    // float64 a frame, 3 KB at the default window, against the envelope's
    // 4 bytes): each block's columns are picked (per-frame tempo) or
    // summed into each lag's running NumPy pairwise sum or maximum, which
    // round exactly as the whole tempogram's. The tempogram is centred (the
    // default config), so it has one frame per envelope frame.
    let frames = onset_envelope.len();
    let picker = TempoPicker::new(plan.config().win_length, config)?;
    let order = PairwisePlan::new(frames);
    let mut sums: Vec<PairwiseStream<f64>> = (0..picker.bins()).map(|_| order.stream()).collect();
    let mut maxima = vec![f64::NEG_INFINITY; picker.bins()];
    let mut per_frame = Vec::new();
    plan.process_blocks(onset_envelope, TEMPO_BLOCK_FRAMES, |tg| -> Result<()> {
        check_no_nan(tg.view())?;
        match config.aggregate {
            TempoAggregate::None => {
                per_frame.extend(tg.axis_iter(Axis(1)).map(|c| picker.pick(&c.to_vec())));
            }
            TempoAggregate::Max => {
                for (m, row) in maxima.iter_mut().zip(tg.rows()) {
                    *m = row.fold(*m, |m, &v| m.max(v));
                }
            }
            _ => {
                for (sum, row) in sums.iter_mut().zip(tg.rows()) {
                    row.iter().for_each(|&v| sum.push(v));
                }
            }
        }
        Ok(())
    })?;
    let summary: Vec<f64> = match config.aggregate {
        TempoAggregate::None => return Ok(per_frame),
        TempoAggregate::Max => maxima,
        _ => sums
            .iter()
            .map(|s| s.sum().unwrap_or(f64::NAN) / frames as f64)
            .collect(),
    };
    Ok(vec![picker.pick(&summary)])
}

/// Tempogram frames computed at a time by [`tempo()`]: 1.5 MB of them at
/// the default window.
const TEMPO_BLOCK_FRAMES: usize = 512;

/// [`crate::Error::NonFinite`] at the first NaN of a tempogram.
fn check_no_nan(tg: ArrayView2<'_, f64>) -> Result<()> {
    match tg.iter().position(|v| v.is_nan()) {
        Some(index) => Err(crate::Error::NonFinite {
            what: "tempogram",
            index,
        }),
        None => Ok(()),
    }
}

/// The lag of the best score `log1p(10⁶ T[k]) + prior[k]`, as BPM.
struct TempoPicker {
    bpms: Vec<f64>,
    logprior: Vec<f64>,
}

impl TempoPicker {
    fn new(bins: usize, config: &TempoConfig) -> Result<Self> {
        let bpms = tempo_frequencies(bins, config.hop_length, config.sr)?;
        let log_start = config.start_bpm.log2();
        let mut logprior: Vec<f64> = bpms
            .iter()
            .map(|&b| -0.5 * ((b.log2() - log_start) / config.std_bpm).powi(2))
            .collect();
        if let Some(max_tempo) = config.max_tempo {
            // np.argmax(bpms < max_tempo): the first lag below the limit (0 if none).
            let first = bpms.iter().position(|&b| b < max_tempo).unwrap_or(0);
            logprior[..first].fill(f64::NEG_INFINITY);
        }
        Ok(Self { bpms, logprior })
    }

    fn bins(&self) -> usize {
        self.bpms.len()
    }

    fn pick(&self, column: &[f64]) -> f64 {
        let mut best = 0;
        let mut best_score = f64::NAN;
        for (k, (&v, &prior)) in column.iter().zip(&self.logprior).enumerate() {
            let score = (1e6 * v).ln_1p() + prior;
            // np.argmax: the first maximum.
            if best_score.is_nan() || score > best_score {
                best = k;
                best_score = score;
            }
        }
        self.bpms[best]
    }
}

/// [`tempo()`] from a precomputed autocorrelation tempogram (librosa's `tg=`):
/// the window length is the tempogram's number of rows and `ac_size` is not used.
///
/// # Errors
///
/// As [`tempo()`]; [`crate::Error::InputTooShort`] for a tempogram without rows
/// or columns; [`crate::Error::NonFinite`] for NaN in it.
pub fn tempo_from_tempogram(tg: ArrayView2<'_, f64>, config: &TempoConfig) -> Result<Vec<f64>> {
    config.validate()?;
    let (bins, frames) = tg.dim();
    if bins == 0 || frames == 0 {
        return Err(crate::Error::InputTooShort {
            what: "tempo (tempogram)",
            expected: 1,
            got: bins.min(frames),
        });
    }
    check_no_nan(tg)?;
    let picker = TempoPicker::new(bins, config)?;
    let summary: Vec<f64> = match config.aggregate {
        TempoAggregate::None => {
            return Ok(tg
                .axis_iter(Axis(1))
                .map(|c| picker.pick(&c.to_vec()))
                .collect())
        }
        TempoAggregate::Mean => tg.rows().into_iter().map(|r| mean(&r.to_vec())).collect(),
        TempoAggregate::Median => tg
            .rows()
            .into_iter()
            .map(|r| median(&mut r.to_vec()))
            .collect(),
        TempoAggregate::Max => tg
            .rows()
            .into_iter()
            .map(|r| r.fold(f64::NEG_INFINITY, |m, &v| m.max(v)))
            .collect(),
    };
    Ok(vec![picker.pick(&summary)])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn blocked_tempo_equals_the_whole_tempogram_to_the_bit() {
        // Longer than several blocks and not a multiple of one; a pulse
        // train with drift, so every lag's mean matters.
        let env: Vec<f32> = (0..2_345)
            .map(|t| {
                let t = t as f32;
                (t * 0.27).sin().max(0.0) + 0.3 * (t * 0.031).cos().abs()
            })
            .collect();
        for aggregate in [
            TempoAggregate::Mean,
            TempoAggregate::Max,
            TempoAggregate::None,
            TempoAggregate::Median,
        ] {
            let config = TempoConfig {
                aggregate,
                ..TempoConfig::default()
            };
            let tg = Tempogram::new(TempogramConfig {
                win_length: config.win_length().unwrap(),
                ..TempogramConfig::default()
            })
            .unwrap()
            .process(&env)
            .unwrap();
            let whole = tempo_from_tempogram(tg.view(), &config).unwrap();
            let blocked = tempo(&env, &config).unwrap();
            assert_eq!(
                blocked.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                whole.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "{aggregate:?}"
            );
        }
    }

    #[test]
    fn prior_and_max_tempo_pick_the_lag() {
        // A flat tempogram: the prior alone decides, so the lag nearest 120 BPM wins.
        let tg = ndarray::Array2::<f64>::ones((64, 3));
        let bpm = tempo_from_tempogram(tg.view(), &TempoConfig::default()).unwrap();
        let lags = tempo_frequencies(64, 512, 22050.0).unwrap();
        let nearest = (1..64)
            .min_by(|&a, &b| {
                (lags[a].log2() - 120f64.log2())
                    .abs()
                    .total_cmp(&(lags[b].log2() - 120f64.log2()).abs())
            })
            .unwrap();
        assert_eq!(bpm, vec![lags[nearest]]);
        let fast = TempoConfig {
            start_bpm: 1000.0,
            max_tempo: Some(200.0),
            ..TempoConfig::default()
        };
        assert!(tempo_from_tempogram(tg.view(), &fast).unwrap()[0] < 200.0);
        let per_frame = TempoConfig {
            aggregate: TempoAggregate::None,
            ..TempoConfig::default()
        };
        assert_eq!(
            tempo_from_tempogram(tg.view(), &per_frame).unwrap().len(),
            3
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let env = [1.0f32; 100];
        for config in [
            TempoConfig {
                start_bpm: 0.0,
                ..TempoConfig::default()
            },
            TempoConfig {
                std_bpm: f64::NAN,
                ..TempoConfig::default()
            },
            TempoConfig {
                ac_size: 0.001,
                ..TempoConfig::default()
            },
            TempoConfig {
                hop_length: 0,
                ..TempoConfig::default()
            },
            TempoConfig {
                sr: -1.0,
                ..TempoConfig::default()
            },
        ] {
            assert!(
                matches!(
                    tempo(&env, &config),
                    Err(crate::Error::InvalidParameter { .. })
                ),
                "{config:?}"
            );
        }
        assert!("geometric".parse::<TempoAggregate>().is_err());
        assert_eq!(
            "None".parse::<TempoAggregate>().unwrap(),
            TempoAggregate::None
        );
    }
}
