//! A random gain per source.

use audio_dsp::SeededRng;
use ndarray::Array2;

use super::{check_range, StemAugment};
use crate::error::Result;

/// Scales each stem by its own gain `g ~ U[lo, hi)`: `x ← g·x`
/// (`openunmix.data._augment_gain`, `g = low + rand()·(high − low)`;
/// Uhlich et al. 2017). One draw per stem, in order.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{RandomGain, StemAugment};
/// use ndarray::Array2;
///
/// let mut stems = vec![Array2::<f32>::ones((2, 4))];
/// RandomGain::new(0.5, 0.5)?.apply(&mut stems, &mut SeededRng::new(1))?;
/// assert_eq!(stems[0][[1, 3]], 0.5);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomGain {
    lo: f64,
    hi: f64,
}

impl RandomGain {
    /// Gains uniform in `[lo, hi)` (`openunmix` trains with `[0.25, 1.25]`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless
    /// `0 ≤ lo ≤ hi`, both finite.
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        check_range("gain", lo, hi, 0.0, "finite gains with 0 <= lo <= hi")?;
        Ok(Self { lo, hi })
    }

    /// The gain range `(lo, hi)`.
    pub fn range(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

impl StemAugment for RandomGain {
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        for stem in stems {
            let g = rng.range(self.lo, self.hi) as f32;
            stem.mapv_inplace(|v| v * g);
        }
        Ok(())
    }
}
