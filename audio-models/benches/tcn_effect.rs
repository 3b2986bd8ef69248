//! The TCN effect model at the seed's size (micro-TCN's `uTCN-300-C`: 4
//! blocks of 32 channels, kernel 13, dilations 1 … 1000, 2 controls),
//! one second of 44.1 kHz mono through [`TcnEffectProcessor`] in blocks of
//! 64, 256 and 1024 samples, one thread. The real-time factor is one
//! second over the time per iteration. The Python twin,
//! `tools/reference/bench_tcn_effect.py`, runs micro-TCN in PyTorch the way
//! its plugin does: each block with the receptive field's past samples.
//!
//! `cargo bench -p audio-models --bench tcn_effect`
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use audio_models::effects::TcnEffect;
use criterion::{criterion_group, criterion_main, Criterion};

fn tcn_effect(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tcn_effect/utcn300.ckpt"
    );
    let effect = TcnEffect::load_weights(path, None).unwrap();
    let second: Vec<f32> = (0..44_100)
        .map(|t| (t as f32 * 2.0 * std::f32::consts::PI * 110.0 / 44_100.0).sin() * 0.5)
        .collect();
    let mut out = vec![0f32; second.len()];
    let mut group = c.benchmark_group("tcn_effect_utcn300_1s");
    group.sample_size(10);
    for block in [64usize, 256, 1024] {
        let mut proc = effect.processor().unwrap();
        proc.prepare(44_100, block).unwrap();
        group.bench_function(format!("block_{block}"), |b| {
            b.iter(|| {
                for (x, y) in second.chunks(block).zip(out.chunks_mut(block)) {
                    proc.process_block(&[x], &mut [y]).unwrap();
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, tcn_effect);
criterion_main!(benches);
