//! `audio train`/`audio evaluate` for `vae`, `dcae`, `ddsp` and `melgan`
//! on tiny datasets, `audio denoise`, `audio resynth` (with timbre-transfer
//! shifts) and `audio vocode` end to end.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::Path;

/// A mel read block by block against the whole signal's (log10 of mel
/// magnitudes): the filters' product runs on fewer frames at a time, so
/// float32 rounding only (`audio-models/tests/melgan.rs` has the same
/// bound for the library).
const STREAMED_MEL_TOL: f32 = 1e-5;

/// One step of the 16-bit WAV the vocoder writes: the streamed and the
/// whole audio may round to neighbouring codes.
const PCM16_STEP: f32 = 1.0 / 32_768.0;

fn write(path: &Path, y: Vec<f32>, rate: u32) {
    let audio = audio_io::Audio {
        samples: ndarray::Array2::from_shape_vec((1, y.len()), y).unwrap(),
        sample_rate: rate,
    };
    audio_io::wav::write_wav(path, &audio, &audio_io::wav::WavWriteOptions::default()).unwrap();
}

fn tone(f: f32, n: usize, rate: f32) -> Vec<f32> {
    (0..n)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * f * i as f32 / rate).sin())
        .collect()
}

#[test]
fn denoisers_train_evaluate_and_denoise() {
    let data = common::tmp("denoise-data");
    for split in ["train", "valid", "test"] {
        for sub in ["clean", "noisy"] {
            std::fs::create_dir_all(data.join(split).join(sub)).unwrap();
        }
        for (k, f) in [300.0f32, 450.0].iter().enumerate() {
            let clean = tone(*f, 4400, 8000.0);
            let noisy: Vec<f32> = clean
                .iter()
                .enumerate()
                .map(|(i, v)| v + 0.05 * (((i * 7919) % 101) as f32 / 50.0 - 1.0))
                .collect();
            write(
                &data.join(split).join("clean").join(format!("t{k}.wav")),
                clean,
                8000,
            );
            write(
                &data.join(split).join("noisy").join(format!("t{k}.wav")),
                noisy,
                8000,
            );
        }
    }
    let config = common::tmp("denoise.json");
    std::fs::write(&config, r#"{"filters": [2, 2], "latent_dim": 4}"#).unwrap();
    for arch in ["vae", "dcae"] {
        let run = common::tmp(&format!("denoise-run-{arch}"));
        let d = data.to_str().unwrap();
        let stdout = common::run_ok(&[
            "train",
            arch,
            "--data",
            d,
            "--out",
            run.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--epochs",
            "1",
            "--batch-size",
            "2",
        ]);
        assert!(stdout.contains("best validation image MSE"), "{stdout}");
        let pictures = common::tmp(&format!("denoise-pictures-{arch}"));
        let stdout = common::run_ok(&[
            "evaluate",
            arch,
            "--model",
            run.to_str().unwrap(),
            "--data",
            d,
            "--pictures",
            pictures.to_str().unwrap(),
        ]);
        assert!(stdout.contains("si_sdr_denoised"), "{stdout}");
        assert!(pictures.join("t0-denoised.png").exists());
        let out = common::tmp(&format!("denoised-{arch}.wav"));
        let input = data.join("test").join("noisy").join("t0.wav");
        common::run_ok(&[
            "denoise",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--model",
            run.to_str().unwrap(),
        ]);
        let y = audio_io::wav::read_wav(&out).unwrap();
        assert_eq!(y.sample_rate, 22_050);
        // 4400 samples at 8 kHz are 12128 at 22.05 kHz (ceil, as librosa).
        assert_eq!(y.samples.ncols(), 12_128);
    }
}

#[test]
fn ddsp_trains_evaluates_and_resynthesises() {
    let data = common::tmp("ddsp-data");
    for (split, f) in [("train", 220.0f32), ("valid", 330.0), ("test", 262.0)] {
        std::fs::create_dir_all(data.join(split)).unwrap();
        write(
            &data.join(split).join("song.wav"),
            tone(f, 16_000, 16_000.0),
            16_000,
        );
        let note = audio_io::Note::new(0.0, 1.0, 60, 90);
        audio_io::midi::MidiFile::from_notes(
            vec![note],
            audio_io::midi::TempoMap::constant(480, 120.0),
        )
        .write(
            data.join(split).join("song.mid"),
            audio_io::midi::MidiType::Type1,
        )
        .unwrap();
    }
    let config = common::tmp("ddsp.json");
    std::fs::write(
        &config,
        r#"{"mlp_width": 8, "mlp_layers": 1, "gru_size": 8, "harmonics": 4, "noise_bands": 5}"#,
    )
    .unwrap();
    let run = common::tmp("ddsp-run");
    let d = data.to_str().unwrap();
    let stdout = common::run_ok(&[
        "train",
        "ddsp",
        "--data",
        d,
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "2",
        "--excerpt-seconds",
        "0.5",
    ]);
    assert!(
        stdout.contains("best validation multi-resolution STFT loss"),
        "{stdout}"
    );
    let stdout = common::run_ok(&[
        "evaluate",
        "ddsp",
        "--model",
        run.to_str().unwrap(),
        "--data",
        d,
    ]);
    assert!(stdout.contains("griffin_lim_mel"), "{stdout}");
    let input = common::tmp("violin-like.wav");
    write(&input, tone(440.0, 22_050, 22_050.0), 22_050);
    let out = common::tmp("resynth.wav");
    common::run_ok(&[
        "resynth",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
        "--pitch-shift",
        "-12",
        "--loudness-shift",
        "3",
    ]);
    let y = audio_io::wav::read_wav(&out).unwrap();
    assert_eq!(y.sample_rate, 16_000);
    assert_eq!(y.samples.ncols(), 16_000 / 128 * 128);
    // The file was read block by block and synthesised a stretch at a
    // time: the same 16-bit samples as the library's whole-signal
    // resynthesis of the loaded samples, written whole.
    let model = audio_models::ddsp::Ddsp::load(&run).unwrap();
    let loaded = audio_io::load::<f32>(
        &input,
        &audio_io::LoadOptions {
            sr: Some(16_000),
            ..audio_io::LoadOptions::default()
        },
    )
    .unwrap();
    let features = model
        .features(&loaded.samples.row(0).to_vec())
        .unwrap()
        .shifted(-12.0, 3.0);
    let whole = model.synthesize(&features).unwrap();
    let expected = common::tmp("resynth-whole.wav");
    audio_io::wav::write_wav(
        &expected,
        &audio_io::Audio {
            samples: ndarray::Array2::from_shape_vec((1, whole.len()), whole).unwrap(),
            sample_rate: 16_000,
        },
        &audio_io::wav::WavWriteOptions::default(),
    )
    .unwrap();
    assert_eq!(
        audio_io::wav::read_wav(&expected).unwrap().samples,
        y.samples
    );
}

#[test]
fn melgan_trains_evaluates_and_vocodes() {
    let data = common::tmp("melgan-data");
    for (split, f) in [("train", 220.0f32), ("valid", 330.0), ("test", 262.0)] {
        std::fs::create_dir_all(data.join(split)).unwrap();
        write(
            &data.join(split).join("song.wav"),
            tone(f, 16_000, 16_000.0),
            16_000,
        );
        audio_io::midi::MidiFile::from_notes(
            vec![audio_io::Note::new(0.0, 1.0, 60, 90)],
            audio_io::midi::TempoMap::constant(480, 120.0),
        )
        .write(
            data.join(split).join("song.mid"),
            audio_io::midi::MidiType::Type1,
        )
        .unwrap();
    }
    let config = common::tmp("melgan.json");
    std::fs::write(
        &config,
        r#"{"sample_rate": 16000, "ngf": 4, "residual_layers": 1, "discriminators": 2, "ndf": 4, "discriminator_layers": 1}"#,
    )
    .unwrap();
    let run = common::tmp("melgan-run");
    let d = data.to_str().unwrap();
    let stdout = common::run_ok(&[
        "train",
        "melgan",
        "--data",
        d,
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "2",
        "--excerpt-seconds",
        "0.128",
        "--lr",
        "0.0025",
    ]);
    assert!(
        stdout.contains("best validation multi-resolution STFT loss"),
        "{stdout}"
    );
    // The learning rate given is the one used (the log's fourth column).
    let log = std::fs::read_to_string(run.join("log.csv")).unwrap();
    let row = log.lines().nth(1).unwrap();
    assert_eq!(row.split(',').nth(3), Some("0.0025"), "{log}");
    let stdout = common::run_ok(&[
        "evaluate",
        "melgan",
        "--model",
        run.to_str().unwrap(),
        "--data",
        d,
    ]);
    assert!(stdout.contains("griffin_lim"), "{stdout}");
    // Copy synthesis of a file at another rate, saving the mel it read.
    let input = common::tmp("vocode-in.wav");
    write(&input, tone(440.0, 22_050, 22_050.0), 22_050);
    let (out, mel) = (common::tmp("vocoded.wav"), common::tmp("vocode-mel.npy"));
    common::run_ok(&[
        "vocode",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
        "--save-mel",
        mel.to_str().unwrap(),
    ]);
    let y = audio_io::wav::read_wav(&out).unwrap();
    assert_eq!(y.sample_rate, 16_000);
    assert_eq!(y.samples.ncols(), 16_000 / 256 * 256);
    // The file was read block by block: its mel is the whole signal's
    // within float rounding, and its audio the library's copy synthesis
    // of the loaded samples within one 16-bit step.
    let model = audio_models::vocoder::MelGan::load(&run).unwrap();
    let loaded = audio_io::load::<f32>(
        &input,
        &audio_io::LoadOptions {
            sr: Some(16_000),
            ..audio_io::LoadOptions::default()
        },
    )
    .unwrap()
    .samples
    .row(0)
    .to_vec();
    let whole_mel = model.mel(&loaded).unwrap();
    let saved = audio_io::npy::read_npy(&mel)
        .unwrap()
        .into_floats()
        .unwrap();
    let audio_io::npy::Precision::F32(saved) = saved else {
        panic!("the saved mel is float32");
    };
    assert_eq!(saved.shape(), whole_mel.shape());
    let worst = saved
        .iter()
        .zip(whole_mel.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst <= STREAMED_MEL_TOL, "streamed mel off by {worst}");
    let whole = model.copy_synthesis(&loaded).unwrap();
    let worst = y
        .samples
        .row(0)
        .iter()
        .zip(&whole)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(
        worst <= PCM16_STEP + STREAMED_MEL_TOL,
        "streamed audio off by {worst}"
    );
    // The saved mel back through the vocoder gives the same audio; through
    // Griffin-Lim, audio as long.
    let again = common::tmp("vocoded-again.wav");
    common::run_ok(&[
        "vocode",
        mel.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
    ]);
    assert_eq!(audio_io::wav::read_wav(&again).unwrap().samples, y.samples);
    let gl = common::tmp("vocoded-gl.wav");
    common::run_ok(&[
        "vocode",
        mel.to_str().unwrap(),
        "-o",
        gl.to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
        "--griffin-lim",
    ]);
    assert_eq!(
        audio_io::wav::read_wav(&gl).unwrap().samples.ncols(),
        16_000 / 256 * 256
    );
    // A mel of another band count is an error naming the file.
    let narrow = common::tmp("vocode-40-bands.npy");
    audio_io::npy::write_npy(&narrow, &ndarray::Array2::<f32>::zeros((40, 20))).unwrap();
    let out = common::run(&[
        "vocode",
        narrow.to_str().unwrap(),
        "-o",
        common::tmp("never.wav").to_str().unwrap(),
        "--model",
        run.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("vocode-40-bands.npy"), "{stderr}");
}
