//! GELU with the exact `erf`, vectorised on the CPU.

use candle_core::Tensor;

use crate::kernels::{fast_math, with_cpu_f32, Isa};
use crate::Result;

/// `gelu(x) = x · (1 + erf(x / √2)) / 2` element-wise
/// (`torch.nn.functional.gelu(x)`, Hendrycks and Gimpel 2016). On the CPU
/// in float32 outside autograd, 8 lanes at a time where the CPU has AVX2
/// and FMA (`erf` by Abramowitz and Stegun 7.1.26, absolute error at most
/// 1.5e-7; the kernel is chosen once, with a scalar fallback tested
/// against it); otherwise candle's `gelu_erf`.
///
/// # Errors
///
/// Candle errors.
///
/// # Shapes
///
/// Any shape; the result has the input's.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[-10f32, 0.0, 10.0], &Device::Cpu)?;
/// let y = audio_nn::gelu_erf(&x)?.to_vec1::<f32>()?;
/// assert!(y[0].abs() < 1e-6 && y[1] == 0.0 && (y[2] - 10.0).abs() < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn gelu_erf(x: &Tensor) -> Result<Tensor> {
    if !x.track_op() {
        let isa = Isa::detect();
        if let Some(y) = with_cpu_f32(x, |v| {
            let mut y = v.to_vec();
            fast_math::gelu_erf_inplace(isa, &mut y);
            y
        })? {
            return Ok(Tensor::from_vec(y, x.shape(), x.device())?);
        }
    }
    Ok(x.gelu_erf()?)
}
