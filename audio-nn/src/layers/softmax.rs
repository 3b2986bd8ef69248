//! [`softmax_last_dim`]: `torch.softmax(x, dim=-1)` with a vectorised
//! exponential on the CPU.

use candle_core::{DType, Tensor};

use crate::kernels::{fast_math, Isa};
use crate::Result;

/// `softmax(x)_i = e^{x_i − max x} / Σ_j e^{x_j − max x}` over the last axis
/// (`torch.softmax(x, dim=-1)`). On the CPU in float32, outside autograd,
/// the exponentials run 8 lanes at a time where the CPU has AVX2 and FMA
/// (the kernel is chosen once; a scalar fallback elsewhere, tested against
/// it, agreeing to 1e-6 relative); otherwise candle's `softmax_last_dim`.
///
/// # Errors
///
/// Candle errors (a rank-0 input).
///
/// # Shapes
///
/// Any shape; the result has the input's.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 0.0], [1.0, 1.0]], &Device::Cpu)?;
/// let y = audio_nn::softmax_last_dim(&x)?;
/// assert_eq!(y.to_vec2::<f32>()?, vec![vec![0.5, 0.5], vec![0.5, 0.5]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    if !(x.device().is_cpu() && x.dtype() == DType::F32 && !x.track_op()) || x.rank() == 0 {
        return Ok(candle_nn::ops::softmax_last_dim(x)?);
    }
    let row = x.dim(x.rank() - 1)?;
    let mut data = x.flatten_all()?.to_vec1::<f32>()?;
    fast_math::softmax_rows_inplace(Isa::detect(), &mut data, row);
    Ok(Tensor::from_vec(data, x.shape(), x.device())?)
}

/// `σ(x)` element-wise with the same dispatch as [`softmax_last_dim`].
pub(crate) fn sigmoid(x: &Tensor) -> Result<Tensor> {
    if !(x.device().is_cpu() && x.dtype() == DType::F32 && !x.track_op()) {
        return Ok(candle_nn::ops::sigmoid(x)?);
    }
    let mut data = x.flatten_all()?.to_vec1::<f32>()?;
    fast_math::sigmoid_inplace(Isa::detect(), &mut data);
    Ok(Tensor::from_vec(data, x.shape(), x.device())?)
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    #[test]
    fn matches_candle() -> crate::Result<()> {
        let x = (Tensor::randn(0f32, 3.0, (4, 7, 131), &Device::Cpu)? * 2.0)?;
        let ours = super::softmax_last_dim(&x)?;
        let theirs = candle_nn::ops::softmax_last_dim(&x)?;
        let diff = (ours - &theirs)?.abs()?.max_all()?.to_scalar::<f32>()?;
        assert!(diff < 1e-6, "{diff}");
        let s = super::sigmoid(&x)?;
        let t = candle_nn::ops::sigmoid(&x)?;
        let diff = (s - t)?.abs()?.max_all()?.to_scalar::<f32>()?;
        assert!(diff < 1e-6, "{diff}");
        Ok(())
    }
}
