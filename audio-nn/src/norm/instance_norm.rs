//! Instance normalisation, `torch.nn.InstanceNorm1d` (without running statistics).

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::Result;

const LAYER: &str = "InstanceNorm1d";

/// Instance normalisation: every channel of every example is normalised over
/// time, `y = (x - mean_t) / sqrt(var_t + eps) · weight[c] + bias[c]` (biased
/// variance), as `torch.nn.InstanceNorm1d(track_running_stats=False)`.
///
/// Weights: `weight`, `bias` `(C)` when affine (PyTorch's default is not affine).
///
/// # Shapes
///
/// `(batch, C, time)`.
///
/// ```
/// use audio_nn::InstanceNorm1d;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let n = InstanceNorm1d::new(3, 1e-5, false, vb)?;
/// let y = n.forward(&Tensor::randn(0f32, 1f32, (2, 3, 8), &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[2, 3, 8]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct InstanceNorm1d {
    num_features: usize,
    eps: f64,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
}

impl InstanceNorm1d {
    /// `torch.nn.InstanceNorm1d(num_features, eps, affine)`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`]; weight errors naming the key.
    pub fn new(num_features: usize, eps: f64, affine: bool, vb: VarBuilder) -> Result<Self> {
        checks::config(LAYER, "num_features", num_features, num_features > 0, "> 0")?;
        let (weight, bias) = if affine {
            (
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "weight",
                    &[num_features],
                    Init::Const(1.0),
                )?),
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "bias",
                    &[num_features],
                    Init::Const(0.0),
                )?),
            )
        } else {
            (None, None)
        };
        Ok(Self {
            num_features,
            eps,
            weight,
            bias,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`], [`crate::Error::ChannelMismatch`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [_, c, _] = checks::dims::<3>(LAYER, "(batch, channels, time)", x)?;
        checks::channels(LAYER, self.num_features, c)?;
        let mean = x.mean_keepdim(2)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(2)?;
        let xn = xc.broadcast_div(&var.affine(1.0, self.eps)?.sqrt()?)?;
        Ok(match (&self.weight, &self.bias) {
            (Some(w), Some(b)) => xn
                .broadcast_mul(&w.reshape((1, c, 1))?)?
                .broadcast_add(&b.reshape((1, c, 1))?)?,
            _ => xn,
        })
    }
}

impl Module for InstanceNorm1d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
