//! Onset detection scores, as `mir_eval.onset` (0.8.2).
//!
//! An estimated onset is correct when it lies within `window` seconds
//! (default 50 ms) of a reference onset; each reference matches at most one
//! estimate (maximum bipartite matching, `mir_eval.util.match_events`).

use crate::matching::match_events;
use crate::scores::PrecisionRecallF1;
use crate::validate::{check_positive, validate_events};
use crate::Result;

/// Onset and beat times above this are rejected (`mir_eval.onset.MAX_TIME`).
pub const MAX_TIME: f64 = 30000.0;

/// The default matching window, in seconds.
pub const DEFAULT_WINDOW: f64 = 0.05;

/// `mir_eval.onset.validate`: finite times, none above [`MAX_TIME`],
/// non-decreasing.
///
/// # Errors
///
/// [`crate::Error::NonFinite`], [`crate::Error::OutOfRange`],
/// [`crate::Error::Unsorted`].
///
/// # Example
///
/// ```
/// assert!(audio_eval::onset::validate(&[1.0, 0.5], &[]).is_err());
/// ```
pub fn validate(reference_onsets: &[f64], estimated_onsets: &[f64]) -> Result<()> {
    validate_events("reference onsets", reference_onsets, MAX_TIME)?;
    validate_events("estimated onsets", estimated_onsets, MAX_TIME)
}

/// `mir_eval.onset.f_measure`: precision, recall and F-measure of onsets
/// matched within `window` seconds (`|ref − est| <= window`); all zero when
/// either list is empty.
///
/// # Errors
///
/// As [`validate`]; [`crate::Error::InvalidParameter`] for a window that is
/// not finite and positive.
///
/// # Example
///
/// ```
/// let s = audio_eval::onset::f_measure(&[0.1, 0.5], &[0.12, 0.9], 0.05)?;
/// assert_eq!((s.precision, s.recall, s.f_measure), (0.5, 0.5, 0.5));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn f_measure(
    reference_onsets: &[f64],
    estimated_onsets: &[f64],
    window: f64,
) -> Result<PrecisionRecallF1> {
    check_positive("window", window)?;
    validate(reference_onsets, estimated_onsets)?;
    if reference_onsets.is_empty() || estimated_onsets.is_empty() {
        return Ok(PrecisionRecallF1::default());
    }
    let matching = match_events(reference_onsets, estimated_onsets, window);
    Ok(PrecisionRecallF1::from_counts(
        matching.len(),
        reference_onsets.len(),
        estimated_onsets.len(),
        1.0,
    ))
}

/// `mir_eval.onset.evaluate`: the scores of [`f_measure`], which serialise
/// (and give [`PrecisionRecallF1::entries`]) with mir_eval's keys in its
/// order: `"F-measure"`, `"Precision"`, `"Recall"`.
///
/// # Errors
///
/// As [`f_measure`].
///
/// # Example
///
/// ```
/// let s = audio_eval::onset::evaluate(&[0.1], &[0.1], 0.05)?;
/// assert_eq!(s.f_measure, 1.0);
/// assert_eq!(s.entries()[0], ("F-measure", 1.0));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    reference_onsets: &[f64],
    estimated_onsets: &[f64],
    window: f64,
) -> Result<PrecisionRecallF1> {
    f_measure(reference_onsets, estimated_onsets, window)
}
