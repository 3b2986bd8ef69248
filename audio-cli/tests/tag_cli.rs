//! `audio train` / `audio evaluate` / `audio tag` for the classification
//! architectures, end to end on a tiny two-class folder (tones and noise
//! bursts), and `audio tag` on the reference's own `.pth`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::Path;

use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::Audio;
use ndarray::Array2;

const RATE: u32 = 22_050;

fn clip(label: &str, k: usize) -> Array2<f32> {
    let n = 3 * RATE as usize;
    let mut state = 11 + k as u64;
    Array2::from_shape_fn((1, n), |(_, t)| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let noise = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5;
        let f = 220.0 * (1.0 + k as f32 * 0.25);
        match label {
            "tone" => 0.3 * (2.0 * std::f32::consts::PI * f * t as f32 / RATE as f32).sin(),
            _ => noise,
        }
    })
}

/// `ROOT/<split>/{noise,tone}/<k>.wav`.
fn dataset(root: &Path) {
    let opts = WavWriteOptions {
        format: WavWriteFormat::Pcm16,
        dither: Dither::None,
    };
    for (split, per_label) in [("train", 3), ("valid", 1), ("test", 2)] {
        for label in ["noise", "tone"] {
            let dir = root.join(split).join(label);
            std::fs::create_dir_all(&dir).unwrap();
            for k in 0..per_label {
                let audio = Audio {
                    samples: clip(label, k),
                    sample_rate: RATE,
                };
                audio_io::wav::write_wav(dir.join(format!("{k}.wav")), &audio, &opts).unwrap();
            }
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn list_names_the_classification_architectures() {
    let out = common::run_ok(&["train", "--list"]);
    for name in [
        "samplecnn",
        "samplecnn-se",
        "sincnet-samplecnn",
        "short-chunk-cnn",
        "short-chunk-cnn-res",
        "vgg-mel",
        "mfcc-logreg",
    ] {
        assert!(out.contains(name), "{name}: {out}");
    }
}

#[test]
fn train_evaluate_and_tag_samplecnn() {
    let root = common::tmp("tag-data");
    dataset(&root);
    let run = common::tmp("tag-run");
    let out = common::run_ok(&[
        "train",
        "samplecnn",
        "--data",
        s(&root),
        "--out",
        s(&run),
        "--widths",
        "2,2,2,2,2,2,2,2,2,4,4",
        "--epochs",
        "2",
        "--batch-size",
        "2",
    ]);
    assert!(out.contains("2 epochs"), "{out}");
    assert!(run.join("best").join("weights.safetensors").is_file());

    let json = run.join("test.json");
    let out = common::run_ok(&[
        "evaluate",
        "samplecnn",
        "--model",
        s(&run),
        "--data",
        s(&root),
        "--json",
        s(&json),
    ]);
    assert!(
        out.contains("accuracy") && out.contains("| tone |"),
        "{out}"
    );
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let acc = scores["classification"]["Accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert_eq!(scores["labels"], serde_json::json!(["noise", "tone"]));

    // A WAV and a .npy waveform at the model's rate.
    let wav = run.join("in.wav");
    let audio = Audio {
        samples: clip("tone", 1),
        sample_rate: RATE,
    };
    audio_io::wav::write_wav(&wav, &audio, &WavWriteOptions::default()).unwrap();
    let report = run.join("tags.json");
    let out = common::run_ok(&["tag", s(&wav), "--model", s(&run), "--json", s(&report)]);
    assert!(out.contains("2 segments"), "{out}");
    let tags: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let track: Vec<f64> = tags["track"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(track.len(), 2);
    assert!(
        (track.iter().sum::<f64>() - 1.0).abs() < 1e-5,
        "softmax: {track:?}"
    );
    assert_eq!(tags["segments"].as_array().unwrap().len(), 2);

    let npy = run.join("in.npy");
    audio_io::npy::write_npy(&npy, &clip("noise", 0).row(0).to_owned()).unwrap();
    let out = common::run_ok(&[
        "tag",
        s(&npy),
        "--model",
        s(&run),
        "--segments",
        "spread:4",
        "--aggregate",
        "max",
    ]);
    assert!(out.contains("4 segments"), "{out}");

    // Wrong architecture for the checkpoint, and a bad segment plan.
    let bad = common::run(&["tag", s(&wav), "--model", s(&run), "--arch", "vgg-mel"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("arch"));
    let bad = common::run(&["tag", s(&wav), "--model", s(&run), "--segments", "spread:0"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("spread:N"));
}

#[test]
fn mfcc_baseline_trains_and_separates_tones_from_noise() {
    let root = common::tmp("tag-mfcc-data");
    dataset(&root);
    let run = common::tmp("tag-mfcc-run");
    common::run_ok(&["train", "mfcc-logreg", "--data", s(&root), "--out", s(&run)]);
    let out = common::run_ok(&[
        "evaluate",
        "mfcc-logreg",
        "--model",
        s(&run),
        "--data",
        s(&root),
    ]);
    assert!(out.contains("accuracy 1.0000"), "{out}");
}

#[test]
fn tag_with_the_reference_pth_needs_the_architecture() {
    let pth = common::repo("audio-models/tests/fixtures/tagging/short_chunk_small.pth");
    let dir = common::tmp("tag-reference");
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("in.wav");
    let audio = Audio {
        samples: clip("tone", 0),
        sample_rate: RATE,
    };
    audio_io::wav::write_wav(&wav, &audio, &WavWriteOptions::default()).unwrap();
    let bad = common::run(&["tag", s(&wav), "--model", s(&pth)]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--arch with a reference weight file"));
    let out = common::run_ok(&[
        "tag",
        s(&wav),
        "--model",
        s(&pth),
        "--arch",
        "short-chunk-cnn",
        "--top",
        "3",
    ]);
    // 3 s at 16 kHz after resampling: one segment of 3.69 s, zero-padded.
    assert!(
        out.contains("1 segments") && out.lines().count() == 4,
        "{out}"
    );
    let labels = dir.join("labels.txt");
    std::fs::write(&labels, "a\nb\n").unwrap();
    let bad = common::run(&[
        "tag",
        s(&wav),
        "--model",
        s(&pth),
        "--arch",
        "short-chunk-cnn",
        "--labels",
        s(&labels),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("one label per output"));
}
