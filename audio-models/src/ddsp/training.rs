//! Training a DDSP autoencoder on monophonic recordings through the shared
//! trainer: random excerpts, their f0 and loudness in, the excerpt out,
//! the multi-resolution STFT loss.

use audio_nn::init::SeededVarMap;
use audio_nn::loss::MultiResolutionStftLoss;
use audio_nn::synth::FilteredNoise;
use candle_core::{DType, Device, Tensor};
use std::path::Path;

use super::config::DdspConfig;
use super::features::{DdspFeatures, FeatureExtractor};
use super::model::Ddsp;
use crate::datasets::TranscriptionDataset;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, ExcerptPositions, TrainReport, TrainTask, Trainer,
    TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of DDSP in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "ddsp";

/// DDSP's loss resolutions: FFT sizes 2048 … 64, hop a quarter.
pub const LOSS_FFT_SIZES: [usize; 6] = [2048, 1024, 512, 256, 128, 64];

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The model.
    pub model: DdspConfig,
    /// Frames per training excerpt (250 = 2 s at the defaults).
    pub excerpt_frames: usize,
    /// Excerpts per batch.
    pub batch_size: usize,
    /// Batches per epoch (random excerpts).
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate (DDSP's 3e-4... 1e-3).
    pub lr: f64,
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
    /// 2 s excerpts, batches of 8, 50 batches an epoch, 100 epochs,
    /// patience 10, Adam 1e-3.
    fn default() -> Self {
        Self {
            model: DdspConfig::default(),
            excerpt_frames: 250,
            batch_size: 8,
            steps_per_epoch: 50,
            epochs: 100,
            patience: 10,
            lr: 1e-3,
            time_limit_seconds: None,
            seed: 0,
            resume: false,
            progress: false,
        }
    }
}

/// A song in memory: its samples and controls.
struct Song {
    samples: Vec<f32>,
    features: DdspFeatures,
}

fn load_songs(
    data: &TranscriptionDataset,
    extractor: &FeatureExtractor,
    model: &DdspConfig,
) -> Result<Vec<Song>> {
    if data.sample_rate() != model.sample_rate {
        return Err(Error::InvalidParameter {
            name: "sample_rate",
            value: format!("{} Hz", data.sample_rate()),
            expected: "the model's sample rate (render the dataset at it)",
        });
    }
    (0..data.len())
        .map(|i| {
            let (samples, _) = data.get(i)?;
            let samples = audio_io::to_mono(&samples).row(0).to_vec();
            let features = extractor.extract(&samples)?;
            Ok(Song { samples, features })
        })
        .collect()
}

/// One excerpt: samples, f0 and loudness.
type Excerpt = (Vec<f32>, Vec<f32>, Vec<f32>);

/// Excerpts of `frames` frames: at random positions (a fresh draw each
/// epoch) for training, or every whole excerpt in order for validation.
struct Excerpts<'a> {
    songs: &'a [Song],
    frames: usize,
    hop: usize,
    positions: ExcerptPositions,
}

impl<'a> Excerpts<'a> {
    fn new(songs: &'a [Song], frames: usize, hop: usize, random: Option<(u64, usize)>) -> Self {
        let lengths = songs.iter().map(|s| s.features.len()).collect();
        Self {
            songs,
            frames,
            hop,
            positions: ExcerptPositions::new(lengths, frames, random),
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
        let s = &self.songs[song];
        let f = s.features.slice(start, self.frames)?;
        let a = start * self.hop;
        Ok((
            s.samples[a..a + self.frames * self.hop].to_vec(),
            f.f0_hz,
            f.loudness_db,
        ))
    }

    fn start_epoch(&self, epoch: usize) {
        self.positions.start_epoch(epoch);
    }
}

struct DdspTask {
    model: Ddsp,
    noise: FilteredNoise,
    loss: MultiResolutionStftLoss,
    architecture: serde_json::Value,
}

impl DdspTask {
    fn loss(&self, batch: &[Excerpt]) -> Result<Tensor> {
        let b = batch.len();
        let t = batch.first().map_or(0, |e| e.1.len());
        let cat = |k: usize| -> Vec<f32> {
            batch
                .iter()
                .flat_map(|e| match k {
                    0 => e.0.iter(),
                    1 => e.1.iter(),
                    _ => e.2.iter(),
                })
                .copied()
                .collect()
        };
        let target = Tensor::from_vec(cat(0), (b, 1, t * self.model.config().hop), &Device::Cpu)?;
        let f0 = Tensor::from_vec(cat(1), (b, t), &Device::Cpu)?;
        let ld = Tensor::from_vec(cat(2), (b, t), &Device::Cpu)?;
        let audio = self.model.forward(&f0, &ld, &self.noise)?.unsqueeze(1)?;
        Ok(self.loss.forward(&audio, &target)?)
    }
}

impl TrainTask for DdspTask {
    type Item = Excerpt;

    fn train_loss(&mut self, batch: Vec<Excerpt>) -> Result<Tensor> {
        self.loss(&batch)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains a DDSP autoencoder on the songs of `train` (a transcription-layout
/// split of one monophonic instrument at the model's rate; the MIDI is not
/// used), validating on every whole excerpt of `valid`, into `out_dir`
/// (`best/` loads with [`Ddsp::load`]). Loss: the multi-resolution STFT
/// loss (spectral convergence + log-magnitude L1, FFT sizes
/// [`LOSS_FFT_SIZES`], hop a quarter).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes, a bad configuration, a
/// dataset at another rate, or excerpts longer than every song of a
/// split; the trainer's.
pub fn train(
    train: &TranscriptionDataset,
    valid: &TranscriptionDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let model_config = config.model.clone();
    model_config.validate()?;
    for (name, v) in [
        ("excerpt_frames", config.excerpt_frames),
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
    let extractor = FeatureExtractor::new(&model_config)?;
    let train_songs = load_songs(train, &extractor, &model_config)?;
    let valid_songs = load_songs(valid, &extractor, &model_config)?;
    let hop = model_config.hop;
    let train_set = Excerpts::new(
        &train_songs,
        config.excerpt_frames,
        hop,
        Some((config.seed, config.batch_size * config.steps_per_epoch)),
    );
    let valid_set = Excerpts::new(&valid_songs, config.excerpt_frames, hop, None);
    if train_set.positions.no_whole_excerpt() || valid_set.positions.no_whole_excerpt() {
        return Err(Error::InvalidParameter {
            name: "excerpt_frames",
            value: config.excerpt_frames.to_string(),
            expected: "no longer than the longest training and validation song",
        });
    }
    let store = SeededVarMap::new(config.seed);
    let model = Ddsp::new(
        model_config.clone(),
        store.var_builder(DType::F32, &Device::Cpu),
    )?;
    let noise = FilteredNoise::new(
        model_config.noise_bands,
        hop,
        config.excerpt_frames,
        model_config.noise_seed,
        &Device::Cpu,
    )?;
    let resolutions: Vec<(usize, usize, usize)> =
        LOSS_FFT_SIZES.iter().map(|&n| (n, n / 4, n)).collect();
    let loss = MultiResolutionStftLoss::new(&resolutions, DType::F32, &Device::Cpu)?;
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
        max_grad_norm: Some(3.0),
        patience: Some(config.patience),
        out_dir: out_dir.as_ref().to_path_buf(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: None,
        extra: serde_json::json!({
            "train_songs": train_songs.len(),
            "valid_excerpts": valid_set.len(),
            "loss": "multi-resolution STFT (spectral convergence + log-magnitude L1), FFT 2048..64, hop 1/4",
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = serde_json::to_value(&model_config).map_err(|source| Error::ModelJson {
        path: out_dir.as_ref().to_path_buf(),
        source,
    })?;
    let mut task = DdspTask {
        model,
        noise,
        loss,
        architecture,
    };
    trainer.fit(&mut task, &train_set, &valid_set)
}
