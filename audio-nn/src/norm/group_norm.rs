//! Group normalisation, `torch.nn.GroupNorm`.

use candle_core::{DType, Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::kernels::group_norm_kernel::{group_norm_act, GroupNormActivation, GroupNormShape};
use crate::kernels::{with_cpu_f32, Isa};
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
        self.check(x)?;
        let d = x.dims().to_vec();
        if let Some(y) = self.fused(x, GroupNormActivation::Identity)? {
            return Ok(y);
        }
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

impl GroupNorm {
    /// `gelu_erf(self.apply(x))` (GELU with the exact `erf`, as
    /// `torch.nn.functional.gelu`), in one pass over the output on the CPU
    /// in float32 outside autograd; otherwise the two steps.
    ///
    /// # Errors
    ///
    /// As [`GroupNorm::apply`].
    ///
    /// # Shapes
    ///
    /// `(batch, C, *)` → the same.
    ///
    /// ```
    /// use audio_nn::GroupNorm;
    /// use candle_core::{DType, Device, Tensor};
    /// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
    /// let gn = GroupNorm::new(1, 2, 1e-5, true, vb)?;
    /// let x = Tensor::new(&[[[1f32, 3.], [5., 7.]]], &Device::Cpu)?;
    /// let fused = gn.apply_gelu(&x)?;
    /// let steps = gn.apply(&x)?.gelu_erf()?;
    /// let diff = (fused - steps)?.abs()?.max_all()?.to_scalar::<f32>()?;
    /// assert!(diff < 1e-6);
    /// # Ok::<(), audio_nn::Error>(())
    /// ```
    pub fn apply_gelu(&self, x: &Tensor) -> Result<Tensor> {
        self.check(x)?;
        match self.fused(x, GroupNormActivation::Gelu)? {
            Some(y) => Ok(y),
            None => Ok(self.apply(x)?.gelu_erf()?),
        }
    }

    /// `glu(self.apply(x), 1)`: the normalised channels' halves `a | b`
    /// give `a ⊙ σ(b)`, in one pass on the CPU in float32 outside
    /// autograd; otherwise the two steps.
    ///
    /// # Errors
    ///
    /// As [`GroupNorm::apply`], and [`Error::ShapeMismatch`] for an odd
    /// channel count.
    ///
    /// # Shapes
    ///
    /// `(batch, C, *)` → `(batch, C / 2, *)`.
    ///
    /// ```
    /// use audio_nn::GroupNorm;
    /// use candle_core::{DType, Device, Tensor};
    /// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
    /// let gn = GroupNorm::new(1, 2, 1e-5, true, vb)?;
    /// let x = Tensor::new(&[[[1f32, 3.], [5., 7.]]], &Device::Cpu)?;
    /// let y = gn.apply_glu(&x)?;
    /// assert_eq!(y.dims(), &[1, 1, 2]);
    /// # Ok::<(), audio_nn::Error>(())
    /// ```
    pub fn apply_glu(&self, x: &Tensor) -> Result<Tensor> {
        self.check(x)?;
        if !self.num_channels.is_multiple_of(2) {
            return Err(Error::ShapeMismatch {
                layer: "glu",
                expected: "an even size on axis 1".into(),
                got: x.dims().to_vec(),
            });
        }
        match self.fused(x, GroupNormActivation::Glu)? {
            Some(y) => Ok(y),
            None => crate::glu(&self.apply(x)?, 1),
        }
    }

    /// The rank and channel checks of [`GroupNorm::apply`].
    fn check(&self, x: &Tensor) -> Result<()> {
        checks::channels_first(LAYER, self.num_channels, x)
    }

    /// The fused kernel's result, when it applies: a CPU float32 input
    /// (made contiguous) and no tensor that autograd tracks.
    fn fused(&self, x: &Tensor, act: GroupNormActivation) -> Result<Option<Tensor>> {
        let tracked = x.track_op()
            || self.weight.as_ref().is_some_and(Tensor::track_op)
            || self.bias.as_ref().is_some_and(Tensor::track_op);
        let f32_weights = self.weight.as_ref().is_none_or(|w| w.dtype() == DType::F32)
            && self.bias.as_ref().is_none_or(|b| b.dtype() == DType::F32);
        if tracked || !f32_weights || !x.device().is_cpu() || x.dtype() != DType::F32 {
            return Ok(None);
        }
        let d = x.dims();
        let shape = GroupNormShape {
            batch: d[0],
            channels: self.num_channels,
            inner: d[2..].iter().product(),
            groups: self.num_groups,
        };
        let affine = match (&self.weight, &self.bias) {
            (Some(w), Some(b)) => Some((w.to_vec1::<f32>()?, b.to_vec1::<f32>()?)),
            _ => None,
        };
        let affine = affine.as_ref().map(|(w, b)| (w.as_slice(), b.as_slice()));
        let Some(y) = with_cpu_f32(x, |values| {
            group_norm_act(Isa::detect(), values, shape, affine, self.eps, act)
        })?
        else {
            return Ok(None);
        };
        let mut out_dims = d.to_vec();
        if act == GroupNormActivation::Glu {
            out_dims[1] /= 2;
        }
        Ok(Some(Tensor::from_vec(y, out_dims, x.device())?))
    }
}

impl Module for GroupNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
