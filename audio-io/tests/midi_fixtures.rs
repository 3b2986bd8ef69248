//! MIDI reading against pretty_midi (fixtures from `tools/reference/io_fixtures.py`):
//! files written by pretty_midi and mido, and the bundled `assets/audio/piano.mid`.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use audio_io::midi::{MidiFile, MidiType};
use audio_io::piano_roll::notes_to_piano_roll;
use audio_test_fixtures::{fixtures_dir, read_json};

/// The requirement: note times within 1 ms of pretty_midi's. Both
/// compute `tick -> seconds` from the same tempo map in double precision, so
/// the measured difference is ~1e-15 s; 1 ms is the stated requirement.
const NOTE_TIME_TOLERANCE_S: f64 = 1e-3;

fn path_of(name: &str) -> std::path::PathBuf {
    if name == "piano.mid" {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/audio/piano.mid")
    } else {
        fixtures_dir(env!("CARGO_MANIFEST_DIR"))
            .join("midi")
            .join(name)
    }
}

#[test]
fn notes_tempo_and_bends_match_pretty_midi() {
    let table = read_json(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("midi.json"));
    let mut worst = 0.0f64;
    let mut compared_rolls = 0;
    for (name, want) in table.as_object().unwrap() {
        let midi = MidiFile::read(path_of(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let times: Vec<f64> = want["tempo_change_times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let bpms: Vec<f64> = want["tempi_bpm"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(
            midi.tempo.changes.len(),
            times.len(),
            "{name}: tempo changes"
        );
        for (c, (t, b)) in midi.tempo.changes.iter().zip(times.iter().zip(&bpms)) {
            assert!((c.time - t).abs() < 1e-9, "{name}: tempo change time");
            assert!((c.bpm() - b).abs() < 1e-9, "{name}: tempo");
        }
        let insts = want["instruments"].as_array().unwrap();
        assert_eq!(midi.instruments.len(), insts.len(), "{name}: instruments");
        for (ours, theirs) in midi.instruments.iter().zip(insts) {
            assert_eq!(u64::from(ours.program), theirs["program"].as_u64().unwrap());
            assert_eq!(ours.is_drum, theirs["is_drum"].as_bool().unwrap());
            let notes = theirs["notes"].as_array().unwrap();
            assert_eq!(ours.notes.len(), notes.len(), "{name}: note count");
            for (n, w) in ours.notes.iter().zip(notes) {
                let w = w.as_array().unwrap();
                worst = worst.max((n.onset - w[0].as_f64().unwrap()).abs());
                worst = worst.max((n.offset - w[1].as_f64().unwrap()).abs());
                assert_eq!(u64::from(n.pitch), w[2].as_u64().unwrap(), "{name}: pitch");
                assert_eq!(
                    u64::from(n.velocity),
                    w[3].as_u64().unwrap(),
                    "{name}: velocity"
                );
                assert_eq!(n.program, ours.program);
            }
            let bends = theirs["pitch_bends"].as_array().unwrap();
            assert_eq!(ours.pitch_bends.len(), bends.len(), "{name}: pitch bends");
            for (b, w) in ours.pitch_bends.iter().zip(bends) {
                let w = w.as_array().unwrap();
                assert!((b.time - w[0].as_f64().unwrap()).abs() <= NOTE_TIME_TOLERANCE_S);
                assert_eq!(i64::from(b.value), w[1].as_i64().unwrap());
            }
            // Piano roll at 50 frames/s, as Instrument.get_piano_roll(fs=50).
            // pretty_midi returns zeros for drums and shifts rows by pitch
            // bends; ours renders notes only (documented), so compare on the
            // instruments without either.
            if ours.is_drum || !ours.pitch_bends.is_empty() {
                continue;
            }
            compared_rolls += 1;
            let shape: Vec<usize> = theirs["piano_roll_fs50_shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let roll = notes_to_piano_roll(&ours.notes, 50.0, Some(shape[1])).unwrap();
            let mut expected = ndarray::Array2::<f32>::zeros((shape[0], shape[1]));
            for nz in theirs["piano_roll_fs50_nonzero"].as_array().unwrap() {
                let nz = nz.as_array().unwrap();
                expected[(
                    nz[0].as_u64().unwrap() as usize,
                    nz[1].as_u64().unwrap() as usize,
                )] = nz[2].as_f64().unwrap() as f32;
            }
            assert_eq!(roll, expected, "{name}: piano roll");
        }
    }
    assert!(
        worst <= NOTE_TIME_TOLERANCE_S,
        "worst note time difference {worst} s"
    );
    assert_eq!(compared_rolls, 3);
}

#[test]
fn rewriting_pretty_midi_files_keeps_every_note() {
    for name in ["pm_multi.mid", "tempo_changes.mid", "piano.mid"] {
        let midi = MidiFile::read(path_of(name)).unwrap();
        for kind in [MidiType::Type0, MidiType::Type1] {
            let back = MidiFile::from_bytes(&midi.to_bytes(kind).unwrap()).unwrap();
            assert_eq!(back.tempo, midi.tempo, "{name} {kind:?}: tempo map");
            let (a, b) = (midi.notes(), back.notes());
            assert_eq!(a.len(), b.len(), "{name} {kind:?}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    (x.pitch, x.velocity, x.program),
                    (y.pitch, y.velocity, y.program),
                    "{name} {kind:?}"
                );
                assert!(
                    (x.onset - y.onset).abs() < 1e-9 && (x.offset - y.offset).abs() < 1e-9,
                    "{name} {kind:?}"
                );
            }
        }
    }
}
