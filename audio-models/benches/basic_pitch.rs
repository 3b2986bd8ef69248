//! Basic Pitch on 60 s of audio (the bundled piano recording repeated),
//! single-threaded, against onnxruntime running `nmp.onnx` on the same
//! windows (`tools/reference/bench_basic_pitch.py`).
//!
//! `cargo bench -p audio-models --bench basic_pitch`
//!
//! Our convolutions call `gemm` with `Parallelism::None`: one thread.
#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use audio_models::basic_pitch::note_creation::model_output_to_notes;
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use audio_test_fixtures::{cpu_criterion, CpuTime};
use criterion::{criterion_group, criterion_main, Criterion};

/// 60 s at 22.05 kHz: `assets/audio/piano.wav` repeated (the Python script
/// builds the same signal).
fn sixty_seconds() -> Vec<f32> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/audio/piano.wav");
    let audio = audio_io::load::<f32>(
        path,
        &audio_io::LoadOptions {
            sr: None,
            ..Default::default()
        },
    )
    .unwrap();
    let one = audio.samples.row(0).to_vec();
    one.iter().copied().cycle().take(60 * 22_050).collect()
}

fn basic_pitch(c: &mut Criterion<CpuTime>) {
    let audio = sixty_seconds();
    let model = BasicPitch::new().unwrap();
    let config = PredictConfig {
        include_pitch_bends: false,
        ..PredictConfig::default()
    };
    let mut group = c.benchmark_group("basic_pitch");
    group.sample_size(10);
    group.bench_function("posteriorgrams_60s", |b| {
        b.iter(|| model.posteriorgrams(&audio, false).unwrap())
    });
    let post = model.posteriorgrams(&audio, false).unwrap();
    group.bench_function("note_creation_60s", |b| {
        b.iter(|| model_output_to_notes(&post, &config).unwrap())
    });
    group.bench_function("transcribe_60s", |b| {
        b.iter(|| model.transcribe_mono(&audio, &config).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = cpu_criterion();
    targets = basic_pitch
}
criterion_main!(benches);
