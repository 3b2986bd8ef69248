//! `librosa.effects.preemphasis` and `deemphasis`.

use crate::{Error, Float, Result};

fn check(y_len: usize, coef: f64) -> Result<()> {
    if !coef.is_finite() {
        return Err(Error::InvalidParameter {
            name: "coef",
            value: coef.to_string(),
            expected: "a finite coefficient",
        });
    }
    if y_len < 2 {
        return Err(Error::InputTooShort {
            what: "pre/de-emphasis input",
            expected: 2,
            got: y_len,
        });
    }
    Ok(())
}

/// Pre-emphasis: `y[n] = x[n] - coef · x[n-1]`, with librosa's initial
/// state `x[-1]` term `zi = 2 x[0] - x[1]` (so `y[0] = x[0] + zi`), as
/// `scipy.signal.lfilter([1, -coef], [1], x, zi=zi)` in `T`'s precision.
///
/// `librosa.effects.preemphasis(y, coef=coef)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite `coef`;
/// [`Error::InputTooShort`] for fewer than 2 samples; [`Error::NonFinite`]
/// for NaN or infinite samples.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::effects::preemphasis;
/// let y = preemphasis(&[1.0_f32, 1.0, 1.0, 1.0], 0.97)?;
/// assert!((y[1] - 0.03).abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn preemphasis<T: Float>(y: &[T], coef: f64) -> Result<Vec<T>> {
    check(y.len(), coef)?;
    crate::spectral::stft::check_finite("preemphasis input", y)?;
    let b1 = -T::from(coef).unwrap_or_else(T::zero);
    let two = T::one() + T::one();
    let mut state = two * y[0] - y[1];
    Ok(y.iter()
        .map(|&x| {
            let out = x + state;
            state = b1 * x;
            out
        })
        .collect())
}

/// De-emphasis, the inverse filter: `y[n] = x[n] + coef · y[n-1]` from a
/// zero state, then librosa's correction of the start,
/// `y[n] -= ((2 - coef) x[0] - x[1]) / (3 - coef) · coef^n` (so that
/// `deemphasis(preemphasis(x)) ≈ x`). The recursion and the correction's
/// scalar run in `T`, its powers of `coef` in f64, as numpy does.
///
/// `librosa.effects.deemphasis(y, coef=coef)`.
///
/// # Errors
///
/// As [`preemphasis`]; [`Error::InvalidParameter`] for `coef = 3`.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::effects::{deemphasis, preemphasis};
/// let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.3).sin()).collect();
/// let back = deemphasis(&preemphasis(&x, 0.97)?, 0.97)?;
/// assert!(x.iter().zip(&back).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn deemphasis<T: Float>(y: &[T], coef: f64) -> Result<Vec<T>> {
    check(y.len(), coef)?;
    if coef == 3.0 {
        return Err(Error::InvalidParameter {
            name: "coef",
            value: "3".into(),
            expected: "a coefficient other than 3 (librosa divides by 3 - coef)",
        });
    }
    crate::spectral::stft::check_finite("deemphasis input", y)?;
    let a1 = T::from(coef).unwrap_or_else(T::zero);
    let wide = |v: T| v.to_f64().unwrap_or(0.0);
    // numpy evaluates the correction's scalar in the signal's dtype.
    let cast = |v: f64| T::from(v).unwrap_or_else(T::zero);
    let correction = wide((cast(2.0 - coef) * y[0] - y[1]) / cast(3.0 - coef));
    let mut previous = T::zero();
    let mut power = 1.0;
    Ok(y.iter()
        .map(|&x| {
            let out = x + a1 * previous;
            previous = out;
            let corrected = wide(out) - correction * power;
            power *= coef;
            T::from(corrected).unwrap_or_else(T::zero)
        })
        .collect())
}
