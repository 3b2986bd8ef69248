//! The error type of `audio-datafusion`.

use std::path::PathBuf;

use datafusion::error::DataFusionError;

/// Everything that can go wrong in `audio-datafusion`.
///
/// Inside a query every error becomes a [`DataFusionError::External`]
/// holding one of these variants, so a caller can downcast it back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A table location is neither a directory nor a glob pattern that parses.
    #[error("invalid location {location:?}: {reason}")]
    InvalidLocation {
        /// The location given.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Listing a directory failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Reading or decoding an audio file failed.
    #[error("{function}: {}", file_message(path, source))]
    Audio {
        /// The SQL function.
        function: &'static str,
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: audio_io::Error,
    },
    /// A signal-processing function rejected its input or parameters.
    #[error("{function}: {source}")]
    Dsp {
        /// The SQL function.
        function: &'static str,
        /// The underlying error.
        #[source]
        source: audio_dsp::Error,
    },
    /// An evaluation metric rejected its input.
    #[error("{function}: {source}")]
    Eval {
        /// The SQL function.
        function: &'static str,
        /// The underlying error.
        #[source]
        source: audio_eval::Error,
    },
    /// A model failed to load or run.
    #[error("{function}: {source}")]
    Model {
        /// The SQL function.
        function: &'static str,
        /// The underlying error.
        #[source]
        source: audio_models::Error,
    },
    /// A function argument has the wrong type or an invalid value.
    #[error("{function}: argument {argument}: {reason}")]
    InvalidArgument {
        /// The SQL function.
        function: &'static str,
        /// The argument's name.
        argument: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The decoder's message, led by the path unless it names the file already.
fn file_message(path: &str, source: &audio_io::Error) -> String {
    let message = source.to_string();
    if message.contains(path) {
        message
    } else {
        format!("{path}: {message}")
    }
}

impl From<Error> for DataFusionError {
    fn from(error: Error) -> Self {
        DataFusionError::External(Box::new(error))
    }
}

/// The result type of `audio-datafusion`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
