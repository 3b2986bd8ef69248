//! WaveNet against a PyTorch WaveNet with random weights (unconditioned;
//! local and global conditioning; a mixture of logistics with learned
//! upsampling), the fast path's teacher-forced logits
//! against candle's, fast generation against naive recomputation (the same
//! samples, to the bit), determinism and errors. Fixtures:
//! `tools/reference/wavenet_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::wavenet::{
    classes_to_audio, FastWaveNet, GenerateConfig, WaveNet, WaveNetConfig,
};
use audio_models::{Error, Generator};
use audio_test_fixtures::{assert_close, fixtures_dir, read_json, read_npy, read_npy_f32};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, ArrayD, Axis};

/// Float32 on both sides; the convolutions sum up to 2 × 16 + 256 products
/// per output in other orders than PyTorch's, over 10 layers whose residual
/// path adds them up. Relative to the logits' peak (the bar is 1e-4;
/// measured 2.6e-7 to 4.4e-7 across the μ-law and mixture cases).
const LOGITS_TOL: f64 = 1e-5;

/// The fast path's plain dot products against candle's GEMMs, same weights
/// (measured 1.8e-7).
const FAST_TOL: f64 = 1e-6;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("wavenet")
}

fn case(name: &str) -> (WaveNetConfig, VarBuilder<'static>) {
    let config: WaveNetConfig =
        serde_json::from_value(read_json(dir().join(format!("{name}.json")))).unwrap();
    let bytes = std::fs::read(dir().join(format!("{name}.pth"))).unwrap();
    let weights = audio_io::weights::Weights::from_pth_bytes(&bytes).unwrap();
    let tensors = weights
        .keys()
        .map(|k| {
            let t = weights.get(k).unwrap();
            let v = Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), &Device::Cpu).unwrap();
            (k.to_string(), v)
        })
        .collect();
    (
        config,
        VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
    )
}

struct Inputs {
    classes: ArrayD<i64>,
    /// The raw input of a mixture-of-logistics case.
    audio: Option<ArrayD<f32>>,
    local: ArrayD<f32>,
    global: ArrayD<i64>,
    logits: ArrayD<f32>,
}

fn inputs(name: &str) -> Inputs {
    let classes = dir().join(format!("{name}_classes.npy"));
    let audio = dir().join(format!("{name}_audio.npy"));
    Inputs {
        classes: if classes.exists() {
            read_npy(classes)
        } else {
            ArrayD::zeros(vec![0])
        },
        audio: audio.exists().then(|| read_npy_f32(audio)),
        local: read_npy_f32(dir().join(format!("{name}_local.npy"))),
        global: read_npy(dir().join(format!("{name}_global.npy"))),
        logits: read_npy_f32(dir().join(format!("{name}_logits.npy"))),
    }
}

fn u32_tensor(a: &ArrayD<i64>) -> Tensor {
    let v: Vec<u32> = a.iter().map(|&x| x as u32).collect();
    Tensor::from_vec(v, a.shape(), &Device::Cpu).unwrap()
}

fn f32_tensor(a: &ArrayD<f32>) -> Tensor {
    Tensor::from_vec(a.iter().copied().collect(), a.shape(), &Device::Cpu).unwrap()
}

fn conditioning(config: &WaveNetConfig, i: &Inputs) -> (Option<Tensor>, Option<Tensor>) {
    (
        config.local_channels.map(|_| f32_tensor(&i.local)),
        config.global_classes.map(|_| u32_tensor(&i.global)),
    )
}

#[test]
fn teacher_forced_logits_match_pytorch() {
    for name in ["plain", "cond"] {
        let (config, vb) = case(name);
        let net = WaveNet::new(config.clone(), vb).unwrap();
        let i = inputs(name);
        let (local, global) = conditioning(&config, &i);
        let ours = net
            .forward(&u32_tensor(&i.classes), local.as_ref(), global.as_ref())
            .unwrap();
        let ours = ArrayD::from_shape_vec(
            ours.dims().to_vec(),
            ours.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        )
        .unwrap();
        println!(
            "{name}: {:e}",
            audio_test_fixtures::relative_error(&ours, &i.logits)
        );
        assert_close(name, &ours, &i.logits, LOGITS_TOL);
    }
}

#[test]
fn the_fast_path_gives_the_teacher_forced_logits() {
    for name in ["plain", "cond"] {
        let (config, vb) = case(name);
        let fast = FastWaveNet::new(config.clone(), vb).unwrap();
        let i = inputs(name);
        for b in 0..2 {
            let classes: Vec<usize> = i
                .classes
                .index_axis(Axis(0), b)
                .iter()
                .map(|&c| c as usize)
                .collect();
            let local = i
                .local
                .index_axis(Axis(0), b)
                .into_dimensionality::<ndarray::Ix2>()
                .unwrap();
            let local = config.local_channels.map(|_| local.view());
            let global = config.global_classes.map(|_| i.global[[b]] as usize);
            let logits = fast.logits(&classes, local, global).unwrap();
            let t = classes.len();
            let ours = Array2::from_shape_vec((t, 256), logits)
                .unwrap()
                .t()
                .to_owned()
                .into_dyn();
            let expected = i.logits.index_axis(Axis(0), b).to_owned();
            assert_close(name, &ours, &expected, LOGITS_TOL);
        }
        // And against candle on the same weights, tighter.
        let (_, vb) = case(name);
        let net = WaveNet::new(config.clone(), vb).unwrap();
        let (local, global) = conditioning(&config, &i);
        let candle = net
            .forward(&u32_tensor(&i.classes), local.as_ref(), global.as_ref())
            .unwrap()
            .narrow(0, 0, 1)
            .unwrap()
            .squeeze(0)
            .unwrap();
        let candle = ArrayD::from_shape_vec(
            vec![256, 160],
            candle.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        )
        .unwrap();
        let classes: Vec<usize> = i
            .classes
            .index_axis(Axis(0), 0)
            .iter()
            .map(|&c| c as usize)
            .collect();
        let local0 = i
            .local
            .index_axis(Axis(0), 0)
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap();
        let logits = fast
            .logits(
                &classes,
                config.local_channels.map(|_| local0.view()),
                config.global_classes.map(|_| i.global[[0]] as usize),
            )
            .unwrap();
        let ours = Array2::from_shape_vec((160, 256), logits)
            .unwrap()
            .t()
            .to_owned()
            .into_dyn();
        assert_close(name, &ours, &candle, FAST_TOL);
    }
}

#[test]
fn fast_generation_equals_naive_generation_for_2000_samples() {
    for name in ["plain", "cond"] {
        let (config, vb) = case(name);
        let fast = FastWaveNet::new(config.clone(), vb).unwrap();
        let frames = 2000usize.div_ceil(config.local_hop);
        let local =
            Array2::from_shape_fn((config.local_channels.unwrap_or(1), frames), |(c, f)| {
                ((c * 7 + f) as f32 * 0.3).sin()
            });
        let local = config.local_channels.map(|_| local.view());
        let gen = GenerateConfig {
            temperature: 0.9,
            seed: 42,
            global: config.global_classes.map(|_| 1),
        };
        let a = fast.generate(2000, local, &gen).unwrap();
        let b = fast.generate_naive(2000, local, &gen).unwrap();
        assert_eq!(a.len(), 2000);
        assert_eq!(a, b, "{name}");
        // Random weights give a varied signal, not one class.
        assert!(a.iter().any(|&c| c != a[0]));
        // The same seed gives the same samples, another seed others.
        assert_eq!(a, fast.generate(2000, local, &gen).unwrap());
        let other = GenerateConfig { seed: 43, ..gen };
        assert_ne!(a, fast.generate(2000, local, &other).unwrap());
        // Continuing a primer: the same on both paths, past the receptive field.
        let prime: Vec<usize> = a[..100].to_vec();
        assert_eq!(
            fast.generate_from(&prime, 300, local, &gen).unwrap(),
            fast.generate_naive_from(&prime, 300, local, &gen).unwrap()
        );
        // Temperature 0 is the arg-max, identical on both paths.
        let greedy = GenerateConfig {
            temperature: 0.0,
            ..gen
        };
        assert_eq!(
            fast.generate(300, local, &greedy).unwrap(),
            fast.generate_naive(300, local, &greedy).unwrap()
        );
    }
}

#[test]
fn generator_trait_gives_seeded_mu_law_audio() {
    let (config, vb) = case("plain");
    let fast = FastWaveNet::new(config, vb).unwrap();
    let a = Generator::generate(&fast, 500, 7).unwrap();
    assert_eq!(a.dim(), (1, 500));
    assert!(a.iter().all(|v| v.abs() <= 1.0));
    assert_eq!(a, Generator::generate(&fast, 500, 7).unwrap());
    assert_eq!(fast.sample_rate(), 16_000);
    let silence = classes_to_audio(&[128, 128], 256).unwrap();
    assert_eq!(silence, vec![0.0, 0.0]);
    let (config, vb) = case("cond");
    let conditioned = FastWaveNet::new(config, vb).unwrap();
    assert!(matches!(
        Generator::generate(&conditioned, 10, 0),
        Err(Error::InvalidParameter {
            name: "conditioning",
            ..
        })
    ));
}

#[test]
fn bad_inputs_are_refused() {
    let (config, vb) = case("cond");
    let fast = FastWaveNet::new(config.clone(), vb).unwrap();
    let local = Array2::<f32>::zeros((8, 2));
    let gen = GenerateConfig {
        global: Some(0),
        ..GenerateConfig::default()
    };
    // Two frames of hop 4 cover 8 samples, not 9.
    assert!(matches!(
        fast.generate(9, Some(local.view()), &gen),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(fast.generate(8, Some(local.view()), &gen).is_ok());
    assert!(matches!(
        fast.generate(8, None, &gen),
        Err(Error::ShapeMismatch { .. })
    ));
    let bad_global = GenerateConfig {
        global: Some(3),
        ..gen
    };
    assert!(matches!(
        fast.generate(8, Some(local.view()), &bad_global),
        Err(Error::InvalidParameter { name: "global", .. })
    ));
    assert!(matches!(
        fast.logits(&[256], Some(local.view()), Some(0)),
        Err(Error::InvalidParameter {
            name: "classes",
            ..
        })
    ));
    let (_, vb) = case("cond");
    let net = WaveNet::new(config, vb).unwrap();
    let classes = Tensor::new(&[[300u32, 1]], &Device::Cpu).unwrap();
    let local = Tensor::zeros((1, 8, 1), DType::F32, &Device::Cpu).unwrap();
    let global = Tensor::new(&[0u32], &Device::Cpu).unwrap();
    assert!(matches!(
        net.forward(&classes, Some(&local), Some(&global)),
        Err(Error::InvalidParameter {
            name: "classes",
            ..
        })
    ));
    let classes = Tensor::new(&[[1u32; 5]], &Device::Cpu).unwrap();
    assert!(matches!(
        net.forward(&classes, Some(&local), Some(&global)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(WaveNetConfig {
        stacks: 0,
        ..WaveNetConfig::default()
    }
    .validate()
    .is_err());
}

/// Trains a small WaveNet on two labels (a sine and a sawtooth at 8 kHz),
/// reloads it with its labels, and generates from each label.
#[test]
fn trains_on_labelled_audio_and_generates_by_label() {
    use audio_models::datasets::{ClassificationDataset, Split};
    let root = audio_test_fixtures::scratch_dir("audio-models-wavenet-train");
    for split in ["train", "valid"] {
        for (label, shape) in [("saw", 0usize), ("sine", 1)] {
            let dir = root.join(split).join(label);
            std::fs::create_dir_all(&dir).unwrap();
            for k in 0..3 {
                let f = 200.0 + 50.0 * k as f32;
                let y: Vec<f32> = (0..4000)
                    .map(|n| {
                        let phase = (n as f32 * f / 8000.0).fract();
                        0.5 * if shape == 0 {
                            2.0 * phase - 1.0
                        } else {
                            (2.0 * std::f32::consts::PI * phase).sin()
                        }
                    })
                    .collect();
                let audio = audio_io::Audio {
                    samples: Array2::from_shape_vec((1, 4000), y).unwrap(),
                    sample_rate: 8000,
                };
                audio_io::wav::write_wav(
                    dir.join(format!("{k}.wav")),
                    &audio,
                    &audio_io::wav::WavWriteOptions::default(),
                )
                .unwrap();
            }
        }
    }
    let train_set = ClassificationDataset::open(&root, Split::Train).unwrap();
    let valid_set = ClassificationDataset::open(&root, Split::Valid).unwrap();
    let config = audio_models::wavenet::TrainConfig {
        output_samples: 256,
        batch_size: 4,
        steps_per_epoch: 8,
        epochs: 6,
        patience: 6,
        lr: 3e-3,
        ..audio_models::wavenet::TrainConfig::new(WaveNetConfig {
            residual_channels: 8,
            skip_channels: 16,
            layers_per_stack: 5,
            stacks: 1,
            global_dim: 4,
            ..WaveNetConfig::default()
        })
    };
    let run = root.join("run");
    let report = audio_models::wavenet::train(&train_set, &valid_set, &config, &run).unwrap();
    let first = report.history.first().unwrap().valid_loss.unwrap();
    let (_, best) = report.best.unwrap();
    // ln 256 = 5.55 nats for a uniform guess.
    assert!(best < first && best < 4.5, "valid CE {first} -> {best}");
    let model = FastWaveNet::load(&run).unwrap();
    assert_eq!(model.labels(), ["saw", "sine"]);
    assert_eq!(model.config().sample_rate, 8000);
    for label in 0..2 {
        let gen = GenerateConfig {
            global: Some(label),
            seed: 1,
            ..GenerateConfig::default()
        };
        let a = model.generate(400, None, &gen).unwrap();
        assert_eq!(a, model.generate_naive(400, None, &gen).unwrap());
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// A mixture of 4 logistics, learned upsampling by 3 then 2, local and
/// global conditioning: the teacher-forced mixture parameters against
/// PyTorch, on candle and on the fast path.
#[test]
fn mixture_of_logistics_parameters_match_pytorch() {
    let (config, vb) = case("mol");
    assert_eq!(config.mixtures, Some(4));
    assert_eq!(config.upsample_scales, [3, 2]);
    let net = WaveNet::new(config.clone(), vb).unwrap();
    let i = inputs("mol");
    let audio = i.audio.clone().unwrap();
    let (local, global) = conditioning(&config, &i);
    let ours = net
        .forward(&f32_tensor(&audio), local.as_ref(), global.as_ref())
        .unwrap();
    let ours = ArrayD::from_shape_vec(
        ours.dims().to_vec(),
        ours.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
    )
    .unwrap();
    assert_eq!(ours.shape(), &[2, 12, 160]);
    println!(
        "mol: {:e}",
        audio_test_fixtures::relative_error(&ours, &i.logits)
    );
    assert_close("mol", &ours, &i.logits, LOGITS_TOL);
    let (_, vb) = case("mol");
    let fast = FastWaveNet::new(config, vb).unwrap();
    for b in 0..2 {
        let x: Vec<f32> = audio.index_axis(Axis(0), b).iter().copied().collect();
        let local = i
            .local
            .index_axis(Axis(0), b)
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap();
        let params = fast
            .mixture_params(&x, Some(local.view()), Some(i.global[[b]] as usize))
            .unwrap();
        let ours = Array2::from_shape_vec((160, 12), params)
            .unwrap()
            .t()
            .to_owned()
            .into_dyn();
        let expected = i.logits.index_axis(Axis(0), b).to_owned();
        println!(
            "mol fast: {:e}",
            audio_test_fixtures::relative_error(&ours, &expected)
        );
        assert_close("mol fast", &ours, &expected, LOGITS_TOL);
    }
    // The class methods refuse a mixture model; the mixture method a μ-law one.
    assert!(matches!(
        fast.generate(4, None, &GenerateConfig::default()),
        Err(Error::InvalidParameter {
            name: "mixtures",
            ..
        })
    ));
    let (config, vb) = case("plain");
    let plain = FastWaveNet::new(config, vb).unwrap();
    assert!(matches!(
        plain.mixture_params(&[0.0], None, None),
        Err(Error::InvalidParameter {
            name: "mixtures",
            ..
        })
    ));
}

#[test]
fn mixture_generation_fast_equals_naive_for_2000_samples() {
    let (config, vb) = case("mol");
    let fast = FastWaveNet::new(config.clone(), vb).unwrap();
    let frames = 2000usize.div_ceil(config.local_hop);
    let local = Array2::from_shape_fn((8, frames), |(c, f)| ((c * 7 + f) as f32 * 0.3).sin());
    let gen = GenerateConfig {
        temperature: 1.0,
        seed: 42,
        global: Some(2),
    };
    let a = fast.generate_audio(2000, Some(local.view()), &gen).unwrap();
    let b = fast
        .generate_audio_naive(2000, Some(local.view()), &gen)
        .unwrap();
    assert_eq!(a.len(), 2000);
    assert_eq!(
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert!(a.iter().all(|v| (-1.0..=1.0).contains(v)));
    assert!(a.iter().any(|&v| v != a[0]));
    assert_eq!(
        a,
        fast.generate_audio(2000, Some(local.view()), &gen).unwrap()
    );
    let other = GenerateConfig { seed: 43, ..gen };
    assert_ne!(
        a,
        fast.generate_audio(2000, Some(local.view()), &other)
            .unwrap()
    );
    let greedy = GenerateConfig {
        temperature: 0.0,
        ..gen
    };
    assert_eq!(
        fast.generate_audio(300, Some(local.view()), &greedy)
            .unwrap(),
        fast.generate_audio_naive(300, Some(local.view()), &greedy)
            .unwrap()
    );
}

/// A WaveNet vocoder: a mixture of logistics conditioned on the audio's
/// own log-mel (learned upsampling) trains on sines and sawtooths; the
/// run stores its mel front end, and generation from a recording's mel is
/// the same on both paths.
#[test]
fn trains_a_mel_conditioned_mixture_vocoder() {
    use audio_models::datasets::{ClassificationDataset, Split};
    use audio_models::vocoder::LogMel;
    let root = audio_test_fixtures::scratch_dir("audio-models-wavenet-vocoder");
    for split in ["train", "valid"] {
        let dir = root.join(split).join("tones");
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..3 {
            let f = 150.0 + 70.0 * k as f32;
            let y: Vec<f32> = (0..4000)
                .map(|n| 0.5 * (2.0 * std::f32::consts::PI * f * n as f32 / 8000.0).sin())
                .collect();
            let audio = audio_io::Audio {
                samples: Array2::from_shape_vec((1, 4000), y).unwrap(),
                sample_rate: 8000,
            };
            audio_io::wav::write_wav(
                dir.join(format!("{k}.wav")),
                &audio,
                &audio_io::wav::WavWriteOptions::default(),
            )
            .unwrap();
        }
    }
    let train_set = ClassificationDataset::open(&root, Split::Train).unwrap();
    let valid_set = ClassificationDataset::open(&root, Split::Valid).unwrap();
    let config = audio_models::wavenet::TrainConfig {
        output_samples: 256,
        batch_size: 4,
        steps_per_epoch: 6,
        epochs: 4,
        patience: 4,
        lr: 3e-3,
        ..audio_models::wavenet::TrainConfig::new(WaveNetConfig {
            residual_channels: 8,
            skip_channels: 16,
            layers_per_stack: 5,
            stacks: 1,
            quantization_channels: 65_536,
            mixtures: Some(2),
            local_channels: Some(10),
            local_hop: 16,
            upsample_scales: vec![4, 4],
            ..WaveNetConfig::default()
        })
    };
    let run = root.join("run");
    let report = audio_models::wavenet::train(&train_set, &valid_set, &config, &run).unwrap();
    let first = report.history.first().unwrap().valid_loss.unwrap();
    let (_, best) = report.best.unwrap();
    assert!(best < first, "valid NLL {first} -> {best}");
    let model = FastWaveNet::load(&run).unwrap();
    let mel_config = model.log_mel().unwrap().clone();
    assert_eq!(
        (mel_config.n_mels, mel_config.hop, mel_config.n_fft),
        (10, 16, 64)
    );
    let tone: Vec<f32> = (0..1600).map(|n| 0.5 * (n as f32 * 0.12).sin()).collect();
    let mel = LogMel::from_config(&mel_config)
        .unwrap()
        .compute(&tone)
        .unwrap();
    assert_eq!(mel.dim(), (10, 100));
    let gen = GenerateConfig {
        seed: 3,
        ..GenerateConfig::default()
    };
    let a = model.generate_audio(1600, Some(mel.view()), &gen).unwrap();
    assert_eq!(
        a,
        model
            .generate_audio_naive(1600, Some(mel.view()), &gen)
            .unwrap()
    );
    let _ = std::fs::remove_dir_all(&root);
}
