//! The convolutional autoencoder on candle: encoder, bottleneck (a latent
//! point, or a mean and log-variance), decoder.

use audio_dsp::SeededRng;
use audio_nn::{
    BatchNorm, BatchNormConfig, Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig,
    Linear,
};
use candle_core::{Tensor, D};
use candle_nn::VarBuilder;

use super::config::{AutoencoderKind, DenoiserConfig};
use crate::{Error, Result};

/// A convolution followed by ReLU and BatchNorm (the seed's block order).
#[derive(Debug)]
struct EncoderBlock {
    conv: Conv2d,
    bn: BatchNorm,
}

#[derive(Debug)]
struct DecoderBlock {
    conv: ConvTranspose2d,
    bn: BatchNorm,
}

#[derive(Debug)]
enum Bottleneck {
    Point(Linear),
    Gaussian { mu: Linear, log_var: Linear },
}

/// What the encoder gives: the latent mean (the point, for a DCAE) and,
/// for a VAE, the log-variance.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// `(batch, latent_dim)`: the DCAE's latent point or the VAE's `μ`.
    pub mu: Tensor,
    /// `(batch, latent_dim)`: the VAE's `log σ²`; `None` for a DCAE.
    pub log_var: Option<Tensor>,
}

/// A forward pass: the reconstruction and the encoding it came from.
#[derive(Debug, Clone)]
pub struct AutoencoderOutput {
    /// `(batch, 1, bins, frames)` in `(0, 1)`.
    pub reconstruction: Tensor,
    /// The encoder's output.
    pub encoded: Encoded,
}

/// The denoising autoencoder network ([`DenoiserConfig`]).
///
/// Keys (as a PyTorch module tree): `encoder.conv.{i}`, `encoder.bn.{i}`,
/// `encoder.latent` (DCAE) or `encoder.mu` and `encoder.log_var` (VAE),
/// `decoder.dense`, `decoder.conv.{j}` and `decoder.bn.{j}` (`j = 0` is the
/// first decoder block, mirroring encoder layer `n − 1`), `decoder.output`.
///
/// # Shapes
///
/// `(batch, 1, bins, frames)` → `(batch, 1, bins, frames)`; latent
/// `(batch, latent_dim)`.
///
/// # Example
///
/// ```
/// use audio_models::denoiser::{AutoencoderNet, DenoiserConfig};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let net = AutoencoderNet::new(DenoiserConfig::default(), vb)?;
/// let x = Tensor::zeros((2, 1, 256, 48), DType::F32, &Device::Cpu)?;
/// let y = net.forward(&x, None)?;
/// assert_eq!(y.reconstruction.dims(), &[2, 1, 256, 48]);
/// assert_eq!(y.encoded.mu.dims(), &[2, 64]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct AutoencoderNet {
    config: DenoiserConfig,
    encoder: Vec<EncoderBlock>,
    bottleneck: Bottleneck,
    dense: Linear,
    decoder: Vec<DecoderBlock>,
    output: ConvTranspose2d,
}

fn same_padding_up(k: usize, s: usize) -> ConvTranspose2dConfig {
    ConvTranspose2dConfig {
        stride: (s, s),
        padding: (k / 2, k / 2),
        output_padding: (s - 1, s - 1),
        bias: true,
    }
}

impl AutoencoderNet {
    /// Builds (or loads) the network from `vb`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: DenoiserConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let n = config.filters.len();
        let bn = BatchNormConfig::default();
        let mut encoder = Vec::with_capacity(n);
        let mut channels = 1;
        for i in 0..n {
            let (k, s) = (config.kernels[i], config.strides[i]);
            let conv = Conv2d::new(
                channels,
                config.filters[i],
                (k, k),
                Conv2dConfig {
                    stride: (s, s),
                    padding: (k / 2, k / 2),
                    bias: true,
                },
                vb.pp(format!("encoder.conv.{i}")),
            )?;
            let norm = BatchNorm::new_2d(config.filters[i], bn, vb.pp(format!("encoder.bn.{i}")))?;
            encoder.push(EncoderBlock { conv, bn: norm });
            channels = config.filters[i];
        }
        let (c, h, w) = config.encoded_shape();
        let flat = c * h * w;
        let bottleneck = match config.kind {
            AutoencoderKind::Dcae => Bottleneck::Point(Linear::new(
                flat,
                config.latent_dim,
                true,
                vb.pp("encoder.latent"),
            )?),
            AutoencoderKind::Vae => Bottleneck::Gaussian {
                mu: Linear::new(flat, config.latent_dim, true, vb.pp("encoder.mu"))?,
                log_var: Linear::new(flat, config.latent_dim, true, vb.pp("encoder.log_var"))?,
            },
        };
        let dense = Linear::new(config.latent_dim, flat, true, vb.pp("decoder.dense"))?;
        let mut decoder = Vec::with_capacity(n.saturating_sub(1));
        let mut channels = c;
        for (j, i) in (1..n).rev().enumerate() {
            let (k, s) = (config.kernels[i], config.strides[i]);
            let conv = ConvTranspose2d::new(
                channels,
                config.filters[i],
                (k, k),
                same_padding_up(k, s),
                vb.pp(format!("decoder.conv.{j}")),
            )?;
            let norm = BatchNorm::new_2d(config.filters[i], bn, vb.pp(format!("decoder.bn.{j}")))?;
            decoder.push(DecoderBlock { conv, bn: norm });
            channels = config.filters[i];
        }
        let (k, s) = (config.kernels[0], config.strides[0]);
        let output = ConvTranspose2d::new(
            channels,
            1,
            (k, k),
            same_padding_up(k, s),
            vb.pp("decoder.output"),
        )?;
        Ok(Self {
            config,
            encoder,
            bottleneck,
            dense,
            decoder,
            output,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DenoiserConfig {
        &self.config
    }

    fn check_input(&self, x: &Tensor) -> Result<usize> {
        let (bins, frames) = (
            self.config.spectrogram.bins(),
            self.config.spectrogram.frames(),
        );
        match x.dims() {
            &[b, 1, h, w] if h == bins && w == frames && b > 0 => Ok(b),
            d => Err(Error::ShapeMismatch {
                what: "spectrogram batch",
                expected: format!("(batch, 1, {bins}, {frames})"),
                got: d.to_vec(),
            }),
        }
    }

    /// The encoder; `train` uses batch statistics in the BatchNorms and
    /// updates their running statistics.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an input that is not `(batch, 1, bins,
    /// frames)`; candle errors.
    pub fn encode(&self, x: &Tensor, train: bool) -> Result<Encoded> {
        let b = self.check_input(x)?;
        let mut h = x.clone();
        for block in &self.encoder {
            h = block.bn.apply_t(&block.conv.apply(&h)?.relu()?, train)?;
        }
        let flat = h.reshape((b, ()))?;
        Ok(match &self.bottleneck {
            Bottleneck::Point(latent) => Encoded {
                mu: latent.apply(&flat)?,
                log_var: None,
            },
            Bottleneck::Gaussian { mu, log_var } => Encoded {
                mu: mu.apply(&flat)?,
                log_var: Some(log_var.apply(&flat)?),
            },
        })
    }

    /// The decoder: latent `(batch, latent_dim)` → `(batch, 1, bins, frames)`
    /// through a final sigmoid.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a latent of the wrong width; candle errors.
    pub fn decode(&self, z: &Tensor, train: bool) -> Result<Tensor> {
        let b = match z.dims() {
            &[b, d] if d == self.config.latent_dim && b > 0 => b,
            d => {
                return Err(Error::ShapeMismatch {
                    what: "latent batch",
                    expected: format!("(batch, {})", self.config.latent_dim),
                    got: d.to_vec(),
                })
            }
        };
        let (c, h, w) = self.config.encoded_shape();
        let mut x = self.dense.apply(z)?.reshape((b, c, h, w))?;
        for block in &self.decoder {
            x = block.bn.apply_t(&block.conv.apply(&x)?.relu()?, train)?;
        }
        Ok(candle_nn::ops::sigmoid(&self.output.apply(&x)?)?)
    }

    /// Encoder and decoder. With `noise` (training a VAE) the decoder gets
    /// `z = μ + exp(log σ² / 2) · ε`, `ε ~ N(0, 1)` drawn from the
    /// generator, and the BatchNorms run in train mode; without it the
    /// decoder gets `μ` (the deterministic reconstruction used for
    /// denoising) in eval mode. A DCAE ignores the generator but trains its
    /// BatchNorms when one is given.
    ///
    /// # Errors
    ///
    /// As [`AutoencoderNet::encode`] and [`AutoencoderNet::decode`].
    pub fn forward(&self, x: &Tensor, noise: Option<&mut SeededRng>) -> Result<AutoencoderOutput> {
        let train = noise.is_some();
        let encoded = self.encode(x, train)?;
        let z = match (&encoded.log_var, noise) {
            (Some(log_var), Some(rng)) => {
                let (b, d) = encoded.mu.dims2()?;
                let eps: Vec<f32> = (0..b * d).map(|_| rng.normal() as f32).collect();
                let eps = Tensor::from_vec(eps, (b, d), x.device())?;
                audio_nn::loss::reparameterize(&encoded.mu, log_var, &eps)?
            }
            _ => encoded.mu.clone(),
        };
        let reconstruction = self.decode(&z, train)?;
        Ok(AutoencoderOutput {
            reconstruction,
            encoded,
        })
    }

    fn batch_norms(&self) -> Vec<(String, &BatchNorm)> {
        let enc = self
            .encoder
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("encoder.bn.{i}"), &b.bn));
        let dec = self
            .decoder
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("decoder.bn.{j}"), &b.bn));
        enc.chain(dec).collect()
    }

    /// The BatchNorm running statistics, named as PyTorch's buffers
    /// (`encoder.bn.0.running_mean`, ...).
    pub fn running_stats(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        for (name, bn) in self.batch_norms() {
            v.push((format!("{name}.running_mean"), bn.running_mean()));
            v.push((format!("{name}.running_var"), bn.running_var()));
        }
        v
    }

    /// Sets the running statistics from `lookup` (names as
    /// [`AutoencoderNet::running_stats`]).
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] for a statistic `lookup` lacks.
    pub fn set_running_stats(&self, lookup: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        for (name, bn) in self.batch_norms() {
            let get = |stat: &str| {
                let key = format!("{name}.{stat}");
                lookup(&key).ok_or(Error::MissingKey {
                    key,
                    expected: Vec::new(),
                })
            };
            bn.set_running_stats(&get("running_mean")?, &get("running_var")?)?;
        }
        Ok(())
    }
}

/// The mean over all but the first axis of `(a − b)²`: one mean squared
/// error per batch item, `(batch,)`.
///
/// # Errors
///
/// Candle errors (shapes that differ).
pub fn mse_per_item(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let n = a.dim(0)?;
    Ok((a - b)?.sqr()?.reshape((n, ()))?.mean(D::Minus1)?)
}
