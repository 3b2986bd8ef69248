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
    /// A dataset root lacks a split folder (`ROOT/train`, ...).
    #[error("{root:?}: no `{split}` split folder")]
    MissingSplit {
        /// The dataset root.
        root: std::path::PathBuf,
        /// The split (`train`, `valid` or `test`).
        split: &'static str,
    },
    /// A dataset split holds no examples.
    #[error("{root:?}: the `{split}` split is empty")]
    EmptySplit {
        /// The dataset root.
        root: std::path::PathBuf,
        /// The split (`train`, `valid` or `test`).
        split: &'static str,
    },
    /// A folder a dataset layout requires (`clean/`, `noisy/`) is missing.
    #[error("{path:?}: missing folder")]
    MissingFolder {
        /// The folder expected.
        path: std::path::PathBuf,
    },
    /// A song of a separation split lacks a stem (the mixture or a source
    /// another song of the split has).
    #[error("song `{song}` has no `{stem}.wav`")]
    MissingStem {
        /// The song folder's name.
        song: String,
        /// The stem (`mixture` or a source name; not called `source`, which
        /// `std::error::Error` reserves for a cause).
        stem: String,
    },
    /// A file of a dataset has no partner file (a `.wav` without its `.mid`,
    /// a clean file without its noisy one, ...).
    #[error("{path:?} has no partner {expected:?}")]
    MissingPair {
        /// The file found.
        path: std::path::PathBuf,
        /// The partner file expected.
        expected: std::path::PathBuf,
    },
    /// A WAV file's sample rate differs from its dataset's.
    #[error("{path:?}: sample rate {got} Hz, expected {expected} Hz")]
    SampleRateMismatch {
        /// The file.
        path: std::path::PathBuf,
        /// The rate of the split (its first file).
        expected: u32,
        /// The file's rate.
        got: u32,
    },
    /// A WAV file's length differs from the others of its song or pair.
    #[error("{path:?}: {got} frames, expected {expected}")]
    LengthMismatch {
        /// The file.
        path: std::path::PathBuf,
        /// The frames of the song's mixture or the pair's first file.
        expected: u64,
        /// The file's frames.
        got: u64,
    },
    /// A WAV file's channel count differs from the others of its song or pair.
    #[error("{path:?}: {got} channels, expected {expected}")]
    ChannelMismatch {
        /// The file.
        path: std::path::PathBuf,
        /// The channels of the song's mixture or the pair's first file.
        expected: usize,
        /// The file's channels.
        got: usize,
    },
    /// A dataset's JSON sidecar (effect parameters) is malformed.
    #[error("{path:?}: malformed JSON: {source}")]
    DatasetJson {
        /// The JSON file.
        path: std::path::PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A file's format cannot be read yet (Humdrum `.krn`).
    #[error("{path:?}: reading {format} files is not supported yet")]
    UnsupportedFormat {
        /// The file.
        path: std::path::PathBuf,
        /// The format.
        format: &'static str,
    },
    /// A bag-of-models file (`htdemucs_ft.yaml`) that cannot be read.
    #[error("{path:?}, line {line}: {reason} (found `{found}`)")]
    BagYaml {
        /// The file.
        path: std::path::PathBuf,
        /// The line (1-based; 0 for the file as a whole).
        line: usize,
        /// What is wrong.
        reason: &'static str,
        /// The text at fault.
        found: String,
    },
    /// A bag names a model whose `.th` file is not beside it.
    #[error(
        "no model `{signature}` in {dir:?} (expected {signature}.th or {signature}-<checksum>.th)"
    )]
    BagModelNotFound {
        /// The directory searched.
        dir: std::path::PathBuf,
        /// The model's signature, as the bag names it.
        signature: String,
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
    /// An error from a metric (evaluation).
    #[error(transparent)]
    Eval(#[from] audio_eval::Error),
    /// An architecture name that is not registered.
    #[error("unknown architecture `{name}`; known: {known}")]
    UnknownArchitecture {
        /// The name given.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
