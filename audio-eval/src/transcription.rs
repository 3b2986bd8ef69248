//! Note-level transcription metrics, as `mir_eval.transcription` (0.8.2).
//!
//! Notes are intervals `[onset, offset]` in seconds with a pitch in Hz. An
//! estimated note matches a reference note when its onset is within
//! `onset_tolerance` (50 ms), its pitch within `pitch_tolerance` (50 cents)
//! and, unless `offset_ratio` is `None`, its offset within
//! `max(offset_ratio · ref_duration, offset_min_tolerance)`. Onset and offset
//! distances are rounded to 4 decimals first (`np.around(d, 4)`), as mir_eval
//! does. The matching is the maximum bipartite matching that mir_eval's
//! Hopcroft–Karp (`mir_eval.util._bipartite_match`) returns — the same pairs,
//! not only the same count, so the average overlap ratio agrees too.
//!
//! Candidate pairs are found by sorting estimates by onset (or offset) and
//! scanning only the tolerance window, so matching costs `O((n + m) log m +
//! hits)` instead of mir_eval's dense `n × m` distance matrices.

use audio_dsp::Note;
use serde::Serialize;

use crate::annotations::ValuedIntervals;
use crate::matching::{bipartite_match, HitGraph};
use crate::scores::PrecisionRecallF1;
use crate::validate::{check_finite, check_positive, np_round, validate_intervals};
use crate::{Error, Result};

/// Decimals mir_eval rounds onset and offset distances to (`N_DECIMALS`).
pub const N_DECIMALS: i32 = 4;

/// The matching criteria of [`match_notes`] and the metrics built on it,
/// with mir_eval's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TranscriptionConfig {
    /// Largest onset deviation of a match, in seconds (default `0.05`).
    pub onset_tolerance: f64,
    /// Largest pitch deviation of a match, in cents (default `50.0`).
    pub pitch_tolerance: f64,
    /// Offset tolerance as a fraction of the reference duration (default
    /// `Some(0.2)`); `None` ignores offsets ("onset-only" scores).
    pub offset_ratio: Option<f64>,
    /// Smallest offset tolerance, in seconds (default `0.05`).
    pub offset_min_tolerance: f64,
    /// Compare with `<` instead of `<=` (default `false`).
    pub strict: bool,
    /// Weight of recall in the F-measure (default `1.0`).
    pub beta: f64,
}

impl Default for TranscriptionConfig {
    fn default() -> Self {
        Self {
            onset_tolerance: 0.05,
            pitch_tolerance: 50.0,
            offset_ratio: Some(0.2),
            offset_min_tolerance: 0.05,
            strict: false,
            beta: 1.0,
        }
    }
}

impl TranscriptionConfig {
    /// The defaults with offsets ignored (`offset_ratio=None`).
    pub fn onset_only() -> Self {
        Self {
            offset_ratio: None,
            ..Self::default()
        }
    }

    /// Checks every parameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a tolerance or `beta` is not finite
    /// and positive.
    pub fn validate(&self) -> Result<()> {
        check_positive("onset_tolerance", self.onset_tolerance)?;
        check_positive("pitch_tolerance", self.pitch_tolerance)?;
        if let Some(r) = self.offset_ratio {
            check_positive("offset_ratio", r)?;
        }
        check_positive("offset_min_tolerance", self.offset_min_tolerance)?;
        check_positive("beta", self.beta)
    }

    fn hit(&self, distance: f64, tolerance: f64) -> bool {
        if self.strict {
            distance < tolerance
        } else {
            distance <= tolerance
        }
    }
}

/// Precision, recall, F-measure and average overlap ratio of a note
/// transcription. Serialises as [`PrecisionRecallF1Overlap::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PrecisionRecallF1Overlap {
    /// Matched estimated notes over all estimated notes.
    pub precision: f64,
    /// Matched reference notes over all reference notes.
    pub recall: f64,
    /// `(1 + beta²)·P·R / (beta²·P + R)`.
    pub f_measure: f64,
    /// Mean overlap ratio of the matched pairs ([`average_overlap_ratio`]).
    pub average_overlap_ratio: f64,
}

crate::report::serialize_via_entries!(PrecisionRecallF1Overlap);

impl PrecisionRecallF1Overlap {
    /// `(key, value)` pairs named and ordered as mir_eval's
    /// `transcription.evaluate()` names the offset-aware scores:
    /// `"Precision"`, `"Recall"`, `"F-measure"`, `"Average_Overlap_Ratio"`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("Precision", self.precision),
            ("Recall", self.recall),
            ("F-measure", self.f_measure),
            ("Average_Overlap_Ratio", self.average_overlap_ratio),
        ]
    }
}

/// `mir_eval.transcription.validate`: valid intervals, as many pitches as
/// intervals, all pitches positive.
///
/// # Errors
///
/// [`Error::InvalidInterval`] (negative time, non-positive duration),
/// [`Error::NonFinite`], [`Error::ShapeMismatch`] (intervals and pitches of
/// different lengths), [`Error::OutOfRange`] (a pitch `<= 0`).
///
/// # Example
///
/// ```
/// use audio_eval::transcription::validate;
/// assert!(validate(&[[0.0, 1.0]], &[440.0], &[[0.5, 0.2]], &[440.0]).is_err());
/// ```
pub fn validate(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
) -> Result<()> {
    validate_intervals("reference intervals", ref_intervals)?;
    validate_intervals("estimated intervals", est_intervals)?;
    check_lengths("reference pitches", ref_intervals.len(), ref_pitches.len())?;
    check_lengths("estimated pitches", est_intervals.len(), est_pitches.len())?;
    check_pitches("reference pitches", ref_pitches)?;
    check_pitches("estimated pitches", est_pitches)
}

pub(crate) fn check_lengths(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what,
            expected: vec![expected],
            got: vec![got],
        })
    }
}

fn check_pitches(what: &'static str, pitches: &[f64]) -> Result<()> {
    check_finite(what, pitches)?;
    match pitches.iter().position(|&p| p <= 0.0) {
        Some(index) => Err(Error::OutOfRange {
            what,
            index,
            value: pitches[index],
            min: f64::MIN_POSITIVE,
            max: f64::INFINITY,
        }),
        None => Ok(()),
    }
}

/// Indices of `values` sorted by value (stable), with the sorted values.
fn sorted_index(values: impl Iterator<Item = f64>) -> (Vec<usize>, Vec<f64>) {
    let v: Vec<f64> = values.collect();
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let sorted = idx.iter().map(|&i| v[i]).collect();
    (idx, sorted)
}

/// Builds mir_eval's hit graph: rows (references) in order, and in each row
/// the estimates, ascending, for which `accept(ref, est)` holds among those
/// whose `key` lies within `radius(ref)` of the reference's key.
fn hit_graph(
    n_ref: usize,
    ref_key: impl Fn(usize) -> f64,
    est_keys: impl Iterator<Item = f64>,
    radius: impl Fn(usize) -> f64,
    accept: impl Fn(usize, usize) -> bool,
) -> HitGraph {
    let (order, sorted) = sorted_index(est_keys);
    let mut graph = HitGraph::new(n_ref, order.len());
    let mut row: Vec<usize> = Vec::new();
    for i in 0..n_ref {
        let k = ref_key(i);
        // Rounding to 4 decimals moves a distance by at most 5e-5: widen the
        // window by 1e-3 and let `accept` apply the exact rule.
        let r = radius(i) + 1e-3;
        let lo = sorted.partition_point(|&v| v < k - r);
        let hi = sorted.partition_point(|&v| v <= k + r);
        row.clear();
        row.extend(
            order[lo..hi.max(lo)]
                .iter()
                .copied()
                .filter(|&j| accept(i, j)),
        );
        row.sort_unstable();
        for &j in &row {
            graph.add(i, j);
        }
    }
    graph
}

fn rounded_distance(a: f64, b: f64) -> f64 {
    np_round((a - b).abs(), N_DECIMALS)
}

fn offset_tolerance(interval: [f64; 2], ratio: f64, min_tolerance: f64) -> f64 {
    (ratio * (interval[1] - interval[0]).abs()).max(min_tolerance)
}

/// `mir_eval.transcription.match_notes`: a maximum matching of notes whose
/// onset, pitch and (unless `offset_ratio` is `None`) offset agree within
/// the tolerances of `config`.
///
/// Returns `(reference index, estimate index)` pairs sorted by reference
/// index, the same pairs mir_eval returns.
///
/// # Errors
///
/// As [`validate`], and [`Error::InvalidParameter`] for a bad `config`.
///
/// # Example
///
/// ```
/// use audio_eval::transcription::{match_notes, TranscriptionConfig};
/// let m = match_notes(
///     &[[0.0, 1.0], [1.0, 2.0]], &[440.0, 220.0],
///     &[[1.01, 2.0], [0.02, 0.9]], &[221.0, 441.0],
///     &TranscriptionConfig::default(),
/// )?;
/// assert_eq!(m, vec![(0, 1), (1, 0)]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn match_notes(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    config: &TranscriptionConfig,
) -> Result<Vec<(usize, usize)>> {
    config.validate()?;
    validate(ref_intervals, ref_pitches, est_intervals, est_pitches)?;
    Ok(match_notes_unchecked(
        ref_intervals,
        ref_pitches,
        est_intervals,
        est_pitches,
        config,
    ))
}

pub(crate) fn match_notes_unchecked(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    config: &TranscriptionConfig,
) -> Vec<(usize, usize)> {
    let ref_log: Vec<f64> = ref_pitches.iter().map(|p| p.log2()).collect();
    let est_log: Vec<f64> = est_pitches.iter().map(|p| p.log2()).collect();
    let graph = hit_graph(
        ref_intervals.len(),
        |i| ref_intervals[i][0],
        est_intervals.iter().map(|iv| iv[0]),
        |_| config.onset_tolerance,
        |i, j| {
            let (r, e) = (ref_intervals[i], est_intervals[j]);
            if !config.hit(rounded_distance(r[0], e[0]), config.onset_tolerance) {
                return false;
            }
            let cents = (1200.0 * (ref_log[i] - est_log[j])).abs();
            if !config.hit(cents, config.pitch_tolerance) {
                return false;
            }
            match config.offset_ratio {
                None => true,
                Some(ratio) => config.hit(
                    rounded_distance(r[1], e[1]),
                    offset_tolerance(r, ratio, config.offset_min_tolerance),
                ),
            }
        },
    );
    bipartite_match(&graph)
}

/// `mir_eval.transcription.match_note_onsets`: a maximum matching of notes
/// by onset only (`|Δonset|` rounded to 4 decimals `<= onset_tolerance`).
///
/// # Errors
///
/// As [`validate`] for the intervals; [`Error::InvalidParameter`] for a bad
/// tolerance.
///
/// # Example
///
/// ```
/// use audio_eval::transcription::match_note_onsets;
/// let m = match_note_onsets(&[[0.0, 1.0]], &[[0.05, 0.1]], 0.05, false)?;
/// assert_eq!(m, vec![(0, 0)]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn match_note_onsets(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    onset_tolerance: f64,
    strict: bool,
) -> Result<Vec<(usize, usize)>> {
    check_positive("onset_tolerance", onset_tolerance)?;
    validate_intervals("reference intervals", ref_intervals)?;
    validate_intervals("estimated intervals", est_intervals)?;
    let config = TranscriptionConfig {
        onset_tolerance,
        strict,
        ..TranscriptionConfig::default()
    };
    let graph = hit_graph(
        ref_intervals.len(),
        |i| ref_intervals[i][0],
        est_intervals.iter().map(|iv| iv[0]),
        |_| onset_tolerance,
        |i, j| {
            config.hit(
                rounded_distance(ref_intervals[i][0], est_intervals[j][0]),
                onset_tolerance,
            )
        },
    );
    Ok(bipartite_match(&graph))
}

/// `mir_eval.transcription.match_note_offsets`: a maximum matching of notes
/// by offset only (`|Δoffset|` rounded to 4 decimals `<=
/// max(offset_ratio · ref_duration, offset_min_tolerance)`).
///
/// # Errors
///
/// As [`validate`] for the intervals; [`Error::InvalidParameter`] for a bad
/// tolerance.
///
/// # Example
///
/// ```
/// use audio_eval::transcription::match_note_offsets;
/// let m = match_note_offsets(&[[0.0, 1.0]], &[[0.5, 1.2]], 0.2, 0.05, false)?;
/// assert_eq!(m, vec![(0, 0)]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn match_note_offsets(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    offset_ratio: f64,
    offset_min_tolerance: f64,
    strict: bool,
) -> Result<Vec<(usize, usize)>> {
    check_positive("offset_ratio", offset_ratio)?;
    check_positive("offset_min_tolerance", offset_min_tolerance)?;
    validate_intervals("reference intervals", ref_intervals)?;
    validate_intervals("estimated intervals", est_intervals)?;
    Ok(match_offsets_unchecked(
        ref_intervals,
        est_intervals,
        offset_ratio,
        offset_min_tolerance,
        strict,
    ))
}

fn match_offsets_unchecked(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    offset_ratio: f64,
    offset_min_tolerance: f64,
    strict: bool,
) -> Vec<(usize, usize)> {
    let config = TranscriptionConfig {
        strict,
        ..TranscriptionConfig::default()
    };
    let tol = |i: usize| offset_tolerance(ref_intervals[i], offset_ratio, offset_min_tolerance);
    let graph = hit_graph(
        ref_intervals.len(),
        |i| ref_intervals[i][1],
        est_intervals.iter().map(|iv| iv[1]),
        tol,
        |i, j| {
            config.hit(
                rounded_distance(ref_intervals[i][1], est_intervals[j][1]),
                tol(i),
            )
        },
    );
    bipartite_match(&graph)
}

/// `mir_eval.transcription.average_overlap_ratio`: the mean over matched
/// pairs of `(min(offsets) − max(onsets)) / (max(offsets) − min(onsets))`,
/// 0 when nothing matched.
///
/// # Panics
///
/// Panics when a pair of `matching` indexes outside the interval lists.
///
/// # Example
///
/// ```
/// use audio_eval::transcription::average_overlap_ratio;
/// let r = average_overlap_ratio(&[[0.0, 1.0]], &[[0.5, 1.0]], &[(0, 0)]);
/// assert_eq!(r, 0.5);
/// ```
pub fn average_overlap_ratio(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    matching: &[(usize, usize)],
) -> f64 {
    if matching.is_empty() {
        return 0.0;
    }
    let sum: f64 = matching
        .iter()
        .map(|&(i, j)| {
            let (r, e) = (ref_intervals[i], est_intervals[j]);
            (r[1].min(e[1]) - r[0].max(e[0])) / (r[1].max(e[1]) - r[0].min(e[0]))
        })
        .sum();
    sum / matching.len() as f64
}

/// `mir_eval.transcription.precision_recall_f1_overlap`: precision, recall,
/// F-measure and average overlap ratio of the [`match_notes`] matching; all
/// zero when either note list is empty.
///
/// # Errors
///
/// As [`match_notes`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription::{precision_recall_f1_overlap, TranscriptionConfig};
/// let notes = [[0.0, 1.0], [1.0, 2.0]];
/// let pitches = [440.0, 220.0];
/// let s = precision_recall_f1_overlap(&notes, &pitches, &notes, &pitches,
///     &TranscriptionConfig::default())?;
/// assert_eq!(s.f_measure, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn precision_recall_f1_overlap(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    config: &TranscriptionConfig,
) -> Result<PrecisionRecallF1Overlap> {
    config.validate()?;
    validate(ref_intervals, ref_pitches, est_intervals, est_pitches)?;
    if ref_pitches.is_empty() || est_pitches.is_empty() {
        return Ok(PrecisionRecallF1Overlap::default());
    }
    let matching = match_notes_unchecked(
        ref_intervals,
        ref_pitches,
        est_intervals,
        est_pitches,
        config,
    );
    Ok(scores_of_matching(
        ref_intervals,
        est_intervals,
        &matching,
        config.beta,
    ))
}

pub(crate) fn scores_of_matching(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    matching: &[(usize, usize)],
    beta: f64,
) -> PrecisionRecallF1Overlap {
    let prf = PrecisionRecallF1::from_counts(
        matching.len(),
        ref_intervals.len(),
        est_intervals.len(),
        beta,
    );
    PrecisionRecallF1Overlap {
        precision: prf.precision,
        recall: prf.recall,
        f_measure: prf.f_measure,
        average_overlap_ratio: average_overlap_ratio(ref_intervals, est_intervals, matching),
    }
}

/// `mir_eval.transcription.onset_precision_recall_f1`: scores of the
/// onset-only matching ([`match_note_onsets`]) with `config.onset_tolerance`,
/// `config.strict` and `config.beta`.
///
/// # Errors
///
/// As [`match_note_onsets`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription::{onset_precision_recall_f1, TranscriptionConfig};
/// let s = onset_precision_recall_f1(&[[0.0, 1.0]], &[[0.01, 3.0], [2.0, 3.0]],
///     &TranscriptionConfig::default())?;
/// assert_eq!(s.precision, 0.5);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn onset_precision_recall_f1(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    config: &TranscriptionConfig,
) -> Result<PrecisionRecallF1> {
    config.validate()?;
    let matching = match_note_onsets(
        ref_intervals,
        est_intervals,
        config.onset_tolerance,
        config.strict,
    )?;
    Ok(PrecisionRecallF1::from_counts(
        matching.len(),
        ref_intervals.len(),
        est_intervals.len(),
        config.beta,
    ))
}

/// `mir_eval.transcription.offset_precision_recall_f1`: scores of the
/// offset-only matching ([`match_note_offsets`]) with `config.offset_ratio`,
/// `config.offset_min_tolerance`, `config.strict` and `config.beta`.
///
/// # Errors
///
/// As [`match_note_offsets`]; [`Error::InvalidParameter`] when
/// `config.offset_ratio` is `None` (mir_eval fails there too).
///
/// # Example
///
/// ```
/// use audio_eval::transcription::{offset_precision_recall_f1, TranscriptionConfig};
/// let s = offset_precision_recall_f1(&[[0.0, 1.0]], &[[0.9, 1.01]],
///     &TranscriptionConfig::default())?;
/// assert_eq!(s.f_measure, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn offset_precision_recall_f1(
    ref_intervals: &[[f64; 2]],
    est_intervals: &[[f64; 2]],
    config: &TranscriptionConfig,
) -> Result<PrecisionRecallF1> {
    config.validate()?;
    let ratio = config.offset_ratio.ok_or(Error::InvalidParameter {
        name: "offset_ratio",
        value: f64::NAN,
        expected: "an offset ratio (offset scores need one)",
    })?;
    let matching = match_note_offsets(
        ref_intervals,
        est_intervals,
        ratio,
        config.offset_min_tolerance,
        config.strict,
    )?;
    Ok(PrecisionRecallF1::from_counts(
        matching.len(),
        ref_intervals.len(),
        est_intervals.len(),
        config.beta,
    ))
}

/// Every score of `mir_eval.transcription.evaluate`; serialises as
/// [`TranscriptionScores::entries`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TranscriptionScores {
    /// Onset + pitch + offset scores (`None` when `offset_ratio` is `None`).
    pub with_offset: Option<PrecisionRecallF1Overlap>,
    /// Onset + pitch scores (`*_no_offset`).
    pub no_offset: PrecisionRecallF1Overlap,
    /// Onset-only scores (`Onset_*`).
    pub onset: PrecisionRecallF1,
    /// Offset-only scores (`Offset_*`, `None` when `offset_ratio` is `None`).
    pub offset: Option<PrecisionRecallF1>,
}

crate::report::serialize_via_entries!(TranscriptionScores);

/// The note-matching entries that open both transcription metrics'
/// `evaluate()` dictionaries: `Precision`, `Recall`, `F-measure`,
/// `Average_Overlap_Ratio` of `with_offset` (when offsets are scored), then
/// the same four `*_no_offset` entries of `no_offset`.
pub(crate) fn overlap_entries(
    with_offset: Option<PrecisionRecallF1Overlap>,
    no_offset: PrecisionRecallF1Overlap,
) -> Vec<(&'static str, f64)> {
    let mut out = Vec::with_capacity(14);
    if let Some(w) = with_offset {
        out.extend([
            ("Precision", w.precision),
            ("Recall", w.recall),
            ("F-measure", w.f_measure),
            ("Average_Overlap_Ratio", w.average_overlap_ratio),
        ]);
    }
    let n = no_offset;
    out.extend([
        ("Precision_no_offset", n.precision),
        ("Recall_no_offset", n.recall),
        ("F-measure_no_offset", n.f_measure),
        ("Average_Overlap_Ratio_no_offset", n.average_overlap_ratio),
    ]);
    out
}

impl TranscriptionScores {
    /// The scores as `(key, value)` pairs named and ordered as mir_eval's
    /// `evaluate()` dictionary (`"Precision"`, …, `"Offset_F-measure"`).
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        let mut out = overlap_entries(self.with_offset, self.no_offset);
        out.extend([
            ("Onset_Precision", self.onset.precision),
            ("Onset_Recall", self.onset.recall),
            ("Onset_F-measure", self.onset.f_measure),
        ]);
        if let Some(o) = self.offset {
            out.extend([
                ("Offset_Precision", o.precision),
                ("Offset_Recall", o.recall),
                ("Offset_F-measure", o.f_measure),
            ]);
        }
        out
    }
}

/// `mir_eval.transcription.evaluate`: note scores with and without offsets,
/// onset-only and offset-only scores. With `config.offset_ratio = None` the
/// offset-aware scores are left out, as in mir_eval.
///
/// # Errors
///
/// As [`match_notes`].
///
/// # Example
///
/// ```
/// use audio_eval::transcription::{evaluate, TranscriptionConfig};
/// let s = evaluate(&[[0.0, 1.0]], &[440.0], &[[0.0, 1.0]], &[440.0],
///     &TranscriptionConfig::default())?;
/// assert_eq!(s.entries()[2], ("F-measure", 1.0));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    ref_intervals: &[[f64; 2]],
    ref_pitches: &[f64],
    est_intervals: &[[f64; 2]],
    est_pitches: &[f64],
    config: &TranscriptionConfig,
) -> Result<TranscriptionScores> {
    config.validate()?;
    validate(ref_intervals, ref_pitches, est_intervals, est_pitches)?;
    let empty = ref_intervals.is_empty() || est_intervals.is_empty();
    let notes = |cfg: &TranscriptionConfig| {
        if empty {
            PrecisionRecallF1Overlap::default()
        } else {
            let m =
                match_notes_unchecked(ref_intervals, ref_pitches, est_intervals, est_pitches, cfg);
            scores_of_matching(ref_intervals, est_intervals, &m, cfg.beta)
        }
    };
    let with_offset = config.offset_ratio.map(|_| notes(config));
    let no_offset = notes(&TranscriptionConfig {
        offset_ratio: None,
        ..*config
    });
    let onset = onset_precision_recall_f1(ref_intervals, est_intervals, config)?;
    let offset = match config.offset_ratio {
        Some(_) => Some(offset_precision_recall_f1(
            ref_intervals,
            est_intervals,
            config,
        )?),
        None => None,
    };
    Ok(TranscriptionScores {
        with_offset,
        no_offset,
        onset,
        offset,
    })
}

/// Note-level scores of estimated [`Note`]s against reference notes, as
/// [`evaluate_notes`] returns them. Serialises with these field names, each
/// score as [`PrecisionRecallF1Overlap::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoteScores {
    /// Number of reference notes.
    pub reference_notes: usize,
    /// Number of estimated notes.
    pub estimated_notes: usize,
    /// Onset + pitch matching, offsets ignored (mir_eval's `*_no_offset`).
    pub onset: PrecisionRecallF1Overlap,
    /// Onset + pitch + offset matching (`None` when `offset_ratio` is `None`).
    pub onset_offset: Option<PrecisionRecallF1Overlap>,
}

/// Scores estimated notes against reference notes, as
/// `mir_eval.transcription.precision_recall_f1_overlap` on their
/// `[onset, offset]` intervals and pitches in Hz
/// ([`ValuedIntervals::from_notes`]): once with offsets ignored
/// (`config.offset_ratio = None`) and once with `config` as given (left out
/// when `config.offset_ratio` is `None`). Precision is matched notes over
/// estimated notes, recall matched over reference notes, F-measure
/// `(1 + beta²)·P·R / (beta²·P + R)`.
///
/// # Errors
///
/// As [`precision_recall_f1_overlap`]: [`Error::InvalidParameter`] for a bad
/// `config`, [`Error::InvalidInterval`] for a note whose offset is not after
/// its onset (or a negative onset), [`Error::NonFinite`] for a non-finite
/// time.
///
/// # Example
///
/// ```
/// use audio_dsp::Note;
/// use audio_eval::transcription::{evaluate_notes, TranscriptionConfig};
/// let reference = [Note::new(0.0, 1.0, 60, 90), Note::new(1.0, 2.0, 64, 90)];
/// // The second note starts on time but ends far too early.
/// let estimated = [Note::new(0.01, 1.0, 60, 80), Note::new(1.0, 1.2, 64, 80)];
/// let s = evaluate_notes(&reference, &estimated, &TranscriptionConfig::default())?;
/// assert_eq!(s.onset.f_measure, 1.0);
/// assert_eq!(s.onset_offset.map(|o| o.f_measure), Some(0.5));
/// assert_eq!(s.reference_notes, 2);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate_notes<R: AsRef<Note>, E: AsRef<Note>>(
    reference: &[R],
    estimated: &[E],
    config: &TranscriptionConfig,
) -> Result<NoteScores> {
    let r = ValuedIntervals::from_notes(reference);
    let e = ValuedIntervals::from_notes(estimated);
    let score = |cfg: &TranscriptionConfig| {
        precision_recall_f1_overlap(&r.intervals, &r.values, &e.intervals, &e.values, cfg)
    };
    let onset = score(&TranscriptionConfig {
        offset_ratio: None,
        ..*config
    })?;
    let onset_offset = match config.offset_ratio {
        Some(_) => Some(score(config)?),
        None => None,
    };
    Ok(NoteScores {
        reference_notes: r.intervals.len(),
        estimated_notes: e.intervals.len(),
        onset,
        onset_offset,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn evaluate_notes_is_precision_recall_f1_overlap_on_the_notes() {
        let reference = [
            Note::new(0.0, 1.0, 60, 90),
            Note::new(1.0, 2.0, 64, 90),
            Note::new(2.0, 3.0, 67, 90),
        ];
        let estimated = [
            Note::new(0.02, 1.0, 60, 80),
            Note::new(1.0, 1.3, 64, 80),
            Note::new(2.0, 3.0, 68, 80),
            Note::new(4.0, 5.0, 72, 80),
        ];
        let s = evaluate_notes(&reference, &estimated, &TranscriptionConfig::default()).unwrap();
        let r = ValuedIntervals::from_notes(&reference);
        let e = ValuedIntervals::from_notes(&estimated);
        for (got, cfg) in [
            (s.onset, TranscriptionConfig::onset_only()),
            (s.onset_offset.unwrap(), TranscriptionConfig::default()),
        ] {
            let want =
                precision_recall_f1_overlap(&r.intervals, &r.values, &e.intervals, &e.values, &cfg)
                    .unwrap();
            assert_eq!(got, want);
        }
        // Onsets: 2 of 4 estimates match 2 of 3 references; with offsets, 1.
        assert_eq!((s.onset.precision, s.onset.recall), (0.5, 2.0 / 3.0));
        assert_eq!(s.onset_offset.unwrap().precision, 0.25);
        assert_eq!((s.reference_notes, s.estimated_notes), (3, 4));
        // No offset ratio: the offset-aware scores are left out.
        let s = evaluate_notes(&reference, &estimated, &TranscriptionConfig::onset_only()).unwrap();
        assert_eq!(s.onset_offset, None);
    }

    #[test]
    fn evaluate_notes_rejects_bad_notes_and_config() {
        let ok = [Note::new(0.0, 1.0, 60, 90)];
        let bad = [Note::new(1.0, 0.5, 60, 90)];
        let empty: [Note; 0] = [];
        let cfg = TranscriptionConfig::default();
        assert!(evaluate_notes(&ok, &bad, &cfg).is_err());
        assert!(evaluate_notes(&bad, &ok, &cfg).is_err());
        let neg = TranscriptionConfig {
            onset_tolerance: -1.0,
            ..cfg
        };
        assert!(matches!(
            evaluate_notes(&ok, &ok, &neg),
            Err(Error::InvalidParameter { .. })
        ));
        // Empty lists score zero, as mir_eval.
        let s = evaluate_notes(&ok, &empty, &cfg).unwrap();
        assert_eq!(s.onset, PrecisionRecallF1Overlap::default());
    }

    #[test]
    fn note_scores_serialise_with_mir_eval_names() {
        let n = [Note::new(0.0, 1.0, 60, 90)];
        let s = evaluate_notes(&n, &n, &TranscriptionConfig::default()).unwrap();
        let json = crate::report::to_json(&s).unwrap();
        assert!(json.starts_with("{\n  \"reference_notes\": 1,"), "{json}");
        assert!(json.contains("\"onset\": {\"Precision\": 1.0,"), "{json}");
    }
}
