//! The lexer of `**kern` tokens: one note or rest of a data token (pitch,
//! duration, ties, grace) and the tandem interpretations the reader keeps
//! (key signature, key, meter, tempo, instrument).
//!
//! Reference: the Humdrum `**kern` representation,
//! <https://www.humdrum.org/rep/kern/>.

use audio_dsp::{Key, KeyMode};

use super::Rational;

/// The most augmentation dots one duration may carry (more is rejected; the
/// corpus never exceeds three).
const MAX_DOTS: u32 = 16;

/// The largest reciprocal (or `%` numerator/denominator) accepted.
const MAX_RECIPROCAL: i64 = 1 << 24;

/// How a note is tied to its neighbours (`[`, `_`, `]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tie {
    None,
    Start,
    Continue,
    End,
}

/// One note or rest of a data token (a chord has several, space-separated).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubToken {
    /// MIDI pitch; `None` for a rest.
    pub pitch: Option<u8>,
    /// Duration in quarter notes; `None` when the token has no reciprocal
    /// (allowed for grace notes and for the later notes of a chord).
    pub duration: Option<Rational>,
    /// `q` / `Q`: a grace note (no duration in time).
    pub grace: bool,
    pub tie: Tie,
}

/// Parses the duration of a subtoken: the first run of digits (the
/// reciprocal, `0`/`00`/`000` for breve/long/maxima), an optional `%m`
/// (reciprocal `n/m`) right after it, and every `.` of the token as an
/// augmentation dot.
fn duration(tok: &str) -> Result<Option<Rational>, String> {
    let bytes = tok.as_bytes();
    let Some(start) = bytes.iter().position(u8::is_ascii_digit) else {
        return Ok(None);
    };
    let digits_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |p| from + p)
    };
    let end = digits_end(start);
    let run = &tok[start..end];
    let number = |s: &str| -> Result<i64, String> {
        s.parse::<i64>()
            .ok()
            .filter(|&v| v <= MAX_RECIPROCAL)
            .ok_or_else(|| format!("reciprocal `{s}` out of range (at most {MAX_RECIPROCAL})"))
    };
    let mut base = if run.bytes().all(|b| b == b'0') {
        // 0 = breve (8 quarters), 00 = long (16), 000 = maxima (32).
        if run.len() > 3 {
            return Err(format!("reciprocal `{run}`: at most three zeros (maxima)"));
        }
        Rational::from_integer(4 << run.len())
    } else {
        let n = number(run)?;
        Rational::new(4, n).ok_or("zero reciprocal")?
    };
    if bytes.get(end) == Some(&b'%') {
        let m_end = digits_end(end + 1);
        let m = number(&tok[end + 1..m_end])
            .ok()
            .filter(|&m| m > 0)
            .ok_or("`%` must be followed by a positive integer")?;
        if run.bytes().all(|b| b == b'0') {
            return Err("a `%` reciprocal needs a non-zero numerator".into());
        }
        base = base
            .checked_mul(Rational::from_integer(m))
            .ok_or("duration overflow")?;
    }
    let dots = bytes.iter().filter(|&&b| b == b'.').count() as u32;
    if dots > MAX_DOTS {
        return Err(format!("{dots} augmentation dots (at most {MAX_DOTS})"));
    }
    if dots > 0 {
        // A dotted value lasts (2^(d+1) - 1) / 2^d of the plain one.
        let factor = Rational::new((1i64 << (dots + 1)) - 1, 1i64 << dots).ok_or("dots")?;
        base = base.checked_mul(factor).ok_or("duration overflow")?;
    }
    Ok(Some(base))
}

/// Pitch class of a note letter.
fn letter_class(c: u8) -> Option<i32> {
    Some(match c.to_ascii_lowercase() {
        b'c' => 0,
        b'd' => 2,
        b'e' => 4,
        b'f' => 5,
        b'g' => 7,
        b'a' => 9,
        b'b' => 11,
        _ => return None,
    })
}

/// The MIDI pitch of a note subtoken: `c` is middle C (60), each repetition of
/// a lower-case letter an octave up (`cc` = 72), upper case from the octave
/// below (`C` = 48, `CC` = 36); every `#` raises and every `-` lowers a
/// semitone (`n` is a natural). `None` when the token has no pitch letter.
fn pitch(tok: &str) -> Result<Option<u8>, String> {
    let bytes = tok.as_bytes();
    let Some(start) = bytes.iter().position(|&c| letter_class(c).is_some()) else {
        return Ok(None);
    };
    let letter = bytes[start];
    let count = bytes[start..].iter().take_while(|&&c| c == letter).count() as i32;
    let class = letter_class(letter).unwrap_or(0);
    let octave = if letter.is_ascii_lowercase() {
        4 + (count - 1)
    } else {
        3 - (count - 1)
    };
    let sharps = bytes.iter().filter(|&&c| c == b'#').count() as i32;
    let flats = bytes.iter().filter(|&&c| c == b'-').count() as i32;
    let midi = 12 * (octave + 1) + class + sharps - flats;
    u8::try_from(midi)
        .ok()
        .filter(|&p| p <= 127)
        .map(Some)
        .ok_or_else(|| format!("pitch {midi} outside the MIDI range 0..=127"))
}

/// Lexes one note or rest of a data token.
pub(crate) fn sub_token(tok: &str) -> Result<SubToken, String> {
    let grace = tok.contains(['q', 'Q']);
    let duration = duration(tok)?;
    let pitch = if tok.contains('r') { None } else { pitch(tok)? };
    if pitch.is_none() && !tok.contains('r') {
        return Err("neither a pitch (a-g, A-G) nor a rest (r)".into());
    }
    let tie = if tok.contains('[') {
        Tie::Start
    } else if tok.contains(']') {
        Tie::End
    } else if tok.contains('_') {
        Tie::Continue
    } else {
        Tie::None
    };
    Ok(SubToken {
        pitch,
        duration,
        grace,
        tie,
    })
}

/// A tandem interpretation the reader keeps.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Interpretation {
    /// `*k[f#c#]`: sharps (positive) or flats (negative).
    KeySignature(i8),
    /// `*G:`, `*e:`, `*B-:`; modal `*G:dor`, `*A:aeo` (even `ion`/`aeo`)
    /// are [`KeyMode::Other`], as music21 makes no key of them.
    Key(Key),
    /// `*M3/4`.
    Meter(u32, u32),
    /// `*MM120`.
    Tempo(f64),
    /// `*I"Violin` (name) or `*Ivioln` (code).
    Instrument { name: bool, text: String },
    /// Anything else (clefs, staves, expansion labels, ...).
    Other,
}

/// Classifies a tandem interpretation token (with its leading `*`).
pub(crate) fn interpretation(tok: &str) -> Interpretation {
    let body = &tok[1.min(tok.len())..];
    if let Some(list) = body.strip_prefix("k[") {
        let list = list.strip_suffix(']').unwrap_or(list);
        let sharps = list.bytes().filter(|&b| b == b'#').count() as i64
            - list.bytes().filter(|&b| b == b'-').count() as i64;
        return Interpretation::KeySignature(sharps.clamp(-7, 7) as i8);
    }
    if let Some(bpm) = body.strip_prefix("MM") {
        return match bpm.parse::<f64>() {
            Ok(b) if b.is_finite() && b > 0.0 => Interpretation::Tempo(b),
            _ => Interpretation::Other,
        };
    }
    if let Some(meter) = body.strip_prefix('M') {
        if let Some((n, d)) = meter.split_once('/') {
            if let (Ok(n), Ok(d)) = (n.parse::<u32>(), d.parse::<u32>()) {
                if n > 0 && d > 0 {
                    return Interpretation::Meter(n, d);
                }
            }
        }
        return Interpretation::Other;
    }
    if let Some(inst) = body.strip_prefix('I') {
        return match inst.strip_prefix('"') {
            Some(name) => Interpretation::Instrument {
                name: true,
                text: name.chars().take(256).collect(),
            },
            None if !inst.starts_with(['\'', 'C', 'G']) => Interpretation::Instrument {
                name: false,
                text: inst.chars().take(256).collect(),
            },
            None => Interpretation::Other,
        };
    }
    if let Some((tonic, mode)) = body.split_once(':') {
        let b = tonic.as_bytes();
        if let Some(class) = b.first().copied().and_then(letter_class) {
            let acc = &b[1..];
            if acc.iter().all(|&c| c == b'#' || c == b'-') && acc.len() <= 2 {
                let shift = acc
                    .iter()
                    .map(|&c| if c == b'#' { 1 } else { -1 })
                    .sum::<i32>();
                let tonic = (class + shift).rem_euclid(12) as u8;
                let mode = match mode.to_ascii_lowercase().as_str() {
                    "" if b[0].is_ascii_uppercase() => KeyMode::Major,
                    "" => KeyMode::Minor,
                    _ => KeyMode::Other,
                };
                return Interpretation::Key(Key::new(tonic, mode));
            }
        }
    }
    Interpretation::Other
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    fn q(n: i64, d: i64) -> Option<Rational> {
        Rational::new(n, d)
    }

    #[test]
    fn durations() {
        assert_eq!(duration("4c").unwrap(), q(1, 1));
        assert_eq!(duration("4.c").unwrap(), q(3, 2));
        assert_eq!(duration("8..c").unwrap(), q(7, 8));
        assert_eq!(duration("3c").unwrap(), q(4, 3));
        assert_eq!(duration("12c").unwrap(), q(1, 3));
        assert_eq!(duration("20c").unwrap(), q(1, 5));
        assert_eq!(duration("3%2c").unwrap(), q(8, 3));
        assert_eq!(duration("0c").unwrap(), q(8, 1));
        assert_eq!(duration("00c").unwrap(), q(16, 1));
        assert_eq!(duration("0.c").unwrap(), q(12, 1));
        assert_eq!(duration("qc").unwrap(), None);
        assert!(duration("0000c").is_err());
        assert!(duration("3%0c").is_err());
        assert!(duration("99999999999999999999c").is_err());
        assert!(duration("4..................c").is_err());
    }

    #[test]
    fn pitches() {
        assert_eq!(pitch("4c").unwrap(), Some(60));
        assert_eq!(pitch("4cc").unwrap(), Some(72));
        assert_eq!(pitch("4C").unwrap(), Some(48));
        assert_eq!(pitch("4CC").unwrap(), Some(36));
        assert_eq!(pitch("4c#").unwrap(), Some(61));
        assert_eq!(pitch("4B-").unwrap(), Some(58));
        assert_eq!(pitch("4e--").unwrap(), Some(62));
        assert_eq!(pitch("4f##").unwrap(), Some(67));
        assert_eq!(pitch("4an").unwrap(), Some(69));
        assert_eq!(pitch("4AAA").unwrap(), Some(33));
        assert_eq!(pitch("4AAAA").unwrap(), Some(21));
        assert!(pitch("4CCCCCC-").is_err());
        assert!(pitch("4cccccccc").is_err());
    }

    #[test]
    fn interpretations() {
        assert_eq!(interpretation("*k[f#c#]"), Interpretation::KeySignature(2));
        assert_eq!(
            interpretation("*k[b-e-a-]"),
            Interpretation::KeySignature(-3)
        );
        assert_eq!(interpretation("*k[]"), Interpretation::KeySignature(0));
        assert_eq!(
            interpretation("*G:"),
            Interpretation::Key(Key::new(7, KeyMode::Major))
        );
        assert_eq!(
            interpretation("*c#:"),
            Interpretation::Key(Key::new(1, KeyMode::Minor))
        );
        assert_eq!(
            interpretation("*B-:"),
            Interpretation::Key(Key::new(10, KeyMode::Major))
        );
        assert_eq!(
            interpretation("*G:dor"),
            Interpretation::Key(Key::new(7, KeyMode::Other))
        );
        assert_eq!(interpretation("*M3/4"), Interpretation::Meter(3, 4));
        assert_eq!(interpretation("*MM120"), Interpretation::Tempo(120.0));
        assert_eq!(interpretation("*MM"), Interpretation::Other);
        assert_eq!(interpretation("*met(C)"), Interpretation::Other);
        assert_eq!(interpretation("*clefG2"), Interpretation::Other);
        assert_eq!(
            interpretation("*I\"Violin"),
            Interpretation::Instrument {
                name: true,
                text: "Violin".into()
            }
        );
        assert_eq!(interpretation("*ICstr"), Interpretation::Other);
        assert_eq!(interpretation("*"), Interpretation::Other);
    }
}
