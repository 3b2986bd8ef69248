//! [`MixtureWindows`]: fixed, overlapping input windows over a mixture read
//! block by block, for the separators whose every output stretch depends on
//! one window of input (Wave-U-Net, the Wavenet separator).

use ndarray::{s, Array2};

use crate::mixture_source::{check_finite_block, too_short, MixtureSource};
use crate::{Error, Result};

/// Samples asked of the source per read.
const READ_BLOCK: usize = 1 << 16;

/// The mixture with `front` zeros before it and zeros after, cut into
/// windows of `input` samples that start every `step` samples: window `k`
/// reads padded samples `k·step .. k·step + input` and gives the output
/// for samples `k·step .. (k+1)·step` of the mixture, so
/// `max(1, ceil(len / step))` windows cover it. Only the samples of the
/// windows not yet handed out are held (`input + (m - 1)·step` for batches
/// of `m` windows), plus what is left of the last read.
pub(crate) struct MixtureWindows<'a> {
    source: &'a mut dyn MixtureSource,
    input: usize,
    step: usize,
    len: usize,
    windows: usize,
    /// The next window to hand out.
    next: usize,
    /// Padded samples from `held_from` on.
    held: Array2<f32>,
    held_from: usize,
    /// Mixture samples read so far.
    read: usize,
}

impl<'a> MixtureWindows<'a> {
    /// Windows over `source` from its first sample.
    ///
    /// # Errors
    ///
    /// The source's own (rewinding).
    pub(crate) fn new(
        source: &'a mut dyn MixtureSource,
        front: usize,
        input: usize,
        step: usize,
    ) -> Result<Self> {
        source.rewind()?;
        let len = source.len();
        let channels = source.channels();
        Ok(Self {
            source,
            input,
            step,
            len,
            windows: len.div_ceil(step).max(1),
            next: 0,
            held: Array2::zeros((channels, front)),
            held_from: 0,
            read: 0,
        })
    }

    /// The next windows, at most `max`, each `(channels, input)`, with the
    /// number of mixture samples whose output they give (`count · step`,
    /// less for the last windows); `None` once all are handed out.
    ///
    /// # Errors
    ///
    /// The source's own; [`Error::NonFinite`] for a NaN or infinite sample
    /// (its index in memory order); [`Error::ShapeMismatch`] when the source ends
    /// before its `len`.
    pub(crate) fn next_windows(&mut self, max: usize) -> Result<Option<(Vec<Array2<f32>>, usize)>> {
        if self.next >= self.windows {
            return Ok(None);
        }
        let count = max.max(1).min(self.windows - self.next);
        let first = self.next * self.step;
        let end = first + (count - 1) * self.step + self.input;
        self.fill(end)?;
        let windows = (0..count)
            .map(|k| {
                let at = first + k * self.step - self.held_from;
                self.held.slice(s![.., at..at + self.input]).to_owned()
            })
            .collect();
        self.next += count;
        let done = (self.next * self.step).min(self.len) - first;
        Ok(Some((windows, done)))
    }

    /// Reads (or pads with zeros) until padded sample `end` is held,
    /// dropping the samples before the next window's start (never read
    /// again) when it reads: the held samples are copied once per read,
    /// not once per batch of windows.
    fn fill(&mut self, end: usize) -> Result<()> {
        let held_end = self.held_from + self.held.ncols();
        if held_end >= end {
            return Ok(());
        }
        let channels = self.held.nrows();
        let keep_from = (self.next * self.step).clamp(self.held_from, held_end);
        let mut parts = vec![self
            .held
            .slice(s![.., keep_from - self.held_from..])
            .to_owned()];
        self.held_from = keep_from;
        let mut have = held_end;
        while have < end {
            let block = if self.read < self.len {
                let block = self.source.read(READ_BLOCK.min(self.len - self.read))?;
                if block.ncols() == 0 {
                    return Err(too_short(channels, self.len, self.read));
                }
                let block = block
                    .slice(s![.., ..block.ncols().min(self.len - self.read)])
                    .to_owned();
                check_finite_block(block.view(), self.read, self.len)?;
                self.read += block.ncols();
                block
            } else {
                Array2::zeros((channels, end - have))
            };
            have += block.ncols();
            parts.push(block);
        }
        let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
        self.held =
            ndarray::concatenate(ndarray::Axis(1), &views).map_err(|_| Error::ShapeMismatch {
                what: "mixture blocks",
                expected: format!("{channels} channels in every block"),
                got: parts.iter().map(Array2::nrows).collect(),
            })?;
        Ok(())
    }
}
