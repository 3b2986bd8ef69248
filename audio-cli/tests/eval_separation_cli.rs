//! `audio eval separation` end to end on mir_eval's own separation test case
//! (copied into audio-eval's fixtures with its MIT licence): the JSON it
//! writes holds mir_eval's stored `bss_eval_sources` scores and permutation.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::{Path, PathBuf};

use audio_test_fixtures::{read_json, serde_json::Value};

/// mir_eval's own test tolerance for the separation metrics
/// (`tests/test_separation.py` compares with `A_TOL = 1e-2`).
const MIR_EVAL_SEPARATION_TOL: f64 = 1e-2;

fn case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio-eval/tests/fixtures/mir_eval/separation")
}

fn wavs(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    files.sort();
    files
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn sources_scores_match_mir_eval_stored_output() {
    let out = common::tmp("sources_scores.json");
    let mut args = vec![
        "eval".to_string(),
        "separation".to_string(),
        "--reference".to_string(),
    ];
    args.extend(wavs(&case_dir().join("ref02")));
    args.push("--estimate".into());
    args.extend(wavs(&case_dir().join("est02")));
    args.extend(["--json".to_string(), out.to_str().unwrap().to_string()]);
    let status = common::audio_command().args(&args).status().unwrap();
    assert!(status.success());
    let got = read_json(&out);
    let want = read_json(case_dir().join("output02.json"));
    for key in [
        "Source to Distortion",
        "Source to Interference",
        "Source to Artifact",
        "Source permutation",
    ] {
        let (g, w) = (
            numbers(&got[format!("Sources - {key}")]),
            numbers(&want["Sources"][key]),
        );
        assert_eq!(g.len(), w.len(), "{key}");
        for (a, b) in g.iter().zip(&w) {
            assert!(
                (a - b).abs() <= MIR_EVAL_SEPARATION_TOL,
                "{key}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn mismatched_stem_counts_fail_with_a_message() {
    let refs = wavs(&case_dir().join("ref02"));
    let ests = wavs(&case_dir().join("est02"));
    let out = common::audio_command()
        .args([
            "eval",
            "separation",
            "--reference",
            &refs[0],
            &refs[1],
            "--estimate",
            &ests[0],
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!out.stderr.is_empty());
}

#[test]
fn museval_report_is_museval_track_json() {
    let mut args = vec![
        "eval".to_string(),
        "separation".to_string(),
        "--museval".to_string(),
        "--window".to_string(),
        "4000".to_string(),
        "--hop".to_string(),
        "4000".to_string(),
        "--reference".to_string(),
    ];
    args.extend(wavs(&case_dir().join("ref02")));
    args.push("--estimate".into());
    args.extend(wavs(&case_dir().join("est02")));
    let out = common::audio_command().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // museval's TrackStore layout: json.dumps(indent=2).
    assert!(
        text.starts_with(
            "{\n  \"mode\": \"v4\",\n  \"win\": 4000,\n  \"hop\": 4000,\n  \"targets\": [\n    {\n      \"name\": \"0\",\n      \"frames\": [\n        {\n          \"time\": 0.0,\n          \"duration\": 0.5,\n          \"metrics\": {\n            \"SDR\": "
        ),
        "{text}"
    );
    // Two windows of 0.5 s at 8 kHz for each of the three targets.
    assert_eq!(text.matches("\"time\": 0.5,").count(), 3);
    assert_eq!(text.matches("\"median\": {").count(), 3);
    assert!(text.contains("\"name\": \"2\""));
}
