//! The `audio` constant-Q subcommands end to end: librosa-named flags in,
//! arrays with librosa's shapes, dtypes and values out (fixtures from
//! `tools/reference/dsp_cqt_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_test_fixtures::{assert_close, read_npy};
use common::{assert_ok as ok, run as audio, tmp};
use num_complex::Complex;

/// audio-dsp's bound for the exact (`res_type="fft"`) path in f32; the CLI
/// adds no arithmetic of its own.
const EXACT_TOL: f64 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures/cqt").join(name)
}

#[test]
fn cqt_flags_and_output_match_librosa() {
    let out = tmp("cqt.npy");
    let input = fixture("input_piano_f32.npy");
    // The `options` fixture: fmin 55, 40 bins, hop 128, filter_scale 0.8,
    // norm 2, hamming, scale=False, reflect padding, sparsity 0.
    ok(&audio(&[
        "cqt",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--res-type",
        "fft",
        "--fmin",
        "55",
        "--n-bins",
        "40",
        "--hop-length",
        "128",
        "--filter-scale",
        "0.8",
        "--norm",
        "2",
        "--window",
        "hamming",
        "--no-scale",
        "--pad-mode",
        "reflect",
        "--sparsity",
        "0",
    ]));
    let actual = read_npy::<Complex<f32>>(&out);
    let expected = read_npy::<Complex<f32>>(fixture("options_fft_f32.npy"));
    assert_close("cli cqt", &actual, &expected, EXACT_TOL);
}

#[test]
fn vqt_and_chroma_cqt_match_librosa() {
    let input = fixture("input_piano_f32.npy");
    let out = tmp("vqt.npy");
    ok(&audio(&[
        "vqt",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--res-type",
        "fft",
        "--magnitude",
    ]));
    let actual = read_npy::<f32>(&out);
    let expected = read_npy::<Complex<f32>>(fixture("vqt_default_fft_f32.npy")).mapv(|c| c.norm());
    assert_close("cli vqt", &actual, &expected, EXACT_TOL);

    let out = tmp("chroma.npy");
    ok(&audio(&[
        "chroma-cqt",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--res-type",
        "fft",
        "--cqt-mode",
        "hybrid",
        "--tuning",
        "0",
        "--hop-length",
        "256",
    ]));
    let actual = read_npy::<f32>(&out);
    let expected = read_npy::<f32>(fixture("chroma_cqt_hybrid_fft_f32.npy"));
    assert_close("cli chroma-cqt", &actual, &expected, EXACT_TOL);
}

#[test]
fn hcqt_has_the_harmonic_axis_and_bad_fmin_is_an_error() {
    let input = fixture("input_piano_f32.npy");
    let out = tmp("hcqt.npy");
    ok(&audio(&[
        "hcqt",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--res-type",
        "fft",
        "--n-bins",
        "60",
        "--harmonics",
        "0.5,1,2,3",
        "--magnitude",
    ]));
    let actual = read_npy::<f32>(&out);
    let expected = read_npy::<f32>(fixture("hcqt_fft_f32.npy"));
    assert_close("cli hcqt", &actual, &expected, EXACT_TOL);

    let bad = audio(&[
        "cqt",
        input.to_str().unwrap(),
        "-o",
        tmp("bad.npy").to_str().unwrap(),
        "--fmin",
        "0",
    ]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("fmin"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn icqt_matches_librosa() {
    let out = tmp("icqt.npy");
    let input = fixture("icqt_bpo24_cqt_fft_f32.npy");
    ok(&audio(&[
        "icqt",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--res-type",
        "fft",
        "--fmin",
        "55",
        "--bins-per-octave",
        "24",
        "--hop-length",
        "256",
        "--length",
        "54125",
    ]));
    let actual = read_npy::<f32>(&out);
    let expected = read_npy::<f32>(fixture("icqt_bpo24_fft_f32.npy"));
    assert_close("cli icqt", &actual, &expected, EXACT_TOL);
}
