//! The Wavenet separator against a direct scalar transcription of its
//! equations (Lluís, Pons & Serra 2019; the reference's Keras `models.py`):
//! "same"-padded dilated convolutions without bias, the gated activation,
//! the residual/skip split, skips summed on the padded target field, the
//! two ReLU-separated final convolutions and the 1×1 output with bias. The
//! reference itself (Keras 2 on Python 2) cannot run here.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::wavenet_separator::{
    WavenetSeparator, WavenetSeparatorConfig, WavenetSeparatorNet,
};
use audio_models::Separator;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::Array2;

/// The transcription sums in f64, the network in f32 (GEMM order).
const TRANSCRIPTION_TOL: f64 = 1e-5;

fn config() -> WavenetSeparatorConfig {
    WavenetSeparatorConfig {
        sources: vec!["vocals".into(), "bass".into()],
        difference: Some("rest".into()),
        num_stacks: 2,
        dilations: vec![1, 2, 4],
        res_channels: 3,
        skip_channels: 2,
        final_channels: [4, 3],
        final_kernels: [3, 3],
        target_field_length: 7,
        target_padding: 1,
        ..WavenetSeparatorConfig::default()
    }
}

/// Weights as `[out][in][k]`.
fn weight(map: &candle_nn::VarMap, key: &str) -> Vec<Vec<Vec<f64>>> {
    let t = map.data().lock().unwrap()[key].as_tensor().clone();
    t.to_dtype(DType::F64).unwrap().to_vec3::<f64>().unwrap()
}

/// "same" 1-D convolution of `x` `[channel][time]`, dilation `d`.
fn conv(x: &[Vec<f64>], w: &[Vec<Vec<f64>>], d: usize) -> Vec<Vec<f64>> {
    let n = x[0].len() as isize;
    let k = w[0][0].len();
    let half = (d * (k - 1) / 2) as isize;
    w.iter()
        .map(|wo| {
            (0..n)
                .map(|t| {
                    let mut acc = 0.0;
                    for (xi, wi) in x.iter().zip(wo) {
                        for (j, wj) in wi.iter().enumerate() {
                            let s = t + (j * d) as isize - half;
                            if (0..n).contains(&s) {
                                acc += wj * xi[s as usize];
                            }
                        }
                    }
                    acc
                })
                .collect()
        })
        .collect()
}

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

#[test]
fn the_network_is_its_equations() {
    let c = config();
    let map = candle_nn::VarMap::new();
    let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
    let net = WavenetSeparatorNet::new(c.clone(), vb).unwrap();
    assert_eq!(c.receptive_field_length(), 2 * 2 * 7 + 1);
    let n = c.input_length();
    let x: Vec<f64> = (0..n).map(|t| ((t as f64) * 0.37).sin() * 0.8).collect();
    let input = Tensor::from_vec(
        x.iter().map(|&v| v as f32).collect::<Vec<_>>(),
        (1, 1, n),
        &Device::Cpu,
    )
    .unwrap();
    let got = net.forward(&input).unwrap().to_dtype(DType::F64).unwrap();
    let got = got.to_vec3::<f64>().unwrap()[0].clone();

    let res = c.res_channels;
    let mut h = conv(&[x], &weight(&map, "initial.weight"), 1);
    let field = c.padded_target_field_length();
    let start = (n - 1) / 2 - (c.target_field_length - 1) / 2 - c.target_padding;
    let mut skip = vec![vec![0.0; field]; c.skip_channels];
    let mut i = 0;
    for _ in 0..c.num_stacks {
        for &d in &c.dilations {
            let z = conv(&h, &weight(&map, &format!("blocks.{i}.dilated.weight")), d);
            let gated: Vec<Vec<f64>> = (0..res)
                .map(|ch| {
                    z[ch]
                        .iter()
                        .zip(&z[res + ch])
                        .map(|(a, b)| a.tanh() * sigmoid(*b))
                        .collect()
                })
                .collect();
            let y = conv(&gated, &weight(&map, &format!("blocks.{i}.mix.weight")), 1);
            for ch in 0..res {
                for t in 0..n {
                    h[ch][t] += y[ch][t];
                }
            }
            for ch in 0..c.skip_channels {
                for t in 0..field {
                    skip[ch][t] += y[res + ch][start + t];
                }
            }
            i += 1;
        }
    }
    let relu = |a: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        a.into_iter()
            .map(|r| r.into_iter().map(|v| v.max(0.0)).collect())
            .collect()
    };
    let f0 = relu(conv(&relu(skip), &weight(&map, "final.0.weight"), 1));
    let f1 = conv(&f0, &weight(&map, "final.1.weight"), 1);
    let mut out = conv(&f1, &weight(&map, "output.weight"), 1);
    let bias = map.data().lock().unwrap()["output.bias"]
        .as_tensor()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    for (o, b) in out.iter_mut().zip(&bias) {
        for v in o.iter_mut() {
            *v += b;
        }
    }
    let peak = out.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
    let err = out
        .iter()
        .flatten()
        .zip(got.iter().flatten())
        .fold(0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(err / peak < TRANSCRIPTION_TOL, "{err} / {peak}");
}

#[test]
fn whole_tracks_are_windows_side_by_side_and_sum_to_the_mixture() {
    let c = config();
    let vb = audio_nn::init::SeededVarMap::new(5).var_builder(DType::F32, &Device::Cpu);
    let sep = WavenetSeparator::new(c.clone(), vb).unwrap();
    assert_eq!(sep.targets(), ["vocals", "bass", "rest"]);
    let len = 50;
    let mix = Array2::from_shape_fn((2, len), |(ch, t)| {
        ((t * (ch + 2)) as f32 * 0.21).sin() * 0.5
    });
    let out = sep.separate(mix.view()).unwrap();
    // Output sample t of a window starting at input sample s of the
    // zero-padded track is track sample s + t: window 1 (s = 7) directly.
    let half = (c.receptive_field_length() - 1) / 2;
    let mut padded = vec![0f32; len + 2 * half + c.target_field_length];
    for t in 0..len {
        padded[half + t] = mix[[0, t]];
    }
    let s = c.target_field_length;
    let window = Tensor::from_vec(
        padded[s..s + c.input_length()].to_vec(),
        (1, 1, c.input_length()),
        &Device::Cpu,
    )
    .unwrap();
    let y = sep
        .network()
        .forward(&window)
        .unwrap()
        .to_vec3::<f32>()
        .unwrap();
    for (j, source) in y[0].iter().enumerate() {
        for t in 0..c.target_field_length {
            let a = source[c.target_padding + t];
            let b = out[j][[0, s + t]];
            assert!((a - b).abs() < 1e-6, "source {j} sample {t}: {a} vs {b}");
        }
    }
    let sum = &(&out[0] + &out[1]) + &out[2];
    let worst = sum
        .iter()
        .zip(mix.iter())
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-6, "{worst}");
}

#[test]
fn bad_inputs_and_settings_are_errors() {
    let vb = audio_nn::init::SeededVarMap::new(5).var_builder(DType::F32, &Device::Cpu);
    let sep = WavenetSeparator::new(config(), vb).unwrap();
    assert!(sep.separate(Array2::<f32>::zeros((0, 10)).view()).is_err());
    let mut nan = Array2::<f32>::zeros((1, 10));
    nan[[0, 3]] = f32::INFINITY;
    assert!(sep.separate(nan.view()).is_err());
    for bad in [
        WavenetSeparatorConfig {
            res_kernel: 2,
            ..config()
        },
        WavenetSeparatorConfig {
            target_field_length: 8,
            ..config()
        },
        WavenetSeparatorConfig {
            dilations: vec![],
            ..config()
        },
        WavenetSeparatorConfig {
            sources: vec![],
            ..config()
        },
        WavenetSeparatorConfig {
            difference: Some("../x".into()),
            ..config()
        },
        WavenetSeparatorConfig {
            res_channels: 0,
            ..config()
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
}
