//! One block-by-block writer for the audio file formats this crate encodes,
//! so a command streams its output to WAV or FLAC through the same calls.

use std::io::{Seek, Write};

use ndarray::Array2;

use crate::audio::Sample;
use crate::flac::{FlacStreamWriter, FlacWriteOptions};
use crate::wav::{WavStreamWriter, WavWriteOptions};
use crate::Result;

/// A file format with its encoding options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputFormat {
    /// WAV: 16 or 24-bit PCM or 32-bit float.
    Wav(WavWriteOptions),
    /// FLAC: 16 or 24-bit, lossless.
    Flac(FlacWriteOptions),
}

impl Default for OutputFormat {
    fn default() -> Self {
        Self::Wav(WavWriteOptions::default())
    }
}

impl OutputFormat {
    /// The file extension of the format, without the dot (`"wav"`, `"flac"`).
    ///
    /// # Example
    ///
    /// ```
    /// let flac = audio_io::OutputFormat::Flac(Default::default());
    /// assert_eq!(flac.extension(), "flac");
    /// ```
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Wav(_) => "wav",
            Self::Flac(_) => "flac",
        }
    }
}

/// A WAV or FLAC stream written block by block (see [`WavStreamWriter`]
/// and [`FlacStreamWriter`]).
///
/// # Example
///
/// ```
/// use audio_io::{AudioStreamWriter, OutputFormat};
/// let mut cursor = std::io::Cursor::new(Vec::new());
/// let mut w = AudioStreamWriter::new(&mut cursor, 1, 8000, &OutputFormat::Flac(Default::default()))?;
/// w.write_block(&ndarray::array![[0.1f32, 0.2]])?;
/// w.finalize()?;
/// assert_eq!(&cursor.get_ref()[..4], b"fLaC");
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum AudioStreamWriter<W: Write + Seek> {
    /// A WAV stream.
    Wav(WavStreamWriter<W>),
    /// A FLAC stream (boxed: its encoder's buffers make it the larger).
    Flac(Box<FlacStreamWriter<W>>),
}

impl<W: Write + Seek> AudioStreamWriter<W> {
    /// Starts a stream of `format`.
    ///
    /// # Errors
    ///
    /// As [`WavStreamWriter::new`] or [`FlacStreamWriter::new`].
    pub fn new(
        writer: W,
        channels: usize,
        sample_rate: u32,
        format: &OutputFormat,
    ) -> Result<Self> {
        Ok(match format {
            OutputFormat::Wav(options) => Self::Wav(WavStreamWriter::new(
                writer,
                channels,
                sample_rate,
                options,
            )?),
            OutputFormat::Flac(options) => Self::Flac(Box::new(FlacStreamWriter::new(
                writer,
                channels,
                sample_rate,
                options,
            )?)),
        })
    }

    /// Appends a `(channels, n)` block.
    ///
    /// # Errors
    ///
    /// As [`WavStreamWriter::write_block`] or
    /// [`FlacStreamWriter::write_block`].
    pub fn write_block<T: Sample>(&mut self, block: &Array2<T>) -> Result<()> {
        match self {
            Self::Wav(w) => w.write_block(block),
            Self::Flac(w) => w.write_block(block),
        }
    }

    /// Completes the stream.
    ///
    /// # Errors
    ///
    /// As [`WavStreamWriter::finalize`] or [`FlacStreamWriter::finalize`].
    pub fn finalize(self) -> Result<()> {
        match self {
            Self::Wav(w) => w.finalize(),
            Self::Flac(w) => w.finalize(),
        }
    }
}
