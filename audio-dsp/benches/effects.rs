//! The time and pitch effects `tools/reference/bench_effects.py` times in
//! librosa, single threaded: 30 s of the benchmark signal (the chirp + tone
//! of `resample.rs`) at 22.05 kHz, `time_stretch` at rates 1.25 and 0.8 and
//! `pitch_shift` by +2 and -3 steps (librosa: `res_type="soxr_hq"`; ours:
//! `ResampleMethod::High`). See docs/src/performance.md.

#[path = "support/signal.rs"]
mod bench_signal;

use audio_dsp::effects::{PitchShift, PitchShiftConfig, TimeStretch};
use audio_dsp::StftConfig;
use criterion::{criterion_group, criterion_main, Criterion};

const SECONDS: usize = 30;
const SR: usize = 22_050;

/// The benchmark signal, as the Python script computes it.
fn signal() -> Vec<f32> {
    bench_signal::chirp_tone(SR, SECONDS)
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
