//! `ROOT/<split>/*.{krn,mid}`: symbolic melodies.

use std::path::{Path, PathBuf};

use audio_io::midi::MidiFile;
use audio_io::Note;

use super::{check_index, check_nonempty, has_ext, list_dir, split_dir, Split};
use crate::error::Result;

/// The format of a melody file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MelodyFormat {
    /// Humdrum `**kern` (`.krn`; no reader yet).
    Kern,
    /// Standard MIDI file (`.mid`).
    Midi,
}

/// One file of a melody split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MelodyFile {
    /// The file.
    pub path: PathBuf,
    /// Its format, from its extension.
    pub format: MelodyFormat,
}

/// A symbolic-melody split: `.krn` and `.mid` files side by side.
///
/// Opening lists the files (sorted by name); [`notes`](Self::notes) reads a
/// MIDI file's notes. `**kern` files are listed but not read yet.
///
/// ```no_run
/// use audio_models::datasets::{MelodyDataset, MelodyFormat, Split};
///
/// let essen = MelodyDataset::open("essen", Split::Train)?;
/// let midi = essen.files().iter().filter(|f| f.format == MelodyFormat::Midi).count();
/// println!("{} files, {midi} MIDI", essen.len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelodyDataset {
    split: Split,
    files: Vec<MelodyFile>,
}

impl MelodyDataset {
    /// Opens split `split` of the tree at `root` and lists its files.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`](crate::Error::MissingSplit) without `root/<split>`; [`Error::EmptySplit`](crate::Error::EmptySplit)
    /// when it holds no `.krn` or `.mid` file; [`Error::File`](crate::Error::File) for an
    /// unreadable folder.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let files: Vec<MelodyFile> = list_dir(&dir)?
            .into_iter()
            .filter_map(|path| {
                let format = if has_ext(&path, "krn") {
                    MelodyFormat::Kern
                } else if has_ext(&path, "mid") {
                    MelodyFormat::Midi
                } else {
                    return None;
                };
                Some(MelodyFile { path, format })
            })
            .collect();
        check_nonempty(root, split, files.len())?;
        Ok(Self { split, files })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The files, sorted by path.
    pub fn files(&self) -> &[MelodyFile] {
        &self.files
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files (never, once opened).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The notes of file `index`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for an index out of range; [`Error::Io`](crate::Error::Io)
    /// when the MIDI or `**kern` file cannot be read or parsed (a `.krn`
    /// file is read by `audio_io::kern` and played at its `*MM` tempo, else
    /// 120 bpm, every spine's notes together, sorted).
    pub fn notes(&self, index: usize) -> Result<Vec<Note>> {
        check_index(index, self.files.len())?;
        let file = &self.files[index];
        match file.format {
            MelodyFormat::Midi => Ok(MidiFile::read(&file.path)?.notes()),
            MelodyFormat::Kern => Ok(audio_io::kern::read_kern(&file.path)?.to_notes(None)?),
        }
    }
}
