//! The denoising autoencoders of seed 002: the spectrogram front end
//! against librosa, the network against a PyTorch module with random
//! weights (DCAE and VAE), the VAE's loss, its KL term against the
//! divergence integrated numerically, the reparameterisation gradient
//! against finite differences, training, loading, determinism and errors.
//! Fixtures: `tools/reference/denoiser_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::datasets::DenoisingDataset;
use audio_models::denoiser::{
    autoencoder_loss, train, AutoencoderKind, AutoencoderNet, DenoiserConfig, SpectrogramConfig,
    SpectrogramDenoiser, SpectrogramFrontEnd, TrainConfig,
};
use audio_models::{Error, Split};
use audio_nn::loss::{reparameterize, vae_kl};
use audio_test_fixtures::{
    assert_close, fixtures_dir, read_json, read_npy_f32, scratch_dir, to_dyn,
};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarBuilder;
use ndarray::{Array2, ArrayD};

/// dB values against librosa's float32 pipeline, in dB: both resample
/// with soxr HQ (ours equal to soxr's float32 rounding) and take float32
/// STFTs; near the 80 dB floor a bin is 1e-4 of the peak, where float32
/// rounding of the transform (~1e-7 of the peak) moves it by ~0.01 dB.
const DB_TOL: f32 = 0.02;

/// The network in float32 against PyTorch's: sums of up to 38 400 products
/// in the dense layers in another order, relative to the peak.
const NET_TOL: f64 = 1e-5;

/// The VAE's loss (50000 × MSE + KL) relative: the MSE's float32 rounding
/// times α.
const LOSS_TOL: f64 = 1e-5;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("denoiser")
}

fn case(name: &str) -> (DenoiserConfig, VarBuilder<'static>) {
    let config: DenoiserConfig =
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

fn npy_tensor(name: &str) -> Tensor {
    let a = read_npy_f32(dir().join(format!("{name}.npy")));
    Tensor::from_vec(a.iter().copied().collect(), a.shape(), &Device::Cpu).unwrap()
}

fn dyn_of(t: &Tensor) -> ArrayD<f32> {
    ArrayD::from_shape_vec(
        t.dims().to_vec(),
        t.flatten_all().unwrap().to_vec1().unwrap(),
    )
    .unwrap()
}

/// Loads a fixture network with its BatchNorm running statistics.
fn fixture_net(name: &str) -> AutoencoderNet {
    let (config, vb) = case(name);
    let net = AutoencoderNet::new(config, vb.clone()).unwrap();
    net.set_running_stats(|k| vb.get_unchecked(k).ok()).unwrap();
    net
}

#[test]
fn front_end_matches_librosa() {
    let front = SpectrogramFrontEnd::new(SpectrogramConfig::default()).unwrap();
    for name in ["long", "short"] {
        let clip = front.load(&dir().join(format!("{name}.wav"))).unwrap();
        assert_eq!(clip.len(), 12_127);
        let ours = front.db(&clip).unwrap();
        let theirs = read_npy_f32(dir().join(format!("{name}_db.npy")));
        assert_eq!(ours.shape(), theirs.shape(), "{name}");
        let worst = ours
            .iter()
            .zip(theirs.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= DB_TOL, "{name}: {worst} dB");
        let scaled = front.scaled(&clip).unwrap();
        let lo = scaled.values.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = scaled
            .values
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        assert!(lo == 0.0 && hi == 1.0, "{name}: scaled to [{lo}, {hi}]");
        assert!(
            (scaled.max - scaled.min - 80.0).abs() < 1e-3,
            "top_db floor"
        );
        let back = scaled.to_db();
        assert!(back
            .iter()
            .zip(ours.iter())
            .all(|(a, b)| (a - b).abs() < 1e-4));
    }
}

#[test]
fn networks_match_pytorch() {
    for name in ["vae", "dcae"] {
        let net = fixture_net(name);
        let x = npy_tensor(&format!("{name}_input"));
        let out = net.forward(&x, None).unwrap();
        assert_close(
            &format!("{name} mu"),
            &dyn_of(&out.encoded.mu),
            &read_npy_f32(dir().join(format!("{name}_mu.npy"))),
            NET_TOL,
        );
        assert_close(
            &format!("{name} output"),
            &dyn_of(&out.reconstruction),
            &read_npy_f32(dir().join(format!("{name}_output.npy"))),
            NET_TOL,
        );
        match (name, &out.encoded.log_var) {
            ("vae", Some(lv)) => assert_close(
                "vae log_var",
                &dyn_of(lv),
                &read_npy_f32(dir().join("vae_log_var.npy")),
                NET_TOL,
            ),
            ("dcae", None) => {}
            _ => panic!("{name}: wrong bottleneck"),
        }
    }
}

#[test]
fn vae_loss_matches_pytorch() {
    let net = fixture_net("vae");
    let x = npy_tensor("vae_input");
    let enc = net.encode(&x, false).unwrap();
    let log_var = enc.log_var.clone().unwrap();
    let z = reparameterize(&enc.mu, &log_var, &npy_tensor("vae_eps")).unwrap();
    let y = net.decode(&z, false).unwrap();
    assert_close(
        "decoded z",
        &dyn_of(&y),
        &read_npy_f32(dir().join("vae_z_output.npy")),
        NET_TOL,
    );
    let loss = autoencoder_loss(
        AutoencoderKind::Vae,
        &y,
        &npy_tensor("vae_target"),
        &enc.mu,
        Some(&log_var),
        50_000.0,
    )
    .unwrap();
    assert_close(
        "loss",
        &dyn_of(&loss.reshape(1).unwrap()),
        &read_npy_f32(dir().join("vae_loss.npy")),
        LOSS_TOL,
    );
}

/// `KL(N(μ, σ²) ‖ N(0, 1))` of one dimension by the midpoint rule over
/// ±12 standard deviations: `∫ p(x) (log p(x) − log q(x)) dx`.
fn kl_integrated(mu: f64, log_var: f64) -> f64 {
    let sigma = (0.5 * log_var).exp();
    let (lo, hi) = (mu - 12.0 * sigma, mu + 12.0 * sigma);
    let n = 200_000;
    let h = (hi - lo) / f64::from(n);
    let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    (0..n)
        .map(|i| {
            let x = lo + (f64::from(i) + 0.5) * h;
            let log_p = -0.5 * ((x - mu) / sigma).powi(2) - sigma.ln() - 0.5 * ln_2pi;
            let log_q = -0.5 * x * x - 0.5 * ln_2pi;
            log_p.exp() * (log_p - log_q) * h
        })
        .sum()
}

#[test]
fn kl_term_is_the_divergence() {
    let rows = [
        vec![(0.0, 0.0), (0.0, 0.0)],
        vec![(1.5, -1.0), (-0.7, 0.8), (0.2, -3.0)],
        vec![(-2.0, 1.5), (3.0, 0.1), (0.0, -0.5)],
    ];
    for params in rows {
        let mu: Vec<f64> = params.iter().map(|p| p.0).collect();
        let lv: Vec<f64> = params.iter().map(|p| p.1).collect();
        let d = params.len();
        let ours = vae_kl(
            &Tensor::from_vec(mu.clone(), (1, d), &Device::Cpu).unwrap(),
            &Tensor::from_vec(lv.clone(), (1, d), &Device::Cpu).unwrap(),
        )
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
        let integrated: f64 = mu.iter().zip(&lv).map(|(&m, &v)| kl_integrated(m, v)).sum();
        assert!(
            (ours - integrated).abs() < 1e-6 * integrated.max(1.0),
            "{params:?}: closed form {ours} vs integral {integrated}"
        );
        assert!(ours >= 0.0);
    }
}

/// The gradient of the VAE's loss with respect to `μ` and `log σ²`
/// through the reparameterisation `z = μ + exp(log σ²/2)·ε` (fixed `ε`)
/// and a decoder, by autograd, against central finite differences, in f64.
#[test]
fn reparameterisation_gradient_matches_finite_differences() {
    let config = DenoiserConfig {
        filters: vec![2, 2],
        latent_dim: 3,
        ..DenoiserConfig::default()
    };
    let store = audio_nn::init::SeededVarMap::new(3);
    let net = AutoencoderNet::new(config, store.var_builder(DType::F64, &Device::Cpu)).unwrap();
    let dev = Device::Cpu;
    let target = Tensor::rand(0.0f64, 1.0, (1, 1, 256, 48), &dev).unwrap();
    let eps = Tensor::new(&[[0.3f64, -1.1, 0.7]], &dev).unwrap();
    let mu0 = [0.2f64, -0.4, 0.9];
    let lv0 = [-0.3f64, 0.5, -1.2];
    let loss_of = |mu: &Tensor, lv: &Tensor| -> Tensor {
        let z = reparameterize(mu, lv, &eps).unwrap();
        let y = net.decode(&z, false).unwrap();
        autoencoder_loss(AutoencoderKind::Vae, &y, &target, mu, Some(lv), 50.0).unwrap()
    };
    let mu = Var::new(&[mu0], &dev).unwrap();
    let lv = Var::new(&[lv0], &dev).unwrap();
    let grads = loss_of(mu.as_tensor(), lv.as_tensor()).backward().unwrap();
    let g_mu = grads.get(mu.as_tensor()).unwrap().to_vec2::<f64>().unwrap()[0].clone();
    let g_lv = grads.get(lv.as_tensor()).unwrap().to_vec2::<f64>().unwrap()[0].clone();
    let value = |m: [f64; 3], v: [f64; 3]| -> f64 {
        loss_of(
            &Tensor::new(&[m], &dev).unwrap(),
            &Tensor::new(&[v], &dev).unwrap(),
        )
        .to_scalar::<f64>()
        .unwrap()
    };
    let h = 1e-5;
    for i in 0..3 {
        let (mut up, mut down) = (mu0, mu0);
        up[i] += h;
        down[i] -= h;
        let fd = (value(up, lv0) - value(down, lv0)) / (2.0 * h);
        assert!(
            (fd - g_mu[i]).abs() < 1e-5 * fd.abs().max(1.0),
            "dμ{i}: {fd} vs {}",
            g_mu[i]
        );
        let (mut up, mut down) = (lv0, lv0);
        up[i] += h;
        down[i] -= h;
        let fd = (value(mu0, up) - value(mu0, down)) / (2.0 * h);
        assert!(
            (fd - g_lv[i]).abs() < 1e-5 * fd.abs().max(1.0),
            "dlogσ²{i}: {fd} vs {}",
            g_lv[i]
        );
    }
}

/// A tiny denoising tree: harmonic tones (clean) and the tones with white
/// noise (noisy), 8 kHz like the dataset tool's.
fn write_tiny_dataset(root: &std::path::Path) {
    let mut state = 12_345u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    for (split, count) in [(Split::Train, 6), (Split::Valid, 2), (Split::Test, 2)] {
        for sub in ["clean", "noisy"] {
            std::fs::create_dir_all(root.join(split.as_str()).join(sub)).unwrap();
        }
        for k in 0..count {
            let f0 = 150.0 + 40.0 * k as f32;
            let clean: Vec<f32> = (0..4800)
                .map(|n| {
                    let t = n as f32 / 8000.0;
                    (1..5)
                        .map(|h| (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32)
                        .sum::<f32>()
                        * 0.2
                })
                .collect();
            let noisy: Vec<f32> = clean.iter().map(|v| v + 0.1 * noise()).collect();
            for (sub, data) in [("clean", &clean), ("noisy", &noisy)] {
                let audio = audio_io::Audio {
                    samples: Array2::from_shape_vec((1, data.len()), data.clone()).unwrap(),
                    sample_rate: 8000,
                };
                let path = root
                    .join(split.as_str())
                    .join(sub)
                    .join(format!("tone-{k}.wav"));
                audio_io::wav::write_wav(&path, &audio, &Default::default()).unwrap();
            }
        }
    }
}

fn tiny_config(kind: AutoencoderKind) -> TrainConfig {
    TrainConfig {
        epochs: 3,
        batch_size: 3,
        lr: 2e-3,
        ..TrainConfig::new(DenoiserConfig {
            kind,
            filters: vec![4, 4],
            latent_dim: 8,
            ..DenoiserConfig::default()
        })
    }
}

#[test]
fn trains_loads_and_denoises_deterministically() {
    let root = scratch_dir("denoiser-train");
    write_tiny_dataset(&root.join("data"));
    let train_set = DenoisingDataset::open(root.join("data"), Split::Train).unwrap();
    let valid_set = DenoisingDataset::open(root.join("data"), Split::Valid).unwrap();
    let test_set = DenoisingDataset::open(root.join("data"), Split::Test).unwrap();
    for kind in [AutoencoderKind::Vae, AutoencoderKind::Dcae] {
        let mut outputs = Vec::new();
        for run in ["a", "b"] {
            let out = root.join(format!("{}-{run}", kind.name()));
            let report = train(&train_set, &valid_set, &tiny_config(kind), &out).unwrap();
            assert_eq!(report.history.len(), 3);
            let first = report.history[0].train_loss;
            let last = report.history[2].train_loss;
            assert!(last < first, "{kind:?}: loss {first} -> {last}");
            let model = SpectrogramDenoiser::load(&out).unwrap();
            assert_eq!(model.config().kind, kind);
            let scores = model.evaluate(&test_set, 4, None).unwrap();
            assert_eq!(scores.pairs, 2);
            assert!(scores.mse.is_finite() && scores.si_sdr_denoised.is_finite());
            let noisy = model
                .front_end()
                .load(&test_set.paths(0).unwrap().0)
                .unwrap();
            let long: Vec<f32> = noisy
                .iter()
                .chain(&noisy)
                .chain(&noisy[..500])
                .copied()
                .collect();
            let denoised = model.denoise(&long).unwrap();
            assert_eq!(denoised.len(), long.len());
            // Streamed: one block per clip (two whole, one of 500), the
            // same samples.
            let view = ndarray::ArrayView2::from_shape((1, long.len()), &long).unwrap();
            let mut blocks: Vec<Vec<f32>> = Vec::new();
            model
                .denoise_source(
                    &mut audio_models::mixture_source::InMemoryMixture::new(view),
                    |b| {
                        blocks.push(b.to_vec());
                        Ok(())
                    },
                )
                .unwrap();
            assert_eq!(blocks.len(), 3);
            assert_eq!(blocks[2].len(), 500);
            assert_eq!(blocks.concat(), denoised);
            assert!(denoised.iter().all(|v| v.is_finite()));
            outputs.push((scores.mse, denoised));
        }
        assert_eq!(
            outputs[0].0.to_bits(),
            outputs[1].0.to_bits(),
            "{kind:?}: same seed, same model"
        );
        assert_eq!(
            outputs[0].1, outputs[1].1,
            "{kind:?}: same seed, same audio"
        );
    }
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn bad_configurations_and_inputs_are_errors() {
    let even = DenoiserConfig {
        kernels: vec![4, 3],
        ..DenoiserConfig::default()
    };
    assert!(matches!(
        even.validate(),
        Err(Error::InvalidParameter {
            name: "kernels",
            ..
        })
    ));
    let strides = DenoiserConfig {
        strides: vec![2, 5],
        ..DenoiserConfig::default()
    };
    assert!(matches!(
        strides.validate(),
        Err(Error::InvalidParameter {
            name: "strides",
            ..
        })
    ));
    assert!(matches!(
        DenoiserConfig::seed(AutoencoderKind::Dcae, 5, 32),
        Err(Error::InvalidParameter { name: "depth", .. })
    ));
    let short = SpectrogramConfig {
        duration: f64::NAN,
        ..SpectrogramConfig::default()
    };
    assert!(SpectrogramFrontEnd::new(short).is_err());

    let store = audio_nn::init::SeededVarMap::new(0);
    let small = DenoiserConfig {
        filters: vec![2, 2],
        latent_dim: 2,
        ..DenoiserConfig::default()
    };
    let net =
        AutoencoderNet::new(small.clone(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let wrong = Tensor::zeros((1, 1, 257, 48), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        net.forward(&wrong, None),
        Err(Error::ShapeMismatch { .. })
    ));
    let z = Tensor::zeros((1, 5), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        net.decode(&z, false),
        Err(Error::ShapeMismatch { .. })
    ));

    let empty = VarBuilder::from_tensors(Default::default(), DType::F32, &Device::Cpu);
    let err = AutoencoderNet::new(small.clone(), empty)
        .unwrap_err()
        .to_string();
    assert!(err.contains("encoder.conv.0.weight"), "{err}");

    let model =
        SpectrogramDenoiser::new(small, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    assert!(matches!(model.denoise(&[]), Err(Error::Empty { .. })));
    assert!(SpectrogramDenoiser::load(scratch_dir("denoiser-missing")).is_err());
    let _ = to_dyn(&Array2::<f32>::zeros((1, 1)));
}
