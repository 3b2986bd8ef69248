//! The short-chunk CNNs of Won et al. 2020, plain and residual.

use audio_nn::{BatchNorm, BatchNormConfig, Linear};
use candle_core::{Tensor, D};
use candle_nn::VarBuilder;

use super::blocks::{batch_norm, ConvBlock2d, NamedBatchNorm, Pass, ResBlock2d};
use super::config::{Architecture, TaggerConfig};
use super::mel_front_end::MelFrontEnd;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
enum Block {
    Conv(Box<ConvBlock2d>),
    Res(Box<ResBlock2d>),
}

/// `ShortChunkCNN` and `ShortChunkCNN_Res` of `sota-music-tagging-models`
/// (Won et al., "Evaluation of CNN-based automatic music tagging models",
/// SMC 2020): a dB mel spectrogram ([`MelFrontEnd`]), seven blocks that
/// halve both axes (`Conv_2d` with max-pooling by 2, or `Res_2d` with
/// stride 2) at widths `c, c, 2c, 2c, 2c, 2c, 4c`, a global max over the
/// remaining frames, then `dense1 → BatchNorm1d → ReLU → dropout → dense2`.
/// The outputs are logits.
///
/// Keys are the reference's: `spec_bn.*`, `layer{1..7}.{conv,bn}.*` or
/// `layer{i}.{conv_1,bn_1,conv_2,bn_2,conv_3,bn_3}.*`, `dense1.*`, `bn.*`,
/// `dense2.*`.
///
/// # Shapes
///
/// `(batch, input_length)` → `(batch, n_class)`.
#[derive(Debug, Clone)]
pub struct ShortChunkCnn {
    front: MelFrontEnd,
    layers: Vec<Block>,
    dense1: Linear,
    bn: BatchNorm,
    dense2: Linear,
    dropout: f64,
}

impl ShortChunkCnn {
    /// Builds the network of `config` (a short-chunk architecture).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the mel bands do not reduce to one
    /// row after seven halvings (the reference squeezes that axis: 128-255
    /// bands for the plain form, 65-128 for the residual one), or for
    /// another architecture; `audio-nn`'s weight errors naming the key.
    pub fn new(config: &TaggerConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let residual = match config.architecture {
            Architecture::ShortChunkCnn => false,
            Architecture::ShortChunkCnnRes => true,
            other => {
                return Err(Error::InvalidParameter {
                    name: "architecture",
                    value: other.name().to_string(),
                    expected: "a short-chunk CNN",
                })
            }
        };
        // Seven halvings: floor for pooling, ceil for a stride-2 convolution.
        let rows = (0..7).fold(
            config.n_mels,
            |h, _| if residual { h.div_ceil(2) } else { h / 2 },
        );
        if rows != 1 {
            return Err(Error::InvalidParameter {
                name: "n_mels",
                value: config.n_mels.to_string(),
                expected: "bands that seven halvings reduce to one row (128 in the reference)",
            });
        }
        let c = config.n_channels;
        let widths = [
            (1, c),
            (c, c),
            (c, 2 * c),
            (2 * c, 2 * c),
            (2 * c, 2 * c),
            (2 * c, 2 * c),
            (2 * c, 4 * c),
        ];
        let mut layers = Vec::with_capacity(widths.len());
        for (i, &(a, b)) in widths.iter().enumerate() {
            let vb = vb.pp(format!("layer{}", i + 1));
            layers.push(if residual {
                Block::Res(Box::new(ResBlock2d::new(a, b, 2, vb)?))
            } else {
                Block::Conv(Box::new(ConvBlock2d::new(a, b, (2, 2), vb)?))
            });
        }
        let front = MelFrontEnd::new(config, vb.clone())?;
        let frames = (0..7).fold(
            front.frames(),
            |w, _| if residual { w.div_ceil(2) } else { w / 2 },
        );
        if frames == 0 {
            return Err(Error::InvalidParameter {
                name: "input_length",
                value: config.input_length.to_string(),
                expected: "at least 128 frames of input for seven halvings",
            });
        }
        Ok(Self {
            front,
            layers,
            dense1: Linear::new(4 * c, 4 * c, true, vb.pp("dense1"))?,
            bn: BatchNorm::new_1d(4 * c, BatchNormConfig::default(), vb.pp("bn"))?,
            dense2: Linear::new(4 * c, config.n_class(), true, vb.pp("dense2"))?,
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
        for layer in &self.layers {
            h = match layer {
                Block::Conv(b) => b.forward(&h, pass)?,
                Block::Res(b) => b.forward(&h, pass)?,
            };
        }
        // (batch, 4c, 1, frames) → global max over the frames.
        let h = h.squeeze(2)?.max(D::Minus1)?;
        let h = batch_norm(&self.bn, &self.dense1.apply(&h)?, pass)?.relu()?;
        Ok(self.dense2.apply(&pass.dropout(&h, self.dropout)?)?)
    }

    pub(crate) fn batch_norms(&self) -> Vec<NamedBatchNorm<'_>> {
        let mut out = Vec::new();
        self.front.batch_norms(&mut out);
        for (i, layer) in self.layers.iter().enumerate() {
            let prefix = format!("layer{}", i + 1);
            match layer {
                Block::Conv(b) => b.batch_norms(&prefix, &mut out),
                Block::Res(b) => b.batch_norms(&prefix, &mut out),
            }
        }
        out.push(("bn".to_string(), &self.bn));
        out
    }
}
