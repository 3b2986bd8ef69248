//! Model building blocks: TCN and WaveNet residual blocks, U-Net cropping and resampling helpers.

pub mod tcn;
pub mod unet;
pub mod wavenet;
