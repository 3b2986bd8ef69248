//! The resampling work `tools/reference/bench_resample.py` times in librosa,
//! single threaded: 30 s of the benchmark signal (the chirp + tone of
//! `librosa_comparison.rs`, synthesised at the input rate) resampled
//! 44.1 -> 22.05 kHz, 22.05 -> 16 kHz and 16 -> 44.1 kHz with each preset
//! (librosa: soxr_hq, soxr_mq, soxr_lq, fft). See docs/src/performance.md.

use audio_dsp::resample::{ResampleMethod, Resampler};
use criterion::{criterion_group, criterion_main, Criterion};

const SECONDS: usize = 30;

/// A 110 → 3520 Hz exponential chirp plus a 440 Hz tone at `sr`, as the
/// Python script computes it.
fn signal(sr: usize) -> Vec<f32> {
    let n = sr * SECONDS;
    let (f0, f1, t1) = (110.0f64, 3520.0f64, SECONDS as f64);
    let k = (f1 / f0).ln() / t1;
    (0..n)
        .map(|i| {
            let t = i as f64 / sr as f64;
            let chirp = (2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k).sin();
            let tone = (2.0 * std::f64::consts::PI * 440.0 * t).sin();
            (0.5 * chirp + 0.25 * tone) as f32
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("resample");
    group.sample_size(10);
    for (a, b) in [
        (44_100usize, 22_050usize),
        (22_050, 16_000),
        (16_000, 44_100),
    ] {
        let y = signal(a);
        for (name, method) in [
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

criterion_group!(resample, benches);
criterion_main!(resample);
