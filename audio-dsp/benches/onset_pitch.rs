//! The work `tools/reference/bench_onset_pitch.py` times in librosa, single
//! threaded, on the bundled recordings: onset_strength, onset_detect and
//! chroma_stft (estimated and fixed tuning) on the 21.7 s piano render, yin
//! and pyin on the 12 s violin render. See docs/src/performance.md.

use std::path::Path;

use audio_dsp::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn read_wav(name: &str) -> Vec<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/audio")
        .join(name);
    let mut reader = hound::WavReader::open(path).expect("bundled recording");
    reader
        .samples::<i16>()
        .map(|s| f64::from(s.expect("sample")) / 32768.0)
        .collect()
}

fn benches(c: &mut Criterion) {
    let piano = read_wav("piano.wav");
    let violin = read_wav("violin_melody.wav");
    let mut group = c.benchmark_group("onset_pitch");
    group.sample_size(10);

    let onset = OnsetStrength::<f64>::new(OnsetStrengthConfig::default()).expect("config");
    group.bench_function("onset_strength_piano", |b| {
        b.iter(|| onset.process(&piano).expect("onset"))
    });
    let detect = OnsetDetect::new(OnsetDetectConfig::default()).expect("config");
    group.bench_function("onset_detect_piano", |b| {
        b.iter(|| {
            let env = onset.process(&piano).expect("onset");
            detect.process_envelope(&env, None).expect("detect")
        })
    });

    let chroma = ChromaStft::<f64>::new(ChromaStftConfig::default()).expect("config");
    group.bench_function("chroma_stft_piano_estimated_tuning", |b| {
        b.iter(|| chroma.process(&piano).expect("chroma"))
    });
    let chroma_fixed = ChromaStft::<f64>::new(ChromaStftConfig {
        tuning: Some(0.0),
        ..ChromaStftConfig::default()
    })
    .expect("config");
    group.bench_function("chroma_stft_piano_tuning0", |b| {
        b.iter(|| chroma_fixed.process(&piano).expect("chroma"))
    });

    let yin = Yin::new(YinConfig::default()).expect("config");
    group.bench_function("yin_violin", |b| {
        b.iter(|| yin.process(&violin).expect("yin"))
    });
    let pyin = Pyin::new(PyinConfig::default()).expect("config");
    group.bench_function("pyin_violin", |b| {
        b.iter(|| pyin.process(&violin).expect("pyin"))
    });
    group.finish();
}

criterion_group!(onset_pitch, benches);
criterion_main!(onset_pitch);
