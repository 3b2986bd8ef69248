//! `librosa.feature.spectral_centroid`.

use ndarray::{Array2, ArrayView2};

use super::{check_spectrogram, frame_major, l1_divisor, lane_dot, lane_sum, row};
use crate::{Float, Result};

/// The spectral centroid of each frame: `c_t = Σ_k f_k S[k, t] / Σ_k S[k, t]`,
/// the magnitude-weighted mean frequency, with `f_k` the bin frequencies of
/// `fft_frequencies(sr, n_fft = 2 (bins - 1))`. Silent frames give 0.
///
/// `librosa.feature.spectral_centroid(S=S, sr=sr)`, computed in f64 (librosa
/// returns float64 too) and returned in `T`.
///
/// Reference: librosa 0.11 `feature.spectral_centroid`; Klapuri and Davy,
/// *Signal Processing Methods for Music Transcription*, 2006.
///
/// # Errors
///
/// [`crate::Error::ShapeMismatch`] for fewer than 2 bins or no frames;
/// [`crate::Error::NonFinite`] for NaN or infinite entries;
/// [`crate::Error::InvalidParameter`] for a negative entry or a bad `sr`.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::spectral_centroid;
/// use ndarray::Array2;
///
/// // All energy in bin 4 of a 2048-point FFT at 22.05 kHz: 43.07 Hz.
/// let mut s = Array2::<f32>::zeros((1025, 3));
/// s.row_mut(4).fill(1.0);
/// let c = spectral_centroid(s.view(), 22_050.0)?;
/// assert!((c[[0, 1]] - 4.0 * 22_050.0 / 2048.0).abs() < 1e-3);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_centroid<T: Float>(s: ArrayView2<'_, T>, sr: f64) -> Result<Array2<T>> {
    let freq = check_spectrogram("spectral_centroid input", s, sr)?;
    Ok(row(centroids(s, &freq).0))
}

/// The centroid of every frame and each frame's magnitude sum, in f64
/// (shared with the bandwidth): `Σ_k f_k S[k, t] / Σ_k S[k, t]`, divided
/// as librosa's L1 normalisation would.
pub(crate) fn centroids<T: Float>(s: ArrayView2<'_, T>, freq: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let data = frame_major(s);
    data.chunks_exact(s.nrows())
        .map(|frame| {
            let total = lane_sum(frame, |v| v);
            let weighted = lane_dot(frame, freq, |v, f| f * v);
            (weighted / l1_divisor::<T>(total), total)
        })
        .unzip()
}
