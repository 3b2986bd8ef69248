//! Basic Pitch posteriorgrams against onnxruntime running the wheel's
//! `nmp.onnx` (fixtures of `tools/reference/basic_pitch_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::basic_pitch::windowing::{OVERLAP_LEN, WINDOW_HOP};
use audio_models::basic_pitch::{BasicPitch, AUDIO_N_SAMPLES};
use audio_test_fixtures::{fixtures_dir, read_npy_f32};
use ndarray::{Array2, Ix2};

/// Largest absolute difference allowed between our activations and
/// onnxruntime's (the parity figure): both run in `f32`, but sum the
/// convolutions in different orders (GEMM blocking vs MLAS) and onnxruntime
/// takes `log` of the CQT power with its own vectorised kernel.
const POSTERIORGRAM_TOL: f32 = 1e-4;

fn fixture(name: &str) -> Array2<f32> {
    let path = fixtures_dir(env!("CARGO_MANIFEST_DIR"))
        .join("basic_pitch")
        .join(name);
    read_npy_f32(path).into_dimensionality::<Ix2>().unwrap()
}

fn load(path: &std::path::Path) -> Vec<f32> {
    let audio = audio_io::load::<f32>(
        path,
        &audio_io::LoadOptions {
            sr: None,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(audio.sample_rate, 22_050);
    audio.samples.row(0).to_vec()
}

fn max_abs_diff(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn one_window_of_piano_matches_onnxruntime() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let audio = load(&root.join("assets/audio/piano.wav"));
    // get_audio_input: 3840 zeros, then window 1 starts WINDOW_HOP in.
    let mut padded = vec![0.0f32; OVERLAP_LEN / 2];
    padded.extend_from_slice(&audio);
    let window = &padded[WINDOW_HOP..WINDOW_HOP + AUDIO_N_SAMPLES];
    let out = BasicPitch::new().unwrap().predict_window(window).unwrap();
    for (name, ours) in [
        ("note", &out.note),
        ("onset", &out.onset),
        ("contour", &out.contour),
    ] {
        let expected = fixture(&format!("window_piano_w1_{name}.npy"));
        let d = max_abs_diff(ours, &expected);
        println!("window {name}: max |diff| = {d:e}");
        assert!(d <= POSTERIORGRAM_TOL, "{name}: {d}");
    }
}

#[test]
fn unwrapped_guitar_matches_run_inference() {
    let dir = fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("basic_pitch");
    let audio = load(&dir.join("guitar.wav"));
    let model = BasicPitch::new().unwrap();
    let post = model.posteriorgrams(&audio, false).unwrap();
    for (name, ours) in [("note", &post.note), ("onset", &post.onset)] {
        let expected = fixture(&format!("unwrapped_guitar_{name}.npy"));
        let d = max_abs_diff(ours, &expected);
        println!("unwrapped {name}: {:?} max |diff| = {d:e}", ours.dim());
        assert!(d <= POSTERIORGRAM_TOL, "{name}: {d}");
    }
    // Streaming in odd block sizes gives the same frames bit for bit.
    let mut stream = model.stream(false);
    for block in audio.chunks(5_003) {
        stream.push(block).unwrap();
    }
    let streamed = stream.finish().unwrap();
    assert_eq!(streamed, post);
}
