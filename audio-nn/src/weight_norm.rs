//! Weight normalisation in checkpoints (`torch.nn.utils.weight_norm`):
//! folding `weight_g` and `weight_v` into the plain `weight` that the
//! layers load.

use std::collections::HashMap;

use candle_core::{DType, Tensor};
use candle_nn::var_builder::SimpleBackend;

use crate::{Error, Result};

const LAYER: &str = "weight_norm";

/// Replaces every `P.weight_g` / `P.weight_v` pair of a checkpoint by
/// `P.weight = g · v / ‖v‖`, the norm over every axis but the first
/// (`torch.nn.utils.weight_norm` with its default `dim=0`, as MelGAN,
/// HiFi-GAN and WaveNet vocoders save it), so the layers load official
/// weights by their own names. Returns how many weights it folded.
///
/// The norm is taken in f64 and the result has `v`'s dtype. Keys without
/// the suffixes are left alone.
///
/// # Errors
///
/// [`Error::MissingKey`] for a `weight_g` without its `weight_v` (or the
/// reverse); [`Error::WeightShape`] when `g` is not `(out, 1, …)` for `v`
/// of shape `(out, …)`; candle errors.
///
/// # Example
///
/// ```
/// use std::collections::HashMap;
/// use candle_core::{Device, Tensor};
/// let mut w = HashMap::new();
/// w.insert("conv.weight_v".to_string(), Tensor::new(&[[[3f32, 4.]]], &Device::Cpu)?);
/// w.insert("conv.weight_g".to_string(), Tensor::new(&[[[10f32]]], &Device::Cpu)?);
/// assert_eq!(audio_nn::fold_weight_norm(&mut w)?, 1);
/// assert_eq!(w["conv.weight"].to_vec3::<f32>()?, vec![vec![vec![6f32, 8.]]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn fold_weight_norm(tensors: &mut HashMap<String, Tensor>) -> Result<usize> {
    let mut prefixes: Vec<String> = tensors
        .keys()
        .filter_map(|k| {
            k.strip_suffix("weight_g")
                .or_else(|| k.strip_suffix("weight_v"))
                .map(str::to_string)
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    for prefix in &prefixes {
        let (gk, vk) = (format!("{prefix}weight_g"), format!("{prefix}weight_v"));
        let missing = |key: &str| Error::MissingKey {
            layer: LAYER,
            key: key.to_string(),
        };
        let g = tensors.remove(&gk).ok_or_else(|| missing(&gk))?;
        let v = tensors.remove(&vk).ok_or_else(|| missing(&vk))?;
        let dims = v.dims().to_vec();
        let mut expected = vec![1; dims.len()];
        if let Some(first) = dims.first() {
            expected[0] = *first;
        }
        if dims.is_empty() || g.elem_count() != dims[0] {
            return Err(Error::WeightShape {
                layer: LAYER,
                key: gk,
                expected,
                got: g.dims().to_vec(),
            });
        }
        let dtype = v.dtype();
        let v64 = v.to_dtype(DType::F64)?;
        let flat = v64.flatten_from(1)?;
        let norm = flat.sqr()?.sum_keepdim(1)?.sqrt()?;
        let scale = g.to_dtype(DType::F64)?.reshape((dims[0], 1))?.div(&norm)?;
        let weight = flat.broadcast_mul(&scale)?.reshape(dims)?.to_dtype(dtype)?;
        tensors.insert(format!("{prefix}weight"), weight);
    }
    Ok(prefixes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn a_lone_half_is_a_missing_key() -> Result<()> {
        let mut w = HashMap::new();
        w.insert(
            "a.weight_g".to_string(),
            Tensor::ones((2, 1, 1), DType::F32, &Device::Cpu)?,
        );
        assert!(matches!(
            fold_weight_norm(&mut w),
            Err(Error::MissingKey { key, .. }) if key == "a.weight_v"
        ));
        Ok(())
    }

    #[test]
    fn a_misshapen_gain_is_a_shape_error() -> Result<()> {
        let mut w = HashMap::new();
        w.insert(
            "a.weight_g".to_string(),
            Tensor::ones((3, 1, 1), DType::F32, &Device::Cpu)?,
        );
        w.insert(
            "a.weight_v".to_string(),
            Tensor::ones((2, 4, 5), DType::F32, &Device::Cpu)?,
        );
        assert!(matches!(
            fold_weight_norm(&mut w),
            Err(Error::WeightShape { .. })
        ));
        Ok(())
    }

    #[test]
    fn each_output_row_gets_the_gain_as_its_norm() -> Result<()> {
        let mut w = HashMap::new();
        let v = Tensor::arange(1f32, 25., &Device::Cpu)?.reshape((4, 3, 2))?;
        w.insert("c.weight_v".to_string(), v);
        w.insert(
            "c.weight_g".to_string(),
            Tensor::new(&[0.5f32, 1., 2., 3.], &Device::Cpu)?.reshape((4, 1, 1))?,
        );
        w.insert(
            "c.bias".to_string(),
            Tensor::zeros(4, DType::F32, &Device::Cpu)?,
        );
        fold_weight_norm(&mut w)?;
        assert!(w.contains_key("c.bias") && !w.contains_key("c.weight_v"));
        let norms = w["c.weight"]
            .flatten_from(1)?
            .sqr()?
            .sum(1)?
            .sqrt()?
            .to_vec1::<f32>()?;
        for (n, g) in norms.iter().zip([0.5f32, 1., 2., 3.]) {
            assert!((n - g).abs() < 1e-6, "{n} vs {g}");
        }
        Ok(())
    }
}

/// A store of trainable, weight-normalised layers
/// (`torch.nn.utils.weight_norm` on every layer): a layer that asks for a
/// `P.weight` of rank 2 or more gets `g · v / ‖v‖` (norm over every axis but
/// the first), computed from the variables `P.weight_v` and `P.weight_g` so
/// that gradients reach both; other tensors (biases) are plain variables.
/// `v` is drawn from the layer's own initialisation (seeded) and `g` starts
/// at `‖v‖`, so the first weight equals an unnormalised layer's, as in
/// PyTorch.
///
/// The weight is computed when the layer is built: rebuild the model from
/// [`WeightNormVarMap::var_builder`] after each optimiser step (cheap: one
/// norm per layer). Checkpoints of [`WeightNormVarMap::varmap`] hold
/// `weight_g` / `weight_v`, as PyTorch saves them; [`fold_weight_norm`]
/// turns them into plain weights for inference.
///
/// # Example
///
/// ```
/// use audio_nn::weight_norm::WeightNormVarMap;
/// use audio_nn::{Conv1d, Conv1dConfig};
/// use candle_core::{DType, Device};
/// let store = WeightNormVarMap::new(0);
/// let conv = Conv1d::new(2, 3, 5, Conv1dConfig::default(), store.var_builder(DType::F32, &Device::Cpu))?;
/// let names: Vec<String> = audio_nn::weight_norm::var_names(store.varmap());
/// assert_eq!(names, ["bias", "weight_g", "weight_v"]);
/// assert_eq!(conv.weight().dims(), &[3, 2, 5]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct WeightNormVarMap {
    inner: crate::init::SeededVarMap,
}

impl WeightNormVarMap {
    /// An empty store drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: crate::init::SeededVarMap::new(seed),
        }
    }

    /// The variables (`weight_g`, `weight_v`, biases), for an optimiser and
    /// for checkpoints.
    pub fn varmap(&self) -> &candle_nn::VarMap {
        self.inner.varmap()
    }

    /// A builder whose weights are computed from the current variables.
    pub fn var_builder(
        &self,
        dtype: DType,
        device: &candle_core::Device,
    ) -> candle_nn::VarBuilder<'static> {
        candle_nn::VarBuilder::from_backend(Box::new(self.clone()), dtype, device.clone())
    }
}

/// The sorted names of a `VarMap`'s variables.
pub fn var_names(varmap: &candle_nn::VarMap) -> Vec<String> {
    let data = varmap
        .data()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut names: Vec<String> = data.keys().cloned().collect();
    names.sort();
    names
}

impl SimpleBackend for WeightNormVarMap {
    fn get(
        &self,
        s: candle_core::Shape,
        name: &str,
        h: candle_nn::Init,
        dtype: DType,
        dev: &candle_core::Device,
    ) -> candle_core::Result<Tensor> {
        let Some(prefix) = name.strip_suffix("weight") else {
            return self.inner.get(s, name, h, dtype, dev);
        };
        let dims = s.dims().to_vec();
        if dims.len() < 2 {
            return self.inner.get(s, name, h, dtype, dev);
        }
        let v = self
            .inner
            .get(s, &format!("{prefix}weight_v"), h, dtype, dev)?;
        let mut g_shape = vec![1usize; dims.len()];
        g_shape[0] = dims[0];
        let norm = v
            .flatten_from(1)?
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .reshape(g_shape.as_slice())?;
        let g_name = format!("{prefix}weight_g");
        let existed = self.inner.contains_tensor(&g_name);
        let g = self.inner.get(
            g_shape.as_slice().into(),
            &g_name,
            candle_nn::Init::Const(1.0),
            dtype,
            dev,
        )?;
        if !existed {
            // A new gain starts at ‖v‖, as `weight_norm` sets it (`g` shares
            // the variable's storage, so it sees the value).
            let data = self
                .inner
                .varmap()
                .data()
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(var) = data.get(&g_name) {
                var.set(&norm.detach())?;
            }
        }
        g.broadcast_mul(&v.broadcast_div(&norm)?)
    }

    fn get_unchecked(
        &self,
        name: &str,
        _dtype: DType,
        _dev: &candle_core::Device,
    ) -> candle_core::Result<Tensor> {
        Err(candle_core::Error::CannotFindTensor {
            path: name.to_string(),
        })
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.inner
            .varmap()
            .data()
            .lock()
            .map(|d| d.contains_key(name) || d.contains_key(&format!("{name}_v")))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod training_tests {
    use super::*;
    use crate::{Conv1d, Conv1dConfig};
    use candle_core::{Device, Var};

    #[test]
    fn the_first_weight_is_the_plain_initialisation_and_gradients_reach_g_and_v(
    ) -> crate::Result<()> {
        let plain = crate::init::SeededVarMap::new(3);
        let a = Conv1d::new(
            2,
            3,
            4,
            Conv1dConfig::default(),
            plain.var_builder(DType::F32, &Device::Cpu),
        )?;
        let store = WeightNormVarMap::new(3);
        let b = Conv1d::new(
            2,
            3,
            4,
            Conv1dConfig::default(),
            store.var_builder(DType::F32, &Device::Cpu),
        )?;
        let diff = (a.weight() - b.weight())?
            .abs()?
            .max_all()?
            .to_scalar::<f32>()?;
        assert!(diff < 1e-6, "{diff}");
        let x = Tensor::ones((1, 2, 8), DType::F32, &Device::Cpu)?;
        let grads = b.apply(&x)?.sqr()?.sum_all()?.backward()?;
        let vars: std::collections::HashMap<String, Var> = store
            .varmap()
            .data()
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default();
        for name in ["weight_g", "weight_v", "bias"] {
            assert!(grads.get(vars[name].as_tensor()).is_some(), "{name}");
        }
        // Folding the stored pair gives the layer's weight back.
        let mut tensors: HashMap<String, Tensor> = vars
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect();
        fold_weight_norm(&mut tensors)?;
        let diff = (&tensors["weight"] - b.weight())?
            .abs()?
            .max_all()?
            .to_scalar::<f32>()?;
        assert!(diff < 1e-6, "{diff}");
        Ok(())
    }
}
