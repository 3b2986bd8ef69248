//! `mel_to_stft` (NNLS by L-BFGS-B) on librosa's own mel spectrograms: the
//! inverse fixtures' default sets (n_fft 2048, 128 mels, power 2; 0.75 s,
//! 33 frames, of the violin and the piano renders, whose L-BFGS-B runs take
//! 46 and 6 iterations, as SciPy's). `tools/reference/bench_inverse.py`
//! times `librosa.feature.inverse.mel_to_stft` on the same files, single
//! threaded. Times are process CPU time. See docs/src/performance.md.

use audio_dsp::feature::inverse::{mel_to_stft, MelToStftConfig};
use audio_test_fixtures::cpu_timed;
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array2, Ix2};

fn mel(name: &str) -> Array2<f32> {
    let dir = audio_test_fixtures::fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("inverse");
    audio_test_fixtures::read_npy::<f32>(dir.join(format!("mel_to_stft_input_{name}.npy")))
        .into_dimensionality::<Ix2>()
        .expect("a 2-D mel spectrogram")
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("inverse");
    group.sample_size(10);
    let cfg = MelToStftConfig::default();
    for name in ["default_violin", "default_piano"] {
        let m = mel(name);
        // Process CPU time: the machine may be shared.
        group.bench_function(format!("mel_to_stft_{name}"), |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || mel_to_stft(m.view(), &cfg).expect("mel_to_stft"))
            })
        });
    }
    group.finish();
}

criterion_group!(inverse, benches);
criterion_main!(inverse);
