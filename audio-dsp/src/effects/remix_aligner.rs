//! [`RemixAligner`]: `librosa.effects.remix`'s interval boundaries moved to
//! the nearest zero crossings, found in one pass over a signal fed in
//! blocks.

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// The intervals of [`crate::effects::remix()`] as it slices them, from one
/// pass over the signal in blocks of any size: with zero alignment, each
/// boundary moves to the nearest zero crossing of the channel mean (or the
/// signal's end), ties to the later one; then each end is cut to the
/// signal and an empty interval becomes `(start, start)`.
///
/// Memory: the boundaries, and the previous crossing (not the crossings:
/// noise crosses zero every few samples). A caller that streams the
/// output then reads the signal once more and copies each interval's
/// samples to its place (`audio remix` does, writing the `.npy` at
/// offsets).
///
/// # Example
///
/// ```
/// use audio_dsp::effects::{remix, RemixAligner};
/// let y: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.05).sin()).collect();
/// let intervals = [(500, 900), (10, 300)];
/// let mut aligner = RemixAligner::new(&intervals, true);
/// for block in y.chunks(64) {
///     aligner.push(ndarray::ArrayView2::from_shape((1, block.len()), block)?)?;
/// }
/// let slices = aligner.finish()?;
/// let whole = remix(ndarray::ArrayView2::from_shape((1, 1000), &y)?, &intervals, true)?;
/// let joined: Vec<f32> = slices.iter().flat_map(|&(a, b)| y[a..b].iter().copied()).collect();
/// assert_eq!(joined, whole.row(0).to_vec());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RemixAligner {
    intervals: Vec<(usize, usize)>,
    align_zeros: bool,
    /// The distinct boundaries, ascending, and where each moves.
    boundaries: Vec<usize>,
    moved: Vec<Option<usize>>,
    /// The first boundary not yet moved.
    next: usize,
    /// The last crossing seen.
    previous: Option<usize>,
    /// Whether the last sample seen was negative.
    negative: bool,
    /// Samples seen.
    position: usize,
}

impl RemixAligner {
    /// An aligner for `intervals` (`(start, end)` in samples), moving the
    /// boundaries to zero crossings when `align_zeros` is set.
    pub fn new(intervals: &[(usize, usize)], align_zeros: bool) -> Self {
        let mut boundaries: Vec<usize> = intervals.iter().flat_map(|&(a, b)| [a, b]).collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        Self {
            intervals: intervals.to_vec(),
            align_zeros,
            moved: vec![None; boundaries.len()],
            boundaries,
            next: 0,
            previous: None,
            negative: false,
            position: 0,
        }
    }

    /// Feeds the next samples `(channels, m)`.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for NaN or infinities (the index counts samples
    /// from the signal's start, in this block's memory order).
    pub fn push<T: Float>(&mut self, block: ArrayView2<'_, T>) -> Result<()> {
        if let Some(i) = block.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "remix input",
                index: self.position + i % block.ncols().max(1),
            });
        }
        if !self.align_zeros {
            self.position += block.ncols();
            return Ok(());
        }
        let channels = T::from(block.nrows()).unwrap_or_else(T::one);
        let threshold = T::from(1e-10).unwrap_or_else(T::zero);
        for column in block.columns() {
            // librosa.to_mono is np.mean over the channel axis, which NumPy
            // sums row after row.
            let m = if column.len() == 1 {
                column[0]
            } else {
                column.iter().fold(T::zero(), |s, &v| s + v) / channels
            };
            let negative = m.abs() > threshold && m.is_sign_negative();
            if self.position == 0 || negative != self.negative {
                self.crossing(self.position);
            }
            self.negative = negative;
            self.position += 1;
        }
        Ok(())
    }

    /// Moves the boundaries at or before `event` (all after the previous
    /// crossing) to the nearer of the two, ties to `event`.
    fn crossing(&mut self, event: usize) {
        while let Some(&b) = self.boundaries.get(self.next) {
            if b > event {
                break;
            }
            self.moved[self.next] = Some(match self.previous {
                Some(p) if b.abs_diff(p) < b.abs_diff(event) => p,
                _ => event,
            });
            self.next += 1;
        }
        self.previous = Some(event);
    }

    /// The intervals as the signal is sliced, `(start, end)` with
    /// `start <= end <= len`, in the order given.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for a signal without samples when aligning
    /// (there is nothing to align to), as [`crate::effects::remix()`].
    pub fn finish(mut self) -> Result<Vec<(usize, usize)>> {
        let n = self.position;
        if self.align_zeros {
            if n == 0 {
                return Err(Error::InputTooShort {
                    what: "remix with align_zeros",
                    expected: 1,
                    got: 0,
                });
            }
            // librosa forces the signal's end onto the crossings; a
            // boundary past it moves to it.
            self.crossing(n);
            while self.next < self.boundaries.len() {
                self.moved[self.next] = Some(n);
                self.next += 1;
            }
        }
        let place = |b: usize| -> usize {
            let moved = match self.boundaries.binary_search(&b) {
                Ok(i) => self.moved[i].unwrap_or(b),
                Err(_) => b,
            };
            moved.min(n)
        };
        Ok(self
            .intervals
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (place(a), place(b));
                (a, b.max(a))
            })
            .collect())
    }
}
