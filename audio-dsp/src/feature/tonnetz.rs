//! `librosa.feature.tonnetz`.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// Tonal centroid features (Harte et al.) of a chromagram: each frame's
/// L1-normalised chroma `c` projected onto three circles of the pitch
/// classes, `t_p = Σ_k φ[p, k] c_k` with, for `d_k = 12 k / n_chroma`,
/// `φ = [r sin(π s d_k), r cos(π s d_k)]` for the fifths (`s = 7/6`,
/// `r = 1`), minor thirds (`s = 3/2`, `r = 1`) and major thirds (`s = 2/3`,
/// `r = 1/2`), in that row order. Silent frames give zeros.
///
/// `librosa.feature.tonnetz(chroma=chroma)`, in f64 (librosa returns
/// float64), returned in `T`.
///
/// Reference: Harte, Sandler and Gasser, "Detecting harmonic change in
/// musical audio", ACM Multimedia workshop, 2006.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] for a chromagram without rows or frames;
/// [`Error::NonFinite`] for NaN or infinite entries.
///
/// # Shapes
///
/// `(n_chroma, frames)` → `(6, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::tonnetz::tonnetz;
/// use ndarray::Array2;
///
/// // Only C sounding: the fifths circle's cosine row is 1 (its sine 0).
/// let mut chroma = Array2::<f32>::zeros((12, 2));
/// chroma.row_mut(0).fill(1.0);
/// let t = tonnetz(chroma.view())?;
/// assert!((t[[1, 0]] - 1.0).abs() < 1e-6 && t[[0, 0]].abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn tonnetz<T: Float>(chroma: ArrayView2<'_, T>) -> Result<Array2<T>> {
    let (n, frames) = chroma.dim();
    if n == 0 || frames == 0 {
        return Err(Error::ShapeMismatch {
            what: "tonnetz chroma",
            expected: vec![12, 1],
            got: vec![n, frames],
        });
    }
    if let Some(index) = chroma.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "tonnetz chroma",
            index,
        });
    }
    let scale = [7.0 / 6.0, 7.0 / 6.0, 1.5, 1.5, 2.0 / 3.0, 2.0 / 3.0];
    let radius = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5];
    let phi: Vec<Vec<f64>> = (0..6)
        .map(|p| {
            (0..n)
                .map(|k| {
                    let d = 12.0 * k as f64 / n as f64;
                    let mut v = scale[p] * d;
                    if p % 2 == 0 {
                        v -= 0.5;
                    }
                    radius[p] * (std::f64::consts::PI * v).cos()
                })
                .collect()
        })
        .collect();
    let mut out = Array2::<T>::zeros((6, frames));
    let mut column = vec![0.0; n];
    for t in 0..frames {
        crate::feature::spectral::l1_normalised_column(chroma, t, &mut column);
        for (p, row) in phi.iter().enumerate() {
            let value: f64 = row.iter().zip(&column).map(|(a, b)| a * b).sum();
            out[[p, t]] = T::from(value).unwrap_or_else(T::zero);
        }
    }
    Ok(out)
}
