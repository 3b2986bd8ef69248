//! MelGAN: the log-mel front end against `Audio2Mel`, the generator (from a
//! weight-normalised state dict) and the discriminators against PyTorch
//! with random weights, the hinge and feature-matching losses, chunked
//! vocoding against one pass, training, loading, determinism and errors.
//! Fixtures: `tools/reference/melgan_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::HashMap;

use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_models::datasets::TranscriptionDataset;
use audio_models::vocoder::{
    discriminator_hinge_loss, feature_matching_loss, generator_hinge_loss, train, LogMel, MelGan,
    MelGanConfig, MultiScaleDiscriminator, TrainConfig, CHUNK_FRAMES,
};
use audio_models::{Error, Split};
use audio_test_fixtures::{fixtures_dir, read_npy_f32, read_npy_f64, scratch_dir};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, ArrayD};

/// Log10 mel magnitudes against `Audio2Mel` (torch float32 STFT and
/// matmul): float32 rounding of a 1024-point transform (measured 4.5e-6).
const MEL_TOL: f32 = 1e-4;

/// The generator's waveform against PyTorch's, absolute (tanh output in
/// [−1, 1]): float32 sums over up to 64 channels × 16 taps in another
/// order (measured 2.1e-6).
const GENERATOR_TOL: f32 = 2e-5;

/// Each discriminator layer's output against PyTorch's, relative to the
/// layer's peak: float32 sums in another order (measured 1.3e-6).
const DISCRIMINATOR_TOL: f32 = 1e-5;

/// The losses against PyTorch's, relative: float32 means (measured 7.9e-8).
const LOSS_TOL: f64 = 1e-5;

/// Chunked vocoding against one pass over the whole mel: the same
/// computation on the same samples (context covers the receptive field),
/// float32 rounding only.
const CHUNK_TOL: f32 = 1e-5;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("melgan")
}

fn npy(name: &str) -> ArrayD<f32> {
    read_npy_f32(dir().join(name))
}

fn fixture_config() -> MelGanConfig {
    MelGanConfig {
        ngf: 4,
        residual_layers: 2,
        discriminators: 3,
        ndf: 8,
        discriminator_layers: 2,
        downsampling_factor: 4,
        ..MelGanConfig::default()
    }
}

fn weights(name: &str) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(dir().join(name), &Device::Cpu).unwrap()
}

fn signal() -> Vec<f32> {
    audio_io::wav::read_wav(dir().join("signal.wav"))
        .unwrap()
        .samples
        .row(0)
        .to_vec()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn log_mel_matches_audio2mel() {
    let front = LogMel::new(&fixture_config()).unwrap();
    let ours = front.compute(&signal()).unwrap();
    let want = npy("mel.npy");
    assert_eq!(ours.shape(), want.shape());
    let diff = ours
        .iter()
        .zip(want.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff <= MEL_TOL, "log-mel differs by {diff}");
}

#[test]
fn generator_matches_pytorch_from_a_weight_normalised_state_dict() {
    let model = MelGan::from_tensors(fixture_config(), weights("generator.safetensors")).unwrap();
    let mel = npy("mel.npy")
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap();
    let want = npy("audio.npy").iter().copied().collect::<Vec<f32>>();
    // One pass of the generator, and the chunked vocoder.
    let (bands, frames) = mel.dim();
    let x = Tensor::from_vec(
        mel.iter().copied().collect::<Vec<f32>>(),
        (1, bands, frames),
        &Device::Cpu,
    )
    .unwrap();
    let once = model
        .generator()
        .forward(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let diff = max_abs_diff(&once, &want);
    assert!(diff <= GENERATOR_TOL, "generator differs by {diff}");
    let chunked = model.vocode(mel.view()).unwrap();
    let diff = max_abs_diff(&chunked, &want);
    assert!(diff <= GENERATOR_TOL, "vocode differs by {diff}");
}

fn fixture_discriminator() -> MultiScaleDiscriminator {
    let vb = VarBuilder::from_tensors(
        weights("discriminator.safetensors"),
        DType::F32,
        &Device::Cpu,
    );
    MultiScaleDiscriminator::new(&fixture_config(), vb).unwrap()
}

#[test]
fn discriminators_and_losses_match_pytorch() {
    let d = fixture_discriminator();
    let real: Vec<f32> = signal()[..4096].to_vec();
    let real = Tensor::from_vec(real, (1, 1, 4096), &Device::Cpu).unwrap();
    let d_real = d.forward(&real).unwrap();
    assert_eq!(d_real.len(), 3);
    let mut worst = (0.0f32, 0, 0);
    for (i, scale) in d_real.iter().enumerate() {
        assert_eq!(scale.len(), 5);
        for (j, feat) in scale.iter().enumerate() {
            let want = npy(&format!("disc_{i}_{j}.npy"));
            assert_eq!(&feat.dims()[1..], want.shape(), "scale {i} layer {j}");
            let ours = feat.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let want: Vec<f32> = want.iter().copied().collect();
            let peak = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
            let relative = max_abs_diff(&ours, &want) / peak;
            if relative >= worst.0 {
                worst = (relative, i, j);
            }
        }
    }
    assert!(
        worst.0 <= DISCRIMINATOR_TOL,
        "scale {} layer {}: {} of the peak",
        worst.1,
        worst.2,
        worst.0
    );
    let model = MelGan::from_tensors(fixture_config(), weights("generator.safetensors")).unwrap();
    let mel = npy("mel.npy");
    let first: Vec<f32> = mel
        .outer_iter()
        .flat_map(|band| band.iter().take(16).copied().collect::<Vec<_>>())
        .collect();
    let x = Tensor::from_vec(first, (1, 80, 16), &Device::Cpu).unwrap();
    let fake = model.generator().forward(&x).unwrap();
    let d_fake = d.forward(&fake).unwrap();
    let want = read_npy_f64(dir().join("losses.npy"));
    let got = [
        discriminator_hinge_loss(&d_real, &d_fake).unwrap(),
        generator_hinge_loss(&d_fake).unwrap(),
        feature_matching_loss(&d_real, &d_fake, 2).unwrap(),
    ];
    let mut worst = 0.0f64;
    for (g, w) in got.iter().zip(want.iter()) {
        let g = f64::from(g.to_scalar::<f32>().unwrap());
        worst = worst.max((g - w).abs() / w.abs().max(1.0));
    }
    assert!(worst <= LOSS_TOL, "losses differ by {worst} (relative)");
}

#[test]
fn chunked_vocoding_equals_one_pass_on_long_input() {
    let model = MelGan::from_tensors(fixture_config(), weights("generator.safetensors")).unwrap();
    let frames = 2 * CHUNK_FRAMES + 77;
    let mel = Array2::from_shape_fn((80, frames), |(b, t)| {
        -2.0 + ((b as f32 * 0.37 + t as f32 * 0.11).sin() + (t as f32 * 0.013).cos()) * 1.2
    });
    let x = Tensor::from_vec(
        mel.iter().copied().collect::<Vec<f32>>(),
        (1, 80, frames),
        &Device::Cpu,
    )
    .unwrap();
    let once = model
        .generator()
        .forward(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let chunked = model.vocode(mel.view()).unwrap();
    let diff = max_abs_diff(&chunked, &once);
    assert!(diff <= CHUNK_TOL, "chunked differs by {diff}");
}

/// Harmonic tones at 16 kHz in the transcription layout (an empty note
/// each).
fn write_tones(root: &std::path::Path) {
    for (split, pitches) in [
        (Split::Train, vec![196.0f32, 262.0, 330.0]),
        (Split::Valid, vec![294.0]),
    ] {
        let d = root.join(split.as_str());
        std::fs::create_dir_all(&d).unwrap();
        for (i, f0) in pitches.iter().enumerate() {
            let y: Vec<f32> = (0..16_000)
                .map(|n| {
                    let t = n as f32 / 16_000.0;
                    (1..5)
                        .map(|k| (std::f32::consts::TAU * f0 * k as f32 * t).sin() / k as f32)
                        .sum::<f32>()
                        * 0.2
                })
                .collect();
            let audio = audio_io::Audio {
                samples: Array2::from_shape_vec((1, y.len()), y).unwrap(),
                sample_rate: 16_000,
            };
            audio_io::wav::write_wav(d.join(format!("tone{i}.wav")), &audio, &Default::default())
                .unwrap();
            MidiFile::from_notes(
                vec![audio_io::Note::new(0.0, 1.0, 60, 90)],
                TempoMap::constant(480, 120.0),
            )
            .write(d.join(format!("tone{i}.mid")), MidiType::Type1)
            .unwrap();
        }
    }
}

fn tiny_train_config() -> TrainConfig {
    TrainConfig {
        model: MelGanConfig {
            sample_rate: 16_000,
            ngf: 4,
            residual_layers: 1,
            discriminators: 2,
            ndf: 4,
            discriminator_layers: 1,
            ..MelGanConfig::default()
        },
        segment_samples: 2048,
        batch_size: 2,
        steps_per_epoch: 2,
        epochs: 3,
        adversarial_start_epoch: 1,
        lr: 1e-3,
        ..TrainConfig::default()
    }
}

#[test]
fn trains_adversarially_loads_and_vocodes_deterministically() {
    let root = scratch_dir("melgan-train");
    write_tones(&root.join("data"));
    let train_set = TranscriptionDataset::open(root.join("data"), Split::Train).unwrap();
    let valid_set = TranscriptionDataset::open(root.join("data"), Split::Valid).unwrap();
    let config = tiny_train_config();
    let mut outputs = Vec::new();
    for run in ["a", "b"] {
        let out = root.join(run);
        let report = train(&train_set, &valid_set, &config, &out).unwrap();
        assert_eq!(report.history.len(), 3);
        assert!(report.history.iter().all(|e| e.train_loss.is_finite()));
        // The discriminator is saved beside the generator (for resuming).
        let saved = candle_core::safetensors::load(
            out.join("last").join("weights.safetensors"),
            &Device::Cpu,
        )
        .unwrap();
        assert!(saved
            .keys()
            .any(|k| k.starts_with("discriminator.model.disc_1.")));
        let model = MelGan::load(&out).unwrap();
        let (samples, _) = audio_models::Dataset::get(&valid_set, 0).unwrap();
        let y = model.copy_synthesis(&samples.row(0).to_vec()).unwrap();
        assert_eq!(y.len(), 16_000 / 256 * 256);
        assert!(y.iter().all(|v| v.is_finite()));
        let scores = model.evaluate(&valid_set, None).unwrap();
        assert_eq!(scores.songs, 1);
        assert!(scores.griffin_lim.spectral_convergence < 1.0);
        outputs.push(y);
    }
    assert_eq!(outputs[0], outputs[1], "same seed, same model, same audio");
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn bad_inputs_are_errors() {
    let model = MelGan::from_tensors(fixture_config(), weights("generator.safetensors")).unwrap();
    assert!(matches!(
        model.vocode(Array2::<f32>::zeros((40, 20)).view()),
        Err(Error::InvalidParameter { name: "mel", .. })
    ));
    assert!(matches!(
        model.vocode(Array2::<f32>::zeros((80, 3)).view()),
        Err(Error::InvalidParameter { name: "mel", .. })
    ));
    let mut nan = Array2::<f32>::zeros((80, 10));
    nan[[3, 4]] = f32::NAN;
    assert!(matches!(
        model.vocode(nan.view()),
        Err(Error::InvalidParameter { name: "mel", .. })
    ));
    assert!(matches!(
        model.copy_synthesis(&[0.0; 100]),
        Err(Error::InvalidParameter {
            name: "samples",
            ..
        })
    ));
    let mut partial = weights("generator.safetensors");
    partial.remove("model.3.weight_v");
    let err = MelGan::from_tensors(fixture_config(), partial)
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.3.weight_v"), "{err}");
    let empty = VarBuilder::from_tensors(HashMap::new(), DType::F32, &Device::Cpu);
    let err = MelGan::new(fixture_config(), empty)
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.1.weight"), "{err}");
    let root = scratch_dir("melgan-bad");
    write_tones(&root);
    let set = TranscriptionDataset::open(&root, Split::Train).unwrap();
    let bad = TrainConfig {
        segment_samples: 1000,
        ..tiny_train_config()
    };
    assert!(matches!(
        train(&set, &set, &bad, root.join("out")),
        Err(Error::InvalidParameter {
            name: "segment_samples",
            ..
        })
    ));
    let wrong_rate = TrainConfig {
        model: MelGanConfig {
            sample_rate: 22_050,
            ..tiny_train_config().model
        },
        ..tiny_train_config()
    };
    assert!(matches!(
        train(&set, &set, &wrong_rate, root.join("out")),
        Err(Error::InvalidParameter {
            name: "sample_rate",
            ..
        })
    ));
    std::fs::remove_dir_all(&root).ok();
}

/// The log-mel front end's frames from a signal fed in irregular blocks
/// against the whole signal's: the filters' product runs on fewer columns
/// at a time, float32 rounding only (log10 of mel magnitudes).
const STREAMED_MEL_TOL: f32 = 1e-5;

/// The front end and the vocoder fed block by block (`LogMel::stream`,
/// `MelGan::vocode_stream`, as `audio vocode` runs them on a file): the
/// frames within float rounding of the whole signal's, the frame count
/// announced by `LogMel::frames`, and the vocoded samples of a mel fed in
/// pieces equal to `vocode`'s, to the bit (the same chunks).
#[test]
fn the_front_end_and_the_vocoder_stream() {
    let vb = audio_nn::init::SeededVarMap::new(3).var_builder(DType::F32, &Device::Cpu);
    let model = MelGan::new(
        MelGanConfig {
            ngf: 4,
            residual_layers: 1,
            ..MelGanConfig::default()
        },
        vb,
    )
    .unwrap();
    let front = LogMel::new(model.config()).unwrap();
    for n in [385usize, 1000, 70_001] {
        let y: Vec<f32> = (0..n)
            .map(|t| ((t as f32 * 0.031).sin() + (t as f32 * 0.0007).cos()) * 0.4)
            .collect();
        let whole = front.compute(&y).unwrap();
        assert_eq!(front.frames(n), whole.ncols(), "{n} samples");
        let mut stream = front.stream().unwrap();
        let mut parts = Vec::new();
        let mut at = 0;
        for size in [1usize, 200, 7, 4096, 30_000].iter().cycle() {
            if at >= n {
                break;
            }
            let end = (at + size).min(n);
            parts.push(stream.push(&y[at..end]).unwrap());
            at = end;
        }
        parts.push(stream.finish().unwrap());
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let streamed = ndarray::concatenate(ndarray::Axis(1), &views).unwrap();
        assert_eq!(streamed.dim(), whole.dim());
        let diff = (&streamed - &whole)
            .mapv(f32::abs)
            .fold(0f32, |a, &b| a.max(b));
        assert!(
            diff <= STREAMED_MEL_TOL,
            "{n} samples: mel differs by {diff}"
        );
        if whole.ncols() < 4 {
            continue;
        }
        let once = model.vocode(whole.view()).unwrap();
        let mut vocoder = model.vocode_stream(whole.ncols());
        let mut samples = Vec::new();
        for start in (0..whole.ncols()).step_by(37) {
            let end = (start + 37).min(whole.ncols());
            samples.extend(
                vocoder
                    .push(whole.slice(ndarray::s![.., start..end]))
                    .unwrap(),
            );
        }
        samples.extend(vocoder.finish().unwrap());
        assert_eq!(samples, once, "{n} samples: streamed vocoding differs");
    }
    // Too short a signal, and more or fewer frames than announced.
    let mut stream = front.stream().unwrap();
    stream.push(&[0.1; 100]).unwrap();
    assert!(stream.finish().is_err());
    let mut vocoder = model.vocode_stream(5);
    assert!(vocoder.push(Array2::<f32>::zeros((80, 6)).view()).is_err());
    vocoder.push(Array2::<f32>::zeros((80, 4)).view()).unwrap();
    assert!(vocoder.finish().is_err());
}
