//! DDSP (`audio_models::ddsp`): `audio train ddsp`, `audio evaluate ddsp`
//! and `audio resynth` (resynthesis and timbre transfer).

use std::path::{Path, PathBuf};

use audio_io::wav::{WavStreamWriter, WavWriteOptions};
use audio_models::datasets::{Split, TranscriptionDataset};
use audio_models::ddsp::{train as train_ddsp, Ddsp, DdspConfig, TrainConfig, SYNTH_FRAMES};
use clap::Args;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// `audio train ddsp`: `--steps-per-epoch`, `--batch-size` (default 8),
/// `--excerpt-seconds` (default 2), `--config` (a `DdspConfig` JSON).
///
/// # Errors
///
/// Reading the dataset; the trainer's.
pub fn train(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let model = match &args.config {
        Some(path) => crate::train_commands::read_json::<DdspConfig>(path)?,
        None => DdspConfig::default(),
    };
    let train_set = TranscriptionDataset::open(data, Split::Train)?;
    let valid_set = TranscriptionDataset::open(data, Split::Valid)?;
    let defaults = TrainConfig::default();
    let excerpt_frames =
        crate::train_commands::excerpt_hops(args.excerpt_seconds, model.sample_rate, model.hop)?
            .map_or(defaults.excerpt_frames, |frames| frames.max(1));
    let config = TrainConfig {
        excerpt_frames,
        model,
        batch_size: args.batch_size_or(defaults.batch_size),
        steps_per_epoch: args.steps_per_epoch,
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
    };
    let report = train_ddsp(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation multi-resolution STFT loss {loss:.4} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// `audio evaluate ddsp`: spectral convergence and log-STFT distance of the
/// resynthesis and of Griffin-Lim from the mel spectrogram.
///
/// # Errors
///
/// Loading the model and the dataset.
pub fn evaluate(model: &Path, data: &Path, split: Split, json: Option<&Path>) -> Result<()> {
    let model = Ddsp::load(model)?;
    let set = TranscriptionDataset::open(data, split)?;
    let scores = model.evaluate(&set, None)?;
    crate::print_json(&scores, json)?;
    Ok(())
}

/// Arguments of `audio resynth`.
#[derive(Debug, Args)]
pub struct ResynthArgs {
    /// A monophonic recording (any rate; mixed to mono and resampled to the
    /// model's rate).
    input: PathBuf,
    /// The output WAV, at the model's rate.
    #[arg(short, long)]
    output: PathBuf,
    /// The run (or checkpoint) directory of `audio train ddsp`.
    #[arg(long)]
    model: PathBuf,
    /// Shift the input's f0 by this many semitones (timbre transfer into
    /// the trained instrument's range).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pitch_shift: f64,
    /// Shift the input's loudness by this many dB.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    loudness_shift: f64,
}

/// Runs `audio resynth`: f0 and loudness of the input, then the trained
/// decoder and synthesisers.
///
/// # Errors
///
/// Loading the model and the file; writing the output.
pub fn run(args: ResynthArgs) -> Result<()> {
    use audio_models::mixture_source::{FileMixture, MixtureSource};
    let model = Ddsp::load(&args.model)?;
    let rate = model.config().sample_rate;
    // First pass: the controls, block by block (pYIN keeps its
    // back-pointers for the global Viterbi decoding; the controls are 9
    // bytes a frame).
    let mut mix = FileMixture::open_mono(&args.input, rate)?;
    let mut stream = model.feature_stream()?;
    mix.rewind()?;
    loop {
        let block = mix.read(1 << 16)?;
        if block.ncols() == 0 {
            break;
        }
        stream.push(&block.row(0).to_vec())?;
    }
    let features = stream
        .finish()?
        .shifted(args.pitch_shift, args.loudness_shift);
    // Then the decoder and synthesisers a stretch of frames at a time,
    // each stretch's samples written as they are final.
    let mut synth = model.synth_stream()?;
    let mut file = audio_io::OutputFile::create(&args.output)?;
    let mut n = 0usize;
    {
        let mut wav = WavStreamWriter::new(&mut file, 1, rate, &WavWriteOptions::default())?;
        let mut write = |y: Vec<f32>| -> Result<()> {
            n += y.len();
            let len = y.len();
            let block = ndarray::Array2::from_shape_vec((1, len), y).map_err(|_| Error::Usage {
                message: "internal: resynthesised audio shape",
            })?;
            Ok(wav.write_block(&block)?)
        };
        for start in (0..features.len()).step_by(SYNTH_FRAMES) {
            let end = (start + SYNTH_FRAMES).min(features.len());
            write(synth.push(
                &features.f0_hz[start..end],
                &features.loudness_db[start..end],
            )?)?;
        }
        write(synth.finish()?)?;
        wav.finalize()?;
    }
    file.commit()?;
    #[allow(clippy::cast_precision_loss, reason = "sample counts of audio files")]
    let seconds = n as f64 / f64::from(rate);
    println!(
        "wrote {} ({seconds:.2} s at {rate} Hz)",
        args.output.display()
    );
    Ok(())
}
