//! Bad parameters and bad input return typed errors, never panics.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;
use ndarray::Array2;
use num_complex::Complex;

fn stft(cfg: StftConfig) -> Result<Stft<f32>> {
    Stft::new(cfg)
}

#[test]
fn zero_n_fft_is_rejected() {
    let err = stft(StftConfig {
        n_fft: 0,
        ..StftConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "n_fft", .. }),
        "{err}"
    );
}

#[test]
fn zero_hop_is_rejected() {
    let err = stft(StftConfig {
        hop_length: Some(0),
        ..StftConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "hop_length",
                ..
            }
        ),
        "{err}"
    );
    // win_length < 4 makes librosa's default hop 0: an error, not a division by zero.
    let err = stft(StftConfig {
        n_fft: 8,
        win_length: Some(3),
        ..StftConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "hop_length",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn win_length_above_n_fft_is_rejected() {
    let err = stft(StftConfig {
        n_fft: 512,
        win_length: Some(513),
        ..StftConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "win_length",
                ..
            }
        ),
        "{err}"
    );
    let err = Istft::<f64>::new(IstftConfig {
        n_fft: 512,
        win_length: Some(1024),
        ..IstftConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "win_length",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn uncentred_signal_shorter_than_n_fft_is_rejected() {
    let s = stft(StftConfig {
        n_fft: 1024,
        center: false,
        ..StftConfig::default()
    })
    .unwrap();
    let err = s.process(&[0.0; 1000]).unwrap_err();
    assert_eq!(
        err,
        Error::InputTooShort {
            what: "stft",
            expected: 1024,
            got: 1000
        }
    );
    // Centred, a short signal is fine (librosa only warns), an empty one is not.
    let s = stft(StftConfig {
        n_fft: 1024,
        ..StftConfig::default()
    })
    .unwrap();
    assert_eq!(s.process(&[0.5; 10]).unwrap().ncols(), 1);
    assert!(matches!(
        s.process(&[]).unwrap_err(),
        Error::InputTooShort { .. }
    ));
}

#[test]
fn non_finite_input_is_rejected() {
    let s = stft(StftConfig {
        n_fft: 64,
        ..StftConfig::default()
    })
    .unwrap();
    let mut x = vec![0.0f32; 200];
    x[17] = f32::NAN;
    assert_eq!(
        s.process(&x).unwrap_err(),
        Error::NonFinite {
            what: "stft input",
            index: 17
        }
    );
    x[17] = f32::INFINITY;
    assert!(matches!(
        s.process(&x).unwrap_err(),
        Error::NonFinite { .. }
    ));
    let mut stream = StreamingStft::<f32>::new(StftConfig {
        n_fft: 64,
        ..StftConfig::default()
    })
    .unwrap();
    assert!(matches!(
        stream.push(&x).unwrap_err(),
        Error::NonFinite { .. }
    ));
}

#[test]
fn bad_mel_parameters_are_rejected() {
    let base = MelConfig::default();
    for (cfg, name) in [
        (
            MelConfig {
                fmin: 8000.0,
                fmax: Some(4000.0),
                ..base.clone()
            },
            "fmax",
        ),
        (
            MelConfig {
                fmin: 100.0,
                fmax: Some(100.0),
                ..base.clone()
            },
            "fmax",
        ),
        (
            MelConfig {
                fmin: -1.0,
                ..base.clone()
            },
            "fmin",
        ),
        (
            MelConfig {
                n_mels: 0,
                ..base.clone()
            },
            "n_mels",
        ),
        (
            MelConfig {
                sr: 0.0,
                ..base.clone()
            },
            "sr",
        ),
        (
            MelConfig {
                n_fft: 0,
                ..base.clone()
            },
            "n_fft",
        ),
        (
            MelConfig {
                norm: MelNorm::P(0.0),
                ..base.clone()
            },
            "norm",
        ),
        (
            MelConfig {
                fmax: Some(f64::NAN),
                ..base.clone()
            },
            "fmax",
        ),
    ] {
        let err = MelFilterbank::<f32>::new(&cfg).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { name: n, .. } if n == name),
            "{name}: {err}"
        );
    }
}

#[test]
fn shape_mismatches_are_rejected() {
    let fb = MelFilterbank::<f32>::new(&MelConfig::default()).unwrap();
    assert!(matches!(
        fb.apply(Array2::zeros((100, 3)).view()).unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
    let istft = Istft::<f32>::new(IstftConfig::default()).unwrap();
    let spec = Array2::<Complex<f32>>::zeros((10, 4));
    assert!(matches!(
        istft.process(spec.view(), None).unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
    let s = Stft::<f32>::new(StftConfig {
        n_fft: 64,
        ..StftConfig::default()
    })
    .unwrap();
    let mut out = Array2::zeros((33, 2));
    assert!(matches!(
        s.process_into(&[0.0; 640], out.view_mut()).unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
}

#[test]
fn bad_db_mfcc_and_griffin_lim_parameters_are_rejected() {
    let s = ndarray::array![1.0f32, 2.0];
    assert!(power_to_db(s.view(), DbReference::Max, 0.0, None).is_err());
    assert!(power_to_db(s.view(), DbReference::Max, 1e-10, Some(-1.0)).is_err());
    assert!(amplitude_to_db(s.view(), DbReference::Max, -1.0, None).is_err());
    assert!(Mfcc::<f32>::new(MfccConfig {
        lifter: -1.0,
        ..MfccConfig::default()
    })
    .is_err());
    assert!(Mfcc::<f32>::new(MfccConfig {
        n_mfcc: 200,
        ..MfccConfig::default()
    })
    .is_err());
    assert!(Mfcc::<f32>::new(MfccConfig {
        n_mfcc: 0,
        ..MfccConfig::default()
    })
    .is_err());
    let mag = Array2::<f32>::zeros((1025, 10));
    let cfg = GriffinLimConfig::<f32> {
        momentum: -0.5,
        ..GriffinLimConfig::default()
    };
    assert!(griffin_lim(mag.view(), &cfg).is_err());
    let wrong = Array2::<f32>::zeros((100, 10));
    assert!(griffin_lim(wrong.view(), &GriffinLimConfig::default()).is_err());
}

#[test]
fn bad_mu_law_input_is_rejected() {
    assert!(mu_compress(&[0.5f32], 0.0).is_err());
    assert!(mu_compress(&[1.5f32], 255.0).is_err());
    assert!(mu_compress(&[f32::NAN], 255.0).is_err());
    assert!(mu_expand_quantized::<f32>(&[300], 255.0).is_err());
}

#[test]
fn frame_rejects_short_input_and_zero_hop() {
    assert!(frame(&[0.0f32; 3], 4, 1).is_err());
    assert!(frame(&[0.0f32; 8], 4, 0).is_err());
    assert!(overlap_add(Array2::<f32>::zeros((4, 2)).view(), 0).is_err());
}
