//! MelGAN's multi-scale discriminator: the same strided, grouped
//! convolutional discriminator on the waveform and on copies average-pooled
//! by 2, 4, …; every layer's output is kept for feature matching.

use audio_nn::{Conv1d, Conv1dConfig, PadMode, Padding};
use candle_core::Tensor;
use candle_nn::ops::leaky_relu;
use candle_nn::VarBuilder;

use super::config::MelGanConfig;
use super::generator::LEAKY_SLOPE;
use crate::{Error, Result};

/// One discriminator (`mel2wav.modules.NLayerDiscriminator`), keys
/// `model.layer_0.1`, `model.layer_{n}.0` for the strided layers and the
/// one after them, and `model.layer_{N+2}` for the output. Where the
/// reference passes the second-to-last strided width to the layer after the
/// strided ones (equal to the last width at its own sizes, where both
/// are 1024), this one passes the last width, so small sizes work.
#[derive(Debug, Clone)]
pub struct ScaleDiscriminator {
    layers: Vec<Conv1d>,
}

impl ScaleDiscriminator {
    fn new(config: &MelGanConfig, vb: &VarBuilder) -> Result<Self> {
        let vb = vb.pp("model");
        let mut layers = vec![Conv1d::new(
            1,
            config.ndf,
            15,
            Conv1dConfig {
                padding: Padding::Explicit(7),
                pad_mode: PadMode::Reflect,
                ..Conv1dConfig::default()
            },
            vb.pp("layer_0.1"),
        )?];
        let stride = config.downsampling_factor;
        let mut nf = config.ndf;
        for n in 1..=config.discriminator_layers {
            let prev = nf;
            nf = (nf * stride).min(1024);
            layers.push(Conv1d::new(
                prev,
                nf,
                stride * 10 + 1,
                Conv1dConfig {
                    stride,
                    padding: Padding::Explicit(stride * 5),
                    groups: prev / 4,
                    ..Conv1dConfig::default()
                },
                vb.pp(format!("layer_{n}.0")),
            )?);
        }
        let last = (nf * 2).min(1024);
        let n = config.discriminator_layers;
        layers.push(Conv1d::new(
            nf,
            last,
            5,
            Conv1dConfig {
                padding: Padding::Explicit(2),
                ..Conv1dConfig::default()
            },
            vb.pp(format!("layer_{}.0", n + 1)),
        )?);
        layers.push(Conv1d::new(
            last,
            1,
            3,
            Conv1dConfig {
                padding: Padding::Explicit(1),
                ..Conv1dConfig::default()
            },
            vb.pp(format!("layer_{}", n + 2)),
        )?);
        Ok(Self { layers })
    }

    /// Every layer's output, the score map `(batch, 1, frames)` last.
    ///
    /// # Errors
    ///
    /// Shape and candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let mut out = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.apply(&h)?;
            if i < last {
                h = leaky_relu(&h, LEAKY_SLOPE)?;
            }
            out.push(h.clone());
        }
        Ok(out)
    }
}

/// `discriminators` [`ScaleDiscriminator`]s (keys `model.disc_{i}`), the
/// `i`-th on the waveform average-pooled `i` times
/// (`AvgPool1d(4, stride=2, padding=1, count_include_pad=False)`).
///
/// # Shapes
///
/// Input `(batch, 1, samples)`; per scale, every layer's output.
///
/// # Example
///
/// ```
/// use audio_models::vocoder::{MelGanConfig, MultiScaleDiscriminator};
/// use candle_core::{DType, Device, Tensor};
/// let config = MelGanConfig { ndf: 4, discriminator_layers: 2, ..MelGanConfig::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let d = MultiScaleDiscriminator::new(&config, vb)?;
/// let scores = d.forward(&Tensor::zeros((2, 1, 4096), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(scores.len(), 3);
/// assert_eq!(scores[0].last().map(|s| s.dims().to_vec()), Some(vec![2, 1, 256]));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiScaleDiscriminator {
    scales: Vec<ScaleDiscriminator>,
}

impl MultiScaleDiscriminator {
    /// Builds (or loads) the discriminators.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: &MelGanConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let vb = vb.pp("model");
        let scales = (0..config.discriminators)
            .map(|i| ScaleDiscriminator::new(config, &vb.pp(format!("disc_{i}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { scales })
    }

    /// Every scale's layer outputs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless the input is `(batch, 1, samples)`;
    /// an input too short for a scale's layers; candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Vec<Tensor>>> {
        let dims = x.dims();
        if dims.len() != 3 || dims[1] != 1 {
            return Err(Error::InvalidParameter {
                name: "audio",
                value: format!("shape {dims:?}"),
                expected: "(batch, 1, samples)",
            });
        }
        let mut out = Vec::with_capacity(self.scales.len());
        let mut h = x.clone();
        for (i, scale) in self.scales.iter().enumerate() {
            out.push(scale.forward(&h)?);
            if i + 1 < self.scales.len() {
                h = average_pool(&h)?;
            }
        }
        Ok(out)
    }
}

/// `AvgPool1d(kernel 4, stride 2, padding 1, count_include_pad=False)` of
/// a `(batch, 1, n)` signal, differentiable.
fn average_pool(x: &Tensor) -> Result<Tensor> {
    let n = x.dim(2)?;
    let ones = Tensor::ones((1, 1, 4), x.dtype(), x.device())?;
    let sum = Conv1d::from_tensors(
        ones,
        None,
        Conv1dConfig {
            stride: 2,
            padding: Padding::Explicit(1),
            ..Conv1dConfig::default()
        },
    )?
    .apply(x)?;
    let frames = sum.dim(2)?;
    let counts: Vec<f32> = (0..frames)
        .map(|j| {
            let lo = (2 * j).saturating_sub(1);
            let hi = (2 * j + 3).min(n);
            1.0 / hi.saturating_sub(lo).max(1) as f32
        })
        .collect();
    let scale = Tensor::from_vec(counts, (1, 1, frames), x.device())?.to_dtype(x.dtype())?;
    Ok(sum.broadcast_mul(&scale)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn average_pool_excludes_the_padding_from_the_count() -> Result<()> {
        let x = Tensor::new(&[[[1f32, 2., 3., 4., 5., 6.]]], &Device::Cpu)?;
        let y = average_pool(&x)?.flatten_all()?.to_vec1::<f32>()?;
        // Windows [pad,1,2,3], [2,3,4,5], [4,5,6,pad].
        let expected = [2.0f32, 3.5, 5.0];
        assert_eq!(y.len(), 3);
        for (a, b) in y.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        Ok(())
    }
}
