//! Audio front ends: the differentiable STFT/ISTFT and mel projection, SincNet's sinc convolution and mu-law embedding.

pub mod mel_db;
pub mod mu_law;
pub mod sinc_conv;
pub mod stft;
