//! MelGAN (`audio_models::vocoder`): `audio train melgan`, `audio evaluate
//! melgan` and `audio vocode` (a log-mel `.npy`, or an audio file's own
//! mel, to a waveform).

use std::path::{Path, PathBuf};

use audio_io::npy::{is_npy, read_floats, Precision};
use audio_io::wav::{write_wav, WavStreamWriter, WavWriteOptions};
use audio_io::{Audio, LoadOptions};
use audio_models::datasets::{Split, TranscriptionDataset};
use audio_models::vocoder::{train as train_melgan, MelGan, MelGanConfig, TrainConfig};
use clap::Args;
use ndarray::{Array2, Ix2};

use crate::train_commands::{excerpt_hops, TrainArgs};
use crate::{Error, Result};

/// `audio train melgan`: `--config` (a `MelGanConfig` JSON; without it
/// the reference sizes at the dataset's rate), `--batch-size` (default 8),
/// `--steps-per-epoch`, `--excerpt-seconds` (default 8192 samples, rounded
/// to whole hops), `--adversarial-start-epoch` (default 2).
///
/// # Errors
///
/// Reading the dataset; the trainer's.
pub fn train(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let train_set = TranscriptionDataset::open(data, Split::Train)?;
    let valid_set = TranscriptionDataset::open(data, Split::Valid)?;
    let model = match &args.config {
        Some(path) => crate::train_commands::read_json::<MelGanConfig>(path)?,
        None => MelGanConfig {
            sample_rate: train_set.sample_rate(),
            ..MelGanConfig::default()
        },
    };
    let defaults = TrainConfig::default();
    let hop = model.hop();
    let segment_samples = excerpt_hops(args.excerpt_seconds, model.sample_rate, hop)?
        .map_or(defaults.segment_samples, |hops| hops.max(4) * hop);
    let config = TrainConfig {
        model,
        segment_samples,
        batch_size: args.batch_size_or(defaults.batch_size),
        steps_per_epoch: args.steps_per_epoch,
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
        adversarial_start_epoch: args
            .adversarial_start_epoch
            .unwrap_or(defaults.adversarial_start_epoch),
        ..defaults
    };
    let report = train_melgan(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation multi-resolution STFT loss {loss:.4} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// `audio evaluate melgan`: spectral convergence and log-STFT distance of
/// MelGAN and of Griffin-Lim on the same log-mel spectrogram.
///
/// # Errors
///
/// Loading the model and the dataset.
pub fn evaluate(model: &Path, data: &Path, split: Split, json: Option<&Path>) -> Result<()> {
    let model = MelGan::load(model)?;
    let set = TranscriptionDataset::open(data, split)?;
    let scores = model.evaluate(&set, None)?;
    crate::print_json(&scores, json)?;
    Ok(())
}

/// Arguments of `audio vocode`.
#[derive(Debug, Args)]
pub struct VocodeArgs {
    /// A log-mel spectrogram `.npy` (`log10` of the mel magnitudes, shape
    /// `(n_mels, frames)` or `(1, n_mels, frames)`, as MelGAN's
    /// `Audio2Mel`), or an audio file whose own mel is vocoded (copy
    /// synthesis; mixed to mono and resampled to the model's rate).
    input: PathBuf,
    /// The output WAV, at the model's rate.
    #[arg(short, long)]
    output: PathBuf,
    /// The run (or checkpoint) directory of `audio train melgan`.
    #[arg(long)]
    model: PathBuf,
    /// Invert the mel with Griffin-Lim instead (the baseline).
    #[arg(long)]
    griffin_lim: bool,
    /// Also write the mel spectrogram the vocoder read, as `.npy`.
    #[arg(long)]
    save_mel: Option<PathBuf>,
}

/// Reads a log-mel `.npy` of shape `(n_mels, frames)` or
/// `(1, n_mels, frames)`.
///
/// # Errors
///
/// Reading the file; another shape.
pub(crate) fn read_mel(path: &Path) -> Result<Array2<f32>> {
    let array = match read_floats(path)? {
        Precision::F32(a) => a,
        Precision::F64(a) => a.mapv(|v| v as f32),
    };
    let shape = array.shape().to_vec();
    let squeezed = match shape.as_slice() {
        [1, _, _] => array.index_axis_move(ndarray::Axis(0), 0),
        _ => array,
    };
    squeezed
        .into_dimensionality::<Ix2>()
        .map_err(|_| Error::ShapeMismatch {
            path: path.to_path_buf(),
            expected: "a log-mel spectrogram (n_mels, frames) or (1, n_mels, frames)",
            got: shape,
        })
}

/// Runs `audio vocode`.
///
/// # Errors
///
/// Loading the model and the input; a mel of the wrong shape; writing the
/// output.
pub fn run(args: VocodeArgs) -> Result<()> {
    let model = MelGan::load(&args.model)?;
    let rate = model.config().sample_rate;
    if !is_npy(&args.input) && !args.griffin_lim {
        return stream_copy_synthesis(&model, &args);
    }
    let mel = if is_npy(&args.input) {
        let mel = read_mel(&args.input)?;
        if mel.nrows() != model.config().n_mels || mel.ncols() < 4 {
            return Err(Error::ShapeMismatch {
                path: args.input.clone(),
                expected: "the model's n_mels bands and at least 4 frames",
                got: mel.shape().to_vec(),
            });
        }
        mel
    } else {
        let audio = audio_io::load::<f32>(
            &args.input,
            &LoadOptions {
                sr: Some(rate),
                ..LoadOptions::default()
            },
        )?;
        model.mel(&audio.samples.row(0).to_vec())?
    };
    if let Some(path) = &args.save_mel {
        audio_io::npy::write_npy(path, &mel)?;
    }
    let y = if args.griffin_lim {
        model.griffin_lim(mel.view())?
    } else {
        model.vocode(mel.view())?
    };
    let n = y.len();
    let out = Audio {
        samples: Array2::from_shape_vec((1, n), y).map_err(|_| Error::Usage {
            message: "internal: vocoded audio shape",
        })?,
        sample_rate: rate,
    };
    write_wav(&args.output, &out, &WavWriteOptions::default())?;
    #[allow(clippy::cast_precision_loss, reason = "sample counts of audio files")]
    let seconds = n as f64 / f64::from(rate);
    println!(
        "wrote {} ({seconds:.2} s at {rate} Hz)",
        args.output.display()
    );
    Ok(())
}

/// Copy synthesis of an audio file, block by block: the file decoded and
/// resampled as it goes (`FileMixture`, mono), the log-mel frames
/// ([`audio_models::vocoder::LogMel::stream`]) into the vocoder's chunks
/// ([`MelGan::vocode_stream`]) and the samples into the WAV (and the mel
/// into `--save-mel`) as each chunk finishes. Griffin-Lim, whose
/// iterations see the whole spectrogram, keeps the whole-file path.
fn stream_copy_synthesis(model: &MelGan, args: &VocodeArgs) -> Result<()> {
    use audio_models::mixture_source::{FileMixture, MixtureSource};
    let rate = model.config().sample_rate;
    let mut mix = FileMixture::open_mono(&args.input, rate)?;
    let front = audio_models::vocoder::LogMel::new(model.config())?;
    let frames = front.frames(mix.len());
    if frames < 4 {
        return Err(Error::ShapeMismatch {
            path: args.input.clone(),
            expected: "audio of at least 4 frames of the model's mel",
            got: vec![mix.len()],
        });
    }
    let mut mel_stream = front.stream()?;
    let mut vocoder = model.vocode_stream(frames);
    let mut save = match &args.save_mel {
        Some(path) => Some(audio_io::npy::NpyColumnWriter::<f32>::create(
            path,
            model.config().n_mels,
        )?),
        None => None,
    };
    let mut file = audio_io::OutputFile::create(&args.output)?;
    let mut written = 0usize;
    {
        let mut wav = WavStreamWriter::new(&mut file, 1, rate, &WavWriteOptions::default())?;
        let mut put = |mel: Array2<f32>,
                       vocoder: &mut audio_models::vocoder::VocodeStream<'_>|
         -> Result<Vec<f32>> {
            if let Some(w) = save.as_mut() {
                w.write_columns(mel.view())?;
            }
            Ok(vocoder.push(mel.view())?)
        };
        let mut write =
            |y: Vec<f32>, wav: &mut WavStreamWriter<&mut audio_io::OutputFile>| -> Result<()> {
                written += y.len();
                let n = y.len();
                let block = Array2::from_shape_vec((1, n), y).map_err(|_| Error::Usage {
                    message: "internal: vocoded audio shape",
                })?;
                Ok(wav.write_block(&block)?)
            };
        mix.rewind()?;
        loop {
            let block = mix.read(1 << 16)?;
            if block.ncols() == 0 {
                break;
            }
            let y = put(mel_stream.push(&block.row(0).to_vec())?, &mut vocoder)?;
            write(y, &mut wav)?;
        }
        let y = put(mel_stream.finish()?, &mut vocoder)?;
        write(y, &mut wav)?;
        write(vocoder.finish()?, &mut wav)?;
        wav.finalize()?;
    }
    if let Some(w) = save {
        w.finish()?;
    }
    file.commit()?;
    #[allow(clippy::cast_precision_loss, reason = "sample counts of audio files")]
    let seconds = written as f64 / f64::from(rate);
    println!(
        "wrote {} ({seconds:.2} s at {rate} Hz)",
        args.output.display()
    );
    Ok(())
}
