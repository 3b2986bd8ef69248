//! Every regression case of mir_eval's own test data for the music tasks
//! (copied from mir_eval's `tests/data/<task>/`, MIT licence, see
//! `tests/fixtures/mir_eval/LICENSE`) must reproduce the stored
//! `evaluate()` output.
//!
//! mir_eval's tests compare with `A_TOL = 1e-12` (absolute). We assert the
//! same absolute bound and nothing looser: every key of the stored JSON must
//! be present, with `|ours − mir_eval| <= 1e-12`.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};

use audio_eval::annotations::{
    parse_events, parse_key, parse_ragged_time_series, parse_time_series, parse_valued_intervals,
    parse_velocity_notes,
};
use audio_eval::beat::BeatConfig;
use audio_eval::melody::MelodyConfig;
use audio_eval::transcription::TranscriptionConfig;
use audio_test_fixtures::{fixtures_dir, read_json};

/// mir_eval's `A_TOL` in `tests/test_<task>.py` (absolute).
const MIR_EVAL_A_TOL: f64 = 1e-12;

fn task_dir(task: &str) -> PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR"))
        .join("mir_eval")
        .join(task)
}

/// `(ref, est, output)` triples as mir_eval's tests zip the sorted globs
/// `ref*.txt`, `est*.txt`, `output*.json`.
fn cases(task: &str) -> Vec<(PathBuf, PathBuf, PathBuf)> {
    let dir = task_dir(task);
    let list = |prefix: &str, ext: &str| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_str().unwrap();
                name.starts_with(prefix) && name.ends_with(ext)
            })
            .collect();
        v.sort();
        v
    };
    let (r, e, o) = (
        list("ref", ".txt"),
        list("est", ".txt"),
        list("output", ".json"),
    );
    assert!(!r.is_empty(), "no fixtures for {task}");
    assert_eq!(r.len(), e.len());
    assert_eq!(r.len(), o.len());
    r.into_iter()
        .zip(e)
        .zip(o)
        .map(|((r, e), o)| (r, e, o))
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Compares our `(key, value)` pairs with the stored dictionary; returns the
/// largest absolute difference.
fn check(case: &Path, ours: &[(&str, f64)], expected: &serde_json::Value) -> f64 {
    let map = expected.as_object().unwrap();
    assert_eq!(
        ours.len(),
        map.len(),
        "{}: keys differ: ours {:?}, mir_eval {:?}",
        case.display(),
        ours.iter().map(|p| p.0).collect::<Vec<_>>(),
        map.keys().collect::<Vec<_>>()
    );
    let mut worst: f64 = 0.0;
    for (key, value) in ours {
        let want = map
            .get(*key)
            .unwrap_or_else(|| panic!("{}: mir_eval has no key {key}", case.display()))
            .as_f64()
            .unwrap();
        let diff = (value - want).abs();
        assert!(
            diff <= MIR_EVAL_A_TOL,
            "{} {key}: ours {value}, mir_eval {want} (diff {diff:e})",
            case.display()
        );
        worst = worst.max(diff);
    }
    worst
}

#[test]
fn transcription_matches_mir_eval() {
    for (r, e, o) in cases("transcription") {
        let rn = parse_valued_intervals(&read(&r)).unwrap();
        let en = parse_valued_intervals(&read(&e)).unwrap();
        let s = audio_eval::transcription::evaluate(
            &rn.intervals,
            &rn.values,
            &en.intervals,
            &en.values,
            &TranscriptionConfig::default(),
        )
        .unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn transcription_velocity_matches_mir_eval() {
    for (r, e, o) in cases("transcription_velocity") {
        let rn = parse_velocity_notes(&read(&r)).unwrap();
        let en = parse_velocity_notes(&read(&e)).unwrap();
        let s = audio_eval::transcription_velocity::evaluate(
            &rn.intervals,
            &rn.pitches,
            &rn.velocities,
            &en.intervals,
            &en.pitches,
            &en.velocities,
            &TranscriptionConfig::default(),
            audio_eval::transcription_velocity::DEFAULT_VELOCITY_TOLERANCE,
        )
        .unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn multipitch_matches_mir_eval() {
    for (r, e, o) in cases("multipitch") {
        let (rt, rf) = parse_ragged_time_series(&read(&r)).unwrap();
        let (et, ef) = parse_ragged_time_series(&read(&e)).unwrap();
        let s = audio_eval::multipitch::evaluate(
            &rt,
            &rf,
            &et,
            &ef,
            audio_eval::multipitch::DEFAULT_WINDOW,
        )
        .unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn onset_matches_mir_eval() {
    for (r, e, o) in cases("onset") {
        let rv = parse_events(&read(&r)).unwrap();
        let ev = parse_events(&read(&e)).unwrap();
        let s = audio_eval::onset::evaluate(&rv, &ev, audio_eval::onset::DEFAULT_WINDOW).unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn melody_matches_mir_eval() {
    for (r, e, o) in cases("melody") {
        let (rt, rf) = parse_time_series(&read(&r)).unwrap();
        let (et, ef) = parse_time_series(&read(&e)).unwrap();
        let s =
            audio_eval::melody::evaluate(&rt, &rf, &et, &ef, None, None, &MelodyConfig::default())
                .unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn beat_matches_mir_eval() {
    for (r, e, o) in cases("beat") {
        let rv = parse_events(&read(&r)).unwrap();
        let ev = parse_events(&read(&e)).unwrap();
        let s = audio_eval::beat::evaluate(&rv, &ev, &BeatConfig::default()).unwrap();
        check(&o, &s.entries(), &read_json(&o));
    }
}

#[test]
fn key_matches_mir_eval() {
    for (r, e, o) in cases("key") {
        let rk = parse_key(&read(&r)).unwrap();
        let ek = parse_key(&read(&e)).unwrap();
        let s = audio_eval::key::evaluate(rk, ek);
        check(&o, &s.entries(), &read_json(&o));
    }
}

/// mir_eval's `test_to_cent_voicing` "custom voicings" case: `ref00`/`est00`
/// with `reward00.txt` and `voicingest00.txt`, frames 220..225 against the
/// values hard-coded in mir_eval's test (compared there with `np.allclose`;
/// here within 1e-9 absolute, the precision the test states them to).
#[test]
fn melody_continuous_voicing_matches_mir_eval_unit_test() {
    const STATED_PRECISION: f64 = 1e-9;
    let dir = task_dir("melody");
    let (rt, rf) = parse_time_series(&read(&dir.join("ref00.txt"))).unwrap();
    let (et, ef) = parse_time_series(&read(&dir.join("est00.txt"))).unwrap();
    let (_, reward) = parse_time_series(&read(&dir.join("reward00.txt"))).unwrap();
    let (_, voicing) = parse_time_series(&read(&dir.join("voicingest00.txt"))).unwrap();
    let cv = audio_eval::melody::to_cent_voicing(
        &rt,
        &rf,
        &et,
        &ef,
        Some(&voicing),
        Some(&reward),
        &MelodyConfig::default(),
    )
    .unwrap();
    let expect = [
        (&cv.ref_voicing, [0.0, 0.0, 0.0, 1.0, 0.3]),
        (
            &cv.ref_cent,
            [0.0, 0.0, 0.0, 6056.883781891661, 6028.550458302192],
        ),
        (&cv.est_voicing, [0.2; 5]),
        (&cv.est_cent, [5351.317942364757; 5]),
    ];
    for (ours, want) in expect {
        for (a, b) in ours[220..225].iter().zip(want) {
            assert!((a - b).abs() <= STATED_PRECISION, "{a} vs {b}");
        }
    }
}
