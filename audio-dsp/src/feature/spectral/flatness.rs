//! `librosa.feature.spectral_flatness`.

use ndarray::{Array2, ArrayView2};

use super::{check_spectrogram, row};
use crate::{Error, Float, Result};

/// Parameters of [`spectral_flatness`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralFlatnessConfig {
    /// The floor applied to `S^power` before the logarithm (librosa's
    /// `amin`, default 1e-10).
    pub amin: f64,
    /// The exponent applied to the magnitudes (librosa's `power`, default 2:
    /// flatness of the power spectrum).
    pub power: f64,
}

impl Default for SpectralFlatnessConfig {
    fn default() -> Self {
        Self {
            amin: 1e-10,
            power: 2.0,
        }
    }
}

/// The spectral flatness (Wiener entropy) of each frame: the geometric over
/// the arithmetic mean of `P = max(amin, S^power)`,
/// `exp(mean_k ln P[k, t]) / mean_k P[k, t]`, in (0, 1]: 1 for white noise,
/// near 0 for a pure tone.
///
/// `librosa.feature.spectral_flatness(S=S, amin=amin, power=power)`.
///
/// Reference: Dubnov, "Generalization of spectral flatness measure for
/// non-Gaussian linear processes", IEEE Signal Processing Letters, 2004.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid) (its `sr` is not
/// needed here); [`Error::InvalidParameter`] unless `amin > 0` and `power`
/// is finite and positive.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::{spectral_flatness, SpectralFlatnessConfig};
/// use ndarray::Array2;
///
/// let flat = Array2::<f32>::ones((1025, 2));
/// let f = spectral_flatness(flat.view(), &SpectralFlatnessConfig::default())?;
/// assert!((f[[0, 0]] - 1.0).abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_flatness<T: Float>(
    s: ArrayView2<'_, T>,
    config: &SpectralFlatnessConfig,
) -> Result<Array2<T>> {
    check_spectrogram("spectral_flatness input", s, 1.0)?;
    let SpectralFlatnessConfig { amin, power } = *config;
    if !(amin.is_finite() && amin > 0.0) {
        return Err(Error::InvalidParameter {
            name: "amin",
            value: amin.to_string(),
            expected: "a finite floor > 0",
        });
    }
    if !(power.is_finite() && power > 0.0) {
        return Err(Error::InvalidParameter {
            name: "power",
            value: power.to_string(),
            expected: "a finite exponent > 0",
        });
    }
    let n = s.nrows() as f64;
    let values: Vec<f64> = s
        .columns()
        .into_iter()
        .map(|column| {
            let (mut logs, mut sum) = (0.0, 0.0);
            for &v in column.iter() {
                let p = v.to_f64().unwrap_or(0.0).powf(power).max(amin);
                logs += p.ln();
                sum += p;
            }
            (logs / n).exp() / (sum / n)
        })
        .collect();
    Ok(row(values))
}
