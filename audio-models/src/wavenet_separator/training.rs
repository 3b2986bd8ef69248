//! Training the Wavenet separator as the reference's `main.py` does:
//! random windows of `input_length` samples, L1 between each output and
//! its source on the padded target field, Adam.

use std::path::Path;

use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};

use super::config::WavenetSeparatorConfig;
use super::network::WavenetSeparatorNet;
use crate::open_unmix::{AugmentConfig, StemDataset};
use crate::separation_data::{StemCuts, StemExample, StemExcerpts};
use crate::training::{
    named_vars, Adam, AdamConfig, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of the Wavenet separator in checkpoints and on
/// the command line.
pub const ARCHITECTURE: &str = "wavenet-separator";

/// Settings of [`train`] (the reference's `training` and `optimizer`
/// sections).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network; `sources` (and `difference`) must be sources of the
    /// dataset, which must be at the model's rate.
    pub model: WavenetSeparatorConfig,
    /// Windows per batch (`batch_size`, 10); each channel of an excerpt is
    /// one window.
    pub batch_size: usize,
    /// Batches per epoch (`num_steps_train`).
    pub steps_per_epoch: usize,
    /// Maximum epochs (`num_epochs`).
    pub epochs: usize,
    /// Early-stopping patience (`early_stopping_patience`, 16).
    pub patience: usize,
    /// Adam's learning rate (`lr`, 1e-3).
    pub lr: f64,
    /// Augmentations (gain, channel swap, remixing across songs).
    pub augment: AugmentConfig,
    /// Seconds of each validation song scored, in windows.
    pub valid_seconds: Option<f64>,
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, excerpts and augmentations.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Also checkpoint every this many steps.
    pub checkpoint_every: Option<usize>,
    /// Show progress.
    pub progress: bool,
}

impl TrainConfig {
    /// The reference's settings for `model`: batch 10, Adam 1e-3, patience 16.
    pub fn new(model: WavenetSeparatorConfig) -> Self {
        Self {
            model,
            batch_size: 10,
            steps_per_epoch: 20,
            epochs: 250,
            patience: 16,
            lr: 1e-3,
            augment: AugmentConfig {
                gain: (0.7, 1.0),
                channel_swap: 0.5,
                random_mix: true,
                noise_snr_db: None,
                sign_flip: 0.0,
            },
            valid_seconds: Some(10.0),
            time_limit_seconds: None,
            seed: 42,
            resume: false,
            checkpoint_every: None,
            progress: false,
        }
    }
}

struct WavenetTask {
    net: WavenetSeparatorNet,
    source_index: Vec<usize>,
    architecture: serde_json::Value,
}

impl WavenetTask {
    fn loss(&self, batch: &[StemExample]) -> Result<Tensor> {
        let c = self.net.config();
        let field = c.padded_target_field_length();
        let n = c.input_length();
        let start = (n - 1) / 2 - (c.target_field_length - 1) / 2 - c.target_padding;
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut windows = 0;
        for (mix, stems) in batch {
            for ch in 0..mix.nrows() {
                x.extend(mix.row(ch).iter().copied());
                for &i in &self.source_index {
                    y.extend(stems[i].row(ch).iter().skip(start).take(field).copied());
                }
                windows += 1;
            }
        }
        let x = Tensor::from_vec(x, (windows, 1, n), &Device::Cpu)?;
        let y = Tensor::from_vec(y, (windows, self.source_index.len(), field), &Device::Cpu)?;
        Ok(self.net.forward(&x)?.sub(&y)?.abs()?.mean_all()?)
    }
}

impl TrainTask for WavenetTask {
    type Item = StemExample;

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains the Wavenet separator on `train`, validating on `valid`, into
/// `out_dir` (`best/` loads with
/// [`WavenetSeparator::load`](super::WavenetSeparator::load)).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a source the data lacks, a rate other
/// than the model's or zero sizes; [`Error::Empty`] for an empty split; as
/// the trainer and the network.
pub fn train(
    train: &StemDataset,
    valid: &StemDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let mc = &config.model;
    mc.validate()?;
    crate::separation_data::check_training(
        "Wavenet separator training or validation songs",
        train,
        valid,
        mc.sample_rate,
        (config.batch_size, config.steps_per_epoch, config.epochs),
    )?;
    let source_index =
        crate::separation_data::source_indices(train, valid, &mc.sources, "sources")?;
    let store = SeededVarMap::new(config.seed);
    let net = WavenetSeparatorNet::new(mc.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
    // Each stereo excerpt gives two windows.
    let per_batch = config.batch_size.div_ceil(2);
    let excerpts = StemExcerpts::new(
        train,
        mc.input_length(),
        config.augment,
        config.steps_per_epoch * per_batch,
        config.seed,
    );
    let cuts = StemCuts::new(valid, mc.input_length(), config.valid_seconds, 64)?;
    if cuts.0.is_empty() {
        return Err(Error::Empty {
            what: "Wavenet separator validation windows (songs shorter than one window)",
        });
    }
    let optimizer = Adam::new(
        named_vars(store.varmap())?,
        AdamConfig {
            lr: config.lr,
            ..AdamConfig::default()
        },
    )?;
    let trainer_config = TrainerConfig {
        epochs: config.epochs,
        batch_size: per_batch,
        seed: config.seed,
        shuffle: false,
        drop_last: false,
        max_grad_norm: None,
        patience: Some(config.patience),
        out_dir: out_dir.as_ref().to_path_buf(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: config.checkpoint_every,
        extra: serde_json::json!({
            "steps_per_epoch": config.steps_per_epoch,
            "windows_per_batch": config.batch_size,
            "valid_seconds": config.valid_seconds,
            "loss": "L1",
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = crate::separation_data::architecture_record(
        mc,
        ARCHITECTURE,
        "Wavenet separator configuration",
    )?;
    let mut task = WavenetTask {
        net,
        source_index,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &cuts)
}
