//! The trainer shared by every model: optimizers ([`Adam`], [`AdamW`],
//! [`Sgd`]) on candle `Var`s with exportable state, learning-rate schedules
//! ([`StepLr`], [`CosineAnnealingLr`], [`ReduceLrOnPlateau`]), gradient
//! clipping ([`clip_grad_norm`]), a [`Dataset`] trait with a seeded
//! [`Batcher`], checkpoints (safetensors + JSON sidecar) that resume exactly,
//! and the [`Trainer`] loop with validation, early stopping, best-checkpoint
//! keeping, a progress bar and CSV/JSON logs.
//!
//! The update and schedule formulas are PyTorch's (`torch.optim`,
//! `torch.optim.lr_scheduler`, `torch.nn.utils.clip_grad_norm_`); each type
//! documents its own.

mod adam;
mod checkpoint;
mod clip;
mod data;
mod excerpts;
mod log;
mod memory;
mod optimizer;
mod schedule;
mod sgd;
mod trainer;

pub use adam::{Adam, AdamConfig, AdamW};
pub use checkpoint::{
    load_checkpoint, load_weights, read_checkpoint_info, read_trained, save_checkpoint,
    CheckpointInfo, OptimizerInfo, PartialEpoch, RngInfo, TrainProgress, CHECKPOINT_FORMAT,
    OPTIMIZER_FILE, SIDECAR_FILE, WEIGHTS_FILE,
};
pub use clip::clip_grad_norm;
pub use data::{stack_pairs, Batcher, Dataset, TensorDataset};
pub(crate) use excerpts::ExcerptPositions;
pub use log::{log_csv, write_logs, EpochRecord, LOG_CSV, LOG_JSON};
pub use memory::{resident_memory, ResidentMemory};
pub use optimizer::{named_vars, Optimizer};
pub use schedule::{
    CosineAnnealingLr, LrScheduler, PlateauConfig, PlateauMode, ReduceLrOnPlateau, StepLr,
    ThresholdMode,
};
pub use sgd::{Sgd, SgdConfig};
pub use trainer::{TrainReport, TrainTask, Trainer, TrainerConfig, BEST_DIR, LAST_DIR};
