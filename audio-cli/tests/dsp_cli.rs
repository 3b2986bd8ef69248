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

/// `audio mu-expand` on int16 codes, as librosa users store them
/// (`librosa.mu_compress(...).astype(np.int16)`): librosa's
/// `mu_expand(quantize=True)` takes any numeric dtype and gives float64 for
/// integer codes. Codes and expected values are librosa's fixtures
/// (`tools/reference/dsp_fixtures.py`, mu = 255).
#[test]
fn mu_expand_takes_int16_codes() {
    use audio_test_fixtures::ndarray_npy::write_npy;
    let codes = read_npy::<i64>(dsp_fixture("mu_compress_q_255_f64.npy"));
    let want = read_npy::<f64>(dsp_fixture("mu_expand_q_255_f64.npy"));
    let as_i16 = codes.mapv(|c| i16::try_from(c).unwrap());
    let input = tmp("codes_i16.npy");
    write_npy(&input, &as_i16).unwrap();
    let out = tmp("expanded_i16.npy");
    let printed = audio(&[
        "mu-expand",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(printed.contains("float64"), "{printed}");
    assert_close("mu-expand int16", &read_npy::<f64>(&out), &want, F64_TOL);
    // uint8 and int32 codes read the same way; integer-valued float64 codes
    // too (float64 out).
    let small = codes.mapv(|c| i32::try_from(c).unwrap());
    write_npy(&input, &small).unwrap();
    audio(&[
        "mu-expand",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_close("mu-expand int32", &read_npy::<f64>(&out), &want, F64_TOL);
    write_npy(&input, &codes.mapv(|c| c as f64)).unwrap();
    audio(&[
        "mu-expand",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_close(
        "mu-expand float codes",
        &read_npy::<f64>(&out),
        &want,
        F64_TOL,
    );
    // Codes that are not integers are refused with a message.
    write_npy(&input, &ndarray::arr1(&[0.5f64])).unwrap();
    let failed = common::run(&[
        "mu-expand",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("integer"));
}

/// The same MFCC flags as `melspectrogram_and_mfcc_match_librosa`.
const MFCC_FLAGS: [&str; 11] = [
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
];

fn mfcc_with(extra: &[&str], name: &str) -> ndarray::ArrayD<f64> {
    let input = dsp_fixture("input_piano.npy");
    let out = tmp(name);
    let mut args = vec!["mfcc", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend(MFCC_FLAGS);
    args.extend(extra);
    audio(&args);
    read_npy::<f64>(&out)
}

/// `audio mfcc --norm ortho` is librosa's `mfcc(norm='ortho')`, the DCT
/// normalisation; `--norm none` is scipy's unnormalised DCT-II, larger by
/// `2·sqrt(N)` in row 0 and `sqrt(2N)` in the other rows (N = 40 mels).
#[test]
fn mfcc_norm_is_the_dct_norm() {
    let ortho = mfcc_with(&["--norm", "ortho"], "mfcc_ortho.npy");
    assert_close(
        "cli mfcc --norm ortho",
        &ortho,
        &read_npy::<f64>(dsp_fixture("mfcc_lifter22_f64.npy")),
        F64_TOL,
    );
    let none = mfcc_with(&["--norm", "none"], "mfcc_none.npy");
    let n = 40.0f64;
    let scale = ndarray::Array1::from_shape_fn(13, |k| {
        if k == 0 {
            2.0 * n.sqrt()
        } else {
            (2.0 * n).sqrt()
        }
    });
    let scaled = &ortho * &scale.insert_axis(ndarray::Axis(1)).into_dyn();
    assert_close("cli mfcc --norm none", &none, &scaled, F64_TOL);
    // `--dct-norm` stays an alias of `--norm`.
    let alias = mfcc_with(&["--dct-norm", "none"], "mfcc_alias.npy");
    assert_eq!(alias, none);
    let bad = common::run(&["mfcc", "x.npy", "-o", "y.npy", "--norm", "slaney"]);
    assert!(!bad.status.success());
}

/// `audio mfcc --mel-norm` is the mel filterbank normalisation: `slaney` is
/// the default, `none` is the filterbank of `MelNorm::None`.
#[test]
fn mfcc_mel_norm_is_the_filter_norm() {
    use audio_dsp::{MelNorm, MfccConfig, Transform};
    let default = mfcc_with(&[], "mfcc_default.npy");
    assert_eq!(
        mfcc_with(&["--mel-norm", "slaney"], "mfcc_slaney.npy"),
        default
    );
    let none = mfcc_with(&["--mel-norm", "none"], "mfcc_melnone.npy");
    let x: Vec<f64> = read_npy::<f64>(dsp_fixture("input_piano.npy"))
        .iter()
        .copied()
        .collect();
    let mut cfg = MfccConfig {
        n_mfcc: 13,
        lifter: 22.0,
        ..MfccConfig::default()
    };
    cfg.mel.stft.n_fft = 1024;
    cfg.mel.stft.hop_length = Some(256);
    cfg.mel.mel.sr = 22050.0;
    cfg.mel.mel.n_mels = 40;
    cfg.mel.mel.htk = true;
    cfg.mel.mel.norm = MelNorm::None;
    let want = audio_dsp::Mfcc::<f64>::new(cfg)
        .unwrap()
        .process(&x)
        .unwrap()
        .into_dyn();
    assert_close("cli mfcc --mel-norm none", &none, &want, F64_TOL);
    let bad = common::run(&[
        "mfcc",
        dsp_fixture("input_piano.npy").to_str().unwrap(),
        "-o",
        tmp("mfcc_bad.npy").to_str().unwrap(),
        "--mel-norm",
        "sideways",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sideways"));
}

/// Norm, reference and `none`-or-number flags are parsed by the library
/// types (`MelNorm`, `PNorm`, `DbReference`) before any file is read.
#[test]
fn bad_norm_and_reference_values_are_rejected_while_parsing() {
    for (args, want) in [
        (
            &["mfcc", "x.npy", "-o", "y.npy", "--mel-norm", "bogus"][..],
            "slaney, none, inf or a positive number",
        ),
        (
            &["chroma-cqt", "x.npy", "-o", "y.npy", "--norm", "0"][..],
            "none, inf or a positive number",
        ),
        (
            &["power-to-db", "x.npy", "-o", "y.npy", "--ref", "loud"][..],
            "max or a number",
        ),
        (
            &["power-to-db", "x.npy", "-o", "y.npy", "--top-db", "lots"][..],
            "expected a number or 'none'",
        ),
    ] {
        let out = common::run(args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("x.npy"), "parsed before reading: {err}");
    }
}
