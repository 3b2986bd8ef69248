//! Constant-Q transforms: CQT/VQT, their filters, hybrid, harmonic and inverse CQT.

pub mod constant_q;
pub mod cqt_filters;
pub mod hcqt;
pub mod hybrid_cqt;
pub mod icqt;
pub mod streaming_cqt;
pub mod streaming_hcqt;
pub mod streaming_hybrid_cqt;
