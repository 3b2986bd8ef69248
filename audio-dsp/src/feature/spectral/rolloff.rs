//! `librosa.feature.spectral_rolloff`.

use ndarray::{Array2, ArrayView2};

use super::{check_spectrogram, row};
use crate::{Error, Float, Result};

/// The roll-off frequency of each frame: the lowest bin frequency `f_k`
/// at which the cumulative magnitude `Σ_{j ≤ k} S[j, t]` reaches
/// `roll_percent` of the frame's total (0 for a silent frame).
///
/// `librosa.feature.spectral_rolloff(S=S, sr=sr, roll_percent=...)`. The
/// cumulative sum and the threshold are computed in `T`, in numpy's
/// order (a sequential `cumsum`, `float32(roll_percent) · total`), so the
/// chosen bin is librosa's also where the sum crosses the threshold within
/// rounding.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid);
/// [`Error::InvalidParameter`] unless `0 < roll_percent < 1`.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::spectral_rolloff;
/// use ndarray::Array2;
///
/// // Flat magnitude over 513 bins: 85 % of the total is reached at bin 436.
/// let s = Array2::<f32>::ones((513, 1));
/// let r = spectral_rolloff(s.view(), 16_000.0, 0.85)?;
/// assert_eq!(r[[0, 0]], 436.0 * 16_000.0 / 1024.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_rolloff<T: Float>(
    s: ArrayView2<'_, T>,
    sr: f64,
    roll_percent: f64,
) -> Result<Array2<T>> {
    let freq = check_spectrogram("spectral_rolloff input", s, sr)?;
    if !(roll_percent > 0.0 && roll_percent < 1.0) {
        return Err(Error::InvalidParameter {
            name: "roll_percent",
            value: roll_percent.to_string(),
            expected: "a fraction strictly between 0 and 1",
        });
    }
    let percent = T::from(roll_percent).unwrap_or_else(T::zero);
    let mut cumulative = vec![T::zero(); s.nrows()];
    let values: Vec<f64> = s
        .columns()
        .into_iter()
        .map(|column| {
            let mut acc = T::zero();
            for (c, &v) in cumulative.iter_mut().zip(column.iter()) {
                acc = acc + v;
                *c = acc;
            }
            let threshold = percent * acc;
            cumulative
                .iter()
                .position(|&c| c >= threshold)
                .map_or(f64::NAN, |k| freq[k])
        })
        .collect();
    Ok(row(values))
}
