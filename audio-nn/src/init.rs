//! PyTorch's default parameter initialisation, and a seeded weight store so
//! that a model built here starts (and trains) deterministically.
//!
//! PyTorch initialises `nn.Conv1d` / `nn.Linear` weights with
//! `kaiming_uniform_(w, a=sqrt(5))`, whose bound is
//! `gain * sqrt(3 / fan_in)` with `gain = sqrt(2 / (1 + a²)) = sqrt(1/3)`, i.e.
//! `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`; their biases use the same bound.
//! Recurrent layers (`nn.LSTM`, `nn.GRU`) draw every parameter from
//! `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`. Norm layers start at
//! weight 1, bias 0, running mean 0, running variance 1.
//!
//! The distributions are PyTorch's; the random numbers are not (PyTorch's
//! Mersenne-Twister stream is not reproduced). [`SeededVarMap`] makes them
//! reproducible from a seed.

use std::sync::{Arc, Mutex};

use audio_dsp::SeededRng;
use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder, VarMap};

/// The bound `1/sqrt(fan_in)` of PyTorch's `kaiming_uniform_(a=sqrt(5))` weight
/// init and of its default bias init.
///
/// `fan_in` is `in_channels / groups * kernel_size` for a convolution weight of
/// shape `(out, in/groups, k)`, `in_features` for `Linear`, and for a
/// transposed convolution (weight `(in, out/groups, k)`) `out/groups * k`, as
/// `torch.nn.init._calculate_fan_in_and_fan_out` computes it.
///
/// ```
/// assert!((audio_nn::init::default_bound(16) - 0.25).abs() < 1e-12);
/// ```
pub fn default_bound(fan_in: usize) -> f64 {
    if fan_in == 0 {
        0.0
    } else {
        1.0 / (fan_in as f64).sqrt()
    }
}

/// PyTorch's default init for conv / linear weights and biases:
/// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (`kaiming_uniform_(a=sqrt(5))`).
///
/// ```
/// let init = audio_nn::init::default_uniform(4);
/// assert!(matches!(init, candle_nn::Init::Uniform { lo, up } if lo == -0.5 && up == 0.5));
/// ```
pub fn default_uniform(fan_in: usize) -> Init {
    let b = default_bound(fan_in);
    Init::Uniform { lo: -b, up: b }
}

/// PyTorch's init of every `nn.LSTM` / `nn.GRU` parameter:
/// `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`.
///
/// ```
/// let init = audio_nn::init::recurrent_uniform(100);
/// assert!(matches!(init, candle_nn::Init::Uniform { up, .. } if (up - 0.1).abs() < 1e-12));
/// ```
pub fn recurrent_uniform(hidden_size: usize) -> Init {
    default_uniform(hidden_size)
}

/// A [`VarMap`] whose new variables are drawn from a seeded generator, so a
/// model built from [`SeededVarMap::var_builder`] is the same on every run.
///
/// Layers of this crate ask for PyTorch's default inits
/// ([`default_uniform`], [`recurrent_uniform`], constants); `Init::Uniform`,
/// `Init::Const` and `Init::Randn` are drawn from the seed in the order the
/// variables are created. `Init::Kaiming` uses candle's generator (not seeded).
/// Variables that already exist are returned as they are.
///
/// ```
/// use audio_nn::init::SeededVarMap;
/// use candle_core::{DType, Device};
/// let a = SeededVarMap::new(7);
/// let b = SeededVarMap::new(7);
/// let wa = a.var_builder(DType::F32, &Device::Cpu)
///     .get_with_hints((3, 2), "w", audio_nn::init::default_uniform(2)).unwrap();
/// let wb = b.var_builder(DType::F32, &Device::Cpu)
///     .get_with_hints((3, 2), "w", audio_nn::init::default_uniform(2)).unwrap();
/// assert_eq!(wa.to_vec2::<f32>().unwrap(), wb.to_vec2::<f32>().unwrap());
/// ```
#[derive(Clone)]
pub struct SeededVarMap {
    varmap: VarMap,
    rng: Arc<Mutex<SeededRng>>,
}

impl std::fmt::Debug for SeededVarMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededVarMap").finish_non_exhaustive()
    }
}

impl SeededVarMap {
    /// An empty store drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            varmap: VarMap::new(),
            rng: Arc::new(Mutex::new(SeededRng::new(seed))),
        }
    }

    /// The underlying [`VarMap`] (for an optimiser: `varmap().all_vars()`; for saving).
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// A builder that creates missing variables in this store.
    pub fn var_builder(&self, dtype: DType, device: &Device) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self.clone()), dtype, device.clone())
    }

    /// A builder over the weights the store holds now, as plain (detached)
    /// tensors, the way a checkpoint loads them: nothing is tracked by
    /// autograd, so layers take their fused inference kernels (the fused
    /// LSTM/GRU recurrences and TCN block). Build the model once with
    /// [`SeededVarMap::var_builder`] first, which creates the weights.
    ///
    /// ```
    /// use audio_nn::init::SeededVarMap;
    /// use audio_nn::{Lstm, LstmConfig};
    /// use candle_core::{DType, Device, Module, Tensor};
    /// let store = SeededVarMap::new(0);
    /// let cfg = LstmConfig::new(4, 8);
    /// let trainable = Lstm::new(cfg, store.var_builder(DType::F32, &Device::Cpu))?;
    /// let inference = Lstm::new(cfg, store.plain_var_builder(DType::F32, &Device::Cpu))?;
    /// let x = Tensor::ones((5, 1, 4), DType::F32, &Device::Cpu)?;
    /// let (a, b) = (trainable.forward(&x)?, inference.forward(&x)?);
    /// assert!(a.sub(&b)?.abs()?.max_all()?.to_scalar::<f32>()? < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plain_var_builder(&self, dtype: DType, device: &Device) -> VarBuilder<'static> {
        let data = self.varmap.data().lock();
        // A poisoned lock still holds the weights as they were.
        let data = data.unwrap_or_else(std::sync::PoisonError::into_inner);
        let map: std::collections::HashMap<String, Tensor> = data
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().detach()))
            .collect();
        VarBuilder::from_tensors(map, dtype, device)
    }

    fn sample(
        &self,
        shape: &Shape,
        init: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let n = shape.elem_count();
        let mut rng = self
            .rng
            .lock()
            // A poisoned lock still holds a valid generator state.
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let values: Vec<f64> = match init {
            Init::Const(v) => vec![v; n],
            Init::Uniform { lo, up } => (0..n).map(|_| lo + (up - lo) * rng.uniform()).collect(),
            Init::Randn { mean, stdev } => (0..n).map(|_| mean + stdev * rng.normal()).collect(),
            other => {
                drop(rng);
                return Ok(other.var(shape.clone(), dtype, dev)?.as_tensor().clone());
            }
        };
        Tensor::from_vec(values, shape.clone(), dev)?.to_dtype(dtype)
    }
}

impl SimpleBackend for SeededVarMap {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let existing = {
            let data = self
                .varmap
                .data()
                .lock()
                // A poisoned lock still holds the weights as they were.
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            data.get(name).map(|v| v.as_tensor().clone())
        };
        if let Some(t) = existing {
            if t.shape() != &s {
                return Err(candle_core::Error::UnexpectedShape {
                    msg: format!("shape mismatch for {name}"),
                    expected: s,
                    got: t.shape().clone(),
                });
            }
            return Ok(t);
        }
        let t = self.sample(&s, h, dtype, dev)?;
        let var = Var::from_tensor(&t)?;
        let out = var.as_tensor().clone();
        self.varmap
            .data()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_string(), var);
        Ok(out)
    }

    fn get_unchecked(
        &self,
        name: &str,
        _dtype: DType,
        _dev: &Device,
    ) -> candle_core::Result<Tensor> {
        Err(candle_core::Error::CannotFindTensor {
            path: name.to_string(),
        })
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.varmap
            .data()
            .lock()
            .map(|d| d.contains_key(name))
            .unwrap_or(false)
    }
}
