//! Humdrum `**kern` files (KernScores, the melody-generation seed's corpus)
//! → a typed score in exact quarter-note times, and from there to the
//! family's [`Note`]s and [`MidiFile`].
//!
//! Reference: the Humdrum `**kern` representation,
//! <https://www.humdrum.org/rep/kern/>, and the Humdrum syntax,
//! <https://www.humdrum.org/guide/ch05/>. Checked against music21 10.5.1's
//! Humdrum parser on 18 files of its corpus (`tests/kern_fixtures.rs`).
//!
//! # What is read
//!
//! - **Spines**: every `**kern` spine of the first exclusive-interpretation
//!   line (`**kern\t**kern\t**dynam`) is a [`KernPart`], in spine order
//!   (kern's first spine is usually the lowest voice; music21 lists parts in
//!   the reverse order). Other spines (`**dynam`, `**text`, `**silbe`, ...)
//!   are tracked through spine manipulations and otherwise ignored.
//! - **Spine manipulations**: split `*^` (both halves stay in the part: a
//!   second voice), join `*v` (adjacent `*v`s merge into one), terminate `*-`,
//!   add `*+` (the new spine gets its exclusive interpretation on a later
//!   line; a `**kern` there starts a new part), exchange `*x` (two adjacent
//!   `*x`). After every spine ended, a new `**` line starts new parts at
//!   time 0.
//! - **Time**: each (sub)spine keeps its own clock: a data token starts at
//!   the clock and moves it by its duration (a chord by its first note's
//!   duration); null tokens `.` do nothing. Split halves start from the
//!   parent's clock; a join continues at the latest of the joined clocks.
//! - **Notes**: pitch letters (`c` = middle C = MIDI 60, `cc` = 72, `C` = 48,
//!   `CC` = 36), accidentals `#`, `##`, `-`, `--`, `n`; reciprocal durations
//!   (`4` quarter, `8.` dotted eighth, `8..`, `3` triplet half... `0`/`00`/`000`
//!   breve/long/maxima, `3%2` for the reciprocal 3/2 = 8/3 quarters); chords
//!   (space-separated, a chord note without a duration takes the previous
//!   one's); rests `r`; ties `[`, `_`, `]` are merged into one note per pitch
//!   and part (music21's `stripTies`). Articulations, beams, stems, slurs,
//!   ornaments and editorial marks are ignored.
//! - **Grace notes** (`q`, `Q`) are kept as notes with `grace == true` and
//!   zero duration at the clock (music21 does the same); they do not move the
//!   clock and [`KernScore::to_midi`] leaves them out.
//! - **Interpretations**: key signatures `*k[f#c#]`, keys `*G:`, `*e:`,
//!   `*B-:` (modal keys `*G:dor`, `*A:aeo`, `*F:ion` have
//!   [`KeyMode::Other`](crate::KeyMode::Other): music21 makes no key of them), meters `*M3/4`,
//!   tempo `*MM120`, instrument `*I"Violin` (name) / `*Ivioln` (code); the
//!   rest (clefs, staves, expansion lists) is ignored. Expansion lists
//!   (`*>[A,A,B]`) are not expanded, as in music21.
//! - **Comments**: `!` and `!!` lines are skipped; `!!!` reference records
//!   are kept ([`KernScore::reference`]), `OTL` as the title, `COM` as the
//!   composer.
//!
//! # Example
//!
//! ```
//! use audio_io::kern::{KernScore, Rational};
//! let text = "!!!OTL: Example\n**kern\n*M3/4\n*k[f#]\n*G:\n4.g\n8a\n[4b\n=1\n4b]\n2g\n*-\n";
//! let score = KernScore::parse(text)?;
//! assert_eq!(score.title.as_deref(), Some("Example"));
//! let part = &score.parts[0];
//! let pitches: Vec<u8> = part.notes.iter().map(|n| n.pitch).collect();
//! assert_eq!(pitches, [67, 69, 71, 67]);
//! assert_eq!(part.notes[2].duration, Rational::from_integer(2)); // tied across the barline
//! assert_eq!(part.notes[3].onset_quarters(), 4.0);
//! assert_eq!(part.key_signatures[0].sharps, 1);
//! let notes = score.to_notes(None)?; // 120 bpm: a quarter note is 0.5 s
//! assert_eq!((notes[1].onset, notes[1].offset), (0.75, 1.0));
//! # Ok::<(), audio_io::Error>(())
//! ```

mod rational;
mod token;

use std::collections::HashMap;
use std::path::Path;

pub use rational::Rational;

use crate::midi::{Instrument, MidiFile, Note, TempoMap};
use crate::{Error, Key, Result};
use token::{Interpretation, Tie};

/// The most spines (columns) a line may hold; more is reported as an error
/// (a guard against hostile input: real scores have a few dozen at most).
pub const MAX_SPINES: usize = 1024;

/// Ticks per quarter note of the [`MidiFile`]s made from kern scores:
/// `480 = 2^5 · 3 · 5`, so triplets and quintuplets of 16th notes land on
/// ticks.
pub const TICKS_PER_BEAT: u16 = 480;

/// The tempo before the first `*MM` record (and of files without one), in
/// quarter notes per minute: MIDI's and music21's default.
pub const DEFAULT_BPM: f64 = 120.0;

/// The velocity of the notes made by [`KernScore::to_midi`] (kern has no
/// velocities; the same default as the melody decoder).
pub const DEFAULT_VELOCITY: u8 = 90;

/// The longest reference-record or instrument text kept (characters).
const MAX_TEXT: usize = 4096;

/// A note of a kern part, ties merged.
#[derive(Debug, Clone, PartialEq)]
pub struct KernNote {
    /// MIDI pitch (`c` = 60).
    pub pitch: u8,
    /// Onset in quarter notes from the start.
    pub onset: Rational,
    /// Duration in quarter notes (tied notes summed; 0 for grace notes).
    pub duration: Rational,
    /// A grace note (`q` or `Q`): zero duration, left out of MIDI.
    pub grace: bool,
    /// The 1-based line of the file where the note (its first tied part)
    /// starts.
    pub line: usize,
}

impl KernNote {
    /// Onset in quarter notes as `f64`.
    pub fn onset_quarters(&self) -> f64 {
        self.onset.to_f64()
    }

    /// Duration in quarter notes as `f64`.
    pub fn duration_quarters(&self) -> f64 {
        self.duration.to_f64()
    }

    /// End (`onset + duration`) in quarter notes as `f64`.
    pub fn end_quarters(&self) -> f64 {
        self.onset.to_f64() + self.duration.to_f64()
    }
}

/// A rest of a kern part.
#[derive(Debug, Clone, PartialEq)]
pub struct KernRest {
    /// Onset in quarter notes.
    pub onset: Rational,
    /// Duration in quarter notes.
    pub duration: Rational,
    /// The 1-based line of the file.
    pub line: usize,
}

/// A key signature (`*k[f#c#]`) from its onset on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeySignature {
    /// Onset in quarter notes.
    pub onset: Rational,
    /// Sharps (positive) or flats (negative), `-7..=7`, as music21's
    /// `KeySignature.sharps`.
    pub sharps: i8,
}

/// A key (`*G:`, `*e:`, `*G:dor`) from its onset on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyChange {
    /// Onset in quarter notes.
    pub onset: Rational,
    /// The key: upper-case tonic major, lower-case minor; with a mode
    /// (`*G:dor`, `*A:aeo`) [`KeyMode::Other`](crate::KeyMode::Other).
    pub key: Key,
}

/// A time signature (`*M3/4`) from its onset on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSignature {
    /// Onset in quarter notes.
    pub onset: Rational,
    /// Beats per bar (the upper number).
    pub numerator: u32,
    /// Beat unit (the lower number: 4 = quarter note).
    pub denominator: u32,
}

/// A tempo (`*MM120`) from its onset on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoMark {
    /// Onset in quarter notes.
    pub onset: Rational,
    /// Quarter notes per minute.
    pub bpm: f64,
}

/// One `**kern` spine with its sub-spines: notes, rests and the signatures
/// written in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KernPart {
    /// The 0-based column of the part's `**kern` among the spines of its
    /// exclusive-interpretation line (non-kern spines counted).
    pub spine: usize,
    /// The instrument: the `*I"` name, else the first `*I` code.
    pub instrument: Option<String>,
    /// Notes, ties merged, sorted by onset then pitch.
    pub notes: Vec<KernNote>,
    /// Rests, sorted by onset.
    pub rests: Vec<KernRest>,
    /// Key signatures in order (repeats at the same onset, from sub-spines,
    /// dropped).
    pub key_signatures: Vec<KeySignature>,
    /// Keys in order.
    pub keys: Vec<KeyChange>,
    /// Time signatures in order.
    pub time_signatures: Vec<TimeSignature>,
}

/// A `**kern` score: its parts (one per `**kern` spine), tempo marks and
/// reference records.
///
/// # Example
///
/// ```
/// // Two spines; the lower one splits into two voices for one bar.
/// let text = "**kern\t**kern\n*^\t*\n2C\t2c\t2e\n*v\t*v\t*\n4D\t4d\n*-\t*-\n";
/// let score = audio_io::kern::KernScore::parse(text)?;
/// assert_eq!(score.parts.len(), 2);
/// assert_eq!(score.parts[0].notes.len(), 3); // C, c (voice 2), D
/// assert_eq!(score.parts[0].notes[2].onset_quarters(), 2.0);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KernScore {
    /// The title (`!!!OTL`).
    pub title: Option<String>,
    /// The composer (`!!!COM`).
    pub composer: Option<String>,
    /// Every reference record `!!!KEY: value`, in file order.
    pub reference: Vec<(String, String)>,
    /// The parts in spine order.
    pub parts: Vec<KernPart>,
    /// Tempo marks in order (one per onset: the spines repeat them).
    pub tempos: Vec<TempoMark>,
}

/// The state of one active spine.
#[derive(Debug, Clone)]
struct Spine {
    /// The part of a `**kern` spine; `None` for other (or not yet typed)
    /// spines.
    part: Option<usize>,
    /// The time of the spine's next event.
    clock: Rational,
}

/// A part being built, with its open ties (pitch → note index).
#[derive(Default)]
struct PartBuilder {
    part: KernPart,
    open_ties: HashMap<u8, usize>,
}

fn kern_error(line: usize, column: usize, token: &str, what: impl Into<String>) -> Error {
    Error::Kern {
        line,
        column,
        token: token.chars().take(32).collect(),
        what: what.into(),
    }
}

/// Pushes `item` unless the last element is equal (sub-spines repeat their
/// parent's interpretations).
fn push_dedup<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if list.last() != Some(&item) {
        list.push(item);
    }
}

impl PartBuilder {
    fn new(spine: usize) -> Self {
        Self {
            part: KernPart {
                spine,
                ..KernPart::default()
            },
            open_ties: HashMap::new(),
        }
    }

    fn interpret(&mut self, onset: Rational, interp: Interpretation, tempos: &mut Vec<TempoMark>) {
        let part = &mut self.part;
        match interp {
            Interpretation::KeySignature(sharps) => {
                push_dedup(&mut part.key_signatures, KeySignature { onset, sharps });
            }
            Interpretation::Key(key) => push_dedup(&mut part.keys, KeyChange { onset, key }),
            Interpretation::Meter(numerator, denominator) => push_dedup(
                &mut part.time_signatures,
                TimeSignature {
                    onset,
                    numerator,
                    denominator,
                },
            ),
            Interpretation::Tempo(bpm) => match tempos.last_mut() {
                Some(last) if last.onset == onset => last.bpm = bpm,
                _ => tempos.push(TempoMark { onset, bpm }),
            },
            Interpretation::Instrument { name, text } => {
                if name || part.instrument.is_none() {
                    part.instrument = Some(text);
                }
            }
            Interpretation::Other => {}
        }
    }

    /// Adds a note, merging ties per pitch.
    fn note(&mut self, note: KernNote, tie: Tie) -> Option<()> {
        let end = note.onset.checked_add(note.duration)?;
        let notes = &mut self.part.notes;
        if !note.grace && matches!(tie, Tie::Continue | Tie::End) {
            if let Some(&i) = self.open_ties.get(&note.pitch) {
                let first = &mut notes[i];
                if end > first.onset {
                    first.duration = end.checked_sub(first.onset)?;
                }
                if tie == Tie::End {
                    self.open_ties.remove(&note.pitch);
                }
                return Some(());
            }
        }
        if !note.grace && matches!(tie, Tie::Start | Tie::Continue) {
            self.open_ties.insert(note.pitch, notes.len());
        }
        notes.push(note);
        Some(())
    }
}

/// Processes the tokens of one data line.
fn data_line(
    line: usize,
    tokens: &[&str],
    spines: &mut [Spine],
    parts: &mut [PartBuilder],
) -> Result<()> {
    for (c, (&tok, spine)) in tokens.iter().zip(spines.iter_mut()).enumerate() {
        let Some(p) = spine.part else { continue };
        if tok == "." {
            continue;
        }
        let err = |what: String| kern_error(line, c + 1, tok, what);
        let part = &mut parts[p];
        let onset = spine.clock;
        let mut advance: Option<Rational> = None;
        let mut previous: Option<Rational> = None;
        let mut any = false;
        for sub in tok.split(' ').filter(|s| !s.is_empty()) {
            any = true;
            let st = token::sub_token(sub).map_err(|w| kern_error(line, c + 1, sub, w))?;
            let duration = if st.grace {
                Rational::ZERO
            } else {
                let d = st
                    .duration
                    .or(previous)
                    .ok_or_else(|| kern_error(line, c + 1, sub, "no duration"))?;
                previous = Some(d);
                d
            };
            advance.get_or_insert(duration);
            match st.pitch {
                Some(pitch) => part
                    .note(
                        KernNote {
                            pitch,
                            onset,
                            duration,
                            grace: st.grace,
                            line,
                        },
                        st.tie,
                    )
                    .ok_or_else(|| err("time overflow".into()))?,
                None if !st.grace => part.part.rests.push(KernRest {
                    onset,
                    duration,
                    line,
                }),
                None => {}
            }
        }
        if !any {
            return Err(err("empty token".into()));
        }
        spine.clock = onset
            .checked_add(advance.unwrap_or(Rational::ZERO))
            .ok_or_else(|| err("time overflow".into()))?;
    }
    Ok(())
}

/// Processes an interpretation line: spine manipulations and the tandem
/// interpretations of kern spines.
fn interpretation_line(
    line: usize,
    tokens: &[&str],
    spines: &mut Vec<Spine>,
    parts: &mut Vec<PartBuilder>,
    tempos: &mut Vec<TempoMark>,
) -> Result<()> {
    let mut next: Vec<Spine> = Vec::with_capacity(spines.len() + 4);
    let mut c = 0;
    while c < tokens.len() {
        let tok = tokens[c];
        let spine = spines[c].clone();
        match tok {
            "*^" => {
                next.push(spine.clone());
                next.push(spine);
            }
            "*v" => {
                let mut merged = spine;
                let mut k = c + 1;
                while k < tokens.len() && tokens[k] == "*v" {
                    merged.clock = merged.clock.max(spines[k].clock);
                    merged.part = merged.part.or(spines[k].part);
                    k += 1;
                }
                next.push(merged);
                c = k;
                continue;
            }
            "*-" => {}
            "*+" => {
                let clock = spine.clock;
                next.push(spine);
                next.push(Spine { part: None, clock });
            }
            "*x" if tokens.get(c + 1) == Some(&"*x") => {
                next.push(spines[c + 1].clone());
                next.push(spine);
                c += 2;
                continue;
            }
            t if t.starts_with("**") => {
                let part = if t == "**kern" {
                    parts.push(PartBuilder::new(c));
                    Some(parts.len() - 1)
                } else {
                    None
                };
                next.push(Spine {
                    part,
                    clock: spine.clock,
                });
            }
            t if t.starts_with('*') => {
                if let Some(p) = spine.part {
                    parts[p].interpret(spine.clock, token::interpretation(t), tempos);
                }
                next.push(spine);
            }
            t => {
                return Err(kern_error(
                    line,
                    c + 1,
                    t,
                    "an interpretation line mixes other tokens with `*` tokens",
                ))
            }
        }
        if next.len() > MAX_SPINES {
            return Err(kern_error(
                line,
                c + 1,
                tok,
                format!("more than {MAX_SPINES} spines"),
            ));
        }
        c += 1;
    }
    *spines = next;
    Ok(())
}

impl KernScore {
    /// Reads a `**kern` file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; as [`KernScore::parse`].
    ///
    /// # Example
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("audio-io-kern-read-{}.krn", std::process::id()));
    /// std::fs::write(&path, "**kern\n4c\n4e\n*-\n")?;
    /// let score = audio_io::kern::KernScore::read(&path)?;
    /// assert_eq!(score.parts[0].notes.len(), 2);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        Self::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// Parses a `**kern` file's bytes: UTF-8, with invalid sequences (old
    /// Latin-1 files) replaced by U+FFFD (only comments and reference
    /// records can hold such bytes).
    ///
    /// # Errors
    ///
    /// As [`KernScore::parse`].
    ///
    /// # Example
    ///
    /// ```
    /// let score = audio_io::kern::KernScore::from_bytes(b"**kern\n8cc#\n*-\n")?;
    /// assert_eq!(score.parts[0].notes[0].pitch, 73);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::parse(&String::from_utf8_lossy(bytes))
    }

    /// Parses `**kern` text.
    ///
    /// # Errors
    ///
    /// [`Error::Kern`] (with the 1-based line and column, and the token) for
    /// data or interpretations before the first exclusive interpretation, a
    /// line whose number of tab-separated tokens differs from the number of
    /// active spines, a note with neither pitch nor rest, a pitch outside
    /// MIDI's `0..=127`, a note without a duration (other than a grace note
    /// or a later chord note), an out-of-range reciprocal or more than 16
    /// dots, an empty token, more than [`MAX_SPINES`] spines, or times that
    /// overflow the exact fractions.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_io::Error;
    /// let err = audio_io::kern::KernScore::parse("**kern\n4c\n4x\n*-\n").unwrap_err();
    /// assert!(matches!(err, Error::Kern { line: 3, column: 1, .. }));
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let mut score = KernScore::default();
        let mut spines: Vec<Spine> = Vec::new();
        let mut parts: Vec<PartBuilder> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            if let Some(rest) = raw.strip_prefix("!!") {
                if let Some(record) = rest.strip_prefix('!') {
                    score.add_reference(record);
                }
                continue;
            }
            let tokens: Vec<&str> = raw.split('\t').take(MAX_SPINES + 1).collect();
            if tokens.len() > MAX_SPINES {
                return Err(kern_error(
                    line,
                    MAX_SPINES + 1,
                    tokens[MAX_SPINES],
                    format!("more than {MAX_SPINES} spines"),
                ));
            }
            if spines.is_empty() {
                if raw.starts_with('!') {
                    continue;
                }
                if !raw.starts_with("**") {
                    return Err(kern_error(
                        line,
                        1,
                        tokens[0],
                        "data before the first exclusive interpretation (`**kern`)",
                    ));
                }
                for (c, &tok) in tokens.iter().enumerate() {
                    if !tok.starts_with("**") {
                        return Err(kern_error(
                            line,
                            c + 1,
                            tok,
                            "an exclusive interpretation line mixes other tokens with `**`",
                        ));
                    }
                    let part = (tok == "**kern").then(|| {
                        parts.push(PartBuilder::new(c));
                        parts.len() - 1
                    });
                    spines.push(Spine {
                        part,
                        clock: Rational::ZERO,
                    });
                }
                continue;
            }
            if tokens.len() != spines.len() {
                let column = tokens.len().min(spines.len()) + 1;
                let token = tokens.get(column - 1).copied().unwrap_or("");
                return Err(kern_error(
                    line,
                    column,
                    token,
                    format!(
                        "{} tokens on a line where {} spines are active",
                        tokens.len(),
                        spines.len()
                    ),
                ));
            }
            match raw.as_bytes()[0] {
                b'!' | b'=' => {}
                b'*' => {
                    interpretation_line(line, &tokens, &mut spines, &mut parts, &mut score.tempos)?
                }
                _ => data_line(line, &tokens, &mut spines, &mut parts)?,
            }
        }
        score.parts = parts
            .into_iter()
            .map(|b| {
                let mut part = b.part;
                part.notes
                    .sort_by(|a, b| a.onset.cmp(&b.onset).then(a.pitch.cmp(&b.pitch)));
                part.rests.sort_by_key(|r| r.onset);
                part
            })
            .collect();
        Ok(score)
    }

    fn add_reference(&mut self, record: &str) {
        let (key, value) = record.split_once(':').unwrap_or((record, ""));
        let key: String = key.trim().chars().take(MAX_TEXT).collect();
        let value: String = value.trim().chars().take(MAX_TEXT).collect();
        if key == "OTL" && self.title.is_none() {
            self.title = Some(value.clone());
        }
        if key == "COM" && self.composer.is_none() {
            self.composer = Some(value.clone());
        }
        self.reference.push((key, value));
    }

    /// The end of the last note or rest, in quarter notes.
    ///
    /// # Example
    ///
    /// ```
    /// let score = audio_io::kern::KernScore::parse("**kern\n2c\n4r\n*-\n")?;
    /// assert_eq!(score.duration().to_f64(), 3.0);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn duration(&self) -> Rational {
        self.parts
            .iter()
            .flat_map(|p| {
                let notes = p.notes.iter().map(|n| (n.onset, n.duration));
                notes.chain(p.rests.iter().map(|r| (r.onset, r.duration)))
            })
            .filter_map(|(a, d)| a.checked_add(d))
            .max()
            .unwrap_or(Rational::ZERO)
    }

    /// The tempo map of [`KernScore::to_midi`] at [`TICKS_PER_BEAT`]:
    /// a constant `bpm` when given, otherwise the score's `*MM` marks
    /// ([`DEFAULT_BPM`] before the first).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `bpm` is not a positive finite number.
    ///
    /// # Example
    ///
    /// ```
    /// let score = audio_io::kern::KernScore::parse("**kern\n*MM60\n4c\n*MM120\n4d\n*-\n")?;
    /// let map = score.tempo_map(None)?;
    /// assert_eq!(map.changes.len(), 2);
    /// assert_eq!(map.tick_to_seconds(2 * 480), 1.5);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn tempo_map(&self, bpm: Option<f64>) -> Result<TempoMap> {
        let us = |bpm: f64| (60e6 / bpm).round().clamp(1.0, f64::from(0x00FF_FFFF)) as u32;
        match bpm {
            Some(b) if !(b.is_finite() && b > 0.0) => Err(Error::InvalidParameter {
                name: "bpm",
                expected: "a positive tempo in quarter notes per minute",
                value: b.to_string(),
            }),
            Some(b) => Ok(TempoMap::from_changes(TICKS_PER_BEAT, &[(0, us(b))])),
            None => {
                let mut changes = vec![(0, us(DEFAULT_BPM))];
                for m in &self.tempos {
                    let tick = (m.onset.to_f64() * f64::from(TICKS_PER_BEAT)).round();
                    changes.push((tick.clamp(0.0, 1e15) as u64, us(m.bpm)));
                }
                Ok(TempoMap::from_changes(TICKS_PER_BEAT, &changes))
            }
        }
    }

    /// The score as a [`MidiFile`]: one [`Instrument`] per part (track = part
    /// index, channel 0, program 0, named after the part's instrument),
    /// grace notes left out, velocity [`DEFAULT_VELOCITY`], times through
    /// [`KernScore::tempo_map`] (a constant `bpm` when given, else the
    /// `*MM` marks, [`DEFAULT_BPM`] before the first). Note times are not
    /// rounded to ticks (writing the file rounds them), but follow the tempo
    /// map, whose tempos are whole microseconds per beat as in MIDI.
    ///
    /// # Errors
    ///
    /// As [`KernScore::tempo_map`].
    ///
    /// # Example
    ///
    /// ```
    /// let score = audio_io::kern::KernScore::parse("**kern\t**kern\n4C\t8c\n.\t8d\n*-\t*-\n")?;
    /// let midi = score.to_midi(Some(60.0))?;
    /// assert_eq!(midi.instruments.len(), 2);
    /// assert_eq!(midi.instruments[1].notes[1].onset, 0.5);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn to_midi(&self, bpm: Option<f64>) -> Result<MidiFile> {
        let tempo = self.tempo_map(bpm)?;
        let tpb = f64::from(tempo.ticks_per_beat);
        let seconds = |quarters: f64| -> f64 {
            let tick = quarters * tpb;
            let i = tempo.changes.partition_point(|c| c.tick as f64 <= tick);
            let c = &tempo.changes[i.saturating_sub(1)];
            c.time + (tick - c.tick as f64) * f64::from(c.microseconds_per_beat) / (1e6 * tpb)
        };
        let instruments = self
            .parts
            .iter()
            .enumerate()
            .map(|(track, part)| Instrument {
                track,
                name: part.instrument.clone().unwrap_or_default(),
                notes: part
                    .notes
                    .iter()
                    .filter(|n| !n.grace)
                    .map(|n| {
                        Note::new(
                            seconds(n.onset_quarters()),
                            seconds(n.end_quarters()),
                            n.pitch,
                            DEFAULT_VELOCITY,
                        )
                    })
                    .collect(),
                ..Instrument::default()
            })
            .collect();
        Ok(MidiFile { tempo, instruments })
    }

    /// Every part's notes (grace notes left out) in seconds, sorted by onset
    /// then pitch: [`KernScore::to_midi`]'s notes merged.
    ///
    /// # Errors
    ///
    /// As [`KernScore::tempo_map`].
    ///
    /// # Example
    ///
    /// ```
    /// let score = audio_io::kern::KernScore::parse("**kern\n*MM90\n4c\n4e\n*-\n")?;
    /// let notes = score.to_notes(None)?; // *MM90: a quarter lasts 2/3 s
    /// // MIDI tempos are whole microseconds per beat: 666 667 µs here.
    /// assert!((notes[1].onset - 2.0 / 3.0).abs() < 1e-6);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn to_notes(&self, bpm: Option<f64>) -> Result<Vec<Note>> {
        let mut notes: Vec<Note> = self
            .to_midi(bpm)?
            .instruments
            .into_iter()
            .flat_map(|i| i.notes)
            .collect();
        Note::sort(&mut notes);
        Ok(notes)
    }
}

/// Reads a `**kern` file: [`KernScore::read`].
///
/// # Errors
///
/// As [`KernScore::read`].
///
/// # Example
///
/// ```
/// let path = std::env::temp_dir().join(format!("audio-io-read-kern-{}.krn", std::process::id()));
/// std::fs::write(&path, "!!!COM: Anon.\n**kern\n*M2/4\n8c\n8d\n4e\n*-\n")?;
/// let score = audio_io::kern::read_kern(&path)?;
/// assert_eq!(score.composer.as_deref(), Some("Anon."));
/// assert_eq!(score.parts[0].time_signatures[0].numerator, 2);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_kern(path: impl AsRef<Path>) -> Result<KernScore> {
    KernScore::read(path)
}
