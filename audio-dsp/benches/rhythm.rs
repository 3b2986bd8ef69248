//! The rhythm functions `tools/reference/bench_rhythm.py` times in librosa,
//! single threaded, on librosa's onset envelopes (mean and median over mel
//! bands, hop 512) of the 21.7 s piano render, read from the rhythm
//! fixtures by both sides: `tempogram`, `fourier_tempogram`, `tempo`,
//! `beat_track` and `plp`. See docs/src/performance.md.

use audio_dsp::beat::{beat_track, plp, BeatTrackConfig, PlpConfig};
use audio_dsp::feature::rhythm::{
    fourier_tempogram, tempo, FourierTempogramConfig, TempoConfig, Tempogram, TempogramConfig,
};
use criterion::{criterion_group, criterion_main, Criterion};

fn envelope(name: &str) -> Vec<f32> {
    let path = audio_test_fixtures::fixtures_dir(env!("CARGO_MANIFEST_DIR"))
        .join("rhythm")
        .join(format!("{name}.npy"));
    audio_test_fixtures::read_npy::<f32>(path)
        .iter()
        .copied()
        .collect()
}

fn benches(c: &mut Criterion) {
    let mean = envelope("onset_mean_piano");
    let median = envelope("onset_median_piano");
    let mut group = c.benchmark_group("rhythm");
    group.sample_size(20);
    group.bench_function("tempogram", |b| {
        b.iter(|| {
            Tempogram::new(TempogramConfig::default())
                .and_then(|t| t.process(&mean))
                .expect("tempogram")
        })
    });
    group.bench_function("fourier_tempogram", |b| {
        b.iter(|| fourier_tempogram(&mean, &FourierTempogramConfig::default()).expect("ftgram"))
    });
    group.bench_function("tempo", |b| {
        b.iter(|| tempo(&mean, &TempoConfig::default()).expect("tempo"))
    });
    group.bench_function("beat_track", |b| {
        b.iter(|| beat_track(&median, &BeatTrackConfig::default()).expect("beats"))
    });
    group.bench_function("plp", |b| {
        b.iter(|| plp(&median, &PlpConfig::default()).expect("plp"))
    });
    group.finish();
}

criterion_group!(rhythm, benches);
criterion_main!(rhythm);
