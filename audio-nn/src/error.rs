//! The error type of `audio-nn`.

/// Everything that can go wrong in `audio-nn`.
///
/// Shape and configuration errors name the layer (and, for weights, the key).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A layer received an input of the wrong shape.
    #[error("{layer}: input shape mismatch: expected {expected}, got {got:?}")]
    ShapeMismatch {
        /// The layer's name.
        layer: &'static str,
        /// A description of the expected shape, e.g. `(batch, channels, time)`.
        expected: String,
        /// The shape given.
        got: Vec<usize>,
    },
    /// A layer received an input of the wrong rank (number of dimensions).
    #[error("{layer}: input rank mismatch: expected {expected} ({layout}), got rank {got} (shape {shape:?})")]
    InputRank {
        /// The layer's name.
        layer: &'static str,
        /// The expected rank.
        expected: usize,
        /// The expected layout, e.g. `(batch, channels, time)`.
        layout: &'static str,
        /// The rank given.
        got: usize,
        /// The shape given.
        shape: Vec<usize>,
    },
    /// A layer received an input whose channel (or feature) count differs from its configuration.
    #[error("{layer}: channel mismatch: expected {expected} channels, got {got}")]
    ChannelMismatch {
        /// The layer's name.
        layer: &'static str,
        /// The configured channel count.
        expected: usize,
        /// The channel count of the input.
        got: usize,
    },
    /// A weight the layer needs is not in the weight store.
    #[error("{layer}: missing weight `{key}`")]
    MissingKey {
        /// The layer's name.
        layer: &'static str,
        /// The full key (with the `VarBuilder` prefix), e.g. `lstm.weight_ih_l0`.
        key: String,
    },
    /// A weight exists but has the wrong shape.
    #[error("{layer}: weight `{key}` has shape {got:?}, expected {expected:?}")]
    WeightShape {
        /// The layer's name.
        layer: &'static str,
        /// The full key (with the `VarBuilder` prefix).
        key: String,
        /// The shape the layer's configuration implies.
        expected: Vec<usize>,
        /// The shape found in the store.
        got: Vec<usize>,
    },
    /// Two inputs of a layer or loss do not fit together (e.g. prediction and target shapes).
    #[error("{layer}: shapes do not match: {left:?} vs {right:?}")]
    IncompatibleShapes {
        /// The layer or loss name.
        layer: &'static str,
        /// The first shape.
        left: Vec<usize>,
        /// The second shape.
        right: Vec<usize>,
    },
    /// The operation is not available in this configuration (e.g. `step` on a bidirectional LSTM).
    #[error("{layer}: {operation} is not supported: {reason}")]
    Unsupported {
        /// The layer's name.
        layer: &'static str,
        /// The operation asked for.
        operation: &'static str,
        /// Why it is not available.
        reason: &'static str,
    },
    /// A configuration value is invalid.
    #[error("{layer}: invalid config `{name}` = {value}: expected {expected}")]
    InvalidParameter {
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
