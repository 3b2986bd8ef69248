//! Key estimation from chroma with Krumhansl–Kessler profiles, and the two
//! note post-processing steps that use it: an out-of-key note filter and a
//! time-grid quantiser.

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// Krumhansl–Kessler major-key probe-tone profile, tonic first
/// (Krumhansl & Kessler 1982; Krumhansl, *Cognitive Foundations of Musical Pitch*, 1990).
pub const KRUMHANSL_KESSLER_MAJOR: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];

/// Krumhansl–Kessler minor-key probe-tone profile, tonic first.
pub const KRUMHANSL_KESSLER_MINOR: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

/// Pitch-class names from C, with sharps.
pub const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMode {
    /// Major (Ionian).
    Major,
    /// Minor; its scale is the natural minor (Aeolian).
    Minor,
}

/// A key: a tonic pitch class (`0` = C, ..., `11` = B) and a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// Tonic pitch class, `0..12` from C.
    pub tonic: usize,
    /// Major or minor.
    pub mode: KeyMode,
}

impl Key {
    /// Index of the key in [`KeyEstimate::scores`]: `tonic` for major keys,
    /// `12 + tonic` for minor keys.
    pub fn index(&self) -> usize {
        match self.mode {
            KeyMode::Major => self.tonic % 12,
            KeyMode::Minor => 12 + self.tonic % 12,
        }
    }

    /// The key at a [`Key::index`] (`index % 24`).
    pub fn from_index(index: usize) -> Self {
        let index = index % 24;
        Self {
            tonic: index % 12,
            mode: if index < 12 {
                KeyMode::Major
            } else {
                KeyMode::Minor
            },
        }
    }

    /// Name such as `"C major"` or `"F# minor"`.
    pub fn name(&self) -> String {
        let mode = match self.mode {
            KeyMode::Major => "major",
            KeyMode::Minor => "minor",
        };
        format!("{} {}", PITCH_CLASS_NAMES[self.tonic % 12], mode)
    }

    /// Pitch-class membership of the key's scale: major, or natural minor for
    /// minor keys (`[0, 2, 3, 5, 7, 8, 10]` above the tonic).
    ///
    /// Natural minor is the choice here because it is the scale the minor
    /// profile's strongest degrees outline; harmonic/melodic minor's raised 6th
    /// and 7th degrees are therefore filtered out in minor keys.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::{Key, KeyMode};
    /// let a_minor = Key { tonic: 9, mode: KeyMode::Minor };
    /// let c_major = Key { tonic: 0, mode: KeyMode::Major };
    /// assert_eq!(a_minor.scale(), c_major.scale());
    /// ```
    pub fn scale(&self) -> [bool; 12] {
        let steps: [usize; 7] = match self.mode {
            KeyMode::Major => [0, 2, 4, 5, 7, 9, 11],
            KeyMode::Minor => [0, 2, 3, 5, 7, 8, 10],
        };
        let mut member = [false; 12];
        for s in steps {
            member[(self.tonic + s) % 12] = true;
        }
        member
    }
}

/// The result of [`estimate_key`]: the best key and the Pearson correlation of
/// the chroma profile with every rotated Krumhansl–Kessler profile.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEstimate {
    /// The key with the highest correlation (the first on ties, in index order).
    pub key: Key,
    /// `scores[Key::index()]`: 12 major keys from C, then 12 minor keys from C.
    pub scores: [f64; 24],
}

fn pearson(x: &[f64; 12], y: impl Fn(usize) -> f64) -> f64 {
    let mx = x.iter().sum::<f64>() / 12.0;
    let my = (0..12).map(&y).sum::<f64>() / 12.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (k, &xk) in x.iter().enumerate() {
        let (dx, dy) = (xk - mx, y(k) - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    sxy / (sxx * syy).sqrt()
}

/// Key of a 12-bin pitch-class profile (e.g. mean chroma, C first):
/// `score(tonic, mode) = pearson(profile[(tonic + k) % 12], P_mode[k])`, the
/// Krumhansl–Schmuckler key-finding algorithm.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a constant profile (zero variance: no key)
/// or non-finite entries.
///
/// # Example
///
/// ```
/// use audio_dsp::{key_from_profile, KeyMode, KRUMHANSL_KESSLER_MINOR};
/// // The minor profile rotated to start on D is D minor.
/// let mut p = [0.0; 12];
/// for k in 0..12 { p[(2 + k) % 12] = KRUMHANSL_KESSLER_MINOR[k]; }
/// let est = key_from_profile(&p)?;
/// assert_eq!((est.key.tonic, est.key.mode), (2, KeyMode::Minor));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn key_from_profile(profile: &[f64; 12]) -> Result<KeyEstimate> {
    if let Some(index) = profile.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "key profile",
            index,
        });
    }
    let mean = profile.iter().sum::<f64>() / 12.0;
    if profile.iter().all(|&v| v == mean) {
        return Err(Error::InvalidParameter {
            name: "chroma",
            value: "a constant profile".into(),
            expected: "a pitch-class profile with non-zero variance",
        });
    }
    let mut scores = [0.0; 24];
    for tonic in 0..12 {
        scores[tonic] = pearson(profile, |k| KRUMHANSL_KESSLER_MAJOR[(k + 12 - tonic) % 12]);
        scores[12 + tonic] = pearson(profile, |k| KRUMHANSL_KESSLER_MINOR[(k + 12 - tonic) % 12]);
    }
    let best = (0..24).fold(0, |b, i| if scores[i] > scores[b] { i } else { b });
    Ok(KeyEstimate {
        key: Key::from_index(best),
        scores,
    })
}

/// Key of a chromagram: [`key_from_profile`] of its mean over frames.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless the chromagram has 12 rows and at least one
/// frame; as [`key_from_profile`].
///
/// # Shapes
///
/// `(12, frames)` → a [`KeyEstimate`].
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_key, KeyMode};
/// // One frame per chord of a I-IV-V-I cadence in C major.
/// let mut chroma = ndarray::Array2::<f32>::zeros((12, 4));
/// for (t, chord) in [[0, 4, 7], [5, 9, 0], [7, 11, 2], [0, 4, 7]].iter().enumerate() {
///     for &pc in chord { chroma[[pc, t]] = 1.0; }
/// }
/// let est = estimate_key(chroma.view())?;
/// assert_eq!((est.key.tonic, est.key.mode), (0, KeyMode::Major));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn estimate_key<T: Float>(chroma: ArrayView2<T>) -> Result<KeyEstimate> {
    if chroma.nrows() != 12 || chroma.ncols() == 0 {
        return Err(Error::ShapeMismatch {
            what: "key estimation chroma",
            expected: vec![12, 0],
            got: vec![chroma.nrows(), chroma.ncols()],
        });
    }
    let mut profile = [0.0; 12];
    for (c, row) in chroma.rows().into_iter().enumerate() {
        profile[c] = row
            .iter()
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
            .sum::<f64>()
            / chroma.ncols() as f64;
    }
    key_from_profile(&profile)
}

/// A note event for the post-processing steps: times in seconds and a MIDI
/// pitch.
///
/// `audio-dsp` sits below `audio-io` and cannot name its `audio_io::Note`;
/// that type has the same `onset`, `offset`, `pitch` and `velocity` fields
/// (plus `program`), so the mapping is field by field:
/// `NoteEvent { onset: n.onset, offset: n.offset, pitch: n.pitch, velocity: n.velocity }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEvent {
    /// Start time in seconds.
    pub onset: f64,
    /// End time in seconds.
    pub offset: f64,
    /// MIDI pitch (60 = middle C).
    pub pitch: u8,
    /// Velocity 1..=127.
    pub velocity: u8,
}

/// Key of a list of notes, the Krumhansl–Schmuckler algorithm on the
/// duration-weighted pitch-class histogram `h[pc] = Σ_{pitch % 12 = pc} (offset − onset)`
/// ([`key_from_profile`]): the key estimate for a transcription, before
/// [`filter_notes_in_key`].
///
/// # Errors
///
/// As [`key_from_profile`]: [`Error::InvalidParameter`] when the histogram is
/// flat (no notes, or every pitch class equally long: no key stands out).
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_key_from_notes, KeyMode, NoteEvent};
/// // A G major scale, one second per note.
/// let notes: Vec<NoteEvent> = [67u8, 69, 71, 72, 74, 76, 78, 79]
///     .iter().enumerate()
///     .map(|(i, &pitch)| NoteEvent { onset: i as f64, offset: i as f64 + 1.0, pitch, velocity: 80 })
///     .collect();
/// let est = estimate_key_from_notes(&notes)?;
/// assert_eq!((est.key.tonic, est.key.mode), (7, KeyMode::Major));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn estimate_key_from_notes(notes: &[NoteEvent]) -> Result<KeyEstimate> {
    let mut hist = [0.0f64; 12];
    for n in notes {
        hist[usize::from(n.pitch % 12)] += (n.offset - n.onset).max(0.0);
    }
    key_from_profile(&hist)
}

/// Keeps the notes whose pitch class is in the key's scale ([`Key::scale`]:
/// major or natural minor), in their original order.
///
/// # Example
///
/// ```
/// use audio_dsp::{filter_notes_in_key, Key, KeyMode, NoteEvent};
/// let n = |pitch| NoteEvent { onset: 0.0, offset: 0.5, pitch, velocity: 80 };
/// let kept = filter_notes_in_key(&[n(60), n(61), n(64)], Key { tonic: 0, mode: KeyMode::Major });
/// assert_eq!(kept.iter().map(|n| n.pitch).collect::<Vec<_>>(), vec![60, 64]);
/// ```
pub fn filter_notes_in_key(notes: &[NoteEvent], key: Key) -> Vec<NoteEvent> {
    let scale = key.scale();
    notes
        .iter()
        .filter(|n| scale[(n.pitch % 12) as usize])
        .copied()
        .collect()
}

/// A time grid `origin + k * step` (seconds) for [`quantize_notes`].
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

/// Snaps note onsets and offsets to the nearest grid point, keeping every
/// note at least one grid step long (`offset = max(snap(offset), snap(onset) + step)`).
///
/// # Errors
///
/// [`Error::NonFinite`] for a note with a non-finite time;
/// [`Error::InvalidParameter`] for a note whose offset precedes its onset.
///
/// # Example
///
/// ```
/// use audio_dsp::{quantize_notes, NoteEvent, QuantizeGrid};
/// let grid = QuantizeGrid::tempo(120.0, 4)?; // 0.125 s
/// let notes = [NoteEvent { onset: 0.26, offset: 0.30, pitch: 60, velocity: 90 }];
/// let q = quantize_notes(&notes, &grid)?;
/// assert_eq!((q[0].onset, q[0].offset), (0.25, 0.375));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn quantize_notes(notes: &[NoteEvent], grid: &QuantizeGrid) -> Result<Vec<NoteEvent>> {
    notes
        .iter()
        .enumerate()
        .map(|(i, n)| {
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
            Ok(NoteEvent {
                onset: grid.time(on),
                offset: grid.time(off),
                ..*n
            })
        })
        .collect()
}
