//! LSTM / GRU parity with torch.nn.LSTM / torch.nn.GRU (fixtures from
//! tools/reference/nn_fixtures.py), gradients against torch.autograd, and
//! streaming step-by-step == whole sequence.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap: a panic is a failed test"
)]

mod common;

use audio_nn::{Error, Gru, GruConfig, Lstm, LstmConfig, LstmState, LstmStream, StreamingLayer};
use candle_core::{DType, Device, Tensor, Var};
use common::{close, grads, npy, var_vb, vb};
use proptest::prelude::*;

/// Forward outputs in f32 against torch's f32: accumulated rounding of a few
/// dozen recurrent steps; the bound.
const FORWARD_TOL: f64 = 1e-5;
/// Gradients through the recurrence (BPTT) against torch.autograd; the bound.
const GRAD_TOL: f64 = 1e-4;
/// Streaming vs offline: the same f32 operations in the same order, only the
/// block boundaries differ.
const STREAM_TOL: f64 = 1e-6;

fn lstm_cfg(
    input: usize,
    hidden: usize,
    layers: usize,
    bidir: bool,
    batch_first: bool,
    proj: usize,
) -> LstmConfig {
    LstmConfig {
        num_layers: layers,
        bidirectional: bidir,
        batch_first,
        proj_size: proj,
        ..LstmConfig::new(input, hidden)
    }
}

fn check_lstm(case: &str, cfg: LstmConfig) {
    let lstm = Lstm::new(cfg, vb(case)).unwrap();
    let state = LstmState {
        h: npy(case, "h0"),
        c: npy(case, "c0"),
    };
    let (y, s) = lstm
        .forward_with_state(&npy(case, "x"), Some(&state))
        .unwrap();
    close(&format!("{case} y"), &y, &npy(case, "y"), FORWARD_TOL);
    close(&format!("{case} h_n"), &s.h, &npy(case, "hn"), FORWARD_TOL);
    close(&format!("{case} c_n"), &s.c, &npy(case, "cn"), FORWARD_TOL);
}

#[test]
fn lstm_three_layer_bidirectional_with_state_matches_torch() {
    check_lstm("lstm_bi3", lstm_cfg(5, 6, 3, true, false, 0));
}

#[test]
fn lstm_projection_batch_first_matches_torch() {
    check_lstm("lstm_proj", lstm_cfg(4, 6, 2, true, true, 3));
}

#[test]
fn lstm_unidirectional_matches_torch() {
    check_lstm("lstm_uni", lstm_cfg(3, 5, 2, false, true, 0));
}

fn check_lstm_grads(case: &str, cfg: LstmConfig) {
    let (vb, vars) = var_vb(case);
    let lstm = Lstm::new(cfg, vb).unwrap();
    let x = Var::from_tensor(&npy(case, "x")).unwrap();
    let state = LstmState {
        h: npy(case, "h0"),
        c: npy(case, "c0"),
    };
    let (y, _) = lstm
        .forward_with_state(x.as_tensor(), Some(&state))
        .unwrap();
    let loss = y.mul(&npy(case, "probe")).unwrap().sum_all().unwrap();
    let g = loss.backward().unwrap();
    close(
        &format!("{case} dx"),
        g.get(x.as_tensor()).unwrap(),
        &npy(case, "grad_x"),
        GRAD_TOL,
    );
    let want = grads(case);
    assert!(!want.is_empty());
    for (name, expected) in &want {
        let got = g
            .get(vars[name].as_tensor())
            .unwrap_or_else(|| panic!("no grad for {name}"));
        close(&format!("{case} d{name}"), got, expected, GRAD_TOL);
    }
}

#[test]
fn lstm_gradients_match_torch_autograd() {
    check_lstm_grads("lstm_bi3", lstm_cfg(5, 6, 3, true, false, 0));
    check_lstm_grads("lstm_proj", lstm_cfg(4, 6, 2, true, true, 3));
}

#[test]
fn gru_bidirectional_with_state_matches_torch() {
    let case = "gru_bi2";
    let gru = Gru::new(
        GruConfig {
            num_layers: 2,
            bidirectional: true,
            ..GruConfig::new(5, 6)
        },
        vb(case),
    )
    .unwrap();
    let (y, h) = gru
        .forward_with_state(&npy(case, "x"), Some(&npy(case, "h0")))
        .unwrap();
    close("gru y", &y, &npy(case, "y"), FORWARD_TOL);
    close("gru h_n", &h, &npy(case, "hn"), FORWARD_TOL);

    let (vb, vars) = var_vb(case);
    let gru = Gru::new(
        GruConfig {
            num_layers: 2,
            bidirectional: true,
            ..GruConfig::new(5, 6)
        },
        vb,
    )
    .unwrap();
    let x = Var::from_tensor(&npy(case, "x")).unwrap();
    let (y, _) = gru
        .forward_with_state(x.as_tensor(), Some(&npy(case, "h0")))
        .unwrap();
    let g = y
        .mul(&npy(case, "probe"))
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    close(
        "gru dx",
        g.get(x.as_tensor()).unwrap(),
        &npy(case, "grad_x"),
        GRAD_TOL,
    );
    for (name, expected) in &grads(case) {
        close(
            &format!("gru d{name}"),
            g.get(vars[name].as_tensor()).unwrap(),
            expected,
            GRAD_TOL,
        );
    }
}

#[test]
fn gru_unidirectional_batch_first_matches_torch() {
    let case = "gru_uni";
    let gru = Gru::new(
        GruConfig {
            batch_first: true,
            ..GruConfig::new(3, 4)
        },
        vb(case),
    )
    .unwrap();
    let (y, h) = gru
        .forward_with_state(&npy(case, "x"), Some(&npy(case, "h0")))
        .unwrap();
    close("gru_uni y", &y, &npy(case, "y"), FORWARD_TOL);
    close("gru_uni h_n", &h, &npy(case, "hn"), FORWARD_TOL);
    // Frame-by-frame step gives the same outputs and state.
    let mut hs = npy(case, "h0");
    let x = npy(case, "x");
    let mut outs = Vec::new();
    for t in 0..x.dim(1).unwrap() {
        outs.push(
            gru.step(&x.narrow(1, t, 1).unwrap().squeeze(1).unwrap(), &mut hs)
                .unwrap(),
        );
    }
    let stepped = Tensor::stack(&outs, 1).unwrap();
    close("gru_uni step y", &stepped, &y, STREAM_TOL);
    close("gru_uni step h", &hs, &h, STREAM_TOL);
}

#[test]
fn lstm_step_by_step_equals_sequence_torch_fixture() {
    let case = "lstm_uni";
    let lstm = Lstm::new(lstm_cfg(3, 5, 2, false, true, 0), vb(case)).unwrap();
    let x = npy(case, "x");
    let mut state = LstmState {
        h: npy(case, "h0"),
        c: npy(case, "c0"),
    };
    let mut outs = Vec::new();
    for t in 0..x.dim(1).unwrap() {
        outs.push(
            lstm.step(&x.narrow(1, t, 1).unwrap().squeeze(1).unwrap(), &mut state)
                .unwrap(),
        );
    }
    let y = Tensor::stack(&outs, 1).unwrap();
    close("lstm step y", &y, &npy(case, "y"), FORWARD_TOL);
    close("lstm step h", &state.h, &npy(case, "hn"), FORWARD_TOL);
    close("lstm step c", &state.c, &npy(case, "cn"), FORWARD_TOL);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]
    #[test]
    fn lstm_stream_over_random_blocks_equals_offline(
        seed in 0u64..1000,
        blocks in proptest::collection::vec(1usize..6, 1..6),
        proj in prop_oneof![Just(0usize), Just(3usize)],
    ) {
        let vb = audio_nn::init::SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu);
        let cfg = lstm_cfg(3, 5, 2, false, false, proj);
        let lstm = Lstm::new(cfg, vb).unwrap();
        let total: usize = blocks.iter().sum();
        let x = Tensor::randn(0f32, 1f32, (total, 2, 3), &Device::Cpu).unwrap();
        let (offline, s_off) = lstm.forward_with_state(&x, None).unwrap();
        let mut stream = LstmStream::new(lstm).unwrap();
        let mut outs = Vec::new();
        let mut start = 0;
        for b in &blocks {
            outs.push(stream.step(&x.narrow(0, start, *b).unwrap()).unwrap());
            start += b;
        }
        let online = Tensor::cat(&outs, 0).unwrap();
        prop_assert!(common::rel(&online, &offline) <= STREAM_TOL);
        prop_assert!(common::rel(&stream.state().unwrap().c, &s_off.c) <= STREAM_TOL);
        stream.reset();
        prop_assert!(stream.state().is_none());
    }
}

#[test]
fn lstm_errors_name_layer_and_key() {
    // Missing weight: a 3-layer config over a 2-layer checkpoint.
    let err = Lstm::new(lstm_cfg(3, 5, 3, false, true, 0), vb("lstm_uni")).unwrap_err();
    match err {
        Error::MissingKey { layer, key } => {
            assert_eq!(layer, "Lstm");
            assert_eq!(key, "weight_ih_l2");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Wrong weight shape (hidden size).
    let err = Lstm::new(lstm_cfg(3, 4, 2, false, true, 0), vb("lstm_uni")).unwrap_err();
    assert!(
        matches!(err, Error::WeightShape { layer: "Lstm", ref key, .. } if key == "weight_ih_l0"),
        "{err:?}"
    );
    let lstm = Lstm::new(lstm_cfg(3, 5, 2, false, true, 0), vb("lstm_uni")).unwrap();
    // Wrong rank.
    let x = Tensor::zeros((4, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        lstm.forward_with_state(&x, None),
        Err(Error::InputRank {
            layer: "Lstm",
            expected: 3,
            got: 2,
            ..
        })
    ));
    // Wrong feature size.
    let x = Tensor::zeros((1, 4, 7), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        lstm.forward_with_state(&x, None),
        Err(Error::ChannelMismatch {
            layer: "Lstm",
            expected: 3,
            got: 7
        })
    ));
    // Step on a bidirectional LSTM.
    let bi = Lstm::new(lstm_cfg(5, 6, 3, true, false, 0), vb("lstm_bi3")).unwrap();
    let mut st = bi.zero_state(1).unwrap();
    let x = Tensor::zeros((1, 5), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        bi.step(&x, &mut st),
        Err(Error::Unsupported { layer: "Lstm", .. })
    ));
    // Wrong state shape.
    let bad = LstmState {
        h: Tensor::zeros((1, 1, 5), DType::F32, &Device::Cpu).unwrap(),
        c: Tensor::zeros((2, 1, 5), DType::F32, &Device::Cpu).unwrap(),
    };
    let x = Tensor::zeros((1, 4, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        lstm.forward_with_state(&x, Some(&bad)),
        Err(Error::ShapeMismatch { layer: "Lstm", .. })
    ));
}

#[test]
fn fused_inference_recurrence_equals_autograd_path() {
    // Odd sizes exercise the SIMD remainder loops; projection and both directions.
    for proj in [0usize, 7] {
        let store = audio_nn::init::SeededVarMap::new(11);
        let cfg = lstm_cfg(13, 37, 2, true, true, proj);
        // Weights as `Var`s: autograd tracking selects the op-by-op path.
        let tracked = Lstm::new(cfg, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
        // The same weights as plain tensors (as from a checkpoint): the fused path.
        let plain = Lstm::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
        let x = Tensor::randn(0f32, 1f32, (3, 11, 13), &Device::Cpu).unwrap();
        let (y_fused, s_fused) = plain.forward_with_state(&x, None).unwrap();
        let (y_ops, s_ops) = tracked.forward_with_state(&x, None).unwrap();
        close("fused y", &y_fused, &y_ops, STREAM_TOL);
        close("fused h", &s_fused.h, &s_ops.h, STREAM_TOL);
        close("fused c", &s_fused.c, &s_ops.c, STREAM_TOL);
    }
}

#[test]
fn lstm_with_peepholes_matches_reference_forward_and_gradients() {
    let cfg = LstmConfig {
        peephole: true,
        ..lstm_cfg(4, 5, 2, true, false, 0)
    };
    check_lstm("lstm_peephole", cfg);
    check_lstm_grads("lstm_peephole", cfg);
}

#[test]
fn lstm_train_mode_dropout_between_layers() {
    let case = "lstm_bi3";
    let lstm = Lstm::new(lstm_cfg(5, 6, 3, true, false, 0), vb(case)).unwrap();
    let x = npy(case, "x");
    // p = 0 is the eval forward.
    let (y0, _) = lstm.forward_train(&x, None, 0.0).unwrap();
    let (y, _) = lstm.forward_with_state(&x, None).unwrap();
    close("dropout 0", &y0, &y, STREAM_TOL);
    // p > 0 changes the output (masks are random) but keeps the shape.
    let (yd, _) = lstm.forward_train(&x, None, 0.5).unwrap();
    assert_eq!(yd.dims(), y.dims());
    assert!(common::rel(&yd, &y) > 1e-3);
    assert!(matches!(
        lstm.forward_train(&x, None, 1.0),
        Err(Error::InvalidParameter {
            layer: "Lstm",
            name: "dropout",
            ..
        })
    ));
}

#[test]
fn fused_gru_recurrence_equals_autograd_path() {
    let store = audio_nn::init::SeededVarMap::new(12);
    let cfg = GruConfig {
        num_layers: 2,
        bidirectional: true,
        ..GruConfig::new(9, 21)
    };
    let tracked = Gru::new(cfg, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let plain = Gru::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let x = Tensor::randn(0f32, 1f32, (10, 3, 9), &Device::Cpu).unwrap();
    let (y_fused, h_fused) = plain.forward_with_state(&x, None).unwrap();
    let (y_ops, h_ops) = tracked.forward_with_state(&x, None).unwrap();
    close("fused gru y", &y_fused, &y_ops, STREAM_TOL);
    close("fused gru h", &h_fused, &h_ops, STREAM_TOL);
}

#[test]
fn fused_lstm_stream_reuses_its_packed_weights() {
    // Plain weights: every block runs the fused recurrence, the first one
    // packs `W_hh` / `W_hr` and the later ones reuse the packed copies.
    let store = audio_nn::init::SeededVarMap::new(13);
    let cfg = lstm_cfg(6, 19, 2, false, false, 5);
    Lstm::new(cfg, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let plain = Lstm::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let x = Tensor::randn(0f32, 1f32, (23, 2, 6), &Device::Cpu).unwrap();
    let offline = plain.forward_with_state(&x, None).unwrap().0;
    let mut stream = LstmStream::new(plain.clone()).unwrap();
    let mut parts = Vec::new();
    for (start, len) in [(0, 1), (1, 9), (10, 13)] {
        parts.push(stream.step(&x.narrow(0, start, len).unwrap()).unwrap());
    }
    let streamed = Tensor::cat(&parts, 0).unwrap();
    close("fused stream", &streamed, &offline, STREAM_TOL);
    // A second offline pass (packed weights from the cache) is bit-identical.
    let again = plain.forward_with_state(&x, None).unwrap().0;
    assert_eq!(
        again.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        offline.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    );
}
