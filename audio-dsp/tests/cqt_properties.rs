//! Invariants of the constant-Q family (proptest) and its typed errors.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;
use ndarray::Array2;
use num_complex::Complex;
use proptest::prelude::*;

const SR: f64 = 22050.0;

/// f32 against f64 on the same signal: single-precision FFTs and sums over
/// a few hundred filter taps, relative to the output's peak.
const F32_VS_F64_TOL: f64 = 1e-4;

fn tone(freq: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / SR).sin())
        .collect()
}

fn small_config(fmin: f64, n_bins: usize, bpo: usize, hop: usize, fft: bool) -> CqtConfig {
    CqtConfig {
        fmin: Some(fmin),
        n_bins,
        bins_per_octave: bpo,
        hop_length: hop,
        res_type: if fft {
            ResampleMethod::Fft
        } else {
            ResampleMethod::High
        },
        ..CqtConfig::default()
    }
}

fn max_rel<T: Copy + Into<f64>>(a: &Array2<Complex<T>>, b: &Array2<Complex<f64>>) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.norm()));
    let diff = a.iter().zip(b.iter()).fold(0.0f64, |m, (x, y)| {
        let x = Complex::new(x.re.into(), x.im.into());
        m.max((x - y).norm())
    });
    diff / scale.max(f64::MIN_POSITIVE)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A pure tone at bin `k`'s centre frequency peaks at bin `k`.
    #[test]
    fn pure_tone_peaks_at_its_bin(
        bin in 0usize..48,
        hop_exp in 6u32..10,
        fft in any::<bool>(),
    ) {
        let cqt = Cqt::<f64>::new(small_config(65.4, 48, 12, 1 << hop_exp, fft)).unwrap();
        let freq = cqt.frequencies()[bin];
        let y = tone(freq, 22050);
        let c = cqt.magnitude(&y).unwrap();
        let column = c.column(c.ncols() / 2);
        let peak = (0..48).max_by(|&a, &b| column[a].total_cmp(&column[b])).unwrap();
        prop_assert_eq!(peak, bin);
    }

    /// f32 and f64 agree; `process` and `process_into` are identical; the
    /// transform is linear in the signal.
    #[test]
    fn precision_buffers_and_linearity(
        seed in 0u64..1000,
        n in 3000usize..9000,
        hop in prop::sample::select(vec![128usize, 256, 300, 441, 512]),
        bpo in prop::sample::select(vec![12usize, 24]),
        gain in 0.1f64..4.0,
    ) {
        // A deterministic noise-plus-tone signal from the seed.
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let y64: Vec<f64> = (0..n)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let noise = ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
                0.3 * noise + 0.5 * (i as f64 * 0.07).sin()
            })
            .collect();
        let y32: Vec<f32> = y64.iter().map(|&v| v as f32).collect();
        let config = small_config(55.0, 4 * bpo, bpo, hop, true);
        let c64 = Cqt::<f64>::new(config.clone()).unwrap();
        let c32 = Cqt::<f32>::new(config).unwrap();
        let a64 = c64.process(&y64).unwrap();
        let a32 = c32.process(&y32).unwrap();
        prop_assert!(max_rel(&a32, &a64) < F32_VS_F64_TOL);

        let mut buffer = Array2::zeros(a64.dim());
        c64.process_into(&y64, buffer.view_mut()).unwrap();
        prop_assert_eq!(&buffer, &a64);

        let scaled: Vec<f64> = y64.iter().map(|v| v * gain).collect();
        let b64 = c64.process(&scaled).unwrap().mapv(|v| v / gain);
        prop_assert!(max_rel(&b64, &a64) < 1e-10);
    }

    /// Any parameters and any (short) input give a result or a typed error,
    /// never a panic; a result has the announced shape and finite values.
    #[test]
    fn arbitrary_parameters_never_panic(
        fmin in 20.0f64..800.0,
        n_bins in 1usize..100,
        bpo in 1usize..37,
        hop in 1usize..1100,
        filter_scale in 0.2f64..2.0,
        sparsity in 0.0f64..0.5,
        window in prop::sample::select(vec![WindowKind::Hann, WindowKind::Hamming, WindowKind::Rectangular, WindowKind::Blackman]),
        pad_mode in prop::sample::select(vec![PadMode::Constant, PadMode::Reflect, PadMode::Edge]),
        norm in prop::sample::select(vec![None, Some(1.0), Some(2.0), Some(f64::INFINITY)]),
        gamma in prop::sample::select(vec![Some(0.0), None, Some(5.0)]),
        scale in any::<bool>(),
        fft in any::<bool>(),
        len in 0usize..3000,
        hybrid in any::<bool>(),
    ) {
        let config = CqtConfig {
            fmin: Some(fmin),
            n_bins,
            bins_per_octave: bpo,
            hop_length: hop,
            filter_scale,
            sparsity,
            window,
            pad_mode,
            norm,
            gamma,
            scale,
            ..small_config(fmin, n_bins, bpo, hop, fft)
        };
        let y: Vec<f32> = (0..len).map(|i| ((i * 7919) % 997) as f32 / 997.0 - 0.5).collect();
        if hybrid {
            if let Ok(h) = HybridCqt::<f32>::new(config) {
                if let Ok(c) = h.process(&y) {
                    prop_assert_eq!(c.dim(), (n_bins, h.n_frames(len).unwrap()));
                    prop_assert!(c.iter().all(|v| v.is_finite()));
                }
            }
        } else if let Ok(cqt) = Cqt::<f32>::new(config) {
            if let Ok(c) = cqt.process(&y) {
                prop_assert_eq!(c.dim(), (n_bins, cqt.n_frames(len).unwrap()));
                prop_assert!(c.iter().all(|v| v.re.is_finite() && v.im.is_finite()));
            }
        }
    }

    /// The frame count is `1 + len / hop` when the hop has enough factors of two.
    #[test]
    fn frame_count(n in 600usize..20000) {
        let cqt = Cqt::<f32>::new(small_config(32.703, 84, 12, 512, true)).unwrap();
        prop_assert_eq!(cqt.n_frames(n).unwrap(), 1 + n / 512);
    }
}

#[test]
fn multichannel_is_per_channel() {
    let cqt = Cqt::<f32>::new(small_config(55.0, 36, 12, 256, false)).unwrap();
    let left: Vec<f32> = tone(220.0, 6000).iter().map(|&v| v as f32).collect();
    let right: Vec<f32> = tone(330.0, 6000).iter().map(|&v| 0.5 * v as f32).collect();
    let stereo = ndarray::stack(
        ndarray::Axis(0),
        &[
            ndarray::ArrayView1::from(&left),
            ndarray::ArrayView1::from(&right),
        ],
    )
    .unwrap();
    let c = cqt.process_multichannel(stereo.view()).unwrap();
    assert_eq!(
        c.index_axis(ndarray::Axis(0), 0),
        cqt.process(&left).unwrap()
    );
    assert_eq!(
        c.index_axis(ndarray::Axis(0), 1),
        cqt.process(&right).unwrap()
    );
}

#[test]
fn chroma_of_a_tone_is_its_pitch_class() {
    let chroma = ChromaCqt::<f64>::new(ChromaCqtConfig {
        res_type: ResampleMethod::Fft,
        ..ChromaCqtConfig::default()
    })
    .unwrap();
    // G4 = 392 Hz: pitch class 7.
    let c = chroma.process(&tone(391.995, 22050)).unwrap();
    let column = c.column(20);
    let peak = (0..12)
        .max_by(|&a, &b| column[a].total_cmp(&column[b]))
        .unwrap();
    assert_eq!(peak, 7);
    assert!((column[7] - 1.0).abs() < 1e-12, "max norm");
}

#[test]
fn hybrid_agrees_with_full_cqt_in_magnitude_on_a_tone() {
    // The pseudo-CQT differs from the full CQT, but both peak at the tone.
    let config = small_config(110.0, 48, 12, 512, true);
    let hybrid = HybridCqt::<f64>::new(config.clone()).unwrap();
    assert!(hybrid.pseudo_bins() > 0);
    let y = tone(880.0, 22050); // A5: three octaves above A2, bin 36
    let h = hybrid.process(&y).unwrap();
    let column = h.column(20);
    let peak = (0..48)
        .max_by(|&a, &b| column[a].total_cmp(&column[b]))
        .unwrap();
    assert_eq!(peak, 36);
}

#[test]
fn hcqt_harmonic_one_is_the_cqt() {
    let cqt = small_config(55.0, 36, 12, 256, true);
    let hcqt = Hcqt::<f64>::new(HcqtConfig {
        cqt: cqt.clone(),
        harmonics: vec![0.5, 1.0, 2.0],
    })
    .unwrap();
    let y = tone(220.0, 8000);
    let h = hcqt.process(&y).unwrap();
    let c = Cqt::<f64>::new(cqt).unwrap().process(&y).unwrap();
    let frames = h.dim().2;
    assert_eq!(
        h.index_axis(ndarray::Axis(0), 1),
        c.slice(ndarray::s![.., ..frames])
    );
}

fn invalid(err: Error, param: &str) {
    assert!(
        matches!(err, Error::InvalidParameter { name, .. } if name == param),
        "expected InvalidParameter({param}), got {err}"
    );
}

#[test]
fn bad_parameters_are_typed_errors() {
    let base = CqtConfig::default;
    invalid(
        Cqt::<f32>::new(CqtConfig {
            fmin: Some(0.0),
            ..base()
        })
        .unwrap_err(),
        "fmin",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            fmin: Some(-5.0),
            ..base()
        })
        .unwrap_err(),
        "fmin",
    );
    // 96 bins from C1 reach 7.9 kHz; with 120 they pass Nyquist.
    invalid(
        Cqt::<f32>::new(CqtConfig {
            n_bins: 120,
            ..base()
        })
        .unwrap_err(),
        "n_bins",
    );
    invalid(
        HybridCqt::<f32>::new(CqtConfig {
            n_bins: 120,
            ..base()
        })
        .unwrap_err(),
        "n_bins",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            hop_length: 0,
            ..base()
        })
        .unwrap_err(),
        "hop_length",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            n_bins: 0,
            ..base()
        })
        .unwrap_err(),
        "n_bins",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            bins_per_octave: 0,
            ..base()
        })
        .unwrap_err(),
        "bins_per_octave",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            sparsity: 1.0,
            ..base()
        })
        .unwrap_err(),
        "sparsity",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            norm: Some(-1.0),
            ..base()
        })
        .unwrap_err(),
        "norm",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            filter_scale: 0.0,
            ..base()
        })
        .unwrap_err(),
        "filter_scale",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig {
            gamma: Some(-1.0),
            ..base()
        })
        .unwrap_err(),
        "gamma",
    );
    invalid(
        Cqt::<f32>::new(CqtConfig { sr: 0.0, ..base() }).unwrap_err(),
        "sr",
    );
    // A 0.001 Hz lowest bin needs a filter of ~4e8 samples (odd hop: no
    // early downsampling shortens it).
    invalid(
        Cqt::<f32>::new(CqtConfig {
            fmin: Some(0.001),
            n_bins: 12,
            hop_length: 441,
            ..base()
        })
        .unwrap_err(),
        "fmin",
    );
    invalid(
        cq_to_chroma(84, 13, 12, None, true).unwrap_err(),
        "bins_per_octave",
    );
    invalid(
        ChromaCens::<f32>::new(ChromaCensConfig {
            win_len_smooth: Some(0),
            ..ChromaCensConfig::default()
        })
        .unwrap_err(),
        "win_len_smooth",
    );
    invalid(
        Hcqt::<f32>::new(HcqtConfig {
            harmonics: vec![],
            ..HcqtConfig::default()
        })
        .unwrap_err(),
        "harmonics",
    );
    // Harmonic 5 of 84 bins from C1 is far above Nyquist.
    invalid(
        Hcqt::<f32>::new(HcqtConfig {
            cqt: base(),
            ..HcqtConfig::default()
        })
        .unwrap_err(),
        "n_bins",
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let cqt = Cqt::<f32>::new(CqtConfig::default()).unwrap();
    assert!(matches!(
        cqt.process(&[]).unwrap_err(),
        Error::InputTooShort { .. }
    ));
    let mut y = vec![0.0f32; 4096];
    y[100] = f32::NAN;
    assert!(matches!(
        cqt.process(&y).unwrap_err(),
        Error::NonFinite { index: 100, .. }
    ));
    let mut wrong = Array2::zeros((84, 3));
    assert!(matches!(
        cqt.process_into(&[0.0; 4096], wrong.view_mut())
            .unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
    // High, narrow bins: librosa downsamples early by 4 and raises for an
    // input shorter than that factor.
    let early = Cqt::<f32>::new(CqtConfig {
        fmin: Some(220.0),
        n_bins: 24,
        ..CqtConfig::default()
    })
    .unwrap();
    assert_eq!(early.early_downsample_factor(), 4);
    assert!(matches!(
        early.process(&[0.1, 0.2, 0.3]).unwrap_err(),
        Error::InputTooShort { expected: 4, .. }
    ));
}

#[test]
fn hop_without_enough_factors_of_two_stops_halving() {
    // hop 300 = 4 * 75: two halvings, then the remaining octaves stay at
    // sr / 4 with hop 75 (librosa does the same; the librosa fixture `hop300`
    // checks the numbers).
    let cqt = Cqt::<f32>::new(CqtConfig {
        hop_length: 300,
        res_type: ResampleMethod::Fft,
        ..CqtConfig::default()
    })
    .unwrap();
    assert_eq!(cqt.n_frames(22050).unwrap(), 1 + 22050 / 300);
    let c = cqt.magnitude(
        &tone(440.0, 22050)
            .iter()
            .map(|&v| v as f32)
            .collect::<Vec<_>>(),
    );
    assert!(c.is_ok());
}
