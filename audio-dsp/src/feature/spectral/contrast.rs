//! `librosa.feature.spectral_contrast`.

use ndarray::{Array2, ArrayView2};

use super::check_spectrogram;
use crate::{DbReference, Error, Float, Result};

/// Parameters of [`spectral_contrast`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralContrastConfig {
    /// Upper edge of the first band, in Hz (default 200).
    pub fmin: f64,
    /// Octave bands above `fmin` (default 6; `n_bands + 1` rows out).
    pub n_bands: usize,
    /// Fraction of each band's bins averaged for its peak and valley
    /// (default 0.02; at least one bin).
    pub quantile: f64,
    /// Peak minus valley in magnitude, not in dB (default false).
    pub linear: bool,
}

impl Default for SpectralContrastConfig {
    fn default() -> Self {
        Self {
            fmin: 200.0,
            n_bands: 6,
            quantile: 0.02,
            linear: false,
        }
    }
}

/// Octave-band spectral contrast (Jiang et al.): for band `b` (edges
/// `[0, fmin, 2 fmin, …, 2^n_bands fmin]`, the last band taking every bin
/// above), the mean of the top and of the bottom `quantile` of its
/// magnitudes in each frame, the peak `P` and valley `V`; the contrast is
/// `power_to_db(P) - power_to_db(V)` (each with librosa's defaults: ref 1,
/// amin 1e-10, top_db 80 over the whole array), or `P - V` when `linear`.
/// Bands are delimited as librosa does, bin for bin (a band also takes the
/// bin below it and, but for the last band, drops its top bin).
///
/// `librosa.feature.spectral_contrast(S=S, sr=sr, fmin=..., n_bands=...,
/// quantile=..., linear=...)`, in f64, returned in `T`.
///
/// Reference: Jiang, Lu, Zhang, Tao and Cai, "Music type classification by
/// spectral contrast feature", ICME 2002.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid);
/// [`Error::InvalidParameter`] for `fmin <= 0`, `n_bands = 0`, a quantile
/// outside (0, 1), a band edge at or above the Nyquist frequency, or a band
/// without bins (too short an FFT).
///
/// # Shapes
///
/// `S: (bins, frames)` → `(n_bands + 1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::{spectral_contrast, SpectralContrastConfig};
/// use ndarray::Array2;
///
/// // A flat spectrum has no contrast.
/// let s = Array2::<f32>::ones((1025, 2));
/// let c = spectral_contrast(s.view(), 22_050.0, &SpectralContrastConfig::default())?;
/// assert_eq!(c.dim(), (7, 2));
/// assert!(c.iter().all(|v| v.abs() < 1e-6));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_contrast<T: Float>(
    s: ArrayView2<'_, T>,
    sr: f64,
    config: &SpectralContrastConfig,
) -> Result<Array2<T>> {
    let freq = check_spectrogram("spectral_contrast input", s, sr)?;
    let SpectralContrastConfig {
        fmin,
        n_bands,
        quantile,
        linear,
    } = *config;
    if !(fmin.is_finite() && fmin > 0.0) {
        return Err(Error::InvalidParameter {
            name: "fmin",
            value: fmin.to_string(),
            expected: "a finite frequency > 0",
        });
    }
    if n_bands == 0 {
        return Err(Error::InvalidParameter {
            name: "n_bands",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    if !(quantile > 0.0 && quantile < 1.0) {
        return Err(Error::InvalidParameter {
            name: "quantile",
            value: quantile.to_string(),
            expected: "a fraction strictly between 0 and 1",
        });
    }
    // Band edges: 0, fmin, 2 fmin, ..., 2^n_bands fmin.
    let edges: Vec<f64> = std::iter::once(0.0)
        .chain((0..=n_bands).map(|i| fmin * 2f64.powi(i as i32)))
        .collect();
    if edges[..edges.len() - 1].iter().any(|&e| e >= 0.5 * sr) {
        return Err(Error::InvalidParameter {
            name: "n_bands",
            value: n_bands.to_string(),
            expected: "bands below the Nyquist frequency (reduce fmin or n_bands)",
        });
    }
    let bins = freq.len();
    // Each band's bin range (lo..hi, what is sorted) and its bin count
    // (librosa's `np.sum(current_band)`, which sets the quantile).
    let mut bands = Vec::with_capacity(n_bands + 1);
    for k in 0..=n_bands {
        let (low, high) = (edges[k], edges[k + 1]);
        let inside: Vec<usize> = (0..bins)
            .filter(|&i| freq[i] >= low && freq[i] <= high)
            .collect();
        let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else {
            return Err(Error::InvalidParameter {
                name: "n_fft",
                value: (2 * (bins - 1)).to_string(),
                expected: "an FFT long enough to give every contrast band a bin",
            });
        };
        let lo = if k > 0 {
            first.saturating_sub(1)
        } else {
            first
        };
        let top = if k == n_bands { bins - 1 } else { last };
        let count = top + 1 - lo;
        let hi = if k < n_bands { top } else { top + 1 };
        if hi <= lo {
            // librosa's band would be empty (a NaN mean).
            return Err(Error::InvalidParameter {
                name: "n_fft",
                value: (2 * (bins - 1)).to_string(),
                expected: "an FFT long enough to give every contrast band a bin",
            });
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a small non-negative bin count"
        )]
        let take = ((quantile * count as f64).round_ties_even() as usize).max(1);
        bands.push((lo, hi, take));
    }
    let frames = s.ncols();
    let mut peak = Array2::<f64>::zeros((n_bands + 1, frames));
    let mut valley = Array2::<f64>::zeros((n_bands + 1, frames));
    // Each band's `take` smallest and largest magnitudes, found by
    // selection rather than librosa's full sort: the means are the same
    // sums (in f64, any order).
    let data = super::frame_major(s);
    let mut band = Vec::with_capacity(bins);
    for (t, column) in data.chunks_exact(bins).enumerate() {
        for (k, &(lo, hi, take)) in bands.iter().enumerate() {
            band.clear();
            // Non-negative f64s order as their bit patterns: select on
            // integers (no NaN handling in the comparisons).
            band.extend(
                column[lo..hi]
                    .iter()
                    .map(|&v| super::wide(v).abs().to_bits()),
            );
            let take = take.min(band.len()).max(1);
            let (small, large) = extremes(&mut band, take);
            valley[[k, t]] = small / take as f64;
            peak[[k, t]] = large / take as f64;
        }
    }
    let contrast = if linear {
        peak - valley
    } else {
        let db = |a: &Array2<f64>| {
            crate::power_to_db(a.view(), DbReference::Value(1.0), 1e-10, Some(80.0))
        };
        db(&peak)? - db(&valley)?
    };
    Ok(contrast.mapv(|v| T::from(v).unwrap_or_else(T::zero)))
}

/// The sums of the `take` smallest and the `take` largest of `band`
/// (`1 <= take <= band.len()`; the bit patterns of non-negative f64s,
/// which order as the numbers do), which it reorders: one selection puts
/// the smallest first, a second finds the largest among the rest (a
/// minimum and a maximum when `take` is 1).
fn extremes(band: &mut [u64], take: usize) -> (f64, f64) {
    let sum = |v: &[u64]| v.iter().map(|&x| f64::from_bits(x)).sum::<f64>();
    if take == 1 {
        let (low, high) = band
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        return (f64::from_bits(low), f64::from_bits(high));
    }
    let len = band.len();
    band.select_nth_unstable(take - 1);
    let small = sum(&band[..take]);
    // With at least `2 take` values the largest `take` are all among those
    // after the smallest `take`.
    let rest = if len >= 2 * take { take } else { 0 };
    let tail = &mut band[rest..];
    let at = tail.len() - take;
    tail.select_nth_unstable(at);
    let large = sum(&tail[at..]);
    (small, large)
}

#[cfg(test)]
mod tests {
    use super::extremes;
    use proptest::prelude::*;

    /// The same values summed in another order (quarters: exact sums).
    const SUM_ORDER_TOL: f64 = 1e-12;

    proptest! {
        /// The selected extremes sum as the ends of a full sort (ties and
        /// zeros included).
        #[test]
        fn extremes_equal_the_ends_of_a_sort(
            values in prop::collection::vec((0u8..20).prop_map(|v| f64::from(v) * 0.25), 1..120),
            take in 1usize..30,
        ) {
            let take = take.min(values.len());
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let small: f64 = sorted[..take].iter().sum();
            let large: f64 = sorted[sorted.len() - take..].iter().sum();
            let mut band: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
            let (s, l) = extremes(&mut band, take);
            prop_assert!((s - small).abs() < SUM_ORDER_TOL && (l - large).abs() < SUM_ORDER_TOL);
        }
    }
}
