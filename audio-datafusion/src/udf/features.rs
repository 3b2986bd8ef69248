//! Spectral features: `melspectrogram`, `mfcc`, `chroma_cqt`, and the key.

use audio_dsp::{
    power_to_db, ChromaCqt, ChromaCqtConfig, DbReference, MelConfig, MelSpectrogram,
    MelSpectrogramConfig, Mfcc, MfccConfig, StftConfig, StreamingMelSpectrogram, Transform,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use ndarray::{Array2, Axis};

use super::args::{
    dsp_error as dsp, matrix, matrix_type, opt_positive, sample_rate, signal, signal_samples,
    Signal,
};
use super::RowKernel;
use crate::error::{Error, Result};

/// A mel spectrogram, streaming a file block by block (decode, resample,
/// STFT, mel) so that memory holds the result and one block, not the
/// decoded file; samples given as a list go through the offline transform.
fn mel_power(
    function: &'static str,
    input: Signal,
    config: MelSpectrogramConfig,
    sr: u32,
) -> Result<Array2<f32>> {
    match input {
        Signal::Samples(x) => MelSpectrogram::new(config)
            .and_then(|m| m.process(&x))
            .map_err(dsp(function)),
        Signal::Path(path) => {
            let audio_error = |source| Error::Audio {
                function,
                path: path.clone(),
                source,
            };
            let options = audio_io::LoadOptions {
                sr: Some(sr),
                ..audio_io::LoadOptions::default()
            };
            let mut stream =
                audio_io::LoadStream::<f32>::open(&path, &options).map_err(audio_error)?;
            let mut mel = StreamingMelSpectrogram::<f32>::new(config).map_err(dsp(function))?;
            let mut parts = Vec::new();
            while let Some(block) = stream.next_block().map_err(audio_error)? {
                let row = block.row(0);
                let part = match row.as_slice() {
                    Some(s) => mel.push(s),
                    None => mel.push(&row.to_vec()),
                }
                .map_err(dsp(function))?;
                parts.push(part);
            }
            parts.push(mel.finish().map_err(dsp(function))?);
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            ndarray::concatenate(Axis(1), &views).map_err(|e| Error::InvalidArgument {
                function,
                argument: "y",
                reason: e.to_string(),
            })
        }
    }
}

fn mel_config(sr: u32, n_fft: usize, hop_length: usize, n_mels: usize) -> MelSpectrogramConfig {
    MelSpectrogramConfig {
        stft: StftConfig {
            n_fft,
            hop_length: Some(hop_length),
            ..StftConfig::default()
        },
        power: 2.0,
        mel: MelConfig {
            sr: f64::from(sr),
            n_fft,
            n_mels,
            ..MelConfig::default()
        },
    }
}

/// `melspectrogram(y [, sr, n_fft, hop_length, n_mels])` →
/// `List<List<Float32>>` shaped `(n_mels, frames)`, as
/// `librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft,
/// hop_length=hop_length, n_mels=n_mels)` (power 2, Slaney mel, centred
/// STFT with zero padding). Defaults 22050, 2048, 512, 128. `y` is a path
/// (decoded to mono at `sr`) or the samples from `load`.
#[derive(Debug)]
pub(crate) struct Melspectrogram;

impl RowKernel for Melspectrogram {
    fn name(&self) -> &'static str {
        "melspectrogram"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "n_fft", "hop_length", "n_mels"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        matrix_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let n_fft = opt_positive(args, 2, 2048, f, "n_fft")?;
        let hop = opt_positive(args, 3, 512, f, "hop_length")?;
        let n_mels = opt_positive(args, 4, 128, f, "n_mels")?;
        let m = mel_power(f, input, mel_config(sr, n_fft, hop, n_mels), sr)?;
        Ok(matrix(&m))
    }
}

/// `mfcc(y [, sr, n_mfcc, n_fft, hop_length, n_mels])` →
/// `List<List<Float32>>` shaped `(n_mfcc, frames)`, as
/// `librosa.feature.mfcc` (log-power mel with `ref=1.0`, `top_db=80`,
/// orthonormal DCT-II). Defaults 22050, 20, 2048, 512, 128.
#[derive(Debug)]
pub(crate) struct MfccKernel;

impl RowKernel for MfccKernel {
    fn name(&self) -> &'static str {
        "mfcc"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "n_mfcc", "n_fft", "hop_length", "n_mels"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        matrix_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let n_mfcc = opt_positive(args, 2, 20, f, "n_mfcc")?;
        let n_fft = opt_positive(args, 3, 2048, f, "n_fft")?;
        let hop = opt_positive(args, 4, 512, f, "hop_length")?;
        let n_mels = opt_positive(args, 5, 128, f, "n_mels")?;
        let mel_cfg = mel_config(sr, n_fft, hop, n_mels);
        let mfcc = Mfcc::<f32>::new(MfccConfig {
            mel: mel_cfg.clone(),
            n_mfcc,
            ..MfccConfig::default()
        })
        .map_err(dsp(f))?;
        let mel = mel_power(f, input, mel_cfg, sr)?;
        let log_mel =
            power_to_db(mel.view(), DbReference::Value(1.0), 1e-10, Some(80.0)).map_err(dsp(f))?;
        let m = mfcc.process_log_mel(log_mel.view()).map_err(dsp(f))?;
        Ok(matrix(&m))
    }
}

/// `chroma_cqt(y [, sr, hop_length, n_chroma])` → `List<List<Float32>>`
/// shaped `(n_chroma, frames)`, as `librosa.feature.chroma_cqt` (7 octaves
/// from C1 at 36 bins per octave, tuning estimated, ∞-norm per frame).
/// Defaults 22050, 512, 12.
#[derive(Debug)]
pub(crate) struct ChromaCqtKernel;

impl RowKernel for ChromaCqtKernel {
    fn name(&self) -> &'static str {
        "chroma_cqt"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "hop_length", "n_chroma"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        matrix_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let config = ChromaCqtConfig {
            sr: f64::from(sr),
            hop_length: opt_positive(args, 2, 512, f, "hop_length")?,
            n_chroma: opt_positive(args, 3, 12, f, "n_chroma")?,
            ..ChromaCqtConfig::default()
        };
        let x = signal_samples(f, input, sr)?;
        let m = ChromaCqt::<f32>::new(config)
            .and_then(|c| c.process(&x))
            .map_err(dsp(f))?;
        Ok(matrix(&m))
    }
}

/// `estimate_key(y [, sr])` → `Utf8` such as `"F# minor"`: the
/// Krumhansl–Kessler profile that best correlates with the mean chroma
/// (`audio_dsp::estimate_key_from_signal`). Default sr 22050.
#[derive(Debug)]
pub(crate) struct EstimateKey;

impl RowKernel for EstimateKey {
    fn name(&self) -> &'static str {
        "estimate_key"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        DataType::Utf8
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let x = signal_samples(f, input, sr)?;
        let estimate = audio_dsp::estimate_key_from_signal(&x, f64::from(sr)).map_err(dsp(f))?;
        Ok(ScalarValue::Utf8(Some(estimate.key.to_string())))
    }
}
