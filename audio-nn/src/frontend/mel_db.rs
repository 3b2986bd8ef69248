//! The dB mel spectrogram front end of torchaudio-based models
//! (`torchaudio.transforms.MelSpectrogram` followed by `AmplitudeToDB`).

use audio_dsp::{MelConfig, MelNorm};
use candle_core::{DType, Device, Tensor};

use crate::checks;
use crate::frontend::stft::{power, power_to_db, MelProjection, StftLayer, StftLayerConfig};
use crate::Result;

/// Configuration of a [`MelDb`], with torchaudio's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MelDbConfig {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// FFT size (`n_fft`, also the Hann window's length).
    pub n_fft: usize,
    /// Hop between frames; torchaudio's default is `n_fft / 2`.
    pub hop_length: usize,
    /// Lowest filter edge in Hz (`f_min`).
    pub f_min: f64,
    /// Highest filter edge in Hz (`f_max`); `None` is `sample_rate / 2`.
    pub f_max: Option<f64>,
    /// Number of mel bands (`n_mels`).
    pub n_mels: usize,
    /// The floor of the power before the logarithm (`AmplitudeToDB`'s
    /// `amin`, 1e-10).
    pub amin: f64,
}

impl MelDbConfig {
    /// torchaudio's defaults for these arguments: hop `n_fft / 2`, amin 1e-10.
    pub fn new(
        sample_rate: f64,
        n_fft: usize,
        n_mels: usize,
        f_min: f64,
        f_max: Option<f64>,
    ) -> Self {
        Self {
            sample_rate,
            n_fft,
            hop_length: n_fft / 2,
            f_min,
            f_max,
            n_mels,
            amin: 1e-10,
        }
    }

    /// The short-chunk CNN's front end (Won et al. 2020): 16 kHz, `n_fft`
    /// 512, 128 bands between 0 and 8 kHz.
    pub fn short_chunk() -> Self {
        Self::new(16000.0, 512, 128, 0.0, Some(8000.0))
    }

    /// Frames for `samples` input samples: `1 + samples / hop_length`.
    pub fn frames(&self, samples: usize) -> usize {
        1 + samples / self.hop_length.max(1)
    }
}

/// A dB mel spectrogram as torchaudio computes it for a model's input:
/// `MelSpectrogram(sample_rate, n_fft, f_min, f_max, n_mels)` (a centred,
/// reflect-padded STFT with a periodic Hann window, power 2, HTK-scale
/// triangular filters without normalisation) then `AmplitudeToDB()`
/// (`10 log10(max(S, amin))`, reference 1, no `top_db`).
///
/// The filterbank is `librosa.filters.mel(htk=True, norm=None)`, which has
/// torchaudio's formula (`melscale_fbanks` with `mel_scale="htk"`), computed
/// in float64 rather than torchaudio's float32. Differentiable with respect
/// to the input, as the STFT is.
///
/// # Shapes
///
/// `(batch, samples)` → `(batch, n_mels, 1 + samples / hop_length)`.
///
/// ```
/// use audio_nn::frontend::mel_db::{MelDb, MelDbConfig};
/// use candle_core::{DType, Device, Tensor};
/// let mel = MelDb::new(MelDbConfig::short_chunk(), DType::F32, &Device::Cpu)?;
/// let db = mel.forward(&Tensor::ones((2, 59049), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(db.dims(), &[2, 128, 231]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelDb {
    stft: StftLayer,
    mel: MelProjection,
    config: MelDbConfig,
}

impl MelDb {
    /// Plans the STFT and builds the filterbank.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for a zero hop, `n_fft < 2` or
    /// `amin <= 0`; `audio-dsp`'s errors for the filterbank's parameters.
    pub fn new(config: MelDbConfig, dtype: DType, device: &Device) -> Result<Self> {
        checks::config("MelDb", "amin", config.amin, config.amin > 0.0, "> 0")?;
        let stft = StftLayer::new(
            StftLayerConfig::torch(config.n_fft, config.hop_length, config.n_fft),
            dtype,
            device,
        )?;
        let mel = MelProjection::new(
            &MelConfig {
                sr: config.sample_rate,
                n_fft: config.n_fft,
                n_mels: config.n_mels,
                fmin: config.f_min,
                fmax: config.f_max,
                htk: true,
                norm: MelNorm::None,
            },
            dtype,
            device,
        )?;
        Ok(Self { stft, mel, config })
    }

    /// The configuration.
    pub fn config(&self) -> &MelDbConfig {
        &self.config
    }

    /// The dB mel spectrogram of `x`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`] unless `x` is `(batch, samples)`; the
    /// STFT's error for an input shorter than `n_fft / 2 + 1` samples (the
    /// reflect padding needs that many).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (re, im) = self.stft.forward(x)?;
        let mel = self.mel.forward(&power(&re, &im)?)?;
        power_to_db(&mel, self.config.amin, None)
    }
}
