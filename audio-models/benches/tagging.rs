//! SampleCNN (`sota-music-tagging-models`' `SampleCNN`, 50 tags, the
//! reference's widths) tagging 30 s of 16 kHz audio: nine covering
//! segments of 59049 samples in two batches, against PyTorch
//! (`tools/reference/bench_tagging.py`, the same nine segments in one
//! `torch.no_grad()` forward). Random weights.
//!
//! `RAYON_NUM_THREADS=1 cargo bench -p audio-models --bench tagging`
//! (the Python script takes the same count from `THREADS`). The time is
//! process CPU time, as in the other model benches.
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use std::time::Duration;

use audio_models::tagging::{Aggregation, Architecture, SegmentPlan, Tagger, TaggerConfig};
use audio_test_fixtures::cpu_timed;
use candle_core::{DType, Device};
use criterion::{criterion_group, criterion_main, Criterion};

fn thirty_seconds() -> Vec<f32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..30 * 16_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
        })
        .collect()
}

fn sample_cnn(c: &mut Criterion) {
    let config = TaggerConfig::reference(Architecture::SampleCnn, 50);
    let store = audio_nn::init::SeededVarMap::new(0);
    Tagger::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let tagger = Tagger::new(config, store.plain_var_builder(DType::F32, &Device::Cpu)).unwrap();
    let audio = thirty_seconds();
    let mut group = c.benchmark_group("samplecnn_50_tags_30s_16k");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("tag_covering", |b| {
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                tagger
                    .tag(&audio, SegmentPlan::Covering, Aggregation::Mean)
                    .unwrap()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, sample_cnn);
criterion_main!(benches);
