//! `audio transcribe`: Basic Pitch transcription (`audio_models::basic_pitch`)
//! of an audio file to MIDI, with the note events as CSV/JSON, optional
//! key-scale filtering and quantisation (`audio_dsp::Postprocess`), and the
//! note-level scores against a reference MIDI file
//! (`audio_eval::transcription`).

use std::path::PathBuf;

use audio_dsp::{KeySelection, Postprocess, QuantizeGrid};
use audio_eval::transcription::{evaluate_notes, TranscriptionConfig};
use audio_io::midi::{MidiFile, MidiType};
use audio_io::notes::{to_csv_string, to_table_string, CsvLayout};
use audio_models::basic_pitch::note_creation::{detections_to_json, note_events_to_midi};
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use clap::Args;

use crate::Result;

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

fn parse_grid(s: &str) -> std::result::Result<QuantizeGrid, String> {
    s.parse().map_err(|e: audio_dsp::Error| e.to_string())
}

fn parse_key(s: &str) -> std::result::Result<KeySelection, String> {
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
    let config = PredictConfig {
        onset_threshold: args.onset_threshold,
        frame_threshold: args.frame_threshold,
        min_note_len: PredictConfig::min_note_len_from_ms(args.min_note_ms)?,
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
    let mut sorted: Vec<audio_dsp::Note> = notes.into_iter().map(|d| d.note).collect();
    audio_dsp::Note::sort(&mut sorted);
    if args.print_notes {
        print!("{}", to_table_string(&sorted));
    }
    println!("{} notes -> {}", sorted.len(), args.output.display());
    if let Some(reference) = &args.reference {
        let reference = MidiFile::read(reference)?.pitched_notes();
        let s = evaluate_notes(&reference, &sorted, &TranscriptionConfig::default())?;
        for (label, p) in [("onset", Some(s.onset)), ("onset+offset", s.onset_offset)] {
            let Some(p) = p else { continue };
            println!(
                "note {label}: precision {:.4} recall {:.4} F-measure {:.4} ({} reference notes)",
                p.precision, p.recall, p.f_measure, s.reference_notes
            );
        }
    }
    Ok(())
}
