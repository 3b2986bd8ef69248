//! SampleCNN, SampleCNN+SE and SincNet-SampleCNN on raw waveforms.

use audio_nn::{BatchNorm, BatchNormConfig, Linear, SincConv, SincConvConfig};
use candle_core::{DType, Tensor, D};
use candle_nn::VarBuilder;
use rayon::prelude::*;

use super::blocks::{batch_norm, ConvBlock1d, NamedBatchNorm, Pass, ResSeBlock1d};
use super::config::{Architecture, TaggerConfig};
use super::fused_conv::FusedConv1d;
use crate::error::{Error, Result};

/// Kernel, stride and pooling of SampleCNN's eleven layers.
const LAYERS: [(usize, usize, usize); 11] = [
    (3, 3, 1),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (3, 1, 3),
    (1, 1, 1),
];

#[derive(Debug, Clone)]
enum Block {
    Conv(ConvBlock1d),
    ResSe(Box<ResSeBlock1d>),
    /// SincNet's first layer: band-pass filters (stride 3, "same" padding),
    /// BatchNorm, ReLU.
    Sinc(SincConv, BatchNorm),
}

#[derive(Debug, Clone)]
enum Head {
    /// `dropout → dense`.
    Plain(Linear),
    /// `dense1 → BatchNorm1d → ReLU → dropout → dense2` (SampleCNN+SE).
    Se(Linear, BatchNorm, Linear),
}

/// SampleCNN (Lee et al. 2017) as `sota-music-tagging-models`'
/// `SampleCNN`, its squeeze-excitation form `SampleCNNSE` (Kim et al.
/// 2018), and a SincNet variant whose first layer is a bank of learned
/// band-pass sinc filters.
///
/// Eleven layers: layer 1 is a stride-3 convolution (kernel 3), layers
/// 2-10 are kernel-3 convolutions each followed by max-pooling by 3, layer
/// 11 a kernel-1 convolution, so a `3^10 = 59049`-sample segment becomes
/// one frame of `widths[10]` features. Each layer is `Conv_1d` (conv,
/// BatchNorm, ReLU, pool) or, in the SE form, `ResSE_1d` (two convolutions,
/// squeeze-excitation, residual). The head is `dropout → dense` or, in the
/// SE form, `dense1 → BatchNorm → ReLU → dropout → dense2`. The outputs are
/// logits (the reference applies the sigmoid inside `forward`).
///
/// Keys are the reference's: `layer{1..11}.{conv,bn}.*` or
/// `layer{i}.{conv_1,bn_1,conv_2,bn_2,dense1,dense2,conv_3,bn_3}.*`, and
/// `dense.*` or `dense1.*`, `bn.*`, `dense2.*`. The SincNet layer is
/// `layer1.sinc.{low_hz_,band_hz_}` and `layer1.bn.*`.
///
/// # Shapes
///
/// `(batch, input_length)` → `(batch, n_class)`.
#[derive(Debug, Clone)]
pub struct SampleCnn {
    layers: Vec<Block>,
    head: Head,
    input_length: usize,
    dropout: f64,
}

/// The input length SampleCNN reduces to one frame: `3 · 3^9 = 59049`.
fn sample_cnn_input() -> usize {
    LAYERS.iter().map(|(_, s, p)| s * p).product()
}

impl SampleCnn {
    /// Builds the network of `config` (a SampleCNN architecture) from `vb`.
    ///
    /// For [`Architecture::SincnetSampleCnn`] trained from scratch, create
    /// the sinc filters' initial cut-offs first with
    /// [`SincConv::init_varmap`] under `layer1.sinc`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a configuration this network cannot
    /// take (input length other than 59049, not a SampleCNN architecture);
    /// `audio-nn`'s weight errors naming the key.
    pub fn new(config: &TaggerConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        if !config.architecture.is_waveform() {
            return Err(Error::InvalidParameter {
                name: "architecture",
                value: config.architecture.name().to_string(),
                expected: "a SampleCNN architecture",
            });
        }
        if config.input_length != sample_cnn_input() {
            return Err(Error::InvalidParameter {
                name: "input_length",
                value: config.input_length.to_string(),
                expected: "59049 samples (3^10)",
            });
        }
        let w = &config.widths;
        let se = config.architecture == Architecture::SampleCnnSe;
        let mut layers = Vec::with_capacity(LAYERS.len());
        for (i, &(k, s, p)) in LAYERS.iter().enumerate() {
            let cin = if i == 0 { 1 } else { w[i - 1] };
            let vb = vb.pp(format!("layer{}", i + 1));
            let block = if i == 0 && config.architecture == Architecture::SincnetSampleCnn {
                Block::Sinc(
                    SincConv::new(Self::sinc_config(config), vb.pp("sinc"))?,
                    BatchNorm::new_1d(w[0], BatchNormConfig::default(), vb.pp("bn"))?,
                )
            } else if se {
                Block::ResSe(Box::new(ResSeBlock1d::new(cin, w[i], k, s, p, vb)?))
            } else {
                Block::Conv(ConvBlock1d::new(cin, w[i], k, s, p, vb)?)
            };
            layers.push(block);
        }
        let features = w[10];
        let n = config.n_class();
        let head = if se {
            Head::Se(
                Linear::new(features, features, true, vb.pp("dense1"))?,
                BatchNorm::new_1d(features, BatchNormConfig::default(), vb.pp("bn"))?,
                Linear::new(features, n, true, vb.pp("dense2"))?,
            )
        } else {
            Head::Plain(Linear::new(features, n, true, vb.pp("dense"))?)
        };
        Ok(Self {
            layers,
            head,
            input_length: config.input_length,
            dropout: config.dropout,
        })
    }

    /// The SincNet filter configuration of `config`'s first layer (for
    /// [`SincConv::init_varmap`] before training from scratch).
    pub fn sinc_config(config: &TaggerConfig) -> SincConvConfig {
        let mut sinc = SincConvConfig::new(
            config.widths.first().copied().unwrap_or(1),
            config.sinc_kernel,
            f64::from(config.sample_rate),
        );
        sinc.stride = LAYERS[0].1;
        sinc.padding = config.sinc_kernel / 2;
        sinc
    }

    fn check(&self, x: &Tensor) -> Result<()> {
        let dims = x.dims();
        if dims.len() != 2 || dims[1] != self.input_length {
            return Err(Error::ShapeMismatch {
                what: "SampleCNN input",
                expected: format!("(batch, {})", self.input_length),
                got: dims.to_vec(),
            });
        }
        Ok(())
    }

    /// The features before the head `(batch, widths[10])`, and each SE
    /// block's excitation `(batch, C)` (empty for the other forms).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `x` is `(batch, 59049)`.
    pub fn features(&self, x: &Tensor, pass: &Pass<'_>) -> Result<(Tensor, Vec<Tensor>)> {
        self.check(x)?;
        let all_conv = self.layers.iter().all(|l| matches!(l, Block::Conv(_)));
        if !pass.is_train() && all_conv && !x.track_op() && x.device().is_cpu() {
            return Ok((self.features_fused(x)?, Vec::new()));
        }
        let mut h = x.unsqueeze(1)?;
        let mut excitations = Vec::new();
        for layer in &self.layers {
            h = match layer {
                Block::Conv(b) => b.forward(&h, pass)?,
                Block::ResSe(b) => {
                    let (y, s) = b.forward_with_excitation(&h, pass)?;
                    excitations.push(s);
                    y
                }
                Block::Sinc(sinc, bn) => batch_norm(bn, &sinc.apply(&h)?, pass)?.relu()?,
            };
        }
        Ok((h.squeeze(D::Minus1)?, excitations))
    }

    /// Inference of the plain SampleCNN on the CPU: each segment through
    /// the fused kernels (convolution as strided GEMMs, folded BatchNorm,
    /// ReLU and pooling in one pass), segments in parallel on rayon's pool.
    fn features_fused(&self, x: &Tensor) -> Result<Tensor> {
        let kernels: Vec<FusedConv1d> = self
            .layers
            .iter()
            .filter_map(|l| match l {
                Block::Conv(b) => Some(b.fused()),
                _ => None,
            })
            .collect::<Result<_>>()?;
        let rows: Vec<Vec<f32>> = x.to_dtype(DType::F32)?.to_vec2()?;
        let outs: Vec<Vec<f32>> = rows
            .par_iter()
            .map(|row| {
                let mut h = row.clone();
                let mut t = row.len();
                for k in &kernels {
                    let next = k.output_len(t);
                    h = k.forward(&h, t);
                    t = next;
                }
                h
            })
            .collect();
        let width = outs.first().map_or(0, Vec::len);
        let flat: Vec<f32> = outs.into_iter().flatten().collect();
        Ok(Tensor::from_vec(flat, (rows.len(), width), x.device())?.to_dtype(x.dtype())?)
    }

    /// The logits `(batch, n_class)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `x` is `(batch, 59049)`.
    pub fn forward(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        let (h, _) = self.features(x, pass)?;
        match &self.head {
            Head::Plain(dense) => Ok(dense.apply(&pass.dropout(&h, self.dropout)?)?),
            Head::Se(dense1, bn, dense2) => {
                let h = batch_norm(bn, &dense1.apply(&h)?, pass)?.relu()?;
                Ok(dense2.apply(&pass.dropout(&h, self.dropout)?)?)
            }
        }
    }

    /// The first layer's filters `(C, 1, kernel)`: the convolution's weight,
    /// or the sinc band-passes.
    ///
    /// # Errors
    ///
    /// Candle errors computing the sinc filters.
    pub fn first_layer_filters(&self) -> Result<Tensor> {
        Ok(match self.layers.first() {
            Some(Block::Conv(b)) => b.conv().weight().clone(),
            Some(Block::ResSe(b)) => b.conv().weight().clone(),
            Some(Block::Sinc(sinc, _)) => sinc.filters()?,
            None => {
                return Err(Error::Empty {
                    what: "SampleCNN layers",
                })
            }
        })
    }

    pub(crate) fn batch_norms(&self) -> Vec<NamedBatchNorm<'_>> {
        let mut out = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let prefix = format!("layer{}", i + 1);
            match layer {
                Block::Conv(b) => b.batch_norms(&prefix, &mut out),
                Block::ResSe(b) => b.batch_norms(&prefix, &mut out),
                Block::Sinc(_, bn) => out.push((format!("{prefix}.bn"), bn)),
            }
        }
        if let Head::Se(_, bn, _) = &self.head {
            out.push(("bn".to_string(), bn));
        }
        out
    }
}
