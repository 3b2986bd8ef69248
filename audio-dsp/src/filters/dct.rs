//! Discrete cosine transforms of types 1, 2 and 3, as `scipy.fftpack.dct`.

use ndarray::Array2;

use crate::{Error, Float, Result};

/// The DCT type (scipy's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DctType {
    /// DCT-I: `y[k] = x[0] + (-1)^k x[N-1] + 2 sum_{n=1}^{N-2} x[n] cos(pi k n / (N - 1))`.
    One,
    /// DCT-II: `y[k] = 2 sum_n x[n] cos(pi k (2n + 1) / (2N))` (librosa's MFCC default).
    #[default]
    Two,
    /// DCT-III: `y[k] = x[0] + 2 sum_{n>=1} x[n] cos(pi n (2k + 1) / (2N))`.
    Three,
}

impl DctType {
    /// Parses `1`, `2` or `3`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for anything else.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(audio_dsp::DctType::from_number(2)?, audio_dsp::DctType::Two);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn from_number(n: u8) -> Result<Self> {
        match n {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            3 => Ok(Self::Three),
            _ => Err(Error::InvalidParameter {
                name: "dct_type",
                value: n.to_string(),
                expected: "1, 2 or 3",
            }),
        }
    }
}

/// The DCT normalisation (scipy's `norm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DctNorm {
    /// scipy's unnormalised definitions above (`norm=None`).
    None,
    /// The orthonormal scaling (`norm="ortho"`; librosa's MFCC default).
    #[default]
    Ortho,
}

/// The first `n_out` rows of the `n_in`-point DCT as a matrix `D`, so that
/// `dct(x)[:n_out] = D x` (`scipy.fftpack.dct(x, type, norm=norm)[:n_out]`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `n_in = 0`, `n_out > n_in`, or `n_in < 2` for DCT-I.
///
/// # Shapes
///
/// Returns `(n_out, n_in)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{dct_matrix, DctNorm, DctType};
/// let d = dct_matrix::<f64>(DctType::Two, DctNorm::Ortho, 4, 4)?;
/// let eye = d.dot(&d.t());
/// assert!((eye[[1, 1]] - 1.0).abs() < 1e-12 && eye[[0, 1]].abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn dct_matrix<T: Float>(
    kind: DctType,
    norm: DctNorm,
    n_in: usize,
    n_out: usize,
) -> Result<Array2<T>> {
    if n_in == 0 || n_out > n_in || (kind == DctType::One && n_in < 2) {
        return Err(Error::InvalidParameter {
            name: "n_mfcc",
            value: format!("{n_out} of {n_in}"),
            expected: "0 < n_out <= n_in (n_in >= 2 for DCT-I)",
        });
    }
    use std::f64::consts::PI;
    let n = n_in as f64;
    let ortho = norm == DctNorm::Ortho;
    let sqrt2 = std::f64::consts::SQRT_2;
    let m = Array2::from_shape_fn((n_out, n_in), |(k, j)| {
        let (kf, jf) = (k as f64, j as f64);
        let v = match kind {
            DctType::Two => {
                let v = 2.0 * (PI * kf * (2.0 * jf + 1.0) / (2.0 * n)).cos();
                if !ortho {
                    v
                } else if k == 0 {
                    v * (1.0 / (4.0 * n)).sqrt()
                } else {
                    v * (1.0 / (2.0 * n)).sqrt()
                }
            }
            DctType::Three => {
                if j == 0 {
                    if ortho {
                        1.0 / n.sqrt()
                    } else {
                        1.0
                    }
                } else {
                    let c = (PI * jf * (2.0 * kf + 1.0) / (2.0 * n)).cos();
                    if ortho {
                        (2.0 / n).sqrt() * c
                    } else {
                        2.0 * c
                    }
                }
            }
            DctType::One => {
                let edge = j == 0 || j == n_in - 1;
                let c = (PI * kf * jf / (n - 1.0)).cos();
                let v = if edge { c } else { 2.0 * c };
                if ortho {
                    let in_scale = if edge { sqrt2 } else { 1.0 };
                    let out_scale = if k == 0 || k == n_in - 1 {
                        1.0 / sqrt2
                    } else {
                        1.0
                    };
                    v * in_scale * out_scale * (1.0 / (2.0 * (n - 1.0))).sqrt()
                } else {
                    v
                }
            }
        };
        T::from(v).unwrap_or_else(T::zero)
    });
    Ok(m)
}
