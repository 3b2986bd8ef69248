//! The frame-window transcriber: note decoding against piano-roll targets
//! (property), MIDI round trip, training on a small synthetic piano
//! dataset through the shared trainer, loading and errors.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::Note;
use audio_models::datasets::{Split, TranscriptionDataset};
use audio_models::evaluation::evaluate_transcriber;
use audio_models::frame_mlp::{
    decode_notes, frame_targets, train, FrameMlp, FrameMlpConfig, NoteDecoding, TrainConfig,
    SCALER_MEAN, SCALER_STD,
};
use audio_models::{Error, Transcriber};
use candle_core::{DType, Device, Tensor};
use ndarray::Array2;
use proptest::prelude::*;

/// A fresh folder under the system temp dir, removed on drop.
struct TempTree(PathBuf);

impl TempTree {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "audio_models_frame_mlp_{}_{}",
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
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A small configuration that trains in seconds.
fn small() -> FrameMlpConfig {
    FrameMlpConfig {
        sample_rate: 8000,
        n_fft: 512,
        hop_length: 256,
        n_mels: 48,
        fmin: 30.0,
        context: 3,
        hidden: vec![64, 64],
        dropout: 0.1,
        ..FrameMlpConfig::default()
    }
}

/// Harmonic tones of `notes` at `rate`: each partial decays, like a
/// struck string.
fn render(notes: &[Note], rate: u32, seconds: f64) -> Vec<f32> {
    let n = (seconds * f64::from(rate)) as usize;
    let mut y = vec![0.0f32; n];
    for note in notes {
        let f0 = 440.0 * 2f64.powf((f64::from(note.pitch) - 69.0) / 12.0);
        let a = (note.onset * f64::from(rate)) as usize;
        let b = ((note.offset * f64::from(rate)) as usize).min(n);
        for (i, v) in y[a..b].iter_mut().enumerate() {
            let t = i as f64 / f64::from(rate);
            let env = (-3.0 * t).exp() * 0.2;
            let s: f64 = (1..=3)
                .map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64)
                .sum();
            *v += (env * s) as f32;
        }
    }
    y
}

/// A split of `pieces` random melodies (two voices) with their MIDI.
fn write_split(root: &Path, split: &str, pieces: usize, seed: u64) {
    let dir = root.join(split);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = audio_dsp::SeededRng::new(seed);
    for p in 0..pieces {
        let mut notes = Vec::new();
        for voice in 0..2u8 {
            let mut t = 0.0;
            while t < 3.5 {
                let len = 0.25 + 0.25 * rng.below(3) as f64;
                let pitch = 48 + 12 * voice + rng.below(12) as u8;
                notes.push(Note::new(t, (t + len).min(4.0), pitch, 90));
                t += len;
            }
        }
        let audio = audio_io::Audio {
            samples: Array2::from_shape_vec((1, 32_000), render(&notes, 8000, 4.0)).unwrap(),
            sample_rate: 8000,
        };
        audio_io::wav::write_wav(
            dir.join(format!("p{p}.wav")),
            &audio,
            &audio_io::wav::WavWriteOptions::default(),
        )
        .unwrap();
        MidiFile::from_notes(notes, TempoMap::constant(480, 120.0))
            .write(dir.join(format!("p{p}.mid")), MidiType::Type1)
            .unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Notes decoded from a 0/1 roll give that roll back as targets, when
    /// every run is at least `min_note_frames` long and runs of one pitch
    /// are at least `merge_gap_frames` apart.
    #[test]
    fn decoding_inverts_the_targets(runs in proptest::collection::vec((0usize..88, 0usize..60, 2usize..12, 2usize..6), 0..12)) {
        let config = FrameMlpConfig::default();
        let frames = 100;
        let mut roll = Array2::<f32>::zeros((frames, 88));
        let mut next_free = [0usize; 88];
        for (k, start, len, gap) in runs {
            let s = start.max(next_free[k]);
            let e = (s + len).min(frames);
            if e - s < 2 {
                continue;
            }
            for t in s..e {
                roll[(t, k)] = 1.0;
            }
            next_free[k] = e + gap;
        }
        let decoding = NoteDecoding { threshold: 0.5, min_note_frames: 2, merge_gap_frames: 2 };
        let notes = decode_notes(roll.view(), &config, &decoding).unwrap();
        let back = frame_targets(&notes, frames, &config).unwrap();
        prop_assert_eq!(back, roll);
    }
}

#[test]
fn short_runs_are_dropped_and_gaps_bridged() {
    let config = FrameMlpConfig::default();
    let mut p = Array2::<f32>::zeros((20, 88));
    p[(1, 0)] = 0.9; // one frame: dropped
    for t in [5, 6, 8, 9] {
        p[(t, 10)] = 0.8; // a one-frame gap at 7: bridged
    }
    let notes = decode_notes(p.view(), &config, &NoteDecoding::default()).unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].pitch, 31);
    let fs = config.frame_rate();
    assert!((notes[0].onset - 5.0 / fs).abs() < 1e-12);
    assert!((notes[0].offset - 10.0 / fs).abs() < 1e-12);
    let strict = NoteDecoding {
        merge_gap_frames: 0,
        min_note_frames: 1,
        ..NoteDecoding::default()
    };
    assert_eq!(decode_notes(p.view(), &config, &strict).unwrap().len(), 3);
    assert!(matches!(
        decode_notes(Array2::<f32>::zeros((3, 12)).view(), &config, &strict),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// Trains on a synthetic two-voice dataset, reloads `best/`, transcribes,
/// and round-trips the notes through a MIDI file.
#[test]
fn trains_transcribes_and_round_trips_midi() {
    let t = TempTree::new();
    write_split(t.path(), "train", 6, 1);
    write_split(t.path(), "valid", 2, 2);
    let train_set = TranscriptionDataset::open(t.path(), Split::Train).unwrap();
    let valid_set = TranscriptionDataset::open(t.path(), Split::Valid).unwrap();
    let config = TrainConfig {
        batch_size: 64,
        epochs: 25,
        patience: 25,
        lr: 3e-3,
        ..TrainConfig::new(small())
    };
    let run = t.path().join("run");
    let report = train(&train_set, &valid_set, &config, &run).unwrap();
    let first = report.history.first().unwrap().valid_loss.unwrap();
    let (_, best) = report.best.unwrap();
    assert!(best < 0.8 * first, "valid BCE {first} -> {best}");

    let model = FrameMlp::load(&run).unwrap();
    assert_eq!(model.config(), &small());
    assert_eq!(model.sample_rate(), 8000);
    let scores = evaluate_transcriber(&train_set, |audio| model.transcribe(audio)).unwrap();
    assert!(
        scores.onset.f_measure > 0.5,
        "training-set onset F {}",
        scores.onset.f_measure
    );
    let valid_scores = evaluate_transcriber(&valid_set, |audio| model.transcribe(audio)).unwrap();
    assert!(
        valid_scores.onset.f_measure > 0.3,
        "validation onset F {}",
        valid_scores.onset.f_measure
    );

    // MIDI out parses back to the same notes (times within a tick: 480
    // ticks a beat at 120 bpm is 1/960 s).
    let (audio, _) = audio_models::Dataset::get(&valid_set, 0).unwrap();
    let notes = model.transcribe(audio.view()).unwrap();
    assert!(!notes.is_empty());
    let bytes = model
        .notes_to_midi(&notes)
        .to_bytes(MidiType::Type1)
        .unwrap();
    let mut back = MidiFile::from_bytes(&bytes).unwrap().pitched_notes();
    Note::sort(&mut back);
    assert_eq!(back.len(), notes.len());
    for (a, b) in notes.iter().zip(&back) {
        assert_eq!(
            (a.pitch, a.velocity, a.program),
            (b.pitch, b.velocity, b.program)
        );
        assert!((a.onset - b.onset).abs() <= 1.0 / 960.0, "{a:?} {b:?}");
        assert!((a.offset - b.offset).abs() <= 1.0 / 960.0, "{a:?} {b:?}");
    }

    // The datasets must be at the model's rate.
    let wrong = TrainConfig {
        model: FrameMlpConfig::default(),
        ..config
    };
    assert!(matches!(
        train(&train_set, &valid_set, &wrong, t.path().join("wrong")),
        Err(Error::InvalidParameter {
            name: "sample_rate",
            ..
        })
    ));
}

#[test]
fn loading_names_the_missing_or_misshapen_tensor() {
    let config = small();
    let dev = Device::Cpu;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    let mut width = config.input_size();
    for (i, &h) in config.hidden.iter().enumerate() {
        tensors.insert(
            format!("fc.{i}.weight"),
            Tensor::zeros((h, width), DType::F32, &dev).unwrap(),
        );
        tensors.insert(
            format!("fc.{i}.bias"),
            Tensor::zeros(h, DType::F32, &dev).unwrap(),
        );
        width = h;
    }
    tensors.insert(
        "out.weight".into(),
        Tensor::zeros((88, width), DType::F32, &dev).unwrap(),
    );
    tensors.insert(
        "out.bias".into(),
        Tensor::zeros(88, DType::F32, &dev).unwrap(),
    );
    let decoding = NoteDecoding::default();
    match FrameMlp::from_tensors(config.clone(), decoding, &tensors) {
        Err(Error::MissingKey { key, .. }) => assert_eq!(key, SCALER_MEAN),
        other => panic!("{other:?}"),
    }
    tensors.insert(
        SCALER_MEAN.into(),
        Tensor::zeros(48, DType::F32, &dev).unwrap(),
    );
    tensors.insert(
        SCALER_STD.into(),
        Tensor::zeros(48, DType::F32, &dev).unwrap(),
    );
    assert!(matches!(
        FrameMlp::from_tensors(config.clone(), decoding, &tensors),
        Err(Error::InvalidParameter {
            name: SCALER_STD,
            ..
        })
    ));
    tensors.insert(
        SCALER_STD.into(),
        Tensor::ones(48, DType::F32, &dev).unwrap(),
    );
    let model = FrameMlp::from_tensors(config.clone(), decoding, &tensors).unwrap();
    // Zero weights: every probability is 0.5, so every pitch sounds.
    let p = model.posteriorgram(&vec![0.0; 8000]).unwrap();
    assert_eq!(p.dim(), (1 + 8000 / 256, 88));
    assert!(p.iter().all(|&v| (v - 0.5).abs() < 1e-6));
    assert!(matches!(
        model.transcribe(ndarray::Array2::<f32>::zeros((1, 0)).view()),
        Err(Error::Empty { .. })
    ));
    tensors.insert(
        "fc.1.weight".into(),
        Tensor::zeros((64, 3), DType::F32, &dev).unwrap(),
    );
    match FrameMlp::from_tensors(config, decoding, &tensors) {
        Err(Error::WeightShape { key, expected, got }) => {
            assert_eq!(
                (key.as_str(), expected, got),
                ("fc.1.weight", vec![64, 64], vec![64, 3])
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        FrameMlp::load(std::env::temp_dir().join("no_such_frame_mlp_run")),
        Err(Error::File { .. })
    ));
}

/// librosa's log-mel is computed in float32 too (an f32 signal gives a
/// complex64 STFT); FFT orders differ, so bands agree to a few ulps of
/// the power, which the log maps to ~1e-6 absolute; relative to the peak
/// |log-mel| (~14), 1e-5 leaves room for the quietest bands near `LOG_EPS`
/// (measured: 3.5e-6).
const LOG_MEL_TOL: f64 = 1e-5;

/// The same windows through the same float32 weights; PyTorch's GEMM and
/// candle's sum the 1603 products of the first layer in different orders
/// (measured: 2.1e-7 of the peak probability).
const PROBS_TOL: f64 = 1e-6;

fn fixture_dir() -> PathBuf {
    audio_test_fixtures::fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("frame_mlp")
}

/// The reference module's state dict as tensors.
fn reference_tensors() -> HashMap<String, Tensor> {
    let bytes = std::fs::read(fixture_dir().join("frame_mlp.pth")).unwrap();
    let weights = audio_io::weights::Weights::from_pth_bytes(&bytes).unwrap();
    weights
        .keys()
        .map(|k| {
            let t = weights.get(k).unwrap();
            let tensor =
                Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), &Device::Cpu).unwrap();
            (k.to_string(), tensor)
        })
        .collect()
}

#[test]
fn front_end_and_network_match_librosa_and_pytorch() {
    let dir = fixture_dir();
    let config: FrameMlpConfig =
        serde_json::from_value(audio_test_fixtures::read_json(dir.join("config.json"))).unwrap();
    let audio = audio_test_fixtures::read_npy_f32(dir.join("audio.npy"));
    let audio: Vec<f32> = audio.iter().copied().collect();
    let logmel = audio_test_fixtures::read_npy_f32(dir.join("logmel.npy"));
    let ours = audio_models::frame_mlp::LogMel::new(&config)
        .unwrap()
        .frames(&audio)
        .unwrap();
    audio_test_fixtures::assert_close("log-mel", &ours.into_dyn(), &logmel, LOG_MEL_TOL);

    let model =
        FrameMlp::from_tensors(config, NoteDecoding::default(), &reference_tensors()).unwrap();
    let probs = audio_test_fixtures::read_npy_f32(dir.join("probs.npy"));
    let ours = model.posteriorgram(&audio).unwrap();
    audio_test_fixtures::assert_close("probabilities", &ours.into_dyn(), &probs, PROBS_TOL);
}

#[test]
fn the_streamed_posteriorgram_equals_the_whole_signal_one() {
    let model = FrameMlp::embedded().unwrap();
    let sr = model.config().sample_rate as f32;
    // Over two network chunks (2048 frames each) and a partial third, so
    // the chunks' context crosses blocks.
    let n = model.config().hop_length * 4_500;
    let audio: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            let f = 220.0 * (1.0 + (t * 0.3).floor() % 5.0);
            0.3 * (2.0 * std::f32::consts::PI * f * t).sin() * (t * 2.0).fract()
        })
        .collect();
    let whole = model.posteriorgram(&audio).unwrap();
    for block in [4_096, 100_000, 777_777] {
        let mut stream = model.stream().unwrap();
        let mut rows: Vec<f32> = Vec::new();
        for chunk in audio.chunks(block) {
            rows.extend(stream.push(chunk).unwrap().iter());
        }
        rows.extend(stream.finish().unwrap().iter());
        assert_eq!(rows.len(), whole.len(), "block {block}");
        let same = rows
            .iter()
            .zip(whole.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "block {block}: the posteriorgrams differ");
    }
    let mut empty = model.stream().unwrap();
    assert!(matches!(
        empty.finish(),
        Err(audio_models::Error::Empty { .. })
    ));
}
