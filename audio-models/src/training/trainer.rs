//! The training loop shared by every model: epochs of seeded mini-batches,
//! optimizer steps with optional clipping, a per-epoch schedule, validation,
//! early stopping, best and last checkpoints, a progress bar and logs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use candle_core::{DType, Tensor, Var};
use candle_nn::VarMap;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::checkpoint::{
    load_checkpoint, save_checkpoint, CheckpointInfo, OptimizerInfo, PartialEpoch, RngInfo,
    TrainProgress, CHECKPOINT_FORMAT, SIDECAR_FILE,
};
use super::log::{write_logs, EpochRecord};
use super::memory::resident_memory;
use super::optimizer::lock_vars;
use super::{clip_grad_norm, named_vars, Batcher, Dataset, LrScheduler, Optimizer};
use crate::error::{Error, Result};

/// The sub-directory of a run holding the last epoch's checkpoint.
pub const LAST_DIR: &str = "last";
/// The sub-directory of a run holding the best epoch's checkpoint.
pub const BEST_DIR: &str = "best";

/// What a model contributes to training: the loss of a batch.
pub trait TrainTask {
    /// One example, as the datasets give it.
    type Item;

    /// The scalar training loss of `batch` (a graph through the model's
    /// `Var`s, which the trainer differentiates).
    ///
    /// # Errors
    ///
    /// The model's own.
    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor>;

    /// The validation loss of `batch`; by default [`TrainTask::train_loss`]
    /// as a number (override for a model with dropout or another metric).
    ///
    /// # Errors
    ///
    /// The model's own; a candle error when the loss is not a scalar.
    fn valid_loss(&mut self, batch: Vec<Self::Item>) -> Result<f64> {
        let loss = self.train_loss(batch)?;
        Ok(loss.to_dtype(DType::F64)?.to_scalar::<f64>()?)
    }

    /// Called before each epoch (from 0) with the run's seed: a model that
    /// draws random numbers (augmentation, dropout) reseeds here, from
    /// `seed` and `epoch`, so that a resumed run draws the same.
    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        let _ = (epoch, seed);
    }

    /// The architecture configuration written into checkpoints, enough to
    /// rebuild the model.
    fn architecture(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// State that is not trained by gradients but belongs in checkpoints
    /// (BatchNorm running statistics, ...), by variable name. The trainer
    /// writes these into its `VarMap` before each checkpoint, so they are
    /// saved with the weights. None by default.
    ///
    /// # Errors
    ///
    /// The model's own.
    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        Ok(Vec::new())
    }

    /// Called after a resumed run loaded its checkpoint into the `VarMap`:
    /// a model with [`TrainTask::buffers`] reads them back from `varmap`.
    /// Nothing by default.
    ///
    /// # Errors
    ///
    /// The model's own.
    fn restore_buffers(&mut self, varmap: &VarMap) -> Result<()> {
        let _ = varmap;
        Ok(())
    }
}

/// The trainer's settings (the training arguments of the sidecar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerConfig {
    /// Total epochs of the run (a resumed run continues up to this).
    pub epochs: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// The seed of shuffling (and of [`TrainTask::start_epoch`]).
    pub seed: u64,
    /// Whether to shuffle the training set each epoch.
    pub shuffle: bool,
    /// Whether to drop the last, incomplete training batch.
    pub drop_last: bool,
    /// Clip the global gradient norm to this ([`clip_grad_norm`]).
    pub max_grad_norm: Option<f64>,
    /// Stop after this many epochs without a better validation loss.
    pub patience: Option<usize>,
    /// The run directory: `last/`, `best/`, `log.csv`, `log.json`.
    pub out_dir: PathBuf,
    /// Show a progress bar (only ever on a terminal).
    pub progress: bool,
    /// Continue from `out_dir/last` if it holds a checkpoint.
    pub resume: bool,
    /// Also write `out_dir/last` every this many optimizer steps within an
    /// epoch, so a run killed mid-epoch resumes from there (with the same
    /// result as an uninterrupted run).
    pub checkpoint_every: Option<usize>,
    /// Free-form arguments recorded in checkpoints (data root, model
    /// options, ...).
    pub extra: serde_json::Value,
    /// Stop after the epoch during which this many seconds of training
    /// (this invocation's) have passed. A time budget makes the number of
    /// epochs depend on the machine, so runs with one are not reproducible
    /// in length; `None` (the default) for none.
    #[serde(default)]
    pub max_seconds: Option<f64>,
}

impl TrainerConfig {
    /// Defaults: 10 epochs, batches of 16, seed 0, shuffled, no clipping, no
    /// early stopping, progress bar on, no resume.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            epochs: 10,
            batch_size: 16,
            seed: 0,
            shuffle: true,
            drop_last: false,
            max_grad_norm: None,
            patience: None,
            out_dir: out_dir.into(),
            progress: true,
            resume: false,
            checkpoint_every: None,
            extra: serde_json::Value::Null,
            max_seconds: None,
        }
    }
}

/// The outcome of [`Trainer::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// Epochs completed, over all resumed parts of the run.
    pub epochs: usize,
    /// The best validation loss and its epoch (from 1).
    pub best: Option<(usize, f64)>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Whether [`TrainerConfig::max_seconds`] ended the run.
    pub out_of_time: bool,
    /// Every epoch's record.
    pub history: Vec<EpochRecord>,
}

/// Runs epochs of training over a model's [`VarMap`].
///
/// Each epoch `e` (from 0): [`TrainTask::start_epoch`]; the shuffled batches
/// of [`Batcher`] (seed `seed + e`); for each, the loss, its gradients, the
/// optional clipping and an optimizer step; then the validation loss (the
/// training loss when the validation set is empty), the schedule's step (its
/// rate is set on the optimizer for the next epoch), best-checkpoint keeping
/// (`out_dir/best`, on a strictly lower validation loss), the last checkpoint
/// (`out_dir/last`), the logs, and early stopping after `patience` epochs
/// without improvement.
pub struct Trainer {
    config: TrainerConfig,
    varmap: VarMap,
    vars: Vec<Var>,
    optimizer: Box<dyn Optimizer>,
    scheduler: Option<Box<dyn LrScheduler>>,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("config", &self.config)
            .field("optimizer", &self.optimizer.kind())
            .finish_non_exhaustive()
    }
}

impl Trainer {
    /// A trainer of the variables in `varmap` (shared with the model: a
    /// `VarMap` clone is the same map).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `batch_size = 0` or a `max_grad_norm`
    /// that is not finite and positive.
    pub fn new(
        config: TrainerConfig,
        varmap: VarMap,
        optimizer: Box<dyn Optimizer>,
        scheduler: Option<Box<dyn LrScheduler>>,
    ) -> Result<Self> {
        Batcher::new(config.batch_size, config.seed)?;
        if config.checkpoint_every == Some(0) {
            return Err(Error::InvalidParameter {
                name: "checkpoint_every",
                value: "0".into(),
                expected: "at least 1 step",
            });
        }
        if let Some(m) = config.max_seconds {
            if !(m.is_finite() && m > 0.0) {
                return Err(Error::InvalidParameter {
                    name: "max_seconds",
                    value: m.to_string(),
                    expected: "a finite value > 0",
                });
            }
        }
        if let Some(m) = config.max_grad_norm {
            if !(m.is_finite() && m > 0.0) {
                return Err(Error::InvalidParameter {
                    name: "max_grad_norm",
                    value: m.to_string(),
                    expected: "a finite value > 0",
                });
            }
        }
        let vars = named_vars(&varmap)?.into_iter().map(|(_, v)| v).collect();
        Ok(Self {
            config,
            varmap,
            vars,
            optimizer,
            scheduler,
        })
    }

    /// The optimizer (its learning rate, its state).
    pub fn optimizer(&self) -> &dyn Optimizer {
        self.optimizer.as_ref()
    }

    fn batcher(&self) -> Batcher {
        Batcher {
            batch_size: self.config.batch_size,
            seed: self.config.seed,
            shuffle: self.config.shuffle,
            drop_last: self.config.drop_last,
        }
    }

    fn args(&self) -> Result<serde_json::Value> {
        serde_json::to_value(&self.config).map_err(|source| Error::StateJson {
            what: "training arguments",
            source,
        })
    }

    /// Writes the task's [`TrainTask::buffers`] into the `VarMap` (adding
    /// the ones it lacks), so that checkpoints hold them.
    fn sync_buffers<T: TrainTask>(&self, task: &T) -> Result<()> {
        let buffers = task.buffers()?;
        if buffers.is_empty() {
            return Ok(());
        }
        let mut data = lock_vars(&self.varmap)?;
        for (name, tensor) in buffers {
            match data.get(&name) {
                Some(var) => var.set(&tensor)?,
                None => {
                    data.insert(name, Var::from_tensor(&tensor)?);
                }
            }
        }
        Ok(())
    }

    /// The sidecar of a checkpoint written now.
    fn info(&self, run: &RunState<'_>, partial: Option<PartialEpoch>) -> Result<CheckpointInfo> {
        Ok(CheckpointInfo {
            format: CHECKPOINT_FORMAT,
            architecture: run.architecture.clone(),
            args: run.args.clone(),
            epoch: run.history.len(),
            metrics: run.history.last().cloned(),
            optimizer: OptimizerInfo {
                kind: self.optimizer.kind().to_string(),
                learning_rate: self.optimizer.learning_rate(),
            },
            scheduler: self.scheduler.as_ref().map(|s| s.state()).transpose()?,
            rng: RngInfo {
                seed: self.config.seed,
                next_epoch: partial.as_ref().map_or(run.history.len(), |p| p.epoch),
            },
            progress: run.progress.clone(),
            history: run.history.clone(),
            partial,
        })
    }

    /// Trains `task` on `train`, validating on `valid` each epoch, up to
    /// `config.epochs` epochs (continuing a checkpointed run when
    /// `config.resume` is set and `out_dir/last` holds one, from the middle
    /// of an epoch if it was written there).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for an empty training set (or one with no full batch
    /// under `drop_last`); [`Error::NonFinite`] when a training loss is NaN
    /// or infinite (`index`: the step within the epoch); those of the task,
    /// the optimizer, clipping and checkpoint writing/reading.
    pub fn fit<T, D, V>(&mut self, task: &mut T, train: &D, valid: &V) -> Result<TrainReport>
    where
        T: TrainTask,
        D: Dataset<Item = T::Item>,
        V: Dataset<Item = T::Item>,
    {
        let batcher = self.batcher();
        if batcher.batch_indices(train.len(), 0).is_empty() {
            return Err(Error::Empty {
                what: "training set",
            });
        }
        let out_dir = self.config.out_dir.clone();
        std::fs::create_dir_all(&out_dir).map_err(|source| Error::File {
            path: out_dir.clone(),
            source,
        })?;
        let architecture = task.architecture();
        let args = self.args()?;
        let mut run = RunState {
            architecture: &architecture,
            args: &args,
            progress: TrainProgress::default(),
            history: Vec::new(),
            last_dir: out_dir.join(LAST_DIR),
        };
        let mut partial = None;
        if self.config.resume && run.last_dir.join(SIDECAR_FILE).is_file() {
            let info = load_checkpoint(&run.last_dir, &self.varmap, self.optimizer.as_mut())?;
            if let (Some(s), Some(state)) = (self.scheduler.as_mut(), info.scheduler.as_ref()) {
                s.load_state(state)?;
            }
            run.progress = info.progress;
            run.history = info.history;
            partial = info.partial;
            task.restore_buffers(&self.varmap)?;
        }
        let show = self.config.progress && std::io::stderr().is_terminal();
        let started = Instant::now();
        let mut out_of_time = false;
        let mut epoch = run.history.len();
        while epoch < self.config.epochs && !run.progress.stopped_early && !out_of_time {
            let resume_from = partial.take().filter(|p| p.epoch == epoch);
            let record =
                self.run_epoch(task, train, valid, &batcher, epoch, show, &run, resume_from)?;
            let metric = record.valid_loss.unwrap_or(record.train_loss);
            if let Some(s) = self.scheduler.as_mut() {
                let lr = s.step(metric);
                self.optimizer.set_learning_rate(lr);
            }
            let progress = &mut run.progress;
            let improved = progress.best_metric.is_none_or(|b| metric < b) && metric.is_finite();
            if improved {
                progress.best_metric = Some(metric);
                progress.best_epoch = Some(epoch + 1);
                progress.bad_epochs = 0;
            } else {
                progress.bad_epochs += 1;
            }
            if let Some(p) = self.config.patience {
                progress.stopped_early = progress.bad_epochs >= p;
            }
            run.history.push(EpochRecord { improved, ..record });
            epoch += 1;
            let info = self.info(&run, None)?;
            self.sync_buffers(task)?;
            if improved {
                save_checkpoint(
                    &out_dir.join(BEST_DIR),
                    &self.varmap,
                    self.optimizer.as_ref(),
                    &info,
                )?;
            }
            save_checkpoint(&run.last_dir, &self.varmap, self.optimizer.as_ref(), &info)?;
            write_logs(&out_dir, &run.history)?;
            out_of_time = self
                .config
                .max_seconds
                .is_some_and(|m| started.elapsed().as_secs_f64() >= m);
        }
        Ok(TrainReport {
            epochs: epoch,
            best: run.progress.best_epoch.zip(run.progress.best_metric),
            stopped_early: run.progress.stopped_early,
            out_of_time,
            history: run.history,
        })
    }

    #[allow(clippy::cast_precision_loss, reason = "sample counts < 2^53")]
    #[allow(clippy::too_many_arguments, reason = "private helper of fit")]
    fn run_epoch<T, D, V>(
        &mut self,
        task: &mut T,
        train: &D,
        valid: &V,
        batcher: &Batcher,
        epoch: usize,
        show: bool,
        run: &RunState<'_>,
        resume_from: Option<PartialEpoch>,
    ) -> Result<EpochRecord>
    where
        T: TrainTask,
        D: Dataset<Item = T::Item>,
        V: Dataset<Item = T::Item>,
    {
        let started = Instant::now();
        let learning_rate = self.optimizer.learning_rate();
        task.start_epoch(epoch, self.config.seed);
        train.start_epoch(epoch);
        let batches = batcher.batch_indices(train.len(), epoch);
        let n_batches = batches.len();
        let bar = if show {
            let bar = ProgressBar::new(n_batches as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "epoch {prefix} [{bar:30}] {pos}/{len} {elapsed} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(format!("{}/{}", epoch + 1, self.config.epochs));
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut acc = resume_from.unwrap_or(PartialEpoch {
            epoch,
            ..PartialEpoch::default()
        });
        let (first, samples_before) = (acc.steps, acc.samples);
        bar.set_position(first as u64);
        for (step, indices) in batches.into_iter().enumerate().skip(first) {
            let batch = indices
                .into_iter()
                .map(|i| train.get(i))
                .collect::<Result<Vec<_>>>()?;
            let n = batch.len();
            let loss = task.train_loss(batch)?;
            let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
            if !value.is_finite() {
                return Err(Error::NonFinite {
                    what: "training loss",
                    index: step,
                });
            }
            let mut grads = loss.backward()?;
            if let Some(max_norm) = self.config.max_grad_norm {
                acc.norm_sum += clip_grad_norm(&self.vars, &mut grads, max_norm)?;
            }
            self.optimizer.step(&grads)?;
            acc.loss_sum += value * n as f64;
            acc.samples += n;
            acc.steps = step + 1;
            let rate =
                (acc.samples - samples_before) as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {:.5} {rate:.0} samples/s",
                acc.loss_sum / acc.samples as f64
            ));
            bar.inc(1);
            if let Some(every) = self.config.checkpoint_every {
                if acc.steps.is_multiple_of(every) && acc.steps < n_batches {
                    let info = self.info(run, Some(acc.clone()))?;
                    self.sync_buffers(task)?;
                    save_checkpoint(&run.last_dir, &self.varmap, self.optimizer.as_ref(), &info)?;
                }
            }
        }
        let train_seconds = started.elapsed().as_secs_f64();
        let valid_loss = if valid.is_empty() {
            None
        } else {
            let mut sum = 0.0f64;
            let mut count = 0usize;
            let eval = Batcher {
                shuffle: false,
                drop_last: false,
                ..*batcher
            };
            for batch in eval.batches(valid, 0) {
                let batch = batch?;
                let n = batch.len();
                sum += task.valid_loss(batch)? * n as f64;
                count += n;
            }
            Some(sum / count.max(1) as f64)
        };
        let samples_f = acc.samples.max(1) as f64;
        let memory = resident_memory();
        let record = EpochRecord {
            epoch: epoch + 1,
            train_loss: acc.loss_sum / samples_f,
            valid_loss,
            learning_rate,
            grad_norm: self
                .config
                .max_grad_norm
                .map(|_| acc.norm_sum / n_batches.max(1) as f64),
            samples: acc.samples,
            seconds: started.elapsed().as_secs_f64(),
            samples_per_second: (acc.samples - samples_before) as f64 / train_seconds.max(1e-9),
            improved: false,
            resident_mib: memory.map(|m| m.resident_mib),
            peak_resident_mib: memory.map(|m| m.peak_mib),
        };
        if self.config.progress && !show {
            eprintln!(
                "epoch {}/{}: train loss {:.6}, valid loss {}, {:.1} samples/s, {:.1} s",
                epoch + 1,
                self.config.epochs,
                record.train_loss,
                valid_loss.map_or_else(|| "-".to_string(), |v| format!("{v:.6}")),
                record.samples_per_second,
                record.seconds
            );
        }
        bar.finish_with_message(format!(
            "loss {:.5} valid {} {:.0} samples/s",
            record.train_loss,
            valid_loss.map_or_else(|| "-".to_string(), |v| format!("{v:.5}")),
            record.samples_per_second
        ));
        Ok(record)
    }
}

/// What [`Trainer::fit`] carries between epochs.
struct RunState<'a> {
    architecture: &'a serde_json::Value,
    args: &'a serde_json::Value,
    progress: TrainProgress,
    history: Vec<EpochRecord>,
    last_dir: PathBuf,
}
