//! Onsets: onset strength envelopes, peak picking and onset detection.

pub mod onset_detect;
pub mod onset_strength;
pub mod peak_pick;
pub mod streaming_onset_strength;
