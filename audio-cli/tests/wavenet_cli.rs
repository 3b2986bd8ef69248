//! `audio train wavenet` on a tiny labelled dataset and `audio generate
//! wavenet` by label.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

#[test]
fn wavenet_trains_and_generates_by_label() {
    let data = common::tmp("wavenet-data");
    for split in ["train", "valid"] {
        for (label, f) in [("low", 220.0f32), ("high", 880.0)] {
            let dir = data.join(split).join(label);
            std::fs::create_dir_all(&dir).unwrap();
            let y: Vec<f32> = (0..3000)
                .map(|n| 0.5 * (2.0 * std::f32::consts::PI * f * n as f32 / 8000.0).sin())
                .collect();
            let audio = audio_io::Audio {
                samples: ndarray::Array2::from_shape_vec((1, 3000), y).unwrap(),
                sample_rate: 8000,
            };
            audio_io::wav::write_wav(
                dir.join("a.wav"),
                &audio,
                &audio_io::wav::WavWriteOptions::default(),
            )
            .unwrap();
        }
    }
    let config = common::tmp("wavenet.json");
    std::fs::write(
        &config,
        r#"{"residual_channels": 4, "skip_channels": 8, "layers_per_stack": 4, "stacks": 1, "global_dim": 2}"#,
    )
    .unwrap();
    let run = common::tmp("wavenet-run");
    let stdout = common::run_ok(&[
        "train",
        "wavenet",
        "--data",
        data.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
    ]);
    assert!(
        stdout.contains("best validation negative log-likelihood"),
        "{stdout}"
    );
    let out = common::tmp("wavenet.wav");
    common::run_ok(&[
        "generate",
        "wavenet",
        "--model",
        run.to_str().unwrap(),
        "--class",
        "high",
        "--seconds",
        "0.05",
        "-o",
        out.to_str().unwrap(),
    ]);
    let audio = audio_io::decode(&out).unwrap();
    assert_eq!(
        (audio.channels(), audio.frames(), audio.sample_rate),
        (1, 400, 8000)
    );
    // A missing model, and a conditioned model without a known --class.
    let missing = common::tmp("no-such-run");
    let o = common::run(&[
        "generate",
        "wavenet",
        "--model",
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    for extra in [&["--class", "middle"][..], &[][..]] {
        let bad = common::tmp("bad-wavenet.wav");
        let mut args = vec![
            "generate",
            "wavenet",
            "--model",
            run.to_str().unwrap(),
            "-o",
            bad.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = common::run(&args);
        assert!(!o.status.success());
        assert!(!bad.exists());
    }
}

/// A WaveNet vocoder from the command line: a mixture of logistics
/// conditioned on the audio's own log-mel (learned upsampling), trained a
/// step, then run on an audio file's mel; a mel with the wrong bands, a
/// missing `--condition` and one given to an unconditioned model fail
/// without writing.
#[test]
fn wavenet_vocoder_trains_and_generates_from_a_recording() {
    let data = common::tmp("wavenet-vocoder-data");
    let tone = common::tmp("wavenet-vocoder-tone.wav");
    for split in ["train", "valid"] {
        let dir = data.join(split).join("tones");
        std::fs::create_dir_all(&dir).unwrap();
        let y: Vec<f32> = (0..3000)
            .map(|n| 0.5 * (2.0 * std::f32::consts::PI * 330.0 * n as f32 / 8000.0).sin())
            .collect();
        let audio = audio_io::Audio {
            samples: ndarray::Array2::from_shape_vec((1, 3000), y).unwrap(),
            sample_rate: 8000,
        };
        let options = audio_io::wav::WavWriteOptions::default();
        audio_io::wav::write_wav(dir.join("a.wav"), &audio, &options).unwrap();
        audio_io::wav::write_wav(&tone, &audio, &options).unwrap();
    }
    let config = common::tmp("wavenet-vocoder.json");
    std::fs::write(
        &config,
        r#"{"residual_channels": 4, "skip_channels": 8, "layers_per_stack": 4, "stacks": 1,
            "quantization_channels": 65536, "mixtures": 2,
            "local_channels": 8, "local_hop": 16, "upsample_scales": [4, 4]}"#,
    )
    .unwrap();
    let run = common::tmp("wavenet-vocoder-run");
    let stdout = common::run_ok(&[
        "train",
        "wavenet",
        "--data",
        data.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
    ]);
    assert!(
        stdout.contains("best validation negative log-likelihood"),
        "{stdout}"
    );
    let out = common::tmp("wavenet-vocoder.wav");
    common::run_ok(&[
        "generate",
        "wavenet",
        "--model",
        run.to_str().unwrap(),
        "--condition",
        tone.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let audio = audio_io::decode(&out).unwrap();
    // ⌊3000 / 16⌋ frames of 16 samples.
    assert_eq!(
        (audio.channels(), audio.frames(), audio.sample_rate),
        (1, 187 * 16, 8000)
    );
    let wrong = common::tmp("wavenet-vocoder-wrong.npy");
    audio_io::npy::write_npy(&wrong, &ndarray::Array2::<f32>::zeros((5, 10))).unwrap();
    for extra in [&["--condition", wrong.to_str().unwrap()][..], &[][..]] {
        let bad = common::tmp("bad-wavenet-vocoder.wav");
        let mut args = vec![
            "generate",
            "wavenet",
            "--model",
            run.to_str().unwrap(),
            "-o",
            bad.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = common::run(&args);
        assert!(!o.status.success());
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("condition") || stderr.contains("wrong.npy"),
            "{stderr}"
        );
        assert!(!bad.exists());
    }
}
