//! Tempograms, tempo, beat tracking, the predominant local pulse and remix
//! against librosa 0.11 (fixtures from tools/reference/dsp_rhythm_fixtures.py,
//! on the piano and violin renders of assets/audio).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::beat::{beat_track, beat_track_signal, plp, BeatTrackConfig, Bpm, PlpConfig};
use audio_dsp::effects::remix;
use audio_dsp::feature::rhythm::{
    fourier_tempogram, tempo, tempogram, FourierTempogramConfig, TempoAggregate, TempoConfig,
    TempogramConfig,
};
use audio_dsp::WindowKind;
use audio_test_fixtures::ndarray_npy;
use audio_test_fixtures::serde_json::Value;
use audio_test_fixtures::{fixtures_dir, read_json, read_npy, relative_error, to_dyn};
use ndarray::{s, Array2, ArrayD, ArrayView2, Ix1};
use num_complex::Complex;

/// The f32 tolerance, relative to each array's peak. The tempograms
/// are f64 sums over librosa's own (saved) float32 envelopes; the pulse is
/// an ISTFT that librosa overlap-adds in float32 (384 terms per sample).
const RHYTHM_TOL: f64 = 1e-5;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("rhythm")
}

fn cases() -> Value {
    read_json(dir().join("cases.json"))
}

fn npy<T: ndarray_npy::ReadableElement>(name: &str) -> ArrayD<T> {
    read_npy(dir().join(format!("{name}.npy")))
}

fn vector<T: ndarray_npy::ReadableElement + Clone>(name: &str) -> Vec<T> {
    npy::<T>(name)
        .into_dimensionality::<Ix1>()
        .unwrap()
        .to_vec()
}

/// The onset envelope a case names (librosa's, saved).
fn envelope(cases: &Value, case: &Value) -> Vec<f32> {
    let input = case["input"].as_str().unwrap();
    let key = format!("onset_{}", case["onset"].as_str().unwrap());
    vector(cases["inputs"][input][key.as_str()].as_str().unwrap())
}

fn f(params: &Value, key: &str) -> Option<f64> {
    params.get(key).and_then(Value::as_f64)
}

fn u(params: &Value, key: &str, default: usize) -> usize {
    params
        .get(key)
        .and_then(Value::as_u64)
        .map_or(default, |v| v as usize)
}

fn window(params: &Value) -> WindowKind {
    match params.get("window").and_then(Value::as_str) {
        Some("hamming") => WindowKind::Hamming,
        _ => WindowKind::Hann,
    }
}

/// Every `step`-th column, as the fixtures store them.
fn every<T: Clone>(a: ArrayView2<'_, T>, step: usize) -> Array2<T> {
    a.slice(s![.., ..;step]).to_owned()
}

#[test]
fn tempogram_matches_librosa() {
    let cases = cases();
    for case in cases["tempogram"].as_array().unwrap() {
        let p = &case["params"];
        let config = TempogramConfig {
            win_length: u(p, "win_length", 384),
            center: p.get("center").and_then(Value::as_bool).unwrap_or(true),
            window: window(p),
            norm: match p.get("norm") {
                Some(Value::String(s)) if s == "none" => None,
                Some(v) => v.as_f64(),
                None => Some(f64::INFINITY),
            },
        };
        let ours = tempogram(&envelope(&cases, case), &config).unwrap();
        let ours =
            every(ours.view(), case["columns_step"].as_u64().unwrap() as usize).mapv(|v| v as f32);
        let want = npy::<f32>(case["file"].as_str().unwrap());
        let err = relative_error(&to_dyn(&ours), &want);
        eprintln!("tempogram {}: {err:.2e}", case["file"]);
        assert!(err < RHYTHM_TOL, "tempogram {case}: {err:.2e}");
    }
}

#[test]
fn fourier_tempogram_matches_librosa() {
    let cases = cases();
    for case in cases["fourier_tempogram"].as_array().unwrap() {
        let p = &case["params"];
        let config = FourierTempogramConfig {
            win_length: u(p, "win_length", 384),
            center: p.get("center").and_then(Value::as_bool).unwrap_or(true),
            window: window(p),
        };
        let ours = fourier_tempogram(&envelope(&cases, case), &config).unwrap();
        let ours = every(ours.view(), case["columns_step"].as_u64().unwrap() as usize);
        let want = npy::<Complex<f32>>(case["file"].as_str().unwrap());
        let err = relative_error(&to_dyn(&ours), &want);
        eprintln!("fourier_tempogram {}: {err:.2e}", case["file"]);
        assert!(err < RHYTHM_TOL, "fourier_tempogram {case}: {err:.2e}");
    }
}

fn tempo_config(sr: f64, p: &Value) -> TempoConfig {
    let default = TempoConfig::default();
    TempoConfig {
        sr,
        hop_length: u(p, "hop_length", 512),
        start_bpm: f(p, "start_bpm").unwrap_or(default.start_bpm),
        std_bpm: f(p, "std_bpm").unwrap_or(default.std_bpm),
        ac_size: f(p, "ac_size").unwrap_or(default.ac_size),
        max_tempo: match p.get("max_tempo") {
            Some(Value::String(_)) => None,
            Some(v) => v.as_f64(),
            None => default.max_tempo,
        },
        aggregate: p
            .get("aggregate")
            .and_then(Value::as_str)
            .map_or(TempoAggregate::Mean, |a| a.parse().unwrap()),
    }
}

#[test]
fn tempo_matches_librosa_exactly() {
    let cases = cases();
    let sr = cases["sr"].as_f64().unwrap();
    for case in cases["tempo"].as_array().unwrap() {
        let ours = tempo(&envelope(&cases, case), &tempo_config(sr, &case["params"])).unwrap();
        let want = vector::<f64>(case["file"].as_str().unwrap());
        // An argmax over lags: the same lag, so the same f64 value.
        assert_eq!(ours, want, "tempo {case}");
    }
}

#[test]
fn beat_track_matches_librosa_exactly() {
    let cases = cases();
    let sr = cases["sr"].as_f64().unwrap();
    for case in cases["beat_track"].as_array().unwrap() {
        let p = &case["params"];
        let mut config = BeatTrackConfig {
            sr,
            hop_length: u(p, "hop_length", 512),
            start_bpm: f(p, "start_bpm").unwrap_or(120.0),
            tightness: f(p, "tightness").unwrap_or(100.0),
            trim: p.get("trim").and_then(Value::as_bool).unwrap_or(true),
            bpm: f(p, "bpm").map_or(Bpm::Estimate, Bpm::Fixed),
        };
        if let Some(file) = case.get("tempo_file") {
            config.bpm = Bpm::Varying(vector::<f64>(file.as_str().unwrap()));
        }
        let found = if case["onset"] == "signal" {
            // End to end: our own median onset envelope of the signal.
            let input = case["input"].as_str().unwrap();
            let y: Vec<f32> = vector(cases["inputs"][input]["y"].as_str().unwrap());
            beat_track_signal(&y, &config).unwrap()
        } else {
            beat_track(&envelope(&cases, case), &config).unwrap()
        };
        let want: Vec<usize> = case["beats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(found.beats, want, "beats {}", case);
        if let Some(t) = case.get("tempo").and_then(Value::as_f64) {
            assert_eq!(found.tempo, vec![t], "tempo {case}");
        }
        if let Some(times) = case.get("times").and_then(Value::as_array) {
            for (&b, t) in found.beats.iter().zip(times) {
                let ours =
                    audio_dsp::frames_to_time(b as i64, sr, config.hop_length, None).unwrap();
                assert!((ours - t.as_f64().unwrap()).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn plp_matches_librosa() {
    let cases = cases();
    let sr = cases["sr"].as_f64().unwrap();
    for case in cases["plp"].as_array().unwrap() {
        let p = &case["params"];
        let bound = |key: &str, default: f64| match p.get(key) {
            Some(Value::String(_)) => None,
            Some(v) => v.as_f64(),
            None => Some(default),
        };
        let config = PlpConfig {
            sr,
            hop_length: u(p, "hop_length", 512),
            win_length: u(p, "win_length", 384),
            tempo_min: bound("tempo_min", 30.0),
            tempo_max: bound("tempo_max", 300.0),
        };
        let ours = plp(&envelope(&cases, case), &config).unwrap();
        let want = npy::<f32>(case["file"].as_str().unwrap());
        let err = relative_error(&to_dyn(&ndarray::Array1::from(ours)), &want);
        eprintln!("plp {}: {err:.2e}", case["file"]);
        assert!(err < RHYTHM_TOL, "plp {case}: {err:.2e}");
    }
}

#[test]
fn remix_matches_librosa_exactly() {
    let cases = cases();
    let violin: Vec<f32> = vector(cases["inputs"]["violin"]["y"].as_str().unwrap());
    let piano: Vec<f32> = vector(cases["inputs"]["piano"]["y"].as_str().unwrap());
    let n = violin.len();
    let mut stereo = Array2::<f32>::zeros((2, n));
    stereo
        .row_mut(0)
        .assign(&ndarray::ArrayView1::from(&violin));
    stereo
        .row_mut(1)
        .assign(&ndarray::ArrayView1::from(&piano[..n]));
    for case in cases["remix"].as_array().unwrap() {
        let intervals: Vec<(usize, usize)> = case["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|iv| {
                (
                    iv[0].as_u64().unwrap() as usize,
                    iv[1].as_u64().unwrap() as usize,
                )
            })
            .collect();
        let align = case["align_zeros"].as_bool().unwrap();
        let want = npy::<f32>(case["file"].as_str().unwrap());
        let ours = if case["signal"] == "mono" {
            let view = ArrayView2::from_shape((1, n), &violin).unwrap();
            to_dyn(&remix(view, &intervals, align).unwrap().row(0).to_owned())
        } else {
            to_dyn(&remix(stereo.view(), &intervals, align).unwrap())
        };
        assert_eq!(ours, want, "remix {case}");
    }
}
