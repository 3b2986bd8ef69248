//! `audio separate` end to end: the random-weight Open-Unmix model directory
//! and the FluidSynth render of audio-models' fixtures
//! (`tools/reference/umx_fixtures.py`); the written stems equal
//! `openunmix.model.Separator`'s output stored there.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::{Path, PathBuf};

use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::Audio;
use audio_test_fixtures::{assert_close, read_npy, read_npy_f32, to_dyn};
use ndarray::{Axis, Ix2};

/// As audio-models' `SEPARATION_TOL`: float32 package vs our f64 Wiener filter,
/// through 32-bit float WAV files (lossless).
const SEPARATION_TOL: f64 = 1e-4;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio-models/tests/fixtures/open_unmix")
}

fn write_mixture(dir: &Path) -> PathBuf {
    let m = read_npy::<i16>(fixtures().join("mixture.npy"))
        .into_dimensionality::<Ix2>()
        .unwrap()
        .mapv(|v| f32::from(v) / 32768.0);
    let path = dir.join("mix.wav");
    write_float_wav(&path, &m, 44_100);
    path
}

/// `samples` as a lossless 32-bit float WAV.
fn write_float_wav(path: &Path, samples: &ndarray::Array2<f32>, sample_rate: u32) {
    let audio = Audio {
        samples: samples.clone(),
        sample_rate,
    };
    let options = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    audio_io::wav::write_wav(path, &audio, &options).unwrap();
}

fn separate(extra: &[&str], tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("audio-separate-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mix = write_mixture(&dir);
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&mix)
        .arg("--model")
        .arg(fixtures().join("sep"))
        .args(extra)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    (dir, out)
}

fn read(path: &Path) -> ndarray::Array2<f32> {
    audio_io::wav::read_wav(path).unwrap().samples
}

#[test]
fn separate_writes_the_package_stems() {
    let (dir, out) = separate(&["--niter", "1"], "exact");
    let want = read_npy_f32(fixtures().join("sep_niter1.npy"));
    for (j, target) in ["bass", "drums"].iter().enumerate() {
        let got = read(&out.join(format!("{target}.wav")));
        let expected = want.index_axis(Axis(0), j).to_owned();
        assert_close(target, &to_dyn(&got).into_dyn(), &expected, SEPARATION_TOL);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn separate_chunked_with_residual_and_subset() {
    let (dir, out) = separate(
        &[
            "--targets",
            "drums",
            "--residual",
            "--niter",
            "0",
            "--chunk-seconds",
            "0.5",
            "--overlap-seconds",
            "0.1",
        ],
        "chunked",
    );
    let n = read_npy::<i16>(fixtures().join("mixture.npy")).shape()[1];
    for target in ["drums", "residual"] {
        let got = read(&out.join(format!("{target}.wav")));
        assert_eq!(got.dim(), (2, n), "{target}");
        assert!(got.iter().all(|v| v.is_finite()));
    }
    assert!(!out.join("bass.wav").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn separate_reports_a_missing_target() {
    let dir = std::env::temp_dir().join(format!("audio-separate-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mix = write_mixture(&dir);
    let output = common::audio_command()
        .arg("separate")
        .arg(&mix)
        .arg("--model")
        .arg(fixtures().join("sep"))
        .args(["--targets", "vocals", "-o"])
        .arg(dir.join("stems"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("vocals"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Demucs through the CLI: the random-weight release-format checkpoint of
/// `tools/reference/demucs_fixtures.py` (8 kHz) on its own 1.7 s mixture,
/// no shifts, segments with overlap 0.25. The CLI standardises the mixture
/// first, as `demucs.separate` does, so the stems are compared with the
/// library's `Separator::separate` (whose `apply_model` step
/// `audio-models/tests/demucs.rs` ties to the package), through lossless
/// 32-bit float WAVs.
#[test]
fn demucs_th_separates_into_its_sources() {
    use audio_models::demucs::{ApplyConfig, Demucs};
    use audio_models::Separator;
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio-models/tests/fixtures/demucs");
    let dir = std::env::temp_dir().join(format!("audio-separate-demucs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mix = read_npy_f32(fixtures.join("mix.npy"))
        .into_dimensionality::<Ix2>()
        .unwrap();
    let path = dir.join("mix.wav");
    write_float_wav(&path, &mix, 8000);
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(fixtures.join("demucs_small.th"))
        .args(["--shifts", "0", "--targets", "vocals,drums"])
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let model = Demucs::load(
        fixtures.join("demucs_small.th"),
        ApplyConfig {
            shifts: 0,
            ..ApplyConfig::default()
        },
        &candle_core::Device::Cpu,
    )
    .unwrap();
    let expected = model.separate(mix.view()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["drums.wav", "vocals.wav"]);
    for (name, index) in [("vocals", 3), ("drums", 0)] {
        let got = audio_io::wav::read_wav(out.join(format!("{name}.wav"))).unwrap();
        assert_eq!(got.sample_rate, 8000);
        assert_close(name, &to_dyn(&got.samples), &to_dyn(&expected[index]), 1e-6);
    }
    let bad = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(fixtures.join("demucs_small.th"))
        .args(["--targets", "piano"])
        .arg("-o")
        .arg(dir.join("none"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("piano"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A bag of models through the CLI: `bag.yaml` of
/// `tools/reference/hdemucs_fixtures.py` (an HTDemucs and an HDemucs at
/// 4 kHz, per-source weights), streamed to the stem files segment by
/// segment; the stems equal the library's whole-track `separate` (tied to
/// the package by `audio-models/tests/hdemucs.rs`). A segment longer than
/// the HTDemucs was trained on is refused, as `demucs.separate` does.
#[test]
fn demucs_bag_yaml_separates_into_its_sources() {
    use audio_models::demucs::{ApplyConfig, Demucs};
    use audio_models::Separator;
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio-models/tests/fixtures/hdemucs");
    let dir = std::env::temp_dir().join(format!("audio-separate-bag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mix = read_npy_f32(fixtures.join("mix.npy"))
        .into_dimensionality::<Ix2>()
        .unwrap();
    let path = dir.join("mix.wav");
    write_float_wav(&path, &mix, 4000);
    let bag = fixtures.join("bag").join("bag.yaml");
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(&bag)
        .args(["--shifts", "0"])
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let model = Demucs::load(
        &bag,
        ApplyConfig {
            shifts: 0,
            ..ApplyConfig::default()
        },
        &candle_core::Device::Cpu,
    )
    .unwrap();
    let expected = model.separate(mix.view()).unwrap();
    for (index, name) in ["drums", "bass", "other", "vocals"].iter().enumerate() {
        let got = audio_io::wav::read_wav(out.join(format!("{name}.wav"))).unwrap();
        assert_eq!(got.sample_rate, 4000);
        assert_close(name, &to_dyn(&got.samples), &to_dyn(&expected[index]), 1e-6);
    }
    let too_long = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(fixtures.join("ht_a.th"))
        .args(["--segment", "5"])
        .arg("-o")
        .arg(dir.join("none"))
        .output()
        .unwrap();
    assert!(!too_long.status.success());
    let err = String::from_utf8_lossy(&too_long.stderr);
    assert!(err.contains("segment"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `audio separate` with no `--model` runs the embedded small Open-Unmix:
/// on a fresh clone, nothing to download. Its stems are what the library's
/// embedded separator gives, and several inputs go to one folder each.
#[test]
fn separate_without_a_model_uses_the_embedded_one_for_several_inputs() {
    use audio_models::open_unmix::{OpenUnmixSeparator, SeparatorConfig};
    use audio_models::Separator;
    let dir = std::env::temp_dir().join(format!("audio-separate-embedded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mix = write_mixture(&dir);
    let second = dir.join("second.wav");
    std::fs::copy(&mix, &second).unwrap();
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&mix)
        .arg(&second)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let sep =
        OpenUnmixSeparator::embedded(None, SeparatorConfig::default(), &candle_core::Device::Cpu)
            .unwrap();
    assert_eq!(sep.targets(), ["vocals", "drums", "bass", "other"]);
    let input = read(&mix);
    let expected = sep.separate(input.view()).unwrap();
    for song in ["mix", "second"] {
        for (target, e) in sep.targets().iter().zip(&expected) {
            let got = read(&out.join(song).join(format!("{target}.wav")));
            assert_eq!(got.dim(), input.dim());
            assert_close(target, &to_dyn(&got), &to_dyn(e), 1e-6);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A Wave-U-Net-Pytorch checkpoint with its `train.py` arguments
/// separates through the CLI as through the library (whose parity with the
/// reference `tests/wave_u_net.rs` checks).
#[test]
fn separate_runs_a_wave_u_net_checkpoint() {
    use audio_models::wave_u_net::WaveUNetSeparator;
    use audio_models::Separator;
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio-models/tests/fixtures/wave_u_net");
    let dir = std::env::temp_dir().join(format!("audio-separate-wun-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = read_npy_f32(fixtures.join("normal_fixed_joint_song.npy"))
        .into_dimensionality::<Ix2>()
        .unwrap();
    let path = dir.join("song.wav");
    write_float_wav(&path, &song, 8000);
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(fixtures.join("normal_fixed_joint.pth"))
        .arg("--config")
        .arg(fixtures.join("normal_fixed_joint.json"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let sep = WaveUNetSeparator::load(
        fixtures.join("normal_fixed_joint.pth"),
        None,
        &candle_core::Device::Cpu,
    )
    .unwrap();
    let expected = sep.separate(song.view()).unwrap();
    for (target, e) in sep.targets().iter().zip(&expected) {
        let got = read(&out.join(format!("{target}.wav")));
        assert_close(target, &to_dyn(&got), &to_dyn(e), 1e-6);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A T-F mask checkpoint (`audio train tf-mask`'s layout, from a short
/// library run) separates a file through the CLI, streamed block by block
/// through `Separator::separate_source`, exactly as the library separates
/// the samples in memory.
#[test]
fn separate_streams_a_tf_mask_checkpoint() {
    use audio_models::open_unmix::{Song, StemDataset};
    use audio_models::tf_mask::{self, TfMaskConfig, TfMaskSeparator};
    use audio_models::Separator;
    let dir = std::env::temp_dir().join(format!("audio-separate-tfm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rate = 8000;
    let song = |n: usize, f: f32| {
        let tone = move |t: usize, c: usize, f: f32| {
            (2.0 * std::f32::consts::PI * f * t as f32 / rate as f32 + c as f32).sin()
        };
        let bass = ndarray::Array2::from_shape_fn((2, n), |(c, t)| 0.3 * tone(t, c, f));
        let vocals = ndarray::Array2::from_shape_fn((2, n), |(c, t)| 0.2 * tone(t, c, 12.0 * f));
        Song {
            name: format!("song{f}"),
            stems: [("bass".to_string(), bass), ("vocals".to_string(), vocals)].into(),
            mixture: None,
        }
    };
    let data = |f: f32| StemDataset {
        songs: vec![song(8000, f)],
        sources: vec!["bass".into(), "vocals".into()],
        sample_rate: rate,
    };
    let config = tf_mask::TrainConfig {
        seq_seconds: 0.25,
        batch_size: 2,
        steps_per_epoch: 2,
        epochs: 1,
        valid_seconds: Some(0.5),
        ..tf_mask::TrainConfig::new(TfMaskConfig {
            targets: vec!["vocals".into()],
            sample_rate: rate,
            n_fft: 256,
            hop_length: 64,
            hidden_size: 8,
            num_layers: 1,
            ..TfMaskConfig::default()
        })
    };
    let run = dir.join("run");
    tf_mask::train(&data(100.0), &data(90.0), &config, &run).unwrap();
    // Six seconds: 750 frames, more than one stretch of the LSTM.
    let mix = song(6 * rate as usize, 110.0).mixture();
    let path = dir.join("mix.wav");
    write_float_wav(&path, &mix, rate);
    let out = dir.join("stems");
    let status = common::audio_command()
        .arg("separate")
        .arg(&path)
        .arg("--model")
        .arg(&run)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let sep = TfMaskSeparator::load(run.join("best"), &candle_core::Device::Cpu).unwrap();
    let expected = sep.separate(mix.view()).unwrap();
    for (target, e) in sep.targets().iter().zip(&expected) {
        assert_eq!(&read(&out.join(format!("{target}.wav"))), e, "{target}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
