//! [`LoadStream`]: `librosa.load`'s samples, decoded, mixed and resampled
//! block by block in memory that does not grow with the file.

use std::path::Path;

use audio_dsp::resample::{ResampleStream, Resampler};
use ndarray::Array2;

use crate::audio::{to_mono, Sample};
use crate::decode::AudioReader;
use crate::load::{frames_of, LoadOptions};
use crate::{Error, Result};

/// Frames decoded per block (at the file's rate): 1.5 s at 44.1 kHz.
pub const LOAD_BLOCK_FRAMES: usize = 1 << 16;

/// [`crate::load()`] as a stream of blocks: decode, `offset`/`duration`,
/// mono mix and resampling run block by block, and the blocks joined are
/// exactly what [`crate::load()`] returns with the same options (the same
/// samples to the bit: the mix is per frame, and the resampler's stream
/// equals its whole-signal run; tested in `audio-io/tests/load_stream.rs`).
///
/// Memory is one decoded block ([`LOAD_BLOCK_FRAMES`] frames) plus the
/// resampler's filter state, whatever the file's length. Resampling
/// streams with soxr's recipes (librosa's default `soxr_hq` among them);
/// other `res_type`s are rejected here, use [`crate::load()`].
///
/// # Example
///
/// ```
/// use audio_io::{LoadOptions, LoadStream};
/// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((2, 44_100)), sample_rate: 44_100 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// let reader = audio_io::AudioReader::from_bytes(bytes, None)?;
/// let mut stream = LoadStream::<f32>::new(reader, &LoadOptions::default())?;
/// assert_eq!((stream.channels(), stream.sample_rate()), (1, 22_050));
/// let mut frames = 0;
/// while let Some(block) = stream.next_block()? {
///     frames += block.ncols();
/// }
/// assert_eq!(frames, 22_050);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug)]
pub struct LoadStream<T: Sample> {
    reader: AudioReader,
    mono: bool,
    channels: usize,
    sample_rate: u32,
    /// Frames left to read (`duration`), `None` to the end.
    left: Option<u64>,
    /// One per output channel; empty when the rate stays.
    resamplers: Vec<ResampleStream>,
    row_in: Vec<f64>,
    row_out: Vec<Vec<f64>>,
    done: bool,
    _sample: std::marker::PhantomData<T>,
}

impl<T: Sample> LoadStream<T> {
    /// Opens `path` and plans the stream.
    ///
    /// # Errors
    ///
    /// As [`LoadStream::new`], and the decoder's errors opening the file.
    pub fn open(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        Self::new(AudioReader::open(path)?, options)
    }

    /// Plans the stream over an open reader and seeks to `offset`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr = 0`, a negative or non-finite
    /// offset or duration, or a `res_type` that does not stream (only when
    /// the rate changes); [`Error::Dsp`] if the resampler rejects the rate
    /// pair; decoding errors while seeking.
    pub fn new(mut reader: AudioReader, options: &LoadOptions) -> Result<Self> {
        let native = reader.info().sample_rate;
        if options.sr == Some(0) {
            return Err(Error::InvalidParameter {
                name: "sr",
                expected: "> 0",
                value: "0".to_string(),
            });
        }
        let start = frames_of(options.offset, native, "offset")?;
        let left = match options.duration {
            Some(d) => Some(frames_of(d, native, "duration")?),
            None => None,
        };
        let file_channels = reader.info().channels;
        let channels = if options.mono && file_channels > 1 {
            1
        } else {
            file_channels
        };
        let sample_rate = options.sr.unwrap_or(native);
        let resamplers = if sample_rate == native {
            Vec::new()
        } else {
            let plan = Resampler::new(f64::from(native), f64::from(sample_rate), options.res_type)?;
            let mut streams = Vec::with_capacity(channels);
            for _ in 0..channels {
                streams.push(plan.stream().map_err(|_| Error::InvalidParameter {
                    name: "res_type",
                    expected: "a streaming resampler (SoxrHq, SoxrVhq, SoxrMq, SoxrLq); load() takes the others",
                    value: format!("{:?}", options.res_type),
                })?);
            }
            streams
        };
        reader.skip(start)?;
        Ok(Self {
            reader,
            mono: options.mono,
            channels,
            sample_rate,
            left,
            resamplers,
            row_in: Vec::new(),
            row_out: vec![Vec::new(); channels],
            done: false,
            _sample: std::marker::PhantomData,
        })
    }

    /// Channels of each block: 1 when mixing to mono, else the file's.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The sample rate of the blocks (`sr`, or the file's).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The file's properties, as its header gives them.
    pub fn info(&self) -> &crate::AudioInfo {
        self.reader.info()
    }

    /// The next block, `(channels, n)` with `n > 0`; `None` at the end.
    ///
    /// # Errors
    ///
    /// Decoding errors; [`Error::Dsp`] (`NonFinite`) for a NaN or infinite
    /// sample on the way to the resampler.
    pub fn next_block(&mut self) -> Result<Option<Array2<T>>> {
        while !self.done {
            let mut want = LOAD_BLOCK_FRAMES;
            if let Some(left) = self.left {
                want = want.min(usize::try_from(left).unwrap_or(usize::MAX));
            }
            let block = if want == 0 {
                Array2::<T>::default((self.reader.info().channels, 0))
            } else {
                self.reader.read_frames::<T>(want)?
            };
            if let Some(left) = self.left.as_mut() {
                *left -= block.ncols() as u64;
            }
            let last = block.ncols() == 0;
            self.done = last;
            let block = if self.mono && block.nrows() > 1 {
                to_mono(&block)
            } else {
                block
            };
            let block = if self.resamplers.is_empty() {
                block
            } else {
                self.resample(&block, last)?
            };
            if block.ncols() > 0 {
                return Ok(Some(block));
            }
        }
        Ok(None)
    }

    /// Feeds each channel's resampler (finishing them at the end), as
    /// [`crate::resample_audio`] converts: through `f64` both ways.
    fn resample(&mut self, block: &Array2<T>, last: bool) -> Result<Array2<T>> {
        for ((row, stream), out) in block
            .rows()
            .into_iter()
            .zip(&mut self.resamplers)
            .zip(&mut self.row_out)
        {
            self.row_in.clear();
            self.row_in.extend(row.iter().map(|v| v.to_f64()));
            out.clear();
            stream.process(&self.row_in, out)?;
            if last {
                stream.finish(out)?;
            }
        }
        let n = self.row_out.iter().map(Vec::len).min().unwrap_or(0);
        let mut samples = Array2::<T>::default((self.channels, n));
        for (mut dst, src) in samples.rows_mut().into_iter().zip(&self.row_out) {
            dst.iter_mut()
                .zip(src)
                .for_each(|(d, &v)| *d = T::from_f64(v));
        }
        Ok(samples)
    }
}

impl<T: Sample> Iterator for LoadStream<T> {
    type Item = Result<Array2<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_block().transpose()
    }
}
