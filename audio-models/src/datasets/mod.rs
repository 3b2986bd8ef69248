//! Readers of the on-disk dataset layouts the trainer consumes.
//!
//! Every layout has a root with one folder per split (`train`, `valid`,
//! `test`); a reader opens one split with `open(root, split)`. Opening
//! validates the tree eagerly but cheaply (folder listings and WAV headers,
//! no sample data) and fails with a typed [`Error`]: a missing split folder
//! ([`Error::MissingSplit`]), an empty split ([`Error::EmptySplit`]), a file
//! without its partner ([`Error::MissingPair`]), a song without a stem
//! ([`Error::MissingStem`]), a sample rate other than the split's
//! ([`Error::SampleRateMismatch`]), and lengths or channel counts that differ
//! within a song or pair ([`Error::LengthMismatch`],
//! [`Error::ChannelMismatch`]). Items are then read on demand through the
//! trainer's [`Dataset`](crate::training::Dataset) trait.
//!
//! | Layout | Files under `ROOT/<split>/` | Reader |
//! |---|---|---|
//! | separation (MUSDB18-HQ) | `<song>/{mixture,<source>…}.wav` | [`SeparationDataset`] |
//! | classification | `<label>/*.wav` | [`ClassificationDataset`] |
//! | transcription | `<piece>.{wav,mid}` | [`TranscriptionDataset`] |
//! | melody | `*.{krn,mid}` | [`MelodyDataset`] |
//! | denoising | `{clean,noisy}/<id>.wav` | [`DenoisingDataset`] |
//! | effects | `<id>.{dry,wet}.wav` + `<id>.json` | [`EffectsDataset`] |
//!
//! Extensions are lower case (`.wav`, `.mid`, `.krn`, `.json`); entries
//! whose names start with `.` (`.DS_Store`, ...) are ignored, and so are
//! files of other extensions.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ndarray::Array2;

use crate::error::{Error, Result};

mod classification;
mod denoising;
mod effects;
mod melody;
mod separation;
mod transcription;

pub use classification::ClassificationDataset;
pub use denoising::DenoisingDataset;
pub use effects::{EffectParams, EffectsDataset};
pub use melody::{MelodyDataset, MelodyFile, MelodyFormat};
pub use separation::SeparationDataset;
pub use transcription::TranscriptionDataset;

/// One of a dataset's three splits.
///
/// ```
/// use audio_models::datasets::Split;
///
/// let split: Split = "valid".parse()?;
/// assert_eq!(split, Split::Valid);
/// assert_eq!(split.as_str(), "valid");
/// assert!("dev".parse::<Split>().is_err());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// The training split (`train/`).
    Train,
    /// The validation split (`valid/`).
    Valid,
    /// The test split (`test/`).
    Test,
}

impl Split {
    /// The three splits, in order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    /// The split's folder name: `train`, `valid` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Split {
    type Err = Error;

    /// Parses `train`, `valid` or `test`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other string.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "train" => Ok(Split::Train),
            "valid" => Ok(Split::Valid),
            "test" => Ok(Split::Test),
            other => Err(Error::InvalidParameter {
                name: "split",
                value: other.to_string(),
                expected: "train, valid or test",
            }),
        }
    }
}

/// What a WAV header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WavHeader {
    pub(crate) sample_rate: u32,
    pub(crate) channels: usize,
    pub(crate) frames: u64,
}

/// Reads a WAV file's header only.
pub(crate) fn wav_header(path: &Path) -> Result<WavHeader> {
    let file = std::fs::File::open(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = audio_io::wav::WavReader::new(std::io::BufReader::new(file))?;
    let spec = reader.spec();
    Ok(WavHeader {
        sample_rate: spec.sample_rate,
        channels: usize::from(spec.channels),
        frames: spec.declared_frames,
    })
}

/// The folder of `split` under `root`.
pub(crate) fn split_dir(root: &Path, split: Split) -> Result<PathBuf> {
    let dir = root.join(split.as_str());
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::MissingSplit {
            root: root.to_path_buf(),
            split: split.as_str(),
        })
    }
}

/// The non-hidden entries of `dir`, sorted by path.
pub(crate) fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let file_err = |source| Error::File {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(file_err)? {
        let path = entry.map_err(file_err)?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        if !hidden {
            entries.push(path);
        }
    }
    entries.sort();
    Ok(entries)
}

/// The file name of `path` as UTF-8 (empty when it has none).
pub(crate) fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether `path` is a file with extension `ext` (case-sensitive: the
/// layouts name their files in lower case).
pub(crate) fn has_ext(path: &Path, ext: &str) -> bool {
    path.is_file() && path.extension().and_then(|e| e.to_str()) == Some(ext)
}

/// The sample rate every file of a split must share (its first file's).
#[derive(Debug, Default)]
pub(crate) struct RateCheck {
    rate: Option<u32>,
}

impl RateCheck {
    /// Checks `header` (of `path`) against the split's rate, fixing it on the
    /// first call.
    pub(crate) fn check(&mut self, path: &Path, header: &WavHeader) -> Result<()> {
        match self.rate {
            None => {
                self.rate = Some(header.sample_rate);
                Ok(())
            }
            Some(expected) if expected == header.sample_rate => Ok(()),
            Some(expected) => Err(Error::SampleRateMismatch {
                path: path.to_path_buf(),
                expected,
                got: header.sample_rate,
            }),
        }
    }

    /// The split's rate (0 before any file).
    pub(crate) fn rate(&self) -> u32 {
        self.rate.unwrap_or(0)
    }
}

/// Checks that `header` (of `path`) has the sample rate, channels and frames
/// of `reference`, the first file of its song or pair.
pub(crate) fn check_same(path: &Path, header: &WavHeader, reference: &WavHeader) -> Result<()> {
    if header.sample_rate != reference.sample_rate {
        return Err(Error::SampleRateMismatch {
            path: path.to_path_buf(),
            expected: reference.sample_rate,
            got: header.sample_rate,
        });
    }
    if header.channels != reference.channels {
        return Err(Error::ChannelMismatch {
            path: path.to_path_buf(),
            expected: reference.channels,
            got: header.channels,
        });
    }
    if header.frames != reference.frames {
        return Err(Error::LengthMismatch {
            path: path.to_path_buf(),
            expected: reference.frames,
            got: header.frames,
        });
    }
    Ok(())
}

/// Decodes a whole audio file to `(channels, samples)`.
pub(crate) fn load_audio(path: &Path) -> Result<Array2<f32>> {
    Ok(audio_io::decode(path)?.samples)
}

/// [`Error::InvalidParameter`] unless `index < len`.
pub(crate) fn check_index(index: usize, len: usize) -> Result<()> {
    if index < len {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "index",
            value: index.to_string(),
            expected: "an index below the dataset's length",
        })
    }
}

/// [`Error::EmptySplit`] when `len == 0`.
pub(crate) fn check_nonempty(root: &Path, split: Split, len: usize) -> Result<()> {
    if len == 0 {
        Err(Error::EmptySplit {
            root: root.to_path_buf(),
            split: split.as_str(),
        })
    } else {
        Ok(())
    }
}
