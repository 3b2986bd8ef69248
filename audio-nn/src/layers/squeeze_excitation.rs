//! Squeeze-and-excitation over time (SampleCNN's ReSE block).

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::layers::linear::Linear;
use crate::Result;

const LAYER: &str = "SqueezeExcitation";

/// Squeeze-and-excitation (Hu et al. 2018; Kim et al. 2018, SampleCNN "SE"):
/// `s = σ(W₂ relu(W₁ mean_t(x) + b₁) + b₂)`, `y = x ⊙ s` per channel.
///
/// Weights: `fc1.weight` `(C·ratio, C)`, `fc1.bias`, `fc2.weight` `(C, C·ratio)`, `fc2.bias`.
///
/// # Shapes
///
/// `(batch, C, time)` → same.
///
/// ```
/// use audio_nn::SqueezeExcitation;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let se = SqueezeExcitation::new(16, 16, vb)?;
/// assert_eq!(se.forward(&Tensor::ones((1, 16, 10), DType::F32, &Device::Cpu)?)?.dims(), &[1, 16, 10]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqueezeExcitation {
    fc1: Linear,
    fc2: Linear,
    channels: usize,
}

impl SqueezeExcitation {
    /// `channels` channels with `hidden` units between the two layers (SampleCNN's
    /// ReSE uses an amplifying ratio: `hidden = 16 · channels`).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`]; weight errors naming the key.
    pub fn new(channels: usize, hidden: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            fc1: Linear::new(channels, hidden, true, vb.pp("fc1"))?,
            fc2: Linear::new(hidden, channels, true, vb.pp("fc2"))?,
            channels,
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`], [`crate::Error::ChannelMismatch`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [_, c, _] = checks::dims::<3>(LAYER, "(batch, channels, time)", x)?;
        checks::channels(LAYER, self.channels, c)?;
        let s = x.mean(2)?;
        let s = self.fc1.apply(&s)?.relu()?;
        let s = candle_nn::ops::sigmoid(&self.fc2.apply(&s)?)?;
        Ok(x.broadcast_mul(&s.unsqueeze(2)?)?)
    }
}

impl Module for SqueezeExcitation {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
