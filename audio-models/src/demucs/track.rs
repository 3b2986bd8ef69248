//! The mixture as a Demucs model sees it: `(x − mean) / scale` of the
//! caller's mixture, zeros outside it, read range by range by the segment
//! streams, from memory or through a sliding window over a
//! [`MixtureSource`] (a file decoded block by block).

use std::cell::RefCell;

use ndarray::{s, ArrayView2, ArrayViewMut2};

use crate::error::{Error, Result};
use crate::mixture_source::MixtureSource;

/// Samples per channel read from a [`MixtureSource`] at a time.
const READ_BLOCK: usize = 1 << 16;

/// Where a [`Track`]'s samples come from.
#[derive(Debug, Clone, Copy)]
enum Samples<'a> {
    Memory(ArrayView2<'a, f32>),
    Windowed(&'a WindowedMixture<'a>),
}

/// The track as the model sees it: the caller's mixture standardised by
/// `mean` and `scale` range by range (no standardised copy of the track),
/// zeros outside it — as the package standardises the whole track and then
/// pads it with zeros.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Track<'a> {
    samples: Samples<'a>,
    mean: f32,
    scale: f32,
}

impl<'a> Track<'a> {
    /// The mixture as it is.
    pub(crate) fn raw(samples: ArrayView2<'a, f32>) -> Self {
        Self {
            samples: Samples::Memory(samples),
            mean: 0.0,
            scale: 1.0,
        }
    }

    /// A mixture read through `window`, standardised by `mean` and `scale`.
    pub(crate) fn windowed(window: &'a WindowedMixture<'a>, mean: f32, scale: f32) -> Self {
        Self {
            samples: Samples::Windowed(window),
            mean,
            scale,
        }
    }

    /// Samples per channel.
    pub(crate) fn ncols(&self) -> usize {
        match self.samples {
            Samples::Memory(a) => a.ncols(),
            Samples::Windowed(w) => w.len,
        }
    }

    /// Channels.
    pub(crate) fn nrows(&self) -> usize {
        match self.samples {
            Samples::Memory(a) => a.nrows(),
            Samples::Windowed(w) => w.channels,
        }
    }

    /// The samples when they are in memory.
    pub(crate) fn in_memory(&self) -> Option<ArrayView2<'a, f32>> {
        match self.samples {
            Samples::Memory(a) => Some(a),
            Samples::Windowed(_) => None,
        }
    }

    /// Writes samples `[from, to)`, standardised, into `dst`
    /// `(channels, to − from)`.
    pub(crate) fn copy_standardised(
        &self,
        from: usize,
        to: usize,
        mut dst: ArrayViewMut2<'_, f32>,
    ) -> Result<()> {
        match self.samples {
            Samples::Memory(a) => dst.assign(&a.slice(s![.., from..to])),
            Samples::Windowed(w) => w.copy_into(from, to, dst.view_mut())?,
        }
        if self.mean != 0.0 || self.scale != 1.0 {
            dst.mapv_inplace(|v| (v - self.mean) / self.scale);
        }
        Ok(())
    }
}

/// A [`MixtureSource`] read forward through a sliding window: the segment
/// streams ask for overlapping ranges in nearly increasing order, so the
/// window keeps `keep` samples before the latest range's start and reads
/// ahead as far as asked. A range before the window (which the streams'
/// spacing rules out) reads the source again from the start: slower, never
/// wrong. A mono source for a stereo model is copied to both channels.
pub(crate) struct WindowedMixture<'s> {
    state: RefCell<Window<'s>>,
    channels: usize,
    len: usize,
}

impl std::fmt::Debug for WindowedMixture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowedMixture")
            .field("channels", &self.channels)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

struct Window<'s> {
    source: &'s mut dyn MixtureSource,
    /// Copy the source's one channel to every channel.
    duplicate: bool,
    /// Per channel, samples from `start` on.
    held: Vec<Vec<f32>>,
    start: usize,
    keep: usize,
}

impl<'s> WindowedMixture<'s> {
    /// Reads `source` (rewound here) as `channels` channels of its `len`
    /// samples, keeping `keep` samples before the latest range asked for.
    ///
    /// # Errors
    ///
    /// The source's own (rewinding).
    pub(crate) fn new(
        source: &'s mut dyn MixtureSource,
        channels: usize,
        keep: usize,
    ) -> Result<Self> {
        source.rewind()?;
        let len = source.len();
        let duplicate = source.channels() != channels;
        Ok(Self {
            state: RefCell::new(Window {
                source,
                duplicate,
                held: vec![Vec::new(); channels],
                start: 0,
                keep,
            }),
            channels,
            len,
        })
    }

    fn copy_into(&self, from: usize, to: usize, mut dst: ArrayViewMut2<'_, f32>) -> Result<()> {
        let mut w = self
            .state
            .try_borrow_mut()
            .map_err(|_| Error::InvalidParameter {
                name: "mixture",
                value: "read while being read".into(),
                expected: "one reader at a time",
            })?;
        if from < w.start {
            w.source.rewind()?;
            for h in &mut w.held {
                h.clear();
            }
            w.start = 0;
        }
        while w.start + w.held[0].len() < to {
            let block = w.source.read(READ_BLOCK)?;
            if block.ncols() == 0 {
                return Err(Error::ShapeMismatch {
                    what: "Demucs mixture",
                    expected: format!("{} samples, as the source said", self.len),
                    got: vec![w.start + w.held[0].len()],
                });
            }
            let duplicate = w.duplicate;
            for (c, h) in w.held.iter_mut().enumerate() {
                let row = block.row(if duplicate { 0 } else { c });
                h.extend(row.iter().copied());
            }
        }
        for (c, mut row) in dst.outer_iter_mut().enumerate() {
            let h = &w.held[c][from - w.start..to - w.start];
            row.iter_mut().zip(h).for_each(|(d, v)| *d = *v);
        }
        // Drop what lies `keep` before this range once it is the larger
        // part of the window (each sample moves at most once or twice).
        let drop_to = from.saturating_sub(w.keep);
        let held = w.held[0].len();
        if drop_to > w.start && 2 * (drop_to - w.start) >= held {
            let n = drop_to - w.start;
            for h in &mut w.held {
                h.drain(..n);
            }
            w.start = drop_to;
        }
        Ok(())
    }
}
