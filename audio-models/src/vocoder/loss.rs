//! MelGAN's adversarial losses (hinge, as `mel2wav/train.py`) and feature
//! matching.

use audio_nn::loss::l1;
use candle_core::Tensor;

use crate::{Error, Result};

fn score(scale: &[Tensor]) -> Result<&Tensor> {
    scale.last().ok_or(Error::Empty {
        what: "discriminator outputs",
    })
}

fn sum(terms: Vec<Tensor>) -> Result<Tensor> {
    let mut it = terms.into_iter();
    let first = it.next().ok_or(Error::Empty {
        what: "discriminator scales",
    })?;
    it.try_fold(first, |acc, t| Ok(acc.add(&t)?))
}

/// The discriminator's hinge loss
/// `Σ_scales mean(relu(1 − D(x))) + mean(relu(1 + D(G(s))))`, from every
/// scale's outputs on real and generated audio (pass generated audio
/// detached, so the generator gets no gradient).
///
/// # Errors
///
/// [`Error::Empty`] for no scales or layers; candle errors.
pub fn discriminator_hinge_loss(real: &[Vec<Tensor>], fake: &[Vec<Tensor>]) -> Result<Tensor> {
    let mut terms = Vec::with_capacity(real.len() * 2);
    for (r, f) in real.iter().zip(fake) {
        terms.push(score(r)?.affine(-1.0, 1.0)?.relu()?.mean_all()?);
        terms.push(score(f)?.affine(1.0, 1.0)?.relu()?.mean_all()?);
    }
    sum(terms)
}

/// The generator's hinge loss `Σ_scales −mean(D(G(s)))`.
///
/// # Errors
///
/// [`Error::Empty`] for no scales or layers; candle errors.
pub fn generator_hinge_loss(fake: &[Vec<Tensor>]) -> Result<Tensor> {
    sum(fake
        .iter()
        .map(|f| Ok(score(f)?.mean_all()?.neg()?))
        .collect::<Result<Vec<_>>>()?)
}

/// Feature matching: `Σ_scales Σ_layers w · mean|D_l(G(s)) − D_l(x)|` over
/// every layer but the score, `w = 4 / (layers + 1) / scales` with
/// `layers` the discriminator's strided layers (MelGAN's weights). The
/// real features are detached.
///
/// # Errors
///
/// [`Error::Empty`] for no scales or layers; candle errors.
pub fn feature_matching_loss(
    real: &[Vec<Tensor>],
    fake: &[Vec<Tensor>],
    discriminator_layers: usize,
) -> Result<Tensor> {
    #[allow(clippy::cast_precision_loss, reason = "layer counts are small")]
    let w = 4.0 / (discriminator_layers as f64 + 1.0) / real.len().max(1) as f64;
    let mut terms = Vec::new();
    for (r, f) in real.iter().zip(fake) {
        let n = r.len().saturating_sub(1);
        for (a, b) in f.iter().zip(r).take(n) {
            terms.push((l1(a, &b.detach())? * w)?);
        }
    }
    sum(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn scales(values: &[f32]) -> Result<Vec<Vec<Tensor>>> {
        values
            .iter()
            .map(|&v| {
                Ok(vec![
                    Tensor::full(v * 2.0, (1, 2, 4), &Device::Cpu)?,
                    Tensor::full(v, (1, 1, 4), &Device::Cpu)?,
                ])
            })
            .collect()
    }

    #[test]
    fn hinge_losses_follow_the_formulas() -> Result<()> {
        let real = scales(&[0.5, 2.0])?;
        let fake = scales(&[-0.25, 0.5])?;
        // relu(1-0.5) + relu(1-0.25) + relu(1-2) + relu(1+0.5)
        let d = discriminator_hinge_loss(&real, &fake)?.to_scalar::<f32>()?;
        assert!((d - (0.5 + 0.75 + 0.0 + 1.5)).abs() < 1e-6, "{d}");
        let g = generator_hinge_loss(&fake)?.to_scalar::<f32>()?;
        assert!((g - (0.25 - 0.5)).abs() < 1e-6, "{g}");
        // |−0.5 − 1| and |1 − 4| on the first layers only, weight 4/(1+1)/2.
        let fm = feature_matching_loss(&real, &fake, 1)?.to_scalar::<f32>()?;
        assert!((fm - (1.5 + 3.0)).abs() < 1e-6, "{fm}");
        Ok(())
    }

    #[test]
    fn no_scales_is_an_error() {
        assert!(matches!(
            generator_hinge_loss(&[]),
            Err(Error::Empty { .. })
        ));
    }
}
