//! Training and validation examples for the separators that learn every
//! source at once (Wave-U-Net, the T-F mask model): augmented random
//! excerpts with all stems, and fixed validation cuts.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{s, Array2};

use crate::augment::item_seed;
use crate::open_unmix::{sample_stems, AugmentConfig, SeededRng, StemDataset};
use crate::training::Dataset;
use crate::{Error, Result};

/// One example: the mixture and every source, each `(2, samples)`, the
/// sources in the dataset's order.
pub type StemExample = (Array2<f32>, Vec<Array2<f32>>);

/// The training examples of an epoch: `len` excerpts of `samples` samples
/// drawn by [`sample_stems`], item `i` of epoch `e` from
/// `SeededRng::new(item_seed(seed, e, i))`, so a resumed run redraws the
/// same excerpts.
#[derive(Debug)]
pub struct StemExcerpts<'a> {
    data: &'a StemDataset,
    samples: usize,
    augment: AugmentConfig,
    len: usize,
    seed: u64,
    epoch: AtomicU64,
}

impl<'a> StemExcerpts<'a> {
    /// `len` excerpts per epoch of `samples` samples from `data`.
    pub fn new(
        data: &'a StemDataset,
        samples: usize,
        augment: AugmentConfig,
        len: usize,
        seed: u64,
    ) -> Self {
        Self {
            data,
            samples,
            augment,
            len,
            seed,
            epoch: AtomicU64::new(0),
        }
    }
}

impl Dataset for StemExcerpts<'_> {
    type Item = StemExample;

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        let mut rng = SeededRng::new(item_seed(self.seed, epoch, index as u64));
        Ok(sample_stems(
            self.data,
            self.samples,
            &self.augment,
            &mut rng,
        ))
    }

    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}

/// Fixed validation examples: from each song, consecutive unaugmented
/// excerpts of `samples` samples covering its first `seconds` (whole song
/// when `None`), at most `max_per_song` of them.
#[derive(Debug)]
pub struct StemCuts(pub Vec<StemExample>);

impl StemCuts {
    /// Cuts `data`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingStem`] when a song lacks a source.
    pub fn new(
        data: &StemDataset,
        samples: usize,
        seconds: Option<f64>,
        max_per_song: usize,
    ) -> Result<Self> {
        let mut out = Vec::new();
        for song in &data.songs {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "seconds times a sample rate, clamped to the song"
            )]
            let len = seconds.map_or(song.len(), |s| {
                ((s * f64::from(data.sample_rate)) as usize).min(song.len())
            });
            let mix = song.mixture();
            for k in 0..(len / samples).min(max_per_song) {
                let r = k * samples..(k + 1) * samples;
                let stems = data
                    .sources
                    .iter()
                    .map(|name| {
                        song.stems
                            .get(name)
                            .map(|a| a.slice(s![.., r.clone()]).to_owned())
                            .ok_or_else(|| Error::MissingStem {
                                song: song.name.clone(),
                                stem: name.clone(),
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                out.push((mix.slice(s![.., r.clone()]).to_owned(), stems));
            }
        }
        Ok(Self(out))
    }
}

impl Dataset for StemCuts {
    type Item = StemExample;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        self.0.get(index).cloned().ok_or(Error::InvalidParameter {
            name: "index",
            value: index.to_string(),
            expected: "an index below the number of validation cuts",
        })
    }
}

/// The index in `train.sources` of each name in `names`, which must be a
/// source of both splits; `field` names the setting in the error.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a name either split lacks.
pub fn source_indices(
    train: &StemDataset,
    valid: &StemDataset,
    names: &[String],
    field: &'static str,
) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|name| {
            train
                .sources
                .iter()
                .position(|s| s == name)
                .filter(|_| valid.sources.contains(name))
                .ok_or_else(|| Error::InvalidParameter {
                    name: field,
                    value: name.clone(),
                    expected: "sources of the training and validation songs",
                })
        })
        .collect()
}

/// Checks what every separator's training needs of its data and loop:
/// both splits non-empty, at `rate`, and batch size, steps per epoch and
/// epochs above zero. `what` names the model in the errors.
///
/// # Errors
///
/// [`Error::Empty`] for an empty split; [`Error::InvalidParameter`] for
/// another rate or a zero size.
pub fn check_training(
    what: &'static str,
    train: &StemDataset,
    valid: &StemDataset,
    rate: u32,
    sizes: (usize, usize, usize),
) -> Result<()> {
    if train.songs.is_empty() || valid.songs.is_empty() {
        return Err(Error::Empty { what });
    }
    if train.sample_rate != rate || valid.sample_rate != rate {
        return Err(Error::InvalidParameter {
            name: "sample_rate",
            value: rate.to_string(),
            expected: "the dataset's sample rate",
        });
    }
    let (batch, steps, epochs) = sizes;
    if batch == 0 || steps == 0 || epochs == 0 {
        return Err(Error::InvalidParameter {
            name: "batch_size/steps_per_epoch/epochs",
            value: format!("{batch}/{steps}/{epochs}"),
            expected: "all > 0",
        });
    }
    Ok(())
}

/// The architecture record a separator writes into its checkpoints: its
/// configuration, with `arch` naming the architecture so that a checkpoint
/// directory says which model it holds (`audio separate` dispatches on it).
///
/// # Errors
///
/// [`Error::StateJson`] when the configuration does not serialise.
pub fn architecture_record(
    config: &impl serde::Serialize,
    arch: &'static str,
    what: &'static str,
) -> Result<serde_json::Value> {
    let mut record =
        serde_json::to_value(config).map_err(|source| Error::StateJson { what, source })?;
    if let Some(obj) = record.as_object_mut() {
        obj.insert("arch".into(), arch.into());
    }
    Ok(record)
}
