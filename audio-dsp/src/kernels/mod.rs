//! CPU kernels, each chosen once when a transform is planned, with a scalar fallback tested against it.

pub mod simd;
