//! Pitch: YIN, pYIN and tuning estimation.

pub mod pyin;
pub mod tuning;
pub mod yin;
