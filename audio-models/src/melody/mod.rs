//! Seed 002's melody generator (after Velardo's "Generating melodies with
//! LSTM nets"): melodies of `**kern` and MIDI files, songs with durations
//! outside the accepted set rejected, the rest transposed to C major or A
//! minor and encoded one symbol per 16th note (`60 _ r _`), joined with a
//! `/` delimiter and mapped to integers; windows of 64 symbols with the
//! next symbol as the target; an LSTM and a softmax; generation from a
//! seed melody with temperature; MIDI out.
//!
//! - [`encode_song`], [`Vocabulary`], [`ACCEPTED_STEPS`]: the preprocessing;
//! - [`MelodyLstm`], [`MelodyLstmConfig`]: the network;
//! - [`train`]: training through the shared trainer;
//! - [`MelodyModel`]: a trained model — accuracy, generation, MIDI, the
//!   seed's checks of generated melodies; a [`crate::Generator`].

mod encoding;
mod model;
mod network;
mod training;

pub use encoding::{encode_song, has_accepted_durations, Vocabulary, ACCEPTED_STEPS, DELIMITER};
pub use model::{GenerationScores, MelodyModel, MelodyScores};
pub use network::{MelodyLstm, MelodyLstmConfig};
pub use training::{encode_songs, train, EncodedSongs, TrainConfig, ARCHITECTURE};
