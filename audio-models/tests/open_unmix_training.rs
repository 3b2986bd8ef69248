//! Open-Unmix training: dataset reader, augmentations, the training loop's
//! checkpoint (loads back as a separator), determinism for a seed.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};

use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::Audio;
use audio_models::open_unmix::{
    sample_excerpt, train, AugmentConfig, OpenUnmixConfig, OpenUnmixSeparator, SeededRng,
    SeparatorConfig, StemDataset, TrainConfig, MUSDB_TARGETS,
};
use audio_models::Separator;
use candle_core::Device;
use ndarray::Array2;

/// A tiny MUSDB-style folder: per song four tonal/noisy stems and their sum.
fn make_dataset(tag: &str, songs: usize, seconds: f64) -> PathBuf {
    let root = std::env::temp_dir().join(format!("umx-train-{tag}-{}", std::process::id()));
    let opts = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    let n = (seconds * 44_100.0) as usize;
    for s in 0..songs {
        let dir = root.join("train").join(format!("song{s}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut mix = Array2::<f32>::zeros((2, n));
        let mut state = 12_345u64 + s as u64;
        for (k, name) in MUSDB_TARGETS.iter().enumerate() {
            let f = 55.0 * (k + 1) as f32 * (1.0 + 0.1 * s as f32);
            let stem = Array2::from_shape_fn((2, n), |(c, t)| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let noise = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.02;
                0.1 * (2.0 * std::f32::consts::PI * f * t as f32 / 44_100.0 + c as f32).sin()
                    + noise
            });
            mix += &stem;
            write(&dir.join(format!("{name}.wav")), stem, &opts);
        }
        write(&dir.join("mixture.wav"), mix, &opts);
    }
    root
}

fn write(path: &Path, samples: Array2<f32>, opts: &WavWriteOptions) {
    audio_io::wav::write_wav(
        path,
        &Audio {
            samples,
            sample_rate: 44_100,
        },
        opts,
    )
    .unwrap();
}

fn tiny_config(target: &str) -> TrainConfig {
    TrainConfig {
        model: OpenUnmixConfig {
            nb_bins: 257,
            nb_channels: 2,
            hidden_size: 8,
            nb_layers: 1,
            unidirectional: false,
            max_bin: Some(64),
        },
        n_fft: 512,
        n_hop: 128,
        seq_seconds: 0.1,
        batch_size: 2,
        steps_per_epoch: 3,
        epochs: 3,
        patience: 5,
        valid_seconds: Some(0.2),
        ..TrainConfig::small(target)
    }
}

#[test]
fn dataset_reads_the_musdb_layout() {
    let root = make_dataset("layout", 3, 0.3);
    let mut data = StemDataset::load(&root, "train", 44_100).unwrap();
    assert_eq!(data.songs.len(), 3);
    assert!(data
        .songs
        .iter()
        .all(|s| s.stems.len() == 4 && s.len() == 13_230));
    assert_eq!(data.sources, ["bass", "drums", "other", "vocals"]);
    let valid = data.split_off(1);
    assert_eq!((data.songs.len(), valid.songs.len()), (2, 1));
    assert_eq!(valid.songs[0].name, "song2");
    assert!(matches!(
        StemDataset::load(&root, "test", 44_100),
        Err(audio_models::Error::MissingSplit { .. })
    ));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn augmentations_are_seeded_and_mix_the_target() {
    let root = make_dataset("augment", 2, 0.3);
    let data = StemDataset::load(&root, "train", 44_100).unwrap();
    let cfg = AugmentConfig {
        noise_snr_db: None,
        ..AugmentConfig::default()
    };
    let (m1, t1) = sample_excerpt(&data, "bass", 4410, &cfg, &mut SeededRng::new(3));
    let (m2, t2) = sample_excerpt(&data, "bass", 4410, &cfg, &mut SeededRng::new(3));
    assert_eq!(m1, m2);
    assert_eq!(t1, t2);
    assert_eq!(m1.dim(), (2, 4410));
    // Without gain spread, swaps, cross-song mixing or noise, the mixture is the stems' sum.
    let plain = AugmentConfig {
        gain: (1.0, 1.0),
        channel_swap: 0.0,
        random_mix: false,
        noise_snr_db: None,
        sign_flip: 0.0,
    };
    let (m, _) = sample_excerpt(&data, "drums", 4410, &plain, &mut SeededRng::new(1));
    let energy: f32 = m.iter().map(|v| v * v).sum();
    assert!(energy > 0.0);
    // Demucs's sign flip: always flipping negates the mixture and the target.
    let flipped = AugmentConfig {
        sign_flip: 1.0,
        ..plain
    };
    let (mf, tf) = sample_excerpt(&data, "drums", 4410, &flipped, &mut SeededRng::new(1));
    let (mp, tp) = sample_excerpt(&data, "drums", 4410, &plain, &mut SeededRng::new(1));
    assert_eq!(mf, mp.mapv(|v| -v));
    assert_eq!(tf, tp.mapv(|v| -v));
    std::fs::remove_dir_all(root).unwrap();
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn training_writes_a_loadable_model_and_is_deterministic() {
    let root = make_dataset("train", 3, 0.4);
    let mut data = StemDataset::load(&root, "train", 44_100).unwrap();
    let valid = data.split_off(1);
    let out1 = root.join("model1");
    let out2 = root.join("model2");
    let cfg = tiny_config("bass");
    let r1 = train(&data, &valid, &cfg, &out1).unwrap();
    let r2 = train(&data, &valid, &cfg, &out2).unwrap();
    assert_eq!(r1.epochs, 3);
    assert_eq!(r1.history.len(), 3);
    assert!(r1
        .history
        .iter()
        .all(|e| e.train_loss.is_finite() && e.valid_loss.is_some_and(f64::is_finite)));
    assert!(r1.history.iter().all(|e| e.samples == 3 * 2));
    // Same seed: bit-identical losses, checkpoints and exported model.
    for (a, b) in r1.history.iter().zip(&r2.history) {
        assert_eq!(a.train_loss.to_bits(), b.train_loss.to_bits());
    }
    for file in [
        "bass/last/weights.safetensors",
        "bass/last/optimizer.safetensors",
        "bass.safetensors",
    ] {
        assert_eq!(bytes(&out1.join(file)), bytes(&out2.join(file)), "{file}");
    }
    // The export comes from the best checkpoint, which holds the trained
    // BatchNorm statistics (not the initial 0 / 1).
    let w = candle_core::safetensors::load(out1.join("bass.safetensors"), &Device::Cpu).unwrap();
    let rm = w["bn1.running_mean"].to_vec1::<f32>().unwrap();
    assert!(rm.iter().any(|v| *v != 0.0));
    let sep = OpenUnmixSeparator::from_dir(
        &out1,
        None,
        SeparatorConfig {
            niter: 1,
            residual: true,
            ..SeparatorConfig::default()
        },
        &Device::Cpu,
    )
    .unwrap();
    assert_eq!(sep.targets(), ["bass", "residual"]);
    let mix = valid.songs[0].mixture();
    let est = sep.separate(mix.view()).unwrap();
    assert_eq!(est[0].dim(), mix.dim());
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_stopped_run_resumes_to_the_same_weights() {
    let root = make_dataset("resume", 3, 0.4);
    let mut data = StemDataset::load(&root, "train", 44_100).unwrap();
    let valid = data.split_off(1);
    let full = root.join("full");
    let cut = root.join("cut");
    let cfg = TrainConfig {
        checkpoint_every: Some(1),
        ..tiny_config("drums")
    };
    train(&data, &valid, &cfg, &full).unwrap();
    // Stop after two epochs (as a kill after epoch 2 would leave `last/`), then resume.
    let first = TrainConfig {
        epochs: 2,
        ..cfg.clone()
    };
    train(&data, &valid, &first, &cut).unwrap();
    let resumed = TrainConfig {
        resume: true,
        ..cfg.clone()
    };
    let report = train(&data, &valid, &resumed, &cut).unwrap();
    assert_eq!(report.epochs, 3);
    for file in [
        "drums/last/weights.safetensors",
        "drums/last/optimizer.safetensors",
    ] {
        assert_eq!(bytes(&full.join(file)), bytes(&cut.join(file)), "{file}");
    }
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_target_the_data_lacks_is_a_typed_error() {
    let root = make_dataset("target", 2, 0.3);
    let mut data = StemDataset::load(&root, "train", 44_100).unwrap();
    let valid = data.split_off(1);
    let err = train(&data, &valid, &tiny_config("piano"), root.join("m")).unwrap_err();
    assert!(matches!(
        err,
        audio_models::Error::InvalidParameter { name: "target", .. }
    ));
    let empty = data.split_off(5);
    let err = train(&data, &empty, &tiny_config("bass"), root.join("m")).unwrap_err();
    assert!(matches!(err, audio_models::Error::Empty { .. }));
    std::fs::remove_dir_all(root).unwrap();
}
