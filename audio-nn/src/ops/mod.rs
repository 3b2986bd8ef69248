//! Tensor operations with CPU kernels: the transpose of the last two axes.

pub mod transpose;
