//! The resampling work `tools/reference/bench_resample.py` times in librosa,
//! single threaded: 30 s of the benchmark signal (the chirp + tone of
//! `librosa_comparison.rs`, synthesised at the input rate) resampled
//! 44.1 -> 22.05 kHz, 22.05 -> 16 kHz and 16 -> 44.1 kHz with soxr's
//! recipes (`soxr_vhq`, `soxr_hq`, `soxr_mq`, `soxr_lq`: the same work on
//! both sides), `fft`, and our own sinc presets (`high`, `medium`, `fast`,
//! timed against librosa's soxr_hq, soxr_mq and soxr_lq respectively). See
//! docs/src/performance.md. Reports process CPU time
//! (`audio_test_fixtures::CpuTime`), as the Python script's twins in
//! `tools/bench/run.py` do.

#[path = "support/signal.rs"]
mod bench_signal;

use audio_dsp::resample::{ResampleMethod, Resampler};
use audio_test_fixtures::{cpu_criterion, CpuTime};
use criterion::{criterion_group, criterion_main, Criterion};

const SECONDS: usize = 30;

/// The benchmark signal at `sr`, as the Python script computes it.
fn signal(sr: usize) -> Vec<f32> {
    bench_signal::chirp_tone(sr, SECONDS)
}

fn benches(c: &mut Criterion<CpuTime>) {
    let mut group = c.benchmark_group("resample");
    group.sample_size(10);
    for (a, b) in [
        (44_100usize, 22_050usize),
        (22_050, 16_000),
        (16_000, 44_100),
    ] {
        let y = signal(a);
        for (name, method) in [
            ("soxr_vhq", ResampleMethod::SoxrVhq),
            ("soxr_hq", ResampleMethod::SoxrHq),
            ("soxr_mq", ResampleMethod::SoxrMq),
            ("soxr_lq", ResampleMethod::SoxrLq),
            ("high", ResampleMethod::High),
            ("medium", ResampleMethod::Medium),
            ("fast", ResampleMethod::Fast),
            ("fft", ResampleMethod::Fft),
        ] {
            let r = Resampler::new(a as f64, b as f64, method).expect("valid rates");
            group.bench_function(format!("{a}_{b}_{name}"), |bench| {
                bench.iter(|| r.process(&y).expect("resample"))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = resample;
    config = cpu_criterion();
    targets = benches
}
criterion_main!(resample);
