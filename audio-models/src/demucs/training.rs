//! Training the waveform Demucs as the Demucs paper (Défossez et al. 2019,
//! section 4) does: random excerpts of every source, remixed across songs
//! with random gains and channel swaps, L1 loss between the estimated and
//! the true waveforms, Adam.

use std::path::Path;

use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};

use super::config::DemucsConfig;
use super::model::DemucsNet;
use crate::open_unmix::{AugmentConfig, StemDataset};
use crate::separation_data::{StemCuts, StemExample, StemExcerpts};
use crate::training::{
    named_vars, Adam, AdamConfig, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of Demucs in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "demucs";

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network; `sources` must be sources of the dataset.
    pub model: DemucsConfig,
    /// Excerpt length in seconds.
    pub segment_seconds: f64,
    /// Excerpts per batch.
    pub batch_size: usize,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate (the paper's 3e-4).
    pub lr: f64,
    /// L2 (MSE) instead of the paper's L1.
    pub l2: bool,
    /// Augmentations, as the package's `demucs.augment`: random gain in
    /// [0.25, 1.25], channel swap, sign flip (probability 0.5), and
    /// remixing of sources across songs, each source cut at its own random
    /// offset (which is what its random `Shift` does).
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
    /// Settings for `model`: 2 s excerpts, batch 4, 20 steps per epoch,
    /// Adam 3e-4, L1.
    pub fn new(model: DemucsConfig) -> Self {
        Self {
            model,
            segment_seconds: 2.0,
            batch_size: 4,
            steps_per_epoch: 20,
            epochs: 1000,
            patience: 20,
            lr: 3e-4,
            l2: false,
            augment: AugmentConfig {
                gain: (0.25, 1.25),
                channel_swap: 0.5,
                random_mix: true,
                noise_snr_db: None,
                sign_flip: 0.5,
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

struct DemucsTask {
    net: DemucsNet,
    source_index: Vec<usize>,
    l2: bool,
    architecture: serde_json::Value,
}

impl DemucsTask {
    fn loss(&self, batch: &[StemExample]) -> Result<Tensor> {
        let (c, n) = batch[0].0.dim();
        let mut x = Vec::with_capacity(batch.len() * c * n);
        let mut y = Vec::with_capacity(batch.len() * self.source_index.len() * c * n);
        for (mix, stems) in batch {
            x.extend(mix.iter().copied());
            for &i in &self.source_index {
                y.extend(stems[i].iter().copied());
            }
        }
        let b = batch.len();
        let x = Tensor::from_vec(x, (b, c, n), &Device::Cpu)?;
        let y = Tensor::from_vec(y, (b, self.source_index.len(), c, n), &Device::Cpu)?;
        let d = self.net.forward(&x)?.sub(&y)?;
        Ok(if self.l2 {
            d.sqr()?.mean_all()?
        } else {
            d.abs()?.mean_all()?
        })
    }
}

impl TrainTask for DemucsTask {
    type Item = StemExample;

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains a [`DemucsNet`] on `train`, validating on `valid`, into `out_dir`
/// (`best/` loads with [`Demucs::from_checkpoint`](super::Demucs::from_checkpoint)).
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
        "Demucs training or validation songs",
        train,
        valid,
        mc.samplerate,
        (config.batch_size, config.steps_per_epoch, config.epochs),
    )?;
    if mc.audio_channels != 2 {
        return Err(Error::InvalidParameter {
            name: "audio_channels",
            value: mc.audio_channels.to_string(),
            expected: "2 (the training excerpts are stereo)",
        });
    }
    if !(config.segment_seconds.is_finite()
        && config.segment_seconds > 0.0
        && config.segment_seconds < 600.0)
    {
        return Err(Error::InvalidParameter {
            name: "segment_seconds",
            value: config.segment_seconds.to_string(),
            expected: "a duration in (0, 600) s",
        });
    }
    let source_index =
        crate::separation_data::source_indices(train, valid, &mc.sources, "sources")?;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "validated seconds times a sample rate"
    )]
    let samples = ((config.segment_seconds * f64::from(mc.samplerate)) as usize).max(1);
    let store = SeededVarMap::new(config.seed);
    let net = DemucsNet::new(mc.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
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
            what: "Demucs validation excerpts (songs shorter than one excerpt)",
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
            "segment_seconds": config.segment_seconds,
            "steps_per_epoch": config.steps_per_epoch,
            "loss": if config.l2 { "L2" } else { "L1" },
            "valid_seconds": config.valid_seconds,
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture =
        crate::separation_data::architecture_record(mc, ARCHITECTURE, "Demucs configuration")?;
    let mut task = DemucsTask {
        net,
        source_index,
        l2: config.l2,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &cuts)
}
