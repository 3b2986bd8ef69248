//! Streaming form of a causal (dilated) convolution with its own input cache.

use candle_core::Tensor;

use crate::checks;
use crate::conv::conv1d::{Conv1d, Padding};
use crate::conv::padding::PadMode;
use crate::streaming::StreamingLayer;
use crate::{Error, Result};

const LAYER: &str = "CausalConv1dStream";

/// A causal [`Conv1d`] run block by block: it keeps the last
/// `dilation·(kernel_size-1)` input samples of each channel (initially zeros,
/// the causal padding), prepends them to each block and runs the valid
/// convolution, so the concatenated outputs equal [`Conv1d::apply`] on the
/// whole signal.
///
/// # Shapes
///
/// Blocks `(batch, in_channels, block_len)` with any `block_len >= 1` and the
/// same batch size between resets; output `(batch, out_channels, block_len)`.
///
/// ```
/// use audio_nn::{CausalConv1dStream, Conv1d, Conv1dConfig, Padding, StreamingLayer};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(1).var_builder(DType::F32, &Device::Cpu);
/// let conv = Conv1d::new(1, 1, 2, Conv1dConfig { dilation: 8, padding: Padding::Causal, ..Default::default() }, vb)?;
/// let mut s = CausalConv1dStream::new(conv)?;
/// let y = s.step(&Tensor::ones((1, 1, 1), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 1, 1]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CausalConv1dStream {
    conv: Conv1d,
    cache: Option<Tensor>,
}

impl CausalConv1dStream {
    /// Wraps a convolution configured with [`Padding::Causal`], stride 1 and zero padding.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for any other padding, stride or pad mode.
    pub fn new(conv: Conv1d) -> Result<Self> {
        let c = conv.config();
        if c.padding != Padding::Causal || c.stride != 1 || c.pad_mode != PadMode::Zeros {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "streaming",
                reason: "needs padding Causal, stride 1 and zero padding",
            });
        }
        Ok(Self { conv, cache: None })
    }

    /// The wrapped convolution.
    pub fn conv(&self) -> &Conv1d {
        &self.conv
    }
}

impl StreamingLayer for CausalConv1dStream {
    fn step(&mut self, x: &Tensor) -> Result<Tensor> {
        let [b, c, t] = checks::dims::<3>(LAYER, "(batch, channels, time)", x)?;
        checks::channels(LAYER, self.conv.in_channels(), c)?;
        let ctx = self.conv.context();
        if t == 0 {
            return Ok(Tensor::zeros(
                (b, self.conv.out_channels(), 0),
                x.dtype(),
                x.device(),
            )?);
        }
        if ctx == 0 {
            return self.conv.forward_unpadded(x);
        }
        let cache = match &self.cache {
            Some(cache) if cache.dim(0)? == b => cache.clone(),
            Some(cache) => {
                return Err(Error::IncompatibleShapes {
                    layer: LAYER,
                    left: cache.dims().to_vec(),
                    right: x.dims().to_vec(),
                })
            }
            None => Tensor::zeros((b, c, ctx), x.dtype(), x.device())?,
        };
        let xp = Tensor::cat(&[&cache, x], 2)?;
        let total = ctx + t;
        self.cache = Some(xp.narrow(2, total - ctx, ctx)?.contiguous()?);
        self.conv.forward_unpadded(&xp)
    }

    fn reset(&mut self) {
        self.cache = None;
    }
}
