//! [`TfMaskSeparator`]: the T-F mask network between an STFT and an ISTFT
//! that reuses the mixture's phase.

use std::path::Path;

use audio_dsp::{Istft, IstftConfig, Stft, Transform, WindowKind};
use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, Array3, ArrayView2};
use num_complex::Complex;

use super::config::TfMaskConfig;
use super::model::TfMaskNet;
use crate::open_unmix::umx_stft_config;
use crate::training::{read_checkpoint_info, SIDECAR_FILE, WEIGHTS_FILE};
use crate::traits::Separator;
use crate::{Error, Result};

/// Magnitudes of each channel as the batch `(channels, frames, bins)`.
pub(crate) fn magnitude_batch(spec: &Array3<Complex<f32>>) -> Result<Tensor> {
    let (c, b, t) = spec.dim();
    let mut data = Vec::with_capacity(c * b * t);
    for ch in 0..c {
        for frame in 0..t {
            data.extend((0..b).map(|bin| spec[[ch, bin, frame]].norm()));
        }
    }
    Ok(Tensor::from_vec(data, (c, t, b), &Device::Cpu)?)
}

/// The LSTM time-frequency mask separator of seed 001 behind
/// [`Separator`]: each channel's magnitude STFT through [`TfMaskNet`], and
/// each masked magnitude back to audio with the mixture's phase
/// (`Ŝ_k · e^{i∠X}`, inverse STFT to the input's length). The outputs sum
/// to the mixture up to the STFT round trip.
///
/// # Example
///
/// ```
/// use audio_models::tf_mask::{TfMaskConfig, TfMaskSeparator};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
/// let config = TfMaskConfig { n_fft: 256, hop_length: 64, hidden_size: 8, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let sep = TfMaskSeparator::new(config, vb)?;
/// let mix = ndarray::Array2::from_shape_fn((2, 4000), |(c, t)| ((t + c) as f32 * 0.05).sin());
/// let out = sep.separate(mix.view())?;
/// assert_eq!(sep.targets(), ["vocals", "residual"]);
/// let sum = &out[0] + &out[1];
/// assert!(sum.iter().zip(mix.iter()).all(|(a, b)| (a - b).abs() < 1e-3));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TfMaskSeparator {
    config: TfMaskConfig,
    net: TfMaskNet,
    stft: Stft<f32>,
    istft: Istft<f32>,
}

impl TfMaskSeparator {
    /// Builds the separator from weights in `vb` (or initialised ones).
    ///
    /// # Errors
    ///
    /// As [`TfMaskNet::new`]; STFT planning errors.
    pub fn new(config: TfMaskConfig, vb: VarBuilder) -> Result<Self> {
        let net = TfMaskNet::new(&config, vb)?;
        let stft = Stft::new(umx_stft_config(config.n_fft, config.hop_length))?;
        let istft = Istft::new(IstftConfig {
            n_fft: config.n_fft,
            hop_length: Some(config.hop_length),
            win_length: None,
            window: WindowKind::Hann,
            center: true,
        })?;
        Ok(Self {
            config,
            net,
            stft,
            istft,
        })
    }

    /// Loads a checkpoint directory that `audio train tf-mask` wrote
    /// (`weights.safetensors` and `checkpoint.json`, whose `architecture`
    /// is the [`TfMaskConfig`]), e.g. a run's `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let dir = dir.as_ref();
        let info = read_checkpoint_info(dir)?;
        let config: TfMaskConfig =
            serde_json::from_value(info.architecture.clone()).map_err(|source| {
                Error::ModelJson {
                    path: dir.join(SIDECAR_FILE),
                    source,
                }
            })?;
        let weights = Weights::load(dir.join(WEIGHTS_FILE))?;
        Self::from_weights(config, &weights, device)
    }

    /// Builds the separator from `weights` under the network's keys.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes; as [`TfMaskSeparator::new`].
    pub fn from_weights(config: TfMaskConfig, weights: &Weights, device: &Device) -> Result<Self> {
        let expected =
            crate::checked_weights::probe_shapes(|vb| TfMaskNet::new(&config, vb).map(|_| ()))?;
        let map = crate::checked_weights::checked_tensors(weights, expected, device)?;
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// The configuration.
    pub fn config(&self) -> &TfMaskConfig {
        &self.config
    }

    /// The network.
    pub fn network(&self) -> &TfMaskNet {
        &self.net
    }
}

impl Separator for TfMaskSeparator {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    fn targets(&self) -> Vec<String> {
        self.config.outputs()
    }

    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let (channels, samples) = mixture.dim();
        if channels == 0 || samples <= self.config.n_fft / 2 {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("(channels ≥ 1, samples > {})", self.config.n_fft / 2),
                got: vec![channels, samples],
            });
        }
        if let Some(index) = mixture.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "mixture",
                index,
            });
        }
        let spec = self.stft.process_multichannel(mixture)?; // (ch, bins, frames)
        let (_, bins, frames) = spec.dim();
        let est = self.net.forward(&magnitude_batch(&spec)?)?; // (ch, K, T, F)
        let k = self.net.outputs();
        let est: Vec<f32> = est.flatten_all()?.to_vec1()?;
        let mut out = Vec::with_capacity(k);
        for j in 0..k {
            let mut y = Array3::<Complex<f32>>::zeros((channels, bins, frames));
            for ch in 0..channels {
                for t in 0..frames {
                    let base = ((ch * k + j) * frames + t) * bins;
                    for f in 0..bins {
                        let x = spec[[ch, f, t]];
                        let m = x.norm();
                        let phase = if m > 0.0 {
                            x / m
                        } else {
                            Complex::new(1.0, 0.0)
                        };
                        y[[ch, f, t]] = phase * est[base + f];
                    }
                }
            }
            out.push(self.istft.process_multichannel(y.view(), Some(samples))?);
        }
        Ok(out)
    }
}
