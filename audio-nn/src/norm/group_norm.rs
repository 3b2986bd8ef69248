//! Group normalisation, `torch.nn.GroupNorm`.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "GroupNorm";

/// Group normalisation: channels are split into `num_groups` groups, and each
/// group of each example is normalised over its channels and all positions,
/// `y = (x - mean_g) / sqrt(var_g + eps) · weight[c] + bias[c]` (biased variance).
///
/// Weights: `weight`, `bias` `(C)` if affine (init 1, 0).
///
/// # Shapes
///
/// `(batch, C, *)` with at least one trailing axis or none.
///
/// ```
/// use audio_nn::GroupNorm;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let gn = GroupNorm::new(2, 4, 1e-5, true, vb)?;
/// let y = gn.forward(&Tensor::randn(0f32, 1f32, (2, 4, 8), &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[2, 4, 8]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GroupNorm {
    num_groups: usize,
    num_channels: usize,
    eps: f64,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
}

impl GroupNorm {
    /// `torch.nn.GroupNorm(num_groups, num_channels, eps, affine)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `num_channels` is a positive multiple of
    /// `num_groups`; weight errors naming the key.
    pub fn new(
        num_groups: usize,
        num_channels: usize,
        eps: f64,
        affine: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        checks::config(LAYER, "num_groups", num_groups, num_groups > 0, "> 0")?;
        checks::config(
            LAYER,
            "num_channels",
            num_channels,
            num_channels > 0 && num_channels.is_multiple_of(num_groups),
            "a positive multiple of num_groups",
        )?;
        let (weight, bias) = if affine {
            (
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "weight",
                    &[num_channels],
                    Init::Const(1.0),
                )?),
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "bias",
                    &[num_channels],
                    Init::Const(0.0),
                )?),
            )
        } else {
            (None, None)
        };
        Ok(Self {
            num_groups,
            num_channels,
            eps,
            weight,
            bias,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] for rank < 2, [`Error::ChannelMismatch`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let d = x.dims().to_vec();
        if d.len() < 2 {
            return Err(Error::InputRank {
                layer: LAYER,
                expected: 3,
                layout: "(batch, channels, *)",
                got: d.len(),
                shape: d,
            });
        }
        checks::channels(LAYER, self.num_channels, d[1])?;
        let b = d[0];
        let xg = x.reshape((b, self.num_groups, ()))?;
        let mean = xg.mean_keepdim(2)?;
        let c = xg.broadcast_sub(&mean)?;
        let var = c.sqr()?.mean_keepdim(2)?;
        let xn = c
            .broadcast_div(&var.affine(1.0, self.eps)?.sqrt()?)?
            .reshape(d.clone())?;
        let mut s = vec![1; d.len()];
        s[1] = self.num_channels;
        Ok(match (&self.weight, &self.bias) {
            (Some(w), Some(bb)) => xn
                .broadcast_mul(&w.reshape(s.clone())?)?
                .broadcast_add(&bb.reshape(s)?)?,
            _ => xn,
        })
    }
}

impl Module for GroupNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
