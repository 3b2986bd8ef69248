//! `audio eval <music task>` on mir_eval's own regression files (kept in
//! `audio-eval/tests/fixtures/mir_eval/`): the JSON printed must hold
//! mir_eval's keys with the stored values.

mod common;

use std::path::PathBuf;

use audio_test_fixtures::read_json;

/// mir_eval's test tolerance (`A_TOL`), absolute.
const MIR_EVAL_A_TOL: f64 = 1e-12;

fn mir_eval_dir(task: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../audio-eval/tests/fixtures/mir_eval")
        .join(task)
}

fn run_task(task: &str, subcommand: &str, case: &str, extra: &[&str]) {
    let dir = mir_eval_dir(task);
    let out = common::tmp(&format!("eval-{subcommand}-{case}.json"));
    let status = common::audio_command()
        .args(["eval", subcommand, "--reference"])
        .arg(dir.join(format!("ref{case}.txt")))
        .arg("--estimate")
        .arg(dir.join(format!("est{case}.txt")))
        .arg("--json")
        .arg(&out)
        .args(extra)
        .status()
        .expect("running audio");
    assert!(status.success(), "audio eval {subcommand} failed");
    let ours = read_json(&out);
    let want = read_json(dir.join(format!("output{case}.json")));
    let (ours, want) = (
        ours.as_object().expect("object"),
        want.as_object().expect("object"),
    );
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{subcommand}: keys differ"
    );
    for (k, v) in want {
        let (a, b) = (
            ours[k].as_f64().expect("number"),
            v.as_f64().expect("number"),
        );
        assert!(
            (a - b).abs() <= MIR_EVAL_A_TOL,
            "{subcommand} {k}: {a} vs {b}"
        );
    }
}

#[test]
fn every_music_task_prints_mir_eval_scores() {
    run_task("transcription", "transcription", "03", &[]);
    run_task("transcription_velocity", "transcription-velocity", "3", &[]);
    run_task("multipitch", "multipitch", "02", &[]);
    run_task("onset", "onset", "04", &[]);
    run_task("melody", "melody", "05", &[]);
    run_task("beat", "beat", "06", &[]);
    run_task("key", "key", "07", &[]);
}

#[test]
fn onset_only_transcription_and_bad_files() {
    let dir = mir_eval_dir("transcription");
    let output = common::audio_command()
        .args([
            "eval",
            "transcription",
            "--offset-ratio",
            "none",
            "--reference",
        ])
        .arg(dir.join("ref00.txt"))
        .arg("--estimate")
        .arg(dir.join("est00.txt"))
        .output()
        .expect("running audio");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("\"F-measure_no_offset\""));
    assert!(!text.contains("\"Offset_F-measure\""));
    // A malformed file is a clean error naming the file and line.
    let bad = common::tmp("eval-bad-notes.txt");
    std::fs::write(&bad, "0.1 0.5 440\n0.2 oops 220\n").expect("write");
    let output = common::audio_command()
        .args(["eval", "transcription", "--reference"])
        .arg(&bad)
        .arg("--estimate")
        .arg(dir.join("est00.txt"))
        .output()
        .expect("running audio");
    assert!(!output.status.success());
    let err = String::from_utf8(output.stderr).expect("utf-8");
    assert!(err.contains("line 2"), "{err}");
}

/// `audio eval classification` prints scikit-learn's scores with the CLI's
/// JSON layout: one key per line, lists inline, floats as Python's `repr`.
#[test]
fn classification_prints_python_json() {
    // In this test binary's scratch folder, which the next run clears
    // (the files used to pile up in the system's temporary folder).
    let (truth, pred) = (common::tmp("cls-truth.txt"), common::tmp("cls-pred.txt"));
    std::fs::write(&truth, "cat\ndog\n# a comment\ndog\n").expect("write");
    std::fs::write(&pred, "cat\ncat\ndog\n").expect("write");
    let output = common::audio_command()
        .args(["eval", "classification", "--reference"])
        .arg(&truth)
        .arg("--estimate")
        .arg(&pred)
        .output()
        .expect("running audio");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        r#"{
  "Accuracy": 0.6666666666666666,
  "Macro Precision": 0.75,
  "Macro Recall": 0.75,
  "Macro F1": 0.6666666666666666,
  "Classes": ["cat", "dog"],
  "Confusion": [[1, 0], [1, 1]],
  "Precision": [0.5, 1.0],
  "Recall": [1.0, 0.5],
  "F1": [0.6666666666666666, 0.6666666666666666],
  "Support": [1, 2]
}
"#
    );
}
