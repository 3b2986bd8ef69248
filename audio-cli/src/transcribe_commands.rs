//! `audio transcribe`: Basic Pitch transcription (`audio_models::basic_pitch`)
//! of an audio file to MIDI, with the note events as CSV/JSON, optional
//! key-scale filtering and onset quantisation (`audio_dsp::key`), and the
//! note-level scores against a reference MIDI file (`audio_eval::transcription`).

use std::path::{Path, PathBuf};

use audio_dsp::{Key, KeyMode, QuantizeGrid, PITCH_CLASS_NAMES};
use audio_eval::transcription::{precision_recall_f1_overlap, TranscriptionConfig};
use audio_io::midi::{MidiFile, MidiType};
use audio_io::{AudioReader, LoadOptions};
use audio_models::basic_pitch::note_creation::{
    model_output_to_notes, note_events_to_midi, notes_to_csv, notes_to_json,
};
use audio_models::basic_pitch::{BasicPitch, NoteCreationConfig, NoteEvent, SAMPLE_RATE};
use clap::Args;

use crate::{Error, Result};

/// Frames decoded per block when the file is already at 22.05 kHz.
const BLOCK_FRAMES: usize = 1 << 16;

/// Arguments of `audio transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG). Mixed to mono; a 22.05 kHz file is
    /// streamed block by block, any other rate is loaded whole and resampled.
    input: PathBuf,
    /// MIDI file to write.
    #[arg(short, long)]
    output: PathBuf,
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
    /// Minimum note length in milliseconds.
    #[arg(long, default_value_t = 127.70)]
    min_note_ms: f64,
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
    #[arg(long)]
    quantize: Option<String>,
    /// Keep only the notes in this key's scale: `C:maj`, `A:min`, `F#:maj`,
    /// ..., or `auto`: the key estimated from the transcribed notes
    /// (Krumhansl–Schmuckler on their duration-weighted pitch classes,
    /// printed to standard error).
    #[arg(long)]
    key: Option<String>,
    /// Reference MIDI file: print note-level precision, recall and F-measure
    /// (mir_eval.transcription, onset only and with offsets).
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Print the notes (onset, offset, pitch, velocity) to standard output.
    #[arg(long)]
    print_notes: bool,
}

fn bad(name: &'static str, expected: &'static str, got: &str) -> Error {
    Error::Models(audio_models::Error::InvalidNoteConfig {
        name,
        expected,
        got: got.to_string(),
    })
}

fn parse_grid(s: &str) -> Result<QuantizeGrid> {
    let expected = "seconds (0.125) or BPM:DIVISIONS (120:4)";
    if let Some((bpm, div)) = s.split_once(':') {
        let bpm: f64 = bpm
            .trim()
            .parse()
            .map_err(|_| bad("--quantize", expected, s))?;
        let div: usize = div
            .trim()
            .parse()
            .map_err(|_| bad("--quantize", expected, s))?;
        Ok(QuantizeGrid::tempo(bpm, div)?)
    } else {
        let step: f64 = s
            .trim()
            .parse()
            .map_err(|_| bad("--quantize", expected, s))?;
        Ok(QuantizeGrid::seconds(step)?)
    }
}

fn parse_key(s: &str) -> Result<Key> {
    let expected = "TONIC:maj or TONIC:min with a tonic C, C#, ..., B";
    let (tonic, mode) = s.split_once(':').ok_or_else(|| bad("--key", expected, s))?;
    let tonic = PITCH_CLASS_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(tonic.trim()))
        .ok_or_else(|| bad("--key", expected, s))?;
    let mode = match mode.trim().to_ascii_lowercase().as_str() {
        "maj" | "major" => KeyMode::Major,
        "min" | "minor" => KeyMode::Minor,
        _ => return Err(bad("--key", expected, s)),
    };
    Ok(Key { tonic, mode })
}

/// The notes as audio-dsp's post-processing type (field by field).
fn note_events(notes: &[NoteEvent]) -> Vec<audio_dsp::NoteEvent> {
    notes
        .iter()
        .map(|n| audio_dsp::NoteEvent {
            onset: n.onset,
            offset: n.offset,
            pitch: n.pitch,
            velocity: n.velocity(),
        })
        .collect()
}

/// Reads the file as mono 22.05 kHz samples into the model's stream.
fn stream_file(
    model: &BasicPitch,
    path: &Path,
    keep_contour: bool,
) -> Result<audio_models::basic_pitch::Posteriorgrams> {
    let mut reader = AudioReader::open(path)?;
    let mut stream = model.stream(keep_contour);
    if reader.info().sample_rate == SAMPLE_RATE {
        loop {
            let block = reader.read_frames::<f32>(BLOCK_FRAMES)?;
            if block.ncols() == 0 {
                break;
            }
            let mono = if block.nrows() > 1 {
                audio_io::to_mono(&block)
            } else {
                block
            };
            stream.push(&mono.row(0).to_vec())?;
        }
    } else {
        let audio = audio_io::load_from::<f32>(
            reader,
            &LoadOptions {
                sr: Some(SAMPLE_RATE),
                mono: true,
                ..LoadOptions::default()
            },
        )?;
        stream.push(&audio.samples.row(0).to_vec())?;
    }
    Ok(stream.finish()?)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}

fn midi_hz(pitch: u8) -> f64 {
    440.0 * 2f64.powf((f64::from(pitch) - 69.0) / 12.0)
}

/// Runs `audio transcribe`.
///
/// # Errors
///
/// Bad options, decoding the audio (a corrupt or unsupported file), an empty
/// file, writing the outputs, reading the reference MIDI file.
pub fn run(args: TranscribeArgs) -> Result<()> {
    let config = NoteCreationConfig {
        onset_threshold: args.onset_threshold,
        frame_threshold: args.frame_threshold,
        min_note_len: NoteCreationConfig::min_note_len_from_ms(args.min_note_ms)?,
        min_freq: args.min_freq,
        max_freq: args.max_freq,
        melodia_trick: !args.no_melodia,
        include_pitch_bends: args.pitch_bends,
        midi_tempo: args.midi_tempo,
        ..NoteCreationConfig::default()
    };
    config.validate()?;
    let grid = args.quantize.as_deref().map(parse_grid).transpose()?;
    let key = match args.key.as_deref() {
        Some(k) if k.eq_ignore_ascii_case("auto") => None,
        k => k.map(parse_key).transpose()?,
    };
    let auto_key = args
        .key
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("auto"));
    let model = BasicPitch::new()?;
    let post = stream_file(&model, &args.input, config.include_pitch_bends)?;
    let mut notes = model_output_to_notes(&post, &config)?;
    drop(post);
    let key = match (key, auto_key && !notes.is_empty()) {
        (Some(k), _) => Some(k),
        (None, true) => {
            let est = audio_dsp::estimate_key_from_notes(&note_events(&notes))?;
            eprintln!(
                "estimated key: {} (correlation {:.3})",
                est.key.name(),
                est.scores[est.key.index()]
            );
            Some(est.key)
        }
        (None, false) => None,
    };
    if let Some(key) = key {
        let scale = key.scale();
        notes.retain(|n| scale[usize::from(n.pitch % 12)]);
    }
    if let Some(grid) = grid {
        let snapped = audio_dsp::quantize_notes(&note_events(&notes), &grid)?;
        for (n, q) in notes.iter_mut().zip(snapped) {
            n.onset = q.onset;
            n.offset = q.offset;
        }
    }
    let midi = note_events_to_midi(&notes, &config)?;
    midi.write(&args.output, MidiType::Type1)?;
    if let Some(path) = &args.notes_json {
        write(path, &notes_to_json(&notes))?;
    }
    if let Some(path) = &args.notes_csv {
        write(path, &notes_to_csv(&notes))?;
    }
    let mut sorted: Vec<&NoteEvent> = notes.iter().collect();
    sorted.sort_by(|a, b| a.onset.total_cmp(&b.onset).then(a.pitch.cmp(&b.pitch)));
    if args.print_notes {
        println!("onset_s\toffset_s\tpitch\tname\tvelocity");
        for n in &sorted {
            let name = format!(
                "{}{}",
                PITCH_CLASS_NAMES[usize::from(n.pitch % 12)],
                i32::from(n.pitch) / 12 - 1
            );
            println!(
                "{:.3}\t{:.3}\t{}\t{}\t{}",
                n.onset,
                n.offset,
                n.pitch,
                name,
                n.velocity()
            );
        }
    }
    println!("{} notes -> {}", notes.len(), args.output.display());
    if let Some(reference) = &args.reference {
        let ref_midi = MidiFile::read(reference)?;
        let ref_notes: Vec<_> = ref_midi
            .instruments
            .iter()
            .filter(|i| !i.is_drum)
            .flat_map(|i| i.notes.iter().copied())
            .collect();
        let ref_iv: Vec<[f64; 2]> = ref_notes.iter().map(|n| [n.onset, n.offset]).collect();
        let ref_p: Vec<f64> = ref_notes.iter().map(|n| midi_hz(n.pitch)).collect();
        let est_iv: Vec<[f64; 2]> = sorted.iter().map(|n| [n.onset, n.offset]).collect();
        let est_p: Vec<f64> = sorted.iter().map(|n| midi_hz(n.pitch)).collect();
        for (label, cfg) in [
            ("onset", TranscriptionConfig::onset_only()),
            ("onset+offset", TranscriptionConfig::default()),
        ] {
            let s = precision_recall_f1_overlap(&ref_iv, &ref_p, &est_iv, &est_p, &cfg)?;
            println!(
                "note {label}: precision {:.4} recall {:.4} F-measure {:.4} ({} reference notes)",
                s.precision,
                s.recall,
                s.f_measure,
                ref_iv.len()
            );
        }
    }
    Ok(())
}
