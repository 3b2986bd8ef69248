//! The Wavenet-based regression separator (Lluís, Pons & Serra 2019, "End-
//! to-end music source separation: is it possible in the waveform
//! domain?", Interspeech; seed 003): a non-causal Wavenet that maps the
//! mixture waveform to the sources' waveforms, fully convolutional and
//! deterministic, predicting a target field of samples per window.
//!
//! - [`WavenetSeparatorConfig`]: the reference's `config.json` `model`
//!   section (github.com/francesclluis/source-separation-wavenet, Keras,
//!   MIT);
//! - [`WavenetSeparatorNet`]: the network;
//! - [`WavenetSeparator`]: whole tracks window by window, behind
//!   [`Separator`](crate::Separator);
//! - [`train`]: training with the shared trainer.
//!
//! The reference is Keras 2 on Python 2, which cannot run here, so there
//! are no numeric fixtures: `tests/wavenet_separator.rs` checks each
//! equation of the network against a direct transcription on a small
//! configuration, the window arithmetic (a window's output equals the
//! whole-track output there), and that training lowers the loss.

mod config;
mod network;
mod separator;
mod training;

pub use config::WavenetSeparatorConfig;
pub use network::WavenetSeparatorNet;
pub use separator::WavenetSeparator;
pub use training::{train, TrainConfig, ARCHITECTURE};
