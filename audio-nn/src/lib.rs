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
//! - Streaming layers implement [`StreamingLayer`].

pub mod blocks;
mod checks;
pub mod conv;
pub mod error;
pub mod frontend;
pub mod init;
pub mod kernels;
pub mod layers;
pub mod loss;
pub mod mix_logistic;
pub mod norm;
pub mod ops;
pub mod recurrent;
pub mod streaming;
pub mod synth;
pub mod weight_norm;

pub use blocks::tcn::{TcnBlock, TcnBlockConfig, TcnBlockStream};
pub use blocks::unet::{causal_crop, centre_crop, crop_and_concat, decimate, interpolate_linear};
pub use blocks::wavenet::{WaveNetBlock, WaveNetBlockConfig, WaveNetBlockStream};
pub use conv::conv1d::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, Padding};
pub use conv::conv2d::{conv2d_im2col, Conv2d, Conv2dConfig};
pub use conv::conv_transpose2d::{ConvTranspose2d, ConvTranspose2dConfig};
pub use conv::padding::{pad1d, PadMode};
pub use conv::streaming_conv::CausalConv1dStream;
pub use error::{Error, Result};
pub use frontend::mel_db::{MelDb, MelDbConfig};
pub use frontend::mu_law::{mu_law_decode, mu_law_encode, mu_law_one_hot, MuLawEmbedding};
pub use frontend::sinc_conv::{SincConv, SincConvConfig};
pub use frontend::stft::{IstftLayer, MelProjection, StftLayer, StftLayerConfig};
pub use layers::attention::multi_head_attention;
pub use layers::film::Film;
pub use layers::gating::{gated_tanh, glu};
pub use layers::gelu::gelu_erf;
pub use layers::layer_scale::LayerScale;
pub use layers::linear::{Linear, Mlp};
pub use layers::prelu::PRelu;
pub use layers::softmax::softmax_last_dim;
pub use layers::squeeze_excitation::SqueezeExcitation;
pub use norm::batch_norm::{BatchNorm, BatchNormConfig};
pub use norm::group_norm::GroupNorm;
pub use norm::instance_norm::InstanceNorm1d;
pub use norm::layer_norm::LayerNorm;
pub use ops::transpose::transpose_last_two;
pub use recurrent::gru::{Gru, GruConfig, GruStream};
pub use recurrent::lstm::{Lstm, LstmConfig, LstmState, LstmStream};
pub use streaming::StreamingLayer;
pub use weight_norm::fold_weight_norm;

/// The code blocks of this crate's README, run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
