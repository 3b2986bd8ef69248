//! The encoder and decoder layers of Hybrid Demucs (`demucs.hdemucs.HEncLayer`
//! and `HDecLayer`), shared by HDemucs and HTDemucs. A frequency layer
//! convolves along the frequency axis of `(batch, channels, freqs, time)`
//! with a `(K, 1)` kernel; a time layer is a 1-D convolution.

use std::collections::HashMap;

use audio_nn::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, ConvTranspose1d, ConvTranspose1dConfig, GroupNorm,
    Padding,
};
use candle_core::{DType, Module, Tensor};
use candle_nn::VarBuilder;

use super::dconv::{DConv, NORM_EPS};
use crate::error::Result;

/// The shape-level options of one layer (the `kw` dict of the package's
/// constructor loop).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayerSpec {
    pub kernel_size: usize,
    pub stride: usize,
    /// Convolve along frequencies.
    pub freq: bool,
    /// Padding `kernel_size / 4` (else none).
    pub pad: bool,
    /// GroupNorm with `norm_groups` groups (else identity).
    pub norm: bool,
    pub norm_groups: usize,
    pub rewrite: bool,
    /// A DConv branch, with LocalState attention / a BLSTM.
    pub dconv: bool,
    pub dconv_attn: bool,
    pub dconv_lstm: bool,
    pub dconv_depth: i64,
    pub dconv_comp: f64,
    /// Only the first convolution (a time layer that feeds the merge).
    pub empty: bool,
    /// Context of the rewrite convolution.
    pub context: usize,
}

impl LayerSpec {
    fn padding(&self) -> usize {
        if self.pad {
            self.kernel_size / 4
        } else {
            0
        }
    }

    fn norm(&self, channels: usize, vb: VarBuilder) -> Result<Option<GroupNorm>> {
        Ok(if self.norm {
            Some(GroupNorm::new(
                self.norm_groups,
                channels,
                NORM_EPS,
                true,
                vb,
            )?)
        } else {
            None
        })
    }

    fn dconv(&self, channels: usize, vb: VarBuilder) -> Result<Option<DConv>> {
        Ok(if self.dconv {
            Some(DConv::new(
                channels,
                self.dconv_comp,
                self.dconv_depth,
                self.dconv_attn,
                self.dconv_lstm,
                vb,
            )?)
        } else {
            None
        })
    }
}

/// A `(K, 1)` 2-D convolution's tensors as a 1-D one's: `weight` of
/// shape `(a, b, K, 1)` with its last axis dropped, and `bias` `(n)`, in a
/// builder of their own.
fn squeezed<'a>(
    vb: &VarBuilder<'a>,
    shape: (usize, usize, usize),
    n: usize,
) -> Result<VarBuilder<'a>> {
    let weight = vb
        .get((shape.0, shape.1, shape.2, 1), "weight")?
        .squeeze(3)?;
    let bias = vb.get(n, "bias")?;
    let mut map = HashMap::new();
    map.insert("weight".to_string(), weight);
    map.insert("bias".to_string(), bias);
    Ok(VarBuilder::from_tensors(map, DType::F32, vb.device()))
}

/// `(b, c, f, t)` → `(b·t, c, f)`, for a 1-D layer along frequencies: per
/// batch item, the `(c·f) × t` matrix transposed.
fn freq_rows(x: &Tensor) -> Result<Tensor> {
    let (b, c, f, t) = x.dims4()?;
    Ok(audio_nn::transpose_last_two(&x.reshape((b, c * f, t))?)?.reshape((b * t, c, f))?)
}

/// The inverse of [`freq_rows`] for `t` frames.
fn from_freq_rows(y: &Tensor, b: usize, t: usize) -> Result<Tensor> {
    let (_, c, f) = y.dims3()?;
    Ok(audio_nn::transpose_last_two(&y.reshape((b, t, c * f))?)?.reshape((b, c, f, t))?)
}

/// `(b, c, f, t)` → `(b·f, c, t)`: every frequency row as a sequence, as
/// the DConv branch sees a frequency layer's output.
fn dconv_freq(dconv: &DConv, y: &Tensor) -> Result<Tensor> {
    let (b, c, f, t) = y.dims4()?;
    let rows = y
        .permute((0, 2, 1, 3))?
        .contiguous()?
        .reshape((b * f, c, t))?;
    let out = dconv.forward(&rows)?;
    Ok(out
        .reshape((b, f, c, t))?
        .permute((0, 2, 1, 3))?
        .contiguous()?)
}

/// The rewrite convolution: a `(1+2c)²` 2-D convolution on frequency
/// layers, a `1+2c` 1-D one on time layers.
#[derive(Debug, Clone)]
enum Rewrite {
    Freq(Conv2d),
    Time(Conv1d),
}

impl Rewrite {
    fn new(spec: &LayerSpec, chin: usize, chout: usize, vb: VarBuilder) -> Result<Self> {
        let k = 1 + 2 * spec.context;
        Ok(if spec.freq {
            Rewrite::Freq(Conv2d::new(
                chin,
                chout,
                (k, k),
                Conv2dConfig {
                    stride: (1, 1),
                    padding: (spec.context, spec.context),
                    bias: true,
                },
                vb,
            )?)
        } else {
            Rewrite::Time(Conv1d::new(
                chin,
                chout,
                k,
                Conv1dConfig {
                    padding: Padding::Explicit(spec.context),
                    ..Conv1dConfig::default()
                },
                vb,
            )?)
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Rewrite::Freq(c) => c.forward(x)?,
            Rewrite::Time(c) => c.forward(x)?,
        })
    }
}

fn apply_norm(norm: &Option<GroupNorm>, x: Tensor) -> Result<Tensor> {
    Ok(match norm {
        Some(n) => n.apply(&x)?,
        None => x,
    })
}

/// `gelu(norm(x))`, fused where there is a norm.
fn norm_gelu(norm: &Option<GroupNorm>, x: &Tensor) -> Result<Tensor> {
    Ok(match norm {
        Some(n) => n.apply_gelu(x)?,
        None => audio_nn::gelu_erf(x)?,
    })
}

/// `glu(norm(x), 1)`, fused where there is a norm.
fn norm_glu(norm: &Option<GroupNorm>, x: &Tensor) -> Result<Tensor> {
    Ok(match norm {
        Some(n) => n.apply_glu(x)?,
        None => audio_nn::glu(x, 1)?,
    })
}

/// `HEncLayer`: `conv → [+ inject] → norm1 → GELU → [DConv] → rewrite →
/// norm2 → GLU`; an `empty` layer is its convolution alone.
#[derive(Debug, Clone)]
pub(crate) struct HEncLayer {
    spec: LayerSpec,
    conv: Conv1d,
    norm1: Option<GroupNorm>,
    dconv: Option<DConv>,
    rewrite: Option<(Rewrite, Option<GroupNorm>)>,
}

impl HEncLayer {
    pub(crate) fn new(spec: LayerSpec, chin: usize, chout: usize, vb: VarBuilder) -> Result<Self> {
        let config = Conv1dConfig {
            stride: spec.stride,
            padding: Padding::Explicit(spec.padding()),
            ..Conv1dConfig::default()
        };
        let conv = if spec.freq {
            let w = squeezed(&vb.pp("conv"), (chout, chin, spec.kernel_size), chout)?;
            Conv1d::new(chin, chout, spec.kernel_size, config, w)?
        } else {
            Conv1d::new(chin, chout, spec.kernel_size, config, vb.pp("conv"))?
        };
        if spec.empty {
            return Ok(Self {
                spec,
                conv,
                norm1: None,
                dconv: None,
                rewrite: None,
            });
        }
        let norm1 = spec.norm(chout, vb.pp("norm1"))?;
        let rewrite = if spec.rewrite {
            Some((
                Rewrite::new(&spec, chout, 2 * chout, vb.pp("rewrite"))?,
                spec.norm(2 * chout, vb.pp("norm2"))?,
            ))
        } else {
            None
        };
        let dconv = spec.dconv(chout, vb.pp("dconv"))?;
        Ok(Self {
            spec,
            conv,
            norm1,
            dconv,
            rewrite,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.spec.empty
    }

    pub(crate) fn forward(&self, x: &Tensor, inject: Option<&Tensor>) -> Result<Tensor> {
        let y = if self.spec.freq {
            let (b, _, _, t) = x.dims4()?;
            from_freq_rows(&self.conv.forward(&freq_rows(x)?)?, b, t)?
        } else {
            let x = if x.rank() == 4 {
                let (b, c, f, t) = x.dims4()?;
                x.reshape((b, c * f, t))?
            } else {
                x.clone()
            };
            let le = x.dim(2)?;
            let stride = self.spec.stride;
            let x = if le % stride != 0 {
                x.pad_with_zeros(2, 0, stride - le % stride)?
            } else {
                x
            };
            self.conv.forward(&x)?
        };
        if self.spec.empty {
            return Ok(y);
        }
        let y = match inject {
            Some(inj) if inj.rank() == 3 && y.rank() == 4 => y.broadcast_add(&inj.unsqueeze(2)?)?,
            Some(inj) => y.add(inj)?,
            None => y,
        };
        let mut y = norm_gelu(&self.norm1, &y)?;
        if let Some(d) = &self.dconv {
            y = if self.spec.freq {
                dconv_freq(d, &y)?
            } else {
                d.forward(&y)?
            };
        }
        Ok(match &self.rewrite {
            Some((conv, norm)) => norm_glu(norm, &conv.forward(&y)?)?,
            None => y,
        })
    }
}

/// `HDecLayer`: `x + skip → rewrite → norm1 → GLU → [DConv] → conv_tr →
/// norm2 → crop → [GELU]`; it also returns its input to `conv_tr`, which
/// feeds the time branch where the branches split.
#[derive(Debug, Clone)]
pub(crate) struct HDecLayer {
    spec: LayerSpec,
    last: bool,
    chin: usize,
    rewrite: Option<(Rewrite, Option<GroupNorm>)>,
    dconv: Option<DConv>,
    conv_tr: ConvTranspose1d,
    norm2: Option<GroupNorm>,
}

impl HDecLayer {
    pub(crate) fn new(
        spec: LayerSpec,
        chin: usize,
        chout: usize,
        last: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let config = ConvTranspose1dConfig {
            stride: spec.stride,
            ..ConvTranspose1dConfig::default()
        };
        let conv_tr = if spec.freq {
            let w = squeezed(&vb.pp("conv_tr"), (chin, chout, spec.kernel_size), chout)?;
            ConvTranspose1d::new(chin, chout, spec.kernel_size, config, w)?
        } else {
            ConvTranspose1d::new(chin, chout, spec.kernel_size, config, vb.pp("conv_tr"))?
        };
        let norm2 = spec.norm(chout, vb.pp("norm2"))?;
        let (rewrite, dconv) = if spec.empty {
            (None, None)
        } else {
            let rewrite = if spec.rewrite {
                Some((
                    Rewrite::new(&spec, chin, 2 * chin, vb.pp("rewrite"))?,
                    spec.norm(2 * chin, vb.pp("norm1"))?,
                ))
            } else {
                None
            };
            (rewrite, spec.dconv(chin, vb.pp("dconv"))?)
        };
        Ok(Self {
            spec,
            last,
            chin,
            rewrite,
            dconv,
            conv_tr,
            norm2,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.spec.empty
    }

    /// `(z, y)`: the output and the input of the transposed convolution.
    pub(crate) fn forward(
        &self,
        x: &Tensor,
        skip: Option<&Tensor>,
        length: usize,
    ) -> Result<(Tensor, Tensor)> {
        let x = if self.spec.freq && x.rank() == 3 {
            let (b, _, t) = x.dims3()?;
            x.reshape((b, self.chin, (), t))?
        } else {
            x.clone()
        };
        let y = if self.spec.empty {
            x
        } else {
            let x = match skip {
                Some(s) => x.add(s)?,
                None => x,
            };
            let mut y = match &self.rewrite {
                Some((conv, norm)) => norm_glu(norm, &conv.forward(&x)?)?,
                None => x,
            };
            if let Some(d) = &self.dconv {
                y = if self.spec.freq {
                    dconv_freq(d, &y)?
                } else {
                    d.forward(&y)?
                };
            }
            y
        };
        let pad = self.spec.padding();
        // `norm2`, then GELU unless last (element-wise, so before the crop).
        let finish = |z: Tensor| -> Result<Tensor> {
            if self.last {
                apply_norm(&self.norm2, z)
            } else {
                norm_gelu(&self.norm2, &z)
            }
        };
        let z = if self.spec.freq {
            let (b, _, _, t) = y.dims4()?;
            let z = finish(from_freq_rows(
                &self.conv_tr.forward(&freq_rows(&y)?)?,
                b,
                t,
            )?)?;
            if pad > 0 {
                let f = z.dim(2)?;
                z.narrow(2, pad, f - 2 * pad)?
            } else {
                z
            }
        } else {
            finish(self.conv_tr.forward(&y)?)?.narrow(2, pad, length)?
        };
        Ok((z, y))
    }
}
