//! Chroma, onset and pitch against golden fixtures written by librosa 0.11.0
//! (`tools/reference/dsp_onset_pitch_fixtures.py`) on real recordings: the
//! bundled piano render and a monophonic violin render.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};

use audio_dsp::*;
use audio_test_fixtures::serde_json::Value;
use audio_test_fixtures::{assert_close, fixtures_dir, read_json, read_npy, to_dyn};
use ndarray::ArrayD;

/// The chroma filterbank is the same closed form evaluated in f64 on both
/// sides; only `exp`/`log2` rounding differs.
const CHROMA_FILTERBANK_TOL: f64 = 1e-12;
/// librosa's `chroma_stft` stores its filterbank in float32 by default (we use
/// f64 weights): ~6e-8 relative per weight, plus FFT rounding.
const CHROMA_STFT_TOL: f64 = 1e-6;
/// librosa's default mel filterbank inside `onset_strength` is float32 (ours
/// f64): the dB values differ by ~1e-7 of the envelope's peak.
const ONSET_STRENGTH_TOL: f64 = 1e-6;
/// The bound for YIN: 1e-3 relative on voiced frames.
const YIN_REL_TOL: f64 = 1e-3;
/// The bound for pYIN voicing: identical decisions on ≥ 99% of frames.
const PYIN_VOICING_AGREEMENT: f64 = 0.99;
/// The bound for pYIN f0 where both are voiced: 1 cent.
const PYIN_CENTS_TOL: f64 = 1.0;
/// pYIN's voiced probability is a sum of prior weights computed in f64 on
/// both sides (our beta CDF is a continued fraction, scipy's is Boost's).
const PYIN_PROB_TOL: f64 = 1e-9;
/// `estimate_tuning` returns a histogram bin edge: identical, up to the edge's rounding.
const TUNING_TOL: f64 = 1e-12;

fn dir() -> PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("onset_pitch")
}

fn meta() -> Value {
    read_json(dir().join("cases.json"))
}

fn cases(function: &str) -> Vec<Value> {
    let all = meta()["cases"].as_array().expect("cases").clone();
    let picked: Vec<Value> = all.into_iter().filter(|c| c["fn"] == function).collect();
    assert!(!picked.is_empty(), "no fixtures for {function}");
    picked
}

fn read_wav(path: &Path) -> Vec<f64> {
    let mut reader = hound::WavReader::open(path).unwrap();
    assert_eq!(reader.spec().channels, 1);
    assert_eq!(reader.spec().sample_rate, 22050);
    reader
        .samples::<i16>()
        .map(|s| f64::from(s.unwrap()) / 32768.0)
        .collect()
}

fn asset(key: &str) -> Vec<f64> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    read_wav(&root.join(meta()[key].as_str().unwrap()))
}

fn piano() -> Vec<f64> {
    asset("piano")
}

fn melody() -> Vec<f64> {
    asset("melody")
}

fn npy_f64(name: &Value) -> ArrayD<f64> {
    read_npy::<f64>(dir().join(name.as_str().expect("file name")))
}

fn npy_i64(name: &Value) -> Vec<i64> {
    read_npy::<i64>(dir().join(name.as_str().expect("file name")))
        .iter()
        .copied()
        .collect()
}

fn opt_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        v => Some(v.as_f64().expect("number")),
    }
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().expect("integer") as usize
}

#[test]
fn chroma_filterbank_matches_librosa() {
    for case in cases("chroma_filters") {
        let p = &case["params"];
        let cfg = ChromaConfig {
            sr: p["sr"].as_f64().unwrap(),
            n_fft: usize_of(&p["n_fft"]),
            n_chroma: usize_of(&p["n_chroma"]),
            tuning: p["tuning"].as_f64().unwrap(),
            ctroct: p["ctroct"].as_f64().unwrap(),
            octwidth: opt_f64(&p["octwidth"]),
            norm: opt_f64(&p["norm"]),
            base_c: p["base_c"].as_bool().unwrap(),
        };
        let fb = ChromaFilterbank::<f64>::new(&cfg).unwrap();
        assert_close(
            &format!("chroma filterbank {}", p["name"]),
            &to_dyn(fb.weights()),
            &npy_f64(&case["out"]),
            CHROMA_FILTERBANK_TOL,
        );
    }
}

#[test]
fn estimate_tuning_matches_librosa() {
    let case = &cases("estimate_tuning")[0];
    let stft = Stft::<f64>::new(StftConfig {
        n_fft: usize_of(&case["n_fft"]),
        hop_length: Some(usize_of(&case["hop_length"])),
        ..StftConfig::default()
    })
    .unwrap();
    let power = spectrogram(&stft, &piano(), 2.0).unwrap();
    let got = estimate_tuning(power.view(), 22050.0, 2048, &TuningConfig::default()).unwrap();
    let want = case["tuning"].as_f64().unwrap();
    assert!(
        (got - want).abs() <= TUNING_TOL,
        "tuning {got} vs librosa {want}"
    );
}

#[test]
fn chroma_stft_matches_librosa() {
    let y = piano();
    for case in cases("chroma_stft") {
        let p = &case["params"];
        let cfg = ChromaStftConfig {
            stft: StftConfig {
                n_fft: usize_of(&p["n_fft"]),
                hop_length: Some(usize_of(&p["hop_length"])),
                ..StftConfig::default()
            },
            tuning: opt_f64(&p["tuning"]),
            n_chroma: usize_of(&p["n_chroma"]),
            octwidth: opt_f64(&p["octwidth"]),
            base_c: p["base_c"].as_bool().unwrap(),
            norm: opt_f64(&p["norm"]),
            ..ChromaStftConfig::default()
        };
        let got = ChromaStft::<f64>::new(cfg).unwrap().process(&y).unwrap();
        assert_close(
            &format!("chroma_stft {}", p["name"]),
            &to_dyn(&got),
            &npy_f64(&case["out"]),
            CHROMA_STFT_TOL,
        );
    }
}

fn onset_config(p: &Value) -> OnsetStrengthConfig {
    let mut cfg = OnsetStrengthConfig {
        lag: usize_of(&p["lag"]),
        max_size: usize_of(&p["max_size"]),
        detrend: p["detrend"].as_bool().unwrap(),
        center: p["center"].as_bool().unwrap(),
        aggregate: if p["aggregate"] == "median" {
            OnsetAggregate::Median
        } else {
            OnsetAggregate::Mean
        },
        ..OnsetStrengthConfig::default()
    };
    cfg.mel.stft.n_fft = usize_of(&p["n_fft"]);
    cfg.mel.stft.hop_length = Some(usize_of(&p["hop_length"]));
    cfg.mel.mel.n_mels = usize_of(&p["n_mels"]);
    cfg
}

fn envelopes() -> Vec<(String, Vec<f64>)> {
    let y = piano();
    cases("onset_strength")
        .iter()
        .map(|case| {
            let p = &case["params"];
            let env = OnsetStrength::<f64>::new(onset_config(p))
                .unwrap()
                .process(&y)
                .unwrap();
            (p["name"].as_str().unwrap().to_string(), env)
        })
        .collect()
}

#[test]
fn onset_strength_matches_librosa() {
    let envs = envelopes();
    for (case, (name, env)) in cases("onset_strength").iter().zip(&envs) {
        let got = ArrayD::from_shape_vec(vec![env.len()], env.clone()).unwrap();
        assert_close(
            &format!("onset_strength {name}"),
            &got,
            &npy_f64(&case["out"]),
            ONSET_STRENGTH_TOL,
        );
    }
}

#[test]
fn onset_strength_multi_matches_librosa() {
    let y = piano();
    for case in cases("onset_strength_multi") {
        let p = &case["params"];
        let cfg = OnsetStrengthConfig {
            lag: usize_of(&p["lag"]),
            max_size: usize_of(&p["max_size"]),
            detrend: p["detrend"].as_bool().unwrap(),
            aggregate: if p["aggregate"] == "median" {
                OnsetAggregate::Median
            } else {
                OnsetAggregate::Mean
            },
            ..OnsetStrengthConfig::default()
        };
        let channels: Vec<usize> = p["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(usize_of)
            .collect();
        let got = OnsetStrength::<f64>::new(cfg)
            .unwrap()
            .process_multi(&y, &channels)
            .unwrap();
        assert_close(
            &format!("onset_strength_multi {}", p["name"]),
            &to_dyn(&got),
            &npy_f64(&case["out"]),
            ONSET_STRENGTH_TOL,
        );
    }
}

#[test]
fn onset_detect_frames_are_identical_to_librosa() {
    let envs = envelopes();
    for case in cases("onset_detect") {
        let p = &case["params"];
        let env = &envs
            .iter()
            .find(|(n, _)| n == p["envelope"].as_str().unwrap())
            .unwrap()
            .1;
        let peak = match &p["peak"] {
            Value::Null => None,
            k => Some(PeakPickConfig {
                pre_max: usize_of(&k["pre_max"]),
                post_max: usize_of(&k["post_max"]),
                pre_avg: usize_of(&k["pre_avg"]),
                post_avg: usize_of(&k["post_avg"]),
                delta: k["delta"].as_f64().unwrap(),
                wait: usize_of(&k["wait"]),
            }),
        };
        let detect = OnsetDetect::new(OnsetDetectConfig {
            sr: 22050.0,
            hop_length: usize_of(&p["hop_length"]),
            backtrack: p["backtrack"].as_bool().unwrap(),
            normalize: p["normalize"].as_bool().unwrap(),
            peak_pick: peak,
        })
        .unwrap();
        let frames = detect.process_envelope(env, None).unwrap();
        assert!(!frames.is_empty());
        match p["units"].as_str().unwrap() {
            "frames" => {
                let got: Vec<i64> = frames.iter().map(|&f| f as i64).collect();
                assert_eq!(got, npy_i64(&case["out"]), "onset_detect {}", p["name"]);
            }
            "samples" => {
                let got: Vec<i64> = detect
                    .to_samples(&frames)
                    .iter()
                    .map(|&f| f as i64)
                    .collect();
                assert_eq!(got, npy_i64(&case["out"]), "onset_detect {}", p["name"]);
            }
            _ => {
                let want: Vec<f64> = npy_f64(&case["out"]).iter().copied().collect();
                let got = detect.to_seconds(&frames);
                assert_eq!(got.len(), want.len(), "onset_detect {}", p["name"]);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{g} vs {w}");
                }
            }
        }
    }
}

#[test]
fn onset_detect_on_the_signal_is_identical_to_librosa() {
    let case = &cases("onset_detect_signal")[0];
    let frames = onset_detect(
        &piano(),
        OnsetStrengthConfig::default(),
        OnsetDetectConfig::default(),
    )
    .unwrap();
    let got: Vec<i64> = frames.iter().map(|&f| f as i64).collect();
    assert_eq!(got, npy_i64(&case["out"]));
}

fn yin_config(p: &Value) -> YinConfig {
    YinConfig {
        sr: 22050.0,
        fmin: p["fmin"].as_f64().unwrap(),
        fmax: p["fmax"].as_f64().unwrap(),
        frame_length: usize_of(&p["frame_length"]),
        hop_length: p["hop_length"].as_u64().map(|h| h as usize),
        trough_threshold: p["trough_threshold"].as_f64().unwrap(),
        center: p["center"].as_bool().unwrap(),
        pad_mode: PadMode::parse(p["pad_mode"].as_str().unwrap()).unwrap(),
    }
}

#[test]
fn yin_matches_librosa_on_voiced_frames() {
    for case in cases("yin") {
        let p = &case["params"];
        let y = if p["input"] == "melody" {
            melody()
        } else {
            piano()
        };
        let got = Yin::new(yin_config(p)).unwrap().process(&y).unwrap();
        let want: Vec<f64> = npy_f64(&case["out"]).iter().copied().collect();
        assert_eq!(got.len(), want.len());
        // Voiced: inside the requested range (librosa's yin has no voicing
        // decision; silent frames' f0 is rounding noise on both sides).
        let (fmin, fmax) = (p["fmin"].as_f64().unwrap(), p["fmax"].as_f64().unwrap());
        let mut worst = 0.0f64;
        let mut voiced = 0;
        let mut differ = 0;
        for (g, w) in got.iter().zip(&want) {
            if *w > fmin && *w < fmax {
                voiced += 1;
                let rel = (g - w).abs() / w;
                if rel > YIN_REL_TOL {
                    differ += 1;
                }
                worst = worst.max(rel);
            }
        }
        eprintln!("yin {}: {voiced} voiced frames, worst relative error {worst:e}, {differ} above tolerance", p["name"]);
        assert!(voiced > got.len() / 2, "too few voiced frames");
        assert_eq!(
            differ, 0,
            "yin {}: worst relative error {worst:e}",
            p["name"]
        );
    }
}

#[test]
fn pyin_matches_librosa() {
    for case in cases("pyin") {
        let p = &case["params"];
        let y = match p["input"].as_str().unwrap() {
            "melody" => melody(),
            _ => piano()[..8 * 22050].to_vec(),
        };
        let cfg = PyinConfig {
            fmin: p["fmin"].as_f64().unwrap(),
            fmax: p["fmax"].as_f64().unwrap(),
            frame_length: usize_of(&p["frame_length"]),
            hop_length: p["hop_length"].as_u64().map(|h| h as usize),
            resolution: p["resolution"].as_f64().unwrap(),
            switch_prob: p["switch_prob"].as_f64().unwrap(),
            fill_na: if p["fill_na"].is_null() {
                None
            } else {
                Some(f64::NAN)
            },
            center: p["center"].as_bool().unwrap(),
            ..PyinConfig::default()
        };
        let out = Pyin::new(cfg).unwrap().process(&y).unwrap();
        let f0: Vec<f64> = npy_f64(&case["f0"]).iter().copied().collect();
        let flag: Vec<bool> = read_npy::<u8>(dir().join(case["voiced_flag"].as_str().unwrap()))
            .iter()
            .map(|&v| v != 0)
            .collect();
        let prob: Vec<f64> = npy_f64(&case["voiced_prob"]).iter().copied().collect();
        assert_eq!(out.f0.len(), f0.len());
        let agree = out
            .voiced_flag
            .iter()
            .zip(&flag)
            .filter(|(a, b)| a == b)
            .count();
        let agreement = agree as f64 / flag.len() as f64;
        let mut worst_cents = 0.0f64;
        for i in 0..f0.len() {
            if out.voiced_flag[i] && flag[i] {
                worst_cents = worst_cents.max((1200.0 * (out.f0[i] / f0[i]).log2()).abs());
            }
            if !flag[i] && !out.voiced_flag[i] && p["fill_na"].is_null() {
                worst_cents = worst_cents.max((1200.0 * (out.f0[i] / f0[i]).log2()).abs());
            }
            if !out.voiced_flag[i] && !p["fill_na"].is_null() {
                assert!(out.f0[i].is_nan());
            }
        }
        let worst_prob = out
            .voiced_prob
            .iter()
            .zip(&prob)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        eprintln!(
            "pyin {}: {} frames, voicing agreement {agreement}, worst f0 {worst_cents} cents, worst voiced_prob {worst_prob:e}",
            p["name"],
            f0.len()
        );
        assert!(
            agreement >= PYIN_VOICING_AGREEMENT,
            "pyin {}: agreement {agreement}",
            p["name"]
        );
        assert!(
            worst_cents <= PYIN_CENTS_TOL,
            "pyin {}: {worst_cents} cents",
            p["name"]
        );
        assert!(
            worst_prob <= PYIN_PROB_TOL,
            "pyin {}: voiced_prob off by {worst_prob:e}",
            p["name"]
        );
    }
}
