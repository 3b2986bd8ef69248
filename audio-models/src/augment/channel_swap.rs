//! A random left/right swap per source.

use audio_dsp::SeededRng;
use ndarray::{s, Array2};

use super::StemAugment;
use crate::error::{Error, Result};

/// Swaps the two channels of each stereo stem with probability `p`
/// (`openunmix.data._augment_channelswap`: `if audio.shape[0] == 2 and
/// rand() < p: audio.flip(0)`; Uhlich et al. 2017). One uniform draw per
/// stem, in order, whatever its channels; stems that are not stereo are
/// left unchanged, as in `openunmix`.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{RandomChannelSwap, StemAugment};
/// use ndarray::array;
///
/// let mut stems = vec![array![[1f32, 1.0], [2.0, 2.0]]];
/// RandomChannelSwap::new(1.0)?.apply(&mut stems, &mut SeededRng::new(0))?;
/// assert_eq!(stems[0], array![[2f32, 2.0], [1.0, 1.0]]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomChannelSwap {
    p: f64,
}

impl RandomChannelSwap {
    /// Swaps with probability `p` (`openunmix` trains with 0.5).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 ≤ p ≤ 1`.
    pub fn new(p: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidParameter {
                name: "channel_swap",
                value: p.to_string(),
                expected: "a probability in [0, 1]",
            });
        }
        Ok(Self { p })
    }

    /// The swap probability.
    pub fn probability(&self) -> f64 {
        self.p
    }
}

impl StemAugment for RandomChannelSwap {
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        for stem in stems {
            let swap = rng.uniform() < self.p;
            if swap && stem.nrows() == 2 {
                let (mut left, mut right) = stem.multi_slice_mut((s![0, ..], s![1, ..]));
                ndarray::Zip::from(&mut left)
                    .and(&mut right)
                    .for_each(std::mem::swap);
            }
        }
        Ok(())
    }
}
