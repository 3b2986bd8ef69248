//! The note post-processing of a transcription, in one call: keep the notes
//! of a key (given, or estimated from the notes) and snap them to a grid.

use super::key::{estimate_key_from_notes, Key, KeyEstimate};
use super::note::Note;
use super::quantize::{quantize_notes, QuantizeGrid};
use crate::{Error, Result};

/// Which key [`Postprocess`] filters to.
///
/// Parsed (`FromStr`) from `"auto"` ([`KeySelection::Estimate`]) or a key
/// ([`Key`]'s spellings: `"C major"`, `"F#:min"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySelection {
    /// This key.
    Given(Key),
    /// The key estimated from the notes ([`estimate_key_from_notes`]).
    Estimate,
}

impl std::str::FromStr for KeySelection {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(Self::Estimate)
        } else {
            s.parse().map(Self::Given)
        }
    }
}

/// Note post-processing: the key filter, then quantisation.
///
/// # Example
///
/// ```
/// use audio_dsp::{KeyMode, KeySelection, Note, Postprocess};
/// let mut notes: Vec<Note> = [60u8, 62, 64, 65, 67, 69, 71, 72, 61]
///     .iter().enumerate()
///     .map(|(i, &p)| Note::new(0.51 * i as f64, 0.51 * i as f64 + 0.4, p, 80))
///     .collect();
/// let post = Postprocess { key: Some(KeySelection::Estimate), quantize: Some("0.5".parse()?) };
/// let estimate = post.apply(&mut notes)?.expect("a key was estimated");
/// assert_eq!((estimate.key.tonic, estimate.key.mode), (0, KeyMode::Major));
/// assert_eq!(notes.len(), 8); // C# is out
/// assert_eq!((notes[1].onset, notes[1].offset), (0.5, 1.0));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Postprocess {
    /// Keep only the notes in this key's scale ([`Key::scale`]); `None`
    /// keeps every note.
    pub key: Option<KeySelection>,
    /// Snap onsets and offsets to this grid ([`quantize_notes`]).
    pub quantize: Option<QuantizeGrid>,
}

impl Postprocess {
    /// Filters `notes` in place to the key, then quantises them. With
    /// [`KeySelection::Estimate`] the key is estimated from all the notes
    /// (and returned); no notes means no key and no filtering.
    ///
    /// # Errors
    ///
    /// As [`estimate_key_from_notes`] (notes whose pitch classes are all
    /// equally long) and [`quantize_notes`]; `notes` is unchanged then.
    pub fn apply<N: AsRef<Note> + AsMut<Note> + Clone>(
        &self,
        notes: &mut Vec<N>,
    ) -> Result<Option<KeyEstimate>> {
        let (key, estimate) = match self.key {
            None => (None, None),
            Some(KeySelection::Given(k)) => (Some(k), None),
            Some(KeySelection::Estimate) if notes.is_empty() => (None, None),
            Some(KeySelection::Estimate) => {
                let est = estimate_key_from_notes(notes)?;
                (Some(est.key), Some(est))
            }
        };
        let mut kept: Vec<N> = match key {
            Some(k) => notes
                .iter()
                .filter(|n| k.contains(n.as_ref().pitch))
                .cloned()
                .collect(),
            None => notes.clone(),
        };
        if let Some(grid) = &self.quantize {
            kept = quantize_notes(&kept, grid)?;
        }
        *notes = kept;
        Ok(estimate)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use crate::KeyMode;

    #[test]
    fn selections_parse() {
        assert_eq!(
            "AUTO".parse::<KeySelection>().unwrap(),
            KeySelection::Estimate
        );
        assert_eq!(
            "F#:min".parse::<KeySelection>().unwrap(),
            KeySelection::Given(Key::new(6, KeyMode::Minor))
        );
        assert!("F# dorian".parse::<KeySelection>().is_err());
    }

    #[test]
    fn nothing_to_do_and_no_notes() {
        let mut notes = vec![Note::new(0.1, 0.2, 61, 9)];
        assert_eq!(Postprocess::default().apply(&mut notes).unwrap(), None);
        assert_eq!(notes, vec![Note::new(0.1, 0.2, 61, 9)]);
        let mut none: Vec<Note> = Vec::new();
        let p = Postprocess {
            key: Some(KeySelection::Estimate),
            quantize: None,
        };
        assert_eq!(p.apply(&mut none).unwrap(), None);
        let given = Postprocess {
            key: Some(KeySelection::Given(Key::new(0, KeyMode::Major))),
            quantize: None,
        };
        given.apply(&mut notes).unwrap();
        assert!(notes.is_empty());
    }
}
