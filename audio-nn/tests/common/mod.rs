//! Shared helpers for the audio-nn integration tests: fixtures as candle tensors.
#![allow(dead_code, reason = "each test binary uses a subset of the helpers")]

use std::collections::HashMap;
use std::path::PathBuf;

use audio_test_fixtures::{fixtures_dir, read_npy_f32, relative_error};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{ArrayD, IxDyn};

pub fn dir() -> PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR"))
}

/// `<case>_<name>.npy` as a tensor.
pub fn npy(case: &str, name: &str) -> Tensor {
    let a = read_npy_f32(dir().join(format!("{case}_{name}.npy")));
    to_tensor(&a)
}

pub fn to_tensor(a: &ArrayD<f32>) -> Tensor {
    let shape = a.shape().to_vec();
    let v: Vec<f32> = a.iter().copied().collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

pub fn to_array(t: &Tensor) -> ArrayD<f32> {
    let shape = t.dims().to_vec();
    let v: Vec<f32> = t
        .flatten_all()
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec1()
        .unwrap();
    ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap()
}

/// The weights of `<case>.safetensors` as a map.
pub fn weights(case: &str) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(dir().join(format!("{case}.safetensors")), &Device::Cpu).unwrap()
}

/// The weight gradients `<case>_grads.safetensors`.
pub fn grads(case: &str) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(
        dir().join(format!("{case}_grads.safetensors")),
        &Device::Cpu,
    )
    .unwrap()
}

/// A read-only builder over `<case>.safetensors` (memory-mapped).
pub fn vb(case: &str) -> VarBuilder<'static> {
    let path = dir().join(format!("{case}.safetensors"));
    // SAFETY: the fixture file is not modified while the test runs.
    unsafe { VarBuilder::from_mmaped_safetensors(&[path], DType::F32, &Device::Cpu).unwrap() }
}

/// A builder whose tensors are `Var`s (for gradients), with the variables returned by name.
pub fn var_vb(case: &str) -> (VarBuilder<'static>, HashMap<String, candle_core::Var>) {
    let mut vars = HashMap::new();
    let mut ts = HashMap::new();
    for (k, t) in weights(case) {
        let v = candle_core::Var::from_tensor(&t).unwrap();
        ts.insert(k.clone(), v.as_tensor().clone());
        vars.insert(k, v);
    }
    (VarBuilder::from_tensors(ts, DType::F32, &Device::Cpu), vars)
}

/// Relative error (max abs diff / max |reference|) between two tensors.
pub fn rel(actual: &Tensor, expected: &Tensor) -> f64 {
    relative_error(&to_array(actual), &to_array(expected))
}

#[track_caller]
pub fn close(what: &str, actual: &Tensor, expected: &Tensor, tol: f64) {
    assert_eq!(actual.dims(), expected.dims(), "{what}: shape");
    let e = rel(actual, expected);
    assert!(e <= tol, "{what}: relative error {e:e} > {tol:e}");
}
