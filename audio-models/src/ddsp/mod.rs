//! DDSP (Engel et al. 2020), seed 003's "alternative to modelling raw
//! audio": a decoder maps the fundamental (pYIN) and loudness of each
//! frame to the controls of a harmonic synthesiser and filtered noise
//! (audio-nn's `synth`), trained end to end with the multi-resolution STFT
//! loss to resynthesise a monophonic instrument; driving a trained decoder
//! with another instrument's f0 and loudness is timbre transfer.
//!
//! - [`DdspConfig`]: rates and sizes;
//! - [`FeatureExtractor`], [`DdspFeatures`]: f0 and A-weighted loudness;
//! - [`DdspDecoder`]: the RNN decoder on candle;
//! - [`Ddsp`]: a model (resynthesis in bounded memory, the differentiable
//!   forward, the evaluation against Griffin-Lim);
//! - [`train`]: training on a monophonic split.

mod config;
mod features;
mod model;
mod network;
mod training;

pub use config::DdspConfig;
pub use features::{
    DdspFeatures, FeatureExtractor, FeatureStream, LOUDNESS_RANGE_DB, LOUDNESS_REF_DB,
};
pub use model::{Ddsp, DdspScores, SynthStream, EVAL_HOP, EVAL_N_FFT, EVAL_N_MELS, SYNTH_FRAMES};
pub use network::{exp_sigmoid, DdspDecoder, SynthControls};
pub use training::{train, TrainConfig, ARCHITECTURE, LOSS_FFT_SIZES};
