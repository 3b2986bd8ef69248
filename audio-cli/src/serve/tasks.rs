//! Running a job: each task is the command-line subcommand of the same
//! work (`audio separate`, `audio transcribe`, `audio pipeline`, the
//! feature commands), run in-process on the job's input, so the service
//! gives exactly what the command line gives. Results land in the job's
//! `out` folder under fixed names.

use std::ffi::OsString;
use std::path::Path;

use super::jobs::{ResultFile, StageFn};
use super::request::{JobRequest, Task};

/// The frame rate of the transcription piano-roll pictures.
const ROLL_FPS: f64 = 50.0;

/// Runs `request` on `input`, writing into `out`.
///
/// # Errors
///
/// The command's error message (paths are the service's own, never the
/// client's).
pub fn run(
    request: &JobRequest,
    input: &Path,
    out: &Path,
    stage: StageFn,
) -> Result<Vec<ResultFile>, String> {
    // Where each command's progress bars fall in the job's 0 to 1.
    let task = request.task;
    let listener = {
        let stage = stage.clone();
        move |name: &str, done: f64| {
            let (start, width) = match (task, name) {
                (Task::Separate, _) => (0.1, 0.85),
                (Task::Pipeline, "separating") => (0.1, 0.5),
                (Task::Pipeline, _) => (0.6, 0.3),
                _ => (0.1, 0.8),
            };
            #[allow(clippy::cast_possible_truncation, reason = "a fraction")]
            stage((start + width * done) as f32, name);
        }
    };
    let command = |args: Vec<OsString>| {
        crate::progress::with_sink(Box::new(listener.clone()), || run_command(args))
    };
    let arg = |s: &str| OsString::from(s);
    let path = |p: &Path| p.as_os_str().to_os_string();
    let flag_args = |names: &[(&str, &str)]| -> Vec<OsString> {
        let mut v = Vec::new();
        for (param, flag) in names {
            if let Some(value) = request.param(param) {
                v.push(arg(flag));
                v.push(arg(value));
            }
        }
        v
    };
    match request.task {
        Task::Separate => {
            stage(0.1, "separating");
            let mut args = vec![
                arg("separate"),
                path(input),
                arg("-o"),
                path(out),
                arg("--chunk-seconds"),
                arg("30"),
            ];
            args.extend(flag_args(&[("targets", "--targets"), ("niter", "--niter")]));
            if request.param("format") == Some("flac") {
                args.push(arg("--flac"));
            }
            command(args)?;
        }
        Task::Transcribe => {
            stage(0.1, "transcribing");
            let mut args = vec![
                arg("transcribe"),
                path(input),
                arg("-o"),
                path(&out.join("notes.mid")),
                arg("--model"),
                arg(&request.model),
            ];
            args.extend(flag_args(&[
                ("onset_threshold", "--onset-threshold"),
                ("frame_threshold", "--frame-threshold"),
                ("min_note_ms", "--min-note-ms"),
                ("quantize", "--quantize"),
                ("key", "--key"),
            ]));
            command(args)?;
            stage(0.9, "drawing the piano roll");
            notes_outputs(out)?;
        }
        Task::Pipeline => {
            stage(0.1, "separating and transcribing");
            let mut args = vec![
                arg("pipeline"),
                path(input),
                arg("-o"),
                path(&out.join("notes.mid")),
                arg("--transcriber"),
                arg(&request.model),
                arg("--stem"),
                path(&out.join("stem.wav")),
            ];
            args.extend(flag_args(&[
                ("target", "--target"),
                ("min_note_ms", "--min-note-ms"),
                ("quantize", "--quantize"),
                ("key", "--key"),
            ]));
            command(args)?;
            stage(0.9, "drawing the piano roll");
            notes_outputs(out)?;
        }
        Task::Features => {
            stage(0.1, "computing");
            let file = if request.model == "estimate-key" {
                "key.json".to_string()
            } else {
                format!("{}.npy", request.model)
            };
            let mut args = vec![
                arg(&request.model),
                path(input),
                arg("-o"),
                path(&out.join(file)),
            ];
            let mut flags = vec![("sr", "--sr")];
            if matches!(
                request.model.as_str(),
                "melspectrogram" | "mfcc" | "onset-strength"
            ) {
                flags.push(("n_mels", "--n-mels"));
            }
            if request.model == "mfcc" {
                flags.push(("n_mfcc", "--n-mfcc"));
            }
            let unused: Vec<&str> = request
                .params
                .iter()
                .map(|(n, _)| n.as_str())
                .filter(|n| !flags.iter().any(|(p, _)| p == n))
                .collect();
            if let Some(name) = unused.first() {
                return Err(format!("{} takes no parameter {name:?}", request.model));
            }
            args.extend(flag_args(&flags));
            command(args)?;
        }
    }
    list_results(out)
}

/// Runs one subcommand in-process.
fn run_command(args: Vec<OsString>) -> Result<(), String> {
    let mut full = vec![OsString::from("audio")];
    full.extend(args);
    crate::run_args(full)
}

/// `notes.json` and `roll.png` from the job's `notes.mid`.
fn notes_outputs(out: &Path) -> Result<(), String> {
    let midi = audio_io::midi::MidiFile::read(out.join("notes.mid")).map_err(|e| e.to_string())?;
    let json = audio_io::notes::midi_to_notes_string(&midi, audio_io::notes::NotesFormat::Json)
        .map_err(|e| e.to_string())?;
    std::fs::write(out.join("notes.json"), json).map_err(|e| e.to_string())?;
    let notes = midi.notes();
    crate::melody_commands::piano_roll_png_at(&notes, ROLL_FPS, &out.join("roll.png"))
        .map_err(|e| e.to_string())
}

/// The files in `out`, each with its media type.
fn list_results(out: &Path) -> Result<Vec<ResultFile>, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(out).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || !is_result_name(&name) {
            continue;
        }
        files.push(ResultFile {
            content_type: content_type(&name).to_string(),
            bytes: meta.len(),
            name,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    if files.is_empty() {
        return Err("the task wrote no result".into());
    }
    Ok(files)
}

/// Whether `name` can be a result's name: letters, digits, `-`, `_` and
/// one `.` (no path).
pub fn is_result_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().filter(|&b| b == b'.').count() == 1
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The media type of a result by its extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "mid" => "audio/midi",
        "json" => "application/json",
        "png" => "image/png",
        "npy" => "application/octet-stream",
        _ => "application/octet-stream",
    }
}
