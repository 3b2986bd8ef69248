//! One type over every tagging network.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::blocks::{NamedBatchNorm, Pass};
use super::config::{Architecture, TaggerConfig};
use super::sample_cnn::SampleCnn;
use super::short_chunk_cnn::ShortChunkCnn;
use super::vgg_mel::VggMel;
use crate::error::Result;

/// A tagging network of any [`Architecture`], built from a
/// [`TaggerConfig`].
#[derive(Debug, Clone)]
pub enum TaggerNet {
    /// SampleCNN, SampleCNN+SE, SincNet-SampleCNN.
    SampleCnn(SampleCnn),
    /// The short-chunk CNNs.
    ShortChunkCnn(ShortChunkCnn),
    /// The VGG-style mel CNN.
    VggMel(VggMel),
}

impl TaggerNet {
    /// Builds the network `config` names.
    ///
    /// # Errors
    ///
    /// As the network's constructor.
    pub fn new(config: &TaggerConfig, vb: VarBuilder) -> Result<Self> {
        Ok(match config.architecture {
            Architecture::SampleCnn
            | Architecture::SampleCnnSe
            | Architecture::SincnetSampleCnn => Self::SampleCnn(SampleCnn::new(config, vb)?),
            Architecture::ShortChunkCnn | Architecture::ShortChunkCnnRes => {
                Self::ShortChunkCnn(ShortChunkCnn::new(config, vb)?)
            }
            Architecture::VggMel => Self::VggMel(VggMel::new(config, vb)?),
        })
    }

    /// The logits `(batch, n_class)` of segments `x` `(batch, input_length)`.
    ///
    /// # Errors
    ///
    /// The network's shape errors.
    pub fn forward(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        match self {
            Self::SampleCnn(n) => n.forward(x, pass),
            Self::ShortChunkCnn(n) => n.forward(x, pass),
            Self::VggMel(n) => n.forward(x, pass),
        }
    }

    /// Every BatchNorm with its key prefix (for the running statistics in
    /// checkpoints).
    pub(crate) fn batch_norms(&self) -> Vec<NamedBatchNorm<'_>> {
        match self {
            Self::SampleCnn(n) => n.batch_norms(),
            Self::ShortChunkCnn(n) => n.batch_norms(),
            Self::VggMel(n) => n.batch_norms(),
        }
    }

    /// The running statistics by variable name
    /// (`<prefix>.running_mean`, `<prefix>.running_var`).
    pub fn running_stats(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        for (name, bn) in self.batch_norms() {
            v.push((format!("{name}.running_mean"), bn.running_mean()));
            v.push((format!("{name}.running_var"), bn.running_var()));
        }
        v
    }

    /// Sets the running statistics from `lookup` (names as
    /// [`TaggerNet::running_stats`]).
    ///
    /// # Errors
    ///
    /// [`crate::Error::MissingKey`] for a statistic `lookup` lacks.
    pub fn set_running_stats(&self, lookup: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        for (name, bn) in self.batch_norms() {
            let get = |stat: &str| {
                let key = format!("{name}.{stat}");
                lookup(&key).ok_or(crate::Error::MissingKey {
                    key,
                    expected: Vec::new(),
                })
            };
            bn.set_running_stats(&get("running_mean")?, &get("running_var")?)?;
        }
        Ok(())
    }
}
