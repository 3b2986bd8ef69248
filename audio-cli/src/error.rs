//! The error type of the `audio` command line.

/// Everything a subcommand can fail with: the errors of the crates it calls,
/// plus reading and writing its files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from `audio-dsp`.
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
    /// An error from `audio-io`.
    #[error(transparent)]
    Io(#[from] audio_io::Error),
    /// An error from `audio-eval`.
    #[error(transparent)]
    Eval(#[from] audio_eval::Error),
    /// An error from `audio-models`.
    #[error(transparent)]
    Models(#[from] audio_models::Error),
    /// An annotation file could not be parsed (`audio eval`).
    #[error("{path}: {source}")]
    Annotation {
        /// The file.
        path: std::path::PathBuf,
        /// The parse error, with its line number.
        #[source]
        source: audio_eval::Error,
    },
    /// Reading or writing a plain file failed.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An input has a shape the subcommand cannot use.
    #[error("{path}: expected {expected}, got shape {got:?}")]
    ShapeMismatch {
        /// The file.
        path: std::path::PathBuf,
        /// What was expected.
        expected: &'static str,
        /// The shape found.
        got: Vec<usize>,
    },
    /// An input file has an extension the subcommand does not read.
    #[error("{path}: unsupported input format (expected {expected})")]
    InputFormat {
        /// The file.
        path: std::path::PathBuf,
        /// The accepted formats.
        expected: &'static str,
    },
    /// A query of `audio sql` failed: SQL that does not parse or plan,
    /// a table location that does not exist, or a function's error.
    #[cfg(feature = "sql")]
    #[error("query failed: {source}")]
    Sql {
        /// DataFusion's error (an `audio_datafusion::Error` inside for the
        /// audio functions).
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// Flags that do not go together.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: &'static str,
    },
    /// A JSON file could not be written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: std::path::PathBuf,
        /// The serialisation error.
        #[source]
        source: serde_json::Error,
    },
}

/// `Result` with the command line's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
