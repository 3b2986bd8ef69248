//! The family's stable streaming trait.

use candle_core::Tensor;

use crate::Result;

/// A layer that processes a signal block by block, keeping whatever state it
/// needs between blocks (input caches of causal convolutions, recurrent
/// states), so that the concatenation of the outputs of `step` over
/// consecutive blocks equals the offline output over the concatenated input.
///
/// The name is its own: candle's `candle_core::streaming::StreamingModule`
/// passes optional `StreamTensor`s and has a different reset, so this trait
/// does not implement or shadow it (both can be imported together).
///
/// This is the stable streaming interface of the audio-rs family: models in
/// `audio-models` and real-time hosts drive layers through it. Block sizes may
/// vary from call to call (down to one sample or frame); the time axis is the
/// layer's own (the last axis for `(batch, channels, time)` convolutions, the
/// sequence axis for recurrent layers).
///
/// ```
/// use audio_nn::{CausalConv1dStream, Conv1d, Conv1dConfig, Padding, StreamingLayer};
/// use candle_core::{DType, Device, Tensor};
/// use candle_nn::Module;
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let conv = Conv1d::new(2, 3, 3, Conv1dConfig { dilation: 2, padding: Padding::Causal, ..Default::default() }, vb)?;
/// let x = Tensor::rand(-1f32, 1f32, (1, 2, 10), &Device::Cpu)?;
/// let offline = conv.forward(&x)?;
/// let mut stream = CausalConv1dStream::new(conv)?;
/// let a = stream.step(&x.narrow(2, 0, 4)?)?;
/// let b = stream.step(&x.narrow(2, 4, 6)?)?;
/// let online = Tensor::cat(&[a, b], 2)?;
/// assert!(online.sub(&offline)?.abs()?.max_all()?.to_scalar::<f32>()? < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub trait StreamingLayer {
    /// Processes the next block and returns the output for exactly the time
    /// steps of this block.
    ///
    /// # Errors
    ///
    /// Shape errors of the layer ([`crate::Error::InputRank`],
    /// [`crate::Error::ChannelMismatch`]) and candle errors.
    fn step(&mut self, x: &Tensor) -> Result<Tensor>;

    /// Forgets all state: the next `step` behaves as the start of a new signal.
    fn reset(&mut self);
}
