//! Writing FLAC (RFC 9639): lossless 16 or 24-bit integer PCM, 0.62 to 0.71
//! of the WAV's size on the bundled recordings (as libFLAC's default level).
//!
//! Per channel and frame the encoder keeps the smallest of a constant, the
//! samples as they are, FLAC's fixed polynomial predictors (orders 0 to 4)
//! and a linear predictor computed as libFLAC's level 5 does (up to order
//! 8), each residual Rice-coded in the partitions that code it smallest;
//! for stereo the smallest of left/right, left/side, side/right and
//! mid/side. It writes a STREAMINFO
//! block with the stream's MD5 signature, so `flac -t` and decoders that
//! verify (libFLAC, symphonia with `verify`) check every sample. Decoding
//! FLAC goes through [`crate::decode()`] and [`crate::load()`].
//!
//! Samples are quantised as [`crate::wav`] does ([`crate::wav::quantize`],
//! optional [`Dither`]), so a WAV and a FLAC file written from the same
//! samples with the same options decode to the same codes.

mod bit_writer;
mod crc;
mod frame;
mod lpc;

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use md5::{Digest, Md5};
use ndarray::Array2;

use self::bit_writer::BitWriter;
use self::frame::{FrameEncoder, HeaderCodes};
use crate::audio::{Audio, Sample};
use crate::quantizer::Quantizer;
use crate::wav::Dither;
use crate::{Error, Result};

/// The integer sample sizes [`write_flac`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FlacBitDepth {
    /// 16 bits per sample (the default, CD quality).
    #[default]
    Pcm16,
    /// 24 bits per sample.
    Pcm24,
}

impl FlacBitDepth {
    /// Bits per sample.
    pub fn bits(self) -> u32 {
        match self {
            Self::Pcm16 => 16,
            Self::Pcm24 => 24,
        }
    }
}

/// The default number of samples per channel in a frame: libFLAC's default
/// (4096, within the streamable subset at any rate up to 48 kHz).
pub const DEFAULT_BLOCK_SIZE: usize = 4096;

/// Options of [`write_flac`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlacWriteOptions {
    /// Bits per sample.
    pub bits: FlacBitDepth,
    /// Dither before quantising.
    pub dither: Dither,
    /// Samples per channel in each frame (the last may be shorter), 16 to
    /// 65535.
    pub block_size: usize,
}

impl Default for FlacWriteOptions {
    fn default() -> Self {
        Self {
            bits: FlacBitDepth::Pcm16,
            dither: Dither::None,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }
}

/// Writes audio as a FLAC file of 16 or 24-bit samples.
///
/// Samples are quantised with [`crate::wav::quantize`] (clipped to the
/// format's range) after the optional [`Dither`]. The file is written under
/// a temporary name and renamed when complete ([`crate::OutputFile`]).
/// Audio of no samples gives the marker and STREAMINFO alone: valid FLAC,
/// which symphonia and libsndfile do not open.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no channels or more than 8, a sample
/// rate of 0 or above 655 350 Hz, or a block size outside 16 to 65535;
/// [`Error::Io`] / [`Error::Stream`] when writing fails.
///
/// # Shapes
///
/// `audio.samples` is `(channels, samples)`.
///
/// # Example
///
/// ```
/// let path = std::env::temp_dir().join("audio_io_doc_write_flac.flac");
/// let audio = audio_io::Audio { samples: ndarray::array![[0.0f32, 0.5, -0.5]], sample_rate: 22050 };
/// audio_io::flac::write_flac(&path, &audio, &Default::default())?;
/// assert_eq!(audio_io::decode(&path)?, audio);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_flac<T: Sample>(
    path: impl AsRef<Path>,
    audio: &Audio<T>,
    options: &FlacWriteOptions,
) -> Result<()> {
    let mut out = crate::OutputFile::create(path.as_ref())?;
    write_flac_to(&mut out, audio, options)?;
    out.commit()
}

/// Writes a FLAC stream into memory; see [`write_flac`].
///
/// # Errors
///
/// As [`write_flac`].
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::array![[0.25f32]], sample_rate: 8000 };
/// let bytes = audio_io::flac::write_flac_to_vec(&audio, &Default::default())?;
/// assert_eq!(&bytes[0..4], b"fLaC");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_flac_to_vec<T: Sample>(
    audio: &Audio<T>,
    options: &FlacWriteOptions,
) -> Result<Vec<u8>> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    write_flac_to(&mut cursor, audio, options)?;
    Ok(cursor.into_inner())
}

/// Writes a FLAC stream to any seekable writer; see [`write_flac`].
///
/// # Errors
///
/// As [`write_flac`].
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::array![[0.25f32]], sample_rate: 8000 };
/// let mut cursor = std::io::Cursor::new(Vec::new());
/// audio_io::flac::write_flac_to(&mut cursor, &audio, &Default::default())?;
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn write_flac_to<T: Sample, W: Write + Seek>(
    writer: W,
    audio: &Audio<T>,
    options: &FlacWriteOptions,
) -> Result<()> {
    let mut w = FlacStreamWriter::new(writer, audio.channels(), audio.sample_rate, options)?;
    w.write_block(&audio.samples)?;
    w.finalize()
}

/// The highest sample rate written: FLAC's limit before RFC 9639 raised
/// it to 1 048 575 Hz, which decoders still enforce (symphonia rejects
/// higher rates).
const MAX_SAMPLE_RATE: u32 = 655_350;

/// The size of the STREAMINFO block's body in bytes.
const STREAMINFO_LEN: usize = 34;

/// A block-by-block FLAC writer (for streaming conversions with bounded
/// memory: it holds one frame of samples).
///
/// The STREAMINFO block (total samples, frame sizes, MD5) is rewritten by
/// [`FlacStreamWriter::finalize`], which is why the writer must seek.
///
/// # Example
///
/// ```
/// let mut cursor = std::io::Cursor::new(Vec::new());
/// let mut w = audio_io::flac::FlacStreamWriter::new(&mut cursor, 2, 44100, &Default::default())?;
/// w.write_block(&ndarray::array![[0.1f32, 0.2], [0.0, -0.1]])?;
/// w.finalize()?;
/// # Ok::<(), audio_io::Error>(())
/// ```
pub struct FlacStreamWriter<W: Write + Seek> {
    writer: W,
    /// Where the stream starts in `writer`.
    start: u64,
    channels: usize,
    sample_rate: u32,
    bits: u32,
    block_size: usize,
    codes: HeaderCodes,
    quantizer: Quantizer,
    /// The current frame's codes, per channel.
    pending: Vec<Vec<i64>>,
    encoder: FrameEncoder,
    frames: u64,
    total_samples: u64,
    frame_bytes: Option<(usize, usize)>,
    md5: Md5,
    /// The current frame's samples as MD5 hashes them (little-endian,
    /// interleaved).
    md5_bytes: Vec<u8>,
}

impl<W: Write + Seek> std::fmt::Debug for FlacStreamWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlacStreamWriter")
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .field("bits", &self.bits)
            .field("block_size", &self.block_size)
            .field("total_samples", &self.total_samples)
            .finish_non_exhaustive()
    }
}

impl<W: Write + Seek> FlacStreamWriter<W> {
    /// Starts a FLAC stream: writes the `fLaC` marker and a STREAMINFO
    /// block to be completed by [`FlacStreamWriter::finalize`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for 0 or more than 8 channels, a rate of
    /// 0 or above 655 350 Hz, or a block size outside 16 to 65535;
    /// [`Error::Stream`] when writing fails.
    pub fn new(
        mut writer: W,
        channels: usize,
        sample_rate: u32,
        options: &FlacWriteOptions,
    ) -> Result<Self> {
        if !(1..=8).contains(&channels) {
            return Err(Error::InvalidParameter {
                name: "channels",
                expected: "1..=8 (FLAC)",
                value: channels.to_string(),
            });
        }
        if !(1..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(Error::InvalidParameter {
                name: "sample_rate",
                expected: "1..=655350 Hz (FLAC)",
                value: sample_rate.to_string(),
            });
        }
        if !(16..=65_535).contains(&options.block_size) {
            return Err(Error::InvalidParameter {
                name: "block_size",
                expected: "16..=65535",
                value: options.block_size.to_string(),
            });
        }
        let stream = |source| Error::Stream { source };
        let start = writer.stream_position().map_err(stream)?;
        let bits = options.bits.bits();
        let mut w = Self {
            writer,
            start,
            channels,
            sample_rate,
            bits,
            block_size: options.block_size,
            codes: HeaderCodes::new(sample_rate, bits),
            quantizer: Quantizer::new(bits, options.dither),
            pending: vec![Vec::with_capacity(options.block_size); channels],
            encoder: FrameEncoder::default(),
            frames: 0,
            total_samples: 0,
            frame_bytes: None,
            md5: Md5::new(),
            md5_bytes: Vec::new(),
        };
        let mut head = Vec::with_capacity(8 + STREAMINFO_LEN);
        head.extend_from_slice(b"fLaC");
        // The last metadata block (bit 7), type 0 (STREAMINFO), 34 bytes.
        head.extend_from_slice(&[0x80, 0, 0, STREAMINFO_LEN as u8]);
        head.extend_from_slice(&w.streaminfo([0; 16]));
        w.writer.write_all(&head).map_err(stream)?;
        Ok(w)
    }

    /// Appends a `(channels, n)` block.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the block has another channel count,
    /// [`Error::Stream`] when writing fails.
    pub fn write_block<T: Sample>(&mut self, block: &Array2<T>) -> Result<()> {
        if block.nrows() != self.channels {
            return Err(Error::ShapeMismatch {
                what: "FLAC block".to_string(),
                expected: vec![self.channels, block.ncols()],
                got: block.shape().to_vec(),
            });
        }
        let width = (self.bits / 8) as usize;
        for t in 0..block.ncols() {
            for c in 0..self.channels {
                let code = self.quantizer.code(block[(c, t)].to_f64());
                self.pending[c].push(i64::from(code));
                self.md5_bytes
                    .extend_from_slice(&code.to_le_bytes()[..width]);
            }
            if self.pending[0].len() == self.block_size {
                self.flush_frame()?;
            }
        }
        Ok(())
    }

    /// Encodes and writes the pending frame.
    fn flush_frame(&mut self) -> Result<()> {
        let n = self.pending[0].len();
        if n == 0 {
            return Ok(());
        }
        let bytes = self
            .encoder
            .encode(&self.pending, self.bits, self.frames, self.codes);
        self.writer
            .write_all(bytes)
            .map_err(|source| Error::Stream { source })?;
        let len = bytes.len();
        self.frame_bytes = Some(match self.frame_bytes {
            None => (len, len),
            Some((lo, hi)) => (lo.min(len), hi.max(len)),
        });
        self.md5.update(&self.md5_bytes);
        self.md5_bytes.clear();
        for ch in &mut self.pending {
            ch.clear();
        }
        self.frames += 1;
        self.total_samples += n as u64;
        Ok(())
    }

    /// The STREAMINFO body (RFC 9639 §8.2) with the given MD5 signature.
    fn streaminfo(&self, md5: [u8; 16]) -> Vec<u8> {
        let mut w = BitWriter::default();
        let block = self.block_size as u64;
        w.write(block, 16);
        w.write(block, 16);
        // Frame sizes above 24 bits cannot occur (65535 samples × 8
        // channels × 25 bits is under 2^24 bytes); 0 means unknown.
        let (lo, hi) = self.frame_bytes.unwrap_or((0, 0));
        w.write(lo as u64, 24);
        w.write(hi as u64, 24);
        w.write(u64::from(self.sample_rate), 20);
        w.write(self.channels as u64 - 1, 3);
        w.write(u64::from(self.bits) - 1, 5);
        // A total above 36 bits is written as 0, "unknown".
        let total = if self.total_samples < 1 << 36 {
            self.total_samples
        } else {
            0
        };
        w.write(total >> 32, 4);
        w.write(total & 0xFFFF_FFFF, 32);
        for byte in md5 {
            w.write(u64::from(byte), 8);
        }
        w.bytes().to_vec()
    }

    /// Writes the last frame and completes the STREAMINFO block (total
    /// samples, frame sizes, MD5 of the samples).
    ///
    /// # Errors
    ///
    /// [`Error::Stream`] when writing or seeking fails.
    pub fn finalize(mut self) -> Result<()> {
        self.flush_frame()?;
        let md5: [u8; 16] = std::mem::take(&mut self.md5).finalize().into();
        let info = self.streaminfo(md5);
        let stream = |source| Error::Stream { source };
        let end = self.writer.stream_position().map_err(stream)?;
        self.writer
            .seek(SeekFrom::Start(self.start + 8))
            .map_err(stream)?;
        self.writer.write_all(&info).map_err(stream)?;
        self.writer.seek(SeekFrom::Start(end)).map_err(stream)?;
        self.writer.flush().map_err(stream)
    }
}
