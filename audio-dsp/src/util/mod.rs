//! Signal utilities: framing and overlap-add, padding, dB scaling, normalisation orders, NumPy's pairwise summation, mu-law companding, the seeded random generator, channel parallelism, and the numerical solvers behind the feature inverses (L-BFGS-B and non-negative least squares).

pub(crate) mod aligned_frames;
pub mod db;
pub mod frame;
pub mod frame_stream;
pub mod lbfgsb;
pub mod mu_law;
pub mod nnls;
pub mod norm;
pub mod pad;
pub mod pairwise_stream;
pub mod pairwise_sum;
pub(crate) mod parallel;
pub mod rng;
