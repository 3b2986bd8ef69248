//! Wave-U-Net (Stoller, Ewert & Dixon 2018; seeds 000 and 003): end-to-end
//! waveform source separation with a one-dimensional U-Net of "valid"
//! convolutions, as the authors' maintained PyTorch port
//! (github.com/f90/Wave-U-Net-Pytorch, commit 86c113d, MIT) builds, runs
//! and trains it.
//!
//! - [`WaveUNetConfig`]: that port's `train.py` arguments and defaults;
//! - [`WaveUNet`]: the network, with its window sizes ([`WindowShapes`])
//!   and the reference's checkpoint keys;
//! - [`WaveUNetSeparator`]: whole tracks window by window
//!   (`test.py::predict`), behind [`Separator`](crate::Separator);
//! - [`train`]: training on a separation dataset with the shared trainer.
//!
//! Parity: `tests/wave_u_net.rs` compares forward passes and whole-track
//! predictions with the reference code on random-weight checkpoints in its
//! own format (`tools/reference/wave_u_net_fixtures.py`).

mod blocks;
mod config;
mod conv_layer;
mod network;
mod resample;
mod separator;
mod training;

pub use blocks::{DownsamplingBlock, UpsamplingBlock};
pub use config::{
    ConvType, FeatureGrowth, Resampling, WaveUNetConfig, NORM_CHANNELS, RESAMPLE_TAPS,
};
pub use conv_layer::ConvLayer;
pub use network::{WaveUNet, WindowShapes};
pub use resample::{sinc_filter, Resample1d};
pub use separator::WaveUNetSeparator;
pub use training::{train, TrainConfig, ARCHITECTURE};
