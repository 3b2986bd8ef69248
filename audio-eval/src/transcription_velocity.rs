//! Velocity-aware note transcription metrics, as
//! `mir_eval.transcription_velocity` (0.8.2), after Hawthorne et al.,
//! "Onsets and Frames" (ISMIR 2018).
//!
//! Notes are first matched as in [`crate::transcription::match_notes`]. The
//! reference velocities are normalised to `(v − min) / max(1, max − min)`,
//! a line `ref ≈ slope · est + intercept` is fitted by least squares over the
//! matched pairs (`np.linalg.lstsq`), and a matched pair is kept only when
//! `|slope · est_v + intercept − ref_v| < velocity_tolerance` (0.1).

use crate::transcription::{
    check_lengths, match_notes_unchecked, scores_of_matching, validate as validate_notes,
    PrecisionRecallF1Overlap, TranscriptionConfig,
};
use crate::validate::{check_finite, check_positive};
use crate::{Error, Result};

/// The velocity tolerance mir_eval uses by default.
pub const DEFAULT_VELOCITY_TOLERANCE: f64 = 0.1;

/// `mir_eval.transcription_velocity.validate`: the note checks of
/// [`crate::transcription::validate`], one velocity per note, no negative
/// velocity.
///
/// # Errors
///
/// As [`crate::transcription::validate`]; [`Error::ShapeMismatch`] for a
/// velocity list of the wrong length; [`Error::OutOfRange`] for a negative
/// velocity; [`Error::NonFinite`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription_velocity::validate;
/// assert!(validate(&[[0.0, 1.0]], &[60.0], &[-1.0], &[[0.0, 1.0]], &[60.0], &[1.0]).is_err());
/// ```
pub fn validate(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    ref_velocities: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    est_velocities: &[f64],
) -> Result<()> {
    validate_notes(ref_intervals, ref_pitches, est_intervals, est_pitches)?;
    check_lengths(
        "reference velocities",
        ref_pitches.len(),
        ref_velocities.len(),
    )?;
    check_lengths(
        "estimated velocities",
        est_pitches.len(),
        est_velocities.len(),
    )?;
    for (what, v) in [
        ("reference velocities", ref_velocities),
        ("estimated velocities", est_velocities),
    ] {
        check_finite(what, v)?;
        if let Some(index) = v.iter().position(|&x| x < 0.0) {
            return Err(Error::OutOfRange {
                what,
                index,
                value: v[index],
                min: 0.0,
                max: f64::INFINITY,
            });
        }
    }
    Ok(())
}

/// The least-squares line `y ≈ slope·x + intercept` that
/// `np.linalg.lstsq([x, 1], y)` returns, including its minimum-norm answer
/// when all `x` are equal (a rank-one system).
fn fit_line(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|&v| (v - mx) * (v - mx)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(&a, &b)| (a - mx) * (b - my)).sum();
    // numpy treats singular values below `rcond · s_max`, with
    // `rcond = eps · max(M, N)`, as zero. For A = [x, 1]:
    // s_min² · s_max² = det(AᵀA) = n · sxx and s_max² ≈ Σx² + n, so the
    // test s_min < rcond · s_max reads n · sxx < rcond² · s_max⁴.
    let s_max2: f64 = x.iter().map(|v| v * v).sum::<f64>() + n;
    let rcond = f64::EPSILON * x.len().max(2) as f64;
    if n * sxx < (rcond * s_max2) * (rcond * s_max2) {
        // Rank one: every row is (c, 1) with c = mean(x); the minimum-norm
        // solution of c·s + b = mean(y) is mean(y)·(c, 1)/(c² + 1).
        let d = mx * mx + 1.0;
        return (my * mx / d, my / d);
    }
    let slope = sxy / sxx;
    (slope, my - slope * mx)
}

/// `mir_eval.transcription_velocity.match_notes`: the note matching of
/// [`crate::transcription::match_notes`] restricted to pairs whose
/// regression-mapped velocities agree within `velocity_tolerance`.
///
/// # Errors
///
/// As [`validate`]; [`Error::InvalidParameter`] for a bad tolerance.
///
/// # Example
///
/// ```
/// use audio_eval::transcription::TranscriptionConfig;
/// use audio_eval::transcription_velocity::match_notes;
/// let iv = [[0.0, 1.0], [1.0, 2.0]];
/// let m = match_notes(&iv, &[60.0, 62.0], &[40.0, 80.0], &iv, &[60.0, 62.0], &[20.0, 40.0],
///     &TranscriptionConfig::default(), 0.1)?;
/// assert_eq!(m.len(), 2);
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[allow(clippy::too_many_arguments, reason = "mirrors mir_eval's signature")]
pub fn match_notes(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    ref_velocities: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    est_velocities: &[f64],
    config: &TranscriptionConfig,
    velocity_tolerance: f64,
) -> Result<Vec<(usize, usize)>> {
    config.validate()?;
    check_positive("velocity_tolerance", velocity_tolerance)?;
    validate(
        ref_intervals,
        ref_pitches,
        ref_velocities,
        est_intervals,
        est_pitches,
        est_velocities,
    )?;
    Ok(match_unchecked(
        ref_intervals,
        ref_pitches,
        ref_velocities,
        est_intervals,
        est_pitches,
        est_velocities,
        config,
        velocity_tolerance,
    ))
}

#[allow(clippy::too_many_arguments, reason = "mirrors mir_eval's signature")]
fn match_unchecked(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    ref_velocities: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    est_velocities: &[f64],
    config: &TranscriptionConfig,
    velocity_tolerance: f64,
) -> Vec<(usize, usize)> {
    let matching = match_notes_unchecked(
        ref_intervals,
        ref_pitches,
        est_intervals,
        est_pitches,
        config,
    );
    if matching.is_empty() {
        return matching;
    }
    let min_v = ref_velocities.iter().copied().fold(f64::INFINITY, f64::min);
    let max_v = ref_velocities
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let range = (max_v - min_v).max(1.0);
    let ref_m: Vec<f64> = matching
        .iter()
        .map(|&(i, _)| (ref_velocities[i] - min_v) / range)
        .collect();
    let est_m: Vec<f64> = matching.iter().map(|&(_, j)| est_velocities[j]).collect();
    let (slope, intercept) = fit_line(&est_m, &ref_m);
    matching
        .into_iter()
        .zip(ref_m.iter().zip(&est_m))
        .filter(|(_, (&r, &e))| (slope * e + intercept - r).abs() < velocity_tolerance)
        .map(|(m, _)| m)
        .collect()
}

/// `mir_eval.transcription_velocity.precision_recall_f1_overlap`: the scores
/// of [`match_notes`]; all zero when either note list is empty.
///
/// # Errors
///
/// As [`match_notes`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription::TranscriptionConfig;
/// use audio_eval::transcription_velocity::precision_recall_f1_overlap;
/// let iv = [[0.0, 1.0]];
/// let s = precision_recall_f1_overlap(&iv, &[60.0], &[64.0], &iv, &[60.0], &[0.5],
///     &TranscriptionConfig::default(), 0.1)?;
/// assert_eq!(s.f_measure, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[allow(clippy::too_many_arguments, reason = "mirrors mir_eval's signature")]
pub fn precision_recall_f1_overlap(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    ref_velocities: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    est_velocities: &[f64],
    config: &TranscriptionConfig,
    velocity_tolerance: f64,
) -> Result<PrecisionRecallF1Overlap> {
    config.validate()?;
    check_positive("velocity_tolerance", velocity_tolerance)?;
    validate(
        ref_intervals,
        ref_pitches,
        ref_velocities,
        est_intervals,
        est_pitches,
        est_velocities,
    )?;
    if ref_pitches.is_empty() || est_pitches.is_empty() {
        return Ok(PrecisionRecallF1Overlap::default());
    }
    let m = match_unchecked(
        ref_intervals,
        ref_pitches,
        ref_velocities,
        est_intervals,
        est_pitches,
        est_velocities,
        config,
        velocity_tolerance,
    );
    Ok(scores_of_matching(
        ref_intervals,
        est_intervals,
        &m,
        config.beta,
    ))
}

/// Every score of `mir_eval.transcription_velocity.evaluate`; serialises as
/// [`TranscriptionVelocityScores::entries`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TranscriptionVelocityScores {
    /// Onset + pitch + offset + velocity (`None` without an offset ratio).
    pub with_offset: Option<PrecisionRecallF1Overlap>,
    /// Onset + pitch + velocity (`*_no_offset`).
    pub no_offset: PrecisionRecallF1Overlap,
}

crate::report::serialize_via_entries!(TranscriptionVelocityScores);

impl TranscriptionVelocityScores {
    /// `(key, value)` pairs named and ordered as mir_eval's `evaluate()`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        crate::transcription::overlap_entries(self.with_offset, self.no_offset)
    }
}

/// `mir_eval.transcription_velocity.evaluate`: velocity-aware scores with
/// (unless `config.offset_ratio` is `None`) and without offsets.
///
/// # Errors
///
/// As [`match_notes`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription::TranscriptionConfig;
/// use audio_eval::transcription_velocity::evaluate;
/// let iv = [[0.0, 1.0]];
/// let s = evaluate(&iv, &[60.0], &[64.0], &iv, &[60.0], &[0.5],
///     &TranscriptionConfig::default(), 0.1)?;
/// assert_eq!(s.entries().len(), 8);
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[allow(clippy::too_many_arguments, reason = "mirrors mir_eval's signature")]
pub fn evaluate(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    ref_velocities: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    est_velocities: &[f64],
    config: &TranscriptionConfig,
    velocity_tolerance: f64,
) -> Result<TranscriptionVelocityScores> {
    let run = |cfg: &TranscriptionConfig| {
        precision_recall_f1_overlap(
            ref_intervals,
            ref_pitches,
            ref_velocities,
            est_intervals,
            est_pitches,
            est_velocities,
            cfg,
            velocity_tolerance,
        )
    };
    let with_offset = match config.offset_ratio {
        Some(_) => Some(run(config)?),
        None => None,
    };
    let no_offset = run(&TranscriptionConfig {
        offset_ratio: None,
        ..*config
    })?;
    Ok(TranscriptionVelocityScores {
        with_offset,
        no_offset,
    })
}
