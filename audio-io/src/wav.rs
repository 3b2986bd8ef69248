//! WAV reading (a bounded streaming RIFF/WAVE parser) and writing (hound).
//!
//! Reading supports PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32 and
//! 64-bit, both in plain `WAVE_FORMAT_PCM`/`WAVE_FORMAT_IEEE_FLOAT` and in
//! `WAVE_FORMAT_EXTENSIBLE` files. Integer samples of `b` container bits map
//! to `v / 2^(b-1)` (8-bit: `(v - 128) / 128`), exactly as `soundfile` reads
//! them; the value is computed in `f64` and rounded once to the output type.
//!
//! The parser never sizes an allocation from a header field: chunks it does
//! not need are skipped by reading through them, and the `data` chunk is
//! read in fixed-size pieces until its declared end or the end of the
//! stream, whichever comes first (a lying size yields the frames really
//! present, like `soundfile`; a trailing partial frame is dropped).

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use crate::audio::{Audio, Sample};
use crate::quantizer::Quantizer;
use crate::{Error, Result};

/// The sample encoding of a WAV `data` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WavSampleFormat {
    /// Unsigned 8-bit PCM (offset 128).
    PcmU8,
    /// Signed 16-bit PCM.
    Pcm16,
    /// Signed 24-bit PCM (3 bytes).
    Pcm24,
    /// Signed 32-bit PCM.
    Pcm32,
    /// IEEE float, 32-bit.
    Float32,
    /// IEEE float, 64-bit.
    Float64,
}

impl WavSampleFormat {
    /// Bytes per sample in the container.
    pub fn bytes(self) -> usize {
        match self {
            Self::PcmU8 => 1,
            Self::Pcm16 => 2,
            Self::Pcm24 => 3,
            Self::Pcm32 | Self::Float32 => 4,
            Self::Float64 => 8,
        }
    }

    /// The name `soundfile` gives the subtype (`"PCM_16"`, `"FLOAT"`, ...).
    pub fn soundfile_subtype(self) -> &'static str {
        match self {
            Self::PcmU8 => "PCM_U8",
            Self::Pcm16 => "PCM_16",
            Self::Pcm24 => "PCM_24",
            Self::Pcm32 => "PCM_32",
            Self::Float32 => "FLOAT",
            Self::Float64 => "DOUBLE",
        }
    }

    /// Decodes one little-endian sample to `f64` in `[-1, 1)` (floats as stored).
    #[inline]
    fn decode(self, b: &[u8]) -> f64 {
        match self {
            Self::PcmU8 => (f64::from(b[0]) - 128.0) / 128.0,
            Self::Pcm16 => f64::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
            Self::Pcm24 => {
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                f64::from(v) / 8_388_608.0
            }
            Self::Pcm32 => {
                f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0
            }
            Self::Float32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Self::Float64 => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }
}

/// What the `fmt ` chunk of a WAV file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavSpec {
    /// Channels (at least 1).
    pub channels: u16,
    /// Frames per second (at least 1).
    pub sample_rate: u32,
    /// Sample encoding.
    pub format: WavSampleFormat,
    /// Frames the `data` chunk header declares (may exceed what the file holds).
    pub declared_frames: u64,
}

/// The largest `fmt ` chunk read into memory; longer ones are malformed.
const MAX_FMT_CHUNK: u32 = 1024;
/// The most chunks skipped before `data` (guards against endless tiny chunks).
const MAX_CHUNKS: usize = 4096;
/// Bytes read from the `data` chunk per refill.
const READ_PIECE: usize = 64 * 1024;

/// A streaming WAV reader: parses the header on creation, then yields frames
/// block by block with memory bounded by the block size.
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((1, 10)), sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &audio_io::wav::WavWriteOptions::default())?;
/// let mut reader = audio_io::wav::WavReader::new(std::io::Cursor::new(bytes))?;
/// assert_eq!(reader.spec().sample_rate, 8000);
/// let mut block: Vec<f32> = Vec::new();
/// assert_eq!(reader.read_interleaved(&mut block, 4)?, 4);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug)]
pub struct WavReader<R> {
    reader: R,
    spec: WavSpec,
    /// Bytes of the data chunk not yet consumed (declared).
    remaining: u64,
    bytes: Vec<u8>,
    ended: bool,
}

fn read_exact_or<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::malformed("WAV", format!("truncated {what}"))
        } else {
            Error::Stream { source: e }
        }
    })
}

fn skip_bytes<R: Read>(r: &mut R, n: u64) -> Result<bool> {
    let copied = std::io::copy(&mut r.by_ref().take(n), &mut std::io::sink())
        .map_err(|source| Error::Stream { source })?;
    Ok(copied == n)
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn parse_fmt(fmt: &[u8]) -> Result<(u16, u32, WavSampleFormat)> {
    if fmt.len() < 16 {
        return Err(Error::malformed(
            "WAV",
            format!("fmt chunk of {} bytes (< 16)", fmt.len()),
        ));
    }
    let mut tag = u16_at(fmt, 0);
    let channels = u16_at(fmt, 2);
    let sample_rate = u32_at(fmt, 4);
    let block_align = u16_at(fmt, 12);
    let bits = u16_at(fmt, 14);
    if tag == 0xFFFE {
        if fmt.len() < 40 {
            return Err(Error::malformed(
                "WAV",
                "WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes",
            ));
        }
        tag = u16_at(fmt, 24);
    }
    if channels == 0 {
        return Err(Error::Unsupported {
            what: "channel count",
            got: "0".to_string(),
        });
    }
    if sample_rate == 0 {
        return Err(Error::Unsupported {
            what: "sample rate",
            got: "0".to_string(),
        });
    }
    let container = usize::from(bits).div_ceil(8);
    let format = match (tag, container) {
        (1, 1) => WavSampleFormat::PcmU8,
        (1, 2) => WavSampleFormat::Pcm16,
        (1, 3) => WavSampleFormat::Pcm24,
        (1, 4) => WavSampleFormat::Pcm32,
        (3, 4) => WavSampleFormat::Float32,
        (3, 8) => WavSampleFormat::Float64,
        _ => {
            return Err(Error::Unsupported {
                what: "WAV sample format (format tag, bits per sample)",
                got: format!("({tag:#06x}, {bits})"),
            })
        }
    };
    let expected_align = format.bytes() * usize::from(channels);
    if usize::from(block_align) != expected_align {
        return Err(Error::malformed(
            "WAV",
            format!("block align {block_align}, expected {expected_align} for {channels} channels of {bits} bits"),
        ));
    }
    Ok((channels, sample_rate, format))
}

impl<R: Read> WavReader<R> {
    /// Parses the RIFF header, the `fmt ` chunk and finds the `data` chunk.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for a missing or truncated header, fmt or data
    /// chunk; [`Error::Unsupported`] for zero channels, a zero rate or an
    /// encoding other than those of [`WavSampleFormat`]; [`Error::Stream`]
    /// when the reader fails.
    pub fn new(mut reader: R) -> Result<Self> {
        let mut head = [0u8; 12];
        read_exact_or(&mut reader, &mut head, "RIFF header")?;
        if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
            return Err(Error::malformed("WAV", "not a RIFF/WAVE stream"));
        }
        let mut fmt: Option<(u16, u32, WavSampleFormat)> = None;
        for _ in 0..MAX_CHUNKS {
            let mut ch = [0u8; 8];
            read_exact_or(&mut reader, &mut ch, "chunk header")?;
            let size = u32_at(&ch, 4);
            match &ch[0..4] {
                b"fmt " => {
                    if size > MAX_FMT_CHUNK {
                        return Err(Error::malformed(
                            "WAV",
                            format!("fmt chunk of {size} bytes"),
                        ));
                    }
                    let mut buf = vec![0u8; size as usize];
                    read_exact_or(&mut reader, &mut buf, "fmt chunk")?;
                    if size % 2 == 1 {
                        skip_bytes(&mut reader, 1)?;
                    }
                    fmt = Some(parse_fmt(&buf)?);
                }
                b"data" => {
                    let Some((channels, sample_rate, format)) = fmt else {
                        return Err(Error::malformed("WAV", "data chunk before fmt chunk"));
                    };
                    let frame = (format.bytes() * usize::from(channels)) as u64;
                    return Ok(Self {
                        reader,
                        spec: WavSpec {
                            channels,
                            sample_rate,
                            format,
                            declared_frames: u64::from(size) / frame,
                        },
                        remaining: u64::from(size),
                        bytes: Vec::new(),
                        ended: false,
                    });
                }
                _ => {
                    let padded = u64::from(size) + u64::from(size % 2);
                    if !skip_bytes(&mut reader, padded)? {
                        return Err(Error::malformed(
                            "WAV",
                            "no data chunk before end of stream",
                        ));
                    }
                }
            }
        }
        Err(Error::malformed(
            "WAV",
            format!("more than {MAX_CHUNKS} chunks before data"),
        ))
    }

    /// The format of the stream.
    pub fn spec(&self) -> WavSpec {
        self.spec
    }

    /// Reads up to `max_frames` frames, appending them interleaved to `out`
    /// (cleared first), and returns the number of frames read (0 at the end).
    ///
    /// # Errors
    ///
    /// [`Error::Stream`] when the underlying reader fails.
    pub fn read_interleaved<T: Sample>(
        &mut self,
        out: &mut Vec<T>,
        max_frames: usize,
    ) -> Result<usize> {
        out.clear();
        let channels = usize::from(self.spec.channels);
        let width = self.spec.format.bytes();
        let frame = width * channels;
        let mut frames = 0;
        while frames < max_frames && !self.ended {
            let want_frames = (max_frames - frames).min((READ_PIECE / frame).max(1));
            let want =
                (want_frames * frame).min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
            if want < frame {
                self.ended = true;
                break;
            }
            self.bytes.resize(want, 0);
            let got = read_full(&mut self.reader, &mut self.bytes)?;
            self.remaining -= got as u64;
            let whole = got / frame;
            if got < want {
                self.ended = true;
            }
            let format = self.spec.format;
            out.extend(
                self.bytes[..whole * frame]
                    .chunks_exact(width)
                    .map(|b| T::from_f64(format.decode(b))),
            );
            frames += whole;
        }
        Ok(frames)
    }

    /// Skips up to `frames` frames; returns how many were skipped.
    ///
    /// # Errors
    ///
    /// [`Error::Stream`] when the underlying reader fails.
    pub fn skip_frames(&mut self, frames: u64) -> Result<u64> {
        let frame = (self.spec.format.bytes() * usize::from(self.spec.channels)) as u64;
        let want = frames
            .saturating_mul(frame)
            .min(self.remaining - self.remaining % frame);
        let copied = std::io::copy(&mut self.reader.by_ref().take(want), &mut std::io::sink())
            .map_err(|source| Error::Stream { source })?;
        self.remaining -= copied;
        if copied < want {
            self.ended = true;
            // Drop a partial frame so the stream stays frame-aligned.
            let partial = copied % frame;
            if partial != 0 {
                self.remaining = 0;
            }
        }
        Ok(copied / frame)
    }
}

/// Reads until `buf` is full or the end of the stream; returns bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(Error::Stream { source }),
        }
    }
    Ok(filled)
}

/// Reads a PCM (8/16/24/32-bit) or IEEE-float (32/64-bit) WAV file, plain or
/// `WAVE_FORMAT_EXTENSIBLE`.
///
/// Integer samples of `b` bits are scaled by `1 / 2^(b-1)`, as
/// `soundfile.read(dtype="float32")` does, so 16-bit PCM maps to `[-1, 1)`.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened, [`Error::Malformed`] when it
/// is not a valid WAV file, [`Error::Unsupported`] for zero channels, a zero
/// sample rate or an unsupported encoding.
///
/// # Shapes
///
/// Returns `(channels, samples)`.
///
/// # Example
///
/// ```no_run
/// let audio = audio_io::wav::read_wav("song.wav")?;
/// println!("{} channels at {} Hz", audio.samples.nrows(), audio.sample_rate);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn read_wav(path: impl AsRef<Path>) -> Result<Audio> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
    read_wav_from(std::io::BufReader::new(file)).map_err(|e| e.in_file(path))
}

/// Reads a WAV stream from any reader; see [`read_wav`].
///
/// # Errors
///
/// As [`read_wav`], with [`Error::Stream`] for a failing reader.
///
/// # Shapes
///
/// Returns `(channels, samples)`.
///
/// # Example
///
/// ```
/// let err = audio_io::wav::read_wav_from(std::io::Cursor::new(b"not a wav file"));
/// assert!(err.is_err());
/// ```
pub fn read_wav_from<R: Read>(reader: R) -> Result<Audio> {
    read_wav_as::<f32, R>(reader)
}

/// Reads a WAV stream into samples of type `T` (`f32` or `f64`); see [`read_wav`].
///
/// # Errors
///
/// As [`read_wav_from`].
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::array![[0.5f32, -0.25]], sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// let back = audio_io::wav::read_wav_as::<f64, _>(std::io::Cursor::new(bytes))?;
/// assert_eq!(back.samples, ndarray::array![[0.5f64, -0.25]]);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn read_wav_as<T: Sample, R: Read>(reader: R) -> Result<Audio<T>> {
    let mut reader = WavReader::new(reader)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let mut all: Vec<T> = Vec::new();
    let mut block: Vec<T> = Vec::new();
    while reader.read_interleaved(&mut block, 1 << 16)? > 0 {
        all.extend_from_slice(&block);
    }
    Ok(Audio {
        samples: deinterleave(&all, channels),
        sample_rate: spec.sample_rate,
    })
}

/// `(frames * channels)` interleaved → `(channels, frames)`.
pub(crate) fn deinterleave<T: Copy + Default>(interleaved: &[T], channels: usize) -> Array2<T> {
    let frames = interleaved.len().checked_div(channels).unwrap_or(0);
    let mut out = Array2::<T>::default((channels, frames));
    for (t, frame) in interleaved
        .chunks_exact(channels.max(1))
        .take(frames)
        .enumerate()
    {
        for (c, &v) in frame.iter().enumerate() {
            out[(c, t)] = v;
        }
    }
    out
}

/// The sample encodings [`write_wav`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WavWriteFormat {
    /// Signed 16-bit PCM (the default).
    #[default]
    Pcm16,
    /// Signed 24-bit PCM.
    Pcm24,
    /// IEEE float 32-bit (no quantisation, no clipping).
    Float32,
}

/// Dither added before quantising to integer PCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Dither {
    /// No dither (the default): plain rounding, so writing samples read from
    /// a PCM file of the same depth gives back the same codes.
    #[default]
    None,
    /// Triangular-PDF dither of ±1 LSB peak (the difference of two uniform
    /// variables, `(u1 - u2) * LSB`) from a deterministic generator seeded
    /// with `seed`.
    Tpdf {
        /// Seed of the xorshift generator.
        seed: u64,
    },
}

/// Options of [`write_wav`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WavWriteOptions {
    /// The sample encoding.
    pub format: WavWriteFormat,
    /// Dither for integer formats (ignored for `Float32`).
    pub dither: Dither,
}

/// Quantises one sample to a `bits`-bit code: `clamp(round_half_even(x * 2^(bits-1)), -2^(bits-1), 2^(bits-1) - 1)`.
///
/// The scale is `2^(bits-1)`, the inverse of the reading scale, so a
/// read → write round trip of PCM data is lossless. (libsndfile multiplies by
/// `2^(bits-1) - 1` when writing floats, so files written by `soundfile`
/// differ by at most one code near full scale.) Values at or above
/// `1 - 2^-(bits-1)` clip to the largest code, values below `-1` to the
/// smallest; NaN becomes 0.
///
/// # Example
///
/// ```
/// assert_eq!(audio_io::wav::quantize(0.5, 16), 16384);
/// assert_eq!(audio_io::wav::quantize(1.0, 16), 32767); // clipped
/// assert_eq!(audio_io::wav::quantize(-1.0, 16), -32768);
/// ```
pub fn quantize(x: f64, bits: u32) -> i32 {
    let full = f64::from(1u32 << (bits.clamp(2, 32) - 1));
    if x.is_nan() {
        return 0;
    }
    let q = (x * full).round_ties_even();
    q.clamp(-full, full - 1.0) as i32
}

/// Writes audio as a WAV file: 16 or 24-bit PCM or 32-bit float.
///
/// Integer formats quantise with [`quantize`] (clipping to the format's range,
/// documented there) after optional [`Dither`]; `Float32` stores the values as
/// they are, unclipped.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be created, [`Error::Wav`] when the
/// encoder fails, [`Error::InvalidParameter`] for zero channels, more than
/// 65535 channels or a zero sample rate.
///
/// # Shapes
///
/// `audio.samples` is `(channels, samples)`.
///
/// # Example
///
/// ```
/// let dir = std::env::temp_dir().join("audio_io_doc_write_wav.wav");
/// let audio = audio_io::Audio { samples: ndarray::array![[0.0f32, 0.5, -0.5]], sample_rate: 22050 };
/// audio_io::wav::write_wav(&dir, &audio, &audio_io::wav::WavWriteOptions::default())?;
/// assert_eq!(audio_io::wav::read_wav(&dir)?, audio);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_wav<T: Sample>(
    path: impl AsRef<Path>,
    audio: &Audio<T>,
    options: &WavWriteOptions,
) -> Result<()> {
    let path = path.as_ref();
    let mut out = crate::OutputFile::create(path)?;
    write_wav_to(&mut out, audio, options)?;
    out.commit()
}

/// Writes a WAV file into memory; see [`write_wav`].
///
/// # Errors
///
/// As [`write_wav`].
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::array![[0.25f32]], sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// assert_eq!(&bytes[0..4], b"RIFF");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_wav_to_vec<T: Sample>(audio: &Audio<T>, options: &WavWriteOptions) -> Result<Vec<u8>> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    write_wav_to(&mut cursor, audio, options)?;
    Ok(cursor.into_inner())
}

/// Writes a WAV stream to any seekable writer; see [`write_wav`].
///
/// # Errors
///
/// As [`write_wav`].
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::array![[0.25f32]], sample_rate: 8000 };
/// let mut cursor = std::io::Cursor::new(Vec::new());
/// audio_io::wav::write_wav_to(&mut cursor, &audio, &Default::default())?;
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_wav_to<T: Sample, W: std::io::Write + std::io::Seek>(
    writer: W,
    audio: &Audio<T>,
    options: &WavWriteOptions,
) -> Result<()> {
    let mut w = WavStreamWriter::new(writer, audio.channels(), audio.sample_rate, options)?;
    w.write_block(&audio.samples)?;
    w.finalize()
}

/// A block-by-block WAV writer (for streaming conversions with bounded memory).
///
/// # Example
///
/// ```
/// let mut cursor = std::io::Cursor::new(Vec::new());
/// let mut w = audio_io::wav::WavStreamWriter::new(&mut cursor, 1, 8000, &Default::default())?;
/// w.write_block(&ndarray::array![[0.1f32, 0.2]])?;
/// w.finalize()?;
/// # Ok::<(), audio_io::Error>(())
/// ```
pub struct WavStreamWriter<W: std::io::Write + std::io::Seek> {
    inner: hound::WavWriter<W>,
    channels: usize,
    options: WavWriteOptions,
    quantizer: Quantizer,
}

impl<W: std::io::Write + std::io::Seek> std::fmt::Debug for WavStreamWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStreamWriter")
            .field("channels", &self.channels)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<W: std::io::Write + std::io::Seek> WavStreamWriter<W> {
    /// Starts a WAV stream.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero or more than 65535 channels or a
    /// zero rate; [`Error::Wav`] when writing the header fails.
    pub fn new(
        writer: W,
        channels: usize,
        sample_rate: u32,
        options: &WavWriteOptions,
    ) -> Result<Self> {
        let ch = u16::try_from(channels)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| Error::InvalidParameter {
                name: "channels",
                expected: "1..=65535",
                value: channels.to_string(),
            })?;
        if sample_rate == 0 {
            return Err(Error::InvalidParameter {
                name: "sample_rate",
                expected: "> 0",
                value: "0".to_string(),
            });
        }
        let (bits, sample_format) = match options.format {
            WavWriteFormat::Pcm16 => (16, hound::SampleFormat::Int),
            WavWriteFormat::Pcm24 => (24, hound::SampleFormat::Int),
            WavWriteFormat::Float32 => (32, hound::SampleFormat::Float),
        };
        let spec = hound::WavSpec {
            channels: ch,
            sample_rate,
            bits_per_sample: bits,
            sample_format,
        };
        let inner = hound::WavWriter::new(writer, spec).map_err(|source| Error::Wav { source })?;
        Ok(Self {
            inner,
            channels,
            options: *options,
            quantizer: Quantizer::new(u32::from(bits), options.dither),
        })
    }

    /// Appends a `(channels, n)` block.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the block has another channel count,
    /// [`Error::Wav`] when writing fails.
    pub fn write_block<T: Sample>(&mut self, block: &Array2<T>) -> Result<()> {
        if block.nrows() != self.channels {
            return Err(Error::ShapeMismatch {
                what: "WAV block".to_string(),
                expected: vec![self.channels, block.ncols()],
                got: block.shape().to_vec(),
            });
        }
        let wav = |source| Error::Wav { source };
        for t in 0..block.ncols() {
            for c in 0..self.channels {
                let x = block[(c, t)].to_f64();
                match self.options.format {
                    WavWriteFormat::Float32 => self.inner.write_sample(x as f32).map_err(wav)?,
                    WavWriteFormat::Pcm16 => {
                        let q = self.quantizer.code(x);
                        self.inner.write_sample(q as i16).map_err(wav)?;
                    }
                    WavWriteFormat::Pcm24 => {
                        let q = self.quantizer.code(x);
                        self.inner.write_sample(q).map_err(wav)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the final header sizes.
    ///
    /// # Errors
    ///
    /// [`Error::Wav`] when writing fails.
    pub fn finalize(self) -> Result<()> {
        self.inner
            .finalize()
            .map_err(|source| Error::Wav { source })
    }
}
