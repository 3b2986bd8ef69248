//! Scoring trained models on a dataset split with the task's metrics.

mod separation;

pub use separation::{evaluate_separator, SeparationScores, SongScores};
