//! `ROOT/<split>/<piece>.{wav,mid}`: audio with its MIDI ground truth.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use audio_io::midi::MidiFile;
use audio_io::Note;
use ndarray::Array2;

use super::{
    check_index, check_nonempty, has_ext, list_dir, load_audio, split_dir, wav_header, RateCheck,
    Split,
};
use crate::error::{Error, Result};
use crate::training::Dataset;

/// A note-transcription split: each piece is a `<piece>.wav` and its
/// `<piece>.mid` side by side.
///
/// Every WAV must have its MIDI file and every MIDI file its WAV, and every
/// WAV the split's sample rate. An item is `(samples, notes)`, samples
/// `(channels, samples)`, the notes as [`MidiFile::notes`] gives them.
///
/// ```no_run
/// use audio_models::datasets::{Split, TranscriptionDataset};
/// use audio_models::Dataset;
///
/// let maps = TranscriptionDataset::open("maestro", Split::Test)?;
/// let (samples, notes) = maps.get(0)?;
/// println!("{}: {} frames, {} notes", maps.pieces()[0], samples.ncols(), notes.len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TranscriptionDataset {
    dir: PathBuf,
    split: Split,
    pieces: Vec<String>,
    sample_rate: u32,
}

impl TranscriptionDataset {
    /// Opens and validates split `split` of the tree at `root`, reading WAV
    /// headers only (the MIDI files are parsed by [`Dataset::get`]).
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`] without `root/<split>`; [`Error::EmptySplit`]
    /// when it holds no piece; [`Error::MissingPair`] for a `.wav` without
    /// its `.mid` or the reverse; [`Error::SampleRateMismatch`] for a WAV
    /// whose rate is not the split's; [`Error::File`] or [`Error::Io`] for an
    /// unreadable folder or WAV header.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let mut wavs = BTreeSet::new();
        let mut mids = BTreeSet::new();
        for path in list_dir(&dir)? {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if has_ext(&path, "wav") {
                wavs.insert(stem.to_string());
            } else if has_ext(&path, "mid") {
                mids.insert(stem.to_string());
            }
        }
        for (have, lack, have_ext, lack_ext) in
            [(&wavs, &mids, "wav", "mid"), (&mids, &wavs, "mid", "wav")]
        {
            if let Some(piece) = have.difference(lack).next() {
                return Err(Error::MissingPair {
                    path: dir.join(format!("{piece}.{have_ext}")),
                    expected: dir.join(format!("{piece}.{lack_ext}")),
                });
            }
        }
        check_nonempty(root, split, wavs.len())?;
        let mut rate = RateCheck::default();
        for piece in &wavs {
            let path = dir.join(format!("{piece}.wav"));
            rate.check(&path, &wav_header(&path)?)?;
        }
        Ok(Self {
            dir,
            split,
            pieces: wavs.into_iter().collect(),
            sample_rate: rate.rate(),
        })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The piece names (file stems), sorted; piece `i` is item `i`.
    pub fn pieces(&self) -> &[String] {
        &self.pieces
    }

    /// The sample rate of every WAV of the split, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The `(wav, mid)` paths of piece `index`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range.
    pub fn paths(&self, index: usize) -> Result<(PathBuf, PathBuf)> {
        check_index(index, self.pieces.len())?;
        let piece = &self.pieces[index];
        Ok((
            self.dir.join(format!("{piece}.wav")),
            self.dir.join(format!("{piece}.mid")),
        ))
    }
}

impl Dataset for TranscriptionDataset {
    /// `(samples, notes)`, samples `(channels, samples)`.
    type Item = (Array2<f32>, Vec<Note>);

    fn len(&self) -> usize {
        self.pieces.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let (wav, mid) = self.paths(index)?;
        let notes = MidiFile::read(&mid)?.notes();
        Ok((load_audio(&wav)?, notes))
    }
}
