//! 1-D convolutions with dilation, groups and padding modes, in
//! `torch.nn.Conv1d` / `torch.nn.ConvTranspose1d` weight layout.

use candle_core::{DType, Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::conv::padding::{pad1d, PadMode};
use crate::init::default_uniform;
use crate::kernels::conv1d_gemm::{conv1d_gemm, Conv1dShape};
use crate::kernels::{gemm_f32, with_cpu_f32_2, Strided};

use crate::Result;

/// How a [`Conv1d`] pads its input before the valid convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding: output length `(len - dilation*(k-1) - 1) / stride + 1` (PyTorch `padding="valid"` / `0`).
    #[default]
    Valid,
    /// PyTorch `padding="same"` (stride 1): total `dilation*(k-1)`, `total/2` on the
    /// left and the rest on the right, so the output has the input's length.
    Same,
    /// `dilation*(k-1)` on the left only: output `t` depends on inputs `<= t`
    /// (WaveNet / TCN causal convolution); output length equals input length at stride 1.
    Causal,
    /// `n` samples on both sides (PyTorch `padding=n`).
    Explicit(usize),
}

impl Padding {
    /// `(left, right)` padding for a kernel of `kernel_size` taps and `dilation`.
    pub fn amounts(self, kernel_size: usize, dilation: usize) -> (usize, usize) {
        let total = dilation * kernel_size.saturating_sub(1);
        match self {
            Padding::Valid => (0, 0),
            Padding::Same => (total / 2, total - total / 2),
            Padding::Causal => (total, 0),
            Padding::Explicit(n) => (n, n),
        }
    }
}

/// Configuration of a [`Conv1d`] (the arguments of `torch.nn.Conv1d` after the channel counts and kernel size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv1dConfig {
    /// Step between output samples (`stride`). Must be 1 with [`Padding::Same`].
    pub stride: usize,
    /// Spacing between kernel taps (`dilation`).
    pub dilation: usize,
    /// Number of channel groups (`groups`); both channel counts must be divisible by it.
    pub groups: usize,
    /// Padding of the input.
    pub padding: Padding,
    /// What the padding is filled with (`padding_mode`).
    pub pad_mode: PadMode,
    /// Whether the layer has a `bias`.
    pub bias: bool,
}

impl Default for Conv1dConfig {
    fn default() -> Self {
        Self {
            stride: 1,
            dilation: 1,
            groups: 1,
            padding: Padding::Valid,
            pad_mode: PadMode::Zeros,
            bias: true,
        }
    }
}

/// A 1-D convolution, `torch.nn.Conv1d`:
/// `y[b, o, t] = bias[o] + Σ_{c ∈ group(o)} Σ_k w[o, c, k] · x_pad[b, c, t·stride + k·dilation]`.
///
/// Weights: `weight` `(out_channels, in_channels/groups, kernel_size)`, `bias`
/// `(out_channels)`; created with PyTorch's default init
/// `U(±1/sqrt(in_channels/groups · kernel_size))` by an initialising `VarBuilder`.
///
/// # Shapes
///
/// Input `(batch, in_channels, time)`, output `(batch, out_channels, time')`.
///
/// ```
/// use audio_nn::{Conv1d, Conv1dConfig, Padding};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let cfg = Conv1dConfig { dilation: 4, padding: Padding::Same, ..Default::default() };
/// let conv = Conv1d::new(2, 8, 3, cfg, vb)?;
/// let y = conv.forward(&Tensor::zeros((1, 2, 100), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 8, 100]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Conv1d {
    weight: Tensor,
    bias: Option<Tensor>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: usize,
    config: Conv1dConfig,
}

const CONV: &str = "Conv1d";

impl Conv1d {
    /// Loads (or initialises) the layer's `weight` and `bias` from `vb`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for zero sizes, channel counts not
    /// divisible by `groups`, or `Same` padding with a stride other than 1;
    /// [`crate::Error::MissingKey`] / [`crate::Error::WeightShape`] naming the key.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        config: Conv1dConfig,
        vb: VarBuilder,
    ) -> Result<Self> {
        validate(
            CONV,
            in_channels,
            out_channels,
            kernel_size,
            config.stride,
            config.dilation,
            config.groups,
        )?;
        checks::config(
            CONV,
            "stride",
            config.stride,
            config.stride == 1 || config.padding != Padding::Same,
            "1 with padding Same",
        )?;
        let fan_in = in_channels / config.groups * kernel_size;
        let weight = checks::weight(
            &vb,
            CONV,
            "weight",
            &[out_channels, in_channels / config.groups, kernel_size],
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
            kernel_size,
            config,
        })
    }

    /// Builds the layer from given tensors (`weight` `(out, in/groups, k)`, optional `bias` `(out)`).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] / [`crate::Error::WeightShape`] when the shapes do not fit `config`.
    pub fn from_tensors(
        weight: Tensor,
        bias: Option<Tensor>,
        config: Conv1dConfig,
    ) -> Result<Self> {
        let [out_channels, in_per_group, kernel_size] =
            checks::dims::<3>(CONV, "(out, in/groups, kernel)", &weight)?;
        let in_channels = in_per_group * config.groups;
        validate(
            CONV,
            in_channels,
            out_channels,
            kernel_size,
            config.stride,
            config.dilation,
            config.groups,
        )?;
        if let Some(b) = &bias {
            if b.dims() != [out_channels] {
                return Err(crate::Error::WeightShape {
                    layer: CONV,
                    key: "bias".into(),
                    expected: vec![out_channels],
                    got: b.dims().to_vec(),
                });
            }
        }
        Ok(Self {
            weight,
            bias,
            in_channels,
            out_channels,
            kernel_size,
            config,
        })
    }

    /// The weight `(out_channels, in_channels/groups, kernel_size)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }
    /// The bias `(out_channels)`, if any.
    pub fn bias(&self) -> Option<&Tensor> {
        self.bias.as_ref()
    }
    /// The configuration.
    pub fn config(&self) -> &Conv1dConfig {
        &self.config
    }
    /// Input channel count.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }
    /// Output channel count.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }
    /// Kernel taps.
    pub fn kernel_size(&self) -> usize {
        self.kernel_size
    }
    /// The receptive field minus one, `dilation * (kernel_size - 1)`: how many
    /// past samples a causal streaming form must remember.
    pub fn context(&self) -> usize {
        self.config.dilation * (self.kernel_size - 1)
    }

    /// The convolution of an already padded input (no padding added).
    pub(crate) fn forward_unpadded(&self, x: &Tensor) -> Result<Tensor> {
        let [_, c, _] = checks::dims::<3>(CONV, "(batch, channels, time)", x)?;
        checks::channels(CONV, self.in_channels, c)?;
        if let Some(y) = self.forward_gemm(x, (0, 0))? {
            return Ok(y);
        }
        let y = conv1d_valid(
            x,
            &self.weight,
            self.config.stride,
            self.config.dilation,
            self.config.groups,
        )?;
        Ok(match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, self.out_channels, 1))?)?,
            None => y,
        })
    }

    /// The one-group convolution with `pad` zeros on each side and its
    /// bias by [`conv1d_gemm`], on the CPU in float32 outside autograd
    /// (`None` otherwise, or when the padded input is shorter than the
    /// kernel's span, which the tensor path reports).
    fn forward_gemm(&self, x: &Tensor, pad: (usize, usize)) -> Result<Option<Tensor>> {
        let tracked = x.track_op()
            || self.weight.track_op()
            || self.bias.as_ref().is_some_and(Tensor::track_op);
        let (b, c, l) = x.dims3()?;
        let span = self.config.dilation * (self.kernel_size - 1) + 1;
        if tracked
            || self.config.groups != 1
            || l + pad.0 + pad.1 < span
            || self.bias.as_ref().is_some_and(|b| b.dtype() != DType::F32)
        {
            return Ok(None);
        }
        let shape = Conv1dShape {
            batch: b,
            in_channels: c,
            length: l,
            out_channels: self.out_channels,
            kernel: self.kernel_size,
            dilation: self.config.dilation,
            stride: self.config.stride,
            pad,
        };
        let bias = match &self.bias {
            Some(b) => Some(b.to_vec1::<f32>()?),
            None => None,
        };
        let y = with_cpu_f32_2(x, &self.weight, |xs, ws| {
            conv1d_gemm(xs, ws, bias.as_deref(), shape)
        })?;
        Ok(match y {
            Some(y) => Some(Tensor::from_vec(
                y,
                (b, self.out_channels, shape.out_length()),
                x.device(),
            )?),
            None => None,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`] unless the input is `(batch, channels, time)`,
    /// [`crate::Error::ChannelMismatch`] for the wrong channel count,
    /// [`crate::Error::InvalidParameter`] when the padded input is shorter than the receptive field.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [_, c, t] = checks::dims::<3>(CONV, "(batch, channels, time)", x)?;
        checks::channels(CONV, self.in_channels, c)?;
        let (l, r) = self
            .config
            .padding
            .amounts(self.kernel_size, self.config.dilation);
        checks::config(
            CONV,
            "input length",
            t,
            t + l + r > self.context(),
            "padded input longer than the receptive field",
        )?;
        if self.config.pad_mode == PadMode::Zeros {
            if let Some(y) = self.forward_gemm(x, (l, r))? {
                return Ok(y);
            }
        }
        let xp = pad1d(x, l, r, self.config.pad_mode)?;
        self.forward_unpadded(&xp)
    }
}

impl Module for Conv1d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}

pub(crate) fn validate(
    layer: &'static str,
    in_channels: usize,
    out_channels: usize,
    kernel_size: usize,
    stride: usize,
    dilation: usize,
    groups: usize,
) -> Result<()> {
    checks::config(layer, "kernel_size", kernel_size, kernel_size > 0, "> 0")?;
    checks::config(layer, "stride", stride, stride > 0, "> 0")?;
    checks::config(layer, "dilation", dilation, dilation > 0, "> 0")?;
    checks::config(layer, "groups", groups, groups > 0, "> 0")?;
    checks::config(
        layer,
        "in_channels",
        in_channels,
        in_channels > 0 && in_channels.is_multiple_of(groups),
        "> 0 and divisible by groups",
    )?;
    checks::config(
        layer,
        "out_channels",
        out_channels,
        out_channels > 0 && out_channels.is_multiple_of(groups),
        "> 0 and divisible by groups",
    )
}

/// Configuration of a [`ConvTranspose1d`] (as `torch.nn.ConvTranspose1d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvTranspose1dConfig {
    /// Upsampling step (`stride`).
    pub stride: usize,
    /// Samples removed from both ends of the full output (`padding`).
    pub padding: usize,
    /// Extra samples added at the end (`output_padding`, `< max(stride, dilation)`).
    pub output_padding: usize,
    /// Spacing between kernel taps.
    pub dilation: usize,
    /// Channel groups.
    pub groups: usize,
    /// Whether the layer has a `bias`.
    pub bias: bool,
}

impl Default for ConvTranspose1dConfig {
    fn default() -> Self {
        Self {
            stride: 1,
            padding: 0,
            output_padding: 0,
            dilation: 1,
            groups: 1,
            bias: true,
        }
    }
}

/// A transposed 1-D convolution, `torch.nn.ConvTranspose1d`: every input sample
/// scatters `w[c, o, k]` to output `t·stride + k·dilation - padding`.
/// Output length `(len-1)·stride - 2·padding + dilation·(k-1) + output_padding + 1`.
///
/// Weights: `weight` `(in_channels, out_channels/groups, kernel_size)`, `bias`
/// `(out_channels)`, PyTorch's default init with `fan_in = out_channels/groups · k`.
///
/// When neither the input nor the weight is tracked by autograd this uses
/// candle's transposed-convolution kernel; otherwise an equivalent
/// differentiable form (zero-stuffing, then a convolution with the flipped
/// kernel), since candle has no backward pass for its transposed convolution.
///
/// # Shapes
///
/// Input `(batch, in_channels, time)`, output `(batch, out_channels, time')`.
///
/// ```
/// use audio_nn::{ConvTranspose1d, ConvTranspose1dConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let cfg = ConvTranspose1dConfig { stride: 2, ..Default::default() };
/// let up = ConvTranspose1d::new(4, 2, 4, cfg, vb)?;
/// let y = up.forward(&Tensor::zeros((1, 4, 10), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 2, 22]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConvTranspose1d {
    weight: Tensor,
    bias: Option<Tensor>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: usize,
    config: ConvTranspose1dConfig,
}

const CONVT: &str = "ConvTranspose1d";

impl ConvTranspose1d {
    /// Loads (or initialises) `weight` and `bias` from `vb`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for zero sizes, indivisible groups or
    /// `output_padding >= max(stride, dilation)`; weight errors naming the key.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        config: ConvTranspose1dConfig,
        vb: VarBuilder,
    ) -> Result<Self> {
        validate(
            CONVT,
            in_channels,
            out_channels,
            kernel_size,
            config.stride,
            config.dilation,
            config.groups,
        )?;
        checks::config(
            CONVT,
            "output_padding",
            config.output_padding,
            config.output_padding < config.stride.max(config.dilation),
            "< max(stride, dilation)",
        )?;
        let fan_in = out_channels / config.groups * kernel_size;
        let weight = checks::weight(
            &vb,
            CONVT,
            "weight",
            &[in_channels, out_channels / config.groups, kernel_size],
            default_uniform(fan_in),
        )?;
        let bias = if config.bias {
            Some(checks::weight(
                &vb,
                CONVT,
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
            kernel_size,
            config,
        })
    }

    /// The weight `(in_channels, out_channels/groups, kernel_size)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// Output length for an input of `len` samples.
    pub fn output_len(&self, len: usize) -> usize {
        let c = &self.config;
        ((len - 1) * c.stride + c.dilation * (self.kernel_size - 1) + c.output_padding + 1)
            .saturating_sub(2 * c.padding)
    }

    fn forward_differentiable(&self, x: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let (b, ch, len) = x.dims3()?;
        // Zero-stuff: (len-1)*stride + 1 samples with the input every `stride`.
        let stuffed = if c.stride > 1 {
            let z = Tensor::zeros((b, ch, len, c.stride - 1), x.dtype(), x.device())?;
            Tensor::cat(&[&x.unsqueeze(3)?, &z], 3)?
                .reshape((b, ch, len * c.stride))?
                .narrow(2, 0, (len - 1) * c.stride + 1)?
        } else {
            x.clone()
        };
        // Kernel (in, out/g, k) -> (out, in/g, k), flipped in time.
        let g = c.groups;
        let (ci, co_g, k) = (self.in_channels, self.out_channels / g, self.kernel_size);
        let w = self
            .weight
            .reshape((g, ci / g, co_g, k))?
            .transpose(1, 2)?
            .reshape((g * co_g, ci / g, k))?
            .flip(&[2])?
            .contiguous()?;
        let full = c.dilation * (k - 1);
        let out_len = self.output_len(len);
        // Full correlation needs `full` zeros on both sides; padding removes from both ends.
        let (left, crop_left) = if full >= c.padding {
            (full - c.padding, 0)
        } else {
            (0, c.padding - full)
        };
        let needed = crop_left + out_len + full; // input length of the valid conv
        let have = left + stuffed.dim(2)?;
        let right = needed.saturating_sub(have);
        let xp = stuffed.pad_with_zeros(2, left, right)?;
        let y = conv1d_valid(&xp, &w, 1, c.dilation, g)?.narrow(2, crop_left, out_len)?;
        Ok(match &self.bias {
            Some(bias) => y.broadcast_add(&bias.reshape((1, self.out_channels, 1))?)?,
            None => y,
        })
    }

    /// Per batch item, `P = Wᵀ X` — `(out·k, in) × (in, len)` by gemm
    /// into one reused buffer, reading the weight and the item in place —
    /// then each column's `k` taps added at `t·stride + k·dilation −
    /// padding` into the output, which starts from the bias.
    fn forward_col2im(&self, x: &Tensor, n: usize, cin: usize, len: usize) -> Result<Tensor> {
        let bias = match &self.bias {
            Some(b) => Some(b.to_dtype(DType::F32)?.to_vec1::<f32>()?),
            None => None,
        };
        let out_len = self.output_len(len);
        let y = with_cpu_f32_2(x, &self.weight, |xs, ws| {
            self.col2im_slices(xs, ws, bias.as_deref(), (n, cin, len), out_len)
        })?
        .ok_or(candle_core::Error::RequiresContiguous {
            op: "conv-transpose1d",
        })?;
        Ok(Tensor::from_vec(
            y,
            (n, self.out_channels, out_len),
            x.device(),
        )?)
    }

    fn col2im_slices(
        &self,
        xs: &[f32],
        ws: &[f32],
        bias: Option<&[f32]>,
        (n, cin, len): (usize, usize, usize),
        out_len: usize,
    ) -> Vec<f32> {
        let c = &self.config;
        let (cout, k) = (self.out_channels, self.kernel_size);
        let mut y = Vec::with_capacity(n * cout * out_len);
        for _ in 0..n {
            for o in 0..cout {
                let v = bias.map_or(0.0, |b| b[o]);
                y.extend(std::iter::repeat_n(v, out_len));
            }
        }
        let mut p = vec![0f32; cout * k * len];
        for (item, dst) in xs
            .chunks_exact(cin * len)
            .zip(y.chunks_exact_mut(cout * out_len))
        {
            // SAFETY: dst `p` is `(cout·k) × len`, row-major (`cout·k·len`
            // floats); lhs `Wᵀ` reads `w[ci, o, kk]` at `ci·cout·k + o·k +
            // kk` for row `o·k + kk`, column `ci` (< `ws.len()` =
            // `cin·cout·k`); rhs reads the item `cin × len` row-major.
            unsafe {
                gemm_f32(
                    (cout * k, len, cin),
                    Strided::new(p.as_mut_ptr(), len, 1),
                    false,
                    Strided::new(ws.as_ptr(), 1, cout * k),
                    Strided::new(item.as_ptr(), len, 1),
                    1.0,
                );
            }
            for (o, out) in dst.chunks_exact_mut(out_len).enumerate() {
                for kk in 0..k {
                    let row = &p[(o * k + kk) * len..(o * k + kk + 1) * len];
                    let shift = (kk * c.dilation) as isize - c.padding as isize;
                    for (t, v) in row.iter().enumerate() {
                        let q = (t * c.stride) as isize + shift;
                        if q >= 0 && (q as usize) < out_len {
                            out[q as usize] += v;
                        }
                    }
                }
            }
        }
        y
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`], [`crate::Error::ChannelMismatch`], candle errors.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [b, c, t] = checks::dims::<3>(CONVT, "(batch, channels, time)", x)?;
        checks::channels(CONVT, self.in_channels, c)?;
        checks::config(CONVT, "input length", t, t > 0, "> 0")?;
        if x.track_op() || self.weight.track_op() {
            return self.forward_differentiable(x);
        }
        // On the CPU: one matrix product and an overlap-add. candle 0.11's
        // CPU `conv_transpose1d` mixes up batch items when there are several
        // batch items and several input channels (the regression test
        // `batched_transposed_convolution_matches_per_item` shows it), and
        // zero-stuffing multiplies the work by the stride.
        if x.device().is_cpu()
            && x.dtype() == DType::F32
            && self.weight.dtype() == DType::F32
            && self.config.groups == 1
        {
            return self.forward_col2im(x, b, c, t);
        }
        if b > 1 && c > 1 {
            return self.forward_differentiable(x);
        }
        let cfg = &self.config;
        let y = x.conv_transpose1d(
            &self.weight,
            cfg.padding,
            cfg.output_padding,
            cfg.stride,
            cfg.dilation,
            cfg.groups,
        )?;
        Ok(match &self.bias {
            Some(bias) => y.broadcast_add(&bias.reshape((1, self.out_channels, 1))?)?,
            None => y,
        })
    }
}

impl Module for ConvTranspose1d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}

/// `y = Σ_k W[:, :, k] · x[:, :, k·d .. k·d + T]`: one `(O, C) × (C, T)` matmul
/// per tap on a shifted view of the input (no im2col buffer), for stride 1 and
/// one group; differentiable (narrow, matmul and add all have backward passes).
fn conv1d_shifted_matmul(x: &Tensor, w: &Tensor, dilation: usize) -> Result<Tensor> {
    let (b, _, l) = x.dims3()?;
    let (o, c, k) = w.dims3()?;
    let span = dilation * (k - 1) + 1;
    if l < span {
        return Err(crate::Error::ShapeMismatch {
            layer: "Conv1d",
            expected: format!("at least {span} (padded) samples"),
            got: x.dims().to_vec(),
        });
    }
    let t = l - span + 1;
    let x = x.contiguous()?;
    let mut acc: Option<Tensor> = None;
    for tap in 0..k {
        let wk = w
            .narrow(2, tap, 1)?
            .reshape((o, c))?
            .contiguous()?
            .broadcast_left(b)?;
        let xs = x.narrow(2, tap * dilation, t)?;
        let y = wk.matmul(&xs)?;
        acc = Some(match acc {
            None => y,
            Some(a) => a.add(&y)?,
        });
    }
    acc.ok_or(crate::Error::InvalidParameter {
        layer: "Conv1d",
        name: "kernel_size",
        value: "0".into(),
        expected: "> 0",
    })
}

/// A valid (unpadded) 1-D convolution `(B, C, L) * (O, C/g, K) -> (B, O, T)`,
/// `T = (L - dilation·(K-1) - 1)/stride + 1`.
///
/// Stride 1 with one group: one matmul per tap on shifted views
/// ([`conv1d_shifted_matmul`]). A depthwise 1×1 convolution: a per-channel
/// scale. Otherwise, without autograd tracking, candle's convolution kernel;
/// with tracking, gather (im2col with `index_select`) + batched matmul, whose
/// backward passes are correct: candle 0.11.1's CPU `conv1d` returns wrong
/// values for a non-contiguous kernel, which its own backward pass produces
/// for the weight gradient.
pub(crate) fn conv1d_valid(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    dilation: usize,
    groups: usize,
) -> Result<Tensor> {
    if groups == 1 && stride == 1 {
        return conv1d_shifted_matmul(x, w, dilation);
    }
    if !(x.track_op() || w.track_op()) {
        let w = w.contiguous()?;
        return Ok(x.contiguous()?.conv1d(&w, 0, stride, dilation, groups)?);
    }
    let (b, c, l) = x.dims3()?;
    let (o, cg, k) = w.dims3()?;
    let span = dilation * (k - 1) + 1;
    if l < span {
        return Err(crate::Error::ShapeMismatch {
            layer: "Conv1d",
            expected: format!("at least {span} (padded) samples"),
            got: x.dims().to_vec(),
        });
    }
    let t = (l - span) / stride + 1;
    let idx: Vec<u32> = (0..t)
        .flat_map(|ti| (0..k).map(move |ki| (ti * stride + ki * dilation) as u32))
        .collect();
    let idx = Tensor::from_vec(idx, t * k, x.device())?;
    let g = groups;
    let cols = x
        .contiguous()?
        .index_select(&idx, 2)? // (B, C, T*K)
        .reshape((b, g, cg, t, k))?
        .permute((0, 1, 3, 2, 4))?
        .contiguous()?
        .reshape((b, g, t, cg * k))?;
    let wg = w
        .reshape((g, o / g, cg * k))?
        .transpose(1, 2)?
        .contiguous()?; // (g, C/g*K, O/g)
    let y = cols.broadcast_matmul(&wg.unsqueeze(0)?)?; // (B, g, T, O/g)
    let _ = c;
    Ok(y.permute((0, 1, 3, 2))?.contiguous()?.reshape((b, o, t))?)
}
