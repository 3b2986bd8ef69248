//! Mel spectrogram to audio, as `librosa.feature.inverse.mel_to_audio`.

use ndarray::ArrayView2;

use super::mel_to_stft::{mel_to_stft, MelToStftConfig};
use crate::{
    griffin_lim, Float, GriffinLimConfig, GriffinLimInit, PadMode, Result, StftConfig, WindowKind,
};

/// Parameters of [`mel_to_audio`], with librosa's names and defaults.
///
/// `momentum` and `init` are Griffin-Lim's, which `librosa.feature.inverse.
/// mel_to_audio` leaves at `librosa.griffinlim`'s defaults (momentum 0.99,
/// random phases); ours start from zero phase (librosa's `init=None`), which
/// is deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct MelToAudioConfig<T: Float> {
    /// The mel inversion: `sr`, `n_fft`, `power` and the filterbank's keywords.
    pub mel: MelToStftConfig,
    /// Samples between frames; `None` means `win_length / 4`.
    pub hop_length: Option<usize>,
    /// Window length; `None` means `n_fft`.
    pub win_length: Option<usize>,
    /// Window shape. Default Hann.
    pub window: WindowKind,
    /// Whether the STFT frames were centred. Default true.
    pub center: bool,
    /// Padding of the centred STFT. Default constant (zeros).
    pub pad_mode: PadMode,
    /// Griffin-Lim iterations. Default 32.
    pub n_iter: usize,
    /// Output length in samples; `None` keeps the ISTFT's.
    pub length: Option<usize>,
    /// Griffin-Lim momentum. Default 0.99.
    pub momentum: f64,
    /// Griffin-Lim phase initialisation. Default zero phase.
    pub init: GriffinLimInit<T>,
}

impl<T: Float> Default for MelToAudioConfig<T> {
    fn default() -> Self {
        Self {
            mel: MelToStftConfig::default(),
            hop_length: None,
            win_length: None,
            window: WindowKind::Hann,
            center: true,
            pad_mode: PadMode::Constant,
            n_iter: 32,
            length: None,
            momentum: 0.99,
            init: GriffinLimInit::Zero,
        }
    }
}

impl<T: Float> MelToAudioConfig<T> {
    /// The Griffin-Lim parameters (its STFT of `mel.n_fft` points).
    pub fn griffin_lim_config(&self) -> GriffinLimConfig<T> {
        GriffinLimConfig {
            stft: StftConfig {
                n_fft: self.mel.n_fft,
                hop_length: self.hop_length,
                win_length: self.win_length,
                window: self.window,
                center: self.center,
                pad_mode: self.pad_mode,
            },
            n_iter: self.n_iter,
            momentum: self.momentum,
            init: self.init.clone(),
            length: self.length,
            precision: crate::GriffinLimPrecision::Double,
        }
    }
}

/// A signal whose mel spectrogram approximates `M`, as
/// `librosa.feature.inverse.mel_to_audio`: the magnitude spectrogram of
/// [`mel_to_stft`] phase-reconstructed by [`griffin_lim`]
/// (`griffinlim(mel_to_stft(M), n_iter, hop_length, win_length, n_fft,
/// window, center, length, pad_mode)`).
///
/// # Errors
///
/// As [`mel_to_stft`] and [`griffin_lim`].
///
/// # Shapes
///
/// `(n_mels, frames)` → `(length,)`, by default `n_fft` centred frames'
/// ISTFT length `hop_length · (frames - 1)`.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::inverse::{mel_to_audio, MelToAudioConfig, MelToStftConfig};
/// use ndarray::Array2;
/// let cfg = MelToAudioConfig::<f32> {
///     mel: MelToStftConfig { n_fft: 256, ..MelToStftConfig::default() },
///     n_iter: 4,
///     ..MelToAudioConfig::default()
/// };
/// let mel = Array2::<f32>::from_elem((16, 9), 0.5);
/// let y = mel_to_audio(mel.view(), &cfg)?;
/// assert_eq!(y.len(), 64 * 8);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mel_to_audio<T: Float>(mel: ArrayView2<T>, config: &MelToAudioConfig<T>) -> Result<Vec<T>> {
    let magnitude = mel_to_stft(mel, &config.mel)?;
    griffin_lim(magnitude.view(), &config.griffin_lim_config())
}
