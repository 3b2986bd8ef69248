//! A streaming STFT: feed blocks of any size, get the finished frames.

use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex;

use crate::spectral::stft::check_finite;
use crate::util::frame_stream::{FrameSpan, FrameStream};
use crate::{Float, Result, Stft, StftConfig, Transform};

/// An STFT over a signal that arrives in blocks of any size.
///
/// Concatenating the frames returned by every [`StreamingStft::push`] and by
/// [`StreamingStft::finish`] gives exactly [`Stft::process`] of the whole
/// signal, centred or not, in every pad mode: left padding is applied once the
/// first `n_fft / 2 + 1` samples have arrived, right padding at `finish`.
///
/// # Example
///
/// ```
/// use audio_dsp::{Stft, StftConfig, StreamingStft, Transform};
/// let cfg = StftConfig { n_fft: 64, hop_length: Some(16), ..StftConfig::default() };
/// let x: Vec<f64> = (0..1000).map(|n| (n as f64 * 0.3).sin()).collect();
/// let mut stream = StreamingStft::new(cfg.clone())?;
/// let mut frames = 0;
/// for block in x.chunks(37) {
///     frames += stream.push(block)?.ncols();
/// }
/// frames += stream.finish()?.ncols();
/// assert_eq!(frames, Stft::<f64>::new(cfg)?.process(&x)?.ncols());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamingStft<T: Float> {
    /// The centred (or not) transform the stream reproduces.
    stft: Stft<T>,
    /// The same plan without centring, applied to the padded frames.
    frames: Stft<T>,
    /// The padding and framing of the input.
    framer: FrameStream<T>,
}

impl<T: Float> StreamingStft<T> {
    /// Plans the transform.
    ///
    /// # Errors
    ///
    /// As [`Stft::new`].
    pub fn new(config: StftConfig) -> Result<Self> {
        let frames = Stft::new(StftConfig {
            center: false,
            ..config.clone()
        })?;
        let stft = Stft::new(config)?;
        let framer = FrameStream::new(
            stft.n_fft(),
            stft.hop_length(),
            stft.config().center,
            stft.config().pad_mode,
        )?;
        Ok(Self {
            stft,
            frames,
            framer,
        })
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        self.framer.reset();
    }

    /// Feeds a block and returns the frames it completes.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NonFinite`] when the block holds NaN or infinities.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(1 + n_fft / 2, new_frames)`.
    pub fn push(&mut self, block: &[T]) -> Result<Array2<Complex<T>>> {
        check_finite("stft input", block)?;
        let span = self.framer.push(block);
        transform(&self.frames, span)
    }

    /// Ends the signal: applies the right padding (when centred) and returns
    /// the remaining frames. The stream is then reset.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputTooShort`] when the whole signal was too short for
    /// one frame (as [`Stft::n_frames`]).
    ///
    /// # Shapes
    ///
    /// Returns `(1 + n_fft / 2, remaining_frames)`.
    pub fn finish(&mut self) -> Result<Array2<Complex<T>>> {
        if let Err(e) = self.stft.n_frames(self.framer.samples_in()) {
            self.framer.reset();
            return Err(e);
        }
        let span = self.framer.finish()?;
        transform(&self.frames, span)
    }
}

/// The uncentred STFT of a span's frames.
fn transform<T: Float>(plan: &Stft<T>, span: FrameSpan<'_, T>) -> Result<Array2<Complex<T>>> {
    let mut out = Array2::zeros((plan.n_bins(), span.frames).f());
    if span.frames > 0 {
        plan.process_into(span.samples, out.view_mut())?;
    }
    Ok(out)
}
