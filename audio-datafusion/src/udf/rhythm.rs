//! Rhythm: `onset_times`, `tempo`, `beat_times`.

use audio_dsp::beat::{beat_track_signal, BeatTrackConfig};
use audio_dsp::feature::rhythm::{tempo, TempoConfig};
use audio_dsp::{OnsetDetect, OnsetDetectConfig, OnsetStrength, OnsetStrengthConfig};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::args::{
    dsp_error as dsp, list_f64, list_f64_type, opt_f64, opt_positive, sample_rate, signal,
    signal_samples,
};
use super::RowKernel;
use crate::error::Result;

/// The onset envelope as librosa's `onset_strength(y, sr, hop_length)`
/// (mean over mel bands).
fn onset_envelope(function: &'static str, x: &[f32], sr: u32, hop: usize) -> Result<Vec<f32>> {
    let mut cfg = OnsetStrengthConfig::default();
    cfg.mel.stft.hop_length = Some(hop);
    cfg.mel.mel.sr = f64::from(sr);
    OnsetStrength::<f32>::new(cfg)
        .and_then(|o| o.process(x))
        .map(|e| e.to_vec())
        .map_err(dsp(function))
}

/// `onset_times(y [, sr, hop_length])` → `List<Float64>` of seconds, as
/// `librosa.onset.onset_detect(y=y, sr=sr, hop_length=hop_length,
/// units='time')`. Defaults 22050, 512.
#[derive(Debug)]
pub(crate) struct OnsetTimes;

impl RowKernel for OnsetTimes {
    fn name(&self) -> &'static str {
        "onset_times"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "hop_length"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        list_f64_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let hop = opt_positive(args, 2, 512, f, "hop_length")?;
        let x = signal_samples(f, input, sr)?;
        let envelope = onset_envelope(f, &x, sr, hop)?;
        let detect = OnsetDetect::new(OnsetDetectConfig {
            sr: f64::from(sr),
            hop_length: hop,
            ..OnsetDetectConfig::default()
        })
        .map_err(dsp(f))?;
        let frames = detect.process_envelope(&envelope, None).map_err(dsp(f))?;
        Ok(list_f64(detect.to_seconds(&frames)))
    }
}

/// `tempo(y [, sr, hop_length, start_bpm])` → `Float64` beats per minute,
/// as `librosa.feature.tempo(y=y, sr=sr, hop_length=hop_length,
/// start_bpm=start_bpm)[0]`. Defaults 22050, 512, 120.
#[derive(Debug)]
pub(crate) struct Tempo;

impl RowKernel for Tempo {
    fn name(&self) -> &'static str {
        "tempo"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "hop_length", "start_bpm"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        DataType::Float64
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let hop = opt_positive(args, 2, 512, f, "hop_length")?;
        let start_bpm = opt_f64(args, 3, 120.0, f, "start_bpm")?;
        let x = signal_samples(f, input, sr)?;
        let envelope = onset_envelope(f, &x, sr, hop)?;
        let config = TempoConfig {
            sr: f64::from(sr),
            hop_length: hop,
            start_bpm,
            ..TempoConfig::default()
        };
        let bpm = tempo(&envelope, &config).map_err(dsp(f))?;
        Ok(ScalarValue::Float64(bpm.first().copied()))
    }
}

/// `beat_times(y [, sr, hop_length, start_bpm, tightness])` →
/// `List<Float64>` of seconds, as `librosa.beat.beat_track(y=y, sr=sr,
/// hop_length=hop_length, start_bpm=start_bpm, tightness=tightness,
/// units='time')[1]` (Ellis's dynamic programme, trimmed). Defaults 22050,
/// 512, 120, 100.
#[derive(Debug)]
pub(crate) struct BeatTimes;

impl RowKernel for BeatTimes {
    fn name(&self) -> &'static str {
        "beat_times"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["y", "sr", "hop_length", "start_bpm", "tightness"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        list_f64_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let input = signal(args, 0, f)?;
        let sr = sample_rate(args, 1, f)?;
        let hop = opt_positive(args, 2, 512, f, "hop_length")?;
        let config = BeatTrackConfig {
            sr: f64::from(sr),
            hop_length: hop,
            start_bpm: opt_f64(args, 3, 120.0, f, "start_bpm")?,
            tightness: opt_f64(args, 4, 100.0, f, "tightness")?,
            ..BeatTrackConfig::default()
        };
        let x = signal_samples(f, input, sr)?;
        let found = beat_track_signal(&x, &config).map_err(dsp(f))?;
        let times = found
            .beats
            .iter()
            .map(|&b| b as f64 * hop as f64 / f64::from(sr))
            .collect();
        Ok(list_f64(times))
    }
}
