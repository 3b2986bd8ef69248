//! Loading a weight file into a network whose keys and shapes come from
//! building the network once on a probe: every key must be present with
//! its shape, and an error names the key and both shapes.

use std::collections::HashMap;

use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use crate::{Error, Result};

/// The variables `build` creates, with their shapes, sorted by key.
pub(crate) fn probe_shapes(
    build: impl FnOnce(VarBuilder) -> Result<()>,
) -> Result<Vec<(String, Vec<usize>)>> {
    let probe = VarMap::new();
    build(VarBuilder::from_varmap(&probe, DType::F32, &Device::Cpu))?;
    let data = probe.data().lock().map_err(|_| Error::InvalidParameter {
        name: "weights",
        value: "a poisoned lock".into(),
        expected: "an unpoisoned variable map",
    })?;
    let mut v: Vec<(String, Vec<usize>)> = data
        .iter()
        .map(|(k, var)| (k.clone(), var.dims().to_vec()))
        .collect();
    v.sort();
    Ok(v)
}

/// The tensors of `weights` named in `expected`, as f32 on `device`.
///
/// # Errors
///
/// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and the
/// shapes.
pub(crate) fn checked_tensors(
    weights: &Weights,
    expected: Vec<(String, Vec<usize>)>,
    device: &Device,
) -> Result<HashMap<String, Tensor>> {
    let mut map = HashMap::with_capacity(expected.len());
    for (key, shape) in expected {
        let t = weights.get(&key).map_err(|_| Error::MissingKey {
            key: key.clone(),
            expected: shape.clone(),
        })?;
        if t.shape != shape {
            return Err(Error::WeightShape {
                key,
                expected: shape,
                got: t.shape.clone(),
            });
        }
        map.insert(
            key,
            Tensor::from_vec(t.to_f32_vec(), shape.as_slice(), device)?,
        );
    }
    Ok(map)
}
