//! `audio pipeline`: seed 004's chain as one command. It separates the
//! input (the embedded Open-Unmix, chunk by chunk), keeps one stem, mixes
//! it to mono, resamples it to the transcriber's rate, transcribes it
//! (Basic Pitch, streamed, or the frame MLP), quantises, keeps the notes
//! in the key and writes MIDI, with a progress bar per stage.

use std::path::{Path, PathBuf};
use std::time::Duration;

use audio_dsp::resample::{ResampleMethod, ResampleStream, Resampler};
use audio_dsp::{KeySelection, Note, Postprocess, QuantizeGrid};
use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::wav::{Dither, WavStreamWriter, WavWriteFormat, WavWriteOptions};
use audio_io::LoadOptions;
use audio_models::basic_pitch::note_creation::{model_output_to_notes, note_events_to_midi};
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use audio_models::demucs::{ApplyConfig, Demucs};
use audio_models::open_unmix::{
    ChunkedSeparator, FileMixture, MixtureSource, OpenUnmixSeparator, SeparatorConfig,
};
use audio_models::{Separator, Transcriber};
use clap::Args;
use indicatif::ProgressBar;

use crate::progress::StageBar;
use ndarray::ArrayView2;

use crate::transcribe_commands::{
    load_frame_mlp, parse_grid, parse_key, parse_transcriber, print_scores, TranscriberChoice,
    BASIC_PITCH_MIN_NOTE_MS,
};
use crate::Result;

/// Arguments of `audio pipeline`.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Audio file (WAV, FLAC, MP3, OGG), any rate and channel count.
    input: PathBuf,
    /// MIDI file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// The separator: `default` (the embedded small Open-Unmix), `none`
    /// (transcribe the input itself), an Open-Unmix directory
    /// (`<target>.pth` / `.safetensors`, as `audio separate --model`
    /// takes), or a Demucs `.th` release / bag `.yaml`.
    #[arg(long, default_value = "default")]
    separate: String,
    /// The stem to transcribe (seed 004: `other`, where the piano is).
    #[arg(long, default_value = "other")]
    target: String,
    /// The transcriber: `basic-pitch` (embedded), `frame-mlp` (seed 004's
    /// frame-window MLP, embedded) or `frame-mlp:RUN` (a run of `audio
    /// train frame-mlp`).
    #[arg(long, default_value = "basic-pitch", value_parser = parse_transcriber)]
    transcriber: TranscriberChoice,
    /// Snap onsets and offsets to a grid: seconds or `BPM:DIVISIONS`
    /// (`120:4` = sixteenth notes at 120 bpm).
    #[arg(long, value_parser = parse_grid)]
    quantize: Option<QuantizeGrid>,
    /// Keep only the notes in this key's scale (`C:maj`, `A:min`, ...), or
    /// `auto`: the key estimated from the notes (Krumhansl–Schmuckler).
    #[arg(long, value_parser = parse_key)]
    key: Option<KeySelection>,
    /// Shortest note kept, in ms (default: the transcriber's own).
    #[arg(long)]
    min_note_ms: Option<f64>,
    /// Open-Unmix: seconds per separated chunk (bounded memory).
    #[arg(long, default_value_t = 30.0)]
    chunk_seconds: f64,
    /// Open-Unmix: cross-fade between chunks, in seconds.
    #[arg(long, default_value_t = 2.0)]
    overlap_seconds: f64,
    /// Also write the mono stem that was transcribed (32-bit float WAV at
    /// the transcriber's rate).
    #[arg(long)]
    stem: Option<PathBuf>,
    /// Reference MIDI file: print note precision, recall and F-measure.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Print the notes to standard output.
    #[arg(long)]
    print_notes: bool,
}

fn bar(len: u64, stage: &'static str) -> StageBar {
    StageBar::new(len, stage)
}

fn spinner(stage: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(stage);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The channel mean of `block` `(channels, n)`.
fn mono_of(block: ArrayView2<'_, f32>) -> Vec<f32> {
    let c = block.nrows().max(1) as f32;
    block
        .columns()
        .into_iter()
        .map(|col| col.sum() / c)
        .collect()
}

/// Separates the input and hands the chosen stem, mono, to `stem` block
/// by block with its rate. Open-Unmix (the default) and no separation read
/// the file block by block; Demucs decodes it whole.
fn separated_stem(
    args: &PipelineArgs,
    stem: &mut dyn FnMut(&[f32], u32) -> audio_models::Result<()>,
) -> Result<()> {
    let device = candle_core::Device::Cpu;
    let config = SeparatorConfig::default();
    let open_unmix = match args.separate.as_str() {
        "none" => {
            let mut blocks = audio_io::LoadStream::<f32>::open(
                &args.input,
                &LoadOptions {
                    sr: None,
                    mono: true,
                    ..LoadOptions::default()
                },
            )?;
            let rate = blocks.sample_rate();
            while let Some(block) = blocks.next_block()? {
                stem(&block.row(0).to_vec(), rate)?;
            }
            return Ok(());
        }
        "default" => OpenUnmixSeparator::embedded(None, config, &device)?,
        path if crate::separate_commands::is_demucs(Path::new(path)) => {
            let sep = Demucs::load(path, ApplyConfig::default(), &device)?;
            let index = sep
                .targets()
                .iter()
                .position(|t| *t == args.target)
                .ok_or_else(|| unknown_target(&args.target, &sep.targets()))?;
            let rate = sep.sample_rate();
            // Read block by block (mean, deviation, then a window of a few
            // segments), never held whole.
            let mut mix = FileMixture::open(&args.input, rate)?;
            let mut progress = bar(mix.len() as u64, "separating");
            sep.separate_source(&mut mix, |stems| {
                stem(&mono_of(stems[index].view()), rate)?;
                progress.inc(stems[index].ncols() as u64);
                Ok(())
            })?;
            progress.finish_and_clear();
            return Ok(());
        }
        path => OpenUnmixSeparator::from_dir(path, None, config, &device)?,
    };
    // Every target is separated (the Wiener filter needs them all), and the
    // chosen one kept.
    let index = open_unmix
        .targets()
        .iter()
        .position(|t| *t == args.target)
        .ok_or_else(|| unknown_target(&args.target, &open_unmix.targets()))?;
    let rate = open_unmix.sample_rate();
    let mut mix = FileMixture::open(&args.input, rate)?;
    let chunked =
        ChunkedSeparator::with_seconds(open_unmix, args.chunk_seconds, args.overlap_seconds)?;
    let mut progress = bar(mix.len() as u64, "separating");
    chunked.process_source(&mut mix, |_, stems| {
        if let Some(s) = stems.get(index) {
            stem(&mono_of(s.view()), rate)?;
            progress.inc(s.ncols() as u64);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(())
}

fn unknown_target(target: &str, known: &[String]) -> crate::Error {
    audio_models::Error::InvalidParameter {
        name: "target",
        value: format!("{target} (the separator's sources: {})", known.join(", ")),
        expected: "one of the separator's sources",
    }
    .into()
}

/// Runs `audio pipeline`.
///
/// # Errors
///
/// Bad options, an unknown target, decoding the input, loading a model,
/// writing the outputs, reading the reference.
pub fn run(args: PipelineArgs) -> Result<()> {
    let frame_mlp = match &args.transcriber {
        TranscriberChoice::FrameMlp(run) => {
            Some(load_frame_mlp(run.as_deref(), None, args.min_note_ms)?)
        }
        TranscriberChoice::BasicPitch => None,
    };
    let target_rate = frame_mlp
        .as_ref()
        .map_or(audio_models::basic_pitch::SAMPLE_RATE, |m| m.sample_rate());
    let basic_pitch = match frame_mlp {
        None => Some(BasicPitch::new()?),
        Some(_) => None,
    };
    // The stem goes, block by block, through a streaming soxr HQ resampler
    // (the samples of `librosa.load`'s), to the stem WAV when asked, and to
    // Basic Pitch's streaming posteriorgrams (or, for the frame MLP, into
    // one buffer): nothing of the track is held but the posteriorgrams.
    let mut stem_file = args
        .stem
        .as_ref()
        .map(audio_io::OutputFile::create)
        .transpose()?;
    let options = WavWriteOptions {
        format: WavWriteFormat::Float32,
        dither: Dither::None,
    };
    let mut stem_writer = stem_file
        .as_mut()
        .map(|f| WavStreamWriter::new(f, 1, target_rate, &options))
        .transpose()?;
    let mut posteriorgrams = basic_pitch.as_ref().map(|m| m.stream(false));
    let mut whole_stem: Vec<f32> = Vec::new();
    let mut resampler: Option<ResampleStream> = None;
    let mut samples = 0usize;
    let mut resampled = Vec::new();
    let mut take = |block: &[f32]| -> audio_models::Result<()> {
        if let Some(w) = stem_writer.as_mut() {
            let view = ndarray::ArrayView2::from_shape((1, block.len()), block)
                .map_err(|_| audio_models::Error::Empty { what: "stem" })?;
            w.write_block(&view.to_owned())
                .map_err(audio_models::Error::Io)?;
        }
        match posteriorgrams.as_mut() {
            Some(stream) => stream.push(block)?,
            None => whole_stem.extend_from_slice(block),
        }
        Ok(())
    };
    let mut on_stem = |block: &[f32], rate: u32| -> audio_models::Result<()> {
        samples += block.len();
        if rate == target_rate {
            return take(block);
        }
        if resampler.is_none() {
            let plan = Resampler::new(
                f64::from(rate),
                f64::from(target_rate),
                ResampleMethod::SoxrHq,
            )?;
            resampler = Some(plan.stream()?);
        }
        resampled.clear();
        if let Some(r) = resampler.as_mut() {
            r.process(block, &mut resampled)?;
        }
        take(&resampled)
    };
    separated_stem(&args, &mut on_stem)?;
    if samples == 0 {
        return Err(audio_models::Error::Empty { what: "audio" }.into());
    }
    if let Some(r) = resampler.as_mut() {
        resampled.clear();
        r.finish(&mut resampled)?;
        take(&resampled)?;
    }
    stem_writer.map(WavStreamWriter::finalize).transpose()?;
    if let Some(file) = stem_file {
        file.commit()?;
    }
    let post = Postprocess {
        key: args.key,
        quantize: args.quantize,
    };
    let notes: Vec<Note> = match (frame_mlp, posteriorgrams) {
        (Some(model), _) => {
            let bar = spinner("transcribing");
            let mut notes = model.transcribe_mono(&whole_stem)?;
            bar.finish_and_clear();
            report_key(post.apply(&mut notes)?);
            MidiFile::from_notes(notes.iter().cloned(), TempoMap::constant(480, 120.0))
                .write(&args.output, MidiType::Type1)?;
            notes
        }
        (None, Some(stream)) => {
            let config = PredictConfig {
                min_note_len: PredictConfig::min_note_len_from_ms(
                    args.min_note_ms.unwrap_or(BASIC_PITCH_MIN_NOTE_MS),
                )?,
                include_pitch_bends: false,
                ..PredictConfig::default()
            };
            let bar = spinner("transcribing");
            let posteriorgrams = stream.finish()?;
            let mut events = model_output_to_notes(&posteriorgrams, &config)?;
            drop(posteriorgrams);
            bar.finish_and_clear();
            report_key(post.apply(&mut events)?);
            note_events_to_midi(&events, &config)?.write(&args.output, MidiType::Type1)?;
            events.into_iter().map(|d| d.note).collect()
        }
        (None, None) => {
            return Err(audio_models::Error::Empty {
                what: "transcriber",
            }
            .into())
        }
    };
    let mut sorted = notes;
    Note::sort(&mut sorted);
    if args.print_notes {
        print!("{}", audio_io::notes::to_table_string(&sorted));
    }
    println!("{} notes -> {}", sorted.len(), args.output.display());
    if let Some(reference) = &args.reference {
        print_scores(reference, &sorted)?;
    }
    Ok(())
}

fn report_key(estimate: Option<audio_dsp::KeyEstimate>) {
    if let Some(est) = estimate {
        eprintln!(
            "estimated key: {} (correlation {:.3})",
            est.key,
            est.score()
        );
    }
}
