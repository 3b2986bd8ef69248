//! The work `tools/reference/bench_cqt.py` times in librosa, single threaded:
//! the bundled 21.7 s piano recording (`assets/audio/piano.wav`, 22.05 kHz)
//! through `cqt` (librosa defaults: 84 bins from C1, hop 512) with the
//! default resampler (soxr_hq, as librosa) and with the exact FFT resampler, and through
//! `chroma_cqt` (defaults with `tuning=0.0`, and librosa's default `tuning=None`, which estimates it). "plan" variants build the transform
//! inside the timed loop, as every librosa call does. See
//! docs/src/performance.md.

use audio_dsp::*;
use audio_test_fixtures::{cpu_criterion, CpuTime};
use criterion::{criterion_group, criterion_main, Criterion};

/// The piano recording as float32 in [-1, 1) (16-bit PCM / 32768, as soundfile).
fn piano() -> Vec<f32> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/audio/piano.wav");
    let mut reader = hound::WavReader::open(path).expect("assets/audio/piano.wav");
    reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect()
}

fn benches(c: &mut Criterion<CpuTime>) {
    let y = piano();
    let mut group = c.benchmark_group("cqt");
    group.sample_size(20);

    let high = CqtConfig::default();
    let fft = CqtConfig {
        res_type: ResampleMethod::Fft,
        ..CqtConfig::default()
    };
    let cqt_high = Cqt::<f32>::new(high.clone()).expect("config");
    group.bench_function("cqt_soxr_hq", |b| {
        b.iter(|| cqt_high.process(&y).expect("cqt"))
    });
    group.bench_function("cqt_soxr_hq_plan", |b| {
        b.iter(|| {
            Cqt::<f32>::new(high.clone())
                .expect("config")
                .process(&y)
                .expect("cqt")
        })
    });
    let cqt_fft = Cqt::<f32>::new(fft.clone()).expect("config");
    group.bench_function("cqt_fft", |b| b.iter(|| cqt_fft.process(&y).expect("cqt")));
    group.bench_function("cqt_fft_plan", |b| {
        b.iter(|| {
            Cqt::<f32>::new(fft.clone())
                .expect("config")
                .process(&y)
                .expect("cqt")
        })
    });

    let chroma_config = ChromaCqtConfig {
        tuning: Some(0.0),
        ..ChromaCqtConfig::default()
    };
    let chroma = ChromaCqt::<f32>::new(chroma_config.clone()).expect("config");
    group.bench_function("chroma_cqt_soxr_hq", |b| {
        b.iter(|| chroma.process(&y).expect("chroma"))
    });
    group.bench_function("chroma_cqt_soxr_hq_plan", |b| {
        b.iter(|| {
            ChromaCqt::<f32>::new(chroma_config.clone())
                .expect("config")
                .process(&y)
                .expect("chroma")
        })
    });
    // librosa's default tuning=None: estimate_tuning, then plan the CQT.
    let estimating = ChromaCqt::<f32>::new(ChromaCqtConfig::default()).expect("config");
    group.bench_function("chroma_cqt_soxr_hq_estimated_tuning", |b| {
        b.iter(|| estimating.process(&y).expect("chroma"))
    });
    // The resampling inside: every octave halves the signal once (2 -> 1),
    // so the CQT resamples about 2x the input's length in total.
    let half = Resampler::new(2.0, 1.0, ResampleMethod::SoxrHq).expect("resampler");
    group.bench_function("resample_half_soxr_hq_whole_input", |b| {
        b.iter(|| half.process(&y).expect("resample"))
    });
    group.finish();
}

criterion_group! {
    name = cqt_benches;
    config = cpu_criterion();
    targets = benches
}
criterion_main!(cqt_benches);
