//! `audio eval …`: subcommands that call `audio-eval`.
//!
//! Music metrics read mir_eval's text formats (`mir_eval.io`) and print the
//! scores as a JSON object whose keys are those of the matching mir_eval
//! `evaluate()`, written by [`audio_eval::report::to_json`] (like Python's
//! `json.dump`, so NaN stays `NaN`).

use std::path::{Path, PathBuf};

use audio_eval::annotations;
use audio_eval::report::to_json;
use clap::{Args, Subcommand, ValueEnum};

use crate::{Error, Result};

/// `audio eval` subcommands, one per mir_eval / museval task.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Note transcription scores (`mir_eval.transcription.evaluate`) of two
    /// `onset offset pitch_hz` files.
    Transcription(TranscriptionArgs),
    /// Velocity-aware note scores (`mir_eval.transcription_velocity`) of two
    /// `onset offset pitch velocity` files.
    TranscriptionVelocity(TranscriptionVelocityArgs),
    /// Frame-level multi-F0 scores (`mir_eval.multipitch.evaluate`) of two
    /// `time f1 f2 …` files.
    Multipitch(MultipitchArgs),
    /// Onset F-measure (`mir_eval.onset.evaluate`) of two one-time-per-line
    /// files.
    Onset(OnsetArgs),
    /// Melody scores (`mir_eval.melody.evaluate`) of two `time f0_hz` files.
    Melody(MelodyArgs),
    /// Beat tracking scores (`mir_eval.beat.evaluate`) of two
    /// one-time-per-line files.
    Beat(BeatArgs),
    /// Key weighted score (`mir_eval.key.evaluate`) of two `tonic mode` files.
    Key(KeyEvalArgs),
    /// Accuracy, per-class precision/recall/F1 and confusion matrix of two
    /// one-label-per-line files (scikit-learn's definitions).
    Classification(ClassificationArgs),
    /// Source separation scores (`mir_eval.separation` BSS Eval v3, or
    /// museval v4 with `--museval`) of WAV stems.
    Separation(crate::eval_separation::SeparationArgs),
}

/// Reference and estimate files plus the JSON output shared by every task.
#[derive(Debug, Args)]
pub struct FilePair {
    /// The reference annotation file.
    #[arg(long)]
    pub reference: PathBuf,
    /// The estimated annotation file.
    #[arg(long)]
    pub estimate: PathBuf,
    /// Write the scores as JSON to this file (they are printed as JSON to
    /// standard output when absent).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Note matching options, mir_eval's defaults.
#[derive(Debug, Args)]
pub struct MatchingArgs {
    /// Onset tolerance in seconds.
    #[arg(long, default_value_t = 0.05)]
    pub onset_tolerance: f64,
    /// Pitch tolerance in cents.
    #[arg(long, default_value_t = 50.0)]
    pub pitch_tolerance: f64,
    /// Offset tolerance as a fraction of the reference duration, or `none`
    /// to ignore offsets.
    #[arg(long, default_value = "0.2")]
    pub offset_ratio: crate::NoneOr,
    /// Smallest offset tolerance in seconds.
    #[arg(long, default_value_t = 0.05)]
    pub offset_min_tolerance: f64,
    /// Compare with `<` instead of `<=`.
    #[arg(long)]
    pub strict: bool,
}

impl MatchingArgs {
    fn config(&self) -> audio_eval::transcription::TranscriptionConfig {
        audio_eval::transcription::TranscriptionConfig {
            onset_tolerance: self.onset_tolerance,
            pitch_tolerance: self.pitch_tolerance,
            offset_ratio: self.offset_ratio.0,
            offset_min_tolerance: self.offset_min_tolerance,
            strict: self.strict,
            beta: 1.0,
        }
    }
}

/// `audio eval transcription`.
#[derive(Debug, Args)]
pub struct TranscriptionArgs {
    #[command(flatten)]
    files: FilePair,
    #[command(flatten)]
    notes: MatchingArgs,
}

/// `audio eval transcription-velocity`.
#[derive(Debug, Args)]
pub struct TranscriptionVelocityArgs {
    #[command(flatten)]
    files: FilePair,
    #[command(flatten)]
    notes: MatchingArgs,
    /// Largest difference of regression-mapped velocities.
    #[arg(long, default_value_t = 0.1)]
    velocity_tolerance: f64,
}

/// `audio eval multipitch`.
#[derive(Debug, Args)]
pub struct MultipitchArgs {
    #[command(flatten)]
    files: FilePair,
    /// Matching window in semitones.
    #[arg(long, default_value_t = 0.5)]
    window: f64,
}

/// `audio eval onset`.
#[derive(Debug, Args)]
pub struct OnsetArgs {
    #[command(flatten)]
    files: FilePair,
    /// Matching window in seconds.
    #[arg(long, default_value_t = 0.05)]
    window: f64,
}

/// Pitch interpolation of `audio eval melody`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MelodyKind {
    /// Linear (mir_eval's default).
    Linear,
    /// Zero-order hold.
    Zero,
    /// Nearest neighbour.
    Nearest,
}

/// `audio eval melody`.
#[derive(Debug, Args)]
pub struct MelodyArgs {
    #[command(flatten)]
    files: FilePair,
    /// Resample both series to this hop in seconds.
    #[arg(long)]
    hop: Option<f64>,
    /// Pitch interpolation.
    #[arg(long, value_enum, default_value_t = MelodyKind::Linear)]
    kind: MelodyKind,
    /// Pitch tolerance in cents.
    #[arg(long, default_value_t = 50.0)]
    cent_tolerance: f64,
}

/// `audio eval beat`.
#[derive(Debug, Args)]
pub struct BeatArgs {
    #[command(flatten)]
    files: FilePair,
    /// Beats before this time (seconds) are ignored.
    #[arg(long, default_value_t = 5.0)]
    min_beat_time: f64,
}

/// `audio eval key`.
#[derive(Debug, Args)]
pub struct KeyEvalArgs {
    #[command(flatten)]
    files: FilePair,
}

/// `audio eval classification`.
#[derive(Debug, Args)]
pub struct ClassificationArgs {
    #[command(flatten)]
    files: FilePair,
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses one annotation file, naming it in the error.
fn parse<T>(path: &Path, f: impl FnOnce(&str) -> audio_eval::Result<T>) -> Result<T> {
    f(&read_text(path)?).map_err(|source| Error::Annotation {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes JSON text to `path`, or prints it when there is none.
pub(crate) fn write_json(path: Option<&Path>, json: String) -> Result<()> {
    match path {
        Some(path) => Ok(audio_io::write_file(path, json + "\n")?),
        None => {
            println!("{json}");
            Ok(())
        }
    }
}

fn emit(files: &FilePair, json: String) -> Result<()> {
    write_json(files.json.as_deref(), json)
}

/// Runs one `audio eval` subcommand.
pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Transcription(a) => {
            let r = parse(&a.files.reference, annotations::parse_valued_intervals)?;
            let e = parse(&a.files.estimate, annotations::parse_valued_intervals)?;
            let s = audio_eval::transcription::evaluate(
                &r.intervals,
                &r.values,
                &e.intervals,
                &e.values,
                &a.notes.config(),
            )?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::TranscriptionVelocity(a) => {
            let r = parse(&a.files.reference, annotations::parse_velocity_notes)?;
            let e = parse(&a.files.estimate, annotations::parse_velocity_notes)?;
            let s = audio_eval::transcription_velocity::evaluate(
                &r.intervals,
                &r.pitches,
                &r.velocities,
                &e.intervals,
                &e.pitches,
                &e.velocities,
                &a.notes.config(),
                a.velocity_tolerance,
            )?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Multipitch(a) => {
            let (rt, rf) = parse(&a.files.reference, annotations::parse_ragged_time_series)?;
            let (et, ef) = parse(&a.files.estimate, annotations::parse_ragged_time_series)?;
            let s = audio_eval::multipitch::evaluate(&rt, &rf, &et, &ef, a.window)?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Onset(a) => {
            let r = parse(&a.files.reference, annotations::parse_events)?;
            let e = parse(&a.files.estimate, annotations::parse_events)?;
            let s = audio_eval::onset::evaluate(&r, &e, a.window)?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Melody(a) => {
            let (rt, rf) = parse(&a.files.reference, annotations::parse_time_series)?;
            let (et, ef) = parse(&a.files.estimate, annotations::parse_time_series)?;
            let config = audio_eval::melody::MelodyConfig {
                hop: a.hop,
                kind: match a.kind {
                    MelodyKind::Linear => audio_eval::melody::Interpolation::Linear,
                    MelodyKind::Zero => audio_eval::melody::Interpolation::Zero,
                    MelodyKind::Nearest => audio_eval::melody::Interpolation::Nearest,
                },
                cent_tolerance: a.cent_tolerance,
                ..Default::default()
            };
            let s = audio_eval::melody::evaluate(&rt, &rf, &et, &ef, None, None, &config)?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Beat(a) => {
            let r = parse(&a.files.reference, annotations::parse_events)?;
            let e = parse(&a.files.estimate, annotations::parse_events)?;
            let config = audio_eval::beat::BeatConfig {
                min_beat_time: a.min_beat_time,
                ..Default::default()
            };
            let s = audio_eval::beat::evaluate(&r, &e, &config)?;
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Key(a) => {
            let r = parse(&a.files.reference, annotations::parse_key)?;
            let e = parse(&a.files.estimate, annotations::parse_key)?;
            let s = audio_eval::key::evaluate(r, e);
            emit(&a.files, to_json(&s)?)
        }
        EvalCommand::Separation(a) => crate::eval_separation::run(a),
        EvalCommand::Classification(a) => {
            let r = parse(&a.files.reference, annotations::parse_labels)?;
            let e = parse(&a.files.estimate, annotations::parse_labels)?;
            let s = audio_eval::classification::evaluate(&r, &e)?;
            emit(&a.files, to_json(&s)?)
        }
    }
}
