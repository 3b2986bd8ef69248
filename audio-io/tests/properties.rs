//! Invariants: WAV write → read round trips for every sample format, piano
//! roll ↔ notes on quantised notes, lossless MIDI write → read, melody
//! encoding round trips.

use audio_io::midi::{Instrument, MidiFile, MidiType, Note, TempoMap};
use audio_io::wav::{read_wav_as, write_wav_to_vec, Dither, WavWriteFormat, WavWriteOptions};
use audio_io::Audio;
use ndarray::Array2;
use proptest::prelude::*;

fn audio_from(channels: usize, codes: &[i32], scale: f64) -> Audio<f32> {
    let frames = codes.len() / channels;
    Audio {
        samples: Array2::from_shape_fn((channels, frames), |(c, t)| {
            (f64::from(codes[t * channels + c]) / scale) as f32
        }),
        sample_rate: 22050,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pcm16_round_trip_is_exact(channels in 1usize..4, codes in prop::collection::vec(-32768i32..=32767, 0..600)) {
        let a = audio_from(channels, &codes, 32768.0);
        let bytes = write_wav_to_vec(&a, &WavWriteOptions { format: WavWriteFormat::Pcm16, dither: Dither::None }).unwrap();
        let b = read_wav_as::<f32, _>(std::io::Cursor::new(bytes)).unwrap();
        prop_assert_eq!(b, a);
    }

    #[test]
    fn pcm24_round_trip_is_exact(channels in 1usize..4, codes in prop::collection::vec(-8_388_608i32..=8_388_607, 0..600)) {
        let a = audio_from(channels, &codes, 8_388_608.0);
        let bytes = write_wav_to_vec(&a, &WavWriteOptions { format: WavWriteFormat::Pcm24, dither: Dither::None }).unwrap();
        let b = read_wav_as::<f32, _>(std::io::Cursor::new(bytes)).unwrap();
        prop_assert_eq!(b, a);
    }

    #[test]
    fn float32_round_trip_is_exact(channels in 1usize..4, values in prop::collection::vec(-4.0f32..4.0, 0..600)) {
        let frames = values.len() / channels;
        let a = Audio { samples: Array2::from_shape_fn((channels, frames), |(c, t)| values[t * channels + c]), sample_rate: 48000 };
        let bytes = write_wav_to_vec(&a, &WavWriteOptions { format: WavWriteFormat::Float32, dither: Dither::None }).unwrap();
        let b = read_wav_as::<f32, _>(std::io::Cursor::new(bytes)).unwrap();
        prop_assert_eq!(b, a);
    }

    #[test]
    fn quantisation_error_and_clipping_are_bounded(values in prop::collection::vec(-2.0f32..2.0, 1..400), tpdf in any::<bool>()) {
        let a = Audio { samples: Array2::from_shape_vec((1, values.len()), values.clone()).unwrap(), sample_rate: 8000 };
        let dither = if tpdf { Dither::Tpdf { seed: 7 } } else { Dither::None };
        let bytes = write_wav_to_vec(&a, &WavWriteOptions { format: WavWriteFormat::Pcm16, dither }).unwrap();
        let b = read_wav_as::<f32, _>(std::io::Cursor::new(bytes)).unwrap();
        let lsb = 1.0 / 32768.0;
        for (x, y) in values.iter().zip(b.samples.iter()) {
            let clipped = x.clamp(-1.0, 1.0 - lsb);
            // Rounding: half an LSB; TPDF dither adds at most one more.
            let bound = if tpdf { 1.5 * lsb } else { 0.5 * lsb } + 1e-9;
            prop_assert!((clipped - y).abs() <= bound, "{x} -> {y}");
        }
    }

    #[test]
    fn piano_roll_round_trip_on_quantised_notes(
        raw in prop::collection::vec((0u8..128, 0usize..60, 1usize..8, 1u8..128), 0..40),
        fs in prop::sample::select(vec![10.0, 31.25, 43.066_406_25, 100.0]),
    ) {
        // Per pitch, keep notes separated by at least one silent frame.
        let mut notes: Vec<Note> = Vec::new();
        let mut busy: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 128];
        for (pitch, start, len, vel) in raw {
            let (a, b) = (start, start + len);
            if busy[usize::from(pitch)].iter().any(|&(s, e)| a <= e && s <= b) {
                continue;
            }
            busy[usize::from(pitch)].push((a, b));
            notes.push(Note { onset: a as f64 / fs, offset: b as f64 / fs, pitch, velocity: vel, program: 3, pitch_bends: None });
        }
        let roll = audio_io::piano_roll::notes_to_piano_roll(&notes, fs, Some(80)).unwrap();
        let back = audio_io::piano_roll::piano_roll_to_notes(&roll, fs, 3).unwrap();
        notes.sort_by(|a, b| a.onset.total_cmp(&b.onset).then(a.pitch.cmp(&b.pitch)));
        prop_assert_eq!(back.len(), notes.len());
        for (x, y) in back.iter().zip(&notes) {
            prop_assert_eq!((x.pitch, x.velocity, x.program), (y.pitch, y.velocity, y.program));
            prop_assert!((x.onset - y.onset).abs() < 1e-9 && (x.offset - y.offset).abs() < 1e-9);
        }
    }

    #[test]
    fn midi_write_read_is_lossless(
        tpb in prop::sample::select(vec![96u16, 220, 480, 960]),
        tempi in prop::collection::vec((1u64..4000, 200_000u32..1_500_000), 0..4),
        first_us in 200_000u32..1_500_000,
        insts in prop::collection::vec(
            (0u8..128, any::<bool>(), prop::collection::vec((0u8..128, 0u64..5000, 1u64..700, 1u8..128), 1..25)),
            1..5,
        ),
        type0 in any::<bool>(),
    ) {
        let mut changes = vec![(0u64, first_us)];
        changes.extend(tempi.iter().copied());
        let tempo = TempoMap::from_changes(tpb, &changes);
        let mut instruments = Vec::new();
        let mut drum_used = false;
        for (program, drum, raw) in insts {
            let is_drum = drum && !drum_used;
            drum_used |= is_drum;
            // Same-pitch notes must not overlap (a note-off closes every open
            // note of its pitch, as in pretty_midi).
            let mut busy: Vec<Vec<(u64, u64)>> = vec![Vec::new(); 128];
            let mut notes = Vec::new();
            for (pitch, start, len, velocity) in raw {
                let (a, b) = (start, start + len);
                if busy[usize::from(pitch)].iter().any(|&(s, e)| a <= e && s <= b) {
                    continue;
                }
                busy[usize::from(pitch)].push((a, b));
                notes.push(Note { onset: tempo.tick_to_seconds(a), offset: tempo.tick_to_seconds(b), pitch, velocity, program, pitch_bends: None });
            }
            instruments.push(Instrument { program, is_drum, channel: if is_drum { 9 } else { 0 }, notes, ..Default::default() });
        }
        let song = MidiFile { tempo: tempo.clone(), instruments };
        let kind = if type0 { MidiType::Type0 } else { MidiType::Type1 };
        let back = MidiFile::from_bytes(&song.to_bytes(kind).unwrap()).unwrap();
        prop_assert_eq!(&back.tempo.changes.iter().map(|c| (c.tick, c.microseconds_per_beat)).collect::<Vec<_>>(),
                        &tempo.changes.iter().map(|c| (c.tick, c.microseconds_per_beat)).collect::<Vec<_>>());
        prop_assert_eq!(back.instruments.len(), song.instruments.len());
        for inst in &song.instruments {
            let theirs = back.instruments.iter().find(|b| b.program == inst.program && b.is_drum == inst.is_drum
                && b.notes.len() == inst.notes.len());
            prop_assert!(theirs.is_some(), "instrument {} lost", inst.program);
            let mut a = inst.notes.clone();
            let mut b = theirs.unwrap().notes.clone();
            let key = |n: &Note| (n.onset, n.pitch);
            a.sort_by(|x, y| key(x).partial_cmp(&key(y)).unwrap());
            b.sort_by(|x, y| key(x).partial_cmp(&key(y)).unwrap());
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!((x.pitch, x.velocity, x.program), (y.pitch, y.velocity, y.program));
                prop_assert!((x.onset - y.onset).abs() < 1e-9 && (x.offset - y.offset).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn melody_encoding_round_trips(steps in prop::collection::vec((0usize..4, 1usize..9, 40u8..90), 1..30), bpm in 60.0f64..180.0) {
        // (rest steps before, note steps, pitch) on the 16th-note grid.
        let tempo = TempoMap::constant(480, bpm);
        // The tempo map holds whole microseconds per beat: decode at its bpm.
        let bpm = tempo.changes[0].bpm();
        let dt = 0.25 * 60.0 / bpm;
        let mut t = 0usize;
        let mut notes = Vec::new();
        for (rest, len, pitch) in steps {
            t += rest;
            notes.push(Note { onset: tempo.tick_to_seconds(t as u64 * 120), offset: tempo.tick_to_seconds((t + len) as u64 * 120), pitch, velocity: 80, program: 0, pitch_bends: None });
            t += len;
        }
        let symbols = audio_io::melody::encode_melody(&notes, &tempo, audio_io::melody::SIXTEENTH).unwrap();
        prop_assert_eq!(symbols.len(), t);
        let text = audio_io::melody::melody_to_string(&symbols);
        let parsed = audio_io::melody::parse_melody(&text).unwrap();
        prop_assert_eq!(&parsed, &symbols);
        let back = audio_io::melody::decode_melody(&parsed, bpm, audio_io::melody::SIXTEENTH, 80, 0).unwrap();
        prop_assert_eq!(back.len(), notes.len());
        for (x, y) in back.iter().zip(&notes) {
            prop_assert_eq!(x.pitch, y.pitch);
            prop_assert!((x.onset - y.onset).abs() < 1e-9 * (1.0 + y.onset) && (x.offset - y.offset).abs() < 1e-9 * (1.0 + y.offset), "{dt}");
        }
    }
}

#[test]
fn melody_matches_the_seed_example_and_transposes() {
    // "the first four notes of the fragment in figure 5 is represented by the
    // encoding [60, '_', 62, '_', 64, '_', 65, '_']" (eighth notes).
    let tempo = TempoMap::constant(480, 120.0);
    let notes: Vec<Note> = [60u8, 62, 64, 65]
        .iter()
        .enumerate()
        .map(|(i, &p)| Note {
            onset: 0.25 * i as f64,
            offset: 0.25 * (i + 1) as f64,
            pitch: p,
            velocity: 80,
            program: 0,
            pitch_bends: None,
        })
        .collect();
    let s = audio_io::melody::encode_melody(&notes, &tempo, audio_io::melody::SIXTEENTH).unwrap();
    assert_eq!(
        audio_io::melody::melody_to_string(&s),
        "60 _ 62 _ 64 _ 65 _"
    );
    // A rest of a quarter note then a half note.
    let gap = [Note {
        onset: 0.5,
        offset: 1.5,
        pitch: 67,
        velocity: 80,
        program: 0,
        pitch_bends: None,
    }];
    let s = audio_io::melody::encode_melody(&gap, &tempo, audio_io::melody::SIXTEENTH).unwrap();
    assert_eq!(
        audio_io::melody::melody_to_string(&s),
        "r _ _ _ 67 _ _ _ _ _ _ _"
    );
    // Off-grid notes are rejected, as the seed rejects such songs.
    let off = [Note {
        onset: 0.1,
        offset: 0.5,
        pitch: 60,
        velocity: 80,
        program: 0,
        pitch_bends: None,
    }];
    assert!(audio_io::melody::encode_melody(&off, &tempo, audio_io::melody::SIXTEENTH).is_err());
    // D minor melody → A minor (shift -5 from D4 to A4? no: +7 from D4 to A4).
    let d_minor: Vec<Note> = [62u8, 64, 65, 67, 69, 70, 73, 74, 69, 65, 62]
        .iter()
        .enumerate()
        .map(|(i, &p)| Note {
            onset: i as f64,
            offset: i as f64 + 1.0,
            pitch: p,
            velocity: 80,
            program: 0,
            pitch_bends: None,
        })
        .collect();
    let (moved, key, shift) = audio_io::melody::transpose_to_c_major_a_minor(&d_minor).unwrap();
    assert_eq!((key.tonic, key.mode), (2, audio_io::KeyMode::Minor));
    assert_eq!(shift, 7);
    assert_eq!(moved[0].pitch, 69);
}
