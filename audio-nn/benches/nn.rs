//! Criterion benchmarks of audio-nn against PyTorch CPU
//! (`tools/reference/bench_nn.py` times the same workloads).
//!
//! Run single-threaded, as the Python script does:
//! `RAYON_NUM_THREADS=1 cargo bench -p audio-nn --bench nn`
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use audio_nn::init::SeededVarMap;
use audio_nn::{Lstm, LstmConfig, StftLayer, StftLayerConfig, TcnBlock, TcnBlockConfig};
use candle_core::{DType, Device, Module, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};

fn bilstm(c: &mut Criterion) {
    // 3-layer bidirectional LSTM, hidden 512 per direction, input 512, 256 frames, batch 1.
    // Inference from plain (checkpoint-like) tensors, not autograd `Var`s.
    let store = SeededVarMap::new(0);
    let cfg = LstmConfig {
        num_layers: 3,
        bidirectional: true,
        ..LstmConfig::new(512, 512)
    };
    Lstm::new(cfg, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let lstm = Lstm::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let x = Tensor::randn(0f32, 1f32, (256, 1, 512), &Device::Cpu).unwrap();
    c.bench_function("bilstm_3x512_256frames", |b| {
        b.iter(|| lstm.forward(&x).unwrap())
    });
}

fn tcn(c: &mut Criterion) {
    // 10 causal TCN blocks (kernel 3, dilations 1..512, 32 channels, FiLM), 1 s at 44.1 kHz.
    let store = SeededVarMap::new(0);
    let cfgs: Vec<TcnBlockConfig> = (0..10)
        .map(|i| TcnBlockConfig::new(if i == 0 { 1 } else { 32 }, 32, 3, 1 << i, Some(32)))
        .collect();
    let vb = store.var_builder(DType::F32, &Device::Cpu);
    for (i, cfg) in cfgs.iter().enumerate() {
        TcnBlock::new(*cfg, vb.pp(format!("blocks.{i}"))).unwrap();
    }
    let vb = store.plain_var_builder(DType::F32, &Device::Cpu);
    let blocks: Vec<TcnBlock> = cfgs
        .iter()
        .enumerate()
        .map(|(i, cfg)| TcnBlock::new(*cfg, vb.pp(format!("blocks.{i}"))).unwrap())
        .collect();
    let x = Tensor::randn(0f32, 1f32, (1, 1, 44100), &Device::Cpu).unwrap();
    let p = Tensor::randn(0f32, 1f32, (1, 32), &Device::Cpu).unwrap();
    c.bench_function("tcn_10x32_1s_44k", |b| {
        b.iter(|| {
            let mut h = x.clone();
            for blk in &blocks {
                h = blk.apply(&h, Some(&p)).unwrap();
            }
            h
        })
    });
}

fn stft(c: &mut Criterion) {
    // Differentiable STFT, n_fft 1024, hop 256, Hann, centred (reflect), 1 s at 44.1 kHz.
    let s = StftLayer::new(
        StftLayerConfig::torch(1024, 256, 1024),
        DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    let x = Tensor::randn(0f32, 1f32, (1, 44100), &Device::Cpu).unwrap();
    c.bench_function("stft_1024_hop256_1s_44k", |b| {
        b.iter(|| s.forward(&x).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bilstm, tcn, stft
}
criterion_main!(benches);
