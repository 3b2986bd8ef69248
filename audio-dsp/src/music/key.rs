//! Keys, key estimation from chroma or notes with Krumhansl–Kessler
//! profiles, and the note post-processing that uses a key: the out-of-key
//! note filter and transposition.

use ndarray::ArrayView2;

use super::note::Note;
use crate::convert::{note_to_pitch_class, PITCH_CLASS_NAMES};
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

/// Major, minor, or another mode (mir_eval's `other`, for key labels
/// outside major/minor; the estimators here never return it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum KeyMode {
    /// Major (Ionian).
    Major,
    /// Minor; its scale is the natural minor (Aeolian).
    Minor,
    /// Another mode (mir_eval's `other`): no scale is known.
    Other,
}

impl std::fmt::Display for KeyMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Major => "major",
            Self::Minor => "minor",
            Self::Other => "other",
        })
    }
}

impl std::str::FromStr for KeyMode {
    type Err = Error;

    /// `major`/`maj`, `minor`/`min` or `other`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "major" | "maj" => Ok(Self::Major),
            "minor" | "min" => Ok(Self::Minor),
            "other" => Ok(Self::Other),
            _ => Err(Error::InvalidParameter {
                name: "key mode",
                value: s.chars().take(32).collect(),
                expected: "major (maj), minor (min) or other",
            }),
        }
    }
}

/// A key: a tonic pitch class (`0` = C, ..., `11` = B) and a mode.
///
/// Written `"C major"`, `"F# minor"` (the `"<tonic> <mode>"` labels of
/// mir_eval and MIREX, sharps); parsed from those, from `"Eb minor"`,
/// `"C:maj"`, `"a:min"` (any accidental of [`crate::note_to_pitch_class`],
/// tonic and mode in any case, separated by spaces or a colon). With the
/// `serde` feature it serialises as `{"tonic": 0, "mode": "major"}`.
///
/// # Example
///
/// ```
/// use audio_dsp::{Key, KeyMode};
/// let k: Key = "Eb minor".parse()?;
/// assert_eq!(k, Key { tonic: 3, mode: KeyMode::Minor });
/// assert_eq!(k.to_string(), "D# minor");
/// assert_eq!("a:MIN".parse::<Key>()?, Key { tonic: 9, mode: KeyMode::Minor });
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Key {
    /// Tonic pitch class, `0..12` from C (methods read it mod 12).
    pub tonic: u8,
    /// Major, minor or other.
    pub mode: KeyMode,
}

impl Key {
    /// The key of `tonic % 12` and `mode`.
    pub fn new(tonic: u8, mode: KeyMode) -> Self {
        Self {
            tonic: tonic % 12,
            mode,
        }
    }

    /// Index of the key in [`KeyEstimate::scores`]: `tonic` for major keys,
    /// `12 + tonic` for minor keys, `None` for [`KeyMode::Other`].
    pub fn index(&self) -> Option<usize> {
        let t = usize::from(self.tonic % 12);
        match self.mode {
            KeyMode::Major => Some(t),
            KeyMode::Minor => Some(12 + t),
            KeyMode::Other => None,
        }
    }

    /// The key at a [`Key::index`] (`index % 24`).
    pub fn from_index(index: usize) -> Self {
        let index = index % 24;
        Self {
            tonic: (index % 12) as u8,
            mode: if index < 12 {
                KeyMode::Major
            } else {
                KeyMode::Minor
            },
        }
    }

    /// The tonic's name, sharps: `"C"`, `"F#"`.
    pub fn tonic_name(&self) -> &'static str {
        PITCH_CLASS_NAMES[usize::from(self.tonic % 12)]
    }

    /// Pitch-class membership of the key's scale: major, or natural minor for
    /// minor keys (`[0, 2, 3, 5, 7, 8, 10]` above the tonic); every pitch
    /// class for [`KeyMode::Other`], whose scale is unknown.
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
            KeyMode::Other => return [true; 12],
        };
        let mut member = [false; 12];
        for s in steps {
            member[(usize::from(self.tonic) + s) % 12] = true;
        }
        member
    }

    /// Whether a MIDI pitch's class is in [`Key::scale`].
    pub fn contains(&self, pitch: u8) -> bool {
        self.scale()[usize::from(pitch % 12)]
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.tonic_name(), self.mode)
    }
}

impl std::str::FromStr for Key {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidParameter {
            name: "key",
            value: s.chars().take(32).collect(),
            expected: "a tonic and a mode: C major, F# minor, Eb:min, A:maj",
        };
        let t = s.trim();
        let (tonic, mode) = t
            .split_once(':')
            .or_else(|| t.split_once(char::is_whitespace))
            .ok_or_else(bad)?;
        let tonic = note_to_pitch_class(tonic).map_err(|_| bad())?;
        let mode: KeyMode = mode.parse().map_err(|_| bad())?;
        Ok(Self { tonic, mode })
    }
}

/// The result of [`estimate_key`]: the best key and the Pearson correlation of
/// the chroma profile with every rotated Krumhansl–Kessler profile.
///
/// With the `serde` feature it serialises as the object `audio estimate-key`
/// prints: `{"key": "C major", "tonic": 0, "tonic_name": "C", "mode":
/// "major", "scores": {"major": [12 scores from C], "minor": [12 scores from
/// C]}}` (serialise-only: `key` and `tonic_name` are derived from the key).
///
/// # Example
///
/// ```
/// use audio_dsp::{key_from_profile, Key, KeyMode, KRUMHANSL_KESSLER_MAJOR};
/// let est = key_from_profile(&KRUMHANSL_KESSLER_MAJOR)?;
/// assert_eq!(est.key, Key::new(0, KeyMode::Major));
/// assert!((est.score() - 1.0).abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEstimate {
    /// The key with the highest correlation (the first on ties, in index order).
    pub key: Key,
    /// `scores[Key::index()]`: 12 major keys from C, then 12 minor keys from C.
    pub scores: [f64; 24],
}

impl KeyEstimate {
    /// The correlation of the best key, `scores[key.index()]`.
    pub fn score(&self) -> f64 {
        self.key.index().map_or(f64::NAN, |i| self.scores[i])
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for KeyEstimate {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// The 24 scores split by mode, each list from C.
        #[derive(serde::Serialize)]
        struct Scores<'a> {
            major: &'a [f64],
            minor: &'a [f64],
        }
        let (major, minor) = self.scores.split_at(12);
        let mut s = serializer.serialize_struct("KeyEstimate", 5)?;
        s.serialize_field("key", &self.key.to_string())?;
        s.serialize_field("tonic", &self.key.tonic)?;
        s.serialize_field("tonic_name", self.key.tonic_name())?;
        s.serialize_field("mode", &self.key.mode)?;
        s.serialize_field("scores", &Scores { major, minor })?;
        s.end()
    }
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

/// Key of an audio signal: [`estimate_key`] of its chromagram,
/// `librosa.feature.chroma_stft` with librosa's defaults at `sr`
/// ([`ChromaStftConfig::default`](crate::ChromaStftConfig): `n_fft = 2048`,
/// hop 512, tuning estimated, each frame divided by its maximum). That is the
/// Krumhansl–Schmuckler key of the mean chroma vector: the major or minor
/// key whose Krumhansl–Kessler profile correlates best with it
/// ([`key_from_profile`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a bad `sr` (as [`crate::ChromaStft::new`]);
/// [`Error::InputTooShort`] when the signal is too short for one frame; as
/// [`key_from_profile`] (a flat chroma profile, e.g. silence).
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_key_from_signal, midi_to_hz, KeyMode};
/// // A I-IV-V-I cadence in C major, half a second a chord.
/// let sr = 22050.0;
/// let chords = [[60.0, 64.0, 67.0], [60.0, 65.0, 69.0], [59.0, 62.0, 67.0], [60.0, 64.0, 67.0]];
/// let y: Vec<f32> = (0..44100)
///     .map(|i| {
///         let t = i as f64 / sr;
///         chords[i / 11025]
///             .iter()
///             .map(|&m| (2.0 * std::f64::consts::PI * midi_to_hz(m) * t).sin())
///             .sum::<f64>() as f32
///     })
///     .collect();
/// let est = estimate_key_from_signal(&y, sr)?;
/// assert_eq!((est.key.tonic, est.key.mode), (0, KeyMode::Major));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn estimate_key_from_signal<T: Float>(signal: &[T], sr: f64) -> Result<KeyEstimate> {
    use crate::Transform as _;
    let chroma = crate::ChromaStft::<T>::new(crate::ChromaStftConfig {
        sr,
        ..crate::ChromaStftConfig::default()
    })?
    .process(signal)?;
    estimate_key(chroma.view())
}

/// Key of a list of notes, the Krumhansl–Schmuckler algorithm on the
/// duration-weighted pitch-class histogram `h[pc] = Σ_{pitch % 12 = pc} (offset − onset)`
/// ([`key_from_profile`]): the key estimate for a transcription, before
/// [`filter_notes_in_key`].
///
/// Takes anything that holds a [`Note`] (`Note` itself, or a model's
/// annotated note) through `AsRef<Note>`.
///
/// # Errors
///
/// As [`key_from_profile`]: [`Error::InvalidParameter`] when the histogram is
/// flat (no notes, or every pitch class equally long: no key stands out).
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_key_from_notes, KeyMode, Note};
/// // A G major scale, one second per note.
/// let notes: Vec<Note> = [67u8, 69, 71, 72, 74, 76, 78, 79]
///     .iter().enumerate()
///     .map(|(i, &pitch)| Note::new(i as f64, i as f64 + 1.0, pitch, 80))
///     .collect();
/// let est = estimate_key_from_notes(&notes)?;
/// assert_eq!((est.key.tonic, est.key.mode), (7, KeyMode::Major));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn estimate_key_from_notes<N: AsRef<Note>>(notes: &[N]) -> Result<KeyEstimate> {
    let mut hist = [0.0f64; 12];
    for n in notes {
        let n = n.as_ref();
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
/// use audio_dsp::{filter_notes_in_key, Key, KeyMode, Note};
/// let n = |pitch| Note::new(0.0, 0.5, pitch, 80);
/// let kept = filter_notes_in_key(&[n(60), n(61), n(64)], Key { tonic: 0, mode: KeyMode::Major });
/// assert_eq!(kept.iter().map(|n| n.pitch).collect::<Vec<_>>(), vec![60, 64]);
/// ```
pub fn filter_notes_in_key<N: AsRef<Note> + Clone>(notes: &[N], key: Key) -> Vec<N> {
    let scale = key.scale();
    notes
        .iter()
        .filter(|n| scale[usize::from(n.as_ref().pitch % 12)])
        .cloned()
        .collect()
}

/// Moves every note by `semitones`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when a transposed pitch leaves `0..=127`.
///
/// # Example
///
/// ```
/// let up = audio_dsp::transpose_notes(&[audio_dsp::Note::new(0.0, 1.0, 60, 80)], 7)?;
/// assert_eq!(up[0].pitch, 67);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn transpose_notes<N: AsRef<Note> + AsMut<Note> + Clone>(
    notes: &[N],
    semitones: i32,
) -> Result<Vec<N>> {
    notes
        .iter()
        .map(|n| {
            let p = i32::from(n.as_ref().pitch) + semitones;
            let pitch = u8::try_from(p).ok().filter(|&p| p <= 127).ok_or_else(|| {
                Error::InvalidParameter {
                    name: "transposed pitch",
                    value: p.to_string(),
                    expected: "a MIDI pitch 0..=127",
                }
            })?;
            let mut moved = n.clone();
            moved.as_mut().pitch = pitch;
            Ok(moved)
        })
        .collect()
}

/// Transposes notes to C major (major keys) or A minor (minor keys) as the
/// melody-generation seed's preprocessing does with music21: the key is
/// [`estimate_key_from_notes`], the interval `target − tonic` with both read
/// as pitches of octave 4 (C4 or A4), so major keys move down 0–11 semitones
/// and minor keys between 11 down and 9 up. Returns the transposed notes, the
/// key found and the shift in semitones.
///
/// # Errors
///
/// As [`estimate_key_from_notes`] (no notes, or no key stands out) and
/// [`transpose_notes`].
///
/// # Example
///
/// ```
/// use audio_dsp::{KeyMode, Note};
/// let notes = [67u8, 71, 74, 79].map(|p| Note::new(0.0, 1.0, p, 80));
/// let (moved, key, shift) = audio_dsp::transpose_to_c_major_a_minor(&notes)?;
/// assert_eq!((key.tonic, key.mode, shift), (7, KeyMode::Major, -7));
/// assert_eq!(moved[0].pitch, 60);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn transpose_to_c_major_a_minor<N: AsRef<Note> + AsMut<Note> + Clone>(
    notes: &[N],
) -> Result<(Vec<N>, Key, i32)> {
    let key = estimate_key_from_notes(notes)?.key;
    let target = if key.mode == KeyMode::Minor { 9 } else { 0 };
    let shift = target - i32::from(key.tonic % 12);
    Ok((transpose_notes(notes, shift)?, key, shift))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn estimate_key_from_signal_is_the_key_of_its_chroma_stft() {
        use crate::Transform as _;
        let sr = 11025.0;
        // An A minor arpeggio, A3 C4 E4, a quarter second each, twice.
        let y: Vec<f64> = (0..(sr as usize) * 3 / 2)
            .map(|i| {
                let t = i as f64 / sr;
                let m = [57.0, 60.0, 64.0][(i * 4 / sr as usize) % 3];
                (2.0 * std::f64::consts::PI * crate::midi_to_hz(m) * t).sin()
            })
            .collect();
        let got = estimate_key_from_signal(&y, sr).unwrap();
        let chroma = crate::ChromaStft::<f64>::new(crate::ChromaStftConfig {
            sr,
            ..crate::ChromaStftConfig::default()
        })
        .unwrap()
        .process(&y)
        .unwrap();
        assert_eq!(got, estimate_key(chroma.view()).unwrap());
        assert!(estimate_key_from_signal(&y, 0.0).is_err());
        assert!(estimate_key_from_signal(&[0.0f32; 16], sr).is_err());
    }

    #[test]
    fn keys_print_and_parse() {
        for i in 0..24 {
            let k = Key::from_index(i);
            assert_eq!(k.to_string().parse::<Key>().unwrap(), k);
            assert_eq!(k.index(), Some(i));
        }
        assert_eq!(Key::new(0, KeyMode::Major).to_string(), "C major");
        assert_eq!(Key::new(21, KeyMode::Minor).to_string(), "A minor");
        assert_eq!(Key::new(6, KeyMode::Other).to_string(), "F# other");
        for (s, tonic, mode) in [
            ("C major", 0, KeyMode::Major),
            ("c#  minor", 1, KeyMode::Minor),
            ("Db:maj", 1, KeyMode::Major),
            ("B♭ minor", 10, KeyMode::Minor),
            ("A:MIN", 9, KeyMode::Minor),
            ("Eb other", 3, KeyMode::Other),
        ] {
            assert_eq!(s.parse::<Key>().unwrap(), Key { tonic, mode }, "{s}");
        }
        for bad in [
            "",
            "C",
            "H major",
            "C dorian",
            "X major",
            "C major extra",
            "C4 major",
        ] {
            assert!(bad.parse::<Key>().is_err(), "{bad:?}");
        }
        assert_eq!(Key::new(2, KeyMode::Other).index(), None);
        assert!(Key::new(2, KeyMode::Other).contains(61));
    }

    #[test]
    fn transposition_keeps_everything_but_the_pitch() {
        let notes = [62u8, 64, 65, 67, 69, 70, 73, 74, 69, 65, 62].map(|p| Note {
            program: 3,
            ..Note::new(0.0, 1.0, p, 70)
        });
        let (moved, key, shift) = transpose_to_c_major_a_minor(&notes).unwrap();
        assert_eq!((key, shift), (Key::new(2, KeyMode::Minor), 7));
        assert_eq!(
            moved[0],
            Note {
                pitch: 69,
                ..notes[0].clone()
            }
        );
        assert!(transpose_notes(&[Note::new(0.0, 1.0, 120, 1)], 8).is_err());
        assert!(transpose_to_c_major_a_minor::<Note>(&[]).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn key_estimates_serialise_as_the_cli_prints_them() {
        use audio_test_fixtures::serde_json::{json, to_value};
        let mut scores = [0.0; 24];
        for (i, s) in scores.iter_mut().enumerate() {
            *s = i as f64 / 100.0;
        }
        let est = KeyEstimate {
            key: Key::new(6, KeyMode::Minor),
            scores,
        };
        assert_eq!(
            to_value(&est).unwrap(),
            json!({
                "key": "F# minor",
                "tonic": 6,
                "tonic_name": "F#",
                "mode": "minor",
                "scores": {"major": scores[..12].to_vec(), "minor": scores[12..].to_vec()},
            })
        );
    }
}
