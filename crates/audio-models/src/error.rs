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
