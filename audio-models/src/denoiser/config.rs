//! The denoising autoencoders' configuration: the spectrogram front end of
//! seed 002 and the convolutional encoder/decoder sizes.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Which autoencoder: a plain deep convolutional autoencoder or a
/// variational one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoencoderKind {
    /// Deep convolutional autoencoder: a dense bottleneck to a latent point,
    /// trained on the mean squared error.
    Dcae,
    /// Variational autoencoder: mean and log-variance heads, a sample
    /// `z = μ + σ·ε` in training, loss `α·MSE + KL`.
    Vae,
}

impl AutoencoderKind {
    /// The name on the command line and in checkpoints (`dcae`, `vae`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Dcae => "dcae",
            Self::Vae => "vae",
        }
    }
}

/// Seed 002's spectrogram preprocessing (after librosa): load at
/// `sample_rate`, trim or zero-pad to `duration` seconds, `|STFT|` with
/// `n_fft` / `hop_length` (hann, centred, librosa's defaults) without the
/// Nyquist bin, `amplitude_to_db` (`ref = 1`, `amin = 1e-5`, `top_db`),
/// then min–max scaling to `[0, 1]` with the minimum and maximum kept for
/// the inversion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpectrogramConfig {
    /// Sample rate the audio is loaded at, in Hz (librosa's default 22050).
    pub sample_rate: u32,
    /// Fixed clip length in seconds (the seed's 0.55 s).
    pub duration: f64,
    /// FFT size (the seed's frame size 512).
    pub n_fft: usize,
    /// Hop between frames (the seed's 256).
    pub hop_length: usize,
    /// `amplitude_to_db`'s `top_db` (librosa's default 80 dB); `None`: no floor.
    pub top_db: Option<f64>,
}

impl Default for SpectrogramConfig {
    fn default() -> Self {
        Self {
            sample_rate: 22_050,
            duration: 0.55,
            n_fft: 512,
            hop_length: 256,
            top_db: Some(80.0),
        }
    }
}

impl SpectrogramConfig {
    /// Samples in a clip: `floor(duration · sample_rate)` (12127).
    pub fn samples(&self) -> usize {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "validated finite and positive; Python's int() truncates"
        )]
        let n = (self.duration * f64::from(self.sample_rate)) as usize;
        n
    }

    /// Frequency rows of the spectrogram image: `n_fft / 2` (the Nyquist
    /// bin dropped, as the seed's code does; 256).
    pub fn bins(&self) -> usize {
        self.n_fft / 2
    }

    /// Frames of a clip: `1 + samples / hop_length` (centred frames; 48).
    pub fn frames(&self) -> usize {
        1 + self.samples() / self.hop_length
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if self.sample_rate == 0 {
            return bad("sample_rate", "0".into(), "> 0");
        }
        if !(self.duration.is_finite() && self.duration > 0.0 && self.duration <= 3600.0) {
            return bad(
                "duration",
                self.duration.to_string(),
                "a number of seconds in (0, 3600]",
            );
        }
        if self.n_fft < 4 || !self.n_fft.is_multiple_of(2) {
            return bad("n_fft", self.n_fft.to_string(), "an even number >= 4");
        }
        if self.hop_length == 0 {
            return bad("hop_length", "0".into(), "> 0");
        }
        if self.samples() < 2 {
            return bad(
                "duration",
                self.duration.to_string(),
                "at least two samples at the sample rate",
            );
        }
        if let Some(t) = self.top_db {
            if !(t.is_finite() && t >= 0.0) {
                return bad("top_db", t.to_string(), "a finite number >= 0");
            }
        }
        Ok(())
    }
}

/// A convolutional denoising autoencoder of seed 002 (Velardo's
/// `Autoencoder` / `VAE` in Keras, here in PyTorch's conventions).
///
/// - Encoder: for each layer `i`, `Conv2d(filters[i], kernels[i],
///   strides[i], padding kernels[i]/2)` → ReLU → BatchNorm; flatten; a
///   dense layer to `latent_dim` (DCAE) or two, for `μ` and `log σ²` (VAE).
/// - Decoder: a dense layer back to the last encoder shape; for `i` from
///   the last layer down to 1, `ConvTranspose2d(filters[i], kernels[i],
///   strides[i])` (upsampling by the stride, "same"-style padding) → ReLU →
///   BatchNorm, keeping `filters[i]` channels as the seed's code does; a
///   final `ConvTranspose2d(1, kernels[0], strides[0])` and a sigmoid.
///
/// Input and output: `(batch, 1, bins, frames)` min–max scaled dB
/// spectrograms. The default is the seed's chosen model: a VAE with two
/// layers of 100 and 50 filters, kernel 3, stride 2, latent size 64, and
/// reconstruction weight `α = 50000`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DenoiserConfig {
    /// DCAE or VAE.
    pub kind: AutoencoderKind,
    /// Filters of each encoder convolution.
    pub filters: Vec<usize>,
    /// Square kernel size of each convolution (odd).
    pub kernels: Vec<usize>,
    /// Stride of each convolution.
    pub strides: Vec<usize>,
    /// Size of the latent space.
    pub latent_dim: usize,
    /// The VAE's reconstruction weight `α` in `α·MSE + KL` (unused by the DCAE).
    pub reconstruction_weight: f64,
    /// The spectrogram front end.
    pub spectrogram: SpectrogramConfig,
}

impl Default for DenoiserConfig {
    fn default() -> Self {
        Self {
            kind: AutoencoderKind::Vae,
            filters: vec![100, 50],
            kernels: vec![3, 3],
            strides: vec![2, 2],
            latent_dim: 64,
            reconstruction_weight: 50_000.0,
            spectrogram: SpectrogramConfig::default(),
        }
    }
}

impl DenoiserConfig {
    /// The architectures of the seed's Table 1: depth 2 has 100 and 50
    /// filters, depth 3 has 150, 100 and 50, both with kernel 3 and stride
    /// 2; depth 4 has 150, 100, 50 and 50 filters, kernel 5 and strides 1,
    /// 2, 2, 1.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another depth or a zero latent size.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_models::denoiser::{AutoencoderKind, DenoiserConfig};
    /// let c = DenoiserConfig::seed(AutoencoderKind::Vae, 4, 32)?;
    /// assert_eq!(c.strides, vec![1, 2, 2, 1]);
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn seed(kind: AutoencoderKind, depth: usize, latent_dim: usize) -> Result<Self> {
        let (filters, kernels, strides) = match depth {
            2 => (vec![100, 50], vec![3; 2], vec![2; 2]),
            3 => (vec![150, 100, 50], vec![3; 3], vec![2; 3]),
            4 => (vec![150, 100, 50, 50], vec![5; 4], vec![1, 2, 2, 1]),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "depth",
                    value: depth.to_string(),
                    expected: "2, 3 or 4 (the seed's Table 1)",
                })
            }
        };
        let config = Self {
            kind,
            filters,
            kernels,
            strides,
            latent_dim,
            reconstruction_weight: 50_000.0,
            spectrogram: SpectrogramConfig::default(),
        };
        config.validate()?;
        Ok(config)
    }

    /// The shape after the encoder's convolutions: `(filters, bins / Π
    /// strides, frames / Π strides)`.
    pub fn encoded_shape(&self) -> (usize, usize, usize) {
        let down: usize = self.strides.iter().product::<usize>().max(1);
        (
            self.filters.last().copied().unwrap_or(1),
            self.spectrogram.bins() / down,
            self.spectrogram.frames() / down,
        )
    }

    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field: no layers,
    /// lists of different lengths, a zero size, an even kernel, a spectrogram
    /// whose bins or frames the product of the strides does not divide (the
    /// decoder would not restore the shape), a non-positive `α`, or a bad
    /// spectrogram setting.
    pub fn validate(&self) -> Result<()> {
        self.spectrogram.validate()?;
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        let n = self.filters.len();
        if n == 0 || n > 8 {
            return bad("filters", format!("{:?}", self.filters), "1 to 8 layers");
        }
        if self.kernels.len() != n || self.strides.len() != n {
            return bad(
                "kernels",
                format!(
                    "{} kernels and {} strides",
                    self.kernels.len(),
                    self.strides.len()
                ),
                "one kernel and one stride per filter count",
            );
        }
        if self.filters.contains(&0) || self.filters.iter().any(|&f| f > 4096) {
            return bad("filters", format!("{:?}", self.filters), "each in 1..=4096");
        }
        if self
            .kernels
            .iter()
            .any(|&k| k == 0 || k.is_multiple_of(2) || k > 31)
        {
            return bad(
                "kernels",
                format!("{:?}", self.kernels),
                "odd sizes up to 31",
            );
        }
        if self.strides.iter().any(|&s| s == 0 || s > 8) {
            return bad("strides", format!("{:?}", self.strides), "each in 1..=8");
        }
        if self.latent_dim == 0 || self.latent_dim > 65_536 {
            return bad("latent_dim", self.latent_dim.to_string(), "in 1..=65536");
        }
        let down: usize = self.strides.iter().product();
        let (bins, frames) = (self.spectrogram.bins(), self.spectrogram.frames());
        if !bins.is_multiple_of(down) || !frames.is_multiple_of(down) {
            return bad(
                "strides",
                format!("{:?} on a {bins} × {frames} spectrogram", self.strides),
                "a product of strides that divides both the bins and the frames",
            );
        }
        if !(self.reconstruction_weight.is_finite() && self.reconstruction_weight > 0.0) {
            return bad(
                "reconstruction_weight",
                self.reconstruction_weight.to_string(),
                "a finite number > 0",
            );
        }
        Ok(())
    }
}
