//! Output files that appear whole or not at all.
//!
//! Every writer of the family ([`crate::wav::write_wav`], `npy::write_npy`,
//! MIDI, safetensors, pictures, note lists, and the command line's outputs)
//! writes into a hidden temporary file beside the destination and renames it
//! over the destination only once everything was written and flushed. A
//! failure half-way (a full disk, an encoder error, a killed process, a
//! panic) therefore never leaves a truncated file under the name the user
//! asked for: the temporary file is removed when the [`OutputFile`] is
//! dropped without [`OutputFile::commit`], and an earlier file of that name
//! stays as it was.
//!
//! The rename is atomic on POSIX file systems when the temporary file and the
//! destination are in the same directory, which they always are here. The
//! file is not `fsync`ed: the guarantee is against a failing or killed
//! process, not against the machine losing power.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Tells temporary files of one process apart.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name, renamed to its destination by
/// [`OutputFile::commit`] and removed if dropped before that.
///
/// It is a buffered [`Write`] + [`Seek`], so any encoder of the family writes
/// into it (`&mut OutputFile` is one too).
///
/// # Example
///
/// ```
/// use std::io::Write;
/// let path = std::env::temp_dir().join(format!("audio-io-output-doc-{}.txt", std::process::id()));
/// let mut out = audio_io::OutputFile::create(&path)?;
/// out.write_all(b"half")?;
/// drop(out); // never committed: nothing appears
/// assert!(!path.exists());
///
/// let mut out = audio_io::OutputFile::create(&path)?;
/// out.write_all(b"whole")?;
/// out.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"whole");
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OutputFile {
    /// Where the file goes.
    path: PathBuf,
    /// Where it is written until [`OutputFile::commit`].
    temporary: PathBuf,
    /// `None` once committed.
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Creates the temporary file beside `path`
    /// (`.<file name>.<process id>-<n>.part`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming `path` when `path` has no file name, or when the
    /// temporary file cannot be created (a missing or unwritable directory).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let name = path.file_name().ok_or_else(|| {
            Error::io(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "an output path must name a file",
                ),
            )
        })?;
        let n = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}-{n}.part", std::process::id()));
        let temporary = path.with_file_name(temporary_name);
        let file = File::create(&temporary).map_err(|source| Error::io(&path, source))?;
        Ok(Self {
            path,
            temporary,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file and renames it to its destination, replacing a file
    /// already there.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the destination when flushing or renaming fails
    /// (the destination is a directory, say); the temporary file is removed.
    pub fn commit(mut self) -> Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let done = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| {
                drop(file);
                std::fs::rename(&self.temporary, &self.path)
            });
        if let Err(source) = done {
            std::fs::remove_file(&self.temporary).ok();
            return Err(Error::io(&self.path, source));
        }
        Ok(())
    }

    fn writer(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the output file was already committed"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer()?.flush()
    }
}

impl Seek for OutputFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.writer()?.seek(pos)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            std::fs::remove_file(&self.temporary).ok();
        }
    }
}

/// Writes `bytes` to `path` whole or not at all (see [`OutputFile`]).
///
/// # Errors
///
/// [`Error::Io`] naming `path` when the file cannot be written.
///
/// # Example
///
/// ```
/// let path = std::env::temp_dir().join(format!("audio-io-write-file-doc-{}.txt", std::process::id()));
/// audio_io::write_file(&path, b"notes")?;
/// assert_eq!(std::fs::read(&path)?, b"notes");
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_file(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> Result<()> {
    let mut out = OutputFile::create(path)?;
    let path = out.path().to_path_buf();
    out.write_all(bytes.as_ref())
        .map_err(|source| Error::io(&path, source))?;
    out.commit()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("audio-io-output-{}-{name}", std::process::id()));
        std::fs::remove_dir_all(&d).ok();
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(d: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_and_no_temporary() {
        let d = dir("uncommitted");
        let p = d.join("out.npy");
        std::fs::write(&p, b"old").unwrap();
        let mut out = OutputFile::create(&p).unwrap();
        out.write_all(b"new but unfinished").unwrap();
        drop(out);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(entries(&d), vec!["out.npy".to_owned()]);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_directory_destination_is_an_error_naming_it_and_leaves_nothing() {
        let d = dir("directory");
        let target = d.join("taken");
        std::fs::create_dir(&target).unwrap();
        let err = write_file(&target, b"x").unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
        assert_eq!(entries(&d), vec!["taken".to_owned()]);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_destination() {
        let d = dir("missing");
        let p = d.join("no").join("such").join("out.wav");
        let err = OutputFile::create(&p).unwrap_err();
        assert!(err.to_string().contains("out.wav"), "{err}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn seeking_back_rewrites_a_header() {
        let d = dir("seek");
        let p = d.join("h.bin");
        let mut out = OutputFile::create(&p).unwrap();
        out.write_all(b"????body").unwrap();
        out.seek(SeekFrom::Start(0)).unwrap();
        out.write_all(b"HEAD").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"HEADbody");
        assert_eq!(entries(&d), vec!["h.bin".to_owned()]);
        std::fs::remove_dir_all(&d).ok();
    }
}
