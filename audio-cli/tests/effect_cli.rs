//! `audio effect` (randomised overdrive and a micro-TCN checkpoint, each
//! channel through its own processor, latency compensated) and
//! `audio train tcn-effect` / `audio evaluate tcn-effect` on a tiny
//! dry/wet dataset.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use audio_models::effects::{OverdriveConfig, TcnEffect, TcnEffectConfig};
use ndarray::Array2;

#[test]
fn random_overdrive_matches_the_library_and_keeps_length() {
    let input = common::repo("assets/audio/violin_melody.wav");
    let out = common::tmp("overdrive.wav");
    common::run_ok(&[
        "effect",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--random-overdrive",
        "--seed",
        "4",
        "--param",
        "x=0.5",
        "--block",
        "300",
    ]);
    let dry = audio_io::decode(&input).unwrap();
    let wet = audio_io::decode(&out).unwrap();
    assert_eq!(
        (wet.channels(), wet.frames(), wet.sample_rate),
        (dry.channels(), dry.frames(), dry.sample_rate)
    );
    // The CLI runs the model at the file's rate (the DC blocker's pole
    // depends on it); `apply` runs at the configuration's.
    let drawn = TcnEffect::random_overdrive(4, OverdriveConfig::default()).unwrap();
    let config = TcnEffectConfig {
        sample_rate: dry.sample_rate,
        ..drawn.config().clone()
    };
    let effect = TcnEffect::from_tensors(config, drawn.tensors().clone()).unwrap();
    let x = dry.samples.row(0).to_owned().insert_axis(ndarray::Axis(0));
    let expected = effect.apply(x.view(), &[("x".into(), 0.5)]).unwrap();
    let diff = wet
        .samples
        .row(0)
        .iter()
        .zip(expected.row(0))
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-6, "CLI and library differ by {diff}");
}

#[test]
fn micro_tcn_checkpoint_runs_and_unknown_controls_are_refused() {
    let input = common::repo("assets/audio/piano_short.wav");
    let model = common::repo("audio-models/tests/fixtures/tcn_effect/causal.pth");
    let ckpt = common::repo("audio-models/tests/fixtures/tcn_effect/utcn300.ckpt");
    let out = common::tmp("la2a.wav");
    common::run_ok(&[
        "effect",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        ckpt.to_str().unwrap(),
        "--param",
        "peak_reduction=0.3",
    ]);
    assert_eq!(
        audio_io::decode(&out).unwrap().frames(),
        audio_io::decode(&input).unwrap().frames()
    );
    let bad = common::run(&[
        "effect",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        ckpt.to_str().unwrap(),
        "--param",
        "drive=1",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("drive"));
    // A state dict without its architecture reads as uTCN-300-C: the
    // shapes do not fit, and the error names the key.
    let wrong = common::run(&[
        "effect",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("blocks.0.conv1.weight"));
}

/// `ROOT/<split>/<id>.{dry,wet}.wav` + `<id>.json`: tones through
/// `tanh(gain · x)`.
fn dataset(root: &std::path::Path) {
    for (split, count) in [("train", 4), ("valid", 2), ("test", 2)] {
        let dir = root.join(split);
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..count {
            let gain = 1.0 + k as f32;
            let dry = Array2::from_shape_fn((1, 22_050), |(_, t)| {
                0.4 * (2.0 * std::f32::consts::PI * (110.0 + 55.0 * k as f32) * t as f32 / 44_100.0)
                    .sin()
            });
            let wet = dry.mapv(|v| (gain * v).tanh());
            for (name, a) in [("dry", dry), ("wet", wet)] {
                let audio = audio_io::Audio {
                    samples: a,
                    sample_rate: 44_100,
                };
                audio_io::wav::write_wav(
                    dir.join(format!("{k}.{name}.wav")),
                    &audio,
                    &Default::default(),
                )
                .unwrap();
            }
            std::fs::write(
                dir.join(format!("{k}.json")),
                format!("{{\"gain\": {gain}}}"),
            )
            .unwrap();
        }
    }
}

#[test]
fn train_and_evaluate_tcn_effect() {
    let root = common::tmp("fx-data");
    dataset(&root);
    let config = common::tmp("fx-config.json");
    std::fs::write(
        &config,
        r#"{"nblocks": 2, "kernel_size": 3, "dilation_growth": 2, "channel_width": 4}"#,
    )
    .unwrap();
    let run = common::tmp("fx-run");
    let out = common::run_ok(&[
        "train",
        "tcn-effect",
        "--data",
        root.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "2",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "2",
    ]);
    assert!(out.contains("validation ESR"), "{out}");
    let json = common::tmp("fx-report.json");
    common::run_ok(&[
        "evaluate",
        "tcn-effect",
        "--model",
        run.to_str().unwrap(),
        "--data",
        root.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["examples"], 2);
    assert!(report["esr"].as_f64().unwrap().is_finite());
    assert!(report["identity_esr"].as_f64().unwrap() > 0.0);
    // The trained model runs in `audio effect` with its own control.
    let wet = common::tmp("fx-wet.wav");
    common::run_ok(&[
        "effect",
        root.join("test/0.dry.wav").to_str().unwrap(),
        "-o",
        wet.to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
        "--param",
        "gain=2",
    ]);
}
