//! Separation benchmarks, matched by `tools/reference/bench_separation.py`:
//!
//! - museval v4 `evaluate` (window = hop = 44100) on 4 stereo sources × 10 s
//!   and × 60 s at 44.1 kHz;
//! - mir_eval `bss_eval_sources` (with permutation) on 4 mono sources × 10 s.
//!
//! Run single-threaded: `RAYON_NUM_THREADS=1 cargo bench -p audio-eval --bench separation`.
//!
//! The reported time is the process CPU time (user + system, all threads,
//! from `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`), which the Python script reports too: on a shared
//! machine wall-clock time depends on the other jobs. Elsewhere than Linux
//! it falls back to wall-clock time.

use std::hint::black_box;
use std::time::Duration;

use audio_test_fixtures::cpu_timed;

use audio_eval::separation::{bss_eval_sources, evaluate, MusevalConfig};
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array3, Axis};

const SR: usize = 44_100;

/// `x[s, t, c] = sin(2π f_s t / SR + c) + 0.3 sin(2π 3.1 f_s t / SR) + 0.2 u`
/// with `f_s = 110 (s + 1)` Hz and `u` a hashed uniform in `[-1, 1)`
/// (the same formula as the Python script).
fn signal(nsrc: usize, seconds: usize, nchan: usize) -> Array3<f64> {
    let n = seconds * SR;
    Array3::from_shape_fn((nsrc, n, nchan), |(s, t, c)| {
        let f = 110.0 * (s + 1) as f64;
        let mut h = (t as u64 * 2_654_435_761 + (s * 97 + c * 13 + 1) as u64) & 0xFFFF_FFFF;
        h = (h * 1_103_515_245 + 12_345) & 0xFFFF_FFFF;
        let u = h as f64 / 2_147_483_648.0 - 1.0;
        let tt = t as f64;
        let two_pi = 2.0 * std::f64::consts::PI;
        (two_pi * f * tt / SR as f64 + c as f64).sin()
            + 0.3 * (two_pi * 3.1 * f * tt / SR as f64).sin()
            + 0.2 * u
    })
}

/// Each reference plus 20% of the next source and 5% of the reversed-order
/// sources delayed by 7 samples.
fn estimates(refs: &Array3<f64>) -> Array3<f64> {
    let (nsrc, n, _) = refs.dim();
    let mut ests = refs.clone();
    for s in 0..nsrc {
        let next = refs.index_axis(Axis(0), (s + 1) % nsrc).to_owned();
        let rev = refs.index_axis(Axis(0), nsrc - 1 - s);
        let mut e = ests.index_axis_mut(Axis(0), s);
        e.scaled_add(0.2, &next);
        for t in 0..n {
            let src = (t + n - 7) % n;
            for c in 0..refs.dim().2 {
                e[[t, c]] += 0.05 * rev[[src, c]];
            }
        }
    }
    ests
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("separation");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let refs = signal(4, 10, 2);
    let ests = estimates(&refs);
    let config = MusevalConfig::default();
    // Printed once to check the inputs against the Python script's output.
    if let Ok(s) = evaluate(refs.view(), ests.view(), &config) {
        eprintln!("museval 4x10s median SDR {:?}", s.median().sdr);
    }
    group.bench_function("museval_v4_4x10s_stereo", |b| {
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                evaluate(black_box(refs.view()), black_box(ests.view()), &config)
            })
        })
    });
    let mono = signal(4, 10, 1);
    let mono_est = estimates(&mono);
    let (r2, e2) = (mono.index_axis(Axis(2), 0), mono_est.index_axis(Axis(2), 0));
    if let Ok(s) = bss_eval_sources(r2, e2, true) {
        eprintln!("bss_eval_sources 4x10s SDR {:?}", s.sdr);
    }
    group.bench_function("mir_eval_bss_eval_sources_4x10s_mono", |b| {
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                bss_eval_sources(black_box(r2), black_box(e2), true)
            })
        })
    });
    let refs = signal(4, 60, 2);
    let ests = estimates(&refs);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("museval_v4_4x60s_stereo", |b| {
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                evaluate(black_box(refs.view()), black_box(ests.view()), &config)
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
