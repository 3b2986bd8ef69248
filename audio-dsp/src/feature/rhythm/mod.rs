//! Rhythm features, as `librosa.feature.rhythm`: the autocorrelation
//! [`tempogram`](fn@tempogram), the [`fourier_tempogram`](fn@fourier_tempogram) and
//! global or local [`tempo()`](fn@tempo) estimation, all from an onset
//! strength envelope ([`crate::OnsetStrength`]).

pub mod fourier_tempogram;
pub mod tempo;
pub mod tempogram;

pub use fourier_tempogram::{
    fourier_tempo_frequencies, fourier_tempogram, fourier_tempogram_blocks, FourierTempogramConfig,
};
pub use tempo::{tempo, tempo_frequencies, tempo_from_tempogram, TempoAggregate, TempoConfig};
pub use tempogram::{tempogram, Tempogram, TempogramConfig};

use crate::{Error, Float, Result};

/// The onset envelope as `f64`, after checking it is finite and non-empty.
fn envelope_f64<T: Float>(what: &'static str, onset_envelope: &[T]) -> Result<Vec<f64>> {
    if onset_envelope.is_empty() {
        return Err(Error::InputTooShort {
            what,
            expected: 1,
            got: 0,
        });
    }
    crate::spectral::stft::check_finite(what, onset_envelope)?;
    Ok(onset_envelope
        .iter()
        .map(|v| v.to_f64().unwrap_or(f64::NAN))
        .collect())
}
