//! Additive white noise at a random SNR.

use audio_dsp::SeededRng;
use ndarray::Array2;

use super::{check_range, StemAugment};
use crate::error::{Error, Result};

/// Adds white Gaussian noise to one stem (by default the first, e.g. the
/// mixture) at an SNR drawn uniformly from `[lo, hi)` dB.
///
/// With `P = mean(x²)` the stem's power and `snr ~ U[lo, hi)`, the noise
/// standard deviation is `σ = √(P / 10^(snr/10))` and `x ← x + σ·n`,
/// `n ~ N(0, 1)` per sample — so `10·log10(P / mean((σn)²)) ≈ snr`. The SNR
/// is drawn first, then one normal per sample in memory order. A silent stem
/// is left unchanged (its SNR is undefined), but the SNR is still drawn.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{AddNoise, StemAugment};
/// use ndarray::Array2;
///
/// let mut stems = vec![Array2::<f32>::ones((1, 1000))];
/// AddNoise::new(20.0, 30.0)?.apply(&mut stems, &mut SeededRng::new(3))?;
/// assert!(stems[0].iter().any(|&v| v != 1.0));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AddNoise {
    lo: f64,
    hi: f64,
    stem: usize,
}

impl AddNoise {
    /// Noise at an SNR in `[lo, hi)` dB, added to stem 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `lo ≤ hi`, both finite.
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        check_range(
            "noise_snr_db",
            lo,
            hi,
            f64::NEG_INFINITY,
            "finite SNRs in dB with lo <= hi",
        )?;
        Ok(Self { lo, hi, stem: 0 })
    }

    /// Adds the noise to stem `stem` instead of stem 0.
    pub fn on_stem(mut self, stem: usize) -> Self {
        self.stem = stem;
        self
    }

    /// The SNR range in dB.
    pub fn snr_db(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The stem the noise is added to.
    pub fn stem(&self) -> usize {
        self.stem
    }
}

impl StemAugment for AddNoise {
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when there is no stem `stem`;
    /// [`Error::NonFinite`] when the stem holds a NaN or infinity.
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        let n = stems.len();
        let Some(x) = stems.get_mut(self.stem) else {
            return Err(Error::InvalidParameter {
                name: "stem",
                value: format!("{} (of {n} stems)", self.stem),
                expected: "an index below the number of stems",
            });
        };
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "noisy stem",
                index,
            });
        }
        let snr = rng.range(self.lo, self.hi);
        let power = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
        let std = (power / 10f64.powf(snr / 10.0)).sqrt();
        if std > 0.0 && std.is_finite() {
            x.mapv_inplace(|v| v + (std * rng.normal()) as f32);
        }
        Ok(())
    }
}
