//! The [`Optimizer`] trait shared by [`Adam`](super::Adam),
//! [`AdamW`](super::AdamW) and [`Sgd`](super::Sgd), and the naming of a
//! [`VarMap`]'s variables that their exported state is keyed by.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::VarMap;

use crate::error::{Error, Result};

/// An optimizer over named candle [`Var`]s, updated in place from a
/// [`GradStore`].
///
/// The state (moment estimates, momentum buffers, step counts) exports as
/// named tensors, `<parameter name>.<buffer>` as in PyTorch's
/// `optimizer.state_dict()["state"]`, so a run saved with
/// [`Optimizer::state`] and restored with [`Optimizer::load_state`] continues
/// bit-identically.
pub trait Optimizer {
    /// One update of every parameter that has a gradient in `grads`
    /// (parameters without one are skipped, as PyTorch skips `grad is None`).
    ///
    /// # Errors
    ///
    /// A candle error (a gradient of another shape or dtype than its
    /// parameter).
    fn step(&mut self, grads: &GradStore) -> Result<()>;

    /// The learning rate of the next [`Optimizer::step`].
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (a schedule calls this once per epoch).
    fn set_learning_rate(&mut self, lr: f64);

    /// A short name of the algorithm (`"adam"`, `"adamw"`, `"sgd"`), recorded
    /// in checkpoints so that a state is not loaded into another algorithm.
    fn kind(&self) -> &'static str;

    /// The state as named tensors (`<parameter>.exp_avg`, `<parameter>.step`,
    /// ...). Buffers not created yet (a parameter that never had a gradient)
    /// are absent.
    ///
    /// # Errors
    ///
    /// A candle error while copying a buffer.
    fn state(&self) -> Result<HashMap<String, Tensor>>;

    /// Restores a state exported by [`Optimizer::state`] for the same
    /// parameters. Buffers absent from `state` are reset to "not created yet".
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] or [`Error::WeightDtype`] when a buffer does not
    /// fit its parameter; [`Error::MissingKey`] when a parameter's step count
    /// is given without its buffers.
    fn load_state(&mut self, state: &HashMap<String, Tensor>) -> Result<()>;
}

/// The variables of a [`VarMap`] with their names, sorted by name, the
/// parameter list an optimizer is built from.
///
/// Sorting makes the list (and so the order of every update) the same on
/// every run, whatever the hash map's order.
///
/// # Errors
///
/// None in practice; a poisoned lock of the map is reported as
/// [`Error::InvalidParameter`].
///
/// ```
/// use audio_models::training::named_vars;
/// use candle_core::{DType, Device};
/// use audio_nn::init::SeededVarMap;
///
/// let store = SeededVarMap::new(0);
/// let vb = store.var_builder(DType::F32, &Device::Cpu);
/// let _w = vb.get((2, 3), "b.weight")?;
/// let _v = vb.get(2, "a.bias")?;
/// let names: Vec<String> = named_vars(store.varmap())?.into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["a.bias", "b.weight"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn named_vars(varmap: &VarMap) -> Result<Vec<(String, Var)>> {
    let data = lock_vars(varmap)?;
    let mut vars: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(vars)
}

/// The variables of `varmap`, locked; a poisoned lock (a panic elsewhere
/// while it was held) is an [`Error::InvalidParameter`].
pub(crate) fn lock_vars(
    varmap: &VarMap,
) -> Result<std::sync::MutexGuard<'_, std::collections::HashMap<String, Var>>> {
    varmap.data().lock().map_err(|_| Error::InvalidParameter {
        name: "varmap",
        value: "poisoned lock".to_string(),
        expected: "a VarMap whose lock is not poisoned",
    })
}

/// Checks a learning rate or coefficient: finite and `>= 0`.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected: "a finite value >= 0",
        })
    }
}

/// Checks a coefficient in `[0, 1)`.
pub(crate) fn check_unit(name: &'static str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected: "a value in [0, 1)",
        })
    }
}

/// A state buffer `key` checked against its parameter's shape and dtype.
pub(crate) fn fitting_buffer(key: &str, buffer: &Tensor, param: &Var) -> Result<Tensor> {
    if buffer.dims() != param.dims() {
        return Err(Error::WeightShape {
            key: key.to_string(),
            expected: param.dims().to_vec(),
            got: buffer.dims().to_vec(),
        });
    }
    if buffer.dtype() != param.dtype() {
        return Err(Error::WeightDtype {
            key: key.to_string(),
            expected: param.dtype().as_str(),
            got: buffer.dtype().as_str(),
        });
    }
    Ok(buffer.to_device(param.device())?.copy()?)
}

/// A step count stored as a one-element `f64` tensor (as PyTorch stores
/// `state["step"]` as a tensor).
pub(crate) fn step_tensor(step: u64, param: &Var) -> Result<Tensor> {
    // Step counts stay far below 2^53, exact in f64.
    #[allow(clippy::cast_precision_loss, reason = "step counts < 2^53")]
    let value = step as f64;
    Ok(Tensor::new(&[value], param.device())?)
}

/// Reads a step count written by [`step_tensor`].
pub(crate) fn read_step(key: &str, tensor: &Tensor) -> Result<u64> {
    let values: Vec<f64> = tensor
        .to_dtype(candle_core::DType::F64)?
        .flatten_all()?
        .to_vec1()?;
    match values.as_slice() {
        [v] if v.is_finite() && *v >= 0.0 && v.fract() == 0.0 => {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked: a non-negative whole number"
            )]
            let step = *v as u64;
            Ok(step)
        }
        _ => Err(Error::InvalidParameter {
            name: "optimizer step",
            value: format!("{key} = {values:?}"),
            expected: "one non-negative whole number",
        }),
    }
}
