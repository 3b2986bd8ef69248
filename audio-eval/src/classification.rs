//! Classification scores: accuracy, per-class precision/recall/F1 and the
//! confusion matrix.
//!
//! mir_eval has no classification module; these follow scikit-learn's
//! definitions (`sklearn.metrics.accuracy_score`, `confusion_matrix`,
//! `precision_recall_fscore_support` with `average=None`, and the macro
//! averages of `average='macro'`): the classes are the sorted union of the
//! true and predicted labels; `confusion[i][j]` counts samples of true class
//! `i` predicted as class `j`; `precision_c = TP / (TP + FP)`,
//! `recall_c = TP / (TP + FN)`, `F1_c = 2·TP / (2·TP + FP + FN)` (= `2·P·R / (P + R)`), each 0 where its
//! denominator is 0 (scikit-learn's `zero_division` default, which warns and
//! returns 0).

use crate::transcription::check_lengths;
use crate::{Error, Result};

/// Scores of a classification, per class in the order of `classes`.
///
/// Serialises with the keys `"Accuracy"`, `"Macro Precision"`,
/// `"Macro Recall"`, `"Macro F1"`, `"Classes"`, `"Confusion"`,
/// `"Precision"`, `"Recall"`, `"F1"`, `"Support"`, in that order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassificationScores<T> {
    /// Share of samples whose prediction equals the truth.
    #[serde(rename = "Accuracy")]
    pub accuracy: f64,
    /// Unweighted mean of the per-class precisions.
    #[serde(rename = "Macro Precision")]
    pub macro_precision: f64,
    /// Unweighted mean of the per-class recalls.
    #[serde(rename = "Macro Recall")]
    pub macro_recall: f64,
    /// Unweighted mean of the per-class F1 scores.
    #[serde(rename = "Macro F1")]
    pub macro_f1: f64,
    /// The sorted union of true and predicted labels.
    #[serde(rename = "Classes")]
    pub classes: Vec<T>,
    /// `confusion[i][j]`: samples of true class `i` predicted as class `j`.
    #[serde(rename = "Confusion")]
    pub confusion: Vec<Vec<usize>>,
    /// Per-class precision.
    #[serde(rename = "Precision")]
    pub precision: Vec<f64>,
    /// Per-class recall.
    #[serde(rename = "Recall")]
    pub recall: Vec<f64>,
    /// Per-class F1.
    #[serde(rename = "F1")]
    pub f1: Vec<f64>,
    /// Per-class number of true samples (scikit-learn's `support`).
    #[serde(rename = "Support")]
    pub support: Vec<usize>,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Accuracy, confusion matrix and per-class and macro-averaged precision,
/// recall and F1 of `predicted` against `truth`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the label lists differ in length;
/// [`Error::Empty`] when they are empty.
///
/// # Example
///
/// ```
/// use audio_eval::classification::evaluate;
/// let s = evaluate(&["cat", "dog", "dog"], &["cat", "cat", "dog"])?;
/// assert_eq!(s.classes, vec!["cat", "dog"]);
/// assert_eq!(s.confusion, vec![vec![1, 0], vec![1, 1]]);
/// assert_eq!(s.precision, vec![0.5, 1.0]);
/// assert_eq!(s.recall, vec![1.0, 0.5]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate<T: Ord + Clone>(truth: &[T], predicted: &[T]) -> Result<ClassificationScores<T>> {
    check_lengths("predicted labels", truth.len(), predicted.len())?;
    if truth.is_empty() {
        return Err(Error::Empty { what: "labels" });
    }
    let mut classes: Vec<T> = truth.iter().chain(predicted).cloned().collect();
    classes.sort();
    classes.dedup();
    let k = classes.len();
    let index = |label: &T| classes.binary_search(label).unwrap_or(0);
    let mut confusion = vec![vec![0usize; k]; k];
    for (t, p) in truth.iter().zip(predicted) {
        confusion[index(t)][index(p)] += 1;
    }
    let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
    let mut precision = Vec::with_capacity(k);
    let mut recall = Vec::with_capacity(k);
    let mut f1 = Vec::with_capacity(k);
    let mut support = Vec::with_capacity(k);
    for (c, row) in confusion.iter().enumerate() {
        let tp = row[c];
        let predicted_c: usize = confusion.iter().map(|r| r[c]).sum();
        let true_c: usize = row.iter().sum();
        let p = ratio(tp, predicted_c);
        let r = ratio(tp, true_c);
        precision.push(p);
        recall.push(r);
        // scikit-learn computes F as (1 + β²)·TP / (β²·n_true + n_pred).
        f1.push(ratio(2 * tp, true_c + predicted_c));
        support.push(true_c);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Ok(ClassificationScores {
        accuracy: ratio(correct, truth.len()),
        macro_precision: mean(&precision),
        macro_recall: mean(&recall),
        macro_f1: mean(&f1),
        classes,
        confusion,
        precision,
        recall,
        f1,
        support,
    })
}
