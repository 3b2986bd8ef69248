//! Beat tracking, as `librosa.beat`: Ellis' dynamic-programming
//! [`beat_track`](fn@beat_track) and the predominant local pulse [`plp`](fn@plp).

pub mod beat_track;
pub mod plp;

pub use beat_track::{beat_track, beat_track_signal, BeatTrack, BeatTrackConfig, Bpm};
pub use plp::{plp, PlpConfig};
