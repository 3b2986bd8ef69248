//! Time and pitch effects of `librosa.effects`, on the phase vocoder:
//! [`PhaseVocoder`] (`librosa.phase_vocoder`), [`TimeStretch`]
//! (`librosa.effects.time_stretch`) and [`PitchShift`]
//! (`librosa.effects.pitch_shift`); silence trimming and splitting
//! ([`trim`], [`split`]), [`preemphasis`] / [`deemphasis`], and
//! harmonic-percussive separation of signals ([`hpss`], [`harmonic`],
//! [`percussive`]), and reordering by intervals ([`remix()`]).

pub mod emphasis;
pub mod harmonic_percussive;
pub mod hpss_stream;
pub mod phase_vocoder;
pub mod pitch_shift;
pub mod remix;
pub mod remix_aligner;
pub mod silence;
pub mod time_stretch;

pub use emphasis::{deemphasis, preemphasis, EmphasisStream};
pub use harmonic_percussive::{harmonic, hpss, percussive};
pub use hpss_stream::HpssStream;
pub use phase_vocoder::{phase_vocoder, PhaseVocoder};
pub use pitch_shift::{pitch_shift, PitchShift, PitchShiftConfig};
pub use remix::remix;
pub use remix_aligner::RemixAligner;
pub use silence::{
    nonsilent_frames, nonsilent_from_rms, split, split_frames, trim, trim_frames, SilenceConfig,
};
pub use time_stretch::{time_stretch, TimeStretch};

use ndarray::{Array2, ArrayView2};

/// Runs a mono effect on each channel of `(channels, n)` into a
/// `(channels, out_len)` array: rows are read in place when contiguous
/// (copied only for a strided view).
fn per_channel<T: crate::Float>(
    y: ArrayView2<'_, T>,
    out_len: usize,
    mut effect: impl FnMut(&[T]) -> crate::Result<Vec<T>>,
) -> crate::Result<Array2<T>> {
    let mut out = Array2::zeros((y.nrows(), out_len));
    for (row, mut dst) in y.rows().into_iter().zip(out.rows_mut()) {
        let z = match row.as_slice() {
            Some(samples) => effect(samples)?,
            None => effect(&row.to_vec())?,
        };
        dst.assign(&ndarray::ArrayView1::from(&z));
    }
    Ok(out)
}
