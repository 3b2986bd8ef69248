//! Decoding any supported file block by block: WAV through this crate's own
//! parser, FLAC, MP3 and OGG/Vorbis through symphonia.
//!
//! WAV goes through one parser only. symphonia's WAV demuxer is not
//! compiled in: its probe finds a `RIFF` marker anywhere in the first
//! megabyte, and its `fmt ` parser multiplies the channel count in 16 bits,
//! which overflowed on 65529 channels behind 17 leading bytes (found by the
//! `load_resample` fuzz target; a panic in a debug build). A stream is WAV
//! when it starts with `RIFF....WAVE`, as libsndfile requires; anything else
//! goes to symphonia's FLAC, MP3 and OGG probes.
//!
//! [`AudioReader`] is the chunked reader: it holds at most one decoded packet
//! (or one 64 Ki-frame WAV piece) beyond the block the caller asks for, so
//! memory does not grow with the file's length.
//!
//! Sample values: integer codecs (PCM, FLAC) give `v / 2^(b-1)` exactly, as
//! `soundfile` does; MP3 and Vorbis give the decoder's float output. Encoder
//! delay and padding that the container declares (LAME/Xing tag for MP3,
//! granule positions for OGG) are trimmed, so the first sample returned is the
//! first sample that was encoded.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::audio::{Audio, Sample};
use crate::third_party::guarded;
use crate::wav::WavReader;
use crate::{Error, Result};

/// What a decoder knows about a stream before decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInfo {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Frames the container declares, when it does (may be absent for MP3).
    pub frames: Option<u64>,
    /// Container (`"wav"`, `"flac"`, `"mp3"`, `"ogg"`).
    pub container: String,
    /// Codec (`"pcm_s16le"`, `"flac"`, `"mp3"`, `"vorbis"`, ...).
    pub codec: String,
    /// Bits per sample of integer codecs.
    pub bits_per_sample: Option<u32>,
}

impl AudioInfo {
    /// Declared duration in seconds, when the frame count is known.
    pub fn duration(&self) -> Option<f64> {
        self.frames
            .map(|f| f as f64 / f64::from(self.sample_rate.max(1)))
    }
}

/// Consecutive undecodable packets tolerated before giving up.
const MAX_BAD_PACKETS: usize = 64;

struct SymphoniaSource {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    planar: Vec<Vec<f64>>,
    bad_packets: usize,
}

enum Source {
    Wav(WavReader<Box<dyn Read + Send + Sync>>),
    Symphonia(Box<SymphoniaSource>),
}

/// A block-by-block decoder for WAV, FLAC, MP3 and OGG/Vorbis.
///
/// # Example
///
/// ```
/// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((2, 1000)), sample_rate: 8000 };
/// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
/// let mut reader = audio_io::AudioReader::from_bytes(bytes, None)?;
/// assert_eq!(reader.info().channels, 2);
/// let mut total = 0;
/// loop {
///     let block = reader.read_frames::<f32>(256)?;
///     if block.ncols() == 0 { break; }
///     total += block.ncols();
/// }
/// assert_eq!(total, 1000);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub struct AudioReader {
    source: Source,
    info: AudioInfo,
    pending: Vec<f64>,
    pending_pos: usize,
    ended: bool,
    /// The file, when opened from one: errors name it.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for AudioReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioReader")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn decode_err(source: symphonia::core::errors::Error) -> Error {
    Error::Decode { source }
}

impl AudioReader {
    /// Opens a file; the format is recognised from its first bytes (the
    /// extension is only a hint for symphonia's probe).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be opened; the errors of
    /// [`AudioReader::from_source`] otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
        let mut head = [0u8; 12];
        let n = read_head(&mut file, &mut head).map_err(|source| Error::io(path, source))?;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0))
            .map_err(|source| Error::io(path, source))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let opened = if is_wav(&head[..n]) {
            let reader: Box<dyn Read + Send + Sync> =
                Box::new(std::io::BufReader::with_capacity(1 << 16, file));
            Self::from_wav(reader)
        } else {
            Self::from_symphonia(Box::new(file), ext.as_deref())
        };
        let mut reader = opened.map_err(|e| e.in_file(path))?;
        reader.path = Some(path.to_path_buf());
        Ok(reader)
    }

    /// Decodes from bytes in memory; `extension` (e.g. `Some("mp3")`) is a hint.
    ///
    /// # Errors
    ///
    /// As [`AudioReader::from_source`].
    pub fn from_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<Self> {
        if is_wav(&bytes[..bytes.len().min(12)]) {
            Self::from_wav(Box::new(std::io::Cursor::new(bytes)))
        } else {
            Self::from_symphonia(Box::new(std::io::Cursor::new(bytes)), extension)
        }
    }

    /// Decodes from any symphonia media source (a file, a cursor, a
    /// `ReadOnlySource` around a pipe). WAV is recognised from the first 12
    /// bytes as in [`AudioReader::open`]; those bytes are read once and put
    /// back in front of the stream (by seeking to the start when the source
    /// can seek, by chaining them when it cannot), so a pipe works too.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the first bytes cannot be read;
    /// [`Error::Decode`] when no format or codec recognises the stream;
    /// [`Error::Unsupported`] when it has no audio track, or a zero rate or
    /// channel count.
    pub fn from_source(mut source: Box<dyn MediaSource>, extension: Option<&str>) -> Result<Self> {
        let mut head = [0u8; 12];
        let stream = Path::new("<stream>");
        let n = read_head(&mut source, &mut head).map_err(|e| Error::io(stream, e))?;
        if source.is_seekable() {
            use std::io::Seek;
            source
                .seek(std::io::SeekFrom::Start(0))
                .map_err(|e| Error::io(stream, e))?;
            if is_wav(&head[..n]) {
                return Self::from_wav(Box::new(std::io::BufReader::with_capacity(
                    1 << 16,
                    source,
                )));
            }
            return Self::from_symphonia(source, extension);
        }
        let chained = std::io::Cursor::new(head[..n].to_vec()).chain(source);
        if is_wav(&head[..n]) {
            return Self::from_wav(Box::new(std::io::BufReader::with_capacity(
                1 << 16,
                chained,
            )));
        }
        Self::from_symphonia(
            Box::new(symphonia::core::io::ReadOnlySource::new(chained)),
            extension,
        )
    }

    fn from_wav(reader: Box<dyn Read + Send + Sync>) -> Result<Self> {
        let wav = WavReader::new(reader)?;
        let spec = wav.spec();
        let codec = match spec.format {
            crate::wav::WavSampleFormat::PcmU8 => "pcm_u8",
            crate::wav::WavSampleFormat::Pcm16 => "pcm_s16le",
            crate::wav::WavSampleFormat::Pcm24 => "pcm_s24le",
            crate::wav::WavSampleFormat::Pcm32 => "pcm_s32le",
            crate::wav::WavSampleFormat::Float32 => "pcm_f32le",
            crate::wav::WavSampleFormat::Float64 => "pcm_f64le",
        };
        let bits = match spec.format {
            crate::wav::WavSampleFormat::Float32 | crate::wav::WavSampleFormat::Float64 => None,
            f => Some(8 * f.bytes() as u32),
        };
        let info = AudioInfo {
            sample_rate: spec.sample_rate,
            channels: usize::from(spec.channels),
            frames: Some(spec.declared_frames),
            container: "wav".to_string(),
            codec: codec.to_string(),
            bits_per_sample: bits,
        };
        Ok(Self {
            source: Source::Wav(wav),
            info,
            pending: Vec::new(),
            pending_pos: 0,
            ended: false,
            path: None,
        })
    }

    fn from_symphonia(source: Box<dyn MediaSource>, extension: Option<&str>) -> Result<Self> {
        let mss = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = extension {
            hint.with_extension(ext);
        }
        let format = guarded("symphonia", || {
            symphonia::default::get_probe()
                .probe(
                    &hint,
                    mss,
                    FormatOptions::default(),
                    MetadataOptions::default(),
                )
                .map_err(decode_err)
        })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| Error::Unsupported {
                what: "stream",
                got: "no audio track".to_string(),
            })?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| Error::Unsupported {
                what: "stream",
                got: "no audio codec parameters".to_string(),
            })?
            .clone();
        let sample_rate =
            params
                .sample_rate
                .filter(|&r| r > 0)
                .ok_or_else(|| Error::Unsupported {
                    what: "sample rate",
                    got: format!("{:?}", params.sample_rate),
                })?;
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        if channels == 0 {
            return Err(Error::Unsupported {
                what: "channel count",
                got: "0".to_string(),
            });
        }
        let codecs = symphonia::default::get_codecs();
        let codec = codecs.get_audio_decoder(params.codec).map_or_else(
            || params.codec.to_string(),
            |d| d.codec.info.short_name.to_string(),
        );
        let decoder = guarded("symphonia", || {
            codecs
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
                .map_err(decode_err)
        })?;
        let info = AudioInfo {
            sample_rate,
            channels,
            frames: track.num_frames,
            container: format.format_info().short_name.to_string(),
            codec,
            bits_per_sample: params.bits_per_sample,
        };
        let track_id = track.id;
        Ok(Self {
            source: Source::Symphonia(Box::new(SymphoniaSource {
                format,
                decoder,
                track_id,
                planar: Vec::new(),
                bad_packets: 0,
            })),
            info,
            pending: Vec::new(),
            pending_pos: 0,
            ended: false,
            path: None,
        })
    }

    /// What the container declares.
    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Refills `pending` with the next piece; returns false at the end.
    /// Errors name the file; a panic inside symphonia becomes
    /// [`Error::DecoderPanic`] and ends the stream.
    fn refill(&mut self) -> Result<bool> {
        let refilled = guarded("symphonia", || self.refill_piece());
        if refilled.is_err() {
            self.ended = true;
            self.pending.clear();
        }
        refilled.map_err(|e| self.named(e))
    }

    /// `e` naming this reader's file, when it was opened from one.
    fn named(&self, e: Error) -> Error {
        match &self.path {
            Some(path) => e.in_file(path),
            None => e,
        }
    }

    fn refill_piece(&mut self) -> Result<bool> {
        self.pending.clear();
        self.pending_pos = 0;
        if self.ended {
            return Ok(false);
        }
        let channels = self.info.channels;
        match &mut self.source {
            Source::Wav(wav) => {
                let n = wav.read_interleaved::<f64>(&mut self.pending, 1 << 16)?;
                if n == 0 {
                    self.ended = true;
                }
                Ok(n > 0)
            }
            Source::Symphonia(s) => {
                loop {
                    let packet = match s.format.next_packet() {
                        Ok(Some(p)) => p,
                        Ok(None) => {
                            self.ended = true;
                            return Ok(false);
                        }
                        Err(symphonia::core::errors::Error::IoError(e))
                            if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                        {
                            // A truncated stream ends where the data ends.
                            self.ended = true;
                            return Ok(false);
                        }
                        Err(e) => return Err(decode_err(e)),
                    };
                    if packet.track_id != s.track_id {
                        continue;
                    }
                    match s.decoder.decode(&packet) {
                        Ok(buf) => {
                            s.bad_packets = 0;
                            let got = buf.spec().channels().count();
                            if got != channels {
                                return Err(Error::malformed(
                                    "audio stream",
                                    format!("channel count changed from {channels} to {got}"),
                                ));
                            }
                            let frames = buf.frames();
                            buf.copy_to_vecs_planar::<f64>(&mut s.planar);
                            // symphonia's decoders already drop the packet's
                            // `trim_start`/`trim_end` frames (encoder delay and padding).
                            let (start, end) = (0, frames);
                            self.pending.reserve(frames * channels);
                            for t in start..end {
                                for plane in s.planar.iter().take(channels) {
                                    self.pending.push(plane.get(t).copied().unwrap_or(0.0));
                                }
                            }
                            if end > start {
                                return Ok(true);
                            }
                        }
                        Err(symphonia::core::errors::Error::DecodeError(_)) => {
                            s.bad_packets += 1;
                            if s.bad_packets > MAX_BAD_PACKETS {
                                return Err(Error::malformed(
                                "audio stream",
                                format!("more than {MAX_BAD_PACKETS} consecutive undecodable packets"),
                            ));
                            }
                        }
                        Err(symphonia::core::errors::Error::IoError(e))
                            if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                        {
                            self.ended = true;
                            return Ok(false);
                        }
                        Err(e) => return Err(decode_err(e)),
                    }
                }
            }
        }
    }

    /// Fills `out` (`(channels, capacity)`) from the start; returns the frames
    /// written (fewer than the capacity only at the end of the stream).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `out` has another channel count; decoding errors.
    ///
    /// # Shapes
    ///
    /// `out` is `(channels, capacity)`.
    pub fn read_into<T: Sample>(&mut self, out: &mut Array2<T>) -> Result<usize> {
        self.read_into_view(out.view_mut())
    }

    /// [`AudioReader::read_into`] on a mutable view (for example a column
    /// range of a larger buffer).
    ///
    /// # Errors
    ///
    /// As [`AudioReader::read_into`].
    ///
    /// # Shapes
    ///
    /// `out` is `(channels, capacity)`.
    pub fn read_into_view<T: Sample>(
        &mut self,
        mut out: ndarray::ArrayViewMut2<'_, T>,
    ) -> Result<usize> {
        let channels = self.info.channels;
        if out.nrows() != channels {
            return Err(Error::ShapeMismatch {
                what: "read buffer".to_string(),
                expected: vec![channels, out.ncols()],
                got: out.shape().to_vec(),
            });
        }
        let cap = out.ncols();
        let mut filled = 0;
        while filled < cap {
            let avail = (self.pending.len() - self.pending_pos) / channels;
            if avail == 0 {
                if !self.refill()? {
                    break;
                }
                continue;
            }
            let take = avail.min(cap - filled);
            for t in 0..take {
                let base = self.pending_pos + t * channels;
                for c in 0..channels {
                    out[(c, filled + t)] = T::from_f64(self.pending[base + c]);
                }
            }
            self.pending_pos += take * channels;
            filled += take;
        }
        Ok(filled)
    }

    /// Reads up to `max_frames` frames as a new `(channels, n)` array (`n == 0` at the end).
    ///
    /// # Errors
    ///
    /// Decoding errors.
    pub fn read_frames<T: Sample>(&mut self, max_frames: usize) -> Result<Array2<T>> {
        let mut out = Array2::<T>::default((self.info.channels, max_frames));
        let n = self.read_into(&mut out)?;
        if n < max_frames {
            out = out.slice(ndarray::s![.., ..n]).to_owned();
        }
        Ok(out)
    }

    /// Skips up to `frames` frames; returns how many were skipped.
    ///
    /// # Errors
    ///
    /// Decoding errors.
    pub fn skip(&mut self, frames: u64) -> Result<u64> {
        let channels = self.info.channels;
        let mut left = frames;
        // Pending frames first.
        let avail = ((self.pending.len() - self.pending_pos) / channels) as u64;
        let take = avail.min(left);
        self.pending_pos += take as usize * channels;
        left -= take;
        if left == 0 {
            return Ok(frames);
        }
        if let Source::Wav(wav) = &mut self.source {
            let skipped = wav.skip_frames(left);
            let skipped = skipped.map_err(|e| self.named(e))?;
            return Ok(frames - left + skipped);
        }
        while left > 0 {
            if !self.refill()? {
                break;
            }
            let avail = (self.pending.len() / channels) as u64;
            let take = avail.min(left);
            self.pending_pos = take as usize * channels;
            left -= take;
        }
        Ok(frames - left)
    }

    /// Decodes what is left and counts its frames without keeping the
    /// samples: the number of frames really present, where a header's count
    /// may be wrong and an MP3 may give none (what `soxi -s` reports).
    /// Memory stays bounded (one block of 65 536 frames).
    ///
    /// # Errors
    ///
    /// Decoding errors.
    ///
    /// # Example
    ///
    /// ```
    /// let audio = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((2, 1000)), sample_rate: 8000 };
    /// let bytes = audio_io::wav::write_wav_to_vec(&audio, &Default::default())?;
    /// let mut reader = audio_io::AudioReader::from_bytes(bytes, None)?;
    /// reader.skip(100)?;
    /// assert_eq!(reader.count_remaining_frames()?, 900);
    /// assert_eq!(reader.count_remaining_frames()?, 0);
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn count_remaining_frames(&mut self) -> Result<u64> {
        let mut frames = 0u64;
        let mut block = Array2::<f32>::zeros((self.info.channels, 1 << 16));
        loop {
            let n = self.read_into(&mut block)?;
            if n == 0 {
                return Ok(frames);
            }
            frames += n as u64;
        }
    }

    /// Decodes everything that is left into one array.
    ///
    /// # Errors
    ///
    /// Decoding errors.
    pub fn read_to_end<T: Sample>(&mut self) -> Result<Audio<T>> {
        let channels = self.info.channels;
        let mut all: Vec<T> = Vec::new();
        loop {
            if self.pending.len() == self.pending_pos && !self.refill()? {
                break;
            }
            all.extend(
                self.pending[self.pending_pos..]
                    .iter()
                    .map(|&v| T::from_f64(v)),
            );
            self.pending_pos = self.pending.len();
        }
        Ok(Audio {
            samples: crate::wav::deinterleave(&all, channels),
            sample_rate: self.info.sample_rate,
        })
    }
}

fn is_wav(head: &[u8]) -> bool {
    head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

fn read_head<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Decodes a whole file (WAV, FLAC, MP3, OGG/Vorbis) at its own rate.
///
/// # Errors
///
/// As [`AudioReader::open`] and [`AudioReader::read_to_end`].
///
/// # Shapes
///
/// Returns `(channels, samples)`.
///
/// # Example
///
/// ```no_run
/// let audio = audio_io::decode("song.flac")?;
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn decode(path: impl AsRef<Path>) -> Result<Audio> {
    AudioReader::open(path)?.read_to_end::<f32>()
}

/// Decodes a whole file from bytes in memory; `extension` is a hint.
///
/// # Errors
///
/// As [`AudioReader::from_bytes`].
///
/// # Example
///
/// ```
/// assert!(audio_io::decode_bytes(b"garbage".to_vec(), Some("mp3")).is_err());
/// ```
pub fn decode_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<Audio> {
    AudioReader::from_bytes(bytes, extension)?.read_to_end::<f32>()
}
