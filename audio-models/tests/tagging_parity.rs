//! The tagging networks against the PyTorch reference
//! (`tools/reference/tagging_fixtures.py`): SampleCNN, SampleCNN+SE and the
//! short-chunk CNNs (plain and residual) of `sota-music-tagging-models` at
//! full size, with hash-generated weights and calibrated, perturbed
//! BatchNorm statistics, and two small networks from real `.pth` files.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::{BTreeSet, HashMap};

use audio_io::weights::Weights;
use audio_models::tagging::{Architecture, Pass, TaggerConfig, TaggerNet};
use audio_nn::frontend::mel_db::{MelDb, MelDbConfig};
use audio_nn::init::SeededVarMap;
use audio_test_fixtures::{fixtures_dir, read_json, read_npy_f32};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

/// The bound on probabilities. Float32 convolutions summed in
/// another order than PyTorch's (oneDNN) differ in the last bits; through
/// 11 layers and a sigmoid the largest difference seen is reported by each
/// test run.
const PROBABILITY_A_TOL: f32 = 1e-4;
/// dB mel spectrogram: our filterbank is computed in float64 (torchaudio's
/// in float32) and `10 log10` by `ln`; bins far below the peak carry the
/// largest absolute dB differences.
const MEL_DB_A_TOL: f32 = 2e-3;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("tagging")
}

/// splitmix64 of (tensor index, element index) → float32, as the script's
/// `fill`.
fn fill(index: u64, n: usize, scale: f32, offset: f32) -> Vec<f32> {
    (1..=n as u64)
        .map(|j| {
            let mut z = (index + 1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(j.wrapping_mul(0xD1B5_4A32_D192_ED03));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 40) as f32 / (1u32 << 24) as f32;
            (u * 2.0 - 1.0) * scale + offset
        })
        .collect()
}

fn generated_weights(arch: &str) -> HashMap<String, Tensor> {
    let listing = read_json(dir().join("weights.json"));
    let mut map = HashMap::new();
    for entry in listing[arch].as_array().unwrap() {
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let n = shape.iter().product();
        let values = fill(
            entry["index"].as_u64().unwrap(),
            n,
            entry["scale"].as_f64().unwrap() as f32,
            entry["offset"].as_f64().unwrap() as f32,
        );
        let key = entry["key"].as_str().unwrap().to_string();
        map.insert(key, Tensor::from_vec(values, shape, &Device::Cpu).unwrap());
    }
    let stats = Weights::load(dir().join(format!("{arch}_running_stats.pth"))).unwrap();
    for key in stats.keys() {
        let t = stats.get(key).unwrap();
        map.insert(
            key.to_string(),
            Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), &Device::Cpu).unwrap(),
        );
    }
    map
}

fn probabilities(net: &TaggerNet) -> Vec<f32> {
    let x = read_npy_f32(dir().join("input.npy"));
    let shape = x.shape().to_vec();
    let x = Tensor::from_vec(x.iter().copied().collect::<Vec<f32>>(), shape, &Device::Cpu).unwrap();
    let logits = net.forward(&x, &mut Pass::Eval).unwrap();
    candle_nn::ops::sigmoid(&logits)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn max_abs_diff(ours: &[f32], want: &[f32]) -> f32 {
    assert_eq!(ours.len(), want.len());
    ours.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

fn expected(name: &str) -> Vec<f32> {
    read_npy_f32(dir().join(format!("{name}.npy")))
        .iter()
        .copied()
        .collect()
}

fn check_full_size(arch: Architecture, fixture: &str) {
    let config = TaggerConfig::reference(arch, 50);
    // Our key tree is the reference's: the variables the network asks for
    // are exactly the listed tensors.
    let store = SeededVarMap::new(0);
    TaggerNet::new(&config, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let ours: BTreeSet<String> = store
        .varmap()
        .data()
        .lock()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let weights = generated_weights(fixture);
    let theirs: BTreeSet<String> = weights.keys().cloned().collect();
    assert_eq!(ours, theirs, "{fixture}: key trees differ");

    let net = TaggerNet::new(
        &config,
        VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu),
    )
    .unwrap();
    let want = expected(fixture);
    let diff = max_abs_diff(&probabilities(&net), &want);
    eprintln!("{fixture}: max |p - p_torch| = {diff:e}");
    assert!(diff <= PROBABILITY_A_TOL, "{fixture}: {diff}");
}

#[test]
fn sample_cnn_matches_pytorch() {
    check_full_size(Architecture::SampleCnn, "sample_cnn");
}

#[test]
fn sample_cnn_se_matches_pytorch() {
    check_full_size(Architecture::SampleCnnSe, "sample_cnn_se");
}

#[test]
fn short_chunk_cnn_matches_pytorch() {
    check_full_size(Architecture::ShortChunkCnn, "short_chunk");
}

#[test]
fn short_chunk_cnn_res_matches_pytorch() {
    check_full_size(Architecture::ShortChunkCnnRes, "short_chunk_res");
}

#[test]
fn mel_front_end_matches_torchaudio() {
    let mel = MelDb::new(MelDbConfig::short_chunk(), DType::F32, &Device::Cpu).unwrap();
    let x = read_npy_f32(dir().join("input.npy"));
    let shape = x.shape().to_vec();
    let x = Tensor::from_vec(x.iter().copied().collect::<Vec<f32>>(), shape, &Device::Cpu).unwrap();
    let db = mel.forward(&x).unwrap();
    let want = read_npy_f32(dir().join("short_chunk_mel_db.npy"));
    assert_eq!(db.dims(), want.shape());
    let ours: Vec<f32> = db.flatten_all().unwrap().to_vec1().unwrap();
    let want: Vec<f32> = want.iter().copied().collect();
    let diff = max_abs_diff(&ours, &want);
    eprintln!("mel dB: max diff {diff:e}");
    assert!(diff <= MEL_DB_A_TOL, "{diff}");
}

/// The reference's own files: `torch.save(model.state_dict())`, with
/// torchaudio's buffers (`spec.*`) and `num_batches_tracked`, which are not
/// read.
#[test]
fn reference_pth_state_dicts_load_by_their_own_keys() {
    for (arch, name) in [
        (Architecture::ShortChunkCnn, "short_chunk_small"),
        (Architecture::ShortChunkCnnRes, "short_chunk_res_small"),
    ] {
        let weights = Weights::load(dir().join(format!("{name}.pth"))).unwrap();
        assert!(weights.keys().any(|k| k.starts_with("spec.")));
        let mut map = HashMap::new();
        for key in weights.keys() {
            let t = weights.get(key).unwrap();
            let v = Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), &Device::Cpu).unwrap();
            map.insert(key.to_string(), v);
        }
        let mut config = TaggerConfig::reference(arch, 50);
        config.n_channels = 8;
        let net = TaggerNet::new(
            &config,
            VarBuilder::from_tensors(map, DType::F32, &Device::Cpu),
        )
        .unwrap();
        let diff = max_abs_diff(&probabilities(&net), &expected(name));
        eprintln!("{name}: max diff {diff:e}");
        assert!(diff <= PROBABILITY_A_TOL, "{name}: {diff}");
    }
}

#[test]
fn the_fixture_lists_the_four_reference_networks() {
    let listing = read_json(dir().join("weights.json"));
    let names: BTreeSet<&str> = listing
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = [
        "sample_cnn",
        "sample_cnn_se",
        "short_chunk",
        "short_chunk_res",
    ]
    .into();
    assert_eq!(names, want);
}

/// Seconds per training step (forward, loss, backward) of SampleCNN at
/// batch 16: `cargo test --release -p audio-models --test tagging_parity
/// -- --ignored --nocapture training_step_time`.
#[test]
#[ignore = "a timing, not a check"]
fn training_step_time() {
    for widths in [
        vec![16, 16, 16, 32, 32, 32, 32, 32, 32, 64, 64],
        vec![32, 32, 32, 64, 64, 64, 64, 64, 64, 128, 128],
        audio_models::tagging::SAMPLE_CNN_WIDTHS.to_vec(),
    ] {
        let mut config = TaggerConfig::reference(Architecture::SampleCnn, 12);
        config.widths = widths.clone();
        let store = SeededVarMap::new(0);
        let net = TaggerNet::new(&config, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
        let x = Tensor::randn(0f32, 0.1, (16, 59049), &Device::Cpu).unwrap();
        let mut rng = audio_dsp::SeededRng::new(0);
        let t0 = std::time::Instant::now();
        let reps = 3;
        for _ in 0..reps {
            let y = net.forward(&x, &mut Pass::Train(&mut rng)).unwrap();
            let loss = y.sqr().unwrap().mean_all().unwrap();
            let _ = loss.backward().unwrap();
        }
        let fb = t0.elapsed().as_secs_f64() / f64::from(reps);
        let t0 = std::time::Instant::now();
        let _ = net.forward(&x, &mut Pass::Eval).unwrap();
        eprintln!(
            "widths {widths:?}: train step {fb:.3} s, eval forward {:.3} s",
            t0.elapsed().as_secs_f64()
        );
    }
}
