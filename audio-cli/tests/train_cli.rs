//! `audio train` / `audio train --list` / `audio evaluate` end to end on a
//! tiny separation folder: a run writes its checkpoints, logs and model
//! directory, resumes, and is scored; bad input is a clear error.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::{Path, PathBuf};

use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::Audio;
use ndarray::Array2;

/// `ROOT/<split>/<song>/{mixture,bass,drums}.wav`: a tonal bass and a noisy
/// drum stem per song, 1.5 s of stereo 44.1 kHz.
fn dataset(root: &Path, splits: &[(&str, usize)]) {
    let opts = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    let n = 66_150;
    let mut state = 7u64;
    for (split, songs) in splits {
        for s in 0..*songs {
            let dir = root.join(split).join(format!("song{s}"));
            std::fs::create_dir_all(&dir).unwrap();
            let f = 55.0 * (1.0 + 0.2 * s as f32);
            let bass = Array2::from_shape_fn((2, n), |(_, t)| {
                0.3 * (2.0 * std::f32::consts::PI * f * t as f32 / 44_100.0).sin()
            });
            let drums = Array2::from_shape_fn((2, n), |(_, t)| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let noise = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.4;
                if t % 11_025 < 2_000 {
                    noise
                } else {
                    0.0
                }
            });
            for (name, samples) in [
                ("bass", bass.clone()),
                ("drums", drums.clone()),
                ("mixture", &bass + &drums),
            ] {
                let audio = Audio {
                    samples,
                    sample_rate: 44_100,
                };
                audio_io::wav::write_wav(dir.join(format!("{name}.wav")), &audio, &opts).unwrap();
            }
        }
    }
}

fn log_rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn list_names_the_architectures() {
    let out = common::run_ok(&["train", "--list"]);
    assert!(
        out.contains("open-unmix") && out.contains("separation"),
        "{out}"
    );
}

#[test]
fn train_resume_and_evaluate_open_unmix() {
    let root: PathBuf = common::tmp("train-data");
    dataset(&root, &[("train", 2), ("valid", 1), ("test", 1)]);
    let run = common::tmp("train-run");
    let args = |epochs: &str| -> Vec<String> {
        [
            "train",
            "open-unmix",
            "--data",
            s(&root),
            "--out",
            s(&run),
            "--targets",
            "bass",
            "--hidden-size",
            "8",
            "--nb-layers",
            "1",
            "--seq-seconds",
            "0.2",
            "--batch-size",
            "2",
            "--steps-per-epoch",
            "2",
            "--valid-seconds",
            "1",
            "--seed",
            "3",
            "--epochs",
            epochs,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let two: Vec<String> = args("2");
    let out = common::run_ok(&two.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains("bass: 2 epochs"), "{out}");
    assert_eq!(log_rows(&run.join("bass/log.csv")), 2);
    for f in [
        "bass.safetensors",
        "bass.json",
        "separator.json",
        "bass/best/checkpoint.json",
        "bass/last/weights.safetensors",
    ] {
        assert!(run.join(f).is_file(), "{f}");
    }
    // --resume continues from last/ up to the new epoch count.
    let mut three = args("3");
    three.push("--resume".into());
    common::run_ok(&three.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(log_rows(&run.join("bass/log.csv")), 3);
    // The run directory is a model directory: scored on the test split.
    let json = common::tmp("scores.json");
    let out = common::run_ok(&[
        "evaluate",
        "open-unmix",
        "--model",
        s(&run),
        "--data",
        s(&root),
        "--split",
        "test",
        "--json",
        s(&json),
    ]);
    assert!(
        out.contains("| song0 |") && out.contains("bass: SDR improvement"),
        "{out}"
    );
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(scores["targets"][0], "bass");
    assert!(scores["songs"][0]["sdr"][0].as_f64().unwrap().is_finite());
}

#[test]
fn bad_input_is_a_clear_error() {
    let root = common::tmp("bad-data");
    dataset(&root, &[("train", 1)]);
    let run = common::tmp("bad-run");
    let out = common::run(&["train", "nope", "--data", s(&root), "--out", s(&run)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown architecture `nope`") && err.contains("open-unmix"),
        "{err}"
    );
    // No valid/ split: named in the error.
    let out = common::run(&["train", "open-unmix", "--data", s(&root), "--out", s(&run)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("valid"), "{err}");
    // A target the data lacks.
    dataset(&root, &[("valid", 1)]);
    let out = common::run(&[
        "train",
        "open-unmix",
        "--data",
        s(&root),
        "--out",
        s(&run),
        "--targets",
        "piano",
        "--epochs",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("piano"));
}
