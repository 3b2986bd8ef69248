//! The mixture's STFT frames, block after block, computed from the audio
//! as they are needed instead of held for the whole track.

use audio_dsp::{StftConfig, StreamingStft};
use ndarray::Array3;
use num_complex::Complex;

use crate::mixture_source::MixtureSource;
use crate::{Error, Result};

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
    mixture: &'a mut dyn MixtureSource,
    streams: Vec<StreamingStft<f32>>,
    hop: usize,
    bins: usize,
    out_channels: usize,
    /// Per input channel, the frames computed and not yet taken, frame
    /// after frame (`bins` values each).
    pending: Vec<Vec<Complex<f32>>>,
    finished: bool,
}

impl<'a> MixtureFrames<'a> {
    /// Plans one streaming STFT per channel of `mixture` and rewinds it.
    pub(crate) fn new(
        mixture: &'a mut dyn MixtureSource,
        config: &StftConfig,
        out_channels: usize,
    ) -> Result<Self> {
        mixture.rewind()?;
        let channels = mixture.channels();
        let streams = (0..channels)
            .map(|_| StreamingStft::new(config.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let hop = config.hop_length.unwrap_or(config.n_fft / 4).max(1);
        Ok(Self {
            mixture,
            streams,
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
        while self.pending_frames() < len && !self.finished {
            let block = self.mixture.read(FEED_SAMPLES.max(len * self.hop))?;
            if block.ncols() > 0 {
                for ((stream, row), pending) in self
                    .streams
                    .iter_mut()
                    .zip(block.outer_iter())
                    .zip(&mut self.pending)
                {
                    let frames = stream.push(&row.to_vec()).map_err(|e| match e {
                        audio_dsp::Error::NonFinite { index, .. } => Error::NonFinite {
                            what: "mixture",
                            index,
                        },
                        e => e.into(),
                    })?;
                    pending.extend(frames.t().iter().copied());
                }
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
