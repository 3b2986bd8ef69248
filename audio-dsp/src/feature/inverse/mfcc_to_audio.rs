//! MFCC to audio, as `librosa.feature.inverse.mfcc_to_audio`.

use ndarray::ArrayView2;

use super::mel_to_audio::{mel_to_audio, MelToAudioConfig};
use super::mfcc_to_mel::{mfcc_to_mel, MfccToMelConfig};
use crate::{Float, Result};

/// Parameters of [`mfcc_to_audio`]: librosa's `mfcc_to_mel` keywords and the
/// `mel_to_audio` keywords it passes on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MfccToAudioConfig<T: Float> {
    /// `n_mels`, `dct_type`, `norm`, `ref` and `lifter`.
    pub mfcc: MfccToMelConfig,
    /// The mel spectrogram's inversion to audio.
    pub audio: MelToAudioConfig<T>,
}

/// A signal whose MFCCs approximate `C`, as
/// `librosa.feature.inverse.mfcc_to_audio`:
/// `mel_to_audio(mfcc_to_mel(C))`.
///
/// # Errors
///
/// As [`mfcc_to_mel`] and [`mel_to_audio`].
///
/// # Shapes
///
/// `(n_mfcc, frames)` → `(length,)`.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::inverse::{
///     mfcc_to_audio, MelToAudioConfig, MelToStftConfig, MfccToAudioConfig, MfccToMelConfig,
/// };
/// use ndarray::Array2;
/// let cfg = MfccToAudioConfig::<f64> {
///     mfcc: MfccToMelConfig { n_mels: 16, ..MfccToMelConfig::default() },
///     audio: MelToAudioConfig {
///         mel: MelToStftConfig { n_fft: 256, ..MelToStftConfig::default() },
///         n_iter: 4,
///         ..MelToAudioConfig::default()
///     },
/// };
/// let mut mfcc = Array2::<f64>::zeros((13, 5));
/// mfcc.row_mut(0).fill(-40.0);
/// let y = mfcc_to_audio(mfcc.view(), &cfg)?;
/// assert_eq!(y.len(), 64 * 4);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mfcc_to_audio<T: Float>(
    mfcc: ArrayView2<T>,
    config: &MfccToAudioConfig<T>,
) -> Result<Vec<T>> {
    let mel = mfcc_to_mel(mfcc, &config.mfcc)?;
    mel_to_audio(mel.view(), &config.audio)
}
