//! Training MelGAN through the shared trainer: random excerpts and their
//! log-mel spectrograms; the generator's loss returned to the trainer, the
//! discriminator stepped inside the task by its own Adam.

use audio_nn::loss::MultiResolutionStftLoss;
use audio_nn::weight_norm::WeightNormVarMap;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use std::path::Path;

use super::config::MelGanConfig;
use super::discriminator::MultiScaleDiscriminator;
use super::generator::MelGanGenerator;
use super::loss::{discriminator_hinge_loss, feature_matching_loss, generator_hinge_loss};
use super::mel::LogMel;
use crate::datasets::TranscriptionDataset;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, ExcerptPositions, Optimizer, TrainReport, TrainTask,
    Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of MelGAN in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "melgan";

/// The prefix of the discriminator's weights in checkpoints (written with
/// the generator's so that a resumed run continues both).
pub const DISCRIMINATOR_PREFIX: &str = "discriminator.";

/// The auxiliary multi-resolution STFT loss's resolutions `(fft, hop,
/// window)` (Parallel WaveGAN's).
pub const STFT_RESOLUTIONS: [(usize, usize, usize); 3] =
    [(1024, 120, 600), (2048, 240, 1200), (512, 50, 240)];

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The model (generator and discriminator sizes).
    pub model: MelGanConfig,
    /// Samples per training excerpt (MelGAN's 8192), a multiple of the hop.
    pub segment_samples: usize,
    /// Excerpts per batch.
    pub batch_size: usize,
    /// Batches per epoch (random excerpts).
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience in epochs (on the validation STFT loss).
    pub patience: usize,
    /// Adam's learning rate for both networks (MelGAN's 1e-4, betas 0.5 and 0.9).
    pub lr: f64,
    /// Weight of feature matching (MelGAN's 10).
    pub lambda_feature: f64,
    /// Weight of the multi-resolution STFT loss (0: MelGAN as published).
    pub lambda_stft: f64,
    /// Epochs of the generator alone on the STFT loss before the
    /// discriminator joins (0: adversarial from the start).
    pub adversarial_start_epoch: usize,
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights and the excerpts.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Show progress.
    pub progress: bool,
}

impl Default for TrainConfig {
    /// MelGAN's recipe (excerpts of 8192, Adam 1e-4 (0.5, 0.9), feature
    /// matching 10) with the STFT loss at weight 45 (as HiFi-GAN weights its
    /// mel loss) and 2 epochs of it alone first; batches of 8, 50 an epoch,
    /// 100 epochs, patience 10.
    fn default() -> Self {
        Self {
            model: MelGanConfig::default(),
            segment_samples: 8192,
            batch_size: 8,
            steps_per_epoch: 50,
            epochs: 100,
            patience: 10,
            lr: 1e-4,
            lambda_feature: 10.0,
            lambda_stft: 45.0,
            adversarial_start_epoch: 2,
            time_limit_seconds: None,
            seed: 0,
            resume: false,
            progress: false,
        }
    }
}

/// An excerpt and its log-mel spectrogram, flattened `(n_mels, frames)`.
type Excerpt = (Vec<f32>, Vec<f32>);

struct Excerpts<'a> {
    songs: &'a [Vec<f32>],
    mel: &'a LogMel,
    segment: usize,
    positions: ExcerptPositions,
}

impl<'a> Excerpts<'a> {
    fn new(
        songs: &'a [Vec<f32>],
        mel: &'a LogMel,
        segment: usize,
        random: Option<(u64, usize)>,
    ) -> Self {
        let lengths = songs.iter().map(Vec::len).collect();
        Self {
            songs,
            mel,
            segment,
            positions: ExcerptPositions::new(lengths, segment, random),
        }
    }
}

impl Dataset for Excerpts<'_> {
    type Item = Excerpt;

    fn len(&self) -> usize {
        self.positions.len()
    }

    fn get(&self, index: usize) -> Result<Excerpt> {
        let (song, start) = self.positions.position(index)?;
        let audio = self.songs[song][start..start + self.segment].to_vec();
        let mel = self.mel.compute(&audio)?;
        Ok((audio, mel.iter().copied().collect()))
    }

    fn start_epoch(&self, epoch: usize) {
        self.positions.start_epoch(epoch);
    }
}

struct MelGanTask {
    model: MelGanConfig,
    g_store: WeightNormVarMap,
    d_store: WeightNormVarMap,
    d_optimizer: Adam,
    stft: MultiResolutionStftLoss,
    lambda_feature: f64,
    lambda_stft: f64,
    adversarial_start_epoch: usize,
    epoch: usize,
    architecture: serde_json::Value,
}

impl MelGanTask {
    /// The networks with their weight-normalised weights computed from the
    /// current variables (after the last optimiser steps).
    fn generator(&self) -> Result<MelGanGenerator> {
        MelGanGenerator::new(
            &self.model,
            self.g_store.var_builder(DType::F32, &Device::Cpu),
        )
    }

    fn discriminator(&self) -> Result<MultiScaleDiscriminator> {
        MultiScaleDiscriminator::new(
            &self.model,
            self.d_store.var_builder(DType::F32, &Device::Cpu),
        )
    }

    fn tensors(&self, batch: &[Excerpt]) -> Result<(Tensor, Tensor)> {
        let b = batch.len();
        let t = batch.first().map_or(0, |e| e.0.len());
        let frames = batch.first().map_or(0, |e| e.1.len()) / self.model.n_mels;
        let audio: Vec<f32> = batch.iter().flat_map(|e| e.0.iter().copied()).collect();
        let mel: Vec<f32> = batch.iter().flat_map(|e| e.1.iter().copied()).collect();
        Ok((
            Tensor::from_vec(audio, (b, 1, t), &Device::Cpu)?,
            Tensor::from_vec(mel, (b, self.model.n_mels, frames), &Device::Cpu)?,
        ))
    }
}

impl TrainTask for MelGanTask {
    type Item = Excerpt;

    fn train_loss(&mut self, batch: Vec<Excerpt>) -> Result<Tensor> {
        let (real, mel) = self.tensors(&batch)?;
        let fake = self.generator()?.forward(&mel)?;
        let stft = self.stft.forward(&fake, &real)?;
        if self.epoch < self.adversarial_start_epoch {
            return Ok(stft);
        }
        // The discriminator's step, on the generated audio detached.
        let discriminator = self.discriminator()?;
        let d_real = discriminator.forward(&real)?;
        let d_fake = discriminator.forward(&fake.detach())?;
        let loss_d = discriminator_hinge_loss(&d_real, &d_fake)?;
        self.d_optimizer.step(&loss_d.backward()?)?;
        // The generator's loss through the updated discriminator.
        let d_fake = self.discriminator()?.forward(&fake)?;
        let adversarial = generator_hinge_loss(&d_fake)?;
        let feature = feature_matching_loss(&d_real, &d_fake, self.model.discriminator_layers)?;
        Ok(((adversarial + (feature * self.lambda_feature)?)? + (stft * self.lambda_stft)?)?)
    }

    fn valid_loss(&mut self, batch: Vec<Excerpt>) -> Result<f64> {
        let (real, mel) = self.tensors(&batch)?;
        let fake = self.generator()?.forward(&mel)?;
        Ok(self
            .stft
            .forward(&fake, &real)?
            .to_dtype(DType::F64)?
            .to_scalar::<f64>()?)
    }

    fn start_epoch(&mut self, epoch: usize, _seed: u64) {
        self.epoch = epoch;
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }

    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        // Copies: the trainer's `VarMap` must not share the discriminator's
        // storage (setting a variable from its own value is refused).
        named_vars(self.d_store.varmap())?
            .into_iter()
            .map(|(k, v)| Ok((format!("{DISCRIMINATOR_PREFIX}{k}"), v.as_tensor().copy()?)))
            .collect()
    }

    fn restore_buffers(&mut self, varmap: &VarMap) -> Result<()> {
        let saved: std::collections::HashMap<String, Var> =
            named_vars(varmap)?.into_iter().collect();
        for (k, v) in named_vars(self.d_store.varmap())? {
            if let Some(s) = saved.get(&format!("{DISCRIMINATOR_PREFIX}{k}")) {
                v.set(s.as_tensor())?;
            }
        }
        Ok(())
    }
}

fn load_songs(data: &TranscriptionDataset, model: &MelGanConfig) -> Result<Vec<Vec<f32>>> {
    if data.sample_rate() != model.sample_rate {
        return Err(Error::InvalidParameter {
            name: "sample_rate",
            value: format!("{} Hz", data.sample_rate()),
            expected: "the model's sample rate (set it in the configuration)",
        });
    }
    (0..data.len())
        .map(|i| {
            let (samples, _) = data.get(i)?;
            Ok(audio_io::to_mono(&samples).row(0).to_vec())
        })
        .collect()
}

/// Trains a MelGAN on the songs of `train` (a transcription-layout split;
/// the MIDI is not used), validating on every whole excerpt of `valid` by
/// the multi-resolution STFT loss, into `out_dir` (`best/` loads with
/// [`super::MelGan::load`]).
///
/// Both networks are weight-normalised ([`WeightNormVarMap`]), as the
/// reference trains them.
///
/// Each step: the generator's audio from the excerpts' log-mel; for the
/// first `adversarial_start_epoch` epochs the STFT loss alone; then the
/// discriminator's hinge loss on real and (detached) generated audio, one
/// Adam step of the discriminator, and the generator's loss
/// `−Σ D(G(s)) + λ_fm · FM + λ_stft · STFT` for the trainer.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes, a segment that is not a
/// multiple of the hop, a bad configuration, a dataset at another rate,
/// or excerpts longer than every song of a split; the trainer's.
pub fn train(
    train: &TranscriptionDataset,
    valid: &TranscriptionDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let model_config = config.model.clone();
    model_config.validate()?;
    for (name, v) in [
        ("segment_samples", config.segment_samples),
        ("batch_size", config.batch_size),
        ("steps_per_epoch", config.steps_per_epoch),
        ("epochs", config.epochs),
    ] {
        if v == 0 {
            return Err(Error::InvalidParameter {
                name,
                value: "0".into(),
                expected: "> 0",
            });
        }
    }
    let hop = model_config.hop();
    if !config.segment_samples.is_multiple_of(hop) || config.segment_samples < 4 * hop {
        return Err(Error::InvalidParameter {
            name: "segment_samples",
            value: config.segment_samples.to_string(),
            expected: "a multiple of the hop, at least 4 hops",
        });
    }
    let mel = LogMel::new(&model_config)?;
    let train_songs = load_songs(train, &model_config)?;
    let valid_songs = load_songs(valid, &model_config)?;
    let train_set = Excerpts::new(
        &train_songs,
        &mel,
        config.segment_samples,
        Some((config.seed, config.batch_size * config.steps_per_epoch)),
    );
    let valid_set = Excerpts::new(&valid_songs, &mel, config.segment_samples, None);
    if train_set.positions.no_whole_excerpt() || valid_set.positions.no_whole_excerpt() {
        return Err(Error::InvalidParameter {
            name: "segment_samples",
            value: config.segment_samples.to_string(),
            expected: "no longer than the longest training and validation song",
        });
    }
    // Both networks weight-normalised, as the reference trains them (the
    // checkpoints hold `weight_g` / `weight_v`; `MelGan::load` folds them).
    // Building them once creates the variables.
    let g_store = WeightNormVarMap::new(config.seed);
    MelGanGenerator::new(&model_config, g_store.var_builder(DType::F32, &Device::Cpu))?;
    let d_store = WeightNormVarMap::new(config.seed.wrapping_add(1));
    MultiScaleDiscriminator::new(&model_config, d_store.var_builder(DType::F32, &Device::Cpu))?;
    let adam = AdamConfig {
        lr: config.lr,
        beta1: 0.5,
        beta2: 0.9,
        ..AdamConfig::default()
    };
    let d_optimizer = Adam::new(named_vars(d_store.varmap())?, adam)?;
    let optimizer = Adam::new(named_vars(g_store.varmap())?, adam)?;
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
        checkpoint_every: None,
        extra: serde_json::json!({
            "train_songs": train_songs.len(),
            "valid_excerpts": valid_set.len(),
            "segment_samples": config.segment_samples,
            "lambda_feature": config.lambda_feature,
            "lambda_stft": config.lambda_stft,
            "adversarial_start_epoch": config.adversarial_start_epoch,
            "validation_loss": "multi-resolution STFT (1024/120/600, 2048/240/1200, 512/50/240)",
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        g_store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = serde_json::to_value(&model_config).map_err(|source| Error::ModelJson {
        path: out_dir.as_ref().to_path_buf(),
        source,
    })?;
    let mut task = MelGanTask {
        model: model_config.clone(),
        g_store,
        d_store,
        d_optimizer,
        stft: MultiResolutionStftLoss::new(&STFT_RESOLUTIONS, DType::F32, &Device::Cpu)?,
        lambda_feature: config.lambda_feature,
        lambda_stft: config.lambda_stft,
        adversarial_start_epoch: config.adversarial_start_epoch,
        epoch: 0,
        architecture,
    };
    trainer.fit(&mut task, &train_set, &valid_set)
}
