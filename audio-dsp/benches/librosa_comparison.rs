//! The work `tools/reference/bench_librosa.py` times in librosa, single
//! threaded: 30 s of 22.05 kHz audio through stft (2048/512), melspectrogram
//! (128 mels), mfcc (20) and griffinlim (32 iterations), plus bare realfft on
//! the same frames (the floor any STFT pays). See docs/src/performance.md.

use audio_dsp::*;
use criterion::{criterion_group, criterion_main, Criterion};
use realfft::RealFftPlanner;

const SR: usize = 22050;
const SECONDS: usize = 30;

/// The benchmark signal, computed identically in the Python script:
/// a 110 → 3520 Hz exponential chirp plus a 440 Hz tone.
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
    let mut group = c.benchmark_group("librosa_comparison");
    group.sample_size(20);

    let stft = Stft::<f32>::new(StftConfig::default()).expect("valid config");
    group.bench_function("stft_2048_512", |b| {
        b.iter(|| stft.process(&y).expect("stft"))
    });

    // The floor: the same number of 2048-point real FFTs, no windowing or padding.
    let frames = stft.n_frames(y.len()).expect("frames");
    let padded = pad(&y, 1024, 1024, PadMode::Constant).expect("pad");
    let plan = RealFftPlanner::<f32>::new().plan_fft_forward(2048);
    let mut input = plan.make_input_vec();
    let mut output = plan.make_output_vec();
    let mut scratch = plan.make_scratch_vec();
    group.bench_function("bare_realfft_same_frames", |b| {
        b.iter(|| {
            for t in 0..frames {
                input.copy_from_slice(&padded[t * 512..t * 512 + 2048]);
                plan.process_with_scratch(&mut input, &mut output, &mut scratch)
                    .expect("fft");
            }
            output[1]
        })
    });

    let mel = MelSpectrogram::<f32>::new(MelSpectrogramConfig::default()).expect("config");
    group.bench_function("melspectrogram_128", |b| {
        b.iter(|| mel.process(&y).expect("mel"))
    });

    let mfcc = Mfcc::<f32>::new(MfccConfig::default()).expect("config");
    group.bench_function("mfcc_20", |b| b.iter(|| mfcc.process(&y).expect("mfcc")));

    let magnitude = spectrogram(&stft, &y, 1.0).expect("spectrogram");
    let gl = GriffinLimConfig::<f32> {
        init: GriffinLimInit::Zero,
        ..GriffinLimConfig::default()
    };
    group.sample_size(10);
    group.bench_function("griffinlim_32", |b| {
        b.iter(|| griffin_lim(magnitude.view(), &gl).expect("griffin-lim"))
    });
    group.finish();
}

criterion_group!(librosa_comparison, benches);
criterion_main!(librosa_comparison);
