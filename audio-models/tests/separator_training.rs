//! Training Wave-U-Net and the T-F mask separator with the shared trainer
//! on a tiny in-memory dataset: the loss falls, the best checkpoint loads
//! back as a separator whose output is the trained network's, the outputs
//! keep their invariants (the T-F masks sum to the mixture), and a resumed
//! run is seeded like an uninterrupted one.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::BTreeMap;

use audio_models::demucs::{self, ApplyConfig, Demucs, DemucsConfig, DemucsNet};
use audio_models::open_unmix::{Song, StemDataset};
use audio_models::tf_mask::{self, TfMaskConfig, TfMaskSeparator};
use audio_models::wave_u_net::{self, ConvType, WaveUNet, WaveUNetConfig, WaveUNetSeparator};
use audio_models::wavenet_separator::{self, WavenetSeparator, WavenetSeparatorConfig};
use audio_models::Separator;
use audio_test_fixtures::scratch_dir;
use candle_core::{DType, Device};
use ndarray::Array2;

const RATE: u32 = 8000;

/// Two sources: a low tone ("bass") and a high, noisy one ("vocals").
fn dataset(songs: usize, seconds: f64, seed: u64) -> StemDataset {
    let n = (seconds * f64::from(RATE)) as usize;
    let mut state = seed;
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.05
    };
    let songs = (0..songs)
        .map(|s| {
            let f_low = 80.0 + 15.0 * s as f32;
            let f_high = 1200.0 + 150.0 * s as f32;
            let tone = |f: f32, t: usize, c: usize| {
                (2.0 * std::f32::consts::PI * f * t as f32 / RATE as f32 + c as f32).sin()
            };
            let bass = Array2::from_shape_fn((2, n), |(c, t)| 0.3 * tone(f_low, t, c));
            let vocals = Array2::from_shape_fn((2, n), |(c, t)| 0.2 * tone(f_high, t, c) + noise());
            Song {
                name: format!("song{s}"),
                stems: BTreeMap::from([("bass".to_string(), bass), ("vocals".to_string(), vocals)]),
                mixture: None,
            }
        })
        .collect();
    StemDataset {
        songs,
        sources: vec!["bass".into(), "vocals".into()],
        sample_rate: RATE,
    }
}

fn loss_column(dir: &std::path::Path) -> Vec<f64> {
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("log.json")).unwrap()).unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .map(|r| r["valid_loss"].as_f64().unwrap())
        .collect()
}

/// Asserts that `trained` (in the order of `song.stems`) is closer to
/// the stems than `untrained`, in summed squared error.
fn assert_closer(trained: &[Array2<f32>], untrained: &[Array2<f32>], song: &Song) {
    let err = |est: &[Array2<f32>]| -> f32 {
        est.iter()
            .zip(song.stems.values())
            .map(|(e, s)| (e - s).mapv(|v| v * v).sum())
            .sum()
    };
    let (a, b) = (err(trained), err(untrained));
    assert!(a < b, "trained error {a} not below untrained {b}");
}

fn wave_u_net_config() -> WaveUNetConfig {
    WaveUNetConfig {
        instruments: vec!["bass".into(), "vocals".into()],
        features: 8,
        levels: 3,
        kernel_size: 5,
        strides: 2,
        conv_type: ConvType::BatchNorm,
        separate: false,
        sr: RATE,
        output_size: 0.05,
        ..WaveUNetConfig::default()
    }
}

#[test]
fn wave_u_net_trains_and_its_checkpoint_separates() {
    let (train, valid) = (dataset(3, 1.0, 1), dataset(1, 1.0, 2));
    let out = scratch_dir("wave-u-net-train");
    let config = wave_u_net::TrainConfig {
        batch_size: 4,
        steps_per_epoch: 10,
        epochs: 10,
        lr: 3e-3,
        valid_seconds: Some(0.5),
        ..wave_u_net::TrainConfig::new(wave_u_net_config())
    };
    let report = wave_u_net::train(&train, &valid, &config, &out).unwrap();
    assert_eq!(report.epochs, 10);
    let losses = loss_column(&out);
    assert!(
        losses.last().unwrap() < &(0.9 * losses[0]),
        "validation loss did not fall: {losses:?}"
    );
    let sep = WaveUNetSeparator::load(out.join("best"), None, &Device::Cpu).unwrap();
    assert_eq!(sep.targets(), ["bass", "vocals"]);
    assert_eq!(sep.network().config(), &wave_u_net_config());
    let mix = valid.songs[0].mixture();
    let est = sep.separate(mix.view()).unwrap();
    assert_eq!(est[0].dim(), mix.dim());
    // The loaded weights are the trained ones: closer to the sources than
    // the same network at its (seeded) initial weights.
    let vb = audio_nn::init::SeededVarMap::new(config.seed).var_builder(DType::F32, &Device::Cpu);
    let untrained = WaveUNetSeparator::new(WaveUNet::new(wave_u_net_config(), vb).unwrap());
    let before = untrained.separate(mix.view()).unwrap();
    assert_closer(&est, &before, &valid.songs[0]);
}

fn demucs_config() -> DemucsConfig {
    DemucsConfig {
        channels: 8,
        depth: 2,
        lstm_layers: 1,
        dconv_mode: 0,
        resample: false,
        samplerate: RATE,
        segment: 1.0,
        ..DemucsConfig::new(vec!["bass".into(), "vocals".into()])
    }
}

#[test]
fn demucs_trains_and_its_checkpoint_separates() {
    let (train, valid) = (dataset(3, 1.0, 8), dataset(1, 1.0, 9));
    let out = scratch_dir("demucs-train");
    let config = demucs::TrainConfig {
        segment_seconds: 0.25,
        batch_size: 4,
        steps_per_epoch: 8,
        epochs: 8,
        lr: 3e-3,
        valid_seconds: Some(0.5),
        ..demucs::TrainConfig::new(demucs_config())
    };
    demucs::train(&train, &valid, &config, &out).unwrap();
    let losses = loss_column(&out);
    assert!(
        losses.last().unwrap() < &(0.9 * losses[0]),
        "validation loss did not fall: {losses:?}"
    );
    let apply = ApplyConfig {
        shifts: 0,
        ..ApplyConfig::default()
    };
    let sep = Demucs::from_checkpoint(out.join("best"), apply.clone(), &Device::Cpu).unwrap();
    assert_eq!(sep.targets(), ["bass", "vocals"]);
    match sep.model() {
        demucs::DemucsModel::Demucs(net) => assert_eq!(net.config(), &demucs_config()),
        other => panic!("expected a v2 network, got {}", other.class_name()),
    }
    let mix = valid.songs[0].mixture();
    let est = sep.separate(mix.view()).unwrap();
    let vb = audio_nn::init::SeededVarMap::new(config.seed).var_builder(DType::F32, &Device::Cpu);
    let untrained = Demucs::new(DemucsNet::new(demucs_config(), vb).unwrap(), apply);
    let before = untrained.separate(mix.view()).unwrap();
    assert_closer(&est, &before, &valid.songs[0]);
}

fn wavenet_config() -> WavenetSeparatorConfig {
    WavenetSeparatorConfig {
        sources: vec!["bass".into()],
        difference: Some("vocals".into()),
        num_stacks: 1,
        dilations: vec![1, 2, 4, 8],
        res_channels: 8,
        skip_channels: 8,
        final_channels: [16, 8],
        target_field_length: 101,
        sample_rate: RATE,
        ..WavenetSeparatorConfig::default()
    }
}

#[test]
fn wavenet_separator_trains_and_its_checkpoint_separates() {
    let (train, valid) = (dataset(3, 1.0, 10), dataset(1, 1.0, 11));
    let out = scratch_dir("wavenet-separator-train");
    let config = wavenet_separator::TrainConfig {
        batch_size: 8,
        steps_per_epoch: 8,
        epochs: 8,
        lr: 3e-3,
        valid_seconds: Some(0.5),
        ..wavenet_separator::TrainConfig::new(wavenet_config())
    };
    wavenet_separator::train(&train, &valid, &config, &out).unwrap();
    let losses = loss_column(&out);
    assert!(
        losses.last().unwrap() < &(0.9 * losses[0]),
        "validation loss did not fall: {losses:?}"
    );
    let sep = WavenetSeparator::load(out.join("best"), &Device::Cpu).unwrap();
    assert_eq!(sep.targets(), ["bass", "vocals"]);
    let mix = valid.songs[0].mixture();
    let est = sep.separate(mix.view()).unwrap();
    let vb = audio_nn::init::SeededVarMap::new(config.seed).var_builder(DType::F32, &Device::Cpu);
    let untrained = WavenetSeparator::new(wavenet_config(), vb).unwrap();
    let before = untrained.separate(mix.view()).unwrap();
    assert_closer(&est, &before, &valid.songs[0]);
}

fn tf_config() -> TfMaskConfig {
    TfMaskConfig {
        targets: vec!["vocals".into()],
        sample_rate: RATE,
        n_fft: 256,
        hop_length: 64,
        hidden_size: 16,
        num_layers: 1,
        ..TfMaskConfig::default()
    }
}

#[test]
fn tf_mask_trains_and_its_outputs_sum_to_the_mixture() {
    let (train, valid) = (dataset(3, 1.0, 3), dataset(1, 1.0, 4));
    let out = scratch_dir("tf-mask-train");
    let config = tf_mask::TrainConfig {
        seq_seconds: 0.25,
        batch_size: 4,
        steps_per_epoch: 8,
        epochs: 10,
        lr: 3e-3,
        valid_seconds: Some(0.5),
        ..tf_mask::TrainConfig::new(tf_config())
    };
    tf_mask::train(&train, &valid, &config, &out).unwrap();
    let losses = loss_column(&out);
    assert!(
        losses.last().unwrap() < &(0.9 * losses[0]),
        "validation loss did not fall: {losses:?}"
    );
    let sep = TfMaskSeparator::load(out.join("best"), &Device::Cpu).unwrap();
    assert_eq!(sep.targets(), ["vocals", "residual"]);
    let mix = valid.songs[0].mixture();
    let est = sep.separate(mix.view()).unwrap();
    let sum = &est[0] + &est[1];
    let worst = sum
        .iter()
        .zip(mix.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-4, "{worst}");
    let vb = audio_nn::init::SeededVarMap::new(config.seed).var_builder(DType::F32, &Device::Cpu);
    let untrained = TfMaskSeparator::new(tf_config(), vb).unwrap();
    let before = untrained.separate(mix.view()).unwrap();
    // Compare the vocals output (the residual has no stem of that name).
    assert_closer(
        &est[..1],
        &before[..1],
        &Song {
            stems: BTreeMap::from([("vocals".to_string(), valid.songs[0].stems["vocals"].clone())]),
            ..valid.songs[0].clone()
        },
    );
}

#[test]
fn bad_training_settings_are_errors() {
    let (train, valid) = (dataset(1, 0.5, 5), dataset(1, 0.5, 6));
    let out = scratch_dir("separator-train-bad");
    let mut c = wave_u_net::TrainConfig::new(wave_u_net_config());
    c.model.instruments = vec!["drums".into(), "bass".into()];
    assert!(wave_u_net::train(&train, &valid, &c, &out).is_err());
    let mut c = wave_u_net::TrainConfig::new(wave_u_net_config());
    c.model.sr = 44_100;
    assert!(wave_u_net::train(&train, &valid, &c, &out).is_err());
    let mut c = tf_mask::TrainConfig::new(tf_config());
    c.model.targets = vec!["drums".into()];
    assert!(tf_mask::train(&train, &valid, &c, &out).is_err());
    let mut c = tf_mask::TrainConfig::new(tf_config());
    c.seq_seconds = f64::NAN;
    assert!(tf_mask::train(&train, &valid, &c, &out).is_err());
    let empty = StemDataset {
        songs: Vec::new(),
        ..dataset(1, 0.5, 7)
    };
    assert!(tf_mask::train(
        &empty,
        &valid,
        &tf_mask::TrainConfig::new(tf_config()),
        &out
    )
    .is_err());
}
