//! Window functions, as `scipy.signal.get_window` builds them for librosa.

use crate::{Error, Float, Result};

/// A window shape, named as in `scipy.signal.get_window`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum WindowKind {
    /// Hann: `0.5 - 0.5 cos(2 pi n / M)`. librosa's default.
    #[default]
    Hann,
    /// Hamming: `0.54 - 0.46 cos(2 pi n / M)`.
    Hamming,
    /// Blackman: `0.42 - 0.5 cos(2 pi n / M) + 0.08 cos(4 pi n / M)`.
    Blackman,
    /// Bartlett (triangular with zero end points): `1 - |2 n / M - 1|`.
    Bartlett,
    /// Rectangular (scipy's `"boxcar"`, `"rectangular"`, `"ones"`): all ones.
    Rectangular,
    /// Kaiser: `I0(beta sqrt(1 - (2 n / M - 1)^2)) / I0(beta)`.
    Kaiser {
        /// The shape parameter `beta` (`>= 0`).
        beta: f64,
    },
}

impl WindowKind {
    /// Parses a scipy window name: `hann`, `hamming`, `blackman`, `bartlett`,
    /// `boxcar`/`rectangular`/`ones`, or `kaiser:BETA`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an unknown name or a bad `beta`.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::WindowKind;
    /// assert_eq!(WindowKind::parse("hann")?, WindowKind::Hann);
    /// assert_eq!(WindowKind::parse("kaiser:8.6")?, WindowKind::Kaiser { beta: 8.6 });
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        let bad = || Error::InvalidParameter {
            name: "window",
            value: name.to_string(),
            expected: "hann, hamming, blackman, bartlett, boxcar, rectangular, ones or kaiser:BETA",
        };
        let lower = name.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "hann" | "hanning" => Self::Hann,
            "hamming" => Self::Hamming,
            "blackman" => Self::Blackman,
            "bartlett" | "triangle" => Self::Bartlett,
            "boxcar" | "rectangular" | "rect" | "ones" => Self::Rectangular,
            _ => {
                let beta = lower
                    .strip_prefix("kaiser:")
                    .or_else(|| lower.strip_prefix("kaiser,"))
                    .ok_or_else(bad)?
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| bad())?;
                if !(beta.is_finite() && beta >= 0.0) {
                    return Err(bad());
                }
                Self::Kaiser { beta }
            }
        })
    }
}

/// Builds a window of `length` samples, as `scipy.signal.get_window(kind, length, fftbins)`.
///
/// `fftbins = true` gives the periodic window (for spectral analysis; librosa's
/// choice), computed as the symmetric window of `length + 1` samples without
/// its last sample; `false` gives the symmetric window.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `length == 0`.
///
/// # Shapes
///
/// Returns `(length,)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{get_window, WindowKind};
/// let w: Vec<f64> = get_window(WindowKind::Hann, 4, true)?;
/// assert!((w[2] - 1.0).abs() < 1e-15);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn get_window<T: Float>(kind: WindowKind, length: usize, fftbins: bool) -> Result<Vec<T>> {
    if length == 0 {
        return Err(Error::InvalidParameter {
            name: "win_length",
            value: "0".into(),
            expected: "a positive window length",
        });
    }
    if let WindowKind::Kaiser { beta } = kind {
        if !beta.is_finite() || beta.abs() > MAX_KAISER_BETA {
            return Err(Error::InvalidParameter {
                name: "beta",
                value: beta.to_string(),
                expected: "a finite Kaiser beta of magnitude at most 700 (beyond it I0(beta) overflows and the window is NaN)",
            });
        }
    }
    if length == 1 {
        return Ok(vec![T::one()]);
    }
    let m = if fftbins { length + 1 } else { length };
    let sym = symmetric_window(kind, m);
    Ok(sym.into_iter().take(length).map(cast::<T>).collect())
}

/// Zero-pads `data` on both sides to `size`, centred, as `librosa.util.pad_center`
/// (`(size - len) / 2` zeros on the left, the rest on the right).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `size < data.len()`.
///
/// # Shapes
///
/// `(n,)` → `(size,)`.
///
/// # Example
///
/// ```
/// let padded = audio_dsp::pad_center(&[1.0f32, 1.0], 5)?;
/// assert_eq!(padded, vec![0.0, 1.0, 1.0, 0.0, 0.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn pad_center<T: Float>(data: &[T], size: usize) -> Result<Vec<T>> {
    if size < data.len() {
        return Err(Error::InvalidParameter {
            name: "size",
            value: size.to_string(),
            expected: "a target length at least the data length",
        });
    }
    let left = (size - data.len()) / 2;
    let mut out = vec![T::zero(); size];
    out[left..left + data.len()].copy_from_slice(data);
    Ok(out)
}

fn cast<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::zero)
}

/// The symmetric window of `m >= 2` points in `f64`, with scipy's formulas.
fn symmetric_window(kind: WindowKind, m: usize) -> Vec<f64> {
    use std::f64::consts::PI;
    // scipy's general_cosine evaluates sum_k a_k cos(k * fac) on
    // fac = linspace(-pi, pi, m); we follow it for bit-level agreement.
    let general_cosine = |a: &[f64]| -> Vec<f64> {
        (0..m)
            .map(|n| {
                let fac = -PI + 2.0 * PI * n as f64 / (m - 1) as f64;
                a.iter()
                    .enumerate()
                    .map(|(k, &ak)| ak * (k as f64 * fac).cos())
                    .sum()
            })
            .collect()
    };
    match kind {
        WindowKind::Hann => general_cosine(&[0.5, 0.5]),
        WindowKind::Hamming => general_cosine(&[0.54, 0.46]),
        WindowKind::Blackman => general_cosine(&[0.42, 0.50, 0.08]),
        WindowKind::Rectangular => vec![1.0; m],
        WindowKind::Bartlett => {
            let half = (m - 1) as f64 / 2.0;
            (0..m)
                .map(|n| {
                    let n = n as f64;
                    if n <= half {
                        2.0 * n / (m - 1) as f64
                    } else {
                        2.0 - 2.0 * n / (m - 1) as f64
                    }
                })
                .collect()
        }
        WindowKind::Kaiser { beta } => {
            let alpha = (m - 1) as f64 / 2.0;
            let denom = bessel_i0(beta);
            (0..m)
                .map(|n| {
                    let r = (n as f64 - alpha) / alpha;
                    bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom
                })
                .collect()
        }
    }
}

/// The largest Kaiser `beta` a window accepts: `I0(beta)` overflows `f64`
/// just above 713, and scipy's window is then NaN.
const MAX_KAISER_BETA: f64 = 700.0;

/// The modified Bessel function of the first kind, order 0, by its power series
/// `sum_k ((x/2)^k / k!)^2`, summed until the terms stop changing the sum.
///
/// NaN for NaN, and infinity where the value overflows (`|x|` above about
/// 713), without summing: the series would never settle on NaN, and would
/// take about `|x|` terms on a huge `x` (a hang found by the `dsp_configs`
/// fuzz target on a Kaiser window with `beta` = NaN).
pub(crate) fn bessel_i0(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() > 720.0 {
        return f64::INFINITY;
    }
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    loop {
        term *= (half / k) * (half / k);
        let next = sum + term;
        if next == sum {
            return sum;
        }
        sum = next;
        k += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaiser_beta_must_be_finite_and_bessel_i0_settles_on_any_input() {
        for beta in [f64::NAN, f64::INFINITY, -f64::INFINITY, 1e300, 701.0] {
            assert!(
                get_window::<f32>(WindowKind::Kaiser { beta }, 16, true).is_err(),
                "{beta}"
            );
        }
        assert!(get_window::<f32>(WindowKind::Kaiser { beta: -700.0 }, 16, true).is_ok());
        assert!(bessel_i0(f64::NAN).is_nan());
        assert_eq!(bessel_i0(1e300), f64::INFINITY);
        assert_eq!(bessel_i0(-f64::INFINITY), f64::INFINITY);
        assert!(bessel_i0(700.0).is_finite());
    }

    #[test]
    fn bessel_i0_known_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.266065877752008, I0(5) = 27.23987182360445.
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-14);
        assert!((bessel_i0(5.0) - 27.239_871_823_604_45).abs() < 1e-11);
    }

    #[test]
    fn zero_length_is_an_error() {
        assert!(get_window::<f64>(WindowKind::Hann, 0, true).is_err());
    }

    #[test]
    fn unknown_window_name_is_an_error() {
        assert!(WindowKind::parse("gaussian").is_err());
        assert!(WindowKind::parse("kaiser:-1").is_err());
    }
}
