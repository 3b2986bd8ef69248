//! The onset strength envelope of a log-power mel spectrogram that arrives
//! frame block by frame block.

use std::collections::VecDeque;

use ndarray::{Array1, ArrayView2};

use crate::onset::onset_strength::{local_max_column, Detrend};
use crate::{Error, Float, OnsetStrength, OnsetStrengthConfig, Result};

/// [`OnsetStrength::process_db`] over dB frames fed in blocks: one envelope
/// value per frame, each as soon as its frame has arrived.
///
/// Envelope frame `j` is zero for `j < lag + n_fft / (2 hop)` (centred) or
/// `j < lag`, else the flux between the frames `lag` apart that end
/// `n_fft / (2 hop)` frames before `j`. So the stream keeps only the last
/// `lag + n_fft / (2 hop)` frames, and the values joined are
/// `process_db` of all the frames to the bit (the same per-frame
/// arithmetic; the detrending filter keeps its state across blocks).
///
/// librosa clips the log-mel spectrogram at its whole maximum minus
/// `top_db` before the flux, so a caller streaming a signal finds that
/// maximum first (one pass) and clips each block before pushing it (the
/// `audio onset-strength` command does so).
///
/// # Example
///
/// ```
/// use audio_dsp::{OnsetStrength, OnsetStrengthConfig, StreamingOnsetStrength};
/// use ndarray::Array2;
/// let db = Array2::from_shape_fn((16, 40), |(f, t)| ((f * 7 + t * 3) % 11) as f64 - 60.0);
/// let whole = OnsetStrength::<f64>::new(OnsetStrengthConfig::default())?.process_db(db.view())?;
/// let mut stream = StreamingOnsetStrength::<f64>::new(OnsetStrengthConfig::default())?;
/// let mut streamed = Vec::new();
/// for start in (0..40).step_by(7) {
///     let end = (start + 7).min(40);
///     streamed.extend(stream.push_db(db.slice(ndarray::s![.., start..end]))?);
/// }
/// assert_eq!(streamed, whole);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamingOnsetStrength<T: Float> {
    onset: OnsetStrength<T>,
    /// Envelope frames before the first flux value.
    offset: usize,
    /// The last `offset + 1` dB frames at most, oldest first.
    history: VecDeque<Array1<T>>,
    /// dB frames pushed so far.
    received: usize,
    detrend: Detrend<T>,
    /// Band count of the first frame.
    bands: Option<usize>,
    reference: Vec<T>,
    column: Vec<T>,
    scratch: Vec<T>,
}

impl<T: Float> StreamingOnsetStrength<T> {
    /// Plans the envelope.
    ///
    /// # Errors
    ///
    /// As [`OnsetStrength::new`].
    pub fn new(config: OnsetStrengthConfig) -> Result<Self> {
        let onset = OnsetStrength::new(config)?;
        let offset = onset.flux_offset();
        Ok(Self {
            onset,
            offset,
            history: VecDeque::new(),
            received: 0,
            detrend: Detrend::new(),
            bands: None,
            reference: Vec::new(),
            column: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// The envelope's plan (its mel spectrogram and configuration).
    pub fn onset_strength(&self) -> &OnsetStrength<T> {
        &self.onset
    }

    /// Forgets all frames, ready for a new signal.
    pub fn reset(&mut self) {
        self.history.clear();
        self.received = 0;
        self.detrend = Detrend::new();
        self.bands = None;
    }

    /// Feeds dB frames (`power_to_db` of the mel spectrogram, clipped) and
    /// returns their envelope values, one per frame.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the block's band count differs from
    /// the first block's, or is zero.
    ///
    /// # Shapes
    ///
    /// `(bands, frames)` → `(frames,)`.
    pub fn push_db(&mut self, db: ArrayView2<T>) -> Result<Vec<T>> {
        let (bands, frames) = db.dim();
        let expected = *self.bands.get_or_insert(bands);
        if bands != expected || bands == 0 {
            return Err(Error::ShapeMismatch {
                what: "onset strength frames",
                expected: vec![expected.max(1), frames],
                got: vec![bands, frames],
            });
        }
        if self.reference.len() != bands {
            self.reference = vec![T::zero(); bands];
            self.column = vec![T::zero(); bands];
            self.scratch = vec![T::zero(); bands];
        }
        let lag = self.onset.config().lag;
        let max_size = self.onset.config().max_size;
        let detrend = self.onset.config().detrend;
        let mut out = Vec::with_capacity(frames);
        for frame in db.columns() {
            self.history.push_back(frame.to_owned());
            if self.history.len() > self.offset + 1 {
                self.history.pop_front();
            }
            let j = self.received;
            self.received += 1;
            let mut value = T::zero();
            if j >= self.offset {
                // Frames t = j - offset (the reference) and t + lag.
                let back = self.history.len() - 1;
                let t = back - self.offset;
                local_max_column(self.history[t].view(), max_size, &mut self.reference);
                self.onset.flux_values(
                    self.history[t + lag].view(),
                    &self.reference,
                    &[(0, bands)],
                    (&mut self.column, &mut self.scratch),
                    |_, v| value = v,
                );
            }
            out.push(if detrend {
                self.detrend.step(value)
            } else {
                value
            });
        }
        Ok(out)
    }
}
