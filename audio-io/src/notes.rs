//! Notes files: [`Note`]s ↔ CSV and JSON.
//!
//! **CSV.** Two layouts are written ([`CsvLayout`]):
//!
//! - [`CsvLayout::Notes`], the family's: a header
//!   `onset,offset,pitch,velocity,program` and one row a note, times in
//!   seconds with 6 decimals (pitch bends are not kept: use JSON);
//! - [`CsvLayout::BasicPitch`], `basic_pitch.inference.save_note_events`'s:
//!   `start_time_s,end_time_s,pitch_midi,velocity,pitch_bend`, times written
//!   shortest-exact, a note's pitch bends (when it has any) as extra columns
//!   after its velocity.
//!
//! Reading takes either, and more: the first data line is a header when its
//! first field is not a number. Header names select columns (`onset` or
//! `start_time_s`, `offset` or `end_time_s`, `pitch` or `pitch_midi`,
//! `velocity`, `program`; `pitch_bend(s)` takes that column and all after it
//! as bends; other columns such as `instrument` are skipped). Without a
//! header the columns are `onset,offset,pitch,velocity[,program]`. Blank
//! lines and lines starting with `#` are skipped.
//!
//! **JSON.** An array of note objects, `Note`'s serde form:
//! `{"onset": 0.5, "offset": 1.0, "pitch": 60, "velocity": 90, "program": 0,
//! "pitch_bends": null}`. Reading also accepts basic-pitch's names
//! (`start_time_s`, `end_time_s`, `pitch_midi`), a missing `program` or
//! `pitch_bends`, and ignores other fields (Basic Pitch's `start_frame`,
//! `amplitude`, ...).
//!
//! Every reader checks what it reads: finite times, pitch, velocity and
//! program in `0..=127`.
//!
//! # Example
//!
//! ```
//! use audio_io::notes::{from_json_str, to_json_string, NotesFormat};
//! use audio_io::Note;
//! let notes = vec![Note::new(0.5, 1.0, 60, 90)];
//! let text = to_json_string(&notes)?;
//! assert_eq!(from_json_str(&text)?, notes);
//! assert_eq!(NotesFormat::from_path("out/notes.csv")?, NotesFormat::Csv);
//! assert!(NotesFormat::from_path("notes.xyz").is_err());
//! # Ok::<(), audio_io::Error>(())
//! ```

use std::fmt::Write as _;
use std::path::Path;

use crate::midi::{MidiFile, Note};
use crate::{Error, Result};

/// A notes file format.
///
/// Parsed (`FromStr`) from `csv` or `json` (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotesFormat {
    /// Comma-separated values (written in [`CsvLayout::Notes`]).
    Csv,
    /// A JSON array of note objects.
    Json,
}

impl NotesFormat {
    /// The format a path's extension names: `.csv` or `.json` (any case).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for any other extension, or none.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        ext.parse().map_err(|_| Error::Unsupported {
            what: "notes file extension (expected .csv or .json)",
            got: format!("{:?} of {}", ext, path.display()),
        })
    }
}

impl std::str::FromStr for NotesFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err(Error::Unsupported {
                what: "notes format (expected csv or json)",
                got: s.chars().take(32).collect(),
            }),
        }
    }
}

impl std::fmt::Display for NotesFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Csv => "csv",
            Self::Json => "json",
        })
    }
}

/// The columns of a written CSV file (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CsvLayout {
    /// `onset,offset,pitch,velocity,program`, 6 decimals.
    #[default]
    Notes,
    /// basic-pitch's `start_time_s,end_time_s,pitch_midi,velocity,pitch_bend`.
    BasicPitch,
}

/// Notes as CSV in `layout`.
///
/// # Example
///
/// ```
/// use audio_io::notes::{to_csv_string, CsvLayout};
/// use audio_io::Note;
/// let n = Note { pitch_bends: Some(vec![0, 1]), ..Note::new(0.0, 1.0, 60, 64) };
/// assert_eq!(to_csv_string(&[n.clone()], CsvLayout::BasicPitch).lines().nth(1), Some("0,1,60,64,0,1"));
/// assert_eq!(to_csv_string(&[n], CsvLayout::Notes).lines().nth(1), Some("0.000000,1.000000,60,64,0"));
/// ```
pub fn to_csv_string<N: AsRef<Note>>(notes: &[N], layout: CsvLayout) -> String {
    let mut s = String::new();
    match layout {
        CsvLayout::Notes => {
            s.push_str("onset,offset,pitch,velocity,program\n");
            for n in notes {
                let n = n.as_ref();
                let _ = writeln!(
                    s,
                    "{:.6},{:.6},{},{},{}",
                    n.onset, n.offset, n.pitch, n.velocity, n.program
                );
            }
        }
        CsvLayout::BasicPitch => {
            s.push_str("start_time_s,end_time_s,pitch_midi,velocity,pitch_bend\n");
            for n in notes {
                let n = n.as_ref();
                let _ = write!(s, "{},{},{},{}", n.onset, n.offset, n.pitch, n.velocity);
                for b in n.pitch_bends.iter().flatten() {
                    let _ = write!(s, ",{b}");
                }
                s.push('\n');
            }
        }
    }
    s
}

/// A MIDI file's notes as `midi-to-notes` writes them: CSV
/// `onset,offset,pitch,velocity,program,instrument` (6 decimals; the index
/// of the note's instrument in the file), or JSON note objects with an extra
/// `"instrument"` field, instrument by instrument in file order.
///
/// # Errors
///
/// As [`to_json_string`].
pub fn midi_to_notes_string(midi: &MidiFile, format: NotesFormat) -> Result<String> {
    let rows = midi
        .instruments
        .iter()
        .enumerate()
        .flat_map(|(i, inst)| inst.notes.iter().map(move |n| (i, n)));
    match format {
        NotesFormat::Csv => {
            let mut s = String::from("onset,offset,pitch,velocity,program,instrument\n");
            for (i, n) in rows {
                let _ = writeln!(
                    s,
                    "{:.6},{:.6},{},{},{},{}",
                    n.onset, n.offset, n.pitch, n.velocity, n.program, i
                );
            }
            Ok(s)
        }
        NotesFormat::Json => {
            let values = rows
                .map(|(i, n)| {
                    let mut v = serde_json::to_value(n).map_err(json_error)?;
                    if let Some(o) = v.as_object_mut() {
                        o.insert("instrument".into(), i.into());
                    }
                    Ok(v)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut s = serde_json::to_string_pretty(&values).map_err(json_error)?;
            s.push('\n');
            Ok(s)
        }
    }
}

fn json_error(e: serde_json::Error) -> Error {
    Error::malformed("notes JSON", e.to_string())
}

/// Notes as a pretty-printed JSON array of note objects.
///
/// # Errors
///
/// [`Error::Malformed`] if serialisation fails (it does not for notes).
pub fn to_json_string<N: AsRef<Note>>(notes: &[N]) -> Result<String> {
    let refs: Vec<&Note> = notes.iter().map(AsRef::as_ref).collect();
    let mut s = serde_json::to_string_pretty(&refs).map_err(json_error)?;
    s.push('\n');
    Ok(s)
}

fn check(notes: Vec<Note>, format: &'static str) -> Result<Vec<Note>> {
    for (i, n) in notes.iter().enumerate() {
        let bad = |what: String| Err(Error::malformed(format, format!("note {}: {what}", i + 1)));
        if !(n.onset.is_finite() && n.offset.is_finite()) {
            return bad(format!("times {} .. {} are not finite", n.onset, n.offset));
        }
        for (name, v) in [
            ("pitch", n.pitch),
            ("velocity", n.velocity),
            ("program", n.program),
        ] {
            if v > 127 {
                return bad(format!("{name} {v} is not in 0..=127"));
            }
        }
    }
    Ok(notes)
}

/// Parses a JSON array of note objects (see the [module docs](self)).
///
/// # Errors
///
/// [`Error::Malformed`] for invalid JSON, a missing field, or a value out of
/// range.
pub fn from_json_str(text: &str) -> Result<Vec<Note>> {
    let notes: Vec<Note> = serde_json::from_str(text).map_err(json_error)?;
    check(notes, "notes JSON")
}

/// Columns of a CSV file.
struct Columns {
    onset: usize,
    offset: usize,
    pitch: usize,
    velocity: usize,
    program: Option<usize>,
    bends: Option<usize>,
}

impl Columns {
    const POSITIONAL: Self = Self {
        onset: 0,
        offset: 1,
        pitch: 2,
        velocity: 3,
        program: Some(4),
        bends: None,
    };

    fn from_header(fields: &[&str], line: usize) -> Result<Self> {
        let find = |names: &[&str]| {
            fields
                .iter()
                .position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)))
        };
        let need = |names: &[&str], what: &str| {
            find(names).ok_or_else(|| {
                Error::malformed(
                    "notes CSV",
                    format!("line {line}: the header has no {what} column"),
                )
            })
        };
        Ok(Self {
            onset: need(&["onset", "start_time_s"], "onset")?,
            offset: need(&["offset", "end_time_s"], "offset")?,
            pitch: need(&["pitch", "pitch_midi"], "pitch")?,
            velocity: need(&["velocity"], "velocity")?,
            program: find(&["program"]),
            bends: find(&["pitch_bend", "pitch_bends"]),
        })
    }
}

/// Parses CSV notes in any layout the [module docs](self) list.
///
/// # Errors
///
/// [`Error::Malformed`] naming the line for a missing column, a field that
/// is not a number, or a value out of range.
///
/// # Example
///
/// ```
/// let notes = audio_io::notes::from_csv_str("# my notes\n0.5,1.0,60,90\n1.0,1.5,62,80,4\n")?;
/// assert_eq!((notes[1].pitch, notes[1].program), (62, 4));
/// let bp = audio_io::notes::from_csv_str("start_time_s,end_time_s,pitch_midi,velocity,pitch_bend\n0,1,60,64,0,1\n")?;
/// assert_eq!(bp[0].pitch_bends, Some(vec![0, 1]));
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn from_csv_str(text: &str) -> Result<Vec<Note>> {
    let mut columns: Option<Columns> = None;
    let mut notes = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = l.split(',').map(str::trim).collect();
        if columns.is_none() {
            if fields[0].parse::<f64>().is_err() {
                columns = Some(Columns::from_header(&fields, line)?);
                continue;
            }
            columns = Some(Columns::POSITIONAL);
        }
        let Some(cols) = columns.as_ref() else {
            continue;
        };
        let bad = |what: &str| {
            Error::malformed(
                "notes CSV",
                format!("line {line}: {what} (rows are onset,offset,pitch,velocity[,program])"),
            )
        };
        let field = |k: usize, name: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| bad(&format!("no {name} field")))
        };
        let time = |k: usize, name: &str| -> Result<f64> {
            let f = field(k, name)?;
            f.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(&format!("{name} {f:?} is not a finite number")))
        };
        let midi = |k: usize, name: &str| -> Result<u8> {
            let f = field(k, name)?;
            f.parse::<u8>()
                .ok()
                .filter(|&v| v <= 127)
                .ok_or_else(|| bad(&format!("{name} {f:?} is not in 0..=127")))
        };
        let program = match cols.program {
            Some(k) if k < fields.len() && !fields[k].is_empty() => midi(k, "program")?,
            _ => 0,
        };
        let pitch_bends = match cols.bends {
            Some(k) if k < fields.len() => Some(
                fields[k..]
                    .iter()
                    .map(|f| {
                        f.parse::<i32>()
                            .map_err(|_| bad(&format!("pitch bend {f:?} is not an integer")))
                    })
                    .collect::<Result<Vec<i32>>>()?,
            ),
            _ => None,
        };
        notes.push(Note {
            onset: time(cols.onset, "onset")?,
            offset: time(cols.offset, "offset")?,
            pitch: midi(cols.pitch, "pitch")?,
            velocity: midi(cols.velocity, "velocity")?,
            program,
            pitch_bends,
        });
    }
    Ok(notes)
}

/// Notes in `format` (CSV in [`CsvLayout::Notes`]).
///
/// # Errors
///
/// As [`to_json_string`].
pub fn to_string<N: AsRef<Note>>(notes: &[N], format: NotesFormat) -> Result<String> {
    match format {
        NotesFormat::Csv => Ok(to_csv_string(notes, CsvLayout::Notes)),
        NotesFormat::Json => to_json_string(notes),
    }
}

/// Parses notes in `format`.
///
/// # Errors
///
/// As [`from_csv_str`] and [`from_json_str`].
pub fn from_str(text: &str, format: NotesFormat) -> Result<Vec<Note>> {
    match format {
        NotesFormat::Csv => from_csv_str(text),
        NotesFormat::Json => from_json_str(text),
    }
}

/// Writes notes to `path` in `format`, or the format of its extension
/// ([`NotesFormat::from_path`]) when `None`.
///
/// # Errors
///
/// [`Error::Unsupported`] for an unknown extension; [`Error::Io`] when the
/// file cannot be written.
pub fn write_notes<N: AsRef<Note>>(
    path: impl AsRef<Path>,
    notes: &[N],
    format: Option<NotesFormat>,
) -> Result<()> {
    let path = path.as_ref();
    let format = match format {
        Some(f) => f,
        None => NotesFormat::from_path(path)?,
    };
    crate::write_file(path, to_string(notes, format)?)
}

/// Reads notes from `path` in `format`, or the format of its extension
/// ([`NotesFormat::from_path`]) when `None`.
///
/// # Errors
///
/// [`Error::Unsupported`] for an unknown extension; [`Error::Io`] when the
/// file cannot be read; as [`from_str`].
pub fn read_notes(path: impl AsRef<Path>, format: Option<NotesFormat>) -> Result<Vec<Note>> {
    let path = path.as_ref();
    let format = match format {
        Some(f) => f,
        None => NotesFormat::from_path(path)?,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
    from_str(&text, format).map_err(|e| e.in_file(path))
}

/// Notes as a tab-separated table for people:
/// `onset_s offset_s pitch name velocity` (times to the millisecond, the
/// pitch's name as [`Note::name`]).
///
/// # Example
///
/// ```
/// let t = audio_io::notes::to_table_string(&[audio_io::Note::new(0.5, 1.0, 61, 90)]);
/// assert_eq!(t, "onset_s\toffset_s\tpitch\tname\tvelocity\n0.500\t1.000\t61\tC#4\t90\n");
/// ```
pub fn to_table_string<N: AsRef<Note>>(notes: &[N]) -> String {
    let mut s = String::from("onset_s\toffset_s\tpitch\tname\tvelocity\n");
    for n in notes {
        let n = n.as_ref();
        let _ = writeln!(
            s,
            "{:.3}\t{:.3}\t{}\t{}\t{}",
            n.onset,
            n.offset,
            n.pitch,
            n.name(),
            n.velocity
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use crate::midi::{Instrument, TempoMap};

    fn sample() -> Vec<Note> {
        vec![
            Note {
                program: 4,
                pitch_bends: Some(vec![-1, 0, 2]),
                ..Note::new(0.1, 0.6, 60, 100)
            },
            Note::new(0.25, 1.0 / 3.0, 127, 1),
        ]
    }

    #[test]
    fn json_round_trips_exactly() {
        let notes = sample();
        let text = to_json_string(&notes).unwrap();
        assert_eq!(from_json_str(&text).unwrap(), notes);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["onset"], 0.1);
        assert_eq!(v[0]["pitch_bends"], serde_json::json!([-1, 0, 2]));
        assert!(v[1]["pitch_bends"].is_null());
    }

    #[test]
    fn json_reads_basic_pitch_names_and_skips_extras() {
        let text = r#"[{"start_time_s": 0.5, "end_time_s": 1.0, "start_frame": 43,
            "pitch_midi": 60, "velocity": 64, "amplitude": 0.5, "pitch_bends": null}]"#;
        assert_eq!(
            from_json_str(text).unwrap(),
            vec![Note::new(0.5, 1.0, 60, 64)]
        );
        for bad in [
            "{}",
            "[{\"onset\": 0}]",
            "[{\"onset\": 0, \"offset\": 1, \"pitch\": 128, \"velocity\": 1}]",
            "[{\"onset\": 0, \"offset\": 1, \"pitch\": 300, \"velocity\": 1}]",
            "not json",
        ] {
            assert!(
                matches!(from_json_str(bad), Err(Error::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn csv_round_trips_in_both_layouts() {
        let notes = sample();
        let back = from_csv_str(&to_csv_string(&notes, CsvLayout::BasicPitch)).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].pitch_bends, Some(vec![-1, 0, 2]));
        assert_eq!((back[1].onset, back[1].offset), (0.25, 1.0 / 3.0));
        assert_eq!(back[1].pitch_bends, None);
        // The program is not a basic-pitch column.
        assert_eq!(back[0].program, 0);
        let back = from_csv_str(&to_csv_string(&notes, CsvLayout::Notes)).unwrap();
        assert_eq!((back[0].program, back[0].pitch), (4, 60));
        assert!((back[1].offset - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn csv_errors_name_the_line() {
        for (bad, line) in [
            ("0,1,60\n", "line 1"),
            ("0,1,60,90\n0,x,60,90\n", "line 2"),
            ("0,1,128,90\n", "line 1"),
            ("0,inf,60,90\n", "line 1"),
            ("onset,offset,pitch\n0,1,60\n", "line 1"),
            (
                "start_time_s,end_time_s,pitch_midi,velocity,pitch_bend\n0,1,60,9,1.5\n",
                "line 2",
            ),
        ] {
            let err = from_csv_str(bad).unwrap_err().to_string();
            assert!(err.contains(line), "{bad:?}: {err}");
        }
        // Blank lines, comments and a header with extra columns.
        let ok =
            from_csv_str("\n# x\ninstrument,onset,offset,pitch,velocity\n3,0.5,1,60,9\n").unwrap();
        assert_eq!(ok, vec![Note::new(0.5, 1.0, 60, 9)]);
    }

    #[test]
    fn formats_by_extension_or_name() {
        assert_eq!(
            NotesFormat::from_path("a/b.JSON").unwrap(),
            NotesFormat::Json
        );
        assert_eq!(NotesFormat::from_path("b.csv").unwrap(), NotesFormat::Csv);
        for bad in ["b.xyz", "b", "b.csv.txt"] {
            let err = NotesFormat::from_path(bad).unwrap_err();
            assert!(matches!(err, Error::Unsupported { .. }), "{bad}");
            assert!(err.to_string().contains(".csv or .json"), "{err}");
        }
        assert_eq!("Json".parse::<NotesFormat>().unwrap(), NotesFormat::Json);
        assert!("xml".parse::<NotesFormat>().is_err());
        assert_eq!(NotesFormat::Csv.to_string(), "csv");
    }

    #[test]
    fn files_round_trip() {
        let dir = std::env::temp_dir().join(format!("audio-io-notes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let notes = sample();
        for name in ["n.json", "n.csv"] {
            let p = dir.join(name);
            write_notes(&p, &notes, None).unwrap();
            let back = read_notes(&p, None).unwrap();
            assert_eq!(back.len(), notes.len());
            assert_eq!(back[0].pitch, 60);
        }
        let p = dir.join("n.txt");
        write_notes(&p, &notes, Some(NotesFormat::Json)).unwrap();
        assert_eq!(read_notes(&p, Some(NotesFormat::Json)).unwrap(), notes);
        assert!(write_notes(dir.join("n.xyz"), &notes, None).is_err());
        assert!(!dir.join("n.xyz").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn midi_notes_keep_the_instrument() {
        let midi = MidiFile {
            tempo: TempoMap::constant(480, 120.0),
            instruments: vec![
                Instrument {
                    notes: vec![Note::new(0.0, 0.5, 60, 90)],
                    ..Default::default()
                },
                Instrument {
                    program: 40,
                    notes: vec![Note {
                        program: 40,
                        ..Note::new(0.25, 0.5, 64, 80)
                    }],
                    ..Default::default()
                },
            ],
        };
        let csv = midi_to_notes_string(&midi, NotesFormat::Csv).unwrap();
        assert_eq!(
            csv,
            "onset,offset,pitch,velocity,program,instrument\n\
             0.000000,0.500000,60,90,0,0\n0.250000,0.500000,64,80,40,1\n"
        );
        let json = midi_to_notes_string(&midi, NotesFormat::Json).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[1]["instrument"], 1);
        assert_eq!(
            from_json_str(&json).unwrap(),
            midi.instruments
                .iter()
                .flat_map(|i| i.notes.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(from_csv_str(&csv).unwrap()[1].program, 40);
    }
}
