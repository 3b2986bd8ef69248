//! The melody LSTM on a tiny melody dataset: preprocessing (rejection,
//! transposition to C major / A minor), training through the shared
//! trainer, accuracy, seeded generation, MIDI round trip, errors.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};

use audio_io::melody::{parse_melody, MelodySymbol};
use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::Note;
use audio_models::datasets::{MelodyDataset, Split};
use audio_models::melody::{encode_song, train, MelodyModel, TrainConfig, Vocabulary};
use audio_models::{Error, Generator};

fn tmp(name: &str) -> PathBuf {
    // One scratch folder per test: `scratch_dir` empties its folder, and
    // the tests run in parallel.
    audio_test_fixtures::scratch_dir(&format!("audio-models-melody-{name}"))
}

/// A one-track MIDI melody at 120 bpm (a 16th note is 0.125 s) from
/// `(pitch, steps)` pairs; pitch 0 is a rest.
fn write_song(path: &Path, notes: &[(u8, usize)]) {
    let mut t = 0usize;
    let mut out = Vec::new();
    for &(p, n) in notes {
        if p > 0 {
            out.push(Note::new(t as f64 * 0.125, (t + n) as f64 * 0.125, p, 90));
        }
        t += n;
    }
    MidiFile::from_notes(out, TempoMap::constant(480, 120.0))
        .write(path, MidiType::Type1)
        .unwrap();
}

/// Scale runs in G major (transposed to C major by the preprocessing).
fn dataset(root: &Path) {
    let g_major = [67u8, 69, 71, 72, 74, 76, 78, 79];
    for (split, count) in [("train", 12), ("valid", 3), ("test", 3)] {
        let dir = root.join(split);
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..count {
            let mut notes: Vec<(u8, usize)> = Vec::new();
            for rep in 0..3 {
                for (i, &p) in g_major.iter().enumerate() {
                    notes.push((p, if (i + k + rep) % 3 == 0 { 4 } else { 2 }));
                }
                notes.push((0, 4));
            }
            notes.push((67, 8));
            write_song(&dir.join(format!("s{k}.mid")), &notes);
        }
    }
    // Rejected: a note of five 16ths.
    write_song(&root.join("train/odd.mid"), &[(67, 5), (69, 2)]);
}

#[test]
fn preprocessing_rejects_and_transposes() {
    let root = tmp("prep");
    dataset(&root);
    let data = MelodyDataset::open(&root, Split::Train).unwrap();
    let names: Vec<String> = data
        .files()
        .iter()
        .map(|f| f.path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let odd = names.iter().position(|n| n == "odd").unwrap();
    assert_eq!(encode_song(&data, odd).unwrap(), None);
    let s0 = names.iter().position(|n| n == "s0").unwrap();
    let song = encode_song(&data, s0).unwrap().unwrap();
    // G major is moved to C major: the first note G4 (67) becomes C (60 or 72).
    match song[0] {
        MelodySymbol::Pitch(p) => assert_eq!(p % 12, 0, "{song:?}"),
        other => panic!("{other:?}"),
    }
    let v = Vocabulary::of(&[song]);
    assert!(v.delimiter().is_ok());
}

#[test]
fn trains_generates_and_writes_midi() {
    let root = tmp("train");
    dataset(&root);
    let train_set = MelodyDataset::open(&root, Split::Train).unwrap();
    let valid_set = MelodyDataset::open(&root, Split::Valid).unwrap();
    let config = TrainConfig {
        hidden_size: 32,
        sequence_length: 16,
        batch_size: 32,
        steps_per_epoch: 10,
        epochs: 12,
        patience: 12,
        lr: 1e-2,
        ..TrainConfig::default()
    };
    let run = root.join("run");
    let report = train(&train_set, &valid_set, &config, &run).unwrap();
    let first = report.history.first().unwrap().valid_loss.unwrap();
    let (_, best) = report.best.unwrap();
    assert!(best < 0.7 * first, "valid CE {first} -> {best}");

    let model = MelodyModel::load(&run).unwrap();
    let test = MelodyDataset::open(&root, Split::Test).unwrap();
    let scores = model.evaluate(&test).unwrap();
    assert_eq!((scores.songs, scores.rejected), (3, 0));
    assert!(scores.accuracy > 0.6, "{scores:?}");

    let seed = parse_melody("60 _ 62 _").unwrap();
    let a = model.generate(&seed, 64, 0.8, 5).unwrap();
    assert_eq!(&a[..4], seed.as_slice());
    assert_eq!(a, model.generate(&seed, 64, 0.8, 5).unwrap());
    let g = model.generation_scores(&test, 3, 8, 64, 0.5, 0).unwrap();
    assert_eq!(g.melodies, 3);
    assert!(g.in_key > 0.8, "{g:?}");

    // MIDI out parses back to the notes of the melody.
    let midi = model.to_midi(&a, 120.0).unwrap();
    let bytes = midi.to_bytes(MidiType::Type1).unwrap();
    let back = MidiFile::from_bytes(&bytes).unwrap().notes();
    let expected = audio_io::melody::decode_melody(&a, 120.0, 0.25, 90, 0).unwrap();
    assert_eq!(back.len(), expected.len());
    for (x, y) in back.iter().zip(&expected) {
        assert_eq!(x.pitch, y.pitch);
        assert!((x.onset - y.onset).abs() < 1e-3 && (x.offset - y.offset).abs() < 1e-3);
    }

    // The Generator trait: seeded ids.
    let ids = Generator::generate(&model, 20, 3).unwrap();
    assert_eq!(ids.dim(), (1, 20));
    assert_eq!(ids, Generator::generate(&model, 20, 3).unwrap());

    // A seed symbol the model never saw is refused.
    assert!(matches!(
        model.generate(&parse_melody("61").unwrap(), 4, 1.0, 0),
        Err(Error::InvalidParameter { name: "seed", .. })
    ));
}
