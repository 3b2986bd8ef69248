//! DDSP: the control features against librosa (A-weighting, pYIN, DDSP's
//! loudness), the training forward (tensor synthesisers) against the
//! inference path (direct synthesisers), training on tones, loading,
//! determinism, timbre-transfer shifts and errors. Fixtures:
//! `tools/reference/ddsp_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_models::datasets::TranscriptionDataset;
use audio_models::ddsp::{train, Ddsp, DdspConfig, FeatureExtractor, TrainConfig};
use audio_models::{Error, Split};
use audio_nn::synth::FilteredNoise;
use audio_test_fixtures::{fixtures_dir, read_npy_f64, scratch_dir};
use candle_core::{DType, Device, Tensor};
use ndarray::Array2;

/// A-weighting in dB against librosa: the same formula in f64.
const A_WEIGHT_TOL: f64 = 1e-9;

/// pYIN's f0 against librosa's, Hz: the same Viterbi path (measured
/// identical where voiced; the tracker's bins are 10 cents apart).
const F0_TOL_CENTS: f64 = 1.0;

/// Loudness in dB against DDSP's formula on librosa's float32 STFT: bins
/// near the −80 dB floor carry float32 rounding of the transform.
const LOUDNESS_TOL_DB: f64 = 0.01;

/// The tensor synthesisers (float32 matrix products over bases) against the
/// direct ones (f64 sums rounded once), relative to the peak.
const PATHS_TOL: f32 = 1e-4;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("ddsp")
}

fn tone() -> Vec<f32> {
    audio_io::wav::read_wav(dir().join("tone.wav"))
        .unwrap()
        .samples
        .row(0)
        .to_vec()
}

#[test]
fn a_weighting_matches_librosa() {
    let want = read_npy_f64(dir().join("a_weighting.npy"));
    let freqs = audio_dsp::fft_frequencies(16_000.0, 1024);
    for (f, w) in freqs.iter().zip(want.iter()) {
        let ours = audio_dsp::a_weighting(*f, None);
        if w.is_infinite() {
            assert!(ours.is_infinite() && ours < 0.0, "{f} Hz");
        } else {
            assert!((ours - w).abs() < A_WEIGHT_TOL, "{f} Hz: {ours} vs {w}");
        }
    }
}

#[test]
fn features_match_librosa() {
    let extractor = FeatureExtractor::new(&DdspConfig::default()).unwrap();
    let y = tone();
    let f = extractor.extract(&y).unwrap();
    let want_f0 = read_npy_f64(dir().join("tone_f0.npy"));
    let want_ld = read_npy_f64(dir().join("tone_loudness.npy"));
    assert_eq!(f.len(), want_f0.len());
    assert_eq!(f.len(), y.len() / 128);
    for (t, (a, b)) in f.f0_hz.iter().zip(want_f0.iter()).enumerate() {
        let cents = 1200.0 * (f64::from(*a) / b).log2().abs();
        assert!(cents < F0_TOL_CENTS, "frame {t}: {a} vs {b}");
    }
    for (t, (a, b)) in f.loudness_db.iter().zip(want_ld.iter()).enumerate() {
        assert!(
            (f64::from(*a) - b).abs() < LOUDNESS_TOL_DB,
            "frame {t}: {a} vs {b}"
        );
    }
    let shifted = f.shifted(12.0, -6.0);
    assert!((shifted.f0_hz[50] / f.f0_hz[50] - 2.0).abs() < 1e-5);
    assert!(shifted.loudness_db.iter().all(|&l| l >= -80.0));
}

fn small_config() -> DdspConfig {
    DdspConfig {
        mlp_width: 16,
        mlp_layers: 1,
        gru_size: 16,
        harmonics: 12,
        noise_bands: 17,
        ..DdspConfig::default()
    }
}

/// The training forward (batched tensor synthesisers) gives the samples
/// that inference (direct synthesisers) gives, for the same controls.
#[test]
fn training_forward_equals_inference() {
    let store = audio_nn::init::SeededVarMap::new(1);
    let model = Ddsp::new(small_config(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    let features = model.features(&tone()).unwrap().slice(10, 100).unwrap();
    let direct = model.synthesize(&features).unwrap();
    let c = model.config();
    let noise = FilteredNoise::new(c.noise_bands, c.hop, 100, c.noise_seed, &Device::Cpu).unwrap();
    let f0 = Tensor::from_vec(features.f0_hz.clone(), (1, 100), &Device::Cpu).unwrap();
    let ld = Tensor::from_vec(features.loudness_db.clone(), (1, 100), &Device::Cpu).unwrap();
    let batched = model
        .forward(&f0, &ld, &noise)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert_eq!(batched.len(), direct.len());
    let peak = direct.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.0);
    let worst = batched
        .iter()
        .zip(&direct)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst <= PATHS_TOL * peak, "{worst} vs peak {peak}");
}

/// Tones of a few pitches and loudnesses, 16 kHz, in the transcription
/// layout (an empty MIDI file each).
fn write_tones(root: &std::path::Path) {
    for (split, pitches) in [
        (Split::Train, vec![196.0, 262.0, 330.0]),
        (Split::Valid, vec![294.0]),
    ] {
        let d = root.join(split.as_str());
        std::fs::create_dir_all(&d).unwrap();
        for (i, f0) in pitches.iter().enumerate() {
            let y: Vec<f32> = (0..24_000)
                .map(|n| {
                    let t = n as f32 / 16_000.0;
                    let env = (t / 0.1).min(1.0) * (0.5 + 0.3 * (t * 3.0).sin());
                    (1..6)
                        .map(|k| (std::f32::consts::TAU * f0 * k as f32 * t).sin() / k as f32)
                        .sum::<f32>()
                        * 0.2
                        * env
                })
                .collect();
            let audio = audio_io::Audio {
                samples: Array2::from_shape_vec((1, y.len()), y).unwrap(),
                sample_rate: 16_000,
            };
            audio_io::wav::write_wav(d.join(format!("tone{i}.wav")), &audio, &Default::default())
                .unwrap();
            let note = audio_io::Note::new(0.0, 1.5, 60, 90);
            MidiFile::from_notes(vec![note], TempoMap::constant(480, 120.0))
                .write(d.join(format!("tone{i}.mid")), MidiType::Type1)
                .unwrap();
        }
    }
}

#[test]
fn trains_loads_and_resynthesises_deterministically() {
    let root = scratch_dir("ddsp-train");
    write_tones(&root.join("data"));
    let train_set = TranscriptionDataset::open(root.join("data"), Split::Train).unwrap();
    let valid_set = TranscriptionDataset::open(root.join("data"), Split::Valid).unwrap();
    let config = TrainConfig {
        model: small_config(),
        excerpt_frames: 40,
        batch_size: 4,
        steps_per_epoch: 4,
        epochs: 4,
        lr: 3e-3,
        ..TrainConfig::default()
    };
    let mut outputs = Vec::new();
    for run in ["a", "b"] {
        let out = root.join(run);
        let report = train(&train_set, &valid_set, &config, &out).unwrap();
        let first = report.history[0].train_loss;
        let last = report.history.last().unwrap().train_loss;
        assert!(last < first, "loss {first} -> {last}");
        let model = Ddsp::load(&out).unwrap();
        let (samples, _) = audio_models::Dataset::get(&valid_set, 0).unwrap();
        let y = model.resynthesize(&samples.row(0).to_vec()).unwrap();
        assert!(y.iter().all(|v| v.is_finite()));
        let scores = model.evaluate(&valid_set, None).unwrap();
        assert_eq!(scores.songs, 1);
        outputs.push(y);
    }
    assert_eq!(outputs[0], outputs[1], "same seed, same model, same audio");
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn bad_inputs_are_errors() {
    let bad = DdspConfig {
        fmax: 9000.0,
        ..DdspConfig::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(Error::InvalidParameter { name: "fmin", .. })
    ));
    let store = audio_nn::init::SeededVarMap::new(0);
    let model = Ddsp::new(small_config(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    assert!(matches!(
        model.resynthesize(&[0.0; 100]),
        Err(Error::Empty { .. })
    ));
    let f0 = Tensor::zeros((1, 5), DType::F32, &Device::Cpu).unwrap();
    let ld = Tensor::zeros((1, 6), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        model.decoder().forward(&f0, &ld),
        Err(Error::ShapeMismatch { .. })
    ));
    let empty = candle_nn::VarBuilder::from_tensors(Default::default(), DType::F32, &Device::Cpu);
    let err = Ddsp::new(small_config(), empty).unwrap_err().to_string();
    assert!(err.contains("gru.weight_ih_l0"), "{err}");
}

/// The controls of a signal fed in irregular blocks and the audio of
/// controls fed a few frames at a time (as `audio resynth` streams a long
/// file) equal the whole-signal `features` and `synthesize`, to the bit:
/// the same pYIN decoding, the same per-frame loudness, and the decoder
/// run on the same `SYNTH_FRAMES`-frame stretches with its state carried.
#[test]
fn features_and_synthesis_stream() {
    use audio_models::ddsp::SYNTH_FRAMES;
    let store = audio_nn::init::SeededVarMap::new(2);
    let model = Ddsp::new(small_config(), store.var_builder(DType::F32, &Device::Cpu)).unwrap();
    // Long enough for more than one decoder run.
    let hop = model.config().hop;
    let n = (SYNTH_FRAMES + 300) * hop + 17;
    let rate = model.config().sample_rate as f32;
    let y: Vec<f32> = (0..n)
        .map(|t| {
            let f = 220.0 + 110.0 * ((t / 20_000) % 3) as f32;
            0.4 * (2.0 * std::f32::consts::PI * f * t as f32 / rate).sin()
        })
        .collect();
    let whole = model.features(&y).unwrap();
    let mut stream = model.feature_stream().unwrap();
    let mut at = 0;
    for size in [1usize, 999, 4096, 77, 65_536].iter().cycle() {
        if at >= n {
            break;
        }
        let end = (at + size).min(n);
        stream.push(&y[at..end]).unwrap();
        at = end;
    }
    let streamed = stream.finish().unwrap();
    assert_eq!(streamed, whole);
    let audio = model.synthesize(&whole).unwrap();
    assert_eq!(audio.len(), whole.len() * hop);
    let mut synth = model.synth_stream().unwrap();
    let mut out = Vec::new();
    for start in (0..whole.len()).step_by(333) {
        let end = (start + 333).min(whole.len());
        out.extend(
            synth
                .push(&whole.f0_hz[start..end], &whole.loudness_db[start..end])
                .unwrap(),
        );
    }
    out.extend(synth.finish().unwrap());
    assert_eq!(out, audio);
}
