//! Where a split's training excerpts lie: every whole excerpt in order (for
//! validation), or random positions drawn afresh each epoch (for training),
//! item `i` of epoch `e` seeded by `(seed, e, i)` so that a resumed run draws
//! the same.

use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;

use crate::augment::item_seed;
use crate::{Error, Result};

/// The excerpt positions `(song, start)` of a split of songs.
#[derive(Debug)]
pub(crate) struct ExcerptPositions {
    lengths: Vec<usize>,
    excerpt: usize,
    random: Option<(u64, usize)>,
    fixed: Vec<(usize, usize)>,
    epoch: AtomicU64,
}

impl ExcerptPositions {
    /// Excerpts of `excerpt` units (samples, frames) from songs of
    /// `lengths` units: `random = Some((seed, count))` draws `count` a
    /// epoch, `None` takes every whole excerpt.
    pub(crate) fn new(lengths: Vec<usize>, excerpt: usize, random: Option<(u64, usize)>) -> Self {
        let fixed = lengths
            .iter()
            .enumerate()
            .flat_map(|(s, &len)| (0..len / excerpt.max(1)).map(move |k| (s, k * excerpt)))
            .collect();
        Self {
            lengths,
            excerpt,
            random,
            fixed,
            epoch: AtomicU64::new(0),
        }
    }

    /// Whether no song holds a whole excerpt.
    pub(crate) fn no_whole_excerpt(&self) -> bool {
        self.fixed.is_empty()
    }

    /// Excerpts in the split (a training epoch's count, or every whole one).
    pub(crate) fn len(&self) -> usize {
        self.random.map_or(self.fixed.len(), |(_, n)| n)
    }

    /// The `(song, start)` of excerpt `index`: a song holding a whole
    /// excerpt and a start anywhere in it (random), or the `index`-th whole
    /// excerpt.
    pub(crate) fn position(&self, index: usize) -> Result<(usize, usize)> {
        match self.random {
            Some((seed, _)) => {
                let mut rng = SeededRng::new(item_seed(
                    seed,
                    self.epoch.load(Ordering::Relaxed),
                    index as u64,
                ));
                let pick =
                    self.fixed
                        .get(rng.below(self.fixed.len().max(1)))
                        .ok_or(Error::Empty {
                            what: "songs of at least one excerpt",
                        })?;
                let len = self.lengths[pick.0];
                Ok((pick.0, rng.below(len - self.excerpt + 1)))
            }
            None => self
                .fixed
                .get(index)
                .copied()
                .ok_or(Error::InvalidParameter {
                    name: "index",
                    value: index.to_string(),
                    expected: "an index below the number of excerpts",
                }),
        }
    }

    /// Sets the epoch the random positions are drawn for.
    pub(crate) fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}
