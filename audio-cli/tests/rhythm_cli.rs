//! The rhythm subcommands end to end: librosa-named flags in, librosa's
//! shapes, dtypes and values out (fixtures from
//! `tools/reference/dsp_rhythm_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

mod common;

use audio_io::npy::{read_npz, NpyArray};
use audio_test_fixtures::serde_json::Value;
use audio_test_fixtures::{assert_close, read_json, read_npy};
use common::{run, run_ok as audio, tmp};
use ndarray::s;
use num_complex::Complex;

/// The library's fixture tolerance (1e-5 of the peak).
const TOL: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    common::repo("audio-dsp/tests/fixtures/rhythm").join(format!("{name}.npy"))
}

fn cases() -> Value {
    read_json(common::repo("audio-dsp/tests/fixtures/rhythm/cases.json"))
}

/// Runs `audio <command> <fixture input> -o OUT <flags>` and returns OUT.
fn rhythm(command: &str, input: &str, flags: &[&str], ext: &str) -> PathBuf {
    let out = tmp(&format!("{command}-{input}-{}.{ext}", flags.join("_")));
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

fn beats_of(case: &Value) -> Vec<i64> {
    case["beats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_i64().unwrap())
        .collect()
}

#[test]
fn tempograms_match_librosa() {
    // From librosa's onset envelope: the library's numbers.
    let out = rhythm(
        "tempogram",
        "onset_mean_violin",
        &["--onset-envelope", "--win-length", "256", "--norm", "none"],
        "npy",
    );
    let tg = read_npy::<f64>(&out);
    assert_eq!(tg.shape()[0], 256);
    let tg = tg.slice(s![.., ..;7]).mapv(|v| v as f32).into_dyn();
    assert_close(
        "tempogram",
        &tg,
        &read_npy::<f32>(fixture("tempogram_1_violin")),
        TOL,
    );
    // From the signal: our onset envelope (mean over mel bands) inside.
    let out = rhythm("tempogram", "input_piano", &[], "npy");
    let tg = read_npy::<f64>(&out)
        .slice(s![.., ..;7])
        .mapv(|v| v as f32)
        .into_dyn();
    assert_close(
        "tempogram from y",
        &tg,
        &read_npy::<f32>(fixture("tempogram_0_piano")),
        TOL,
    );
    let out = rhythm(
        "fourier-tempogram",
        "onset_mean_h256_violin",
        &[
            "--onset-envelope",
            "--hop-length",
            "256",
            "--no-center",
            "--window",
            "hamming",
        ],
        "npy",
    );
    let ftg = read_npy::<Complex<f32>>(&out)
        .slice(s![.., ..;7])
        .to_owned()
        .into_dyn();
    assert_close(
        "fourier_tempogram",
        &ftg,
        &read_npy::<Complex<f32>>(fixture("fourier_tempogram_2_violin")),
        TOL,
    );
}

#[test]
fn tempo_and_beats_match_librosa() {
    let cases = cases();
    let out = rhythm("tempo", "input_violin", &[], "npy");
    assert_eq!(
        read_npy::<f64>(&out),
        read_npy::<f64>(fixture("tempo_0_violin"))
    );
    let out = rhythm(
        "tempo",
        "onset_mean_piano",
        &["--onset-envelope", "--aggregate", "none"],
        "npy",
    );
    assert_eq!(
        read_npy::<f64>(&out),
        read_npy::<f64>(fixture("tempo_2_piano"))
    );

    for input in ["piano", "violin"] {
        let want = cases["beat_track"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["input"] == input && c["onset"] == "signal")
            .unwrap();
        let out = rhythm("beat-track", &format!("input_{input}"), &[], "npz");
        let archive = read_npz(&out).unwrap();
        let names: Vec<&str> = archive.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["tempo", "beats"]);
        match (&archive[0].1, &archive[1].1) {
            (NpyArray::F64(tempo), NpyArray::I64(beats)) => {
                assert_eq!(tempo.as_slice().unwrap(), [want["tempo"].as_f64().unwrap()]);
                assert_eq!(
                    beats.as_slice().unwrap(),
                    beats_of(want).as_slice(),
                    "{input}"
                );
            }
            other => panic!("dtypes: {other:?}"),
        }
        let out = rhythm(
            "beat-track",
            &format!("input_{input}"),
            &["--units", "time"],
            "npz",
        );
        match &read_npz(&out).unwrap()[1].1 {
            NpyArray::F64(times) => {
                for (t, w) in times.iter().zip(want["times"].as_array().unwrap()) {
                    assert!((t - w.as_f64().unwrap()).abs() < 1e-12);
                }
            }
            other => panic!("dtype: {other:?}"),
        }
    }
    // Flags: a fixed tempo and tightness, on librosa's envelope.
    let want = cases["beat_track"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["input"] == "violin" && c["params"]["bpm"] == 100.0)
        .unwrap();
    let out = rhythm(
        "beat-track",
        "onset_median_violin",
        &["--onset-envelope", "--bpm", "100", "--tightness", "50"],
        "npz",
    );
    match &read_npz(&out).unwrap()[1].1 {
        NpyArray::I64(beats) => assert_eq!(beats.as_slice().unwrap(), beats_of(want).as_slice()),
        other => panic!("dtype: {other:?}"),
    }
}

#[test]
fn plp_and_remix_match_librosa() {
    let out = rhythm(
        "plp",
        "onset_median_piano",
        &[
            "--onset-envelope",
            "--tempo-min",
            "60",
            "--tempo-max",
            "180",
        ],
        "npy",
    );
    assert_close(
        "plp",
        &read_npy::<f32>(&out),
        &read_npy::<f32>(fixture("plp_1_piano")),
        TOL,
    );
    let out = rhythm("plp", "input_violin", &[], "npy");
    assert_close(
        "plp from y",
        &read_npy::<f32>(&out),
        &read_npy::<f32>(fixture("plp_0_violin")),
        TOL,
    );
    let out = rhythm(
        "remix",
        "input_violin",
        &["--intervals", "44100:88200,0:22050,132300:150000"],
        "npy",
    );
    assert_eq!(read_npy::<f32>(&out), read_npy::<f32>(fixture("remix_0")));
}

#[test]
fn bad_rhythm_flags_are_clear_errors() {
    let input = fixture("input_violin");
    for (command, flags, needle) in [
        ("beat-track", vec!["--units", "bars"], "units"),
        ("beat-track", vec!["--tightness", "0"], "tightness"),
        ("tempo", vec!["--aggregate", "mode"], "aggregate"),
        (
            "plp",
            vec!["--tempo-min", "200", "--tempo-max", "100"],
            "tempo_max",
        ),
        ("remix", vec!["--intervals", "5-9"], "intervals"),
        ("tempogram", vec!["--win-length", "0"], "win_length"),
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
