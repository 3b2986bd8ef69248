//! The work `tools/reference/bench_librosa.py` times in librosa, single
//! threaded: 30 s of 22.05 kHz audio through stft (2048/512), melspectrogram
//! (128 mels), mfcc (20) and griffinlim (32 iterations), plus bare realfft on
//! the same frames (the floor any STFT pays). See docs/src/performance.md.

#[path = "support/signal.rs"]
mod bench_signal;

use audio_dsp::*;
use audio_test_fixtures::{cpu_criterion, CpuTime};
use criterion::{criterion_group, criterion_main, Criterion};
use realfft::RealFftPlanner;

const SR: usize = 22050;
const SECONDS: usize = 30;

/// The benchmark signal, as the Python script computes it.
fn signal() -> Vec<f32> {
    bench_signal::chirp_tone(SR, SECONDS)
}

fn benches(c: &mut Criterion<CpuTime>) {
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
    let native = GriffinLimConfig::<f32> {
        precision: audio_dsp::GriffinLimPrecision::Native,
        ..gl.clone()
    };
    group.bench_function("griffinlim_32_native_f32", |b| {
        b.iter(|| griffin_lim(magnitude.view(), &native).expect("griffin-lim"))
    });
    group.finish();
}

criterion_group! {
    name = librosa_comparison;
    config = cpu_criterion();
    targets = benches
}
criterion_main!(librosa_comparison);
