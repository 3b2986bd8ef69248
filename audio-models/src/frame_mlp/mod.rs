//! The frame-window piano transcriber of seed 004 (after Kong's MAPS
//! transcriber and Sleep's window of frames): a log-mel spectrogram at
//! 22.05 kHz with hop 512, a window of 7 frames around each frame, four
//! fully connected layers of 500, 88 sigmoid outputs, notes from the
//! thresholded frame probabilities.
//!
//! - [`FrameMlpConfig`]: the front end and layer sizes (and Kong's 3-frame
//!   variant, [`FrameMlpConfig::kong`]); [`NoteDecoding`]: threshold,
//!   shortest note, bridged gaps;
//! - [`LogMel`], [`Scaler`]: the log-mel frames and their per-band
//!   standardisation;
//! - [`FrameMlpNet`]: the network on candle;
//! - [`FrameMlp`]: a trained model (a [`crate::Transcriber`]), with MIDI
//!   output;
//! - [`train`], [`frame_targets`]: training on a transcription dataset
//!   through the shared trainer, with piano-roll targets at the frames.

mod config;
mod features;
mod network;
mod stream;
mod training;
mod transcriber;

pub use config::{FrameMlpConfig, NoteDecoding};
pub use features::{LogMel, Scaler, LOG_EPS, MIN_STD};
pub use network::FrameMlpNet;
pub use stream::FrameMlpStream;
pub use training::{frame_targets, train, TrainConfig, ARCHITECTURE};
pub use transcriber::{
    decode_notes, FrameMlp, NoteDecoder, StoredArchitecture, PIANO_PROGRAM, SCALER_MEAN, SCALER_STD,
};
