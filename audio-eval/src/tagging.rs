//! Tagging scores: ROC-AUC and average precision (PR-AUC) per label, and
//! their macro and micro averages, as scikit-learn computes them.
//!
//! mir_eval has no tagging module; these follow scikit-learn 1.9
//! (`sklearn.metrics.roc_auc_score` and `average_precision_score`, the
//! scores that music-tagging papers report as ROC-AUC and PR-AUC):
//!
//! - The examples are sorted by decreasing score; tied scores form one
//!   threshold, so ties count half (ROC) or move together (PR).
//! - **ROC-AUC** of a label is the trapezoidal area under
//!   `(FPR_k, TPR_k)` over the distinct thresholds, from `(0, 0)`.
//! - **Average precision** is `AP = Σ_k (R_k − R_{k−1}) P_k` over the
//!   distinct thresholds, with `P_k = TP_k / (TP_k + FP_k)`, `R_k = TP_k / P`
//!   and `R_0 = 0`: the step-wise, uninterpolated area (not the trapezoid).
//! - **Macro**: the unweighted mean over labels. **Micro**: the score of all
//!   labels' examples flattened into one binary problem.
//!
//! **Undefined scores.** ROC-AUC needs both classes: for a label whose
//! examples are all negative or all positive it is NaN, as scikit-learn 1.9
//! returns (with an `UndefinedMetricWarning`), and a macro mean that
//! includes a NaN is NaN. Average precision of a label with no positive
//! example is 0 (scikit-learn sets recall to 1 at every threshold, so no
//! step adds area), and 1 when every example is positive.
//!
//! ```
//! use audio_eval::tagging::{average_precision, roc_auc};
//! let truth = [true, false, true, false];
//! let scores = [0.9, 0.8, 0.4, 0.1];
//! assert_eq!(roc_auc(&truth, &scores)?, 0.75);
//! assert!((average_precision(&truth, &scores)? - 5.0 / 6.0).abs() < 1e-12);
//! # Ok::<(), audio_eval::Error>(())
//! ```

use ndarray::{ArrayView2, Axis};

use crate::transcription::check_lengths;
use crate::{Error, Result};

/// Tagging scores per label and averaged.
///
/// Serialises with the keys `"ROC-AUC"`, `"PR-AUC"`, `"Macro ROC-AUC"`,
/// `"Micro ROC-AUC"`, `"Macro PR-AUC"`, `"Micro PR-AUC"`; NaN (an undefined
/// ROC-AUC) is written as `null`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaggingScores {
    /// ROC-AUC of each label (NaN where a label has one class only).
    #[serde(rename = "ROC-AUC")]
    pub roc_auc: Vec<f64>,
    /// Average precision of each label.
    #[serde(rename = "PR-AUC")]
    pub average_precision: Vec<f64>,
    /// Unweighted mean of [`TaggingScores::roc_auc`] (NaN if any is NaN).
    #[serde(rename = "Macro ROC-AUC")]
    pub macro_roc_auc: f64,
    /// ROC-AUC of all labels flattened into one binary problem.
    #[serde(rename = "Micro ROC-AUC")]
    pub micro_roc_auc: f64,
    /// Unweighted mean of [`TaggingScores::average_precision`].
    #[serde(rename = "Macro PR-AUC")]
    pub macro_average_precision: f64,
    /// Average precision of all labels flattened into one binary problem.
    #[serde(rename = "Micro PR-AUC")]
    pub micro_average_precision: f64,
}

/// The cumulative true and false positives at each distinct threshold, in
/// decreasing score order (scikit-learn's `_binary_clf_curve`).
fn binary_curve(truth: &[bool], scores: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // A stable sort by decreasing score; ties keep their input order, which
    // does not matter since a tie group is one threshold.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    let (mut tp, mut fp) = (0.0_f64, 0.0_f64);
    for (k, &i) in order.iter().enumerate() {
        if truth[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_group = order
            .get(k + 1)
            .is_none_or(|&next| scores[next].total_cmp(&scores[i]).is_ne());
        if last_of_group {
            tps.push(tp);
            fps.push(fp);
        }
    }
    (tps, fps)
}

fn check_scores(truth: usize, scores: &[f64]) -> Result<()> {
    check_lengths("scores", truth, scores.len())?;
    if truth == 0 {
        return Err(Error::Empty { what: "examples" });
    }
    if let Some((index, &value)) = scores.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "scores",
            index,
            value,
        });
    }
    Ok(())
}

/// ROC-AUC of one binary label: the trapezoidal area under the ROC curve
/// over the distinct thresholds of `scores`. NaN when `truth` holds one
/// class only (scikit-learn 1.9's value).
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the lengths differ; [`Error::Empty`] for no
/// example; [`Error::NonFinite`] for a NaN or infinite score.
pub fn roc_auc(truth: &[bool], scores: &[f64]) -> Result<f64> {
    check_scores(truth.len(), scores)?;
    let (tps, fps) = binary_curve(truth, scores);
    let (p, n) = (
        tps.last().copied().unwrap_or(0.0),
        fps.last().copied().unwrap_or(0.0),
    );
    if p == 0.0 || n == 0.0 {
        return Ok(f64::NAN);
    }
    let mut area = 0.0;
    let (mut x0, mut y0) = (0.0, 0.0);
    for (tp, fp) in tps.iter().zip(&fps) {
        let (x1, y1) = (fp / n, tp / p);
        area += (x1 - x0) * (y1 + y0) / 2.0;
        (x0, y0) = (x1, y1);
    }
    Ok(area)
}

/// Average precision of one binary label, `Σ_k (R_k − R_{k−1}) P_k` over
/// the distinct thresholds (see the [module](self) documentation); 0 when
/// `truth` has no positive example.
///
/// # Errors
///
/// As [`roc_auc`].
pub fn average_precision(truth: &[bool], scores: &[f64]) -> Result<f64> {
    check_scores(truth.len(), scores)?;
    let (tps, fps) = binary_curve(truth, scores);
    let p = tps.last().copied().unwrap_or(0.0);
    if p == 0.0 {
        return Ok(0.0);
    }
    let mut ap = 0.0;
    let mut previous_recall = 0.0;
    for (tp, fp) in tps.iter().zip(&fps) {
        let recall = tp / p;
        ap += (recall - previous_recall) * (tp / (tp + fp));
        previous_recall = recall;
    }
    Ok(ap)
}

/// ROC-AUC and average precision of every label of a multi-label problem,
/// with macro and micro averages (`roc_auc_score` and
/// `average_precision_score` with `average=None`, `"macro"`, `"micro"`).
///
/// # Shapes
///
/// `truth` and `scores` are `(examples, labels)`; `truth[i][j]` is whether
/// example `i` has label `j`, `scores[i][j]` the model's score (a
/// probability or any monotone score).
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the shapes differ; [`Error::Empty`] for no
/// example or no label; [`Error::NonFinite`] for a NaN or infinite score.
///
/// # Example
///
/// ```
/// use audio_eval::tagging::evaluate;
/// use ndarray::array;
/// let truth = array![[true, false], [false, true], [true, true]];
/// let scores = array![[0.9, 0.2], [0.3, 0.7], [0.6, 0.4]];
/// let s = evaluate(truth.view(), scores.view())?;
/// assert_eq!(s.roc_auc, vec![1.0, 1.0]);
/// assert_eq!(s.macro_roc_auc, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[allow(clippy::cast_precision_loss, reason = "label counts < 2^53")]
pub fn evaluate(truth: ArrayView2<'_, bool>, scores: ArrayView2<'_, f64>) -> Result<TaggingScores> {
    if truth.dim() != scores.dim() {
        return Err(Error::ShapeMismatch {
            what: "scores",
            expected: truth.shape().to_vec(),
            got: scores.shape().to_vec(),
        });
    }
    let (examples, labels) = truth.dim();
    if examples == 0 {
        return Err(Error::Empty { what: "examples" });
    }
    if labels == 0 {
        return Err(Error::Empty { what: "labels" });
    }
    let mut roc = Vec::with_capacity(labels);
    let mut ap = Vec::with_capacity(labels);
    for (t, s) in truth.axis_iter(Axis(1)).zip(scores.axis_iter(Axis(1))) {
        let t: Vec<bool> = t.to_vec();
        let s: Vec<f64> = s.to_vec();
        roc.push(roc_auc(&t, &s)?);
        ap.push(average_precision(&t, &s)?);
    }
    let flat_truth: Vec<bool> = truth.iter().copied().collect();
    let flat_scores: Vec<f64> = scores.iter().copied().collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Ok(TaggingScores {
        macro_roc_auc: mean(&roc),
        micro_roc_auc: roc_auc(&flat_truth, &flat_scores)?,
        macro_average_precision: mean(&ap),
        micro_average_precision: average_precision(&flat_truth, &flat_scores)?,
        roc_auc: roc,
        average_precision: ap,
    })
}
