//! Seed 002's denoising autoencoders (`audio_models::denoiser`): `audio
//! train dcae|vae`, `audio evaluate dcae|vae` and `audio denoise`.

use std::path::{Path, PathBuf};

use audio_io::picture::{specshow, Colormap, FrequencyAxis, SpecshowOptions};
use audio_io::wav::WavWriteOptions;
use audio_models::datasets::{DenoisingDataset, Split};
use audio_models::denoiser::{
    train as train_denoiser, AutoencoderKind, DenoiserConfig, ScaledSpectrogram,
    SpectrogramDenoiser, TrainConfig,
};
use clap::Args;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// Images per batch by default (the seed's 32).
const DENOISER_BATCH_SIZE: usize = 32;

/// `audio train dcae|vae`: `--depth` and `--latent-dim` pick the seed's
/// Table 1 architecture (default depth 2, latent 64), or `--config` a
/// `DenoiserConfig` JSON.
///
/// # Errors
///
/// A bad architecture; reading the dataset; the trainer's.
pub fn train(args: &TrainArgs, arch: &str, data: &Path, out: &Path) -> Result<()> {
    let kind = if arch == "dcae" {
        AutoencoderKind::Dcae
    } else {
        AutoencoderKind::Vae
    };
    let model = match &args.config {
        Some(path) => DenoiserConfig {
            kind,
            ..crate::train_commands::read_json::<DenoiserConfig>(path)?
        },
        None => DenoiserConfig::seed(kind, args.depth.unwrap_or(2), args.latent_dim.unwrap_or(64))?,
    };
    let train_set = DenoisingDataset::open(data, Split::Train)?;
    let valid_set = DenoisingDataset::open(data, Split::Valid)?;
    let config = TrainConfig {
        batch_size: args.batch_size_or(DENOISER_BATCH_SIZE),
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
        ..TrainConfig::new(model)
    };
    let report = train_denoiser(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation image MSE {loss:.6} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// `audio evaluate dcae|vae`: image MSE and SI-SDR on the split, and with
/// `pictures` the clean, noisy and denoised spectrograms of the first
/// `count` pairs.
///
/// # Errors
///
/// Loading the model and the dataset; writing the pictures.
pub fn evaluate(
    model: &Path,
    data: &Path,
    split: Split,
    json: Option<&Path>,
    pictures: Option<&Path>,
) -> Result<()> {
    let model = SpectrogramDenoiser::load(model)?;
    let set = DenoisingDataset::open(data, split)?;
    let scores = model.evaluate(&set, audio_models::denoiser::GRIFFIN_LIM_ITERS, None)?;
    crate::print_json(&scores, json)?;
    if let Some(dir) = pictures {
        write_pictures(&model, &set, dir, 3)?;
    }
    Ok(())
}

/// The clean, noisy and denoised dB spectrograms of the first `count`
/// pairs as `<id>-{clean,noisy,denoised}.png`, on one colour scale per pair.
fn write_pictures(
    model: &SpectrogramDenoiser,
    set: &DenoisingDataset,
    dir: &Path,
    count: usize,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::File {
        path: dir.to_path_buf(),
        source,
    })?;
    let front = model.front_end();
    let c = front.config();
    for i in 0..count.min(set.ids().len()) {
        let (noisy_path, clean_path) = set.paths(i)?;
        let clean = front.scaled(&front.load(&clean_path)?)?;
        let noisy = front.scaled(&front.load(&noisy_path)?)?;
        let denoised = model
            .denoise_images(std::slice::from_ref(&noisy))?
            .remove(0);
        let images: [(&str, &ScaledSpectrogram); 3] = [
            ("clean", &clean),
            ("noisy", &noisy),
            ("denoised", &denoised),
        ];
        let vmax = clean.max.max(noisy.max);
        for (name, image) in images {
            let options = SpecshowOptions {
                colormap: Colormap::Magma,
                y_axis: FrequencyAxis::Linear,
                sr: c.sample_rate,
                hop_length: c.hop_length,
                vmin: Some(vmax - 80.0),
                vmax: Some(vmax),
                width: 360,
                height: 300,
                colorbar: Some("dB".into()),
                ..SpecshowOptions::default()
            };
            let path = dir.join(format!("{}-{name}.png", set.ids()[i]));
            specshow(&image.to_db(), &options)?.save_png(&path)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// Arguments of `audio denoise`.
#[derive(Debug, Args)]
pub struct DenoiseArgs {
    /// The noisy audio file (any rate; mixed to mono and resampled to the
    /// model's rate).
    input: PathBuf,
    /// The output WAV, at the model's rate.
    #[arg(short, long)]
    output: PathBuf,
    /// The run (or checkpoint) directory of `audio train dcae|vae`.
    #[arg(long)]
    model: PathBuf,
}

/// Runs `audio denoise`: the file clip by clip through the autoencoder and
/// Griffin-Lim.
///
/// # Errors
///
/// Loading the model and the file; writing the output.
pub fn run(args: DenoiseArgs) -> Result<()> {
    let model = SpectrogramDenoiser::load(&args.model)?;
    let rate = model.config().spectrogram.sample_rate;
    // Read and written block by block: the file is decoded and resampled
    // as the clips need it, each clip's audio appended to the WAV.
    let mut input = audio_models::mixture_source::FileMixture::open_mono(&args.input, rate)?;
    let mut file = audio_io::OutputFile::create(&args.output)?;
    let mut writer =
        audio_io::wav::WavStreamWriter::new(&mut file, 1, rate, &WavWriteOptions::default())?;
    let mut n = 0usize;
    model.denoise_source(&mut input, |audio| {
        n += audio.len();
        let block = ndarray::ArrayView2::from_shape((1, audio.len()), audio).map_err(|_| {
            audio_models::Error::Empty {
                what: "denoised block",
            }
        })?;
        writer
            .write_block(&block.to_owned())
            .map_err(audio_models::Error::Io)
    })?;
    writer.finalize()?;
    file.commit()?;
    #[allow(clippy::cast_precision_loss, reason = "sample counts of audio files")]
    let seconds = n as f64 / f64::from(rate);
    println!(
        "wrote {} ({seconds:.2} s at {rate} Hz)",
        args.output.display()
    );
    Ok(())
}
