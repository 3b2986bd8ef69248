//! `OpenUnmix` against `openunmix.model.OpenUnmix` (openunmix 1.3.0) on
//! random weights, and checkpoint loading errors.
//! Fixtures: `tools/reference/umx_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_io::weights::{Dtype, TensorData, Weights};
use audio_models::open_unmix::{convert_to_safetensors, OpenUnmix, OpenUnmixConfig};
use audio_models::Error;
use audio_test_fixtures::{assert_close, fixtures_dir, read_json, read_npy_f32, relative_error};
use candle_core::{Device, Tensor};
use ndarray::ArrayD;

/// float32 on both sides; the 3-layer BiLSTM and the 4098-wide fc3 sum a few
/// thousand products per output, so rounding differs at ~1e-6 of the largest value.
const MODEL_TOL: f64 = 1e-4;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("open_unmix")
}

fn config_of(case: &str) -> OpenUnmixConfig {
    let j = read_json(dir().join(format!("model_{case}.json")));
    OpenUnmixConfig {
        nb_bins: j["nb_bins"].as_u64().unwrap() as usize,
        nb_channels: j["nb_channels"].as_u64().unwrap() as usize,
        hidden_size: j["hidden_size"].as_u64().unwrap() as usize,
        nb_layers: j["nb_layers"].as_u64().unwrap() as usize,
        unidirectional: j["unidirectional"].as_bool().unwrap(),
        max_bin: j["max_bin"].as_u64().map(|v| v as usize),
    }
}

fn run(model: &OpenUnmix, case: &str) -> (ArrayD<f32>, ArrayD<f32>) {
    let x = read_npy_f32(dir().join(format!("model_{case}_x.npy")));
    let expected = read_npy_f32(dir().join(format!("model_{case}_y.npy")));
    let t = Tensor::from_vec(
        x.iter().copied().collect::<Vec<_>>(),
        x.shape(),
        &Device::Cpu,
    )
    .unwrap();
    let y = model.forward(&t).unwrap();
    let got =
        ArrayD::from_shape_vec(y.dims(), y.flatten_all().unwrap().to_vec1().unwrap()).unwrap();
    eprintln!(
        "{case}: relative error {:e}",
        relative_error(&got, &expected)
    );
    (got, expected)
}

/// The SplitMix64-style hash of `umx_fixtures.hash_uniform`.
fn hash_uniform(k: u64, n: usize) -> Vec<f64> {
    (1..=n as u64)
        .map(|i| {
            let mut x = i
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(k.wrapping_mul(0xBF58_476D_1CE4_E5B9));
            x ^= x >> 31;
            x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^= x >> 29;
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// `umx_fixtures.formula_weights`: the same rule per key, over the sorted keys.
fn formula_weights(config: &OpenUnmixConfig) -> Weights {
    let mut shapes = config.expected_shapes();
    shapes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut w = Weights::default();
    for (k, (name, shape)) in shapes.iter().enumerate() {
        let n: usize = shape.iter().product();
        let u = hash_uniform(k as u64, n);
        let v: Vec<f32> = u
            .iter()
            .map(|&u| {
                let v = if name.ends_with("running_var")
                    || ["input_scale", "output_scale", "output_mean"].contains(&name.as_str())
                {
                    0.5 + u
                } else if name.ends_with("running_mean")
                    || (name.starts_with("bn") && name.ends_with(".bias"))
                {
                    0.2 * (2.0 * u - 1.0)
                } else if name.starts_with("bn") && name.ends_with(".weight") {
                    1.0 + 0.2 * (2.0 * u - 1.0)
                } else if name == "input_mean" {
                    -u
                } else if name.starts_with("lstm") {
                    (2.0 * u - 1.0) / (config.lstm_hidden_size() as f64).sqrt()
                } else {
                    (2.0 * u - 1.0) / (shape[1] as f64).sqrt()
                };
                v as f32
            })
            .collect();
        w.insert(
            name.clone(),
            TensorData {
                dtype: Dtype::F32,
                shape: shape.clone(),
                data: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            },
        );
    }
    w
}

#[test]
fn hidden_64_bidirectional_from_pth_matches_pytorch() {
    let model = OpenUnmix::load(dir().join("model_h64_bi.pth"), &Device::Cpu).unwrap();
    assert_eq!(*model.config(), config_of("h64_bi"));
    let (got, expected) = run(&model, "h64_bi");
    assert_close("h64_bi", &got, &expected, MODEL_TOL);
}

#[test]
fn hidden_64_unidirectional_mono_from_pth_matches_pytorch() {
    let model = OpenUnmix::load(dir().join("model_h64_uni_mono.pth"), &Device::Cpu).unwrap();
    assert_eq!(*model.config(), config_of("h64_uni_mono"));
    let (got, expected) = run(&model, "h64_uni_mono");
    assert_close("h64_uni_mono", &got, &expected, MODEL_TOL);
}

#[test]
fn hidden_512_bidirectional_matches_pytorch() {
    let config = config_of("h512_bi");
    let model = OpenUnmix::from_weights(config, &formula_weights(&config), &Device::Cpu).unwrap();
    let (got, expected) = run(&model, "h512_bi");
    assert_close("h512_bi", &got, &expected, MODEL_TOL);
}

#[test]
fn hidden_512_unidirectional_matches_pytorch() {
    let config = config_of("h512_uni");
    let model = OpenUnmix::from_weights(config, &formula_weights(&config), &Device::Cpu).unwrap();
    let (got, expected) = run(&model, "h512_uni");
    assert_close("h512_uni", &got, &expected, MODEL_TOL);
}

#[test]
fn safetensors_conversion_loads_the_same_model() {
    let tmp = std::env::temp_dir().join(format!("umx_convert_{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("h64_bi.safetensors");
    let cfg = convert_to_safetensors(dir().join("model_h64_bi.pth"), &out).unwrap();
    assert_eq!(cfg, config_of("h64_bi"));
    let model = OpenUnmix::load(&out, &Device::Cpu).unwrap();
    let (got, expected) = run(&model, "h64_bi");
    assert_close("h64_bi from safetensors", &got, &expected, MODEL_TOL);
    std::fs::remove_dir_all(&tmp).unwrap();
}

fn without(w: &Weights, key: &str) -> Weights {
    let mut out = Weights::default();
    for k in w.keys().filter(|k| *k != key) {
        out.insert(k, w.get(k).unwrap().clone());
    }
    out
}

#[test]
fn missing_key_names_the_key_and_shape() {
    let w = Weights::load(dir().join("model_h64_bi.pth")).unwrap();
    let config = OpenUnmixConfig::infer(&w).unwrap();
    let err = OpenUnmix::from_weights(
        config,
        &without(&w, "lstm.weight_hh_l1_reverse"),
        &Device::Cpu,
    )
    .unwrap_err();
    match &err {
        Error::MissingKey { key, expected } => {
            assert_eq!(key, "lstm.weight_hh_l1_reverse");
            assert_eq!(expected, &vec![128, 32]);
        }
        other => panic!("expected MissingKey, got {other:?}"),
    }
    assert!(err.to_string().contains("lstm.weight_hh_l1_reverse"));
}

#[test]
fn wrong_shape_names_the_key_and_both_shapes() {
    let w = Weights::load(dir().join("model_h64_bi.pth")).unwrap();
    let config = OpenUnmixConfig::infer(&w).unwrap();
    let mut bad = without(&w, "bn2.running_var");
    bad.insert(
        "bn2.running_var",
        TensorData {
            dtype: Dtype::F32,
            shape: vec![65],
            data: vec![0; 65 * 4],
        },
    );
    let err = OpenUnmix::from_weights(config, &bad, &Device::Cpu).unwrap_err();
    assert!(
        matches!(&err, Error::WeightShape { key, expected, got }
            if key == "bn2.running_var" && expected == &vec![64] && got == &vec![65]),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("bn2.running_var") && msg.contains("[64]") && msg.contains("[65]"),
        "{msg}"
    );
}

#[test]
fn different_hidden_size_names_fc1_and_both_shapes() {
    let w = Weights::load(dir().join("model_h64_bi.pth")).unwrap();
    let config = OpenUnmixConfig {
        hidden_size: 512,
        ..OpenUnmixConfig::infer(&w).unwrap()
    };
    let err = OpenUnmix::from_weights(config, &w, &Device::Cpu).unwrap_err();
    assert!(
        matches!(&err, Error::WeightShape { key, expected, got }
            if key == "fc1.weight" && expected == &vec![512, 200] && got == &vec![64, 200]),
        "{err:?}"
    );
}

#[test]
fn wrong_input_shape_is_an_error() {
    let model = OpenUnmix::load(dir().join("model_h64_bi.pth"), &Device::Cpu).unwrap();
    let x = Tensor::zeros((1, 2, 100, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        model.forward(&x),
        Err(Error::ShapeMismatch { .. })
    ));
}
