//! Feature-wise linear modulation (FiLM).

use candle_core::Tensor;
use candle_nn::VarBuilder;

use crate::checks;
use crate::layers::linear::Linear;
use crate::norm::batch_norm::{BatchNorm, BatchNormConfig};
use crate::Result;

const LAYER: &str = "Film";

/// FiLM (Perez et al. 2018): `y = γ(c) ⊙ x + β(c)` with `[γ, β] = adaptor(c)`,
/// a linear map from the conditioning vector `c` to `2·C` values (γ first),
/// broadcast over time. With `normalize`, `x` first goes through an
/// affine-free batch norm, as in Steinmetz & Reiss' micro-TCN `FiLM`.
///
/// Weights: `adaptor.weight` `(2C, cond_dim)`, `adaptor.bias` `(2C)`, and with
/// `normalize` `bn.running_mean`, `bn.running_var` `(C)`.
///
/// # Shapes
///
/// `x` `(batch, C, time)`, `cond` `(batch, cond_dim)` → `(batch, C, time)`.
///
/// ```
/// use audio_nn::Film;
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let film = Film::new(8, 32, false, vb)?;
/// let y = film.apply(&Tensor::zeros((2, 8, 100), DType::F32, &Device::Cpu)?,
///                    &Tensor::zeros((2, 32), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[2, 8, 100]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Film {
    adaptor: Linear,
    bn: Option<BatchNorm>,
    num_features: usize,
    cond_dim: usize,
}

impl Film {
    /// A FiLM layer for `num_features` channels conditioned on `cond_dim` values.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`]; weight errors naming the key.
    pub fn new(
        num_features: usize,
        cond_dim: usize,
        normalize: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        checks::config(LAYER, "num_features", num_features, num_features > 0, "> 0")?;
        let adaptor = Linear::new(cond_dim, 2 * num_features, true, vb.pp("adaptor"))?;
        let bn = if normalize {
            Some(BatchNorm::new_1d(
                num_features,
                BatchNormConfig {
                    affine: false,
                    ..Default::default()
                },
                vb.pp("bn"),
            )?)
        } else {
            None
        };
        Ok(Self {
            adaptor,
            bn,
            num_features,
            cond_dim,
        })
    }

    /// The affine-free batch norm applied before the modulation, when
    /// built with `normalize`.
    pub fn batch_norm(&self) -> Option<&BatchNorm> {
        self.bn.as_ref()
    }

    /// `(γ, β)`, each `(batch, C, 1)`, for a conditioning batch `(batch, cond_dim)`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`], [`crate::Error::ChannelMismatch`].
    pub fn gamma_beta(&self, cond: &Tensor) -> Result<(Tensor, Tensor)> {
        let [_, k] = checks::dims::<2>(LAYER, "cond: (batch, cond_dim)", cond)?;
        checks::channels(LAYER, self.cond_dim, k)?;
        let gb = self.adaptor.apply(cond)?;
        let c = self.num_features;
        Ok((
            gb.narrow(1, 0, c)?.unsqueeze(2)?,
            gb.narrow(1, c, c)?.unsqueeze(2)?,
        ))
    }

    fn check(&self, x: &Tensor, cond: &Tensor) -> Result<()> {
        let [b, c, _] = checks::dims::<3>(LAYER, "(batch, channels, time)", x)?;
        checks::channels(LAYER, self.num_features, c)?;
        let [bc, _] = checks::dims::<2>(LAYER, "cond: (batch, cond_dim)", cond)?;
        if bc != b {
            return Err(crate::Error::IncompatibleShapes {
                layer: LAYER,
                left: x.dims().to_vec(),
                right: cond.dims().to_vec(),
            });
        }
        Ok(())
    }

    /// Modulates `x` (eval mode for the optional batch norm).
    ///
    /// # Errors
    ///
    /// Shape errors naming the layer: rank, channel count, cond size, batch mismatch.
    pub fn apply(&self, x: &Tensor, cond: &Tensor) -> Result<Tensor> {
        self.check(x, cond)?;
        let (g, b) = self.eval_scale_shift(cond)?;
        Ok(x.broadcast_mul(&g)?.broadcast_add(&b)?)
    }

    /// The eval-mode modulation as a per-(batch, channel) affine map
    /// `y = x·scale + shift`, both `(batch, C, 1)`, with the batch norm folded
    /// in: `γ (x·s + t) + β = x·(γ s) + (γ t + β)`.
    pub(crate) fn eval_scale_shift(&self, cond: &Tensor) -> Result<(Tensor, Tensor)> {
        let (g, b) = self.gamma_beta(cond)?;
        Ok(match &self.bn {
            Some(bn) => {
                let (s, t) = bn.eval_scale_shift()?;
                let (s, t) = (s.reshape((1, (), 1))?, t.reshape((1, (), 1))?);
                (g.broadcast_mul(&s)?, g.broadcast_mul(&t)?.add(&b)?)
            }
            None => (g, b),
        })
    }

    /// As [`Film::apply`] in eval (`train = false`) or train mode
    /// (`train = true`: the batch norm normalises with the batch statistics
    /// and updates its running ones), as candle's `ModuleT::forward_t`.
    ///
    /// # Errors
    ///
    /// As [`Film::apply`] and [`BatchNorm::apply_t`].
    pub fn apply_t(&self, x: &Tensor, cond: &Tensor, train: bool) -> Result<Tensor> {
        if !train {
            return self.apply(x, cond);
        }
        self.check(x, cond)?;
        let x = match &self.bn {
            Some(bn) => bn.apply_t(x, true)?,
            None => x.clone(),
        };
        let (g, b) = self.gamma_beta(cond)?;
        Ok(x.broadcast_mul(&g)?.broadcast_add(&b)?)
    }
}
