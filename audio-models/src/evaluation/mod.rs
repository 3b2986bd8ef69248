//! Scoring trained models on a dataset split with the task's metrics.

mod separation;
mod transcription;

pub use separation::{evaluate_separator, SeparationScores, SongScores};
pub use transcription::{evaluate_transcriber, MeanScores, PieceScores, TranscriptionScores};
