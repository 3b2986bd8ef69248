//! Layer normalisation, `torch.nn.LayerNorm`.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "LayerNorm";

/// Layer normalisation over the trailing `normalized_shape` axes:
/// `y = (x - mean) / sqrt(var + eps) · weight + bias` (biased variance).
///
/// Weights: `weight`, `bias` of `normalized_shape` if `elementwise_affine` (init 1, 0).
///
/// # Shapes
///
/// `(*, normalized_shape...)`.
///
/// ```
/// use audio_nn::LayerNorm;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let ln = LayerNorm::new(&[16], 1e-5, true, vb)?;
/// let y = ln.forward(&Tensor::randn(0f32, 1f32, (2, 5, 16), &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[2, 5, 16]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LayerNorm {
    shape: Vec<usize>,
    eps: f64,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
}

impl LayerNorm {
    /// `torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an empty or zero-sized shape; weight errors.
    pub fn new(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        checks::config(
            LAYER,
            "normalized_shape",
            normalized_shape,
            !normalized_shape.is_empty() && normalized_shape.iter().all(|&n| n > 0),
            "non-empty, positive sizes",
        )?;
        let (weight, bias) = if elementwise_affine {
            (
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "weight",
                    normalized_shape,
                    Init::Const(1.0),
                )?),
                Some(checks::weight(
                    &vb,
                    LAYER,
                    "bias",
                    normalized_shape,
                    Init::Const(0.0),
                )?),
            )
        } else {
            (None, None)
        };
        Ok(Self {
            shape: normalized_shape.to_vec(),
            eps,
            weight,
            bias,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the trailing axes are not `normalized_shape`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let d = x.dims().to_vec();
        let k = self.shape.len();
        if d.len() < k || d[d.len() - k..] != self.shape[..] {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("(*, {:?})", self.shape),
                got: d,
            });
        }
        let lead: usize = d[..d.len() - k].iter().product();
        let xf = x.reshape((lead, ()))?;
        let mean = xf.mean_keepdim(1)?;
        let c = xf.broadcast_sub(&mean)?;
        let var = c.sqr()?.mean_keepdim(1)?;
        let xn = c
            .broadcast_div(&var.affine(1.0, self.eps)?.sqrt()?)?
            .reshape(d)?;
        Ok(match (&self.weight, &self.bias) {
            (Some(w), Some(b)) => xn.broadcast_mul(w)?.broadcast_add(b)?,
            _ => xn,
        })
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
