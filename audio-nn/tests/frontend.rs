//! Differentiable STFT / ISTFT / mel against librosa on real piano audio, and
//! the losses against PyTorch / auraloss (fixtures from tools/reference/nn_fixtures.py).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap: a panic is a failed test"
)]

mod common;

use audio_dsp::{MelConfig, WindowKind};
use audio_nn::frontend::stft::{power, power_to_db, MelProjection};
use audio_nn::loss::{self, MultiResolutionStftLoss, StftLoss};
use audio_nn::{IstftLayer, PadMode, StftLayer, StftLayerConfig};
use candle_core::{DType, Device, Tensor, Var};
use common::{close, npy};

/// STFT / mel / ISTFT against librosa: the bound for the front end
/// (f32 DFT as a matmul over up to 512 taps against numpy's f32 FFT).
const FRONTEND_TOL: f64 = 1e-4;
/// Scalar losses against torch in f32.
const LOSS_TOL: f64 = 1e-5;
/// Gradients against torch.autograd; the bound.
const GRAD_TOL: f64 = 1e-4;

fn x() -> Tensor {
    common::to_tensor(&audio_test_fixtures::read_npy_f32(
        common::dir().join("stft_x.npy"),
    ))
}

fn configs() -> Vec<(&'static str, StftLayerConfig)> {
    vec![
        (
            "stft_default",
            StftLayerConfig {
                hop_length: 128,
                ..StftLayerConfig::new(512)
            },
        ),
        (
            "stft_reflect_hamming",
            StftLayerConfig {
                hop_length: 100,
                win_length: Some(400),
                window: WindowKind::Hamming,
                pad_mode: PadMode::Reflect,
                ..StftLayerConfig::new(512)
            },
        ),
        (
            "stft_nocenter",
            StftLayerConfig {
                hop_length: 64,
                center: false,
                ..StftLayerConfig::new(256)
            },
        ),
    ]
}

fn arr(name: &str) -> Tensor {
    common::to_tensor(&audio_test_fixtures::read_npy_f32(
        common::dir().join(format!("{name}.npy")),
    ))
}

#[test]
fn stft_and_istft_match_librosa_on_piano() {
    let x = x();
    for (name, cfg) in configs() {
        let stft = StftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
        let (re, im) = stft.forward(&x).unwrap();
        // Relative to the largest magnitude of the whole spectrogram (both parts).
        let want_re = arr(&format!("{name}_re"));
        let want_im = arr(&format!("{name}_im"));
        let both = Tensor::cat(&[&re, &im], 1).unwrap();
        let want = Tensor::cat(&[&want_re, &want_im], 1).unwrap();
        close(&format!("{name} stft"), &both, &want, FRONTEND_TOL);
        // The f64 path (DFT basis by matmul, used off the CPU and for f64) agrees too.
        let stft64 = StftLayer::new(cfg, DType::F64, &Device::Cpu).unwrap();
        let (re64, im64) = stft64.forward(&x.to_dtype(DType::F64).unwrap()).unwrap();
        let both64 = Tensor::cat(&[&re64, &im64], 1)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap();
        close(
            &format!("{name} stft (matmul path)"),
            &both64,
            &want,
            FRONTEND_TOL,
        );
        let istft = IstftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
        let y = istft
            .forward(&want_re, &want_im, Some(x.dim(1).unwrap()))
            .unwrap();
        close(
            &format!("{name} istft"),
            &y,
            &arr(&format!("{name}_istft")),
            FRONTEND_TOL,
        );
    }
}

#[test]
fn mel_and_db_match_librosa() {
    let (_, cfg) = configs().remove(0);
    let stft = StftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
    let (re, im) = stft.forward(&x()).unwrap();
    let mel = MelProjection::new(
        &MelConfig {
            sr: 22050.0,
            n_fft: 512,
            n_mels: 40,
            ..Default::default()
        },
        DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    let m = mel.forward(&power(&re, &im).unwrap()).unwrap();
    close("mel", &m, &arr("stft_default_mel"), FRONTEND_TOL);
    let db = power_to_db(&m, 1e-10, Some(80.0)).unwrap();
    // Relative to the largest |dB| value of the reference.
    close("mel dB", &db, &arr("stft_default_mel_db"), FRONTEND_TOL);
}

#[test]
fn losses_match_torch_and_auraloss() {
    let a = npy("losses", "a");
    let b = npy("losses", "b");
    let s = |name: &str| npy("losses", name).reshape(()).unwrap();
    close("mse", &loss::mse(&a, &b).unwrap(), &s("mse"), LOSS_TOL);
    close("l1", &loss::l1(&a, &b).unwrap(), &s("l1"), LOSS_TOL);
    let logits = a.affine(4.0, 0.0).unwrap();
    close(
        "bce",
        &loss::bce_with_logits(&logits, &npy("losses", "p")).unwrap(),
        &s("bce"),
        LOSS_TOL,
    );
    let est = a.add(&b.affine(0.5, 0.0).unwrap()).unwrap();
    close(
        "si-sdr",
        &loss::si_sdr(&est, &a, true, 1e-8).unwrap(),
        &s("sisdr"),
        LOSS_TOL,
    );
    let est = a.add(&b.affine(0.3, 0.0).unwrap()).unwrap();
    close(
        "esr",
        &loss::esr(&est, &a, 1e-8).unwrap(),
        &s("esr"),
        LOSS_TOL,
    );
    close("kl", &loss::vae_kl(&a, &b).unwrap(), &s("kl"), LOSS_TOL);
    assert!(matches!(
        loss::mse(&a, &b.narrow(2, 0, 3).unwrap()),
        Err(audio_nn::Error::IncompatibleShapes { layer: "mse", .. })
    ));
}

#[test]
fn multi_resolution_stft_loss_and_gradient_match_auraloss() {
    let x = Var::from_tensor(&npy("mrstft", "x")).unwrap();
    let y = npy("mrstft", "y");
    let mr = MultiResolutionStftLoss::auraloss_default(DType::F32, &Device::Cpu).unwrap();
    let l = mr.forward(x.as_tensor(), &y).unwrap();
    close(
        "mrstft",
        &l,
        &npy("mrstft", "loss").reshape(()).unwrap(),
        LOSS_TOL,
    );
    let g = l.backward().unwrap();
    close(
        "mrstft dx",
        g.get(x.as_tensor()).unwrap(),
        &npy("mrstft", "grad_x"),
        GRAD_TOL,
    );
    // The same gradient through the matmul (DFT basis) path in f64.
    let x64 = Var::from_tensor(&npy("mrstft", "x").to_dtype(DType::F64).unwrap()).unwrap();
    let mr64 = MultiResolutionStftLoss::auraloss_default(DType::F64, &Device::Cpu).unwrap();
    let l64 = mr64
        .forward(x64.as_tensor(), &y.to_dtype(DType::F64).unwrap())
        .unwrap();
    let g64 = l64.backward().unwrap();
    close(
        "mrstft dx (matmul path)",
        &g64.get(x64.as_tensor())
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap(),
        &npy("mrstft", "grad_x"),
        GRAD_TOL,
    );
    let single = StftLoss::new(512, 128, 400, DType::F32, &Device::Cpu).unwrap();
    close(
        "stft loss",
        &single.forward(x.as_tensor(), &y).unwrap(),
        &npy("mrstft", "single_loss").reshape(()).unwrap(),
        LOSS_TOL,
    );
}

#[test]
fn frontend_errors_are_typed() {
    let cfg = StftLayerConfig::torch(512, 128, 400);
    let stft = StftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
    // Rank.
    let x = Tensor::zeros((1, 1, 1000), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        stft.forward(&x),
        Err(audio_nn::Error::InputRank {
            layer: "StftLayer",
            ..
        })
    ));
    // Reflect padding longer than the signal.
    let x = Tensor::zeros((1, 100), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        stft.forward(&x),
        Err(audio_nn::Error::InvalidParameter { .. })
    ));
    // Bad configs.
    assert!(matches!(
        StftLayer::new(
            StftLayerConfig {
                win_length: Some(600),
                ..StftLayerConfig::new(512)
            },
            DType::F32,
            &Device::Cpu
        ),
        Err(audio_nn::Error::InvalidParameter {
            layer: "StftLayer",
            name: "win_length",
            ..
        })
    ));
    assert!(matches!(
        StftLayer::new(
            StftLayerConfig {
                hop_length: 0,
                ..StftLayerConfig::new(512)
            },
            DType::F32,
            &Device::Cpu
        ),
        Err(audio_nn::Error::InvalidParameter {
            layer: "StftLayer",
            name: "hop_length",
            ..
        })
    ));
    // ISTFT with the wrong number of bins, and mismatched parts.
    let istft = IstftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
    let re = Tensor::zeros((1, 100, 5), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        istft.forward(&re, &re, None),
        Err(audio_nn::Error::ShapeMismatch {
            layer: "IstftLayer",
            ..
        })
    ));
    let im = Tensor::zeros((1, 257, 4), DType::F32, &Device::Cpu).unwrap();
    let re = Tensor::zeros((1, 257, 5), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        istft.forward(&re, &im, None),
        Err(audio_nn::Error::IncompatibleShapes { .. })
    ));
}

/// The f32 CPU STFT (one custom op of real FFTs, tiled and transposed by
/// SIMD) against the f64 DFT-matmul path: forward and the gradient of a
/// random linear functional, over sizes that leave tile and bin remainders.
mod fft_op_vs_matmul {
    use super::*;
    use proptest::prelude::*;

    /// f32 FFT against f64 DFT, relative to the largest value.
    const OP_TOL: f64 = 1e-5;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
        #[test]
        fn stft_op_equals_dft(
            n_fft in 2usize..140,
            hop in 1usize..50,
            extra in 0usize..400,
            center in any::<bool>(),
            mode in 0usize..4,
            batch in 1usize..3,
        ) {
            let pad_mode = [PadMode::Zeros, PadMode::Reflect, PadMode::Replicate, PadMode::Circular][mode];
            let cfg = StftLayerConfig { hop_length: hop, center, pad_mode, ..StftLayerConfig::new(n_fft) };
            let len = n_fft + extra;
            let x = Tensor::randn(0f32, 1f32, (batch, len), &Device::Cpu).unwrap();
            let s32 = StftLayer::new(cfg, DType::F32, &Device::Cpu).unwrap();
            let s64 = StftLayer::new(cfg, DType::F64, &Device::Cpu).unwrap();
            let xv = Var::from_tensor(&x).unwrap();
            let x64 = Var::from_tensor(&x.to_dtype(DType::F64).unwrap()).unwrap();
            let (re, im) = s32.forward(xv.as_tensor()).unwrap();
            let (re64, im64) = s64.forward(x64.as_tensor()).unwrap();
            // Relative to the largest of both parts: a symmetric frame has an
            // imaginary part of rounding noise only.
            let both = Tensor::cat(&[&re, &im], 1).unwrap();
            let both64 = Tensor::cat(&[&re64, &im64], 1).unwrap().to_dtype(DType::F32).unwrap();
            close("re, im", &both, &both64, OP_TOL);
            // d/dx Σ a·re + b·im for random a, b.
            let a = Tensor::randn(0f32, 1f32, re.dims(), &Device::Cpu).unwrap();
            let b = Tensor::randn(0f32, 1f32, im.dims(), &Device::Cpu).unwrap();
            let l = (re.mul(&a).unwrap().sum_all().unwrap() + im.mul(&b).unwrap().sum_all().unwrap()).unwrap();
            let (a64, b64) = (a.to_dtype(DType::F64).unwrap(), b.to_dtype(DType::F64).unwrap());
            let l64 = (re64.mul(&a64).unwrap().sum_all().unwrap() + im64.mul(&b64).unwrap().sum_all().unwrap()).unwrap();
            let g = l.backward().unwrap().get(&xv).unwrap().clone();
            let g64 = l64.backward().unwrap().get(&x64).unwrap().to_dtype(DType::F32).unwrap();
            close("grad", &g, &g64, OP_TOL);
        }
    }
}
