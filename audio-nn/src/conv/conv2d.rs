//! A 2-D convolution with zero padding (`torch.nn.Conv2d`).

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::default_uniform;
use crate::Result;

const CONV: &str = "Conv2d";

/// Configuration of a [`Conv2d`] (`torch.nn.Conv2d`'s arguments after the
/// channel counts and kernel size), `(height, width)` pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dConfig {
    /// Step between outputs (`stride`).
    pub stride: (usize, usize),
    /// Zeros added on both sides of each axis (`padding`).
    pub padding: (usize, usize),
    /// Whether the layer has a `bias`.
    pub bias: bool,
}

impl Default for Conv2dConfig {
    fn default() -> Self {
        Self {
            stride: (1, 1),
            padding: (0, 0),
            bias: true,
        }
    }
}

/// A 2-D convolution, `torch.nn.Conv2d` with zero padding, dilation 1 and
/// one group:
/// `y[b, o, i, j] = bias[o] + Σ_c Σ_{p,q} w[o, c, p, q] · x_pad[b, c, i·s_h + p, j·s_w + q]`.
///
/// Weights: `weight` `(out_channels, in_channels, k_h, k_w)`, `bias`
/// `(out_channels)`; created with PyTorch's default init
/// `U(±1/sqrt(in_channels · k_h · k_w))` by an initialising `VarBuilder`.
///
/// # Shapes
///
/// `(batch, in_channels, H, W)` → `(batch, out_channels, H', W')` with
/// `H' = (H + 2·pad_h − k_h) / s_h + 1` (and `W'` likewise).
///
/// ```
/// use audio_nn::{Conv2d, Conv2dConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let cfg = Conv2dConfig { stride: (2, 2), padding: (1, 1), ..Default::default() };
/// let conv = Conv2d::new(1, 4, (3, 3), cfg, vb)?;
/// let y = conv.forward(&Tensor::zeros((1, 1, 128, 231), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 4, 64, 116]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Conv2d {
    weight: Tensor,
    bias: Option<Tensor>,
    in_channels: usize,
    out_channels: usize,
    kernel: (usize, usize),
    config: Conv2dConfig,
}

impl Conv2d {
    /// Loads (or initialises) the layer's `weight` and `bias` from `vb`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for a zero size or stride;
    /// [`crate::Error::MissingKey`] / [`crate::Error::WeightShape`] naming
    /// the key.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: (usize, usize),
        config: Conv2dConfig,
        vb: VarBuilder,
    ) -> Result<Self> {
        for (name, v) in [
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("kernel height", kernel.0),
            ("kernel width", kernel.1),
            ("stride height", config.stride.0),
            ("stride width", config.stride.1),
        ] {
            checks::config(CONV, name, v, v > 0, "> 0")?;
        }
        checks::config(
            CONV,
            "stride",
            config.stride,
            config.stride.0 == config.stride.1,
            "equal on both axes (candle's conv2d has one stride)",
        )?;
        checks::config(
            CONV,
            "padding",
            config.padding,
            config.padding.0 == config.padding.1,
            "equal on both axes (candle's conv2d has one padding)",
        )?;
        let fan_in = in_channels * kernel.0 * kernel.1;
        let weight = checks::weight(
            &vb,
            CONV,
            "weight",
            &[out_channels, in_channels, kernel.0, kernel.1],
            default_uniform(fan_in),
        )?;
        let bias = if config.bias {
            Some(checks::weight(
                &vb,
                CONV,
                "bias",
                &[out_channels],
                default_uniform(fan_in),
            )?)
        } else {
            None
        };
        Ok(Self {
            weight,
            bias,
            in_channels,
            out_channels,
            kernel,
            config,
        })
    }

    /// The `weight` tensor `(out, in, k_h, k_w)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`] unless the input is `(batch, channels, H,
    /// W)`; [`crate::Error::ChannelMismatch`] for the wrong channel count;
    /// [`crate::Error::InvalidParameter`] when the padded input is smaller
    /// than the kernel.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [_, c, h, w] = checks::dims::<4>(CONV, "(batch, channels, H, W)", x)?;
        checks::channels(CONV, self.in_channels, c)?;
        let p = self.config.padding.0;
        checks::config(
            CONV,
            "input size",
            (h, w),
            h + 2 * p >= self.kernel.0 && w + 2 * p >= self.kernel.1,
            "padded input at least the kernel size",
        )?;
        let y = x
            .contiguous()?
            .conv2d(&self.weight, p, self.config.stride.0, 1, 1)?;
        Ok(match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, self.out_channels, 1, 1))?)?,
            None => y,
        })
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
