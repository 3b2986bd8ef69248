//! LayerScale (Touvron et al. 2021), as `demucs.transformer.LayerScale`.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::Result;

const LAYER: &str = "LayerScale";

/// `y = scale ⊙ x`, one learned scale per channel, initialised to `init`
/// (Touvron et al. 2021, "Going deeper with image transformers"): residual
/// branches start close to zero. `demucs.transformer.LayerScale(channels,
/// init, channel_last)`.
///
/// Weight: `scale` `(channels)`.
///
/// # Shapes
///
/// `(batch, channels, time)`, or `(…, channels)` when `channel_last`.
///
/// ```
/// use audio_nn::LayerScale;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let ls = LayerScale::new(2, 0.5, false, vb)?;
/// let y = ls.forward(&Tensor::new(&[[[2f32, 4.], [6., 8.]]], &Device::Cpu)?)?;
/// assert_eq!(y.to_vec3::<f32>()?, vec![vec![vec![1., 2.], vec![3., 4.]]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LayerScale {
    scale: Tensor,
    channel_last: bool,
}

impl LayerScale {
    /// `channels` scales initialised to `init`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for 0 channels; weight errors
    /// naming the key and both shapes.
    pub fn new(channels: usize, init: f64, channel_last: bool, vb: VarBuilder) -> Result<Self> {
        checks::config(LAYER, "channels", channels, channels > 0, "> 0")?;
        let scale = checks::weight(&vb, LAYER, "scale", &[channels], Init::Const(init))?;
        Ok(Self {
            scale,
            channel_last,
        })
    }
}

impl Module for LayerScale {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if self.channel_last {
            x.broadcast_mul(&self.scale)
        } else {
            x.broadcast_mul(&self.scale.unsqueeze(1)?)
        }
    }
}
