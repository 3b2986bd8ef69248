//! Musical key estimation score, as `mir_eval.key` (0.8.2), after the MIREX
//! audio key detection task.
//!
//! Keys are the family's [`Key`] (`audio_dsp::Key`), `None` standing for
//! mir_eval's `"X"` (no key). mir_eval's labels `"<tonic> <mode>"`
//! (`"C# minor"`, `"Eb major"`, mode one of `major`, `minor`, `other`) or
//! `"X"` are checked as `mir_eval.key.validate_key` does and parsed with
//! [`parse_label`]. The weighted score is 1 for the same key, 0.5 for a
//! perfect fifth above in the same mode, 0.3 for the relative major/minor,
//! 0.2 for the parallel major/minor, 0 otherwise.

use audio_dsp::{Key, KeyMode};

use crate::{Error, Result};

/// The pitch class of a tonic name, `None` for `x` (`KEY_TO_SEMITONE`).
fn semitone(tonic: &str) -> Option<Option<i32>> {
    let s = match tonic.to_lowercase().as_str() {
        "c" => 0,
        "c#" | "db" => 1,
        "d" => 2,
        "d#" | "eb" => 3,
        "e" => 4,
        "f" => 5,
        "f#" | "gb" => 6,
        "g" => 7,
        "g#" | "ab" => 8,
        "a" => 9,
        "a#" | "bb" => 10,
        "b" => 11,
        "x" => return Some(None),
        _ => return None,
    };
    Some(Some(s))
}

/// `mir_eval.key.validate_key`: `"<tonic> <mode>"` or `"X"`.
///
/// # Errors
///
/// [`Error::InvalidKey`] naming the problem.
///
/// # Example
///
/// ```
/// use audio_eval::key::validate_key;
/// assert!(validate_key("C# minor").is_ok());
/// assert!(validate_key("H major").is_err());
/// ```
pub fn validate_key(key: &str) -> Result<()> {
    let parts: Vec<&str> = key.split_whitespace().collect();
    let invalid = |reason| {
        Err(Error::InvalidKey {
            key: key.chars().take(64).collect(),
            reason,
        })
    };
    if key.to_lowercase() == "x" {
        return Ok(());
    }
    if parts.len() != 2 {
        return invalid("not of the form '(key) (mode)' or 'X'");
    }
    let (tonic, mode) = (parts[0], parts[1]);
    match semitone(tonic) {
        Some(None) => return invalid("'X' (uncategorized) has no mode"),
        None => return invalid("tonic should be e.g. D or C# or Eb or X"),
        Some(Some(_)) => {}
    }
    if !matches!(mode, "major" | "minor" | "other") {
        return invalid("mode must be 'major', 'minor' or 'other'");
    }
    Ok(())
}

/// A mir_eval key label as a [`Key`]: [`validate_key`]'s checks, then
/// `Key::from_str`; `"X"` (any case) is `None`.
///
/// # Errors
///
/// [`Error::InvalidKey`] as [`validate_key`].
///
/// # Example
///
/// ```
/// use audio_dsp::{Key, KeyMode};
/// use audio_eval::key::parse_label;
/// assert_eq!(parse_label("Eb major")?, Some(Key { tonic: 3, mode: KeyMode::Major }));
/// assert_eq!(parse_label("x")?, None);
/// assert!(parse_label("C dorian").is_err());
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_label(label: &str) -> Result<Option<Key>> {
    validate_key(label)?;
    if label.to_lowercase() == "x" {
        return Ok(None);
    }
    label
        .parse::<Key>()
        .map(Some)
        .map_err(|e| Error::InvalidKey {
            key: label.chars().take(64).collect(),
            reason: match e {
                audio_dsp::Error::InvalidParameter { expected, .. } => expected,
                _ => "not a key",
            },
        })
}

/// `mir_eval.key.weighted_score`: 1.0 same key (or both `None`, mir_eval's
/// `X`); 0.5 estimate a perfect fifth above in the same mode; 0.3 relative
/// minor/major (the reference major and the estimate 9 semitones up in
/// another mode, or the reference minor and the estimate 3 up); 0.2
/// parallel (same tonic, other mode); 0.0 otherwise, or when exactly one key
/// is `None`.
///
/// # Example
///
/// ```
/// use audio_eval::key::{parse_label, weighted_score};
/// let k = |s| parse_label(s).unwrap();
/// assert_eq!(weighted_score(k("C major"), k("G major")), 0.5);
/// assert_eq!(weighted_score(k("C major"), k("A minor")), 0.3);
/// assert_eq!(weighted_score(k("C major"), k("C minor")), 0.2);
/// ```
pub fn weighted_score(reference_key: Option<Key>, estimated_key: Option<Key>) -> f64 {
    let (r, e) = match (reference_key, estimated_key) {
        (None, None) => return 1.0,
        (Some(r), Some(e)) => (r, e),
        _ => return 0.0,
    };
    let (rk, ek) = (i32::from(r.tonic % 12), i32::from(e.tonic % 12));
    let (rm, em) = (r.mode, e.mode);
    if rk == ek && rm == em {
        return 1.0;
    }
    let diff = (ek - rk).rem_euclid(12);
    if em == rm && diff == 7 {
        return 0.5;
    }
    if em != rm && rm == KeyMode::Major && diff == 9 {
        return 0.3;
    }
    if em != rm && rm == KeyMode::Minor && diff == 3 {
        return 0.3;
    }
    if em != rm && rk == ek {
        return 0.2;
    }
    0.0
}

/// The scores of `mir_eval.key.evaluate`, serialised with its key names.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct KeyScores {
    /// [`weighted_score`] (`"Weighted Score"`).
    #[serde(rename = "Weighted Score")]
    pub weighted_score: f64,
}

impl KeyScores {
    /// `(key, value)` pairs named and ordered as `mir_eval.key.evaluate()`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![("Weighted Score", self.weighted_score)]
    }
}

/// `mir_eval.key.evaluate`: the [`KeyScores`] of an estimated key against
/// the reference (`None` is mir_eval's `X`).
///
/// # Example
///
/// ```
/// use audio_eval::key::{evaluate, parse_label};
/// let s = evaluate(parse_label("C major")?, parse_label("G major")?);
/// assert_eq!(s.weighted_score, 0.5);
/// assert_eq!(audio_eval::report::to_json(&s)?, "{\n  \"Weighted Score\": 0.5\n}");
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(reference_key: Option<Key>, estimated_key: Option<Key>) -> KeyScores {
    KeyScores {
        weighted_score: weighted_score(reference_key, estimated_key),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn every_valid_label_parses_to_its_key() {
        for (label, tonic) in [
            ("C", 0),
            ("c#", 1),
            ("Db", 1),
            ("eb", 3),
            ("F#", 6),
            ("Gb", 6),
            ("ab", 8),
            ("Bb", 10),
            ("B", 11),
        ] {
            for (mode, m) in [
                ("major", KeyMode::Major),
                ("minor", KeyMode::Minor),
                ("other", KeyMode::Other),
            ] {
                let k = parse_label(&format!("{label} {mode}")).unwrap();
                assert_eq!(k, Some(Key { tonic, mode: m }));
            }
        }
        // Spellings Key::from_str takes but mir_eval does not.
        for bad in [
            "C:maj", "C Major", "Cb major", "E# minor", "C  maj", "X major",
        ] {
            assert!(
                matches!(parse_label(bad), Err(Error::InvalidKey { .. })),
                "{bad}"
            );
        }
        // Key's own spelling is a valid label.
        let k = Key::new(6, KeyMode::Minor);
        assert_eq!(parse_label(&k.to_string()).unwrap(), Some(k));
    }

    #[test]
    fn other_mode_scores_as_mir_eval() {
        let k = |s| parse_label(s).unwrap();
        assert_eq!(weighted_score(k("C other"), k("G other")), 0.5);
        assert_eq!(weighted_score(k("C major"), k("A other")), 0.3);
        assert_eq!(weighted_score(k("C other"), k("C major")), 0.2);
        assert_eq!(weighted_score(k("C other"), k("A minor")), 0.0);
        assert_eq!(weighted_score(None, k("C major")), 0.0);
        assert_eq!(weighted_score(None, None), 1.0);
    }
}
