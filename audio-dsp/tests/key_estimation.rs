//! Key estimation on FluidSynth renders of MIDI in known keys
//! (`tools/reference/make_key_renders.py`), and invariants of the key
//! estimator, the note filter and the quantiser.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;
use audio_test_fixtures::{fixtures_dir, read_json};
use ndarray::Array2;
use proptest::prelude::*;

fn read_wav(path: &std::path::Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let sr = reader.spec().sample_rate;
    let y = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    (y, sr)
}

#[test]
fn estimates_the_key_of_every_render() {
    let dir = fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("key");
    let meta = read_json(dir.join("keys.json"));
    let cases = meta["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    let (mut majors, mut minors) = (0, 0);
    for case in cases {
        let (y, sr) = read_wav(&dir.join(case["wav"].as_str().unwrap()));
        // librosa's defaults, tuning estimated from the recording.
        let chroma = chroma_stft(
            &y,
            ChromaStftConfig {
                sr: f64::from(sr),
                ..ChromaStftConfig::default()
            },
        )
        .unwrap();
        let est = estimate_key(chroma.view()).unwrap();
        let want = Key {
            tonic: case["tonic"].as_u64().unwrap() as u8,
            mode: if case["mode"] == "major" {
                majors += 1;
                KeyMode::Major
            } else {
                minors += 1;
                KeyMode::Minor
            },
        };
        assert_eq!(
            est.key, want,
            "{}: estimated {} (scores {:?})",
            case["name"], est.key, est.scores
        );
        let best = est.scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(est.scores[want.index().unwrap()], best);
        assert_eq!(est.score(), best);
    }
    assert!(majors >= 6 && minors >= 6);
}

#[test]
fn key_errors_are_typed() {
    let flat = Array2::<f64>::ones((12, 4));
    assert!(matches!(
        estimate_key(flat.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let wrong = Array2::<f64>::ones((24, 4));
    assert!(matches!(
        estimate_key(wrong.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(QuantizeGrid::seconds(0.0).is_err());
    assert!(QuantizeGrid::tempo(-1.0, 4).is_err());
    let bad = Note::new(1.0, 0.5, 60, 90);
    let grid = QuantizeGrid::seconds(0.1).unwrap();
    assert!(matches!(
        quantize_notes(&[bad], &grid),
        Err(Error::InvalidParameter { .. })
    ));
}

proptest! {
    /// Rotating the pitch classes by `r` rotates the estimated tonic by `r` and
    /// keeps the mode and the (rotated) scores.
    #[test]
    fn rotating_chroma_rotates_the_key(
        profile in prop::array::uniform12(0.0f64..1.0),
        r in 0u8..12,
    ) {
        let mean = profile.iter().sum::<f64>() / 12.0;
        prop_assume!(profile.iter().map(|v| (v - mean).abs()).fold(0.0, f64::max) > 1e-3);
        let base = key_from_profile(&profile).unwrap();
        let mut rotated = [0.0; 12];
        for k in 0..12 {
            rotated[(k + usize::from(r)) % 12] = profile[k];
        }
        let rot = key_from_profile(&rotated).unwrap();
        for i in 0..24 {
            let key = Key::from_index(i);
            let moved = Key { tonic: (key.tonic + r) % 12, mode: key.mode };
            prop_assert!((base.scores[i] - rot.scores[moved.index().unwrap()]).abs() < 1e-12);
        }
        // Equal scores could break ties differently only on exact ties.
        let best = base.scores[base.key.index().unwrap()];
        let runner_up = base.scores.iter().enumerate()
            .filter(|(i, _)| Some(*i) != base.key.index())
            .map(|(_, &s)| s)
            .fold(f64::NEG_INFINITY, f64::max);
        prop_assume!(best - runner_up > 1e-9);
        prop_assert_eq!(rot.key.tonic, (base.key.tonic + r) % 12);
        prop_assert_eq!(rot.key.mode, base.key.mode);
    }

    /// Quantised notes start and end on grid points, last at least one step,
    /// and move by at most half a step at the onset.
    #[test]
    fn quantised_notes_lie_on_the_grid(
        notes in prop::collection::vec((0.0f64..20.0, 0.0f64..2.0, 21u8..109), 1..40),
        bpm in 40.0f64..200.0,
        divisions in 1usize..8,
    ) {
        let grid = QuantizeGrid::tempo(bpm, divisions).unwrap();
        let events: Vec<Note> = notes
            .iter()
            .map(|&(on, len, pitch)| Note::new(on, on + len, pitch, 80))
            .collect();
        let q = quantize_notes(&events, &grid).unwrap();
        prop_assert_eq!(q.len(), events.len());
        for (a, b) in events.iter().zip(&q) {
            let on_k = b.onset / grid.step;
            let off_k = b.offset / grid.step;
            prop_assert!((on_k - on_k.round()).abs() < 1e-6);
            prop_assert!((off_k - off_k.round()).abs() < 1e-6);
            prop_assert!(b.offset - b.onset >= grid.step * (1.0 - 1e-9));
            prop_assert!((b.onset - a.onset).abs() <= grid.step / 2.0 + 1e-9);
            prop_assert_eq!(a.pitch, b.pitch);
        }
    }

    /// The filter keeps exactly the notes whose pitch class is in the scale.
    #[test]
    fn key_filter_keeps_only_scale_notes(
        pitches in prop::collection::vec(0u8..128, 0..50),
        index in 0usize..24,
    ) {
        let key = Key::from_index(index);
        let notes: Vec<Note> = pitches
            .iter()
            .enumerate()
            .map(|(i, &p)| Note::new(i as f64, i as f64 + 0.5, p, 64))
            .collect();
        let kept = filter_notes_in_key(&notes, key);
        let scale = key.scale();
        prop_assert_eq!(scale.iter().filter(|&&m| m).count(), 7);
        prop_assert!(kept.iter().all(|n| scale[(n.pitch % 12) as usize]));
        let expected = notes.iter().filter(|n| scale[(n.pitch % 12) as usize]).count();
        prop_assert_eq!(kept.len(), expected);
    }
}
