//! The WaveNet residual block: dilated causal conv, gated activation,
//! residual and skip 1×1 convolutions, optional local/global conditioning.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use crate::checks;
use crate::conv::conv1d::{Conv1d, Conv1dConfig, Padding};
use crate::conv::streaming_conv::CausalConv1dStream;
use crate::layers::gating::gated_tanh;
use crate::layers::linear::Linear;
use crate::streaming::StreamingLayer;
use crate::{Error, Result};

const LAYER: &str = "WaveNetBlock";

/// Configuration of a [`WaveNetBlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveNetBlockConfig {
    /// Residual channels `C`.
    pub residual_channels: usize,
    /// Skip channels `S`.
    pub skip_channels: usize,
    /// Kernel taps of the dilated convolution (WaveNet: 2).
    pub kernel_size: usize,
    /// Dilation.
    pub dilation: usize,
    /// `Some(channels)`: local conditioning `(batch, channels, time)` through a 1×1 conv.
    pub local_channels: Option<usize>,
    /// `Some(dim)`: global conditioning `(batch, dim)` through a linear map, broadcast over time.
    pub global_dim: Option<usize>,
}

impl WaveNetBlockConfig {
    /// An unconditioned block.
    pub fn new(
        residual_channels: usize,
        skip_channels: usize,
        kernel_size: usize,
        dilation: usize,
    ) -> Self {
        Self {
            residual_channels,
            skip_channels,
            kernel_size,
            dilation,
            local_channels: None,
            global_dim: None,
        }
    }
}

/// WaveNet's residual block (van den Oord et al. 2016, fig. 4):
///
/// ```text
/// h = dilated(x) [+ cond(c_local)] [+ gcond(c_global)]   causal conv C → 2C
/// z = tanh(h[:C]) ⊙ σ(h[C:])
/// residual = x + res(z)        skip = skip(z)              1×1 convs
/// ```
///
/// Weights: `dilated.{weight,bias}` `(2C, C, k)`, `res.{weight,bias}` `(C, C, 1)`,
/// `skip.{weight,bias}` `(S, C, 1)`, `cond.{weight,bias}` `(2C, L, 1)`,
/// `gcond.{weight,bias}` `(2C, G)`.
///
/// # Shapes
///
/// `x` `(batch, C, time)` → `(residual (batch, C, time), skip (batch, S, time))`.
///
/// ```
/// use audio_nn::{WaveNetBlock, WaveNetBlockConfig};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let b = WaveNetBlock::new(WaveNetBlockConfig::new(4, 6, 2, 8), vb)?;
/// let (r, s) = b.apply(&Tensor::zeros((1, 4, 30), DType::F32, &Device::Cpu)?, None, None)?;
/// assert_eq!((r.dims(), s.dims()), (&[1, 4, 30][..], &[1, 6, 30][..]));
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveNetBlock {
    dilated: Conv1d,
    cond: Option<Conv1d>,
    gcond: Option<Linear>,
    res: Conv1d,
    skip: Conv1d,
    config: WaveNetBlockConfig,
}

impl WaveNetBlock {
    /// Loads (or initialises) the block.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`]; weight errors naming the key.
    pub fn new(config: WaveNetBlockConfig, vb: VarBuilder) -> Result<Self> {
        let c = config.residual_channels;
        let dilated = Conv1d::new(
            c,
            2 * c,
            config.kernel_size,
            Conv1dConfig {
                dilation: config.dilation,
                padding: Padding::Causal,
                ..Default::default()
            },
            vb.pp("dilated"),
        )?;
        let cond = config
            .local_channels
            .map(|l| Conv1d::new(l, 2 * c, 1, Conv1dConfig::default(), vb.pp("cond")))
            .transpose()?;
        let gcond = config
            .global_dim
            .map(|g| Linear::new(g, 2 * c, true, vb.pp("gcond")))
            .transpose()?;
        let res = Conv1d::new(c, c, 1, Conv1dConfig::default(), vb.pp("res"))?;
        let skip = Conv1d::new(
            c,
            config.skip_channels,
            1,
            Conv1dConfig::default(),
            vb.pp("skip"),
        )?;
        Ok(Self {
            dilated,
            cond,
            gcond,
            res,
            skip,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WaveNetBlockConfig {
        &self.config
    }

    fn post(
        &self,
        h: Tensor,
        x: &Tensor,
        local: Option<&Tensor>,
        global: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let mut h = h;
        match (&self.cond, local) {
            (Some(conv), Some(l)) => {
                let lc = conv.apply(l)?;
                checks::same_shape(LAYER, &lc, &h)?;
                h = h.add(&lc)?;
            }
            (None, None) => {}
            _ => {
                return Err(Error::Unsupported {
                    layer: LAYER,
                    operation: "local conditioning",
                    reason: "give it exactly when the block is configured with local_channels",
                })
            }
        }
        match (&self.gcond, global) {
            (Some(lin), Some(g)) => {
                let gc = lin.apply(g)?;
                h = h.broadcast_add(&gc.unsqueeze(2)?)?;
            }
            (None, None) => {}
            _ => {
                return Err(Error::Unsupported {
                    layer: LAYER,
                    operation: "global conditioning",
                    reason: "give it exactly when the block is configured with global_dim",
                })
            }
        }
        let z = gated_tanh(&h, 1)?;
        let residual = x.add(&self.res.apply(&z)?)?;
        let skip = self.skip.apply(&z)?;
        Ok((residual, skip))
    }

    /// Forward over a whole signal: `(residual, skip)`.
    ///
    /// # Errors
    ///
    /// Shape errors naming the layer; [`Error::Unsupported`] when conditioning is
    /// given to a block without it or missing from one with it.
    pub fn apply(
        &self,
        x: &Tensor,
        local: Option<&Tensor>,
        global: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let h = self.dilated.apply(x)?;
        self.post(h, x, local, global)
    }
}

/// A [`WaveNetBlock`] run block by block: the dilated convolution keeps its
/// input cache; global conditioning is set once. [`StreamingLayer::step`]
/// returns the residual and skip outputs concatenated on the channel axis
/// (`C + S` channels); [`WaveNetBlockStream::step_with`] also takes the local
/// conditioning of the block and returns them apart.
///
/// ```
/// use audio_nn::{StreamingLayer, WaveNetBlock, WaveNetBlockConfig, WaveNetBlockStream};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let mut s = WaveNetBlockStream::new(WaveNetBlock::new(WaveNetBlockConfig::new(2, 3, 2, 4), vb)?)?;
/// assert_eq!(s.step(&Tensor::zeros((1, 2, 7), DType::F32, &Device::Cpu)?)?.dims(), &[1, 5, 7]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveNetBlockStream {
    block: WaveNetBlock,
    conv: CausalConv1dStream,
    global: Option<Tensor>,
}

impl WaveNetBlockStream {
    /// Wraps a block.
    ///
    /// # Errors
    ///
    /// Candle errors (the block is always causal).
    pub fn new(block: WaveNetBlock) -> Result<Self> {
        let conv = CausalConv1dStream::new(block.dilated.clone())?;
        Ok(Self {
            block,
            conv,
            global: None,
        })
    }

    /// Sets the global conditioning `(batch, dim)` for the following steps.
    pub fn set_global(&mut self, g: Tensor) {
        self.global = Some(g);
    }

    /// One block with its local conditioning: `(residual, skip)`.
    ///
    /// # Errors
    ///
    /// As [`WaveNetBlock::apply`].
    pub fn step_with(&mut self, x: &Tensor, local: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        let h = self.conv.step(x)?;
        self.block.post(h, x, local, self.global.as_ref())
    }
}

impl StreamingLayer for WaveNetBlockStream {
    fn step(&mut self, x: &Tensor) -> Result<Tensor> {
        let (r, s) = self.step_with(x, None)?;
        Ok(Tensor::cat(&[r, s], 1)?)
    }

    fn reset(&mut self) {
        self.conv.reset();
    }
}
