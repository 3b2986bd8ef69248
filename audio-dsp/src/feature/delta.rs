//! `librosa.feature.delta`: Savitzky–Golay derivatives along time.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// How [`delta`] treats the edges, as `scipy.signal.savgol_filter`'s `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DeltaMode {
    /// Fit the polynomial to the first / last `width` frames and evaluate
    /// its derivative there (`"interp"`, librosa's default).
    #[default]
    Interp,
    /// Mirror about the edge frame without repeating it (`"mirror"`).
    Mirror,
    /// Repeat the edge frame (`"nearest"`).
    Nearest,
    /// Zeros outside (`"constant"`, `cval = 0`).
    Constant,
    /// Periodic (`"wrap"`).
    Wrap,
}

impl DeltaMode {
    /// Parses scipy's names: `interp`, `mirror`, `nearest`, `constant`, `wrap`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other name.
    ///
    /// # Example
    /// ```
    /// use audio_dsp::feature::delta::DeltaMode;
    /// assert_eq!(DeltaMode::parse("nearest")?, DeltaMode::Nearest);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "interp" => Self::Interp,
            "mirror" => Self::Mirror,
            "nearest" => Self::Nearest,
            "constant" => Self::Constant,
            "wrap" => Self::Wrap,
            _ => {
                return Err(Error::InvalidParameter {
                    name: "mode",
                    value: name.into(),
                    expected: "interp, mirror, nearest, constant or wrap",
                })
            }
        })
    }
}

/// Parameters of [`delta`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaConfig {
    /// Frames in the fitting window, odd and at least 3 (default 9).
    pub width: usize,
    /// The derivative order, also the fitted polynomial's degree (default 1).
    pub order: usize,
    /// Edge handling (default [`DeltaMode::Interp`]).
    pub mode: DeltaMode,
}

impl Default for DeltaConfig {
    fn default() -> Self {
        Self {
            width: 9,
            order: 1,
            mode: DeltaMode::Interp,
        }
    }
}

/// Solves the small dense system `a x = b` (`n × n`, row-major) by Gaussian
/// elimination with partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for k in 0..n {
                a.swap(col * n + k, pivot * n + k);
            }
            b.swap(col, pivot);
        }
        let d = a[col * n + col];
        for row in col + 1..n {
            let f = a[row * n + col] / d;
            for k in col..n {
                a[row * n + k] -= f * a[col * n + k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let mut s = b[row];
        for k in row + 1..n {
            s -= a[row * n + k] * x[k];
        }
        x[row] = s / a[row * n + row];
    }
    x
}

/// The weights `w` (over window offsets `m = -h … h`) such that `Σ_m w[m]
/// x[m]` is the `deriv`-th derivative at offset `at` of the least-squares
/// polynomial of degree `degree` through the window: `w = Aᵀ (A Aᵀ)⁻¹ v`,
/// `A[k][m] = m^k`, `v[k] = d^deriv/dt^deriv t^k` at `t = at` (scipy's
/// `savgol_coeffs` for `at = 0`, its `_fit_edge` elsewhere).
fn savgol_weights(width: usize, degree: usize, deriv: usize, at: f64) -> Vec<f64> {
    let h = (width / 2) as f64;
    let offsets: Vec<f64> = (0..width).map(|i| i as f64 - h).collect();
    let n = degree + 1;
    let mut gram = vec![0.0; n * n];
    for j in 0..n {
        for k in 0..n {
            gram[j * n + k] = offsets.iter().map(|&m| m.powi((j + k) as i32)).sum();
        }
    }
    let v: Vec<f64> = (0..n)
        .map(|k| {
            if k < deriv {
                0.0
            } else {
                let falling: f64 = ((k - deriv + 1)..=k).map(|i| i as f64).product();
                falling * at.powi((k - deriv) as i32)
            }
        })
        .collect();
    let z = solve(gram, v, n);
    offsets
        .iter()
        .map(|&m| (0..n).map(|k| z[k] * m.powi(k as i32)).sum())
        .collect()
}

/// Delta features: the `order`-th derivative of each row along time, by a
/// Savitzky–Golay filter (a degree-`order` polynomial fitted by least
/// squares over `width` frames), as
/// `scipy.signal.savgol_filter(data, width, polyorder=order, deriv=order,
/// mode=mode)`. Computed in f64, returned in `T`.
///
/// `librosa.feature.delta(data, width=width, order=order, mode=mode)`.
///
/// Reference: Savitzky and Golay, "Smoothing and differentiation of data
/// by simplified least squares procedures", Analytical Chemistry, 1964.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `width` is odd and at least 3 and
/// `order ≥ 1` with `order < width`; [`Error::InputTooShort`] for
/// [`DeltaMode::Interp`] with fewer than `width` frames, or no frames;
/// [`Error::NonFinite`] for NaN or infinite entries.
///
/// # Shapes
///
/// `(features, frames)` → `(features, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::delta::{delta, DeltaConfig};
/// use ndarray::Array2;
///
/// // A ramp's first derivative is its slope, edges included (interp).
/// let ramp = Array2::from_shape_fn((2, 20), |(_, t)| 3.0 * t as f64);
/// let d = delta(ramp.view(), &DeltaConfig::default())?;
/// assert!(d.iter().all(|&v| (v - 3.0).abs() < 1e-9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn delta<T: Float>(data: ArrayView2<'_, T>, config: &DeltaConfig) -> Result<Array2<T>> {
    let DeltaConfig { width, order, mode } = *config;
    if width < 3 || width.is_multiple_of(2) {
        return Err(Error::InvalidParameter {
            name: "width",
            value: width.to_string(),
            expected: "an odd integer >= 3",
        });
    }
    if order == 0 || order >= width {
        return Err(Error::InvalidParameter {
            name: "order",
            value: order.to_string(),
            expected: "an integer >= 1 and below width",
        });
    }
    let frames = data.ncols();
    if frames == 0 || (mode == DeltaMode::Interp && frames < width) {
        return Err(Error::InputTooShort {
            what: "delta (frames; interp mode needs width)",
            expected: if mode == DeltaMode::Interp { width } else { 1 },
            got: frames,
        });
    }
    if let Some(index) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "delta input",
            index,
        });
    }
    let h = width / 2;
    let interior = savgol_weights(width, order, order, 0.0);
    // The edge fits of interp mode: output t < h reads frames 0..width at
    // offset t - h; output frames - h + i reads the last width frames.
    let edges: Vec<Vec<f64>> = (0..width)
        .map(|i| savgol_weights(width, order, order, i as f64 - h as f64))
        .collect();
    let n = frames as isize;
    let source = |t: isize| -> Option<usize> {
        #[allow(clippy::cast_sign_loss, reason = "every branch yields 0 <= index < n")]
        match mode {
            _ if (0..n).contains(&t) => Some(t as usize),
            DeltaMode::Constant | DeltaMode::Interp => None,
            DeltaMode::Nearest => Some(t.clamp(0, n - 1) as usize),
            DeltaMode::Wrap => Some(t.rem_euclid(n) as usize),
            DeltaMode::Mirror => {
                if n == 1 {
                    return Some(0);
                }
                let period = 2 * (n - 1);
                let r = t.rem_euclid(period);
                Some((if r < n { r } else { period - r }) as usize)
            }
        }
    };
    let cast = |v: f64| T::from(v).unwrap_or_else(T::zero);
    let mut out = Array2::<T>::zeros(data.dim());
    for (row_in, mut row_out) in data.rows().into_iter().zip(out.rows_mut()) {
        let x: Vec<f64> = row_in.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
        for t in 0..frames {
            let value = if mode == DeltaMode::Interp && t < h {
                edges[t].iter().zip(&x[..width]).map(|(w, v)| w * v).sum()
            } else if mode == DeltaMode::Interp && t + h >= frames {
                let i = t + width - frames;
                edges[i]
                    .iter()
                    .zip(&x[frames - width..])
                    .map(|(w, v)| w * v)
                    .sum()
            } else {
                interior
                    .iter()
                    .enumerate()
                    .map(|(k, w)| {
                        let at = t as isize + k as isize - h as isize;
                        source(at).map_or(0.0, |i| w * x[i])
                    })
                    .sum()
            };
            row_out[t] = cast(value);
        }
    }
    Ok(out)
}
