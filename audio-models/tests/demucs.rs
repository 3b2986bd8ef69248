//! `demucs::DemucsNet` and `apply_model` against demucs 4.1.0, on a
//! random-weight `demucs.demucs.Demucs` saved in the release format (float16
//! state, pickled class, `args`, `kwargs`) with non-default hyperparameters.
//! Fixtures: `tools/reference/demucs_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_io::weights::Weights;
use audio_models::demucs::{
    apply_model, apply_model_with_offsets, ApplyConfig, Demucs, DemucsModel, DemucsNet,
    ResampleFrac,
};
use audio_models::{Error, Separator};
use audio_test_fixtures::{assert_close, fixtures_dir, read_npy_f32, relative_error, to_dyn};
use candle_core::{Device, Tensor};
use ndarray::{Array2, Ix2};

/// The bound, relative to the reference maximum. Both sides run in
/// float32 from the same float16 weights; what differs is summation order
/// (convolutions, LSTM gates, softmax, julius's FIR) and our f64-built
/// resampling kernels, measured at about 1e-6.
const DEMUCS_TOL: f64 = 1e-4;

/// julius's FIR in float32 against ours (kernels built in f64, rounded).
const RESAMPLE_TOL: f64 = 1e-5;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("demucs")
}

fn model() -> Demucs {
    let apply = ApplyConfig {
        shifts: 0,
        ..ApplyConfig::default()
    };
    Demucs::load(dir().join("demucs_small.th"), apply, &Device::Cpu).unwrap()
}

/// The v2 network of a single-model release.
fn net(m: &Demucs) -> &DemucsNet {
    match m.model() {
        DemucsModel::Demucs(n) => n,
        other => panic!("expected demucs.demucs.Demucs, got {}", other.class_name()),
    }
}

fn mix() -> Array2<f32> {
    read_npy_f32(dir().join("mix.npy"))
        .into_dimensionality::<Ix2>()
        .unwrap()
}

#[test]
fn the_release_format_loads_with_its_architecture() {
    let m = model();
    let c = net(&m).config();
    assert_eq!(m.targets(), ["drums", "bass", "other", "vocals"]);
    assert_eq!(
        (c.channels, c.depth, c.lstm_layers, c.dconv_mode),
        (8, 3, 1, 3)
    );
    assert_eq!((c.dconv_attn, c.dconv_lstm, c.norm_starts), (2, 2, 1));
    assert_eq!(m.sample_rate(), 8000);
    assert_eq!(c.segment, 1.0);
    // `valid_length` is checked by `forward_matches_the_package`, which pads
    // to it: another length would shift every output sample.
}

#[test]
fn julius_resample_frac_matches() {
    let x = mix();
    let row: Vec<f32> = x.row(0).to_vec();
    for (name, old, new) in [("resample_up", 1, 2), ("resample_down", 2, 1)] {
        let got = ResampleFrac::new(old, new).unwrap().process(&row);
        let expected = read_npy_f32(dir().join(format!("{name}.npy")));
        let got = to_dyn(&ndarray::Array1::from(got));
        assert_close(name, &got, &expected, RESAMPLE_TOL);
    }
}

#[test]
fn forward_matches_the_package() {
    let m = model();
    let x = mix();
    let n = x.ncols();
    let valid = net(&m).config().valid_length(n);
    let delta = valid - n;
    let data: Vec<f32> = x.iter().copied().collect();
    let t = Tensor::from_vec(data, (1, 2, n), &Device::Cpu)
        .unwrap()
        .pad_with_zeros(2, delta / 2, delta - delta / 2)
        .unwrap();
    let y = net(&m).forward(&t).unwrap();
    let y = y.narrow(3, (valid - n) / 2, n).unwrap().squeeze(0).unwrap();
    let got: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
    let got = ndarray::Array3::from_shape_vec((4, 2, n), got).unwrap();
    let expected = read_npy_f32(dir().join("forward.npy"));
    eprintln!("forward: {:e}", relative_error(&to_dyn(&got), &expected));
    assert_close("forward", &to_dyn(&got), &expected, DEMUCS_TOL);
}

#[test]
fn apply_model_with_split_matches_the_package() {
    let m = model();
    let got = apply_model(net(&m), mix().view(), m.apply_config()).unwrap();
    let expected = read_npy_f32(dir().join("split.npy"));
    eprintln!("split: {:e}", relative_error(&to_dyn(&got), &expected));
    assert_close("split", &to_dyn(&got), &expected, DEMUCS_TOL);
}

#[test]
fn apply_model_without_split_matches_the_package() {
    let m = model();
    let config = ApplyConfig {
        shifts: 0,
        split: false,
        ..ApplyConfig::default()
    };
    let got = apply_model(net(&m), mix().view(), &config).unwrap();
    let expected = read_npy_f32(dir().join("nosplit.npy"));
    eprintln!("nosplit: {:e}", relative_error(&to_dyn(&got), &expected));
    assert_close("nosplit", &to_dyn(&got), &expected, DEMUCS_TOL);
}

#[test]
fn shifts_match_the_package_given_its_offsets() {
    let m = model();
    let offsets: Vec<usize> = audio_test_fixtures::read_json(dir().join("shifts.json"))["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let got = apply_model_with_offsets(net(&m), mix().view(), m.apply_config(), &offsets).unwrap();
    let expected = read_npy_f32(dir().join("shifts.npy"));
    eprintln!("shifts: {:e}", relative_error(&to_dyn(&got), &expected));
    assert_close("shifts", &to_dyn(&got), &expected, DEMUCS_TOL);
    let too_far = apply_model_with_offsets(net(&m), mix().view(), m.apply_config(), &[4001]);
    assert!(matches!(
        too_far,
        Err(Error::InvalidParameter {
            name: "offsets",
            ..
        })
    ));
}

#[test]
fn seeded_shifts_repeat() {
    let m = model();
    let config = ApplyConfig {
        shifts: 2,
        seed: 3,
        ..ApplyConfig::default()
    };
    let x = mix();
    let a = apply_model(net(&m), x.view(), &config).unwrap();
    let b = apply_model(net(&m), x.view(), &config).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.shape(), &[4, 2, x.ncols()]);
}

#[test]
fn separate_returns_one_stem_per_source_and_refuses_bad_input() {
    let m = model();
    let x = mix();
    let stems = m.separate(x.view()).unwrap();
    assert_eq!(stems.len(), 4);
    assert!(stems.iter().all(|s| s.dim() == (2, x.ncols())));
    let mono = m.separate(x.slice(ndarray::s![0..1, ..])).unwrap();
    assert_eq!(mono[0].dim(), (2, x.ncols()));
    let three = Array2::<f32>::zeros((3, 100));
    assert!(matches!(
        m.separate(three.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = x.clone();
    nan[[1, 7]] = f32::NAN;
    assert!(matches!(
        m.separate(nan.view()),
        Err(Error::NonFinite { .. })
    ));
}

fn state() -> (Weights, audio_models::demucs::DemucsConfig) {
    let bytes = std::fs::read(dir().join("demucs_small.th")).unwrap();
    let (weights, object) = Weights::from_pth_bytes_with_objects(&bytes).unwrap();
    let config =
        audio_models::demucs::DemucsConfig::from_kwargs(object.get("args"), object.get("kwargs"))
            .unwrap();
    (weights.strip_prefix("state."), config)
}

#[test]
fn a_missing_key_or_a_wrong_shape_names_the_key_and_both_shapes() {
    let (weights, config) = state();
    let mut missing = Weights::default();
    for key in weights
        .keys()
        .filter(|k| *k != "encoder.1.3.layers.0.0.weight")
    {
        missing.insert(key, weights.get(key).unwrap().clone());
    }
    let err = DemucsNet::from_weights(config.clone(), &missing, &Device::Cpu).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("encoder.1.3.layers.0.0.weight"), "{text}");

    let mut wrong = weights.clone();
    let mut t = weights.get("decoder.0.0.weight").unwrap().clone();
    t.shape = vec![t.shape[0], t.shape[1] / 2, t.shape[2] * 2];
    wrong.insert("decoder.0.0.weight", t);
    let err = DemucsNet::from_weights(config, &wrong, &Device::Cpu).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("decoder.0.0.weight"), "{text}");
    assert!(
        text.contains("[64, 32, 3]") && text.contains("[64, 16, 6]"),
        "{text}"
    );
}

#[test]
fn a_state_dict_or_another_class_is_refused_by_name() {
    // A plain state dict (an Open-Unmix .pth) has no `klass`.
    let umx =
        std::fs::read(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("open_unmix/model_h64_bi.pth"))
            .unwrap();
    let err = Demucs::from_th_bytes(&umx, ApplyConfig::default(), &Device::Cpu).unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "klass", .. }),
        "{err}"
    );
}
