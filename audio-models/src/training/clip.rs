//! Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.

use candle_core::backprop::GradStore;
use candle_core::{DType, Var};

use crate::error::{Error, Result};

/// Scales the gradients of `vars` in `grads` so that their global L2 norm is
/// at most `max_norm`, as `torch.nn.utils.clip_grad_norm_` (`norm_type = 2`):
///
/// ```text
/// total = sqrt(sum over every gradient g of sum(g^2))
/// g     = g * max_norm / (total + 1e-6)      for every g, if that factor < 1
/// ```
///
/// Returns `total`, the norm before clipping. Variables without a gradient are
/// skipped.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a `max_norm` that is not finite and
/// positive; [`Error::NonFinite`] when the total norm is NaN or infinite
/// (PyTorch's `error_if_nonfinite = True`: the step should be skipped rather
/// than poison the weights), `index` being the position in `vars` of the first
/// non-finite gradient.
///
/// ```
/// use audio_models::training::clip_grad_norm;
/// use candle_core::{Device, Var};
///
/// let w = Var::new(&[3.0f32, 4.0], &Device::Cpu)?;
/// let loss = (w.as_tensor().sqr()?.sum_all()? * 0.5)?; // gradient w, norm 5
/// let mut grads = loss.backward()?;
/// let norm = clip_grad_norm(&[w.clone()], &mut grads, 1.0)?;
/// assert!((norm - 5.0).abs() < 1e-6);
/// let g: Vec<f32> = grads.get(w.as_tensor()).unwrap().to_vec1()?;
/// assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clip_grad_norm(vars: &[Var], grads: &mut GradStore, max_norm: f64) -> Result<f64> {
    if !(max_norm.is_finite() && max_norm > 0.0) {
        return Err(Error::InvalidParameter {
            name: "max_norm",
            value: max_norm.to_string(),
            expected: "a finite value > 0",
        });
    }
    let mut total_sq = 0.0f64;
    for (index, var) in vars.iter().enumerate() {
        if let Some(g) = grads.get(var.as_tensor()) {
            let sq = g
                .sqr()?
                .sum_all()?
                .to_dtype(DType::F64)?
                .to_scalar::<f64>()?;
            if !sq.is_finite() {
                return Err(Error::NonFinite {
                    what: "gradient",
                    index,
                });
            }
            total_sq += sq;
        }
    }
    let total = total_sq.sqrt();
    if !total.is_finite() {
        return Err(Error::NonFinite {
            what: "gradient norm",
            index: 0,
        });
    }
    let coef = max_norm / (total + 1e-6);
    if coef < 1.0 {
        for var in vars {
            if let Some(g) = grads.remove(var.as_tensor()) {
                grads.insert(var.as_tensor(), g.affine(coef, 0.0)?);
            }
        }
    }
    Ok(total)
}
