//! Basic Pitch on degenerate input: silence gives no notes, empty or
//! non-finite input a typed error, never a panic; invariants of the
//! streaming windower and the note creation on arbitrary input.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::basic_pitch::note_creation::output_to_notes_polyphonic;
use audio_models::basic_pitch::windowing::n_output_frames;
use audio_models::basic_pitch::{BasicPitch, PredictConfig, AUDIO_N_SAMPLES};
use audio_models::{Error, Transcriber};
use ndarray::Array2;
use proptest::prelude::*;

#[test]
fn silence_gives_no_notes() {
    let model = BasicPitch::new().unwrap();
    let notes = model
        .transcribe_mono(&vec![0.0; 3 * 22_050], &PredictConfig::default())
        .unwrap();
    assert!(notes.is_empty());
    let notes = model.transcribe(Array2::zeros((2, 22_050)).view()).unwrap();
    assert!(notes.is_empty());
}

#[test]
fn empty_and_non_finite_input_are_errors() {
    let model = BasicPitch::new().unwrap();
    let config = PredictConfig::default();
    assert!(matches!(
        model.transcribe_mono(&[], &config),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        model.transcribe(Array2::zeros((1, 0)).view()),
        Err(Error::Empty { .. })
    ));
    let mut audio = vec![0.1f32; 1000];
    audio[321] = f32::NAN;
    assert!(matches!(
        model.transcribe_mono(&audio, &config),
        Err(Error::NonFinite { index: 321, .. })
    ));
    audio[321] = f32::INFINITY;
    assert!(matches!(
        model.posteriorgrams(&audio, false),
        Err(Error::NonFinite { index: 321, .. })
    ));
    assert!(matches!(
        model.predict_window(&[0.0; 100]),
        Err(Error::WindowLength {
            expected: AUDIO_N_SAMPLES,
            got: 100
        })
    ));
    let bad = PredictConfig {
        onset_threshold: f64::NAN,
        ..PredictConfig::default()
    };
    assert!(matches!(
        model.transcribe_mono(&[0.0; 100], &bad),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        PredictConfig::min_note_len_from_ms(-1.0),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn full_scale_noise_and_clipping_do_not_panic() {
    let model = BasicPitch::new().unwrap();
    // A full-scale square wave and a DC offset: extreme but valid input.
    let square: Vec<f32> = (0..30_000)
        .map(|n| if (n / 50) % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    model
        .transcribe_mono(&square, &PredictConfig::default())
        .unwrap();
    model
        .transcribe_mono(&vec![1.0; 30_000], &PredictConfig::default())
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Any length (up to two windows) gives floor(n · 86 / 22050) frames,
    /// whatever block sizes the stream is fed in.
    #[test]
    fn frame_count_and_streaming(n in 1usize..60_000, block in 1usize..20_000, seed in 0u32..1000) {
        let model = BasicPitch::new().unwrap();
        let audio: Vec<f32> = (0..n)
            .map(|i| (((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32 / 16_777_216.0 - 0.5) * 0.2)
            .collect();
        let whole = model.posteriorgrams(&audio, true).unwrap();
        prop_assert_eq!(whole.n_frames(), n_output_frames(n as u64));
        let mut stream = model.stream(true);
        for b in audio.chunks(block) {
            stream.push(b).unwrap();
        }
        prop_assert_eq!(stream.finish().unwrap(), whole);
    }

    /// Note creation on arbitrary activations: notes inside the file, longer
    /// than the minimum, on the 88 keys.
    #[test]
    fn note_creation_invariants(
        frames in 1usize..200,
        seed in any::<u64>(),
        onset_t in 0.0f64..1.0,
        frame_t in 0.0f64..1.0,
        min_len in 0usize..20,
    ) {
        let mut state = seed | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / 16_777_216.0
        };
        let note = Array2::from_shape_fn((frames, 88), |_| next());
        let onset = Array2::from_shape_fn((frames, 88), |_| next());
        let config = PredictConfig {
            onset_threshold: onset_t,
            frame_threshold: frame_t,
            min_note_len: min_len,
            ..PredictConfig::default()
        };
        let notes = output_to_notes_polyphonic(note.view(), onset.view(), &config).unwrap();
        for n in notes {
            prop_assert!(n.start_frame < n.end_frame && n.end_frame < frames);
            prop_assert!(n.end_frame - n.start_frame > min_len);
            prop_assert!((21..=108).contains(&n.note.pitch));
            prop_assert!((0.0..=1.0).contains(&n.amplitude));
        }
    }
}
