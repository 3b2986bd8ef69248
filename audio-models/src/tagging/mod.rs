//! Music tagging and audio classification: SampleCNN, SampleCNN+SE,
//! SincNet-SampleCNN, the short-chunk CNNs (plain and residual) and seed
//! 000's VGG-style mel CNN, behind the [`Classifier`](crate::Classifier)
//! trait.
//!
//! The SampleCNNs and short-chunk CNNs are those of
//! `sota-music-tagging-models` (Won et al. 2020;
//! github.com/minzwon/sota-music-tagging-models, `training/model.py` and
//! `modules.py`), equal to them within float rounding on the same weights
//! (fixtures from `tools/reference/tagging_fixtures.py`), and their `.pth`
//! state dicts load by their own key names.
//!
//! References: J. Lee et al., "Sample-level deep convolutional neural
//! networks for music auto-tagging using raw waveforms", SMC 2017; T. Kim et
//! al., "Sample-level CNN architectures for music auto-tagging using raw
//! waveforms", ICASSP 2018; M. Ravanelli and Y. Bengio, "Speaker recognition
//! from raw waveform with SincNet", SLT 2018; M. Won et al., "Evaluation of
//! CNN-based automatic music tagging models", SMC 2020.

mod blocks;
mod config;
mod fused_conv;
mod mel_front_end;
mod mfcc_baseline;
mod network;
mod sample_cnn;
mod short_chunk_cnn;
mod tagger;
mod training;
mod vgg_mel;
pub mod visualize;

pub use blocks::{ConvBlock1d, ConvBlock2d, Pass, ResBlock2d, ResSeBlock1d};
pub use config::{Architecture, TaggerConfig, SAMPLE_CNN_INPUT, SAMPLE_CNN_WIDTHS};
pub use mel_front_end::MelFrontEnd;
pub use mfcc_baseline::{mfcc_statistics, MfccBaseline, MfccBaselineConfig};
pub use network::TaggerNet;
pub use sample_cnn::SampleCnn;
pub use short_chunk_cnn::ShortChunkCnn;
pub use tagger::{Aggregation, SegmentPlan, SegmentScores, TagReport, Tagger};
pub use training::{
    evaluate, score, train, ClassificationEvaluation, TagOptimizer, TagTrainConfig,
};
pub use vgg_mel::VggMel;
