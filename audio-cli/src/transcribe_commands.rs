//! `audio transcribe`: Basic Pitch transcription (`audio_models::basic_pitch`,
//! the default) or the frame-window MLP (`audio_models::frame_mlp`) of an
//! audio file to MIDI, with the note events as CSV/JSON, optional
//! key-scale filtering and quantisation (`audio_dsp::Postprocess`), and the
//! note-level scores against a reference MIDI file
//! (`audio_eval::transcription`).

use std::path::PathBuf;

use audio_dsp::{KeySelection, Postprocess, QuantizeGrid};
use audio_eval::transcription::{evaluate_notes, TranscriptionConfig};
use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::notes::{to_csv_string, to_table_string, CsvLayout};
use audio_io::Note;
use audio_models::basic_pitch::note_creation::{detections_to_json, note_events_to_midi};
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use audio_models::frame_mlp::{FrameMlp, NoteDecoder};
use clap::Args;

use crate::Result;

/// Arguments of `audio transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG). Decoded, mixed to mono and
    /// resampled to the model's rate block by block (bounded memory).
    input: PathBuf,
    /// MIDI file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// The transcriber: `basic-pitch` (embedded, pretrained), `frame-mlp`
    /// (seed 004's frame-window MLP, embedded) or `frame-mlp:RUN`, a run (or
    /// checkpoint) directory that `audio train frame-mlp` wrote.
    #[arg(long, default_value = "basic-pitch", value_parser = parse_transcriber)]
    model: TranscriberChoice,
    /// Frame-MLP: the probability at which a pitch sounds (default: the
    /// model's, 0.5).
    #[arg(long)]
    threshold: Option<f32>,
    /// Also write the note events as JSON.
    #[arg(long)]
    notes_json: Option<PathBuf>,
    /// Also write the note events as CSV (basic-pitch's `save_note_events` layout).
    #[arg(long)]
    notes_csv: Option<PathBuf>,
    /// Smallest onset activation peak that starts a note.
    #[arg(long, default_value_t = 0.5)]
    onset_threshold: f64,
    /// Smallest note activation that keeps a note on.
    #[arg(long, default_value_t = 0.3)]
    frame_threshold: f64,
    /// Minimum note length in milliseconds (default: Basic Pitch's 127.70;
    /// the frame MLP's own, 2 frames, for `frame-mlp`).
    #[arg(long)]
    min_note_ms: Option<f64>,
    /// Lowest note frequency kept, in Hz.
    #[arg(long)]
    min_freq: Option<f64>,
    /// Highest note frequency kept, in Hz.
    #[arg(long)]
    max_freq: Option<f64>,
    /// Turn off the melodia trick (notes without an onset peak).
    #[arg(long)]
    no_melodia: bool,
    /// Estimate pitch bends (keeps the contour posteriorgram: 2.5× the memory).
    #[arg(long)]
    pitch_bends: bool,
    /// Tempo of the MIDI file, in bpm.
    #[arg(long, default_value_t = 120.0)]
    midi_tempo: f64,
    /// Snap onsets and offsets to a grid: seconds (`0.125`) or `BPM:DIVISIONS`
    /// (`120:4` = sixteenth notes at 120 bpm).
    #[arg(long, value_parser = parse_grid)]
    quantize: Option<QuantizeGrid>,
    /// Keep only the notes in this key's scale: `C:maj`, `A:min`, `F#:maj`,
    /// `"Eb minor"`, ..., or `auto`: the key estimated from the transcribed
    /// notes (Krumhansl–Schmuckler on their duration-weighted pitch classes,
    /// printed to standard error).
    #[arg(long, value_parser = parse_key)]
    key: Option<KeySelection>,
    /// Reference MIDI file: print note-level precision, recall and F-measure
    /// (mir_eval.transcription, onset only and with offsets).
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Print the notes (onset, offset, pitch, velocity) to standard output.
    #[arg(long)]
    print_notes: bool,
}

/// Which transcriber a command runs.
#[derive(Debug, Clone, PartialEq)]
pub enum TranscriberChoice {
    /// The embedded Basic Pitch.
    BasicPitch,
    /// A frame-window MLP: the embedded one (`None`) or a run that `audio
    /// train frame-mlp` wrote.
    FrameMlp(Option<PathBuf>),
}

/// `basic-pitch`, `frame-mlp` (the embedded one) or `frame-mlp:RUN`.
pub fn parse_transcriber(s: &str) -> std::result::Result<TranscriberChoice, String> {
    match s {
        "basic-pitch" => return Ok(TranscriberChoice::BasicPitch),
        "frame-mlp" => return Ok(TranscriberChoice::FrameMlp(None)),
        _ => {}
    }
    match s.strip_prefix("frame-mlp:") {
        Some(run) if !run.is_empty() => Ok(TranscriberChoice::FrameMlp(Some(PathBuf::from(run)))),
        _ => Err(format!(
            "unknown transcriber {s:?}: expected basic-pitch, frame-mlp or frame-mlp:RUN_DIRECTORY"
        )),
    }
}

/// The frame MLP at `run` (the embedded one for `None`), its threshold and
/// shortest note overridden.
///
/// # Errors
///
/// Loading the model; a threshold outside (0, 1) or a bad length.
pub fn load_frame_mlp(
    run: Option<&std::path::Path>,
    threshold: Option<f32>,
    min_note_ms: Option<f64>,
) -> Result<FrameMlp> {
    let model = match run {
        Some(run) => FrameMlp::load(run)?,
        None => FrameMlp::embedded()?,
    };
    let mut decoding = model.decoding();
    if let Some(t) = threshold {
        decoding.threshold = t;
    }
    if let Some(ms) = min_note_ms {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(audio_models::Error::InvalidParameter {
                name: "min_note_ms",
                value: ms.to_string(),
                expected: "a finite length >= 0 ms",
            }
            .into());
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a finite, non-negative number of frames"
        )]
        let frames = (ms / 1000.0 * model.config().frame_rate()).ceil() as usize;
        decoding.min_note_frames = frames.max(1);
    }
    Ok(model.with_decoding(decoding)?)
}

/// Transcribes a file with the frame MLP: read mono at the model's rate
/// block by block ([`audio_io::LoadStream`]) through the model's stream
/// (the posteriorgram of the whole file to the bit) into a streaming note
/// decoder, so memory does not grow with the file (only the notes do).
///
/// # Errors
///
/// Decoding the file; the model's errors.
pub fn frame_mlp_file(model: &FrameMlp, path: &std::path::Path) -> Result<Vec<Note>> {
    let options = audio_io::LoadOptions {
        sr: Some(model.config().sample_rate),
        ..audio_io::LoadOptions::default()
    };
    let mut blocks = audio_io::LoadStream::<f32>::open(path, &options)?;
    let mut stream = model.stream()?;
    let mut decoder = NoteDecoder::new(model.config(), &model.decoding())?;
    while let Some(block) = blocks.next_block()? {
        decoder.push(stream.push(&block.row(0).to_vec())?.view())?;
    }
    decoder.push(stream.finish()?.view())?;
    Ok(decoder.finish())
}

pub fn parse_grid(s: &str) -> std::result::Result<QuantizeGrid, String> {
    s.parse().map_err(|e: audio_dsp::Error| e.to_string())
}

pub fn parse_key(s: &str) -> std::result::Result<KeySelection, String> {
    s.parse().map_err(|e: audio_dsp::Error| e.to_string())
}

fn write(path: &std::path::Path, text: &str) -> Result<()> {
    Ok(audio_io::write_file(path, text)?)
}

/// Runs `audio transcribe`.
///
/// # Errors
///
/// Bad options, decoding the audio (a corrupt or unsupported file), an empty
/// file, writing the outputs, reading the reference MIDI file.
pub fn run(args: TranscribeArgs) -> Result<()> {
    if let TranscriberChoice::FrameMlp(run) = &args.model {
        return run_frame_mlp(&args, run.as_deref());
    }
    if args.threshold.is_some() {
        return Err(crate::Error::Usage {
            message: "--threshold is the frame MLP's; Basic Pitch takes --onset-threshold and --frame-threshold",
        });
    }
    let config = PredictConfig {
        onset_threshold: args.onset_threshold,
        frame_threshold: args.frame_threshold,
        min_note_len: PredictConfig::min_note_len_from_ms(
            args.min_note_ms.unwrap_or(BASIC_PITCH_MIN_NOTE_MS),
        )?,
        min_freq: args.min_freq,
        max_freq: args.max_freq,
        melodia_trick: !args.no_melodia,
        include_pitch_bends: args.pitch_bends,
        midi_tempo: args.midi_tempo,
        ..PredictConfig::default()
    };
    let mut notes = BasicPitch::new()?.transcribe_file(&args.input, &config)?;
    let post = Postprocess {
        key: args.key,
        quantize: args.quantize,
    };
    if let Some(est) = post.apply(&mut notes)? {
        eprintln!(
            "estimated key: {} (correlation {:.3})",
            est.key,
            est.score()
        );
    }
    note_events_to_midi(&notes, &config)?.write(&args.output, MidiType::Type1)?;
    if let Some(path) = &args.notes_json {
        write(path, &detections_to_json(&notes))?;
    }
    if let Some(path) = &args.notes_csv {
        write(path, &to_csv_string(&notes, CsvLayout::BasicPitch))?;
    }
    let sorted: Vec<audio_dsp::Note> = notes.into_iter().map(|d| d.note).collect();
    report(&args, sorted)
}

/// Basic Pitch's default shortest note (its `minimum_note_length`, ms).
pub const BASIC_PITCH_MIN_NOTE_MS: f64 = 127.70;

/// `audio transcribe --model frame-mlp:RUN`.
fn run_frame_mlp(args: &TranscribeArgs, run: Option<&std::path::Path>) -> Result<()> {
    let basic_pitch_only = args.notes_json.is_some()
        || args.min_freq.is_some()
        || args.max_freq.is_some()
        || args.no_melodia
        || args.pitch_bends;
    if basic_pitch_only {
        return Err(crate::Error::Usage {
            message: "--notes-json, --min-freq, --max-freq, --no-melodia and --pitch-bends are Basic Pitch's",
        });
    }
    let model = load_frame_mlp(run, args.threshold, args.min_note_ms)?;
    let mut notes = frame_mlp_file(&model, &args.input)?;
    let post = Postprocess {
        key: args.key,
        quantize: args.quantize,
    };
    if let Some(est) = post.apply(&mut notes)? {
        eprintln!(
            "estimated key: {} (correlation {:.3})",
            est.key,
            est.score()
        );
    }
    MidiFile::from_notes(
        notes.iter().cloned(),
        TempoMap::constant(480, args.midi_tempo),
    )
    .write(&args.output, MidiType::Type1)?;
    if let Some(path) = &args.notes_csv {
        write(path, &to_csv_string(&notes, CsvLayout::BasicPitch))?;
    }
    report(args, notes)
}

/// Prints the notes, the count and the scores against `--reference`.
fn report(args: &TranscribeArgs, mut sorted: Vec<audio_dsp::Note>) -> Result<()> {
    audio_dsp::Note::sort(&mut sorted);
    if args.print_notes {
        print!("{}", to_table_string(&sorted));
    }
    println!("{} notes -> {}", sorted.len(), args.output.display());
    if let Some(reference) = &args.reference {
        print_scores(reference, &sorted)?;
    }
    Ok(())
}

/// Prints mir_eval's note precision, recall and F-measure (onset only and
/// with offsets) of `notes` against the pitched notes of a MIDI file.
///
/// # Errors
///
/// Reading the MIDI file; the metric's.
pub fn print_scores(reference: &std::path::Path, notes: &[Note]) -> Result<()> {
    let reference = MidiFile::read(reference)?.pitched_notes();
    let s = evaluate_notes(&reference, notes, &TranscriptionConfig::default())?;
    for (label, p) in [("onset", Some(s.onset)), ("onset+offset", s.onset_offset)] {
        let Some(p) = p else { continue };
        println!(
            "note {label}: precision {:.4} recall {:.4} F-measure {:.4} ({} reference notes)",
            p.precision, p.recall, p.f_measure, s.reference_notes
        );
    }
    Ok(())
}
