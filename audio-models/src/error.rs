//! The error type of `audio-models`.

/// Everything that can go wrong in `audio-models`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A checkpoint tensor has the wrong shape.
    #[error("weight `{key}`: expected shape {expected:?}, found {got:?}")]
    WeightShape {
        /// The checkpoint key.
        key: String,
        /// The shape the model needs.
        expected: Vec<usize>,
        /// The shape in the file.
        got: Vec<usize>,
    },
    /// A checkpoint tensor has the wrong element type.
    #[error("weight `{key}`: expected dtype {expected}, found {got}")]
    WeightDtype {
        /// The checkpoint key.
        key: String,
        /// The dtype the model needs.
        expected: &'static str,
        /// The dtype in the file.
        got: &'static str,
    },
    /// An input has no samples.
    #[error("{what} is empty")]
    Empty {
        /// What the input is.
        what: &'static str,
    },
    /// A model window has the wrong number of samples.
    #[error("window of {got} samples, expected {expected}")]
    WindowLength {
        /// Samples the model takes.
        expected: usize,
        /// Samples given.
        got: usize,
    },
    /// Pitch bends were asked for, but the posteriorgrams were computed
    /// without the contour (`keep_contour = false`).
    #[error("pitch bends need the contour posteriorgram (compute it with keep_contour)")]
    MissingContour,
    /// An array could not be given its shape (an internal size invariant).
    #[error("{what}: {source}")]
    ArrayShape {
        /// Which array.
        what: &'static str,
        /// ndarray's error.
        #[source]
        source: ndarray::ShapeError,
    },
    /// A checkpoint lacks a tensor the model needs.
    #[error("weight `{key}` is missing (expected shape {expected:?})")]
    MissingKey {
        /// The checkpoint key.
        key: String,
        /// The shape the model needs.
        expected: Vec<usize>,
    },
    /// A model configuration value is invalid.
    #[error("invalid config `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The configuration field.
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// An input array has the wrong shape.
    #[error("{what}: expected shape {expected}, got {got:?}")]
    ShapeMismatch {
        /// What the input is.
        what: &'static str,
        /// The expected shape, described.
        expected: String,
        /// The shape given.
        got: Vec<usize>,
    },
    /// An input holds a NaN or infinite value.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// What the input is.
        what: &'static str,
        /// Index of the first such value (in memory order).
        index: usize,
    },
    /// A model directory has no weight file for a target.
    #[error("no weights for target `{target}` in {dir:?} (expected <target>.pth, <target>-<hash>.pth or <target>.safetensors)")]
    ModelNotFound {
        /// The directory searched.
        dir: std::path::PathBuf,
        /// The target asked for (`*` for any).
        target: String,
    },
    /// A file or directory could not be read or written.
    #[error("{path:?}: {source}")]
    File {
        /// The path.
        path: std::path::PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A model's JSON description is malformed.
    #[error("{path:?}: malformed JSON: {source}")]
    ModelJson {
        /// The JSON file.
        path: std::path::PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A piece of training state (scheduler, checkpoint sidecar) could not be
    /// read back from or written to JSON.
    #[error("{what}: malformed state: {source}")]
    StateJson {
        /// Which state.
        what: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// An error from a layer.
    #[error(transparent)]
    Nn(#[from] audio_nn::Error),
    /// An error from the DSP front end.
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
    /// An error while reading audio, MIDI or weights.
    #[error(transparent)]
    Io(#[from] audio_io::Error),
    /// An error from candle.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
