//! Mu-law companding as network input: class indices, one-hot and embedding.

use candle_core::{DType, Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::{Error, Result};

/// Mu-law encoding to class indices, as `torchaudio.functional.mu_law_encoding`:
/// `μ = quantization_channels - 1`, `f = sign(x)·ln(1 + μ|x|)/ln(1 + μ)`,
/// `q = floor((f + 1)/2·μ + 0.5)` for `x ∈ [-1, 1]` (values outside are clamped).
/// Returned as `u32` of the input's shape.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for fewer than 2 channels.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[-1f32, 0., 1.], &Device::Cpu)?;
/// assert_eq!(audio_nn::mu_law_encode(&x, 256)?.to_vec1::<u32>()?, vec![0, 128, 255]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn mu_law_encode(x: &Tensor, quantization_channels: usize) -> Result<Tensor> {
    checks::config(
        "mu_law_encode",
        "quantization_channels",
        quantization_channels,
        quantization_channels >= 2,
        ">= 2",
    )?;
    let mu = (quantization_channels - 1) as f64;
    let xf = x.to_dtype(DType::F64)?.clamp(-1.0, 1.0)?;
    let mag = xf
        .abs()?
        .affine(mu, 1.0)?
        .log()?
        .affine(1.0 / (1.0 + mu).ln(), 0.0)?;
    let f = xf.sign()?.mul(&mag)?;
    let q = f
        .affine(mu / 2.0, mu / 2.0 + 0.5)?
        .floor()?
        .clamp(0.0, mu)?;
    Ok(q.to_dtype(DType::U32)?)
}

/// Mu-law decoding of class indices back to `[-1, 1]`, as
/// `torchaudio.functional.mu_law_decoding`: `f = 2q/μ - 1`,
/// `x = sign(f)·((1 + μ)^|f| - 1)/μ`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for fewer than 2 channels.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let q = Tensor::new(&[0u32, 255], &Device::Cpu)?;
/// let x = audio_nn::mu_law_decode(&q, 256)?.to_vec1::<f32>()?;
/// assert!((x[0] + 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn mu_law_decode(q: &Tensor, quantization_channels: usize) -> Result<Tensor> {
    checks::config(
        "mu_law_decode",
        "quantization_channels",
        quantization_channels,
        quantization_channels >= 2,
        ">= 2",
    )?;
    let mu = (quantization_channels - 1) as f64;
    let f = q.to_dtype(DType::F64)?.affine(2.0 / mu, -1.0)?;
    let mag = f
        .abs()?
        .affine((1.0 + mu).ln(), 0.0)?
        .exp()?
        .affine(1.0 / mu, -1.0 / mu)?;
    Ok(f.sign()?.mul(&mag)?.to_dtype(DType::F32)?)
}

/// One-hot encoding of mu-law classes for WaveNet's input:
/// `(batch, time)` samples in `[-1, 1]` → `(batch, quantization_channels, time)`
/// with a 1 at each sample's class.
///
/// # Errors
///
/// [`Error::InputRank`] unless the input is `(batch, time)`; [`Error::InvalidParameter`].
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[-1f32, 1.]], &Device::Cpu)?;
/// let oh = audio_nn::mu_law_one_hot(&x, 4)?;
/// assert_eq!(oh.to_vec3::<f32>()?[0], vec![vec![1., 0.], vec![0., 0.], vec![0., 0.], vec![0., 1.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn mu_law_one_hot(x: &Tensor, quantization_channels: usize) -> Result<Tensor> {
    let [_, _] = checks::dims::<2>("mu_law_one_hot", "(batch, time)", x)?;
    let q = mu_law_encode(x, quantization_channels)?;
    let classes = Tensor::arange(0u32, quantization_channels as u32, x.device())?.reshape((
        1,
        quantization_channels,
        1,
    ))?;
    Ok(q.unsqueeze(1)?
        .broadcast_eq(&classes)?
        .to_dtype(DType::F32)?)
}

/// A learned embedding of mu-law classes, `torch.nn.Embedding(quantization_channels, dim)`
/// applied to [`mu_law_encode`]: `(batch, time)` samples → `(batch, dim, time)`.
///
/// Weight: `weight` `(quantization_channels, dim)`, init `N(0, 1)` as PyTorch.
///
/// ```
/// use audio_nn::MuLawEmbedding;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let e = MuLawEmbedding::new(256, 16, vb)?;
/// assert_eq!(e.forward(&Tensor::zeros((2, 50), DType::F32, &Device::Cpu)?)?.dims(), &[2, 16, 50]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MuLawEmbedding {
    weight: Tensor,
    quantization_channels: usize,
}

impl MuLawEmbedding {
    /// Loads (or initialises) `weight`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`]; weight errors naming the key.
    pub fn new(quantization_channels: usize, dim: usize, vb: VarBuilder) -> Result<Self> {
        checks::config("MuLawEmbedding", "dim", dim, dim > 0, "> 0")?;
        checks::config(
            "MuLawEmbedding",
            "quantization_channels",
            quantization_channels,
            quantization_channels >= 2,
            ">= 2",
        )?;
        let weight = checks::weight(
            &vb,
            "MuLawEmbedding",
            "weight",
            &[quantization_channels, dim],
            Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
        )?;
        Ok(Self {
            weight,
            quantization_channels,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] unless the input is `(batch, time)`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [b, t] = checks::dims::<2>("MuLawEmbedding", "(batch, time)", x)?;
        let q = mu_law_encode(x, self.quantization_channels)?.flatten_all()?;
        let e = self.weight.index_select(&q, 0)?; // (b*t, dim)
        let dim = self.weight.dim(1)?;
        Ok(e.reshape((b, t, dim))?.transpose(1, 2)?.contiguous()?)
    }
}

impl Module for MuLawEmbedding {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x)
            .map_err(|e: Error| candle_core::Error::wrap(e))
    }
}
