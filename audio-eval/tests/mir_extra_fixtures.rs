//! Cases beyond mir_eval's own regression data, written by
//! `tools/reference/eval_mir_fixtures.py` with mir_eval 0.8.2 (and
//! scikit-learn 1.9 for classification): non-default parameters, the exact
//! note pairs of the transcription matching, velocity regression corner
//! cases, multipitch resampling, melody with continuous voicing, hop and
//! other interpolation kinds, short beat sequences, every key pair.
//!
//! Tolerance: mir_eval's test `A_TOL = 1e-12`, absolute.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use audio_eval::beat::BeatConfig;
use audio_eval::melody::{Interpolation, MelodyConfig};
use audio_eval::transcription::TranscriptionConfig;
use audio_test_fixtures::{fixtures_dir, read_json};
use serde_json::Value;

/// mir_eval's `A_TOL` in its tests (absolute).
const MIR_EVAL_A_TOL: f64 = 1e-12;

fn load(task: &str) -> Vec<Value> {
    let path = fixtures_dir(env!("CARGO_MANIFEST_DIR"))
        .join("mir_extra")
        .join(format!("{task}.json"));
    let doc = read_json(path);
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty());
    cases
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn intervals(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let r = floats(r);
            [r[0], r[1]]
        })
        .collect()
}

fn ragged(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

fn check(case: &Value, ours: &[(&str, f64)]) {
    let name = case["name"].as_str().unwrap();
    let map = case["expected"].as_object().unwrap();
    assert_eq!(ours.len(), map.len(), "{name}: key sets differ");
    for (key, value) in ours {
        let want = map[*key].as_f64().unwrap();
        let diff = (value - want).abs();
        assert!(
            diff <= MIR_EVAL_A_TOL || (value.is_nan() && want.is_nan()),
            "{name} {key}: ours {value}, mir_eval {want}"
        );
    }
}

#[test]
fn transcription_extra_cases_and_exact_pairs() {
    for case in load("transcription") {
        let c = &case["config"];
        let config = TranscriptionConfig {
            onset_tolerance: c["onset_tolerance"].as_f64().unwrap(),
            pitch_tolerance: c["pitch_tolerance"].as_f64().unwrap(),
            offset_ratio: c["offset_ratio"].as_f64(),
            offset_min_tolerance: c["offset_min_tolerance"].as_f64().unwrap(),
            strict: c["strict"].as_bool().unwrap(),
            beta: c["beta"].as_f64().unwrap(),
        };
        let ri = intervals(&case["ref_intervals"]);
        let rp = floats(&case["ref_pitches"]);
        let ei = intervals(&case["est_intervals"]);
        let ep = floats(&case["est_pitches"]);
        let s = audio_eval::transcription::evaluate(&ri, &rp, &ei, &ep, &config).unwrap();
        check(&case, &s.entries());
        let pairs = audio_eval::transcription::match_notes(&ri, &rp, &ei, &ep, &config).unwrap();
        let want: Vec<(usize, usize)> = case["matching"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_u64().unwrap() as usize,
                    p[1].as_u64().unwrap() as usize,
                )
            })
            .collect();
        assert_eq!(pairs, want, "{}: matched pairs differ", case["name"]);
    }
}

#[test]
fn transcription_velocity_extra_cases() {
    for case in load("transcription_velocity") {
        let s = audio_eval::transcription_velocity::evaluate(
            &intervals(&case["ref_intervals"]),
            &floats(&case["ref_pitches"]),
            &floats(&case["ref_velocities"]),
            &intervals(&case["est_intervals"]),
            &floats(&case["est_pitches"]),
            &floats(&case["est_velocities"]),
            &TranscriptionConfig::default(),
            case["velocity_tolerance"].as_f64().unwrap(),
        )
        .unwrap();
        check(&case, &s.entries());
    }
}

#[test]
fn multipitch_extra_cases() {
    for case in load("multipitch") {
        let s = audio_eval::multipitch::evaluate(
            &floats(&case["ref_time"]),
            &ragged(&case["ref_freqs"]),
            &floats(&case["est_time"]),
            &ragged(&case["est_freqs"]),
            case["window"].as_f64().unwrap(),
        )
        .unwrap();
        check(&case, &s.entries());
    }
}

#[test]
fn onset_extra_cases() {
    for case in load("onset") {
        let s = audio_eval::onset::evaluate(
            &floats(&case["ref"]),
            &floats(&case["est"]),
            case["window"].as_f64().unwrap(),
        )
        .unwrap();
        check(&case, &s.entries());
    }
}

#[test]
fn melody_extra_cases() {
    for case in load("melody") {
        let c = &case["config"];
        let config = MelodyConfig {
            base_frequency: c["base_frequency"].as_f64().unwrap(),
            hop: c["hop"].as_f64(),
            kind: match c["kind"].as_str().unwrap() {
                "linear" => Interpolation::Linear,
                "zero" => Interpolation::Zero,
                "nearest" => Interpolation::Nearest,
                other => panic!("unknown kind {other}"),
            },
            cent_tolerance: c["cent_tolerance"].as_f64().unwrap(),
        };
        let est_voicing = case["est_voicing"]
            .as_array()
            .map(|_| floats(&case["est_voicing"]));
        let ref_reward = case["ref_reward"]
            .as_array()
            .map(|_| floats(&case["ref_reward"]));
        let s = audio_eval::melody::evaluate(
            &floats(&case["ref_time"]),
            &floats(&case["ref_freq"]),
            &floats(&case["est_time"]),
            &floats(&case["est_freq"]),
            est_voicing.as_deref(),
            ref_reward.as_deref(),
            &config,
        )
        .unwrap();
        check(&case, &s.entries());
    }
}

#[test]
fn beat_extra_cases() {
    for case in load("beat") {
        let s = audio_eval::beat::evaluate(
            &floats(&case["ref"]),
            &floats(&case["est"]),
            &BeatConfig::default(),
        )
        .unwrap();
        check(&case, &s.entries());
    }
}

#[test]
fn every_key_pair() {
    for case in load("key") {
        let label = |k: &str| audio_eval::key::parse_label(case[k].as_str().unwrap()).unwrap();
        let s = audio_eval::key::evaluate(label("ref"), label("est"));
        check(&case, &s.entries());
    }
}

#[test]
fn classification_matches_scikit_learn() {
    for case in load("classification") {
        let to_labels = |v: &Value| -> Vec<u64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        };
        let name = case["name"].as_str().unwrap();
        let s = audio_eval::classification::evaluate(
            &to_labels(&case["truth"]),
            &to_labels(&case["predicted"]),
        )
        .unwrap();
        assert_eq!(s.classes, to_labels(&case["classes"]), "{name}");
        let confusion: Vec<Vec<usize>> = case["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| to_labels(r).into_iter().map(|x| x as usize).collect())
            .collect();
        assert_eq!(s.confusion, confusion, "{name}");
        let support: Vec<usize> = to_labels(&case["support"])
            .into_iter()
            .map(|x| x as usize)
            .collect();
        assert_eq!(s.support, support, "{name}");
        let close = |a: f64, b: f64| (a - b).abs() <= MIR_EVAL_A_TOL;
        assert!(
            close(s.accuracy, case["accuracy"].as_f64().unwrap()),
            "{name}"
        );
        for (field, ours) in [
            ("precision", &s.precision),
            ("recall", &s.recall),
            ("f1", &s.f1),
        ] {
            let want = floats(&case[field]);
            assert_eq!(ours.len(), want.len());
            for (a, b) in ours.iter().zip(&want) {
                assert!(close(*a, *b), "{name} {field}: {a} vs {b}");
            }
        }
        assert!(close(
            s.macro_precision,
            case["macro_precision"].as_f64().unwrap()
        ));
        assert!(close(
            s.macro_recall,
            case["macro_recall"].as_f64().unwrap()
        ));
        assert!(close(s.macro_f1, case["macro_f1"].as_f64().unwrap()));
    }
}
