//! The time and pitch effects `tools/reference/bench_effects.py` times in
//! librosa, single threaded: 30 s of the benchmark signal (the chirp + tone
//! of `resample.rs`) at 22.05 kHz, `time_stretch` at rates 1.25 and 0.8 and
//! `pitch_shift` by +2 and -3 steps (librosa: `res_type="soxr_hq"`; ours:
//! `ResampleMethod::High`). See docs/src/performance.md.

use audio_dsp::effects::{PitchShift, PitchShiftConfig, TimeStretch};
use audio_dsp::StftConfig;
use criterion::{criterion_group, criterion_main, Criterion};

const SECONDS: usize = 30;
const SR: usize = 22_050;

/// A 110 → 3520 Hz exponential chirp plus a 440 Hz tone, as the Python
/// script computes it.
fn signal() -> Vec<f32> {
    let n = SR * SECONDS;
    let (f0, f1, t1) = (110.0f64, 3520.0f64, SECONDS as f64);
    let k = (f1 / f0).ln() / t1;
    (0..n)
        .map(|i| {
            let t = i as f64 / SR as f64;
            let chirp = (2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k).sin();
            let tone = (2.0 * std::f64::consts::PI * 440.0 * t).sin();
            (0.5 * chirp + 0.25 * tone) as f32
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let y = signal();
    let mut group = c.benchmark_group("effects");
    group.sample_size(10);
    for rate in [1.25, 0.8] {
        let ts = TimeStretch::<f32>::new(rate, StftConfig::default()).expect("valid rate");
        group.bench_function(format!("time_stretch_{rate}"), |b| {
            b.iter(|| ts.process(&y).expect("stretch"))
        });
    }
    for steps in [2.0, -3.0] {
        let ps = PitchShift::<f32>::new(SR as f64, steps, PitchShiftConfig::default())
            .expect("valid shift");
        group.bench_function(format!("pitch_shift_{steps}"), |b| {
            b.iter(|| ps.process(&y).expect("shift"))
        });
    }
    group.finish();
}

criterion_group!(effects, benches);
criterion_main!(effects);
