//! A transposed 2-D convolution (`torch.nn.ConvTranspose2d`).

use candle_core::{DType, Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::default_uniform;
use crate::Result;

const CONVT2: &str = "ConvTranspose2d";

/// Configuration of a [`ConvTranspose2d`] (`torch.nn.ConvTranspose2d`'s
/// arguments after the channel counts and kernel size), `(height, width)`
/// pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvTranspose2dConfig {
    /// Upsampling step (`stride`).
    pub stride: (usize, usize),
    /// Rows and columns removed from both ends of the full output (`padding`).
    pub padding: (usize, usize),
    /// Extra rows and columns added at the end (`output_padding`, each below
    /// its stride).
    pub output_padding: (usize, usize),
    /// Whether the layer has a `bias`.
    pub bias: bool,
}

impl Default for ConvTranspose2dConfig {
    fn default() -> Self {
        Self {
            stride: (1, 1),
            padding: (0, 0),
            output_padding: (0, 0),
            bias: true,
        }
    }
}

/// A transposed 2-D convolution, `torch.nn.ConvTranspose2d` with dilation 1
/// and one group: every input pixel `(i, j)` of channel `c` adds
/// `x[b, c, i, j] · w[c, o, p, q]` to output `(i·s_h + p − pad_h, j·s_w + q − pad_w)`.
///
/// Weights: `weight` `(in_channels, out_channels, k_h, k_w)`, `bias`
/// `(out_channels)`; PyTorch's default init with
/// `fan_in = out_channels · k_h · k_w`.
///
/// Two evaluations give the same numbers, both one matrix product `Wᵀ X`
/// (the transposed convolution's own work) and a scatter of its taps:
/// without autograd on the CPU the scatter is a plain loop; with autograd
/// it is made of candle ops (stuffing, padding, sums) that candle can
/// differentiate (candle 0.11 has no backward pass for its transposed
/// convolution).
///
/// # Shapes
///
/// `(batch, in_channels, H, W)` → `(batch, out_channels, H', W')` with
/// `H' = (H − 1)·s_h − 2·pad_h + k_h + out_pad_h` (and `W'` likewise).
///
/// ```
/// use audio_nn::{ConvTranspose2d, ConvTranspose2dConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// // "same"-style upsampling by 2: kernel 3, padding 1, output padding 1.
/// let cfg = ConvTranspose2dConfig { stride: (2, 2), padding: (1, 1), output_padding: (1, 1), ..Default::default() };
/// let up = ConvTranspose2d::new(4, 2, (3, 3), cfg, vb)?;
/// let y = up.forward(&Tensor::zeros((1, 4, 64, 12), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 2, 128, 24]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConvTranspose2d {
    weight: Tensor,
    bias: Option<Tensor>,
    in_channels: usize,
    out_channels: usize,
    kernel: (usize, usize),
    config: ConvTranspose2dConfig,
}

impl ConvTranspose2d {
    /// Loads (or initialises) the layer's `weight` and `bias` from `vb`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for a zero size or stride, or an
    /// output padding not below its stride; [`crate::Error::MissingKey`] /
    /// [`crate::Error::WeightShape`] naming the key.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: (usize, usize),
        config: ConvTranspose2dConfig,
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
            checks::config(CONVT2, name, v, v > 0, "> 0")?;
        }
        checks::config(
            CONVT2,
            "output_padding",
            config.output_padding,
            config.output_padding.0 < config.stride.0 && config.output_padding.1 < config.stride.1,
            "< stride on each axis",
        )?;
        let fan_in = out_channels * kernel.0 * kernel.1;
        let weight = checks::weight(
            &vb,
            CONVT2,
            "weight",
            &[in_channels, out_channels, kernel.0, kernel.1],
            default_uniform(fan_in),
        )?;
        let bias = if config.bias {
            Some(checks::weight(
                &vb,
                CONVT2,
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

    /// The `weight` tensor `(in, out, k_h, k_w)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// The output size `(H', W')` for an input of `(h, w)`, or `None` when
    /// the padding removes everything.
    pub fn output_size(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let c = &self.config;
        let axis = |n: usize, s: usize, k: usize, pad: usize, op: usize| {
            ((n.max(1) - 1) * s + k + op)
                .checked_sub(2 * pad)
                .filter(|&v| v > 0)
        };
        Some((
            axis(
                h,
                c.stride.0,
                self.kernel.0,
                c.padding.0,
                c.output_padding.0,
            )?,
            axis(
                w,
                c.stride.1,
                self.kernel.1,
                c.padding.1,
                c.output_padding.1,
            )?,
        ))
    }

    /// `P = Wᵀ X` by one matrix product (the transposed convolution's own
    /// work), then the sub-pixel scatter with candle ops that autograd
    /// differentiates: output pixel `u = v·s + r` (before cropping) gathers
    /// the taps `p ≡ r (mod s)`, each tap's plane of `P` shifted by
    /// `(p − r)/s`; the `s_h·s_w` phase planes are then interleaved. No
    /// zero-stuffing, so the copies are of the output's size, not `k_h·k_w`
    /// times it.
    fn forward_differentiable(&self, x: &Tensor, out: (usize, usize)) -> Result<Tensor> {
        let c = &self.config;
        let (b, cin, h, w) = x.dims4()?;
        let (kh, kw) = self.kernel;
        let cout = self.out_channels;
        let (sh, sw) = c.stride;
        let wm = self.weight.reshape((cin, cout * kh * kw))?.t()?;
        let p = wm
            .broadcast_matmul(&x.reshape((b, cin, h * w))?)?
            .reshape((b, cout, kh * kw, h, w))?;
        // Phase planes of V rows: the full output is (h−1)·s + k (+ output
        // padding) long, and every tap's shifted plane fits in V.
        let full_h = ((h - 1) * sh + kh).max(c.padding.0 + out.0);
        let full_w = ((w - 1) * sw + kw).max(c.padding.1 + out.1);
        let (vh, vw) = (full_h.div_ceil(sh), full_w.div_ceil(sw));
        let mut rows = Vec::with_capacity(sh);
        for rh in 0..sh {
            let mut phases = Vec::with_capacity(sw);
            for rw in 0..sw {
                let mut acc: Option<Tensor> = None;
                for tap_h in (rh..kh).step_by(sh) {
                    for tap_w in (rw..kw).step_by(sw) {
                        let (mh, mw) = ((tap_h - rh) / sh, (tap_w - rw) / sw);
                        let plane = p
                            .narrow(2, tap_h * kw + tap_w, 1)?
                            .squeeze(2)?
                            .pad_with_zeros(2, mh, vh - mh - h)?
                            .pad_with_zeros(3, mw, vw - mw - w)?;
                        acc = Some(match acc {
                            None => plane,
                            Some(a) => (a + plane)?,
                        });
                    }
                }
                phases.push(match acc {
                    Some(a) => a,
                    None => Tensor::zeros((b, cout, vh, vw), p.dtype(), p.device())?,
                });
            }
            // (b, cout, vh, vw, sw)
            rows.push(Tensor::stack(&phases, 4)?);
        }
        // (b, cout, vh, sh, vw, sw) → (b, cout, vh·sh, vw·sw).
        let full = Tensor::stack(&rows, 3)?.reshape((b, cout, vh * sh, vw * sw))?;
        let y = full
            .narrow(2, c.padding.0, out.0)?
            .narrow(3, c.padding.1, out.1)?;
        self.add_bias(y)
    }

    /// `P = Wᵀ X` for every batch item at once — `(out·k_h·k_w, in) ×
    /// (in, batch·H·W)` — then each tap added at its output pixel.
    fn forward_col2im(&self, x: &Tensor, out: (usize, usize)) -> Result<Tensor> {
        let c = &self.config;
        let (b, cin, h, w) = x.dims4()?;
        let (kh, kw) = self.kernel;
        let cout = self.out_channels;
        let (ho, wo) = out;
        let xm = x.transpose(0, 1)?.contiguous()?.reshape((cin, b * h * w))?;
        let wm = self.weight.reshape((cin, cout * kh * kw))?.t()?;
        let p = wm.matmul(&xm)?.flatten_all()?.to_vec1::<f32>()?;
        let cols = b * h * w;
        let mut y = vec![0.0f32; b * cout * ho * wo];
        for o in 0..cout {
            for p_ in 0..kh {
                for q in 0..kw {
                    let row = &p[((o * kh + p_) * kw + q) * cols..][..cols];
                    for item in 0..b {
                        let dst = &mut y[(item * cout + o) * ho * wo..][..ho * wo];
                        for i in 0..h {
                            let Some(r) = (i * c.stride.0 + p_)
                                .checked_sub(c.padding.0)
                                .filter(|&r| r < ho)
                            else {
                                continue;
                            };
                            let src = &row[(item * h + i) * w..][..w];
                            for (j, v) in src.iter().enumerate() {
                                if let Some(col) = (j * c.stride.1 + q)
                                    .checked_sub(c.padding.1)
                                    .filter(|&col| col < wo)
                                {
                                    dst[r * wo + col] += v;
                                }
                            }
                        }
                    }
                }
            }
        }
        self.add_bias(Tensor::from_vec(y, (b, cout, ho, wo), x.device())?)
    }

    fn add_bias(&self, y: Tensor) -> Result<Tensor> {
        Ok(match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, self.out_channels, 1, 1))?)?,
            None => y,
        })
    }

    /// The differentiable evaluation whatever the input, for tests that
    /// compare the two paths.
    ///
    /// # Errors
    ///
    /// As [`ConvTranspose2d::apply`].
    pub fn apply_differentiable(&self, x: &Tensor) -> Result<Tensor> {
        let out = self.check(x)?;
        self.forward_differentiable(x, out)
    }

    fn check(&self, x: &Tensor) -> Result<(usize, usize)> {
        let [_, c, h, w] = checks::dims::<4>(CONVT2, "(batch, channels, H, W)", x)?;
        checks::channels(CONVT2, self.in_channels, c)?;
        checks::config(CONVT2, "input size", (h, w), h > 0 && w > 0, "> 0")?;
        let out = self.output_size(h, w);
        checks::config(
            CONVT2,
            "padding",
            self.config.padding,
            out.is_some(),
            "smaller than half the full output",
        )?;
        Ok(out.unwrap_or((1, 1)))
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`] unless the input is `(batch, channels, H,
    /// W)`; [`crate::Error::ChannelMismatch`] for the wrong channel count;
    /// [`crate::Error::InvalidParameter`] for an empty input or a padding
    /// that removes the whole output.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let out = self.check(x)?;
        if !x.track_op()
            && !self.weight.track_op()
            && x.device().is_cpu()
            && x.dtype() == DType::F32
            && self.weight.dtype() == DType::F32
        {
            return self.forward_col2im(x, out);
        }
        self.forward_differentiable(x, out)
    }
}

impl Module for ConvTranspose2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// The matrix-product-and-scatter path against the zero-stuffing path
    /// (the one autograd sees), over strides, paddings, output paddings and
    /// batch sizes.
    #[test]
    fn both_paths_agree() -> crate::Result<()> {
        let dev = Device::Cpu;
        for (i, (cin, cout, k, s, p, op, b, h, w)) in [
            (3, 2, (3, 3), (2, 2), (1, 1), (1, 1), 2, 5, 4),
            (2, 4, (5, 3), (1, 2), (2, 0), (0, 1), 1, 6, 3),
            (1, 1, (2, 2), (3, 3), (0, 0), (2, 0), 3, 2, 2),
            (4, 3, (5, 5), (2, 1), (2, 2), (1, 0), 2, 4, 7),
        ]
        .into_iter()
        .enumerate()
        {
            let vb = crate::init::SeededVarMap::new(i as u64).var_builder(DType::F32, &dev);
            let cfg = ConvTranspose2dConfig {
                stride: s,
                padding: p,
                output_padding: op,
                bias: true,
            };
            let layer = ConvTranspose2d::new(cin, cout, k, cfg, vb)?;
            let x = Tensor::randn(0.0f32, 1.0, (b, cin, h, w), &dev)?;
            let fast = layer.apply(&x)?;
            let slow = layer.apply_differentiable(&x)?;
            let want = layer
                .output_size(h, w)
                .ok_or(crate::Error::InvalidParameter {
                    layer: CONVT2,
                    name: "size",
                    value: String::new(),
                    expected: "an output",
                })?;
            assert_eq!(fast.dims(), &[b, cout, want.0, want.1]);
            let diff = (fast - slow)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(diff < 1e-5, "case {i}: {diff}");
        }
        Ok(())
    }

    /// A tracked input goes through the differentiable path and has a
    /// gradient: for `y = convT(x)`, `∂Σy/∂x[c,i,j] = Σ_o Σ_{p,q} w[c,o,p,q]`
    /// wherever every tap lands inside the output.
    #[test]
    fn input_gradient_is_the_kernel_sum() -> crate::Result<()> {
        let dev = Device::Cpu;
        let vb = crate::init::SeededVarMap::new(7).var_builder(DType::F32, &dev);
        let cfg = ConvTranspose2dConfig {
            stride: (2, 2),
            padding: (0, 0),
            output_padding: (0, 0),
            bias: false,
        };
        let layer = ConvTranspose2d::new(2, 3, (3, 3), cfg, vb)?;
        let x = Var::from_tensor(&Tensor::randn(0.0f32, 1.0, (1, 2, 4, 4), &dev)?)?;
        let grads = layer.apply(x.as_tensor())?.sum_all()?.backward()?;
        let g = grads
            .get(x.as_tensor())
            .ok_or(candle_core::Error::Msg("no gradient".into()))?
            .squeeze(0)?
            .to_vec3::<f32>()?;
        let sums = layer.weight().sum((1, 2, 3))?.to_vec1::<f32>()?;
        for (c, plane) in g.iter().enumerate() {
            for row in plane {
                for v in row {
                    assert!((v - sums[c]).abs() < 1e-5, "{v} vs {}", sums[c]);
                }
            }
        }
        Ok(())
    }
}
