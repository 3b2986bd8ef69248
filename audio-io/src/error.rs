//! The error type of `audio-io`.

use std::path::PathBuf;

/// Everything that can go wrong in `audio-io`.
///
/// Corrupt or hostile files are reported with one of these variants; no
/// function of this crate panics on file contents, and no allocation is sized
/// from a header field without a bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Reading from or writing to a stream failed.
    #[error("stream I/O error: {source}")]
    Stream {
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Writing a WAV file failed in the WAV encoder.
    #[error("WAV error: {source}")]
    Wav {
        /// The underlying error from the WAV codec.
        #[source]
        source: hound::Error,
    },
    /// A container or stream is malformed: truncated, a chunk that lies about
    /// its size, a missing mandatory part.
    #[error("malformed {format} data: {what}")]
    Malformed {
        /// The format (`"WAV"`, `"MIDI"`, `"pickle"`, ...).
        format: &'static str,
        /// What is wrong.
        what: String,
    },
    /// A format field holds an unsupported value.
    #[error("unsupported {what}: {got}")]
    Unsupported {
        /// Which field.
        what: &'static str,
        /// The value found.
        got: String,
    },
    #[cfg(feature = "decode")]
    /// The compressed-audio decoder (symphonia) rejected the stream.
    #[error("decoding failed: {source}")]
    Decode {
        /// The underlying decoder error.
        #[source]
        source: symphonia::core::errors::Error,
    },
    /// A Humdrum `**kern` file is malformed at a line and column (both
    /// 1-based; the column is the tab-separated token, the spine).
    #[error("**kern line {line}, column {column}: {what} (token `{token}`)")]
    Kern {
        /// The line of the file.
        line: usize,
        /// The token's column (spine) on the line.
        column: usize,
        /// The offending token (at most 32 characters).
        token: String,
        /// What is wrong.
        what: String,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// The valid range, in words.
        expected: &'static str,
        /// The value given, formatted.
        value: String,
    },
    /// Array shapes that must agree do not.
    #[error("shape mismatch for {what}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// Which array.
        what: String,
        /// The shape expected.
        expected: Vec<usize>,
        /// The shape found.
        got: Vec<usize>,
    },
    #[cfg(feature = "midi")]
    /// A MIDI file could not be parsed or written.
    #[error("MIDI error: {source}")]
    Midi {
        /// The underlying error.
        #[source]
        source: midly::Error,
    },
    #[cfg(feature = "weights")]
    /// A safetensors file could not be parsed or written.
    #[error("safetensors error: {source}")]
    Safetensors {
        /// The underlying error.
        #[source]
        source: safetensors::SafeTensorError,
    },
    #[cfg(any(feature = "weights", feature = "npy"))]
    /// The `.pth` zip container could not be read.
    #[error("zip error: {source}")]
    Zip {
        /// The underlying error.
        #[source]
        source: zip::result::ZipError,
    },
    /// A weight the model needs is not in the file.
    #[error("missing weight {key}")]
    MissingKey {
        /// The tensor name.
        key: String,
    },
    /// A weight has another shape than the model expects.
    #[error("weight {key}: expected shape {expected:?}, got {got:?}")]
    WeightShape {
        /// The tensor name.
        key: String,
        /// The shape the model expects.
        expected: Vec<usize>,
        /// The shape in the file.
        got: Vec<usize>,
    },
    /// A weight has another dtype than the caller expects.
    #[error("weight {key}: expected dtype {expected}, got {got}")]
    WeightDtype {
        /// The tensor name.
        key: String,
        /// The dtype expected.
        expected: String,
        /// The dtype in the file.
        got: String,
    },
    #[cfg(feature = "picture")]
    /// Encoding a PNG failed.
    #[error("PNG error: {source}")]
    Png {
        /// The underlying error.
        #[source]
        source: png::EncodingError,
    },
    /// A `.npy` array (a file, or a member of an `.npz`) could not be read.
    #[cfg(feature = "npy")]
    #[error("reading {what}: {source}")]
    ReadNpy {
        /// The file (and `[member]` for an `.npz`).
        what: String,
        /// The underlying error.
        #[source]
        source: ndarray_npy::ReadNpyError,
    },
    /// A `.npy` array (a file, or a member of an `.npz`) could not be written.
    #[cfg(feature = "npy")]
    #[error("writing {what}: {source}")]
    WriteNpy {
        /// The file (and `[member]` for an `.npz`).
        what: String,
        /// The underlying error.
        #[source]
        source: ndarray_npy::WriteNpyError,
    },
    /// A `.npy` array has a dtype (or, for integer codes stored as floats,
    /// values) the caller cannot use.
    #[error("{what}: expected {expected}, found {got}")]
    NpyDtype {
        /// The file, or `npy array` for an array already read.
        what: String,
        /// The dtypes accepted, in words.
        expected: &'static str,
        /// numpy's name of the dtype found.
        got: &'static str,
    },
    /// An error from the DSP layer (for example while resampling).
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
    /// An error while reading or decoding a named file: the file, then what
    /// went wrong in it.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// A third-party decoder panicked on the stream; the panic was caught
    /// and the stream is treated as undecodable.
    #[error("the {decoder} decoder failed on malformed data ({message})")]
    DecoderPanic {
        /// The library (`"symphonia"`, `"midly"`).
        decoder: &'static str,
        /// The panic's message.
        message: String,
    },
}

impl Error {
    /// A [`Error::Malformed`] for `format` with a message.
    pub(crate) fn malformed(format: &'static str, what: impl Into<String>) -> Self {
        Self::Malformed {
            format,
            what: what.into(),
        }
    }

    /// This error as one about the file `path`: wrapped in [`Error::InFile`]
    /// unless it already names the file. For readers of the family's
    /// formats that take a stream (`read_wav_from`, `read_npy_from`) when
    /// the stream is a file.
    ///
    /// # Example
    ///
    /// ```
    /// let err = audio_io::wav::read_wav_from(std::io::Cursor::new(b"junk".to_vec())).unwrap_err();
    /// let err = err.in_file(std::path::Path::new("take1.wav"));
    /// assert!(err.to_string().starts_with("take1.wav: "));
    /// ```
    #[must_use]
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Self::Io { .. } | Self::InFile { .. } => self,
            other if other.to_string().contains(&*path.to_string_lossy()) => other,
            other => Self::InFile {
                path: path.to_path_buf(),
                source: Box::new(other),
            },
        }
    }

    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
