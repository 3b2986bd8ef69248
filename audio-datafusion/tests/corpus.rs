//! A small corpus of audio files written for the tests: tones with note
//! onsets at several rates and channel counts, one corrupt file, and
//! separation stems.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::f32::consts::PI;
use std::path::{Path, PathBuf};

use audio_io::wav::{write_wav, WavWriteOptions};
use audio_io::Audio;
use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use ndarray::Array2;

/// Rates the corpus cycles through (librosa's default, CD, speech, video).
pub const RATES: [u32; 4] = [22_050, 44_100, 16_000, 48_000];

/// Files the corpus writes, besides the corrupt one.
pub const GOOD_FILES: usize = 20;

/// A fresh directory under the system temp dir, unique to `name` and this
/// process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("audio_df_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Plucked notes: decaying harmonic tones starting every `step` seconds,
/// pitches walking up a C major scale from `base_midi`.
pub fn notes_signal(rate: u32, seconds: f32, step: f32, base_midi: u8) -> Vec<f32> {
    let n = (rate as f32 * seconds) as usize;
    let scale = [0u8, 2, 4, 5, 7, 9, 11, 12];
    let mut x = vec![0.0f32; n];
    let mut onset = 0.05f32;
    let mut k = 0;
    while onset < seconds - 0.1 {
        let midi = base_midi + scale[k % scale.len()];
        let f = 440.0 * 2f32.powf((f32::from(midi) - 69.0) / 12.0);
        let start = (onset * rate as f32) as usize;
        for (i, v) in x.iter_mut().enumerate().skip(start) {
            let t = (i - start) as f32 / rate as f32;
            let env = (-4.0 * t).exp();
            *v += 0.3 * env * ((2.0 * PI * f * t).sin() + 0.3 * (4.0 * PI * f * t).sin());
        }
        onset += step;
        k += 1;
    }
    x
}

/// Writes `channels` copies (the second scaled by 0.8) of `x` as 16-bit PCM.
pub fn write(path: &Path, x: &[f32], rate: u32, channels: usize) {
    let mut samples = Array2::<f32>::zeros((channels, x.len()));
    for c in 0..channels {
        let gain = if c == 0 { 1.0 } else { 0.8 };
        samples
            .row_mut(c)
            .iter_mut()
            .zip(x)
            .for_each(|(d, &v)| *d = gain * v);
    }
    let audio = Audio {
        samples,
        sample_rate: rate,
    };
    write_wav(path, &audio, &WavWriteOptions::default()).expect("write wav");
}

/// Writes the corpus into `dir`: `GOOD_FILES` tone files named
/// `tones_XX.wav` and `corrupt.wav`, whose header is cut short.
pub fn write_corpus(dir: &Path) {
    for i in 0..GOOD_FILES {
        let rate = RATES[i % RATES.len()];
        let channels = 1 + i % 2;
        let seconds = 1.5 + 0.25 * (i % 4) as f32;
        let step = 0.2 + 0.05 * (i % 3) as f32;
        let x = notes_signal(rate, seconds, step, 55 + (i as u8 % 12));
        write(&dir.join(format!("tones_{i:02}.wav")), &x, rate, channels);
    }
    std::fs::write(
        dir.join("corrupt.wav"),
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00",
    )
    .expect("corrupt");
}

/// Writes a separation test set: `tracks` tracks, each with `reference/`
/// and `estimate/` stems `bass.wav` and `vocals.wav` (stereo, 44.1 kHz,
/// 3 s), the estimates being the references with some of the other stem
/// and noise mixed in.
pub fn write_test_set(dir: &Path, tracks: usize) {
    let rate = 44_100;
    for t in 0..tracks {
        let track = dir.join(format!("track{t}"));
        for part in ["reference", "estimate"] {
            std::fs::create_dir_all(track.join(part)).expect("dirs");
        }
        let bass = notes_signal(rate, 3.0, 0.5, 36 + t as u8);
        let vocals = notes_signal(rate, 3.0, 0.3, 62 + t as u8);
        let mut seed = 12_345u32 + t as u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let leak = 0.1 + 0.05 * t as f32;
        let est_bass: Vec<f32> = bass
            .iter()
            .zip(&vocals)
            .map(|(b, v)| b + leak * v + 0.01 * noise())
            .collect();
        let est_vocals: Vec<f32> = vocals
            .iter()
            .zip(&bass)
            .map(|(v, b)| v + leak * b + 0.01 * noise())
            .collect();
        write(&track.join("reference/bass.wav"), &bass, rate, 2);
        write(&track.join("reference/vocals.wav"), &vocals, rate, 2);
        write(&track.join("estimate/bass.wav"), &est_bass, rate, 2);
        write(&track.join("estimate/vocals.wav"), &est_vocals, rate, 2);
    }
}

/// Runs `sql` on `ctx` and returns its rows as one batch.
pub async fn rows(ctx: &SessionContext, sql: &str) -> RecordBatch {
    let batches = ctx
        .sql(sql)
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let schema = batches
        .first()
        .map(|b| b.schema())
        .expect("at least one batch");
    datafusion::arrow::compute::concat_batches(&schema, &batches).expect("concat")
}
