//! `load` and `stream`, with `librosa.load` and `librosa.stream` semantics.

use std::path::Path;

use audio_dsp::resample::{ResampleMethod, Resampler};
use ndarray::{s, Array2};

use crate::audio::{to_mono, Audio, Sample};
use crate::decode::AudioReader;
use crate::{Error, Result};

/// Options of [`load`], as the keyword arguments of `librosa.load`.
///
/// The output dtype is [`load`]'s type parameter (`f32`, librosa's default
/// `np.float32`, or `f64`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Target sample rate; `None` keeps the file's rate (`sr=None`).
    /// librosa's default is `Some(22050)`, and so is this one's.
    pub sr: Option<u32>,
    /// Average the channels (`mono=True`, the default).
    pub mono: bool,
    /// Start reading this many seconds in: the first frame is
    /// `floor(offset * sr_native)`.
    pub offset: f64,
    /// Read at most this many seconds: `floor(duration * sr_native)` frames.
    pub duration: Option<f64>,
    /// The resampler used when `sr` differs from the file's rate
    /// (`res_type`; librosa's default `soxr_hq`, [`ResampleMethod::SoxrHq`],
    /// is the default here).
    pub res_type: ResampleMethod,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            sr: Some(22050),
            mono: true,
            offset: 0.0,
            duration: None,
            res_type: ResampleMethod::SoxrHq,
        }
    }
}

pub(crate) fn frames_of(seconds: f64, rate: u32, name: &'static str) -> Result<u64> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(Error::InvalidParameter {
            name,
            expected: "a finite number of seconds >= 0",
            value: seconds.to_string(),
        });
    }
    // Python's int(x * sr) truncates toward zero.
    Ok((seconds * f64::from(rate)) as u64)
}

/// Loads an audio file as `librosa.load(path, sr, mono, offset, duration, dtype)` does.
///
/// Steps, in librosa's order: decode from frame `floor(offset * sr_native)`
/// for `floor(duration * sr_native)` frames (or to the end); average channels
/// when `mono` (`np.mean(y, axis=-2)` in the output precision, see
/// [`crate::to_mono`]); resample when `sr` differs from the file's rate,
/// with `audio_dsp::resample` (`librosa.resample(y, orig_sr=sr_native,
/// target_sr=sr, res_type=res_type)`: `ceil(n * sr / sr_native)` samples,
/// unscaled). The default [`ResampleMethod::SoxrHq`] is soxr's `soxr_hq`
/// recipe, librosa's default, equal to `librosa.load` to soxr's float32
/// rounding (measured in `audio-io/tests/load_soxr.rs`).
///
/// # Errors
///
/// Decoding errors of [`AudioReader`], [`Error::InvalidParameter`] for a
/// negative or non-finite offset or duration or `sr = 0`, and
/// [`Error::Dsp`] if the resampler rejects the rate pair.
///
/// # Shapes
///
/// `(1, n)` when `mono`, else `(channels, n)`. (librosa returns a 1-D array
/// for mono; take `row(0)`.)
///
/// # Example
///
/// ```
/// use audio_io::{load_bytes, LoadOptions};
/// let audio = audio_io::Audio { samples: ndarray::array![[0.5f32, 0.25], [0.0, 0.25]], sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// let y = load_bytes::<f32>(bytes, &LoadOptions { sr: None, ..Default::default() })?;
/// assert_eq!(y.samples, ndarray::array![[0.25f32, 0.25]]);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn load<T: Sample>(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Audio<T>> {
    load_from(AudioReader::open(path)?, options)
}

/// [`load`] on bytes in memory (format recognised from the bytes).
///
/// # Errors
///
/// As [`load`].
///
/// # Example
///
/// See [`load`].
pub fn load_bytes<T: Sample>(bytes: Vec<u8>, options: &LoadOptions) -> Result<Audio<T>> {
    load_from(AudioReader::from_bytes(bytes, None)?, options)
}

/// [`load`] on an open [`AudioReader`].
///
/// # Errors
///
/// As [`load`].
pub fn load_from<T: Sample>(mut reader: AudioReader, options: &LoadOptions) -> Result<Audio<T>> {
    let native = reader.info().sample_rate;
    if let Some(sr) = options.sr {
        if sr == 0 {
            return Err(Error::InvalidParameter {
                name: "sr",
                expected: "> 0",
                value: "0".to_string(),
            });
        }
    }
    let start = frames_of(options.offset, native, "offset")?;
    reader.skip(start)?;
    let mut audio = match options.duration {
        Some(d) => {
            let want = frames_of(d, native, "duration")?;
            let mut parts: Vec<Array2<T>> = Vec::new();
            let mut left = want;
            while left > 0 {
                let block = reader
                    .read_frames::<T>(usize::try_from(left.min(1 << 16)).unwrap_or(1 << 16))?;
                if block.ncols() == 0 {
                    break;
                }
                left -= block.ncols() as u64;
                parts.push(block);
            }
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            let samples = if views.is_empty() {
                Array2::<T>::default((reader.info().channels, 0))
            } else {
                ndarray::concatenate(ndarray::Axis(1), &views).map_err(|_| {
                    Error::ShapeMismatch {
                        what: "decoded blocks".to_string(),
                        expected: vec![reader.info().channels],
                        got: vec![],
                    }
                })?
            };
            Audio {
                samples,
                sample_rate: native,
            }
        }
        None => reader.read_to_end::<T>()?,
    };
    if options.mono && audio.channels() > 1 {
        audio.samples = to_mono(&audio.samples);
    }
    match options.sr {
        Some(sr) if sr != native => resample_audio(&audio, sr, options.res_type),
        _ => Ok(audio),
    }
}

/// Resamples every channel of `audio` to `sr` Hz (librosa's `fix=True`,
/// `scale=False`), in `f64`.
///
/// # Errors
///
/// [`Error::Dsp`] if the resampler rejects the rate pair or the samples.
///
/// # Shapes
///
/// `(channels, n)` → `(channels, ceil(n * sr / sample_rate))`.
///
/// # Example
///
/// ```
/// use audio_dsp::ResampleMethod;
/// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((2, 44_100)), sample_rate: 44_100 };
/// let half = audio_io::resample_audio(&audio, 22_050, ResampleMethod::High)?;
/// assert_eq!(half.samples.dim(), (2, 22_050));
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn resample_audio<T: Sample>(
    audio: &Audio<T>,
    sr: u32,
    method: ResampleMethod,
) -> Result<Audio<T>> {
    let resampler = Resampler::new(f64::from(audio.sample_rate), f64::from(sr), method)?;
    let n_out = resampler.output_len(audio.samples.ncols());
    let mut samples = Array2::<T>::default((audio.samples.nrows(), n_out));
    let mut row_in = Vec::with_capacity(audio.samples.ncols());
    let mut row_out = vec![0.0f64; n_out];
    for (src, mut dst) in audio.samples.rows().into_iter().zip(samples.rows_mut()) {
        row_in.clear();
        row_in.extend(src.iter().map(|v| v.to_f64()));
        resampler.process_into(&row_in, &mut row_out)?;
        dst.iter_mut()
            .zip(&row_out)
            .for_each(|(d, &v)| *d = T::from_f64(v));
    }
    Ok(Audio {
        samples,
        sample_rate: sr,
    })
}

/// Options of [`Stream`], as the arguments of `librosa.stream`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamOptions {
    /// Frames per block (`block_length`).
    pub block_length: usize,
    /// Samples per frame (`frame_length`).
    pub frame_length: usize,
    /// Samples between frames (`hop_length`).
    pub hop_length: usize,
    /// Average channels in each block.
    pub mono: bool,
    /// Start offset in seconds.
    pub offset: f64,
    /// Seconds to read (`None`: to the end).
    pub duration: Option<f64>,
    /// Pad the last block to full length with this value (`None`: the last
    /// block is shorter).
    pub fill_value: Option<f64>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            block_length: 256,
            frame_length: 2048,
            hop_length: 512,
            mono: true,
            offset: 0.0,
            duration: None,
            fill_value: None,
        }
    }
}

/// Fixed-size overlapping blocks of a file, as `librosa.stream` yields them.
///
/// Each block holds `block_length` frames of `frame_length` samples with
/// hop `hop_length`: `frame_length + (block_length - 1) * hop_length`
/// samples, consecutive blocks starting `block_length * hop_length` samples
/// apart (overlap `frame_length - hop_length`), the last one shorter unless
/// `fill_value` is set — `soundfile.blocks` semantics. Memory is two blocks
/// plus one decoded packet, whatever the file's length. No resampling:
/// blocks come at the file's rate, as in librosa.
///
/// # Example
///
/// ```
/// use audio_io::{Stream, StreamOptions};
/// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((1, 10_000)), sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// let reader = audio_io::AudioReader::from_bytes(bytes, None)?;
/// let opts = StreamOptions { block_length: 4, frame_length: 1024, hop_length: 512, ..Default::default() };
/// let mut stream = Stream::<f32>::new(reader, &opts)?;
/// let first = stream.next_block()?.expect("a block");
/// assert_eq!(first.shape(), &[1, 1024 + 3 * 512]);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug)]
pub struct Stream<T: Sample> {
    reader: AudioReader,
    options: StreamOptions,
    blocksize: usize,
    overlap: usize,
    left: Option<u64>,
    buffer: Array2<T>,
    /// Whether a block was produced (later blocks start with the overlap).
    started: bool,
    done: bool,
}

impl<T: Sample> Stream<T> {
    /// Plans the stream and seeks to `offset`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero `block_length`, `frame_length`
    /// or `hop_length`, a `hop_length` above `frame_length` (a negative
    /// overlap, which `soundfile.blocks` does not support either), a block of
    /// more than `2^28` samples, or a bad offset/duration; decoding errors
    /// while seeking to `offset`.
    pub fn new(mut reader: AudioReader, options: &StreamOptions) -> Result<Self> {
        for (name, v) in [
            ("block_length", options.block_length),
            ("frame_length", options.frame_length),
            ("hop_length", options.hop_length),
        ] {
            if v == 0 {
                return Err(Error::InvalidParameter {
                    name,
                    expected: "> 0",
                    value: "0".to_string(),
                });
            }
        }
        let blocksize = options
            .block_length
            .checked_sub(1)
            .and_then(|b| b.checked_mul(options.hop_length))
            .and_then(|b| b.checked_add(options.frame_length))
            .filter(|&b| b <= 1 << 28)
            .ok_or_else(|| Error::InvalidParameter {
                name: "block_length",
                expected: "frame_length + (block_length - 1) * hop_length <= 2^28 samples",
                value: options.block_length.to_string(),
            })?;
        if options.hop_length > options.frame_length {
            return Err(Error::InvalidParameter {
                name: "hop_length",
                expected: "<= frame_length (soundfile.blocks needs a non-negative overlap)",
                value: options.hop_length.to_string(),
            });
        }
        let overlap = options.frame_length - options.hop_length;
        let rate = reader.info().sample_rate;
        let start = frames_of(options.offset, rate, "offset")?;
        reader.skip(start)?;
        let left = match options.duration {
            Some(d) => Some(frames_of(d, rate, "duration")?),
            None => None,
        };
        let channels = reader.info().channels;
        Ok(Self {
            reader,
            options: *options,
            blocksize,
            overlap,
            left,
            buffer: Array2::<T>::default((channels, blocksize)),
            started: false,
            done: false,
        })
    }

    /// Samples per full block.
    pub fn block_size(&self) -> usize {
        self.blocksize
    }

    /// The next block, `(channels, n)` or `(1, n)` when mono; `None` at the end.
    ///
    /// # Errors
    ///
    /// Decoding errors.
    pub fn next_block(&mut self) -> Result<Option<Array2<T>>> {
        if self.done {
            return Ok(None);
        }
        let keep = if self.started { self.overlap } else { 0 };
        if keep > 0 {
            // Move the tail of the previous block to the front.
            let tail = self
                .buffer
                .slice(s![.., self.blocksize - keep..])
                .to_owned();
            self.buffer.slice_mut(s![.., ..keep]).assign(&tail);
        }
        let mut want = self.blocksize - keep;
        if let Some(left) = self.left {
            want = want.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        let got = self
            .reader
            .read_into_view(self.buffer.slice_mut(s![.., keep..keep + want]))?;
        if let Some(left) = self.left.as_mut() {
            *left -= got as u64;
        }
        self.started = true;
        if got == 0 {
            self.done = true;
            return Ok(None);
        }
        let len = keep + got;
        if len < self.blocksize {
            self.done = true;
        }
        let block = if len < self.blocksize {
            match self.options.fill_value {
                Some(fill) => {
                    let mut b = self.buffer.clone();
                    b.slice_mut(s![.., len..]).fill(T::from_f64(fill));
                    b
                }
                None => self.buffer.slice(s![.., ..len]).to_owned(),
            }
        } else {
            self.buffer.clone()
        };
        Ok(Some(if self.options.mono && block.nrows() > 1 {
            to_mono(&block)
        } else {
            block
        }))
    }
}

impl<T: Sample> Iterator for Stream<T> {
    type Item = Result<Array2<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_block().transpose()
    }
}
