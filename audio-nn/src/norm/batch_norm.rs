//! Batch normalisation (`torch.nn.BatchNorm1d` / `BatchNorm2d`) in eval and train mode.

use std::sync::{Mutex, MutexGuard};

use candle_core::{ModuleT, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "BatchNorm";

/// Configuration of a [`BatchNorm`] (`torch.nn.BatchNorm1d/2d` arguments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchNormConfig {
    /// Added to the variance (`eps`, default `1e-5`).
    pub eps: f64,
    /// Running-stat update weight (`momentum`, default `Some(0.1)`); `None` is
    /// PyTorch's cumulative moving average (`1/num_batches_tracked`).
    pub momentum: Option<f64>,
    /// Learnable `weight` and `bias` (`affine`, default true).
    pub affine: bool,
}

impl Default for BatchNormConfig {
    fn default() -> Self {
        Self {
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
        }
    }
}

/// Batch normalisation over the channel axis 1:
/// `y = (x - mean) / sqrt(var + eps) · weight + bias`.
///
/// Train and eval mode follow candle's [`ModuleT`] (as `candle_nn::BatchNorm`):
/// `forward_t(x, false)` (or [`BatchNorm::apply`]) is eval mode, where
/// `mean`/`var` are the running statistics; `forward_t(x, true)` (or
/// [`BatchNorm::apply_t`]) is train mode, where they are the batch's statistics
/// over every axis but the channel axis (biased variance), and the running
/// statistics are updated as PyTorch does:
/// `running = (1 - momentum)·running + momentum·stat`, with the *unbiased*
/// batch variance `var·n/(n-1)`.
///
/// Weights: `weight`, `bias` (if affine), buffers `running_mean`, `running_var`
/// (`num_batches_tracked` is not needed). Init: 1, 0, 0, 1.
///
/// # Shapes
///
/// 1-d: `(batch, C)` or `(batch, C, time)`; 2-d: `(batch, C, H, W)`.
///
/// ```
/// use audio_nn::{BatchNorm, BatchNormConfig};
/// use candle_core::{DType, Device, ModuleT, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let bn = BatchNorm::new_1d(3, BatchNormConfig::default(), vb)?;
/// let x = Tensor::randn(0f32, 1f32, (4, 3, 10), &Device::Cpu)?;
/// let y = bn.forward_t(&x, true)?;  // normalised with the batch statistics
/// let z = bn.forward_t(&x, false)?; // with the (updated) running statistics
/// assert_eq!(y.dims(), z.dims());
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug)]
pub struct BatchNorm {
    num_features: usize,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    /// Updated by train-mode forwards through `&self`, as candle-nn's
    /// `BatchNorm` updates its `Var`s; each update replaces the tensors, so a
    /// clone's statistics evolve independently.
    running: Mutex<RunningStats>,
    config: BatchNormConfig,
    ranks: &'static [usize],
    layout: &'static str,
}

impl BatchNorm {
    fn new(
        num_features: usize,
        config: BatchNormConfig,
        vb: VarBuilder,
        ranks: &'static [usize],
        layout: &'static str,
    ) -> Result<Self> {
        checks::config(LAYER, "num_features", num_features, num_features > 0, "> 0")?;
        checks::config(LAYER, "eps", config.eps, config.eps >= 0.0, ">= 0")?;
        let (weight, bias) = if config.affine {
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
        let running_mean = checks::weight(
            &vb,
            LAYER,
            "running_mean",
            &[num_features],
            Init::Const(0.0),
        )?
        .detach();
        let running_var =
            checks::weight(&vb, LAYER, "running_var", &[num_features], Init::Const(1.0))?.detach();
        Ok(Self {
            num_features,
            weight,
            bias,
            running: Mutex::new(RunningStats {
                mean: running_mean,
                var: running_var,
                num_batches_tracked: 0,
            }),
            config,
            ranks,
            layout,
        })
    }

    /// `torch.nn.BatchNorm1d`: inputs `(batch, C)` or `(batch, C, time)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`], [`Error::MissingKey`], [`Error::WeightShape`].
    pub fn new_1d(num_features: usize, config: BatchNormConfig, vb: VarBuilder) -> Result<Self> {
        Self::new(
            num_features,
            config,
            vb,
            &[2, 3],
            "(batch, channels) or (batch, channels, time)",
        )
    }

    /// `torch.nn.BatchNorm2d`: inputs `(batch, C, H, W)`.
    ///
    /// # Errors
    ///
    /// As [`BatchNorm::new_1d`].
    pub fn new_2d(num_features: usize, config: BatchNormConfig, vb: VarBuilder) -> Result<Self> {
        Self::new(
            num_features,
            config,
            vb,
            &[4],
            "(batch, channels, height, width)",
        )
    }

    /// The running mean `(C)`.
    pub fn running_mean(&self) -> Tensor {
        self.running().mean.clone()
    }
    /// The running variance `(C)`.
    pub fn running_var(&self) -> Tensor {
        self.running().var.clone()
    }

    /// Replaces the running mean and variance (both `(C)`), as
    /// `load_state_dict` sets the buffers: e.g. after a training checkpoint
    /// was restored. The momentum count is kept.
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] when either is not `(num_features)`.
    pub fn set_running_stats(&self, mean: &Tensor, var: &Tensor) -> Result<()> {
        for (name, t) in [("running_mean", mean), ("running_var", var)] {
            if t.dims() != [self.num_features] {
                return Err(Error::WeightShape {
                    layer: LAYER,
                    key: name.to_string(),
                    expected: vec![self.num_features],
                    got: t.dims().to_vec(),
                });
            }
        }
        let mut running = self.running();
        running.mean = mean.detach();
        running.var = var.detach();
        Ok(())
    }

    /// The running statistics (a poisoned lock, from a panic in another
    /// thread's forward, is recovered from: updates replace whole tensors).
    fn running(&self) -> MutexGuard<'_, RunningStats> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check(&self, x: &Tensor) -> Result<Vec<usize>> {
        let d = x.dims().to_vec();
        if !self.ranks.contains(&d.len()) {
            return Err(Error::InputRank {
                layer: LAYER,
                expected: self.ranks[self.ranks.len() - 1],
                layout: self.layout,
                got: d.len(),
                shape: d,
            });
        }
        checks::channels(LAYER, self.num_features, d[1])?;
        Ok(d)
    }

    fn bshape(&self, rank: usize) -> Vec<usize> {
        let mut s = vec![1; rank];
        s[1] = self.num_features;
        s
    }

    fn affine(&self, xn: Tensor, rank: usize) -> Result<Tensor> {
        let s = self.bshape(rank);
        Ok(match (&self.weight, &self.bias) {
            (Some(w), Some(b)) => xn
                .broadcast_mul(&w.reshape(s.clone())?)?
                .broadcast_add(&b.reshape(s)?)?,
            _ => xn,
        })
    }

    /// The eval-mode transform as a per-channel affine map `y = x·scale + shift`,
    /// `scale = weight / sqrt(running_var + eps)`, `shift = bias - running_mean·scale`
    /// (both `(C)`), for fusing into a following affine layer.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn eval_scale_shift(&self) -> Result<(Tensor, Tensor)> {
        let (running_mean, running_var) = {
            let r = self.running();
            (r.mean.clone(), r.var.clone())
        };
        let inv = running_var.affine(1.0, self.config.eps)?.sqrt()?.recip()?;
        let scale = match &self.weight {
            Some(w) => w.mul(&inv)?,
            None => inv,
        };
        let shift = running_mean.mul(&scale)?.neg()?;
        let shift = match &self.bias {
            Some(b) => b.add(&shift)?,
            None => shift,
        };
        Ok((scale, shift))
    }

    /// Eval mode with this crate's error type (`forward_t(x, false)`).
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`], [`Error::ChannelMismatch`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let d = self.check(x)?;
        let s = self.bshape(d.len());
        let (running_mean, running_var) = {
            let r = self.running();
            (r.mean.clone(), r.var.clone())
        };
        let inv =
            (running_var.affine(1.0, self.config.eps)?.sqrt()?.recip()?).reshape(s.clone())?;
        let xn = x
            .broadcast_sub(&running_mean.reshape(s)?)?
            .broadcast_mul(&inv)?;
        self.affine(xn, d.len())
    }

    /// [`ModuleT::forward_t`] with this crate's error type: eval mode
    /// ([`BatchNorm::apply`]) for `train = false`; for `train = true`,
    /// normalises with the batch statistics and updates the running ones.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`], [`Error::ChannelMismatch`], and in train mode
    /// [`Error::ShapeMismatch`] when there is only one value per channel.
    pub fn apply_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if !train {
            return self.apply(x);
        }
        let d = self.check(x)?;
        let rank = d.len();
        let n: usize = d
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, v)| v)
            .product();
        if n < 2 {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: "more than one value per channel in train mode".into(),
                got: d,
            });
        }
        // (C, n) view: move channels first.
        let xc = x
            .transpose(0, 1)?
            .contiguous()?
            .reshape((self.num_features, n))?;
        let mean = xc.mean_keepdim(1)?; // (C, 1)
        let centred = xc.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(1)?; // biased
        let s = self.bshape(rank);
        let mean_b = mean.reshape(s.clone())?;
        let inv = var
            .affine(1.0, self.config.eps)?
            .sqrt()?
            .recip()?
            .reshape(s)?;
        let xn = x.broadcast_sub(&mean_b)?.broadcast_mul(&inv)?;
        // Running statistics (no gradient).
        let mut running = self.running();
        running.num_batches_tracked += 1;
        let m = match self.config.momentum {
            Some(m) => m,
            None => 1.0 / running.num_batches_tracked as f64,
        };
        let mean_d = mean.detach().flatten_all()?;
        let var_unbiased = var
            .detach()
            .flatten_all()?
            .affine(n as f64 / (n as f64 - 1.0), 0.0)?;
        let mean = running
            .mean
            .affine(1.0 - m, 0.0)?
            .add(&mean_d.affine(m, 0.0)?)?;
        let var = running
            .var
            .affine(1.0 - m, 0.0)?
            .add(&var_unbiased.affine(m, 0.0)?)?;
        running.mean = mean;
        running.var = var;
        drop(running);
        self.affine(xn, rank)
    }
}

/// The running statistics of a [`BatchNorm`].
#[derive(Debug, Clone)]
struct RunningStats {
    mean: Tensor,
    var: Tensor,
    num_batches_tracked: u64,
}

impl Clone for BatchNorm {
    fn clone(&self) -> Self {
        Self {
            num_features: self.num_features,
            weight: self.weight.clone(),
            bias: self.bias.clone(),
            running: Mutex::new(self.running().clone()),
            config: self.config,
            ranks: self.ranks,
            layout: self.layout,
        }
    }
}

/// Train mode (`train = true`: batch statistics, running statistics updated)
/// and eval mode (`train = false`: running statistics), as
/// `candle_nn::BatchNorm`.
impl ModuleT for BatchNorm {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        self.apply_t(x, train).map_err(candle_core::Error::wrap)
    }
}
