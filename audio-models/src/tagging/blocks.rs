//! The building blocks of the tagging networks, as `sota-music-tagging-models`'
//! `training/modules.py` names them: `Conv_1d`, `ResSE_1d`, `Conv_2d` and
//! `Res_2d`, with the pass mode (eval or train with seeded dropout) and the
//! pooling helpers they share.

use audio_dsp::SeededRng;
use audio_nn::{
    BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, Linear, Padding,
};
use candle_core::{DType, Tensor, D};
use candle_nn::VarBuilder;

use super::fused_conv::FusedConv1d;
use crate::error::Result;

/// How a network runs: inference (eval-mode BatchNorm, no dropout) or
/// training (batch statistics, running statistics updated, dropout drawn
/// from the given generator, so a seed fixes every mask).
#[derive(Debug)]
pub enum Pass<'a> {
    /// Inference.
    Eval,
    /// Training, with the generator that draws the dropout masks.
    Train(&'a mut SeededRng),
}

impl Pass<'_> {
    /// Whether this is a training pass.
    pub fn is_train(&self) -> bool {
        matches!(self, Pass::Train(_))
    }

    /// Inverted dropout (`torch.nn.Dropout(p)`): in training each element is
    /// zeroed with probability `p` and the rest scaled by `1 / (1 - p)`; the
    /// identity in eval mode.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn dropout(&mut self, x: &Tensor, p: f64) -> Result<Tensor> {
        match self {
            Pass::Eval => Ok(x.clone()),
            Pass::Train(rng) => {
                let keep = 1.0 - p;
                #[allow(clippy::cast_possible_truncation, reason = "a scale near 1, in f32")]
                let scale = (1.0 / keep) as f32;
                let mask: Vec<f32> = (0..x.elem_count())
                    .map(|_| if rng.uniform() < keep { scale } else { 0.0 })
                    .collect();
                let mask = Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?;
                Ok(x.mul(&mask)?)
            }
        }
    }
}

/// BatchNorm in the pass's mode.
pub(crate) fn batch_norm(bn: &BatchNorm, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
    Ok(bn.apply_t(x, pass.is_train())?)
}

/// `torch.nn.MaxPool1d(k)` (stride `k`, the remainder dropped) on `(batch,
/// channels, time)`; the identity for `k == 1`. A reshape to `(…, time / k,
/// k)` and a max over the last axis, whose gradient (a mask of the maxima)
/// is much cheaper than candle's general `max_pool2d` backward.
pub(crate) fn max_pool1d(x: &Tensor, k: usize) -> Result<Tensor> {
    if k == 1 {
        return Ok(x.clone());
    }
    let (b, c, t) = x.dims3()?;
    let n = t / k;
    Ok(x.narrow(2, 0, n * k)?
        .reshape((b, c, n, k))?
        .max(D::Minus1)?)
}

/// `torch.nn.MaxPool2d(pooling)` (stride = kernel, remainders dropped) on
/// `(batch, channels, H, W)`, by reshaping and two maxima (see
/// [`max_pool1d`]).
pub(crate) fn max_pool2d(x: &Tensor, pooling: (usize, usize)) -> Result<Tensor> {
    let (b, c, h, w) = x.dims4()?;
    let (kh, kw) = pooling;
    let (nh, nw) = (h / kh, w / kw);
    let x = x.narrow(2, 0, nh * kh)?.narrow(3, 0, nw * kw)?;
    Ok(x.reshape((b, c, nh, kh, nw, kw))?.max(D::Minus1)?.max(3)?)
}

/// A BatchNorm registered under its key prefix, for checkpoints of the
/// running statistics.
pub(crate) type NamedBatchNorm<'a> = (String, &'a BatchNorm);

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// `Conv_1d`: `conv → BatchNorm → ReLU → MaxPool1d(pooling)`, with
/// `padding = kernel / 2`. Keys `conv.*`, `bn.*`.
#[derive(Debug, Clone)]
pub struct ConvBlock1d {
    conv: Conv1d,
    bn: BatchNorm,
    pooling: usize,
}

impl ConvBlock1d {
    /// Loads or initialises the block.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s weight errors naming the key.
    pub fn new(
        cin: usize,
        cout: usize,
        kernel: usize,
        stride: usize,
        pooling: usize,
        vb: VarBuilder,
    ) -> Result<Self> {
        let cfg = Conv1dConfig {
            stride,
            padding: Padding::Explicit(kernel / 2),
            ..Conv1dConfig::default()
        };
        Ok(Self {
            conv: Conv1d::new(cin, cout, kernel, cfg, vb.pp("conv"))?,
            bn: BatchNorm::new_1d(cout, BatchNormConfig::default(), vb.pp("bn"))?,
            pooling,
        })
    }

    /// The block's output.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s shape errors.
    pub fn forward(&self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let y = batch_norm(&self.bn, &self.conv.apply(x)?, pass)?.relu()?;
        max_pool1d(&y, self.pooling)
    }

    /// The convolution (its `weight` is the first layer's filters).
    pub fn conv(&self) -> &Conv1d {
        &self.conv
    }

    /// The block's eval-mode parameters with BatchNorm folded, for the
    /// fused inference kernel.
    pub(crate) fn fused(&self) -> Result<FusedConv1d> {
        let (scale, shift) = self.bn.eval_scale_shift()?;
        let scale: Vec<f32> = scale.to_dtype(DType::F32)?.to_vec1()?;
        let mut shift: Vec<f32> = shift.to_dtype(DType::F32)?.to_vec1()?;
        if let Some(b) = self.conv.bias() {
            let b: Vec<f32> = b.to_dtype(DType::F32)?.to_vec1()?;
            for ((sh, &s), &b) in shift.iter_mut().zip(&scale).zip(&b) {
                *sh += s * b;
            }
        }
        let w = self.conv.weight();
        let (cout, cin, kernel) = w.dims3()?;
        Ok(FusedConv1d {
            weight: w.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?,
            scale,
            shift,
            cin,
            cout,
            kernel,
            stride: self.conv.config().stride,
            pool: self.pooling,
        })
    }

    pub(crate) fn batch_norms<'a>(&'a self, prefix: &str, out: &mut Vec<NamedBatchNorm<'a>>) {
        out.push((join(prefix, "bn"), &self.bn));
    }
}

/// `ResSE_1d` (Kim et al. 2018, ReSE-2 without amplification):
/// `out = BN₂(conv₂(ReLU(BN₁(conv₁(x)))))`, squeeze-excitation
/// `s = σ(W₂ ReLU(W₁ mean_t(out)))` (`dense1`, `dense2`, `C → C`),
/// `out ⊙ s` plus the residual (`BN₃(conv₃(x))` when the stride or width
/// changes, else `x`), then `ReLU` and `MaxPool1d(pooling)`.
#[derive(Debug, Clone)]
pub struct ResSeBlock1d {
    conv_1: Conv1d,
    bn_1: BatchNorm,
    conv_2: Conv1d,
    bn_2: BatchNorm,
    dense1: Linear,
    dense2: Linear,
    shortcut: Option<(Conv1d, BatchNorm)>,
    pooling: usize,
}

impl ResSeBlock1d {
    /// Loads or initialises the block; keys `conv_1`, `bn_1`, `conv_2`,
    /// `bn_2`, `dense1`, `dense2` and, with a projection, `conv_3`, `bn_3`.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s weight errors naming the key.
    pub fn new(
        cin: usize,
        cout: usize,
        kernel: usize,
        stride: usize,
        pooling: usize,
        vb: VarBuilder,
    ) -> Result<Self> {
        let pad = Padding::Explicit(kernel / 2);
        let strided = Conv1dConfig {
            stride,
            padding: pad,
            ..Conv1dConfig::default()
        };
        let plain = Conv1dConfig {
            padding: pad,
            ..Conv1dConfig::default()
        };
        let bn = BatchNormConfig::default();
        let shortcut = if stride != 1 || cin != cout {
            Some((
                Conv1d::new(cin, cout, kernel, strided, vb.pp("conv_3"))?,
                BatchNorm::new_1d(cout, bn, vb.pp("bn_3"))?,
            ))
        } else {
            None
        };
        Ok(Self {
            conv_1: Conv1d::new(cin, cout, kernel, strided, vb.pp("conv_1"))?,
            bn_1: BatchNorm::new_1d(cout, bn, vb.pp("bn_1"))?,
            conv_2: Conv1d::new(cout, cout, kernel, plain, vb.pp("conv_2"))?,
            bn_2: BatchNorm::new_1d(cout, bn, vb.pp("bn_2"))?,
            dense1: Linear::new(cout, cout, true, vb.pp("dense1"))?,
            dense2: Linear::new(cout, cout, true, vb.pp("dense2"))?,
            shortcut,
            pooling,
        })
    }

    /// The block's output and its excitation `s` `(batch, C)`.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s shape errors.
    pub fn forward_with_excitation(&self, x: &Tensor, pass: &Pass<'_>) -> Result<(Tensor, Tensor)> {
        let h = batch_norm(&self.bn_1, &self.conv_1.apply(x)?, pass)?.relu()?;
        let out = batch_norm(&self.bn_2, &self.conv_2.apply(&h)?, pass)?;
        let s = out.mean(D::Minus1)?;
        let s = self.dense1.apply(&s)?.relu()?;
        let s = candle_nn::ops::sigmoid(&self.dense2.apply(&s)?)?;
        let out = out.broadcast_mul(&s.unsqueeze(2)?)?;
        let residual = match &self.shortcut {
            Some((conv, bn)) => batch_norm(bn, &conv.apply(x)?, pass)?,
            None => x.clone(),
        };
        let y = max_pool1d(&(out + residual)?.relu()?, self.pooling)?;
        Ok((y, s))
    }

    /// The first convolution (`conv_1`).
    pub fn conv(&self) -> &Conv1d {
        &self.conv_1
    }

    pub(crate) fn batch_norms<'a>(&'a self, prefix: &str, out: &mut Vec<NamedBatchNorm<'a>>) {
        out.push((join(prefix, "bn_1"), &self.bn_1));
        out.push((join(prefix, "bn_2"), &self.bn_2));
        if let Some((_, bn)) = &self.shortcut {
            out.push((join(prefix, "bn_3"), bn));
        }
    }
}

/// `Conv_2d`: `conv3x3 (padding 1) → BatchNorm2d → ReLU → MaxPool2d(pooling)`.
/// Keys `conv.*`, `bn.*`.
#[derive(Debug, Clone)]
pub struct ConvBlock2d {
    conv: Conv2d,
    bn: BatchNorm,
    pooling: (usize, usize),
}

impl ConvBlock2d {
    /// Loads or initialises the block.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s weight errors naming the key.
    pub fn new(cin: usize, cout: usize, pooling: (usize, usize), vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig {
            padding: (1, 1),
            ..Conv2dConfig::default()
        };
        Ok(Self {
            conv: Conv2d::new(cin, cout, (3, 3), cfg, vb.pp("conv"))?,
            bn: BatchNorm::new_2d(cout, BatchNormConfig::default(), vb.pp("bn"))?,
            pooling,
        })
    }

    /// The block's output.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s shape errors.
    pub fn forward(&self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let y = batch_norm(&self.bn, &self.conv.apply(x)?, pass)?.relu()?;
        max_pool2d(&y, self.pooling)
    }

    pub(crate) fn batch_norms<'a>(&'a self, prefix: &str, out: &mut Vec<NamedBatchNorm<'a>>) {
        out.push((join(prefix, "bn"), &self.bn));
    }
}

/// `Res_2d`: `BN₂(conv₂(ReLU(BN₁(conv₁(x)))))` (3×3, `conv_1` strided)
/// plus the residual (`BN₃(conv₃(x))` when the stride or width changes),
/// then ReLU.
#[derive(Debug, Clone)]
pub struct ResBlock2d {
    conv_1: Conv2d,
    bn_1: BatchNorm,
    conv_2: Conv2d,
    bn_2: BatchNorm,
    shortcut: Option<(Conv2d, BatchNorm)>,
}

impl ResBlock2d {
    /// Loads or initialises the block; keys `conv_1`, `bn_1`, `conv_2`,
    /// `bn_2` and, with a projection, `conv_3`, `bn_3`.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s weight errors naming the key.
    pub fn new(cin: usize, cout: usize, stride: usize, vb: VarBuilder) -> Result<Self> {
        let strided = Conv2dConfig {
            stride: (stride, stride),
            padding: (1, 1),
            ..Conv2dConfig::default()
        };
        let plain = Conv2dConfig {
            padding: (1, 1),
            ..Conv2dConfig::default()
        };
        let bn = BatchNormConfig::default();
        let shortcut = if stride != 1 || cin != cout {
            Some((
                Conv2d::new(cin, cout, (3, 3), strided, vb.pp("conv_3"))?,
                BatchNorm::new_2d(cout, bn, vb.pp("bn_3"))?,
            ))
        } else {
            None
        };
        Ok(Self {
            conv_1: Conv2d::new(cin, cout, (3, 3), strided, vb.pp("conv_1"))?,
            bn_1: BatchNorm::new_2d(cout, bn, vb.pp("bn_1"))?,
            conv_2: Conv2d::new(cout, cout, (3, 3), plain, vb.pp("conv_2"))?,
            bn_2: BatchNorm::new_2d(cout, bn, vb.pp("bn_2"))?,
            shortcut,
        })
    }

    /// The block's output.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s shape errors.
    pub fn forward(&self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let h = batch_norm(&self.bn_1, &self.conv_1.apply(x)?, pass)?.relu()?;
        let out = batch_norm(&self.bn_2, &self.conv_2.apply(&h)?, pass)?;
        let residual = match &self.shortcut {
            Some((conv, bn)) => batch_norm(bn, &conv.apply(x)?, pass)?,
            None => x.clone(),
        };
        Ok((out + residual)?.relu()?)
    }

    pub(crate) fn batch_norms<'a>(&'a self, prefix: &str, out: &mut Vec<NamedBatchNorm<'a>>) {
        out.push((join(prefix, "bn_1"), &self.bn_1));
        out.push((join(prefix, "bn_2"), &self.bn_2));
        if let Some((_, bn)) = &self.shortcut {
            out.push((join(prefix, "bn_3"), bn));
        }
    }
}
