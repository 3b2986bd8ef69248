//! The error type of `audio-io`.

/// Everything that can go wrong in `audio-io`.
///
/// Corrupt or hostile files are reported with one of these variants; no
/// function of this crate panics on file contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The WAV container is malformed or unsupported.
    #[error("WAV error: {source}")]
    Wav {
        /// The underlying error from the WAV codec.
        #[source]
        source: hound::Error,
    },
    /// A format field holds an unsupported value.
    #[error("unsupported {what}: {got}")]
    Unsupported {
        /// Which field.
        what: &'static str,
        /// The value found.
        got: String,
    },
    /// An error from the DSP layer (for example while resampling).
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
