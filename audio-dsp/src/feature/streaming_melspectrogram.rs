//! A mel spectrogram over a signal that arrives in blocks.

use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex;

use crate::{Float, MelSpectrogram, MelSpectrogramConfig, Result, StreamingStft};

/// [`MelSpectrogram`] fed block by block: a [`StreamingStft`] and the fused
/// per-frame projection ([`MelSpectrogram::project_spectrum`]), so the
/// frames of every [`StreamingMelSpectrogram::push`] and of
/// [`StreamingMelSpectrogram::finish`], joined, are exactly
/// [`MelSpectrogram`]'s on the whole signal (to the bit; tested in
/// `audio-dsp/tests/streaming_features.rs`). Memory is one frame's reach of
/// input whatever the signal's length.
///
/// # Example
///
/// ```
/// use audio_dsp::{MelSpectrogram, MelSpectrogramConfig, StreamingMelSpectrogram, Transform};
/// let y: Vec<f32> = (0..22_050).map(|n| (n as f32 * 0.1).sin()).collect();
/// let mut stream = StreamingMelSpectrogram::<f32>::new(MelSpectrogramConfig::default())?;
/// let mut frames = 0;
/// for block in y.chunks(4_000) {
///     frames += stream.push(block)?.ncols();
/// }
/// frames += stream.finish()?.ncols();
/// let whole = MelSpectrogram::<f32>::new(MelSpectrogramConfig::default())?.process(&y)?;
/// assert_eq!(frames, whole.ncols());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamingMelSpectrogram<T: Float> {
    stft: StreamingStft<T>,
    mel: MelSpectrogram<T>,
    spectrum: Vec<Complex<T>>,
    power: Vec<T>,
}

impl<T: Float> StreamingMelSpectrogram<T> {
    /// Plans the STFT and the filterbank.
    ///
    /// # Errors
    ///
    /// As [`MelSpectrogram::new`].
    pub fn new(config: MelSpectrogramConfig) -> Result<Self> {
        let stft = StreamingStft::new(config.stft.clone())?;
        let mel = MelSpectrogram::new(config)?;
        let bins = mel.stft().n_bins();
        Ok(Self {
            stft,
            mel,
            spectrum: vec![Complex::new(T::zero(), T::zero()); bins],
            power: vec![T::zero(); bins],
        })
    }

    /// The planned transform the stream reproduces.
    pub fn mel_spectrogram(&self) -> &MelSpectrogram<T> {
        &self.mel
    }

    /// Takes the next block and returns the mel frames it completes.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NonFinite`] when the block holds NaN or infinities.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(n_mels, new_frames)`.
    pub fn push(&mut self, block: &[T]) -> Result<Array2<T>> {
        let frames = self.stft.push(block)?;
        self.project(&frames)
    }

    /// Ends the signal and returns the remaining frames; the stream is
    /// then reset for a new signal.
    ///
    /// # Errors
    ///
    /// As [`StreamingStft::finish`] (a signal too short for one frame).
    ///
    /// # Shapes
    ///
    /// Returns `(n_mels, remaining_frames)`.
    pub fn finish(&mut self) -> Result<Array2<T>> {
        let frames = self.stft.finish()?;
        self.project(&frames)
    }

    fn project(&mut self, frames: &Array2<Complex<T>>) -> Result<Array2<T>> {
        let n_mels = self.mel.filterbank().n_mels();
        let mut out = Array2::<T>::zeros((n_mels, frames.ncols()).f());
        for (column, mut dst) in frames.columns().into_iter().zip(out.columns_mut()) {
            self.spectrum
                .iter_mut()
                .zip(column)
                .for_each(|(s, &v)| *s = v);
            match dst.as_slice_mut() {
                Some(dst) => self
                    .mel
                    .project_spectrum(&self.spectrum, &mut self.power, dst)?,
                None => {
                    let mut frame = vec![T::zero(); n_mels];
                    self.mel
                        .project_spectrum(&self.spectrum, &mut self.power, &mut frame)?;
                    dst.iter_mut().zip(&frame).for_each(|(d, &v)| *d = v);
                }
            }
        }
        Ok(out)
    }
}
