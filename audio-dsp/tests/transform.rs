//! The `Transform` contract, for every implementor: `process` equals
//! `process_into` into a buffer of `output_shape`, `process_multichannel`
//! equals per-channel `process`, a wrongly shaped buffer is a typed error, and
//! `n_frames` / `output_shape` predict the shape the transform returns.

#![allow(clippy::unwrap_used)]

use audio_dsp::*;
use ndarray::{Array, Array2, Axis, Dimension, RemoveAxis};
use proptest::prelude::*;

fn signal(len: usize, seed: f64) -> Vec<f64> {
    (0..len)
        .map(|n| (n as f64 * (0.031 + seed)).sin() + 0.3 * (n as f64 * 0.0071 * seed).cos())
        .collect()
}

/// Checks the contract of `t` on a stereo signal of `len` samples.
fn contract<X>(name: &str, t: &X, len: usize)
where
    X: Transform<f64> + Sync,
    X::Elem: PartialEq + std::fmt::Debug,
    <X::Dim as Dimension>::Larger: RemoveAxis,
{
    let left = signal(len, 0.0);
    let right = signal(len, 0.013);

    // process == process_into (into a C-order and a Fortran-order buffer).
    let shape = t.output_shape(len).unwrap();
    let expected = t.process(&left).unwrap();
    assert_eq!(expected.raw_dim(), shape, "{name}: process shape");
    assert_eq!(
        t.n_frames(len).unwrap(),
        *shape.slice().last().unwrap(),
        "{name}: n_frames"
    );
    let mut c_order = Array::zeros(shape.clone());
    t.process_into(&left, c_order.view_mut()).unwrap();
    assert_eq!(c_order, expected, "{name}: process_into (C order)");
    let mut f_order = Array::zeros(ndarray::ShapeBuilder::f(shape.clone()));
    t.process_into(&left, f_order.view_mut()).unwrap();
    assert_eq!(f_order, expected, "{name}: process_into (Fortran order)");

    // process_multichannel == per-channel process.
    let mut stereo = Array2::zeros((2, len));
    stereo.row_mut(0).assign(&ndarray::ArrayView1::from(&left));
    stereo.row_mut(1).assign(&ndarray::ArrayView1::from(&right));
    let multi = t.process_multichannel(stereo.view()).unwrap();
    assert_eq!(multi.shape()[0], 2, "{name}: channels");
    assert_eq!(
        multi.index_axis(Axis(0), 0).into_dyn(),
        expected.view().into_dyn(),
        "{name}: channel 0"
    );
    assert_eq!(
        multi.index_axis(Axis(0), 1).into_dyn(),
        t.process(&right).unwrap().into_dyn(),
        "{name}: channel 1"
    );

    // A wrongly shaped buffer is a typed error.
    let mut wrong_shape = shape.clone();
    let last = wrong_shape.ndim() - 1;
    wrong_shape[last] += 1;
    let mut wrong = Array::zeros(wrong_shape);
    match t.process_into(&left, wrong.view_mut()) {
        Err(Error::ShapeMismatch { expected, got, .. }) => {
            assert_eq!(expected, shape.slice(), "{name}: expected shape");
            assert_eq!(got, wrong.shape(), "{name}: given shape");
        }
        other => panic!("{name}: expected a shape mismatch, got {other:?}"),
    }
}

fn small_stft() -> StftConfig {
    StftConfig {
        n_fft: 256,
        hop_length: Some(64),
        ..StftConfig::default()
    }
}

fn small_cqt() -> CqtConfig {
    CqtConfig {
        n_bins: 24,
        fmin: Some(220.0),
        hop_length: 128,
        res_type: ResampleMethod::Fft,
        ..CqtConfig::default()
    }
}

fn small_mel() -> MelSpectrogramConfig {
    MelSpectrogramConfig {
        stft: small_stft(),
        mel: MelConfig {
            n_mels: 20,
            ..MelConfig::default()
        },
        ..MelSpectrogramConfig::default()
    }
}

fn small_chroma_cqt() -> ChromaCqtConfig {
    ChromaCqtConfig {
        hop_length: 128,
        n_octaves: 3,
        fmin: Some(110.0),
        tuning: Some(0.0),
        res_type: ResampleMethod::Fft,
        ..ChromaCqtConfig::default()
    }
}

#[test]
fn stft_contract() {
    contract("stft", &Stft::<f64>::new(small_stft()).unwrap(), 3000);
    let uncentred = Stft::<f64>::new(StftConfig {
        center: false,
        ..small_stft()
    })
    .unwrap();
    contract("stft (center = false)", &uncentred, 3000);
}

#[test]
fn cqt_contract() {
    contract("cqt", &Cqt::<f64>::new(small_cqt()).unwrap(), 4000);
    contract(
        "hybrid_cqt",
        &HybridCqt::<f64>::new(small_cqt()).unwrap(),
        4000,
    );
    let hcqt = Hcqt::<f64>::new(HcqtConfig {
        cqt: small_cqt(),
        harmonics: vec![0.5, 1.0, 2.0],
    })
    .unwrap();
    contract("hcqt", &hcqt, 4000);
}

#[test]
fn feature_contract() {
    contract(
        "mel",
        &MelSpectrogram::<f64>::new(small_mel()).unwrap(),
        3000,
    );
    let mel_energy = MelSpectrogram::<f64>::new(MelSpectrogramConfig {
        power: 1.0,
        ..small_mel()
    })
    .unwrap();
    contract("mel (power 1)", &mel_energy, 3000);
    let mfcc = Mfcc::<f64>::new(MfccConfig {
        mel: small_mel(),
        n_mfcc: 13,
        lifter: 22.0,
        ..MfccConfig::default()
    })
    .unwrap();
    contract("mfcc", &mfcc, 3000);
    let chroma = ChromaStft::<f64>::new(ChromaStftConfig {
        stft: small_stft(),
        tuning: Some(0.0),
        ..ChromaStftConfig::default()
    })
    .unwrap();
    contract("chroma_stft", &chroma, 3000);
    let estimated = ChromaStft::<f64>::new(ChromaStftConfig {
        stft: small_stft(),
        tuning: None,
        ..ChromaStftConfig::default()
    })
    .unwrap();
    contract("chroma_stft (estimated tuning)", &estimated, 3000);
    contract(
        "chroma_cqt",
        &ChromaCqt::<f64>::new(small_chroma_cqt()).unwrap(),
        4000,
    );
    let cens = ChromaCens::<f64>::new(ChromaCensConfig {
        hop_length: 128,
        n_octaves: 3,
        fmin: Some(110.0),
        tuning: Some(0.0),
        res_type: ResampleMethod::Fft,
        ..ChromaCensConfig::default()
    })
    .unwrap();
    contract("chroma_cens", &cens, 4000);
}

#[test]
fn resampler_contract() {
    for method in [ResampleMethod::Fft, ResampleMethod::High] {
        let down = Resampler::new(22_050.0, 16_000.0, method).unwrap();
        contract("resample down", &down, 3001);
        let up = Resampler::new(8_000.0, 11_025.0, method).unwrap();
        contract("resample up", &up, 1000);
    }
    // The trait gives the same samples as the inherent, Vec-based method.
    let r = Resampler::new(44_100.0, 22_050.0, ResampleMethod::High).unwrap();
    let y = signal(4410, 0.0);
    let via_trait = Transform::<f64>::process(&r, &y).unwrap();
    assert_eq!(via_trait.to_vec(), r.process(&y).unwrap());
}

#[test]
fn too_short_signals_are_typed_errors() {
    let stft = Stft::<f64>::new(StftConfig {
        center: false,
        ..small_stft()
    })
    .unwrap();
    assert!(matches!(
        stft.output_shape(100),
        Err(Error::InputTooShort { .. })
    ));
    assert!(matches!(
        stft.process_multichannel(Array2::zeros((2, 100)).view()),
        Err(Error::InputTooShort { .. })
    ));
    let mel = MelSpectrogram::<f64>::new(small_mel()).unwrap();
    assert!(matches!(mel.n_frames(0), Err(Error::InputTooShort { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// `n_frames` and `output_shape` predict the shape `process` returns.
    #[test]
    fn frames_for_length_match_the_output(
        len in 1usize..3000,
        n_fft in prop::sample::select(vec![64usize, 128, 256]),
        hop in 16usize..100,
        center in any::<bool>(),
    ) {
        let stft_config = StftConfig {
            n_fft,
            hop_length: Some(hop),
            center,
            ..StftConfig::default()
        };
        let y = signal(len, 0.0);
        let stft = Stft::<f64>::new(stft_config.clone()).unwrap();
        match stft.output_shape(len) {
            Ok(shape) => {
                let s = stft.process(&y).unwrap();
                prop_assert_eq!(s.raw_dim(), shape);
                prop_assert_eq!(s.ncols(), stft.n_frames(len).unwrap());
                let mel = MelSpectrogram::<f64>::new(MelSpectrogramConfig {
                    stft: stft_config.clone(),
                    mel: MelConfig { n_mels: 8, ..MelConfig::default() },
                    ..MelSpectrogramConfig::default()
                })
                .unwrap();
                let m = mel.process(&y).unwrap();
                prop_assert_eq!(m.raw_dim(), mel.output_shape(len).unwrap());
                prop_assert_eq!(m.ncols(), s.ncols());
                let chroma = ChromaStft::<f64>::new(ChromaStftConfig {
                    stft: stft_config,
                    tuning: Some(0.0),
                    ..ChromaStftConfig::default()
                })
                .unwrap();
                let c = chroma.process(&y).unwrap();
                prop_assert_eq!(c.raw_dim(), chroma.output_shape(len).unwrap());
            }
            Err(e) => {
                let is_too_short = matches!(e, Error::InputTooShort { .. });
                prop_assert!(is_too_short);
                prop_assert!(!center && len < n_fft);
                prop_assert!(stft.process(&y).is_err());
            }
        }
    }

    /// The CQT's and the resampler's predicted lengths match their output.
    #[test]
    fn cqt_and_resampler_lengths_match_the_output(
        len in 1usize..6000,
        hop in prop::sample::select(vec![64usize, 128, 96]),
        target in prop::sample::select(vec![8_000.0f64, 16_000.0, 44_100.0]),
    ) {
        let y = signal(len, 0.0);
        let cqt = Cqt::<f64>::new(CqtConfig { hop_length: hop, ..small_cqt() }).unwrap();
        if let Ok(shape) = cqt.output_shape(len) {
            prop_assert_eq!(cqt.process(&y).unwrap().raw_dim(), shape);
        }
        let r = Resampler::new(22_050.0, target, ResampleMethod::Fft).unwrap();
        let shape = Transform::<f64>::output_shape(&r, len).unwrap();
        prop_assert_eq!(Transform::<f64>::process(&r, &y).unwrap().raw_dim(), shape);
        prop_assert_eq!(r.process(&y).unwrap().len(), shape[0]);
    }
}
