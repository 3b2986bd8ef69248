//! Unit conversions as `librosa.core.convert` (0.11): Hz ↔ MIDI ↔ note
//! names, frames ↔ samples ↔ seconds, and the frequency grids of FFT and mel
//! bins.
//!
//! The formulas are librosa's, operation for operation, so results agree to
//! the last bit with librosa on scalars:
//!
//! - `hz_to_midi(f) = 12 (log2 f − log2 440) + 69`, `midi_to_hz(m) = 440 · 2^((m − 69) / 12)`;
//! - a note name is a letter `A`–`G` (either case), any number of
//!   accidentals (`#` `♯` sharp, `b` `!` `♭` flat, `𝄪` double sharp, `𝄫`
//!   double flat, `♮` natural), an optional octave (`4`, `-1`; 0 when absent)
//!   and optional cents (`+15`, `-30`): `A4 = 69`, `C-1 = 0`, `A4+15 = 69.15`;
//! - names are written with sharps. librosa's `midi_to_note` writes `♯` by
//!   default (`unicode=True`); here the default is ASCII `#`
//!   ([`PitchNameOptions::unicode`] selects `♯`); both parse;
//! - `frames_to_samples(k) = k · hop + n_fft / 2` (the offset only when
//!   `n_fft` is given), `samples_to_frames(n) = floor((n − offset) / hop)`,
//!   `time_to_samples(t) = trunc(t · sr)` (numpy's `astype(int)`),
//!   `samples_to_time(n) = n / sr`.
//!
//! [`fft_frequencies`], [`mel_frequencies`], [`hz_to_mel`] and [`mel_to_hz`]
//! live with the mel filterbank that uses them and are re-exported here.

use crate::{Error, Result};

pub use crate::filters::mel::{fft_frequencies, hz_to_mel, mel_frequencies, mel_to_hz};

/// Hz → (fractional) MIDI note number, `librosa.hz_to_midi`:
/// `12 (log2 f − log2 440) + 69`. Zero gives `-inf`, negative frequencies NaN,
/// as numpy does.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::hz_to_midi(440.0), 69.0);
/// assert_eq!(audio_dsp::hz_to_midi(880.0), 81.0);
/// ```
pub fn hz_to_midi(hz: f64) -> f64 {
    12.0 * (hz.log2() - 440f64.log2()) + 69.0
}

/// A-weighting of a frequency in dB, `librosa.A_weighting(f, min_db)`
/// (IEC 61672): `2 + 20 (log10 c₀ + 2 log10 f² − log10(f² + c₀) −
/// log10(f² + c₁) − ½ log10(f² + c₂) − ½ log10(f² + c₃))` with
/// `c = (12194.217², 20.598997², 107.65265², 737.86223²)`, floored at
/// `min_db` when given (librosa's default `-80`).
///
/// # Example
///
/// ```
/// // 0 dB near 1 kHz by design.
/// assert!(audio_dsp::a_weighting(1000.0, Some(-80.0)).abs() < 0.01);
/// assert_eq!(audio_dsp::a_weighting(0.0, Some(-80.0)), -80.0);
/// ```
pub fn a_weighting(hz: f64, min_db: Option<f64>) -> f64 {
    const C: [f64; 4] = [
        12_194.217 * 12_194.217,
        20.598_997 * 20.598_997,
        107.652_65 * 107.652_65,
        737.862_23 * 737.862_23,
    ];
    let f2 = hz * hz;
    let w = 2.0
        + 20.0
            * (C[0].log10() + 2.0 * f2.log10()
                - (f2 + C[0]).log10()
                - (f2 + C[1]).log10()
                - 0.5 * (f2 + C[2]).log10()
                - 0.5 * (f2 + C[3]).log10());
    match min_db {
        Some(floor) => w.max(floor),
        None => w,
    }
}

/// MIDI note number → Hz, `librosa.midi_to_hz`: `440 · 2^((m − 69) / 12)`.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::midi_to_hz(69.0), 440.0);
/// assert!((audio_dsp::midi_to_hz(60.0) - 261.625_565_300_598_6).abs() < 1e-12);
/// ```
pub fn midi_to_hz(midi: f64) -> f64 {
    440.0 * 2f64.powf((midi - 69.0) / 12.0)
}

/// Semitones above C of a natural note letter.
fn letter_value(c: char) -> Option<i32> {
    Some(match c.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    })
}

/// Semitones of one accidental symbol (librosa's `acc_map`).
fn accidental_value(c: char) -> Option<i32> {
    Some(match c {
        '#' | '♯' => 1,
        '𝄪' => 2,
        'b' | '!' | '♭' => -1,
        '𝄫' => -2,
        '♮' => 0,
        _ => return None,
    })
}

/// Splits `letter accidentals*` off the front of a name: the semitones above
/// C (accidentals applied, not reduced mod 12) and the rest of the string.
fn split_pitch(name: &str) -> Option<(i32, &str)> {
    let mut chars = name.char_indices();
    let (_, letter) = chars.next()?;
    let mut value = letter_value(letter)?;
    let mut rest = &name[letter.len_utf8()..];
    for (i, c) in chars {
        match accidental_value(c) {
            Some(v) => value += v,
            None => {
                rest = &name[i..];
                return Some((value, rest));
            }
        }
        rest = &name[i + c.len_utf8()..];
    }
    Some((value, rest))
}

/// Parses `[+-]?digits` at the front of `s` (sign optional when
/// `sign_required` is false): the value and the rest.
fn split_int(s: &str, sign_required: bool) -> Option<(i64, &str)> {
    let (sign, digits) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ if sign_required => return None,
        _ => (1, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 || end > 9 {
        return None;
    }
    let v: i64 = digits[..end].parse().ok()?;
    Some((sign * v, &digits[end..]))
}

fn bad_note(note: &str) -> Error {
    Error::InvalidParameter {
        name: "note",
        value: note.chars().take(32).collect(),
        expected: "a note name: a letter A-G, accidentals (#, b, ♯, ♭, 𝄪, 𝄫, ♮, !), \
                   an optional octave and optional cents, e.g. C4, F#3, Db5, A4+15",
    }
}

/// Note name → (fractional) MIDI number, `librosa.note_to_midi(note,
/// round_midi=False)`: `value(letter) + Σ accidentals + 12 (octave + 1) +
/// cents / 100`, the octave 0 when absent. Round the result for librosa's
/// default `round_midi=True`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for anything else than the grammar of the
/// [module docs](self).
///
/// # Example
///
/// ```
/// use audio_dsp::note_to_midi;
/// assert_eq!(note_to_midi("C4")?, 60.0);
/// assert_eq!(note_to_midi("Db3")?, 49.0);
/// assert_eq!(note_to_midi("F♯-1")?, 6.0);
/// assert_eq!(note_to_midi("A4+15")?, 69.15);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn note_to_midi(note: &str) -> Result<f64> {
    let s = note.trim();
    let (value, rest) = split_pitch(s).ok_or_else(|| bad_note(note))?;
    let (octave, rest) = if rest.is_empty() {
        (0, rest)
    } else {
        split_int(rest, false).ok_or_else(|| bad_note(note))?
    };
    let (cents, rest) = if rest.is_empty() {
        (0, rest)
    } else {
        split_int(rest, true).ok_or_else(|| bad_note(note))?
    };
    if !rest.is_empty() {
        return Err(bad_note(note));
    }
    Ok((i64::from(value) + 12 * (octave + 1)) as f64 + cents as f64 * 0.01)
}

/// Note name → Hz, `librosa.note_to_hz`: [`midi_to_hz`] of [`note_to_midi`].
///
/// # Errors
///
/// As [`note_to_midi`].
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::note_to_hz("A4")?, 440.0);
/// assert!((audio_dsp::note_to_hz("C1")? - audio_dsp::C1_HZ).abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn note_to_hz(note: &str) -> Result<f64> {
    Ok(midi_to_hz(note_to_midi(note)?))
}

/// The pitch class (`0` = C … `11` = B) of a note name without octave or
/// cents (`"C#"`, `"Eb"`, `"b♭"`), reduced mod 12 (`"B#"` is 0, `"Cb"` 11).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for anything but a letter and accidentals.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::note_to_pitch_class("Eb")?, 3);
/// assert_eq!(audio_dsp::note_to_pitch_class("c♯")?, 1);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn note_to_pitch_class(name: &str) -> Result<u8> {
    match split_pitch(name.trim()) {
        Some((v, "")) => Ok(v.rem_euclid(12) as u8),
        _ => Err(Error::InvalidParameter {
            name: "pitch class",
            value: name.chars().take(32).collect(),
            expected: "a letter A-G and accidentals (#, b, ♯, ♭), e.g. C, F#, Eb",
        }),
    }
}

/// Pitch-class names from C with ASCII sharps (librosa's `C:maj` spelling).
pub const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Pitch-class names from C with Unicode sharps, as librosa writes them.
const PITCH_CLASS_NAMES_UNICODE: [&str; 12] = [
    "C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B",
];

/// How [`midi_to_note_with`] spells a name (librosa's `midi_to_note` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PitchNameOptions {
    /// Append the octave (`C4`; librosa's `octave`, default `true`).
    pub octave: bool,
    /// Append the deviation in cents (`A4+15`; librosa's `cents`, default `false`).
    pub cents: bool,
    /// Write `♯` instead of `#` (librosa's `unicode`; default `false` here,
    /// where librosa's is `true`).
    pub unicode: bool,
}

impl Default for PitchNameOptions {
    fn default() -> Self {
        Self {
            octave: true,
            cents: false,
            unicode: false,
        }
    }
}

/// The name of an integral MIDI number with its octave, `C4` for 60 (ASCII
/// sharps; librosa's octave `trunc(m / 12) - 1`).
pub(crate) fn pitch_name(note_num: i64, options: &PitchNameOptions) -> String {
    let names = if options.unicode {
        &PITCH_CLASS_NAMES_UNICODE
    } else {
        &PITCH_CLASS_NAMES
    };
    let mut s = names[note_num.rem_euclid(12) as usize].to_string();
    if options.octave {
        // Python's int(note_num / 12) truncates toward zero.
        s.push_str(&(note_num / 12 - 1).to_string());
    }
    s
}

/// MIDI number → note name, `librosa.midi_to_note(midi, unicode=False)`:
/// the nearest integer's pitch class (sharps) and octave, `C4` for 60.
///
/// # Errors
///
/// As [`midi_to_note_with`].
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::midi_to_note(61.0)?, "C#4");
/// assert_eq!(audio_dsp::midi_to_note(0.0)?, "C-1");
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn midi_to_note(midi: f64) -> Result<String> {
    midi_to_note_with(midi, &PitchNameOptions::default())
}

/// MIDI number → note name with librosa's options: the nearest integer
/// (`round`, half to even) names the note, the octave is
/// `trunc(note / 12) − 1` (Python's `int()`, as librosa), and the cents are
/// `trunc(100 · round(midi − note, 2))` written with a sign (`A4+15`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite number or one beyond ±2^53.
///
/// # Example
///
/// ```
/// use audio_dsp::{midi_to_note_with, PitchNameOptions};
/// let o = PitchNameOptions { cents: true, unicode: true, ..Default::default() };
/// assert_eq!(midi_to_note_with(70.15, &o)?, "A♯4+15");
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn midi_to_note_with(midi: f64, options: &PitchNameOptions) -> Result<String> {
    if !midi.is_finite() || midi.abs() > 9.007_199_254_740_992e15 {
        return Err(Error::InvalidParameter {
            name: "midi",
            value: midi.to_string(),
            expected: "a finite MIDI number",
        });
    }
    let note_num = midi.round_ties_even();
    let mut s = pitch_name(note_num as i64, options);
    if options.cents {
        // int(100 * np.around(midi - note_num, 2))
        let dev = ((midi - note_num) * 100.0).round_ties_even() / 100.0;
        let cents = (100.0 * dev).trunc() as i64;
        s.push_str(&format!("{cents:+}"));
    }
    Ok(s)
}

/// Hz → note name, `librosa.hz_to_note(hz, unicode=False)`: [`midi_to_note`]
/// of [`hz_to_midi`].
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a frequency that is not finite and
/// positive.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::hz_to_note(440.0)?, "A4");
/// assert_eq!(audio_dsp::hz_to_note(450.0)?, "A4");
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn hz_to_note(hz: f64) -> Result<String> {
    if !(hz.is_finite() && hz > 0.0) {
        return Err(Error::InvalidParameter {
            name: "frequency",
            value: hz.to_string(),
            expected: "a finite frequency > 0 Hz",
        });
    }
    midi_to_note(hz_to_midi(hz))
}

fn check_sr(sr: f64) -> Result<()> {
    if sr.is_finite() && sr > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "sr",
            value: sr.to_string(),
            expected: "a finite sample rate > 0",
        })
    }
}

fn check_hop(hop_length: usize) -> Result<i64> {
    match i64::try_from(hop_length) {
        Ok(h) if h > 0 => Ok(h),
        _ => Err(Error::InvalidParameter {
            name: "hop_length",
            value: hop_length.to_string(),
            expected: "a hop length > 0",
        }),
    }
}

fn fft_offset(n_fft: Option<usize>) -> i64 {
    n_fft.map_or(0, |n| i64::try_from(n / 2).unwrap_or(i64::MAX))
}

/// Frame index → sample index, `librosa.frames_to_samples`:
/// `frames · hop_length + n_fft / 2` (the offset only with `n_fft`, which
/// centres the frame in its window), saturating at the `i64` range.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `hop_length = 0`.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::frames_to_samples(3, 512, None)?, 1536);
/// assert_eq!(audio_dsp::frames_to_samples(3, 512, Some(2048))?, 2560);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn frames_to_samples(frames: i64, hop_length: usize, n_fft: Option<usize>) -> Result<i64> {
    let hop = check_hop(hop_length)?;
    Ok(frames.saturating_mul(hop).saturating_add(fft_offset(n_fft)))
}

/// Sample index → frame index, `librosa.samples_to_frames`:
/// `floor((samples − n_fft / 2) / hop_length)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `hop_length = 0`.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::samples_to_frames(1535, 512, None)?, 2);
/// assert_eq!(audio_dsp::samples_to_frames(0, 512, Some(2048))?, -2);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn samples_to_frames(samples: i64, hop_length: usize, n_fft: Option<usize>) -> Result<i64> {
    let hop = check_hop(hop_length)?;
    Ok(samples.saturating_sub(fft_offset(n_fft)).div_euclid(hop))
}

/// Seconds → sample index, `librosa.time_to_samples`: `trunc(t · sr)`
/// (numpy's `astype(int)`), saturating at the `i64` range.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite time or a sample rate that
/// is not finite and positive.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::time_to_samples(1.5, 22050.0)?, 33075);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn time_to_samples(time: f64, sr: f64) -> Result<i64> {
    check_sr(sr)?;
    if !time.is_finite() {
        return Err(Error::InvalidParameter {
            name: "time",
            value: time.to_string(),
            expected: "a finite time in seconds",
        });
    }
    Ok((time * sr) as i64)
}

/// Sample index → seconds, `librosa.samples_to_time`: `samples / sr`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a sample rate that is not finite and positive.
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::samples_to_time(11025, 22050.0)?, 0.5);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn samples_to_time(samples: i64, sr: f64) -> Result<f64> {
    check_sr(sr)?;
    Ok(samples as f64 / sr)
}

/// Frame index → seconds, `librosa.frames_to_time`:
/// [`samples_to_time`] of [`frames_to_samples`].
///
/// # Errors
///
/// As [`frames_to_samples`] and [`samples_to_time`].
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::frames_to_time(43, 22050.0, 512, None)?, 43.0 * 512.0 / 22050.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn frames_to_time(
    frames: i64,
    sr: f64,
    hop_length: usize,
    n_fft: Option<usize>,
) -> Result<f64> {
    check_sr(sr)?;
    samples_to_time(frames_to_samples(frames, hop_length, n_fft)?, sr)
}

/// Seconds → frame index, `librosa.time_to_frames`: [`samples_to_frames`]
/// of [`time_to_samples`].
///
/// # Errors
///
/// As [`time_to_samples`] and [`samples_to_frames`].
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::time_to_frames(1.0, 22050.0, 512, None)?, 43);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn time_to_frames(time: f64, sr: f64, hop_length: usize, n_fft: Option<usize>) -> Result<i64> {
    check_hop(hop_length)?;
    samples_to_frames(time_to_samples(time, sr)?, hop_length, n_fft)
}

#[cfg(test)]
mod tests {
    //! Errors, definitional identities and round trips; librosa's own values
    //! for every conversion are checked in `tests/convert_fixtures.rs`.
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn reference_pitch_and_edge_values() {
        // The definition: A4 = MIDI 69 = 440 Hz.
        assert_eq!(midi_to_hz(69.0), 440.0);
        assert_eq!(hz_to_midi(440.0), 69.0);
        assert_eq!(hz_to_midi(0.0), f64::NEG_INFINITY);
        assert!(hz_to_midi(-1.0).is_nan());
    }

    #[test]
    fn bad_names_and_values_are_typed_errors() {
        for bad in [
            "", "H4", "4", "C#x", "C4+", "C4 5", "Cmaj", "A4+15+1", "C4.5",
        ] {
            assert!(note_to_midi(bad).is_err(), "{bad:?}");
        }
        assert!(note_to_pitch_class("C4").is_err());
        assert!(midi_to_note(f64::NAN).is_err());
        assert!(hz_to_note(0.0).is_err());
        assert!(frames_to_samples(1, 0, None).is_err());
        assert!(samples_to_frames(1, 0, None).is_err());
        assert!(time_to_frames(1.0, 22050.0, 0, None).is_err());
        assert!(samples_to_time(1, 0.0).is_err());
        assert!(time_to_samples(f64::NAN, 22050.0).is_err());
    }

    #[test]
    fn names_round_trip_and_conversions_saturate() {
        for m in 0..128 {
            let name = midi_to_note(f64::from(m)).unwrap();
            assert_eq!(note_to_midi(&name).unwrap(), f64::from(m), "{name}");
        }
        assert_eq!(
            frames_to_samples(i64::MAX, 512, Some(2048)).unwrap(),
            i64::MAX
        );
    }
}
