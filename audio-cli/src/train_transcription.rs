//! `audio train frame-mlp` and `audio evaluate frame-mlp`: the frame-window
//! piano transcriber (`audio_models::frame_mlp`) on a transcription dataset,
//! scored with mir_eval's note metrics, optionally next to Basic Pitch.

use std::path::{Path, PathBuf};

use audio_models::basic_pitch::BasicPitch;
use audio_models::datasets::{Split, TranscriptionDataset};
use audio_models::evaluation::{evaluate_transcriber, TranscriptionScores};
use audio_models::frame_mlp::{train as train_frame_mlp, FrameMlp, FrameMlpConfig, TrainConfig};
use audio_models::Transcriber;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// Frames per batch by default (Kong's recipe).
const FRAME_BATCH_SIZE: usize = 256;

/// `audio train frame-mlp`: `--config` a `FrameMlpConfig` JSON (default:
/// the seed's 7-frame window, 4 × 500).
///
/// # Errors
///
/// Reading the configuration and the dataset; the trainer's.
pub fn train(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let model: FrameMlpConfig = match &args.config {
        Some(path) => crate::train_commands::read_json(path)?,
        None => FrameMlpConfig::default(),
    };
    let train_set = TranscriptionDataset::open(data, Split::Train)?;
    let valid_set = TranscriptionDataset::open(data, Split::Valid)?;
    let config = TrainConfig {
        batch_size: args.batch_size_or(FRAME_BATCH_SIZE),
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
        ..TrainConfig::new(model)
    };
    let report = train_frame_mlp(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation BCE {loss:.5} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

fn print_scores(name: &str, s: &TranscriptionScores) {
    println!("{name}:");
    for p in &s.pieces {
        let o = p.scores.onset;
        let oo = p.scores.onset_offset.map_or(0.0, |x| x.f_measure);
        println!(
            "  {:<28} ref {:>4} est {:>4}  onset P {:.3} R {:.3} F {:.3}  +offset F {:.3}",
            p.piece,
            p.scores.reference_notes,
            p.scores.estimated_notes,
            o.precision,
            o.recall,
            o.f_measure,
            oo
        );
    }
    for (label, m) in [("onset", s.onset), ("onset+offset", s.onset_offset)] {
        println!(
            "  mean {label:<13} precision {:.4} recall {:.4} F-measure {:.4}",
            m.precision, m.recall, m.f_measure
        );
    }
}

/// `audio evaluate frame-mlp`: note precision, recall and F per piece and
/// their means (of the embedded model without `model`), and with `with_basic_pitch` the embedded Basic Pitch's on
/// the same audio.
///
/// # Errors
///
/// Loading the model and the dataset; the metric's.
pub fn evaluate(
    model: Option<&Path>,
    data: &Path,
    split: Split,
    json: Option<&Path>,
    with_basic_pitch: bool,
) -> Result<()> {
    let mlp = match model {
        Some(run) => FrameMlp::load(run)?,
        None => FrameMlp::embedded()?,
    };
    let set = TranscriptionDataset::open(data, split)?;
    let ours = evaluate_transcriber(&set, |audio| mlp.transcribe(audio))?;
    print_scores("frame-mlp", &ours);
    let mut out = serde_json::json!({ "frame-mlp": ours });
    if with_basic_pitch {
        let bp = BasicPitch::new()?;
        if set.sample_rate() != bp.sample_rate() {
            return Err(audio_models::Error::SampleRateMismatch {
                path: PathBuf::from(data),
                expected: bp.sample_rate(),
                got: set.sample_rate(),
            }
            .into());
        }
        let theirs = evaluate_transcriber(&set, |audio| bp.transcribe(audio))?;
        print_scores("basic-pitch", &theirs);
        out["basic-pitch"] = serde_json::to_value(&theirs).map_err(|source| Error::Json {
            path: json.map_or_else(PathBuf::new, Path::to_path_buf),
            source,
        })?;
    }
    crate::write_json_file(&out, json)?;
    Ok(())
}
