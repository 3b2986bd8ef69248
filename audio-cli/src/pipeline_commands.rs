//! `audio pipeline`: seed 004's chain as one command. It separates the
//! input (the embedded Open-Unmix, chunk by chunk), keeps one stem, mixes
//! it to mono, resamples it to the transcriber's rate, transcribes it
//! (Basic Pitch, streamed, or the frame MLP), quantises, keeps the notes
//! in the key and writes MIDI, with a progress bar per stage.

use std::path::{Path, PathBuf};
use std::time::Duration;

use audio_dsp::resample::{ResampleMethod, Resampler};
use audio_dsp::{KeySelection, Note, Postprocess, QuantizeGrid};
use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::wav::{Dither, WavStreamWriter, WavWriteFormat, WavWriteOptions};
use audio_io::LoadOptions;
use audio_models::basic_pitch::note_creation::{model_output_to_notes, note_events_to_midi};
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use audio_models::demucs::{ApplyConfig, Demucs};
use audio_models::open_unmix::{ChunkedSeparator, OpenUnmixSeparator, SeparatorConfig};
use audio_models::{Separator, Transcriber};
use clap::Args;
use indicatif::ProgressBar;

use crate::progress::StageBar;
use ndarray::{Array2, ArrayView2};

use crate::transcribe_commands::{
    load_frame_mlp, parse_grid, parse_key, parse_transcriber, print_scores, TranscriberChoice,
    BASIC_PITCH_MIN_NOTE_MS,
};
use crate::Result;

/// Samples pushed into Basic Pitch at once (10 s at 22.05 kHz).
const TRANSCRIBE_BLOCK: usize = 220_500;

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

/// Appends the channel mean of `block` `(channels, n)` to `mono`.
fn push_mono(mono: &mut Vec<f32>, block: ArrayView2<'_, f32>) {
    let c = block.nrows().max(1) as f32;
    mono.extend(block.columns().into_iter().map(|col| col.sum() / c));
}

/// The input at `rate`, all channels.
fn load_input(path: &Path, rate: u32) -> Result<Array2<f32>> {
    let bar = spinner("decoding");
    let audio = audio_io::load::<f32>(
        path,
        &LoadOptions {
            sr: Some(rate),
            mono: false,
            ..LoadOptions::default()
        },
    )?;
    bar.finish_and_clear();
    Ok(audio.samples)
}

/// The chosen stem, mono, and its rate.
fn separated_stem(args: &PipelineArgs) -> Result<(Vec<f32>, u32)> {
    let device = candle_core::Device::Cpu;
    let config = SeparatorConfig::default();
    let open_unmix = match args.separate.as_str() {
        "none" => {
            let native = audio_io::AudioReader::open(&args.input)?.info().sample_rate;
            let mix = load_input(&args.input, native)?;
            let mut mono = Vec::with_capacity(mix.ncols());
            push_mono(&mut mono, mix.view());
            return Ok((mono, native));
        }
        "default" => OpenUnmixSeparator::embedded(None, config, &device)?,
        path if crate::separate_commands::is_demucs(Path::new(path)) => {
            let sep = Demucs::load(path, ApplyConfig::default(), &device)?;
            let index = sep
                .targets()
                .iter()
                .position(|t| *t == args.target)
                .ok_or_else(|| unknown_target(&args.target, &sep.targets()))?;
            let mix = load_input(&args.input, sep.sample_rate())?;
            let mut progress = bar(mix.ncols() as u64, "separating");
            let mut mono = Vec::with_capacity(mix.ncols());
            sep.separate_streaming(mix.view(), |stems| {
                push_mono(&mut mono, stems[index].view());
                progress.inc(stems[index].ncols() as u64);
                Ok(())
            })?;
            progress.finish_and_clear();
            return Ok((mono, sep.sample_rate()));
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
    let mix = load_input(&args.input, rate)?;
    let chunked =
        ChunkedSeparator::with_seconds(open_unmix, args.chunk_seconds, args.overlap_seconds)?;
    let mut progress = bar(mix.ncols() as u64, "separating");
    let mut mono = Vec::with_capacity(mix.ncols());
    chunked.process(mix.view(), |_, stems| {
        if let Some(stem) = stems.get(index) {
            push_mono(&mut mono, stem.view());
            progress.inc(stem.ncols() as u64);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok((mono, rate))
}

fn unknown_target(target: &str, known: &[String]) -> crate::Error {
    audio_models::Error::InvalidParameter {
        name: "target",
        value: format!("{target} (the separator's sources: {})", known.join(", ")),
        expected: "one of the separator's sources",
    }
    .into()
}

/// `mono` at `from` Hz resampled to `to` Hz (soxr HQ, as `librosa.load`).
fn resample(mono: Vec<f32>, from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to {
        return Ok(mono);
    }
    let bar = spinner("resampling");
    let out =
        Resampler::new(f64::from(from), f64::from(to), ResampleMethod::SoxrHq)?.process(&mono)?;
    bar.finish_and_clear();
    Ok(out)
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
    let (stem, rate) = separated_stem(&args)?;
    if stem.is_empty() {
        return Err(audio_models::Error::Empty { what: "audio" }.into());
    }
    let target_rate = frame_mlp
        .as_ref()
        .map_or(audio_models::basic_pitch::SAMPLE_RATE, |m| m.sample_rate());
    let stem = resample(stem, rate, target_rate)?;
    if let Some(path) = &args.stem {
        let mut file = audio_io::OutputFile::create(path)?;
        let options = WavWriteOptions {
            format: WavWriteFormat::Float32,
            dither: Dither::None,
        };
        let mut w = WavStreamWriter::new(&mut file, 1, target_rate, &options)?;
        w.write_block(
            &ndarray::ArrayView2::from_shape((1, stem.len()), &stem)
                .map_err(|_| audio_models::Error::Empty { what: "stem" })?
                .to_owned(),
        )?;
        w.finalize()?;
        file.commit()?;
    }
    let post = Postprocess {
        key: args.key,
        quantize: args.quantize,
    };
    let notes: Vec<Note> = match &frame_mlp {
        Some(model) => {
            let bar = spinner("transcribing");
            let mut notes = model.transcribe_mono(&stem)?;
            bar.finish_and_clear();
            report_key(post.apply(&mut notes)?);
            MidiFile::from_notes(notes.iter().cloned(), TempoMap::constant(480, 120.0))
                .write(&args.output, MidiType::Type1)?;
            notes
        }
        None => {
            let config = PredictConfig {
                min_note_len: PredictConfig::min_note_len_from_ms(
                    args.min_note_ms.unwrap_or(BASIC_PITCH_MIN_NOTE_MS),
                )?,
                include_pitch_bends: false,
                ..PredictConfig::default()
            };
            let model = BasicPitch::new()?;
            let mut stream = model.stream(false);
            let mut progress = bar(stem.len() as u64, "transcribing");
            for block in stem.chunks(TRANSCRIBE_BLOCK) {
                stream.push(block)?;
                progress.inc(block.len() as u64);
            }
            drop(stem);
            let posteriorgrams = stream.finish()?;
            progress.finish_and_clear();
            let mut events = model_output_to_notes(&posteriorgrams, &config)?;
            drop(posteriorgrams);
            report_key(post.apply(&mut events)?);
            note_events_to_midi(&events, &config)?.write(&args.output, MidiType::Type1)?;
            events.into_iter().map(|d| d.note).collect()
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
