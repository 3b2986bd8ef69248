//! `audio effect`: a TCN effect model over a file, block by block, and
//! `audio train tcn-effect` / `audio evaluate tcn-effect`.

use std::path::{Path, PathBuf};

use audio_io::wav::{WavStreamWriter, WavWriteFormat, WavWriteOptions};
use audio_io::AudioReader;
use audio_models::datasets::{EffectsDataset, Split};
use audio_models::effects::{
    evaluate, train, OverdriveConfig, TcnEffect, TcnEffectConfig, TrainConfig, WeightInit,
};
use clap::Args;
use ndarray::Array2;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// Arguments of `audio effect`.
#[derive(Debug, Args)]
pub struct EffectArgs {
    /// The input audio file (any rate: the model runs at the file's rate).
    input: PathBuf,
    /// The output WAV (float, the input's rate).
    #[arg(short, long)]
    output: PathBuf,
    /// A checkpoint directory `audio train tcn-effect` wrote (a run's
    /// `best/`), or a micro-TCN weights file (`.ckpt`, `.pth`,
    /// `.safetensors`).
    #[arg(long, required_unless_present = "random_overdrive")]
    model: Option<PathBuf>,
    /// A control, `name=value` in the model's units (repeatable; the rest
    /// stay at their defaults).
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, f64)>,
    /// A randomised overdrive drawn from `--seed` instead of a model
    /// (controls `x` and `y` in [−1, 1]).
    #[arg(long, conflicts_with = "model")]
    random_overdrive: bool,
    /// The randomised overdrive's seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The randomised overdrive's weight initialisation: normal, uniform,
    /// xavier_uniform, xavier_normal, kaiming_uniform.
    #[arg(long, default_value = "normal")]
    init: String,
    /// Samples per processed block.
    #[arg(long, default_value_t = 1024)]
    block: usize,
}

fn parse_param(s: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected name=value, got {s:?}"))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|e| format!("{name}: not a number: {e}"))?;
    Ok((name.trim().to_string(), value))
}

fn load_effect(path: &Path) -> Result<TcnEffect> {
    Ok(if path.is_dir() {
        let best = path.join("best");
        TcnEffect::load(if best.is_dir() {
            best
        } else {
            path.to_path_buf()
        })?
    } else {
        TcnEffect::load_weights(path, None)?
    })
}

/// Runs `audio effect`: each channel of the file through its own processor
/// (a mono model on a stereo file processes both channels), streamed, the
/// model's latency removed so the output is aligned with the input.
///
/// # Errors
///
/// Reading, model and writing errors; unknown controls.
pub fn run(args: EffectArgs) -> Result<()> {
    let effect = match &args.model {
        Some(path) => load_effect(path)?,
        None => TcnEffect::random_overdrive(
            args.seed,
            OverdriveConfig {
                init: WeightInit::from_name(&args.init)?,
                ..OverdriveConfig::default()
            },
        )?,
    };
    let config: &TcnEffectConfig = effect.config();
    if config.ninputs != 1 || config.noutputs != 1 {
        return Err(Error::Usage {
            message: "audio effect runs mono models (one per channel)",
        });
    }
    let mut reader = AudioReader::open(&args.input)?;
    let (rate, channels) = (reader.info().sample_rate, reader.info().channels);
    let mut procs = Vec::with_capacity(channels);
    for _ in 0..channels {
        let mut p = effect.processor()?;
        for (name, value) in &args.params {
            p.set_param(name, *value)?;
        }
        p.prepare(rate, args.block)?;
        procs.push(p);
    }
    let latency = procs.first().map_or(0, |p| p.latency());
    let mut file = audio_io::OutputFile::create(&args.output)?;
    let float = WavWriteOptions {
        format: WavWriteFormat::Float32,
        ..WavWriteOptions::default()
    };
    let mut writer = WavStreamWriter::new(&mut file, channels, rate, &float)?;
    let mut block = Array2::<f32>::zeros((channels, args.block));
    let mut out = Array2::<f32>::zeros((channels, args.block));
    let (mut skip, mut tail, mut done) = (latency, latency, false);
    while !done || tail > 0 {
        let mut n = if done {
            0
        } else {
            reader.read_into(&mut block)?
        };
        if n == 0 {
            done = true;
            // Flush the latency with silence.
            n = tail.min(args.block);
            tail -= n;
            block.fill(0.0);
            if n == 0 {
                break;
            }
        }
        for (c, p) in procs.iter_mut().enumerate() {
            let x = block.row(c);
            let x = &x.as_slice().unwrap_or_default()[..n];
            let mut y = out.row_mut(c);
            let Some(y) = y.as_slice_mut() else { continue };
            p.process_block(&[x], &mut [&mut y[..n]])?;
        }
        let drop = skip.min(n);
        skip -= drop;
        if drop < n {
            writer.write_block(&out.slice(ndarray::s![.., drop..n]).to_owned())?;
        }
    }
    writer.finalize()?;
    file.commit()?;
    println!(
        "wrote {} ({channels} channels, {rate} Hz, latency {latency} samples compensated)",
        args.output.display()
    );
    Ok(())
}

/// `audio train tcn-effect`: micro-TCN's `uTCN-100-C` size (4 blocks,
/// kernel 5, dilation growth 10, 32 channels), or `--config` JSON.
///
/// # Errors
///
/// Reading the configuration and the dataset; training errors.
pub fn train_effect(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let model = match &args.config {
        Some(path) => crate::train_commands::read_json(path)?,
        None => TcnEffectConfig {
            kernel_size: 5,
            ..TcnEffectConfig::default()
        },
    };
    let train_set = EffectsDataset::open(data, Split::Train)?;
    let valid_set = EffectsDataset::open(data, Split::Valid)?;
    let config = TrainConfig {
        batch_size: args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE),
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
    let report = train(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, esr)) = report.best {
        println!("best validation ESR {esr:.4} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// `audio evaluate tcn-effect`: the test ESR next to the identity baseline's.
///
/// # Errors
///
/// Loading the model and the dataset.
pub fn evaluate_effect(model: &Path, data: &Path, split: Split, json: Option<&Path>) -> Result<()> {
    let effect = load_effect(model)?;
    let set = EffectsDataset::open(data, split)?;
    let report = evaluate(&effect, &set)?;
    crate::print_json(&report, json)?;
    Ok(())
}
