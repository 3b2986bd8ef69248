//! Separation subcommands: `audio separate`, with the embedded Open-Unmix
//! model by default, or a model given with `--model`: Open-Unmix
//! (`audio_models::open_unmix`, a model directory), Demucs
//! (`audio_models::demucs`, a `.th` release file), Wave-U-Net
//! (`audio_models::wave_u_net`: a training checkpoint directory or a
//! Wave-U-Net-Pytorch checkpoint file) or the T-F mask model
//! (`audio_models::tf_mask`, a training checkpoint directory), writing one
//! WAV per target; training is `audio train <arch>`.

use std::path::PathBuf;

use audio_io::flac::{FlacBitDepth, FlacWriteOptions};
use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::{AudioStreamWriter, OutputFormat};
use audio_models::demucs::{ApplyConfig, Demucs};
use audio_models::open_unmix::{
    ChunkedSeparator, FileMixture, MixtureSource, OpenUnmixSeparator, SeparatorConfig,
};
use audio_models::wave_u_net::WaveUNetSeparator;
use audio_models::Separator;
use clap::{Args, Subcommand};

use crate::progress::StageBar;

use crate::{Error, Result};

/// Separation subcommands.
#[derive(Debug, Subcommand)]
pub enum SeparationCommand {
    /// Source separation into one WAV per target, with the embedded model or `--model` (Open-Unmix, Demucs, Wave-U-Net, T-F mask).
    Separate(SeparateArgs),
}

/// Runs a separation subcommand.
///
/// # Errors
///
/// As the subcommand.
pub fn run(cmd: SeparationCommand) -> Result<()> {
    match cmd {
        SeparationCommand::Separate(args) => separate(args),
    }
}

/// Arguments of `audio separate`.
#[derive(Debug, Args)]
pub struct SeparateArgs {
    /// Audio files to separate (WAV, FLAC, MP3, OGG; resampled to the
    /// model's rate), one after another with the model loaded once.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The model (default: the embedded small Open-Unmix, trained on
    /// synthetic renders; official checkpoints separate real music far
    /// better): a Demucs `.th` file as the demucs package releases it
    /// (v2 `Demucs`, v3 `HDemucs`, v4 `HTDemucs`), or a bag of models
    /// (`htdemucs_ft.yaml`, its `.th` files beside it); an Open-Unmix directory of `<target>.pth` /
    /// `<target>-<hash>.pth` (the Zenodo files of umxhq or umxl) or
    /// `<target>.safetensors`, optionally `<target>.json` and
    /// `separator.json`; a checkpoint directory (or run directory) that
    /// `audio train demucs`, `wave-u-net`, `wavenet-separator` or `tf-mask`
    /// wrote; or any other
    /// file, read as a Wave-U-Net-Pytorch checkpoint with `--config`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Wave-U-Net-Pytorch checkpoint: its `train.py` arguments as JSON
    /// (`instruments`, `features`, `levels`, `strides`, ...; default: a
    /// JSON file beside the checkpoint with its stem, else `train.py`'s
    /// defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Comma-separated targets (default: every target of the model).
    #[arg(long, value_delimiter = ',')]
    targets: Option<Vec<String>>,
    /// EM iterations of the multichannel Wiener filter (0 = magnitudes with the mixture phase).
    #[arg(long, default_value_t = 1)]
    niter: usize,
    /// Also write `residual.wav` (or `.flac`): the mixture minus the other estimates.
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
    /// Demucs: random time shifts averaged (`--shifts` of demucs; 0 disables).
    #[arg(long, default_value_t = 1)]
    shifts: usize,
    /// Demucs: overlap between segments, as a fraction of a segment.
    #[arg(long, default_value_t = 0.25)]
    overlap: f64,
    /// Demucs: segment length in seconds (default: the model's).
    #[arg(long)]
    segment: Option<f64>,
    /// Demucs: run the whole track at once instead of in segments.
    #[arg(long)]
    no_split: bool,
    /// Write the stems as FLAC, 16-bit (24-bit with `--int24`), instead of
    /// 32-bit float WAV, as demucs's `--flac` (samples beyond ±1 clip).
    #[arg(long)]
    flac: bool,
    /// Write 24-bit integer stems (WAV, or FLAC with `--flac`) instead of
    /// 32-bit float WAV, as demucs's `--int24` (samples beyond ±1 clip).
    #[arg(long)]
    int24: bool,
    /// Output directory: one `<target>.wav` (32-bit float; `.flac` with
    /// `--flac`) per target; with several inputs, one sub-directory per
    /// input, named after its file stem.
    #[arg(short, long)]
    output: PathBuf,
}

/// The stems' file format from `--flac` and `--int24`.
fn stem_format(args: &SeparateArgs) -> OutputFormat {
    match (args.flac, args.int24) {
        (true, int24) => OutputFormat::Flac(FlacWriteOptions {
            bits: if int24 {
                FlacBitDepth::Pcm24
            } else {
                FlacBitDepth::Pcm16
            },
            ..FlacWriteOptions::default()
        }),
        (false, int24) => OutputFormat::Wav(WavWriteOptions {
            format: if int24 {
                WavWriteFormat::Pcm24
            } else {
                WavWriteFormat::Float32
            },
            dither: Dither::None,
        }),
    }
}

/// A loaded model: Open-Unmix keeps its own path (chunking, residual);
/// the others separate through the trait.
enum Model {
    OpenUnmix(Box<OpenUnmixSeparator>),
    Other(Box<dyn Separator>),
}

/// Demucs's segments, overlap and shifts from the flags.
fn demucs_apply(args: &SeparateArgs) -> ApplyConfig {
    ApplyConfig {
        shifts: args.shifts,
        split: !args.no_split,
        overlap: args.overlap,
        segment: args.segment,
        ..ApplyConfig::default()
    }
}

/// Loads the model `--model` names, or the embedded one.
fn load_model(args: &SeparateArgs) -> Result<Model> {
    let device = candle_core::Device::Cpu;
    let config = SeparatorConfig {
        niter: args.niter,
        residual: args.residual,
        softmask: args.softmask,
        wiener_win_len: Some(args.wiener_win_len),
        ..SeparatorConfig::default()
    };
    let Some(model) = &args.model else {
        return Ok(Model::OpenUnmix(Box::new(OpenUnmixSeparator::embedded(
            args.targets.as_deref(),
            config,
            &device,
        )?)));
    };
    if is_demucs(model) {
        return Ok(Model::Other(Box::new(Demucs::load(
            model,
            demucs_apply(args),
            &device,
        )?)));
    }
    if model.is_dir() {
        if let Some((arch, dir)) = crate::train_separators::checkpoint_of(model) {
            if let Some(sep) =
                crate::train_separators::load_checkpoint(&arch, &dir, demucs_apply(args))?
            {
                return Ok(Model::Other(sep));
            }
        }
        return Ok(Model::OpenUnmix(Box::new(OpenUnmixSeparator::from_dir(
            model,
            args.targets.as_deref(),
            config,
            &device,
        )?)));
    }
    let wave_u_net_config = match &args.config {
        Some(path) => Some(crate::train_commands::read_json(path)?),
        None => None,
    };
    Ok(Model::Other(Box::new(WaveUNetSeparator::load(
        model,
        wave_u_net_config,
        &device,
    )?)))
}

/// A Demucs release (`.th`) or bag of models (`.yaml`).
pub(crate) fn is_demucs(model: &std::path::Path) -> bool {
    model.extension().is_some_and(|e| {
        e.eq_ignore_ascii_case("th")
            || e.eq_ignore_ascii_case("yaml")
            || e.eq_ignore_ascii_case("yml")
    })
}

/// The targets `--targets` names (default: all), and their indices among
/// the model's.
fn chosen_targets(sep: &dyn Separator, args: &SeparateArgs) -> Result<(Vec<String>, Vec<usize>)> {
    let all = sep.targets();
    let chosen: Vec<String> = match &args.targets {
        Some(t) => t.clone(),
        None => all.clone(),
    };
    let mut indices = Vec::with_capacity(chosen.len());
    for t in &chosen {
        let i = all.iter().position(|a| a == t).ok_or_else(|| {
            audio_models::Error::InvalidParameter {
                name: "targets",
                value: t.clone(),
                expected: "a source of the model",
            }
        })?;
        indices.push(i);
    }
    Ok((chosen, indices))
}

/// One input through a model behind the [`Separator`] trait (Demucs,
/// Wave-U-Net, the Wavenet separator, the T-F mask model), read block by
/// block ([`Separator::separate_source`]) and each chosen stem written to
/// its file as the model finishes it: the streaming models hold a few
/// windows, never the track (the bidirectional T-F mask model holds the
/// mixture's spectrogram).
fn separate_with(
    sep: &dyn Separator,
    args: &SeparateArgs,
    input: &std::path::Path,
    output: &std::path::Path,
) -> Result<()> {
    let (chosen, indices) = chosen_targets(sep, args)?;
    let mut mix = FileMixture::open(input, sep.sample_rate())?;
    std::fs::create_dir_all(output).map_err(|source| Error::File {
        path: output.to_path_buf(),
        source,
    })?;
    let format = stem_format(args);
    let ext = format.extension();
    // Written under temporary names and renamed once complete, so a failed
    // or killed run leaves no truncated stem.
    let mut files = chosen
        .iter()
        .map(|t| audio_io::OutputFile::create(output.join(format!("{t}.{ext}"))))
        .collect::<audio_io::Result<Vec<_>>>()?;
    let mut bar = StageBar::new(mix.len() as u64, "separating");
    {
        // Each writer starts with the first stretch, whose rows are the
        // stems' channel count.
        let mut writers: Vec<AudioStreamWriter<&mut audio_io::OutputFile>> = Vec::new();
        let mut files = files.iter_mut();
        sep.separate_source(&mut mix, &mut |stems| {
            for (k, &i) in indices.iter().enumerate() {
                if writers.len() == k {
                    let file = files.next().ok_or(audio_models::Error::ShapeMismatch {
                        what: "stem files",
                        expected: format!("{} files", indices.len()),
                        got: vec![k],
                    })?;
                    writers.push(
                        AudioStreamWriter::new(file, stems[i].nrows(), sep.sample_rate(), &format)
                            .map_err(audio_models::Error::Io)?,
                    );
                }
                writers[k]
                    .write_block(&stems[i])
                    .map_err(audio_models::Error::Io)?;
            }
            bar.inc(stems.first().map_or(0, |s| s.ncols() as u64));
            Ok(())
        })?;
        bar.finish_and_clear();
        for w in writers {
            w.finalize()?;
        }
    }
    for file in files {
        file.commit()?;
    }
    for t in &chosen {
        println!("{}", output.join(format!("{t}.{ext}")).display());
    }
    Ok(())
}

/// The output directory of `input`: `--output` itself for one input, else
/// `--output/<file stem>` (an index is appended when two inputs share a
/// stem).
fn output_dirs(args: &SeparateArgs) -> Vec<PathBuf> {
    if args.inputs.len() == 1 {
        return vec![args.output.clone()];
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    args.inputs
        .iter()
        .map(|input| {
            let stem = input
                .file_stem()
                .map_or_else(|| "input".to_string(), |s| s.to_string_lossy().into_owned());
            let n = seen.entry(stem.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                args.output.join(stem)
            } else {
                args.output.join(format!("{stem}-{n}"))
            }
        })
        .collect()
}

/// Runs `audio separate`: loading the model once, then each input in
/// turn.
fn separate(args: SeparateArgs) -> Result<()> {
    let model = load_model(&args)?;
    for (input, output) in args.inputs.iter().zip(output_dirs(&args)) {
        match &model {
            Model::OpenUnmix(sep) => separate_open_unmix(sep, &args, input, &output)?,
            Model::Other(sep) => separate_with(sep.as_ref(), &args, input, &output)?,
        }
    }
    Ok(())
}

/// One input through Open-Unmix: whole-track or chunked, each stem streamed
/// to its file.
fn separate_open_unmix(
    sep: &OpenUnmixSeparator,
    args: &SeparateArgs,
    input: &std::path::Path,
    output: &std::path::Path,
) -> Result<()> {
    // The file is read block by block (once per pass of the exact path,
    // once for the chunked path) and never held whole.
    let mut file = FileMixture::open(input, sep.sample_rate())?;
    std::fs::create_dir_all(output).map_err(|source| Error::File {
        path: output.to_path_buf(),
        source,
    })?;
    let (channels, samples) = (file.channels(), file.len());
    let targets = sep.targets();
    let out_channels = sep.output_channels(channels);
    let format = stem_format(args);
    let ext = format.extension();
    // Each stem is written under a temporary name and renamed once complete,
    // so a failed or killed run leaves no truncated stem.
    let mut files = targets
        .iter()
        .map(|t| audio_io::OutputFile::create(output.join(format!("{t}.{ext}"))))
        .collect::<audio_io::Result<Vec<_>>>()?;
    let mut writers = files
        .iter_mut()
        .map(|file| AudioStreamWriter::new(file, out_channels, sep.sample_rate(), &format))
        .collect::<audio_io::Result<Vec<_>>>()?;
    let mut bar = StageBar::new(samples as u64, "separating");
    match args.chunk_seconds {
        Some(chunk) => {
            let chunked = ChunkedSeparator::with_seconds(sep.clone(), chunk, args.overlap_seconds)?;
            chunked.process_source(&mut file, |_, segment| {
                for (w, s) in writers.iter_mut().zip(&segment) {
                    w.write_block(s).map_err(audio_models::Error::Io)?;
                }
                bar.inc(segment.first().map_or(0, |s| s.ncols() as u64));
                Ok(())
            })?;
        }
        None => {
            // The exact whole-track path, written block by block as the
            // Wiener filter and the inverse STFT finish each.
            bar.enable_steady_tick();
            sep.separate_source(&mut file, |blocks| {
                for (w, b) in writers.iter_mut().zip(&blocks) {
                    w.write_block(b).map_err(audio_models::Error::Io)?;
                }
                bar.inc(blocks.first().map_or(0, |b| b.ncols() as u64));
                Ok(())
            })?;
        }
    }
    bar.finish_and_clear();
    for w in writers {
        w.finalize()?;
    }
    for file in files {
        file.commit()?;
    }
    for t in &targets {
        println!("{}", output.join(format!("{t}.{ext}")).display());
    }
    Ok(())
}
