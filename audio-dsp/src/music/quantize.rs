//! Snapping notes to a time grid.

use super::note::Note;
use crate::{Error, Result};

/// A time grid `origin + k * step` (seconds) for [`quantize_notes`].
///
/// Parsed (`FromStr`) from a grid spec: seconds (`"0.125"`) or
/// `"BPM:DIVISIONS"` (`"120:4"`, sixteenth notes at 120 bpm).
///
/// # Example
///
/// ```
/// use audio_dsp::QuantizeGrid;
/// assert_eq!("120:4".parse::<QuantizeGrid>()?, QuantizeGrid::tempo(120.0, 4)?);
/// assert_eq!("0.1".parse::<QuantizeGrid>()?.step, 0.1);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizeGrid {
    /// Grid spacing in seconds.
    pub step: f64,
    /// Time of grid point 0 in seconds.
    pub origin: f64,
}

impl QuantizeGrid {
    /// A grid of `step` seconds from 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-positive or non-finite step.
    pub fn seconds(step: f64) -> Result<Self> {
        if !(step > 0.0 && step.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "step",
                value: step.to_string(),
                expected: "a positive grid step in seconds",
            });
        }
        Ok(Self { step, origin: 0.0 })
    }

    /// `divisions` grid points per beat at `bpm` beats per minute
    /// (`step = 60 / (bpm * divisions)`; 16th notes in 4/4 are `divisions = 4`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-positive tempo or `divisions = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// let grid = audio_dsp::QuantizeGrid::tempo(120.0, 4)?;
    /// assert_eq!(grid.step, 0.125);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn tempo(bpm: f64, divisions: usize) -> Result<Self> {
        if !(bpm > 0.0 && bpm.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "bpm",
                value: bpm.to_string(),
                expected: "a positive tempo",
            });
        }
        if divisions == 0 {
            return Err(Error::InvalidParameter {
                name: "divisions",
                value: "0".into(),
                expected: "a positive number of grid points per beat",
            });
        }
        Self::seconds(60.0 / (bpm * divisions as f64))
    }

    /// Index of the grid point nearest to `t` (halves round away from zero).
    pub fn nearest(&self, t: f64) -> i64 {
        ((t - self.origin) / self.step).round() as i64
    }

    /// Time of grid point `k`.
    pub fn time(&self, k: i64) -> f64 {
        self.origin + k as f64 * self.step
    }
}

impl std::str::FromStr for QuantizeGrid {
    type Err = Error;

    /// Seconds (`"0.125"`: [`QuantizeGrid::seconds`]) or `"BPM:DIVISIONS"`
    /// (`"120:4"`: [`QuantizeGrid::tempo`]).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidParameter {
            name: "quantize grid",
            value: s.chars().take(32).collect(),
            expected: "seconds (0.125) or BPM:DIVISIONS (120:4)",
        };
        match s.split_once(':') {
            Some((bpm, div)) => {
                let bpm: f64 = bpm.trim().parse().map_err(|_| bad())?;
                let div: usize = div.trim().parse().map_err(|_| bad())?;
                Self::tempo(bpm, div)
            }
            None => Self::seconds(s.trim().parse().map_err(|_| bad())?),
        }
    }
}

/// Snaps note onsets and offsets to the nearest grid point, keeping every
/// note at least one grid step long (`offset = max(snap(offset), snap(onset) + step)`).
/// Everything else of a note (and of the type holding it) is kept.
///
/// # Errors
///
/// [`Error::NonFinite`] for a note with a non-finite time;
/// [`Error::InvalidParameter`] for a note whose offset precedes its onset.
///
/// # Example
///
/// ```
/// use audio_dsp::{quantize_notes, Note, QuantizeGrid};
/// let grid = QuantizeGrid::tempo(120.0, 4)?; // 0.125 s
/// let notes = [Note::new(0.26, 0.30, 60, 90)];
/// let q = quantize_notes(&notes, &grid)?;
/// assert_eq!((q[0].onset, q[0].offset), (0.25, 0.375));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn quantize_notes<N: AsRef<Note> + AsMut<Note> + Clone>(
    notes: &[N],
    grid: &QuantizeGrid,
) -> Result<Vec<N>> {
    notes
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let n = item.as_ref();
            if !(n.onset.is_finite() && n.offset.is_finite()) {
                return Err(Error::NonFinite {
                    what: "note times",
                    index: i,
                });
            }
            if n.offset < n.onset {
                return Err(Error::InvalidParameter {
                    name: "offset",
                    value: n.offset.to_string(),
                    expected: "a note offset at or after its onset",
                });
            }
            let on = grid.nearest(n.onset);
            let off = grid.nearest(n.offset).max(on + 1);
            let mut q = item.clone();
            q.as_mut().onset = grid.time(on);
            q.as_mut().offset = grid.time(off);
            Ok(q)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn grid_specs_parse() {
        assert_eq!(
            "120:4".parse::<QuantizeGrid>().unwrap(),
            QuantizeGrid::tempo(120.0, 4).unwrap()
        );
        assert_eq!(" 0.25 ".parse::<QuantizeGrid>().unwrap().step, 0.25);
        for bad in [
            "", "x", "120:", ":4", "120:0", "0", "-1", "inf", "120:4:1", "nan",
        ] {
            assert!(bad.parse::<QuantizeGrid>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quantising_keeps_the_other_fields() {
        let n = Note {
            program: 7,
            pitch_bends: Some(vec![1, 2]),
            ..Note::new(0.26, 0.3, 60, 90)
        };
        let q = quantize_notes(
            std::slice::from_ref(&n),
            &QuantizeGrid::seconds(0.125).unwrap(),
        )
        .unwrap();
        assert_eq!(
            q[0],
            Note {
                onset: 0.25,
                offset: 0.375,
                ..n
            }
        );
    }
}
