//! Seed 002's melody LSTM (`audio_models::melody`): `audio train
//! melody-lstm`, `audio evaluate melody-lstm` and `audio generate melody`.

use std::path::{Path, PathBuf};

use audio_io::melody::{melody_to_string, parse_melody};
use audio_io::midi::MidiType;
use audio_models::datasets::{MelodyDataset, Split};
use audio_models::melody::{train as train_melody, MelodyModel, TrainConfig};
use clap::{Args, Subcommand};

use crate::train_commands::TrainArgs;
use crate::Result;

/// Windows per batch by default.
const MELODY_BATCH_SIZE: usize = 64;

/// `audio train melody-lstm`: `--hidden-size`, `--nb-layers`, `--seq-len`.
///
/// # Errors
///
/// Reading the dataset; the trainer's.
pub fn train(args: &TrainArgs, data: &Path, out: &Path) -> Result<()> {
    let train_set = MelodyDataset::open(data, Split::Train)?;
    let valid_set = MelodyDataset::open(data, Split::Valid)?;
    let config = TrainConfig {
        hidden_size: args.hidden_size,
        num_layers: args.nb_layers,
        sequence_length: args.seq_len,
        batch_size: args.batch_size_or(MELODY_BATCH_SIZE),
        steps_per_epoch: args.steps_per_epoch,
        epochs: args.epochs,
        patience: args.patience,
        lr: args.lr,
        time_limit_seconds: args.minutes.map(|m| m * 60.0),
        seed: args.seed,
        resume: args.resume,
        progress: true,
        ..TrainConfig::default()
    };
    let report = train_melody(&train_set, &valid_set, &config, out)?;
    if let Some((epoch, loss)) = report.best {
        println!("best validation cross-entropy {loss:.4} at epoch {epoch}");
    }
    println!("model: {}", out.join("best").display());
    Ok(())
}

/// `audio evaluate melody-lstm`: next-symbol accuracy on the split, and
/// the seed's checks of melodies generated from each song's first bar.
///
/// # Errors
///
/// Loading the model and the dataset.
pub fn evaluate(model: &Path, data: &Path, split: Split, json: Option<&Path>) -> Result<()> {
    let model = MelodyModel::load(model)?;
    let set = MelodyDataset::open(data, split)?;
    let scores = model.evaluate(&set)?;
    let generated = model.generation_scores(&set, 50, 16, 256, 0.8, 0)?;
    let out = serde_json::json!({ "next_symbol": scores, "generation": generated });
    crate::print_json(&out, json)?;
    Ok(())
}

/// Generation subcommands.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Continue a seed melody with a trained melody LSTM and write MIDI.
    Melody(MelodyArgs),
    /// Generate audio with a trained WaveNet (fast generation).
    Wavenet(crate::wavenet_commands::WavenetArgs),
}

/// Arguments of `audio generate melody`.
#[derive(Debug, Args)]
pub struct MelodyArgs {
    /// The run (or checkpoint) directory of `audio train melody-lstm`.
    #[arg(long)]
    model: PathBuf,
    /// The seed melody in the seed's encoding, in C major / A minor: MIDI
    /// pitches, `_` to hold, `r` for a rest, one symbol per 16th note.
    #[arg(long, default_value = "60 _ 62 _ 64 _ 65 _")]
    seed_notes: String,
    /// The most symbols to generate (the model may end the melody sooner).
    #[arg(long, default_value_t = 256)]
    steps: usize,
    /// Softmax temperature (0: always the most likely symbol).
    #[arg(long, default_value_t = 0.8)]
    temperature: f64,
    /// The sampling seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Tempo of the MIDI file, in bpm.
    #[arg(long, default_value_t = 120.0)]
    bpm: f64,
    /// MIDI file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Also draw the melody as a piano-roll picture (PNG).
    #[arg(long)]
    roll: Option<PathBuf>,
}

/// A piano-roll picture of `notes` (one column per 16th note at `bpm`),
/// the pitch range two semitones beyond the melody's.
fn piano_roll_png(notes: &[audio_io::Note], bpm: f64, path: &Path) -> Result<()> {
    piano_roll_png_at(notes, bpm / 60.0 * 4.0, path)
}

/// A piano-roll picture of `notes` at `fs` columns a second, the pitch
/// range two semitones beyond the notes'.
///
/// # Errors
///
/// Drawing or writing the picture.
pub(crate) fn piano_roll_png_at(notes: &[audio_io::Note], fs: f64, path: &Path) -> Result<()> {
    let roll = audio_io::piano_roll::notes_to_piano_roll(notes, fs, None)?;
    let lo = notes
        .iter()
        .map(|n| n.pitch)
        .min()
        .unwrap_or(60)
        .saturating_sub(2);
    let hi = notes
        .iter()
        .map(|n| n.pitch)
        .max()
        .unwrap_or(72)
        .saturating_add(2)
        .min(127);
    let rows = roll
        .slice(ndarray::s![usize::from(lo)..=usize::from(hi), ..])
        .mapv(|v| if v > 0.0 { 1.0f32 } else { 0.0 });
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small frame rate"
    )]
    let options = audio_io::picture::SpecshowOptions {
        y_axis: audio_io::picture::FrequencyAxis::Cqt {
            fmin: 440.0 * 2f64.powf((f64::from(lo) - 69.0) / 12.0),
            bins_per_octave: 12,
        },
        sr: fs.round().max(1.0) as u32,
        hop_length: 1,
        vmin: Some(0.0),
        vmax: Some(1.0),
        height: 300,
        ..audio_io::picture::SpecshowOptions::default()
    };
    Ok(audio_io::picture::specshow(&rows, &options)?.save_png(path)?)
}

/// Runs `audio generate …`.
///
/// # Errors
///
/// Loading the model; a seed that does not parse or holds symbols outside
/// the model's vocabulary; writing the file.
pub fn run(cmd: GenerateCommand) -> Result<()> {
    match cmd {
        GenerateCommand::Wavenet(args) => crate::wavenet_commands::generate(&args),
        GenerateCommand::Melody(args) => {
            let model = MelodyModel::load(&args.model)?;
            let seed = parse_melody(&args.seed_notes)?;
            let melody = model.generate(&seed, args.steps, args.temperature, args.seed)?;
            model
                .to_midi(&melody, args.bpm)?
                .write(&args.output, MidiType::Type1)?;
            if let Some(path) = &args.roll {
                let notes = audio_io::melody::decode_melody(
                    &melody,
                    args.bpm,
                    audio_io::melody::SIXTEENTH,
                    90,
                    0,
                )?;
                piano_roll_png(&notes, args.bpm, path)?;
            }
            println!("{}", melody_to_string(&melody));
            println!("{} symbols -> {}", melody.len(), args.output.display());
            Ok(())
        }
    }
}
