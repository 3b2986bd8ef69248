//! The layers of Demucs's residual `DConv` branches (`demucs.demucs`):
//! [`DConv`] itself, its chunked [`Blstm`] and its [`LocalState`]
//! attention. Keys follow the package's module tree.

use audio_nn::{Conv1d, Conv1dConfig, GroupNorm, LayerScale, Linear, Lstm, LstmConfig, Padding};
use candle_core::{DType, Module, Tensor, D};
use candle_nn::VarBuilder;

use crate::error::Result;

/// GroupNorm's epsilon in PyTorch.
pub(crate) const NORM_EPS: f64 = 1e-5;

/// `demucs.demucs.BLSTM`: a bidirectional LSTM with as many cells as input
/// channels, then `Linear(2·dim, dim)`. With `max_steps`, a longer input is
/// cut into frames of `max_steps` with hop `max_steps / 2`, each run alone,
/// and the frames' middles (`max_steps / 4` trimmed from each inner edge)
/// are joined; `skip` adds the input.
///
/// Keys: `lstm.weight_ih_l{k}[_reverse]`, ..., `linear.weight`, `linear.bias`.
///
/// # Shapes
///
/// `(batch, dim, time)` → `(batch, dim, time)`.
#[derive(Debug, Clone)]
pub struct Blstm {
    lstm: Lstm,
    linear: Linear,
    max_steps: Option<usize>,
    skip: bool,
}

impl Blstm {
    /// `BLSTM(dim, layers, max_steps, skip)` from `vb`.
    ///
    /// # Errors
    ///
    /// Weight errors naming the key and both shapes.
    pub fn new(
        dim: usize,
        layers: usize,
        max_steps: Option<usize>,
        skip: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let config = LstmConfig {
            num_layers: layers,
            bidirectional: true,
            ..LstmConfig::new(dim, dim)
        };
        Ok(Self {
            lstm: Lstm::new(config, vb.pp("lstm"))?,
            linear: Linear::new(2 * dim, dim, true, vb.pp("linear"))?,
            max_steps,
            skip,
        })
    }

    /// Runs the BLSTM.
    ///
    /// # Errors
    ///
    /// Shape errors from the layers.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, t) = x.dims3()?;
        let framing = self.max_steps.filter(|&w| t > w);
        let input = match framing {
            Some(width) => {
                let stride = width / 2;
                let frames = t.div_ceil(stride);
                let target = (frames - 1) * stride + width;
                let padded = x.pad_with_zeros(2, 0, target - t)?;
                let pieces: Vec<Tensor> = (0..frames)
                    .map(|k| padded.narrow(2, k * stride, width))
                    .collect::<candle_core::Result<_>>()?;
                Tensor::stack(&pieces, 1)?.reshape((b * frames, c, width))?
            }
            None => x.clone(),
        };
        let seq = input.permute((2, 0, 1))?.contiguous()?;
        let (y, _) = self.lstm.forward_with_state(&seq, None)?;
        let y = self.linear.apply(&y)?;
        let mut y = y.permute((1, 2, 0))?.contiguous()?;
        if let Some(width) = framing {
            let stride = width / 2;
            let limit = stride / 2;
            let frames = t.div_ceil(stride);
            let framed = y.reshape((b, frames, c, width))?;
            let mut out = Vec::with_capacity(frames);
            for k in 0..frames {
                let f = framed.narrow(1, k, 1)?.squeeze(1)?;
                out.push(if k == 0 {
                    f.narrow(2, 0, width - limit)?
                } else if k == frames - 1 {
                    f.narrow(2, limit, width - limit)?
                } else {
                    f.narrow(2, limit, width - 2 * limit)?
                });
            }
            y = Tensor::cat(&out, 2)?.narrow(2, 0, t)?;
        }
        if self.skip {
            y = y.add(x)?;
        }
        Ok(y)
    }
}

/// `demucs.demucs.LocalState`: attention over time without positional
/// embeddings, with a learned decay penalty per head (`ndecay` rates):
///
/// `dots[t, s] = k_t · q_s / √d − Σ_f f · |t − s| / √ndecay · σ(dq_{f,s}) / 2`,
/// the diagonal set to −100, softmax over keys `t`, then
/// `x + proj(Σ_t w[t, s] · content_t)`.
///
/// Keys: `content`, `query`, `key`, `query_decay`, `proj` (1×1 convolutions).
///
/// # Shapes
///
/// `(batch, channels, time)` → the same.
#[derive(Debug, Clone)]
pub struct LocalState {
    heads: usize,
    ndecay: usize,
    content: Conv1d,
    query: Conv1d,
    key: Conv1d,
    query_decay: Option<Conv1d>,
    proj: Conv1d,
}

impl LocalState {
    /// `LocalState(channels, heads, nfreqs=0, ndecay)` from `vb`.
    ///
    /// # Errors
    ///
    /// Weight errors naming the key; [`crate::Error::InvalidParameter`]
    /// when `heads` does not divide `channels`.
    pub fn new(channels: usize, heads: usize, ndecay: usize, vb: VarBuilder) -> Result<Self> {
        if heads == 0 || !channels.is_multiple_of(heads) {
            return Err(crate::Error::InvalidParameter {
                name: "heads",
                value: format!("{heads} for {channels} channels"),
                expected: "a divisor of the channel count",
            });
        }
        let one = |out: usize, name: &str| {
            Conv1d::new(channels, out, 1, Conv1dConfig::default(), vb.pp(name))
        };
        Ok(Self {
            heads,
            ndecay,
            content: one(channels, "content")?,
            query: one(channels, "query")?,
            key: one(channels, "key")?,
            query_decay: if ndecay > 0 {
                Some(one(heads * ndecay, "query_decay")?)
            } else {
                None
            },
            proj: one(channels, "proj")?,
        })
    }

    /// Runs the attention.
    ///
    /// # Errors
    ///
    /// Shape errors from the layers.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, t) = x.dims3()?;
        let h = self.heads;
        let d = c / h;
        let queries = self.query.forward(x)?.reshape((b, h, d, t))?;
        let keys = self.key.forward(x)?.reshape((b, h, d, t))?;
        // (b, h, t, s): keys index t, queries index s.
        let mut dots = keys
            .transpose(2, 3)?
            .contiguous()?
            .matmul(&queries.contiguous()?)?
            .affine(1.0 / (d as f64).sqrt(), 0.0)?;
        let index: Vec<f32> = (0..t).map(|i| i as f32).collect();
        let index = Tensor::from_vec(index, t, x.device())?;
        let delta = index
            .unsqueeze(1)?
            .broadcast_sub(&index.unsqueeze(0)?)?
            .abs()?;
        if let Some(query_decay) = &self.query_decay {
            let f = self.ndecay;
            let q = candle_nn::ops::sigmoid(&query_decay.forward(x)?.reshape((b, h, f, t))?)?
                .affine(0.5, 0.0)?;
            let rates: Vec<f32> = (1..=f).map(|r| r as f32).collect();
            let rates = Tensor::from_vec(rates, (1, 1, f, 1), x.device())?;
            // Σ_f rate_f · q_f, per query s: (b, h, 1, s).
            let weighted = q.broadcast_mul(&rates)?.sum_keepdim(2)?;
            let penalty = delta
                .affine(-1.0 / (f as f64).sqrt(), 0.0)?
                .unsqueeze(0)?
                .unsqueeze(0)?
                .broadcast_mul(&weighted)?;
            dots = dots.add(&penalty)?;
        }
        let eye = Tensor::eye(t, DType::F32, x.device())?;
        let keep = eye.affine(-1.0, 1.0)?;
        let dots = dots
            .broadcast_mul(&keep)?
            .broadcast_add(&eye.affine(-100.0, 0.0)?)?;
        let weights = candle_nn::ops::softmax(&dots, 2)?;
        let content = self.content.forward(x)?.reshape((b, h, d, t))?;
        let result = content.contiguous()?.matmul(&weights.contiguous()?)?;
        let result = result.reshape((b, c, t))?;
        Ok(x.add(&self.proj.forward(&result)?)?)
    }
}

/// One layer of a [`DConv`] branch.
#[derive(Debug, Clone)]
struct DConvLayer {
    conv: Conv1d,
    norm1: GroupNorm,
    lstm: Option<Blstm>,
    attn: Option<LocalState>,
    conv_out: Conv1d,
    norm2: GroupNorm,
    scale: LayerScale,
}

/// `demucs.demucs.DConv`: `depth` residual layers, each
/// `x + scale ⊙ GLU(GN(Conv1x1([Attn][BLSTM](GELU(GN(Conv_k3,dil(x)))))))`,
/// the convolution projecting to `channels / compress` and dilated by `2^d`
/// (no dilation when the configured depth is negative).
///
/// Keys: `layers.{d}.{i}` with `i` the index in the package's
/// `nn.Sequential`: 0 conv, 1 GroupNorm, (3 BLSTM, then LocalState), then
/// the 1×1 conv, its GroupNorm and the LayerScale (`.scale`).
///
/// # Shapes
///
/// `(batch, channels, time)` → the same.
#[derive(Debug, Clone)]
pub struct DConv {
    layers: Vec<DConvLayer>,
}

impl DConv {
    /// `DConv(channels, compress, depth, attn=attn, lstm=lstm)` with the
    /// package's other defaults (GroupNorm, GELU, kernel 3, 4 heads, 4
    /// decays).
    ///
    /// # Errors
    ///
    /// Weight errors naming the key and both shapes.
    pub fn new(
        channels: usize,
        compress: f64,
        depth: i64,
        attn: bool,
        lstm: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let dilate = depth > 0;
        let depth = depth.unsigned_abs() as usize;
        let hidden = (channels as f64 / compress) as usize;
        let kernel = 3;
        let mut layers = Vec::with_capacity(depth);
        for d in 0..depth {
            let vb = vb.pp("layers").pp(d.to_string());
            let dilation = if dilate { 1 << d } else { 1 };
            let conv = Conv1d::new(
                channels,
                hidden,
                kernel,
                Conv1dConfig {
                    dilation,
                    padding: Padding::Explicit(dilation * (kernel / 2)),
                    ..Conv1dConfig::default()
                },
                vb.pp("0"),
            )?;
            let norm1 = GroupNorm::new(1, hidden, NORM_EPS, true, vb.pp("1"))?;
            let mut next = 3;
            let lstm = if lstm {
                next += 1;
                Some(Blstm::new(hidden, 2, Some(200), true, vb.pp("3"))?)
            } else {
                None
            };
            let attn = if attn {
                let a = LocalState::new(hidden, 4, 4, vb.pp(next.to_string()))?;
                next += 1;
                Some(a)
            } else {
                None
            };
            let conv_out = Conv1d::new(
                hidden,
                2 * channels,
                1,
                Conv1dConfig::default(),
                vb.pp(next.to_string()),
            )?;
            let norm2 = GroupNorm::new(
                1,
                2 * channels,
                NORM_EPS,
                true,
                vb.pp((next + 1).to_string()),
            )?;
            let scale = LayerScale::new(channels, 1e-4, false, vb.pp((next + 3).to_string()))?;
            layers.push(DConvLayer {
                conv,
                norm1,
                lstm,
                attn,
                conv_out,
                norm2,
                scale,
            });
        }
        Ok(Self { layers })
    }

    /// Runs the branch.
    ///
    /// # Errors
    ///
    /// Shape errors from the layers.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for layer in &self.layers {
            let mut y = layer.conv.forward(&x)?;
            y = layer.norm1.apply_gelu(&y)?;
            if let Some(lstm) = &layer.lstm {
                y = lstm.forward(&y)?;
            }
            if let Some(attn) = &layer.attn {
                y = attn.forward(&y)?;
            }
            y = layer.conv_out.forward(&y)?;
            y = layer.norm2.apply_glu(&y)?;
            x = layer.scale.add_scaled(&x, &y)?;
        }
        Ok(x)
    }
}

/// `(batch, channels, time)` of a network's input, which must have
/// `channels` channels and at least one batch item and sample.
///
/// # Errors
///
/// [`crate::Error::ShapeMismatch`] naming `what`.
pub(crate) fn input_dims(
    mix: &Tensor,
    channels: usize,
    what: &'static str,
) -> Result<(usize, usize, usize)> {
    match *mix.dims() {
        [b, ch, t] if ch == channels && t > 0 && b > 0 => Ok((b, ch, t)),
        _ => Err(crate::Error::ShapeMismatch {
            what,
            expected: format!("(batch, {channels}, time >= 1)"),
            got: mix.dims().to_vec(),
        }),
    }
}

/// The last axis helper for centre trimming (`demucs.utils.center_trim`):
/// keeps `len` samples, removing the extra one on the right when the
/// difference is odd.
pub(crate) fn center_trim(x: &Tensor, len: usize) -> Result<Tensor> {
    let have = x.dim(D::Minus1)?;
    if have < len {
        return Err(crate::Error::ShapeMismatch {
            what: "center_trim",
            expected: format!("at least {len} samples on the last axis"),
            got: x.dims().to_vec(),
        });
    }
    let delta = have - len;
    Ok(x.narrow(x.rank() - 1, delta / 2, len)?)
}
