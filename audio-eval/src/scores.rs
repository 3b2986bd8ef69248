//! Score records shared by the music metrics.

/// Precision, recall and F-measure of a matching between reference and
/// estimated items: `P = matches / n_est`, `R = matches / n_ref`,
/// `F = (1 + beta²)·P·R / (beta²·P + R)` (`mir_eval.util.f_measure`).
///
/// Serialises as `mir_eval.onset.evaluate`'s dictionary: `"F-measure"`,
/// `"Precision"`, `"Recall"`, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PrecisionRecallF1 {
    /// Matched estimates over all estimates.
    pub precision: f64,
    /// Matched references over all references.
    pub recall: f64,
    /// The weighted harmonic mean of precision and recall.
    pub f_measure: f64,
}

crate::report::serialize_via_entries!(PrecisionRecallF1);

impl PrecisionRecallF1 {
    /// `(key, value)` pairs named and ordered as `mir_eval.onset.evaluate()`:
    /// `"F-measure"`, `"Precision"`, `"Recall"`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("F-measure", self.f_measure),
            ("Precision", self.precision),
            ("Recall", self.recall),
        ]
    }

    /// The scores of `n_matches` matches among `n_ref` references and `n_est`
    /// estimates, all zero when either side is empty (as mir_eval returns).
    pub(crate) fn from_counts(n_matches: usize, n_ref: usize, n_est: usize, beta: f64) -> Self {
        if n_ref == 0 || n_est == 0 {
            return Self::default();
        }
        let precision = n_matches as f64 / n_est as f64;
        let recall = n_matches as f64 / n_ref as f64;
        Self {
            precision,
            recall,
            f_measure: crate::validate::f_measure(precision, recall, beta),
        }
    }
}
