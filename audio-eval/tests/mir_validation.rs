//! Invalid inputs give the typed errors mir_eval's `validate` functions
//! raise `ValueError` for, never a panic; empty inputs give mir_eval's zero
//! scores.

use audio_eval::beat::BeatConfig;
use audio_eval::melody::MelodyConfig;
use audio_eval::transcription::{self, TranscriptionConfig};
use audio_eval::Error;

const OK: [[f64; 2]; 1] = [[0.0, 1.0]];

#[test]
fn transcription_rejects_bad_notes() {
    let c = TranscriptionConfig::default();
    let run = |ri: &[[f64; 2]], rp: &[f64], ei: &[[f64; 2]], ep: &[f64]| {
        transcription::evaluate(ri, rp, ei, ep, &c)
    };
    assert!(matches!(
        run(&[[-0.1, 1.0]], &[440.0], &OK, &[440.0]),
        Err(Error::InvalidInterval { index: 0, .. })
    ));
    assert!(matches!(
        run(&OK, &[440.0], &[[1.0, 1.0]], &[440.0]),
        Err(Error::InvalidInterval { .. })
    ));
    assert!(matches!(
        run(&[[0.0, f64::NAN]], &[440.0], &OK, &[440.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        run(&OK, &[440.0, 220.0], &OK, &[440.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        run(&OK, &[0.0], &OK, &[440.0]),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        run(&OK, &[f64::NAN], &OK, &[440.0]),
        Err(Error::NonFinite { .. })
    ));
    let bad = TranscriptionConfig {
        onset_tolerance: -1.0,
        ..c
    };
    assert!(matches!(
        transcription::evaluate(&OK, &[440.0], &OK, &[440.0], &bad),
        Err(Error::InvalidParameter {
            name: "onset_tolerance",
            ..
        })
    ));
    assert!(matches!(
        transcription::offset_precision_recall_f1(&OK, &OK, &TranscriptionConfig::onset_only()),
        Err(Error::InvalidParameter {
            name: "offset_ratio",
            ..
        })
    ));
}

#[test]
fn empty_notes_score_zero_as_mir_eval() {
    let s =
        transcription::evaluate(&OK, &[440.0], &[], &[], &TranscriptionConfig::default()).unwrap();
    assert!(s.entries().iter().all(|&(_, v)| v == 0.0));
    assert_eq!(s.entries().len(), 14);
    let s =
        transcription::evaluate(&[], &[], &[], &[], &TranscriptionConfig::onset_only()).unwrap();
    assert_eq!(s.entries().len(), 7);
}

#[test]
fn velocity_rejects_negative_and_mismatched() {
    use audio_eval::transcription_velocity::evaluate;
    let c = TranscriptionConfig::default();
    assert!(matches!(
        evaluate(&OK, &[60.0], &[-1.0], &OK, &[60.0], &[1.0], &c, 0.1),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        evaluate(&OK, &[60.0], &[1.0, 2.0], &OK, &[60.0], &[1.0], &c, 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn events_must_be_sorted_finite_and_bounded() {
    assert!(matches!(
        audio_eval::onset::f_measure(&[1.0, 0.5], &[1.0], 0.05),
        Err(Error::Unsorted { index: 0, .. })
    ));
    assert!(matches!(
        audio_eval::onset::f_measure(&[1.0], &[f64::NAN], 0.05),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        audio_eval::onset::f_measure(&[30001.0], &[1.0], 0.05),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        audio_eval::onset::f_measure(&[1.0], &[1.0], 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert_eq!(
        audio_eval::onset::f_measure(&[], &[1.0], 0.05)
            .unwrap()
            .f_measure,
        0.0
    );
    assert!(matches!(
        audio_eval::beat::evaluate(&[6.0, 5.5], &[6.0], &BeatConfig::default()),
        Err(Error::Unsorted { .. })
    ));
    assert!(matches!(
        audio_eval::beat::evaluate(&[f64::NAN, 6.0], &[6.0], &BeatConfig::default()),
        Err(Error::NonFinite { .. })
    ));
    // Everything before 5 s is trimmed: mir_eval's zeros.
    let s = audio_eval::beat::evaluate(&[1.0, 2.0], &[1.0, 2.0], &BeatConfig::default()).unwrap();
    assert!(s.entries().iter().all(|&(_, v)| v == 0.0));
}

#[test]
fn p_score_on_one_bin_is_an_error_not_a_panic() {
    assert!(matches!(
        audio_eval::beat::p_score(&[6.005, 6.006], &[6.0, 7.0], 0.2),
        Err(Error::Undefined { .. })
    ));
}

#[test]
fn multipitch_checks_frequencies_and_lengths() {
    use audio_eval::multipitch::evaluate;
    let t = [0.0, 0.01];
    let f = vec![vec![440.0], vec![]];
    assert!(matches!(
        evaluate(&t, &[vec![10.0], vec![]], &t, &f, 0.5),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        evaluate(&t, &[vec![-440.0], vec![]], &t, &f, 0.5),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        evaluate(&t, &f[..1], &t, &f, 0.5),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        evaluate(&[0.01, 0.0], &f, &t, &f, 0.5),
        Err(Error::Unsorted { .. })
    ));
    // All-empty frames: mir_eval's zeros.
    let e = vec![vec![], vec![]];
    let s = evaluate(&t, &e, &t, &e, 0.5).unwrap();
    assert!(s.entries().iter().all(|&(_, v)| v == 0.0));
}

#[test]
fn melody_checks_series() {
    use audio_eval::melody::evaluate;
    let c = MelodyConfig::default();
    assert!(matches!(
        evaluate(&[], &[], &[0.0], &[0.0], None, None, &c),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        evaluate(&[0.0, 0.01], &[1.0], &[0.0], &[0.0], None, None, &c),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        evaluate(&[0.01, 0.0], &[1.0, 1.0], &[0.0], &[0.0], None, None, &c),
        Err(Error::Unsorted { .. })
    ));
    assert!(matches!(
        evaluate(&[0.0], &[100.0], &[0.0], &[100.0], Some(&[2.0]), None, &c),
        Err(Error::OutOfRange { .. })
    ));
    // Repeated estimate times need scipy's zero-order spline, which refuses them.
    assert!(matches!(
        evaluate(
            &[0.0, 0.01, 0.02],
            &[100.0; 3],
            &[0.0, 0.01, 0.01],
            &[100.0; 3],
            None,
            None,
            &c
        ),
        Err(Error::Unsorted { .. })
    ));
}

#[test]
fn keys_are_validated() {
    for bad in ["", "C", "H major", "C dorian", "X major", "C major extra"] {
        assert!(
            matches!(
                audio_eval::key::parse_label(bad),
                Err(Error::InvalidKey { .. })
            ),
            "{bad:?}"
        );
    }
    let label = |s| audio_eval::key::parse_label(s).unwrap();
    assert_eq!(audio_eval::key::weighted_score(label("X"), label("x")), 1.0);
    assert_eq!(
        audio_eval::key::weighted_score(label("X"), label("C major")),
        0.0
    );
}

#[test]
fn classification_checks_lengths() {
    assert!(matches!(
        audio_eval::classification::evaluate(&[1, 2], &[1]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        audio_eval::classification::evaluate::<u8>(&[], &[]),
        Err(Error::Empty { .. })
    ));
}
