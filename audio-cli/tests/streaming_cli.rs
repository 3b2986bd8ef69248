//! Commands that stream their input (decode → mono → soxr → analysis,
//! block by block) give exactly what the whole-file path gives: the
//! library's `load` then the transform, on the shipped 44.1 kHz stereo
//! song (so the resampler is in the path).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use audio_dsp::{MelSpectrogram, MelSpectrogramConfig, Stft, StftConfig, Transform};
use audio_io::{load, LoadOptions};
use audio_test_fixtures::read_npy;
use common::{repo, run_ok as audio, tmp};
use num_complex::Complex;

fn song() -> std::path::PathBuf {
    repo("assets/audio/song_44k_stereo.wav")
}

fn loaded(sr: u32) -> Vec<f32> {
    let options = LoadOptions {
        sr: Some(sr),
        ..LoadOptions::default()
    };
    load::<f32>(song(), &options)
        .unwrap()
        .samples
        .row(0)
        .to_vec()
}

fn bits<T: Copy>(values: impl IntoIterator<Item = T>, f: impl Fn(T) -> u32) -> Vec<u32> {
    values.into_iter().map(f).collect()
}

#[test]
fn melspectrogram_streams_to_the_whole_file_result() {
    let out = tmp("song_mel.npy");
    audio(&[
        "melspectrogram",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--n-mels",
        "64",
        "--hop-length",
        "256",
    ]);
    let config = MelSpectrogramConfig {
        stft: StftConfig {
            hop_length: Some(256),
            ..StftConfig::default()
        },
        mel: audio_dsp::MelConfig {
            sr: 22_050.0,
            n_mels: 64,
            ..audio_dsp::MelConfig::default()
        },
        ..MelSpectrogramConfig::default()
    };
    let want = MelSpectrogram::<f32>::new(config)
        .unwrap()
        .process(&loaded(22_050))
        .unwrap();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), want.shape());
    assert_eq!(
        bits(got.iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

#[test]
fn stft_streams_to_the_whole_file_result() {
    let out = tmp("song_stft.npy");
    audio(&[
        "stft",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--sr",
        "16000",
        "--n-fft",
        "512",
    ]);
    let config = StftConfig {
        n_fft: 512,
        ..StftConfig::default()
    };
    let want = Stft::<f32>::new(config)
        .unwrap()
        .process(&loaded(16_000))
        .unwrap();
    let got = read_npy::<Complex<f32>>(&out);
    assert_eq!(got.shape(), want.shape());
    let flat = |c: Complex<f32>| c.re.to_bits() ^ c.im.to_bits().rotate_left(7);
    assert_eq!(
        bits(got.iter().copied(), flat),
        bits(want.iter().copied(), flat)
    );
}

#[test]
fn convert_with_sr_streams_the_samples_of_load() {
    let out = tmp("song_22k.wav");
    audio(&[
        "convert",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--sr",
        "22050",
        "--mono",
        "--format",
        "float32",
    ]);
    let got = audio_io::decode(&out).unwrap();
    assert_eq!(got.sample_rate, 22_050);
    let want = loaded(22_050);
    assert_eq!(
        bits(got.samples.row(0).iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

#[test]
fn transcribing_a_44k_file_streams_to_the_same_notes() {
    let out = tmp("song.mid");
    let json = tmp("song_notes.json");
    audio(&[
        "transcribe",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--notes-json",
        json.to_str().unwrap(),
    ]);
    let model = audio_models::basic_pitch::BasicPitch::new().unwrap();
    // The CLI's defaults: no pitch bends unless asked.
    let config = audio_models::basic_pitch::PredictConfig {
        include_pitch_bends: false,
        ..audio_models::basic_pitch::PredictConfig::default()
    };
    let want = model.transcribe_mono(&loaded(22_050), &config).unwrap();
    let want = audio_models::basic_pitch::note_creation::detections_to_json(&want);
    assert_eq!(std::fs::read_to_string(&json).unwrap(), want);
}

#[test]
fn resample_of_an_audio_file_streams_to_the_whole_signal_result() {
    let out = tmp("song_16k.npy");
    audio(&[
        "resample",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target-sr",
        "16000",
        "--scale",
    ]);
    let options = LoadOptions {
        sr: None,
        ..LoadOptions::default()
    };
    let x = load::<f32>(song(), &options)
        .unwrap()
        .samples
        .row(0)
        .to_vec();
    let resampler =
        audio_dsp::Resampler::new(44_100.0, 16_000.0, audio_dsp::ResampleMethod::SoxrHq).unwrap();
    let gain = (44_100f64 / 16_000.0).sqrt() as f32;
    let want: Vec<f32> = resampler
        .process(&x)
        .unwrap()
        .iter()
        .map(|v| v * gain)
        .collect();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), &[want.len()]);
    assert_eq!(
        bits(got.iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

/// `mfcc` of an audio file streams in two passes (the first finds the
/// whole file's log-mel maximum for `top_db`); the DCT runs per block, so
/// the matrix product could round differently from the whole file's in the
/// last place: the "within float rounding", 1e-5 of the peak
/// (measured: 0).
const MFCC_STREAM_TOL: f32 = 1e-5;

#[test]
fn mfcc_streams_in_two_passes_to_the_whole_file_result() {
    let out = tmp("song_mfcc.npy");
    audio(&[
        "mfcc",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--n-mfcc",
        "13",
    ]);
    let config = audio_dsp::MfccConfig {
        n_mfcc: 13,
        ..audio_dsp::MfccConfig::default()
    };
    let want = audio_dsp::Mfcc::<f32>::new(config)
        .unwrap()
        .process(&loaded(22_050))
        .unwrap();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), want.shape());
    let peak = want.iter().fold(0f32, |p, v| p.max(v.abs()));
    let worst = got
        .iter()
        .zip(want.iter())
        .fold(0f32, |w, (a, b)| w.max((a - b).abs()));
    eprintln!("mfcc streamed vs whole: worst {worst:e} of peak {peak}");
    assert!(worst <= MFCC_STREAM_TOL * peak, "{worst:e}");
}
