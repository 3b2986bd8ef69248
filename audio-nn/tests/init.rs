//! PyTorch's default initialisation: bounds and spread of the drawn weights.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap: a panic is a failed test"
)]

use audio_nn::init::SeededVarMap;
use audio_nn::{
    Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, Linear, Lstm, LstmConfig,
};
use candle_core::{DType, Device};

/// Relative tolerance on the sample standard deviation of ~10⁴–10⁵ uniform
/// draws against `bound/sqrt(3)` (the sampling error is well below 2 %).
const STD_TOL: f64 = 0.03;

fn check(name: &str, store: &SeededVarMap, key: &str, bound: f64) {
    let data = store.varmap().data().lock().unwrap();
    let v: Vec<f32> = data[key]
        .as_tensor()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let max = v.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()));
    assert!(max <= bound, "{name} {key}: max |w| {max} > bound {bound}");
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let std = (v
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let want = bound / 3f64.sqrt();
    assert!(
        (std / want - 1.0).abs() < STD_TOL,
        "{name} {key}: std {std}, expected {want}"
    );
}

#[test]
fn weights_follow_pytorch_default_init() {
    let store = SeededVarMap::new(1);
    let vb = store.var_builder(DType::F32, &Device::Cpu);
    // Conv1d(64 -> 128, k=5, groups=2): fan_in = 32 * 5.
    Conv1d::new(
        64,
        128,
        5,
        Conv1dConfig {
            groups: 2,
            ..Default::default()
        },
        vb.pp("conv"),
    )
    .unwrap();
    check("conv", &store, "conv.weight", 1.0 / 160f64.sqrt());
    // ConvTranspose1d(64 -> 32, k=4): weight (64, 32, 4), fan_in = 32 * 4.
    ConvTranspose1d::new(64, 32, 4, ConvTranspose1dConfig::default(), vb.pp("up")).unwrap();
    check("convtranspose", &store, "up.weight", 1.0 / 128f64.sqrt());
    // Linear(300 -> 200): fan_in 300; bias uses the same bound.
    Linear::new(300, 200, true, vb.pp("fc")).unwrap();
    check("linear", &store, "fc.weight", 1.0 / 300f64.sqrt());
    // LSTM(hidden 64): U(±1/8) for every parameter.
    Lstm::new(LstmConfig::new(32, 64), vb.pp("lstm")).unwrap();
    check("lstm", &store, "lstm.weight_ih_l0", 0.125);
    check("lstm", &store, "lstm.weight_hh_l0", 0.125);
}

#[test]
fn seeded_store_is_deterministic_and_seed_dependent() {
    let w = |seed| {
        let store = SeededVarMap::new(seed);
        let c = Conv1d::new(
            4,
            4,
            3,
            Conv1dConfig::default(),
            store.var_builder(DType::F32, &Device::Cpu),
        )
        .unwrap();
        c.weight().flatten_all().unwrap().to_vec1::<f32>().unwrap()
    };
    assert_eq!(w(5), w(5));
    assert_ne!(w(5), w(6));
}
