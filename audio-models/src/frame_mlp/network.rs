//! The frame-window MLP on candle.

use audio_nn::Linear;
use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::config::FrameMlpConfig;
use crate::tagging::Pass;
use crate::Result;

/// The network: `fc.{i}` (Linear, ReLU, dropout) for each hidden width,
/// then `out` (Linear to `pitches` logits). Weight names follow a PyTorch
/// `nn.Module` with `self.fc = nn.ModuleList([...])` and `self.out`.
///
/// # Shapes
///
/// `(batch, context × n_mels)` → `(batch, pitches)` logits (apply a sigmoid
/// for probabilities).
///
/// # Example
///
/// ```
/// use audio_models::frame_mlp::{FrameMlpConfig, FrameMlpNet};
/// use audio_nn::init::SeededVarMap;
/// use candle_core::{DType, Device, Tensor};
/// let config = FrameMlpConfig::kong();
/// let store = SeededVarMap::new(0);
/// let net = FrameMlpNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
/// let x = Tensor::zeros((4, config.input_size()), DType::F32, &Device::Cpu)?;
/// assert_eq!(net.forward(&x)?.dims(), &[4, 88]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameMlpNet {
    config: FrameMlpConfig,
    hidden: Vec<Linear>,
    out: Linear,
}

impl FrameMlpNet {
    /// Builds (or loads) the layers from `vb`.
    ///
    /// # Errors
    ///
    /// As [`FrameMlpConfig::validate`]; a missing or misshapen weight.
    pub fn new(config: FrameMlpConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let mut hidden = Vec::with_capacity(config.hidden.len());
        let mut width = config.input_size();
        for (i, &h) in config.hidden.iter().enumerate() {
            hidden.push(Linear::new(width, h, true, vb.pp(format!("fc.{i}")))?);
            width = h;
        }
        let out = Linear::new(width, config.pitches, true, vb.pp("out"))?;
        Ok(Self {
            config,
            hidden,
            out,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FrameMlpConfig {
        &self.config
    }

    /// Logits in inference mode (no dropout).
    ///
    /// # Errors
    ///
    /// A wrong input width; candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_t(x, &mut Pass::Eval)
    }

    /// Logits, with dropout when `pass` is a training pass.
    ///
    /// # Errors
    ///
    /// A wrong input width; candle errors.
    pub fn forward_t(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        let mut h = x.clone();
        for layer in &self.hidden {
            h = layer.apply(&h)?.relu()?;
            if self.config.dropout > 0.0 {
                h = pass.dropout(&h, self.config.dropout)?;
            }
        }
        Ok(self.out.apply(&h)?)
    }
}
