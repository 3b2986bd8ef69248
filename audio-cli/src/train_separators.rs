//! `audio train` and `audio evaluate` for the separators that learn every
//! source at once: Demucs, Wave-U-Net, the Wavenet separator and the LSTM
//! T-F mask model.

use std::path::{Path, PathBuf};

use audio_models::datasets::{SeparationDataset, Split};
use audio_models::demucs::{self, ApplyConfig, Demucs, DemucsConfig};
use audio_models::open_unmix::StemDataset;
use audio_models::tf_mask::{self, TfMaskConfig, TfMaskSeparator};
use audio_models::training::{read_checkpoint_info, TrainReport, BEST_DIR};
use audio_models::wave_u_net::{self, WaveUNetConfig, WaveUNetSeparator};
use audio_models::wavenet_separator::{self, WavenetSeparator, WavenetSeparatorConfig};
use audio_models::Separator;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// `--config` parsed into a model configuration, or the default.
macro_rules! model_config {
    ($path:expr, $ty:ty) => {
        match $path {
            None => Ok::<$ty, Error>(<$ty>::default()),
            Some(path) => {
                let path: &Path = path;
                let text = std::fs::read_to_string(path).map_err(|source| Error::File {
                    path: path.to_path_buf(),
                    source,
                })?;
                serde_json::from_str::<$ty>(&text).map_err(|source| Error::Json {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    };
}

/// Trains `arch` (`wave-u-net` or `tf-mask`) on `data` into `out`.
///
/// # Errors
///
/// Reading the configuration and the dataset; the trainer's errors.
pub fn train(args: &TrainArgs, arch: &str, data: &PathBuf, out: &Path) -> Result<()> {
    let mut rate = SeparationDataset::open(data, Split::Train)?.sample_rate();
    // The Wavenet separator runs at its own rate (16 kHz by default): the
    // songs are resampled to it as they load.
    let wavenet = if arch == wavenet_separator::ARCHITECTURE {
        let model = model_config!(args.config.as_deref(), WavenetSeparatorConfig)?;
        rate = model.sample_rate;
        Some(model)
    } else {
        None
    };
    let train_set = StemDataset::open(data, Split::Train, rate)?;
    let valid_set = StemDataset::open(data, Split::Valid, rate)?;
    let report: TrainReport = if let Some(mut model) = wavenet {
        if let Some(t) = &args.targets {
            model.sources.clone_from(t);
        }
        let config = wavenet_separator::TrainConfig {
            batch_size: args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE),
            steps_per_epoch: args.steps_per_epoch,
            epochs: args.epochs,
            patience: args.patience,
            lr: args.lr,
            seed: args.seed,
            valid_seconds: Some(args.valid_seconds),
            time_limit_seconds: args.minutes.map(|m| m * 60.0),
            resume: args.resume,
            checkpoint_every: args.checkpoint_every,
            progress: true,
            ..wavenet_separator::TrainConfig::new(model)
        };
        wavenet_separator::train(&train_set, &valid_set, &config, out)?
    } else if arch == demucs::ARCHITECTURE {
        let mut model = model_config!(args.config.as_deref(), DemucsConfig)?;
        model.samplerate = rate;
        match &args.targets {
            Some(t) => model.sources.clone_from(t),
            None if args.config.is_none() => model.sources.clone_from(&train_set.sources),
            None => {}
        }
        let config = demucs::TrainConfig {
            segment_seconds: args.seq_seconds,
            batch_size: args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE),
            steps_per_epoch: args.steps_per_epoch,
            epochs: args.epochs,
            patience: args.patience,
            lr: args.lr,
            seed: args.seed,
            valid_seconds: Some(args.valid_seconds),
            time_limit_seconds: args.minutes.map(|m| m * 60.0),
            resume: args.resume,
            checkpoint_every: args.checkpoint_every,
            progress: true,
            ..demucs::TrainConfig::new(model)
        };
        demucs::train(&train_set, &valid_set, &config, out)?
    } else if arch == wave_u_net::ARCHITECTURE {
        let mut model = model_config!(args.config.as_deref(), WaveUNetConfig)?;
        model.sr = rate;
        match &args.targets {
            Some(t) => model.instruments.clone_from(t),
            None if args.config.is_none() => model.instruments.clone_from(&train_set.sources),
            None => {}
        }
        let config = wave_u_net::TrainConfig {
            batch_size: args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE),
            steps_per_epoch: args.steps_per_epoch,
            epochs: args.epochs,
            patience: args.patience,
            lr: args.lr,
            seed: args.seed,
            valid_seconds: Some(args.valid_seconds),
            time_limit_seconds: args.minutes.map(|m| m * 60.0),
            resume: args.resume,
            checkpoint_every: args.checkpoint_every,
            progress: true,
            ..wave_u_net::TrainConfig::new(model)
        };
        wave_u_net::train(&train_set, &valid_set, &config, out)?
    } else {
        let mut model = model_config!(args.config.as_deref(), TfMaskConfig)?;
        model.sample_rate = rate;
        model.hidden_size = args.hidden_size;
        model.num_layers = args.nb_layers;
        if let Some(t) = &args.targets {
            model.targets.clone_from(t);
        }
        let config = tf_mask::TrainConfig {
            seq_seconds: args.seq_seconds,
            batch_size: args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE),
            steps_per_epoch: args.steps_per_epoch,
            epochs: args.epochs,
            patience: args.patience,
            lr: args.lr,
            seed: args.seed,
            valid_seconds: Some(args.valid_seconds),
            time_limit_seconds: args.minutes.map(|m| m * 60.0),
            resume: args.resume,
            checkpoint_every: args.checkpoint_every,
            progress: true,
            ..tf_mask::TrainConfig::new(model)
        };
        tf_mask::train(&train_set, &valid_set, &config, out)?
    };
    let best = report.best.map_or_else(
        || "-".to_string(),
        |(e, v)| format!("epoch {e} (valid loss {v:.6})"),
    );
    println!(
        "{arch}: {} epochs{}, best {best}; checkpoint {}",
        report.epochs,
        if report.out_of_time {
            ", time limit"
        } else {
            ""
        },
        out.join(BEST_DIR).display()
    );
    Ok(())
}

/// The architecture a checkpoint directory's sidecar names (`arch`), and
/// the directory: `model` itself, or its `best/` for a run directory.
pub fn checkpoint_of(model: &Path) -> Option<(String, PathBuf)> {
    [model.to_path_buf(), model.join(BEST_DIR)]
        .into_iter()
        .find_map(|dir| {
            let info = read_checkpoint_info(&dir).ok()?;
            let arch = info
                .architecture
                .get("arch")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string();
            Some((arch, dir))
        })
}

/// Loads a checkpoint directory of `arch` (`demucs`, `wave-u-net`,
/// `wavenet-separator` or `tf-mask`); `None` for another architecture.
///
/// # Errors
///
/// Reading the checkpoint.
pub fn load_checkpoint(
    arch: &str,
    dir: &Path,
    apply: ApplyConfig,
) -> Result<Option<Box<dyn Separator>>> {
    let device = candle_core::Device::Cpu;
    Ok(Some(match arch {
        demucs::ARCHITECTURE => Box::new(Demucs::from_checkpoint(dir, apply, &device)?),
        wave_u_net::ARCHITECTURE => Box::new(WaveUNetSeparator::load(dir, None, &device)?),
        wavenet_separator::ARCHITECTURE => Box::new(WavenetSeparator::load(dir, &device)?),
        tf_mask::ARCHITECTURE => Box::new(TfMaskSeparator::load(dir, &device)?),
        _ => return Ok(None),
    }))
}

/// Loads a trained `arch` from a run directory (its `best/`) or a
/// checkpoint directory.
///
/// # Errors
///
/// Reading the checkpoint; [`audio_models::Error::InvalidParameter`] when
/// it holds another architecture.
pub fn load(arch: &str, model: &Path) -> Result<Box<dyn Separator>> {
    let mismatch = |found: &str| audio_models::Error::InvalidParameter {
        name: "model",
        value: format!("{} ({found:?})", model.display()),
        expected: "a checkpoint of the architecture named",
    };
    let (found, dir) = checkpoint_of(model).ok_or_else(|| mismatch("no checkpoint.json"))?;
    if found != arch {
        return Err(mismatch(&found).into());
    }
    load_checkpoint(arch, &dir, ApplyConfig::default())?.ok_or_else(|| mismatch(&found).into())
}
