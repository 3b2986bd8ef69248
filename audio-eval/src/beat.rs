//! Beat tracking scores, as `mir_eval.beat` (0.8.2), after Davies, Degara &
//! Plumbley, "Evaluation Methods for Musical Audio Beat Tracking Algorithms"
//! (QMUL C4DM-TR-09-06, 2009).
//!
//! [`evaluate`] first drops beats before 5 s ([`trim_beats`]), as
//! `mir_eval.beat.evaluate` does; the individual metrics do not trim.
//! Metric levels (Cemgil best level, AMLc/AMLt) are computed over mir_eval's
//! five reference variations: the annotations, the off-beats, double tempo,
//! and half tempo on odd and on even beats.

use crate::matching::{match_events, python_mod};
use crate::validate::{check_positive, np_interp, np_round, py_index, validate_events};
use crate::{Error, Result};

/// Largest accepted beat time, in seconds (`MAX_TIME`).
pub const MAX_TIME: f64 = 30000.0;
/// Beats before this time are ignored by [`evaluate`] (`min_beat_time`).
pub const DEFAULT_MIN_BEAT_TIME: f64 = 5.0;

/// Parameters of the beat metrics, with mir_eval's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatConfig {
    /// [`evaluate`] drops beats before this time (default 5.0 s).
    pub min_beat_time: f64,
    /// F-measure window, seconds (default 0.07).
    pub f_measure_threshold: f64,
    /// Cemgil Gaussian width, seconds (default 0.04).
    pub cemgil_sigma: f64,
    /// Goto: largest relative error of a correct beat (default 0.35).
    pub goto_threshold: f64,
    /// Goto: largest mean relative error (default 0.2).
    pub goto_mu: f64,
    /// Goto: largest standard deviation of the relative error (default 0.2).
    pub goto_sigma: f64,
    /// P-score window as a fraction of the median inter-beat interval
    /// (default 0.2).
    pub p_score_threshold: f64,
    /// Continuity phase threshold (default 0.175).
    pub continuity_phase_threshold: f64,
    /// Continuity period threshold (default 0.175).
    pub continuity_period_threshold: f64,
    /// Information gain histogram bins (default 41).
    pub bins: usize,
}

impl Default for BeatConfig {
    fn default() -> Self {
        Self {
            min_beat_time: DEFAULT_MIN_BEAT_TIME,
            f_measure_threshold: 0.07,
            cemgil_sigma: 0.04,
            goto_threshold: 0.35,
            goto_mu: 0.2,
            goto_sigma: 0.2,
            p_score_threshold: 0.2,
            continuity_phase_threshold: 0.175,
            continuity_period_threshold: 0.175,
            bins: 41,
        }
    }
}

/// `mir_eval.beat.trim_beats`: the beats at or after `min_beat_time`.
///
/// # Example
///
/// ```
/// assert_eq!(audio_eval::beat::trim_beats(&[1.0, 5.0, 6.0], 5.0), vec![5.0, 6.0]);
/// ```
pub fn trim_beats(beats: &[f64], min_beat_time: f64) -> Vec<f64> {
    beats
        .iter()
        .copied()
        .filter(|&b| b >= min_beat_time)
        .collect()
}

/// `mir_eval.beat.validate`: finite, at most [`MAX_TIME`], non-decreasing.
///
/// # Errors
///
/// [`Error::NonFinite`], [`Error::OutOfRange`], [`Error::Unsorted`].
///
/// # Example
///
/// ```
/// assert!(audio_eval::beat::validate(&[1.0, f64::NAN], &[1.0]).is_err());
/// ```
pub fn validate(reference_beats: &[f64], estimated_beats: &[f64]) -> Result<()> {
    validate_events("reference beats", reference_beats, MAX_TIME)?;
    validate_events("estimated beats", estimated_beats, MAX_TIME)
}

/// mir_eval's `_get_reference_beat_variations`: annotations, off-beats,
/// double tempo, half tempo (odd beats), half tempo (even beats).
fn reference_variations(reference: &[f64]) -> [Vec<f64>; 5] {
    let n = reference.len();
    let idx: Vec<f64> = (0..n).map(|i| i as f64).collect();
    // np.arange(0, n - 0.5, 0.5): 2n - 1 points.
    let double: Vec<f64> = (0..(2 * n).saturating_sub(1))
        .map(|k| np_interp(k as f64 * 0.5, &idx, reference))
        .collect();
    let off_beats = double.iter().skip(1).step_by(2).copied().collect();
    let even = reference.iter().step_by(2).copied().collect();
    let odd = reference.iter().skip(1).step_by(2).copied().collect();
    [reference.to_vec(), off_beats, double, even, odd]
}

/// `mir_eval.beat.f_measure`: F-measure of beats matched within
/// `threshold` seconds; 0 when either list is empty.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for a bad threshold.
///
/// # Example
///
/// ```
/// assert_eq!(audio_eval::beat::f_measure(&[1.0, 2.0], &[1.05, 3.0], 0.07)?, 0.5);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn f_measure(reference_beats: &[f64], estimated_beats: &[f64], threshold: f64) -> Result<f64> {
    check_positive("f_measure_threshold", threshold)?;
    validate(reference_beats, estimated_beats)?;
    if reference_beats.is_empty() || estimated_beats.is_empty() {
        return Ok(0.0);
    }
    let m = match_events(reference_beats, estimated_beats, threshold).len() as f64;
    let p = m / estimated_beats.len() as f64;
    let r = m / reference_beats.len() as f64;
    Ok(crate::validate::f_measure(p, r, 1.0))
}

/// `mir_eval.beat.cemgil`: `Σ_ref exp(−d²/(2σ²)) / ((n_est + n_ref)/2)` with
/// `d` the distance to the nearest estimate; returns `(annotation level,
/// best metric level)`.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for a bad sigma.
///
/// # Example
///
/// ```
/// let (c, best) = audio_eval::beat::cemgil(&[1.0, 2.0], &[1.0, 2.0], 0.04)?;
/// assert_eq!((c, best), (1.0, 1.0));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn cemgil(
    reference_beats: &[f64],
    estimated_beats: &[f64],
    cemgil_sigma: f64,
) -> Result<(f64, f64)> {
    check_positive("cemgil_sigma", cemgil_sigma)?;
    validate(reference_beats, estimated_beats)?;
    if reference_beats.is_empty() || estimated_beats.is_empty() {
        return Ok((0.0, 0.0));
    }
    let mut accuracies = Vec::with_capacity(5);
    for variation in reference_variations(reference_beats) {
        let mut accuracy = 0.0;
        for &beat in &variation {
            let diff = estimated_beats
                .iter()
                .map(|&e| (beat - e).abs())
                .fold(f64::INFINITY, f64::min);
            accuracy += (-(diff * diff) / (2.0 * cemgil_sigma * cemgil_sigma)).exp();
        }
        accuracy /= 0.5 * (estimated_beats.len() + variation.len()) as f64;
        accuracies.push(accuracy);
    }
    let best = accuracies.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok((accuracies[0], best))
}

/// Mean of `x` (NaN when empty), as `np.mean`.
fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// `np.std(x, ddof=1)` (NaN for fewer than two values).
fn std_ddof1(x: &[f64]) -> f64 {
    let m = mean(x);
    let ss: f64 = x.iter().map(|&v| (v - m) * (v - m)).sum();
    (ss / (x.len() as f64 - 1.0)).sqrt()
}

/// `mir_eval.beat.goto`: 1.0 when a continuous run of correctly tracked
/// beats covers more than a quarter of the annotations with mean relative
/// error below `mu` and deviation below `sigma`, else 0.0 (Goto & Muraoka
/// 1997). Reproduces mir_eval's index arithmetic, quirks included.
///
/// # Errors
///
/// As [`validate`].
///
/// # Example
///
/// ```
/// let beats: Vec<f64> = (0..20).map(|i| i as f64 * 0.5).collect();
/// assert_eq!(audio_eval::beat::goto(&beats, &beats, 0.35, 0.2, 0.2)?, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn goto(
    reference_beats: &[f64],
    estimated_beats: &[f64],
    goto_threshold: f64,
    goto_mu: f64,
    goto_sigma: f64,
) -> Result<f64> {
    validate(reference_beats, estimated_beats)?;
    if reference_beats.is_empty() || estimated_beats.is_empty() {
        return Ok(0.0);
    }
    let n = reference_beats.len();
    let mut beat_error = vec![1.0; n];
    for k in 1..n.saturating_sub(1) {
        let previous_interval = 0.5 * (reference_beats[k] - reference_beats[k - 1]);
        let window_min = reference_beats[k] - previous_interval;
        let next_interval = 0.5 * (reference_beats[k + 1] - reference_beats[k]);
        let window_max = reference_beats[k] + next_interval;
        let mut inside = estimated_beats
            .iter()
            .filter(|&&e| e >= window_min && e < window_max);
        let first = inside.next();
        if let (Some(&e), None) = (first, inside.next()) {
            let offset = e - reference_beats[k];
            beat_error[k] = if offset < 0.0 {
                offset / previous_interval
            } else {
                offset / next_interval
            };
        } else {
            beat_error[k] = 1.0;
        }
    }
    let incorrect: Vec<usize> = (0..n)
        .filter(|&i| beat_error[i].abs() > goto_threshold)
        .collect();
    let track: Option<Vec<f64>> = if incorrect.len() < 3 {
        // beat_error[incorrect[0] + 1 : incorrect[-1] - 1], Python slicing.
        let (Some(&a), Some(&b)) = (incorrect.first(), incorrect.last()) else {
            return Ok(0.0);
        };
        let start = (a + 1).min(n);
        let end = py_slice_end(b as isize - 1, n);
        Some(if start < end {
            beat_error[start..end].to_vec()
        } else {
            Vec::new()
        })
    } else {
        let diffs: Vec<usize> = incorrect.windows(2).map(|w| w[1] - w[0]).collect();
        let track_len = diffs.iter().copied().max().unwrap_or(0);
        let track_start = diffs.iter().position(|&d| d == track_len).unwrap_or(0);
        if (track_len as f64) - 1.0 > 0.25 * (n as f64 - 2.0) {
            let start_beat = incorrect[track_start];
            let end_beat = incorrect[track_start + 1];
            Some(beat_error[start_beat..=end_beat].to_vec())
        } else {
            None
        }
    };
    let Some(track) = track else {
        return Ok(0.0);
    };
    let abs: Vec<f64> = track.iter().map(|v| v.abs()).collect();
    if mean(&abs) < goto_mu && std_ddof1(&track) < goto_sigma {
        Ok(1.0)
    } else {
        Ok(0.0)
    }
}

/// The end of a Python slice `[..end]` for a possibly negative `end`.
fn py_slice_end(end: isize, len: usize) -> usize {
    if end < 0 {
        (len as isize + end).max(0) as usize
    } else {
        (end as usize).min(len)
    }
}

/// `mir_eval.beat.p_score`: the share of beat pairs within a window of
/// `threshold ·` median inter-annotation interval, on 10 ms impulse trains
/// (McKinney et al. 2007); 0 with fewer than two beats on a side.
///
/// # Errors
///
/// As [`validate`]; [`Error::Undefined`] when all reference beats fall in
/// one 10 ms bin (mir_eval fails on the median of no intervals).
///
/// # Example
///
/// ```
/// let b = [1.0, 1.5, 2.0, 2.5];
/// assert_eq!(audio_eval::beat::p_score(&b, &b, 0.2)?, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn p_score(reference_beats: &[f64], estimated_beats: &[f64], threshold: f64) -> Result<f64> {
    check_positive("p_score_threshold", threshold)?;
    validate(reference_beats, estimated_beats)?;
    if reference_beats.len() <= 1 || estimated_beats.len() <= 1 {
        return Ok(0.0);
    }
    let sampling_rate = 100.0;
    let offset = estimated_beats[0].min(reference_beats[0]);
    let bins = |b: &[f64]| -> Vec<i64> {
        let mut v: Vec<i64> = b
            .iter()
            .map(|&t| ((t - offset) * sampling_rate).ceil() as i64)
            .collect();
        v.dedup();
        v
    };
    // Beats are sorted, so their bins are sorted; duplicates collapse as the
    // impulse trains hold ones.
    let ref_bins = bins(reference_beats);
    let est_bins = bins(estimated_beats);
    if ref_bins.len() < 2 {
        return Err(Error::Undefined {
            metric: "P-score",
            reason: "all reference beats fall into one 10 ms bin",
        });
    }
    let mut intervals: Vec<i64> = ref_bins.windows(2).map(|w| w[1] - w[0]).collect();
    intervals.sort_unstable();
    let m = intervals.len();
    let median = if m % 2 == 1 {
        intervals[m / 2] as f64
    } else {
        (intervals[m / 2 - 1] as f64 + intervals[m / 2] as f64) / 2.0
    };
    let win = np_round(threshold * median, 0) as i64;
    // Σ over lags −win..=win of the cross-correlation = number of
    // (reference bin, estimate bin) pairs at most `win` apart.
    let mut count: i64 = 0;
    let (mut lo, mut hi) = (0usize, 0usize);
    for &e in &est_bins {
        while lo < ref_bins.len() && ref_bins[lo] < e - win {
            lo += 1;
        }
        if hi < lo {
            hi = lo;
        }
        while hi < ref_bins.len() && ref_bins[hi] <= e + win {
            hi += 1;
        }
        count += (hi - lo) as i64;
    }
    let n_beats = estimated_beats.len().max(reference_beats.len()) as f64;
    Ok(count as f64 / n_beats)
}

/// The continuity scores: CMLc, CMLt, AMLc, AMLt (serialised with
/// `mir_eval.beat.evaluate`'s key names).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Continuity {
    /// Correct metric level, longest continuous run.
    #[serde(rename = "Correct Metric Level Continuous")]
    pub cml_c: f64,
    /// Correct metric level, total.
    #[serde(rename = "Correct Metric Level Total")]
    pub cml_t: f64,
    /// Any metric level, longest continuous run.
    #[serde(rename = "Any Metric Level Continuous")]
    pub aml_c: f64,
    /// Any metric level, total.
    #[serde(rename = "Any Metric Level Total")]
    pub aml_t: f64,
}

/// `mir_eval.beat.continuity` (Hainsworth 2004; Klapuri et al. 2006): an
/// estimated beat is correct when its phase error and period error relative
/// to the nearest unused annotation are below the thresholds; returns the
/// longest correct run and the total share, at the annotated metric level
/// and the best of mir_eval's five levels.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for bad thresholds.
///
/// # Example
///
/// ```
/// let b: Vec<f64> = (0..10).map(|i| i as f64 * 0.5).collect();
/// let c = audio_eval::beat::continuity(&b, &b, 0.175, 0.175)?;
/// assert_eq!((c.cml_c, c.aml_t), (1.0, 1.0));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn continuity(
    reference_beats: &[f64],
    estimated_beats: &[f64],
    phase_threshold: f64,
    period_threshold: f64,
) -> Result<Continuity> {
    check_positive("continuity_phase_threshold", phase_threshold)?;
    check_positive("continuity_period_threshold", period_threshold)?;
    validate(reference_beats, estimated_beats)?;
    if reference_beats.len() <= 1 || estimated_beats.len() <= 1 {
        return Ok(Continuity::default());
    }
    let est = estimated_beats;
    let ne = est.len();
    let mut continuous = Vec::with_capacity(5);
    let mut total = Vec::with_capacity(5);
    for reference in reference_variations(reference_beats) {
        let nr = reference.len();
        // mir_eval sizes both arrays max(n_ref, n_est) and divides by that.
        let n_annotations = nr.max(ne);
        let mut used = vec![false; n_annotations];
        let mut successes = vec![false; n_annotations];
        for m in 0..ne {
            // np.argmin: the first minimum.
            let mut nearest = 0;
            let mut min_difference = f64::INFINITY;
            for (k, &r) in reference.iter().enumerate() {
                let d = (est[m] - r).abs();
                if k == 0 || d < min_difference {
                    min_difference = d;
                    nearest = k;
                }
            }
            if used[nearest] {
                continue;
            }
            let success = if m == 0 || nearest == 0 {
                let reference_interval = if nearest + 1 < nr {
                    reference[nearest + 1] - reference[nearest]
                } else {
                    reference[nearest] - reference[py_index(nr, nearest as isize - 1)]
                };
                let phase = if reference_interval == 0.0 {
                    if min_difference == 0.0 {
                        1.0
                    } else {
                        f64::INFINITY
                    }
                } else {
                    (min_difference / reference_interval).abs()
                };
                let estimated_interval = if m + 1 < ne {
                    est[m + 1] - est[m]
                } else {
                    est[m] - est[m - 1]
                };
                let period = if reference_interval == 0.0 {
                    if estimated_interval == 0.0 {
                        0.0
                    } else {
                        f64::INFINITY
                    }
                } else {
                    (1.0 - estimated_interval / reference_interval).abs()
                };
                phase < phase_threshold && period < period_threshold
            } else {
                let reference_interval = reference[nearest] - reference[nearest - 1];
                let phase = (min_difference / reference_interval).abs();
                let estimated_interval = est[m] - est[m - 1];
                let period = (1.0 - estimated_interval / reference_interval).abs();
                phase < phase_threshold && period < period_threshold
            };
            if success {
                used[nearest] = true;
                successes[m] = true;
            }
        }
        // Longest run of successes, failures padded at both ends.
        let mut longest = 0usize;
        let mut run = 0usize;
        for &s in &successes {
            if s {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        let hits = successes.iter().filter(|&&s| s).count();
        continuous.push(longest as f64 / n_annotations as f64);
        total.push(hits as f64 / n_annotations as f64);
    }
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(Continuity {
        cml_c: continuous[0],
        cml_t: total[0],
        aml_c: max(&continuous),
        aml_t: max(&total),
    })
}

/// mir_eval's `_get_entropy`: entropy of the histogram of beat errors of
/// `estimated` relative to `reference`, in bits.
fn entropy(reference: &[f64], estimated: &[f64], bins: usize) -> f64 {
    let nr = reference.len();
    let mut errors: Vec<f64> = Vec::with_capacity(estimated.len());
    for &e in estimated {
        let mut closest = 0;
        let mut best = f64::INFINITY;
        for (k, &r) in reference.iter().enumerate() {
            let d = (e - r).abs();
            if k == 0 || d < best {
                best = d;
                closest = k;
            }
        }
        let absolute_error = e - reference[closest];
        // mir_eval's first `if closest_beat == 0` is always overridden by
        // the if/elif/else that follows it; the `elif` can index `[-1]`.
        let interval = if closest == nr - 1 {
            0.5 * (reference[nr - 1] - reference[nr - 2])
        } else if absolute_error < 0.0 {
            let start = reference[closest];
            let end = reference[py_index(nr, closest as isize - 1)];
            0.5 * (start - end)
        } else {
            0.5 * (reference[closest + 1] - reference[closest])
        };
        let err = 0.5 * absolute_error / interval;
        errors.push(python_mod(err + 0.5, -1.0) + 0.5);
    }
    // np.histogram with edges np.linspace(-0.5, 0.5, bins + 1): [a, b)
    // bins, the last one closed; NaN and values outside are dropped.
    let step = 1.0 / bins as f64;
    let edges: Vec<f64> = (0..=bins)
        .map(|i| {
            if i == bins {
                0.5
            } else {
                i as f64 * step - 0.5
            }
        })
        .collect();
    let mut counts = vec![0usize; bins];
    for &v in &errors {
        if !(v >= edges[0] && v <= edges[bins]) {
            continue;
        }
        let k = if v == edges[bins] {
            bins - 1
        } else {
            edges.partition_point(|&x| x <= v) - 1
        };
        counts[k.min(bins - 1)] += 1;
    }
    let total: usize = counts.iter().sum();
    -counts
        .iter()
        .map(|&c| {
            let p = c as f64 / total as f64;
            let p = if p == 0.0 { 1.0 } else { p };
            p * p.log2()
        })
        .sum::<f64>()
}

/// `mir_eval.beat.information_gain` (Davies et al. 2011): `(log2(bins) −
/// H) / log2(bins)` with `H` the larger of the forward and backward beat
/// error entropies; 0 with fewer than two beats on a side.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for `bins == 0`.
///
/// # Example
///
/// ```
/// let b: Vec<f64> = (0..10).map(|i| i as f64 * 0.5).collect();
/// assert_eq!(audio_eval::beat::information_gain(&b, &b, 41)?, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn information_gain(
    reference_beats: &[f64],
    estimated_beats: &[f64],
    bins: usize,
) -> Result<f64> {
    if bins == 0 {
        return Err(Error::InvalidParameter {
            name: "bins",
            value: 0.0,
            expected: "at least 1",
        });
    }
    validate(reference_beats, estimated_beats)?;
    if reference_beats.len() <= 1 || estimated_beats.len() <= 1 {
        return Ok(0.0);
    }
    let forward = entropy(reference_beats, estimated_beats, bins);
    let backward = entropy(estimated_beats, reference_beats, bins);
    let norm = (bins as f64).log2();
    let h = if forward > backward {
        forward
    } else {
        backward
    };
    Ok((norm - h) / norm)
}

/// Every score of `mir_eval.beat.evaluate`; serialises as
/// [`BeatScores::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BeatScores {
    /// F-measure.
    pub f_measure: f64,
    /// Cemgil accuracy at the annotated level.
    pub cemgil: f64,
    /// Cemgil accuracy at the best metric level.
    pub cemgil_best_metric_level: f64,
    /// Goto score (0 or 1).
    pub goto: f64,
    /// P-score.
    pub p_score: f64,
    /// Continuity scores.
    pub continuity: Continuity,
    /// Information gain.
    pub information_gain: f64,
}

crate::report::serialize_via_entries!(BeatScores);

impl BeatScores {
    /// `(key, value)` pairs named and ordered as mir_eval's `evaluate()`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("F-measure", self.f_measure),
            ("Cemgil", self.cemgil),
            ("Cemgil Best Metric Level", self.cemgil_best_metric_level),
            ("Goto", self.goto),
            ("P-score", self.p_score),
            ("Correct Metric Level Continuous", self.continuity.cml_c),
            ("Correct Metric Level Total", self.continuity.cml_t),
            ("Any Metric Level Continuous", self.continuity.aml_c),
            ("Any Metric Level Total", self.continuity.aml_t),
            ("Information gain", self.information_gain),
        ]
    }
}

/// `mir_eval.beat.evaluate`: trims beats before `config.min_beat_time`, then
/// computes every beat score.
///
/// Unlike mir_eval, non-finite times are rejected before trimming (mir_eval
/// would silently drop NaN beats there).
///
/// # Errors
///
/// As the individual metrics.
///
/// # Example
///
/// ```
/// use audio_eval::beat::{evaluate, BeatConfig};
/// let b: Vec<f64> = (0..40).map(|i| i as f64 * 0.5).collect();
/// let s = evaluate(&b, &b, &BeatConfig::default())?;
/// assert_eq!(s.f_measure, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    reference_beats: &[f64],
    estimated_beats: &[f64],
    config: &BeatConfig,
) -> Result<BeatScores> {
    crate::validate::check_finite("reference beats", reference_beats)?;
    crate::validate::check_finite("estimated beats", estimated_beats)?;
    let r = trim_beats(reference_beats, config.min_beat_time);
    let e = trim_beats(estimated_beats, config.min_beat_time);
    let (cemgil, cemgil_best_metric_level) = cemgil(&r, &e, config.cemgil_sigma)?;
    Ok(BeatScores {
        f_measure: f_measure(&r, &e, config.f_measure_threshold)?,
        cemgil,
        cemgil_best_metric_level,
        goto: goto(
            &r,
            &e,
            config.goto_threshold,
            config.goto_mu,
            config.goto_sigma,
        )?,
        p_score: p_score(&r, &e, config.p_score_threshold)?,
        continuity: continuity(
            &r,
            &e,
            config.continuity_phase_threshold,
            config.continuity_period_threshold,
        )?,
        information_gain: information_gain(&r, &e, config.bins)?,
    })
}
