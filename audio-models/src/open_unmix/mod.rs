//! Open-Unmix (Stöter, Uhlich, Liutkus & Mitsufuji, JOSS 2019), numerically
//! equal to the `openunmix` 1.3.0 package: the spectrogram model
//! ([`OpenUnmix`], `openunmix.model.OpenUnmix`), the multichannel Wiener
//! filter ([`wiener`], `openunmix.filtering.wiener`), the whole-track
//! separator ([`OpenUnmixSeparator`], `openunmix.model.Separator`) and a
//! chunked separator with bounded memory for long tracks
//! ([`ChunkedSeparator`]).
//!
//! ## Weights
//!
//! The official checkpoints are per-target PyTorch state dicts on Zenodo
//! (nothing is downloaded at run time; fetch them once):
//!
//! - umxhq (MUSDB18-HQ, hidden 512): <https://zenodo.org/records/3370489>,
//!   files `vocals-b62c91ce.pth`, `drums-9619578f.pth`, `bass-8d85a5bd.pth`,
//!   `other-b52fbbf7.pth`;
//! - umxl (hidden 1024, extra data, non-commercial licence):
//!   <https://zenodo.org/records/5069601>, `vocals-bccbd9aa.pth`,
//!   `drums-69e0ebd4.pth`, `bass-2ca1ce51.pth`, `other-c8c5b3e6.pth`.
//!
//! Put the four files in one directory and pass it to
//! [`OpenUnmixSeparator::from_dir`] (or `audio separate --model DIR`);
//! [`convert_to_safetensors`] writes `<target>.safetensors` copies.
//!
//! # Example
//!
//! ```
//! use audio_models::open_unmix::{OpenUnmix, OpenUnmixConfig};
//! use candle_core::{DType, Device, Tensor};
//! let config = OpenUnmixConfig { hidden_size: 32, ..OpenUnmixConfig::umxhq() };
//! let vb = audio_nn::init::SeededVarMap::new(1).var_builder(DType::F32, &Device::Cpu);
//! let model = OpenUnmix::new(config, vb)?;
//! let spec = Tensor::ones((1, 2, 2049, 4), DType::F32, &Device::Cpu)?;
//! assert_eq!(model.forward(&spec)?.dims(), &[1, 2, 2049, 4]);
//! # Ok::<(), audio_models::Error>(())
//! ```

mod augment;
mod chunked;
mod convert;
mod dataset;
mod mixture_frames;
mod model;
mod separator;
mod training;
mod wiener;

pub use crate::mixture_source::{FileMixture, InMemoryMixture, MixtureSource};
pub use augment::{sample_excerpt, sample_stems, AugmentConfig, SeededRng};
pub use chunked::ChunkedSeparator;
pub use convert::convert_to_safetensors;
pub use dataset::{Song, StemDataset};
pub use model::{OpenUnmix, OpenUnmixConfig};
pub(crate) use separator::umx_stft_config;
pub use separator::{
    OpenUnmixSeparator, SeparatorConfig, MUSDB_TARGETS, SMALL_CONFIG, SMALL_WEIGHTS,
};
pub use training::{export_checkpoint, train, TrainConfig, ARCHITECTURE};
pub use wiener::{wiener, WienerConfig};
