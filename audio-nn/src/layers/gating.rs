//! Gated activations: GLU and WaveNet's `tanh ⊙ σ`.

use candle_core::Tensor;

use crate::kernels::{fast_math, with_cpu_f32, Isa};
use crate::{Error, Result};

fn halves(layer: &'static str, x: &Tensor, dim: usize) -> Result<(Tensor, Tensor)> {
    let d = x.dims();
    if dim >= d.len() || !d[dim].is_multiple_of(2) {
        return Err(Error::ShapeMismatch {
            layer,
            expected: format!("an even size on axis {dim}"),
            got: d.to_vec(),
        });
    }
    let h = d[dim] / 2;
    Ok((x.narrow(dim, 0, h)?, x.narrow(dim, h, h)?))
}

/// Gated linear unit, `torch.nn.functional.glu(x, dim)`: split `x` in halves
/// `a, b` along `dim` and return `a ⊙ σ(b)`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the axis is missing or of odd size.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[2f32, 0.]], &Device::Cpu)?;
/// let y = audio_nn::glu(&x, 1)?;
/// assert_eq!(y.to_vec2::<f32>()?, vec![vec![1.0]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn glu(x: &Tensor, dim: usize) -> Result<Tensor> {
    let (a, b) = halves("glu", x, dim)?;
    if !x.track_op() {
        // One pass over `x` on the CPU in float32: each block of the
        // axis's two halves (times the trailing axes) gives one output block.
        let d = x.dims();
        let half = d[dim] / 2 * d[dim + 1..].iter().product::<usize>();
        if let Some(y) = with_cpu_f32(x, |v| fast_math::glu_blocks(Isa::detect(), v, half))? {
            return Ok(Tensor::from_vec(y, a.shape(), x.device())?);
        }
    }
    Ok(a.mul(&super::softmax::sigmoid(&b)?)?)
}

/// WaveNet's gated activation: split `x` in halves `a, b` along `dim` and
/// return `tanh(a) ⊙ σ(b)` (van den Oord et al. 2016, eq. 2).
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the axis is missing or of odd size.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 5.]], &Device::Cpu)?;
/// assert_eq!(audio_nn::gated_tanh(&x, 1)?.to_vec2::<f32>()?, vec![vec![0.0]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn gated_tanh(x: &Tensor, dim: usize) -> Result<Tensor> {
    let (a, b) = halves("gated_tanh", x, dim)?;
    Ok(a.tanh()?.mul(&candle_nn::ops::sigmoid(&b)?)?)
}
