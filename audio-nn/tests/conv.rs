//! Conv1d / ConvTranspose1d parity with torch.nn (fixtures from
//! tools/reference/nn_fixtures.py), gradients against torch.autograd, and the
//! streaming causal convolution against the offline one.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap: a panic is a failed test"
)]

mod common;

use audio_nn::{
    CausalConv1dStream, Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, Error,
    PadMode, Padding, StreamingLayer,
};
use candle_core::{DType, Device, Tensor, Var};
use common::{close, grads, npy, var_vb, vb};
use proptest::prelude::*;

/// f32 forward against torch's f32 (a few dozen products per output); the bound.
const FORWARD_TOL: f64 = 1e-5;
/// Gradients against torch.autograd; the bound.
const GRAD_TOL: f64 = 1e-4;
/// Streaming vs offline: same products, different summation blocking in the kernel.
const STREAM_TOL: f64 = 1e-6;

fn conv_cfg(
    stride: usize,
    dilation: usize,
    groups: usize,
    padding: Padding,
    pad_mode: PadMode,
    bias: bool,
) -> Conv1dConfig {
    Conv1dConfig {
        stride,
        dilation,
        groups,
        padding,
        pad_mode,
        bias,
    }
}

struct ConvCase {
    name: &'static str,
    cin: usize,
    cout: usize,
    k: usize,
    cfg: Conv1dConfig,
    grad: bool,
}

fn conv_cases() -> Vec<ConvCase> {
    vec![
        ConvCase {
            name: "conv_causal_d2",
            cin: 3,
            cout: 4,
            k: 3,
            cfg: conv_cfg(1, 2, 1, Padding::Causal, PadMode::Zeros, true),
            grad: true,
        },
        ConvCase {
            name: "conv_same_g2",
            cin: 4,
            cout: 6,
            k: 4,
            cfg: conv_cfg(1, 3, 2, Padding::Same, PadMode::Zeros, true),
            grad: true,
        },
        ConvCase {
            name: "conv_valid_s2",
            cin: 2,
            cout: 3,
            k: 5,
            cfg: conv_cfg(2, 1, 1, Padding::Valid, PadMode::Zeros, false),
            grad: true,
        },
        ConvCase {
            name: "conv_explicit_reflect",
            cin: 2,
            cout: 2,
            k: 3,
            cfg: conv_cfg(1, 1, 1, Padding::Explicit(2), PadMode::Reflect, true),
            grad: false,
        },
        ConvCase {
            name: "conv_same_replicate",
            cin: 3,
            cout: 3,
            k: 5,
            cfg: conv_cfg(1, 2, 3, Padding::Same, PadMode::Replicate, true),
            grad: false,
        },
    ]
}

#[test]
fn conv1d_matches_torch_for_every_padding_mode() {
    for c in conv_cases() {
        let conv = Conv1d::new(c.cin, c.cout, c.k, c.cfg, vb(c.name)).unwrap();
        let y = conv.apply(&npy(c.name, "x")).unwrap();
        close(c.name, &y, &npy(c.name, "y"), FORWARD_TOL);
    }
}

#[test]
fn conv1d_gradients_match_torch_autograd() {
    for c in conv_cases().into_iter().filter(|c| c.grad) {
        let (vb, vars) = var_vb(c.name);
        let conv = Conv1d::new(c.cin, c.cout, c.k, c.cfg, vb).unwrap();
        let x = Var::from_tensor(&npy(c.name, "x")).unwrap();
        let y = conv.apply(x.as_tensor()).unwrap();
        let g = y
            .mul(&npy(c.name, "probe"))
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        close(
            &format!("{} dx", c.name),
            g.get(x.as_tensor()).unwrap(),
            &npy(c.name, "grad_x"),
            GRAD_TOL,
        );
        for (name, expected) in &grads(c.name) {
            close(
                &format!("{} d{name}", c.name),
                g.get(vars[name].as_tensor()).unwrap(),
                expected,
                GRAD_TOL,
            );
        }
    }
}

fn convt(
    case: &str,
    cin: usize,
    cout: usize,
    k: usize,
    cfg: ConvTranspose1dConfig,
    vb: candle_nn::VarBuilder,
) -> ConvTranspose1d {
    let _ = case;
    ConvTranspose1d::new(cin, cout, k, cfg, vb).unwrap()
}

fn convt_cases() -> Vec<(
    &'static str,
    usize,
    usize,
    usize,
    ConvTranspose1dConfig,
    bool,
)> {
    let c = |stride, padding, output_padding, dilation, groups| ConvTranspose1dConfig {
        stride,
        padding,
        output_padding,
        dilation,
        groups,
        bias: true,
    };
    vec![
        ("convt_s2", 4, 3, 4, c(2, 1, 0, 1, 1), true),
        ("convt_g2_d2_op", 4, 6, 3, c(3, 2, 1, 2, 2), true),
        ("convt_bigpad", 2, 2, 2, c(1, 3, 0, 1, 1), false),
    ]
}

#[test]
fn conv_transpose1d_matches_torch() {
    for (name, cin, cout, k, cfg, _) in convt_cases() {
        // Inference path (candle's kernel) and the differentiable path.
        let m = convt(name, cin, cout, k, cfg, vb(name));
        close(
            name,
            &m.apply(&npy(name, "x")).unwrap(),
            &npy(name, "y"),
            FORWARD_TOL,
        );
        let x = Var::from_tensor(&npy(name, "x")).unwrap();
        close(
            &format!("{name} (autograd path)"),
            &m.apply(x.as_tensor()).unwrap(),
            &npy(name, "y"),
            FORWARD_TOL,
        );
    }
}

/// candle 0.11's CPU `conv_transpose1d` mixes batch items when there are
/// several, several input channels and no padding; the layer must not.
#[test]
fn batched_transposed_convolution_matches_per_item() {
    let mut cases: Vec<(String, usize, usize, usize, ConvTranspose1dConfig)> = convt_cases()
        .into_iter()
        .map(|(name, cin, cout, k, cfg, _)| (name.to_string(), cin, cout, k, cfg))
        .collect();
    for (cin, cout, k, stride) in [(2, 1, 2, 1), (4, 3, 3, 1), (16, 8, 8, 4)] {
        let cfg = ConvTranspose1dConfig {
            stride,
            ..ConvTranspose1dConfig::default()
        };
        cases.push((format!("{cin}->{cout} k{k} s{stride}"), cin, cout, k, cfg));
    }
    for (name, cin, cout, k, cfg) in cases {
        // Plain tensors (not variables), so that inference takes candle's kernel.
        let dev = Device::Cpu;
        let tensors = std::collections::HashMap::from([
            (
                "weight".to_string(),
                Tensor::randn(0f32, 1.0, (cin, cout / cfg.groups, k), &dev).unwrap(),
            ),
            (
                "bias".to_string(),
                Tensor::randn(0f32, 1.0, cout, &dev).unwrap(),
            ),
        ]);
        let vb = candle_nn::VarBuilder::from_tensors(tensors, DType::F32, &dev);
        let m = ConvTranspose1d::new(cin, cout, k, cfg, vb).unwrap();
        let x = Tensor::randn(0f32, 1.0, (5, cin, 7), &Device::Cpu).unwrap();
        let batched = m.apply(&x).unwrap();
        for i in 0..5 {
            let one = m.apply(&x.narrow(0, i, 1).unwrap()).unwrap();
            close(
                &format!("{name} item {i}"),
                &batched.narrow(0, i, 1).unwrap(),
                &one,
                STREAM_TOL,
            );
        }
    }
}

#[test]
fn conv_transpose1d_gradients_match_torch_autograd() {
    for (name, cin, cout, k, cfg, grad) in convt_cases() {
        if !grad {
            continue;
        }
        let (vb, vars) = var_vb(name);
        let m = convt(name, cin, cout, k, cfg, vb);
        let x = Var::from_tensor(&npy(name, "x")).unwrap();
        let y = m.apply(x.as_tensor()).unwrap();
        let g = y
            .mul(&npy(name, "probe"))
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        close(
            &format!("{name} dx"),
            g.get(x.as_tensor()).unwrap(),
            &npy(name, "grad_x"),
            GRAD_TOL,
        );
        for (wname, expected) in &grads(name) {
            close(
                &format!("{name} d{wname}"),
                g.get(vars[wname].as_tensor()).unwrap(),
                expected,
                GRAD_TOL,
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn causal_conv_stream_over_random_blocks_equals_offline(
        seed in 0u64..1000,
        k in 1usize..5,
        dilation in 1usize..9,
        blocks in proptest::collection::vec(1usize..40, 1..8),
    ) {
        let vb = audio_nn::init::SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu);
        let cfg = Conv1dConfig { dilation, padding: Padding::Causal, ..Default::default() };
        let conv = Conv1d::new(3, 2, k, cfg, vb).unwrap();
        let total: usize = blocks.iter().sum();
        let x = Tensor::randn(0f32, 1f32, (2, 3, total), &Device::Cpu).unwrap();
        let offline = conv.apply(&x).unwrap();
        let mut s = CausalConv1dStream::new(conv).unwrap();
        for round in 0..2 {
            let mut outs = Vec::new();
            let mut start = 0;
            for b in &blocks {
                outs.push(s.step(&x.narrow(2, start, *b).unwrap()).unwrap());
                start += b;
            }
            let online = Tensor::cat(&outs, 2).unwrap();
            prop_assert!(common::rel(&online, &offline) <= STREAM_TOL, "round {}", round);
            s.reset();
        }
    }
}

#[test]
fn conv_errors_are_typed() {
    let conv = Conv1d::new(
        3,
        4,
        3,
        conv_cfg(1, 2, 1, Padding::Causal, PadMode::Zeros, true),
        vb("conv_causal_d2"),
    )
    .unwrap();
    let x = Tensor::zeros((3, 10), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        conv.apply(&x),
        Err(Error::InputRank {
            layer: "Conv1d",
            expected: 3,
            got: 2,
            ..
        })
    ));
    let x = Tensor::zeros((1, 5, 10), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        conv.apply(&x),
        Err(Error::ChannelMismatch {
            layer: "Conv1d",
            expected: 3,
            got: 5
        })
    ));
    // Missing bias key: a conv without bias in the checkpoint asked for one.
    let err = Conv1d::new(
        2,
        3,
        5,
        conv_cfg(2, 1, 1, Padding::Valid, PadMode::Zeros, true),
        vb("conv_valid_s2"),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MissingKey { layer: "Conv1d", ref key } if key == "bias"),
        "{err:?}"
    );
    // Weight prefix is part of the key.
    let err = Conv1d::new(
        2,
        3,
        5,
        Conv1dConfig::default(),
        vb("conv_valid_s2").pp("encoder.0"),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MissingKey { ref key, .. } if key == "encoder.0.weight"),
        "{err:?}"
    );
    // Config errors.
    let vb0 = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
    assert!(matches!(
        Conv1d::new(
            3,
            4,
            3,
            Conv1dConfig {
                groups: 2,
                ..Default::default()
            },
            vb0.clone()
        ),
        Err(Error::InvalidParameter {
            layer: "Conv1d",
            name: "in_channels",
            ..
        })
    ));
    assert!(matches!(
        Conv1d::new(
            2,
            2,
            3,
            Conv1dConfig {
                stride: 2,
                padding: Padding::Same,
                ..Default::default()
            },
            vb0.clone()
        ),
        Err(Error::InvalidParameter {
            layer: "Conv1d",
            name: "stride",
            ..
        })
    ));
    // Non-causal conv cannot stream.
    let same = Conv1d::new(
        2,
        2,
        3,
        Conv1dConfig {
            padding: Padding::Same,
            ..Default::default()
        },
        vb0,
    )
    .unwrap();
    assert!(matches!(
        CausalConv1dStream::new(same),
        Err(Error::Unsupported { .. })
    ));
}
