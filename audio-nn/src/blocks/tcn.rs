//! The TCN block of Steinmetz & Reiss' micro-TCN (dilated conv → FiLM → PReLU, residual).

use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;

use crate::blocks::unet::{causal_crop, centre_crop};
use crate::checks;
use crate::conv::conv1d::{Conv1d, Conv1dConfig, Padding};
use crate::conv::streaming_conv::CausalConv1dStream;
use crate::kernels::Isa;
use crate::layers::film::Film;
use crate::layers::prelu::PRelu;
use crate::norm::batch_norm::{BatchNorm, BatchNormConfig};
use crate::streaming::StreamingLayer;
use crate::{Error, Result};

const LAYER: &str = "TcnBlock";

/// Configuration of a [`TcnBlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcnBlockConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels (a multiple of `in_channels`: the residual is a grouped 1×1 conv).
    pub out_channels: usize,
    /// Kernel taps of the dilated convolution.
    pub kernel_size: usize,
    /// Dilation of the convolution.
    pub dilation: usize,
    /// `Some(cond_dim)`: FiLM conditioning (with an affine-free batch norm) instead of a batch norm.
    pub cond_dim: Option<usize>,
    /// Causal padding (output as long as the input, streamable). When false the
    /// convolution is valid (micro-TCN's `padding=0`) and the residual is cropped
    /// to the output (`causal_crop` when `causal_crop` is set, else centre crop).
    pub causal: bool,
    /// With `causal == false`: crop the residual as micro-TCN's `causal_crop`
    /// instead of its centre. micro-TCN slices `x[..., n-1-t' : n-1]`, the
    /// `t'` samples that end one before the last (so the residual lags the
    /// convolution's newest input by one sample); this follows it, so that
    /// its causal checkpoints give its numbers. Needs `dilation·(kernel_size-1) ≥ 1`.
    pub causal_crop: bool,
}

impl TcnBlockConfig {
    /// A causal, FiLM-conditioned block.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        dilation: usize,
        cond_dim: Option<usize>,
    ) -> Self {
        Self {
            in_channels,
            out_channels,
            kernel_size,
            dilation,
            cond_dim,
            causal: true,
            causal_crop: false,
        }
    }
}

/// The TCN block of micro-TCN (Steinmetz & Reiss 2022, `TCNBlock`):
///
/// ```text
/// h = conv1(x)                          dilated, no bias
/// h = film(h, p)  or  bn(h)            FiLM on the conditioning, else batch norm
/// h = prelu(h)                          per-channel PReLU
/// y = h + crop(res(x))                  res: 1×1 conv, groups = in_channels, no bias
/// ```
///
/// Weights (micro-TCN names): `conv1.weight`, `film.adaptor.{weight,bias}`,
/// `film.bn.running_{mean,var}` (or `bn.{weight,bias,running_mean,running_var}`),
/// `relu.weight`, `res.weight`.
///
/// # Shapes
///
/// `x` `(batch, in, time)`, `cond` `(batch, cond_dim)` → `(batch, out, time')`
/// (`time' = time` when causal, `time - dilation·(k-1)` otherwise).
///
/// ```
/// use audio_nn::{TcnBlock, TcnBlockConfig};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let block = TcnBlock::new(TcnBlockConfig::new(1, 8, 3, 4, Some(2)), vb)?;
/// let y = block.apply(&Tensor::zeros((1, 1, 64), DType::F32, &Device::Cpu)?,
///                     Some(&Tensor::zeros((1, 2), DType::F32, &Device::Cpu)?))?;
/// assert_eq!(y.dims(), &[1, 8, 64]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcnBlock {
    conv1: Conv1d,
    film: Option<Film>,
    bn: Option<BatchNorm>,
    prelu: PRelu,
    res: Conv1d,
    config: TcnBlockConfig,
    /// The fused kernel's instruction set, chosen when the block is built.
    isa: Isa,
}

impl TcnBlock {
    /// Loads (or initialises) the block.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `out_channels` is not a multiple of
    /// `in_channels`, or for a valid block with `causal_crop` whose
    /// convolution spans one sample; weight errors naming the key.
    pub fn new(config: TcnBlockConfig, vb: VarBuilder) -> Result<Self> {
        let c = &config;
        checks::config(
            LAYER,
            "out_channels",
            c.out_channels,
            c.in_channels > 0 && c.out_channels.is_multiple_of(c.in_channels),
            "a multiple of in_channels",
        )?;
        checks::config(
            LAYER,
            "kernel_size",
            c.kernel_size,
            c.kernel_size > 0
                && (c.causal || !c.causal_crop || c.dilation * (c.kernel_size - 1) >= 1),
            "> 0, and > 1 with a causal crop of a valid convolution",
        )?;
        let conv1 = Conv1d::new(
            c.in_channels,
            c.out_channels,
            c.kernel_size,
            Conv1dConfig {
                dilation: c.dilation,
                padding: if c.causal {
                    Padding::Causal
                } else {
                    Padding::Valid
                },
                bias: false,
                ..Default::default()
            },
            vb.pp("conv1"),
        )?;
        let (film, bn) = match c.cond_dim {
            Some(k) => (
                Some(Film::new(c.out_channels, k, true, vb.pp("film"))?),
                None,
            ),
            None => (
                None,
                Some(BatchNorm::new_1d(
                    c.out_channels,
                    BatchNormConfig::default(),
                    vb.pp("bn"),
                )?),
            ),
        };
        let prelu = PRelu::new(c.out_channels, vb.pp("relu"))?;
        let res = Conv1d::new(
            c.in_channels,
            c.out_channels,
            1,
            Conv1dConfig {
                groups: c.in_channels,
                bias: false,
                ..Default::default()
            },
            vb.pp("res"),
        )?;
        Ok(Self {
            conv1,
            film,
            bn,
            prelu,
            res,
            config,
            isa: Isa::detect(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TcnBlockConfig {
        &self.config
    }

    /// The batch norm of the block (FiLM's affine-free one, or the plain
    /// one without conditioning) with its key prefix (`film.bn`, `bn`).
    fn norm(&self) -> Option<(&'static str, &BatchNorm)> {
        match (&self.film, &self.bn) {
            (Some(film), _) => film.batch_norm().map(|bn| ("film.bn", bn)),
            (None, Some(bn)) => Some(("bn", bn)),
            (None, None) => None,
        }
    }

    /// The batch norm's running statistics by key relative to the block
    /// (`film.bn.running_mean`, `film.bn.running_var`, or `bn.…`), as
    /// training leaves them, for checkpoints.
    pub fn running_stats(&self) -> Vec<(String, Tensor)> {
        self.norm()
            .map(|(prefix, bn)| {
                vec![
                    (format!("{prefix}.running_mean"), bn.running_mean()),
                    (format!("{prefix}.running_var"), bn.running_var()),
                ]
            })
            .unwrap_or_default()
    }

    /// Sets the running statistics from `get` (by the keys of
    /// [`TcnBlock::running_stats`]); keys it does not know are left alone.
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] for a tensor of the wrong size.
    pub fn set_running_stats(&self, get: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        if let Some((prefix, bn)) = self.norm() {
            let mean = get(&format!("{prefix}.running_mean"));
            let var = get(&format!("{prefix}.running_var"));
            if let (Some(m), Some(v)) = (mean, var) {
                bn.set_running_stats(&m, &v)?;
            }
        }
        Ok(())
    }

    /// Samples of past context the block needs, `dilation·(kernel_size-1)`.
    pub fn context(&self) -> usize {
        self.conv1.context()
    }

    fn post(&self, h: Tensor, x: &Tensor, cond: Option<&Tensor>) -> Result<Tensor> {
        let h = match (&self.film, &self.bn) {
            (Some(film), _) => {
                let cond = cond.ok_or(Error::Unsupported {
                    layer: LAYER,
                    operation: "forward without conditioning",
                    reason: "the block is FiLM-conditioned",
                })?;
                film.apply(&h, cond)?
            }
            (None, Some(bn)) => bn.apply(&h)?,
            (None, None) => h,
        };
        self.finish(h, x)
    }

    fn finish(&self, h: Tensor, x: &Tensor) -> Result<Tensor> {
        let h = self.prelu.apply(&h)?;
        let r = self.res.apply(x)?;
        let t = h.dim(2)?;
        let r = if r.dim(2)? == t {
            r
        } else if self.config.causal_crop {
            // micro-TCN's `causal_crop`: the `t` samples ending one before the last.
            let n = r.dim(2)?;
            causal_crop(&r.narrow(2, 0, n - 1)?, t)?
        } else {
            centre_crop(&r, t)?
        };
        Ok(h.add(&r)?)
    }

    /// Eval-mode forward.
    ///
    /// # Errors
    ///
    /// Shape errors naming the layer; [`Error::Unsupported`] when a conditioned
    /// block gets no `cond`.
    pub fn apply(&self, x: &Tensor, cond: Option<&Tensor>) -> Result<Tensor> {
        if let Some(y) = self.apply_fused(x, cond)? {
            return Ok(y);
        }
        let h = self.conv1.apply(x)?;
        self.post(h, x, cond)
    }

    /// [`TcnBlock::apply`] by the fused CPU kernel of [`crate::kernels::tcn_kernel`]
    /// when it applies: f32 on the CPU, nothing tracked by autograd (the fused
    /// pass has no backward). `None` sends the call down the op-by-op path,
    /// which also reports shape errors.
    fn apply_fused(&self, x: &Tensor, cond: Option<&Tensor>) -> Result<Option<Tensor>> {
        let c = &self.config;
        let w = self.conv1.weight();
        if !x.device().is_cpu()
            || x.dtype() != DType::F32
            || w.dtype() != DType::F32
            || x.rank() != 3
            || x.dim(1)? != c.in_channels
        {
            return Ok(None);
        }
        let (batch, c_in, t_in) = x.dims3()?;
        let c_out = c.out_channels;
        let span = c.dilation * (c.kernel_size - 1);
        let (pad, t_out) = match (c.causal, t_in.checked_sub(span)) {
            (true, _) => (span, t_in),
            (false, Some(t)) if t > 0 => (0, t),
            (false, _) => return Ok(None),
        };
        let (scale, shift) = match (&self.film, &self.bn, cond) {
            (Some(film), _, Some(cond)) => {
                if cond.rank() != 2 || cond.dim(0)? != batch {
                    return Ok(None);
                }
                let (s, t) = film.eval_scale_shift(cond)?;
                (s.reshape((batch, c_out))?, t.reshape((batch, c_out))?)
            }
            (Some(_), _, None) => return Ok(None),
            (None, Some(bn), _) => {
                let (s, t) = bn.eval_scale_shift()?;
                (
                    s.unsqueeze(0)?.broadcast_as((batch, c_out))?,
                    t.unsqueeze(0)?.broadcast_as((batch, c_out))?,
                )
            }
            // `new` always builds a FiLM or a batch norm.
            (None, None, _) => return Ok(None),
        };
        let slope = self.prelu.slopes(c_out)?;
        let res = self.res.weight();
        if [x, w, &scale, &shift, &slope, res]
            .iter()
            .any(|t| t.track_op() || t.dtype() != DType::F32)
        {
            return Ok(None);
        }
        let flat = |t: &Tensor| -> Result<Vec<f32>> { Ok(t.flatten_all()?.to_vec1::<f32>()?) };
        let (xv, wv) = (flat(x)?, flat(w)?);
        let (scale, shift, slope, res) = (flat(&scale)?, flat(&shift)?, flat(&slope)?, flat(res)?);
        let res_off = if c.causal_crop {
            t_in - t_out - 1
        } else {
            (t_in - t_out) / 2
        };
        let mut y = vec![0f32; batch * c_out * t_out];
        for b in 0..batch {
            let p = crate::kernels::tcn_kernel::TcnParams {
                w: &wv,
                c_in,
                c_out,
                k: c.kernel_size,
                dilation: c.dilation,
                pad,
                t_in,
                t_out,
                scale: &scale[b * c_out..(b + 1) * c_out],
                shift: &shift[b * c_out..(b + 1) * c_out],
                slope: &slope,
                res: &res,
                ratio: c_out / c_in,
                res_off: if c.causal { 0 } else { res_off },
                isa: self.isa,
            };
            crate::kernels::tcn_kernel::run(
                &p,
                &xv[b * c_in * t_in..(b + 1) * c_in * t_in],
                &mut y[b * c_out * t_out..(b + 1) * c_out * t_out],
            );
        }
        Ok(Some(Tensor::from_vec(
            y,
            (batch, c_out, t_out),
            x.device(),
        )?))
    }

    /// As [`TcnBlock::apply`] in eval (`train = false`) or train mode
    /// (`train = true`: batch-norm statistics of the batch, running stats
    /// updated), as candle's `ModuleT::forward_t`.
    ///
    /// # Errors
    ///
    /// As [`TcnBlock::apply`].
    pub fn apply_t(&self, x: &Tensor, cond: Option<&Tensor>, train: bool) -> Result<Tensor> {
        if !train {
            return self.apply(x, cond);
        }
        let h = self.conv1.apply(x)?;
        let h = match (&self.film, &self.bn) {
            (Some(film), _) => {
                let cond = cond.ok_or(Error::Unsupported {
                    layer: LAYER,
                    operation: "forward without conditioning",
                    reason: "the block is FiLM-conditioned",
                })?;
                film.apply_t(&h, cond, true)?
            }
            (None, Some(bn)) => bn.apply_t(&h, true)?,
            (None, None) => h,
        };
        self.finish(h, x)
    }
}

/// A causal [`TcnBlock`] run block by block (eval mode): the dilated
/// convolution keeps its input cache, everything after it is pointwise in time.
/// The conditioning vector is set once with [`TcnBlockStream::set_conditioning`].
///
/// ```
/// use audio_nn::{StreamingLayer, TcnBlock, TcnBlockConfig, TcnBlockStream};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let mut s = TcnBlockStream::new(TcnBlock::new(TcnBlockConfig::new(1, 4, 3, 2, None), vb)?)?;
/// assert_eq!(s.step(&Tensor::zeros((1, 1, 16), DType::F32, &Device::Cpu)?)?.dims(), &[1, 4, 16]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcnBlockStream {
    block: TcnBlock,
    conv: CausalConv1dStream,
    cond: Option<Tensor>,
}

impl TcnBlockStream {
    /// Wraps a causal block.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a non-causal block.
    pub fn new(block: TcnBlock) -> Result<Self> {
        if !block.config.causal {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "streaming",
                reason: "needs a causal block",
            });
        }
        let conv = CausalConv1dStream::new(block.conv1.clone())?;
        Ok(Self {
            block,
            conv,
            cond: None,
        })
    }

    /// Sets the conditioning vector `(batch, cond_dim)` used by the following steps.
    pub fn set_conditioning(&mut self, cond: Tensor) {
        self.cond = Some(cond);
    }
}

impl StreamingLayer for TcnBlockStream {
    fn step(&mut self, x: &Tensor) -> Result<Tensor> {
        let h = self.conv.step(x)?;
        self.block.post(h, x, self.cond.as_ref())
    }

    fn reset(&mut self) {
        self.conv.reset();
    }
}
