//! `librosa.feature.spectral_bandwidth`.

use ndarray::{Array2, ArrayView2};

use super::centroid::centroids;
use super::{check_spectrogram, l1_normalised_column, row};
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
    let centroid = centroids(s, &freq);
    let mut column = vec![0.0; s.nrows()];
    let values = centroid.iter().enumerate().map(|(t, &c)| {
        if config.norm {
            l1_normalised_column(s, t, &mut column);
        } else {
            for (o, &v) in column.iter_mut().zip(s.column(t).iter()) {
                *o = v.to_f64().unwrap_or(0.0);
            }
        }
        let sum: f64 = column
            .iter()
            .zip(&freq)
            .map(|(w, f)| w * (f - c).abs().powf(p))
            .sum();
        sum.powf(1.0 / p)
    });
    Ok(row(values.collect::<Vec<_>>()))
}
