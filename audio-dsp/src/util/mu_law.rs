//! mu-law companding, as `librosa.mu_compress` and `librosa.mu_expand`.

use crate::{Error, Float, Result};

fn check_mu(mu: f64) -> Result<()> {
    if mu > 0.0 && mu.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "mu",
            value: mu.to_string(),
            expected: "a positive, finite mu",
        })
    }
}

fn check_range<T: Float>(what: &'static str, x: &[T]) -> Result<()> {
    match x.iter().position(|v| v.is_nan() || v.abs() > T::one()) {
        Some(index) => Err(Error::InvalidParameter {
            name: what,
            value: format!("{} at index {index}", x[index]),
            expected: "values in [-1, 1]",
        }),
        None => Ok(()),
    }
}

fn to_t<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::zero)
}

/// mu-law compression without quantisation:
/// `sign(x) ln(1 + mu |x|) / ln(1 + mu)` (`librosa.mu_compress(quantize=False)`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `mu <= 0` or samples outside `[-1, 1]`.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
///
/// ```
/// let y = audio_dsp::mu_compress(&[-1.0f64, 0.0, 1.0], 255.0)?;
/// assert_eq!(y, vec![-1.0, 0.0, 1.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mu_compress<T: Float>(x: &[T], mu: f64) -> Result<Vec<T>> {
    check_mu(mu)?;
    check_range("x", x)?;
    let mu_t: T = to_t(mu);
    let denom = mu_t.ln_1p();
    Ok(x.iter()
        .map(|&v| v.signum() * (mu_t * v.abs()).ln_1p() / denom)
        .collect())
}

/// mu-law compression quantised to `mu + 1` integer levels in
/// `[-(mu + 1) / 2, (mu + 1) / 2)`:
/// `digitize(mu_compress(x), linspace(-1, 1, mu + 1), right=True) - (mu + 1) / 2`
/// (`librosa.mu_compress(quantize=True)`).
///
/// # Errors
///
/// As [`mu_compress`].
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
///
/// ```
/// let q = audio_dsp::mu_compress_quantized(&[-1.0f32, 0.0, 1.0], 255.0)?;
/// assert_eq!(q, vec![-128, 0, 127]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mu_compress_quantized<T: Float>(x: &[T], mu: f64) -> Result<Vec<i64>> {
    let compressed = mu_compress(x, mu)?;
    let levels = (1.0 + mu) as usize;
    let bins = crate::filters::mel::linspace(-1.0, 1.0, levels);
    let offset = (levels / 2) as i64;
    Ok(compressed
        .iter()
        .map(|&v| {
            let v = v.to_f64().unwrap_or(0.0);
            // numpy.digitize(right=True) == searchsorted(bins, v, side="left").
            bins.partition_point(|&b| b < v) as i64 - offset
        })
        .collect())
}

/// mu-law expansion, the inverse of [`mu_compress`]:
/// `sign(y) ((1 + mu)^|y| - 1) / mu` (`librosa.mu_expand(quantize=False)`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `mu <= 0` or values outside `[-1, 1]`.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
///
/// ```
/// let x = [0.25f64, -0.5];
/// let y = audio_dsp::mu_expand(&audio_dsp::mu_compress(&x, 255.0)?, 255.0)?;
/// assert!((y[0] - 0.25).abs() < 1e-12 && (y[1] + 0.5).abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mu_expand<T: Float>(y: &[T], mu: f64) -> Result<Vec<T>> {
    check_mu(mu)?;
    check_range("x", y)?;
    let mu_t: T = to_t(mu);
    Ok(y.iter()
        .map(|&v| v.signum() / mu_t * ((T::one() + mu_t).powf(v.abs()) - T::one()))
        .collect())
}

/// Expansion of quantised codes: `mu_expand(q * 2 / (1 + mu))`
/// (`librosa.mu_expand(quantize=True)`).
///
/// # Errors
///
/// As [`mu_expand`]; codes outside `[-(1 + mu) / 2, (1 + mu) / 2]` are out of range.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
///
/// ```
/// let y: Vec<f64> = audio_dsp::mu_expand_quantized(&[0, 127], 255.0)?;
/// assert_eq!(y[0], 0.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mu_expand_quantized<T: Float>(codes: &[i64], mu: f64) -> Result<Vec<T>> {
    check_mu(mu)?;
    let scale = 2.0 / (1.0 + mu);
    let y: Vec<T> = codes.iter().map(|&q| to_t(q as f64 * scale)).collect();
    mu_expand(&y, mu)
}
