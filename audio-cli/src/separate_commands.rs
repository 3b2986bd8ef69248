//! Separation subcommands (`audio_models::open_unmix`): `audio separate`
//! (Open-Unmix separation of an audio file into one WAV per target) and
//! `audio train-umx` (training a target model on a MUSDB-style folder).

use std::path::PathBuf;

use audio_io::wav::{Dither, WavStreamWriter, WavWriteFormat, WavWriteOptions};
use audio_io::LoadOptions;
use audio_models::open_unmix::{ChunkedSeparator, OpenUnmixSeparator, SeparatorConfig};
use audio_models::Separator;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{Error, Result};

/// Separation subcommands.
#[derive(Debug, Subcommand)]
pub enum SeparationCommand {
    /// Open-Unmix source separation into one WAV per target.
    Separate(SeparateArgs),
    /// Train an Open-Unmix target model on a MUSDB18-HQ-style folder
    /// (`<data>/train/<song>/{mixture,vocals,drums,bass,other}.wav`).
    TrainUmx(TrainUmxArgs),
}

/// Runs a separation subcommand.
///
/// # Errors
///
/// As the subcommand.
pub fn run(cmd: SeparationCommand) -> Result<()> {
    match cmd {
        SeparationCommand::Separate(args) => separate(args),
        SeparationCommand::TrainUmx(args) => train_umx(args),
    }
}

/// Arguments of `audio separate`.
#[derive(Debug, Args)]
pub struct SeparateArgs {
    /// Audio file to separate (WAV, FLAC, MP3, OGG; resampled to the models' rate).
    input: PathBuf,
    /// Model directory: `<target>.pth` / `<target>-<hash>.pth` (the Zenodo
    /// files of umxhq or umxl) or `<target>.safetensors`, optionally
    /// `<target>.json` and `separator.json`.
    #[arg(long)]
    model: PathBuf,
    /// Comma-separated targets (default: every target in the model directory).
    #[arg(long, value_delimiter = ',')]
    targets: Option<Vec<String>>,
    /// EM iterations of the multichannel Wiener filter (0 = magnitudes with the mixture phase).
    #[arg(long, default_value_t = 1)]
    niter: usize,
    /// Also write `residual.wav`: the mixture minus the other estimates.
    #[arg(long)]
    residual: bool,
    /// Soft-mask initial estimates instead of magnitudes with the mixture phase.
    #[arg(long)]
    softmask: bool,
    /// Frames per independent Wiener block (`wiener_win_len`).
    #[arg(long, default_value_t = 300)]
    wiener_win_len: usize,
    /// Separate in chunks of this many seconds (bounded memory for long
    /// tracks); without it the whole track is processed at once.
    #[arg(long)]
    chunk_seconds: Option<f64>,
    /// Cross-fade overlap between chunks, in seconds.
    #[arg(long, default_value_t = 2.0)]
    overlap_seconds: f64,
    /// Output directory; one `<target>.wav` (32-bit float) per target.
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `audio separate`: loading the models and the audio, separating,
/// writing the WAV files.
fn separate(args: SeparateArgs) -> Result<()> {
    let config = SeparatorConfig {
        niter: args.niter,
        residual: args.residual,
        softmask: args.softmask,
        wiener_win_len: Some(args.wiener_win_len),
        ..SeparatorConfig::default()
    };
    let sep = OpenUnmixSeparator::from_dir(
        &args.model,
        args.targets.as_deref(),
        config,
        &candle_core::Device::Cpu,
    )?;
    let audio = audio_io::load::<f32>(
        &args.input,
        &LoadOptions {
            sr: Some(sep.sample_rate()),
            mono: false,
            ..LoadOptions::default()
        },
    )?;
    let mix = audio.samples;
    let (channels, samples) = mix.dim();
    std::fs::create_dir_all(&args.output).map_err(|source| Error::File {
        path: args.output.clone(),
        source,
    })?;
    let targets = sep.targets();
    let out_channels = sep.output_channels(channels);
    let options = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    let mut writers = targets
        .iter()
        .map(|t| {
            let path = args.output.join(format!("{t}.wav"));
            let file = std::fs::File::create(&path).map_err(|source| Error::File {
                path: path.clone(),
                source,
            })?;
            Ok(WavStreamWriter::new(
                std::io::BufWriter::new(file),
                out_channels,
                sep.sample_rate(),
                &options,
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    let bar = ProgressBar::new(samples as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} separating [{bar:40}] {percent}% {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    match args.chunk_seconds {
        Some(chunk) => {
            let chunked = ChunkedSeparator::with_seconds(sep, chunk, args.overlap_seconds)?;
            chunked.process(mix.view(), |_, segment| {
                for (w, s) in writers.iter_mut().zip(&segment) {
                    w.write_block(s).map_err(audio_models::Error::Io)?;
                }
                bar.inc(segment.first().map_or(0, |s| s.ncols() as u64));
                Ok(())
            })?;
        }
        None => {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            let estimates = sep.separate(mix.view())?;
            for (w, e) in writers.iter_mut().zip(&estimates) {
                w.write_block(e)?;
            }
            bar.set_position(samples as u64);
        }
    }
    bar.finish_and_clear();
    for w in writers {
        w.finalize()?;
    }
    for t in &targets {
        println!("{}", args.output.join(format!("{t}.wav")).display());
    }
    Ok(())
}

/// Arguments of `audio train-umx`.
#[derive(Debug, Args)]
pub struct TrainUmxArgs {
    /// Dataset root with `train/` (the last `--valid-songs` of it validate).
    #[arg(long)]
    data: PathBuf,
    /// Target stem to learn (vocals, drums, bass, other).
    #[arg(long)]
    target: String,
    /// Output model directory (`<target>.safetensors`, `<target>.json`, `separator.json`).
    #[arg(short, long)]
    output: PathBuf,
    /// Bottleneck width (`hidden_size`).
    #[arg(long, default_value_t = 128)]
    hidden_size: usize,
    /// LSTM layers.
    #[arg(long, default_value_t = 3)]
    nb_layers: usize,
    /// Excerpt length in seconds.
    #[arg(long, default_value_t = 4.0)]
    seq_seconds: f64,
    /// Excerpts per batch.
    #[arg(long, default_value_t = 8)]
    batch_size: usize,
    /// Batches per epoch.
    #[arg(long, default_value_t = 20)]
    steps_per_epoch: usize,
    /// Maximum epochs.
    #[arg(long, default_value_t = 1000)]
    epochs: usize,
    /// Early-stopping patience in epochs.
    #[arg(long, default_value_t = 20)]
    patience: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Stop after this many minutes (checked after each epoch).
    #[arg(long)]
    minutes: Option<f64>,
    /// Songs of `train/` held out for validation.
    #[arg(long, default_value_t = 2)]
    valid_songs: usize,
    /// Seed of weights, excerpts and augmentations.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Runs `audio train-umx`.
fn train_umx(args: TrainUmxArgs) -> Result<()> {
    use audio_models::open_unmix::{train, StemDataset, TrainConfig};
    let mut data = StemDataset::load(&args.data, "train", 44_100)?;
    let valid = data.split_off(args.valid_songs);
    let mut config = TrainConfig::small(&args.target);
    config.model.hidden_size = args.hidden_size;
    config.model.nb_layers = args.nb_layers;
    config.seq_seconds = args.seq_seconds;
    config.batch_size = args.batch_size;
    config.steps_per_epoch = args.steps_per_epoch;
    config.epochs = args.epochs;
    config.patience = args.patience;
    config.lr = args.lr;
    config.seed = args.seed;
    config.time_limit_seconds = args.minutes.map(|m| m * 60.0);
    let bar = ProgressBar::new(args.steps_per_epoch as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let report = train(&data, &valid, &config, &args.output, |p| {
        bar.set_prefix(format!("epoch {}", p.epoch));
        bar.set_position(p.step as u64);
        match p.valid_loss {
            None => bar.set_message(format!(
                "loss {:.5} | {:.0} frames/s | {:.0} s",
                p.train_loss, p.frames_per_second, p.elapsed
            )),
            Some(v) => {
                let line = format!(
                    "epoch {}: train loss {:.5}, valid loss {v:.5}, {:.0} frames/s, {:.0} s",
                    p.epoch, p.train_loss, p.frames_per_second, p.elapsed
                );
                // A hidden bar (stderr not a terminal) drops `println`: log plainly.
                if bar.is_hidden() {
                    eprintln!("{line}");
                } else {
                    bar.println(line);
                }
            }
        }
    })?;
    bar.finish_and_clear();
    println!(
        "best epoch {} (valid loss {:.5}) of {}, {:.0} s; model in {}",
        report.best_epoch,
        report.best_valid_loss,
        report.history.len(),
        report.seconds,
        args.output.display()
    );
    Ok(())
}
