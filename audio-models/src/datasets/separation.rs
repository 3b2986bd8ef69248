//! `ROOT/<split>/<song>/{mixture,<source>…}.wav`: MUSDB18-HQ's layout.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{
    check_index, check_nonempty, check_same, file_name, has_ext, list_dir, load_audio, split_dir,
    wav_header, RateCheck, Split,
};
use crate::error::{Error, Result};
use crate::training::Dataset;

/// The stem every song folder holds besides its sources.
const MIXTURE: &str = "mixture";

/// A source-separation split: one folder per song holding `mixture.wav` and
/// one WAV per source (`vocals.wav`, `drums.wav`, ... — whatever stems the
/// folders hold, not only MUSDB's four).
///
/// Every song of the split must have the same sources, and within a song
/// every stem must have the mixture's channels and length; every file of the
/// split must have one sample rate. An item is `(mixture, stems)`, each
/// `(channels, samples)`, the stems in [`sources`](Self::sources) order.
///
/// ```no_run
/// use audio_models::datasets::{SeparationDataset, Split};
/// use audio_models::Dataset;
///
/// let musdb = SeparationDataset::open("musdb18hq", Split::Train)?;
/// println!("{} songs, sources {:?}", musdb.len(), musdb.sources());
/// let (mixture, stems) = musdb.get(0)?;
/// assert_eq!(stems.len(), musdb.sources().len());
/// assert_eq!(stems[0].dim(), mixture.dim());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SeparationDataset {
    dir: PathBuf,
    split: Split,
    songs: Vec<String>,
    frames: Vec<u64>,
    sources: Vec<String>,
    sample_rate: u32,
}

impl SeparationDataset {
    /// Opens and validates split `split` of the tree at `root`, reading WAV
    /// headers only.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`] without `root/<split>`; [`Error::EmptySplit`]
    /// when it has no song folder; [`Error::MissingStem`] for a song without
    /// `mixture.wav` or without a source another song has;
    /// [`Error::Empty`] when no song has a source;
    /// [`Error::SampleRateMismatch`], [`Error::ChannelMismatch`],
    /// [`Error::LengthMismatch`] for a stem that differs from its mixture (or
    /// a rate from the split's); [`Error::File`] or [`Error::Io`] for an
    /// unreadable folder or WAV header.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let song_dirs: Vec<PathBuf> = list_dir(&dir)?.into_iter().filter(|p| p.is_dir()).collect();
        check_nonempty(root, split, song_dirs.len())?;

        // The sources of each song, and their union.
        let mut per_song = Vec::with_capacity(song_dirs.len());
        let mut all_sources = BTreeSet::new();
        for song_dir in &song_dirs {
            let mut has_mixture = false;
            let mut sources = BTreeSet::new();
            for path in list_dir(song_dir)? {
                if !has_ext(&path, "wav") {
                    continue;
                }
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if stem == MIXTURE {
                    has_mixture = true;
                } else {
                    sources.insert(stem.to_string());
                }
            }
            let song = file_name(song_dir).to_string();
            if !has_mixture {
                return Err(Error::MissingStem {
                    song,
                    stem: MIXTURE.into(),
                });
            }
            all_sources.extend(sources.iter().cloned());
            per_song.push((song, sources));
        }
        if all_sources.is_empty() {
            return Err(Error::Empty {
                what: "the sources of a separation split",
            });
        }

        let mut rate = RateCheck::default();
        let mut songs = Vec::with_capacity(per_song.len());
        let mut frames = Vec::with_capacity(per_song.len());
        for ((song, sources), song_dir) in per_song.into_iter().zip(&song_dirs) {
            if let Some(missing) = all_sources.difference(&sources).next() {
                return Err(Error::MissingStem {
                    song,
                    stem: missing.clone(),
                });
            }
            let mixture_path = stem_path(song_dir, MIXTURE);
            let mixture = wav_header(&mixture_path)?;
            rate.check(&mixture_path, &mixture)?;
            for source in &all_sources {
                let path = stem_path(song_dir, source);
                check_same(&path, &wav_header(&path)?, &mixture)?;
            }
            songs.push(song);
            frames.push(mixture.frames);
        }
        Ok(Self {
            dir,
            split,
            songs,
            frames,
            sources: all_sources.into_iter().collect(),
            sample_rate: rate.rate(),
        })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The song folder names, sorted; song `i` is item `i`.
    pub fn songs(&self) -> &[String] {
        &self.songs
    }

    /// The source names, sorted (the mixture excluded).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The sample rate of every file of the split, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The frames of each song (as its mixture's header declares).
    pub fn frames(&self) -> &[u64] {
        &self.frames
    }

    /// The path of `stem` (`"mixture"` or a source) of song `index`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range.
    pub fn stem_path(&self, index: usize, stem: &str) -> Result<PathBuf> {
        check_index(index, self.songs.len())?;
        Ok(stem_path(&self.dir.join(&self.songs[index]), stem))
    }

    /// Decodes the mixture of song `index`, `(channels, samples)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range; [`Error::Io`]
    /// when the file cannot be decoded.
    pub fn load_mixture(&self, index: usize) -> Result<Array2<f32>> {
        load_audio(&self.stem_path(index, MIXTURE)?)
    }

    /// Decodes source `source` of song `index`, `(channels, samples)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range or a source the
    /// split does not have; [`Error::Io`] when the file cannot be decoded.
    pub fn load_source(&self, index: usize, source: &str) -> Result<Array2<f32>> {
        if !self.sources.iter().any(|s| s == source) {
            return Err(Error::InvalidParameter {
                name: "source",
                value: source.to_string(),
                expected: "one of the split's sources",
            });
        }
        load_audio(&self.stem_path(index, source)?)
    }
}

impl Dataset for SeparationDataset {
    /// `(mixture, stems)`, each `(channels, samples)`, the stems in
    /// [`SeparationDataset::sources`] order.
    type Item = (Array2<f32>, Vec<Array2<f32>>);

    fn len(&self) -> usize {
        self.songs.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let mixture = self.load_mixture(index)?;
        let stems = self
            .sources
            .iter()
            .map(|s| load_audio(&stem_path(&self.dir.join(&self.songs[index]), s)))
            .collect::<Result<Vec<_>>>()?;
        Ok((mixture, stems))
    }
}

fn stem_path(song_dir: &Path, stem: &str) -> PathBuf {
    song_dir.join(format!("{stem}.wav"))
}
