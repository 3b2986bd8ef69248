//! The folder-layout readers of `audio_models::datasets`: a valid tree of
//! each layout opens with the right counts, and each malformed tree fails
//! with its own typed error.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use audio_models::datasets::{
    ClassificationDataset, DenoisingDataset, EffectsDataset, MelodyDataset, MelodyFormat,
    SeparationDataset, Split, TranscriptionDataset,
};
use audio_models::{Dataset, Error};

/// A fresh folder under the system temp dir, removed on drop.
struct TempTree(PathBuf);

impl TempTree {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "audio_models_dataset_layouts_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes a WAV of `channels` × `frames` at `rate` (creating folders).
    fn wav(&self, rel: &str, rate: u32, channels: usize, frames: usize) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let samples = ndarray::Array2::from_shape_fn((channels, frames), |(c, i)| {
            ((i + c) as f32 * 0.01).sin() * 0.5
        });
        let audio = audio_io::Audio {
            samples,
            sample_rate: rate,
        };
        audio_io::wav::write_wav(&path, &audio, &audio_io::wav::WavWriteOptions::default())
            .unwrap();
        path
    }

    /// Writes a text file (creating folders).
    fn file(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn dir(&self, rel: &str) {
        std::fs::create_dir_all(self.0.join(rel)).unwrap();
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A minimal one-track, one-note standard MIDI file (C4, one beat).
fn write_midi(path: &Path) {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"MThd");
    bytes.extend_from_slice(&6u32.to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 96]);
    let track: &[u8] = &[
        0x00, 0x90, 60, 100, // note on
        0x60, 0x80, 60, 0, // note off after 96 ticks
        0x00, 0xFF, 0x2F, 0x00, // end of track
    ];
    bytes.extend_from_slice(b"MTrk");
    bytes.extend_from_slice(&(track.len() as u32).to_be_bytes());
    bytes.extend_from_slice(track);
    std::fs::write(path, bytes).unwrap();
}

// ---------------------------------------------------------------- common

#[test]
fn split_names_round_trip() {
    for split in Split::ALL {
        assert_eq!(split.as_str().parse::<Split>().unwrap(), split);
        assert_eq!(split.to_string(), split.as_str());
    }
    assert!(matches!(
        "validation".parse::<Split>(),
        Err(Error::InvalidParameter { name: "split", .. })
    ));
}

// ---------------------------------------------------------------- separation

fn musdb_song(t: &TempTree, split: &str, song: &str, sources: &[&str]) {
    t.wav(&format!("{split}/{song}/mixture.wav"), 8000, 2, 300);
    for s in sources {
        t.wav(&format!("{split}/{song}/{s}.wav"), 8000, 2, 300);
    }
}

#[test]
fn separation_valid_tree() {
    let t = TempTree::new();
    musdb_song(&t, "train", "b song", &["vocals", "drums", "bass", "other"]);
    musdb_song(&t, "train", "a song", &["vocals", "drums", "bass", "other"]);
    t.file("train/.DS_Store", "junk");
    t.file("train/a song/notes.txt", "ignored");
    let data = SeparationDataset::open(t.path(), Split::Train).unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data.songs(), ["a song", "b song"]);
    assert_eq!(data.sources(), ["bass", "drums", "other", "vocals"]);
    assert_eq!(data.sample_rate(), 8000);
    assert_eq!(data.frames(), [300, 300]);
    let (mixture, stems) = data.get(1).unwrap();
    assert_eq!(mixture.dim(), (2, 300));
    assert_eq!(stems.len(), 4);
    assert!(stems.iter().all(|s| s.dim() == (2, 300)));
    assert_eq!(data.load_source(0, "vocals").unwrap().dim(), (2, 300));
    assert!(matches!(
        data.load_source(0, "piano"),
        Err(Error::InvalidParameter { name: "source", .. })
    ));
    assert!(matches!(
        data.get(2),
        Err(Error::InvalidParameter { name: "index", .. })
    ));
}

#[test]
fn separation_other_stems() {
    let t = TempTree::new();
    musdb_song(&t, "test", "s1", &["piano", "violin"]);
    let data = SeparationDataset::open(t.path(), Split::Test).unwrap();
    assert_eq!(data.sources(), ["piano", "violin"]);
}

#[test]
fn separation_missing_stem() {
    let t = TempTree::new();
    musdb_song(&t, "train", "s1", &["vocals", "drums"]);
    musdb_song(&t, "train", "s2", &["vocals"]);
    match SeparationDataset::open(t.path(), Split::Train) {
        Err(Error::MissingStem { song, stem }) => {
            assert_eq!((song.as_str(), stem.as_str()), ("s2", "drums"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn separation_missing_mixture() {
    let t = TempTree::new();
    t.wav("train/s1/vocals.wav", 8000, 2, 300);
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Train),
        Err(Error::MissingStem { stem, .. }) if stem == "mixture"
    ));
}

#[test]
fn separation_mismatches() {
    let t = TempTree::new();
    musdb_song(&t, "train", "s1", &["vocals"]);
    let bad = t.wav("train/s1/drums.wav", 8000, 2, 299);
    match SeparationDataset::open(t.path(), Split::Train) {
        Err(Error::LengthMismatch {
            path,
            expected,
            got,
        }) => assert_eq!((path, expected, got), (bad, 300, 299)),
        other => panic!("{other:?}"),
    }
    let bad = t.wav("train/s1/drums.wav", 16000, 2, 300);
    match SeparationDataset::open(t.path(), Split::Train) {
        Err(Error::SampleRateMismatch {
            path,
            expected,
            got,
        }) => assert_eq!((path, expected, got), (bad, 8000, 16000)),
        other => panic!("{other:?}"),
    }
    t.wav("train/s1/drums.wav", 8000, 1, 300);
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Train),
        Err(Error::ChannelMismatch {
            expected: 2,
            got: 1,
            ..
        })
    ));
    // A second song at another rate than the first.
    t.wav("train/s1/drums.wav", 8000, 2, 300);
    t.wav("train/s2/mixture.wav", 16000, 2, 300);
    t.wav("train/s2/vocals.wav", 16000, 2, 300);
    t.wav("train/s2/drums.wav", 16000, 2, 300);
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Train),
        Err(Error::SampleRateMismatch {
            expected: 8000,
            got: 16000,
            ..
        })
    ));
}

#[test]
fn separation_empty_and_missing_split() {
    let t = TempTree::new();
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Valid),
        Err(Error::MissingSplit { split: "valid", .. })
    ));
    t.dir("valid");
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Valid),
        Err(Error::EmptySplit { split: "valid", .. })
    ));
    t.wav("valid/s1/mixture.wav", 8000, 1, 100);
    assert!(matches!(
        SeparationDataset::open(t.path(), Split::Valid),
        Err(Error::Empty { .. })
    ));
}

// ---------------------------------------------------------------- classification

#[test]
fn classification_valid_tree() {
    let t = TempTree::new();
    t.wav("train/dog/1.wav", 8000, 1, 200);
    t.wav("train/dog/2.wav", 8000, 1, 250);
    t.wav("train/cat/1.wav", 8000, 2, 100);
    t.dir("train/bird");
    t.file("train/cat/readme.txt", "ignored");
    let data = ClassificationDataset::open(t.path(), Split::Train).unwrap();
    assert_eq!(data.labels(), ["bird", "cat", "dog"]);
    assert_eq!(data.len(), 3);
    let labels: Vec<usize> = data.files().iter().map(|(_, l)| *l).collect();
    assert_eq!(labels, [1, 2, 2]);
    let (samples, label) = data.get(2).unwrap();
    assert_eq!((samples.dim(), label), ((1, 250), 2));
    let (samples, label) = data.get(0).unwrap();
    assert_eq!((samples.dim(), label), ((2, 100), 1));
}

#[test]
fn classification_errors() {
    let t = TempTree::new();
    assert!(matches!(
        ClassificationDataset::open(t.path(), Split::Test),
        Err(Error::MissingSplit { split: "test", .. })
    ));
    t.dir("test/dog");
    assert!(matches!(
        ClassificationDataset::open(t.path(), Split::Test),
        Err(Error::EmptySplit { split: "test", .. })
    ));
    t.wav("test/dog/1.wav", 8000, 1, 200);
    let bad = t.wav("test/dog/2.wav", 22050, 1, 200);
    match ClassificationDataset::open(t.path(), Split::Test) {
        Err(Error::SampleRateMismatch {
            path,
            expected,
            got,
        }) => assert_eq!((path, expected, got), (bad, 8000, 22050)),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- transcription

#[test]
fn transcription_valid_tree() {
    let t = TempTree::new();
    t.wav("train/p1.wav", 8000, 1, 400);
    write_midi(&t.path().join("train/p1.mid"));
    t.wav("train/p0.wav", 8000, 1, 300);
    write_midi(&t.path().join("train/p0.mid"));
    let data = TranscriptionDataset::open(t.path(), Split::Train).unwrap();
    assert_eq!(data.pieces(), ["p0", "p1"]);
    assert_eq!(data.sample_rate(), 8000);
    let (samples, notes) = data.get(1).unwrap();
    assert_eq!(samples.dim(), (1, 400));
    assert_eq!(notes.len(), 1);
}

#[test]
fn transcription_errors() {
    let t = TempTree::new();
    t.dir("valid");
    assert!(matches!(
        TranscriptionDataset::open(t.path(), Split::Valid),
        Err(Error::EmptySplit { .. })
    ));
    let wav = t.wav("valid/p.wav", 8000, 1, 100);
    match TranscriptionDataset::open(t.path(), Split::Valid) {
        Err(Error::MissingPair { path, expected }) => {
            assert_eq!((path, expected), (wav.clone(), wav.with_extension("mid")));
        }
        other => panic!("{other:?}"),
    }
    write_midi(&t.path().join("valid/p.mid"));
    let mid = t.path().join("valid/q.mid");
    write_midi(&mid);
    match TranscriptionDataset::open(t.path(), Split::Valid) {
        Err(Error::MissingPair { path, expected }) => {
            assert_eq!((path, expected), (mid.clone(), mid.with_extension("wav")));
        }
        other => panic!("{other:?}"),
    }
    t.wav("valid/q.wav", 44100, 1, 100);
    assert!(matches!(
        TranscriptionDataset::open(t.path(), Split::Valid),
        Err(Error::SampleRateMismatch {
            expected: 8000,
            got: 44100,
            ..
        })
    ));
}

// ---------------------------------------------------------------- melody

#[test]
fn melody_lists_files() {
    let t = TempTree::new();
    assert!(matches!(
        MelodyDataset::open(t.path(), Split::Train),
        Err(Error::MissingSplit { .. })
    ));
    t.file("train/notes.txt", "ignored");
    assert!(matches!(
        MelodyDataset::open(t.path(), Split::Train),
        Err(Error::EmptySplit { .. })
    ));
    t.file("train/a.krn", "**kern\n*MM60\n4c\n8d\n*-\n");
    write_midi(&t.path().join("train/b.mid"));
    let data = MelodyDataset::open(t.path(), Split::Train).unwrap();
    assert_eq!(data.len(), 2);
    let formats: Vec<MelodyFormat> = data.files().iter().map(|f| f.format).collect();
    assert_eq!(formats, [MelodyFormat::Kern, MelodyFormat::Midi]);
    assert_eq!(data.notes(1).unwrap().len(), 1);
    // The kern file's notes: C4 for a quarter, D4 for an eighth, at 60 bpm.
    let kern = data.notes(0).unwrap();
    let got: Vec<(u8, f64, f64)> = kern.iter().map(|n| (n.pitch, n.onset, n.offset)).collect();
    assert_eq!(got, [(60, 0.0, 1.0), (62, 1.0, 1.5)]);
    t.file("train/a.krn", "**kern\n4c\n4x\n*-\n");
    assert!(matches!(data.notes(0), Err(Error::Io(_))));
}

// ---------------------------------------------------------------- denoising

#[test]
fn denoising_valid_tree() {
    let t = TempTree::new();
    for id in ["p232_001", "p232_002"] {
        t.wav(&format!("test/clean/{id}.wav"), 16000, 1, 320);
        t.wav(&format!("test/noisy/{id}.wav"), 16000, 1, 320);
    }
    let data = DenoisingDataset::open(t.path(), Split::Test).unwrap();
    assert_eq!(data.ids(), ["p232_001", "p232_002"]);
    assert_eq!(data.sample_rate(), 16000);
    let (noisy, clean) = data.get(0).unwrap();
    assert_eq!((noisy.dim(), clean.dim()), ((1, 320), (1, 320)));
}

#[test]
fn denoising_errors() {
    let t = TempTree::new();
    t.dir("train/clean");
    assert!(matches!(
        DenoisingDataset::open(t.path(), Split::Train),
        Err(Error::MissingFolder { path }) if path.ends_with("noisy")
    ));
    t.dir("train/noisy");
    assert!(matches!(
        DenoisingDataset::open(t.path(), Split::Train),
        Err(Error::EmptySplit { .. })
    ));
    let noisy = t.wav("train/noisy/a.wav", 16000, 1, 320);
    match DenoisingDataset::open(t.path(), Split::Train) {
        Err(Error::MissingPair { path, expected }) => {
            assert_eq!(path, noisy);
            assert!(expected.ends_with("clean/a.wav"));
        }
        other => panic!("{other:?}"),
    }
    t.wav("train/clean/a.wav", 16000, 1, 321);
    assert!(matches!(
        DenoisingDataset::open(t.path(), Split::Train),
        Err(Error::LengthMismatch {
            expected: 321,
            got: 320,
            ..
        })
    ));
    t.wav("train/clean/a.wav", 8000, 1, 320);
    assert!(matches!(
        DenoisingDataset::open(t.path(), Split::Train),
        Err(Error::SampleRateMismatch {
            expected: 8000,
            got: 16000,
            ..
        })
    ));
}

// ---------------------------------------------------------------- effects

#[test]
fn effects_valid_tree() {
    let t = TempTree::new();
    t.wav("train/x1.dry.wav", 8000, 1, 200);
    t.wav("train/x1.wet.wav", 8000, 1, 200);
    t.file("train/x1.json", r#"{"gain_db": -6.0, "ratio": 4}"#);
    let data = EffectsDataset::open(t.path(), Split::Train).unwrap();
    assert_eq!(data.ids(), ["x1"]);
    let (dry, wet, params) = data.get(0).unwrap();
    assert_eq!((dry.dim(), wet.dim()), ((1, 200), (1, 200)));
    assert_eq!(params.get("ratio"), Some(&4.0));
    assert_eq!(params.get("gain_db"), Some(&-6.0));
}

#[test]
fn effects_errors() {
    let t = TempTree::new();
    t.dir("train");
    assert!(matches!(
        EffectsDataset::open(t.path(), Split::Train),
        Err(Error::EmptySplit { .. })
    ));
    let dry = t.wav("train/x1.dry.wav", 8000, 1, 200);
    t.file("train/x1.json", "{}");
    match EffectsDataset::open(t.path(), Split::Train) {
        Err(Error::MissingPair { path, expected }) => {
            assert_eq!(path, dry);
            assert!(expected.ends_with("x1.wet.wav"));
        }
        other => panic!("{other:?}"),
    }
    t.wav("train/x1.wet.wav", 8000, 1, 150);
    assert!(matches!(
        EffectsDataset::open(t.path(), Split::Train),
        Err(Error::LengthMismatch {
            expected: 200,
            got: 150,
            ..
        })
    ));
    t.wav("train/x1.wet.wav", 44100, 1, 200);
    assert!(matches!(
        EffectsDataset::open(t.path(), Split::Train),
        Err(Error::SampleRateMismatch { .. })
    ));
    t.wav("train/x1.wet.wav", 8000, 1, 200);
    t.file("train/x1.json", r#"{"mode": "fast"}"#);
    assert!(matches!(
        EffectsDataset::open(t.path(), Split::Train),
        Err(Error::DatasetJson { .. })
    ));
    std::fs::remove_file(t.path().join("train/x1.json")).unwrap();
    assert!(matches!(
        EffectsDataset::open(t.path(), Split::Train),
        Err(Error::MissingPair { expected, .. }) if expected.ends_with("x1.json")
    ));
}
