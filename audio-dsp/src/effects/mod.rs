//! Time and pitch effects of `librosa.effects`, on the phase vocoder:
//! [`PhaseVocoder`] (`librosa.phase_vocoder`), [`TimeStretch`]
//! (`librosa.effects.time_stretch`) and [`PitchShift`]
//! (`librosa.effects.pitch_shift`).

pub mod phase_vocoder;
pub mod pitch_shift;
pub mod time_stretch;

pub use phase_vocoder::{phase_vocoder, PhaseVocoder};
pub use pitch_shift::{pitch_shift, PitchShift, PitchShiftConfig};
pub use time_stretch::{time_stretch, TimeStretch};
