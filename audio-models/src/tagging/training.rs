//! Training and evaluating the tagging networks on a classification
//! dataset (`ROOT/<split>/<label>/*.wav`) through the shared trainer.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use audio_nn::init::SeededVarMap;
use audio_nn::SincConv;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::blocks::Pass;
use super::config::{Architecture, TaggerConfig};
use super::network::TaggerNet;
use super::sample_cnn::SampleCnn;

use crate::datasets::ClassificationDataset;
use crate::error::{Error, Result};
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, Optimizer, Sgd, SgdConfig, TrainReport, TrainTask,
    Trainer, TrainerConfig,
};
use crate::traits::Classifier;

/// The optimizer of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TagOptimizer {
    /// Adam (the reference's first stage, lr 1e-4 there).
    Adam,
    /// SGD with momentum 0.9 (seed 000's VGG CNN).
    Sgd,
}

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TagTrainConfig {
    /// The network (its labels and sample rate are replaced by the
    /// dataset's).
    pub model: TaggerConfig,
    /// Epochs.
    pub epochs: usize,
    /// Segments per batch.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// Adam or SGD.
    pub optimizer: TagOptimizer,
    /// Seed of the initial weights, the batch order, the crops and dropout.
    pub seed: u64,
    /// Stop after this many epochs without a better validation loss.
    pub patience: Option<usize>,
    /// Stop after this many seconds (checkpointing first).
    pub time_limit_seconds: Option<f64>,
    /// Show a progress bar.
    pub progress: bool,
    /// Resume from the run directory's last checkpoint.
    pub resume: bool,
}

impl TagTrainConfig {
    /// Defaults for `model`: 30 epochs of 16 segments, Adam at 1e-3,
    /// weight decay 1e-4, patience 8, seed 0.
    pub fn new(model: TaggerConfig) -> Self {
        Self {
            model,
            epochs: 30,
            batch_size: 16,
            lr: 1e-3,
            weight_decay: 1e-4,
            optimizer: TagOptimizer::Adam,
            seed: 0,
            patience: Some(8),
            time_limit_seconds: None,
            progress: false,
            resume: false,
        }
    }
}

/// One fixed-length segment of each clip: a random crop in training
/// (redrawn each epoch from the seed), the centre otherwise; clips shorter
/// than a segment are zero-padded.
struct Segments<'a> {
    data: &'a ClassificationDataset,
    length: usize,
    random: bool,
    seed: u64,
    epoch: AtomicU64,
}

impl Dataset for Segments<'_> {
    type Item = (Vec<f32>, usize);

    fn len(&self) -> usize {
        self.data.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let (samples, label) = self.data.get(index)?;
        let audio = audio_io::to_mono(&samples).row(0).to_vec();
        let spare = audio.len().saturating_sub(self.length);
        let start = if self.random {
            let epoch = self.epoch.load(Ordering::Relaxed);
            let mut rng = SeededRng::new(
                self.seed
                    ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
            );
            rng.below(spare + 1)
        } else {
            spare / 2
        };
        let mut segment = vec![0.0f32; self.length];
        let end = (start + self.length).min(audio.len());
        segment[..end - start].copy_from_slice(&audio[start..end]);
        Ok((segment, label))
    }

    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}

struct TagTask {
    net: TaggerNet,
    config: TaggerConfig,
    rng: SeededRng,
}

impl TagTask {
    fn loss(&mut self, batch: &[(Vec<f32>, usize)], train: bool) -> Result<Tensor> {
        let l = self.config.input_length;
        let flat: Vec<f32> = batch.iter().flat_map(|(x, _)| x.iter().copied()).collect();
        let x = Tensor::from_vec(flat, (batch.len(), l), &Device::Cpu)?;
        let logits = if train {
            self.net.forward(&x, &mut Pass::Train(&mut self.rng))?
        } else {
            self.net.forward(&x, &mut Pass::Eval)?
        };
        if self.config.multi_label {
            let n = self.config.n_class();
            let mut target = vec![0.0f32; batch.len() * n];
            for (i, (_, label)) in batch.iter().enumerate() {
                target[i * n + label] = 1.0;
            }
            let target = Tensor::from_vec(target, (batch.len(), n), &Device::Cpu)?;
            Ok(candle_nn::loss::binary_cross_entropy_with_logit(
                &logits, &target,
            )?)
        } else {
            #[allow(clippy::cast_possible_truncation, reason = "label indices < 2^32")]
            let target: Vec<u32> = batch.iter().map(|(_, label)| *label as u32).collect();
            let target = Tensor::from_vec(target, batch.len(), &Device::Cpu)?;
            Ok(candle_nn::loss::cross_entropy(&logits, &target)?)
        }
    }
}

impl TrainTask for TagTask {
    type Item = (Vec<f32>, usize);

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch, true)
    }

    fn valid_loss(&mut self, batch: Vec<Self::Item>) -> Result<f64> {
        let loss = self.loss(&batch, false)?;
        Ok(loss.to_dtype(DType::F64)?.to_scalar::<f64>()?)
    }

    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        self.rng = SeededRng::new(seed.wrapping_add(0x5EED).wrapping_add(epoch as u64));
    }

    fn architecture(&self) -> serde_json::Value {
        serde_json::to_value(&self.config).unwrap_or(serde_json::Value::Null)
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

/// Trains `config.model` on `train`, validating on `valid`, into `out_dir`
/// (the trainer's `best/` and `last/` checkpoints, logs). Single-label
/// models minimise cross-entropy, multi-label ones binary cross-entropy;
/// each epoch sees one random segment of every training clip.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the splits' labels or rates differ or
/// a setting is out of range; as the trainer and the network.
pub fn train(
    train: &ClassificationDataset,
    valid: &ClassificationDataset,
    config: &TagTrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    if train.labels() != valid.labels() {
        return Err(Error::InvalidParameter {
            name: "valid",
            value: format!("{:?}", valid.labels()),
            expected: "the training split's label folders",
        });
    }
    if train.sample_rate() != valid.sample_rate() {
        return Err(Error::SampleRateMismatch {
            path: "valid".into(),
            expected: train.sample_rate(),
            got: valid.sample_rate(),
        });
    }
    let mut model = config.model.clone();
    model.labels = train.labels().to_vec();
    model.sample_rate = train.sample_rate();
    model.validate()?;

    let store = SeededVarMap::new(config.seed);
    if model.architecture == Architecture::SincnetSampleCnn {
        SincConv::init_varmap(
            store.varmap(),
            "layer1.sinc",
            &SampleCnn::sinc_config(&model),
            DType::F32,
            &Device::Cpu,
        )?;
    }
    let net = TaggerNet::new(&model, store.var_builder(DType::F32, &Device::Cpu))?;
    let trainable: Vec<(String, candle_core::Var)> = named_vars(store.varmap())?
        .into_iter()
        .filter(|(k, _)| !k.contains("running_"))
        .collect();
    let optimizer: Box<dyn Optimizer> = match config.optimizer {
        TagOptimizer::Adam => Box::new(Adam::new(
            trainable,
            AdamConfig {
                lr: config.lr,
                weight_decay: config.weight_decay,
                ..AdamConfig::default()
            },
        )?),
        TagOptimizer::Sgd => Box::new(Sgd::new(
            trainable,
            SgdConfig {
                lr: config.lr,
                momentum: 0.9,
                weight_decay: config.weight_decay,
                ..SgdConfig::default()
            },
        )?),
    };
    let trainer_config = TrainerConfig {
        epochs: config.epochs,
        batch_size: config.batch_size,
        seed: config.seed,
        shuffle: true,
        drop_last: false,
        max_grad_norm: None,
        patience: config.patience,
        out_dir: out_dir.as_ref().to_path_buf(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: None,
        extra: serde_json::json!({
            "lr": config.lr,
            "weight_decay": config.weight_decay,
            "optimizer": config.optimizer,
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(trainer_config, store.varmap().clone(), optimizer, None)?;
    let mut task = TagTask {
        net,
        config: model.clone(),
        rng: SeededRng::new(config.seed),
    };
    let segments = |data, random| Segments {
        data,
        length: model.input_length,
        random,
        seed: config.seed,
        epoch: AtomicU64::new(0),
    };
    trainer.fit(&mut task, &segments(train, true), &segments(valid, false))
}

/// Scores of a classifier on a labelled split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationEvaluation {
    /// The label names.
    pub labels: Vec<String>,
    /// Accuracy, confusion matrix, per-class and macro precision, recall, F1.
    pub classification: audio_eval::classification::ClassificationScores<usize>,
    /// One-vs-rest ROC-AUC and average precision of the probabilities.
    pub tagging: audio_eval::tagging::TaggingScores,
}

/// Scores `probabilities` `(clips, labels)` against the true label indices:
/// the arg-max prediction's accuracy and confusion matrix, and one-vs-rest
/// ROC-AUC / PR-AUC of the probabilities.
///
/// # Errors
///
/// `audio-eval`'s shape errors.
pub fn score(
    labels: &[String],
    truth: &[usize],
    probabilities: &Array2<f64>,
) -> Result<ClassificationEvaluation> {
    let predicted: Vec<usize> = probabilities
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i)
        })
        .collect();
    let onehot = Array2::from_shape_fn(probabilities.dim(), |(i, j)| truth.get(i) == Some(&j));
    Ok(ClassificationEvaluation {
        labels: labels.to_vec(),
        classification: audio_eval::classification::evaluate(truth, &predicted)?,
        tagging: audio_eval::tagging::evaluate(onehot.view(), probabilities.view())?,
    })
}

/// Evaluates a classifier on every clip of `data` through the
/// [`Classifier`] trait: a [`Tagger`](super::Tagger) scores each clip by the mean over its
/// [`SegmentPlan::Covering`](super::SegmentPlan::Covering) segments, the
/// [`MfccBaseline`](super::MfccBaseline) by the clip's MFCC statistics.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the split's labels are not the
/// model's; [`Error::SampleRateMismatch`] when its rate is not; reading
/// and model errors.
pub fn evaluate(
    model: &dyn Classifier,
    data: &ClassificationDataset,
) -> Result<ClassificationEvaluation> {
    let labels = model.labels();
    if data.labels() != labels.as_slice() {
        return Err(Error::InvalidParameter {
            name: "labels",
            value: format!("{:?}", data.labels()),
            expected: "the model's labels",
        });
    }
    if data.sample_rate() != model.sample_rate() {
        return Err(Error::SampleRateMismatch {
            path: "dataset".into(),
            expected: model.sample_rate(),
            got: data.sample_rate(),
        });
    }
    let mut probabilities = Array2::zeros((data.len(), labels.len()));
    let mut truth = Vec::with_capacity(data.len());
    for i in 0..data.len() {
        let (samples, label) = data.get(i)?;
        let p = model.classify(samples.view())?;
        for (dst, &v) in probabilities.row_mut(i).iter_mut().zip(p.iter()) {
            *dst = f64::from(v);
        }
        truth.push(label);
    }
    score(&labels, &truth, &probabilities)
}
