//! Learning-rate schedules, stepped once per epoch, as PyTorch's
//! `torch.optim.lr_scheduler.{StepLR, CosineAnnealingLR, ReduceLROnPlateau}`.

use serde::{Deserialize, Serialize};

use super::optimizer::check_non_negative;
use crate::error::{Error, Result};

/// A learning-rate schedule stepped once per epoch.
///
/// [`LrScheduler::step`] takes the epoch's validation metric (ignored by
/// the schedules that do not watch one) and returns the learning rate of the
/// next epoch. The state saves as JSON so a run resumes exactly.
pub trait LrScheduler {
    /// The learning rate the schedule currently gives.
    fn learning_rate(&self) -> f64;

    /// Ends an epoch whose validation metric was `metric`; returns the next
    /// epoch's learning rate.
    fn step(&mut self, metric: f64) -> f64;

    /// The state, as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::StateJson`] if it cannot be written (a non-finite number is
    /// written as `null` and read back as such).
    fn state(&self) -> Result<serde_json::Value>;

    /// Restores a state written by [`LrScheduler::state`].
    ///
    /// # Errors
    ///
    /// [`Error::StateJson`] when `state` is not this schedule's.
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()>;
}

fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|source| Error::StateJson { what, source })
}

fn from_json<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    value: &serde_json::Value,
) -> Result<T> {
    T::deserialize(value).map_err(|source| Error::StateJson { what, source })
}

/// Decays the learning rate by `gamma` every `step_size` epochs, as
/// `torch.optim.lr_scheduler.StepLR`:
///
/// ```text
/// lr_e = lr_{e-1} * gamma   if e > 0 and e % step_size == 0,   else lr_{e-1}
/// ```
///
/// (`lr_e = base_lr * gamma^floor(e / step_size)`, computed by PyTorch's
/// recursive products).
///
/// ```
/// use audio_models::training::{LrScheduler, StepLr};
///
/// let mut s = StepLr::new(1.0, 2, 0.5)?;
/// let lrs: Vec<f64> = (0..5).map(|_| s.step(0.0)).collect();
/// assert_eq!(lrs, [1.0, 0.5, 0.5, 0.25, 0.25]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepLr {
    step_size: usize,
    gamma: f64,
    /// PyTorch's `last_epoch`.
    last_epoch: usize,
    lr: f64,
}

impl StepLr {
    /// A schedule starting at `base_lr`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `step_size = 0` or a negative or
    /// non-finite `base_lr` or `gamma`.
    pub fn new(base_lr: f64, step_size: usize, gamma: f64) -> Result<Self> {
        check_non_negative("base_lr", base_lr)?;
        check_non_negative("gamma", gamma)?;
        if step_size == 0 {
            return Err(Error::InvalidParameter {
                name: "step_size",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(Self {
            step_size,
            gamma,
            last_epoch: 0,
            lr: base_lr,
        })
    }
}

impl LrScheduler for StepLr {
    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn step(&mut self, _metric: f64) -> f64 {
        self.last_epoch += 1;
        if self.last_epoch.is_multiple_of(self.step_size) {
            self.lr *= self.gamma;
        }
        self.lr
    }

    fn state(&self) -> Result<serde_json::Value> {
        to_json("StepLr state", self)
    }

    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        *self = from_json("StepLr state", state)?;
        Ok(())
    }
}

/// Cosine annealing from `base_lr` to `eta_min` over `t_max` epochs, as
/// `torch.optim.lr_scheduler.CosineAnnealingLR`. Its closed form is
///
/// ```text
/// lr_e = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / t_max)) / 2
/// ```
///
/// computed, as PyTorch, by the recursive form
///
/// ```text
/// lr_e = lr_{e-1} + (base_lr - eta_min) * (1 - cos(pi / t_max)) / 2      if (e - 1 - t_max) % (2 t_max) == 0
/// lr_e = (1 + cos(pi e / t_max)) / (1 + cos(pi (e - 1) / t_max)) * (lr_{e-1} - eta_min) + eta_min   otherwise
/// ```
///
/// (so past `t_max` it rises again, periodically).
///
/// ```
/// use audio_models::training::{CosineAnnealingLr, LrScheduler};
///
/// let mut s = CosineAnnealingLr::new(1.0, 4, 0.0)?;
/// let lrs: Vec<f64> = (0..4).map(|_| s.step(0.0)).collect();
/// assert!((lrs[1] - 0.5).abs() < 1e-12 && lrs[3].abs() < 1e-12);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CosineAnnealingLr {
    base_lr: f64,
    t_max: usize,
    eta_min: f64,
    last_epoch: usize,
    lr: f64,
}

impl CosineAnnealingLr {
    /// A schedule from `base_lr` down to `eta_min` in `t_max` epochs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `t_max = 0` or a negative or
    /// non-finite `base_lr` or `eta_min`.
    pub fn new(base_lr: f64, t_max: usize, eta_min: f64) -> Result<Self> {
        check_non_negative("base_lr", base_lr)?;
        check_non_negative("eta_min", eta_min)?;
        if t_max == 0 {
            return Err(Error::InvalidParameter {
                name: "t_max",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(Self {
            base_lr,
            t_max,
            eta_min,
            last_epoch: 0,
            lr: base_lr,
        })
    }
}

impl LrScheduler for CosineAnnealingLr {
    fn learning_rate(&self) -> f64 {
        self.lr
    }

    #[allow(clippy::cast_precision_loss, reason = "epoch counts < 2^53")]
    fn step(&mut self, _metric: f64) -> f64 {
        self.last_epoch += 1;
        let e = self.last_epoch as f64;
        let t_max = self.t_max as f64;
        let pi = std::f64::consts::PI;
        // (e - 1 - t_max) mod 2 t_max, non-negative as Python's %.
        let phase =
            (self.last_epoch as i128 - 1 - self.t_max as i128).rem_euclid(2 * self.t_max as i128);
        self.lr = if phase == 0 {
            self.lr + (self.base_lr - self.eta_min) * (1.0 - (pi / t_max).cos()) / 2.0
        } else {
            (1.0 + (pi * e / t_max).cos()) / (1.0 + (pi * (e - 1.0) / t_max).cos())
                * (self.lr - self.eta_min)
                + self.eta_min
        };
        self.lr
    }

    fn state(&self) -> Result<serde_json::Value> {
        to_json("CosineAnnealingLr state", self)
    }

    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        *self = from_json("CosineAnnealingLr state", state)?;
        Ok(())
    }
}

/// Whether a lower or a higher metric is better ([`ReduceLrOnPlateau`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlateauMode {
    /// Lower is better (a loss); PyTorch's default `"min"`.
    Min,
    /// Higher is better (an accuracy, an SDR).
    Max,
}

/// How [`ReduceLrOnPlateau`] compares against the best metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdMode {
    /// Better means `a < best * (1 - threshold)` (min mode); PyTorch's default
    /// `"rel"`.
    Rel,
    /// Better means `a < best - threshold` (min mode).
    Abs,
}

/// Hyper-parameters of [`ReduceLrOnPlateau`]; [`Default`] is PyTorch's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauConfig {
    /// `mode` (default [`PlateauMode::Min`]).
    pub mode: PlateauMode,
    /// `factor` the learning rate is multiplied by (default `0.1`).
    pub factor: f64,
    /// `patience`: epochs without improvement tolerated (default `10`).
    pub patience: usize,
    /// `threshold` of a significant improvement (default `1e-4`).
    pub threshold: f64,
    /// `threshold_mode` (default [`ThresholdMode::Rel`]).
    pub threshold_mode: ThresholdMode,
    /// `cooldown` epochs after a reduction (default `0`).
    pub cooldown: usize,
    /// `min_lr` (default `0`).
    pub min_lr: f64,
    /// `eps`: reductions smaller than this are skipped (default `1e-8`).
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        Self {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Reduces the learning rate when the metric stops improving, as
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`. Each epoch:
///
/// ```text
/// if better(metric, best): best = metric, bad = 0   else bad += 1
/// if cooldown_counter > 0: cooldown_counter -= 1, bad = 0
/// if bad > patience: lr = max(lr * factor, min_lr) (if the change > eps),
///                    cooldown_counter = cooldown, bad = 0
/// ```
///
/// `better` (min mode) is `a < best * (1 - threshold)` (`Rel`) or
/// `a < best - threshold` (`Abs`); max mode mirrors it. A NaN metric is never
/// better.
///
/// ```
/// use audio_models::training::{LrScheduler, PlateauConfig, ReduceLrOnPlateau};
///
/// let cfg = PlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
/// let mut s = ReduceLrOnPlateau::new(1.0, cfg)?;
/// let lrs: Vec<f64> = [3.0, 2.0, 2.0, 2.0, 1.0].iter().map(|&m| s.step(m)).collect();
/// assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReduceLrOnPlateau {
    config: PlateauConfig,
    lr: f64,
    /// Best metric so far (`None` before the first epoch: PyTorch's `inf`).
    best: Option<f64>,
    num_bad_epochs: usize,
    cooldown_counter: usize,
    last_epoch: usize,
}

impl ReduceLrOnPlateau {
    /// A schedule starting at `base_lr`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a `factor` outside `[0, 1)`, or a
    /// negative or non-finite `base_lr`, `threshold`, `min_lr` or `eps`.
    pub fn new(base_lr: f64, config: PlateauConfig) -> Result<Self> {
        check_non_negative("base_lr", base_lr)?;
        super::optimizer::check_unit("factor", config.factor)?;
        check_non_negative("threshold", config.threshold)?;
        check_non_negative("min_lr", config.min_lr)?;
        check_non_negative("eps", config.eps)?;
        Ok(Self {
            config,
            lr: base_lr,
            best: None,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        })
    }

    /// The epochs since the last improvement.
    pub fn num_bad_epochs(&self) -> usize {
        self.num_bad_epochs
    }

    fn is_better(&self, a: f64) -> bool {
        let Some(best) = self.best else {
            return !a.is_nan();
        };
        let t = self.config.threshold;
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - t),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - t,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (1.0 + t),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + t,
        }
    }
}

impl LrScheduler for ReduceLrOnPlateau {
    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn step(&mut self, metric: f64) -> f64 {
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = Some(metric);
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            let new_lr = (self.lr * self.config.factor).max(self.config.min_lr);
            if self.lr - new_lr > self.config.eps {
                self.lr = new_lr;
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_epochs = 0;
        }
        self.lr
    }

    fn state(&self) -> Result<serde_json::Value> {
        to_json("ReduceLrOnPlateau state", self)
    }

    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        *self = from_json("ReduceLrOnPlateau state", state)?;
        Ok(())
    }
}
