//! Basic Pitch note events against the Python pipeline
//! (`basic_pitch.inference.predict` with onnxruntime; fixtures of
//! `tools/reference/basic_pitch_fixtures.py`): the same notes in the same
//! order, with the same pitches, onset and offset frames and pitch bends.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use audio_test_fixtures::{fixtures_dir, read_json};

/// Times are computed from the same frame indices by the same `f64`
/// formula as `model_frames_to_time`; only the last bit may differ.
const TIME_TOL: f64 = 1e-12;
/// The amplitude is a `float32` mean of activations that agree with
/// onnxruntime's within 2e-5 (see `basic_pitch_posteriorgrams.rs`).
const AMPLITUDE_TOL: f64 = 1e-4;

fn check(name: &str) {
    let dir = fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("basic_pitch");
    let doc = read_json(dir.join(format!("notes_{name}.json")));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let audio = audio_io::load::<f32>(
        root.join(doc["audio"].as_str().unwrap()),
        &audio_io::LoadOptions {
            sr: None,
            ..Default::default()
        },
    )
    .unwrap();
    let model = BasicPitch::new().unwrap();
    let notes = model
        .transcribe_mono(
            audio.samples.row(0).as_slice().unwrap(),
            &PredictConfig::default(),
        )
        .unwrap();
    let expected = doc["notes"].as_array().unwrap();
    assert_eq!(notes.len(), expected.len(), "{name}: note count");
    for (i, (ours, theirs)) in notes.iter().zip(expected).enumerate() {
        let ctx = format!("{name} note {i}: {ours:?} vs {theirs}");
        assert_eq!(
            ours.start_frame as u64,
            theirs["start_frame"].as_u64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            ours.end_frame as u64,
            theirs["end_frame"].as_u64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            u64::from(ours.note.pitch),
            theirs["pitch_midi"].as_u64().unwrap(),
            "{ctx}"
        );
        assert!(
            (ours.note.onset - theirs["start_time_s"].as_f64().unwrap()).abs() <= TIME_TOL,
            "{ctx}"
        );
        assert!(
            (ours.note.offset - theirs["end_time_s"].as_f64().unwrap()).abs() <= TIME_TOL,
            "{ctx}"
        );
        assert!(
            (f64::from(ours.amplitude) - theirs["amplitude"].as_f64().unwrap()).abs()
                <= AMPLITUDE_TOL,
            "{ctx}"
        );
        let bends: Vec<i64> = theirs["pitch_bends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let ours_bends: Vec<i64> = ours
            .note
            .pitch_bends
            .as_ref()
            .unwrap()
            .iter()
            .map(|&b| i64::from(b))
            .collect();
        assert_eq!(ours_bends, bends, "{ctx}");
    }
}

#[test]
fn piano_notes_match_python() {
    check("piano");
}

#[test]
fn piano_short_notes_match_python() {
    check("piano_short");
}

#[test]
fn guitar_notes_match_python() {
    check("guitar");
}
