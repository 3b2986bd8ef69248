//! The variational autoencoder's pieces: the reparameterisation trick, the
//! Kullback–Leibler term in closed form, and the seed's loss `α·MSE + KL`.

use candle_core::{Tensor, D};

use super::config::AutoencoderKind;
use super::network::mse_per_item;
use crate::Result;

/// The reparameterisation trick (Kingma & Welling 2014):
/// `z = μ + exp(log σ² / 2) · ε`, differentiable in `μ` and `log σ²` for a
/// fixed draw `ε ~ N(0, I)`.
///
/// # Errors
///
/// Candle errors (shapes that differ).
///
/// # Shapes
///
/// `(batch, d)` each → `(batch, d)`.
///
/// # Example
///
/// ```
/// use audio_models::denoiser::reparameterise;
/// use candle_core::{Device, Tensor};
/// let mu = Tensor::new(&[[1.0f32]], &Device::Cpu)?;
/// let log_var = Tensor::new(&[[2.0f32.ln() * 2.0]], &Device::Cpu)?; // σ = 2
/// let eps = Tensor::new(&[[0.5f32]], &Device::Cpu)?;
/// let z = reparameterise(&mu, &log_var, &eps)?.to_vec2::<f32>()?;
/// assert!((z[0][0] - 2.0).abs() < 1e-6);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn reparameterise(mu: &Tensor, log_var: &Tensor, eps: &Tensor) -> Result<Tensor> {
    Ok((mu + (log_var * 0.5)?.exp()?.mul(eps)?)?)
}

/// `KL(N(μ, σ²) ‖ N(0, I))` in closed form, per batch item:
/// `−½ Σ_d (1 + log σ²_d − μ_d² − σ²_d)` (the seed's equation (1) with
/// the sign that makes it a divergence, as the Keras VAE example it follows
/// computes it).
///
/// # Errors
///
/// Candle errors (shapes that differ).
///
/// # Shapes
///
/// `(batch, d)` each → `(batch,)`.
///
/// # Example
///
/// ```
/// use audio_models::denoiser::kl_divergence;
/// use candle_core::{Device, Tensor};
/// // N(0, 1) against itself: 0.
/// let z = Tensor::zeros((1, 4), candle_core::DType::F32, &Device::Cpu)?;
/// assert_eq!(kl_divergence(&z, &z)?.to_vec1::<f32>()?, vec![0.0]);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn kl_divergence(mu: &Tensor, log_var: &Tensor) -> Result<Tensor> {
    let inner = ((log_var + 1.0)? - mu.sqr()?)?.sub(&log_var.exp()?)?;
    Ok((inner.sum(D::Minus1)? * -0.5)?)
}

/// The training loss of seed 002, averaged over the batch.
///
/// - DCAE: the mean squared error between reconstruction and target.
/// - VAE: `α · MSE + KL` per item (MSE the mean over the image's pixels,
///   KL [`kl_divergence`]), averaged over the batch; the seed's
///   reconstruction weight is `α = 50000`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a VAE without a log-variance;
/// candle errors (shapes that differ).
pub fn autoencoder_loss(
    kind: AutoencoderKind,
    reconstruction: &Tensor,
    target: &Tensor,
    mu: &Tensor,
    log_var: Option<&Tensor>,
    reconstruction_weight: f64,
) -> Result<Tensor> {
    let mse = mse_per_item(reconstruction, target)?;
    match kind {
        AutoencoderKind::Dcae => Ok(mse.mean_all()?),
        AutoencoderKind::Vae => {
            let log_var = log_var.ok_or(crate::Error::InvalidParameter {
                name: "log_var",
                value: "none".into(),
                expected: "the VAE's log-variance",
            })?;
            let kl = kl_divergence(mu, log_var)?;
            Ok(((mse * reconstruction_weight)? + kl)?.mean_all()?)
        }
    }
}
