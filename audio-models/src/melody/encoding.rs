//! Seed 002's preprocessing of melodies (after Velardo's "Generating
//! melodies with LSTM nets"): songs whose durations lie outside the accepted
//! set are rejected, the rest transposed to C major or A minor and encoded
//! one symbol per 16th note (`60 _ _ _ r _ 62 _`), joined with a `/`
//! delimiter, and mapped to integers.

use std::collections::BTreeSet;

use audio_io::melody::{kern_to_melody, midi_to_melody, MelodySymbol};
use audio_io::midi::MidiFile;
use serde::{Deserialize, Serialize};

use crate::datasets::{MelodyDataset, MelodyFormat};
use crate::{Error, Result};

/// The note and rest lengths the seed accepts, in 16th-note steps: a 16th,
/// an 8th, a dotted 8th, a quarter, a dotted quarter, a half, a dotted half
/// and a whole (`ACCEPTABLE_DURATIONS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4]`
/// quarter notes).
pub const ACCEPTED_STEPS: [usize; 8] = [1, 2, 3, 4, 6, 8, 12, 16];

/// The song delimiter.
pub const DELIMITER: &str = "/";

/// The symbol's text (`60`, `_`, `r`).
pub fn symbol_text(s: MelodySymbol) -> String {
    s.to_string()
}

/// Whether every note and rest of `symbols` lasts an accepted number of
/// steps ([`ACCEPTED_STEPS`]).
pub fn has_accepted_durations(symbols: &[MelodySymbol]) -> bool {
    let mut run = 0usize;
    for (i, s) in symbols.iter().enumerate() {
        if i > 0 && *s != MelodySymbol::Hold {
            if !ACCEPTED_STEPS.contains(&run) {
                return false;
            }
            run = 0;
        }
        run += 1;
    }
    symbols.is_empty() || ACCEPTED_STEPS.contains(&run)
}

/// The seed's encoding of melody file `index` of `data`, transposed to C
/// major or A minor (the key from the Krumhansl–Schmuckler estimate), or
/// `None` when the song is rejected: a duration off the 16th-note grid or
/// outside [`ACCEPTED_STEPS`], overlapping notes, or no notes.
///
/// # Errors
///
/// An unreadable file.
pub fn encode_song(data: &MelodyDataset, index: usize) -> Result<Option<Vec<MelodySymbol>>> {
    let file = data.files().get(index).ok_or(Error::InvalidParameter {
        name: "index",
        value: index.to_string(),
        expected: "an index below the number of melodies",
    })?;
    let encoded = match file.format {
        MelodyFormat::Midi => {
            let midi = MidiFile::read(&file.path)?;
            midi_to_melody(&midi, true)
        }
        MelodyFormat::Kern => {
            let score = audio_io::kern::read_kern(&file.path)?;
            if score.parts.is_empty() {
                return Ok(None);
            }
            kern_to_melody(&score, score.parts.len() - 1, true)
        }
    };
    Ok(encoded
        .ok()
        .filter(|s| !s.is_empty() && has_accepted_durations(s)))
}

/// Symbol ↔ integer: the symbols of the training songs and the delimiter,
/// sorted (the seed's `mapping.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    /// The symbols; symbol `i` has integer `i`.
    pub symbols: Vec<String>,
}

impl Vocabulary {
    /// The vocabulary of `songs` plus [`DELIMITER`].
    pub fn of(songs: &[Vec<MelodySymbol>]) -> Self {
        let mut set: BTreeSet<String> = songs.iter().flatten().map(|s| symbol_text(*s)).collect();
        set.insert(DELIMITER.to_string());
        Self {
            symbols: set.into_iter().collect(),
        }
    }

    /// Symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The integer of a symbol's text.
    pub fn index(&self, text: &str) -> Option<usize> {
        self.symbols.binary_search_by(|s| s.as_str().cmp(text)).ok()
    }

    /// The integer of the delimiter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a vocabulary without it.
    pub fn delimiter(&self) -> Result<usize> {
        self.index(DELIMITER).ok_or(Error::InvalidParameter {
            name: "vocabulary",
            value: format!("{} symbols", self.len()),
            expected: "a vocabulary holding the delimiter /",
        })
    }

    /// The songs as one integer sequence, each followed by `gap` delimiters
    /// (the seed joins songs with `sequence_length` delimiters); a song with
    /// a symbol outside the vocabulary is left out. Returns the sequence
    /// and the number of songs left out.
    ///
    /// # Errors
    ///
    /// As [`Vocabulary::delimiter`].
    pub fn join(&self, songs: &[Vec<MelodySymbol>], gap: usize) -> Result<(Vec<usize>, usize)> {
        let delimiter = self.delimiter()?;
        let mut out = Vec::new();
        let mut skipped = 0;
        for song in songs {
            let ids: Option<Vec<usize>> =
                song.iter().map(|s| self.index(&symbol_text(*s))).collect();
            match ids {
                Some(ids) => {
                    out.extend(ids);
                    out.extend(std::iter::repeat_n(delimiter, gap));
                }
                None => skipped += 1,
            }
        }
        Ok((out, skipped))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use audio_io::melody::parse_melody;

    #[test]
    fn durations_outside_the_set_are_rejected() {
        assert!(has_accepted_durations(
            &parse_melody("60 _ 62 _ _ _ r _").unwrap()
        ));
        // Five 16ths is not an accepted length.
        assert!(!has_accepted_durations(
            &parse_melody("60 _ _ _ _ 62").unwrap()
        ));
        assert!(has_accepted_durations(
            &parse_melody("60 _ _ _ _ _ 62").unwrap()
        ));
    }

    #[test]
    fn vocabulary_maps_and_joins() {
        let songs = vec![
            parse_melody("60 _ 62").unwrap(),
            parse_melody("r _ 64").unwrap(),
        ];
        let v = Vocabulary::of(&songs);
        assert_eq!(v.symbols, ["/", "60", "62", "64", "_", "r"]);
        let (seq, skipped) = v.join(&songs, 2).unwrap();
        assert_eq!(seq, vec![1, 4, 2, 0, 0, 5, 4, 3, 0, 0]);
        assert_eq!(skipped, 0);
        let (_, skipped) = v.join(&[parse_melody("65").unwrap()], 2).unwrap();
        assert_eq!(skipped, 1);
    }
}
