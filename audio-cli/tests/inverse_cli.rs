//! The feature-inverse subcommands end to end: librosa-named flags in,
//! librosa's shapes, dtypes and values out (fixtures from
//! `tools/reference/dsp_inverse_fixtures.py`; the tolerances, and why some
//! are looser than 1e-5, are those of `audio-dsp/tests/inverse_fixtures.rs`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_test_fixtures::serde_json::Value;
use audio_test_fixtures::{read_json, read_npy, relative_error};
use common::{run, run_ok as audio, tmp};

/// The library's fixture tolerance (1e-5 of the peak).
const TOL: f64 = 1e-5;
/// mel_to_stft's `S` for `power > 1` (audio-dsp's `ROOT_TOL`: the root of
/// near-zero bins magnifies the float32 start point's rounding; measured
/// up to 2.5e-4).
const ROOT_TOL: f64 = 5e-4;
/// float32 mel_to_audio (audio-dsp's `MEL_TO_AUDIO_F32_TOL`: librosa's
/// float32 Griffin-Lim; measured up to 1.2e-2, librosa's own float32 and
/// float64 pipelines 1.1e-2 apart).
const MEL_TO_AUDIO_F32_TOL: f64 = 2e-2;
/// float32 mfcc_to_audio (audio-dsp's `MFCC_TO_AUDIO_F32_TOL`; measured up
/// to 7.5e-2, librosa's own float32 and float64 pipelines 7.7e-2 apart).
const MFCC_TO_AUDIO_F32_TOL: f64 = 1e-1;

fn fixture(name: &Value) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures/inverse").join(format!("{}.npy", name.as_str().unwrap()))
}

fn cases(kind: &str) -> Vec<Value> {
    read_json(common::repo("audio-dsp/tests/fixtures/inverse/cases.json"))[kind]
        .as_array()
        .unwrap()
        .clone()
}

fn is_f64(case: &Value) -> bool {
    case["dtype"] == "float64"
}

/// Runs `audio <command> <input> -o OUT <flags>` and returns OUT.
fn invert(command: &str, input: &Value, case: &Value, flags: &[String]) -> PathBuf {
    let out = tmp(&format!(
        "{command}-{}-{}.npy",
        case["name"].as_str().unwrap(),
        case["input"].as_str().unwrap()
    ));
    let input = fixture(input);
    let mut args = vec![
        command,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(flags.iter().map(String::as_str));
    audio(&args);
    out
}

/// Compares a float32 or float64 output with its fixture.
fn error(out: &PathBuf, case: &Value, dtype: &str) -> f64 {
    if dtype == "float64" {
        relative_error(
            &read_npy::<f64>(out),
            &read_npy::<f64>(fixture(&case["out"])),
        )
    } else {
        relative_error(
            &read_npy::<f32>(out),
            &read_npy::<f32>(fixture(&case["out"])),
        )
    }
}

fn flag(flags: &mut Vec<String>, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(true) => flags.push(format!("--{name}")),
        Value::Bool(false) => {}
        Value::String(s) => flags.extend([format!("--{name}"), s.clone()]),
        v => flags.extend([format!("--{name}"), v.to_string()]),
    }
}

/// `--n-fft`, `--power`, `--htk`, `--fmin`, `--fmax` and (for the mel
/// cases) `--norm` of the filterbank.
fn mel_flags(p: &Value, filterbank_norm: bool) -> Vec<String> {
    let mut flags = Vec::new();
    for key in ["n_fft", "power", "htk", "fmin", "fmax"] {
        flag(&mut flags, &key.replace('_', "-"), &p[key]);
    }
    if filterbank_norm {
        match p.get("norm") {
            Some(Value::Null) => flags.extend(["--norm".into(), "none".into()]),
            Some(v) => flag(&mut flags, "norm", v),
            None => {}
        }
    }
    flags
}

fn griffin_lim_flags(case: &Value) -> Vec<String> {
    let gl = &case["params"]["gl"];
    let mut flags = Vec::new();
    for key in [
        "hop_length",
        "win_length",
        "window",
        "pad_mode",
        "n_iter",
        "length",
    ] {
        flag(&mut flags, &key.replace('_', "-"), &gl[key]);
    }
    if gl["center"] == Value::Bool(false) {
        flags.push("--no-center".into());
    }
    flags.extend(["--dtype".into(), case["out_dtype"].as_str().unwrap().into()]);
    flags
}

fn mfcc_flags(p: &Value) -> Vec<String> {
    let mut flags = Vec::new();
    let n_mels = if p["inverse_n_mels"].is_null() {
        &p["n_mels"]
    } else {
        &p["inverse_n_mels"]
    };
    flag(&mut flags, "n-mels", n_mels);
    flag(&mut flags, "dct-type", &p["dct_type"]);
    flags.extend(["--norm".into(), p["norm"].as_str().unwrap_or("none").into()]);
    flag(&mut flags, "ref", &p["ref"]);
    flag(&mut flags, "lifter", &p["lifter"]);
    flags
}

#[test]
fn mel_to_stft_matches_librosa() {
    // The well-conditioned cases (audio-dsp's test documents the one
    // ill-conditioned violin case, whose run stops elsewhere).
    for case in cases("mel_to_stft") {
        if case["name"] == "n512_m40_htk_fmin_fmax_nonorm" && case["input"] == "violin" {
            continue;
        }
        let p = &case["params"];
        let out = invert("mel-to-stft", &case["mel"], &case, &mel_flags(p, true));
        let err = error(&out, &case, case["dtype"].as_str().unwrap());
        let tol = if p["power"].as_f64() == Some(1.0) {
            TOL
        } else {
            ROOT_TOL
        };
        assert!(err <= tol, "{case}: {err:e}");
    }
}

#[test]
fn mfcc_to_mel_matches_librosa() {
    for case in cases("mfcc_to_mel") {
        let out = invert(
            "mfcc-to-mel",
            &case["mfcc"],
            &case,
            &mfcc_flags(&case["params"]),
        );
        let err = error(&out, &case, case["dtype"].as_str().unwrap());
        assert!(err <= TOL, "{case}: {err:e}");
    }
}

#[test]
fn mel_to_audio_matches_librosa() {
    for case in cases("mel_to_audio") {
        let mut flags = mel_flags(&case["params"], true);
        flags.extend(griffin_lim_flags(&case));
        let out = invert("mel-to-audio", &case["mel"], &case, &flags);
        let err = error(&out, &case, case["out_dtype"].as_str().unwrap());
        let tol = if is_f64(&case) {
            TOL
        } else {
            MEL_TO_AUDIO_F32_TOL
        };
        assert!(err <= tol, "{case}: {err:e}");
    }
}

#[test]
fn mfcc_to_audio_matches_librosa() {
    for case in cases("mfcc_to_audio") {
        let p = &case["params"];
        let mut flags = mfcc_flags(p);
        flags.extend(mel_flags(p, false));
        flags.extend(griffin_lim_flags(&case));
        let out = invert("mfcc-to-audio", &case["mfcc"], &case, &flags);
        let err = error(&out, &case, case["out_dtype"].as_str().unwrap());
        let tol = if is_f64(&case) {
            TOL
        } else {
            MFCC_TO_AUDIO_F32_TOL
        };
        assert!(err <= tol, "{case}: {err:e}");
    }
}

#[test]
fn bad_inverse_inputs_are_clear_errors() {
    let mel = fixture(&Value::from("mel_to_stft_input_default_piano"));
    let mfcc = fixture(&Value::from("mfcc_to_mel_input_default_piano"));
    // A 1-D array where a 2-D one is expected.
    let signal = fixture(&Value::from("mel_to_audio_default_piano"));
    for (command, input, flags, needle) in [
        ("mel-to-stft", &signal, vec![], "2-D mel spectrogram"),
        ("mel-to-audio", &mel, vec!["--power", "0"], "power"),
        ("mfcc-to-mel", &mfcc, vec!["--lifter", "-1"], "lifter"),
        ("mfcc-to-audio", &mfcc, vec!["--dct-type", "4"], "dct_type"),
        ("mel-to-audio", &mel, vec!["--init", "zeros"], "init"),
        ("mfcc-to-audio", &signal, vec![], "2-D MFCC array"),
    ] {
        let out_path = tmp(&format!("bad-{command}.npy"));
        let mut args = vec![
            command,
            input.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ];
        args.extend_from_slice(&flags);
        let out = run(&args);
        assert!(!out.status.success(), "{command} {flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{command}: {stderr}");
    }
}
