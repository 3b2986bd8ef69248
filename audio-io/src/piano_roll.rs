//! Notes ↔ piano roll at a frame rate (the transcription seed trains on
//! piano rolls aligned to spectrogram frames: `fs = sr / hop_length`).

use ndarray::Array2;

use crate::midi::Note;
use crate::{Error, Result};

fn check_fs(fs: f64) -> Result<()> {
    if fs.is_finite() && fs > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "fs",
            expected: "a finite frame rate > 0",
            value: fs.to_string(),
        })
    }
}

/// The most frames a piano roll may have (guards against absurd note times).
const MAX_FRAMES: usize = 1 << 26;

/// Renders notes to a `(128, frames)` piano roll, as
/// `pretty_midi.Instrument.get_piano_roll(fs)` does for a pitched instrument
/// without pitch bends or sustain pedal:
/// `roll[pitch, floor(onset * fs) .. floor(offset * fs)] += velocity`
/// (a product a rounding error below an integer counts as that integer,
/// where Python's `int()` would truncate `0.29 * 100` to 28).
///
/// Unlike pretty_midi, drum notes are rendered like any other (pretty_midi
/// returns zeros for drums), pitch bends do not shift rows, and the sustain
/// pedal (CC 64) does not extend notes: this works on notes alone.
///
/// `frames` defaults to `floor(fs * max_offset)`, pretty_midi's length for
/// an instrument whose last event is a note-off.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive or non-finite `fs`, a
/// note time that is negative or not finite, or a roll of more than 2^26
/// frames.
///
/// # Shapes
///
/// Returns `(128, frames)`.
///
/// # Example
///
/// ```
/// use audio_io::midi::Note;
/// let notes = [Note::new(0.1, 0.3, 60, 100)];
/// let roll = audio_io::piano_roll::notes_to_piano_roll(&notes, 10.0, None)?;
/// assert_eq!(roll.dim(), (128, 3));
/// assert_eq!(roll.row(60).to_vec(), vec![0.0, 100.0, 100.0]);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn notes_to_piano_roll(notes: &[Note], fs: f64, frames: Option<usize>) -> Result<Array2<f32>> {
    check_fs(fs)?;
    let mut end = 0.0f64;
    for n in notes {
        if !(n.onset.is_finite() && n.offset.is_finite() && n.onset >= 0.0 && n.offset >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "note times",
                expected: "finite times >= 0 s",
                value: format!("onset {} offset {}", n.onset, n.offset),
            });
        }
        end = end.max(n.offset);
    }
    let frames = match frames {
        Some(f) => f,
        None => {
            let f = (fs * end).floor();
            if f > MAX_FRAMES as f64 {
                MAX_FRAMES + 1
            } else {
                f as usize
            }
        }
    };
    if frames > MAX_FRAMES {
        return Err(Error::InvalidParameter {
            name: "frames",
            expected: "at most 2^26 frames",
            value: frames.to_string(),
        });
    }
    let mut roll = Array2::<f32>::zeros((128, frames));
    for n in notes {
        let a = frame_of(n.onset, fs).min(frames);
        let b = frame_of(n.offset, fs).min(frames);
        let p = usize::from(n.pitch.min(127));
        for t in a..b {
            roll[(p, t)] += f32::from(n.velocity);
        }
    }
    Ok(roll)
}

/// `floor(t * fs)`, except that a product within `SNAP` below an integer
/// counts as that integer: `0.29 s * 100` is `28.999999999999996` in
/// floating point, and a note written at frame 29 must come back at frame 29.
fn frame_of(t: f64, fs: f64) -> usize {
    let x = t * fs;
    let r = x.round();
    if r > x && r - x < SNAP {
        r as usize
    } else {
        x.floor() as usize
    }
}

/// Relative snapping distance of [`frame_of`] (in frames): far below one frame,
/// far above the rounding error of `t * fs`.
const SNAP: f64 = 1e-9;

/// Reads notes back from a piano roll: each run of consecutive non-zero
/// frames of a pitch is one note from `start / fs` to `end / fs`, with the
/// velocity of its first frame (rounded, clamped to 1..=127) and `program`.
///
/// Adjacent notes of the same pitch with no silent frame between them merge
/// into one (a roll cannot tell them apart); a note shorter than a frame
/// vanishes. Notes are sorted by onset, then pitch.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a bad `fs`; [`Error::ShapeMismatch`] when the roll
/// does not have 128 rows.
///
/// # Shapes
///
/// `roll` is `(128, frames)`.
///
/// # Example
///
/// ```
/// let mut roll = ndarray::Array2::<f32>::zeros((128, 4));
/// roll[(64, 1)] = 80.0;
/// roll[(64, 2)] = 80.0;
/// let notes = audio_io::piano_roll::piano_roll_to_notes(&roll, 10.0, 0)?;
/// assert_eq!(notes.len(), 1);
/// assert_eq!((notes[0].onset, notes[0].offset, notes[0].velocity), (0.1, 0.3, 80));
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn piano_roll_to_notes(roll: &Array2<f32>, fs: f64, program: u8) -> Result<Vec<Note>> {
    check_fs(fs)?;
    if roll.nrows() != 128 {
        return Err(Error::ShapeMismatch {
            what: "piano roll".to_string(),
            expected: vec![128, roll.ncols()],
            got: roll.shape().to_vec(),
        });
    }
    let mut notes = Vec::new();
    for (p, row) in roll.outer_iter().enumerate() {
        let mut start: Option<usize> = None;
        for t in 0..=row.len() {
            let on = t < row.len() && row[t] != 0.0;
            match (on, start) {
                (true, None) => start = Some(t),
                (false, Some(s)) => {
                    notes.push(Note {
                        program,
                        ..Note::new(
                            s as f64 / fs,
                            t as f64 / fs,
                            p as u8,
                            row[s].round().clamp(1.0, 127.0) as u8,
                        )
                    });
                    start = None;
                }
                _ => {}
            }
        }
    }
    Note::sort(&mut notes);
    Ok(notes)
}
