//! The error type of `audio-eval`.

/// Everything that can go wrong in `audio-eval`.
///
/// Inputs are validated as mir_eval validates them; invalid input returns one
/// of these variants instead of panicking.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two inputs that must agree in shape do not.
    #[error("shape mismatch for {what}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// Which input.
        what: &'static str,
        /// The expected shape.
        expected: Vec<usize>,
        /// The shape given.
        got: Vec<usize>,
    },
    /// An input is empty where mir_eval requires data.
    #[error("{what} is empty")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    // --- Music information retrieval inputs (transcription, multipitch,
    // onset, melody, beat, key, classification, annotation files). ---
    /// A value that must be finite is NaN or infinite.
    #[error("{what}[{index}] is not finite ({value})")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A time interval is invalid: a negative time or a duration that is not
    /// strictly positive (`mir_eval.util.validate_intervals`).
    #[error("{what}[{index}] = [{onset}, {offset}] is not a valid interval: {reason}")]
    InvalidInterval {
        /// Which input.
        what: &'static str,
        /// The row of the interval.
        index: usize,
        /// Its start time.
        onset: f64,
        /// Its end time.
        offset: f64,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Event times decrease (`mir_eval.util.validate_events`) or times that
    /// must be strictly increasing repeat.
    #[error("{what} must be increasing: element {index} ({value}) comes before a smaller one or repeats")]
    Unsorted {
        /// Which input.
        what: &'static str,
        /// The position where the order breaks.
        index: usize,
        /// The value there.
        value: f64,
    },
    /// A value lies outside the range mir_eval accepts (event times above
    /// 30000 s, frequencies outside 20 Hz to 5 kHz, voicing outside `[0, 1]`,
    /// non-positive pitches, negative velocities).
    #[error("{what}[{index}] = {value} is outside [{min}, {max}]")]
    OutOfRange {
        /// Which input.
        what: &'static str,
        /// The position of the value.
        index: usize,
        /// The value.
        value: f64,
        /// The smallest value allowed.
        min: f64,
        /// The largest value allowed.
        max: f64,
    },
    /// A metric parameter is out of its domain (a tolerance that is not
    /// positive and finite, for example).
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// A key label is not of the form `"<tonic> <mode>"` or `"X"`
    /// (`mir_eval.key.validate_key`).
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The label given.
        key: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// A line of an annotation file does not have the expected columns
    /// (`mir_eval.io.load_delimited`).
    #[error("line {line}: expected {expected} columns, got {got}")]
    ColumnCount {
        /// The 1-based line number.
        line: usize,
        /// Columns expected.
        expected: usize,
        /// Columns found.
        got: usize,
    },
    /// A field of an annotation file is not a number.
    #[error("line {line}: could not convert {token:?} to a number")]
    ParseNumber {
        /// The 1-based line number.
        line: usize,
        /// The offending field (truncated to 64 characters).
        token: String,
    },
    /// The inputs leave a metric undefined where mir_eval would raise (for
    /// example every beat falling into one 10 ms bin of the P-score).
    #[error("{metric} is undefined for these inputs: {reason}")]
    Undefined {
        /// The metric.
        metric: &'static str,
        /// Why.
        reason: &'static str,
    },
    // --- Source separation inputs (BSS Eval, SI-SDR). ---
    /// A reference or estimated source is all zeros (its samples, summed over
    /// channels, are all 0), which `mir_eval.separation.validate` and
    /// `museval.metrics.validate` reject.
    #[error("{what} source {source_index} is silent (all zeros)")]
    SilentSource {
        /// `"reference"` or `"estimate"`.
        what: &'static str,
        /// The index of the silent source.
        source_index: usize,
    },
    /// More sources than the `MAX_SOURCES` (100) of mir_eval and museval.
    #[error("{got} sources given, at most {max} allowed")]
    TooManySources {
        /// The limit.
        max: usize,
        /// The number given.
        got: usize,
    },
    /// A permutation search over more sources than an exhaustive search can
    /// visit (`n!` candidates, as mir_eval's `itertools.permutations`).
    #[error("permutation search over {sources} sources exceeds the limit of {max}")]
    PermutationTooLarge {
        /// The number of sources.
        sources: usize,
        /// The largest number searched.
        max: usize,
    },
    /// An error from the DSP layer.
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
    /// Scores could not be written as JSON (`report`): a map key that is not
    /// a string, number, boolean or unit, or an error raised by a
    /// `Serialize` implementation.
    #[error("cannot write JSON: {reason}")]
    Json {
        /// serde's message.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
