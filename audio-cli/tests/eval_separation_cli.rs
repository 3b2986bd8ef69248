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

/// Writes `(channels, frames)` stems as 16-bit WAVs; returns their paths.
fn write_stems(tag: &str, stems: &[ndarray::Array2<f32>]) -> Vec<String> {
    stems
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let path = common::tmp(&format!("{tag}_{k}.wav"));
            let audio = audio_io::Audio {
                samples: a.clone(),
                sample_rate: 44_100,
            };
            let bytes =
                audio_io::wav::write_wav_to_vec(&audio, &audio_io::wav::WavWriteOptions::default())
                    .unwrap();
            std::fs::write(&path, bytes).unwrap();
            path.to_str().unwrap().to_string()
        })
        .collect()
}

/// `(sources, samples, channels)` f64 of WAV files read whole.
fn read_whole(paths: &[String]) -> ndarray::Array3<f64> {
    let audio: Vec<ndarray::Array2<f64>> = paths
        .iter()
        .map(|p| {
            audio_io::wav::read_wav_as::<f64, _>(std::fs::File::open(p).unwrap())
                .unwrap()
                .samples
        })
        .collect();
    let (nch, len) = audio[0].dim();
    ndarray::Array3::from_shape_fn((audio.len(), len, nch), |(s, t, c)| audio[s][[c, t]])
}

#[test]
fn streamed_stems_score_as_the_whole_files_do() {
    use audio_eval::separation::{
        bss_eval_images, bss_eval_sources, evaluate, BssEvalReport, MusevalConfig, MusevalReport,
    };
    // Two stereo sources of 3 s (more than one of the passes' read blocks).
    let len = 3 * 44_100;
    let source = |s: usize| {
        ndarray::Array2::from_shape_fn((2, len), |(c, t)| {
            let x = t as f32 / 44_100.0;
            let noise = ((t * 7919 + 31 * s + 5 * c) % 1013) as f32 / 1013.0 - 0.5;
            0.3 * (2.0 * std::f32::consts::PI * (220.0 + 110.0 * s as f32) * x + c as f32).sin()
                + 0.05 * noise
        })
    };
    let refs = [source(0), source(1)];
    let ests: Vec<ndarray::Array2<f32>> = (0..2)
        .map(|s| refs[s].mapv(|v| 0.8 * v) + refs[1 - s].mapv(|v| 0.1 * v))
        .collect();
    let ref_paths = write_stems("stream_ref", &refs);
    let est_paths = write_stems("stream_est", &ests);
    let (r, e) = (read_whole(&ref_paths), read_whole(&est_paths));
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = ["eval", "separation"].map(String::from).to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push("--reference".into());
        args.extend(ref_paths.iter().cloned());
        args.push("--estimate".into());
        args.extend(est_paths.iter().cloned());
        let out = common::audio_command().args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // museval v4, 1 s windows.
    let config = MusevalConfig::default();
    let scores = evaluate(r.view(), e.view(), &config).unwrap();
    let names = ["stream_est_0".to_string(), "stream_est_1".to_string()];
    let want = MusevalReport::new(&scores, config.version, &names, 44_100)
        .unwrap()
        .to_json()
        .unwrap();
    assert_eq!(run(&["--museval"]).trim(), want.trim());
    // bss_eval_images and bss_eval_sources (channel mean), with permutation.
    let images = BssEvalReport::Images(bss_eval_images(r.view(), e.view(), true).unwrap());
    assert_eq!(run(&["--images"]).trim(), images.to_json().unwrap().trim());
    let (rm, em) = (
        r.mean_axis(ndarray::Axis(2)).unwrap(),
        e.mean_axis(ndarray::Axis(2)).unwrap(),
    );
    let sources = BssEvalReport::Sources(bss_eval_sources(rm.view(), em.view(), true).unwrap());
    assert_eq!(run(&[]).trim(), sources.to_json().unwrap().trim());
    for p in ref_paths.iter().chain(&est_paths) {
        std::fs::remove_file(p).ok();
    }
}
