//! A streaming inverse STFT: feed frames, get the finished samples.

use std::sync::Arc;

use ndarray::ArrayView2;
use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner};

use crate::spectral::stft::resolve_geometry;
use crate::{get_window, pad_center, Error, Float, IstftConfig, Result};

/// An inverse STFT over frames that arrive a few at a time.
///
/// After each frame, the `hop_length` samples that no later frame overlaps
/// are final and returned, normalised by the window sum-square; concatenating
/// every [`StreamingIstft::push`] and [`StreamingIstft::finish`] gives
/// [`crate::Istft::process`] with `length = None`.
///
/// # Example
///
/// ```
/// use audio_dsp::{Istft, IstftConfig, Stft, StftConfig, StreamingIstft, Transform};
/// let cfg = StftConfig { n_fft: 64, ..StftConfig::default() };
/// let x: Vec<f64> = (0..640).map(|n| (n as f64 * 0.2).cos()).collect();
/// let spec = Stft::new(cfg.clone())?.process(&x)?;
/// let mut stream = StreamingIstft::new(IstftConfig::from(&cfg))?;
/// let mut y = Vec::new();
/// for t in (0..spec.ncols()).step_by(3) {
///     let end = (t + 3).min(spec.ncols());
///     y.extend(stream.push(spec.slice(ndarray::s![.., t..end]))?);
/// }
/// y.extend(stream.finish());
/// let offline = Istft::new(IstftConfig::from(&cfg))?.process(spec.view(), None)?;
/// assert_eq!(y.len(), offline.len());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Clone)]
pub struct StreamingIstft<T: Float> {
    n_fft: usize,
    hop: usize,
    center: bool,
    window: Vec<T>,
    window_sq: Vec<T>,
    plan: Arc<dyn ComplexToReal<T>>,
    /// Overlap-add accumulators of the signal and the window sum-square,
    /// `n_fft + hop` long, sample 0 being the first not yet returned.
    signal: Vec<T>,
    envelope: Vec<T>,
    /// Samples of centring padding still to drop from the output.
    skip: usize,
    frames: usize,
}

impl<T: Float> std::fmt::Debug for StreamingIstft<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingIstft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .field("center", &self.center)
            .finish()
    }
}

impl<T: Float> StreamingIstft<T> {
    /// Plans the transform.
    ///
    /// # Errors
    ///
    /// As [`crate::Istft::new`].
    pub fn new(config: IstftConfig) -> Result<Self> {
        let g = resolve_geometry(config.n_fft, config.hop_length, config.win_length)?;
        let window = pad_center(
            &get_window::<T>(config.window, g.win_length, true)?,
            g.n_fft,
        )?;
        let window_sq = window.iter().map(|&w| w * w).collect();
        let mut s = Self {
            n_fft: g.n_fft,
            hop: g.hop_length,
            center: config.center,
            window,
            window_sq,
            plan: RealFftPlanner::<T>::new().plan_fft_inverse(g.n_fft),
            signal: vec![T::zero(); g.n_fft + g.hop_length],
            envelope: vec![T::zero(); g.n_fft + g.hop_length],
            skip: 0,
            frames: 0,
        };
        s.reset();
        Ok(s)
    }

    /// Forgets all input, ready for a new spectrogram.
    pub fn reset(&mut self) {
        self.signal.fill(T::zero());
        self.envelope.fill(T::zero());
        self.skip = if self.center { self.n_fft / 2 } else { 0 };
        self.frames = 0;
    }

    fn emit(&mut self, count: usize, out: &mut Vec<T>) {
        let tiny = T::min_positive_value();
        for i in 0..count {
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            let e = self.envelope[i];
            out.push(if e > tiny {
                self.signal[i] / e
            } else {
                self.signal[i]
            });
        }
        self.signal.copy_within(count.., 0);
        self.envelope.copy_within(count.., 0);
        let len = self.signal.len();
        self.signal[len - count..].fill(T::zero());
        self.envelope[len - count..].fill(T::zero());
    }

    /// Feeds frames and returns the samples they complete.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the frames do not have `1 + n_fft / 2` rows.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, new_frames)` → `(hop_length * new_frames - dropped_padding,)`.
    pub fn push(&mut self, frames: ArrayView2<Complex<T>>) -> Result<Vec<T>> {
        let bins = self.n_fft / 2 + 1;
        if frames.nrows() != bins {
            return Err(Error::ShapeMismatch {
                what: "istft input",
                expected: vec![bins, 0],
                got: frames.shape().to_vec(),
            });
        }
        let mut out = Vec::with_capacity(frames.ncols() * self.hop);
        // The block's frames are overlap-added at their offsets first and
        // the finished samples emitted once (not shifted after every
        // frame): the same sums in the same order, one move per block.
        let span = self.n_fft + self.hop * frames.ncols().max(1);
        if self.signal.len() < span {
            self.signal.resize(span, T::zero());
            self.envelope.resize(span, T::zero());
        }
        let mut spectrum = self.plan.make_input_vec();
        let mut frame = self.plan.make_output_vec();
        let mut scratch = self.plan.make_scratch_vec();
        let scale = T::one() / T::from(self.n_fft).unwrap_or_else(T::one);
        for (t, column) in frames.columns().into_iter().enumerate() {
            let at = t * self.hop;
            spectrum.iter_mut().zip(column).for_each(|(d, s)| *d = *s);
            spectrum[0].im = T::zero();
            if self.n_fft.is_multiple_of(2) {
                spectrum[bins - 1].im = T::zero();
            }
            self.plan
                .process_with_scratch(&mut spectrum, &mut frame, &mut scratch)
                .map_err(|_| Error::BufferLength {
                    what: "inverse fft buffers",
                    expected: self.n_fft,
                    got: frame.len(),
                })?;
            frame.iter_mut().for_each(|v| *v = *v * scale);
            crate::kernels::simd::multiply_add(
                &frame,
                &self.window,
                &mut self.signal[at..at + self.n_fft],
            );
            self.envelope[at..at + self.n_fft]
                .iter_mut()
                .zip(&self.window_sq)
                .for_each(|(e, &w)| *e = *e + w);
            self.frames += 1;
        }
        self.emit(self.hop * frames.ncols(), &mut out);
        // Back to one frame and one hop of buffer (the rest is zeros).
        self.signal.truncate(self.n_fft + self.hop);
        self.envelope.truncate(self.n_fft + self.hop);
        Ok(out)
    }

    /// Ends the spectrogram: returns the last samples (dropping the centring
    /// padding at the end) and resets the stream.
    ///
    /// # Shapes
    ///
    /// Returns `(n_fft - hop_length - dropped_padding,)` samples.
    pub fn finish(&mut self) -> Vec<T> {
        let mut out = self.finish_keeping_padding();
        if self.center {
            let drop = (self.n_fft / 2).min(out.len());
            out.truncate(out.len() - drop);
        }
        out
    }

    /// Ends the spectrogram like [`StreamingIstft::finish`], but keeps the
    /// samples of the centring padding at the end, as
    /// [`crate::Istft::process`] does with an explicit `length` (it trims
    /// only the start's padding, then cuts or zero-pads to `length`): a
    /// caller that knows the signal's length truncates to it.
    ///
    /// # Shapes
    ///
    /// Returns `(n_fft - hop_length,)` samples (fewer while the start's
    /// padding is still being dropped).
    pub fn finish_keeping_padding(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        if self.frames > 0 {
            let tail = self.n_fft.saturating_sub(self.hop);
            self.emit(tail, &mut out);
        }
        self.reset();
        out
    }
}
