//! WaveNet (`audio_models::wavenet`): `audio train wavenet` on labelled
//! audio and `audio generate wavenet`.

use std::path::{Path, PathBuf};

use audio_io::wav::{write_wav, WavWriteOptions};
use audio_models::datasets::{ClassificationDataset, Split};
use audio_models::wavenet::{
    classes_to_audio, train as train_wavenet, FastWaveNet, GenerateConfig, TrainConfig,
    WaveNetConfig,
};
use clap::Args;

use crate::train_commands::TrainArgs;
use crate::Result;

/// Excerpts per batch by default.
const WAVENET_BATCH_SIZE: usize = 4;

/// The configuration `audio train wavenet` uses without `--config`: 2
/// stacks of 8 layers (receptive field 511), 32 residual and 64 skip
/// channels.
fn small() -> WaveNetConfig {
    WaveNetConfig {
        residual_channels: 32,
        skip_channels: 64,
        layers_per_stack: 8,
        ..WaveNetConfig::default()
    }
}

/// `audio train wavenet`: `--config` a `WaveNetConfig` JSON.
///
/// # Errors
///
/// Reading the configuration and the dataset; the trainer's.
pub fn train(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let model: WaveNetConfig = match &args.config {
        Some(path) => crate::train_commands::read_json(path)?,
        None => small(),
    };
    let train_set = ClassificationDataset::open(data, Split::Train)?;
    let valid_set = ClassificationDataset::open(data, Split::Valid)?;
    let config = TrainConfig {
        batch_size: args.batch_size_or(WAVENET_BATCH_SIZE),
        steps_per_epoch: args.steps_per_epoch,
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
        ..TrainConfig::new(model)
    };
    let report = train_wavenet(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation cross-entropy {loss:.4} nats at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// Arguments of `audio generate wavenet`.
#[derive(Debug, Args)]
pub struct WavenetArgs {
    /// The run (or checkpoint) directory of `audio train wavenet`.
    #[arg(long)]
    model: PathBuf,
    /// Seconds to generate.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// The label to condition on, for a conditioned model (one of the
    /// training dataset's labels).
    #[arg(long)]
    class: Option<String>,
    /// Softmax temperature (0: always the most likely class).
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// The sampling seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// WAV file to write (16-bit, the model's rate).
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `audio generate wavenet`.
///
/// # Errors
///
/// Loading the model; an unknown or missing `--class`; writing the file.
pub fn generate(args: &WavenetArgs) -> Result<()> {
    let model = FastWaveNet::load(&args.model)?;
    let c = model.config().clone();
    if !(args.seconds.is_finite() && args.seconds > 0.0 && args.seconds <= 3600.0) {
        return Err(audio_models::Error::InvalidParameter {
            name: "seconds",
            value: args.seconds.to_string(),
            expected: "a length in (0, 3600] s",
        }
        .into());
    }
    let global = match (&args.class, model.labels()) {
        (None, []) => None,
        (Some(name), labels) if !labels.is_empty() => {
            Some(labels.iter().position(|l| l == name).ok_or_else(|| {
                audio_models::Error::InvalidParameter {
                    name: "class",
                    value: format!("{name} (the model's: {})", labels.join(", ")),
                    expected: "one of the model's labels",
                }
            })?)
        }
        (None, labels) => {
            return Err(audio_models::Error::InvalidParameter {
                name: "class",
                value: format!("none (the model's: {})", labels.join(", ")),
                expected: "--class: the model is conditioned on a label",
            }
            .into())
        }
        (Some(name), _) => {
            return Err(audio_models::Error::InvalidParameter {
                name: "class",
                value: name.clone(),
                expected: "no --class: the model is not conditioned",
            }
            .into())
        }
    };
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above"
    )]
    let n = (args.seconds * f64::from(c.sample_rate)).round() as usize;
    let classes = model.generate(
        n,
        None,
        &GenerateConfig {
            temperature: args.temperature,
            seed: args.seed,
            global,
        },
    )?;
    let audio = classes_to_audio(&classes, c.quantization_channels)?;
    let audio = audio_io::Audio {
        samples: ndarray::Array2::from_shape_vec((1, n), audio).map_err(|_| {
            audio_models::Error::Empty {
                what: "generated audio",
            }
        })?,
        sample_rate: c.sample_rate,
    };
    write_wav(&args.output, &audio, &WavWriteOptions::default())?;
    println!(
        "{n} samples at {} Hz -> {}",
        c.sample_rate,
        args.output.display()
    );
    Ok(())
}
