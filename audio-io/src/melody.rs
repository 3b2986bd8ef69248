//! Notes ↔ the melody encoding of the melody-generation seed (Gomariz Kühne,
//! "Machine Learning Applications for Audio Processing", §3.B, after
//! Velardo's "Generating melodies with LSTM nets"): one symbol per 16th-note
//! step, the MIDI pitch at a note's first step, `_` on the steps it is held,
//! `r` at a rest's first step (then `_`), melodies transposed to C major or
//! A minor.
//!
//! Example from the paper: four eighth notes C D E F are `60 _ 62 _ 64 _ 65 _`.

use crate::midi::{MidiFile, Note, TempoMap};
use crate::{Error, Result};

/// One step of an encoded melody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MelodySymbol {
    /// A note starts: its MIDI pitch.
    Pitch(u8),
    /// The previous note or rest continues (`_`).
    Hold,
    /// A rest starts (`r`).
    Rest,
}

impl std::fmt::Display for MelodySymbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pitch(p) => write!(f, "{p}"),
            Self::Hold => f.write_str("_"),
            Self::Rest => f.write_str("r"),
        }
    }
}

/// The step of the seed's encoding: a 16th note, `0.25` quarter notes.
pub const SIXTEENTH: f64 = 0.25;

/// How far (in steps) a note boundary may be from a step boundary and still
/// count as on it: absorbs the rounding of seconds ↔ ticks ↔ beats.
const GRID_TOLERANCE: f64 = 1e-3;

/// Encodes a monophonic melody as the seed does.
///
/// Note times are converted to quarter-note beats with `tempo`, then to steps
/// of `step` beats ([`SIXTEENTH`] in the seed). Every onset and offset must lie
/// on the step grid (the seed rejects songs with other durations); silence
/// between notes (and before the first) becomes `r` followed by holds.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when a note boundary is off the grid, notes
/// overlap (the encoding is monophonic), a note is shorter than one step, or
/// `step` is not positive.
///
/// # Example
///
/// ```
/// use audio_io::melody::{encode_melody, melody_to_string, SIXTEENTH};
/// use audio_io::midi::{Note, TempoMap};
/// let tempo = TempoMap::constant(480, 120.0); // an eighth note is 0.25 s
/// let notes: Vec<Note> = [60u8, 62, 64, 65]
///     .iter()
///     .enumerate()
///     .map(|(i, &p)| Note::new(0.25 * i as f64, 0.25 * (i + 1) as f64, p, 80))
///     .collect();
/// let symbols = encode_melody(&notes, &tempo, SIXTEENTH)?;
/// assert_eq!(melody_to_string(&symbols), "60 _ 62 _ 64 _ 65 _");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn encode_melody(notes: &[Note], tempo: &TempoMap, step: f64) -> Result<Vec<MelodySymbol>> {
    if !(step.is_finite() && step > 0.0) {
        return Err(Error::InvalidParameter {
            name: "step",
            expected: "a positive number of beats",
            value: step.to_string(),
        });
    }
    let mut sorted: Vec<Note> = notes.to_vec();
    sorted.sort_by(|a, b| a.onset.total_cmp(&b.onset));
    let to_step = |seconds: f64| -> Result<usize> {
        let s = tempo.seconds_to_beats(seconds) / step;
        let r = s.round();
        if (s - r).abs() > GRID_TOLERANCE || !(0.0..=1e7).contains(&r) {
            return Err(Error::InvalidParameter {
                name: "note time",
                expected: "a multiple of the step (16th note)",
                value: format!("{seconds} s = {s} steps"),
            });
        }
        Ok(r as usize)
    };
    let mut out = Vec::new();
    for n in &sorted {
        let a = to_step(n.onset)?;
        let b = to_step(n.offset)?;
        if a < out.len() {
            return Err(Error::InvalidParameter {
                name: "notes",
                expected: "a monophonic melody (no overlapping notes)",
                value: format!("note at {} s overlaps the previous one", n.onset),
            });
        }
        if b <= a {
            return Err(Error::InvalidParameter {
                name: "note duration",
                expected: "at least one step",
                value: format!("{} s .. {} s", n.onset, n.offset),
            });
        }
        if a > out.len() {
            out.push(MelodySymbol::Rest);
            out.resize(a, MelodySymbol::Hold);
        }
        out.push(MelodySymbol::Pitch(n.pitch));
        out.resize(b, MelodySymbol::Hold);
    }
    Ok(out)
}

/// Decodes symbols to notes at a constant tempo: a step lasts
/// `step * 60 / bpm` seconds. A leading `_` is treated as a rest.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive `bpm` or `step`.
///
/// # Example
///
/// ```
/// use audio_io::melody::{decode_melody, parse_melody, SIXTEENTH};
/// let notes = decode_melody(&parse_melody("60 _ r _ 62")?, 120.0, SIXTEENTH, 90, 0)?;
/// assert_eq!(notes.len(), 2);
/// assert_eq!((notes[1].onset, notes[1].offset), (0.5, 0.625));
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn decode_melody(
    symbols: &[MelodySymbol],
    bpm: f64,
    step: f64,
    velocity: u8,
    program: u8,
) -> Result<Vec<Note>> {
    if !(bpm.is_finite() && bpm > 0.0 && step.is_finite() && step > 0.0) {
        return Err(Error::InvalidParameter {
            name: "bpm/step",
            expected: "positive finite values",
            value: format!("{bpm} bpm, {step} beats"),
        });
    }
    let dt = step * 60.0 / bpm;
    let mut notes: Vec<Note> = Vec::new();
    let mut current: Option<(u8, usize)> = None;
    let flush = |cur: Option<(u8, usize)>, end: usize, notes: &mut Vec<Note>| {
        if let Some((p, s)) = cur {
            notes.push(Note {
                program,
                ..Note::new(s as f64 * dt, end as f64 * dt, p, velocity)
            });
        }
    };
    for (i, sym) in symbols.iter().enumerate() {
        match sym {
            MelodySymbol::Hold => {}
            MelodySymbol::Rest => {
                flush(current.take(), i, &mut notes);
            }
            MelodySymbol::Pitch(p) => {
                flush(current.take(), i, &mut notes);
                current = Some((*p, i));
            }
        }
    }
    flush(current, symbols.len(), &mut notes);
    Ok(notes)
}

/// Symbols as the seed writes them, separated by spaces: `"60 _ r _"`.
pub fn melody_to_string(symbols: &[MelodySymbol]) -> String {
    symbols
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses whitespace-separated symbols (`60`, `_`, `r`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a token that is neither a pitch 0..=127,
/// `_` nor `r`.
///
/// # Example
///
/// ```
/// use audio_io::melody::{parse_melody, MelodySymbol};
/// assert_eq!(parse_melody("64 _ r")?, vec![MelodySymbol::Pitch(64), MelodySymbol::Hold, MelodySymbol::Rest]);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn parse_melody(text: &str) -> Result<Vec<MelodySymbol>> {
    text.split_whitespace()
        .map(|tok| match tok {
            "_" => Ok(MelodySymbol::Hold),
            "r" => Ok(MelodySymbol::Rest),
            t => t
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= 127)
                .map(MelodySymbol::Pitch)
                .ok_or_else(|| Error::InvalidParameter {
                    name: "melody symbol",
                    expected: "a MIDI pitch 0..=127, `_` or `r`",
                    value: t.chars().take(32).collect(),
                }),
        })
        .collect()
}

/// Reads notes from a file chosen by its extension: `.txt` is a melody
/// encoding ([`parse_melody`], then [`decode_melody`] at `bpm` with
/// [`SIXTEENTH`] steps, velocity 90, program 0: each step lasts
/// `0.25 · 60 / bpm` seconds); `.krn` is a Humdrum `**kern` score
/// ([`crate::kern::read_kern`], every part's notes at a constant `bpm`,
/// its `*MM` marks ignored, so that [`encode_melody`] with
/// `TempoMap::constant(_, bpm)` puts them back on the grid); anything else
/// is a notes file read as [`crate::notes::read_notes`] with the format of
/// its extension (`.csv`, `.json`).
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Unsupported`] for an
/// extension other than `.txt`, `.krn`, `.csv` or `.json`; as [`parse_melody`]
/// and [`decode_melody`] (a bad symbol, a non-positive `bpm`),
/// [`crate::kern::KernScore::parse`] (a malformed kern file) or
/// [`crate::notes::from_str`] (a malformed notes file).
///
/// # Example
///
/// ```
/// let path = std::env::temp_dir().join(format!("audio-io-melody-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, "60 _ 62 _ r _ 64 _ _ _")?;
/// let notes = audio_io::melody::read_notes_or_melody(&path, 120.0)?;
/// assert_eq!(notes.iter().map(|n| n.pitch).collect::<Vec<_>>(), [60, 62, 64]);
/// assert_eq!((notes[2].onset, notes[2].offset), (0.75, 1.25));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_notes_or_melody(path: impl AsRef<std::path::Path>, bpm: f64) -> Result<Vec<Note>> {
    let path = path.as_ref();
    if path.extension().is_some_and(|e| e == "txt") {
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        decode_melody(&parse_melody(&text)?, bpm, SIXTEENTH, 90, 0)
    } else if path.extension().is_some_and(|e| e == "krn") {
        crate::kern::read_kern(path)?.to_notes(Some(bpm))
    } else {
        crate::notes::read_notes(path, None)
    }
}

/// Transposes a melody to C major (major keys) or A minor (minor keys), as
/// the seed's preprocessing does with music21: `audio_dsp`'s
/// `transpose_to_c_major_a_minor` (the key is the Krumhansl–Schmuckler
/// estimate of the notes).
pub use audio_dsp::transpose_to_c_major_a_minor;

/// The seed's encoding of a MIDI file's notes ([`MidiFile::notes`], at its
/// tempo map, in 16th-note steps), transposed to C major / A minor first
/// when `transpose` is set.
///
/// # Errors
///
/// As [`encode_melody`]; [`Error::Dsp`] when `transpose` is set and no key
/// can be estimated (no notes) or a pitch leaves `0..=127`.
///
/// # Example
///
/// ```
/// use audio_io::midi::{MidiFile, Note, TempoMap};
/// let song = MidiFile::from_notes([Note::new(0.0, 0.25, 67, 80)], TempoMap::constant(480, 120.0));
/// let symbols = audio_io::melody::midi_to_melody(&song, false)?;
/// assert_eq!(audio_io::melody::melody_to_string(&symbols), "67 _");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn midi_to_melody(midi: &MidiFile, transpose: bool) -> Result<Vec<MelodySymbol>> {
    let mut notes = midi.notes();
    if transpose {
        notes = transpose_to_c_major_a_minor(&notes)?.0;
    }
    encode_melody(&notes, &midi.tempo, SIXTEENTH)
}

/// The seed's encoding of one part of a `**kern` score (its notes in
/// quarter notes, grace notes left out, in 16th-note steps), transposed to
/// C major / A minor first when `transpose` is set: what the seed does with
/// music21 on KernScores melodies.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `part` is not a part of the score; as
/// [`encode_melody`] (a duration off the 16th-note grid, such as a triplet,
/// or overlapping notes: a part with chords or two voices); [`Error::Dsp`]
/// as [`midi_to_melody`] when transposing.
///
/// # Example
///
/// ```
/// let score = audio_io::kern::KernScore::parse("**kern\n*M2/4\n8g\n8a\n4r\n=1\n2b\n*-\n")?;
/// let symbols = audio_io::melody::kern_to_melody(&score, 0, false)?;
/// assert_eq!(audio_io::melody::melody_to_string(&symbols), "67 _ 69 _ r _ _ _ 71 _ _ _ _ _ _ _");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn kern_to_melody(
    score: &crate::kern::KernScore,
    part: usize,
    transpose: bool,
) -> Result<Vec<MelodySymbol>> {
    if part >= score.parts.len() {
        return Err(Error::InvalidParameter {
            name: "part",
            expected: "the index of a part of the score",
            value: format!("{part} (the score has {})", score.parts.len()),
        });
    }
    // At 60 bpm a second is a quarter note, exactly (1 000 000 µs per beat).
    let midi = score.to_midi(Some(60.0))?;
    let mut notes = midi.instruments[part].notes.clone();
    if transpose {
        notes = transpose_to_c_major_a_minor(&notes)?.0;
    }
    encode_melody(&notes, &midi.tempo, SIXTEENTH)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("audio-io-melody-{}-{name}", std::process::id()))
    }

    #[test]
    fn read_notes_or_melody_reads_by_extension() {
        let txt = tmp("m.txt");
        std::fs::write(&txt, "60 _ 62 _ r _ 64 _ _ _\n").unwrap();
        let want = decode_melody(
            &parse_melody("60 _ 62 _ r _ 64 _ _ _").unwrap(),
            96.0,
            SIXTEENTH,
            90,
            0,
        )
        .unwrap();
        assert_eq!(read_notes_or_melody(&txt, 96.0).unwrap(), want);
        // One step is a 16th note: 0.25 · 60 / 96 s.
        assert_eq!(want[1].onset, 2.0 * 0.25 * 60.0 / 96.0);
        let csv = tmp("m.csv");
        crate::notes::write_notes(&csv, &want, None).unwrap();
        let back = read_notes_or_melody(&csv, 96.0).unwrap();
        assert_eq!(back.len(), want.len());
        let krn = tmp("m.krn");
        std::fs::write(&krn, "**kern\n8c\n8d\n8r\n8d\n4e\n*-\n").unwrap();
        let from_krn = read_notes_or_melody(&krn, 96.0).unwrap();
        let from_txt = decode_melody(
            &parse_melody("60 _ 62 _ r _ 62 _ 64 _ _ _").unwrap(),
            96.0,
            SIXTEENTH,
            90,
            0,
        )
        .unwrap();
        assert_eq!(from_krn.len(), from_txt.len());
        for (a, b) in from_krn.iter().zip(&from_txt) {
            assert_eq!(a.pitch, b.pitch);
            // 16th steps at 96 bpm; both sides compute in f64 from exact quarters.
            assert!((a.onset - b.onset).abs() < 1e-9 && (a.offset - b.offset).abs() < 1e-9);
        }
        std::fs::remove_file(&krn).unwrap();
        let json = tmp("m.json");
        crate::notes::write_notes(&json, &want, None).unwrap();
        assert_eq!(read_notes_or_melody(&json, 1.0).unwrap(), want);
        for p in [&txt, &csv, &json] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn read_notes_or_melody_reports_errors() {
        let bad = tmp("bad.txt");
        std::fs::write(&bad, "60 _ x").unwrap();
        assert!(matches!(
            read_notes_or_melody(&bad, 120.0),
            Err(Error::InvalidParameter { .. })
        ));
        std::fs::write(&bad, "60 _").unwrap();
        assert!(matches!(
            read_notes_or_melody(&bad, 0.0),
            Err(Error::InvalidParameter { .. })
        ));
        std::fs::remove_file(&bad).unwrap();
        assert!(matches!(
            read_notes_or_melody(tmp("absent.txt"), 120.0),
            Err(Error::Io { .. })
        ));
        assert!(matches!(
            read_notes_or_melody(tmp("notes.xyz"), 120.0),
            Err(Error::Unsupported { .. })
        ));
    }
}
