//! The dataset trait and the seeded mini-batch loader.

use audio_dsp::SeededRng;
use candle_core::Tensor;

use crate::error::{Error, Result};

/// A finite, indexable collection of training examples.
///
/// Items are produced on demand by index, so a dataset may read from disk or
/// synthesise (and augment) examples; a deterministic dataset gives the same
/// item for the same index.
pub trait Dataset {
    /// One example (a pair of tensors, a struct of a model's inputs, ...).
    type Item;

    /// The number of examples.
    fn len(&self) -> usize;

    /// Whether there are no examples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The example at `index` (`index < len()`).
    ///
    /// # Errors
    ///
    /// The dataset's own (reading a file, an index out of range).
    fn get(&self, index: usize) -> Result<Self::Item>;

    /// Called by [`Trainer::fit`](super::Trainer::fit) before each training
    /// epoch (from 0, also when a run resumes): a dataset that draws per
    /// epoch (augmentations, random excerpts) takes its epoch here, so that
    /// item `i` of epoch `e` is the same however the run was interrupted.
    /// Nothing by default.
    fn start_epoch(&self, epoch: usize) {
        let _ = epoch;
    }
}

/// An in-memory dataset of (input, target) pairs: row `i` of `inputs` and
/// row `i` of `targets`.
///
/// ```
/// use audio_models::training::{Dataset, TensorDataset};
/// use candle_core::{Device, Tensor};
///
/// let x = Tensor::arange(0f32, 6.0, &Device::Cpu)?.reshape((3, 2))?;
/// let y = Tensor::new(&[0f32, 1.0, 2.0], &Device::Cpu)?;
/// let data = TensorDataset::new(x, y)?;
/// assert_eq!(data.len(), 3);
/// let (xi, yi) = data.get(1)?;
/// assert_eq!(xi.to_vec1::<f32>()?, [2.0, 3.0]);
/// assert_eq!(yi.to_scalar::<f32>()?, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TensorDataset {
    inputs: Tensor,
    targets: Tensor,
}

impl TensorDataset {
    /// Pairs the rows (first dimension) of `inputs` and `targets`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when either is a scalar or their first
    /// dimensions differ.
    pub fn new(inputs: Tensor, targets: Tensor) -> Result<Self> {
        let n = inputs.dims().first().copied();
        if n.is_none() || targets.dims().first().copied() != n {
            return Err(Error::ShapeMismatch {
                what: "TensorDataset targets",
                expected: format!("first dimension equal to the inputs' ({n:?})"),
                got: targets.dims().to_vec(),
            });
        }
        Ok(Self { inputs, targets })
    }
}

impl Dataset for TensorDataset {
    type Item = (Tensor, Tensor);

    fn len(&self) -> usize {
        self.inputs.dims().first().copied().unwrap_or(0)
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        if index >= self.len() {
            return Err(Error::InvalidParameter {
                name: "index",
                value: index.to_string(),
                expected: "an index below the dataset's length",
            });
        }
        Ok((self.inputs.get(index)?, self.targets.get(index)?))
    }
}

/// Stacks a batch of (input, target) pairs into two tensors with a new
/// leading batch dimension.
///
/// # Errors
///
/// [`Error::Empty`] for an empty batch; a candle error when the items'
/// shapes differ.
pub fn stack_pairs(batch: &[(Tensor, Tensor)]) -> Result<(Tensor, Tensor)> {
    if batch.is_empty() {
        return Err(Error::Empty { what: "batch" });
    }
    let xs: Vec<&Tensor> = batch.iter().map(|(x, _)| x).collect();
    let ys: Vec<&Tensor> = batch.iter().map(|(_, y)| y).collect();
    Ok((Tensor::stack(&xs, 0)?, Tensor::stack(&ys, 0)?))
}

/// Splits a dataset into mini-batches, shuffled by a seeded generator.
///
/// The order of epoch `e` is a Fisher–Yates shuffle drawn from
/// `SeededRng::new(seed + e)` (wrapping), so it depends on the seed and the
/// epoch only: a run resumed at epoch `e` sees the same batches as an
/// uninterrupted one.
///
/// ```
/// use audio_models::training::Batcher;
///
/// let b = Batcher::new(4, 7)?;
/// let order = b.order(10, 0);
/// assert_eq!(order, b.order(10, 0));
/// assert_ne!(order, b.order(10, 1));
/// assert_eq!(b.batch_indices(10, 0).len(), 3); // 4 + 4 + 2
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Batcher {
    /// Examples per batch.
    pub batch_size: usize,
    /// The shuffling seed.
    pub seed: u64,
    /// Whether to shuffle (otherwise index order).
    pub shuffle: bool,
    /// Whether to drop a last, incomplete batch.
    pub drop_last: bool,
}

impl Batcher {
    /// A shuffling batcher that keeps the last, incomplete batch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `batch_size = 0`.
    pub fn new(batch_size: usize, seed: u64) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::InvalidParameter {
                name: "batch_size",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(Self {
            batch_size,
            seed,
            shuffle: true,
            drop_last: false,
        })
    }

    /// The order of the `len` examples in epoch `epoch`.
    pub fn order(&self, len: usize, epoch: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..len).collect();
        if self.shuffle && len > 1 {
            let mut rng = SeededRng::new(self.seed.wrapping_add(epoch as u64));
            for i in (1..len).rev() {
                let j = rng.below(i + 1);
                order.swap(i, j);
            }
        }
        order
    }

    /// The indices of each batch of epoch `epoch`.
    pub fn batch_indices(&self, len: usize, epoch: usize) -> Vec<Vec<usize>> {
        let size = self.batch_size.max(1);
        self.order(len, epoch)
            .chunks(size)
            .filter(|c| !self.drop_last || c.len() == size)
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// The batches of epoch `epoch`, each a vector of items, read lazily.
    pub fn batches<'a, D: Dataset>(
        &self,
        dataset: &'a D,
        epoch: usize,
    ) -> impl Iterator<Item = Result<Vec<D::Item>>> + 'a {
        self.batch_indices(dataset.len(), epoch)
            .into_iter()
            .map(move |indices| indices.into_iter().map(|i| dataset.get(i)).collect())
    }
}
