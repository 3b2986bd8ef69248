//! A list of augmentations applied in order.

use audio_dsp::SeededRng;
use ndarray::Array2;

use super::StemAugment;
use crate::error::Result;

/// Applies its transforms in the order they were added, sharing one
/// generator (so each transform's draws follow the previous one's). An empty
/// `Compose` is the identity.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{Compose, RandomGain, StemAugment};
/// use ndarray::Array2;
///
/// let twice = Compose::new().then(RandomGain::new(2.0, 2.0)?).then(RandomGain::new(3.0, 3.0)?);
/// let mut stems = vec![Array2::<f32>::ones((1, 2))];
/// twice.apply(&mut stems, &mut SeededRng::new(0))?;
/// assert_eq!(stems[0][[0, 0]], 6.0);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Compose {
    steps: Vec<Box<dyn StemAugment + Send + Sync>>,
}

impl Compose {
    /// The identity.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `step`, applied after those already added.
    pub fn then(mut self, step: impl StemAugment + Send + Sync + 'static) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    /// The number of transforms.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether there is no transform.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl StemAugment for Compose {
    /// # Errors
    ///
    /// The first error of a transform; later transforms are not applied.
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        self.steps
            .iter()
            .try_for_each(|step| step.apply(stems, rng))
    }
}
