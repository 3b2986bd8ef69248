//! Training checkpoints: weights in safetensors, optimizer state in a second
//! safetensors file, and a JSON sidecar with everything else a run needs to
//! resume exactly (architecture, arguments, epoch, metrics, schedule, RNG).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use super::log::{write_file, EpochRecord};
use super::{named_vars, Optimizer};
use crate::error::{Error, Result};

/// The weights file of a checkpoint directory.
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// The optimizer-state file of a checkpoint directory.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// The JSON sidecar of a checkpoint directory.
pub const SIDECAR_FILE: &str = "checkpoint.json";
/// The version of the sidecar's layout.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// The optimizer's identity in a sidecar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerInfo {
    /// [`Optimizer::kind`].
    pub kind: String,
    /// The learning rate of the next step.
    pub learning_rate: f64,
}

/// The trainer's own progress, restored on resume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainProgress {
    /// The best monitored metric so far (validation loss, lower is better).
    pub best_metric: Option<f64>,
    /// The epoch (from 1) of the best metric.
    pub best_epoch: Option<usize>,
    /// Epochs since the last improvement (early stopping's counter).
    pub bad_epochs: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
}

/// The RNG position: shuffling is reseeded each epoch with `seed + epoch`,
/// so the seed and the next epoch determine every later draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngInfo {
    /// The run's seed.
    pub seed: u64,
    /// The next epoch (from 0) to draw for.
    pub next_epoch: usize,
}

/// How far an interrupted epoch had got, in a mid-epoch checkpoint
/// (`TrainerConfig::checkpoint_every`): resuming skips the batches already
/// trained on and continues the epoch's running sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialEpoch {
    /// The epoch (from 0) in progress.
    pub epoch: usize,
    /// Optimizer steps done in it.
    pub steps: usize,
    /// Sum of the batch losses, each times its batch size.
    pub loss_sum: f64,
    /// Examples trained on.
    pub samples: usize,
    /// Sum of the gradient norms before clipping.
    pub norm_sum: f64,
}

/// The JSON sidecar of a checkpoint (`checkpoint.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    /// [`CHECKPOINT_FORMAT`].
    pub format: u32,
    /// The model's architecture configuration, enough to rebuild it.
    pub architecture: serde_json::Value,
    /// The training arguments.
    pub args: serde_json::Value,
    /// Epochs completed.
    pub epoch: usize,
    /// The last epoch's record (`None` before any epoch).
    pub metrics: Option<EpochRecord>,
    /// The optimizer (its state is in [`OPTIMIZER_FILE`]).
    pub optimizer: OptimizerInfo,
    /// The learning-rate schedule's state, if there is a schedule.
    pub scheduler: Option<serde_json::Value>,
    /// The RNG position.
    pub rng: RngInfo,
    /// Best metric, early-stopping counter.
    pub progress: TrainProgress,
    /// Every epoch so far (the logs are rewritten from it on resume).
    pub history: Vec<EpochRecord>,
    /// The epoch in progress, for a checkpoint written mid-epoch.
    #[serde(default)]
    pub partial: Option<PartialEpoch>,
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::File {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a checkpoint into `dir` (created if needed): the `varmap`'s
/// tensors by name in [`WEIGHTS_FILE`], `optimizer`'s state in
/// [`OPTIMIZER_FILE`] and `info` in [`SIDECAR_FILE`] (written last, so a
/// directory with a sidecar is complete).
///
/// # Errors
///
/// [`Error::File`] when the directory or a file cannot be written; a candle
/// error from the safetensors writer; [`Error::StateJson`] from the sidecar.
pub fn save_checkpoint(
    dir: &Path,
    varmap: &VarMap,
    optimizer: &dyn Optimizer,
    info: &CheckpointInfo,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(file_error(dir))?;
    let weights: HashMap<String, Tensor> = named_vars(varmap)?
        .into_iter()
        .map(|(name, var)| (name, var.as_tensor().detach()))
        .collect();
    save_tensors(&dir.join(WEIGHTS_FILE), &weights)?;
    save_tensors(&dir.join(OPTIMIZER_FILE), &optimizer.state()?)?;
    let json = serde_json::to_string_pretty(info).map_err(|source| Error::StateJson {
        what: "checkpoint sidecar",
        source,
    })?;
    write_file(&dir.join(SIDECAR_FILE), json.as_bytes())
}

fn save_tensors(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let tmp = path.with_extension("tmp");
    candle_core::safetensors::save(tensors, &tmp)?;
    std::fs::rename(&tmp, path).map_err(file_error(path))
}

/// Reads the sidecar of the checkpoint in `dir`.
///
/// # Errors
///
/// [`Error::File`] when it cannot be read; [`Error::ModelJson`] when it is
/// malformed.
pub fn read_checkpoint_info(dir: &Path) -> Result<CheckpointInfo> {
    let path: PathBuf = dir.join(SIDECAR_FILE);
    let text = std::fs::read_to_string(&path).map_err(file_error(&path))?;
    serde_json::from_str(&text).map_err(|source| Error::ModelJson { path, source })
}

/// A trained model as its loaders read it: the checkpoint in `dir`, or in
/// `dir/best` when `dir` is a run directory. Returns the checkpoint's
/// architecture (the model's configuration as the training wrote it, to be
/// deserialised by the caller), its tensors on the CPU, and the sidecar's
/// path (for the caller's [`Error::ModelJson`]).
///
/// # Errors
///
/// [`Error::File`] when the sidecar or the weights cannot be read;
/// [`Error::ModelJson`] for a malformed sidecar; a candle error for a
/// malformed weight file.
pub fn read_trained(
    dir: &Path,
) -> Result<(
    serde_json::Value,
    std::collections::HashMap<String, candle_core::Tensor>,
    PathBuf,
)> {
    let mut dir = dir.to_path_buf();
    let best = dir.join(super::trainer::BEST_DIR);
    if !dir.join(SIDECAR_FILE).exists() && best.join(SIDECAR_FILE).exists() {
        dir = best;
    }
    let info = read_checkpoint_info(&dir)?;
    let path = dir.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&path).map_err(file_error(&path))?;
    let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)?;
    Ok((info.architecture, tensors, dir.join(SIDECAR_FILE)))
}

/// Sets every variable of `varmap` from the checkpoint weights in `dir`
/// (extra tensors in the file are ignored).
///
/// # Errors
///
/// [`Error::MissingKey`] for a variable the file lacks,
/// [`Error::WeightShape`] / [`Error::WeightDtype`] for one that does not
/// fit; a candle error when the file cannot be read.
pub fn load_weights(dir: &Path, varmap: &VarMap) -> Result<()> {
    let vars = named_vars(varmap)?;
    let device = vars
        .first()
        .map_or(Device::Cpu, |(_, v)| v.device().clone());
    let tensors = candle_core::safetensors::load(dir.join(WEIGHTS_FILE), &device)?;
    for (name, var) in &vars {
        let t = tensors.get(name).ok_or_else(|| Error::MissingKey {
            key: name.clone(),
            expected: var.dims().to_vec(),
        })?;
        let t = super::optimizer::fitting_buffer(name, t, var)?;
        var.set(&t)?;
    }
    Ok(())
}

/// Restores a whole checkpoint: the weights into `varmap`, the state into
/// `optimizer`; returns the sidecar (with the schedule's state and the
/// trainer's progress for the caller to restore).
///
/// # Errors
///
/// Those of [`read_checkpoint_info`] and [`load_weights`];
/// [`Error::InvalidParameter`] when the checkpoint's optimizer is another
/// algorithm; those of [`Optimizer::load_state`].
pub fn load_checkpoint(
    dir: &Path,
    varmap: &VarMap,
    optimizer: &mut dyn Optimizer,
) -> Result<CheckpointInfo> {
    let info = read_checkpoint_info(dir)?;
    if info.optimizer.kind != optimizer.kind() {
        return Err(Error::InvalidParameter {
            name: "optimizer",
            value: info.optimizer.kind.clone(),
            expected: "the optimizer kind the checkpoint was trained with",
        });
    }
    load_weights(dir, varmap)?;
    let device = named_vars(varmap)?
        .first()
        .map_or(Device::Cpu, |(_, v)| v.device().clone());
    let state = candle_core::safetensors::load(dir.join(OPTIMIZER_FILE), &device)?;
    optimizer.load_state(&state)?;
    optimizer.set_learning_rate(info.optimizer.learning_rate);
    Ok(info)
}
