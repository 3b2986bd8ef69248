//! The constant-Q transform of a signal that arrives in blocks.

use std::collections::VecDeque;

use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex;

use crate::cqt::constant_q::{scaled, OctaveBuffers};
use crate::cqt::cqt_filters::cast;
use crate::spectral::stft::check_finite;
use crate::util::frame_stream::{FrameSpan, FrameStream};
use crate::{Cqt, CqtConfig, Error, Float, ResampleStream, Result};

/// One octave of a [`StreamingCqt`]: its framing, the columns it has
/// computed that wait for the lower octaves, and the stream halving the
/// signal for the next octave.
struct OctaveStage<T: Float> {
    framer: FrameStream<T>,
    buffers: OctaveBuffers<T>,
    /// Computed columns (this octave's rows), oldest first.
    columns: VecDeque<Vec<Complex<T>>>,
    halver: Option<ResampleStream>,
}

/// [`Transform::process`](crate::Transform::process) of [`Cqt`] over a signal fed in blocks of any size, for the
/// streaming resamplers (the soxr recipes; [`crate::Resampler::stream`]).
///
/// Each octave frames its own signal as it arrives ([`FrameStream`]); the
/// signal for the next octave comes from a resampling stream that halves
/// its rate (and the early downsampling's, when librosa downsamples
/// first), which gives the whole-signal resampler's samples to the bit. A
/// frame is returned once every octave has computed it, so the frames
/// joined are `Cqt::process` of the whole signal to the bit. The stream
/// holds, per octave, one FFT frame of samples, its resampler's reach
/// and the columns waiting for the lowest octave (whose frames, being the
/// longest, complete last).
///
/// # Example
///
/// ```
/// use audio_dsp::{Cqt, CqtConfig, StreamingCqt, Transform};
/// let config = CqtConfig { n_bins: 36, fmin: Some(110.0), ..CqtConfig::default() };
/// let y: Vec<f32> = (0..30_000).map(|n| (n as f32 * 0.125).sin()).collect();
/// let whole = Cqt::<f32>::new(config.clone())?.process(&y)?;
/// let mut stream = StreamingCqt::<f32>::new(config)?;
/// let mut frames = 0;
/// for block in y.chunks(4096) {
///     frames += stream.push(block)?.ncols();
/// }
/// let last = stream.finish()?;
/// assert_eq!(frames + last.ncols(), whole.ncols());
/// assert_eq!(last.column(last.ncols() - 1), whole.column(whole.ncols() - 1));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct StreamingCqt<T: Float> {
    cqt: Cqt<T>,
    early: Option<(T, ResampleStream)>,
    stages: Vec<OctaveStage<T>>,
    /// Input samples of this signal so far.
    received: usize,
    /// Frames returned for this signal so far.
    emitted: usize,
}

impl<T: Float> std::fmt::Debug for StreamingCqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingCqt")
            .field("cqt", &self.cqt)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl<T: Float> StreamingCqt<T> {
    /// Plans the transform and its streams.
    ///
    /// # Errors
    ///
    /// As [`Cqt::new`]; [`Error::InvalidParameter`] (`method`) for a
    /// `res_type` that does not stream (the FFT and sinc resamplers).
    pub fn new(config: CqtConfig) -> Result<Self> {
        let cqt = Cqt::new(config)?;
        let early = match cqt.early() {
            Some((_, gain, resampler)) => Some((gain, resampler.stream()?)),
            None => None,
        };
        let last = cqt.octaves().len().saturating_sub(1);
        let mut stages = Vec::with_capacity(cqt.octaves().len());
        for (i, octave) in cqt.octaves().iter().enumerate() {
            let halver = match cqt.halver() {
                Some(h) if octave.halve_after() && i < last => Some(h.stream()?),
                _ => None,
            };
            stages.push(OctaveStage {
                framer: FrameStream::new(
                    octave.n_fft(),
                    octave.hop(),
                    true,
                    cqt.config().pad_mode,
                )?,
                buffers: OctaveBuffers::new(octave),
                columns: VecDeque::new(),
                halver,
            });
        }
        Ok(Self {
            cqt,
            early,
            stages,
            received: 0,
            emitted: 0,
        })
    }

    /// The transform the stream reproduces.
    pub fn cqt(&self) -> &Cqt<T> {
        &self.cqt
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        let mut sink = Vec::new();
        if let Some((_, early)) = &mut self.early {
            // `finish` resets a resampling stream.
            let _ = early.finish::<T>(&mut sink);
        }
        for stage in &mut self.stages {
            stage.framer.reset();
            stage.columns.clear();
            if let Some(halver) = &mut stage.halver {
                sink.clear();
                let _ = halver.finish::<T>(&mut sink);
            }
        }
        self.received = 0;
        self.emitted = 0;
    }

    /// Feeds a block and returns the frames it completes in every octave.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] when the block holds NaN or infinities.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(n_bins, new_frames)`.
    pub fn push(&mut self, block: &[T]) -> Result<Array2<Complex<T>>> {
        check_finite("cqt input", block)?;
        self.received += block.len();
        let mut y = match &mut self.early {
            Some((gain, early)) => {
                let mut out = Vec::new();
                early.process(block, &mut out)?;
                scaled(out, *gain)
            }
            None => block.to_vec(),
        };
        for (octave, stage) in self.cqt.octaves().iter().zip(&mut self.stages) {
            let span = stage.framer.push(&y);
            respond(octave, span, &mut stage.buffers, &mut stage.columns)?;
            if let Some(halver) = &mut stage.halver {
                let mut out = Vec::new();
                halver.process(&y, &mut out)?;
                y = scaled(out, cast(2f64.sqrt()));
            }
        }
        Ok(self.emit(usize::MAX))
    }

    /// Ends the signal: pads and frames the rest of every octave and
    /// returns the remaining frames. The stream is then reset.
    ///
    /// # Errors
    ///
    /// As [`Transform::process`](crate::Transform::process) of [`Cqt`] for the whole signal's length (an empty signal,
    /// or one shorter than the early downsampling factor).
    ///
    /// # Shapes
    ///
    /// Returns `(n_bins, remaining_frames)`.
    pub fn finish(&mut self) -> Result<Array2<Complex<T>>> {
        let frames = match self.cqt.n_frames(self.received) {
            Ok(frames) => frames,
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        let result = self.finish_octaves(frames);
        self.reset();
        result
    }

    fn finish_octaves(&mut self, frames: usize) -> Result<Array2<Complex<T>>> {
        let mut y = match &mut self.early {
            Some((gain, early)) => {
                let mut out = Vec::new();
                early.finish(&mut out)?;
                scaled(out, *gain)
            }
            None => Vec::new(),
        };
        for (octave, stage) in self.cqt.octaves().iter().zip(&mut self.stages) {
            let span = stage.framer.push(&y);
            respond(octave, span, &mut stage.buffers, &mut stage.columns)?;
            let span = stage.framer.finish()?;
            respond(octave, span, &mut stage.buffers, &mut stage.columns)?;
            if let Some(halver) = &mut stage.halver {
                let mut out = Vec::new();
                halver.process(&y, &mut out)?;
                halver.finish(&mut out)?;
                y = scaled(out, cast(2f64.sqrt()));
            }
        }
        // Frames already returned plus those left: the whole signal's count.
        Ok(self.emit(frames.saturating_sub(self.emitted)))
    }

    /// Returns the frames every octave has computed, at most `limit`.
    fn emit(&mut self, limit: usize) -> Array2<Complex<T>> {
        let ready = self
            .stages
            .iter()
            .map(|s| s.columns.len())
            .min()
            .unwrap_or(0)
            .min(limit);
        self.emitted += ready;
        let mut out = Array2::from_elem(
            (self.cqt.n_bins(), ready).f(),
            Complex::new(T::zero(), T::zero()),
        );
        for (octave, stage) in self.cqt.octaves().iter().zip(&mut self.stages) {
            for t in 0..ready {
                if let Some(column) = stage.columns.pop_front() {
                    for (row, v) in octave.rows().zip(column) {
                        out[[row, t]] = v;
                    }
                }
            }
        }
        out
    }
}

/// Appends the octave's responses to a span's frames.
fn respond<T: Float>(
    octave: &crate::cqt::constant_q::Octave<T>,
    span: FrameSpan<'_, T>,
    buffers: &mut OctaveBuffers<T>,
    columns: &mut VecDeque<Vec<Complex<T>>>,
) -> Result<()> {
    let (n_fft, hop) = (octave.n_fft(), octave.hop());
    for t in 0..span.frames {
        let frame = span
            .samples
            .get(t * hop..t * hop + n_fft)
            .ok_or(Error::BufferLength {
                what: "cqt frame span",
                expected: t * hop + n_fft,
                got: span.samples.len(),
            })?;
        let mut column = Vec::with_capacity(octave.rows().len());
        octave.respond(frame, buffers, |_, v| column.push(v))?;
        columns.push_back(column);
    }
    Ok(())
}
