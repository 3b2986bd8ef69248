//! museval 0.4.1 `evaluate` (v4 and v3) and the SI-SDR reference formula on
//! FluidSynth-rendered stems (fixtures by
//! `tools/reference/eval_separation_fixtures.py`).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use audio_eval::separation::{evaluate, si_sdr, BssEvalVersion, MusevalConfig, SiSdrConfig};
use audio_test_fixtures::{fixtures_dir, read_json, read_npy, serde_json::Value};
use ndarray::{concatenate, s, Array2, Array3, Axis, Ix3};

/// Per-window agreement with museval, in dB, where museval's value is finite
/// (the bound; both sides solve the same Gram system in f64, by LU in
/// museval and by Cholesky here).
const MUSEVAL_TOL_DB: f64 = 1e-3;
/// SI-SDR / SI-SIR / SI-SAR against the reference formula in numpy, in dB.
const SI_SDR_TOL_DB: f64 = 1e-6;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("museval")
}

fn load(name: &str) -> Array3<f64> {
    read_npy::<i16>(dir().join(name))
        .into_dimensionality::<Ix3>()
        .unwrap()
        .mapv(|v| v as f64 / 32768.0)
}

/// The fixtures write NaN as `null` and infinities as `"inf"` / `"-inf"`.
fn num(v: &Value) -> f64 {
    match v.as_str() {
        Some("inf") => f64::INFINITY,
        Some("-inf") => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap_or(f64::NAN),
    }
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(num).collect())
        .collect()
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= tol
    }
}

#[test]
fn evaluate_matches_museval_per_window() {
    let refs = load("references.npy");
    let ests = load("estimates.npy");
    let n = refs.dim().1;
    for case in [
        "v4_default",
        "v4_overlap_padded",
        "v4_truncated",
        "v3_default",
    ] {
        let doc = read_json(dir().join(format!("{case}.json")));
        let est = match doc["estimates"].as_str().unwrap() {
            "short" => ests.slice(s![.., ..n - 5000, ..]).to_owned(),
            "long" => concatenate(Axis(1), &[ests.view(), ests.slice(s![.., ..3000, ..])]).unwrap(),
            _ => ests.clone(),
        };
        let config = MusevalConfig {
            window: doc["win"].as_u64().unwrap() as usize,
            hop: doc["hop"].as_u64().unwrap() as usize,
            version: if doc["mode"] == "v3" {
                BssEvalVersion::V3
            } else {
                BssEvalVersion::V4
            },
            padding: true,
        };
        let scores = evaluate(refs.view(), est.view(), &config).unwrap();
        let mut finite = 0;
        for (key, got) in [
            ("SDR", &scores.sdr),
            ("ISR", &scores.isr),
            ("SIR", &scores.sir),
            ("SAR", &scores.sar),
        ] {
            let want = rows(&doc[key]);
            assert_eq!(got.dim(), (want.len(), want[0].len()), "{case} {key} shape");
            for (j, row) in want.iter().enumerate() {
                for (k, &w) in row.iter().enumerate() {
                    let g = got[[j, k]];
                    assert!(
                        close(g, w, MUSEVAL_TOL_DB),
                        "{case} {key}[{j}][{k}]: got {g}, museval {w}"
                    );
                    finite += usize::from(w.is_finite());
                }
            }
        }
        assert!(finite > 0, "{case}: no finite windows compared");
        let median = scores.median();
        for (key, got) in [
            ("SDR", &median.sdr),
            ("ISR", &median.isr),
            ("SIR", &median.sir),
            ("SAR", &median.sar),
        ] {
            for (j, w) in doc["median"][key]
                .as_array()
                .unwrap()
                .iter()
                .map(num)
                .enumerate()
            {
                assert!(
                    close(got[j], w, MUSEVAL_TOL_DB),
                    "{case} median {key}[{j}]: got {}, museval {w}",
                    got[j]
                );
            }
        }
    }
}

#[test]
fn si_sdr_matches_reference_formula() {
    let refs = load("references.npy").mean_axis(Axis(2)).unwrap();
    let ests = load("estimates.npy").mean_axis(Axis(2)).unwrap();
    // The fixture shuffles the estimates as [2, 0, 1].
    let shuffled: Array2<f64> =
        ndarray::stack(Axis(0), &[ests.row(2), ests.row(0), ests.row(1)]).unwrap();
    let doc = read_json(dir().join("si_sdr.json"));
    let check = |got: &audio_eval::separation::SiSdrScores, want: &Value, what: &str| {
        for (j, row) in rows(want).iter().enumerate() {
            for (k, (g, w)) in [got.si_sdr[j], got.si_sir[j], got.si_sar[j]]
                .iter()
                .zip(row)
                .enumerate()
            {
                assert!(
                    close(*g, *w, SI_SDR_TOL_DB),
                    "{what}[{j}][{k}]: got {g}, reference {w}"
                );
            }
        }
    };
    let plain = si_sdr(refs.view(), shuffled.view(), SiSdrConfig::default()).unwrap();
    check(&plain, &doc["identity"], "identity");
    let zm = si_sdr(
        refs.view(),
        shuffled.view(),
        SiSdrConfig {
            zero_mean: true,
            ..SiSdrConfig::default()
        },
    )
    .unwrap();
    check(&zm, &doc["identity_zero_mean"], "zero mean");
    let perm = si_sdr(
        refs.view(),
        shuffled.view(),
        SiSdrConfig {
            compute_permutation: true,
            ..SiSdrConfig::default()
        },
    )
    .unwrap();
    let want_perm: Vec<usize> = doc["permutation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(perm.permutation, want_perm);
    check(&perm, &doc["permuted"], "permuted");
}
