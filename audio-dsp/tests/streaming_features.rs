//! The streaming mel spectrogram against the whole-signal one: the same
//! frames to the bit, for any block sizes and the usual parameter sets;
//! and the streamed onset strength envelope, CQT (with and without early
//! downsampling, with fewer halvings than octaves, every soxr recipe, both
//! pad modes, `scale` off and a VQT), tempograms and pyin against the
//! whole-signal ones.

use audio_dsp::{
    power_to_db, DbReference, MelConfig, MelSpectrogram, MelSpectrogramConfig, OnsetAggregate,
    OnsetStrength, OnsetStrengthConfig, PadMode, StftConfig, StreamingMelSpectrogram,
    StreamingOnsetStrength, Transform,
};
use audio_dsp::{Cqt, CqtConfig, ResampleMethod, StreamingCqt};
use ndarray::{concatenate, Array2, Axis};
use num_complex::Complex;

fn signal(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f32;
            0.5 * (t * 0.021).sin()
                + 0.25 * (t * 0.313).sin()
                + 0.1 * ((t * 0.0007).sin() * t).sin()
        })
        .collect()
}

fn streamed(config: &MelSpectrogramConfig, x: &[f32], block: usize) -> Array2<f32> {
    let mut stream = StreamingMelSpectrogram::<f32>::new(config.clone()).expect("plan");
    let mut parts = Vec::new();
    for chunk in x.chunks(block) {
        parts.push(stream.push(chunk).expect("push"));
    }
    parts.push(stream.finish().expect("finish"));
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(Axis(1), &views).expect("same rows")
}

#[test]
fn streamed_mel_frames_equal_the_whole_signal() {
    let x = signal(100_000);
    let configs = [
        MelSpectrogramConfig::default(),
        MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: 1024,
                hop_length: Some(256),
                pad_mode: PadMode::Reflect,
                ..StftConfig::default()
            },
            power: 1.0,
            mel: MelConfig {
                sr: 16_000.0,
                n_mels: 64,
                fmin: 30.0,
                fmax: Some(7_600.0),
                ..MelConfig::default()
            },
        },
        MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: 2048,
                hop_length: Some(441),
                center: false,
                ..StftConfig::default()
            },
            power: 1.5,
            mel: MelConfig {
                sr: 44_100.0,
                htk: true,
                ..MelConfig::default()
            },
        },
    ];
    for config in &configs {
        let whole = MelSpectrogram::<f32>::new(config.clone())
            .expect("plan")
            .process(&x)
            .expect("whole");
        for block in [1_000, 4_096, 65_536, 100_000] {
            let got = streamed(config, &x, block);
            assert_eq!(got.dim(), whole.dim(), "{config:?} block {block}");
            let same = got
                .iter()
                .zip(whole.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{config:?} block {block}: frames differ");
        }
    }
}

#[test]
fn a_short_signal_and_bad_samples() {
    let config = MelSpectrogramConfig::default();
    // Shorter than half a frame: everything comes at finish, as whole.
    let x = signal(700);
    let whole = MelSpectrogram::<f32>::new(config.clone())
        .expect("plan")
        .process(&x)
        .expect("whole");
    assert_eq!(streamed(&config, &x, 100), whole);
    let mut stream = StreamingMelSpectrogram::<f32>::new(config).expect("plan");
    assert!(matches!(
        stream.push(&[0.0, f32::INFINITY]),
        Err(audio_dsp::Error::NonFinite { .. })
    ));
}

/// The onset envelope of `x` in two streamed passes, as a caller of
/// [`StreamingOnsetStrength`] computes it: the log-mel maximum first, then
/// each block's log-mel clipped 80 dB below it and pushed.
fn streamed_onsets(config: &OnsetStrengthConfig, x: &[f32], block: usize) -> Vec<f32> {
    let log_mel = |m: &Array2<f32>| power_to_db(m.view(), DbReference::Value(1.0), 1e-10, None);
    let mut mel = StreamingMelSpectrogram::<f32>::new(config.mel.clone()).expect("plan");
    let mut peak = f32::NEG_INFINITY;
    for chunk in x.chunks(block) {
        let m = log_mel(&mel.push(chunk).expect("push")).expect("db");
        peak = m.iter().fold(peak, |p, &v| p.max(v));
    }
    let m = log_mel(&mel.finish().expect("finish")).expect("db");
    let floor = m.iter().fold(peak, |p, &v| p.max(v)) - 80.0;
    let mut onsets = StreamingOnsetStrength::<f32>::new(config.clone()).expect("plan");
    let mut out = Vec::new();
    let mut push = |m: Array2<f32>| {
        let mut db = log_mel(&m).expect("db");
        db.mapv_inplace(|v| v.max(floor));
        out.extend(onsets.push_db(db.view()).expect("push db"));
    };
    for chunk in x.chunks(block) {
        push(mel.push(chunk).expect("push"));
    }
    push(mel.finish().expect("finish"));
    out
}

#[test]
fn streamed_onset_envelopes_equal_the_whole_signal() {
    let x = signal(150_000);
    let base = OnsetStrengthConfig::default();
    let configs = [
        base.clone(),
        OnsetStrengthConfig {
            lag: 3,
            max_size: 5,
            detrend: true,
            ..base.clone()
        },
        OnsetStrengthConfig {
            center: false,
            lag: 2,
            aggregate: OnsetAggregate::Median,
            ..base.clone()
        },
        OnsetStrengthConfig {
            mel: MelSpectrogramConfig {
                stft: StftConfig {
                    n_fft: 4096,
                    hop_length: Some(256),
                    ..StftConfig::default()
                },
                ..base.mel.clone()
            },
            max_size: 2,
            ..base.clone()
        },
    ];
    for config in &configs {
        let whole = OnsetStrength::<f32>::new(config.clone())
            .expect("plan")
            .process(&x)
            .expect("whole");
        for block in [777, 8_192, 150_000] {
            let got = streamed_onsets(config, &x, block);
            assert_eq!(got.len(), whole.len(), "{config:?} block {block}");
            let same = got
                .iter()
                .zip(&whole)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{config:?} block {block}: envelopes differ");
        }
    }
}

#[test]
fn an_onset_stream_refuses_a_change_of_band_count() {
    let mut stream =
        StreamingOnsetStrength::<f64>::new(OnsetStrengthConfig::default()).expect("plan");
    stream
        .push_db(Array2::zeros((8, 3)).view())
        .expect("first block");
    assert!(matches!(
        stream.push_db(Array2::zeros((9, 3)).view()),
        Err(audio_dsp::Error::ShapeMismatch { .. })
    ));
}

#[test]
fn tempograms_in_blocks_equal_the_whole_tempograms() {
    use audio_dsp::feature::rhythm::{
        fourier_tempogram, fourier_tempogram_blocks, FourierTempogramConfig, Tempogram,
        TempogramConfig,
    };
    let env: Vec<f32> = (0..2_500)
        .map(|t| ((t as f32) * 0.29).sin().max(0.0) + 0.2 * ((t as f32) * 0.013).cos().abs())
        .collect();
    for center in [true, false] {
        let plan = Tempogram::new(TempogramConfig {
            center,
            ..TempogramConfig::default()
        })
        .expect("plan");
        let whole = plan.process(&env).expect("whole");
        let mut parts = Vec::new();
        plan.process_blocks(&env, 333, |b| {
            parts.push(b);
            Ok::<(), audio_dsp::Error>(())
        })
        .expect("blocks");
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let joined = concatenate(Axis(1), &views).expect("rows");
        assert_eq!(joined, whole, "tempogram, center {center}");

        let config = FourierTempogramConfig {
            center,
            ..FourierTempogramConfig::default()
        };
        let whole = fourier_tempogram(&env, &config).expect("whole");
        let mut parts = Vec::new();
        fourier_tempogram_blocks(&env, &config, 777, |b| {
            parts.push(b);
            Ok::<(), audio_dsp::Error>(())
        })
        .expect("blocks");
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let joined = concatenate(Axis(1), &views).expect("rows");
        assert_eq!(joined.dim(), whole.dim());
        let same = joined
            .iter()
            .zip(whole.iter())
            .all(|(a, b)| a.re.to_bits() == b.re.to_bits() && a.im.to_bits() == b.im.to_bits());
        assert!(same, "fourier tempogram, center {center}");
    }
}

#[test]
fn pyin_in_blocks_equals_the_whole_signal() {
    use audio_dsp::{PadMode, Pyin, PyinConfig};
    let x = signal(60_000);
    for config in [
        PyinConfig::default(),
        PyinConfig {
            center: true,
            pad_mode: PadMode::Reflect,
            hop_length: Some(333),
            fmin: 80.0,
            fmax: 1000.0,
            ..PyinConfig::default()
        },
    ] {
        let pyin = Pyin::new(config).expect("plan");
        let whole = pyin.process(&x).expect("whole");
        for block in [77, 4_096, 25_000] {
            let mut stream = pyin.stream().expect("stream");
            for chunk in x.chunks(block) {
                stream.push(chunk).expect("push");
            }
            let got = stream.finish().expect("finish");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.f0), bits(&whole.f0), "block {block}");
            assert_eq!(
                bits(&got.voiced_prob),
                bits(&whole.voiced_prob),
                "block {block}"
            );
            assert_eq!(got.voiced_flag, whole.voiced_flag, "block {block}");
        }
    }
    let pyin = Pyin::new(PyinConfig {
        center: false,
        ..PyinConfig::default()
    })
    .expect("plan");
    let mut stream = pyin.stream().expect("stream");
    stream.push(&x[..100]).expect("push");
    assert!(matches!(
        stream.finish(),
        Err(audio_dsp::Error::InputTooShort { got: 100, .. })
    ));
    assert!(matches!(
        stream.push(&[0.0, f32::NAN]),
        Err(audio_dsp::Error::NonFinite { index: 1, .. })
    ));
}

fn streamed_cqt(config: &CqtConfig, x: &[f32], blocks: &[usize]) -> Array2<Complex<f32>> {
    let mut stream = StreamingCqt::<f32>::new(config.clone()).expect("cqt");
    let mut parts = Vec::new();
    let mut pos = 0;
    for &b in blocks.iter().cycle() {
        if pos >= x.len() {
            break;
        }
        let end = (pos + b).min(x.len());
        parts.push(stream.push(&x[pos..end]).expect("cqt"));
        pos = end;
    }
    parts.push(stream.finish().expect("cqt"));
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(Axis(1), &views).expect("cqt")
}

fn cqt_bits(a: &Array2<Complex<f32>>) -> Vec<(u32, u32)> {
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
            .expect("cqt")
            .process(&x)
            .expect("cqt");
        for blocks in [&[120_000][..], &[4_096], &[1_000, 7_777, 31]] {
            let got = streamed_cqt(config, &x, blocks);
            assert_eq!(got.dim(), whole.dim(), "{config:?} blocks {blocks:?}");
            assert!(
                cqt_bits(&got) == cqt_bits(&whole),
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
    .expect("cqt");
    assert!(cqt.early_downsample_factor() > 1);
}

#[test]
fn short_and_bad_signals_are_errors_and_the_stream_starts_over() {
    let config = CqtConfig::default();
    let mut stream = StreamingCqt::<f32>::new(config.clone()).expect("cqt");
    assert!(stream.finish().is_err());
    assert!(matches!(
        stream.push(&[0.0, f32::NAN]),
        Err(audio_dsp::Error::NonFinite { .. })
    ));
    let x = signal(5_000);
    let whole = Cqt::<f32>::new(config.clone())
        .expect("cqt")
        .process(&x)
        .expect("cqt");
    let mut fresh = StreamingCqt::<f32>::new(config.clone()).expect("cqt");
    fresh.push(&x[..100]).expect("cqt");
    fresh.reset();
    assert!(cqt_bits(&streamed_cqt(&config, &x, &[333])) == cqt_bits(&whole));
    let a = fresh.push(&x).expect("cqt");
    let b = fresh.finish().expect("cqt");
    let joined = concatenate(Axis(1), &[a.view(), b.view()]).expect("cqt");
    assert!(cqt_bits(&joined) == cqt_bits(&whole));
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

proptest::proptest! {
    /// Pre- and de-emphasis fed in any blocks equal the whole-signal filters
    /// to the bit, including a first block of one sample.
    #[test]
    fn emphasis_streams_equal_the_whole_signal(
        len in 2usize..400,
        cuts in proptest::collection::vec(1usize..50, 1..12),
        coef in -2.0f64..2.0,
    ) {
        use audio_dsp::effects::{deemphasis, preemphasis, EmphasisStream};
        let x: Vec<f32> = (0..len).map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * (0.01 * i as f32).cos()).collect();
        for pre in [true, false] {
            let mut stream = if pre {
                EmphasisStream::preemphasis(coef).unwrap()
            } else {
                EmphasisStream::deemphasis(coef).unwrap()
            };
            let mut got = Vec::new();
            let mut start = 0;
            let mut k = 0;
            while start < len {
                let end = (start + cuts[k % cuts.len()]).min(len);
                got.extend(stream.push(&x[start..end]).unwrap());
                start = end;
                k += 1;
            }
            got.extend(stream.finish().unwrap());
            let whole = if pre { preemphasis(&x, coef).unwrap() } else { deemphasis(&x, coef).unwrap() };
            proptest::prop_assert_eq!(got, whole);
        }
    }
}

#[test]
fn emphasis_streams_give_typed_errors() {
    use audio_dsp::effects::EmphasisStream;
    let mut s = EmphasisStream::<f32>::preemphasis(0.97).unwrap();
    assert!(s.push(&[1.0]).unwrap().is_empty());
    assert!(matches!(
        s.finish(),
        Err(audio_dsp::Error::InputTooShort { .. })
    ));
    let mut s = EmphasisStream::<f32>::deemphasis(0.97).unwrap();
    s.push(&[1.0, 2.0, 3.0]).unwrap();
    assert!(matches!(
        s.push(&[0.0, f32::NAN]),
        Err(audio_dsp::Error::NonFinite { index: 4, .. })
    ));
    assert!(EmphasisStream::<f64>::deemphasis(3.0).is_err());
    assert!(EmphasisStream::<f64>::preemphasis(f64::NAN).is_err());
}

#[test]
fn cens_frames_in_blocks_equal_the_whole_chromagram_s() {
    use audio_dsp::{ChromaCens, ChromaCensConfig};
    let chroma = Array2::<f32>::from_shape_fn((12, 300), |(c, t)| {
        let x = ((c * 7 + t * 13) % 29) as f32 / 29.0;
        x * x * (1.0 + (t as f32 * 0.05).sin())
    });
    for win in [Some(41), Some(1), Some(400), None] {
        let cens = ChromaCens::<f32>::new(ChromaCensConfig {
            win_len_smooth: win,
            ..ChromaCensConfig::default()
        })
        .unwrap();
        let mut whole = cens.stream();
        let head = whole.push(chroma.view()).unwrap();
        let want = concatenate(Axis(1), &[head.view(), whole.finish().view()]).unwrap();
        assert_eq!(want.dim(), (12, 300));
        for block in [1usize, 7, 64, 299] {
            let mut stream = cens.stream();
            let mut parts: Vec<Array2<f32>> = Vec::new();
            for piece in chroma.axis_chunks_iter(Axis(1), block) {
                parts.push(stream.push(piece).unwrap());
            }
            parts.push(stream.finish());
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            let got = concatenate(Axis(1), &views).unwrap();
            assert_eq!(got, want, "window {win:?}, blocks of {block}");
        }
    }
    let mut stream = ChromaCens::<f32>::new(ChromaCensConfig::default())
        .unwrap()
        .stream();
    assert!(stream.push(Array2::<f32>::zeros((11, 3)).view()).is_err());
}

#[test]
fn hpss_in_blocks_equals_the_whole_signal_hpss() {
    use audio_dsp::decompose::HpssConfig;
    use audio_dsp::effects::{hpss, HpssStream};
    use audio_dsp::StftConfig;
    let signal = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 22_050.0;
                0.4 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                    + if i % 5_000 < 30 { 0.5 } else { 0.0 }
                    + ((i * 7919 % 1013) as f32 / 1013.0 - 0.5) * 0.01
            })
            .collect()
    };
    let stft = StftConfig {
        n_fft: 512,
        ..StftConfig::default()
    };
    let configs = [
        HpssConfig::default(),
        HpssConfig {
            kernel_size: (8, 5),
            margin: (2.0, 1.5),
            ..HpssConfig::default()
        },
        HpssConfig {
            power: f64::INFINITY,
            kernel_size: (3, 17),
            ..HpssConfig::default()
        },
    ];
    // 40 000 samples: 313 frames; 3 000: 24 frames, fewer than a 31-frame kernel.
    for n in [40_000usize, 3_000] {
        let y = signal(n);
        for config in &configs {
            let want = hpss(&y, &stft, config).unwrap();
            for block in [1000usize, 4096, n] {
                let mut stream = HpssStream::new(stft.clone(), config.clone()).unwrap();
                let (mut h, mut p) = (Vec::new(), Vec::new());
                for piece in y.chunks(block) {
                    let (a, b) = stream.push(piece).unwrap();
                    assert_eq!(a.len(), b.len());
                    h.extend(a);
                    p.extend(b);
                }
                let (a, b) = stream.finish().unwrap();
                h.extend(a);
                p.extend(b);
                assert_eq!(
                    (&h, &p),
                    (&want.0, &want.1),
                    "{n} samples, {config:?}, blocks of {block}"
                );
            }
        }
    }
}

/// Feeds `x` to `push` in blocks cycling through `blocks`, then `finish`.
fn in_blocks<A>(
    x: &[f32],
    blocks: &[usize],
    mut push: impl FnMut(&[f32]) -> A,
    finish: impl FnOnce() -> A,
) -> Vec<A> {
    let mut parts = Vec::new();
    let mut pos = 0;
    for &b in blocks.iter().cycle() {
        if pos >= x.len() {
            break;
        }
        let end = (pos + b).min(x.len());
        parts.push(push(&x[pos..end]));
        pos = end;
    }
    parts.push(finish());
    parts
}

#[test]
fn streamed_hybrid_and_harmonic_cqt_frames_equal_the_whole_signal() {
    use audio_dsp::{Hcqt, HcqtConfig, HybridCqt, StreamingHcqt, StreamingHybridCqt};
    let x = signal(90_000);
    let blocks = [1usize, 4096, 333, 17, 65_536];
    for config in [
        CqtConfig::default(),
        // Only full-CQT bins, and a hop whose pseudo half is most bins.
        CqtConfig {
            hop_length: 256,
            n_bins: 60,
            ..CqtConfig::default()
        },
        CqtConfig {
            hop_length: 2048,
            fmin: Some(65.0),
            n_bins: 72,
            ..CqtConfig::default()
        },
    ] {
        let whole = HybridCqt::<f32>::new(config.clone())
            .unwrap()
            .process(&x)
            .unwrap();
        let stream = std::cell::RefCell::new(StreamingHybridCqt::<f32>::new(config).unwrap());
        let parts = in_blocks(
            &x,
            &blocks,
            |b| stream.borrow_mut().push(b).unwrap(),
            || stream.borrow_mut().finish().unwrap(),
        );
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let got = concatenate(Axis(1), &views).unwrap();
        assert_eq!(got.dim(), whole.dim());
        let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&whole));
    }
    let config = HcqtConfig::default();
    let whole = Hcqt::<f32>::new(config.clone())
        .unwrap()
        .process(&x)
        .unwrap();
    let stream = std::cell::RefCell::new(StreamingHcqt::<f32>::new(config).unwrap());
    let parts = in_blocks(
        &x,
        &blocks,
        |b| stream.borrow_mut().push(b).unwrap(),
        || stream.borrow_mut().finish().unwrap(),
    );
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    let got = concatenate(Axis(2), &views).unwrap();
    assert_eq!(got.dim(), whole.dim());
    let bits = |a: &ndarray::Array3<Complex<f32>>| {
        a.iter()
            .map(|c| (c.re.to_bits(), c.im.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&got), bits(&whole));
    // A very short signal fails (or not) as the whole transform does, and
    // the stream then starts over.
    let plan = Hcqt::<f32>::new(HcqtConfig::default()).unwrap();
    for n in [1, 10, 3000] {
        let mut s = stream.borrow_mut();
        let pushed = s.push(&x[..n]).unwrap();
        match (s.finish(), plan.process(&x[..n])) {
            (Ok(rest), Ok(w)) => assert_eq!(pushed.dim().2 + rest.dim().2, w.dim().2),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{n} samples: streamed {a:?}, whole {b:?}"),
        }
    }
    let again = in_blocks(
        &x,
        &[50_000],
        |b| stream.borrow_mut().push(b).unwrap(),
        || stream.borrow_mut().finish().unwrap(),
    );
    let views: Vec<_> = again.iter().map(|p| p.view()).collect();
    assert_eq!(concatenate(Axis(2), &views).unwrap().dim(), whole.dim());
}
