//! The seed's training loss `α·MSE + KL`, on audio-nn's VAE pieces
//! ([`audio_nn::loss::vae_kl`], [`audio_nn::loss::reparameterize`]).

use audio_nn::loss::vae_kl;
use candle_core::Tensor;

use super::config::AutoencoderKind;
use super::network::mse_per_item;
use crate::Result;

/// The training loss of seed 002, averaged over the batch.
///
/// - DCAE: the mean squared error between reconstruction and target.
/// - VAE: `α · MSE + KL` per item (MSE the mean over the image's pixels, KL
///   `−½ Σ_d (1 + log σ²_d − μ_d² − σ²_d)`, [`vae_kl`]: the seed's
///   equation (1) with the sign that makes it a divergence, as the Keras
///   VAE example it follows computes it), averaged over the batch; the
///   seed's reconstruction weight is `α = 50000`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a VAE without a log-variance;
/// candle errors (shapes that differ).
///
/// # Example
///
/// ```
/// use audio_models::denoiser::{autoencoder_loss, AutoencoderKind};
/// use candle_core::{DType, Device, Tensor};
/// let y = Tensor::ones((1, 1, 2, 2), DType::F32, &Device::Cpu)?;
/// let x = Tensor::zeros((1, 1, 2, 2), DType::F32, &Device::Cpu)?;
/// let mu = Tensor::zeros((1, 3), DType::F32, &Device::Cpu)?;
/// // MSE 1, and N(0, 1) has no KL: α · 1.
/// let l = autoencoder_loss(AutoencoderKind::Vae, &x, &y, &mu, Some(&mu), 10.0)?;
/// assert_eq!(l.to_scalar::<f32>()?, 10.0);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn autoencoder_loss(
    kind: AutoencoderKind,
    reconstruction: &Tensor,
    target: &Tensor,
    mu: &Tensor,
    log_var: Option<&Tensor>,
    reconstruction_weight: f64,
) -> Result<Tensor> {
    let mse = mse_per_item(reconstruction, target)?.mean_all()?;
    match kind {
        AutoencoderKind::Dcae => Ok(mse),
        AutoencoderKind::Vae => {
            let log_var = log_var.ok_or(crate::Error::InvalidParameter {
                name: "log_var",
                value: "none".into(),
                expected: "the VAE's log-variance",
            })?;
            Ok(((mse * reconstruction_weight)? + vae_kl(mu, log_var)?)?)
        }
    }
}
