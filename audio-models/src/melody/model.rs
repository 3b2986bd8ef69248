//! A trained melody LSTM: loading, next-symbol accuracy, generation from a
//! seed melody with temperature, MIDI out, and the seed's checks of
//! generated melodies (notes in the key, endings on the tonic).

use std::path::Path;

use audio_dsp::{estimate_key_from_notes, SeededRng};
use audio_io::melody::{decode_melody, parse_melody, MelodySymbol, SIXTEENTH};
use audio_io::midi::{MidiFile, TempoMap};
use audio_io::Note;
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use ndarray::Array2;
use serde::Serialize;

use super::encoding::symbol_text;
use super::network::{MelodyLstm, MelodyLstmConfig};
use super::training::{batch_tensors, encode_songs};
use crate::datasets::MelodyDataset;
use crate::sampling::sample_logits;
use crate::tagging::Pass;
use crate::training::read_trained;
use crate::{Error, Result};

/// Windows scored at once in [`MelodyModel::evaluate`].
const EVAL_BATCH: usize = 512;

/// A trained melody LSTM.
///
/// # Example
///
/// ```no_run
/// use audio_io::melody::parse_melody;
/// use audio_models::melody::MelodyModel;
/// let model = MelodyModel::load("runs/melody")?;
/// let seed = parse_melody("60 _ 62 _ 64 _ 65 _")?;
/// let melody = model.generate(&seed, 128, 0.8, 7)?;
/// model.to_midi(&melody, 120.0)?.write("melody.mid", audio_io::midi::MidiType::Type1)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelodyModel {
    net: MelodyLstm,
}

/// Next-symbol accuracy of a model on a split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MelodyScores {
    /// Songs read, and rejected by the preprocessing.
    pub songs: usize,
    /// Songs rejected (durations) or left out (a symbol outside the
    /// training vocabulary).
    pub rejected: usize,
    /// Windows scored: those whose target is a symbol of a song (the
    /// delimiter padding between songs is not scored).
    pub windows: usize,
    /// Share of those windows whose most likely next symbol is the target.
    pub accuracy: f64,
    /// Their mean cross-entropy, in nats.
    pub cross_entropy: f64,
    /// The accuracy of always answering the most frequent target (the
    /// hold symbol `_`, in the seed's encoding): what the accuracy must beat.
    pub majority_accuracy: f64,
    /// The cross-entropy of the targets' own frequencies (a model that
    /// ignores the context): what the cross-entropy must beat.
    pub unigram_cross_entropy: f64,
    /// The accuracy over every window of the joined sequence, the
    /// delimiter padding between songs included (the seed's measure).
    pub accuracy_with_delimiters: f64,
}

/// The seed's checks of generated melodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerationScores {
    /// Melodies generated.
    pub melodies: usize,
    /// Notes generated (after the seeds).
    pub notes: usize,
    /// Share of the generated notes in C major / A minor (the key every
    /// song was transposed to: the pitch classes C D E F G A B).
    pub in_key: f64,
    /// Share of the melodies whose last note is the tonic of their key
    /// (Krumhansl–Schmuckler on the whole melody).
    pub ends_on_tonic: f64,
    /// Share of the melodies the model ended itself (with the delimiter)
    /// before the step limit.
    pub ended: f64,
}

impl MelodyModel {
    /// The model from its configuration and weights.
    ///
    /// # Errors
    ///
    /// As [`MelodyLstm::new`].
    pub fn new(config: MelodyLstmConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            net: MelodyLstm::new(config, vb)?,
        })
    }

    /// Loads a checkpoint directory that `audio train melody-lstm` wrote, or
    /// a run directory (its `best/`).
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for missing or unreadable
    /// files; a missing or misshapen weight.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = read_trained(dir.as_ref())?;
        let config: MelodyLstmConfig =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        Self::new(
            config,
            VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        )
    }

    /// The configuration (vocabulary, sizes).
    pub fn config(&self) -> &MelodyLstmConfig {
        self.net.config()
    }

    /// The network.
    pub fn net(&self) -> &MelodyLstm {
        &self.net
    }

    /// Next-symbol accuracy and cross-entropy on every window of `data`
    /// whose target is a song's symbol.
    ///
    /// # Errors
    ///
    /// The readers'; [`Error::Empty`] when no window is left.
    pub fn evaluate(&self, data: &MelodyDataset) -> Result<MelodyScores> {
        let c = self.config();
        let encoded = encode_songs(data)?;
        let (ids, left_out) = c.vocabulary.join(&encoded.songs, c.sequence_length)?;
        let delimiter = c.vocabulary.delimiter()?;
        let starts: Vec<usize> = (0..ids.len().saturating_sub(c.sequence_length))
            .filter(|&i| ids[i + c.sequence_length] != delimiter)
            .collect();
        if starts.is_empty() {
            return Err(Error::Empty {
                what: "melody windows to score",
            });
        }
        let n = starts.len();
        let mut counts = vec![0usize; c.vocabulary.len()];
        for &start in &starts {
            counts[ids[start + c.sequence_length]] += 1;
        }
        let majority = counts.iter().copied().max().unwrap_or(0);
        let unigram = -counts
            .iter()
            .filter(|&&k| k > 0)
            .map(|&k| {
                let p = k as f64 / n as f64;
                p * p.ln()
            })
            .sum::<f64>();
        let (correct, loss) = self.score(&ids, &starts)?;
        let every: Vec<usize> = (0..ids.len() - c.sequence_length).collect();
        let (correct_all, _) = self.score(&ids, &every)?;
        Ok(MelodyScores {
            songs: encoded.read,
            rejected: encoded.rejected + left_out,
            windows: n,
            accuracy: correct as f64 / n as f64,
            cross_entropy: loss / n as f64,
            majority_accuracy: majority as f64 / n as f64,
            unigram_cross_entropy: unigram,
            accuracy_with_delimiters: correct_all as f64 / every.len() as f64,
        })
    }

    /// The windows of `ids` starting at `starts`, scored: how many have the
    /// target as their most likely next symbol, and the sum of their
    /// cross-entropies (nats).
    fn score(&self, ids: &[usize], starts: &[usize]) -> Result<(usize, f64)> {
        let l = self.config().sequence_length;
        let (mut correct, mut loss) = (0usize, 0.0f64);
        for chunk in starts.chunks(EVAL_BATCH) {
            let batch: Vec<(Vec<usize>, usize)> = chunk
                .iter()
                .map(|&i| (ids[i..i + l].to_vec(), ids[i + l]))
                .collect();
            let (x, y) = batch_tensors(&self.net, &batch)?;
            let logits = self.net.next_logits(&x, &mut Pass::Eval)?;
            let ce = candle_nn::loss::cross_entropy(&logits, &y)?.to_scalar::<f32>()?;
            loss += f64::from(ce) * batch.len() as f64;
            let predicted = logits.argmax(1)?.to_vec1::<u32>()?;
            correct += predicted
                .iter()
                .zip(y.to_vec1::<u32>()?)
                .filter(|(a, b)| **a == *b)
                .count();
        }
        Ok((correct, loss))
    }

    /// Draws the next id after the last `sequence_length` ids of `context`.
    fn next(&self, context: &[usize], temperature: f64, rng: &mut SeededRng) -> Result<usize> {
        let l = self.config().sequence_length;
        let window = &context[context.len() - l..];
        let x = self.net.one_hot(window, 1)?;
        let logits = self.net.next_logits(&x, &mut Pass::Eval)?.squeeze(0)?;
        let logits = logits.to_vec1::<f32>()?;
        Ok(sample_logits(&logits, temperature, rng))
    }

    /// Continues `seed` (the seed's encoding, in C major / A minor) by up
    /// to `steps` symbols, as the seed does: the context is the last
    /// `sequence_length` symbols (delimiters before the seed), the next
    /// symbol is drawn from the softmax at `temperature` (0: the most
    /// likely), and generation stops when the model writes the delimiter.
    /// Returns the seed followed by the generated symbols. Seeded by
    /// `rng_seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a seed symbol outside the vocabulary.
    pub fn generate(
        &self,
        seed: &[MelodySymbol],
        steps: usize,
        temperature: f64,
        rng_seed: u64,
    ) -> Result<Vec<MelodySymbol>> {
        let c = self.config();
        let delimiter = c.vocabulary.delimiter()?;
        let mut context = vec![delimiter; c.sequence_length];
        for s in seed {
            let text = symbol_text(*s);
            context.push(
                c.vocabulary
                    .index(&text)
                    .ok_or_else(|| Error::InvalidParameter {
                        name: "seed",
                        value: text,
                        expected: "symbols of the model's vocabulary",
                    })?,
            );
        }
        let mut out = seed.to_vec();
        let mut rng = SeededRng::new(rng_seed);
        for _ in 0..steps {
            let id = self.next(&context, temperature, &mut rng)?;
            if id == delimiter {
                break;
            }
            context.push(id);
            out.extend(parse_melody(&c.vocabulary.symbols[id])?);
        }
        Ok(out)
    }

    /// The melody as a one-track MIDI file at `bpm` (a step is a 16th note),
    /// velocity 90, program 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-positive `bpm`.
    pub fn to_midi(&self, melody: &[MelodySymbol], bpm: f64) -> Result<MidiFile> {
        let notes = decode_melody(melody, bpm, SIXTEENTH, 90, 0)?;
        Ok(MidiFile::from_notes(notes, TempoMap::constant(480, bpm)))
    }

    /// The seed's checks on melodies generated from the first `seed_steps`
    /// symbols of each of the first `melodies` accepted songs of `data`.
    ///
    /// # Errors
    ///
    /// The readers'; as [`MelodyModel::generate`].
    pub fn generation_scores(
        &self,
        data: &MelodyDataset,
        melodies: usize,
        seed_steps: usize,
        steps: usize,
        temperature: f64,
        rng_seed: u64,
    ) -> Result<GenerationScores> {
        let songs = encode_songs(data)?.songs;
        let (mut notes, mut in_key, mut tonic, mut ended, mut count) = (0, 0, 0, 0, 0);
        const C_MAJOR: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];
        for (k, song) in songs.iter().take(melodies).enumerate() {
            let seed = &song[..seed_steps.min(song.len())];
            if seed
                .iter()
                .any(|s| self.config().vocabulary.index(&symbol_text(*s)).is_none())
            {
                continue;
            }
            let melody = self.generate(seed, steps, temperature, rng_seed + k as u64)?;
            count += 1;
            if melody.len() < seed.len() + steps {
                ended += 1;
            }
            for s in &melody[seed.len()..] {
                if let MelodySymbol::Pitch(p) = s {
                    notes += 1;
                    if C_MAJOR.contains(&(p % 12)) {
                        in_key += 1;
                    }
                }
            }
            let decoded: Vec<Note> = decode_melody(&melody, 120.0, SIXTEENTH, 90, 0)?;
            if let (Some(last), Ok(key)) = (decoded.last(), estimate_key_from_notes(&decoded)) {
                if last.pitch % 12 == key.key.tonic % 12 {
                    tonic += 1;
                }
            }
        }
        let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Ok(GenerationScores {
            melodies: count,
            notes,
            in_key: share(in_key, notes),
            ends_on_tonic: share(tonic, count),
            ended: share(ended, count),
        })
    }
}

impl crate::Generator for MelodyModel {
    /// Steps per second at 120 bpm (a 16th note is 0.125 s).
    fn sample_rate(&self) -> u32 {
        8
    }

    /// `length` symbols from an empty seed at temperature 1, continuing
    /// past song ends, as vocabulary ids `(1, length)`.
    fn generate(&self, length: usize, seed: u64) -> Result<Array2<f32>> {
        let c = self.config();
        let mut context = vec![c.vocabulary.delimiter()?; c.sequence_length];
        let mut rng = SeededRng::new(seed);
        let mut out = Vec::with_capacity(length);
        for _ in 0..length {
            let id = self.next(&context, 1.0, &mut rng)?;
            context.push(id);
            #[allow(clippy::cast_precision_loss, reason = "small vocabulary ids")]
            out.push(id as f32);
        }
        Array2::from_shape_vec((1, length), out).map_err(|_| Error::Empty {
            what: "generated melody",
        })
    }
}
