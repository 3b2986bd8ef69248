//! The TCN effect model against micro-TCN's `TCNModel` (random weights, four
//! configurations: causal and centre crops, channel growth, batch norm
//! without controls, and the `uTCN-300-C` size from a Lightning-style
//! checkpoint); the block processor against the network; block sizes;
//! smoothing; errors. Fixtures: `tools/reference/tcn_effect_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::effects::{
    EffectParam, OverdriveConfig, TcnEffect, TcnEffectConfig, TcnEffectProcessor, WeightInit,
};
use audio_models::Error;
use audio_test_fixtures::{assert_close, fixtures_dir, read_json, read_npy_f32, to_dyn};
use candle_core::{Device, Tensor};
use ndarray::{s, Array2, ArrayD, Ix3};
use proptest::prelude::*;

/// Both sides compute in float32 from the same weights; the convolutions
/// sum in different orders (PyTorch's im2col GEMM, our fused kernel and
/// per-sample AXPYs), a few ulps per tap over up to 13 × 32 products per
/// block and four blocks. Relative to the output's peak.
const TCN_TOL: f64 = 1e-5;

const CASES: [&str; 4] = ["causal", "noncausal", "bn", "utcn300"];

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("tcn_effect")
}

/// The fixture's arguments as a configuration (controls `p1 … pn` in [0, 1]).
fn config(name: &str) -> TcnEffectConfig {
    let j = read_json(dir().join(format!("{name}.json")));
    let get = |k: &str, d: u64| j.get(k).and_then(serde_json::Value::as_u64).unwrap_or(d) as usize;
    TcnEffectConfig {
        params: (1..=get("nparams", 0))
            .map(|i| EffectParam::new(&format!("p{i}"), 0.0, 1.0, 0.0))
            .collect(),
        nblocks: get("nblocks", 10),
        kernel_size: get("kernel_size", 3),
        dilation_growth: get("dilation_growth", 1),
        channel_growth: get("channel_growth", 1),
        channel_width: get("channel_width", 32),
        stack_size: 10,
        causal: j["causal"].as_bool().unwrap(),
        ..TcnEffectConfig::default()
    }
}

fn effect(name: &str) -> TcnEffect {
    if name == "utcn300" {
        // The architecture from the checkpoint's `hyper_parameters`.
        TcnEffect::load_weights(dir().join("utcn300.ckpt"), None).unwrap()
    } else {
        TcnEffect::load_weights(dir().join(format!("{name}.pth")), Some(config(name))).unwrap()
    }
}

fn inputs(name: &str) -> (Tensor, Option<Tensor>, ArrayD<f32>) {
    let x = read_npy_f32(dir().join(format!("{name}_x.npy")));
    let p = read_npy_f32(dir().join(format!("{name}_p.npy")));
    let y = read_npy_f32(dir().join(format!("{name}_y.npy")));
    let xt = Tensor::from_vec(x.iter().copied().collect(), x.shape(), &Device::Cpu).unwrap();
    let pt = (p.shape()[1] > 0)
        .then(|| Tensor::from_vec(p.iter().copied().collect(), p.shape(), &Device::Cpu).unwrap());
    (xt, pt, y)
}

fn to_array(t: &Tensor) -> ArrayD<f32> {
    let shape = t.dims().to_vec();
    ArrayD::from_shape_vec(shape, t.flatten_all().unwrap().to_vec1().unwrap()).unwrap()
}

#[test]
fn network_matches_micro_tcn() {
    for name in CASES {
        let e = effect(name);
        let (x, p, y) = inputs(name);
        let ours = e.net().unwrap().forward(&x, p.as_ref()).unwrap();
        assert_close(name, &to_array(&ours), &y, TCN_TOL);
    }
}

#[test]
fn checkpoint_hyper_parameters_give_the_architecture() {
    let e = effect("utcn300");
    let c = e.config();
    assert_eq!(
        (c.nblocks, c.kernel_size, c.dilation_growth, c.channel_width),
        (4, 13, 10, 32)
    );
    assert!(c.causal);
    assert_eq!(c.receptive_field(), 13_333);
    let names: Vec<&str> = c.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["limit", "peak_reduction"]);
}

/// The processor's output, latency removed, against `TcnEffectNet::process`
/// (the network on the zero-padded input), for the first batch item.
#[test]
fn processor_equals_network_process() {
    for name in CASES {
        let e = effect(name);
        let (x, p, _) = inputs(name);
        let x0 = x.narrow(0, 0, 1).unwrap();
        let p0 = p.as_ref().map(|p| p.narrow(0, 0, 1).unwrap());
        let offline = e.net().unwrap().process(&x0, p0.as_ref()).unwrap();
        let offline = to_array(&offline.squeeze(0).unwrap());
        let params: Vec<(String, f64)> = match &p0 {
            Some(p) => {
                let v: Vec<f32> = p.flatten_all().unwrap().to_vec1().unwrap();
                e.config()
                    .params
                    .iter()
                    .zip(v)
                    .map(|(q, v)| (q.name.clone(), f64::from(v)))
                    .collect()
            }
            None => Vec::new(),
        };
        let audio: Array2<f32> = to_array(&x0)
            .into_dimensionality::<Ix3>()
            .unwrap()
            .slice(s![0, .., ..])
            .to_owned();
        let ours = e.apply(audio.view(), &params).unwrap();
        assert_close(name, &to_dyn(&ours), &offline, TCN_TOL);
    }
}

fn overdrive() -> TcnEffect {
    TcnEffect::random_overdrive(
        3,
        OverdriveConfig {
            nblocks: 4,
            channel_width: 6,
            ..OverdriveConfig::default()
        },
    )
    .unwrap()
}

/// Runs `x` through a fresh processor in blocks of the given sizes (cycled).
fn run_blocks(proc: &mut TcnEffectProcessor, x: &[f32], sizes: &[usize]) -> Vec<f32> {
    let max = sizes.iter().copied().max().unwrap();
    proc.prepare(44_100, max).unwrap();
    let mut out = vec![0f32; x.len()];
    let mut t = 0;
    for &n in sizes.iter().cycle() {
        if t >= x.len() {
            break;
        }
        let n = n.min(x.len() - t);
        proc.process_block(&[&x[t..t + n]], &mut [&mut out[t..t + n]])
            .unwrap();
        t += n;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    /// With fixed controls, any split into blocks gives the samples of one
    /// block over the whole signal, to the bit.
    #[test]
    fn any_block_sizes_give_the_offline_output(
        sizes in proptest::collection::vec(1usize..300, 1..6),
        seed in 0u64..1000,
        causal in any::<bool>(),
    ) {
        let e = TcnEffect::random_overdrive(seed, OverdriveConfig {
            nblocks: 3, channel_width: 4, causal, init: WeightInit::XavierUniform,
            ..OverdriveConfig::default()
        }).unwrap();
        let x: Vec<f32> = (0..1500).map(|t| ((t as f32) * 0.031).sin() * 0.7).collect();
        let mut p = e.processor().unwrap();
        p.set_param("x", 0.4).unwrap();
        let whole = run_blocks(&mut p, &x, &[x.len()]);
        let mut q = e.processor().unwrap();
        q.set_param("x", 0.4).unwrap();
        let blocks = run_blocks(&mut q, &x, &sizes);
        prop_assert_eq!(whole, blocks);
    }
}

/// The kernel chosen for this CPU (AVX-512, AVX2) gives the portable
/// kernel's bits: the same operations in the same order.
#[test]
fn every_kernel_gives_the_same_bits() {
    let e = effect("utcn300");
    let x: Vec<f32> = (0..20_000)
        .map(|t| ((t as f32) * 0.013).sin() * 0.6)
        .collect();
    let mut chosen = e.processor().unwrap();
    chosen.set_param("peak_reduction", 0.7).unwrap();
    let mut portable = chosen.clone();
    portable.use_scalar_kernel();
    assert_eq!(
        run_blocks(&mut chosen, &x, &[256, 37]),
        run_blocks(&mut portable, &x, &[256, 37])
    );
}

#[test]
fn a_turned_control_ramps_then_settles_on_the_new_setting() {
    // Without the DC blocker, whose long memory would carry the ramp.
    let o = overdrive();
    let config = TcnEffectConfig {
        dc_block_hz: None,
        ..o.config().clone()
    };
    let e = TcnEffect::from_tensors(config, o.tensors().clone()).unwrap();
    let x: Vec<f32> = (0..20_000)
        .map(|t| ((t as f32) * 0.02).sin() * 0.5)
        .collect();
    let mut proc = e.processor().unwrap();
    proc.prepare(44_100, 256).unwrap();
    let ramp = (proc.latency(), 882); // 20 ms at 44.1 kHz
    let mut out = vec![0f32; x.len()];
    for (i, (xi, oi)) in x.chunks(256).zip(out.chunks_mut(256)).enumerate() {
        if i == 20 {
            proc.set_param("y", 0.8).unwrap();
        }
        proc.process_block(&[xi], &mut [oi]).unwrap();
    }
    // Well after the change (ramp plus receptive field), the output is the
    // offline output with the new setting.
    let settled = e
        .apply(
            Array2::from_shape_vec((1, x.len()), x.clone())
                .unwrap()
                .view(),
            &[("y".into(), 0.8)],
        )
        .unwrap();
    let rf = e.config().receptive_field();
    let from = 20 * 256 + ramp.1 + rf + ramp.0;
    let lat = proc.latency();
    let diff = (from..x.len())
        .map(|t| (out[t] - settled[(0, t - lat)]).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-5, "settled output differs by {diff}");
    // During the ramp, no step larger than the signal's own steps allow.
    let max_step = |a: &[f32]| {
        a.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0f32, f32::max)
    };
    let before = max_step(&out[1000..20 * 256]);
    let during = max_step(&out[20 * 256..20 * 256 + 882]);
    assert!(
        during < 2.0 * before + 1e-3,
        "ramp step {during} vs {before} before"
    );
}

#[test]
fn same_seed_same_effect_other_seed_other_effect() {
    let x = Array2::from_shape_fn((1, 3000), |(_, t)| ((t as f32) * 0.05).sin() * 0.5);
    let a = overdrive().apply(x.view(), &[]).unwrap();
    let b = overdrive().apply(x.view(), &[]).unwrap();
    assert_eq!(a, b);
    let c = TcnEffect::random_overdrive(
        4,
        OverdriveConfig {
            nblocks: 4,
            channel_width: 6,
            ..Default::default()
        },
    )
    .unwrap()
    .apply(x.view(), &[])
    .unwrap();
    assert_ne!(a, c);
    // The controls change the sound.
    let d = overdrive().apply(x.view(), &[("x".into(), 1.0)]).unwrap();
    assert_ne!(a, d);
}

#[test]
fn user_errors_are_typed() {
    let e = overdrive();
    let mut proc = e.processor().unwrap();
    let x = [0f32; 8];
    let mut y = [0f32; 8];
    assert!(matches!(
        proc.process_block(&[&x], &mut [&mut y]),
        Err(Error::InvalidParameter {
            name: "prepare",
            ..
        })
    ));
    proc.prepare(44_100, 4).unwrap();
    assert!(matches!(
        proc.process_block(&[&x], &mut [&mut y]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        proc.process_block(&[&x[..4], &x[..4]], &mut [&mut y[..4]]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        proc.set_param("drive", 1.0),
        Err(Error::InvalidParameter { name: "param", .. })
    ));
    assert!(matches!(
        proc.set_param("x", f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(proc.prepare(0, 4).is_err());
    assert!(proc.prepare(44_100, 0).is_err());
    let bad = TcnEffectConfig {
        kernel_size: 1,
        ..TcnEffectConfig::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(Error::InvalidParameter {
            name: "kernel_size",
            ..
        })
    ));
    let bad = TcnEffectConfig {
        dilation_growth: 1000,
        nblocks: 8,
        ..TcnEffectConfig::default()
    };
    assert!(bad.validate().is_err());
    // A weights file of another architecture names the key.
    let wrong = TcnEffect::load_weights(
        dir().join("causal.pth"),
        Some(TcnEffectConfig {
            channel_width: 16,
            ..config("causal")
        }),
    );
    assert!(matches!(wrong, Err(Error::WeightShape { .. })), "{wrong:?}");
    let unconditioned = TcnEffectConfig {
        params: Vec::new(),
        ..config("causal")
    };
    let missing = TcnEffect::load_weights(dir().join("causal.pth"), Some(unconditioned));
    assert!(
        matches!(missing, Err(Error::MissingKey { .. })),
        "{missing:?}"
    );
    // Too short for the network's receptive field.
    let net = e.net().unwrap();
    let short = Tensor::zeros((1, 1, 10), candle_core::DType::F32, &Device::Cpu).unwrap();
    let p = Tensor::zeros((1, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        net.forward(&short, Some(&p)),
        Err(Error::ShapeMismatch { .. })
    ));
}
