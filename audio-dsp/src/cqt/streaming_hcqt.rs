//! [`StreamingHcqt`]: the harmonic CQT over a signal fed in blocks.

use ndarray::{s, Array3};
use num_complex::Complex;

use crate::cqt::hcqt::Hcqt;
use crate::util::aligned_frames::AlignedFrames;
use crate::{Float, HcqtConfig, Result, StreamingCqt};

/// [`Hcqt`] over a signal fed in blocks of any size, for the streaming
/// resamplers (the soxr recipes).
///
/// One [`StreamingCqt`] per harmonic; a frame is returned once every
/// harmonic has it, so the frames joined are [`Hcqt`]'s of the whole
/// signal (trimmed to the fewest frames of any harmonic), to the bit.
/// Memory: each harmonic's stream, and the frames one harmonic has ahead
/// of the slowest.
///
/// # Example
///
/// ```
/// use audio_dsp::{CqtConfig, Hcqt, HcqtConfig, StreamingHcqt, Transform};
/// let config = HcqtConfig {
///     cqt: CqtConfig { n_bins: 24, fmin: Some(110.0), ..CqtConfig::default() },
///     harmonics: vec![0.5, 1.0, 2.0],
/// };
/// let y: Vec<f32> = (0..30_000).map(|n| (n as f32 * 0.125).sin()).collect();
/// let whole = Hcqt::<f32>::new(config.clone())?.process(&y)?;
/// let mut stream = StreamingHcqt::<f32>::new(config)?;
/// let mut frames = Vec::new();
/// for block in y.chunks(4096) {
///     frames.push(stream.push(block)?);
/// }
/// frames.push(stream.finish()?);
/// let views: Vec<_> = frames.iter().map(|f| f.view()).collect();
/// assert_eq!(ndarray::concatenate(ndarray::Axis(2), &views)?, whole);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamingHcqt<T: Float> {
    plan: Hcqt<T>,
    streams: Vec<StreamingCqt<T>>,
    aligned: AlignedFrames<Complex<T>>,
}

impl<T: Float> StreamingHcqt<T> {
    /// Plans one streaming CQT per harmonic.
    ///
    /// # Errors
    ///
    /// As [`Hcqt::new`]; [`crate::Error::InvalidParameter`] for a
    /// resampler that does not stream (as [`StreamingCqt::new`]).
    pub fn new(config: HcqtConfig) -> Result<Self> {
        let plan = Hcqt::new(config)?;
        let streams = plan
            .cqts
            .iter()
            .map(|cqt| StreamingCqt::new(cqt.config().clone()))
            .collect::<Result<Vec<_>>>()?;
        let rows = vec![plan.config().cqt.n_bins; streams.len()];
        Ok(Self {
            aligned: AlignedFrames::new(&rows),
            plan,
            streams,
        })
    }

    /// The whole-signal plan this stream reproduces.
    pub fn plan(&self) -> &Hcqt<T> {
        &self.plan
    }

    /// Feeds a block and returns the frames it completes in every
    /// harmonic.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NonFinite`] when the block holds NaN or infinities.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(harmonics, n_bins, new_frames)`.
    pub fn push(&mut self, block: &[T]) -> Result<Array3<Complex<T>>> {
        for (i, stream) in self.streams.iter_mut().enumerate() {
            let frames = stream.push(block)?;
            self.aligned.push(i, frames)?;
        }
        Ok(self.joined())
    }

    /// Ends the signal and returns the remaining frames (as many as the
    /// harmonic with the fewest has). The stream is then reset.
    ///
    /// # Errors
    ///
    /// As [`StreamingCqt::finish`] (a signal too short for one frame).
    ///
    /// # Shapes
    ///
    /// Returns `(harmonics, n_bins, remaining_frames)`.
    pub fn finish(&mut self) -> Result<Array3<Complex<T>>> {
        let ends: Vec<Result<_>> = self.streams.iter_mut().map(StreamingCqt::finish).collect();
        for (i, end) in ends.into_iter().enumerate() {
            match end {
                Ok(frames) => self.aligned.push(i, frames)?,
                Err(e) => {
                    self.reset();
                    return Err(e);
                }
            }
        }
        let out = self.joined();
        self.reset();
        Ok(out)
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        for stream in &mut self.streams {
            stream.reset();
        }
        self.aligned.clear();
    }

    fn joined(&mut self) -> Array3<Complex<T>> {
        let parts = self.aligned.take();
        let frames = parts.first().map_or(0, |p| p.ncols());
        let mut out = Array3::zeros((parts.len(), self.plan.config().cqt.n_bins, frames));
        for (i, part) in parts.iter().enumerate() {
            out.slice_mut(s![i, .., ..]).assign(part);
        }
        out
    }
}
