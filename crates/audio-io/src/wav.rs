//! WAV reading and writing.

use std::path::Path;

use ndarray::Array2;

use crate::{Error, Result};

/// Decoded audio: samples as `(channels, samples)` floats in `[-1, 1)` and the sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples, `(channels, samples)`.
    pub samples: Array2<f32>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

/// Reads a PCM (8/16/24/32-bit) or IEEE-float WAV file.
///
/// Integer samples of `b` bits are scaled by `1 / 2^(b-1)`, as
/// `soundfile.read(dtype="float32")` does, so 16-bit PCM maps to `[-1, 1)`.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened, [`Error::Wav`] when it is not
/// a valid WAV file, [`Error::Unsupported`] for zero channels.
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
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_wav_from(std::io::BufReader::new(file))
}

/// Reads a WAV stream from any reader; see [`read_wav`].
///
/// # Errors
///
/// [`Error::Wav`] when the bytes are not a valid WAV stream,
/// [`Error::Unsupported`] for zero channels.
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
pub fn read_wav_from<R: std::io::Read>(reader: R) -> Result<Audio> {
    let reader = hound::WavReader::new(reader).map_err(|source| Error::Wav { source })?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    if channels == 0 {
        return Err(Error::Unsupported {
            what: "channel count",
            got: "0".to_string(),
        });
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|source| Error::Wav { source })?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / f64::from(1u32 << (spec.bits_per_sample.clamp(1, 32) - 1));
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                .collect::<std::result::Result<_, _>>()
                .map_err(|source| Error::Wav { source })?
        }
    };
    let frames = interleaved.len() / channels;
    let samples = Array2::from_shape_fn((channels, frames), |(c, t)| interleaved[t * channels + c]);
    Ok(Audio {
        samples,
        sample_rate: spec.sample_rate,
    })
}
