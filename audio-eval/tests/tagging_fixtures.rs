//! Tagging scores against scikit-learn 1.9.1 (`roc_auc_score`,
//! `average_precision_score`), fixtures from
//! `tools/reference/eval_tagging_fixtures.py`: random labels, tied scores,
//! a label with no positives and one with only positives, one column, and
//! single-class input. A `null` in the fixture is scikit-learn's NaN.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_eval::tagging::{average_precision, evaluate, roc_auc};
use audio_test_fixtures::{fixtures_dir, read_json};
use ndarray::Array2;
use serde_json::Value;

/// The scores are sums of at most a few thousand terms of ratios of
/// integers; scikit-learn's trapezoid (numpy) adds in another order and
/// drops collinear ROC points, which changes the last bits only.
const SKLEARN_A_TOL: f64 = 1e-12;

fn cases() -> Vec<Value> {
    let path = fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("tagging/tagging.json");
    let cases = read_json(path).as_array().unwrap().clone();
    assert!(cases.len() >= 10);
    cases
}

fn matrix<T>(v: &Value, f: impl Fn(&Value) -> T) -> Array2<T> {
    let rows = v.as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let flat: Vec<T> = rows
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(&f).collect::<Vec<_>>())
        .collect();
    Array2::from_shape_vec((rows.len(), cols), flat).unwrap()
}

fn same(name: &str, ours: f64, want: &Value) {
    match want.as_f64() {
        Some(w) => assert!(
            (ours - w).abs() <= SKLEARN_A_TOL,
            "{name}: {ours} vs scikit-learn {w}"
        ),
        None => assert!(ours.is_nan(), "{name}: {ours}, scikit-learn gives NaN"),
    }
}

#[test]
fn tagging_scores_match_scikit_learn() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let truth = matrix(&case["truth"], |x| x.as_i64().unwrap() == 1);
        let scores = matrix(&case["scores"], |x| x.as_f64().unwrap());
        let s = evaluate(truth.view(), scores.view()).unwrap();
        same(
            &format!("{name} macro ROC"),
            s.macro_roc_auc,
            &case["roc_auc_macro"],
        );
        same(
            &format!("{name} micro ROC"),
            s.micro_roc_auc,
            &case["roc_auc_micro"],
        );
        same(
            &format!("{name} macro AP"),
            s.macro_average_precision,
            &case["average_precision_macro"],
        );
        same(
            &format!("{name} micro AP"),
            s.micro_average_precision,
            &case["average_precision_micro"],
        );
        let per_ap = case["average_precision_per_label"].as_array().unwrap();
        assert_eq!(per_ap.len(), s.average_precision.len(), "{name}");
        for (j, want) in per_ap.iter().enumerate() {
            same(&format!("{name} AP[{j}]"), s.average_precision[j], want);
        }
        let per_roc = case["roc_auc_columns"].as_array().unwrap();
        for (j, want) in per_roc.iter().enumerate() {
            same(&format!("{name} ROC[{j}]"), s.roc_auc[j], want);
        }
        if let Some(all) = case["roc_auc_per_label"].as_array() {
            for (j, want) in all.iter().enumerate() {
                same(&format!("{name} ROC(None)[{j}]"), s.roc_auc[j], want);
            }
        }
    }
}

#[test]
fn undefined_and_degenerate_labels_follow_the_documented_policy() {
    // No positive: ROC undefined (NaN), AP 0. Only positives: ROC NaN, AP 1.
    let scores = [0.3, 0.9, 0.1];
    assert!(roc_auc(&[false; 3], &scores).unwrap().is_nan());
    assert_eq!(average_precision(&[false; 3], &scores).unwrap(), 0.0);
    assert!(roc_auc(&[true; 3], &scores).unwrap().is_nan());
    assert_eq!(average_precision(&[true; 3], &scores).unwrap(), 1.0);
    // Every score tied: one threshold, ROC 0.5, AP = prevalence.
    let truth = [true, false, false, true, false];
    assert_eq!(roc_auc(&truth, &[0.5; 5]).unwrap(), 0.5);
    assert_eq!(average_precision(&truth, &[0.5; 5]).unwrap(), 0.4);
}

#[test]
fn bad_input_is_an_error() {
    assert!(roc_auc(&[true, false], &[0.5]).is_err());
    assert!(roc_auc(&[], &[]).is_err());
    assert!(average_precision(&[true, false], &[f64::NAN, 0.1]).is_err());
    let t = Array2::from_elem((3, 2), true);
    let s = Array2::zeros((3, 3));
    assert!(evaluate(t.view(), s.view()).is_err());
    let t = Array2::from_elem((3, 0), true);
    let s = Array2::zeros((3, 0));
    assert!(evaluate(t.view(), s.view()).is_err());
}

proptest::proptest! {
    /// ROC-AUC is the Mann-Whitney probability that a positive outranks a
    /// negative, ties counting one half; AP lies in (0, 1] with a positive.
    #[test]
    fn roc_auc_is_the_pairwise_ranking_probability(
        pairs in proptest::collection::vec((proptest::bool::ANY, 0u8..6), 2..80)
    ) {
        let truth: Vec<bool> = pairs.iter().map(|p| p.0).collect();
        let scores: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 5.0).collect();
        let auc = roc_auc(&truth, &scores).unwrap();
        let (mut wins, mut n) = (0.0, 0.0);
        for (i, &ti) in truth.iter().enumerate() {
            for (j, &tj) in truth.iter().enumerate() {
                if ti && !tj {
                    n += 1.0;
                    wins += match scores[i].partial_cmp(&scores[j]).unwrap() {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
        if n == 0.0 {
            proptest::prop_assert!(auc.is_nan());
        } else {
            proptest::prop_assert!((auc - wins / n).abs() < 1e-12, "{} vs {}", auc, wins / n);
        }
        let ap = average_precision(&truth, &scores).unwrap();
        if truth.iter().any(|&t| t) {
            proptest::prop_assert!(ap > 0.0 && ap <= 1.0 + 1e-15);
        }
    }
}
