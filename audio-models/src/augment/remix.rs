//! Random mixing of sources across songs.

use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use ndarray::{s, Array2};

use super::item_seed;

/// An item (`(mixture, sources)`) and the songs its sources were drawn from.
type Drawn = ((Array2<f32>, Vec<Array2<f32>>), Vec<usize>);
use crate::error::{Error, Result};
use crate::training::Dataset;

/// Salt of the remix's seeds, so a [`RandomRemix`] and an
/// [`AugmentedDataset`](super::AugmentedDataset) given the same seed draw
/// unrelated streams.
const REMIX_SALT: u64 = 0x0052_454D_4958; // "REMIX"

/// A dataset of excerpts whose every source comes from its own random song
/// at its own random offset, summed to a new mixture — the random track mix
/// of Uhlich et al. 2017 and `openunmix/data.py` (`random_track_mix`), over
/// a separation dataset (items `(mixture, sources)`, e.g.
/// [`SeparationDataset`](crate::datasets::SeparationDataset)).
///
/// For item `index` of epoch `e`, with `rng = SeededRng::new(item_seed(seed
/// ^ salt, e, index))`, source `k` is drawn as `song_k = rng.below(songs)`,
/// `offset_k = rng.below(frames_k − samples + 1)` (0 for a song shorter than
/// `samples`, which is zero-padded), and the item is
/// `(Σ_k x_k, [x_1, …, x_K])`, `x_k = source_k(song_k)[.., offset_k ..
/// offset_k + samples]`. The number of sources and the channels are the
/// first drawn song's.
///
/// Each source loads its whole song through the wrapped dataset's `get`
/// (all its stems), so with a dataset that decodes from disk an item costs
/// `K` song decodes.
///
/// ```
/// use audio_models::augment::RandomRemix;
/// use audio_models::training::Dataset;
/// use audio_models::Result;
/// use ndarray::Array2;
///
/// #[derive(Debug)]
/// struct Songs;
/// impl Dataset for Songs {
///     type Item = (Array2<f32>, Vec<Array2<f32>>);
///     fn len(&self) -> usize { 3 }
///     fn get(&self, i: usize) -> Result<Self::Item> {
///         let s = Array2::<f32>::from_elem((2, 100), i as f32);
///         Ok((&s + &s, vec![s.clone(), s]))
///     }
/// }
///
/// let remix = RandomRemix::new(Songs, 10, 8, 7)?;
/// assert_eq!(remix.len(), 8);
/// let (mix, sources) = remix.get(0)?;
/// assert_eq!(mix.dim(), (2, 10));
/// assert_eq!(mix, &sources[0] + &sources[1]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct RandomRemix<D> {
    dataset: D,
    samples: usize,
    len: usize,
    seed: u64,
    epoch: AtomicU64,
}

impl<D: Clone> Clone for RandomRemix<D> {
    fn clone(&self) -> Self {
        Self {
            dataset: self.dataset.clone(),
            samples: self.samples,
            len: self.len,
            seed: self.seed,
            epoch: AtomicU64::new(self.epoch.load(Ordering::Relaxed)),
        }
    }
}

impl<D: Dataset<Item = (Array2<f32>, Vec<Array2<f32>>)>> RandomRemix<D> {
    /// `len` random excerpts of `samples` samples per epoch from `dataset`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `samples = 0`; [`Error::Empty`] when
    /// `dataset` has no song.
    pub fn new(dataset: D, samples: usize, len: usize, seed: u64) -> Result<Self> {
        if samples == 0 {
            return Err(Error::InvalidParameter {
                name: "samples",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        if dataset.is_empty() {
            return Err(Error::Empty {
                what: "remix dataset",
            });
        }
        Ok(Self {
            dataset,
            samples,
            len,
            seed,
            epoch: AtomicU64::new(0),
        })
    }

    /// Sets the epoch the items are drawn for.
    pub fn set_epoch(&mut self, epoch: u64) {
        *self.epoch.get_mut() = epoch;
    }

    /// The excerpt length in samples.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// The wrapped dataset.
    pub fn inner(&self) -> &D {
        &self.dataset
    }

    /// The songs (indices into the wrapped dataset) item `index` draws its
    /// sources from, in source order.
    ///
    /// # Errors
    ///
    /// As [`get`](Dataset::get).
    pub fn songs_of(&self, index: usize) -> Result<Vec<usize>> {
        Ok(self.draw(index)?.1)
    }

    fn draw(&self, index: usize) -> Result<Drawn> {
        if index >= self.len {
            return Err(Error::InvalidParameter {
                name: "index",
                value: index.to_string(),
                expected: "an index below the dataset's length",
            });
        }
        let mut rng = SeededRng::new(item_seed(
            self.seed ^ REMIX_SALT,
            self.epoch.load(Ordering::Relaxed),
            index as u64,
        ));
        let songs = self.dataset.len();
        let mut excerpts: Vec<Array2<f32>> = Vec::new();
        let mut drawn = Vec::new();
        let mut k = 0;
        let (mut sources, mut channels) = (1, 0);
        while k < sources {
            let song = rng.below(songs);
            let (_, mut stems) = self.dataset.get(song)?;
            if k == 0 {
                sources = stems.len();
                if sources == 0 {
                    return Err(Error::Empty {
                        what: "song sources",
                    });
                }
                channels = stems[0].nrows();
            }
            if stems.len() != sources {
                return Err(Error::ShapeMismatch {
                    what: "remixed song sources",
                    expected: format!("{sources} sources, the first drawn song's"),
                    got: vec![stems.len()],
                });
            }
            let stem = stems.swap_remove(k);
            if stem.nrows() != channels {
                return Err(Error::ShapeMismatch {
                    what: "remixed source",
                    expected: format!("{channels} channels, the first drawn song's"),
                    got: stem.shape().to_vec(),
                });
            }
            let frames = stem.ncols();
            let offset = if frames > self.samples {
                rng.below(frames - self.samples + 1)
            } else {
                0
            };
            let n = self.samples.min(frames - offset);
            let mut x = Array2::<f32>::zeros((channels, self.samples));
            x.slice_mut(s![.., ..n])
                .assign(&stem.slice(s![.., offset..offset + n]));
            excerpts.push(x);
            drawn.push(song);
            k += 1;
        }
        let mut mixture = Array2::<f32>::zeros((channels, self.samples));
        for x in &excerpts {
            mixture += x;
        }
        Ok(((mixture, excerpts), drawn))
    }
}

impl<D: Dataset<Item = (Array2<f32>, Vec<Array2<f32>>)>> Dataset for RandomRemix<D> {
    /// `(mixture, sources)`, each `(channels, samples)`.
    type Item = (Array2<f32>, Vec<Array2<f32>>);

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        Ok(self.draw(index)?.0)
    }

    /// Sets the epoch (as [`set_epoch`](Self::set_epoch)) and passes it on
    /// to the wrapped dataset.
    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
        self.dataset.start_epoch(epoch);
    }
}
