//! Spectral shape descriptors of librosa's `feature` module, on a magnitude
//! spectrogram `S` (`(1 + n_fft / 2, frames)`, as `numpy.abs(librosa.stft(y))`):
//! [`spectral_centroid`], [`spectral_bandwidth`], [`spectral_rolloff`],
//! [`spectral_flatness`], [`spectral_contrast`] and [`poly_features`](fn@poly_features), each in librosa's
//! shape: `(1, frames)`, or a row per band or coefficient.
//!
//! Compute `S` with [`crate::spectral::spectrogram::spectrogram`] (power 1)
//! from a planned [`crate::Stft`]; `n_fft` is read from `S` as librosa does
//! (`2 (bins - 1)`).

pub mod bandwidth;
pub mod centroid;
pub mod contrast;
pub mod flatness;
pub mod poly_features;
pub mod rolloff;

pub use bandwidth::{spectral_bandwidth, SpectralBandwidthConfig};
pub use centroid::spectral_centroid;
pub use contrast::{spectral_contrast, SpectralContrastConfig};
pub use flatness::{spectral_flatness, SpectralFlatnessConfig};
pub use poly_features::poly_features;
pub use rolloff::spectral_rolloff;

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// Checks that `s` is a usable magnitude spectrogram (librosa raises on
/// negative entries) and returns its bin frequencies, librosa's
/// `fft_frequencies(sr=sr, n_fft=2 (bins - 1))`.
pub(crate) fn check_spectrogram<T: Float>(
    what: &'static str,
    s: ArrayView2<'_, T>,
    sr: f64,
) -> Result<Vec<f64>> {
    if !(sr.is_finite() && sr > 0.0) {
        return Err(Error::InvalidParameter {
            name: "sr",
            value: sr.to_string(),
            expected: "a finite sample rate > 0",
        });
    }
    let (bins, frames) = s.dim();
    if bins < 2 || frames == 0 {
        return Err(Error::ShapeMismatch {
            what,
            expected: vec![2, 1],
            got: vec![bins, frames],
        });
    }
    if let Some(index) = s.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what, index });
    }
    if s.iter().any(|&v| v < T::zero()) {
        return Err(Error::InvalidParameter {
            name: "S",
            value: "a negative entry".into(),
            expected: "a non-negative (magnitude) spectrogram",
        });
    }
    Ok(crate::filters::mel::fft_frequencies(sr, 2 * (bins - 1)))
}

/// Column `t` of `s`, L1-normalised as `librosa.util.normalize(S, norm=1,
/// axis=-2)`: columns whose sum is below the smallest normal float are left
/// as they are (zero columns stay zero).
pub(crate) fn l1_normalised_column<T: Float>(s: ArrayView2<'_, T>, t: usize, out: &mut [f64]) {
    let column = s.column(t);
    let wide = |v: T| v.to_f64().unwrap_or(0.0);
    let total: f64 = column.iter().map(|&v| wide(v)).sum();
    let tiny = T::min_positive_value()
        .to_f64()
        .unwrap_or(f64::MIN_POSITIVE);
    let scale = if total < tiny { 1.0 } else { total };
    for (o, &v) in out.iter_mut().zip(column.iter()) {
        *o = wide(v) / scale;
    }
}

/// A `(1, frames)` row from per-frame values.
pub(crate) fn row<T: Float>(values: impl IntoIterator<Item = f64>) -> Array2<T> {
    let v: Vec<T> = values
        .into_iter()
        .map(|x| T::from(x).unwrap_or_else(T::zero))
        .collect();
    let n = v.len();
    Array2::from_shape_vec((1, n), v).unwrap_or_else(|_| Array2::zeros((1, n)))
}
