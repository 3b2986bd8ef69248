//! [`StreamingHybridCqt`]: the hybrid CQT over a signal fed in blocks.

use ndarray::{s, Array2};
use num_complex::Complex;

use crate::cqt::hybrid_cqt::HybridCqt;
use crate::util::aligned_frames::AlignedFrames;
use crate::{CqtConfig, Float, Result, StreamingCqt, StreamingStft};

/// [`HybridCqt`] over a signal fed in blocks of any size, for the
/// streaming resamplers (the soxr recipes).
///
/// The low bins come from a [`StreamingCqt`], the high (pseudo-CQT) bins
/// from a [`StreamingStft`] and the magnitude basis, frame by frame; a
/// frame is returned once both halves have it, so the frames joined are
/// [`HybridCqt`]'s of the whole signal, to the bit. Memory: the two
/// streams' buffers and the frames one half has ahead of the other.
///
/// # Example
///
/// ```
/// use audio_dsp::{CqtConfig, HybridCqt, StreamingHybridCqt, Transform};
/// let config = CqtConfig { n_bins: 48, fmin: Some(110.0), ..CqtConfig::default() };
/// let y: Vec<f32> = (0..30_000).map(|n| (n as f32 * 0.125).sin()).collect();
/// let whole = HybridCqt::<f32>::new(config.clone())?.process(&y)?;
/// let mut stream = StreamingHybridCqt::<f32>::new(config)?;
/// let mut frames = Vec::new();
/// for block in y.chunks(4096) {
///     frames.push(stream.push(block)?);
/// }
/// frames.push(stream.finish()?);
/// let views: Vec<_> = frames.iter().map(|f| f.view()).collect();
/// assert_eq!(ndarray::concatenate(ndarray::Axis(1), &views)?, whole);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamingHybridCqt<T: Float> {
    plan: HybridCqt<T>,
    full: Option<StreamingCqt<T>>,
    pseudo: Option<StreamingStft<T>>,
    /// Full-CQT magnitudes, then pseudo-CQT bins, of the halves present
    /// (the pseudo half's queue is the last).
    aligned: AlignedFrames<T>,
}

impl<T: Float> StreamingHybridCqt<T> {
    /// Plans both halves.
    ///
    /// # Errors
    ///
    /// As [`HybridCqt::new`]; [`crate::Error::InvalidParameter`] for a
    /// resampler that does not stream (as [`StreamingCqt::new`]).
    pub fn new(config: CqtConfig) -> Result<Self> {
        let plan = HybridCqt::new(config)?;
        let full = match &plan.full {
            Some(cqt) => Some(StreamingCqt::new(cqt.config().clone())?),
            None => None,
        };
        let pseudo = match &plan.pseudo {
            Some(p) => Some(StreamingStft::new(p.stft.config().clone())?),
            None => None,
        };
        let n_full = plan.config().n_bins - plan.n_pseudo;
        let rows: Vec<usize> = [(full.is_some(), n_full), (pseudo.is_some(), plan.n_pseudo)]
            .into_iter()
            .filter_map(|(present, rows)| present.then_some(rows))
            .collect();
        Ok(Self {
            aligned: AlignedFrames::new(&rows),
            plan,
            full,
            pseudo,
        })
    }

    /// The whole-signal plan this stream reproduces.
    pub fn plan(&self) -> &HybridCqt<T> {
        &self.plan
    }

    /// Feeds a block and returns the frames it completes.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NonFinite`] when the block holds NaN or infinities.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(n_bins, new_frames)` magnitudes.
    pub fn push(&mut self, block: &[T]) -> Result<Array2<T>> {
        if let Some(full) = &mut self.full {
            let frames = full.push(block)?;
            self.aligned.push(0, frames.mapv(|c| c.norm()))?;
        }
        if let Some(stft) = &mut self.pseudo {
            let spec = stft.push(block)?;
            self.aligned
                .push(self.pseudo_queue(), pseudo_bins(&self.plan, &spec))?;
        }
        Ok(self.joined())
    }

    /// Ends the signal and returns the remaining frames (as many as the
    /// half with fewer frames has, as [`HybridCqt`] trims them). The
    /// stream is then reset.
    ///
    /// # Errors
    ///
    /// As [`StreamingCqt::finish`] and [`StreamingStft::finish`] (a signal
    /// too short for one frame).
    ///
    /// # Shapes
    ///
    /// Returns `(n_bins, remaining_frames)`.
    pub fn finish(&mut self) -> Result<Array2<T>> {
        let ends = (
            self.full.as_mut().map(StreamingCqt::finish).transpose(),
            self.pseudo.as_mut().map(StreamingStft::finish).transpose(),
        );
        let (full, spec) = match ends {
            (Ok(full), Ok(spec)) => (full, spec),
            (Err(e), _) | (_, Err(e)) => {
                self.reset();
                return Err(e);
            }
        };
        if let Some(frames) = full {
            self.aligned.push(0, frames.mapv(|c| c.norm()))?;
        }
        if let Some(spec) = spec {
            self.aligned
                .push(self.pseudo_queue(), pseudo_bins(&self.plan, &spec))?;
        }
        let out = self.joined();
        self.reset();
        Ok(out)
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        if let Some(full) = &mut self.full {
            full.reset();
        }
        if let Some(stft) = &mut self.pseudo {
            stft.reset();
        }
        self.aligned.clear();
    }

    /// The pseudo half's queue: after the full half's, if there is one.
    fn pseudo_queue(&self) -> usize {
        usize::from(self.full.is_some())
    }

    /// The frames both halves have, the full-CQT bins above the pseudo
    /// ones.
    fn joined(&mut self) -> Array2<T> {
        let parts = self.aligned.take();
        let frames = parts.first().map_or(0, |p| p.ncols());
        let mut out = Array2::zeros((self.plan.config().n_bins, frames));
        let mut row = 0;
        for part in &parts {
            out.slice_mut(s![row..row + part.nrows(), ..]).assign(part);
            row += part.nrows();
        }
        out
    }
}

/// The pseudo-CQT bins of STFT frames `spec` `(n_fft / 2 + 1, n)`:
/// `sum_j |B[k, j]| |X[j, t]|`.
fn pseudo_bins<T: Float>(plan: &HybridCqt<T>, spec: &Array2<Complex<T>>) -> Array2<T> {
    let Some(p) = &plan.pseudo else {
        return Array2::zeros((0, spec.ncols()));
    };
    let mut magnitude = vec![Complex::new(T::zero(), T::zero()); spec.nrows()];
    let mut out = Array2::zeros((plan.n_pseudo, spec.ncols()));
    for (t, column) in spec.columns().into_iter().enumerate() {
        for (m, s) in magnitude.iter_mut().zip(column) {
            *m = Complex::new(s.norm(), T::zero());
        }
        for r in 0..plan.n_pseudo {
            out[[r, t]] = p.basis.apply_row(r, &magnitude).re;
        }
    }
    out
}
