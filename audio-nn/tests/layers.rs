//! Norms, activations, FiLM, SE, TCN / WaveNet blocks, U-Net helpers and
//! SincConv against PyTorch (fixtures from tools/reference/nn_fixtures.py);
//! streaming TCN and WaveNet stacks against their offline forms.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap: a panic is a failed test"
)]

mod common;

use audio_nn::{
    BatchNorm, BatchNormConfig, Error, Film, GroupNorm, InstanceNorm1d, LayerNorm, Mlp, PRelu,
    SincConv, SincConvConfig, SqueezeExcitation, StreamingLayer, TcnBlock, TcnBlockConfig,
    TcnBlockStream, WaveNetBlock, WaveNetBlockConfig, WaveNetBlockStream,
};
use candle_core::{DType, Device, Module, ModuleT, Tensor, Var};
use common::{close, grads, npy, var_vb, vb};
use proptest::prelude::*;

/// f32 forward against torch's f32; the bound.
const FORWARD_TOL: f64 = 1e-5;
/// Gradients against torch.autograd; the bound.
const GRAD_TOL: f64 = 1e-4;
/// Streaming vs offline (same ops, different blocking).
const STREAM_TOL: f64 = 1e-6;

/// Train and eval mode through candle's `ModuleT`: eval is `apply`, train
/// updates the running statistics through `&self`, and a clone's statistics
/// evolve on their own.
#[test]
fn batch_norm_modes_follow_module_t() {
    let store = audio_nn::init::SeededVarMap::new(3);
    let bn = BatchNorm::new_1d(
        3,
        BatchNormConfig::default(),
        store.var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap();
    let x = Tensor::randn(0.5f32, 2f32, (4, 3, 10), &Device::Cpu).unwrap();
    let eval = bn.forward_t(&x, false).unwrap();
    close("eval is apply", &eval, &bn.apply(&x).unwrap(), 0.0);
    let frozen = bn.clone();
    let before = bn.running_mean();
    let train = bn.forward_t(&x, true).unwrap();
    close(
        "typed train",
        &train,
        &frozen.clone().apply_t(&x, true).unwrap(),
        0.0,
    );
    let moved = (bn.running_mean() - &before)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(moved > 0.0, "train mode updates the running mean");
    close("clone untouched", &frozen.running_mean(), &before, 0.0);
    close(
        "eval on the clone",
        &frozen.forward_t(&x, false).unwrap(),
        &eval,
        0.0,
    );
}

#[test]
fn batch_norm_eval_and_train_match_torch() {
    for (case, two_d) in [("bn1d", false), ("bn2d", true)] {
        let bn = if two_d {
            BatchNorm::new_2d(3, BatchNormConfig::default(), vb(case)).unwrap()
        } else {
            BatchNorm::new_1d(3, BatchNormConfig::default(), vb(case)).unwrap()
        };
        let x1 = npy(case, "x1");
        let x2 = npy(case, "x2");
        close(
            &format!("{case} eval"),
            &bn.forward_t(&x1, false).unwrap(),
            &npy(case, "eval_y"),
            FORWARD_TOL,
        );
        close(
            &format!("{case} train 1"),
            &bn.forward_t(&x1, true).unwrap(),
            &npy(case, "train_y1"),
            FORWARD_TOL,
        );
        close(
            &format!("{case} train 2"),
            &bn.forward_t(&x2, true).unwrap(),
            &npy(case, "train_y2"),
            FORWARD_TOL,
        );
        close(
            &format!("{case} running mean"),
            &bn.running_mean(),
            &npy(case, "running_mean"),
            FORWARD_TOL,
        );
        close(
            &format!("{case} running var"),
            &bn.running_var(),
            &npy(case, "running_var"),
            FORWARD_TOL,
        );
        close(
            &format!("{case} eval after"),
            &bn.forward_t(&x1, false).unwrap(),
            &npy(case, "eval_after"),
            FORWARD_TOL,
        );
    }
}

/// The fused CPU kernels (GroupNorm alone, then GELU, then GLU; GLU
/// alone) against candle's composite ops, which run when the input is a
/// `Var` that autograd tracks: the fused path sums its statistics in f64,
/// the composite one in f32.
const FUSED_TOL: f64 = 2e-6;

#[test]
fn fused_group_norm_and_glu_equal_the_composite_ops() {
    let affine = |c: usize| {
        let mut map = std::collections::HashMap::new();
        let w = Tensor::randn(1f32, 0.5, c, &Device::Cpu).unwrap();
        map.insert("weight".to_string(), w);
        map.insert(
            "bias".to_string(),
            Tensor::randn(0f32, 0.5, c, &Device::Cpu).unwrap(),
        );
        candle_nn::VarBuilder::from_tensors(map, DType::F32, &Device::Cpu)
    };
    let gn = GroupNorm::new(2, 6, 1e-5, true, affine(6)).unwrap();
    for dims in [vec![3, 6, 17], vec![2, 6, 5, 9]] {
        let x = (Tensor::randn(0f32, 1.5, dims.as_slice(), &Device::Cpu).unwrap() + 0.7).unwrap();
        let tracked = Var::from_tensor(&x).unwrap();
        let tracked = tracked.as_tensor();
        close(
            "groupnorm",
            &gn.apply(&x).unwrap(),
            &gn.apply(tracked).unwrap(),
            FUSED_TOL,
        );
        close(
            "groupnorm + gelu",
            &gn.apply_gelu(&x).unwrap(),
            &gn.apply(tracked).unwrap().gelu_erf().unwrap(),
            FUSED_TOL,
        );
        close(
            "groupnorm + glu",
            &gn.apply_glu(&x).unwrap(),
            &audio_nn::glu(&gn.apply(tracked).unwrap(), 1).unwrap(),
            FUSED_TOL,
        );
        // A strided input (a transposed view) gives the same.
        let t = x
            .transpose(0, 2)
            .unwrap()
            .contiguous()
            .unwrap()
            .transpose(0, 2)
            .unwrap();
        close(
            "strided",
            &gn.apply_gelu(&t).unwrap(),
            &gn.apply_gelu(&x).unwrap(),
            0.0,
        );
        for (dim, &size) in dims.iter().enumerate() {
            if size % 2 == 0 {
                let half = size / 2;
                let a = tracked.narrow(dim, 0, half).unwrap();
                let b = tracked.narrow(dim, half, half).unwrap();
                let want = a.mul(&candle_nn::ops::sigmoid(&b).unwrap()).unwrap();
                close("glu", &audio_nn::glu(&x, dim).unwrap(), &want, FUSED_TOL);
                close(
                    "glu strided",
                    &audio_nn::glu(&t, dim).unwrap(),
                    &want,
                    FUSED_TOL,
                );
            }
        }
    }
    // An odd channel count has no GLU halves.
    let odd = GroupNorm::new(1, 3, 1e-5, true, affine(3)).unwrap();
    let x = Tensor::zeros((1, 3, 4), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        odd.apply_glu(&x),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn layer_scale_residual_equals_the_composite_ops() {
    for (channel_last, dims) in [(false, [2, 6, 33]), (true, [2, 33, 6])] {
        let mut map = std::collections::HashMap::new();
        map.insert(
            "scale".to_string(),
            Tensor::randn(0f32, 1.0, 6, &Device::Cpu).unwrap(),
        );
        let vb = candle_nn::VarBuilder::from_tensors(map, DType::F32, &Device::Cpu);
        let ls = audio_nn::LayerScale::new(6, 0.3, channel_last, vb).unwrap();
        let r = Tensor::randn(0f32, 1.0, &dims, &Device::Cpu).unwrap();
        let x = Tensor::randn(0f32, 1.0, &dims, &Device::Cpu).unwrap();
        let tracked = Var::from_tensor(&x).unwrap();
        let want = (&r + ls.forward(tracked.as_tensor()).unwrap()).unwrap();
        // The same f32 operations in the same order: equal.
        close("add_scaled", &ls.add_scaled(&r, &x).unwrap(), &want, 0.0);
        close(
            "add_scaled tracked",
            &ls.add_scaled(&r, tracked.as_tensor()).unwrap(),
            &want,
            0.0,
        );
        let wrong = Tensor::zeros((2, 5, 33), DType::F32, &Device::Cpu).unwrap();
        assert!(matches!(
            ls.add_scaled(&wrong, &wrong),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            ls.add_scaled(&r, &wrong),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}

/// The attention kernel against candle's operations (which run when an
/// input is a tracked `Var`): sums in another order over up to 600 keys.
const ATTENTION_TOL: f64 = 2e-6;

#[test]
fn multi_head_attention_kernel_equals_the_composite_ops() {
    for (n, m) in [(300, 600), (5, 1), (257, 40)] {
        let q = Tensor::randn(0f32, 1.0, (2, n, 12), &Device::Cpu).unwrap();
        let k = Tensor::randn(0f32, 1.0, (2, m, 12), &Device::Cpu).unwrap();
        let v = Tensor::randn(0f32, 1.0, (2, m, 12), &Device::Cpu).unwrap();
        let tracked = Var::from_tensor(&v).unwrap();
        let fast = audio_nn::multi_head_attention(&q, &k, &v, 3).unwrap();
        let slow = audio_nn::multi_head_attention(&q, &k, tracked.as_tensor(), 3).unwrap();
        close("attention", &fast, &slow, ATTENTION_TOL);
        // A strided query (a transposed view) gives the same.
        let qt = q
            .transpose(0, 1)
            .unwrap()
            .contiguous()
            .unwrap()
            .transpose(0, 1)
            .unwrap();
        let strided = audio_nn::multi_head_attention(&qt, &k, &v, 3).unwrap();
        close("strided", &strided, &fast, 0.0);
    }
    let q = Tensor::zeros((1, 4, 12), DType::F32, &Device::Cpu).unwrap();
    let k = Tensor::zeros((1, 3, 12), DType::F32, &Device::Cpu).unwrap();
    let short = Tensor::zeros((1, 3, 10), DType::F32, &Device::Cpu).unwrap();
    let none = Tensor::zeros((1, 0, 12), DType::F32, &Device::Cpu).unwrap();
    for (k, v, heads) in [
        (&k, &k, 5),
        (&short, &short, 2),
        (&k, &short, 2),
        (&none, &none, 2),
    ] {
        assert!(matches!(
            audio_nn::multi_head_attention(&q, k, v, heads),
            Err(Error::ShapeMismatch { .. })
        ));
    }
    // A query of the wrong rank is the same typed error.
    let flat = Tensor::zeros((4, 12), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        audio_nn::multi_head_attention(&flat, &k, &k, 2),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn group_layer_instance_norms_match_torch() {
    let gn = GroupNorm::new(2, 4, 1e-5, true, vb("groupnorm")).unwrap();
    close(
        "groupnorm",
        &gn.forward(&npy("groupnorm", "x")).unwrap(),
        &npy("groupnorm", "y"),
        FORWARD_TOL,
    );
    let ln = LayerNorm::new(&[6], 1e-5, true, vb("layernorm")).unwrap();
    close(
        "layernorm",
        &ln.forward(&npy("layernorm", "x")).unwrap(),
        &npy("layernorm", "y"),
        FORWARD_TOL,
    );
    let inn = InstanceNorm1d::new(3, 1e-5, true, vb("instancenorm")).unwrap();
    close(
        "instancenorm",
        &inn.forward(&npy("instancenorm", "x")).unwrap(),
        &npy("instancenorm", "y"),
        FORWARD_TOL,
    );
}

#[test]
fn prelu_glu_gated_se_mlp_match_torch() {
    let p = PRelu::new(4, vb("prelu")).unwrap();
    close(
        "prelu",
        &p.forward(&npy("prelu", "x")).unwrap(),
        &npy("prelu", "y"),
        FORWARD_TOL,
    );
    let x = npy("gating", "x");
    close(
        "glu",
        &audio_nn::glu(&x, 1).unwrap(),
        &npy("gating", "glu"),
        FORWARD_TOL,
    );
    close(
        "gated",
        &audio_nn::gated_tanh(&x, 1).unwrap(),
        &npy("gating", "gated"),
        FORWARD_TOL,
    );
    let se = SqueezeExcitation::new(4, 8, vb("se")).unwrap();
    close(
        "se",
        &se.forward(&npy("se", "x")).unwrap(),
        &npy("se", "y"),
        FORWARD_TOL,
    );
    let mlp = Mlp::new(&[2, 16, 32, 32], true, vb("mlp")).unwrap();
    close(
        "mlp",
        &mlp.forward(&npy("mlp", "x")).unwrap(),
        &npy("mlp", "y"),
        FORWARD_TOL,
    );
}

#[test]
fn film_forward_and_gradients_match_torch() {
    let film = Film::new(4, 3, true, vb("film")).unwrap();
    close(
        "film",
        &film.apply(&npy("film", "x"), &npy("film", "cond")).unwrap(),
        &npy("film", "y"),
        FORWARD_TOL,
    );

    let (vb, vars) = var_vb("film");
    let film = Film::new(4, 3, true, vb).unwrap();
    let x = Var::from_tensor(&npy("film", "x")).unwrap();
    let c = Var::from_tensor(&npy("film", "cond")).unwrap();
    let y = film.apply(x.as_tensor(), c.as_tensor()).unwrap();
    let g = y
        .mul(&npy("film", "probe"))
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    close(
        "film dx",
        g.get(x.as_tensor()).unwrap(),
        &npy("film", "grad_x"),
        GRAD_TOL,
    );
    close(
        "film dcond",
        g.get(c.as_tensor()).unwrap(),
        &npy("film", "grad_cond"),
        GRAD_TOL,
    );
    let want = grads("film");
    assert!(want.contains_key("adaptor.weight"));
    for (name, expected) in &want {
        close(
            &format!("film d{name}"),
            g.get(vars[name].as_tensor()).unwrap(),
            expected,
            GRAD_TOL,
        );
    }
}

#[test]
fn tcn_block_matches_micro_tcn() {
    for (case, causal) in [("tcn_valid", false), ("tcn_causal", true)] {
        let cfg = TcnBlockConfig {
            causal,
            ..TcnBlockConfig::new(2, 4, 3, 2, Some(3))
        };
        let blk = TcnBlock::new(cfg, vb(case)).unwrap();
        let y = blk
            .apply(&npy(case, "x"), Some(&npy(case, "cond")))
            .unwrap();
        close(case, &y, &npy(case, "y"), FORWARD_TOL);
    }
}

#[test]
fn wavenet_block_with_local_and_global_conditioning_matches_torch() {
    let cfg = WaveNetBlockConfig {
        local_channels: Some(2),
        global_dim: Some(3),
        ..WaveNetBlockConfig::new(3, 5, 2, 4)
    };
    let blk = WaveNetBlock::new(cfg, vb("wavenet")).unwrap();
    let (r, s) = blk
        .apply(
            &npy("wavenet", "x"),
            Some(&npy("wavenet", "local")),
            Some(&npy("wavenet", "glob")),
        )
        .unwrap();
    close("wavenet residual", &r, &npy("wavenet", "res"), FORWARD_TOL);
    close("wavenet skip", &s, &npy("wavenet", "skip"), FORWARD_TOL);
    // Streaming with local conditioning in blocks.
    let mut st = WaveNetBlockStream::new(blk).unwrap();
    st.set_global(npy("wavenet", "glob"));
    let (x, l) = (npy("wavenet", "x"), npy("wavenet", "local"));
    let mut rs = Vec::new();
    let mut ss = Vec::new();
    for (a, n) in [(0, 7), (7, 1), (8, 17)] {
        let (r, s) = st
            .step_with(
                &x.narrow(2, a, n).unwrap(),
                Some(&l.narrow(2, a, n).unwrap()),
            )
            .unwrap();
        rs.push(r);
        ss.push(s);
    }
    close(
        "wavenet stream residual",
        &Tensor::cat(&rs, 2).unwrap(),
        &npy("wavenet", "res"),
        FORWARD_TOL,
    );
    close(
        "wavenet stream skip",
        &Tensor::cat(&ss, 2).unwrap(),
        &npy("wavenet", "skip"),
        FORWARD_TOL,
    );
}

#[test]
fn interpolation_matches_torch() {
    let x = npy("interp", "x");
    close(
        "up align",
        &audio_nn::interpolate_linear(&x, 17, true).unwrap(),
        &npy("interp", "up_ac"),
        FORWARD_TOL,
    );
    close(
        "up",
        &audio_nn::interpolate_linear(&x, 20, false).unwrap(),
        &npy("interp", "up_noac"),
        FORWARD_TOL,
    );
    close(
        "down",
        &audio_nn::interpolate_linear(&x, 4, false).unwrap(),
        &npy("interp", "down_noac"),
        FORWARD_TOL,
    );
    // Wave-U-Net: upsample 2L-1 then decimate by 2 gives the input back.
    let up = audio_nn::interpolate_linear(&x, 17, true).unwrap();
    close(
        "decimate(upsample)",
        &audio_nn::decimate(&up, 2).unwrap(),
        &x,
        1e-7,
    );
    let cc = audio_nn::crop_and_concat(&x, &x.narrow(2, 0, 5).unwrap()).unwrap();
    assert_eq!(cc.dims(), &[2, 6, 5]);
    close(
        "crop",
        &cc.narrow(1, 0, 3).unwrap(),
        &x.narrow(2, 2, 5).unwrap(),
        0.0,
    );
}

#[test]
fn sinc_conv_matches_sincnet() {
    let cfg = SincConvConfig {
        padding: 3,
        ..SincConvConfig::new(6, 50, 16000.0)
    };
    let sc = SincConv::new(cfg, vb("sinc")).unwrap();
    close(
        "sinc filters",
        &sc.filters().unwrap(),
        &npy("sinc", "filters"),
        FORWARD_TOL,
    );
    close(
        "sinc y",
        &sc.apply(&npy("sinc", "x")).unwrap(),
        &npy("sinc", "y"),
        FORWARD_TOL,
    );
    // Initial cut-offs as SincNet.
    let (low, band) = SincConv::initial_cutoffs(&cfg);
    let t = |v: Vec<f64>| {
        Tensor::new(v, &Device::Cpu)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap()
            .reshape((6, 1))
            .unwrap()
    };
    close(
        "sinc init low",
        &t(low),
        &npy("sinc_init", "low"),
        FORWARD_TOL,
    );
    close(
        "sinc init band",
        &t(band),
        &npy("sinc_init", "band"),
        FORWARD_TOL,
    );
}

#[test]
fn mu_law_round_trip_and_classes() {
    let x = Tensor::new(&[-1f32, -0.5, -0.01, 0.0, 0.01, 0.5, 1.0], &Device::Cpu).unwrap();
    let q = audio_nn::mu_law_encode(&x, 256)
        .unwrap()
        .to_vec1::<u32>()
        .unwrap();
    // Closed form, μ = 255.
    let want: Vec<u32> = [-1f64, -0.5, -0.01, 0.0, 0.01, 0.5, 1.0]
        .iter()
        .map(|&v: &f64| {
            let f = v.signum() * (1.0 + 255.0 * v.abs()).ln() / 256f64.ln();
            ((f + 1.0) / 2.0 * 255.0 + 0.5).floor() as u32
        })
        .collect();
    assert_eq!(q, want);
    let back = audio_nn::mu_law_decode(&audio_nn::mu_law_encode(&x, 256).unwrap(), 256).unwrap();
    // Quantisation error of 8-bit mu-law is below 0.02 over [-1, 1].
    assert!(
        back.sub(&x)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
            < 0.02
    );
}

#[test]
fn layer_errors_are_typed() {
    let film = Film::new(4, 3, true, vb("film")).unwrap();
    let x = Tensor::zeros((2, 5, 8), DType::F32, &Device::Cpu).unwrap();
    let c = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        film.apply(&x, &c),
        Err(Error::ChannelMismatch {
            layer: "Film",
            expected: 4,
            got: 5
        })
    ));
    let bn = BatchNorm::new_2d(3, BatchNormConfig::default(), vb("bn2d")).unwrap();
    assert!(matches!(
        bn.apply(&Tensor::zeros((2, 3, 4), DType::F32, &Device::Cpu).unwrap()),
        Err(Error::InputRank {
            layer: "BatchNorm",
            ..
        })
    ));
    let err = TcnBlock::new(TcnBlockConfig::new(2, 4, 3, 2, Some(3)), vb("wavenet")).unwrap_err();
    assert!(
        matches!(err, Error::MissingKey { layer: "Conv1d", ref key } if key == "conv1.weight"),
        "{err:?}"
    );
    let gn = GroupNorm::new(3, 4, 1e-5, true, vb("groupnorm"));
    assert!(matches!(
        gn,
        Err(Error::InvalidParameter {
            layer: "GroupNorm",
            ..
        })
    ));
}

#[test]
fn fused_tcn_inference_equals_autograd_path() {
    // FiLM, batch norm; causal, valid with centre and causal crop; channel
    // counts off the kernel's 4-channel tiles; batch 2.
    for (i, (c_in, c_out, k, d, cond, causal, crop)) in [
        (1, 8, 3, 1, Some(3), true, false),
        (3, 9, 2, 5, None, true, false),
        (6, 6, 3, 4, Some(2), false, false),
        (6, 6, 3, 4, None, false, true),
        (5, 10, 4, 16, Some(1), true, false),
    ]
    .into_iter()
    .enumerate()
    {
        let store = audio_nn::init::SeededVarMap::new(i as u64);
        let cfg = TcnBlockConfig {
            causal,
            causal_crop: crop,
            ..TcnBlockConfig::new(c_in, c_out, k, d, cond)
        };
        // Weights as `Var`s select the op-by-op path, plain tensors the fused kernel.
        let tracked = TcnBlock::new(cfg, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
        let plain = TcnBlock::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
        let x = Tensor::randn(0f32, 1f32, (2, c_in, 301), &Device::Cpu).unwrap();
        let p = cond.map(|n| Tensor::randn(0f32, 1f32, (2, n), &Device::Cpu).unwrap());
        let y_fused = plain.apply(&x, p.as_ref()).unwrap();
        let y_ops = tracked.apply(&x, p.as_ref()).unwrap();
        close("fused tcn", &y_fused, &y_ops, STREAM_TOL);
    }
}

fn tcn_stack(seed: u64, cond: bool) -> Vec<TcnBlock> {
    let vb = audio_nn::init::SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu);
    let chans = [(1, 4), (4, 4), (4, 4), (4, 4)];
    chans
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            let cfg = TcnBlockConfig::new(a, b, 3, 1 << (2 * i), if cond { Some(2) } else { None });
            TcnBlock::new(cfg, vb.pp(format!("blocks.{i}"))).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]
    #[test]
    fn tcn_stack_stream_equals_offline(
        seed in 0u64..1000,
        blocks in proptest::collection::vec(1usize..70, 1..8),
        cond in any::<bool>(),
    ) {
        let stack = tcn_stack(seed, cond);
        let total: usize = blocks.iter().sum();
        let x = Tensor::randn(0f32, 1f32, (2, 1, total), &Device::Cpu).unwrap();
        let p = Tensor::randn(0f32, 1f32, (2, 2), &Device::Cpu).unwrap();
        let pc = if cond { Some(&p) } else { None };
        let mut h = x.clone();
        for b in &stack {
            h = b.apply(&h, pc).unwrap();
        }
        let mut streams: Vec<TcnBlockStream> = stack.into_iter().map(|b| TcnBlockStream::new(b).unwrap()).collect();
        if cond {
            for s in &mut streams {
                s.set_conditioning(p.clone());
            }
        }
        let mut outs = Vec::new();
        let mut start = 0;
        for n in &blocks {
            let mut y = x.narrow(2, start, *n).unwrap();
            for s in &mut streams {
                y = s.step(&y).unwrap();
            }
            outs.push(y);
            start += n;
        }
        prop_assert!(common::rel(&Tensor::cat(&outs, 2).unwrap(), &h) <= STREAM_TOL);
    }

    #[test]
    fn wavenet_stack_stream_equals_offline(
        seed in 0u64..1000,
        blocks in proptest::collection::vec(1usize..50, 1..8),
    ) {
        let vb = audio_nn::init::SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu);
        let stack: Vec<WaveNetBlock> = (0..5)
            .map(|i| WaveNetBlock::new(WaveNetBlockConfig::new(3, 4, 2, 1 << i), vb.pp(format!("layers.{i}"))).unwrap())
            .collect();
        let total: usize = blocks.iter().sum();
        let x = Tensor::randn(0f32, 1f32, (1, 3, total), &Device::Cpu).unwrap();
        // Offline: residual chain, skips summed.
        let mut h = x.clone();
        let mut skip = Tensor::zeros((1, 4, total), DType::F32, &Device::Cpu).unwrap();
        for b in &stack {
            let (r, s) = b.apply(&h, None, None).unwrap();
            h = r;
            skip = skip.add(&s).unwrap();
        }
        let mut streams: Vec<WaveNetBlockStream> = stack.into_iter().map(|b| WaveNetBlockStream::new(b).unwrap()).collect();
        let mut skips = Vec::new();
        let mut start = 0;
        for n in &blocks {
            let mut y = x.narrow(2, start, *n).unwrap();
            let mut sk = Tensor::zeros((1, 4, *n), DType::F32, &Device::Cpu).unwrap();
            for s in &mut streams {
                let out = s.step(&y).unwrap();
                y = out.narrow(1, 0, 3).unwrap();
                sk = sk.add(&out.narrow(1, 3, 4).unwrap()).unwrap();
            }
            skips.push(sk);
            start += n;
        }
        prop_assert!(common::rel(&Tensor::cat(&skips, 2).unwrap(), &skip) <= STREAM_TOL);
    }
}
