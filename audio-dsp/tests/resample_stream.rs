//! The streaming resampler against the whole-signal one: the same samples
//! to the bit, for every soxr recipe, integer and non-integer ratios, and
//! any block sizes (fixed, random, empty blocks, one sample at a time).

use audio_dsp::resample::{ResampleMethod, Resampler};
use proptest::prelude::*;

/// A deterministic test signal: two tones and a little noise, `n` samples.
fn signal(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|i| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.05;
            let t = i as f32;
            0.5 * (t * 0.031).sin() + 0.3 * (t * 0.377).sin() + noise
        })
        .collect()
}

/// Streams `x` in blocks of the given sizes (cycled), then finishes.
fn streamed(resampler: &Resampler, x: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut stream = resampler.stream().expect("a streaming method");
    let mut out = Vec::new();
    let mut at = 0;
    let mut k = 0;
    while at < x.len() {
        let size = sizes[k % sizes.len()].min(x.len() - at);
        stream
            .process(&x[at..at + size], &mut out)
            .expect("finite input");
        at += size;
        k += 1;
    }
    stream.finish(&mut out).expect("finish");
    out
}

fn assert_bit_identical(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = (0..got.len()).find(|&i| got[i].to_bits() != want[i].to_bits()) {
        panic!("{what}: sample {i} differs: {} vs {}", got[i], want[i]);
    }
}

const RECIPES: [ResampleMethod; 4] = [
    ResampleMethod::SoxrHq,
    ResampleMethod::SoxrVhq,
    ResampleMethod::SoxrMq,
    ResampleMethod::SoxrLq,
];

/// Rate pairs covering soxr's stage kinds: 2:1 (half-band and FFT
/// decimation), 4:1, a rational poly-phase stage (44.1 → 48, 44.1 → 16),
/// upsampling, and an irrational ratio (the interpolated poly-phase stage).
const RATES: [(f64, f64); 7] = [
    (44_100.0, 22_050.0),
    (44_100.0, 11_025.0),
    (44_100.0, 48_000.0),
    (44_100.0, 16_000.0),
    (22_050.0, 44_100.0),
    (48_000.0, 44_100.0),
    (44_100.0, 22_050.0 * std::f64::consts::SQRT_2 / 1.5),
];

#[test]
fn streamed_equals_whole_signal_for_every_recipe_and_ratio() {
    // Long enough for several FFT blocks of the largest stage (2^17).
    let x = signal(400_000, 7);
    for method in RECIPES {
        for (from, to) in RATES {
            let resampler = Resampler::new(from, to, method).expect("plan");
            let whole = resampler.process(&x).expect("whole");
            for sizes in [&[4096usize][..], &[1, 999, 65_536, 7], &[400_000]] {
                let got = streamed(&resampler, &x, sizes);
                assert_bit_identical(
                    &format!("{method:?} {from}->{to} blocks {sizes:?}"),
                    &got,
                    &whole,
                );
            }
        }
    }
}

#[test]
fn f64_signals_stream_as_they_resample_whole() {
    let x: Vec<f64> = signal(50_000, 3).into_iter().map(f64::from).collect();
    for method in [ResampleMethod::SoxrHq, ResampleMethod::SoxrVhq] {
        let resampler = Resampler::new(44_100.0, 16_000.0, method).expect("plan");
        let whole = resampler.process(&x).expect("whole");
        let mut stream = resampler.stream().expect("stream");
        let mut out = Vec::new();
        for block in x.chunks(3_333) {
            stream.process(block, &mut out).expect("process");
        }
        stream.finish(&mut out).expect("finish");
        assert_eq!(out.len(), whole.len());
        assert!(out
            .iter()
            .zip(&whole)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn a_stream_is_reused_after_finish_and_equal_rates_copy() {
    let resampler = Resampler::new(44_100.0, 22_050.0, ResampleMethod::SoxrHq).expect("plan");
    let mut stream = resampler.stream().expect("stream");
    for n in [0usize, 1, 5, 10_000] {
        let x = signal(n, n as u64);
        let mut out = Vec::new();
        stream.process(&x, &mut out).expect("process");
        stream.finish(&mut out).expect("finish");
        assert_bit_identical(
            &format!("n = {n}"),
            &out,
            &resampler.process(&x).expect("whole"),
        );
    }
    let same = Resampler::new(8_000.0, 8_000.0, ResampleMethod::SoxrHq).expect("plan");
    let mut copy = same.stream().expect("stream");
    let x = signal(100, 1);
    let mut out = Vec::new();
    copy.process(&x[..40], &mut out).expect("process");
    copy.process(&x[40..], &mut out).expect("process");
    copy.finish(&mut out).expect("finish");
    assert_eq!(out, x);
}

#[test]
fn non_streaming_methods_and_bad_samples_are_errors() {
    for method in [
        ResampleMethod::Fft,
        ResampleMethod::High,
        ResampleMethod::Fast,
    ] {
        let resampler = Resampler::new(44_100.0, 22_050.0, method).expect("plan");
        assert!(matches!(
            resampler.stream(),
            Err(audio_dsp::Error::InvalidParameter { name: "method", .. })
        ));
    }
    let resampler = Resampler::new(44_100.0, 22_050.0, ResampleMethod::SoxrHq).expect("plan");
    let mut stream = resampler.stream().expect("stream");
    let mut out = Vec::new();
    stream.process(&[0.0f32; 10], &mut out).expect("finite");
    let err = stream.process(&[0.0, f32::NAN], &mut out);
    assert!(
        matches!(err, Err(audio_dsp::Error::NonFinite { index: 11, .. })),
        "{err:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random lengths and random block sizes, every recipe, a random rate
    /// pair from the list: bit-identical.
    #[test]
    fn random_blocks_are_bit_identical(
        n in 0usize..30_000,
        sizes in prop::collection::vec(0usize..5_000, 1..8),
        recipe in 0usize..4,
        rates in 0usize..RATES.len(),
        seed in any::<u64>(),
    ) {
        let (from, to) = RATES[rates];
        let resampler = Resampler::new(from, to, RECIPES[recipe]).expect("plan");
        let x = signal(n, seed);
        let whole = resampler.process(&x).expect("whole");
        // A zero size feeds an empty block; at least one non-zero size.
        let mut sizes = sizes;
        sizes.push(1 + n / 3);
        let got = streamed(&resampler, &x, &sizes);
        prop_assert_eq!(got.len(), whole.len());
        for (a, b) in got.iter().zip(&whole) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
