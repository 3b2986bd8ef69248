//! Dynamic-programming beat tracking, as `librosa.beat.beat_track`.

use crate::error::invalid;
use crate::feature::rhythm::tempo::check_sr;
use crate::feature::rhythm::{tempo, TempoConfig};
use crate::onset::onset_strength::{OnsetAggregate, OnsetStrength, OnsetStrengthConfig};
use crate::util::frame::check_positive;
use crate::util::pairwise_sum::{median, std};
use crate::{Float, Result, StftConfig};

/// The tempo the tracker follows (librosa's `bpm`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Bpm {
    /// Estimated from the envelope with [`tempo()`] (librosa's default,
    /// `bpm=None`), with `start_bpm` as the prior's centre.
    #[default]
    Estimate,
    /// One tempo for the whole envelope.
    Fixed(f64),
    /// One tempo per onset frame (a time-varying tempo, such as
    /// [`tempo()`] with [`crate::feature::rhythm::TempoAggregate::None`] gives).
    Varying(Vec<f64>),
}

/// Parameters of [`beat_track`], with `librosa.beat.beat_track`'s names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BeatTrackConfig {
    /// Sample rate of the signal the envelope came from. Default 22050.
    pub sr: f64,
    /// Samples between onset frames. Default 512.
    pub hop_length: usize,
    /// Initial guess of the tempo (BPM), the centre of [`tempo()`]'s prior. Default 120.
    pub start_bpm: f64,
    /// How strictly the beats keep to the tempo: the weight of the
    /// log-interval penalty. librosa passes it to its tracker as float32, and
    /// so does this. Default 100.
    pub tightness: f64,
    /// Drop weak leading and trailing beats (below half the RMS of the smoothed
    /// beat envelope). Default `true`; with `false`, only beats whose local
    /// score is zero are dropped at the ends.
    pub trim: bool,
    /// The tempo to follow. Default: estimated.
    pub bpm: Bpm,
}

impl Default for BeatTrackConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            start_bpm: 120.0,
            tightness: 100.0,
            trim: true,
            bpm: Bpm::Estimate,
        }
    }
}

/// What [`beat_track`] finds: librosa's `(tempo, beats)`.
#[derive(Debug, Clone, PartialEq)]
pub struct BeatTrack {
    /// The tempo in BPM: one value, or one per frame for [`Bpm::Varying`]
    /// (`[0.0]` for an envelope without onsets).
    pub tempo: Vec<f64>,
    /// The beat positions, in onset frames, ascending.
    pub beats: Vec<usize>,
}

/// Ellis' dynamic-programming beat tracker (`librosa.beat.beat_track` with
/// `units="frames"`, `sparse=True`).
///
/// With `o` the onset envelope divided by its standard deviation and `P`
/// frames per beat (`round(60 sr / (hop · bpm))`):
///
/// 1. local score `L = o ∗ g`, a Gaussian window over `±P` frames
///    (`exp(-½ (32 j / P)²)`);
/// 2. cumulative score `C[i] = L[i] + max_{i-2P ≤ j ≤ i-P/2} (C[j] - tightness · (ln(i-j) - ln P)²)`,
///    with back-links to the best `j` (none before the first frame whose local
///    score reaches 1 % of its maximum);
/// 3. the last beat is the last local maximum of `C` at or above half the
///    median of `C`'s local maxima; back-links give the rest;
/// 4. beats at the ends whose local score is at most half the RMS of the
///    smoothed beat scores are dropped (`trim`).
///
/// The arithmetic follows librosa's (its numba kernels run in float64 on the
/// float32 envelope's normalisation), so the beat frames are identical to
/// librosa's on the same envelope.
///
/// Reference: Ellis, "Beat tracking by dynamic programming", JNMR 36(1), 2007;
/// librosa 0.11.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a non-positive or non-finite `sr`,
/// `start_bpm`, `tightness` or `bpm`, a tempo under one frame per beat,
/// `hop_length = 0`, or a [`Bpm::Varying`] whose length is not the envelope's;
/// [`crate::Error::InputTooShort`] for an empty envelope;
/// [`crate::Error::NonFinite`] for NaN or infinities.
///
/// # Example
///
/// ```
/// use audio_dsp::beat::{beat_track, BeatTrackConfig};
/// // An onset every 20 frames (about 129 BPM at hop 512).
/// let env: Vec<f32> = (0..600).map(|t| if t % 20 == 5 { 1.0 } else { 0.0 }).collect();
/// let found = beat_track(&env, &BeatTrackConfig::default())?;
/// assert!((found.tempo[0] - 129.2).abs() < 0.1);
/// // The beats follow the onsets (librosa's trimming may move the very last).
/// assert_eq!(found.beats[..4], [5, 25, 45, 65]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn beat_track<T: Float>(onset_envelope: &[T], config: &BeatTrackConfig) -> Result<BeatTrack> {
    check_sr(config.sr)?;
    check_positive("hop_length", config.hop_length)?;
    if !(config.start_bpm.is_finite() && config.start_bpm > 0.0) {
        return Err(invalid(
            "start_bpm",
            config.start_bpm,
            "a positive, finite tempo",
        ));
    }
    // librosa's tracker takes tightness as float32.
    let tightness = f64::from(config.tightness as f32);
    if !(tightness.is_finite() && tightness > 0.0) {
        return Err(invalid(
            "tightness",
            config.tightness,
            "a positive, finite weight",
        ));
    }
    if onset_envelope.is_empty() {
        return Err(crate::Error::InputTooShort {
            what: "beat_track onset envelope",
            expected: 1,
            got: 0,
        });
    }
    crate::spectral::stft::check_finite("beat_track onset envelope", onset_envelope)?;
    if onset_envelope.iter().all(|v| v.is_zero()) {
        return Ok(BeatTrack {
            tempo: vec![0.0],
            beats: Vec::new(),
        });
    }
    let bpm = match &config.bpm {
        Bpm::Estimate => tempo(
            onset_envelope,
            &TempoConfig {
                sr: config.sr,
                hop_length: config.hop_length,
                start_bpm: config.start_bpm,
                ..TempoConfig::default()
            },
        )?,
        Bpm::Fixed(b) => vec![*b],
        Bpm::Varying(v) => {
            if v.len() != onset_envelope.len() {
                return Err(crate::Error::ShapeMismatch {
                    what: "bpm (one tempo per onset frame)",
                    expected: vec![onset_envelope.len()],
                    got: vec![v.len()],
                });
            }
            v.clone()
        }
    };
    let frame_rate = config.sr / config.hop_length as f64;
    let mut frames_per_beat = Vec::with_capacity(bpm.len());
    for &b in &bpm {
        if !(b.is_finite() && b > 0.0) {
            return Err(invalid("bpm", b, "a positive, finite tempo"));
        }
        // np.round: ties to even.
        let fpb = (frame_rate * 60.0 / b).round_ties_even();
        if fpb < 1.0 {
            return Err(invalid(
                "bpm",
                b,
                "a tempo of at least one onset frame per beat",
            ));
        }
        frames_per_beat.push(fpb);
    }
    let normalized = normalize_onsets(onset_envelope);
    let localscore = local_score(&normalized, &frames_per_beat);
    let (backlink, cumscore) = dynamic_program(&localscore, &frames_per_beat, tightness);
    let mut beats = vec![false; onset_envelope.len()];
    let mut n = last_beat(&cumscore) as isize;
    while n >= 0 {
        let i = n as usize;
        beats[i] = true;
        n = backlink[i];
    }
    trim_beats(&localscore, &mut beats, config.trim);
    Ok(BeatTrack {
        tempo: bpm,
        beats: beats
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| b.then_some(i))
            .collect(),
    })
}

/// [`beat_track`] from a mono signal (librosa's `beat_track(y=...)`): the onset
/// envelope is [`OnsetStrength`] with median aggregation (as librosa computes
/// it there), at `config.sr` and `config.hop_length`.
///
/// # Errors
///
/// As [`OnsetStrength::new`], [`OnsetStrength::process`] and [`beat_track`].
pub fn beat_track_signal<T: Float>(y: &[T], config: &BeatTrackConfig) -> Result<BeatTrack> {
    let envelope = median_onset_strength(y, config.sr, config.hop_length)?;
    beat_track(&envelope, config)
}

/// librosa's `onset_strength(y, sr, hop_length, aggregate=np.median)`, the
/// envelope `beat_track` and `plp` compute from a signal.
pub(crate) fn median_onset_strength<T: Float>(
    y: &[T],
    sr: f64,
    hop_length: usize,
) -> Result<Vec<T>> {
    let mut onset = OnsetStrengthConfig {
        aggregate: OnsetAggregate::Median,
        ..OnsetStrengthConfig::default()
    };
    onset.mel.stft = StftConfig {
        hop_length: Some(hop_length),
        ..onset.mel.stft
    };
    onset.mel.mel.sr = sr;
    onset.mel.mel.fmax = None;
    OnsetStrength::<T>::new(onset)?.process(y)
}

/// `onsets / (std(onsets, ddof=1) + tiny)` in the envelope's precision, as
/// NumPy rounds it; returned as f64 (librosa's tracker casts it so).
fn normalize_onsets<T: Float>(onsets: &[T]) -> Vec<f64> {
    let norm = std(onsets, 1) + T::min_positive_value();
    onsets
        .iter()
        .map(|&v| (v / norm).to_f64().unwrap_or(f64::NAN))
        .collect()
}

/// librosa's `__beat_local_score`: a same-size convolution with the Gaussian
/// beat window (one window per frame for a varying tempo), summed in the
/// order librosa's kernel sums, including its exclusion of the term that
/// would read `onsets[0]` through the window's last tap.
fn local_score(onsets: &[f64], frames_per_beat: &[f64]) -> Vec<f64> {
    let n = onsets.len();
    let window = |fpb: f64| -> Vec<f64> {
        let half = fpb as i64;
        (-half..=half)
            .map(|j| (-0.5 * ((j as f64 * 32.0 / fpb) * (j as f64 * 32.0 / fpb))).exp())
            .collect()
    };
    let fixed = (frames_per_beat.len() == 1).then(|| window(frames_per_beat[0]));
    (0..n)
        .map(|i| {
            let varying;
            let w = match &fixed {
                Some(w) => w,
                None => {
                    varying = window(frames_per_beat[i]);
                    &varying
                }
            };
            let k_len = w.len();
            let h = k_len / 2;
            let start = (i + h + 1).saturating_sub(n);
            let end = (i + h).min(k_len);
            (start..end).fold(0.0, |s, k| s + w[k] * onsets[i + h - k])
        })
        .collect()
}

/// librosa's `__beat_track_dp`: back-links (`-1` for none) and cumulative scores.
fn dynamic_program(
    localscore: &[f64],
    frames_per_beat: &[f64],
    tightness: f64,
) -> (Vec<isize>, Vec<f64>) {
    let n = localscore.len();
    let max = localscore.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let score_thresh = 0.01 * max;
    let mut backlink = vec![-1isize; n];
    let mut cumscore = vec![0.0f64; n];
    let mut first_beat = true;
    let varying = frames_per_beat.len() > 1;
    for (i, &score_i) in localscore.iter().enumerate() {
        let fpb = frames_per_beat[if varying { i } else { 0 }];
        let log_fpb = fpb.ln();
        let start = i as i64 - (fpb / 2.0).round_ties_even() as i64;
        let stop = i as i64 - 2 * fpb as i64 - 1;
        let mut best_score = f64::NEG_INFINITY;
        let mut beat_location: isize = -1;
        let mut loc = start;
        while loc > stop {
            if loc < 0 {
                break;
            }
            let d = ((i as i64 - loc) as f64).ln() - log_fpb;
            let score = cumscore[loc as usize] - tightness * (d * d);
            if score > best_score {
                best_score = score;
                beat_location = loc as isize;
            }
            loc -= 1;
        }
        cumscore[i] = if beat_location >= 0 {
            score_i + best_score
        } else {
            score_i
        };
        if first_beat && score_i < score_thresh {
            backlink[i] = -1;
        } else {
            backlink[i] = beat_location;
            first_beat = false;
        }
    }
    (backlink, cumscore)
}

/// librosa's `__last_beat`: the last local maximum of the cumulative score
/// (`x[i] > x[i-1]` and `x[i] >= x[i+1]`, edges padded with themselves) at or
/// above half the median of all local maxima; the last frame if none is.
fn last_beat(cumscore: &[f64]) -> usize {
    let n = cumscore.len();
    let is_max = |i: usize| {
        let prev = cumscore[i.saturating_sub(1)];
        let next = cumscore[(i + 1).min(n - 1)];
        cumscore[i] > prev && cumscore[i] >= next
    };
    let mut maxima: Vec<f64> = (0..n).filter(|&i| is_max(i)).map(|i| cumscore[i]).collect();
    if maxima.is_empty() {
        return n - 1;
    }
    let threshold = 0.5 * median(&mut maxima);
    (0..n)
        .rev()
        .find(|&i| is_max(i) && cumscore[i] >= threshold)
        .unwrap_or(n - 1)
}

/// librosa's `__trim_beats`: the threshold is half the RMS of the beats' local
/// scores smoothed with `hanning(5)` (zero without `trim`); frames from each
/// end whose local score is at or below it lose their beat.
fn trim_beats(localscore: &[f64], beats: &mut [bool], trim: bool) {
    let n = localscore.len();
    let threshold = if trim {
        let at_beats: Vec<f64> = localscore
            .iter()
            .zip(beats.iter())
            .filter_map(|(&s, &b)| b.then_some(s))
            .collect();
        const W: [f64; 5] = [0.0, 0.5, 1.0, 0.5, 0.0];
        let full = at_beats.len() + W.len() - 1;
        let (start, end) = (W.len() / 2, (n + W.len() / 2).min(full));
        let smooth: Vec<f64> = (start..end.max(start))
            .map(|m| {
                let lo = m.saturating_sub(W.len() - 1);
                let hi = m.min(at_beats.len() - 1);
                (lo..=hi).fold(0.0, |s, k| s + at_beats[k] * W[m - k])
            })
            .collect();
        let mean_sq = smooth.iter().fold(0.0, |s, v| s + v * v) / smooth.len().max(1) as f64;
        0.5 * mean_sq.sqrt()
    } else {
        0.0
    };
    let mut i = 0;
    while i < n && localscore[i] <= threshold {
        beats[i] = false;
        i += 1;
    }
    let mut j = n;
    while j > 0 && localscore[j - 1] <= threshold {
        beats[j - 1] = false;
        j -= 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn silence_has_no_beats() {
        let found = beat_track(&[0.0f32; 300], &BeatTrackConfig::default()).unwrap();
        assert_eq!(
            found,
            BeatTrack {
                tempo: vec![0.0],
                beats: vec![]
            }
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let env = [1.0f32, 0.0, 0.5, 0.0];
        for config in [
            BeatTrackConfig {
                tightness: 0.0,
                ..BeatTrackConfig::default()
            },
            BeatTrackConfig {
                start_bpm: -3.0,
                ..BeatTrackConfig::default()
            },
            BeatTrackConfig {
                bpm: Bpm::Fixed(f64::INFINITY),
                ..BeatTrackConfig::default()
            },
            BeatTrackConfig {
                bpm: Bpm::Fixed(1e9),
                ..BeatTrackConfig::default()
            },
            BeatTrackConfig {
                hop_length: 0,
                ..BeatTrackConfig::default()
            },
        ] {
            assert!(
                matches!(
                    beat_track(&env, &config),
                    Err(crate::Error::InvalidParameter { .. })
                ),
                "{config:?}"
            );
        }
        let varying = BeatTrackConfig {
            bpm: Bpm::Varying(vec![120.0; 3]),
            ..BeatTrackConfig::default()
        };
        assert!(matches!(
            beat_track(&env, &varying),
            Err(crate::Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            beat_track::<f32>(&[], &BeatTrackConfig::default()),
            Err(crate::Error::InputTooShort { .. })
        ));
    }

    #[test]
    fn local_score_skips_the_first_frame_as_librosa() {
        // onsets[0] never enters the sum through the last window tap.
        let s = local_score(&[1.0, 0.0, 0.0, 0.0, 0.0], &[1.0]);
        assert_eq!(s[0], 0.0);
        let s = local_score(&[0.0, 1.0, 0.0, 0.0, 0.0], &[1.0]);
        assert!(s[0] > 0.0 && s[1] == 1.0);
    }
}
