//! Spectral shape descriptors of librosa's `feature` module, on a magnitude
//! spectrogram `S` (`(1 + n_fft / 2, frames)`, as `numpy.abs(librosa.stft(y))`):
//! [`spectral_centroid`], [`spectral_bandwidth`], [`spectral_rolloff`],
//! [`spectral_flatness`], [`spectral_contrast`] and [`poly_features`](fn@poly_features), each in librosa's
//! shape: `(1, frames)`, or a row per band or coefficient.
//!
//! Compute `S` with [`crate::spectral::spectrogram::spectrogram`] (power 1)
//! from a planned [`crate::Stft`]; `n_fft` is read from `S` as librosa does
//! (`2 (bins - 1)`).

pub mod bandwidth;
pub mod centroid;
pub mod contrast;
pub mod flatness;
pub mod poly_features;
pub mod rolloff;

pub use bandwidth::{spectral_bandwidth, SpectralBandwidthConfig};
pub use centroid::spectral_centroid;
pub use contrast::{spectral_contrast, SpectralContrastConfig};
pub use flatness::{spectral_flatness, SpectralFlatnessConfig};
pub use poly_features::poly_features;
pub use rolloff::spectral_rolloff;

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// Checks that `s` is a usable magnitude spectrogram (librosa raises on
/// negative entries) and returns its bin frequencies, librosa's
/// `fft_frequencies(sr=sr, n_fft=2 (bins - 1))`. One pass over `s`.
pub(crate) fn check_spectrogram<T: Float>(
    what: &'static str,
    s: ArrayView2<'_, T>,
    sr: f64,
) -> Result<Vec<f64>> {
    if !(sr.is_finite() && sr > 0.0) {
        return Err(Error::InvalidParameter {
            name: "sr",
            value: sr.to_string(),
            expected: "a finite sample rate > 0",
        });
    }
    let (bins, frames) = s.dim();
    if bins < 2 || frames == 0 {
        return Err(Error::ShapeMismatch {
            what,
            expected: vec![2, 1],
            got: vec![bins, frames],
        });
    }
    // One branch-free pass over memory; the logical index of a bad entry
    // is looked for only when there is one.
    let (finite, negative) = match s.as_slice_memory_order() {
        Some(data) => data.chunks(1024).fold((true, false), |(f, n), chunk| {
            let (cf, cn) = chunk.iter().fold((true, false), |(f, n), &v| {
                (f & v.is_finite(), n | (v < T::zero()))
            });
            (f & cf, n | cn)
        }),
        None => s.iter().fold((true, false), |(f, n), &v| {
            (f & v.is_finite(), n | (v < T::zero()))
        }),
    };
    if !finite {
        let index = s.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(Error::NonFinite { what, index });
    }
    if negative {
        return Err(Error::InvalidParameter {
            name: "S",
            value: "a negative entry".into(),
            expected: "a non-negative (magnitude) spectrogram",
        });
    }
    Ok(crate::filters::mel::fft_frequencies(sr, 2 * (bins - 1)))
}

/// `v` in f64 (exact for f32 and f64).
#[inline(always)]
pub(crate) fn wide<T: Float>(v: T) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

/// What `librosa.util.normalize(S, norm=1, axis=-2)` divides a column by:
/// its sum, or 1 where the sum is below the smallest normal `T` (such
/// columns are left as they are, so zero columns stay zero).
pub(crate) fn l1_divisor<T: Float>(total: f64) -> f64 {
    let tiny = T::min_positive_value()
        .to_f64()
        .unwrap_or(f64::MIN_POSITIVE);
    if total < tiny {
        1.0
    } else {
        total
    }
}

/// Column `t` of `s`, L1-normalised as `librosa.util.normalize(S, norm=1,
/// axis=-2)` (see [`l1_divisor`]).
pub(crate) fn l1_normalised_column<T: Float>(s: ArrayView2<'_, T>, t: usize, out: &mut [f64]) {
    let column = s.column(t);
    let total: f64 = column.iter().map(|&v| wide(v)).sum();
    let scale = l1_divisor::<T>(total);
    for (o, &v) in out.iter_mut().zip(column.iter()) {
        *o = wide(v) / scale;
    }
}

/// The frames of `s` as contiguous runs of `bins` values, frame after
/// frame: borrowed when `s` is in Fortran order (as [`crate::Stft`] and
/// librosa return spectrograms), copied once otherwise.
pub(crate) fn frame_major<'a, T: Float>(s: ArrayView2<'a, T>) -> Cow<'a, [T]> {
    match s.reversed_axes().to_slice() {
        Some(data) => Cow::Borrowed(data),
        None => Cow::Owned(s.t().iter().copied().collect()),
    }
}

/// `Σ_k term(x_k, w_k)` in f64 over eight interleaved partial sums, so
/// the additions pipeline (and vectorise) instead of forming one chain
/// (over the shorter of `x` and `w`).
#[inline(always)]
pub(crate) fn lane_dot<T: Float>(x: &[T], w: &[f64], term: impl Fn(f64, f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let n = x.len().min(w.len());
    let (x, w) = (&x[..n], &w[..n]);
    let whole = n - n % 8;
    for (xc, wc) in x[..whole].chunks_exact(8).zip(w[..whole].chunks_exact(8)) {
        for ((lane, &v), &f) in lanes.iter_mut().zip(xc).zip(wc) {
            *lane += term(wide(v), f);
        }
    }
    let mut sum = fold_lanes(&lanes);
    for (&v, &f) in x[whole..].iter().zip(&w[whole..]) {
        sum += term(wide(v), f);
    }
    sum
}

/// `Σ_k term(x_k)` as [`lane_dot`], without a second operand.
#[inline(always)]
pub(crate) fn lane_sum<T: Float>(x: &[T], term: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += term(wide(v));
        }
    }
    rest.iter()
        .fold(fold_lanes(&lanes), |sum, &v| sum + term(wide(v)))
}

/// Eight partial sums added pairwise: `((0 + 4) + (1 + 5)) + ((2 + 6) + (3 + 7))`.
#[inline(always)]
pub(crate) fn fold_lanes(lanes: &[f64; 8]) -> f64 {
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
}

/// A `(1, frames)` row from per-frame values.
pub(crate) fn row<T: Float>(values: impl IntoIterator<Item = f64>) -> Array2<T> {
    let v: Vec<T> = values
        .into_iter()
        .map(|x| T::from(x).unwrap_or_else(T::zero))
        .collect();
    let n = v.len();
    Array2::from_shape_vec((1, n), v).unwrap_or_else(|_| Array2::zeros((1, n)))
}
