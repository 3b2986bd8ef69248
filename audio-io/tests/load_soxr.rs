//! `load(path, sr, mono=True)` of a 44.1 kHz stereo song against
//! `librosa.load` (soxr_hq inside), fixtures from
//! tools/reference/dsp_soxr_fixtures.py.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

use audio_io::{load, LoadOptions};
use audio_test_fixtures::{read_json, read_npy};

/// The bound: at least 100 dB SNR against `librosa.load`. Our
/// soxr_hq equals soxr to its float32 rounding, so we measure ~130 dB.
const MIN_SNR_DB: f64 = 100.0;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

/// `10 log10(Σ ref² / Σ (ours - ref)²)`.
pub fn snr_db(ours: &[f32], reference: &[f32]) -> f64 {
    let signal: f64 = reference.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = ours
        .iter()
        .zip(reference)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (signal / noise).log10()
}

#[test]
fn load_matches_librosa_load_above_100_db() {
    let dir = repo("audio-dsp/tests/fixtures/soxr");
    let cases = read_json(dir.join("cases.json"));
    for case in cases["load"].as_array().unwrap() {
        let sr = case["sr"].as_u64().unwrap() as u32;
        let want = read_npy::<f32>(dir.join(format!("{}.npy", case["file"].as_str().unwrap())));
        let want: Vec<f32> = want.iter().copied().collect();
        let options = LoadOptions {
            sr: Some(sr),
            ..LoadOptions::default()
        };
        let ours = load::<f32>(repo("assets/audio/song_44k_stereo.wav"), &options).unwrap();
        assert_eq!(ours.sample_rate, sr);
        let ours = ours.samples.row(0).to_vec();
        assert_eq!(ours.len(), want.len());
        let snr = snr_db(&ours, &want);
        println!("load(sr={sr}): {snr:.1} dB SNR against librosa.load");
        assert!(snr >= MIN_SNR_DB, "sr={sr}: {snr:.1} dB");
    }
}
