//! Musical key estimation score, as `mir_eval.key` (0.8.2), after the MIREX
//! audio key detection task.
//!
//! Keys are labels `"<tonic> <mode>"` (`"C# minor"`, `"Eb major"`, mode one
//! of `major`, `minor`, `other`) or `"X"` (no key). The weighted score is 1
//! for the same key, 0.5 for a perfect fifth above in the same mode, 0.3 for
//! the relative major/minor, 0.2 for the parallel major/minor, 0 otherwise.

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

fn split_key(key: &str) -> (Option<i32>, Option<&str>) {
    if key.to_lowercase() == "x" {
        return (None, None);
    }
    let mut parts = key.split_whitespace();
    let tonic = parts.next().and_then(semitone).flatten();
    (tonic, parts.next())
}

/// `mir_eval.key.weighted_score`: 1.0 same key; 0.5 estimate a perfect fifth
/// above in the same mode; 0.3 relative minor/major; 0.2 parallel
/// major/minor; 0.0 otherwise (or when exactly one key is `X`).
///
/// # Errors
///
/// [`Error::InvalidKey`] as [`validate_key`].
///
/// # Example
///
/// ```
/// use audio_eval::key::weighted_score;
/// assert_eq!(weighted_score("C major", "G major")?, 0.5);
/// assert_eq!(weighted_score("C major", "A minor")?, 0.3);
/// assert_eq!(weighted_score("C major", "C minor")?, 0.2);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn weighted_score(reference_key: &str, estimated_key: &str) -> Result<f64> {
    validate_key(reference_key)?;
    validate_key(estimated_key)?;
    let (rk, rm) = split_key(reference_key);
    let (ek, em) = split_key(estimated_key);
    if rk == ek && rm == em {
        return Ok(1.0);
    }
    let (Some(rk), Some(ek)) = (rk, ek) else {
        return Ok(0.0);
    };
    let diff = (ek - rk).rem_euclid(12);
    if em == rm && diff == 7 {
        return Ok(0.5);
    }
    if em != rm && rm == Some("major") && diff == 9 {
        return Ok(0.3);
    }
    if em != rm && rm == Some("minor") && diff == 3 {
        return Ok(0.3);
    }
    if em != rm && rk == ek {
        return Ok(0.2);
    }
    Ok(0.0)
}

/// `mir_eval.key.evaluate`: `[("Weighted Score", score)]`.
///
/// # Errors
///
/// As [`weighted_score`].
///
/// # Example
///
/// ```
/// assert_eq!(audio_eval::key::evaluate("C major", "C major")?, vec![("Weighted Score", 1.0)]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(reference_key: &str, estimated_key: &str) -> Result<Vec<(&'static str, f64)>> {
    Ok(vec![(
        "Weighted Score",
        weighted_score(reference_key, estimated_key)?,
    )])
}
