//! Framing of a signal that arrives in blocks: librosa's centre padding
//! and `util.frame`, without holding the signal.

use crate::util::frame::check_positive;
use crate::{Error, Float, PadMode, Result};

/// The padded samples that hold the frames one block completed.
///
/// `samples` starts at the first sample of frame `first` and holds `frames`
/// whole frames: `(frames - 1) * hop_length + frame_length` samples, or none
/// when `frames` is 0. Frame `t` of the span is `samples[t * hop ..][..frame_length]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameSpan<'a, T> {
    /// The padded samples of the frames.
    pub samples: &'a [T],
    /// How many whole frames `samples` holds.
    pub frames: usize,
    /// Index of the span's first frame in the whole signal's frames.
    pub first: usize,
}

/// Frames of a signal fed in blocks of any size, as the whole signal
/// would be framed: padded by `frame_length / 2` samples at both ends in
/// `pad_mode` when centred (numpy's `pad`, as [`crate::pad`]), then cut into
/// frames of `frame_length` samples every `hop_length` samples
/// ([`crate::frame`]).
///
/// Each [`FrameStream::push`] returns the span of padded samples holding
/// the frames the input so far completes; [`FrameStream::finish`] applies
/// the right padding and returns the rest. The spans' frames, joined, are
/// the frames of the whole padded signal, sample for sample. The stream
/// keeps at most one frame plus one block of samples.
///
/// # Example
///
/// ```
/// use audio_dsp::{frame, pad, PadMode};
/// use audio_dsp::util::frame_stream::FrameStream;
/// let x: Vec<f64> = (0..1000).map(|n| (n as f64 * 0.1).sin()).collect();
/// let mut stream = FrameStream::new(256, 64, true, PadMode::Reflect)?;
/// let mut frames: Vec<f64> = Vec::new();
/// for block in x.chunks(100) {
///     let span = stream.push(block);
///     if span.frames > 0 {
///         frames.extend(frame(span.samples, 256, 64)?.t().iter());
///     }
/// }
/// let span = stream.finish()?;
/// frames.extend(frame(span.samples, 256, 64)?.t().iter());
/// let whole = frame(&pad(&x, 128, 128, PadMode::Reflect)?, 256, 64)?;
/// assert_eq!(frames, whole.t().iter().copied().collect::<Vec<_>>());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameStream<T> {
    frame_length: usize,
    hop_length: usize,
    /// Samples of padding at each end (`frame_length / 2` when centred).
    pad: usize,
    pad_mode: PadMode,
    /// Padded samples not yet consumed; `buffer[offset]` starts frame `emitted`.
    buffer: Vec<T>,
    offset: usize,
    /// Padded samples still to drop before the next frame (when `hop > frame_length`).
    skip: usize,
    /// Whether the left padding has been applied.
    started: bool,
    /// The last `pad + 1` input samples or more, for the right padding.
    history: Vec<T>,
    /// Every input sample while fewer than `pad + 1` have arrived.
    prefix: Vec<T>,
    /// Input samples so far.
    total: usize,
    /// Frames returned so far.
    emitted: usize,
    /// Whether `buffer` holds the span `finish` returned (cleared at the next push).
    finished: bool,
}

impl<T: Float> FrameStream<T> {
    /// A stream of `frame_length`-sample frames every `hop_length` samples,
    /// padded as `center` and `pad_mode` say.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero `frame_length` or `hop_length`.
    pub fn new(
        frame_length: usize,
        hop_length: usize,
        center: bool,
        pad_mode: PadMode,
    ) -> Result<Self> {
        check_positive("frame_length", frame_length)?;
        check_positive("hop_length", hop_length)?;
        Ok(Self {
            frame_length,
            hop_length,
            pad: if center { frame_length / 2 } else { 0 },
            pad_mode,
            buffer: Vec::new(),
            offset: 0,
            skip: 0,
            started: !center,
            history: Vec::new(),
            prefix: Vec::new(),
            total: 0,
            emitted: 0,
            finished: false,
        })
    }

    /// Samples per frame.
    pub fn frame_length(&self) -> usize {
        self.frame_length
    }

    /// Samples between frame starts.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// Input samples fed since the start (or the last reset).
    pub fn samples_in(&self) -> usize {
        self.total
    }

    /// Forgets all input, ready for a new signal.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.offset = 0;
        self.skip = 0;
        self.started = self.pad == 0;
        self.history.clear();
        self.prefix.clear();
        self.total = 0;
        self.emitted = 0;
        self.finished = false;
    }

    /// Feeds a block and returns the span of the frames it completes
    /// (possibly none). Samples are not checked; callers that need finite
    /// input check each block.
    pub fn push(&mut self, block: &[T]) -> FrameSpan<'_, T> {
        if self.finished {
            self.reset();
        }
        self.total += block.len();
        let keep = self.pad + 1;
        self.history.extend_from_slice(block);
        if self.history.len() > 2 * keep {
            self.history.drain(..self.history.len() - keep);
        }
        if self.started {
            self.append(block);
        } else {
            self.prefix.extend_from_slice(block);
            if self.prefix.len() >= keep {
                let prefix = std::mem::take(&mut self.prefix);
                let left: Vec<T> = (0..self.pad)
                    .map(|k| {
                        self.pad_mode
                            .sample(&prefix, k as isize - self.pad as isize)
                    })
                    .collect();
                self.append(&left);
                self.append(&prefix);
                self.started = true;
            }
        }
        self.drain()
    }

    /// Ends the signal: applies the right padding and returns the span of
    /// the remaining frames. The stream is then reset.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when the padded signal never held one
    /// frame; the errors of [`crate::pad`] for a short signal in a
    /// non-constant mode.
    pub fn finish(&mut self) -> Result<FrameSpan<'_, T>> {
        let padded = self.total + 2 * self.pad;
        if padded < self.frame_length {
            let got = self.total;
            self.reset();
            return Err(Error::InputTooShort {
                what: "frames",
                expected: self.frame_length.saturating_sub(2 * self.pad),
                got,
            });
        }
        if !self.started {
            // Shorter than pad + 1 samples: pad it whole, as `crate::pad`.
            let prefix = std::mem::take(&mut self.prefix);
            let padded = crate::pad(&prefix, self.pad, self.pad, self.pad_mode)?;
            self.append(&padded);
            self.started = true;
        } else {
            let hist = &self.history;
            let right: Vec<T> = (0..self.pad)
                .map(|k| match self.pad_mode {
                    PadMode::Constant => T::zero(),
                    mode => mode.sample(hist, (hist.len() + k) as isize),
                })
                .collect();
            self.append(&right);
        }
        // The returned span borrows the buffer, so the stream is reset
        // with the span kept, and the span is dropped at the next push.
        let (samples, frames, first) = self.drain_owned();
        self.reset();
        self.buffer = samples;
        self.finished = true;
        Ok(FrameSpan {
            samples: &self.buffer,
            frames,
            first,
        })
    }

    fn append(&mut self, samples: &[T]) {
        let drop = self.skip.min(samples.len());
        self.skip -= drop;
        self.buffer.extend_from_slice(&samples[drop..]);
    }

    /// Frames available in `buffer[offset..]`.
    fn available_frames(&mut self) -> usize {
        if self.offset > self.frame_length {
            self.buffer.drain(..self.offset);
            self.offset = 0;
        }
        let available = self.buffer.len() - self.offset;
        if available >= self.frame_length {
            1 + (available - self.frame_length) / self.hop_length
        } else {
            0
        }
    }

    /// Marks `frames` frames from `offset` consumed; returns the span's range.
    fn consume(&mut self, frames: usize) -> std::ops::Range<usize> {
        let start = self.offset;
        let len = if frames == 0 {
            0
        } else {
            self.frame_length + (frames - 1) * self.hop_length
        };
        let available = self.buffer.len() - self.offset;
        let consumed = frames * self.hop_length;
        let advance = consumed.min(available);
        self.offset += advance;
        self.skip += consumed - advance;
        self.emitted += frames;
        start..start + len
    }

    fn drain(&mut self) -> FrameSpan<'_, T> {
        let frames = self.available_frames();
        let first = self.emitted;
        let range = self.consume(frames);
        FrameSpan {
            samples: &self.buffer[range],
            frames,
            first,
        }
    }

    /// The last span as an owned buffer (frames, first frame).
    fn drain_owned(&mut self) -> (Vec<T>, usize, usize) {
        let frames = self.available_frames();
        let first = self.emitted;
        let range = self.consume(frames);
        (self.buffer[range].to_vec(), frames, first)
    }
}
