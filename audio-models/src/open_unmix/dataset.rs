//! Multitrack datasets in the MUSDB18-HQ WAV layout
//! (`<root>/<split>/<song>/{mixture,vocals,drums,bass,other}.wav`), as
//! written by `tools/datasets/render_songs.py`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::separator::MUSDB_TARGETS;
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

/// The songs of one split (`train`, `test`, ...) of a MUSDB18-HQ-style
/// folder: `<root>/<split>/<song>/<stem>.wav`, stems `vocals`, `drums`,
/// `bass`, `other` (and `mixture`), stereo, resampled to `sample_rate`
/// (a mono file is duplicated to two channels).
///
/// # Example
///
/// ```no_run
/// use audio_models::open_unmix::StemDataset;
/// let train = StemDataset::load("musdb18hq", "train", 44_100)?;
/// println!("{} songs", train.songs.len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StemDataset {
    /// The songs, sorted by folder name.
    pub songs: Vec<Song>,
    /// Sample rate of every stem.
    pub sample_rate: u32,
}

impl StemDataset {
    /// Reads every song folder of `<root>/<split>` that holds the four stems.
    ///
    /// # Errors
    ///
    /// [`Error::File`] when the split folder cannot be listed; `audio_io`
    /// errors decoding a WAV; [`Error::ShapeMismatch`] for stems of different
    /// lengths or more than two channels; [`Error::ModelNotFound`] (target
    /// `*`) when no song folder is found.
    pub fn load(root: impl AsRef<Path>, split: &str, sample_rate: u32) -> Result<Self> {
        let dir = root.as_ref().join(split);
        let rd = std::fs::read_dir(&dir).map_err(|source| Error::File {
            path: dir.clone(),
            source,
        })?;
        let mut folders: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_dir()
                    && MUSDB_TARGETS
                        .iter()
                        .all(|t| p.join(format!("{t}.wav")).is_file())
            })
            .collect();
        folders.sort();
        if folders.is_empty() {
            return Err(Error::ModelNotFound {
                dir,
                target: "*".into(),
            });
        }
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
        let mut songs = Vec::with_capacity(folders.len());
        for f in folders {
            let mut stems = BTreeMap::new();
            for t in MUSDB_TARGETS {
                stems.insert(t.to_string(), read(&f.join(format!("{t}.wav")))?);
            }
            let n = stems.values().map(|s| s.ncols()).min().unwrap_or(0);
            for s in stems.values_mut() {
                if s.ncols() != n {
                    *s = s.slice(ndarray::s![.., ..n]).to_owned();
                }
            }
            let mix_path = f.join("mixture.wav");
            let mixture = if mix_path.is_file() {
                let m = read(&mix_path)?;
                Some(m.slice(ndarray::s![.., ..n.min(m.ncols())]).to_owned())
            } else {
                None
            };
            songs.push(Song {
                name: f
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                stems,
                mixture,
            });
        }
        Ok(Self { songs, sample_rate })
    }

    /// Splits off the last `count` songs (e.g. a validation split).
    pub fn split_off(&mut self, count: usize) -> StemDataset {
        let at = self.songs.len().saturating_sub(count);
        StemDataset {
            songs: self.songs.split_off(at),
            sample_rate: self.sample_rate,
        }
    }
}
