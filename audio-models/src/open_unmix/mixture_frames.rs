//! The mixture's STFT frames, block after block, computed from the audio
//! as they are needed instead of held for the whole track.

use audio_dsp::{StftConfig, StreamingStft};
use ndarray::{Array3, ArrayView2};
use num_complex::Complex;

use crate::Result;

/// Samples fed to the STFT at a time (at least; more when a block of
/// frames needs more).
const FEED_SAMPLES: usize = 1 << 16;

/// The mixture's STFT `(channels', bins, frames)` in consecutive blocks of
/// frames: each channel's [`StreamingStft`] is fed the audio as the next
/// block needs it, so only about one block of frames is held, and the
/// frames are exactly those of the whole-signal STFT (the streaming STFT
/// equals it to the bit). A mono mixture for a stereo model gives its one
/// channel twice.
pub(crate) struct MixtureFrames<'a> {
    mixture: ArrayView2<'a, f32>,
    streams: Vec<StreamingStft<f32>>,
    fed: usize,
    hop: usize,
    bins: usize,
    out_channels: usize,
    /// Per input channel, the frames computed and not yet taken, frame
    /// after frame (`bins` values each).
    pending: Vec<Vec<Complex<f32>>>,
    finished: bool,
}

impl<'a> MixtureFrames<'a> {
    /// Plans one streaming STFT per channel of `mixture`.
    pub(crate) fn new(
        mixture: ArrayView2<'a, f32>,
        config: &StftConfig,
        out_channels: usize,
    ) -> Result<Self> {
        let channels = mixture.nrows();
        let streams = (0..channels)
            .map(|_| StreamingStft::new(config.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let hop = config.hop_length.unwrap_or(config.n_fft / 4).max(1);
        Ok(Self {
            mixture,
            streams,
            fed: 0,
            hop,
            bins: config.n_fft / 2 + 1,
            out_channels,
            pending: vec![Vec::new(); channels],
            finished: false,
        })
    }

    fn pending_frames(&self) -> usize {
        self.pending.first().map_or(0, Vec::len) / self.bins.max(1)
    }

    /// The next `len` frames, `(channels', bins, len)` (fewer only past the
    /// end of the signal).
    pub(crate) fn next(&mut self, len: usize) -> Result<Array3<Complex<f32>>> {
        let samples = self.mixture.ncols();
        while self.pending_frames() < len && !self.finished {
            if self.fed < samples {
                let step = FEED_SAMPLES.max(len * self.hop);
                let end = (self.fed + step).min(samples);
                for ((stream, row), pending) in self
                    .streams
                    .iter_mut()
                    .zip(self.mixture.outer_iter())
                    .zip(&mut self.pending)
                {
                    let chunk = row.slice(ndarray::s![self.fed..end]).to_vec();
                    let frames = stream.push(&chunk)?;
                    pending.extend(frames.t().iter().copied());
                }
                self.fed = end;
            } else {
                for (stream, pending) in self.streams.iter_mut().zip(&mut self.pending) {
                    let frames = stream.finish()?;
                    pending.extend(frames.t().iter().copied());
                }
                self.finished = true;
            }
        }
        let len = len.min(self.pending_frames());
        let bins = self.bins;
        let last = self.pending.len().saturating_sub(1);
        let pending = &self.pending;
        let out = Array3::from_shape_fn((self.out_channels, bins, len), |(c, b, t)| {
            pending[c.min(last)][t * bins + b]
        });
        for p in &mut self.pending {
            p.drain(..len * bins);
        }
        Ok(out)
    }
}
