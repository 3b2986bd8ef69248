//! A random time stretch of a whole source set.

use audio_dsp::effects::TimeStretch;
use audio_dsp::{SeededRng, StftConfig};
use ndarray::Array2;

use super::{check_range, StemAugment};
use crate::error::Result;

/// Stretches every stem by the same rate `r ~ U[lo, hi)`, keeping the
/// pitch: `librosa.effects.time_stretch(x, rate=r)` on each stem and channel
/// ([`audio_dsp::effects::TimeStretch`], the augmentation of the ISMIR 2021
/// tutorial's waveform models, seed 003). One draw per call; the stems
/// become `round(n / r)` samples long (all the same), so crop or pad them
/// to a fixed excerpt length after this transform.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{RandomTimeStretch, StemAugment};
/// use ndarray::Array2;
///
/// let mut stems = vec![Array2::<f32>::from_elem((2, 8000), 0.1); 2];
/// RandomTimeStretch::new(2.0, 2.0)?.apply(&mut stems, &mut SeededRng::new(0))?;
/// assert_eq!(stems[0].dim(), (2, 4000));
/// assert_eq!(stems[1].dim(), (2, 4000));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomTimeStretch {
    lo: f64,
    hi: f64,
}

impl RandomTimeStretch {
    /// Rates uniform in `[lo, hi)` (> 1 faster).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless
    /// `0 < lo <= hi`, both finite.
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        check_range(
            "rate",
            lo,
            hi,
            f64::MIN_POSITIVE,
            "finite rates with 0 < lo <= hi",
        )?;
        Ok(Self { lo, hi })
    }
}

impl StemAugment for RandomTimeStretch {
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        let rate = rng.range(self.lo, self.hi);
        let stretch = TimeStretch::<f32>::new(rate, StftConfig::default())?;
        for stem in stems {
            *stem = stretch.process_multichannel(stem.view())?;
        }
        Ok(())
    }
}
