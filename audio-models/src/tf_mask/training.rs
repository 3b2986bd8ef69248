//! Training the T-F mask separator: magnitude STFTs of augmented
//! excerpts, MSE between each masked estimate and its source's magnitude
//! (the joint objective of Huang et al. 2014, without the discriminative
//! term), Adam.

use std::collections::HashMap;
use std::path::Path;

use audio_dsp::{Stft, Transform};
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use ndarray::Array2;

use super::config::TfMaskConfig;
use super::model::TfMaskNet;
use super::separator::magnitude_batch;
use crate::open_unmix::{umx_stft_config, AugmentConfig, StemDataset};
use crate::separation_data::{StemCuts, StemExample, StemExcerpts};
use crate::training::{
    named_vars, Adam, AdamConfig, PlateauConfig, ReduceLrOnPlateau, TrainReport, TrainTask,
    Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of the T-F mask separator in checkpoints and on
/// the command line.
pub const ARCHITECTURE: &str = "tf-mask";

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network; its targets must be sources of the dataset.
    pub model: TfMaskConfig,
    /// Excerpt length in seconds.
    pub seq_seconds: f64,
    /// Excerpts per batch.
    pub batch_size: usize,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Augmentations (Open-Unmix's: gain, channel swap, remixing, noise).
    pub augment: AugmentConfig,
    /// Seconds of each validation song scored, in excerpts.
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
    /// Settings for `model`: 2 s excerpts, batch 8, 20 steps per epoch,
    /// Adam 1e-3 with a plateau schedule, patience 20.
    pub fn new(model: TfMaskConfig) -> Self {
        Self {
            model,
            seq_seconds: 2.0,
            batch_size: 8,
            steps_per_epoch: 20,
            epochs: 1000,
            patience: 20,
            lr: 1e-3,
            augment: AugmentConfig::default(),
            valid_seconds: Some(10.0),
            time_limit_seconds: None,
            seed: 42,
            resume: false,
            checkpoint_every: None,
            progress: false,
        }
    }
}

struct TfMaskTask {
    net: TfMaskNet,
    stft: Stft<f32>,
    /// Dataset index of each named target.
    target_index: Vec<usize>,
    residual: bool,
    architecture: serde_json::Value,
}

impl TfMaskTask {
    fn loss(&self, batch: &[StemExample]) -> Result<Tensor> {
        let mut xs = Vec::with_capacity(batch.len());
        let mut ys = Vec::with_capacity(batch.len());
        for (mix, stems) in batch {
            xs.push(magnitude_batch(
                &self.stft.process_multichannel(mix.view())?,
            )?);
            let mut outs = Vec::with_capacity(self.target_index.len() + 1);
            let mut rest: Array2<f32> = mix.clone();
            for &i in &self.target_index {
                outs.push(magnitude_batch(
                    &self.stft.process_multichannel(stems[i].view())?,
                )?);
                rest -= &stems[i];
            }
            if self.residual {
                outs.push(magnitude_batch(
                    &self.stft.process_multichannel(rest.view())?,
                )?);
            }
            // (channels, K, frames, bins)
            ys.push(Tensor::stack(&outs, 1)?);
        }
        let x = Tensor::cat(&xs, 0)?;
        let y = Tensor::cat(&ys, 0)?;
        let est = self.net.forward(&x)?;
        Ok(candle_nn::loss::mse(&est, &y)?)
    }
}

impl TrainTask for TfMaskTask {
    type Item = StemExample;

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains the T-F mask separator on `train`, validating on `valid`, into
/// `out_dir` (`best/` loads with
/// [`TfMaskSeparator::load`](super::TfMaskSeparator::load)).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a target the data lacks, a rate other
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
        "T-F mask training or validation songs",
        train,
        valid,
        mc.sample_rate,
        (config.batch_size, config.steps_per_epoch, config.epochs),
    )?;
    if !(config.seq_seconds.is_finite() && config.seq_seconds > 0.0 && config.seq_seconds < 600.0) {
        return Err(Error::InvalidParameter {
            name: "seq_seconds",
            value: config.seq_seconds.to_string(),
            expected: "a duration in (0, 600) s",
        });
    }
    let target_index =
        crate::separation_data::source_indices(train, valid, &mc.targets, "targets")?;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "validated seconds times a sample rate"
    )]
    let samples = ((config.seq_seconds * f64::from(mc.sample_rate)) as usize).max(mc.n_fft);
    let store = SeededVarMap::new(config.seed);
    let net = TfMaskNet::new(mc, store.var_builder(DType::F32, &Device::Cpu))?;
    let excerpts = StemExcerpts::new(
        train,
        samples,
        config.augment,
        config.steps_per_epoch * config.batch_size,
        config.seed,
    );
    let cuts = StemCuts::new(valid, samples, config.valid_seconds, 64)?;
    if cuts.0.is_empty() {
        return Err(Error::Empty {
            what: "T-F mask validation excerpts (songs shorter than one excerpt)",
        });
    }
    let vars: HashMap<String, candle_core::Var> = named_vars(store.varmap())?.into_iter().collect();
    let optimizer = Adam::new(
        vars.into_iter().collect(),
        AdamConfig {
            lr: config.lr,
            ..AdamConfig::default()
        },
    )?;
    let scheduler = ReduceLrOnPlateau::new(
        config.lr,
        PlateauConfig {
            factor: 0.3,
            patience: 40,
            cooldown: 10,
            ..PlateauConfig::default()
        },
    )?;
    let trainer_config = TrainerConfig {
        epochs: config.epochs,
        batch_size: config.batch_size,
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
            "seq_seconds": config.seq_seconds,
            "steps_per_epoch": config.steps_per_epoch,
            "valid_seconds": config.valid_seconds,
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        Some(Box::new(scheduler)),
    )?;
    let architecture =
        crate::separation_data::architecture_record(mc, ARCHITECTURE, "T-F mask configuration")?;
    let mut task = TfMaskTask {
        net,
        stft: Stft::new(umx_stft_config(mc.n_fft, mc.hop_length))?,
        target_index,
        residual: mc.residual,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &cuts)
}
