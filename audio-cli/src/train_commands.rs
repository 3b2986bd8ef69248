//! Training and evaluation through `audio_models::training`: `audio train
//! <arch>` (one trainer for every registered architecture), `audio train
//! --list`, and `audio evaluate <arch>` (the task's metrics on a split).

use std::path::PathBuf;

use audio_eval::separation::MusevalConfig;
use audio_models::datasets::{SeparationDataset, Split};
use audio_models::evaluation::evaluate_separator;
use audio_models::open_unmix::{
    train, OpenUnmixSeparator, SeparatorConfig, StemDataset, TrainConfig,
};
use audio_models::registry::{architecture, Task, ARCHITECTURES};
use audio_models::Separator;
use clap::Args;

use crate::{Error, Result};

/// Arguments of `audio train`.
#[derive(Debug, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub struct TrainArgs {
    /// The architecture to train (`audio train --list` names them).
    #[arg(required_unless_present = "list")]
    pub(crate) arch: Option<String>,
    /// List the architectures and exit.
    #[arg(long)]
    pub(crate) list: bool,
    /// Dataset root with `train/` and `valid/` (the task's layout).
    #[arg(long, required_unless_present = "list")]
    pub(crate) data: Option<PathBuf>,
    /// Run directory: checkpoints (`<target>/best`, `<target>/last`), logs
    /// and the exported model.
    #[arg(long, required_unless_present = "list")]
    pub(crate) out: Option<PathBuf>,
    /// Maximum epochs.
    #[arg(long, default_value_t = 1000)]
    pub(crate) epochs: usize,
    /// Examples per batch (default 8; for `frame-mlp` an example is a
    /// frame, and the default is 256).
    #[arg(long)]
    pub(crate) batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub(crate) lr: f64,
    /// Seed of the weights, the data order and the augmentations.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Continue from the run directory's last checkpoint.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Also checkpoint every this many steps within an epoch.
    #[arg(long)]
    pub(crate) checkpoint_every: Option<usize>,
    /// Stop after the epoch during which this many minutes passed.
    #[arg(long)]
    pub(crate) minutes: Option<f64>,
    /// Early-stopping patience in epochs.
    #[arg(long, default_value_t = 20)]
    pub(crate) patience: usize,
    /// Separation: comma-separated sources to train (default: every source
    /// of the dataset).
    #[arg(long, value_delimiter = ',')]
    pub(crate) targets: Option<Vec<String>>,
    /// Open-Unmix, T-F mask, melody-lstm: LSTM width (Open-Unmix's `hidden_size`).
    #[arg(long, default_value_t = 128)]
    pub(crate) hidden_size: usize,
    /// Open-Unmix, T-F mask, melody-lstm: LSTM layers.
    #[arg(long, default_value_t = 3)]
    pub(crate) nb_layers: usize,
    /// Open-Unmix, T-F mask: excerpt length in seconds (`--seq-dur`).
    #[arg(long, default_value_t = 4.0)]
    pub(crate) seq_seconds: f64,
    /// Separation, melody-lstm: batches per epoch.
    #[arg(long, default_value_t = 20)]
    pub(crate) steps_per_epoch: usize,
    /// Melody LSTM: symbols per input sequence (the seed: 64).
    #[arg(long, default_value_t = 64)]
    pub(crate) seq_len: usize,
    /// Separation: seconds of each validation song scored.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) valid_seconds: f64,
    /// Wave-U-Net, T-F mask: the model's configuration as JSON
    /// (`WaveUNetConfig`: Wave-U-Net-Pytorch's `train.py` arguments;
    /// `TfMaskConfig`); unset fields keep their defaults. `--targets` and
    /// the dataset's rate override it.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Tagging: SampleCNN's eleven channel widths, comma-separated
    /// (default: the reference's 128,128,128,256,…,512,512).
    #[arg(long, value_delimiter = ',')]
    pub(crate) widths: Option<Vec<usize>>,
    /// Tagging: the mel CNNs' base width (default: 128 for the short-chunk
    /// CNNs, 16 for vgg-mel).
    #[arg(long)]
    pub(crate) channels: Option<usize>,
    /// Tagging: multi-label (sigmoid outputs, binary cross-entropy) instead
    /// of single-label softmax.
    #[arg(long)]
    pub(crate) multi_label: bool,
    /// Tagging: the optimizer.
    #[arg(long, value_enum, default_value = "adam")]
    pub(crate) optimizer: crate::train_tagging::OptimizerArg,
    /// DDSP and MelGAN: seconds per training excerpt (DDSP's default 2,
    /// MelGAN's 8192 samples).
    #[arg(long)]
    pub(crate) excerpt_seconds: Option<f64>,
    /// MelGAN: epochs of the generator on the STFT loss alone before the
    /// discriminator joins (default 2).
    #[arg(long)]
    pub(crate) adversarial_start_epoch: Option<usize>,
    /// Denoising autoencoders: encoder depth of the seed's Table 1 (2, 3
    /// or 4; default 2).
    #[arg(long)]
    pub(crate) depth: Option<usize>,
    /// Denoising autoencoders: size of the latent space (default 64).
    #[arg(long)]
    pub(crate) latent_dim: Option<usize>,
    /// Tagging: L2 weight decay.
    #[arg(long, default_value_t = 1e-4)]
    pub(crate) weight_decay: f64,
}

/// `--excerpt-seconds` as a whole number of hops at `sample_rate`
/// (rounded), or `None` when it is not given.
///
/// # Errors
///
/// [`audio_models::Error::InvalidParameter`] unless it is finite, positive
/// and at most 600 s.
pub(crate) fn excerpt_hops(
    seconds: Option<f64>,
    sample_rate: u32,
    hop: usize,
) -> Result<Option<usize>> {
    match seconds {
        Some(s) if s.is_finite() && s > 0.0 && s <= 600.0 => {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "checked finite, positive and at most 600 s; hops are small"
            )]
            let hops = (s * f64::from(sample_rate) / hop.max(1) as f64).round() as usize;
            Ok(Some(hops))
        }
        Some(s) => Err(audio_models::Error::InvalidParameter {
            name: "excerpt_seconds",
            value: s.to_string(),
            expected: "a number of seconds in (0, 600]",
        }
        .into()),
        None => Ok(None),
    }
}

/// A model configuration (`--config`) read from a JSON file; unset fields
/// keep their defaults where the type says so.
///
/// # Errors
///
/// [`Error::File`] when it cannot be read, [`Error::Json`] when it does not
/// parse as `T`.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// `--batch-size`'s default for every architecture but `frame-mlp`.
pub(crate) const DEFAULT_BATCH_SIZE: usize = 8;

impl TrainArgs {
    /// `--batch-size`, or `default` when not given.
    pub(crate) fn batch_size_or(&self, default: usize) -> usize {
        self.batch_size.unwrap_or(default)
    }
}

/// Runs `audio train`.
///
/// # Errors
///
/// [`audio_models::Error::UnknownArchitecture`]; the dataset readers' and
/// the trainer's errors.
pub fn run_train(args: TrainArgs) -> Result<()> {
    if args.list {
        for a in ARCHITECTURES {
            println!("{:<14} {:<15} {}", a.name, a.task.as_str(), a.summary);
        }
        return Ok(());
    }
    let (Some(name), Some(data), Some(out)) = (&args.arch, &args.data, &args.out) else {
        return Err(Error::Usage {
            message: "audio train needs <ARCH>, --data and --out (or --list)",
        });
    };
    let arch = architecture(name)?;
    if arch.name == audio_models::wavenet::ARCHITECTURE {
        return crate::wavenet_commands::train(&args, data, out);
    }
    match arch.task {
        Task::Classification => return crate::train_tagging::train(&args, arch.name, data, out),
        Task::Effects => return crate::effect_commands::train_effect(&args, data, out),
        Task::Transcription => return crate::train_transcription::train(&args, data, out),
        Task::Melody => return crate::melody_commands::train(&args, data, out),
        Task::Denoising => return crate::denoise_commands::train(&args, arch.name, data, out),
        Task::Resynthesis => return crate::resynth_commands::train(&args, data, out),
        Task::Vocoding => return crate::vocode_commands::train(&args, data, out),
        Task::Separation => {}
        _ => {
            return Err(audio_models::Error::UnknownArchitecture {
                name: name.clone(),
                known: "open-unmix and the classification architectures".to_string(),
            }
            .into())
        }
    }
    match arch.name {
        audio_models::open_unmix::ARCHITECTURE => train_open_unmix(&args, data, out),
        audio_models::demucs::ARCHITECTURE
        | audio_models::wave_u_net::ARCHITECTURE
        | audio_models::wavenet_separator::ARCHITECTURE
        | audio_models::tf_mask::ARCHITECTURE => {
            crate::train_separators::train(&args, arch.name, data, out)
        }
        _ => Err(audio_models::Error::UnknownArchitecture {
            name: name.clone(),
            known: arch.name.to_string(),
        }
        .into()),
    }
}

fn train_open_unmix(args: &TrainArgs, data: &PathBuf, out: &PathBuf) -> Result<()> {
    let rate = SeparationDataset::open(data, Split::Train)?.sample_rate();
    let train_set = StemDataset::open(data, Split::Train, rate)?;
    let valid_set = StemDataset::open(data, Split::Valid, rate)?;
    let targets = args
        .targets
        .clone()
        .unwrap_or_else(|| train_set.sources.clone());
    for target in &targets {
        let mut config = TrainConfig::small(target);
        config.model.hidden_size = args.hidden_size;
        config.model.nb_layers = args.nb_layers;
        config.seq_seconds = args.seq_seconds;
        config.batch_size = args.batch_size_or(DEFAULT_BATCH_SIZE);
        config.steps_per_epoch = args.steps_per_epoch;
        config.epochs = args.epochs;
        config.patience = args.patience;
        config.lr = args.lr;
        config.seed = args.seed;
        config.time_limit_seconds = args.minutes.map(|m| m * 60.0);
        config.valid_seconds = Some(args.valid_seconds);
        config.resume = args.resume;
        config.checkpoint_every = args.checkpoint_every;
        config.progress = true;
        let report = train(&train_set, &valid_set, &config, out)?;
        let best = report.best.map_or_else(
            || "-".to_string(),
            |(e, v)| format!("epoch {e} (valid loss {v:.6})"),
        );
        println!(
            "{target}: {} epochs{}{}, best {best}; run in {}",
            report.epochs,
            if report.stopped_early {
                ", stopped early"
            } else {
                ""
            },
            if report.out_of_time {
                ", time limit"
            } else {
                ""
            },
            out.join(target).display()
        );
    }
    println!("model directory: {}", out.display());
    Ok(())
}

/// Arguments of `audio evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The architecture (`audio train --list`).
    arch: String,
    /// The run directory `audio train` wrote (or any model directory of the
    /// architecture). For `open-unmix` and `frame-mlp` it may be left out:
    /// the embedded model is scored.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Dataset root.
    #[arg(long)]
    data: PathBuf,
    /// The split to score.
    #[arg(long, default_value = "test")]
    split: Split,
    /// Separation: EM iterations of the Wiener filter.
    #[arg(long, default_value_t = 1)]
    niter: usize,
    /// Also write the scores as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Denoising: write clean, noisy and denoised spectrogram pictures of
    /// the split's first three pairs into this folder.
    #[arg(long)]
    pictures: Option<PathBuf>,
    /// Transcription: also score the embedded Basic Pitch on the same
    /// audio, side by side.
    #[arg(long)]
    with_basic_pitch: bool,
}

/// `--model`, which every architecture but `open-unmix` needs.
fn required_model(args: &EvaluateArgs) -> Result<&PathBuf> {
    args.model.as_ref().ok_or(Error::Usage {
        message: "audio evaluate needs --model for this architecture (only open-unmix and frame-mlp have embedded models)",
    })
}

/// Runs `audio evaluate`: prints the task's metrics per item and their means.
///
/// # Errors
///
/// [`audio_models::Error::UnknownArchitecture`]; loading the model and the
/// split; the metrics' errors.
pub fn run_evaluate(args: EvaluateArgs) -> Result<()> {
    let arch = architecture(&args.arch)?;
    if arch.task == Task::Effects {
        return crate::effect_commands::evaluate_effect(
            required_model(&args)?,
            &args.data,
            args.split,
            args.json.as_deref(),
        );
    }
    if arch.name == audio_models::wavenet::ARCHITECTURE {
        return Err(Error::Usage {
            message: "audio evaluate has no metric for wavenet: listen to `audio generate wavenet`; training reports the validation cross-entropy",
        });
    }
    if arch.task == Task::Melody {
        return crate::melody_commands::evaluate(
            required_model(&args)?,
            &args.data,
            args.split,
            args.json.as_deref(),
        );
    }
    if arch.task == Task::Resynthesis {
        return crate::resynth_commands::evaluate(
            required_model(&args)?,
            &args.data,
            args.split,
            args.json.as_deref(),
        );
    }
    if arch.task == Task::Vocoding {
        return crate::vocode_commands::evaluate(
            required_model(&args)?,
            &args.data,
            args.split,
            args.json.as_deref(),
        );
    }
    if arch.task == Task::Denoising {
        return crate::denoise_commands::evaluate(
            required_model(&args)?,
            &args.data,
            args.split,
            args.json.as_deref(),
            args.pictures.as_deref(),
        );
    }
    if arch.task == Task::Transcription {
        return crate::train_transcription::evaluate(
            args.model.as_deref(),
            &args.data,
            args.split,
            args.json.as_deref(),
            args.with_basic_pitch,
        );
    }
    if arch.task == Task::Classification {
        return crate::train_tagging::evaluate(
            required_model(&args)?,
            arch.name,
            &args.data,
            args.split,
            args.json.as_deref(),
        );
    }
    if arch.name == audio_models::demucs::ARCHITECTURE
        || arch.name == audio_models::wave_u_net::ARCHITECTURE
        || arch.name == audio_models::wavenet_separator::ARCHITECTURE
        || arch.name == audio_models::tf_mask::ARCHITECTURE
    {
        let separator = crate::train_separators::load(arch.name, required_model(&args)?)?;
        return print_separation_scores(separator.as_ref(), &args);
    }
    if arch.name != audio_models::open_unmix::ARCHITECTURE {
        return Err(audio_models::Error::UnknownArchitecture {
            name: args.arch.clone(),
            known: audio_models::open_unmix::ARCHITECTURE.to_string(),
        }
        .into());
    }
    let device = candle_core::Device::Cpu;
    let plain = SeparatorConfig {
        niter: 0,
        ..SeparatorConfig::default()
    };
    let separator = match &args.model {
        Some(model) => OpenUnmixSeparator::from_dir(model, None, plain, &device)?,
        None => OpenUnmixSeparator::embedded(None, plain, &device)?,
    };
    // The Wiener filter needs two sources: a single-target model (a run
    // that trained one source) separates it against the residual.
    let separator = if args.niter > 0 {
        let config = SeparatorConfig {
            niter: args.niter,
            residual: separator.targets().len() == 1,
            ..*separator.config()
        };
        OpenUnmixSeparator::new(separator.models().to_vec(), config)?
    } else {
        separator
    };
    print_separation_scores(&separator, &args)
}

/// Scores `separator` on the split with museval v4 and prints the table
/// (and writes the JSON if asked).
fn print_separation_scores(separator: &dyn Separator, args: &EvaluateArgs) -> Result<()> {
    let data = SeparationDataset::open(&args.data, args.split)?;
    let scores = evaluate_separator(separator, &data, &MusevalConfig::default())?;
    println!(
        "museval v4 median SDR (dB), split {}: estimate / mixture baseline",
        args.split
    );
    let header: Vec<String> = scores
        .targets
        .iter()
        .map(|t| format!("{t} (est / mix)"))
        .collect();
    println!("| song | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(scores.targets.len()));
    for s in &scores.songs {
        let cells: Vec<String> = s
            .sdr
            .iter()
            .zip(&s.mixture_sdr)
            .map(|(e, m)| format!("{e:.2} / {m:.2}"))
            .collect();
        println!("| {} | {} |", s.song, cells.join(" | "));
    }
    let means = scores.means();
    let cells: Vec<String> = means
        .iter()
        .map(|(e, m)| format!("{e:.2} / {m:.2}"))
        .collect();
    println!("| mean | {} |", cells.join(" | "));
    for (t, (e, m)) in scores.targets.iter().zip(&means) {
        println!("{t}: SDR improvement over the mixture {:+.2} dB", e - m);
    }
    crate::write_json_file(&scores, args.json.as_deref())?;
    Ok(())
}
