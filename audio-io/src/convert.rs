//! Converting any decodable file to WAV, block by block: `sox in.flac out.wav`
//! with librosa.load's `offset`, `duration`, `mono` and `sr`.

use std::path::Path;

use crate::decode::AudioReader;
use crate::load::{load_from, LoadOptions};
use crate::wav::{WavStreamWriter, WavWriteOptions};
use crate::{to_mono, Error, Result};

/// What [`convert_to_wav`] writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvertOptions {
    /// Sample format and dither of the WAV file.
    pub wav: WavWriteOptions,
    /// Mix down to one channel (the mean of the channels, as `librosa.to_mono`).
    pub mono: bool,
    /// Resample to this rate; `None` (or the file's rate) keeps the rate.
    pub sr: Option<u32>,
    /// Seconds to skip at the start (librosa's `offset`).
    pub offset: f64,
    /// Seconds to keep after `offset` (librosa's `duration`); `None` for all.
    pub duration: Option<f64>,
}

/// Seconds to frames at `rate`: `⌊s · rate⌋`.
fn seconds_to_frames(seconds: f64, rate: u32, name: &'static str) -> Result<u64> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(Error::InvalidParameter {
            name,
            expected: "a finite number of seconds >= 0",
            value: seconds.to_string(),
        });
    }
    Ok((seconds * f64::from(rate)) as u64)
}

/// Decodes `input` (WAV, FLAC, MP3, OGG/Vorbis) and writes the WAV file
/// `output`. Without resampling, memory stays bounded: blocks of 65 536
/// frames are decoded, mixed down when `mono` and written as they come.
/// Resampling works on the whole excerpt (as `librosa.load(sr=...)`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a negative or non-finite `offset` or
/// `duration`; [`Error::Io`] when `output` cannot be created; decoding and
/// WAV-writing errors.
///
/// # Example
///
/// ```
/// use audio_io::convert::{convert_to_wav, ConvertOptions};
/// let dir = std::env::temp_dir().join(format!("audio-io-convert-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(|e| audio_io::Error::Io { path: dir.clone(), source: e })?;
/// let (input, output) = (dir.join("in.wav"), dir.join("out.wav"));
/// let stereo = audio_io::Audio { samples: ndarray::Array2::<f32>::zeros((2, 8000)), sample_rate: 8000 };
/// audio_io::wav::write_wav(&input, &stereo, &Default::default())?;
/// let options = ConvertOptions { mono: true, offset: 0.25, duration: Some(0.5), ..Default::default() };
/// convert_to_wav(&input, &output, &options)?;
/// let out = audio_io::decode(&output)?;
/// assert_eq!((out.channels(), out.frames()), (1, 4000));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn convert_to_wav(input: &Path, output: &Path, options: &ConvertOptions) -> Result<()> {
    let mut reader = AudioReader::open(input)?;
    let rate = reader.info().sample_rate;
    reader.skip(seconds_to_frames(options.offset, rate, "offset")?)?;
    let mut left = match options.duration {
        Some(d) => seconds_to_frames(d, rate, "duration")?,
        None => u64::MAX,
    };
    let channels = reader.info().channels;
    let mut file = crate::OutputFile::create(output)?;
    let out_channels = if options.mono { 1 } else { channels };
    if let Some(sr) = options.sr.filter(|&s| s != rate) {
        // The reader has already skipped `offset`.
        let audio = load_from::<f32>(
            reader,
            &LoadOptions {
                sr: Some(sr),
                mono: options.mono,
                offset: 0.0,
                duration: options.duration,
                ..Default::default()
            },
        )?;
        let mut writer = WavStreamWriter::new(&mut file, out_channels, sr, &options.wav)?;
        writer.write_block(&audio.samples)?;
        writer.finalize()?;
        return file.commit();
    }
    let mut writer = WavStreamWriter::new(&mut file, out_channels, rate, &options.wav)?;
    let mut block = ndarray::Array2::<f32>::zeros((channels, 1 << 16));
    while left > 0 {
        let n = reader.read_into(&mut block)?;
        if n == 0 {
            break;
        }
        let n = n.min(usize::try_from(left).unwrap_or(usize::MAX));
        left -= n as u64;
        let part = block.slice(ndarray::s![.., ..n]).to_owned();
        if options.mono && channels > 1 {
            writer.write_block(&to_mono(&part))?;
        } else {
            writer.write_block(&part)?;
        }
    }
    writer.finalize()?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::{convert_to_wav, ConvertOptions};
    use crate::Error;

    #[test]
    fn negative_or_nan_times_are_typed_errors_and_nothing_panics() {
        let dir = std::env::temp_dir().join(format!("audio-io-convert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let (input, output) = (dir.join("in.wav"), dir.join("out.wav"));
        let audio = crate::Audio {
            samples: ndarray::Array2::<f32>::zeros((1, 800)),
            sample_rate: 8000,
        };
        let written = crate::wav::write_wav(&input, &audio, &Default::default());
        assert!(written.is_ok());
        for (offset, duration) in [(-1.0, None), (f64::NAN, None), (0.0, Some(-0.5))] {
            let options = ConvertOptions {
                offset,
                duration,
                ..Default::default()
            };
            assert!(matches!(
                convert_to_wav(&input, &output, &options),
                Err(Error::InvalidParameter { .. })
            ));
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
