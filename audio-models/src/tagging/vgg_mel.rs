//! Seed 000's VGG-style genre CNN on mel spectrograms.

use audio_nn::{Conv2d, Conv2dConfig, Linear};
use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::blocks::{max_pool2d, NamedBatchNorm, Pass};
use super::config::TaggerConfig;
use super::mel_front_end::MelFrontEnd;
use crate::error::{Error, Result};

/// Convolutions per stack.
const CONVS_PER_STACK: usize = 2;
/// Widths of the three hidden dense layers.
const DENSE: [usize; 3] = [256, 128, 64];

/// The VGG16-style CNN of seed 000 (Suo 2022, after Simonyan & Zisserman
/// 2015), sized for short clips: a normalised dB mel spectrogram
/// ([`MelFrontEnd`]), four stacks of two 3×3 convolutions (padding 1) with
/// ReLU, each stack followed by 2×2 max-pooling, at widths `c, 2c, 4c, 8c`;
/// the feature map flattened; three dense layers of 256, 128 and 64 units
/// with ReLU (dropout before each); and the output layer. The outputs are
/// logits (softmax for single-label genre classification, trained with
/// categorical cross-entropy and SGD as the seed does).
///
/// Keys: `spec_bn.*`, `stack{1..4}.conv{1,2}.*`, `dense{1,2,3}.*`, `out.*`.
///
/// # Shapes
///
/// `(batch, input_length)` → `(batch, n_class)`.
#[derive(Debug, Clone)]
pub struct VggMel {
    front: MelFrontEnd,
    stacks: Vec<Vec<Conv2d>>,
    dense: Vec<Linear>,
    out: Linear,
    dropout: f64,
}

impl VggMel {
    /// Builds the network of `config`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the spectrogram is smaller than
    /// 16×16 (four poolings); `audio-nn`'s weight errors naming the key.
    pub fn new(config: &TaggerConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let front = MelFrontEnd::new(config, vb.clone())?;
        let (rows, cols) = (config.n_mels / 16, front.frames() / 16);
        if rows == 0 || cols == 0 {
            return Err(Error::InvalidParameter {
                name: "n_mels",
                value: format!("{} bands x {} frames", config.n_mels, front.frames()),
                expected: "at least 16 bands and 16 frames (four 2x2 poolings)",
            });
        }
        let c = config.n_channels;
        let cfg = Conv2dConfig {
            padding: (1, 1),
            ..Conv2dConfig::default()
        };
        let mut stacks = Vec::with_capacity(4);
        let mut cin = 1;
        for s in 0..4 {
            let cout = c << s;
            let vb = vb.pp(format!("stack{}", s + 1));
            let mut convs = Vec::with_capacity(CONVS_PER_STACK);
            for j in 0..CONVS_PER_STACK {
                let a = if j == 0 { cin } else { cout };
                convs.push(Conv2d::new(
                    a,
                    cout,
                    (3, 3),
                    cfg,
                    vb.pp(format!("conv{}", j + 1)),
                )?);
            }
            stacks.push(convs);
            cin = cout;
        }
        let mut dense = Vec::with_capacity(DENSE.len());
        let mut width = cin * rows * cols;
        for (i, &units) in DENSE.iter().enumerate() {
            dense.push(Linear::new(
                width,
                units,
                true,
                vb.pp(format!("dense{}", i + 1)),
            )?);
            width = units;
        }
        Ok(Self {
            front,
            stacks,
            dense,
            out: Linear::new(width, config.n_class(), true, vb.pp("out"))?,
            dropout: config.dropout,
        })
    }

    /// The logits `(batch, n_class)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `x` is `(batch, input_length)`.
    pub fn forward(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        let mut h = self.front.forward(x, pass)?;
        for stack in &self.stacks {
            for conv in stack {
                h = conv.apply(&h)?.relu()?;
            }
            h = max_pool2d(&h, (2, 2))?;
        }
        let mut h = h.flatten_from(1)?;
        for layer in &self.dense {
            h = layer.apply(&pass.dropout(&h, self.dropout)?)?.relu()?;
        }
        Ok(self.out.apply(&h)?)
    }

    pub(crate) fn batch_norms(&self) -> Vec<NamedBatchNorm<'_>> {
        let mut out = Vec::new();
        self.front.batch_norms(&mut out);
        out
    }
}
