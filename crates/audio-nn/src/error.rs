//! The error type of `audio-nn`.

/// Everything that can go wrong in `audio-nn`.
///
/// Shape and configuration errors name the layer (and, for weights, the key).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A layer received an input of the wrong shape.
    #[error("{layer}: input shape mismatch: expected {expected}, got {got:?}")]
    InputShape {
        /// The layer's name.
        layer: &'static str,
        /// A description of the expected shape, e.g. `(batch, channels, time)`.
        expected: String,
        /// The shape given.
        got: Vec<usize>,
    },
    /// A configuration value is invalid.
    #[error("{layer}: invalid config `{name}` = {value}: expected {expected}")]
    InvalidConfig {
        /// The layer's name.
        layer: &'static str,
        /// The config field.
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// An error from candle (tensor ops, missing weights from a `VarBuilder`).
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// An error from the DSP layer.
    #[error(transparent)]
    Dsp(#[from] audio_dsp::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
