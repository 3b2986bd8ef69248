//! `audio transcribe` end to end: Basic Pitch on the bundled 10 s piano
//! render, the note-level F-measure against its ground truth equal to
//! mir_eval's on the Python pipeline's notes (which ours equal, see
//! audio-models' `basic_pitch_notes.rs`), and the documented behaviour on
//! silent, empty and corrupt input.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};

mod common;

use audio_eval::transcription::{precision_recall_f1_overlap, TranscriptionConfig};
use audio_io::midi::MidiFile;
use audio_test_fixtures::read_json;
use common::{run as audio, tmp};

/// audio-eval reproduces mir_eval's matching exactly; only the last bits of
/// the F-measure's division may differ.
const F_TOL: f64 = 1e-12;

fn asset(name: &str) -> PathBuf {
    common::repo("assets/audio").join(name)
}

fn hz(p: u64) -> f64 {
    audio_dsp::midi_to_hz(p as f64)
}

#[test]
fn transcribes_piano_and_scores_like_mir_eval() {
    let wav = asset("piano_short.wav");
    let reference = asset("piano_short.mid");
    let mid = tmp("piano_short.mid");
    let json = tmp("piano_short.json");
    let csv = tmp("piano_short.csv");
    let out = audio(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        mid.to_str().unwrap(),
        "--notes-json",
        json.to_str().unwrap(),
        "--notes-csv",
        csv.to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
        "--print-notes",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixture = read_json(common::repo(
        "audio-models/tests/fixtures/basic_pitch/notes_piano_short.json",
    ));
    let expected = fixture["notes"].as_array().unwrap();
    // The notes written: the Python pipeline's, pitch for pitch.
    let ours = read_json(&json);
    let ours = ours.as_array().unwrap();
    assert_eq!(ours.len(), expected.len());
    let mut a: Vec<(u64, u64, u64)> = ours
        .iter()
        .map(|n| {
            (
                n["start_frame"].as_u64().unwrap(),
                n["end_frame"].as_u64().unwrap(),
                n["pitch_midi"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut b: Vec<(u64, u64, u64)> = expected
        .iter()
        .map(|n| {
            (
                n["start_frame"].as_u64().unwrap(),
                n["end_frame"].as_u64().unwrap(),
                n["pitch_midi"].as_u64().unwrap(),
            )
        })
        .collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
    // The MIDI file holds the same notes.
    assert_eq!(MidiFile::read(&mid).unwrap().notes().len(), expected.len());
    // CSV: a header and one row a note.
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.lines().count(), expected.len() + 1);
    // F-measure: audio-eval on our notes equals mir_eval on Python's.
    let refs = MidiFile::read(&reference).unwrap().notes();
    let ref_iv: Vec<[f64; 2]> = refs.iter().map(|n| [n.onset, n.offset]).collect();
    let ref_p: Vec<f64> = refs.iter().map(|n| hz(u64::from(n.pitch))).collect();
    let est_iv: Vec<[f64; 2]> = ours
        .iter()
        .map(|n| {
            [
                n["start_time_s"].as_f64().unwrap(),
                n["end_time_s"].as_f64().unwrap(),
            ]
        })
        .collect();
    let est_p: Vec<f64> = ours
        .iter()
        .map(|n| hz(n["pitch_midi"].as_u64().unwrap()))
        .collect();
    let s = precision_recall_f1_overlap(
        &ref_iv,
        &ref_p,
        &est_iv,
        &est_p,
        &TranscriptionConfig::onset_only(),
    )
    .unwrap();
    let mir = &fixture["mir_eval_onset_scores"];
    assert!((s.f_measure - mir["f_measure"].as_f64().unwrap()).abs() <= F_TOL);
    assert!((s.precision - mir["precision"].as_f64().unwrap()).abs() <= F_TOL);
    assert!((s.recall - mir["recall"].as_f64().unwrap()).abs() <= F_TOL);
    // ... and the CLI prints that F-measure.
    let line = format!("F-measure {:.4}", s.f_measure);
    assert!(stdout.contains(&line), "{stdout}");
    assert!(stdout.contains("onset_s\toffset_s\tpitch"), "{stdout}");
}

#[test]
fn auto_key_is_the_key_of_the_reference_and_filters_to_its_scale() {
    let wav = asset("piano_short.wav");
    let mid = tmp("auto_key.mid");
    let out = audio(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        mid.to_str().unwrap(),
        "--key",
        "auto",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same estimator on the ground-truth notes.
    let truth = MidiFile::read(asset("piano_short.mid")).unwrap().notes();
    let key = audio_dsp::estimate_key_from_notes(&truth).unwrap().key;
    let name = format!(
        "{} {}",
        audio_dsp::PITCH_CLASS_NAMES[usize::from(key.tonic)],
        match key.mode {
            audio_dsp::KeyMode::Major => "major",
            _ => "minor",
        }
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("estimated key: {name}")),
        "{stderr}"
    );
    // Every kept note is in that key's scale.
    let scale = key.scale();
    let notes = MidiFile::read(&mid).unwrap().notes();
    assert!(!notes.is_empty());
    assert!(notes.iter().all(|n| scale[usize::from(n.pitch % 12)]));
}

fn write_wav(path: &Path, samples: Vec<f32>) {
    let n = samples.len();
    let audio = audio_io::Audio {
        samples: ndarray::Array2::from_shape_vec((1, n), samples).unwrap(),
        sample_rate: 22_050,
    };
    audio_io::wav::write_wav(path, &audio, &Default::default()).unwrap();
}

#[test]
fn silence_gives_no_notes() {
    let wav = tmp("silence.wav");
    write_wav(&wav, vec![0.0; 3 * 22_050]);
    let mid = tmp("silence.mid");
    let out = audio(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        mid.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 notes"));
    assert!(MidiFile::read(&mid).unwrap().notes().is_empty());
}

#[test]
fn empty_and_corrupt_files_are_errors() {
    let empty = tmp("empty.wav");
    write_wav(&empty, Vec::new());
    let garbage = tmp("garbage.wav");
    std::fs::write(&garbage, b"RIFF\x10\x00\x00\x00WAVEfmt this is not audio").unwrap();
    let missing = tmp("missing.wav");
    for input in [&empty, &garbage, &missing] {
        let out = audio(&[
            "transcribe",
            input.to_str().unwrap(),
            "-o",
            tmp("x.mid").to_str().unwrap(),
        ]);
        assert!(!out.status.success(), "{input:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{input:?}: {err}");
        assert!(!err.contains("panicked"), "{input:?}: {err}");
    }
}

#[test]
fn given_key_and_grid_filter_and_snap_the_notes() {
    let wav = asset("piano_short.wav");
    let mid = tmp("keyed.mid");
    let json = tmp("keyed.json");
    let out = audio(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        mid.to_str().unwrap(),
        "--notes-json",
        json.to_str().unwrap(),
        "--key",
        "Eb:maj",
        "--quantize",
        "120:4",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scale = "Eb major".parse::<audio_dsp::Key>().unwrap().scale();
    let notes = audio_io::notes::read_notes(&json, None).unwrap();
    assert!(!notes.is_empty());
    for n in &notes {
        assert!(scale[usize::from(n.pitch % 12)], "{n:?}");
        for t in [n.onset, n.offset] {
            assert!(((t / 0.125) - (t / 0.125).round()).abs() < 1e-9, "{n:?}");
        }
        assert!(n.offset - n.onset >= 0.125 - 1e-12);
    }
    // The MIDI file holds the same notes.
    assert_eq!(MidiFile::read(&mid).unwrap().notes().len(), notes.len());
    // Bad specs are refused before any work, naming the option.
    for (flag, value) in [("--key", "H:maj"), ("--quantize", "120:0")] {
        let out = audio(&[
            "transcribe",
            wav.to_str().unwrap(),
            "-o",
            mid.to_str().unwrap(),
            flag,
            value,
        ]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{err}");
    }
}
