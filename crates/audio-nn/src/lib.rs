//! # audio-nn
//!
//! Neural-network layers and losses for audio on
//! [candle](https://github.com/huggingface/candle), numerically equal to their
//! PyTorch counterparts: dilated and causal convolutions with streaming state,
//! multi-layer (bi)LSTM and GRU in PyTorch's weight layout, FiLM, GLU, PReLU,
//! squeeze-excitation, SincConv, norms, differentiable STFT and mel front
//! ends, and audio losses.
//!
//! `audio-nn` depends on `audio-dsp` (filterbanks, windows) and candle;
//! `audio-models` assembles its layers into the reference models.
//!
//! ## Conventions
//!
//! - Layers follow candle-nn: an `XxxConfig` with `Default`, a constructor
//!   from a `VarBuilder` whose key names are PyTorch's, and `impl Module`.
//! - Tensors are `(batch, channels, time)` for 1-D convolutions, as PyTorch.

pub mod error;

pub use error::{Error, Result};
