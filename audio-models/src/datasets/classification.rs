//! `ROOT/<split>/<label>/*.wav`: one folder per class.

use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{
    check_index, check_nonempty, file_name, has_ext, list_dir, load_audio, split_dir, wav_header,
    RateCheck, Split,
};
use crate::error::Result;
use crate::training::Dataset;

/// An audio-classification split: one folder per label holding that label's
/// WAV files.
///
/// The labels are the folder names, sorted, and a label's index is its
/// position in [`labels`](Self::labels). The labels are read from the split
/// itself, so keep the same label folders in every split (an empty folder is
/// allowed) for the indices to agree. Every file must have the split's sample
/// rate; lengths and channels may differ. An item is `(samples, label)`,
/// samples `(channels, samples)`.
///
/// ```no_run
/// use audio_models::datasets::{ClassificationDataset, Split};
/// use audio_models::Dataset;
///
/// let data = ClassificationDataset::open("esc50", Split::Train)?;
/// let (samples, label) = data.get(0)?;
/// println!("{} frames of {}", samples.ncols(), data.labels()[label]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClassificationDataset {
    split: Split,
    labels: Vec<String>,
    files: Vec<(PathBuf, usize)>,
    sample_rate: u32,
}

impl ClassificationDataset {
    /// Opens and validates split `split` of the tree at `root`, reading WAV
    /// headers only.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`](crate::Error::MissingSplit) without
    /// `root/<split>`; [`Error::EmptySplit`](crate::Error::EmptySplit) when
    /// no label folder holds a WAV file;
    /// [`Error::SampleRateMismatch`](crate::Error::SampleRateMismatch) for a
    /// file whose rate is not the split's (its first file's);
    /// [`Error::File`](crate::Error::File) or [`Error::Io`](crate::Error::Io)
    /// for an unreadable folder or WAV header.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let mut labels = Vec::new();
        let mut files = Vec::new();
        let mut rate = RateCheck::default();
        for label_dir in list_dir(&dir)?.into_iter().filter(|p| p.is_dir()) {
            let index = labels.len();
            for path in list_dir(&label_dir)? {
                if has_ext(&path, "wav") {
                    rate.check(&path, &wav_header(&path)?)?;
                    files.push((path, index));
                }
            }
            labels.push(file_name(&label_dir).to_string());
        }
        check_nonempty(root, split, files.len())?;
        Ok(Self {
            split,
            labels,
            files,
            sample_rate: rate.rate(),
        })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The labels, sorted; a label's index is its position.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The files with their label indices, by label then file name.
    pub fn files(&self) -> &[(PathBuf, usize)] {
        &self.files
    }

    /// The sample rate of every file of the split, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

impl Dataset for ClassificationDataset {
    /// `(samples, label index)`, samples `(channels, samples)`.
    type Item = (Array2<f32>, usize);

    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        check_index(index, self.files.len())?;
        let (path, label) = &self.files[index];
        Ok((load_audio(path)?, *label))
    }
}
