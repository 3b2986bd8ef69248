//! Demucs (`demucs.demucs.Demucs`) with the constructor's default
//! architecture (64 channels, depth 6, DConv with LocalState and BLSTM from
//! layer 4, 44.1 kHz), four sources, random weights, 10 s of stereo noise,
//! `apply_model` with `shifts=0, split=True, overlap=0.25`, against the
//! package (`tools/reference/bench_demucs.py`).
//!
//! `RAYON_NUM_THREADS=1 cargo bench -p audio-models --bench demucs`
//! (the Python script takes the same count from `THREADS`). The time is
//! process CPU time, as in the Open-Unmix bench.
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use std::time::Duration;

use audio_models::demucs::{
    apply_model, ApplyConfig, DemucsConfig, DemucsNet, HybridConfig, HybridDemucsNet, HybridVersion,
};
use audio_test_fixtures::cpu_timed;
use candle_core::{DType, Device};
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;

fn ten_seconds() -> Array2<f32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    Array2::from_shape_fn((2, 10 * 44_100), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    })
}

fn demucs(c: &mut Criterion) {
    let config = DemucsConfig::new(
        ["drums", "bass", "other", "vocals"]
            .map(String::from)
            .to_vec(),
    );
    let store = audio_nn::init::SeededVarMap::new(0);
    DemucsNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let net = DemucsNet::new(config, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let apply = ApplyConfig {
        shifts: 0,
        ..ApplyConfig::default()
    };
    let audio = ten_seconds();
    let mut group = c.benchmark_group("demucs_default_4_sources_10s");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("apply_model_split", |b| {
        b.iter_custom(|iters| cpu_timed(iters, || apply_model(&net, audio.view(), &apply).unwrap()))
    });
    group.finish();
}

/// HTDemucs at the release's size: the constructor's defaults with
/// `dconv_mode=3` and `segment=Fraction(39, 5)`, 27.4 M parameters; the
/// same 10 s and options (two 7.8 s segments). Python: `MODEL=htdemucs`.
fn htdemucs(c: &mut Criterion) {
    let mut config = HybridConfig::new(
        HybridVersion::HTDemucs,
        ["drums", "bass", "other", "vocals"]
            .map(String::from)
            .to_vec(),
    );
    config.dconv_mode = 3;
    config.segment = 7.8;
    config.segment_ratio = Some((39, 5));
    let store = audio_nn::init::SeededVarMap::new(0);
    HybridDemucsNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let net =
        HybridDemucsNet::new(config, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let apply = ApplyConfig {
        shifts: 0,
        ..ApplyConfig::default()
    };
    let audio = ten_seconds();
    let mut group = c.benchmark_group("htdemucs_4_sources_10s");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("apply_model_split", |b| {
        b.iter_custom(|iters| cpu_timed(iters, || apply_model(&net, audio.view(), &apply).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, demucs, htdemucs);
criterion_main!(benches);
