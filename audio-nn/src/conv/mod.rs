//! Convolutions: 1-D (transposed) convolutions with streaming state, and padding.

pub mod conv1d;
pub mod conv2d;
pub mod conv_transpose2d;
pub mod padding;
pub mod streaming_conv;
