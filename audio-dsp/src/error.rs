//! The error type of `audio-dsp`.

/// Everything that can go wrong in `audio-dsp`.
///
/// Bad user input (parameters, shapes, non-finite samples) is reported with
/// one of these variants; no function of this crate panics on user input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter's name, as in librosa (`n_fft`, `hop_length`, ...).
        name: &'static str,
        /// The value that was passed, formatted.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// The input signal is too short for the requested transform.
    #[error("input too short for {what}: expected at least {expected} samples, got {got}")]
    InputTooShort {
        /// What needed the samples.
        what: &'static str,
        /// The minimum number of samples.
        expected: usize,
        /// The number of samples given.
        got: usize,
    },
    /// An array has the wrong shape.
    #[error("shape mismatch for {what}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// Which array.
        what: &'static str,
        /// The expected shape (`0` stands for "any").
        expected: Vec<usize>,
        /// The shape given.
        got: Vec<usize>,
    },
    /// A caller-provided output buffer has the wrong length.
    #[error("buffer length for {what}: expected {expected}, got {got}")]
    BufferLength {
        /// Which buffer.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The input holds NaN or an infinity where the computation needs finite values.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Flat index of the first non-finite value.
        index: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// [`Error::InvalidParameter`] for `name` = `value`, with the valid range in words.
pub(crate) fn invalid(name: &'static str, value: impl ToString, expected: &'static str) -> Error {
    Error::InvalidParameter {
        name,
        value: value.to_string(),
        expected,
    }
}
