//! Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as
//! `torch.optim.Adam` and `torch.optim.AdamW` (no AMSGrad, no `maximize`).

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::optimizer::{check_non_negative, check_unit, fitting_buffer, read_step, step_tensor};
use super::Optimizer;
use crate::error::{Error, Result};

/// Hyper-parameters of [`Adam`] and [`AdamW`], named as PyTorch's.
///
/// [`AdamConfig::default`] is `torch.optim.Adam`'s defaults,
/// [`AdamConfig::adamw`] `torch.optim.AdamW`'s (the same with
/// `weight_decay = 0.01`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamConfig {
    /// Learning rate `lr` (default `1e-3`).
    pub lr: f64,
    /// `betas[0]`, decay of the first moment (default `0.9`).
    pub beta1: f64,
    /// `betas[1]`, decay of the second moment (default `0.999`).
    pub beta2: f64,
    /// `eps`, added to the denominator (default `1e-8`).
    pub eps: f64,
    /// `weight_decay`: L2 penalty added to the gradient for [`Adam`], decoupled
    /// decay of the weights for [`AdamW`].
    pub weight_decay: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

impl AdamConfig {
    /// `torch.optim.AdamW`'s defaults: Adam's with `weight_decay = 0.01`.
    pub fn adamw() -> Self {
        Self {
            weight_decay: 1e-2,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("lr", self.lr)?;
        check_unit("beta1", self.beta1)?;
        check_unit("beta2", self.beta2)?;
        check_non_negative("eps", self.eps)?;
        check_non_negative("weight_decay", self.weight_decay)
    }
}

/// One parameter with its moment estimates.
#[derive(Debug)]
struct Slot {
    name: String,
    var: Var,
    step: u64,
    /// `exp_avg` and `exp_avg_sq`, created at the first step with a gradient.
    moments: Option<(Tensor, Tensor)>,
}

/// The shared algorithm; `decoupled` selects AdamW.
#[derive(Debug)]
struct AdamCore {
    config: AdamConfig,
    decoupled: bool,
    slots: Vec<Slot>,
}

impl AdamCore {
    fn new(params: Vec<(String, Var)>, config: AdamConfig, decoupled: bool) -> Result<Self> {
        config.validate()?;
        let slots = params
            .into_iter()
            .map(|(name, var)| Slot {
                name,
                var,
                step: 0,
                moments: None,
            })
            .collect();
        Ok(Self {
            config,
            decoupled,
            slots,
        })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        let c = self.config;
        for slot in &mut self.slots {
            let Some(grad) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let param = slot.var.as_tensor().detach();
            let mut grad = grad.detach();
            let mut param_new = param.clone();
            if c.weight_decay != 0.0 {
                if self.decoupled {
                    param_new = param.affine(1.0 - c.lr * c.weight_decay, 0.0)?;
                } else {
                    grad = (grad + param.affine(c.weight_decay, 0.0)?)?;
                }
            }
            slot.step += 1;
            let (m, v) = match slot.moments.take() {
                Some(mv) => mv,
                None => (grad.zeros_like()?, grad.zeros_like()?),
            };
            let m = (m.affine(c.beta1, 0.0)? + grad.affine(1.0 - c.beta1, 0.0)?)?;
            let v = (v.affine(c.beta2, 0.0)? + grad.sqr()?.affine(1.0 - c.beta2, 0.0)?)?;
            #[allow(
                clippy::cast_possible_truncation,
                reason = "powi of huge steps saturates to 0 anyway"
            )]
            let t = slot.step.min(i32::MAX as u64) as i32;
            let bias1 = 1.0 - c.beta1.powi(t);
            let bias2 = 1.0 - c.beta2.powi(t);
            let denom = v.sqrt()?.affine(1.0 / bias2.sqrt(), c.eps)?;
            let update = (&m / &denom)?.affine(c.lr / bias1, 0.0)?;
            slot.var.set(&(param_new - update)?)?;
            slot.moments = Some((m, v));
        }
        Ok(())
    }

    fn state(&self) -> Result<HashMap<String, Tensor>> {
        let mut out = HashMap::new();
        for slot in &self.slots {
            if let Some((m, v)) = &slot.moments {
                out.insert(format!("{}.exp_avg", slot.name), m.copy()?);
                out.insert(format!("{}.exp_avg_sq", slot.name), v.copy()?);
                out.insert(
                    format!("{}.step", slot.name),
                    step_tensor(slot.step, &slot.var)?,
                );
            }
        }
        Ok(out)
    }

    fn load_state(&mut self, state: &HashMap<String, Tensor>) -> Result<()> {
        let mut loaded = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let step_key = format!("{}.step", slot.name);
            let Some(step) = state.get(&step_key) else {
                loaded.push((0, None));
                continue;
            };
            let step = read_step(&step_key, step)?;
            let buffer = |suffix: &str| -> Result<Tensor> {
                let key = format!("{}.{suffix}", slot.name);
                let t = state.get(&key).ok_or_else(|| Error::MissingKey {
                    key: key.clone(),
                    expected: slot.var.dims().to_vec(),
                })?;
                fitting_buffer(&key, t, &slot.var)
            };
            let m = buffer("exp_avg")?;
            let v = buffer("exp_avg_sq")?;
            loaded.push((step, Some((m, v))));
        }
        for (slot, (step, moments)) in self.slots.iter_mut().zip(loaded) {
            slot.step = step;
            slot.moments = moments;
        }
        Ok(())
    }
}

macro_rules! adam_optimizer {
    ($name:ident, $decoupled:expr, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug)]
        pub struct $name(AdamCore);

        impl $name {
            /// An optimizer over `params` (for example [`named_vars`](super::named_vars)
            /// of a model's `VarMap`).
            ///
            /// # Errors
            ///
            /// [`Error::InvalidParameter`] for a negative or non-finite `lr`,
            /// `eps` or `weight_decay`, or a beta outside `[0, 1)`.
            pub fn new(params: Vec<(String, Var)>, config: AdamConfig) -> Result<Self> {
                Ok(Self(AdamCore::new(params, config, $decoupled)?))
            }

            /// The hyper-parameters (with the current learning rate).
            pub fn config(&self) -> &AdamConfig {
                &self.0.config
            }
        }

        impl Optimizer for $name {
            fn step(&mut self, grads: &GradStore) -> Result<()> {
                self.0.step(grads)
            }
            fn learning_rate(&self) -> f64 {
                self.0.config.lr
            }
            fn set_learning_rate(&mut self, lr: f64) {
                self.0.config.lr = lr;
            }
            fn kind(&self) -> &'static str {
                $kind
            }
            fn state(&self) -> Result<HashMap<String, Tensor>> {
                self.0.state()
            }
            fn load_state(&mut self, state: &HashMap<String, Tensor>) -> Result<()> {
                self.0.load_state(state)
            }
        }
    };
}

adam_optimizer!(
    Adam,
    false,
    "adam",
    "Adam, as `torch.optim.Adam` (`amsgrad = False`).

For each parameter `p` with gradient `g`, at step `t = 1, 2, ...`:

```text
g  = g + weight_decay * p                       (L2 penalty, if weight_decay != 0)
m  = beta1 * m + (1 - beta1) * g
v  = beta2 * v + (1 - beta2) * g^2
p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
```

with `m = v = 0` before the first step. The state exports as
`<name>.exp_avg`, `<name>.exp_avg_sq` and `<name>.step`.

# Example

```
use audio_models::training::{Adam, AdamConfig, Optimizer};
use candle_core::{Device, Var};

let w = Var::new(&[1.0f32, 2.0], &Device::Cpu)?;
let mut opt = Adam::new(vec![(\"w\".into(), w.clone())], AdamConfig { lr: 0.1, ..Default::default() })?;
let loss = w.as_tensor().sqr()?.sum_all()?; // gradient 2w
opt.step(&loss.backward()?)?;
// The first Adam step moves every coordinate by lr (up to eps).
let p: Vec<f32> = w.as_tensor().to_vec1()?;
assert!((p[0] - 0.9).abs() < 1e-6 && (p[1] - 1.9).abs() < 1e-6);
# Ok::<(), Box<dyn std::error::Error>>(())
```"
);

adam_optimizer!(
    AdamW,
    true,
    "adamw",
    "AdamW, as `torch.optim.AdamW` (decoupled weight decay, `amsgrad = False`).

For each parameter `p` with gradient `g`, at step `t = 1, 2, ...`:

```text
p  = p * (1 - lr * weight_decay)                (decoupled decay)
m  = beta1 * m + (1 - beta1) * g
v  = beta2 * v + (1 - beta2) * g^2
p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
```

Build it with [`AdamConfig::adamw`] for PyTorch's defaults
(`weight_decay = 0.01`). The state exports as [`Adam`]'s.

# Example

```
use audio_models::training::{AdamConfig, AdamW, Optimizer};
use candle_core::{Device, Var};

let w = Var::new(&[1.0f32], &Device::Cpu)?;
let mut opt = AdamW::new(vec![(\"w\".into(), w.clone())], AdamConfig { lr: 0.1, ..AdamConfig::adamw() })?;
let loss = w.as_tensor().sqr()?.sum_all()?;
opt.step(&loss.backward()?)?;
let p: Vec<f32> = w.as_tensor().to_vec1()?;
assert!((p[0] - (1.0 * (1.0 - 0.1 * 0.01) - 0.1)).abs() < 1e-6);
# Ok::<(), Box<dyn std::error::Error>>(())
```"
);
