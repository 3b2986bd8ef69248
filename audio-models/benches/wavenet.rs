//! WaveNet generation speed at the default size (2 stacks of 10 layers:
//! receptive field 2047 samples; 64 residual, 128 skip channels; 256
//! μ-law classes; random weights, seed 0), one thread:
//!
//! - `fast_1000`: 1000 samples with per-layer queues (Paine et al. 2016);
//! - `fast_mol_1000`: the same with a mixture of 10 logistics as the output
//!   (30 head outputs instead of 256 logits; the input is the sample);
//! - `naive_3`: 3 samples after a primer of 2047, each recomputing every
//!   layer over the full receptive field, with the same kernel (the samples
//!   are identical);
//! - `candle_window_10`: 10 samples, each a teacher-forced candle forward
//!   pass over the last 2047 samples (what a user without the queues
//!   writes).
//!
//! Samples per second = samples / time per iteration. The Python twin,
//! `tools/reference/bench_wavenet.py`, times PyTorch's incremental
//! generation (the same queues, as matrix–vector products) and the
//! windowed forward pass.
//!
//! `cargo bench -p audio-models --bench wavenet`
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use audio_models::wavenet::{FastWaveNet, GenerateConfig, WaveNet, WaveNetConfig};
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};

fn wavenet(c: &mut Criterion) {
    let config = WaveNetConfig::default();
    let store = SeededVarMap::new(0);
    WaveNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let vb = store.plain_var_builder(DType::F32, &Device::Cpu);
    let net = WaveNet::new(config.clone(), vb.clone()).unwrap();
    let fast = FastWaveNet::new(config.clone(), vb).unwrap();
    let gen = GenerateConfig::default();
    let rf = config.receptive_field();
    let mut group = c.benchmark_group("wavenet_default");
    group.sample_size(10);
    group.bench_function("fast_1000", |b| {
        b.iter(|| fast.generate(1000, None, &gen).unwrap());
    });
    let mol_config = WaveNetConfig {
        mixtures: Some(10),
        quantization_channels: 65_536,
        ..config.clone()
    };
    let mol_store = SeededVarMap::new(0);
    WaveNet::new(
        mol_config.clone(),
        mol_store.var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap();
    let mol = FastWaveNet::new(
        mol_config,
        mol_store.plain_var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap();
    group.bench_function("fast_mol_1000", |b| {
        b.iter(|| mol.generate_audio(1000, None, &gen).unwrap());
    });
    let prime = vec![128usize; rf];
    group.bench_function("naive_3", |b| {
        b.iter(|| fast.generate_naive_from(&prime, 3, None, &gen).unwrap());
    });
    group.bench_function("candle_window_10", |b| {
        b.iter(|| {
            let mut history = vec![128u32; rf];
            for _ in 0..10 {
                let x = Tensor::from_slice(&history[history.len() - rf..], (1, rf), &Device::Cpu)
                    .unwrap();
                let logits = net.forward(&x, None, None).unwrap();
                let last = logits.narrow(2, rf - 1, 1).unwrap().flatten_all().unwrap();
                let class = last.argmax(0).unwrap().to_scalar::<u32>().unwrap();
                history.push(class);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, wavenet);
criterion_main!(benches);
