//! Open-Unmix separation, umxhq-sized (hidden 512, 3 BiLSTM layers, stereo,
//! `max_bin` 1487), four targets, 10 s of stereo audio, `niter` 0 and 1,
//! against `openunmix.model.Separator` (`tools/reference/bench_umx.py`).
//!
//! `RAYON_NUM_THREADS=1 cargo bench -p audio-models --bench open_unmix`
//! (candle's matrix products and our Wiener filter / ISTFT use rayon's pool;
//! the Python script takes the same count from `THREADS`).
//!
//! The reported time is the process CPU time (user + system, all threads,
//! from `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`), which the Python script reports too
//! (`time.process_time()`): on a shared machine wall-clock time depends on
//! the other jobs. Elsewhere than Linux it falls back to wall-clock time.
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use audio_models::open_unmix::{OpenUnmix, OpenUnmixConfig, OpenUnmixSeparator, SeparatorConfig};
use audio_models::Separator;
use candle_core::{DType, Device};
use std::time::Duration;

use audio_test_fixtures::cpu_timed;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;

fn separator(niter: usize) -> OpenUnmixSeparator {
    let models = ["vocals", "drums", "bass", "other"]
        .iter()
        .enumerate()
        .map(|(j, t)| {
            // Random weights, then the same weights as plain tensors, as a
            // checkpoint loads them (autograd `Var`s would select the
            // op-by-op training path of the LSTM).
            let store = audio_nn::init::SeededVarMap::new(j as u64);
            OpenUnmix::new(
                OpenUnmixConfig::umxhq(),
                store.var_builder(DType::F32, &Device::Cpu),
            )
            .unwrap();
            let vb = store.plain_var_builder(DType::F32, &Device::Cpu);
            (
                t.to_string(),
                OpenUnmix::new(OpenUnmixConfig::umxhq(), vb).unwrap(),
            )
        })
        .collect();
    OpenUnmixSeparator::new(
        models,
        SeparatorConfig {
            niter,
            ..SeparatorConfig::default()
        },
    )
    .unwrap()
}

/// 10 s of stereo noise at 44.1 kHz (timing does not depend on the content).
fn ten_seconds() -> Array2<f32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    Array2::from_shape_fn((2, 10 * 44_100), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    })
}

fn open_unmix(c: &mut Criterion) {
    let audio = ten_seconds();
    let mut group = c.benchmark_group("open_unmix_umxhq_4_targets_10s");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    for niter in [0, 1] {
        let sep = separator(niter);
        group.bench_function(format!("niter{niter}"), |b| {
            b.iter_custom(|iters| cpu_timed(iters, || sep.separate(audio.view()).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, open_unmix);
criterion_main!(benches);
