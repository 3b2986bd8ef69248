//! `librosa.feature.spectral_bandwidth`.

use ndarray::{Array2, ArrayView2};

use super::centroid::centroids;
use super::{check_spectrogram, frame_major, l1_divisor, lane_dot, row};
use crate::{Error, Float, Result};

/// Parameters of [`spectral_bandwidth`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralBandwidthConfig {
    /// The order `p` of the deviation (librosa's `p`, default 2).
    pub p: f64,
    /// Normalise each frame's magnitudes to sum 1 first (librosa's `norm`,
    /// default true).
    pub norm: bool,
}

impl Default for SpectralBandwidthConfig {
    fn default() -> Self {
        Self { p: 2.0, norm: true }
    }
}

/// The spectral bandwidth of order `p` of each frame:
/// `b_t = (Σ_k S[k, t] |f_k - c_t|^p)^(1/p)`, with `c_t` the
/// [`spectral_centroid`](super::spectral_centroid) and `S` normalised per
/// frame to sum 1 when `norm`.
///
/// `librosa.feature.spectral_bandwidth(S=S, sr=sr, p=p, norm=norm)`, in f64
/// (as librosa), returned in `T`.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid);
/// [`Error::InvalidParameter`] unless `p` is finite and positive.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::{spectral_bandwidth, SpectralBandwidthConfig};
/// use ndarray::Array2;
///
/// // Equal energy in bins 10 and 20: the bandwidth is half their distance.
/// let mut s = Array2::<f64>::zeros((513, 2));
/// s.row_mut(10).fill(1.0);
/// s.row_mut(20).fill(1.0);
/// let b = spectral_bandwidth(s.view(), 16_000.0, &SpectralBandwidthConfig::default())?;
/// assert!((b[[0, 0]] - 5.0 * 16_000.0 / 1024.0).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_bandwidth<T: Float>(
    s: ArrayView2<'_, T>,
    sr: f64,
    config: &SpectralBandwidthConfig,
) -> Result<Array2<T>> {
    let freq = check_spectrogram("spectral_bandwidth input", s, sr)?;
    let p = config.p;
    if !(p.is_finite() && p > 0.0) {
        return Err(Error::InvalidParameter {
            name: "p",
            value: p.to_string(),
            expected: "a finite order > 0",
        });
    }
    let (centroid, total) = centroids(s, &freq);
    // Σ_k S[k, t] |f_k - c_t|^p, divided by the frame's sum afterwards
    // when `norm` (librosa divides first; the same in f64).
    let data = frame_major(s);
    let sum: Vec<f64> = data
        .chunks_exact(s.nrows())
        .zip(&centroid)
        .map(|(frame, &c)| {
            if p == 2.0 {
                lane_dot(frame, &freq, |v, f| v * ((f - c) * (f - c)))
            } else if p == 1.0 {
                lane_dot(frame, &freq, |v, f| v * (f - c).abs())
            } else {
                lane_dot(frame, &freq, |v, f| v * (f - c).abs().powf(p))
            }
        })
        .collect();
    let values = sum.iter().zip(&total).map(|(&acc, &t)| {
        let acc = if config.norm {
            acc / l1_divisor::<T>(t)
        } else {
            acc
        };
        if p == 2.0 {
            acc.sqrt()
        } else {
            acc.powf(1.0 / p)
        }
    });
    Ok(row(values.collect::<Vec<_>>()))
}
