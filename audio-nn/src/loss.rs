//! Losses: MSE, L1, BCE with logits, VAE KL + reparameterisation, SI-SDR,
//! ESR, and the (multi-resolution) STFT loss of auraloss. All are scalars
//! (rank-0 tensors) differentiable through candle's autograd.

use candle_core::{DType, Device, Tensor, D};

use crate::checks;
use crate::frontend::stft::{magnitude, StftLayer, StftLayerConfig};
use crate::{Error, Result};

/// `mean((x - y)²)`, `torch.nn.functional.mse_loss`.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let l = audio_nn::loss::mse(&Tensor::new(&[1f32, 3.], &Device::Cpu)?, &Tensor::new(&[0f32, 1.], &Device::Cpu)?)?;
/// assert_eq!(l.to_scalar::<f32>()?, 2.5);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn mse(input: &Tensor, target: &Tensor) -> Result<Tensor> {
    checks::same_shape("mse", input, target)?;
    Ok(input.sub(target)?.sqr()?.mean_all()?)
}

/// `mean(|x - y|)`, `torch.nn.functional.l1_loss`.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let l = audio_nn::loss::l1(&Tensor::new(&[1f32, 3.], &Device::Cpu)?, &Tensor::new(&[0f32, 1.], &Device::Cpu)?)?;
/// assert_eq!(l.to_scalar::<f32>()?, 1.5);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn l1(input: &Tensor, target: &Tensor) -> Result<Tensor> {
    checks::same_shape("l1", input, target)?;
    Ok(input.sub(target)?.abs()?.mean_all()?)
}

/// Binary cross-entropy on logits, `torch.nn.functional.binary_cross_entropy_with_logits`
/// (mean): `max(x, 0) - x·y + ln(1 + e^{-|x|})` (the stable form).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let l = audio_nn::loss::bce_with_logits(&Tensor::new(&[0f32], &Device::Cpu)?, &Tensor::new(&[1f32], &Device::Cpu)?)?;
/// assert!((l.to_scalar::<f32>()? - 2f32.ln()).abs() < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn bce_with_logits(logits: &Tensor, target: &Tensor) -> Result<Tensor> {
    checks::same_shape("bce_with_logits", logits, target)?;
    let softplus = logits.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    Ok(logits
        .relu()?
        .sub(&logits.mul(target)?)?
        .add(&softplus)?
        .mean_all()?)
}

/// KL divergence of a diagonal Gaussian `N(μ, e^{logvar})` from `N(0, I)`,
/// summed over the latent axes and averaged over the batch (axis 0):
/// `-½ Σ (1 + logvar - μ² - e^{logvar})` (Kingma & Welling 2014, appendix B).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ; [`Error::InputRank`] for a scalar.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let z = Tensor::zeros((2, 3), candle_core::DType::F32, &Device::Cpu)?;
/// assert_eq!(audio_nn::loss::vae_kl(&z, &z)?.to_scalar::<f32>()?, 0.0);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn vae_kl(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    checks::same_shape("vae_kl", mu, logvar)?;
    if mu.rank() == 0 {
        return Err(Error::InputRank {
            layer: "vae_kl",
            expected: 2,
            layout: "(batch, latent...)",
            got: 0,
            shape: vec![],
        });
    }
    let b = mu.dim(0)? as f64;
    let terms = logvar
        .affine(1.0, 1.0)?
        .sub(&mu.sqr()?)?
        .sub(&logvar.exp()?)?;
    Ok(terms.sum_all()?.affine(-0.5 / b, 0.0)?)
}

/// The reparameterisation trick `z = μ + ε ⊙ e^{logvar/2}` with the caller's
/// noise `ε ~ N(0, I)` (pass `Tensor::randn`, or seeded noise for determinism).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let mu = Tensor::new(&[1f32], &Device::Cpu)?;
/// let lv = Tensor::new(&[0f32], &Device::Cpu)?;
/// let z = audio_nn::loss::reparameterize(&mu, &lv, &Tensor::new(&[2f32], &Device::Cpu)?)?;
/// assert_eq!(z.to_vec1::<f32>()?, vec![3.0]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn reparameterize(mu: &Tensor, logvar: &Tensor, eps: &Tensor) -> Result<Tensor> {
    checks::same_shape("reparameterize", mu, logvar)?;
    checks::same_shape("reparameterize", mu, eps)?;
    Ok(mu.add(&eps.mul(&logvar.affine(0.5, 0.0)?.exp()?)?)?)
}

/// Negative scale-invariant SDR (Le Roux et al. 2019) averaged over all but
/// the last axis, as `auraloss.time.SISDRLoss(zero_mean=True, eps=1e-8)`:
/// `α = ⟨x, y⟩ / (‖y‖² + ε)`, `loss = -10 log10(‖αy‖² / (‖x - αy‖² + ε) + ε)`
/// (after removing the means when `zero_mean`).
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ; [`Error::InputRank`] for a scalar.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let y = Tensor::new(&[[1f32, -1., 2., 0.]], &Device::Cpu)?;
/// let l = audio_nn::loss::si_sdr(&y.affine(0.5, 0.0)?, &y, true, 1e-8)?;
/// assert!(l.to_scalar::<f32>()? < -60.0); // a scaled copy is perfect
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn si_sdr(input: &Tensor, target: &Tensor, zero_mean: bool, eps: f64) -> Result<Tensor> {
    checks::same_shape("si_sdr", input, target)?;
    if input.rank() == 0 {
        return Err(Error::InputRank {
            layer: "si_sdr",
            expected: 2,
            layout: "(..., time)",
            got: 0,
            shape: vec![],
        });
    }
    let (x, y) = if zero_mean {
        (
            input.broadcast_sub(&input.mean_keepdim(D::Minus1)?)?,
            target.broadcast_sub(&target.mean_keepdim(D::Minus1)?)?,
        )
    } else {
        (input.clone(), target.clone())
    };
    let alpha = x
        .mul(&y)?
        .sum_keepdim(D::Minus1)?
        .broadcast_div(&y.sqr()?.sum_keepdim(D::Minus1)?.affine(1.0, eps)?)?;
    let ys = y.broadcast_mul(&alpha)?;
    let res = x.sub(&ys)?;
    let ratio = ys
        .sqr()?
        .sum(D::Minus1)?
        .div(&res.sqr()?.sum(D::Minus1)?.affine(1.0, eps)?)?
        .affine(1.0, eps)?;
    let db = ratio.log()?.affine(10.0 / std::f64::consts::LN_10, 0.0)?;
    Ok(db.mean_all()?.neg()?)
}

/// Error-to-signal ratio (Wright & Välimäki 2019), `auraloss.time.ESRLoss`:
/// `Σ_t (y - x)² / (Σ_t y² + ε)` per sequence (last axis), averaged.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the shapes differ; [`Error::InputRank`] for a scalar.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let y = Tensor::new(&[[1f32, 1.]], &Device::Cpu)?;
/// let l = audio_nn::loss::esr(&y.zeros_like()?, &y, 1e-8)?;
/// assert!((l.to_scalar::<f32>()? - 1.0).abs() < 1e-6);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn esr(input: &Tensor, target: &Tensor, eps: f64) -> Result<Tensor> {
    checks::same_shape("esr", input, target)?;
    if input.rank() == 0 {
        return Err(Error::InputRank {
            layer: "esr",
            expected: 2,
            layout: "(..., time)",
            got: 0,
            shape: vec![],
        });
    }
    let num = target.sub(input)?.sqr()?.sum(D::Minus1)?;
    let den = target.sqr()?.sum(D::Minus1)?.affine(1.0, eps)?;
    Ok(num.div(&den)?.mean_all()?)
}

/// One resolution of the STFT loss, `auraloss.freq.STFTLoss` with
/// `w_sc = w_log_mag = 1`, `w_lin_mag = w_phs = 0`, mean reduction, L1 distance:
/// `‖|Y| - |X|‖_F / ‖|Y|‖_F + mean|ln|X| - ln|Y||`, magnitudes
/// `sqrt(max(re² + im², 1e-8))` of `torch.stft` (Hann window of `win_length`,
/// centred, reflect padding).
#[derive(Debug, Clone)]
pub struct StftLoss {
    stft: StftLayer,
    eps: f64,
}

impl StftLoss {
    /// One resolution.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid STFT configuration.
    pub fn new(
        fft_size: usize,
        hop_size: usize,
        win_length: usize,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        Ok(Self {
            stft: StftLayer::new(
                StftLayerConfig::torch(fft_size, hop_size, win_length),
                dtype,
                device,
            )?,
            eps: 1e-8,
        })
    }

    /// The loss of `input` against `target`, both `(batch, channels, time)` (or `(batch, time)`).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`]; STFT errors (signal shorter than the reflect padding).
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        checks::same_shape("StftLoss", input, target)?;
        let t = input.dim(D::Minus1)?;
        let x = input.reshape(((), t))?;
        let y = target.reshape(((), t))?;
        let (xr, xi) = self.stft.forward(&x)?;
        let (yr, yi) = self.stft.forward(&y)?;
        let xm = magnitude(&xr, &xi, self.eps)?;
        let ym = magnitude(&yr, &yi, self.eps)?;
        let sc = ym
            .sub(&xm)?
            .sqr()?
            .sum_all()?
            .sqrt()?
            .div(&ym.sqr()?.sum_all()?.sqrt()?)?;
        let log_mag = xm.log()?.sub(&ym.log()?)?.abs()?.mean_all()?;
        Ok(sc.add(&log_mag)?)
    }
}

/// The multi-resolution STFT loss, `auraloss.freq.MultiResolutionSTFTLoss()`
/// with its defaults: FFT sizes `[1024, 2048, 512]`, hops `[120, 240, 50]`,
/// windows `[600, 1200, 240]`; the mean of the [`StftLoss`] of each resolution
/// (Yamamoto et al. 2020).
///
/// ```
/// use audio_nn::loss::MultiResolutionStftLoss;
/// use candle_core::{DType, Device, Tensor};
/// let loss = MultiResolutionStftLoss::auraloss_default(DType::F32, &Device::Cpu)?;
/// let x = Tensor::randn(0f32, 1f32, (1, 1, 4096), &Device::Cpu)?;
/// assert!(loss.forward(&x, &x)?.to_scalar::<f32>()?.abs() < 1e-5);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiResolutionStftLoss {
    losses: Vec<StftLoss>,
}

impl MultiResolutionStftLoss {
    /// Resolutions `(fft_size, hop_size, win_length)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no resolutions or an invalid one.
    pub fn new(
        resolutions: &[(usize, usize, usize)],
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        checks::config(
            "MultiResolutionStftLoss",
            "resolutions",
            resolutions.len(),
            !resolutions.is_empty(),
            "at least one",
        )?;
        let losses = resolutions
            .iter()
            .map(|&(f, h, w)| StftLoss::new(f, h, w, dtype, device))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { losses })
    }

    /// auraloss's default resolutions.
    ///
    /// # Errors
    ///
    /// Never for these constants (kept fallible for the window construction).
    pub fn auraloss_default(dtype: DType, device: &Device) -> Result<Self> {
        Self::new(
            &[(1024, 120, 600), (2048, 240, 1200), (512, 50, 240)],
            dtype,
            device,
        )
    }

    /// The mean of the per-resolution losses.
    ///
    /// # Errors
    ///
    /// As [`StftLoss::forward`].
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        let mut total: Option<Tensor> = None;
        for l in &self.losses {
            let v = l.forward(input, target)?;
            total = Some(match total {
                None => v,
                Some(t) => t.add(&v)?,
            });
        }
        let n = self.losses.len() as f64;
        match total {
            Some(t) => Ok(t.affine(1.0 / n, 0.0)?),
            None => Err(Error::InvalidParameter {
                layer: "MultiResolutionStftLoss",
                name: "resolutions",
                value: "0".into(),
                expected: "at least one",
            }),
        }
    }
}
