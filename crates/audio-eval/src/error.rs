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
    /// An error from the DSP layer.
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
