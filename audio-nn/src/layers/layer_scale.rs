//! LayerScale (Touvron et al. 2021), as `demucs.transformer.LayerScale`.

use candle_core::{DType, Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::kernels::with_cpu_f32_2;
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

impl LayerScale {
    /// `residual + scale ⊙ x`, the residual connection around a scaled
    /// branch, in one pass on the CPU in float32 outside autograd (and
    /// the two candle operations otherwise).
    ///
    /// # Errors
    ///
    /// [`crate::Error::ShapeMismatch`] when `residual` and `x` differ in
    /// shape or the channel axis has another size than the scales.
    ///
    /// # Shapes
    ///
    /// `residual` and `x` as [`LayerScale`]'s input; the result the same.
    ///
    /// ```
    /// use audio_nn::LayerScale;
    /// use candle_core::{DType, Device, Tensor};
    /// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
    /// let ls = LayerScale::new(2, 0.5, false, vb)?;
    /// let r = Tensor::new(&[[[1f32], [1.]]], &Device::Cpu)?;
    /// let x = Tensor::new(&[[[2f32], [4.]]], &Device::Cpu)?;
    /// assert_eq!(ls.add_scaled(&r, &x)?.to_vec3::<f32>()?, vec![vec![vec![2.], vec![3.]]]);
    /// # Ok::<(), audio_nn::Error>(())
    /// ```
    pub fn add_scaled(&self, residual: &Tensor, x: &Tensor) -> Result<Tensor> {
        let d = x.dims();
        let channels = self.scale.dim(0)?;
        let axis = if self.channel_last {
            d.len().checked_sub(1)
        } else {
            (d.len() >= 2).then_some(1)
        };
        if residual.dims() != d || axis.is_none_or(|a| d[a] != channels) {
            return Err(crate::Error::ShapeMismatch {
                layer: LAYER,
                expected: format!(
                    "residual and input of one shape with {channels} channels on the channel axis"
                ),
                got: d.to_vec(),
            });
        }
        let tracked = residual.track_op() || x.track_op() || self.scale.track_op();
        if !tracked && self.scale.dtype() == DType::F32 {
            let scale = self.scale.to_vec1::<f32>()?;
            // Values per channel run: 1 for channel-last, else the
            // trailing axes after the channel axis.
            let run = axis.map_or(1, |a| d[a + 1..].iter().product::<usize>());
            let y = with_cpu_f32_2(residual, x, |r, v| {
                let mut out = Vec::with_capacity(v.len());
                for (i, (rr, vv)) in r.chunks(run.max(1)).zip(v.chunks(run.max(1))).enumerate() {
                    let s = scale[i % channels];
                    out.extend(rr.iter().zip(vv).map(|(a, b)| a + s * b));
                }
                out
            })?;
            if let Some(y) = y {
                return Ok(Tensor::from_vec(y, d, x.device())?);
            }
        }
        Ok(residual.add(&self.forward(x)?)?)
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
