//! The feature subcommands end to end: librosa-named flags in, librosa's
//! shapes, dtypes and values out (fixtures from
//! `tools/reference/dsp_feature_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_test_fixtures::{assert_close, read_npy};
use common::{run, run_ok as audio, tmp};

/// The library's fixture tolerance (1e-5 of the peak; the CLI computes
/// librosa's float64 STFT and adds no arithmetic of its own).
const TOL: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures/features").join(format!("{name}.npy"))
}

/// Runs `audio <command> <input> -o OUT <flags>` and returns OUT.
fn feature(command: &str, input: &str, flags: &[&str]) -> PathBuf {
    let out = tmp(&format!("{command}-{}.npy", flags.join("_")));
    let input = fixture(input);
    let mut args = vec![
        command,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    audio(&args);
    out
}

#[test]
fn spectral_descriptors_match_librosa() {
    let centroid = feature("spectral-centroid", "input_piano", &[]);
    assert_close(
        "centroid",
        &read_npy::<f64>(&centroid),
        &read_npy::<f32>(fixture("centroid_default_plain_piano")).mapv(f64::from),
        TOL,
    );
    let bandwidth = feature(
        "spectral-bandwidth",
        "input_violin",
        &[
            "--p",
            "3",
            "--n-fft",
            "4096",
            "--hop-length",
            "1024",
            "--no-center",
        ],
    );
    assert_close(
        "bandwidth",
        &read_npy::<f64>(&bandwidth),
        &read_npy::<f32>(fixture("bandwidth_n4096_nocenter_p3_violin")).mapv(f64::from),
        TOL,
    );
    let no_norm = feature(
        "spectral-bandwidth",
        "input_piano",
        &[
            "--p",
            "1",
            "--no-norm",
            "--n-fft",
            "1024",
            "--hop-length",
            "256",
        ],
    );
    assert_close(
        "bandwidth no norm",
        &read_npy::<f64>(&no_norm),
        &read_npy::<f32>(fixture("bandwidth_n1024_h256_p1_normFalse_piano")).mapv(f64::from),
        TOL,
    );
    let rolloff = feature(
        "spectral-rolloff",
        "input_piano",
        &[
            "--roll-percent",
            "0.99",
            "--n-fft",
            "1024",
            "--hop-length",
            "256",
        ],
    );
    assert_eq!(
        read_npy::<f64>(&rolloff).mapv(|v| v as f32),
        read_npy::<f32>(fixture("rolloff_n1024_h256_roll_percent0.99_piano"))
    );
    let contrast = feature(
        "spectral-contrast",
        "input_piano",
        &[
            "--fmin",
            "100",
            "--n-bands",
            "4",
            "--quantile",
            "0.05",
            "--n-fft",
            "1024",
            "--hop-length",
            "256",
        ],
    );
    assert_close(
        "contrast",
        &read_npy::<f64>(&contrast),
        &read_npy::<f32>(fixture(
            "contrast_n1024_h256_fmin100.0_n_bands4_quantile0.05_piano",
        ))
        .mapv(f64::from),
        TOL,
    );
    let poly = feature(
        "poly-features",
        "input_violin",
        &["--order", "2", "--n-fft", "1024", "--hop-length", "256"],
    );
    assert_close(
        "poly",
        &read_npy::<f64>(&poly),
        &read_npy::<f32>(fixture("poly_n1024_h256_order2_violin")).mapv(f64::from),
        TOL,
    );
    let flatness = feature(
        "spectral-flatness",
        "input_violin",
        &["--power", "1", "--n-fft", "1024", "--hop-length", "256"],
    );
    assert_close(
        "flatness",
        &read_npy::<f32>(&flatness),
        &read_npy::<f32>(fixture("flatness_n1024_h256_power1.0_violin")),
        TOL,
    );
}

#[test]
fn rms_zero_crossings_delta_and_stack_memory_match_librosa() {
    let rms = feature(
        "rms",
        "input_piano",
        &[
            "--frame-length",
            "511",
            "--hop-length",
            "128",
            "--pad-mode",
            "reflect",
        ],
    );
    assert_close(
        "rms",
        &read_npy::<f32>(&rms),
        &read_npy::<f32>(fixture("rms_y_2_piano")),
        TOL,
    );
    let zcr = feature(
        "zero-crossing-rate",
        "input_violin",
        &["--no-zero-pos", "--threshold", "0"],
    );
    assert_eq!(
        read_npy::<f64>(&zcr).mapv(|v| v as f32),
        read_npy::<f32>(fixture("zcr_7_violin"))
    );
    let delta = feature(
        "delta",
        "mfcc_piano",
        &["--width", "7", "--mode", "nearest"],
    );
    assert_close(
        "delta",
        &read_npy::<f32>(&delta),
        &read_npy::<f32>(fixture("delta_2")),
        1e-6,
    );
    let stack = feature(
        "stack-memory",
        "mfcc_piano",
        &["--n-steps", "4", "--delay", "-1", "--mode", "edge"],
    );
    assert_eq!(read_npy::<f32>(&stack), read_npy::<f32>(fixture("stack_2")));
}

#[test]
fn trim_split_and_emphasis_match_librosa() {
    let cases: audio_test_fixtures::serde_json::Value = audio_test_fixtures::read_json(
        common::repo("audio-dsp/tests/fixtures/features/cases.json"),
    );
    let split = feature(
        "split",
        "input_gaps",
        &[
            "--top-db",
            "30",
            "--frame-length",
            "1024",
            "--hop-length",
            "256",
        ],
    );
    let want: Vec<i64> = cases["split"][1]["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| [p[0].as_i64().unwrap(), p[1].as_i64().unwrap()])
        .collect();
    assert_eq!(
        read_npy::<i64>(&split).iter().copied().collect::<Vec<_>>(),
        want
    );
    let trimmed = feature("trim", "input_gaps", &["--top-db", "20", "--ref", "0.5"]);
    let archive = audio_io::npy::read_npz(&trimmed).unwrap();
    let index: Vec<i64> = cases["trim"][2]["index"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["y_trimmed", "index"]);
    match &archive[1].1 {
        audio_io::npy::NpyArray::I64(a) => assert_eq!(a.iter().copied().collect::<Vec<_>>(), index),
        other => panic!("index dtype: {other:?}"),
    }
    // The emphasis fixtures cover the first 0.5 s of the inputs.
    let head = |name: &str| {
        let y = read_npy::<f32>(fixture(name));
        let path = tmp(&format!("{name}_head.npy"));
        let n = 22_050 / 2;
        let first: ndarray::Array1<f32> = y.iter().take(n).copied().collect();
        audio_io::npy::write_npy(&path, &first).unwrap();
        path
    };
    let run_on = |command: &str, input: &PathBuf, coef: &str| {
        let out = tmp(&format!("{command}{coef}.npy"));
        audio(&[
            command,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--coef",
            coef,
        ]);
        out
    };
    let pre = run_on("preemphasis", &head("input_violin"), "-0.3");
    assert_eq!(
        read_npy::<f32>(&pre),
        read_npy::<f32>(fixture("preemphasis_-0.3_violin"))
    );
    let de = run_on("deemphasis", &head("input_piano"), "0.5");
    assert_eq!(
        read_npy::<f32>(&de),
        read_npy::<f32>(fixture("deemphasis_0.5_piano"))
    );
}

#[test]
fn hpss_matches_librosa() {
    let y = read_npy::<f32>(fixture("input_piano"));
    let want_h = read_npy::<f32>(fixture("effects_hpss_1_h"));
    let input = tmp("hpss_in.npy");
    let first: ndarray::Array1<f32> = y.iter().take(want_h.len()).copied().collect();
    audio_io::npy::write_npy(&input, &first).unwrap();
    let out = tmp("hpss.npz");
    audio(&[
        "hpss",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--kernel-size",
        "15",
        "--margin",
        "3",
        "--n-fft",
        "1024",
        "--hop-length",
        "256",
    ]);
    let archive = audio_io::npy::read_npz(&out).unwrap();
    let names: Vec<&str> = archive.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["harmonic", "percussive"]);
    for ((_, array), want) in archive.iter().zip(["effects_hpss_1_h", "effects_hpss_1_p"]) {
        match array {
            audio_io::npy::NpyArray::F32(a) => {
                assert_close(want, a, &read_npy::<f32>(fixture(want)), TOL)
            }
            other => panic!("dtype: {other:?}"),
        }
    }
}

#[test]
fn tonnetz_of_a_chromagram_matches_librosa() {
    let out = feature("tonnetz", "chroma_stft24_violin", &[]);
    assert_close(
        "tonnetz",
        &read_npy::<f64>(&out),
        &read_npy::<f32>(fixture("tonnetz_24_violin")).mapv(f64::from),
        TOL,
    );
    // From a signal: librosa's default chroma_cqt first; (6, frames).
    let from_signal = feature("tonnetz", "input_piano", &[]);
    assert_eq!(read_npy::<f64>(&from_signal).shape()[0], 6);
}

#[test]
fn bad_flags_and_inputs_fail_with_one_line() {
    for args in [
        vec!["spectral-rolloff", "--roll-percent", "1.5"],
        vec!["delta", "--width", "4"],
        vec!["stack-memory", "--delay", "0"],
    ] {
        let input = if args[0] == "spectral-rolloff" {
            "input_piano"
        } else {
            "mfcc_piano"
        };
        let out = tmp(&format!("bad-{}.npy", args.join("_")));
        let input = fixture(input);
        let mut full = vec![
            args[0],
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        full.extend_from_slice(&args[1..]);
        let result = run(&full);
        assert!(!result.status.success(), "{args:?} succeeded");
        assert_ne!(result.status.code(), Some(101), "{args:?} panicked");
        assert!(!String::from_utf8_lossy(&result.stderr).trim().is_empty());
        assert!(!out.exists(), "{args:?} left an output");
    }
    // A 1-D signal where delta wants a matrix.
    let out = tmp("delta-1d.npy");
    let input = fixture("input_piano");
    let result = run(&[
        "delta",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    assert_ne!(result.status.code(), Some(101));
}
