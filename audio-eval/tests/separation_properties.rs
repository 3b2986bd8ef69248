//! Invariants of the separation metrics (proptest).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use audio_eval::separation::{
    bss_eval_images, bss_eval_sources, evaluate, si_sdr, MusevalConfig, SiSdrConfig,
};
use audio_eval::Error;
use ndarray::{Array2, Array3, Axis};
use proptest::prelude::*;

/// Agreement of metrics that must be identical up to rounding, in dB.
const SAME_DB: f64 = 1e-6;
/// The documented floor: a perfect estimate through the least-squares
/// projection of `bss_eval_sources` is `+inf` or at least this many dB.
const PERFECT_SOURCES_DB: f64 = 100.0;

fn signals(n_src: usize, len: usize) -> impl Strategy<Value = Array2<f64>> {
    prop::collection::vec(-1.0f64..1.0, n_src * len)
        .prop_map(move |v| Array2::from_shape_vec((n_src, len), v).unwrap())
}

/// Estimates: each reference plus 30% of the next one and a little of the
/// one after (so the best permutation is unique).
fn mix(refs: &Array2<f64>) -> Array2<f64> {
    let n = refs.nrows();
    Array2::from_shape_fn(refs.dim(), |(s, t)| {
        refs[[s, t]]
            + 0.3 * refs[[(s + 1) % n, t]]
            + 0.05 * refs[[(s + 2) % n, (t + 3) % refs.ncols()]]
    })
}

fn permute_rows(a: &Array2<f64>, sigma: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn(a.dim(), |(i, t)| a[[sigma[i], t]])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn perfect_estimate_is_infinite_or_capped(refs in signals(2, 700)) {
        let s = bss_eval_sources(refs.view(), refs.view(), false).unwrap();
        for v in s.sdr.iter().chain(&s.sar) {
            prop_assert!(*v == f64::INFINITY || *v >= PERFECT_SOURCES_DB, "{v}");
        }
        let images = refs.clone().insert_axis(Axis(2));
        let i = bss_eval_images(images.view(), images.view(), false).unwrap();
        prop_assert!(i.sdr.iter().all(|v| *v == f64::INFINITY));
        let si = si_sdr(refs.view(), refs.view(), SiSdrConfig::default()).unwrap();
        prop_assert!(si.si_sdr.iter().all(|v| *v == f64::INFINITY));
        let stereo = Array3::from_shape_fn((2, 700, 2), |(s, t, c)| refs[[s, t]] * (1.0 + c as f64 * 0.5) + 0.01 * c as f64);
        let config = MusevalConfig { window: 300, hop: 200, ..MusevalConfig::default() };
        let m = evaluate(stereo.view(), stereo.view(), &config).unwrap();
        prop_assert!(m.sdr.iter().all(|v| *v == f64::INFINITY));
    }

    #[test]
    fn scaling_leaves_si_sdr_unchanged(refs in signals(3, 500), k in 0.01f64..100.0) {
        let ests = mix(&refs);
        let scaled = ests.mapv(|v| v * k);
        let a = si_sdr(refs.view(), ests.view(), SiSdrConfig::default()).unwrap();
        let b = si_sdr(refs.view(), scaled.view(), SiSdrConfig::default()).unwrap();
        for (x, y) in a.si_sdr.iter().zip(&b.si_sdr).chain(a.si_sir.iter().zip(&b.si_sir)).chain(a.si_sar.iter().zip(&b.si_sar)) {
            prop_assert!((x - y).abs() <= SAME_DB, "{x} vs {y}");
        }
    }

    #[test]
    fn permuting_estimates_permutes_results(refs in signals(3, 700), shift in 0usize..6) {
        let sigmas = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        let sigma = sigmas[shift];
        let ests = mix(&refs);
        let shuffled = permute_rows(&ests, &sigma);
        // With the permutation search, each reference keeps its scores and
        // the permutation follows the shuffle: shuffled[i] = ests[sigma[i]].
        let a = bss_eval_sources(refs.view(), ests.view(), true).unwrap();
        let b = bss_eval_sources(refs.view(), shuffled.view(), true).unwrap();
        for j in 0..3 {
            prop_assert_eq!(sigma[b.permutation[j]], a.permutation[j]);
            prop_assert!((a.sdr[j] - b.sdr[j]).abs() <= SAME_DB);
            prop_assert!((a.sir[j] - b.sir[j]).abs() <= SAME_DB);
            prop_assert!((a.sar[j] - b.sar[j]).abs() <= SAME_DB);
        }
        let c = si_sdr(refs.view(), ests.view(), SiSdrConfig { compute_permutation: true, ..SiSdrConfig::default() }).unwrap();
        let d = si_sdr(refs.view(), shuffled.view(), SiSdrConfig { compute_permutation: true, ..SiSdrConfig::default() }).unwrap();
        for j in 0..3 {
            prop_assert_eq!(sigma[d.permutation[j]], c.permutation[j]);
            prop_assert!((c.si_sdr[j] - d.si_sdr[j]).abs() <= SAME_DB);
        }
        // Without it, permuting references and estimates together permutes
        // the per-source results.
        let refs_p = permute_rows(&refs, &sigma);
        let e = bss_eval_sources(refs_p.view(), shuffled.view(), false).unwrap();
        let f = bss_eval_sources(refs.view(), ests.view(), false).unwrap();
        for (i, &si) in sigma.iter().enumerate() {
            prop_assert!((e.sdr[i] - f.sdr[si]).abs() <= SAME_DB);
        }
    }
}

#[test]
fn validation_errors_mirror_mir_eval() {
    let good = Array2::from_shape_fn((2, 100), |(s, t)| {
        ((s + 1) as f64 * 0.1 * t as f64).sin() + 0.1
    });
    let three = Array2::from_shape_fn((3, 100), |(s, t)| ((s + 1) as f64 * 0.1 * t as f64).cos());
    assert!(matches!(
        bss_eval_sources(good.view(), three.view(), true),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut silent = good.clone();
    silent.row_mut(1).fill(0.0);
    assert_eq!(
        bss_eval_sources(silent.view(), good.view(), true),
        Err(Error::SilentSource {
            what: "reference",
            source_index: 1
        })
    );
    assert_eq!(
        bss_eval_sources(good.view(), silent.view(), true),
        Err(Error::SilentSource {
            what: "estimate",
            source_index: 1
        })
    );
    let empty = Array2::<f64>::zeros((0, 0));
    assert!(matches!(
        bss_eval_sources(empty.view(), empty.view(), true),
        Err(Error::Empty { .. })
    ));
    let mut nan = good.clone();
    nan[[0, 5]] = f64::NAN;
    assert!(matches!(
        bss_eval_sources(good.view(), nan.view(), true),
        Err(Error::NonFinite { .. })
    ));
    let many = Array2::from_shape_fn((101, 10), |(s, t)| (s + t + 1) as f64);
    assert!(matches!(
        bss_eval_sources(many.view(), many.view(), false),
        Err(Error::TooManySources { max: 100, got: 101 })
    ));
    let ten = Array2::from_shape_fn((10, 50), |(s, t)| ((s + 1) as f64 * t as f64).sin() + 0.5);
    assert!(matches!(
        si_sdr(
            ten.view(),
            ten.view(),
            SiSdrConfig {
                compute_permutation: true,
                ..SiSdrConfig::default()
            }
        ),
        Err(Error::PermutationTooLarge { .. })
    ));
    let config = MusevalConfig {
        hop: 0,
        ..MusevalConfig::default()
    };
    let g3 = good.clone().insert_axis(Axis(2));
    assert!(matches!(
        evaluate(g3.view(), g3.view(), &config),
        Err(Error::InvalidParameter { name: "hop", .. })
    ));
}

#[test]
fn silent_windows_are_nan_like_museval_and_mir_eval() {
    // Sound, silence, sound in the first reference: the middle windows are NaN.
    let n = 1500;
    let refs = Array2::from_shape_fn((2, n), |(s, t)| {
        if s == 0 && (500..1000).contains(&t) {
            0.0
        } else {
            ((s + 1) as f64 * 0.05 * t as f64).sin() + 0.2
        }
    });
    let ests = mix(&refs);
    let f = audio_eval::separation::bss_eval_sources_framewise(
        refs.view(),
        ests.view(),
        500,
        500,
        false,
    )
    .unwrap();
    assert!(f.sdr[[0, 1]].is_nan() && f.sdr[[1, 1]].is_nan());
    assert!(f.sdr[[0, 0]].is_finite() && f.sdr[[0, 2]].is_finite());
    assert_eq!(f.permutation[1], None);
    let r3 = refs.clone().insert_axis(Axis(2));
    let e3 = ests.clone().insert_axis(Axis(2));
    let config = MusevalConfig {
        window: 500,
        hop: 500,
        ..MusevalConfig::default()
    };
    let m = evaluate(r3.view(), e3.view(), &config).unwrap();
    assert!(m.isr.column(1).iter().all(|v| v.is_nan()));
    assert!(m.isr.column(0).iter().all(|v| v.is_finite()));
    let med = m.median();
    assert!(med.sdr.iter().all(|v| v.is_finite()));
}
