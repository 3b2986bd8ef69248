//! Stochastic gradient descent with momentum, as `torch.optim.SGD`.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::optimizer::{check_non_negative, fitting_buffer};
use super::Optimizer;
use crate::error::{Error, Result};

/// Hyper-parameters of [`Sgd`], named as `torch.optim.SGD`'s.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgdConfig {
    /// Learning rate `lr` (PyTorch's default `1e-3`).
    pub lr: f64,
    /// `momentum` (default `0`, plain SGD).
    pub momentum: f64,
    /// `dampening` of the momentum (default `0`).
    pub dampening: f64,
    /// L2 penalty `weight_decay`, added to the gradient (default `0`).
    pub weight_decay: f64,
    /// Nesterov momentum (default `false`; needs `momentum > 0` and
    /// `dampening = 0`, as in PyTorch).
    pub nesterov: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

/// One parameter with its momentum buffer.
#[derive(Debug)]
struct Slot {
    name: String,
    var: Var,
    momentum_buffer: Option<Tensor>,
}

/// SGD with momentum, as `torch.optim.SGD`.
///
/// For each parameter `p` with gradient `g`:
///
/// ```text
/// g = g + weight_decay * p                          (if weight_decay != 0)
/// b = g                                             (first step)
/// b = momentum * b + (1 - dampening) * g            (later steps)
/// g = g + momentum * b   if nesterov, else   g = b  (if momentum != 0)
/// p = p - lr * g
/// ```
///
/// The state exports as `<name>.momentum_buffer`.
///
/// # Example
///
/// ```
/// use audio_models::training::{Optimizer, Sgd, SgdConfig};
/// use candle_core::{Device, Var};
///
/// let w = Var::new(&[1.0f32], &Device::Cpu)?;
/// let cfg = SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() };
/// let mut opt = Sgd::new(vec![("w".into(), w.clone())], cfg)?;
/// for _ in 0..2 {
///     let loss = w.as_tensor().sum_all()?; // gradient 1
///     opt.step(&loss.backward()?)?;
/// }
/// // b1 = 1, p = 0.9; b2 = 0.9 + 1 = 1.9, p = 0.9 - 0.19 = 0.71.
/// let p: Vec<f32> = w.as_tensor().to_vec1()?;
/// assert!((p[0] - 0.71).abs() < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sgd {
    config: SgdConfig,
    slots: Vec<Slot>,
}

impl Sgd {
    /// An optimizer over `params` (for example [`named_vars`](super::named_vars)
    /// of a model's `VarMap`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite coefficient,
    /// or Nesterov momentum without `momentum > 0` and `dampening = 0`.
    pub fn new(params: Vec<(String, Var)>, config: SgdConfig) -> Result<Self> {
        check_non_negative("lr", config.lr)?;
        check_non_negative("momentum", config.momentum)?;
        check_non_negative("dampening", config.dampening)?;
        check_non_negative("weight_decay", config.weight_decay)?;
        if config.nesterov && (config.momentum <= 0.0 || config.dampening != 0.0) {
            return Err(Error::InvalidParameter {
                name: "nesterov",
                value: format!(
                    "momentum = {}, dampening = {}",
                    config.momentum, config.dampening
                ),
                expected: "momentum > 0 and dampening = 0",
            });
        }
        let slots = params
            .into_iter()
            .map(|(name, var)| Slot {
                name,
                var,
                momentum_buffer: None,
            })
            .collect();
        Ok(Self { config, slots })
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, grads: &GradStore) -> Result<()> {
        let c = self.config;
        for slot in &mut self.slots {
            let Some(grad) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let param = slot.var.as_tensor().detach();
            let mut grad = grad.detach();
            if c.weight_decay != 0.0 {
                grad = (grad + param.affine(c.weight_decay, 0.0)?)?;
            }
            if c.momentum != 0.0 {
                let buffer = match slot.momentum_buffer.take() {
                    None => grad.copy()?,
                    Some(b) => {
                        (b.affine(c.momentum, 0.0)? + grad.affine(1.0 - c.dampening, 0.0)?)?
                    }
                };
                grad = if c.nesterov {
                    (grad + buffer.affine(c.momentum, 0.0)?)?
                } else {
                    buffer.clone()
                };
                slot.momentum_buffer = Some(buffer);
            }
            slot.var.set(&(param - grad.affine(c.lr, 0.0)?)?)?;
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    fn kind(&self) -> &'static str {
        "sgd"
    }

    fn state(&self) -> Result<HashMap<String, Tensor>> {
        let mut out = HashMap::new();
        for slot in &self.slots {
            if let Some(b) = &slot.momentum_buffer {
                out.insert(format!("{}.momentum_buffer", slot.name), b.copy()?);
            }
        }
        Ok(out)
    }

    fn load_state(&mut self, state: &HashMap<String, Tensor>) -> Result<()> {
        let mut loaded = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let key = format!("{}.momentum_buffer", slot.name);
            loaded.push(match state.get(&key) {
                Some(t) => Some(fitting_buffer(&key, t, &slot.var)?),
                None => None,
            });
        }
        for (slot, buffer) in self.slots.iter_mut().zip(loaded) {
            slot.momentum_buffer = buffer;
        }
        Ok(())
    }
}
