//! The streaming CQT against the whole-signal one: the same frames to the
//! bit, for any block sizes, with and without early downsampling, with
//! fewer halvings than octaves (an odd hop), every soxr recipe, both pad
//! modes, `scale` off and a variable-Q transform.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::{Cqt, CqtConfig, PadMode, ResampleMethod, StreamingCqt, Transform};
use ndarray::{concatenate, Array2, Axis};
use num_complex::Complex;

fn signal(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f32;
            0.5 * (t * 0.0213).sin()
                + 0.25 * (t * 0.313).sin()
                + 0.1 * ((t * 0.0007).sin() * t).sin()
        })
        .collect()
}

fn streamed(config: &CqtConfig, x: &[f32], blocks: &[usize]) -> Array2<Complex<f32>> {
    let mut stream = StreamingCqt::<f32>::new(config.clone()).unwrap();
    let mut parts = Vec::new();
    let mut pos = 0;
    for &b in blocks.iter().cycle() {
        if pos >= x.len() {
            break;
        }
        let end = (pos + b).min(x.len());
        parts.push(stream.push(&x[pos..end]).unwrap());
        pos = end;
    }
    parts.push(stream.finish().unwrap());
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(Axis(1), &views).unwrap()
}

fn bits(a: &Array2<Complex<f32>>) -> Vec<(u32, u32)> {
    a.iter().map(|c| (c.re.to_bits(), c.im.to_bits())).collect()
}

#[test]
fn streamed_cqt_frames_equal_the_whole_signal() {
    let x = signal(120_000);
    let base = CqtConfig::default();
    let configs = [
        base.clone(),
        CqtConfig {
            hop_length: 256,
            fmin: Some(55.0),
            n_bins: 60,
            pad_mode: PadMode::Reflect,
            res_type: ResampleMethod::SoxrVhq,
            ..base.clone()
        },
        CqtConfig {
            // 384 = 2^7 * 3 with 8 octaves: the last octave keeps the rate.
            hop_length: 384,
            n_bins: 96,
            scale: false,
            res_type: ResampleMethod::SoxrMq,
            ..base.clone()
        },
        CqtConfig {
            // Filters far below Nyquist: librosa downsamples early.
            fmin: Some(32.7),
            n_bins: 36,
            bins_per_octave: 12,
            hop_length: 1024,
            res_type: ResampleMethod::SoxrLq,
            ..base.clone()
        },
        CqtConfig {
            gamma: Some(5.0),
            n_bins: 72,
            bins_per_octave: 24,
            ..base.clone()
        },
    ];
    for config in &configs {
        let whole = Cqt::<f32>::new(config.clone())
            .unwrap()
            .process(&x)
            .unwrap();
        for blocks in [&[120_000][..], &[4_096], &[1_000, 7_777, 31]] {
            let got = streamed(config, &x, blocks);
            assert_eq!(got.dim(), whole.dim(), "{config:?} blocks {blocks:?}");
            assert!(
                bits(&got) == bits(&whole),
                "{config:?} blocks {blocks:?}: frames differ"
            );
        }
    }
}

#[test]
fn the_early_downsampling_config_downsamples() {
    let cqt = Cqt::<f32>::new(CqtConfig {
        fmin: Some(32.7),
        n_bins: 36,
        bins_per_octave: 12,
        hop_length: 1024,
        ..CqtConfig::default()
    })
    .unwrap();
    assert!(cqt.early_downsample_factor() > 1);
}

#[test]
fn short_and_bad_signals_are_errors_and_the_stream_starts_over() {
    let config = CqtConfig::default();
    let mut stream = StreamingCqt::<f32>::new(config.clone()).unwrap();
    assert!(stream.finish().is_err());
    assert!(matches!(
        stream.push(&[0.0, f32::NAN]),
        Err(audio_dsp::Error::NonFinite { .. })
    ));
    let x = signal(5_000);
    let whole = Cqt::<f32>::new(config.clone())
        .unwrap()
        .process(&x)
        .unwrap();
    let mut fresh = StreamingCqt::<f32>::new(config.clone()).unwrap();
    fresh.push(&x[..100]).unwrap();
    fresh.reset();
    assert!(bits(&streamed(&config, &x, &[333])) == bits(&whole));
    let a = fresh.push(&x).unwrap();
    let b = fresh.finish().unwrap();
    let joined = concatenate(Axis(1), &[a.view(), b.view()]).unwrap();
    assert!(bits(&joined) == bits(&whole));
}

#[test]
fn resamplers_that_do_not_stream_are_refused() {
    let config = CqtConfig {
        res_type: ResampleMethod::Fft,
        ..CqtConfig::default()
    };
    assert!(matches!(
        StreamingCqt::<f32>::new(config),
        Err(audio_dsp::Error::InvalidParameter { .. })
    ));
}
