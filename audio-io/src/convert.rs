//! Converting any decodable file to WAV or FLAC, block by block: `sox
//! in.mp3 out.wav` with librosa.load's `offset`, `duration`, `mono` and `sr`.

use std::path::Path;

use crate::load::LoadOptions;
use crate::load_stream::LoadStream;
use crate::stream_writer::{AudioStreamWriter, OutputFormat};
use crate::wav::WavWriteOptions;
use crate::Result;

/// What [`convert_to_wav`] and [`convert_to`] write.
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

/// Decodes `input` (WAV, FLAC, MP3, OGG/Vorbis) and writes the WAV file
/// `output`, in memory that does not grow with the file: blocks of 65 536
/// frames are decoded, mixed down when `mono`, resampled when `sr` differs
/// (soxr_hq, streaming: the samples of `librosa.load(sr=...)`, see
/// [`LoadStream`]) and written as they come, to a temporary file renamed
/// to `output` at the end (an interrupted run leaves no partial file).
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a negative or non-finite `offset` or
/// `duration` or `sr = 0`; [`crate::Error::Io`] when `output` cannot be created; decoding and
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
    convert_to(input, output, options, &OutputFormat::Wav(options.wav))
}

/// As [`convert_to_wav`], writing `output` in `format` (WAV or FLAC; the
/// options' `wav` field is not used).
///
/// # Errors
///
/// As [`convert_to_wav`], and the encoder's errors (FLAC takes 1 to 8
/// channels and rates up to 655 350 Hz).
///
/// # Example
///
/// ```
/// use audio_io::convert::{convert_to, ConvertOptions};
/// use audio_io::OutputFormat;
/// let dir = std::env::temp_dir().join(format!("audio-io-convert-flac-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(|e| audio_io::Error::Io { path: dir.clone(), source: e })?;
/// let (input, output) = (dir.join("in.wav"), dir.join("out.flac"));
/// let tone = audio_io::Audio { samples: ndarray::Array2::from_shape_fn((1, 8000), |(_, t)| (t as f32 * 0.05).sin() * 0.5), sample_rate: 8000 };
/// audio_io::wav::write_wav(&input, &tone, &Default::default())?;
/// convert_to(&input, &output, &ConvertOptions::default(), &OutputFormat::Flac(Default::default()))?;
/// assert_eq!(audio_io::decode(&output)?, audio_io::decode(&input)?);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn convert_to(
    input: &Path,
    output: &Path,
    options: &ConvertOptions,
    format: &OutputFormat,
) -> Result<()> {
    let mut blocks = LoadStream::<f32>::open(
        input,
        &LoadOptions {
            sr: options.sr,
            mono: options.mono,
            offset: options.offset,
            duration: options.duration,
            ..LoadOptions::default()
        },
    )?;
    let mut file = crate::OutputFile::create(output)?;
    let mut writer =
        AudioStreamWriter::new(&mut file, blocks.channels(), blocks.sample_rate(), format)?;
    while let Some(block) = blocks.next_block()? {
        writer.write_block(&block)?;
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
