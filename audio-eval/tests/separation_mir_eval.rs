//! BSS Eval v3 against mir_eval 0.8.2's stored separation outputs
//! (`tests/data/separation` of mir_eval, MIT licence, copied into
//! `tests/fixtures/mir_eval/separation`).
//!
//! mir_eval's own test (`tests/test_separation.py`) loads each `refNN/*.wav`
//! and `estNN/*.wav` with `mir_eval.io.load_wav` (int16 / 2¹⁶, stereo files
//! averaged to mono), stacks them into `(sources, samples)`, and builds the
//! image inputs with `__generate_multichannel(mono, nchan, gain, reverse)`.

#![allow(clippy::unwrap_used, reason = "test helpers: a panic is a failed test")]

use std::path::{Path, PathBuf};

use audio_eval::separation::{
    bss_eval_images, bss_eval_images_framewise, bss_eval_sources, bss_eval_sources_framewise,
};
use audio_test_fixtures::{fixtures_dir, serde_json, serde_json::Value};
use ndarray::{Array2, Array3};

/// mir_eval's `A_TOL` in `tests/test_separation.py` (0.8.2), used with
/// `np.allclose`'s default `rtol = 1e-5`.
const A_TOL: f64 = 1e-2;
/// `np.allclose`'s default relative tolerance.
const R_TOL: f64 = 1e-5;

const CASES: [&str; 8] = ["01", "02", "03", "05", "06", "07", "08", "09"];
fn cases() -> Vec<&'static str> {
    match std::env::var("SEP_CASES") {
        Ok(v) => CASES.iter().copied().filter(|c| v.contains(c)).collect(),
        Err(_) => CASES.to_vec(),
    }
}

fn dir() -> PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR"))
        .join("mir_eval")
        .join("separation")
}

/// `mir_eval.io.load_wav(path)` (mono).
fn load_wav(path: &Path) -> Vec<f64> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16);
    let ch = spec.channels as usize;
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    samples
        .chunks(ch)
        .map(|frame| {
            let v: Vec<f64> = frame.iter().map(|&x| x as f64 / 65536.0).collect();
            if ch == 1 {
                v[0]
            } else {
                v.iter().sum::<f64>() / ch as f64
            }
        })
        .collect()
}

fn load_stack(sub: &str) -> Array2<f64> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    let rows: Vec<Vec<f64>> = files.iter().map(|p| load_wav(p)).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// `__generate_multichannel`: channel 0 is the signal, the others the signal
/// times `gain`; with `reverse` the extra channels are "reversed" by
/// `stackin[1:][:][::-1]`, which reverses the list of identical extra
/// channels and so changes nothing.
fn multichannel(mono: &Array2<f64>, nchan: usize, gain: f64) -> Array3<f64> {
    let (ns, n) = mono.dim();
    Array3::from_shape_fn((ns, n, nchan), |(s, t, c)| {
        if c == 0 {
            mono[[s, t]]
        } else {
            gain * mono[[s, t]]
        }
    })
}

/// Reads an output JSON; mir_eval wrote `+inf` as the bare token `Infinity`,
/// which is quoted here before parsing.
fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Infinity", "\"Infinity\"");
    serde_json::from_str(&text).unwrap()
}

fn expected_1d(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn num(v: &Value) -> f64 {
    match v.as_str() {
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap_or(f64::NAN),
    }
}

fn expected_2d(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(expected_1d).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn check(case: &str, what: &str, got: &[f64], expected: &[f64]) {
    assert_eq!(got.len(), expected.len(), "{case} {what}: length");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        let ok = if e.is_nan() {
            g.is_nan()
        } else if e.is_infinite() {
            g == e
        } else {
            (g - e).abs() <= A_TOL + R_TOL * e.abs()
        };
        assert!(ok, "{case} {what}[{i}]: got {g}, mir_eval {e}");
    }
}

fn check2(case: &str, what: &str, got: &Array2<f64>, expected: &Array2<f64>) {
    assert_eq!(got.dim(), expected.dim(), "{case} {what}: shape");
    check(
        case,
        what,
        &got.iter().copied().collect::<Vec<_>>(),
        &expected.iter().copied().collect::<Vec<_>>(),
    );
}

fn perm_rows(perm: &[Option<Vec<usize>>], nsrc: usize) -> Array2<f64> {
    Array2::from_shape_fn((nsrc, perm.len()), |(j, k)| {
        perm[k].as_ref().map_or(f64::NAN, |p| p[j] as f64)
    })
}

#[test]
fn sources_and_sources_framewise_match_mir_eval() {
    for case in cases() {
        let out = read_json(dir().join(format!("output{case}.json")));
        let r = load_stack(&format!("ref{case}"));
        let e = load_stack(&format!("est{case}"));
        let exp = &out["Sources"];
        let s = bss_eval_sources(r.view(), e.view(), true).unwrap();
        check(
            case,
            "sources sdr",
            &s.sdr,
            &expected_1d(&exp["Source to Distortion"]),
        );
        check(
            case,
            "sources sir",
            &s.sir,
            &expected_1d(&exp["Source to Interference"]),
        );
        check(
            case,
            "sources sar",
            &s.sar,
            &expected_1d(&exp["Source to Artifact"]),
        );
        let perm: Vec<f64> = s.permutation.iter().map(|&p| p as f64).collect();
        check(
            case,
            "sources perm",
            &perm,
            &expected_1d(&exp["Source permutation"]),
        );

        let exp = &out["Framewise"];
        let (win, hop) = (
            exp["win"].as_u64().unwrap() as usize,
            exp["hop"].as_u64().unwrap() as usize,
        );
        let f = bss_eval_sources_framewise(r.view(), e.view(), win, hop, false).unwrap();
        check2(
            case,
            "framewise sdr",
            &f.sdr,
            &expected_2d(&exp["Source to Distortion"]),
        );
        check2(
            case,
            "framewise sir",
            &f.sir,
            &expected_2d(&exp["Source to Interference"]),
        );
        check2(
            case,
            "framewise sar",
            &f.sar,
            &expected_2d(&exp["Source to Artifact"]),
        );
        check2(
            case,
            "framewise perm",
            &perm_rows(&f.permutation, r.nrows()),
            &expected_2d(&exp["Source permutation"]),
        );
    }
}

#[test]
fn images_and_images_framewise_match_mir_eval() {
    for case in cases() {
        let out = read_json(dir().join(format!("output{case}.json")));
        let r = load_stack(&format!("ref{case}"));
        let e = load_stack(&format!("est{case}"));
        let exp = &out["Images"];
        let nchan = exp["nchan"].as_u64().unwrap() as usize;
        let gain = exp["gain"].as_f64().unwrap();
        let s = bss_eval_images(
            multichannel(&r, nchan, 1.0).view(),
            multichannel(&e, nchan, gain).view(),
            true,
        );
        let s = s.unwrap_or_else(|err| panic!("{case}: {err}"));
        check(
            case,
            "images sdr",
            &s.sdr,
            &expected_1d(&exp["Source to Distortion"]),
        );
        check(
            case,
            "images isr",
            &s.isr,
            &expected_1d(&exp["Image to Spatial"]),
        );
        check(
            case,
            "images sir",
            &s.sir,
            &expected_1d(&exp["Source to Interference"]),
        );
        check(
            case,
            "images sar",
            &s.sar,
            &expected_1d(&exp["Source to Artifact"]),
        );
        let perm: Vec<f64> = s.permutation.iter().map(|&p| p as f64).collect();
        check(
            case,
            "images perm",
            &perm,
            &expected_1d(&exp["Source permutation"]),
        );

        let exp = &out["Images Framewise"];
        let nchan = exp["nchan"].as_u64().unwrap() as usize;
        let gain = exp["gain"].as_f64().unwrap();
        let (win, hop) = (
            exp["win"].as_u64().unwrap() as usize,
            exp["hop"].as_u64().unwrap() as usize,
        );
        let f = bss_eval_images_framewise(
            multichannel(&r, nchan, 1.0).view(),
            multichannel(&e, nchan, gain).view(),
            win,
            hop,
            false,
        )
        .unwrap_or_else(|err| panic!("{case}: {err}"));
        check2(
            case,
            "images framewise sdr",
            &f.sdr,
            &expected_2d(&exp["Source to Distortion"]),
        );
        check2(
            case,
            "images framewise isr",
            &f.isr,
            &expected_2d(&exp["Image to Spatial"]),
        );
        check2(
            case,
            "images framewise sir",
            &f.sir,
            &expected_2d(&exp["Source to Interference"]),
        );
        check2(
            case,
            "images framewise sar",
            &f.sar,
            &expected_2d(&exp["Source to Artifact"]),
        );
        check2(
            case,
            "images framewise perm",
            &perm_rows(&f.permutation, r.nrows()),
            &expected_2d(&exp["Source permutation"]),
        );
    }
}
