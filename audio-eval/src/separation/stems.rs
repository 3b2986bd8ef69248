//! Reference and estimate stems read block by block: the input of the
//! streaming BSS Eval functions (`*_blocks`), which read them in two or three
//! passes and hold only a few windows at a time.

use ndarray::{s, ArrayView3};

/// Reference and estimate stems that can be read from the start, block by
/// block, as many times as an evaluation needs passes.
///
/// Signals are indexed `source · channels + channel`. A read gives every
/// signal of its group the same number of samples, at most `max`, and 0 only
/// at the end. The references set the length (estimates are padded or
/// truncated to it, or must match it, as the function's options say).
///
/// # Example
///
/// An in-memory pair as `(sources, samples, channels)` arrays:
///
/// ```
/// use audio_eval::separation::{ArrayStems, StemBlocks};
/// use ndarray::Array3;
///
/// let refs = Array3::<f64>::ones((2, 5, 1));
/// let mut stems = ArrayStems::new(refs.view(), refs.view());
/// let mut out = vec![Vec::new(); 2];
/// assert_eq!(stems.read_references(&mut out, 4)?, 4);
/// assert_eq!(stems.read_references(&mut out, 4)?, 1);
/// stems.rewind()?;
/// assert_eq!(stems.read_references(&mut out, 10)?, 5);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub trait StemBlocks {
    /// The reader's error; evaluation errors convert into it.
    type Error: From<crate::Error>;

    /// `(sources, channels)` of the references.
    fn reference_shape(&self) -> (usize, usize);

    /// `(sources, channels)` of the estimates.
    fn estimate_shape(&self) -> (usize, usize);

    /// Goes back to the first sample of every stem.
    ///
    /// # Errors
    ///
    /// The reader's, e.g. when a file cannot be reopened.
    fn rewind(&mut self) -> Result<(), Self::Error>;

    /// Reads the next samples of every reference signal into
    /// `out[source · channels + channel]` (each cleared first): at most
    /// `max`, the same number for every signal; returns how many (0 only at
    /// the end).
    ///
    /// # Errors
    ///
    /// The reader's, e.g. a decode error.
    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Self::Error>;

    /// As [`StemBlocks::read_references`], for the estimates.
    ///
    /// # Errors
    ///
    /// The reader's.
    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Self::Error>;
}

/// [`StemBlocks`] over `(sources, samples, channels)` arrays in memory.
#[derive(Debug, Clone)]
pub struct ArrayStems<'a> {
    references: ArrayView3<'a, f64>,
    estimates: ArrayView3<'a, f64>,
    reference_pos: usize,
    estimate_pos: usize,
}

impl<'a> ArrayStems<'a> {
    /// Reads `references` and `estimates`, each `(sources, samples, channels)`.
    pub fn new(references: ArrayView3<'a, f64>, estimates: ArrayView3<'a, f64>) -> Self {
        Self {
            references,
            estimates,
            reference_pos: 0,
            estimate_pos: 0,
        }
    }
}

/// Copies samples `[*pos, *pos + max)` of `(sources, samples, channels)`
/// into per-signal vectors and advances `pos`.
fn read_view(v: &ArrayView3<'_, f64>, pos: &mut usize, out: &mut [Vec<f64>], max: usize) -> usize {
    let (sources, len, channels) = v.dim();
    let n = max.min(len - *pos);
    for s in 0..sources {
        let block = v.slice(s![s, *pos..*pos + n, ..]);
        let outs = &mut out[s * channels..(s + 1) * channels];
        match block.as_slice() {
            // The usual layout: frames of `channels` interleaved samples.
            Some(frames) if channels == 1 => {
                outs[0].clear();
                outs[0].extend_from_slice(frames);
            }
            Some(frames) => {
                for (c, dst) in outs.iter_mut().enumerate() {
                    dst.clear();
                    dst.extend(frames.chunks_exact(channels).map(|frame| frame[c]));
                }
            }
            None => {
                for (c, dst) in outs.iter_mut().enumerate() {
                    dst.clear();
                    dst.extend(block.column(c).iter().copied());
                }
            }
        }
    }
    *pos += n;
    n
}

impl StemBlocks for ArrayStems<'_> {
    type Error = crate::Error;

    fn reference_shape(&self) -> (usize, usize) {
        (self.references.dim().0, self.references.dim().2)
    }

    fn estimate_shape(&self) -> (usize, usize) {
        (self.estimates.dim().0, self.estimates.dim().2)
    }

    fn rewind(&mut self) -> crate::Result<()> {
        self.reference_pos = 0;
        self.estimate_pos = 0;
        Ok(())
    }

    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> crate::Result<usize> {
        Ok(read_view(
            &self.references,
            &mut self.reference_pos,
            out,
            max,
        ))
    }

    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> crate::Result<usize> {
        Ok(read_view(&self.estimates, &mut self.estimate_pos, out, max))
    }
}
