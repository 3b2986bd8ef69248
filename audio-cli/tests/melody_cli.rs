//! `audio train melody-lstm`, `audio evaluate melody-lstm` and `audio
//! generate melody` on a tiny melody dataset.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::Note;

fn write_song(path: &std::path::Path, pitches: &[u8]) {
    let notes: Vec<Note> = pitches
        .iter()
        .enumerate()
        .map(|(i, &p)| Note::new(i as f64 * 0.25, (i + 1) as f64 * 0.25, p, 90))
        .collect();
    MidiFile::from_notes(notes, TempoMap::constant(480, 120.0))
        .write(path, MidiType::Type1)
        .unwrap();
}

#[test]
fn melody_lstm_trains_evaluates_and_generates() {
    let data = common::tmp("melody-data");
    let scale = [60u8, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60];
    for (split, n) in [("train", 6), ("valid", 2), ("test", 2)] {
        std::fs::create_dir_all(data.join(split)).unwrap();
        for k in 0..n {
            let song: Vec<u8> = scale.iter().cycle().skip(k).take(24).copied().collect();
            write_song(&data.join(split).join(format!("s{k}.mid")), &song);
        }
    }
    let run = common::tmp("melody-run");
    let stdout = common::run_ok(&[
        "train",
        "melody-lstm",
        "--data",
        data.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--hidden-size",
        "16",
        "--seq-len",
        "8",
        "--epochs",
        "2",
        "--steps-per-epoch",
        "3",
    ]);
    assert!(stdout.contains("best validation cross-entropy"), "{stdout}");
    let json = common::tmp("melody-scores.json");
    common::run_ok(&[
        "evaluate",
        "melody-lstm",
        "--model",
        run.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let accuracy = scores["next_symbol"]["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy));
    assert_eq!(scores["generation"]["melodies"].as_u64(), Some(2));
    let out = common::tmp("melody.mid");
    let stdout = common::run_ok(&[
        "generate",
        "melody",
        "--model",
        run.to_str().unwrap(),
        "--seed-notes",
        "60 _ 62 _",
        "--steps",
        "32",
        "--seed",
        "3",
        "-o",
        out.to_str().unwrap(),
        "--roll",
        common::tmp("melody.png").to_str().unwrap(),
    ]);
    assert!(std::fs::read(common::tmp("melody.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
    assert!(stdout.starts_with("60 _ 62 _"), "{stdout}");
    assert!(!MidiFile::read(&out).unwrap().notes().is_empty());
    // A seed outside the vocabulary is an error, and no file is left.
    let bad = common::tmp("bad-melody.mid");
    let o = common::run(&[
        "generate",
        "melody",
        "--model",
        run.to_str().unwrap(),
        "--seed-notes",
        "61",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(!bad.exists());
}
