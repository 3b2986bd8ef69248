//! The discretized mixture of logistics against PyTorch (PixelCNN++'s loss
//! and sampler as `wavenet_vocoder` writes them): the per-sample loss for
//! 16-bit and 8-bit bins, its gradient, and the sampler on given uniforms.
//! Fixtures: `tools/reference/nn_mix_logistic_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_nn::mix_logistic::{
    discretized_mix_logistic_nll, sample_discretized_mix_logistic, LOG_SCALE_MIN,
};
use audio_test_fixtures::{fixtures_dir, read_npy_f32, read_npy_f64};
use candle_core::{Device, Tensor, Var};

/// The loss against the float64 reference, relative (with a floor of 1
/// nat): float32 arithmetic on log-probabilities down to about −20.
const NLL_TOL: f64 = 1e-4;

/// The gradient of the mean loss against the float64 reference, relative
/// to the largest entry: float32 arithmetic.
const GRAD_TOL: f64 = 1e-4;

/// Samples against the float64 reference: float32 logarithms of the
/// uniforms.
const SAMPLE_TOL: f32 = 1e-5;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("mix_logistic")
}

fn tensor(name: &str) -> Tensor {
    let a = read_npy_f32(dir().join(name));
    Tensor::from_vec(
        a.iter().copied().collect::<Vec<f32>>(),
        a.shape(),
        &Device::Cpu,
    )
    .unwrap()
}

fn check(got: &Tensor, want: &ndarray::ArrayD<f64>, tol: f64, relative_to_peak: bool, what: &str) {
    let got: Vec<f32> = got.flatten_all().unwrap().to_vec1().unwrap();
    let peak = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        let scale = if relative_to_peak {
            peak
        } else {
            w.abs().max(1.0)
        };
        assert!(
            (f64::from(*g) - w).abs() <= tol * scale,
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

#[test]
fn loss_matches_pytorch_for_16_and_8_bit_bins() {
    let params = tensor("params.npy");
    let target = tensor("target.npy");
    for (bins, file) in [(65_536, "nll.npy"), (256, "nll_256.npy")] {
        let nll = discretized_mix_logistic_nll(&params, &target, bins, LOG_SCALE_MIN).unwrap();
        check(&nll, &read_npy_f64(dir().join(file)), NLL_TOL, false, file);
    }
}

#[test]
fn gradient_matches_pytorch() {
    let params = Var::from_tensor(&tensor("params.npy")).unwrap();
    let target = tensor("target.npy");
    let loss = discretized_mix_logistic_nll(params.as_tensor(), &target, 65_536, LOG_SCALE_MIN)
        .unwrap()
        .mean_all()
        .unwrap();
    let grads = loss.backward().unwrap();
    let g = grads.get(params.as_tensor()).unwrap();
    check(
        g,
        &read_npy_f64(dir().join("grad.npy")),
        GRAD_TOL,
        true,
        "grad",
    );
}

#[test]
fn sampler_matches_pytorch() {
    let p = read_npy_f32(dir().join("sample_params.npy"));
    let u = read_npy_f32(dir().join("sample_uniforms.npy"));
    let v = read_npy_f32(dir().join("sample_v.npy"));
    let want = read_npy_f64(dir().join("samples.npy"));
    for i in 0..want.len() {
        let row: Vec<f32> = p.index_axis(ndarray::Axis(0), i).iter().copied().collect();
        let us: Vec<f32> = u.index_axis(ndarray::Axis(0), i).iter().copied().collect();
        let x = sample_discretized_mix_logistic(&row, &us, v[i], LOG_SCALE_MIN).unwrap();
        assert!(
            (f64::from(x) - want[i]).abs() <= f64::from(SAMPLE_TOL),
            "{i}: {x} vs {}",
            want[i]
        );
    }
}
