//! [`ConvLayer`]: Wave-U-Net-Pytorch's `model/conv.py::ConvLayer`, a
//! "valid" (unpadded) convolution, optionally strided or transposed,
//! followed by GroupNorm + ReLU, BatchNorm + ReLU, or a leaky ReLU.

use audio_nn::{
    BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig,
    GroupNorm, Padding,
};
use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::config::{ConvType, NORM_CHANNELS};
use crate::Result;

/// PyTorch's `leaky_relu` default slope.
const LEAKY_SLOPE: f64 = 0.01;

#[derive(Debug, Clone)]
enum Filter {
    Conv(Conv1d),
    Transposed(ConvTranspose1d),
}

#[derive(Debug, Clone)]
enum Norm {
    Group(GroupNorm),
    Batch(BatchNorm),
    None,
}

/// One convolution layer of Wave-U-Net: keys `filter.weight`,
/// `filter.bias`, and `norm.*` for GroupNorm/BatchNorm.
///
/// - plain: `y = act(norm(conv1d(x, stride)))`, no padding;
/// - transposed (upsampling): `nn.ConvTranspose1d(stride, padding = k − 1)`,
///   so an input of `n` samples gives `(n − 1)·stride + 1 − (k − 1)`.
///
/// `act` is ReLU after a norm, leaky ReLU (0.01) without.
///
/// # Shapes
///
/// `(batch, n_inputs, time)` → `(batch, n_outputs, time')`, with `time'`
/// from [`ConvLayer::output_size`].
#[derive(Debug, Clone)]
pub struct ConvLayer {
    filter: Filter,
    norm: Norm,
    kernel_size: usize,
    stride: usize,
    transpose: bool,
}

impl ConvLayer {
    /// Loads or initialises the layer.
    ///
    /// # Errors
    ///
    /// Weight errors naming the key; invalid sizes.
    pub fn new(
        n_inputs: usize,
        n_outputs: usize,
        kernel_size: usize,
        stride: usize,
        conv_type: ConvType,
        transpose: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let filter = if transpose {
            Filter::Transposed(ConvTranspose1d::new(
                n_inputs,
                n_outputs,
                kernel_size,
                ConvTranspose1dConfig {
                    stride,
                    padding: kernel_size - 1,
                    ..ConvTranspose1dConfig::default()
                },
                vb.pp("filter"),
            )?)
        } else {
            Filter::Conv(Conv1d::new(
                n_inputs,
                n_outputs,
                kernel_size,
                Conv1dConfig {
                    stride,
                    padding: Padding::Valid,
                    ..Conv1dConfig::default()
                },
                vb.pp("filter"),
            )?)
        };
        let norm = match conv_type {
            ConvType::GroupNorm => Norm::Group(GroupNorm::new(
                n_outputs / NORM_CHANNELS,
                n_outputs,
                1e-5,
                true,
                vb.pp("norm"),
            )?),
            ConvType::BatchNorm => Norm::Batch(BatchNorm::new_1d(
                n_outputs,
                BatchNormConfig {
                    momentum: Some(0.01),
                    ..BatchNormConfig::default()
                },
                vb.pp("norm"),
            )?),
            ConvType::Normal => Norm::None,
        };
        Ok(Self {
            filter,
            norm,
            kernel_size,
            stride,
            transpose,
        })
    }

    /// The forward pass; `train` selects BatchNorm's batch statistics.
    ///
    /// # Errors
    ///
    /// Candle and layer errors (an input too short for the kernel).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let y = match &self.filter {
            Filter::Conv(c) => c.apply(x)?,
            Filter::Transposed(c) => c.apply(x)?,
        };
        Ok(match &self.norm {
            Norm::Group(n) => n.apply(&y)?.relu()?,
            Norm::Batch(n) => n.apply_t(&y, train)?.relu()?,
            Norm::None => {
                let neg = y.minimum(0f64)?.affine(LEAKY_SLOPE, 0.0)?;
                y.maximum(0f64)?.add(&neg)?
            }
        })
    }

    /// The BatchNorm layer, if the layer has one.
    pub(crate) fn batch_norm(&self) -> Option<&BatchNorm> {
        match &self.norm {
            Norm::Batch(b) => Some(b),
            _ => None,
        }
    }

    /// Output samples for `input` samples (`get_output_size`), `None` when
    /// the reference's size checks fail (too short, or a strided layer
    /// that would not keep the first and last sample).
    pub fn output_size(&self, input: usize) -> Option<usize> {
        let mut n = if self.transpose {
            if input <= 1 {
                return None;
            }
            (input - 1) * self.stride + 1
        } else {
            input
        };
        n = n.checked_sub(self.kernel_size - 1).filter(|&v| v > 0)?;
        if !self.transpose {
            if (n - 1) % self.stride != 0 {
                return None;
            }
            n = (n - 1) / self.stride + 1;
        }
        Some(n)
    }

    /// Input samples needed for `output` samples (`get_input_size`), `None`
    /// when no input gives exactly that many.
    pub fn input_size(&self, output: usize) -> Option<usize> {
        let mut n = if self.transpose {
            output
        } else {
            (output.checked_sub(1)?) * self.stride + 1
        };
        n += self.kernel_size - 1;
        if self.transpose {
            if (n - 1) % self.stride != 0 {
                return None;
            }
            n = (n - 1) / self.stride + 1;
        }
        (n > 0).then_some(n)
    }
}
