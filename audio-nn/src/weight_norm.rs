//! Weight normalisation in checkpoints (`torch.nn.utils.weight_norm`):
//! folding `weight_g` and `weight_v` into the plain `weight` that the
//! layers load.

use std::collections::HashMap;

use candle_core::{DType, Tensor};

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
