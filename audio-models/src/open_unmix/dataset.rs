//! Multitrack datasets in the MUSDB18-HQ WAV layout
//! (`<root>/<split>/<song>/{mixture,<source>…}.wav`), as written by
//! `tools/datasets/render_separation.py`, decoded into memory.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array2;

use crate::datasets::{SeparationDataset, Split};
use crate::{Error, Result};

/// One song: its stems, each `(2, samples)` at the dataset's rate.
#[derive(Debug, Clone)]
pub struct Song {
    /// The folder name.
    pub name: String,
    /// Stems by name (`vocals`, `drums`, `bass`, `other`), all the same length.
    pub stems: BTreeMap<String, Array2<f32>>,
    /// `mixture.wav` when present (else the sum of the stems is used).
    pub mixture: Option<Array2<f32>>,
}

impl Song {
    /// Samples per channel.
    pub fn len(&self) -> usize {
        self.stems.values().next().map_or(0, |s| s.ncols())
    }

    /// Whether the song has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The mixture: `mixture.wav`, or `Σ stems`.
    pub fn mixture(&self) -> Array2<f32> {
        match &self.mixture {
            Some(m) => m.clone(),
            None => {
                let mut it = self.stems.values();
                let mut sum = it.next().cloned().unwrap_or_else(|| Array2::zeros((2, 0)));
                for s in it {
                    sum += s;
                }
                sum
            }
        }
    }
}

/// The songs of one split of a MUSDB18-HQ-style folder,
/// `<root>/<split>/<song>/{mixture,<source>…}.wav`, read through the
/// validating [`SeparationDataset`] reader and held in memory: every source
/// the folder holds (not only MUSDB's four), stereo, resampled to
/// `sample_rate` (a mono file is duplicated to two channels).
///
/// # Example
///
/// ```no_run
/// use audio_models::datasets::Split;
/// use audio_models::open_unmix::StemDataset;
/// let train = StemDataset::open("musdb18hq", Split::Train, 44_100)?;
/// println!("{} songs, sources {:?}", train.songs.len(), train.sources);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StemDataset {
    /// The songs, sorted by folder name.
    pub songs: Vec<Song>,
    /// The source names, sorted (every song has each).
    pub sources: Vec<String>,
    /// Sample rate of every stem.
    pub sample_rate: u32,
}

impl StemDataset {
    /// Reads split `split` of `root` ([`SeparationDataset::open`]'s checks:
    /// a mixture and every source in each song, one sample rate, equal
    /// lengths) and decodes every song.
    ///
    /// # Errors
    ///
    /// Those of [`SeparationDataset::open`] ([`Error::MissingSplit`],
    /// [`Error::EmptySplit`], [`Error::MissingStem`],
    /// [`Error::SampleRateMismatch`], [`Error::LengthMismatch`]); `audio_io`
    /// errors decoding a WAV; [`Error::ShapeMismatch`] for a stem of more
    /// than two channels.
    pub fn open(root: impl AsRef<Path>, split: Split, sample_rate: u32) -> Result<Self> {
        let layout = SeparationDataset::open(root, split)?;
        let read = |path: &Path| -> Result<Array2<f32>> {
            let a = audio_io::load::<f32>(
                path,
                &audio_io::LoadOptions {
                    sr: Some(sample_rate),
                    mono: false,
                    ..audio_io::LoadOptions::default()
                },
            )?
            .samples;
            match a.nrows() {
                2 => Ok(a),
                1 => Ok(ndarray::concatenate![ndarray::Axis(0), a, a]),
                _ => Err(Error::ShapeMismatch {
                    what: "stem",
                    expected: "mono or stereo".into(),
                    got: a.shape().to_vec(),
                }),
            }
        };
        let sources = layout.sources().to_vec();
        let mut songs = Vec::with_capacity(layout.songs().len());
        for (i, name) in layout.songs().iter().enumerate() {
            let mut stems = BTreeMap::new();
            for source in &sources {
                stems.insert(source.clone(), read(&layout.stem_path(i, source)?)?);
            }
            let mixture = Some(read(&layout.stem_path(i, "mixture")?)?);
            songs.push(Song {
                name: name.clone(),
                stems,
                mixture,
            });
        }
        Ok(Self {
            songs,
            sources,
            sample_rate,
        })
    }

    /// [`StemDataset::open`] with the split by name (`train`, `valid`, `test`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another split name; as [`StemDataset::open`].
    pub fn load(root: impl AsRef<Path>, split: &str, sample_rate: u32) -> Result<Self> {
        Self::open(root, split.parse()?, sample_rate)
    }

    /// Splits off the last `count` songs (e.g. a validation split).
    pub fn split_off(&mut self, count: usize) -> StemDataset {
        let at = self.songs.len().saturating_sub(count);
        StemDataset {
            songs: self.songs.split_off(at),
            sources: self.sources.clone(),
            sample_rate: self.sample_rate,
        }
    }
}
