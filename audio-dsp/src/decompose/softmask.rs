//! `librosa.util.softmask`.

use ndarray::{Array2, ArrayView2, Zip};

use crate::{Error, Float, Result};

/// The soft mask of `x` against `x_ref`: with `Z = max(x, x_ref)`,
/// `M = (x/Z)^p / ((x/Z)^p + (x_ref/Z)^p)` (a ratio of powers, computed
/// after dividing by `Z` so that large `p` does not overflow); where `Z`
/// is below the smallest normal float, `M` is `0.5` if `split_zeros` else
/// `0`. For `p = ∞` the mask is the binary `x > x_ref`.
///
/// `librosa.util.softmask(X, X_ref, power=power, split_zeros=split_zeros)`,
/// in `T`'s precision as librosa.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `power <= 0` (or NaN) and for negative
/// entries; [`Error::ShapeMismatch`] for arrays of different shapes.
///
/// # Shapes
///
/// `(m, n), (m, n)` → `(m, n)`.
///
/// # Example
/// ```
/// use audio_dsp::decompose::softmask;
/// use ndarray::array;
///
/// let m = softmask(array![[3.0_f64, 0.0]].view(), array![[1.0, 0.0]].view(), 2.0, false)?;
/// assert!((m[[0, 0]] - 0.9).abs() < 1e-12 && m[[0, 1]] == 0.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn softmask<T: Float>(
    x: ArrayView2<'_, T>,
    x_ref: ArrayView2<'_, T>,
    power: f64,
    split_zeros: bool,
) -> Result<Array2<T>> {
    if power.is_nan() || power <= 0.0 {
        return Err(Error::InvalidParameter {
            name: "power",
            value: power.to_string(),
            expected: "an exponent > 0 (or infinity)",
        });
    }
    if x.dim() != x_ref.dim() {
        return Err(Error::ShapeMismatch {
            what: "softmask reference",
            expected: x.shape().to_vec(),
            got: x_ref.shape().to_vec(),
        });
    }
    if x.iter().chain(x_ref.iter()).any(|&v| v < T::zero()) {
        return Err(Error::InvalidParameter {
            name: "X",
            value: "a negative entry".into(),
            expected: "non-negative inputs",
        });
    }
    let tiny = T::min_positive_value();
    let p = T::from(power).unwrap_or_else(T::one);
    let fill = if split_zeros {
        T::from(0.5).unwrap_or_else(T::zero)
    } else {
        T::zero()
    };
    let mut mask = Array2::<T>::zeros(x.dim());
    Zip::from(&mut mask)
        .and(&x)
        .and(&x_ref)
        .for_each(|m, &a, &b| {
            if power.is_infinite() {
                *m = if a > b { T::one() } else { T::zero() };
                return;
            }
            let z = if a > b { a } else { b };
            if z < tiny {
                *m = fill;
                return;
            }
            let (ma, mb) = if power == 2.0 {
                // NumPy squares for `** 2`; `powf` would give the same
                // rounding, at several times the cost.
                let (ra, rb) = (a / z, b / z);
                (ra * ra, rb * rb)
            } else {
                ((a / z).powf(p), (b / z).powf(p))
            };
            *m = ma / (ma + mb);
        });
    Ok(mask)
}
