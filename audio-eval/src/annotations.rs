//! Parsers for mir_eval's plain-text annotation formats (`mir_eval.io`).
//!
//! mir_eval reads whitespace-delimited columns with `load_delimited`: lines
//! whose first character is `#` are comments, every other line (after
//! stripping surrounding whitespace) must hold exactly the expected number of
//! fields — a blank line is an error, as in mir_eval. Numbers are parsed as
//! Python's `float()` does for the usual spellings (`1`, `-2.5`, `.5`, `1e-3`,
//! `inf`, `nan`); Python's digit separators (`1_000`) are not accepted.
//! Parsing never panics on any input; values are not range-checked here (the
//! metrics do that), as mir_eval's loaders only warn.

use audio_dsp::{Key, Note};

use crate::{Error, Result};

/// Intervals with a value each: notes as mir_eval's transcription metrics
/// take them (`ref_intervals`, `ref_pitches`), read from an
/// `"onset offset value"` file (`mir_eval.io.load_valued_intervals`) or made
/// from [`Note`]s ([`ValuedIntervals::from_notes`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValuedIntervals {
    /// `[onset, offset]` rows, in seconds.
    pub intervals: Vec<[f64; 2]>,
    /// One value per interval (a pitch in Hz for notes).
    pub values: Vec<f64>,
}

impl ValuedIntervals {
    /// The `[onset, offset]` intervals and pitches in Hz ([`Note::hz`]) of
    /// `notes`, in their order: the arrays of `audio_eval::transcription`.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::Note;
    /// let v = audio_eval::annotations::ValuedIntervals::from_notes(&[Note::new(0.5, 1.0, 69, 90)]);
    /// assert_eq!((v.intervals, v.values), (vec![[0.5, 1.0]], vec![440.0]));
    /// ```
    pub fn from_notes<N: AsRef<Note>>(notes: &[N]) -> Self {
        let notes = notes.iter().map(AsRef::as_ref);
        Self {
            intervals: notes.clone().map(|n| [n.onset, n.offset]).collect(),
            values: notes.map(Note::hz).collect(),
        }
    }
}

/// Intervals with a pitch and a velocity each: notes as
/// `audio_eval::transcription_velocity` takes them, read from an
/// `"onset offset pitch velocity"` file (the loader of mir_eval's
/// `transcription_velocity` tests) or made from [`Note`]s
/// ([`VelocityIntervals::from_notes`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VelocityIntervals {
    /// `[onset, offset]` rows, in seconds.
    pub intervals: Vec<[f64; 2]>,
    /// One pitch per note (in Hz for the metrics).
    pub pitches: Vec<f64>,
    /// One velocity per note.
    pub velocities: Vec<f64>,
}

impl VelocityIntervals {
    /// The intervals, pitches in Hz ([`Note::hz`]) and MIDI velocities of
    /// `notes`, in their order.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::Note;
    /// let v = audio_eval::annotations::VelocityIntervals::from_notes(&[Note::new(0.5, 1.0, 81, 90)]);
    /// assert_eq!((v.pitches, v.velocities), (vec![880.0], vec![90.0]));
    /// ```
    pub fn from_notes<N: AsRef<Note>>(notes: &[N]) -> Self {
        let v = ValuedIntervals::from_notes(notes);
        Self {
            intervals: v.intervals,
            pitches: v.values,
            velocities: notes
                .iter()
                .map(|n| f64::from(n.as_ref().velocity))
                .collect(),
        }
    }
}

/// The non-comment lines of `text` as `(1-based line number, stripped line)`.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // Python's text mode turns "\r\n" and "\r" into "\n"; a final newline
    // does not start another line.
    let mut lines: Vec<&str> = text
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
        .into_iter()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.trim()))
}

/// Python's `float()` on one field.
pub(crate) fn parse_float(line: usize, token: &str) -> Result<f64> {
    let t = token.trim();
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    // Rust accepts "infinity"/"inf"/"nan" as Python does; reject forms Python
    // rejects but Rust accepts (none known) and vice versa (underscores).
    let parsed = if unsigned == "inf" || unsigned == "infinity" || unsigned == "nan" {
        lower.parse::<f64>().ok()
    } else {
        t.parse::<f64>().ok()
    };
    parsed.ok_or_else(|| Error::ParseNumber {
        line,
        token: token.chars().take(64).collect(),
    })
}

/// Splits the data lines into exactly `n` whitespace-separated fields.
fn delimited(text: &str, n: usize) -> impl Iterator<Item = Result<(usize, Vec<&str>)>> {
    data_lines(text).map(move |(line, l)| {
        let fields: Vec<&str> = if l.is_empty() {
            vec![""]
        } else {
            l.split_whitespace().collect()
        };
        if fields.len() == n {
            Ok((line, fields))
        } else if n == 1 || fields.len() < n {
            Err(Error::ColumnCount {
                line,
                expected: n,
                got: fields.len(),
            })
        } else {
            // mir_eval splits at most n - 1 times, so the last field holds
            // the rest of the line and fails to convert.
            Err(Error::ParseNumber {
                line,
                token: fields[n - 1..].join(" ").chars().take(64).collect(),
            })
        }
    })
}

/// `mir_eval.io.load_events`: one time per line.
///
/// # Errors
///
/// [`Error::ColumnCount`], [`Error::ParseNumber`] with the line number.
///
/// # Example
///
/// ```
/// let e = audio_eval::annotations::parse_events("# beats\n0.5\n1.0\n")?;
/// assert_eq!(e, vec![0.5, 1.0]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_events(text: &str) -> Result<Vec<f64>> {
    delimited(text, 1)
        .map(|r| r.and_then(|(line, f)| parse_float(line, f[0])))
        .collect()
}

/// `mir_eval.io.load_time_series`: `"time value"` per line.
///
/// # Errors
///
/// As [`parse_events`].
///
/// # Example
///
/// ```
/// let (t, f) = audio_eval::annotations::parse_time_series("0.0 0\n0.01 440.0\n")?;
/// assert_eq!((t, f), (vec![0.0, 0.01], vec![0.0, 440.0]));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_time_series(text: &str) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut times = Vec::new();
    let mut values = Vec::new();
    for r in delimited(text, 2) {
        let (line, f) = r?;
        times.push(parse_float(line, f[0])?);
        values.push(parse_float(line, f[1])?);
    }
    Ok((times, values))
}

/// `mir_eval.io.load_valued_intervals`: `"onset offset value"` per line —
/// mir_eval's note file format (value = pitch in Hz).
///
/// # Errors
///
/// As [`parse_events`].
///
/// # Example
///
/// ```
/// let n = audio_eval::annotations::parse_valued_intervals("0.1\t0.5\t440.0\n")?;
/// assert_eq!(n.intervals, vec![[0.1, 0.5]]);
/// assert_eq!(n.values, vec![440.0]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_valued_intervals(text: &str) -> Result<ValuedIntervals> {
    let mut out = ValuedIntervals::default();
    for r in delimited(text, 3) {
        let (line, f) = r?;
        out.intervals
            .push([parse_float(line, f[0])?, parse_float(line, f[1])?]);
        out.values.push(parse_float(line, f[2])?);
    }
    Ok(out)
}

/// `"onset offset pitch velocity"` per line, as mir_eval's velocity tests
/// load with `load_delimited(filename, [float, float, int, int])` (pitch and
/// velocity are read as numbers here, integral or not).
///
/// # Errors
///
/// As [`parse_events`].
///
/// # Example
///
/// ```
/// let n = audio_eval::annotations::parse_velocity_notes("0.1 0.5 60 100\n")?;
/// assert_eq!(n.velocities, vec![100.0]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_velocity_notes(text: &str) -> Result<VelocityIntervals> {
    let mut out = VelocityIntervals::default();
    for r in delimited(text, 4) {
        let (line, f) = r?;
        out.intervals
            .push([parse_float(line, f[0])?, parse_float(line, f[1])?]);
        out.pitches.push(parse_float(line, f[2])?);
        out.velocities.push(parse_float(line, f[3])?);
    }
    Ok(out)
}

/// `mir_eval.io.load_ragged_time_series`: `"time f1 f2 ..."` per line, any
/// number of values (possibly none) per time — the multipitch format.
///
/// # Errors
///
/// [`Error::ParseNumber`] with the line number (a blank line has an empty
/// time field, which mir_eval cannot convert either).
///
/// # Example
///
/// ```
/// let (t, f) = audio_eval::annotations::parse_ragged_time_series("0.0\n0.01 440 220\n")?;
/// assert_eq!(t, vec![0.0, 0.01]);
/// assert_eq!(f, vec![vec![], vec![440.0, 220.0]]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_ragged_time_series(text: &str) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let mut times = Vec::new();
    let mut values = Vec::new();
    for (line, l) in data_lines(text) {
        let mut fields = l.split_whitespace();
        let first = fields.next().unwrap_or("");
        times.push(parse_float(line, first)?);
        values.push(
            fields
                .map(|f| parse_float(line, f))
                .collect::<Result<Vec<f64>>>()?,
        );
    }
    Ok((times, values))
}

/// `mir_eval.io.load_key`: one `"tonic mode"` line (e.g. `"C# minor"`), as
/// a [`Key`] (`None` for `X`, no key). The label is checked as
/// `mir_eval.key.evaluate` checks it ([`crate::key::parse_label`]; mir_eval's
/// loader only warns, its metric raises).
///
/// # Errors
///
/// [`Error::ColumnCount`] for a line without two fields or a file without
/// exactly one data line (reported as `expected: 1` line, `got` lines);
/// [`Error::InvalidKey`] for a label mir_eval rejects.
///
/// # Example
///
/// ```
/// use audio_dsp::{Key, KeyMode};
/// let k = audio_eval::annotations::parse_key("# a key\nEb\tmajor\n")?;
/// assert_eq!(k, Some(Key { tonic: 3, mode: KeyMode::Major }));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_key(text: &str) -> Result<Option<Key>> {
    let mut keys = Vec::new();
    for (line, l) in data_lines(text) {
        let fields: Vec<&str> = l.split_whitespace().collect();
        if fields.len() < 2 {
            return Err(Error::ColumnCount {
                line,
                expected: 2,
                got: fields.len().max(1),
            });
        }
        // mir_eval keeps the rest of the line in the mode column.
        keys.push(format!("{} {}", fields[0], fields[1..].join(" ")));
    }
    if keys.len() != 1 {
        return Err(Error::ColumnCount {
            line: 0,
            expected: 1,
            got: keys.len(),
        });
    }
    crate::key::parse_label(&keys.swap_remove(0))
}

/// One class label per line, as `audio eval classification` reads its
/// reference and estimate files (the inputs of
/// [`crate::classification::evaluate`]): each line is stripped of
/// surrounding whitespace, and blank lines and lines starting with `#`
/// (after the stripping) are skipped. A label may hold inner spaces
/// (`"acoustic guitar"`). Unlike mir_eval's column files there is nothing to
/// convert, so no line is malformed.
///
/// # Errors
///
/// None: it never fails (nor panics). It returns a [`Result`] as the other
/// parsers here do, so callers read every annotation format alike.
///
/// # Example
///
/// ```
/// let labels = audio_eval::annotations::parse_labels("# genre\r\n rock \n\nacoustic guitar\n")?;
/// assert_eq!(labels, vec!["rock", "acoustic guitar"]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn parse_labels(text: &str) -> Result<Vec<String>> {
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_and_bad_columns_are_errors() {
        // A blank line is one empty field, which float('') rejects.
        assert!(matches!(
            parse_events("1.0\n\n2.0\n"),
            Err(Error::ParseNumber { line: 2, .. })
        ));
        assert!(matches!(
            parse_time_series("1.0 2.0\n\n"),
            Err(Error::ColumnCount { line: 2, .. })
        ));
        assert!(matches!(
            parse_valued_intervals("0 1\n"),
            Err(Error::ColumnCount { line: 1, .. })
        ));
        assert!(matches!(
            parse_valued_intervals("0 1 2 3\n"),
            Err(Error::ParseNumber { line: 1, .. })
        ));
        assert!(parse_events("abc\n").is_err());
    }

    #[test]
    fn comments_crlf_and_missing_final_newline() {
        assert_eq!(parse_events("#x\r\n1\r\n2").unwrap(), vec![1.0, 2.0]);
        assert_eq!(parse_events("").unwrap(), Vec::<f64>::new());
        assert_eq!(parse_events("  1.5  \n").unwrap(), vec![1.5]);
        // A comment must start the line, as mir_eval's `^#`.
        assert!(parse_events(" # no\n").is_err());
    }

    #[test]
    fn python_float_spellings() {
        let e = parse_events("inf\n-Infinity\n1e3\n.5\n5.\n+2\n").unwrap();
        assert_eq!(e[0], f64::INFINITY);
        assert_eq!(e[1], f64::NEG_INFINITY);
        assert_eq!(&e[2..], &[1000.0, 0.5, 5.0, 2.0]);
        assert!(parse_events("nan\n").unwrap()[0].is_nan());
    }

    #[test]
    fn labels_skip_blank_and_comment_lines() {
        assert_eq!(
            parse_labels("cat\r\n\n  # note\n\tdog \nbig cat").unwrap(),
            vec!["cat", "dog", "big cat"]
        );
        assert_eq!(parse_labels("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_labels("#only\n\n").unwrap(), Vec::<String>::new());
    }
}
