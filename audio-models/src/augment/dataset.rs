//! A trainer dataset that augments another's sources, reseeded per item.

use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use ndarray::Array2;

use super::StemAugment;
use crate::error::{Error, Result};
use crate::training::Dataset;

/// The seed of item `index` in epoch `epoch`: SplitMix64's finaliser applied
/// in turn to `seed`, `epoch` and `index`, so neighbouring indices, epochs
/// and seeds give unrelated generators.
///
/// ```
/// use audio_models::augment::item_seed;
/// assert_eq!(item_seed(1, 2, 3), item_seed(1, 2, 3));
/// assert_ne!(item_seed(1, 2, 3), item_seed(1, 3, 2));
/// ```
pub fn item_seed(seed: u64, epoch: u64, index: u64) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    mix(mix(mix(seed) ^ epoch) ^ index)
}

/// Wraps a separation dataset (items `(mixture, sources)`, each
/// `(channels, samples)`) and augments each item's sources with `A`, then
/// rebuilds the mixture as their sum — `openunmix/data.py`'s
/// `x = stems.sum(0)` after the per-source augmentations (Uhlich et al.
/// 2017) — and finally applies an optional mixture augmentation (e.g.
/// [`AddNoise`](super::AddNoise), so noise reaches the input but not the
/// targets).
///
/// Item `index` of epoch `e` is augmented with
/// `SeededRng::new(item_seed(seed, e, index))`: the same seed, epoch and
/// index give the same item, whatever order items are read in, so a resumed
/// run sees the same data. [`Trainer::fit`](crate::training::Trainer::fit) sets the epoch
/// before each epoch ([`Dataset::start_epoch`]); elsewhere call
/// [`set_epoch`](Self::set_epoch) for fresh augmentations.
///
/// ```
/// use audio_models::augment::{AugmentedDataset, RandomGain};
/// use audio_models::training::Dataset;
/// use audio_models::Result;
/// use ndarray::Array2;
///
/// #[derive(Debug)]
/// struct One;
/// impl Dataset for One {
///     type Item = (Array2<f32>, Vec<Array2<f32>>);
///     fn len(&self) -> usize { 1 }
///     fn get(&self, _: usize) -> Result<Self::Item> {
///         let s = Array2::<f32>::ones((2, 4));
///         Ok((&s + &s, vec![s.clone(), s]))
///     }
/// }
///
/// let data = AugmentedDataset::new(One, RandomGain::new(0.25, 1.25)?, 42);
/// let (mix, sources) = data.get(0)?;
/// assert_eq!(mix, &sources[0] + &sources[1]);
/// assert_eq!(data.get(0)?.0, mix); // deterministic
/// data.start_epoch(1); // as the trainer does before each epoch
/// assert_ne!(data.get(0)?.0, mix); // a fresh draw
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct AugmentedDataset<D, A> {
    dataset: D,
    augment: A,
    mixture_augment: Option<Box<dyn StemAugment + Send + Sync>>,
    rebuild_mixture: bool,
    seed: u64,
    epoch: AtomicU64,
}

impl<D, A> AugmentedDataset<D, A> {
    /// Augments the sources of `dataset` with `augment`, seeded by `seed`,
    /// epoch 0, rebuilding the mixture.
    pub fn new(dataset: D, augment: A, seed: u64) -> Self {
        Self {
            dataset,
            augment,
            mixture_augment: None,
            rebuild_mixture: true,
            seed,
            epoch: AtomicU64::new(0),
        }
    }

    /// Applies `augment` to the (rebuilt) mixture, as a one-stem set, after
    /// the sources' augmentation and with the same generator.
    pub fn with_mixture_augment(
        mut self,
        augment: impl StemAugment + Send + Sync + 'static,
    ) -> Self {
        self.mixture_augment = Some(Box::new(augment));
        self
    }

    /// Keeps the dataset's mixture instead of summing the augmented sources.
    pub fn keep_mixture(mut self) -> Self {
        self.rebuild_mixture = false;
        self
    }

    /// Sets the epoch the items are drawn for.
    pub fn set_epoch(&mut self, epoch: u64) {
        *self.epoch.get_mut() = epoch;
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The wrapped dataset.
    pub fn inner(&self) -> &D {
        &self.dataset
    }
}

impl<D, A> Dataset for AugmentedDataset<D, A>
where
    D: Dataset<Item = (Array2<f32>, Vec<Array2<f32>>)>,
    A: StemAugment,
{
    /// `(mixture, sources)`, each `(channels, samples)`.
    type Item = (Array2<f32>, Vec<Array2<f32>>);

    fn len(&self) -> usize {
        self.dataset.len()
    }

    /// # Errors
    ///
    /// The wrapped dataset's; the augmentations'; [`Error::ShapeMismatch`]
    /// when rebuilding the mixture from sources of differing shapes.
    /// Sets the epoch (as [`set_epoch`](Self::set_epoch)) and passes it on
    /// to the wrapped dataset.
    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
        self.dataset.start_epoch(epoch);
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let (mut mixture, mut sources) = self.dataset.get(index)?;
        let mut rng = SeededRng::new(item_seed(
            self.seed,
            self.epoch.load(Ordering::Relaxed),
            index as u64,
        ));
        self.augment.apply(&mut sources, &mut rng)?;
        if self.rebuild_mixture {
            if let Some(first) = sources.first() {
                let mut sum = Array2::<f32>::zeros(first.raw_dim());
                for s in &sources {
                    if s.dim() != sum.dim() {
                        return Err(Error::ShapeMismatch {
                            what: "augmented source",
                            expected: format!("{:?}, the first source's", sum.dim()),
                            got: s.shape().to_vec(),
                        });
                    }
                    sum += s;
                }
                mixture = sum;
            }
        }
        if let Some(m) = &self.mixture_augment {
            m.apply(std::slice::from_mut(&mut mixture), &mut rng)?;
        }
        Ok((mixture, sources))
    }
}
