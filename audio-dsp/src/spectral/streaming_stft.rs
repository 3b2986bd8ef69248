//! A streaming STFT: feed blocks of any size, get the finished frames.

use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex;

use crate::spectral::stft::check_finite;
use crate::{Float, PadMode, Result, Stft, StftConfig, Transform};

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
    /// The same plan without centring, applied to the padded buffer.
    frames: Stft<T>,
    /// Samples not yet consumed (padded at the front once `started`).
    buffer: Vec<T>,
    /// Read position in `buffer`.
    offset: usize,
    /// Samples still to drop before the next frame (when `hop > n_fft`).
    skip: usize,
    /// Whether the left padding has been applied.
    started: bool,
    /// The last `n_fft / 2 + 1` input samples, for right padding.
    history: Vec<T>,
    /// Every input sample while fewer than `n_fft / 2 + 1` have arrived.
    prefix: Vec<T>,
    total: usize,
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
        let started = !stft.config().center;
        Ok(Self {
            stft,
            frames,
            buffer: Vec::new(),
            offset: 0,
            skip: 0,
            started,
            history: Vec::new(),
            prefix: Vec::new(),
            total: 0,
        })
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.offset = 0;
        self.skip = 0;
        self.started = !self.stft.config().center;
        self.history.clear();
        self.prefix.clear();
        self.total = 0;
    }

    fn pad_len(&self) -> usize {
        self.stft.n_fft() / 2
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
        self.total += block.len();
        let keep = self.pad_len() + 1;
        self.history.extend_from_slice(block);
        if self.history.len() > 2 * keep {
            self.history.drain(..self.history.len() - keep);
        }
        if self.started {
            self.append(block);
        } else {
            self.prefix.extend_from_slice(block);
            if self.prefix.len() >= keep {
                let pad = self.pad_len();
                let mode = self.stft.config().pad_mode;
                let prefix = std::mem::take(&mut self.prefix);
                let left: Vec<T> = (0..pad)
                    .map(|k| mode.sample(&prefix, k as isize - pad as isize))
                    .collect();
                self.append(&left);
                self.append(&prefix);
                self.started = true;
            }
        }
        self.drain_frames()
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
        let result = self.finish_inner();
        self.reset();
        result
    }

    fn finish_inner(&mut self) -> Result<Array2<Complex<T>>> {
        self.stft.n_frames(self.total)?;
        if !self.stft.config().center {
            return self.drain_frames();
        }
        if !self.started {
            // Shorter than n_fft / 2 + 1 samples: nothing was emitted yet.
            let prefix = std::mem::take(&mut self.prefix);
            return self.stft.process(&prefix);
        }
        let pad = self.pad_len();
        let mode = self.stft.config().pad_mode;
        let hist = &self.history;
        let right: Vec<T> = (0..pad)
            .map(|k| match mode {
                PadMode::Constant => T::zero(),
                _ => mode.sample(hist, (hist.len() + k) as isize),
            })
            .collect();
        self.append(&right);
        self.drain_frames()
    }

    fn append(&mut self, samples: &[T]) {
        let drop = self.skip.min(samples.len());
        self.skip -= drop;
        self.buffer.extend_from_slice(&samples[drop..]);
    }

    fn drain_frames(&mut self) -> Result<Array2<Complex<T>>> {
        let n_fft = self.stft.n_fft();
        let hop = self.stft.hop_length();
        let available = self.buffer.len() - self.offset;
        let frames = if available >= n_fft {
            1 + (available - n_fft) / hop
        } else {
            0
        };
        let mut out = Array2::zeros((self.stft.n_bins(), frames).f());
        if frames > 0 {
            let span = &self.buffer[self.offset..self.offset + n_fft + (frames - 1) * hop];
            self.frames.process_into(span, out.view_mut())?;
            let consumed = frames * hop;
            let advance = consumed.min(available);
            self.offset += advance;
            self.skip += consumed - advance;
        }
        if self.offset > n_fft {
            self.buffer.drain(..self.offset);
            self.offset = 0;
        }
        Ok(out)
    }
}
