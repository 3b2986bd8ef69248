//! The `audio` chroma / onset / pitch / key subcommands end to end on the
//! bundled recordings: the same numbers as audio-dsp's librosa fixtures
//! (`tools/reference/dsp_onset_pitch_fixtures.py`) and the key renders
//! (`tools/reference/make_key_renders.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_test_fixtures::{assert_close, read_json, read_npy};
use common::{run_ok as audio, tmp};

/// audio-dsp's fixture tests hold these to 1e-6 (librosa's f32 filterbanks);
/// the CLI adds no arithmetic, but it loads WAVs as f32 (audio_io::load),
/// which rounds the 16-bit samples exactly, so the bound is the same.
const ONSET_TOL: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures").join(name)
}

fn asset(name: &str) -> PathBuf {
    common::repo("assets/audio").join(name)
}

#[test]
fn onset_strength_and_detect_match_librosa() {
    let piano = asset("piano.wav");
    let env = tmp("env.npy");
    audio(&[
        "onset-strength",
        piano.to_str().unwrap(),
        "-o",
        env.to_str().unwrap(),
        "--lag",
        "2",
        "--max-size",
        "3",
    ]);
    let got = read_npy::<f32>(&env).mapv(f64::from);
    let want = read_npy::<f64>(fixture("onset_pitch/onset_strength_lag2_max3.npy"));
    assert_close("onset-strength", &got, &want, ONSET_TOL);

    let onsets = tmp("onsets.npy");
    audio(&[
        "onset-detect",
        piano.to_str().unwrap(),
        "-o",
        onsets.to_str().unwrap(),
    ]);
    let got: Vec<i64> = read_npy::<i64>(&onsets).iter().copied().collect();
    let want: Vec<i64> = read_npy::<i64>(fixture("onset_pitch/onset_detect_signal.npy"))
        .iter()
        .copied()
        .collect();
    assert_eq!(got, want);
}

#[test]
fn pyin_writes_three_arrays() {
    let violin = asset("violin_melody.wav");
    let (f0, flag, prob) = (tmp("f0.npy"), tmp("flag.npy"), tmp("prob.npy"));
    audio(&[
        "pyin",
        violin.to_str().unwrap(),
        "-o",
        f0.to_str().unwrap(),
        "--voiced-flag",
        flag.to_str().unwrap(),
        "--voiced-prob",
        prob.to_str().unwrap(),
    ]);
    let f0 = read_npy::<f64>(&f0);
    let want_f0 = read_npy::<f64>(fixture("onset_pitch/pyin_default_f0.npy"));
    let flag = read_npy::<u8>(&flag);
    let want_flag = read_npy::<u8>(fixture("onset_pitch/pyin_default_voiced.npy"));
    assert_eq!(f0.len(), want_f0.len());
    let agree = flag
        .iter()
        .zip(want_flag.iter())
        .filter(|(a, b)| a == b)
        .count();
    assert!(agree as f64 >= 0.99 * want_flag.len() as f64);
    for ((a, b), v) in f0.iter().zip(want_f0.iter()).zip(flag.iter()) {
        if *v == 1 && b.is_finite() {
            assert!((1200.0 * (a / b).log2()).abs() < 1.0, "{a} vs {b}");
        }
    }
    assert_eq!(read_npy::<f64>(&prob).len(), f0.len());

    let yin = tmp("yin.npy");
    audio(&["yin", violin.to_str().unwrap(), "-o", yin.to_str().unwrap()]);
    assert_eq!(read_npy::<f64>(&yin).len(), f0.len());
}

#[test]
fn estimate_key_prints_the_key() {
    let dir = fixture("key");
    let meta = read_json(dir.join("keys.json"));
    for case in meta["cases"].as_array().unwrap().iter().take(4) {
        let wav = dir.join(case["wav"].as_str().unwrap());
        let text = audio(&["estimate-key", wav.to_str().unwrap(), "--sr", "11025"]);
        let json: audio_test_fixtures::serde_json::Value =
            audio_test_fixtures::serde_json::from_str(&text).unwrap();
        assert_eq!(json["tonic"], case["tonic"], "{text}");
        assert_eq!(json["mode"], case["mode"], "{text}");
        assert_eq!(json["scores"]["major"].as_array().unwrap().len(), 12);
    }
    let chroma = tmp("chroma.npy");
    let wav = dir.join(meta["cases"][0]["wav"].as_str().unwrap());
    audio(&[
        "chroma-stft",
        wav.to_str().unwrap(),
        "-o",
        chroma.to_str().unwrap(),
        "--sr",
        "11025",
    ]);
    let text = audio(&["estimate-key", chroma.to_str().unwrap()]);
    assert!(
        text.contains(&format!("\"tonic\": {}", meta["cases"][0]["tonic"])),
        "{text}"
    );
}

#[test]
fn bad_pitch_parameters_fail_cleanly() {
    let violin = asset("violin_melody.wav");
    let out = common::audio_command()
        .args([
            "yin",
            violin.to_str().unwrap(),
            "-o",
            tmp("bad.npy").to_str().unwrap(),
            "--fmax",
            "20000",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fmax"));
}
