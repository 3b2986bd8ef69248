//! Frame-level multiple-F0 scores, as `mir_eval.multipitch` (0.8.2), after
//! Poliner & Ellis (2007) and the MIREX multi-F0 task.
//!
//! Each frame holds any number of frequencies in Hz. Frequencies become MIDI
//! numbers `69 + 12·log2(f / 440)`; in each frame estimated pitches are
//! matched to reference pitches within `window` semitones (default 0.5, i.e.
//! a quarter tone) by maximum bipartite matching, and the chroma variants
//! match pitch classes (`midi mod 12`, circular distance). With `TP`, `n_ref`
//! and `n_est` summed over frames: precision `TP / n_est`, recall
//! `TP / n_ref`, accuracy `TP / (n_est + n_ref − TP)`, and the error scores
//! of Poliner & Ellis: substitution `Σ(min(n_ref, n_est) − TP) / Σ n_ref`,
//! miss `Σ max(0, n_ref − n_est) / Σ n_ref`, false alarm
//! `Σ max(0, n_est − n_ref) / Σ n_ref`, total `Σ(max(n_ref, n_est) − TP) /
//! Σ n_ref`.
//!
//! When the estimate's time base differs from the reference's (not
//! `np.allclose`), estimated frames are resampled to the reference times by
//! nearest neighbour, times outside the estimate's span becoming empty
//! frames (`resample_multipitch`).

use crate::matching::{match_events, match_events_mod_12, python_mod};
use crate::transcription::check_lengths;
use crate::validate::{check_positive, np_allclose, validate_events};
use crate::{Error, Result};

/// Largest accepted time, in seconds (`MAX_TIME`).
pub const MAX_TIME: f64 = 30000.0;
/// Largest accepted frequency, in Hz (`MAX_FREQ`).
pub const MAX_FREQ: f64 = 5000.0;
/// Smallest accepted frequency, in Hz (`MIN_FREQ`).
pub const MIN_FREQ: f64 = 20.0;
/// Default matching window, in semitones.
pub const DEFAULT_WINDOW: f64 = 0.5;

/// `mir_eval.multipitch.validate`: increasing times (at most [`MAX_TIME`]),
/// one frame per time, every frequency in `[MIN_FREQ, MAX_FREQ]`.
///
/// mir_eval tests `|f|` against the range, so it lets a negative frequency
/// through (to become NaN later); we reject it.
///
/// # Errors
///
/// [`Error::Unsorted`], [`Error::OutOfRange`], [`Error::NonFinite`],
/// [`Error::ShapeMismatch`].
///
/// # Example
///
/// ```
/// use audio_eval::multipitch::validate;
/// assert!(validate(&[0.0], &[vec![10.0]], &[0.0], &[vec![]]).is_err());
/// ```
pub fn validate(
    ref_time: &[f64],
    ref_freqs: &[Vec<f64>],
    est_time: &[f64],
    est_freqs: &[Vec<f64>],
) -> Result<()> {
    validate_events("reference times", ref_time, MAX_TIME)?;
    validate_events("estimated times", est_time, MAX_TIME)?;
    check_lengths("reference frequencies", ref_time.len(), ref_freqs.len())?;
    check_lengths("estimated frequencies", est_time.len(), est_freqs.len())?;
    for (what, frames) in [
        ("reference frequencies", ref_freqs),
        ("estimated frequencies", est_freqs),
    ] {
        for (index, frame) in frames.iter().enumerate() {
            for &f in frame {
                if !f.is_finite() {
                    return Err(Error::NonFinite {
                        what,
                        index,
                        value: f,
                    });
                }
                if !(MIN_FREQ..=MAX_FREQ).contains(&f) {
                    return Err(Error::OutOfRange {
                        what,
                        index,
                        value: f,
                        min: MIN_FREQ,
                        max: MAX_FREQ,
                    });
                }
            }
        }
    }
    Ok(())
}

/// `mir_eval.multipitch.resample_multipitch`: the frame of `frequencies`
/// nearest to each of `target_times` (ties to the earlier frame), or an
/// empty frame outside `[times[0], times[-1]]`. Returns indices into
/// `frequencies`, `None` for an empty frame.
///
/// # Example
///
/// ```
/// use audio_eval::multipitch::resample_indices;
/// assert_eq!(resample_indices(&[0.0, 1.0], &[0.5, 0.6, 2.0]), vec![Some(0), Some(1), None]);
/// ```
pub fn resample_indices(times: &[f64], target_times: &[f64]) -> Vec<Option<usize>> {
    if times.is_empty() {
        return vec![None; target_times.len()];
    }
    let n = times.len();
    let bounds: Vec<f64> = times.windows(2).map(|w| w[1] / 2.0 + w[0] / 2.0).collect();
    target_times
        .iter()
        .map(|&t| {
            if t < times[0] || t > times[n - 1] || t.is_nan() {
                None
            } else {
                Some(bounds.partition_point(|&b| b < t).min(n - 1))
            }
        })
        .collect()
}

/// Every score of `mir_eval.multipitch.evaluate`; serialises as
/// [`MultipitchScores::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MultipitchScores {
    /// `TP / Σ n_est`.
    pub precision: f64,
    /// `TP / Σ n_ref`.
    pub recall: f64,
    /// `TP / Σ(n_est + n_ref − TP)`.
    pub accuracy: f64,
    /// Substitution error.
    pub substitution_error: f64,
    /// Miss error.
    pub miss_error: f64,
    /// False alarm error.
    pub false_alarm_error: f64,
    /// Total error.
    pub total_error: f64,
    /// Precision on pitch classes.
    pub chroma_precision: f64,
    /// Recall on pitch classes.
    pub chroma_recall: f64,
    /// Accuracy on pitch classes.
    pub chroma_accuracy: f64,
    /// Substitution error on pitch classes.
    pub chroma_substitution_error: f64,
    /// Miss error on pitch classes.
    pub chroma_miss_error: f64,
    /// False alarm error on pitch classes.
    pub chroma_false_alarm_error: f64,
    /// Total error on pitch classes.
    pub chroma_total_error: f64,
}

crate::report::serialize_via_entries!(MultipitchScores);

impl MultipitchScores {
    /// `(key, value)` pairs named and ordered as mir_eval's `evaluate()`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("Precision", self.precision),
            ("Recall", self.recall),
            ("Accuracy", self.accuracy),
            ("Substitution Error", self.substitution_error),
            ("Miss Error", self.miss_error),
            ("False Alarm Error", self.false_alarm_error),
            ("Total Error", self.total_error),
            ("Chroma Precision", self.chroma_precision),
            ("Chroma Recall", self.chroma_recall),
            ("Chroma Accuracy", self.chroma_accuracy),
            ("Chroma Substitution Error", self.chroma_substitution_error),
            ("Chroma Miss Error", self.chroma_miss_error),
            ("Chroma False Alarm Error", self.chroma_false_alarm_error),
            ("Chroma Total Error", self.chroma_total_error),
        ]
    }
}

/// Per-frame counts summed as mir_eval sums them.
#[derive(Debug, Default)]
struct Totals {
    tp: f64,
    n_ref: f64,
    n_est: f64,
    min_minus_tp: f64,
    max_minus_tp: f64,
    miss: f64,
    false_alarm: f64,
}

impl Totals {
    fn add(&mut self, tp: usize, n_ref: usize, n_est: usize) {
        self.tp += tp as f64;
        self.n_ref += n_ref as f64;
        self.n_est += n_est as f64;
        self.min_minus_tp += (n_ref.min(n_est) - tp) as f64;
        self.max_minus_tp += (n_ref.max(n_est) - tp) as f64;
        self.miss += n_ref.saturating_sub(n_est) as f64;
        self.false_alarm += n_est.saturating_sub(n_ref) as f64;
    }

    /// `compute_accuracy` and `compute_err_score`.
    fn scores(&self) -> [f64; 7] {
        let precision = if self.n_est > 0.0 {
            self.tp / self.n_est
        } else {
            0.0
        };
        let recall = if self.n_ref > 0.0 {
            self.tp / self.n_ref
        } else {
            0.0
        };
        let denom = self.n_est + self.n_ref - self.tp;
        let accuracy = if denom > 0.0 { self.tp / denom } else { 0.0 };
        if self.n_ref == 0.0 {
            return [precision, recall, accuracy, 0.0, 0.0, 0.0, 0.0];
        }
        [
            precision,
            recall,
            accuracy,
            self.min_minus_tp / self.n_ref,
            self.miss / self.n_ref,
            self.false_alarm / self.n_ref,
            self.max_minus_tp / self.n_ref,
        ]
    }
}

fn to_midi(frame: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.extend(frame.iter().map(|&f| 69.0 + 12.0 * (f / 440.0).log2()));
}

/// `mir_eval.multipitch.evaluate` (= `metrics`): frame-level precision,
/// recall, accuracy and error scores, plain and on pitch classes, with
/// pitches matched within `window` semitones.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for a bad `window`.
///
/// # Example
///
/// ```
/// use audio_eval::multipitch::evaluate;
/// let t = [0.0, 0.01];
/// let f = vec![vec![440.0], vec![440.0, 220.0]];
/// let s = evaluate(&t, &f, &t, &f, 0.5)?;
/// assert_eq!((s.precision, s.recall, s.total_error), (1.0, 1.0, 0.0));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    ref_time: &[f64],
    ref_freqs: &[Vec<f64>],
    est_time: &[f64],
    est_freqs: &[Vec<f64>],
    window: f64,
) -> Result<MultipitchScores> {
    check_positive("window", window)?;
    validate(ref_time, ref_freqs, est_time, est_freqs)?;
    let resampled: Option<Vec<Option<usize>>> = if np_allclose(est_time, ref_time) {
        None
    } else {
        Some(resample_indices(est_time, ref_time))
    };
    let empty: Vec<f64> = Vec::new();
    let mut plain = Totals::default();
    let mut chroma = Totals::default();
    let (mut r_midi, mut e_midi) = (Vec::new(), Vec::new());
    let (mut r_chroma, mut e_chroma) = (Vec::new(), Vec::new());
    for (i, ref_frame) in ref_freqs.iter().enumerate() {
        let est_frame: &[f64] = match &resampled {
            None => &est_freqs[i],
            Some(idx) => idx[i].map_or(&empty[..], |k| &est_freqs[k][..]),
        };
        to_midi(ref_frame, &mut r_midi);
        to_midi(est_frame, &mut e_midi);
        let (nr, ne) = (r_midi.len(), e_midi.len());
        let tp = if nr == 0 || ne == 0 {
            0
        } else {
            match_events(&r_midi, &e_midi, window).len()
        };
        plain.add(tp, nr, ne);
        r_chroma.clear();
        r_chroma.extend(r_midi.iter().map(|&m| python_mod(m, 12.0)));
        e_chroma.clear();
        e_chroma.extend(e_midi.iter().map(|&m| python_mod(m, 12.0)));
        let tp_c = if nr == 0 || ne == 0 {
            0
        } else {
            match_events_mod_12(&r_chroma, &e_chroma, window)
        };
        chroma.add(tp_c, nr, ne);
    }
    let [precision, recall, accuracy, substitution_error, miss_error, false_alarm_error, total_error] =
        plain.scores();
    let [chroma_precision, chroma_recall, chroma_accuracy, chroma_substitution_error, chroma_miss_error, chroma_false_alarm_error, chroma_total_error] =
        chroma.scores();
    Ok(MultipitchScores {
        precision,
        recall,
        accuracy,
        substitution_error,
        miss_error,
        false_alarm_error,
        total_error,
        chroma_precision,
        chroma_recall,
        chroma_accuracy,
        chroma_substitution_error,
        chroma_miss_error,
        chroma_false_alarm_error,
        chroma_total_error,
    })
}
