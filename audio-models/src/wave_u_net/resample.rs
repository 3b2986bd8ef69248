//! [`Resample1d`]: Wave-U-Net-Pytorch's fixed resampling layer
//! (`model/resample.py`), a windowed-sinc low-pass applied per channel with
//! reflect padding, then decimation (down) or after zero insertion (up).

use audio_nn::{
    pad1d, Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, PadMode, Padding,
};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use super::config::RESAMPLE_TAPS;
use crate::{Error, Result};

/// The reference's `build_sinc_filter(kernel_size, cutoff)`: a sinc
/// low-pass at `cutoff` (cycles per sample) times the window
/// `0.42 − 0.5·cos(2πi/M) + 0.08·cos(4πM)` (the reference writes `4πM`
/// where Blackman has `4πi/M`, so the last term is the constant 0.08; the
/// window is kept as written so weights trained with it are served the
/// same filter), normalised to unit sum; taps rounded to f32 before the
/// sum, as the reference fills a float32 array.
pub fn sinc_filter(kernel_size: usize, cutoff: f64) -> Vec<f32> {
    let m = kernel_size - 1;
    let half = (m / 2) as f64;
    let mf = m as f64;
    let taps: Vec<f32> = (0..kernel_size)
        .map(|i| {
            let x = i as f64 - half;
            #[allow(
                clippy::cast_possible_truncation,
                reason = "float32 taps, as the reference"
            )]
            if i == m / 2 {
                (2.0 * std::f64::consts::PI * cutoff) as f32
            } else {
                let window = 0.42 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / mf).cos()
                    + 0.08 * (4.0 * std::f64::consts::PI * mf).cos();
                ((2.0 * std::f64::consts::PI * cutoff * x).sin() / x * window) as f32
            }
        })
        .collect();
    let sum: f32 = taps.iter().sum();
    taps.iter().map(|t| t / sum).collect()
}

#[derive(Debug, Clone)]
enum Kernel {
    Down(Conv1d),
    Up(ConvTranspose1d),
}

/// A fixed (not trained) resampling layer with key `filter` `(channels, 1,
/// 15)`: reflect padding of 7 on both sides, then a depthwise convolution
/// with stride `stride` (down; the input length must be `1 mod stride`, so
/// the first and last samples are kept), or a depthwise transposed
/// convolution with stride `stride` cropped to `(n − 1)·stride + 1`
/// samples (up). The filter is the checkpoint's when it has one (the
/// reference can train it), else [`sinc_filter`] with cutoff `0.5 /
/// stride`.
///
/// # Shapes
///
/// `(batch, channels, n)` → `(batch, channels, (n − 1)/stride + 1)` down,
/// `(batch, channels, (n − 1)·stride + 1)` up.
#[derive(Debug, Clone)]
pub struct Resample1d {
    kernel: Kernel,
    stride: usize,
    transpose: bool,
}

impl Resample1d {
    /// Loads the filter from `vb` when it holds `filter`, else builds it.
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] for a stored filter of another shape; candle
    /// errors.
    pub fn new(channels: usize, stride: usize, transpose: bool, vb: &VarBuilder) -> Result<Self> {
        let shape = (channels, 1, RESAMPLE_TAPS);
        let filter = if vb.contains_tensor("filter") {
            let t = vb.get_unchecked_dtype("filter", DType::F32)?;
            if t.dims() != [channels, 1, RESAMPLE_TAPS] {
                return Err(Error::WeightShape {
                    key: format!("{}.filter", vb.prefix()),
                    expected: vec![channels, 1, RESAMPLE_TAPS],
                    got: t.dims().to_vec(),
                });
            }
            // A constant: the reference's filter has requires_grad=False.
            t.detach()
        } else {
            let taps = sinc_filter(RESAMPLE_TAPS, 0.5 / stride as f64);
            let all: Vec<f32> = (0..channels).flat_map(|_| taps.iter().copied()).collect();
            Tensor::from_vec(all, shape, &Device::Cpu)?.to_device(vb.device())?
        };
        let kernel = if transpose {
            let map = std::collections::HashMap::from([("weight".to_string(), filter)]);
            let fvb = VarBuilder::from_tensors(map, DType::F32, vb.device());
            Kernel::Up(ConvTranspose1d::new(
                channels,
                channels,
                RESAMPLE_TAPS,
                ConvTranspose1dConfig {
                    stride,
                    groups: channels,
                    bias: false,
                    ..ConvTranspose1dConfig::default()
                },
                fvb,
            )?)
        } else {
            Kernel::Down(Conv1d::from_tensors(
                filter,
                None,
                Conv1dConfig {
                    stride,
                    groups: channels,
                    padding: Padding::Valid,
                    ..Conv1dConfig::default()
                },
            )?)
        };
        Ok(Self {
            kernel,
            stride,
            transpose,
        })
    }

    /// Resamples `x`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when a downsampling input is not `1 mod
    /// stride` samples long or is shorter than 8 samples (reflect padding);
    /// candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let n = x.dim(2)?;
        let pad = (RESAMPLE_TAPS - 1) / 2;
        if n <= pad || (!self.transpose && n % self.stride != 1) {
            return Err(Error::ShapeMismatch {
                what: "Wave-U-Net resampling input",
                expected: format!(
                    "more than {pad} samples{}",
                    if self.transpose {
                        String::new()
                    } else {
                        format!(", 1 mod {}", self.stride)
                    }
                ),
                got: x.dims().to_vec(),
            });
        }
        let padded = pad1d(x, pad, pad, PadMode::Reflect)?;
        Ok(match &self.kernel {
            Kernel::Down(c) => c.apply(&padded)?,
            Kernel::Up(c) => {
                let y = c.apply(&padded)?;
                let expected = (n - 1) * self.stride + 1;
                let diff = y.dim(2)? - expected;
                y.narrow(2, diff / 2, expected)?
            }
        })
    }

    /// Output samples for `input` (`get_output_size`), `None` when the
    /// reference's checks fail or the input is too short to pad.
    pub fn output_size(&self, input: usize) -> Option<usize> {
        // Reflect padding of 7 needs more than 7 input samples (the
        // reference's size arithmetic omits this, so it can pick windows
        // its forward pass then refuses; here they are skipped).
        if input <= (RESAMPLE_TAPS - 1) / 2 {
            return None;
        }
        if self.transpose {
            Some((input - 1) * self.stride + 1)
        } else {
            (input % self.stride == 1).then_some(input)
        }
    }

    /// Input samples for `output` (`get_input_size`), `None` when none fits.
    pub fn input_size(&self, output: usize) -> Option<usize> {
        let input = if self.transpose {
            if output == 0 || !(output - 1).is_multiple_of(self.stride) {
                return None;
            }
            (output - 1) / self.stride + 1
        } else {
            (output.checked_sub(1)?) * self.stride + 1
        };
        (input > (RESAMPLE_TAPS - 1) / 2).then_some(input)
    }
}
