//! The frame features `tools/reference/bench_features.py` times in librosa,
//! single threaded, on 30 s of the benchmark signal (the chirp + tone of
//! `resample.rs`) at 22.05 kHz, each from the signal as librosa's `y=` call
//! computes it (our descriptors take the magnitude spectrogram, so the STFT
//! is inside the timing): `spectral_centroid`, `spectral_bandwidth`,
//! `spectral_rolloff`, `spectral_flatness`, `spectral_contrast`, `rms`,
//! `zero_crossing_rate` and `effects.hpss`. See docs/src/performance.md.

#[path = "support/signal.rs"]
mod bench_signal;

use audio_dsp::decompose::HpssConfig;
use audio_dsp::feature::rms::{rms, RmsConfig};
use audio_dsp::feature::spectral::{
    spectral_bandwidth, spectral_centroid, spectral_contrast, spectral_flatness, spectral_rolloff,
    SpectralBandwidthConfig, SpectralContrastConfig, SpectralFlatnessConfig,
};
use audio_dsp::feature::zero_crossing_rate::{zero_crossing_rate, ZeroCrossingRateConfig};
use audio_dsp::spectral::spectrogram::spectrogram;
use audio_dsp::{Stft, StftConfig};
use criterion::{criterion_group, criterion_main, Criterion};

const SECONDS: usize = 30;
const SR: f64 = 22_050.0;

fn benches(c: &mut Criterion) {
    let y = bench_signal::chirp_tone(SR as usize, SECONDS);
    let stft = Stft::<f32>::new(StftConfig {
        hop_length: Some(512),
        ..StftConfig::default()
    })
    .expect("stft");
    let mag = |y: &[f32]| spectrogram(&stft, y, 1.0).expect("spectrogram");
    let mut group = c.benchmark_group("features");
    group.sample_size(20);
    group.bench_function("spectral_centroid", |b| {
        b.iter(|| spectral_centroid(mag(&y).view(), SR).expect("centroid"))
    });
    group.bench_function("spectral_bandwidth", |b| {
        b.iter(|| {
            spectral_bandwidth(mag(&y).view(), SR, &SpectralBandwidthConfig::default())
                .expect("bandwidth")
        })
    });
    group.bench_function("spectral_rolloff", |b| {
        b.iter(|| spectral_rolloff(mag(&y).view(), SR, 0.85).expect("rolloff"))
    });
    group.bench_function("spectral_flatness", |b| {
        b.iter(|| {
            spectral_flatness(mag(&y).view(), &SpectralFlatnessConfig::default()).expect("flatness")
        })
    });
    group.bench_function("spectral_contrast", |b| {
        b.iter(|| {
            spectral_contrast(mag(&y).view(), SR, &SpectralContrastConfig::default())
                .expect("contrast")
        })
    });
    group.bench_function("rms", |b| {
        b.iter(|| rms(&y, &RmsConfig::default()).expect("rms"))
    });
    group.bench_function("zero_crossing_rate", |b| {
        b.iter(|| zero_crossing_rate(&y, &ZeroCrossingRateConfig::default()).expect("zcr"))
    });
    group.sample_size(10);
    group.bench_function("hpss", |b| {
        b.iter(|| {
            audio_dsp::effects::hpss(&y, &StftConfig::default(), &HpssConfig::default())
                .expect("hpss")
        })
    });
    group.finish();
}

criterion_group!(features, benches);
criterion_main!(features);
