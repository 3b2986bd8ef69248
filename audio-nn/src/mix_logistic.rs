//! The discretized mixture of logistics (Salimans et al. 2017, PixelCNN++;
//! the output distribution of Parallel WaveNet and of r9y9's
//! `wavenet_vocoder`): its negative log-likelihood for training and its
//! sampling for generation.

use candle_core::{Tensor, D};

use crate::{Error, Result};

/// The smallest log-scale of a component (r9y9's and PixelCNN++'s
/// `log_scale_min = -7`).
pub const LOG_SCALE_MIN: f64 = -7.0;

const LAYER: &str = "discretized_mix_logistic";

fn softplus(x: &Tensor) -> Result<Tensor> {
    // softplus(x) = max(x, 0) + ln(1 + e^{−|x|}), stable for both signs.
    Ok((x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?)?)
}

/// The per-sample negative log-likelihood of `target` under the
/// discretized mixture of `K` logistics that `params` describe, with
/// `bins` levels on `[−1, 1]` (65536 for 16-bit audio):
///
/// `params (batch, 3K, time)` holds, per sample, the mixture logits
/// `π_k`, the means `μ_k` and the log-scales `s_k` (clamped below at
/// `log_scale_min`). With `c = y − μ_k` and `δ = 1 / (bins − 1)`, a
/// component gives `σ((c + δ)/e^{s}) − σ((c − δ)/e^{s})` (the mass of the
/// bin), `σ((c + δ)/e^{s})` at the bottom edge (`y < −0.999`),
/// `1 − σ((c − δ)/e^{s})` at the top edge (`y > 0.999`), and the density
/// times the bin width where the mass is below `1e−5`, as
/// `discretized_mix_logistic_loss(..., reduce=False)` of PixelCNN++ and
/// `wavenet_vocoder`. The result is `−log Σ_k softmax(π)_k · P_k(y)`, in
/// the parameters' dtype; it is computed in f64, where a 16-bit bin's mass
/// does not lose its digits to cancellation.
///
/// # Shapes
///
/// `params (batch, 3K, time)`, `target (batch, time)` in `[−1, 1]` →
/// `(batch, time)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `bins < 2` or a channel count that is
/// not a positive multiple of 3; [`Error::IncompatibleShapes`] when the
/// target does not fit the parameters; candle errors.
///
/// # Example
///
/// ```
/// use audio_nn::mix_logistic::{discretized_mix_logistic_nll, LOG_SCALE_MIN};
/// use candle_core::{Device, Tensor};
/// // One component centred on 0.5 with scale e^-4: y = 0.5 is likely.
/// let params = Tensor::new(&[[[0f32], [0.5], [-4.0]]], &Device::Cpu)?;
/// let near = discretized_mix_logistic_nll(&params, &Tensor::new(&[[0.5f32]], &Device::Cpu)?, 256, LOG_SCALE_MIN)?;
/// let far = discretized_mix_logistic_nll(&params, &Tensor::new(&[[-0.5f32]], &Device::Cpu)?, 256, LOG_SCALE_MIN)?;
/// assert!(near.sum_all()?.to_scalar::<f32>()? < far.sum_all()?.to_scalar::<f32>()?);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn discretized_mix_logistic_nll(
    params: &Tensor,
    target: &Tensor,
    bins: usize,
    log_scale_min: f64,
) -> Result<Tensor> {
    let (b, c, t) = params.dims3()?;
    if c == 0 || !c.is_multiple_of(3) {
        return Err(Error::InvalidParameter {
            layer: LAYER,
            name: "channels",
            value: c.to_string(),
            expected: "3 × the number of mixture components",
        });
    }
    if bins < 2 {
        return Err(Error::InvalidParameter {
            layer: LAYER,
            name: "bins",
            value: bins.to_string(),
            expected: ">= 2",
        });
    }
    if target.dims() != [b, t] {
        return Err(Error::IncompatibleShapes {
            layer: LAYER,
            left: params.dims().to_vec(),
            right: target.dims().to_vec(),
        });
    }
    let k = c / 3;
    // In f64: a 16-bit bin's mass σ(a) − σ(b), with a − b about 3e-5 / e^s,
    // loses up to half its digits to cancellation in f32 (measured: 1.8e-3
    // nats at a loss of 14 against a float64 reference).
    let dtype = params.dtype();
    let params = params.to_dtype(candle_core::DType::F64)?;
    let target = target.to_dtype(candle_core::DType::F64)?;
    let p = params.transpose(1, 2)?.contiguous()?; // (B, T, 3K)
    let logits = p.narrow(2, 0, k)?;
    let means = p.narrow(2, k, k)?;
    let log_scales = p.narrow(2, 2 * k, k)?.maximum(log_scale_min)?;
    let y = target.unsqueeze(2)?.broadcast_as((b, t, k))?.contiguous()?;
    #[allow(clippy::cast_precision_loss, reason = "bin counts are small")]
    let half_bin = 1.0 / (bins as f64 - 1.0);
    let centred = (&y - &means)?;
    let inv_stdv = log_scales.neg()?.exp()?;
    let plus_in = ((&centred + half_bin)? * &inv_stdv)?;
    let min_in = ((&centred - half_bin)? * &inv_stdv)?;
    let cdf_delta = (candle_nn::ops::sigmoid(&plus_in)? - candle_nn::ops::sigmoid(&min_in)?)?;
    let log_cdf_plus = (&plus_in - softplus(&plus_in)?)?;
    let log_one_minus_cdf_min = softplus(&min_in)?.neg()?;
    let mid_in = (&centred * &inv_stdv)?;
    let log_pdf_mid = ((&mid_in - &log_scales)? - (softplus(&mid_in)? * 2.0)?)?;
    let log_half_bins = ((bins as f64 - 1.0) / 2.0).ln();
    // The selections as masks (no gradient through the conditions), as the
    // reference computes them.
    let mass_ok = cdf_delta.detach().gt(1e-5)?;
    let inner_inner = mass_ok.where_cond(
        &cdf_delta.maximum(1e-12)?.log()?,
        &(&log_pdf_mid - log_half_bins)?,
    )?;
    let top = y.gt(0.999)?;
    let inner = top.where_cond(&log_one_minus_cdf_min, &inner_inner)?;
    let bottom = y.lt(-0.999)?;
    let log_probs = bottom.where_cond(&log_cdf_plus, &inner)?;
    let log_probs = (log_probs + candle_nn::ops::log_softmax(&logits, D::Minus1)?)?;
    // −log Σ_k exp(log_probs_k), with the maximum taken out (detached).
    let max = log_probs.detach().max_keepdim(D::Minus1)?;
    let lse = (log_probs
        .broadcast_sub(&max)?
        .exp()?
        .sum_keepdim(D::Minus1)?
        .log()?
        + max)?;
    Ok(lse.squeeze(2)?.neg()?.to_dtype(dtype)?)
}

/// One sample from the discretized mixture of logistics of one time step:
/// the component `argmax_k (π_k − ln(−ln u_k))` (Gumbel-max), then
/// `μ + e^{s} · (ln v − ln(1 − v))` clamped to `[−1, 1]`, as
/// `sample_from_discretized_mix_logistic` of `wavenet_vocoder`. The
/// uniforms are drawn by the caller (from a seeded generator) and clamped
/// to `[1e−5, 1 − 1e−5]`, as the reference draws them.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `params` is not `3K` values or
/// `uniforms` is not `K` values.
///
/// # Example
///
/// ```
/// use audio_nn::mix_logistic::{sample_discretized_mix_logistic, LOG_SCALE_MIN};
/// // Two components; the Gumbel noise picks the second (mean 0.25); v = ½
/// // is the component's median.
/// let params = [0.0f32, 0.0, -0.5, 0.25, -3.0, -3.0];
/// let x = sample_discretized_mix_logistic(&params, &[0.1, 0.9], 0.5, LOG_SCALE_MIN)?;
/// assert!((x - 0.25).abs() < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn sample_discretized_mix_logistic(
    params: &[f32],
    uniforms: &[f32],
    v: f32,
    log_scale_min: f64,
) -> Result<f32> {
    let k = params.len() / 3;
    if k == 0 || params.len() != 3 * k || uniforms.len() != k {
        return Err(Error::InvalidParameter {
            layer: LAYER,
            name: "params",
            value: format!(
                "{} parameters and {} uniforms",
                params.len(),
                uniforms.len()
            ),
            expected: "3K parameters and K uniforms",
        });
    }
    let clamp = |u: f32| u.clamp(1e-5, 1.0 - 1e-5);
    let mut best = 0;
    let mut best_score = f32::NEG_INFINITY;
    for (i, (&logit, &u)) in params[..k].iter().zip(uniforms).enumerate() {
        let score = logit - (-clamp(u).ln()).ln();
        if score > best_score {
            best_score = score;
            best = i;
        }
    }
    let mean = params[k + best];
    #[allow(clippy::cast_possible_truncation, reason = "log_scale_min is about -7")]
    let log_scale = params[2 * k + best].max(log_scale_min as f32);
    let v = clamp(v);
    Ok((mean + log_scale.exp() * (v.ln() - (1.0 - v).ln())).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn bad_shapes_are_errors() -> Result<()> {
        let p = Tensor::zeros((1, 4, 3), candle_core::DType::F32, &Device::Cpu)?;
        let y = Tensor::zeros((1, 3), candle_core::DType::F32, &Device::Cpu)?;
        assert!(matches!(
            discretized_mix_logistic_nll(&p, &y, 256, LOG_SCALE_MIN),
            Err(Error::InvalidParameter {
                name: "channels",
                ..
            })
        ));
        let p = Tensor::zeros((1, 6, 3), candle_core::DType::F32, &Device::Cpu)?;
        let y = Tensor::zeros((1, 4), candle_core::DType::F32, &Device::Cpu)?;
        assert!(matches!(
            discretized_mix_logistic_nll(&p, &y, 256, LOG_SCALE_MIN),
            Err(Error::IncompatibleShapes { .. })
        ));
        assert!(sample_discretized_mix_logistic(&[0.0; 6], &[0.5], 0.5, LOG_SCALE_MIN).is_err());
        Ok(())
    }

    #[test]
    fn probabilities_of_every_bin_sum_to_one() -> Result<()> {
        // Σ over the 256 bin centres of exp(−nll) is 1 (the edges take the
        // tails), for a two-component mixture.
        let bins = 256usize;
        let ys: Vec<f32> = (0..bins)
            .map(|i| (i as f32 / (bins as f32 - 1.0)) * 2.0 - 1.0)
            .collect();
        let params: Vec<f32> = (0..bins)
            .flat_map(|_| [0.3f32, -0.2, -0.4, 0.3, -2.5, -3.0])
            .collect();
        let p = Tensor::from_vec(params, (1, bins, 6), &Device::Cpu)?.transpose(1, 2)?;
        let y = Tensor::from_vec(ys, (1, bins), &Device::Cpu)?;
        let nll = discretized_mix_logistic_nll(&p, &y, bins, LOG_SCALE_MIN)?;
        let total: f32 = nll.neg()?.exp()?.sum_all()?.to_scalar()?;
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        Ok(())
    }
}
