//! `librosa.effects.time_stretch`.

use ndarray::{Array2, ArrayView2};

use num_complex::Complex;

use super::phase_vocoder::{check_rate, PhaseVocoder, VocoderStream};
use crate::spectral::istft::{normalise, OverlapAdd};
use crate::spectral::stft::check_finite;
use crate::{Error, Float, Istft, IstftConfig, Result, Stft, StftConfig, Transform};

/// Time stretching by a phase vocoder, as
/// `librosa.effects.time_stretch(y, rate=rate, **stft_kwargs)`: the STFT
/// (`config`; librosa's defaults `n_fft = 2048`, hop `n_fft / 4`, Hann,
/// centred, zero padding), [`PhaseVocoder`] at `rate`, and the inverse STFT
/// cut to `round(n / rate)` samples (ties to even, Python's `round`).
/// `rate > 1` speeds up, `rate < 1` slows down; the pitch is kept.
///
/// Planned once (FFTs, window, vocoder) for one rate; [`TimeStretch::process`]
/// runs it on any signal.
///
/// ```
/// use audio_dsp::effects::TimeStretch;
/// use audio_dsp::StftConfig;
///
/// let y: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let slow = TimeStretch::<f32>::new(0.5, StftConfig::default())?;
/// assert_eq!(slow.process(&y)?.len(), 44_100);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct TimeStretch<T: Float> {
    rate: f64,
    stft: Stft<T>,
    istft: Istft<T>,
    vocoder: PhaseVocoder,
}

impl<T: Float> std::fmt::Debug for TimeStretch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeStretch")
            .field("rate", &self.rate)
            .field("vocoder", &self.vocoder)
            .finish_non_exhaustive()
    }
}

impl<T: Float> TimeStretch<T> {
    /// Plans a stretch by `rate` with the STFT settings `config`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a rate that is not finite and
    /// positive, and as [`Stft::new`] / [`Istft::new`].
    pub fn new(rate: f64, config: StftConfig) -> Result<Self> {
        check_rate(rate)?;
        let stft = Stft::new(config.clone())?;
        let istft = Istft::new(IstftConfig::from(&config))?;
        // librosa passes the STFT's hop (None: n_fft // 4) to the vocoder.
        let vocoder = PhaseVocoder::new(config.n_fft, config.hop_length)?;
        Ok(Self {
            rate,
            stft,
            istft,
            vocoder,
        })
    }

    /// The rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The output length for `n` input samples, `round(n / rate)`.
    pub fn output_len(&self, n: usize) -> usize {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a finite, non-negative length"
        )]
        let len = (n as f64 / self.rate).round_ties_even() as usize;
        len
    }

    /// Stretches a mono signal, one frame at a time (STFT frame → vocoder
    /// → overlap-add): neither spectrogram is stored, so memory is the
    /// output plus a few frames.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty signal; [`Error::NonFinite`] for NaN or
    /// infinite samples; as [`Stft`]'s `process` (a signal too short for
    /// one frame when not centred).
    ///
    /// # Shapes
    ///
    /// `(n,)` → `(round(n / rate),)`.
    pub fn process(&self, y: &[T]) -> Result<Vec<T>> {
        if y.is_empty() {
            return Err(Error::InputTooShort {
                what: "time_stretch input",
                expected: 1,
                got: 0,
            });
        }
        check_finite("stft input", y)?;
        let frames = self.stft.output_shape(y.len())?[1];
        let mut out = vec![T::zero(); self.output_len(y.len())];
        // STFT -> vocoder -> inverse STFT one frame at a time: neither
        // spectrogram is stored, so memory is the output and a few frames.
        let mut stream = VocoderStream::new(&self.vocoder, self.rate, frames)?;
        let mut adder = OverlapAdd::new(&self.istft);
        let mut emit =
            |t: usize, column: &[Complex<T>]| adder.add(t, column.iter().copied(), &mut out);
        let mut spectrum = vec![Complex::new(T::zero(), T::zero()); self.vocoder.n_bins()];
        let mut failure = None;
        self.stft.for_each_frame(y, &mut spectrum, |_, frame| {
            if failure.is_none() {
                failure = stream.push(Some(frame), &mut emit).err();
            }
        })?;
        if let Some(error) = failure {
            return Err(error);
        }
        stream.finish(&mut emit)?;
        let envelope = self
            .istft
            .window_sumsquare(stream.output_frames(), out.len());
        normalise(&mut out, &envelope);
        Ok(out)
    }

    /// Stretches each channel of `(channels, n)`, as librosa does along the
    /// last axis.
    ///
    /// # Errors
    ///
    /// As [`TimeStretch::process`].
    ///
    /// # Shapes
    ///
    /// `(channels, n)` → `(channels, round(n / rate))`.
    pub fn process_multichannel(&self, y: ArrayView2<'_, T>) -> Result<Array2<T>> {
        super::per_channel(y, self.output_len(y.ncols()), |x| self.process(x))
    }
}

/// `librosa.effects.time_stretch(y, rate=rate)` with librosa's STFT
/// defaults: [`TimeStretch`] planned for one call.
///
/// ```
/// use audio_dsp::effects::time_stretch;
/// let y = vec![0.25_f64; 8000];
/// assert_eq!(time_stretch(&y, 2.0)?.len(), 4000);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
///
/// # Errors
///
/// As [`TimeStretch::new`] and [`TimeStretch::process`].
///
/// # Shapes
///
/// `(n,)` → `(round(n / rate),)`.
pub fn time_stretch<T: Float>(y: &[T], rate: f64) -> Result<Vec<T>> {
    TimeStretch::new(rate, StftConfig::default())?.process(y)
}
