//! Scoring trained models on a dataset split with the task's metrics.

mod separation;
mod spectral;
mod transcription;

pub use separation::{evaluate_separator, SeparationScores, SongScores};
pub(crate) use spectral::mean_distances_over_split;
pub use spectral::{griffin_lim_from_mel, SpectralComparison, SpectralDistances, LOG_FLOOR};
pub use transcription::{evaluate_transcriber, MeanScores, PieceScores, TranscriptionScores};
