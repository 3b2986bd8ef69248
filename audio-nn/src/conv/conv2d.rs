//! A 2-D convolution with zero padding (`torch.nn.Conv2d`).

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::default_uniform;
use crate::kernels::{gemm_f32, Strided};
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

/// Output columns per tile of [`Conv2d`]'s tap-by-tap products: 96
/// output channels of a tile take 384 kB, which stay in a 512 kB L2
/// cache across the taps.
const COLUMN_TILE: usize = 1024;

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

    /// Stride 1 on the CPU without an im2col buffer: each kernel tap
    /// `(p, q)` is one matrix product `W[:, :, p, q] · x_pad` over the
    /// padded input shifted by `p` rows and `q` columns, accumulated in
    /// place by gemm, on rows of the padded width (the extra columns are
    /// dropped at the end), in tiles of [`COLUMN_TILE`] columns. The work
    /// is the convolution's; the memory is the padded input and the output.
    fn forward_taps(&self, x: &Tensor, pad: usize) -> Result<Tensor> {
        let (b, cin, h, w) = x.dims4()?;
        let (kh, kw) = self.kernel;
        let cout = self.out_channels;
        let (hp, wp) = (h + 2 * pad, w + 2 * pad);
        let (ho, wo) = (hp - kh + 1, wp - kw + 1);
        // The zero-padded input, written row by row from one read.
        let xs = x.flatten_all()?.to_vec1::<f32>()?;
        let mut xp = vec![0.0f32; b * cin * hp * wp];
        for (plane, src) in xs.chunks_exact(h * w).enumerate() {
            for (i, row) in src.chunks_exact(w).enumerate() {
                let at = (plane * hp + i + pad) * wp + pad;
                xp[at..at + w].copy_from_slice(row);
            }
        }
        let wt = self.weight.flatten_all()?.to_vec1::<f32>()?;
        // Columns computed per output row: the padded width, less the
        // last row's tail that would read past the input.
        let n = ho * wp - (kw - 1);
        let mut full = vec![0.0f32; cout * ho * wp];
        let mut out = Vec::with_capacity(b * cout * ho * wo);
        for item in 0..b {
            let image = &xp[item * cin * hp * wp..(item + 1) * cin * hp * wp];
            // Columns in tiles, all taps for one tile before the next, so
            // the tile's output rows stay in cache while gemm accumulates
            // the taps into them (one pass over the output, not one per
            // tap).
            for start in (0..n).step_by(COLUMN_TILE) {
                let width = COLUMN_TILE.min(n - start);
                for p in 0..kh {
                    for q in 0..kw {
                        let rhs = &image[p * wp + q + start..];
                        let lhs = &wt[p * kw + q..];
                        // SAFETY: dst is `cout × width` from column
                        // `start` with row stride `ho·wp` (within
                        // `cout·ho·wp` floats as `start + width ≤ n ≤
                        // ho·wp`); lhs reads `w[o, c, p, q]` at
                        // `o·cin·kh·kw + c·kh·kw` (< `wt.len()` − `p·kw +
                        // q`); rhs reads `cin × width` with row stride
                        // `hp·wp` from offset `p·wp + q + start`, and
                        // `(cin−1)·hp·wp + p·wp + q + start + width` ≤
                        // `cin·hp·wp` because `p ≤ kh−1`, `q ≤ kw−1` and
                        // `start + width ≤ n = ho·wp − kw + 1`.
                        unsafe {
                            gemm_f32(
                                (cout, width, cin),
                                Strided::new(full.as_mut_ptr().add(start), ho * wp, 1),
                                p + q > 0,
                                Strided::new(lhs.as_ptr(), cin * kh * kw, kh * kw),
                                Strided::new(rhs.as_ptr(), hp * wp, 1),
                                1.0,
                            );
                        }
                    }
                }
            }
            for o in 0..cout {
                for i in 0..ho {
                    let row = (o * ho + i) * wp;
                    out.extend_from_slice(&full[row..row + wo]);
                }
            }
        }
        Ok(Tensor::from_vec(out, (b, cout, ho, wo), x.device())?)
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
        let y = if self.config.stride == (1, 1)
            && x.device().is_cpu()
            && x.dtype() == candle_core::DType::F32
            && self.weight.dtype() == candle_core::DType::F32
            && !x.track_op()
            && !self.weight.track_op()
        {
            self.forward_taps(x, p)?
        } else if x.device().is_cpu() {
            conv2d_im2col(x, &self.weight, self.config.stride, (p, p))?
        } else {
            x.contiguous()?
                .conv2d(&self.weight, p, self.config.stride.0, 1, 1)?
        };
        Ok(match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, self.out_channels, 1, 1))?)?,
            None => y,
        })
    }
}

/// A 2-D convolution (`torch.nn.functional.conv2d`, one group, dilation
/// one) as im2col and one matrix product per batch item, with a backward
/// pass of its own (`∂W = Σ ∂Y·colsᵀ`, `∂X = col2im(Wᵀ·∂Y)`), used on the
/// CPU in place of candle 0.11's direct convolution and its backward (no
/// benchmark of the two is recorded yet). `f32` or `f64` on the CPU; other
/// devices use candle's convolution (one stride and padding for both axes
/// there).
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a kernel larger than the padded
/// input; candle errors (channel counts that differ).
///
/// # Shapes
///
/// `x` `(batch, C, H, W)`, `weight` `(O, C, k_h, k_w)` → `(batch, O, H', W')`.
pub fn conv2d_im2col(
    x: &Tensor,
    weight: &Tensor,
    stride: (usize, usize),
    padding: (usize, usize),
) -> Result<Tensor> {
    let (_, c, h, w) = x.dims4()?;
    let (_, wc, kh, kw) = weight.dims4()?;
    checks::channels(CONV, wc, c)?;
    checks::config(
        CONV,
        "input size",
        (h + 2 * padding.0, w + 2 * padding.1),
        h + 2 * padding.0 >= kh && w + 2 * padding.1 >= kw,
        "padded input at least the kernel size",
    )?;
    if !x.device().is_cpu() {
        return Ok(x.contiguous()?.conv2d(weight, padding.0, stride.0, 1, 1)?);
    }
    let op = crate::kernels::im2col_conv::Im2colConv2d {
        kernel: (kh, kw),
        stride,
        padding,
    };
    Ok(x.contiguous()?.apply_op2(&weight.contiguous()?, op)?)
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};
    use std::collections::HashMap;

    /// im2col with candle ops (the training path) against candle's direct
    /// convolution, strides 1 to 3, and its gradients against central
    /// finite differences in f64 (candle 0.11's own conv2d backward fails
    /// on strided odd sizes, so it is no reference there).
    #[test]
    fn im2col_matches_candle_conv2d() -> crate::Result<()> {
        let dev = Device::Cpu;
        for (cin, cout, kernel, stride, pad, h, w) in [
            (3, 5, (3, 3), 2, 1, 8, 9),
            (2, 3, (5, 5), 1, 2, 6, 7),
            (4, 2, (3, 3), 3, 0, 10, 11),
        ] {
            let w0 = Tensor::randn(0f64, 1.0, (cout, cin, kernel.0, kernel.1), &dev)?;
            let x0 = Tensor::randn(0f64, 1.0, (2, cin, h, w), &dev)?;
            let ours = conv2d_im2col(&x0, &w0, (stride, stride), (pad, pad))?;
            let theirs = x0.conv2d(&w0, pad, stride, 1, 1)?;
            assert_eq!(ours.dims(), theirs.dims());
            let diff = (&ours - &theirs)?.abs()?.max_all()?.to_scalar::<f64>()?;
            assert!(diff < 1e-10, "{kernel:?} stride {stride}: {diff}");
            let probe = Tensor::randn(0f64, 1.0, ours.dims(), &dev)?;
            let loss = |x: &Tensor, w: &Tensor| -> crate::Result<f64> {
                Ok(conv2d_im2col(x, w, (stride, stride), (pad, pad))?
                    .mul(&probe)?
                    .sum_all()?
                    .to_scalar::<f64>()?)
            };
            let (xv, wv) = (
                candle_core::Var::from_tensor(&x0)?,
                candle_core::Var::from_tensor(&w0)?,
            );
            let grads =
                conv2d_im2col(xv.as_tensor(), wv.as_tensor(), (stride, stride), (pad, pad))?
                    .mul(&probe)?
                    .sum_all()?
                    .backward()?;
            for (var, is_input) in [(&xv, true), (&wv, false)] {
                let g = grads
                    .get(var.as_tensor())
                    .ok_or(candle_core::Error::Msg("no gradient".into()))?
                    .flatten_all()?
                    .to_vec1::<f64>()?;
                let base = var.as_tensor().flatten_all()?.to_vec1::<f64>()?;
                for i in [0, base.len() / 3, base.len() - 1] {
                    let at = |d: f64| -> crate::Result<f64> {
                        let mut v = base.clone();
                        v[i] += d;
                        let t = Tensor::from_vec(v, var.as_tensor().dims(), &dev)?;
                        if is_input {
                            loss(&t, &w0)
                        } else {
                            loss(&x0, &t)
                        }
                    };
                    let fd = (at(1e-6)? - at(-1e-6)?) / 2e-6;
                    assert!(
                        (fd - g[i]).abs() < 1e-6,
                        "stride {stride} entry {i}: {fd} vs {}",
                        g[i]
                    );
                }
            }
        }
        Ok(())
    }

    /// The per-tap products against candle's im2col convolution.
    #[test]
    fn taps_match_candle_conv2d() -> crate::Result<()> {
        let dev = Device::Cpu;
        for (cin, cout, kernel, pad, h, w) in [
            (3, 5, (3, 3), 1, 7, 9),
            (4, 2, (1, 1), 0, 5, 6),
            (2, 3, (3, 5), 2, 4, 3),
            (6, 4, (2, 2), 0, 5, 5),
        ] {
            let weight = Tensor::randn(0f32, 1.0, (cout, cin, kernel.0, kernel.1), &dev)?;
            let bias = Tensor::randn(0f32, 1.0, cout, &dev)?;
            let map = HashMap::from([
                ("weight".to_string(), weight.clone()),
                ("bias".to_string(), bias),
            ]);
            let vb = VarBuilder::from_tensors(map, DType::F32, &dev);
            let cfg = Conv2dConfig {
                padding: (pad, pad),
                ..Conv2dConfig::default()
            };
            let conv = Conv2d::new(cin, cout, kernel, cfg, vb)?;
            let x = Tensor::randn(0f32, 1.0, (2, cin, h, w), &dev)?;
            let ours = conv.forward_taps(&x, pad)?;
            let theirs = x.conv2d(&weight, pad, 1, 1, 1)?;
            assert_eq!(ours.dims(), theirs.dims());
            let diff = (ours - theirs)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(diff < 1e-4, "{cin}->{cout} {kernel:?} pad {pad}: {diff}");
        }
        Ok(())
    }
}
