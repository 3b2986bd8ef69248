//! Training a denoising autoencoder on a denoising dataset
//! (`ROOT/<split>/{clean,noisy}/<id>.wav`) through the shared trainer: the
//! noisy spectrogram image is the input, the clean one the target (seed
//! 002), Adam, the seed's loss.

use std::collections::HashMap;
use std::path::Path;

use audio_dsp::SeededRng;
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;

use super::config::DenoiserConfig;
use super::loss::autoencoder_loss;
use super::network::{mse_per_item, AutoencoderNet};
use super::spectrogram::{ScaledSpectrogram, SpectrogramFrontEnd};
use crate::augment::item_seed;
use crate::datasets::DenoisingDataset;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture names of the two autoencoders in checkpoints and on the
/// command line.
pub const ARCHITECTURES: [&str; 2] = ["dcae", "vae"];

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network and front end.
    pub model: DenoiserConfig,
    /// Images per batch (the seed's 32).
    pub batch_size: usize,
    /// Maximum epochs (the seed's 50).
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate (the seed's 0.0005).
    pub lr: f64,
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, the order and the VAE's draws.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Show progress.
    pub progress: bool,
}

impl TrainConfig {
    /// The seed's hyperparameters for `model`: batches of 32, 50 epochs,
    /// Adam with learning rate 0.0005; patience 10.
    pub fn new(model: DenoiserConfig) -> Self {
        Self {
            model,
            batch_size: 32,
            epochs: 50,
            patience: 10,
            lr: 5e-4,
            time_limit_seconds: None,
            seed: 0,
            resume: false,
            progress: false,
        }
    }
}

/// Every pair of a split as `(noisy, clean)` scaled spectrogram images.
///
/// # Errors
///
/// The readers' and the front end's.
pub fn load_images(
    data: &DenoisingDataset,
    front: &SpectrogramFrontEnd,
) -> Result<Vec<(ScaledSpectrogram, ScaledSpectrogram)>> {
    (0..data.len())
        .map(|i| {
            let (noisy, clean) = data.paths(i)?;
            Ok((
                front.scaled(&front.load(&noisy)?)?,
                front.scaled(&front.load(&clean)?)?,
            ))
        })
        .collect()
}

/// A stack of images as `(batch, 1, bins, frames)`.
///
/// # Errors
///
/// Candle errors (images of different shapes).
pub fn image_batch<'a>(images: impl Iterator<Item = &'a ScaledSpectrogram>) -> Result<Tensor> {
    let mut data = Vec::new();
    let mut shape = (0, 0);
    let mut n = 0;
    for image in images {
        shape = image.values.dim();
        data.extend(image.values.iter().copied());
        n += 1;
    }
    Ok(Tensor::from_vec(
        data,
        (n, 1, shape.0, shape.1),
        &Device::Cpu,
    )?)
}

struct Pairs<'a>(&'a [(ScaledSpectrogram, ScaledSpectrogram)]);

impl<'a> Dataset for Pairs<'a> {
    type Item = &'a (ScaledSpectrogram, ScaledSpectrogram);

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        self.0.get(index).ok_or(Error::InvalidParameter {
            name: "index",
            value: index.to_string(),
            expected: "an index below the number of pairs",
        })
    }
}

struct DenoiserTask<'a> {
    net: AutoencoderNet,
    rng: SeededRng,
    architecture: serde_json::Value,
    items: std::marker::PhantomData<PairRef<'a>>,
}

type PairRef<'a> = &'a (ScaledSpectrogram, ScaledSpectrogram);

impl DenoiserTask<'_> {
    fn tensors(batch: &[PairRef<'_>]) -> Result<(Tensor, Tensor)> {
        Ok((
            image_batch(batch.iter().map(|p| &p.0))?,
            image_batch(batch.iter().map(|p| &p.1))?,
        ))
    }
}

impl<'a> TrainTask for DenoiserTask<'a> {
    type Item = PairRef<'a>;

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        let (x, y) = Self::tensors(&batch)?;
        let out = self.net.forward(&x, Some(&mut self.rng))?;
        let c = self.net.config();
        autoencoder_loss(
            c.kind,
            &out.reconstruction,
            &y,
            &out.encoded.mu,
            out.encoded.log_var.as_ref(),
            c.reconstruction_weight,
        )
    }

    /// The mean squared error of the deterministic reconstruction (the
    /// seed's test metric), in eval mode.
    fn valid_loss(&mut self, batch: Vec<Self::Item>) -> Result<f64> {
        let (x, y) = Self::tensors(&batch)?;
        let out = self.net.forward(&x, None)?;
        Ok(f64::from(
            mse_per_item(&out.reconstruction, &y)?
                .mean_all()?
                .to_scalar::<f32>()?,
        ))
    }

    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        self.rng = SeededRng::new(item_seed(seed, epoch as u64, u64::MAX));
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

/// Trains a denoising autoencoder on `train` (noisy image in, clean image
/// out), validating on `valid` by the mean squared error of the
/// deterministic reconstruction, into `out_dir` (`best/` loads with
/// [`super::SpectrogramDenoiser::load`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes or a bad configuration;
/// [`Error::Empty`] for an empty split; those of the readers and the trainer.
pub fn train(
    train: &DenoisingDataset,
    valid: &DenoisingDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let model = config.model.clone();
    model.validate()?;
    for (name, v) in [("batch_size", config.batch_size), ("epochs", config.epochs)] {
        if v == 0 {
            return Err(Error::InvalidParameter {
                name,
                value: "0".into(),
                expected: "> 0",
            });
        }
    }
    let front = SpectrogramFrontEnd::new(model.spectrogram.clone())?;
    let train_images = load_images(train, &front)?;
    let valid_images = load_images(valid, &front)?;
    let store = SeededVarMap::new(config.seed);
    let net = AutoencoderNet::new(model.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
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
        shuffle: true,
        drop_last: false,
        max_grad_norm: None,
        patience: Some(config.patience),
        out_dir: out_dir.as_ref().to_path_buf(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: None,
        extra: serde_json::json!({
            "train_pairs": train_images.len(),
            "valid_pairs": valid_images.len(),
            "loss": match model.kind {
                super::AutoencoderKind::Dcae => "mean squared error of the scaled dB image",
                super::AutoencoderKind::Vae => "alpha * MSE + KL per image, batch mean",
            },
            "valid_loss": "mean squared error of the reconstruction from the latent mean",
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = serde_json::to_value(&model).map_err(|source| Error::ModelJson {
        path: out_dir.as_ref().to_path_buf(),
        source,
    })?;
    let mut task = DenoiserTask {
        net,
        rng: SeededRng::new(config.seed),
        architecture,
        items: std::marker::PhantomData,
    };
    trainer.fit(&mut task, &Pairs(&train_images), &Pairs(&valid_images))
}
