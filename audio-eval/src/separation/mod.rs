//! Source separation metrics: BSS Eval v3 as `mir_eval.separation` 0.8.2,
//! BSS Eval v4 as museval 0.4.1, and scale-invariant SDR (Le Roux et al.
//! 2019).
//!
//! | function | matches |
//! |---|---|
//! | [`bss_eval_sources`], [`bss_eval_sources_framewise`] | `mir_eval.separation.bss_eval_sources[_framewise]` |
//! | [`bss_eval_images`], [`bss_eval_images_framewise`] | `mir_eval.separation.bss_eval_images[_framewise]` |
//! | [`evaluate`] with [`MusevalConfig`] | `museval.evaluate` (v4, or v3 mode) |
//! | [`si_sdr`] | SI-SDR / SI-SIR / SI-SAR |
//!
//! ## Silent inputs: two policies
//!
//! - A reference or estimate that is silent over the **whole** signal is an
//!   error, [`Error::SilentSource`](crate::Error::SilentSource), in every
//!   function — as mir_eval and museval raise `ValueError`.
//! - A **window** in which any reference or estimate is silent gives NaN for
//!   every metric of that window (and no permutation) in the framewise
//!   functions and in [`evaluate`] — as mir_eval's `*_framewise` and museval.
//!
//! ## How it is fast
//!
//! The lag correlations are computed by blocked FFTs (memory bounded by the
//! block, not the track), the Gram system is solved once per signal set by
//! the block Levinson recursion on its block-Toeplitz structure (residual
//! checked, dense blocked Cholesky as fallback; mir_eval rebuilds and
//! LU-solves the dense matrix for each of the `n²` pairs), the energies of
//! the projections come from the normal equations, and sources and windows
//! run in parallel with rayon.

mod basis;
mod bss_eval;
mod cholesky;
mod correlation;
mod decomposition;
mod gram;
mod kernels;
mod levinson;
mod museval;
mod report;
mod si_sdr;
mod signals;
mod stem_passes;
mod stems;

pub use bss_eval::{
    bss_eval_images, bss_eval_images_blocks, bss_eval_images_framewise,
    bss_eval_images_framewise_blocks, bss_eval_sources, bss_eval_sources_blocks,
    bss_eval_sources_framewise, bss_eval_sources_framewise_blocks, FramewiseScores, ImagesScores,
    SourcesScores,
};
pub use decomposition::FILTER_LENGTH;
pub use museval::{
    evaluate, evaluate_blocks, nan_median, BssEvalVersion, MusevalConfig, MusevalScores,
    MusevalSummary,
};
pub use report::{BssEvalReport, MusevalFrame, MusevalMetrics, MusevalReport, MusevalTarget};
pub use si_sdr::{si_sdr, SiSdrConfig, SiSdrScores};
pub use signals::{MAX_PERMUTATION_SOURCES, MAX_SOURCES, RESOLUTION_FLOOR};
pub use stems::{ArrayStems, StemBlocks};
