//! The `audio` dsp subcommands end to end: librosa-named flags in, arrays with
//! librosa's shapes, dtypes and values out (fixtures from
//! `tools/reference/dsp_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_test_fixtures::{assert_close, read_npy};
use common::{run_ok as audio, tmp};
use num_complex::Complex;

/// Same bound as audio-dsp's own fixture tests for f64 (the CLI adds no
/// arithmetic of its own).
const F64_TOL: f64 = 1e-9;

fn dsp_fixture(name: &str) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures").join(name)
}

#[test]
fn stft_flags_and_output_match_librosa() {
    let out = tmp("stft.npy");
    let input = dsp_fixture("input_piano.npy");
    audio(&[
        "stft",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--n-fft",
        "511",
        "--hop-length",
        "128",
        "--win-length",
        "400",
        "--window",
        "blackman",
        "--pad-mode",
        "reflect",
    ]);
    assert_close(
        "cli stft",
        &read_npy::<Complex<f64>>(&out),
        &read_npy::<Complex<f64>>(dsp_fixture("stft_odd_reflect_f64.npy")),
        F64_TOL,
    );
}

#[test]
fn melspectrogram_and_mfcc_match_librosa() {
    let input = dsp_fixture("input_piano.npy");
    let mel = tmp("mel.npy");
    audio(&[
        "melspectrogram",
        input.to_str().unwrap(),
        "-o",
        mel.to_str().unwrap(),
    ]);
    assert_close(
        "cli melspectrogram",
        &read_npy::<f64>(&mel),
        &read_npy::<f64>(dsp_fixture("melspec_default_f64.npy")),
        F64_TOL,
    );
    let mfcc = tmp("mfcc.npy");
    audio(&[
        "mfcc",
        input.to_str().unwrap(),
        "-o",
        mfcc.to_str().unwrap(),
        "--n-mfcc",
        "13",
        "--lifter",
        "22",
        "--n-fft",
        "1024",
        "--hop-length",
        "256",
        "--n-mels",
        "40",
        "--htk",
    ]);
    assert_close(
        "cli mfcc",
        &read_npy::<f64>(&mfcc),
        &read_npy::<f64>(dsp_fixture("mfcc_lifter22_f64.npy")),
        F64_TOL,
    );
}

#[test]
fn power_to_db_with_ref_max_matches_librosa() {
    let out = tmp("db.npy");
    let input = dsp_fixture("db_input_power_f64.npy");
    audio(&[
        "power-to-db",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--ref",
        "max",
        "--top-db",
        "none",
    ]);
    assert_close(
        "cli power-to-db",
        &read_npy::<f64>(&out),
        &read_npy::<f64>(dsp_fixture("power_to_db_refmax_notop_f64.npy")),
        F64_TOL,
    );
}

#[test]
fn main_job_on_the_bundled_recording_writes_float32_mel() {
    let out = tmp("piano_mel.npy");
    let wav = common::repo("assets/audio/piano.wav");
    let printed = audio(&[
        "melspectrogram",
        wav.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(printed.contains("float32 [128, 937]"), "{printed}");
    let mel = read_npy::<f32>(&out);
    assert_eq!(mel.shape(), &[128, 937]);
    assert!(mel.iter().all(|v| v.is_finite() && *v >= 0.0));
}

#[test]
fn bad_flags_fail_with_a_message() {
    let out = common::audio_command()
        .args([
            "stft",
            dsp_fixture("input_piano.npy").to_str().unwrap(),
            "-o",
            "/dev/null",
            "--n-fft",
            "0",
        ])
        .output()
        .expect("run audio");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("n_fft"));
}

/// `audio resample --res-type fft` on a `.npy` signal is scipy.signal.resample
/// (librosa's `res_type="fft"`); same bound as audio-dsp's own test.
const RESAMPLE_FFT_TOL: f64 = 1e-6;

#[test]
fn resample_fft_matches_librosa() {
    let out = tmp("resampled.npy");
    let input = dsp_fixture("resample/piano22k.npy");
    audio(&[
        "resample",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--orig-sr",
        "22050",
        "--target-sr",
        "16000",
        "--res-type",
        "fft",
    ]);
    let got = read_npy::<f32>(&out);
    let want = read_npy::<f32>(dsp_fixture("resample/fft_22050_16000.npy"));
    assert_close("resample fft", &got, &want, RESAMPLE_FFT_TOL);
    // A .npy signal without its rate is refused with a message.
    let failed = common::audio_command()
        .args(["resample", input.to_str().unwrap(), "-o", "x.npy"])
        .args(["--target-sr", "16000"])
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("orig_sr"));
}
