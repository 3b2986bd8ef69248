//! The LSTM time-frequency mask separator of seed 001 (after Huang,
//! Kim, Hasegawa-Johnson & Smaragdis 2014): magnitude STFT in, stacked
//! LSTMs with peephole connections, a dense layer per output, a
//! time-frequency soft-masking layer whose outputs sum to the mixture, and
//! reconstruction with the mixture's phase.
//!
//! - [`TfMaskConfig`], [`TfMaskNet`]: the network;
//! - [`TfMaskSeparator`]: STFT → network → ISTFT behind
//!   [`Separator`](crate::Separator);
//! - [`train`]: training on a separation dataset with the shared trainer.
//!
//! No runnable reference implementation of the seed's model exists (its
//! thesis gives the design, not code); `tests/tf_mask.rs` checks each
//! equation of [`TfMaskNet`] on its own (the peephole cell against a
//! scalar transcription of the seed's equations, the masks' sum) and that
//! training lowers the loss.

mod config;
mod model;
mod separator;
mod training;

pub use config::{TfMaskConfig, RESIDUAL};
pub use model::{TfMaskNet, MASK_FLOOR};
pub use separator::TfMaskSeparator;
pub use training::{train, TrainConfig, ARCHITECTURE};
