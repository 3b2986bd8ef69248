//! Wave-U-Net against Wave-U-Net-Pytorch (commit 86c113d) on random-weight
//! checkpoints saved in that code's own format, for three configurations
//! (GroupNorm with fixed resampling and one network per source; BatchNorm
//! with learned resampling and one network for all; no normalisation with
//! fixed resampling, three sources). Fixtures:
//! `tools/reference/wave_u_net_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_io::weights::Weights;
use audio_models::wave_u_net::{sinc_filter, WaveUNet, WaveUNetConfig, WaveUNetSeparator};
use audio_models::{Error, Separator};
use audio_test_fixtures::{
    assert_close, fixtures_dir, read_json, read_npy_f32, relative_error, to_dyn,
};
use candle_core::{DType, Device, Tensor};
use ndarray::{Array2, Ix2, Ix3};

/// Both sides compute in float32 from the same weights; what differs is
/// the summation order of the convolutions and GroupNorm's statistics,
/// and the sinc filter's unit-sum normalisation (ours sums in sequence,
/// numpy pairwise: 1 ulp per tap). Relative to each array's peak.
const WAVE_U_NET_TOL: f64 = 1e-5;

const CONFIGS: [&str; 3] = [
    "gn_fixed_separate",
    "bn_learned_joint",
    "normal_fixed_joint",
];

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("wave_u_net")
}

fn config(name: &str) -> WaveUNetConfig {
    let json = read_json(dir().join(format!("{name}.json")));
    serde_json::from_value(json).unwrap()
}

fn separator(name: &str) -> WaveUNetSeparator {
    WaveUNetSeparator::load(
        dir().join(format!("{name}.pth")),
        Some(config(name)),
        &Device::Cpu,
    )
    .unwrap()
}

#[test]
fn window_sizes_are_the_references() {
    for name in CONFIGS {
        let shapes = read_json(dir().join(format!("{name}.json")))["shapes"].clone();
        let s = separator(name).network().shapes();
        assert_eq!(
            s.input_frames as u64,
            shapes["input_frames"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            s.output_frames as u64,
            shapes["output_frames"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            s.output_start_frame as u64,
            shapes["output_start_frame"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            s.output_end_frame as u64,
            shapes["output_end_frame"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn forward_matches_the_reference() {
    for name in CONFIGS {
        let sep = separator(name);
        let x = read_npy_f32(dir().join(format!("{name}_input.npy")))
            .into_dimensionality::<Ix3>()
            .unwrap();
        let (b, c, n) = x.dim();
        let t = Tensor::from_vec(
            x.iter().copied().collect::<Vec<_>>(),
            (b, c, n),
            &Device::Cpu,
        )
        .unwrap();
        let ys = sep.network().forward_t(&t, false).unwrap();
        for (y, inst) in ys.iter().zip(sep.targets()) {
            let expected = read_npy_f32(dir().join(format!("{name}_{inst}.npy")));
            let got = ndarray::ArrayD::from_shape_vec(
                y.dims().to_vec(),
                y.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            )
            .unwrap();
            eprintln!(
                "forward {name}/{inst}: {:.2e}",
                relative_error(&got, &expected)
            );
            assert_close(&format!("{name}/{inst}"), &got, &expected, WAVE_U_NET_TOL);
        }
    }
}

#[test]
fn whole_track_prediction_matches_the_reference() {
    for name in CONFIGS {
        let sep = separator(name);
        let song = read_npy_f32(dir().join(format!("{name}_song.npy")))
            .into_dimensionality::<Ix2>()
            .unwrap();
        let out = sep.separate(song.view()).unwrap();
        assert_eq!(out.len(), sep.targets().len());
        for (y, inst) in out.iter().zip(sep.targets()) {
            assert_eq!(y.dim(), song.dim());
            let expected = read_npy_f32(dir().join(format!("{name}_song_{inst}.npy")));
            let got = to_dyn(y);
            eprintln!(
                "song {name}/{inst}: {:.2e}",
                relative_error(&got, &expected)
            );
            assert_close(&format!("{name}/{inst}"), &got, &expected, WAVE_U_NET_TOL);
        }
    }
}

#[test]
fn the_fixed_filter_is_the_references() {
    // The checkpoint stores the filter the reference built; ours is built
    // from the same formula.
    let weights = Weights::load(dir().join("gn_fixed_separate.pth")).unwrap();
    let key = "model_state_dict.waveunets.bass.downsampling_blocks.0.downconv.filter";
    let stored = weights.get(key).unwrap();
    assert_eq!(stored.shape, [16, 1, 15]);
    let ours = sinc_filter(15, 0.5 / 4.0);
    for (a, b) in stored.to_f32_vec()[..15].iter().zip(&ours) {
        assert!((a - b).abs() <= 2.0 * f32::EPSILON, "{a} vs {b}");
    }
}

#[test]
fn a_wrong_shape_names_the_key_and_both_shapes() {
    let mut c = config("normal_fixed_joint");
    c.features = 8;
    let err = WaveUNetSeparator::load(dir().join("normal_fixed_joint.pth"), Some(c), &Device::Cpu)
        .unwrap_err();
    match err {
        Error::WeightShape { key, expected, got } => {
            assert!(key.starts_with("waveunets.ALL."), "{key}");
            assert_ne!(expected, got);
        }
        other => panic!("expected WeightShape, got {other}"),
    }
    let mut c = config("normal_fixed_joint");
    c.separate = true;
    let err = WaveUNetSeparator::load(dir().join("normal_fixed_joint.pth"), Some(c), &Device::Cpu)
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingKey { key, .. } if key.starts_with("waveunets.bass.")),
        "{err}"
    );
}

#[test]
fn difference_output_sums_to_the_mixture() {
    let config = WaveUNetConfig {
        instruments: vec!["vocals".into(), "accompaniment".into()],
        features: 8,
        levels: 3,
        output_size: 0.01,
        difference_output: true,
        ..WaveUNetConfig::default()
    };
    let vb = audio_nn::init::SeededVarMap::new(3).var_builder(DType::F32, &Device::Cpu);
    let sep = WaveUNetSeparator::new(WaveUNet::new(config, vb).unwrap());
    let mix = Array2::from_shape_fn((2, 3000), |(c, t)| {
        (0.01 * (t * (c + 1)) as f32).sin() * 0.5
    });
    let out = sep.separate(mix.view()).unwrap();
    let sum = &out[0] + &out[1];
    let err = sum
        .iter()
        .zip(mix.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(err < 1e-6, "{err}");
}

#[test]
fn bad_inputs_are_errors() {
    let sep = separator("normal_fixed_joint");
    assert!(matches!(
        sep.separate(Array2::<f32>::zeros((2, 0)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        sep.separate(Array2::<f32>::zeros((3, 100)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = Array2::<f32>::zeros((2, 100));
    nan[[1, 7]] = f32::NAN;
    assert!(matches!(
        sep.separate(nan.view()),
        Err(Error::NonFinite { index: 107, .. })
    ));
    // A mono input on a stereo model runs (both channels), and comes back mono.
    let mono = sep.separate(Array2::<f32>::zeros((1, 500)).view()).unwrap();
    assert_eq!(mono[0].dim(), (1, 500));
    for bad in [
        WaveUNetConfig {
            kernel_size: 4,
            ..WaveUNetConfig::default()
        },
        WaveUNetConfig {
            strides: 1,
            ..WaveUNetConfig::default()
        },
        WaveUNetConfig {
            levels: 1,
            ..WaveUNetConfig::default()
        },
        WaveUNetConfig {
            features: 12,
            ..WaveUNetConfig::default()
        },
        WaveUNetConfig {
            output_size: 0.0,
            ..WaveUNetConfig::default()
        },
        WaveUNetConfig {
            instruments: vec!["../x".into()],
            ..WaveUNetConfig::default()
        },
    ] {
        assert!(
            matches!(bad.validate(), Err(Error::InvalidParameter { .. })),
            "{bad:?}"
        );
    }
}

mod window_sizes {
    use super::*;
    use audio_models::wave_u_net::{ConvType, FeatureGrowth, Resampling};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// For any shape, the window sizes the reference's size arithmetic
        /// gives are what the network does: an input of `input_frames`
        /// samples runs and gives `output_frames` samples, at least the
        /// target, with the output centred (an even difference).
        #[test]
        fn computed_windows_are_the_networks(
            levels in 2usize..5,
            kernel in prop::sample::select(vec![3usize, 5, 7]),
            strides in 2usize..5,
            learned in any::<bool>(),
            add in any::<bool>(),
            depth in 1usize..3,
            target in 8usize..300,
        ) {
            let config = WaveUNetConfig {
                instruments: vec!["a".into(), "b".into()],
                channels: 1,
                features: 8,
                levels,
                depth,
                kernel_size: kernel,
                strides,
                conv_type: ConvType::Normal,
                res: if learned { Resampling::Learned } else { Resampling::Fixed },
                separate: false,
                feature_growth: if add { FeatureGrowth::Add } else { FeatureGrowth::Double },
                sr: 1000,
                output_size: target as f64 / 1000.0,
                difference_output: false,
            };
            let vb = audio_nn::init::SeededVarMap::new(1).var_builder(DType::F32, &Device::Cpu);
            let net = WaveUNet::new(config, vb).unwrap();
            let s = net.shapes();
            prop_assert!(s.output_frames >= target);
            prop_assert_eq!((s.input_frames - s.output_frames) % 2, 0);
            let x = Tensor::zeros((1, 1, s.input_frames), DType::F32, &Device::Cpu).unwrap();
            let y = net.forward_t(&x, false).unwrap();
            prop_assert_eq!(y[0].dims(), &[1, 1, s.output_frames]);
        }
    }
}
