//! # audio
//!
//! The command-line front end of the audio crate family. It holds no logic of
//! its own: each subcommand parses librosa-style flags, calls one function of
//! `audio-dsp`, `audio-io`, `audio-eval` or `audio-models`, and writes the
//! result (`.npy` arrays with librosa's shapes and dtypes, WAV, MIDI, JSON).
//!
//! Subcommands are grouped by crate, one module each: [`dsp_commands`] for
//! `audio-dsp`.

mod cqt_commands;
mod denoise_commands;
mod dsp_commands;
mod effect_commands;
mod error;
mod eval_commands;
mod eval_separation;
mod feature_commands;
mod inverse_commands;
mod io_commands;
mod melody_commands;
mod pipeline_commands;
mod pitch_commands;
mod progress;
mod resynth_commands;
mod rhythm_commands;
mod separate_commands;
mod serve;
#[cfg(feature = "sql")]
mod sql_commands;
mod stream_input;
mod tag_commands;
mod train_commands;
mod train_separators;
mod train_tagging;
mod train_transcription;
mod transcribe_commands;
mod visualize_commands;
mod vocode_commands;
mod wavenet_commands;

use clap::{Parser, Subcommand};

pub use error::{Error, Result};

/// Deep learning on audio and music, from the command line.
#[derive(Debug, Parser)]
#[command(name = "audio", version, about, long_about = None)]
struct Cli {
    /// Print the process's peak resident memory (Linux `VmHWM`) to standard
    /// error when the command ends.
    #[arg(long, global = true)]
    peak_memory: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Dsp(dsp_commands::DspCommand),
    #[command(flatten)]
    Feature(feature_commands::FeatureCommand),
    #[command(flatten)]
    Cqt(cqt_commands::CqtCommand),
    #[command(flatten)]
    Io(io_commands::IoCommand),
    #[command(flatten)]
    Pitch(pitch_commands::PitchCommand),
    #[command(flatten)]
    Rhythm(rhythm_commands::RhythmCommand),
    #[command(flatten)]
    Inverse(inverse_commands::InverseCommand),
    /// Evaluation metrics: mir_eval / museval compatible scores.
    #[command(subcommand)]
    Eval(eval_commands::EvalCommand),
    #[command(flatten)]
    Separation(separate_commands::SeparationCommand),
    /// Pictures of a trained waveform tagger's first-layer filters, activation maximisation and SE activations.
    VisualizeFilters(visualize_commands::VisualizeArgs),
    /// Tag or classify audio with a trained network (SampleCNN, short-chunk CNN, ...).
    Tag(tag_commands::TagArgs),
    /// Transcription of an audio file to MIDI: Basic Pitch (pretrained,
    /// embedded) or a trained frame-window MLP.
    Transcribe(transcribe_commands::TranscribeArgs),
    /// Seed 004's chain: separate, keep one stem, transcribe, quantise,
    /// filter by key, write MIDI.
    Pipeline(pipeline_commands::PipelineArgs),
    /// A TCN effect model (micro-TCN with FiLM) or a randomised overdrive
    /// over a file, block by block.
    Effect(effect_commands::EffectArgs),
    /// Denoise speech with a trained spectrogram autoencoder (DCAE or VAE)
    /// and Griffin-Lim.
    Denoise(denoise_commands::DenoiseArgs),
    /// Resynthesise a monophonic recording with a trained DDSP model (its
    /// f0 and loudness drive the model's instrument: timbre transfer).
    Resynth(resynth_commands::ResynthArgs),
    /// A waveform from a log-mel spectrogram (`.npy`, or an audio file's
    /// own mel) with a trained MelGAN (`audio train melgan`), or with
    /// Griffin-Lim.
    Vocode(vocode_commands::VocodeArgs),
    /// Generation with a trained generative model.
    #[command(subcommand)]
    Generate(melody_commands::GenerateCommand),
    /// Train an architecture on a dataset folder (`audio train --list`).
    Train(train_commands::TrainArgs),
    /// Score a trained model on a dataset split with its task's metrics.
    Evaluate(train_commands::EvaluateArgs),
    /// An HTTP service with a web page: separation, transcription, the
    /// pipeline and features as jobs (`/v1/...`, OpenAPI at
    /// `/v1/openapi.json`).
    Serve(serve::ServeArgs),
    #[cfg(feature = "sql")]
    Sql(sql_commands::SqlArgs),
}

/// A flag value that is a number or `none` (any case): `--top-db`,
/// `--tuning`, `--offset-ratio`, whose library fields are `Option<f64>`.
/// The one such parser of the command line; library types with a text form
/// (`PNorm`, `MelNorm`, `DbReference`, ...) parse themselves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NoneOr(pub Option<f64>);

impl std::str::FromStr for NoneOr {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Self(None));
        }
        s.trim()
            .parse::<f64>()
            .map(|v| Self(Some(v)))
            .map_err(|e| format!("expected a number or 'none': {e}"))
    }
}

/// Writes an array as `.npy` ([`audio_io::npy::write_npy`]) and prints what
/// was written (`wrote PATH (float32 [128, 937])`).
pub(crate) fn write_npy<T, S, D>(
    path: &std::path::Path,
    array: &ndarray::ArrayBase<S, D>,
) -> Result<()>
where
    T: audio_io::npy::WritableElement,
    S: ndarray::Data<Elem = T>,
    D: ndarray::Dimension,
{
    let info = audio_io::npy::write_npy(path, array)?;
    println!("wrote {} ({info})", path.display());
    Ok(())
}

/// `value` as pretty JSON; [`Error::Json`] names `path` (or nothing).
fn pretty_json<T: serde::Serialize>(value: &T, path: Option<&std::path::Path>) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|source| Error::Json {
        path: path.map_or_else(std::path::PathBuf::new, std::path::Path::to_path_buf),
        source,
    })
}

/// Prints `value` as pretty JSON, and also writes it to `path` when given
/// (the `--json` of the `evaluate` commands).
pub(crate) fn print_json<T: serde::Serialize>(
    value: &T,
    path: Option<&std::path::Path>,
) -> Result<()> {
    let text = pretty_json(value, path)?;
    println!("{text}");
    if let Some(path) = path {
        audio_io::write_file(path, text.as_bytes())?;
    }
    Ok(())
}

/// Writes `value` as pretty JSON to `path` when given (commands that print
/// their own summary).
pub(crate) fn write_json_file<T: serde::Serialize>(
    value: &T,
    path: Option<&std::path::Path>,
) -> Result<()> {
    if let Some(path) = path {
        audio_io::write_file(path, pretty_json(value, Some(path))?.as_bytes())?;
    }
    Ok(())
}

/// An array read from `path` as a 2-D array, or [`Error::ShapeMismatch`]
/// naming the file, what was `expected` and the shape it has.
pub(crate) fn matrix<T>(
    path: &std::path::Path,
    a: ndarray::ArrayD<T>,
    expected: &'static str,
) -> Result<ndarray::Array2<T>> {
    let shape = a.shape().to_vec();
    a.into_dimensionality::<ndarray::Ix2>()
        .map_err(|_| Error::ShapeMismatch {
            path: path.to_path_buf(),
            expected,
            got: shape,
        })
}

/// Runs one parsed subcommand.
fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Dsp(cmd) => dsp_commands::run(cmd),
        Command::Feature(cmd) => feature_commands::run(cmd),
        Command::Cqt(cmd) => cqt_commands::run(cmd),
        Command::Io(cmd) => io_commands::run(cmd),
        Command::Pitch(cmd) => pitch_commands::run(cmd),
        Command::Rhythm(cmd) => rhythm_commands::run(cmd),
        Command::Inverse(cmd) => inverse_commands::run(cmd),
        Command::Eval(cmd) => eval_commands::run(cmd),
        Command::Separation(cmd) => separate_commands::run(cmd),
        Command::Transcribe(args) => transcribe_commands::run(args),
        Command::Pipeline(args) => pipeline_commands::run(args),
        Command::Generate(cmd) => melody_commands::run(cmd),
        Command::Effect(args) => effect_commands::run(args),
        Command::Denoise(args) => denoise_commands::run(args),
        Command::Resynth(args) => resynth_commands::run(args),
        Command::Vocode(args) => vocode_commands::run(args),
        Command::Tag(args) => tag_commands::run(args),
        Command::VisualizeFilters(args) => visualize_commands::run(args),
        Command::Train(args) => train_commands::run_train(args),
        Command::Evaluate(args) => train_commands::run_evaluate(args),
        Command::Serve(args) => serve::run(args),
        #[cfg(feature = "sql")]
        Command::Sql(args) => sql_commands::run(args),
    }
}

/// Parses and runs a command line in-process (`audio serve`'s jobs): the
/// parse error or the command's error, as text.
pub(crate) fn run_args(args: Vec<std::ffi::OsString>) -> std::result::Result<(), String> {
    let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    if matches!(cli.command, Command::Serve(_)) {
        return Err("a job cannot start a service".into());
    }
    dispatch(cli.command).map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let peak_memory = cli.peak_memory;
    let result = dispatch(cli.command);
    if peak_memory {
        match audio_models::training::resident_memory() {
            Some(m) => eprintln!("peak resident memory: {:.1} MiB", m.peak_mib),
            None => eprintln!("peak resident memory: unknown (no /proc/self/status)"),
        }
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
