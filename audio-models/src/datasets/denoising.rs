//! `ROOT/<split>/{clean,noisy}/<id>.wav`: paired clean and noisy speech.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{
    check_index, check_nonempty, check_same, has_ext, list_dir, load_audio, split_dir, wav_header,
    RateCheck, Split,
};
use crate::error::{Error, Result};
use crate::training::Dataset;

/// A denoising split: `clean/<id>.wav` and `noisy/<id>.wav` pairs.
///
/// Every clean file must have its noisy file and the reverse; the two of a
/// pair must have the same channels and length, and every file the split's
/// sample rate. An item is `(noisy, clean)`, each `(channels, samples)`.
///
/// ```no_run
/// use audio_models::datasets::{DenoisingDataset, Split};
/// use audio_models::Dataset;
///
/// let vctk = DenoisingDataset::open("voicebank-demand", Split::Train)?;
/// let (noisy, clean) = vctk.get(0)?;
/// assert_eq!(noisy.dim(), clean.dim());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DenoisingDataset {
    dir: PathBuf,
    split: Split,
    ids: Vec<String>,
    sample_rate: u32,
}

impl DenoisingDataset {
    /// Opens and validates split `split` of the tree at `root`, reading WAV
    /// headers only.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`] without `root/<split>`;
    /// [`Error::MissingFolder`] without its `clean/` or `noisy/`;
    /// [`Error::EmptySplit`] when they hold no pair; [`Error::MissingPair`]
    /// for a file without its partner; [`Error::SampleRateMismatch`],
    /// [`Error::ChannelMismatch`], [`Error::LengthMismatch`] for a noisy file
    /// that differs from its clean one (or a rate from the split's);
    /// [`Error::File`] or [`Error::Io`] for an unreadable folder or header.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let clean = wav_ids(&dir.join("clean"))?;
        let noisy = wav_ids(&dir.join("noisy"))?;
        for (have, lack, have_dir, lack_dir) in [
            (&clean, &noisy, "clean", "noisy"),
            (&noisy, &clean, "noisy", "clean"),
        ] {
            if let Some(id) = have.difference(lack).next() {
                return Err(Error::MissingPair {
                    path: dir.join(have_dir).join(format!("{id}.wav")),
                    expected: dir.join(lack_dir).join(format!("{id}.wav")),
                });
            }
        }
        check_nonempty(root, split, clean.len())?;
        let mut rate = RateCheck::default();
        for id in &clean {
            let clean_path = dir.join("clean").join(format!("{id}.wav"));
            let clean_header = wav_header(&clean_path)?;
            rate.check(&clean_path, &clean_header)?;
            let noisy_path = dir.join("noisy").join(format!("{id}.wav"));
            check_same(&noisy_path, &wav_header(&noisy_path)?, &clean_header)?;
        }
        Ok(Self {
            dir,
            split,
            ids: clean.into_iter().collect(),
            sample_rate: rate.rate(),
        })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The pair ids (file stems), sorted; pair `i` is item `i`.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The sample rate of every file of the split, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The `(noisy, clean)` paths of pair `index`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range.
    pub fn paths(&self, index: usize) -> Result<(PathBuf, PathBuf)> {
        check_index(index, self.ids.len())?;
        let file = format!("{}.wav", self.ids[index]);
        Ok((
            self.dir.join("noisy").join(&file),
            self.dir.join("clean").join(&file),
        ))
    }
}

impl Dataset for DenoisingDataset {
    /// `(noisy, clean)`, each `(channels, samples)`.
    type Item = (Array2<f32>, Array2<f32>);

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let (noisy, clean) = self.paths(index)?;
        Ok((load_audio(&noisy)?, load_audio(&clean)?))
    }
}

/// The stems of the WAV files of `dir`.
fn wav_ids(dir: &Path) -> Result<BTreeSet<String>> {
    if !dir.is_dir() {
        return Err(Error::MissingFolder {
            path: dir.to_path_buf(),
        });
    }
    Ok(list_dir(dir)?
        .into_iter()
        .filter(|p| has_ext(p, "wav"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect())
}
