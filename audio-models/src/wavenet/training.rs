//! Training WaveNet on a folder of labelled audio (the classification
//! layout `ROOT/<split>/<label>/*.wav`) through the shared trainer: random
//! excerpts, teacher-forced negative log-likelihood of the next sample
//! (cross-entropy of its μ-law class, or its discretized mixture of
//! logistics) over the positions that see a full receptive field, Adam.
//! With more than one label the model is conditioned globally on the
//! label; a model with local channels is conditioned on the excerpt's own
//! log-mel spectrogram (a WaveNet vocoder).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use audio_nn::init::SeededVarMap;
use audio_nn::mix_logistic::{discretized_mix_logistic_nll, LOG_SCALE_MIN};
use candle_core::{DType, Device, Tensor};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::config::WaveNetConfig;
use super::network::WaveNet;
use crate::augment::item_seed;
use crate::datasets::ClassificationDataset;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::vocoder::{LogMel, LogMelConfig, MEL_FLOOR};
use crate::{Error, Result};

/// The architecture name of WaveNet in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "wavenet";

/// An excerpt is drawn again (up to 16 times) unless more than 1 in 20 of
/// its samples exceed this magnitude (`1/255`: the edge of the 16th 8-bit
/// μ-law class from silence, about −48 dBFS): silence teaches only
/// silence.
const LOUD_LEVEL: f32 = 1.0 / 255.0;

/// What a WaveNet checkpoint's `architecture` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveNetArchitecture {
    /// The network.
    pub model: WaveNetConfig,
    /// The global classes' names (the dataset's labels), when conditioned.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The log-mel front end of the local conditioning, when the model
    /// takes one (`local_channels` bands, `local_hop` samples a frame).
    #[serde(default)]
    pub mel: Option<LogMelConfig>,
}

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network; `sample_rate` and `global_classes` are set from the
    /// dataset. With `local_channels: Some(L)` the model is conditioned on
    /// an `L`-band log-mel spectrogram of the audio with hop `local_hop`
    /// ([`LogMelConfig::for_hop`]).
    pub model: WaveNetConfig,
    /// Positions scored per excerpt (the input adds the receptive field).
    pub output_samples: usize,
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
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights and excerpts.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Show progress.
    pub progress: bool,
}

impl TrainConfig {
    /// Defaults for `model`: excerpts scoring 1024 samples, batches of 4,
    /// 25 batches an epoch, 100 epochs, patience 10, Adam 1e-3.
    pub fn new(model: WaveNetConfig) -> Self {
        Self {
            model,
            output_samples: 1024,
            batch_size: 4,
            steps_per_epoch: 25,
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

/// The μ-law classes of a signal (`librosa.mu_compress(quantize=True)`
/// shifted to `0..Q`).
///
/// # Errors
///
/// A non-finite sample.
pub fn audio_to_classes(audio: &[f32], quantization_channels: usize) -> Result<Vec<usize>> {
    let mu = (quantization_channels - 1) as f64;
    let half = (quantization_channels / 2) as i64;
    let codes = audio_dsp::mu_compress_quantized(audio, mu)?;
    #[allow(clippy::cast_sign_loss, reason = "codes are at least -Q/2")]
    Ok(codes.into_iter().map(|c| (c + half) as usize).collect())
}

/// One excerpt: samples (input then target shifted by one), the label and
/// the log-mel frames `(L, ⌈length / hop⌉)` covering it.
type Excerpt = (Vec<f32>, usize, Option<Array2<f32>>);

/// One file: mono samples, label, log-mel frames.
type Item = (Vec<f32>, usize, Option<Array2<f32>>);

struct Excerpts {
    items: Vec<Item>,
    /// Samples per excerpt: receptive field − 1 + output samples + 1.
    length: usize,
    count: usize,
    seed: u64,
    epoch: AtomicU64,
    random: bool,
    /// Samples per conditioning frame (excerpts start on a frame).
    hop: usize,
}

impl Excerpts {
    /// The excerpt of `file` from sample `start` (a multiple of the hop),
    /// zero-padded past the file's end (the mel with its floor).
    fn excerpt(&self, file: usize, start: usize) -> Excerpt {
        let (audio, label, mel) = &self.items[file];
        let mut out = vec![0.0; self.length];
        for (o, x) in out.iter_mut().zip(audio.iter().skip(start)) {
            *o = x.clamp(-1.0, 1.0);
        }
        let mel = mel.as_ref().map(|m| {
            let frames = self.length.div_ceil(self.hop);
            let first = start / self.hop;
            let mut e = Array2::from_elem((m.nrows(), frames), MEL_FLOOR.log10());
            for j in 0..frames.min(m.ncols().saturating_sub(first)) {
                e.column_mut(j).assign(&m.column(first + j));
            }
            e
        });
        (out, *label, mel)
    }

    fn loud(e: &Excerpt) -> bool {
        let far = e.0.iter().filter(|x| x.abs() > LOUD_LEVEL).count();
        far * 20 > e.0.len()
    }
}

impl Dataset for Excerpts {
    type Item = Excerpt;

    fn len(&self) -> usize {
        self.count
    }

    fn get(&self, index: usize) -> Result<Excerpt> {
        if !self.random {
            let file = index % self.items.len();
            return Ok(self.excerpt(file, 0));
        }
        let epoch = self.epoch.load(Ordering::Relaxed);
        let mut rng = SeededRng::new(item_seed(self.seed, epoch, index as u64));
        let mut draw = || {
            let file = rng.below(self.items.len());
            let n = self.items[file].0.len();
            let start = rng.below(n.saturating_sub(self.length).max(1) / self.hop + 1) * self.hop;
            self.excerpt(file, start)
        };
        let mut e = draw();
        for _ in 1..16 {
            if Self::loud(&e) {
                break;
            }
            e = draw();
        }
        Ok(e)
    }

    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}

struct WaveNetTask {
    net: WaveNet,
    output: usize,
    conditioned: bool,
    architecture: serde_json::Value,
}

impl WaveNetTask {
    fn loss(&self, batch: &[Excerpt]) -> Result<Tensor> {
        let b = batch.len();
        let n = batch.first().map_or(0, |e| e.0.len()) - 1;
        let config = self.net.config();
        let global = if self.conditioned {
            #[allow(clippy::cast_possible_truncation, reason = "few labels")]
            let g: Vec<u32> = batch.iter().map(|e| e.1 as u32).collect();
            Some(Tensor::from_vec(g, b, &Device::Cpu)?)
        } else {
            None
        };
        let local = match batch.first().and_then(|e| e.2.as_ref()) {
            Some(first) => {
                let (l, f) = first.dim();
                let v: Vec<f32> = batch
                    .iter()
                    .flat_map(|e| e.2.iter().flat_map(|m| m.iter().copied()))
                    .collect();
                Some(Tensor::from_vec(v, (b, l, f), &Device::Cpu)?)
            }
            None => None,
        };
        if config.mixtures.is_some() {
            let inputs: Vec<f32> = batch
                .iter()
                .flat_map(|e| e.0[..n].iter().copied())
                .collect();
            let targets: Vec<f32> = batch
                .iter()
                .flat_map(|e| e.0[n + 1 - self.output..].iter().copied())
                .collect();
            let x = Tensor::from_vec(inputs, (b, n), &Device::Cpu)?;
            let params = self.net.forward(&x, local.as_ref(), global.as_ref())?;
            let params = params.narrow(2, n - self.output, self.output)?;
            let y = Tensor::from_vec(targets, (b, self.output), &Device::Cpu)?;
            let nll = discretized_mix_logistic_nll(
                &params,
                &y,
                config.quantization_channels,
                LOG_SCALE_MIN,
            )?;
            return Ok(nll.mean_all()?);
        }
        let q = config.quantization_channels;
        let classes = |e: &Excerpt| -> Result<Vec<u32>> {
            #[allow(clippy::cast_possible_truncation, reason = "classes below 2^16")]
            Ok(audio_to_classes(&e.0, q)?
                .into_iter()
                .map(|c| c as u32)
                .collect())
        };
        let mut inputs = Vec::with_capacity(b * n);
        let mut targets = Vec::with_capacity(b * self.output);
        for e in batch {
            let c = classes(e)?;
            inputs.extend_from_slice(&c[..n]);
            targets.extend_from_slice(&c[n + 1 - self.output..]);
        }
        let x = Tensor::from_vec(inputs, (b, n), &Device::Cpu)?;
        let logits = self.net.forward(&x, local.as_ref(), global.as_ref())?;
        let logits = logits
            .narrow(2, n - self.output, self.output)?
            .transpose(1, 2)?
            .reshape((b * self.output, q))?;
        let y = Tensor::from_vec(targets, b * self.output, &Device::Cpu)?;
        Ok(candle_nn::loss::cross_entropy(&logits, &y)?)
    }
}

impl TrainTask for WaveNetTask {
    type Item = Excerpt;

    fn train_loss(&mut self, batch: Vec<Excerpt>) -> Result<Tensor> {
        self.loss(&batch)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains WaveNet on `train` (validating on the first excerpt of each
/// file of `valid`) into `out_dir` (`best/` loads with
/// [`super::FastWaveNet::load`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes or a validation split at
/// another rate; as the readers, the network and the trainer.
pub fn train(
    train: &ClassificationDataset,
    valid: &ClassificationDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    for (name, v) in [
        ("output_samples", config.output_samples),
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
    if valid.sample_rate() != train.sample_rate() {
        return Err(Error::InvalidParameter {
            name: "valid",
            value: format!("{} Hz", valid.sample_rate()),
            expected: "the training split's sample rate",
        });
    }
    let labels = train.labels().to_vec();
    let conditioned = labels.len() > 1;
    let model = WaveNetConfig {
        sample_rate: train.sample_rate(),
        global_classes: conditioned.then_some(labels.len()),
        ..config.model.clone()
    };
    model.validate()?;
    let mel = model
        .local_channels
        .map(|l| LogMelConfig::for_hop(model.sample_rate, model.local_hop, l));
    let front = mel.as_ref().map(LogMel::from_config).transpose()?;
    let load = |data: &ClassificationDataset| -> Result<Vec<Item>> {
        (0..data.len())
            .map(|i| {
                let (audio, label) = data.get(i)?;
                let mono = audio_io::to_mono(&audio).row(0).to_vec();
                let frames = front.as_ref().map(|f| f.compute(&mono)).transpose()?;
                Ok((mono, label, frames))
            })
            .collect()
    };
    let length = model.receptive_field() + config.output_samples;
    // Excerpts start on a conditioning frame.
    let hop = if mel.is_some() { model.local_hop } else { 1 };
    let excerpts = Excerpts {
        items: load(train)?,
        length,
        count: config.steps_per_epoch * config.batch_size,
        seed: config.seed,
        epoch: AtomicU64::new(0),
        random: true,
        hop,
    };
    let valid_items = load(valid)?;
    let held = Excerpts {
        count: valid_items.len(),
        items: valid_items,
        length,
        seed: config.seed,
        epoch: AtomicU64::new(0),
        random: false,
        hop,
    };
    if excerpts.items.is_empty() || held.items.is_empty() {
        return Err(Error::Empty {
            what: "WaveNet training or validation audio",
        });
    }
    let store = SeededVarMap::new(config.seed);
    let net = WaveNet::new(model.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
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
        max_grad_norm: Some(1.0),
        patience: Some(config.patience),
        out_dir: out_dir.as_ref().to_path_buf(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: None,
        extra: serde_json::json!({
            "output_samples": config.output_samples,
            "steps_per_epoch": config.steps_per_epoch,
            "loss": if model.mixtures.is_some() {
                "negative log-likelihood of the next sample under the discretized mixture of logistics, positions with a full receptive field"
            } else {
                "cross-entropy of the next sample's mu-law class, positions with a full receptive field"
            },
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = serde_json::to_value(WaveNetArchitecture {
        model,
        labels: if conditioned { labels } else { Vec::new() },
        mel,
    })
    .map_err(|source| Error::ModelJson {
        path: out_dir.as_ref().to_path_buf(),
        source,
    })?;
    let mut task = WaveNetTask {
        net,
        output: config.output_samples,
        conditioned,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &held)
}
