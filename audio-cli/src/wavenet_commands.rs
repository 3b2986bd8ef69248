//! WaveNet (`audio_models::wavenet`): `audio train wavenet` on labelled
//! audio and `audio generate wavenet` (unconditioned, by label, or as a
//! vocoder from a log-mel spectrogram).

use std::path::{Path, PathBuf};

use audio_io::npy::is_npy;
use audio_io::wav::{write_wav, WavWriteOptions};
use audio_io::LoadOptions;
use audio_models::datasets::{ClassificationDataset, Split};
use audio_models::vocoder::LogMel;
use audio_models::wavenet::{
    train as train_wavenet, FastWaveNet, GenerateConfig, TrainConfig, WaveNetConfig,
};
use clap::Args;
use ndarray::Array2;

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

/// `audio train wavenet`: `--config` a `WaveNetConfig` JSON (with
/// `mixtures` for a mixture-of-logistics output, `local_channels` for a
/// vocoder conditioned on the audio's own log-mel spectrogram).
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
        println!("best validation negative log-likelihood {loss:.4} nats at epoch {epoch}");
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
    /// Seconds to generate (default 2, or all the conditioning's frames).
    #[arg(long)]
    seconds: Option<f64>,
    /// For a mel-conditioned model (a vocoder): a log-mel `.npy`
    /// `(n_mels, frames)` as the model's front end computes it, or an audio
    /// file whose own log-mel is used (mixed to mono, resampled to the
    /// model's rate).
    #[arg(long)]
    condition: Option<PathBuf>,
    /// The label to condition on, for a conditioned model (one of the
    /// training dataset's labels).
    #[arg(long)]
    class: Option<String>,
    /// Softmax temperature (0: always the most likely class); for a mixture
    /// of logistics, the scale of the logistic noise.
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
    let seconds = args.seconds.unwrap_or(2.0);
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err(audio_models::Error::InvalidParameter {
            name: "seconds",
            value: seconds.to_string(),
            expected: "a length in (0, 3600] s",
        }
        .into());
    }
    let mel = conditioning(&model, args.condition.as_deref())?;
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
    let requested = (seconds * f64::from(c.sample_rate)).round() as usize;
    let n = match &mel {
        Some(m) => {
            let available = m.ncols() * c.local_hop;
            args.seconds.map_or(available, |_| requested.min(available))
        }
        None => requested,
    };
    let audio = model.generate_audio(
        n,
        mel.as_ref().map(|m| m.view()),
        &GenerateConfig {
            temperature: args.temperature,
            seed: args.seed,
            global,
        },
    )?;
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

/// The log-mel conditioning of a vocoder model from `--condition`.
///
/// # Errors
///
/// `--condition` missing for a conditioned model or given for another; a
/// model without its front end (not from `audio train wavenet`); the mel's
/// bands not the model's; reading the file.
fn conditioning(model: &FastWaveNet, condition: Option<&Path>) -> Result<Option<Array2<f32>>> {
    let c = model.config();
    let path = match (c.local_channels, condition) {
        (None, None) => return Ok(None),
        (Some(_), Some(path)) => path,
        (Some(_), None) => {
            return Err(crate::Error::Usage {
                message:
                    "the model is a vocoder: give --condition (a log-mel .npy or an audio file)",
            })
        }
        (None, Some(_)) => {
            return Err(crate::Error::Usage {
                message: "the model takes no local conditioning: drop --condition",
            })
        }
    };
    let mel = if is_npy(path) {
        crate::vocode_commands::read_mel(path)?
    } else {
        let front = model.log_mel().ok_or(crate::Error::Usage {
            message: "the model's run stores no mel front end: give --condition a log-mel .npy",
        })?;
        let audio = audio_io::load::<f32>(
            path,
            &LoadOptions {
                sr: Some(c.sample_rate),
                ..LoadOptions::default()
            },
        )?;
        LogMel::from_config(front)?.compute(&audio.samples.row(0).to_vec())?
    };
    if Some(mel.nrows()) != c.local_channels || mel.ncols() == 0 {
        return Err(crate::Error::ShapeMismatch {
            path: path.to_path_buf(),
            expected: "a log-mel spectrogram with the model's local_channels bands",
            got: mel.shape().to_vec(),
        });
    }
    Ok(Some(mel))
}
