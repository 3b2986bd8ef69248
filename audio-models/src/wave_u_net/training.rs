//! Training Wave-U-Net as Wave-U-Net-Pytorch's `train.py` does: random
//! excerpts of one input window, targets centre-cropped to the output,
//! L1 (default) or L2 loss over every source, Adam.

use std::collections::HashMap;
use std::path::Path;

use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use ndarray::Array2;

use super::blocks::crop_to;
use super::config::WaveUNetConfig;
use super::network::WaveUNet;
use crate::open_unmix::{AugmentConfig, StemDataset};
use crate::separation_data::{StemCuts, StemExample, StemExcerpts};
use crate::training::{
    named_vars, Adam, AdamConfig, CosineAnnealingLr, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of Wave-U-Net in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "wave-u-net";

/// Settings of [`train`] (names after `train.py`'s arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network; `instruments` must be sources of the dataset.
    pub model: WaveUNetConfig,
    /// Excerpts per batch (`--batch_size`, 4).
    pub batch_size: usize,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Stop after this many epochs without a better validation loss (`--patience`, 20).
    pub patience: usize,
    /// Adam's learning rate (`--lr`, 1e-3).
    pub lr: f64,
    /// The floor of the cosine schedule (`--min_lr`, 5e-5), reached after
    /// `epochs` epochs (the reference's cosine cycles restart; this one
    /// anneals once over the run).
    pub min_lr: f64,
    /// L2 instead of L1 (`--loss`).
    pub l2: bool,
    /// Augmentations: the reference's `random_amplify` is a gain in
    /// `[0.7, 1.0]` per source; the defaults add the channel swap and
    /// cross-song remixing of the Demucs paper.
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
    /// `train.py`'s settings for `model`: batch 4, Adam 1e-3, L1, patience
    /// 20, gains in `[0.7, 1.0]`, channel swap and remixing.
    pub fn new(model: WaveUNetConfig) -> Self {
        Self {
            model,
            batch_size: 4,
            steps_per_epoch: 20,
            epochs: 1000,
            patience: 20,
            lr: 1e-3,
            min_lr: 5e-5,
            l2: false,
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

struct WaveUNetTask {
    net: WaveUNet,
    /// For each of the model's sources, its index in the dataset's sources.
    source_index: Vec<usize>,
    l2: bool,
    architecture: serde_json::Value,
}

impl WaveUNetTask {
    /// `(batch, channels, n)` from each example's array picked by `pick`,
    /// averaged to mono for a mono model.
    fn stack(
        &self,
        batch: &[StemExample],
        pick: impl Fn(&StemExample) -> &Array2<f32>,
    ) -> Result<Tensor> {
        let channels = self.net.config().channels;
        let n = pick(&batch[0]).ncols();
        let mut data = Vec::with_capacity(batch.len() * channels * n);
        for ex in batch {
            let a = pick(ex);
            if channels == a.nrows() {
                data.extend(a.iter().copied());
            } else {
                let rows = a.nrows() as f32;
                data.extend((0..n).map(|t| a.column(t).sum() / rows));
            }
        }
        Ok(Tensor::from_vec(
            data,
            (batch.len(), channels, n),
            &Device::Cpu,
        )?)
    }

    fn loss(&self, batch: &[StemExample], train: bool) -> Result<Tensor> {
        let x = self.stack(batch, |ex| &ex.0)?;
        let ys = self.net.forward_t(&x, train)?;
        let out = self.net.shapes().output_frames;
        let mut total: Option<Tensor> = None;
        for (y, &i) in ys.iter().zip(&self.source_index) {
            let t = crop_to(&self.stack(batch, |ex| &ex.1[i])?, out)?;
            let d = y.sub(&t)?;
            let l = if self.l2 {
                d.sqr()?.mean_all()?
            } else {
                d.abs()?.mean_all()?
            };
            total = Some(match total {
                Some(s) => s.add(&l)?,
                None => l,
            });
        }
        let n = ys.len() as f64;
        total
            .ok_or(Error::Empty {
                what: "Wave-U-Net sources",
            })?
            .affine(1.0 / n, 0.0)
            .map_err(Into::into)
    }
}

impl TrainTask for WaveUNetTask {
    type Item = StemExample;

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch, true)
    }

    fn valid_loss(&mut self, batch: Vec<Self::Item>) -> Result<f64> {
        let loss = self.loss(&batch, false)?;
        Ok(loss.to_dtype(DType::F64)?.to_scalar::<f64>()?)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }

    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        Ok(self.net.running_stats())
    }

    fn restore_buffers(&mut self, varmap: &VarMap) -> Result<()> {
        let vars: HashMap<String, candle_core::Var> = named_vars(varmap)?.into_iter().collect();
        self.net
            .set_running_stats(|name| vars.get(name).map(|v| v.as_tensor().clone()))
    }
}

/// Trains a Wave-U-Net on `train`, validating on `valid`, into `out_dir`
/// (the trainer's `best/` and `last/` checkpoints and logs; `best/` loads
/// with [`WaveUNetSeparator::load`](super::WaveUNetSeparator::load)).
/// Each example is an input window of the network's `input_frames`
/// samples; the loss compares the outputs with the sources cut to the
/// output window.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a source the data lacks, a rate other
/// than the model's, or zero sizes; [`Error::Empty`] for an empty split;
/// as the trainer and the network.
pub fn train(
    train: &StemDataset,
    valid: &StemDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let mc = &config.model;
    mc.validate()?;
    crate::separation_data::check_training(
        "Wave-U-Net training or validation songs",
        train,
        valid,
        mc.sr,
        (config.batch_size, config.steps_per_epoch, config.epochs),
    )?;
    // With the difference output the last source is derived, but it is
    // still scored, so it must be in the data too.
    let source_index =
        crate::separation_data::source_indices(train, valid, &mc.instruments, "instruments")?;
    let store = SeededVarMap::new(config.seed);
    let net = WaveUNet::new(mc.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
    let input = net.shapes().input_frames;
    let excerpts = StemExcerpts::new(
        train,
        input,
        config.augment,
        config.steps_per_epoch * config.batch_size,
        config.seed,
    );
    let cuts = StemCuts::new(valid, input, config.valid_seconds, 64)?;
    if cuts.0.is_empty() {
        return Err(Error::Empty {
            what: "Wave-U-Net validation windows (songs shorter than one input window)",
        });
    }
    let trainable: Vec<(String, candle_core::Var)> = named_vars(store.varmap())?
        .into_iter()
        .filter(|(k, _)| !k.contains("running_"))
        .collect();
    let optimizer = Adam::new(
        trainable,
        AdamConfig {
            lr: config.lr,
            ..AdamConfig::default()
        },
    )?;
    let scheduler = CosineAnnealingLr::new(config.lr, config.epochs, config.min_lr)?;
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
            "steps_per_epoch": config.steps_per_epoch,
            "loss": if config.l2 { "L2" } else { "L1" },
            "min_lr": config.min_lr,
            "valid_seconds": config.valid_seconds,
            "shapes": net.shapes(),
            "augment": {
                "gain": [config.augment.gain.0, config.augment.gain.1],
                "channel_swap": config.augment.channel_swap,
                "random_mix": config.augment.random_mix,
            },
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
        crate::separation_data::architecture_record(mc, ARCHITECTURE, "Wave-U-Net configuration")?;
    let mut task = WaveUNetTask {
        net,
        source_index,
        l2: config.l2,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &cuts)
}
