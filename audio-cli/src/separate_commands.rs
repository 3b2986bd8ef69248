//! Separation subcommands: `audio separate`, with Open-Unmix
//! (`audio_models::open_unmix`, a model directory) or Demucs
//! (`audio_models::demucs`, a `.th` release file), writing one WAV per
//! target; training is `audio train open-unmix`.

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
    /// Source separation into one WAV per target: Open-Unmix (a model directory) or Demucs (a `.th` file).
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
    /// Audio file to separate (WAV, FLAC, MP3, OGG; resampled to the models' rate).
    input: PathBuf,
    /// The model: a Demucs `.th` file as the demucs package releases it
    /// (`demucs.demucs.Demucs`), or an Open-Unmix directory of
    /// `<target>.pth` / `<target>-<hash>.pth` (the Zenodo files of umxhq or
    /// umxl) or `<target>.safetensors`, optionally `<target>.json` and
    /// `separator.json`.
    #[arg(long)]
    model: PathBuf,
    /// Comma-separated targets (default: every target of the model).
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
    /// Output directory; one `<target>.wav` (32-bit float) per target.
    #[arg(short, long)]
    output: PathBuf,
}

/// The input at the model's rate, all channels, once the output folder
/// exists.
fn load_mixture(args: &SeparateArgs, sample_rate: u32) -> Result<audio_io::Audio> {
    let audio = audio_io::load::<f32>(
        &args.input,
        &LoadOptions {
            sr: Some(sample_rate),
            mono: false,
            ..LoadOptions::default()
        },
    )?;
    std::fs::create_dir_all(&args.output).map_err(|source| Error::File {
        path: args.output.clone(),
        source,
    })?;
    Ok(audio)
}

fn is_demucs(model: &std::path::Path) -> bool {
    model
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("th"))
}

/// `audio separate` with a Demucs release: the whole track through
/// `apply_model` (segments, overlap, shifts), then the chosen stems.
fn separate_demucs(args: &SeparateArgs) -> Result<()> {
    use audio_models::demucs::{ApplyConfig, Demucs};
    let apply = ApplyConfig {
        shifts: args.shifts,
        split: !args.no_split,
        overlap: args.overlap,
        segment: args.segment,
        ..ApplyConfig::default()
    };
    let sep = Demucs::load(&args.model, apply, &candle_core::Device::Cpu)?;
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
    let audio = load_mixture(args, sep.sample_rate())?;
    let bar = ProgressBar::new_spinner();
    bar.set_message("separating");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let estimates = sep.separate(audio.samples.view())?;
    bar.finish_and_clear();
    let options = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    let mut files = Vec::with_capacity(indices.len());
    for (&i, name) in indices.iter().zip(&chosen) {
        let mut file = audio_io::OutputFile::create(args.output.join(format!("{name}.wav")))?;
        let e = &estimates[i];
        let mut w = WavStreamWriter::new(&mut file, e.nrows(), sep.sample_rate(), &options)?;
        w.write_block(e)?;
        w.finalize()?;
        files.push(file);
    }
    for file in files {
        file.commit()?;
    }
    for t in &chosen {
        println!("{}", args.output.join(format!("{t}.wav")).display());
    }
    Ok(())
}

/// Runs `audio separate`: loading the models and the audio, separating,
/// writing the WAV files.
fn separate(args: SeparateArgs) -> Result<()> {
    if is_demucs(&args.model) {
        return separate_demucs(&args);
    }
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
    let mix = load_mixture(&args, sep.sample_rate())?.samples;
    let (channels, samples) = mix.dim();
    let targets = sep.targets();
    let out_channels = sep.output_channels(channels);
    let options = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    // Each stem is written under a temporary name and renamed once complete,
    // so a failed or killed run leaves no truncated stem.
    let mut files = targets
        .iter()
        .map(|t| audio_io::OutputFile::create(args.output.join(format!("{t}.wav"))))
        .collect::<audio_io::Result<Vec<_>>>()?;
    let mut writers = files
        .iter_mut()
        .map(|file| WavStreamWriter::new(file, out_channels, sep.sample_rate(), &options))
        .collect::<audio_io::Result<Vec<_>>>()?;
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
    for file in files {
        file.commit()?;
    }
    for t in &targets {
        println!("{}", args.output.join(format!("{t}.wav")).display());
    }
    Ok(())
}
