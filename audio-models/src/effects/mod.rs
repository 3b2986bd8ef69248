//! Audio-effect models: micro-TCN with FiLM conditioning (Steinmetz &
//! Reiss 2022, "Efficient neural networks for real-time modeling of analog
//! dynamic range compression"; seed 000's compressor figure) and the
//! randomised overdrive (Steinmetz & Reiss 2021).
//!
//! - [`TcnEffectConfig`]: micro-TCN's `TCNModel` arguments, with named,
//!   ranged controls ([`EffectParam`]);
//! - [`TcnEffectNet`]: the network on candle (training, offline);
//! - [`TcnEffectProcessor`]: the same model block by block for a plugin
//!   host (`prepare`, `process_block` without allocation, smoothed
//!   controls, reported latency);
//! - [`TcnEffect`]: configuration plus weights, from a training checkpoint,
//!   a micro-TCN state dict or Lightning `.ckpt`, or drawn at random
//!   ([`TcnEffect::random_overdrive`]);
//! - [`train`] / [`evaluate`]: training on an effects dataset with ESR and
//!   multi-resolution STFT losses, and the test ESR next to the identity
//!   baseline's.

mod tcn_config;
mod tcn_effect;
mod tcn_network;
mod tcn_processor;
mod tcn_training;

pub use tcn_config::{EffectParam, TcnEffectConfig, GEN_SIZES};
pub use tcn_effect::{OverdriveConfig, TcnEffect, WeightInit};
pub use tcn_network::TcnEffectNet;
pub use tcn_processor::{TcnEffectProcessor, DEFAULT_SMOOTHING_MS};
pub use tcn_training::{dataset_params, evaluate, train, EffectReport, TrainConfig, ARCHITECTURE};
