//! `librosa.feature.poly_features`.

use ndarray::{Array2, ArrayView2};

use super::check_spectrogram;
use crate::{Error, Float, Result};

/// The coefficients of the least-squares polynomial of degree `order`
/// fitted to each frame's magnitudes over the bin frequencies, highest
/// power first: row `i` holds the coefficient of `f^(order - i)`.
///
/// `librosa.feature.poly_features(S=S, sr=sr, order=order)`, which is
/// `numpy.polyfit(freq, S, order)`: the Vandermonde columns scaled to unit
/// norm (numpy's conditioning), solved by a QR factorisation (modified
/// Gram-Schmidt) in f64, returned in `T`.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid);
/// [`Error::InvalidParameter`] for an order that is not below the number of
/// bins.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(order + 1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::poly_features;
/// use ndarray::Array2;
///
/// // Magnitudes rising linearly with frequency: slope 1e-3 per Hz, offset 2.
/// let freq: Vec<f64> = (0..513).map(|k| k as f64 * 16_000.0 / 1024.0).collect();
/// let s = Array2::from_shape_fn((513, 3), |(k, _)| 2.0 + 1e-3 * freq[k]);
/// let p = poly_features(s.view(), 16_000.0, 1)?;
/// assert!((p[[0, 0]] - 1e-3).abs() < 1e-12 && (p[[1, 0]] - 2.0).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn poly_features<T: Float>(s: ArrayView2<'_, T>, sr: f64, order: usize) -> Result<Array2<T>> {
    let freq = check_spectrogram("poly_features input", s, sr)?;
    let (bins, frames) = s.dim();
    if order >= bins {
        return Err(Error::InvalidParameter {
            name: "order",
            value: order.to_string(),
            expected: "a degree below the number of frequency bins",
        });
    }
    let m = order + 1;
    // Column j is f^(order - j) (numpy.vander), scaled to unit norm.
    let mut q: Vec<Vec<f64>> = (0..m)
        .map(|j| freq.iter().map(|&f| f.powi((order - j) as i32)).collect())
        .collect();
    let scale: Vec<f64> = q
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    for (c, &sc) in q.iter_mut().zip(&scale) {
        if sc > 0.0 {
            c.iter_mut().for_each(|v| *v /= sc);
        }
    }
    // Modified Gram-Schmidt: A = Q R.
    let mut r = vec![0.0; m * m];
    for j in 0..m {
        for i in 0..j {
            let dot: f64 = q[i].iter().zip(&q[j]).map(|(a, b)| a * b).sum();
            r[i * m + j] = dot;
            let qi = q[i].clone();
            q[j].iter_mut().zip(&qi).for_each(|(v, u)| *v -= dot * u);
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt();
        r[j * m + j] = norm;
        if norm > 0.0 {
            q[j].iter_mut().for_each(|v| *v /= norm);
        }
    }
    let mut out = Array2::<T>::zeros((m, frames));
    let mut y = vec![0.0; bins];
    for (t, column) in s.columns().into_iter().enumerate() {
        for (o, v) in y.iter_mut().zip(column.iter()) {
            *o = v.to_f64().unwrap_or(0.0);
        }
        // c = R⁻¹ Qᵀ y, then undo the column scaling.
        let qty: Vec<f64> = q
            .iter()
            .map(|c| c.iter().zip(&y).map(|(a, b)| a * b).sum())
            .collect();
        let mut c = vec![0.0; m];
        for i in (0..m).rev() {
            let mut acc = qty[i];
            for k in i + 1..m {
                acc -= r[i * m + k] * c[k];
            }
            let d = r[i * m + i];
            c[i] = if d != 0.0 { acc / d } else { 0.0 };
        }
        for (j, v) in c.iter().enumerate() {
            let value = if scale[j] > 0.0 { v / scale[j] } else { 0.0 };
            out[[j, t]] = T::from(value).unwrap_or_else(T::zero);
        }
    }
    Ok(out)
}
