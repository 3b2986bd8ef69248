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
//! - Layers follow candle-nn: a config struct, a constructor from a
//!   `VarBuilder` whose key names are PyTorch's, `impl Module` and an `apply`
//!   method returning this crate's typed [`Error`]. An initialising builder
//!   ([`init::SeededVarMap`], `VarMap`) creates the weights with PyTorch's
//!   default init.
//! - Tensors are `(batch, channels, time)` for 1-D convolutions, as PyTorch.
//! - Streaming layers implement [`StreamingModule`].

pub mod batch_norm;
mod checks;
pub mod conv;
pub mod error;
mod fast_math;
pub mod film;
pub mod gating;
mod gemv;
pub mod group_norm;
pub mod gru;
mod gru_kernel;
pub mod init;
pub mod instance_norm;
pub mod layer_norm;
pub mod linear;
pub mod loss;
pub mod lstm;
mod lstm_kernel;
pub mod mu_law;
pub mod padding;
pub mod prelu;
mod real_fft;
pub mod sinc_conv;
pub mod squeeze_excitation;
pub mod stft;
mod stft_fft;
pub mod streaming;
pub mod streaming_conv;
pub mod tcn;
mod tcn_kernel;
pub mod unet;
pub mod wavenet;

pub use batch_norm::{BatchNorm, BatchNormConfig};
pub use conv::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, Padding};
pub use error::{Error, Result};
pub use film::Film;
pub use gating::{gated_tanh, glu};
pub use group_norm::GroupNorm;
pub use gru::{Gru, GruConfig, GruStream};
pub use instance_norm::InstanceNorm1d;
pub use layer_norm::LayerNorm;
pub use linear::{Linear, Mlp};
pub use lstm::{Lstm, LstmConfig, LstmState, LstmStream};
pub use mu_law::{mu_law_decode, mu_law_encode, mu_law_one_hot, MuLawEmbedding};
pub use padding::{pad1d, PadMode};
pub use prelu::PRelu;
pub use sinc_conv::{SincConv, SincConvConfig};
pub use squeeze_excitation::SqueezeExcitation;
pub use stft::{Istft, MelProjection, Stft, StftConfig};
pub use streaming::StreamingModule;
pub use streaming_conv::CausalConv1dStream;
pub use tcn::{TcnBlock, TcnBlockConfig, TcnBlockStream};
pub use unet::{causal_crop, centre_crop, crop_and_concat, decimate, interpolate_linear};
pub use wavenet::{WaveNetBlock, WaveNetBlockConfig, WaveNetBlockStream};
