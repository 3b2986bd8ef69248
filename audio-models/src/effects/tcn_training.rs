//! Training a TCN effect model on an effects dataset (dry/wet pairs with
//! their parameters), as micro-TCN trains its compressor models: random
//! excerpts as long as the receptive field plus an output window, the
//! controls from the example's parameters, Adam. The loss is the
//! error-to-signal ratio plus the multi-resolution STFT loss (auraloss's
//! resolutions); validation and the test report use the ESR alone.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use audio_nn::init::SeededVarMap;
use audio_nn::loss::{esr, MultiResolutionStftLoss};
use candle_core::{DType, Device, Tensor};
use serde::Serialize;

use super::tcn_config::{EffectParam, TcnEffectConfig};
use super::tcn_effect::TcnEffect;
use super::tcn_network::TcnEffectNet;
use crate::augment::item_seed;
use crate::datasets::EffectsDataset;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of the TCN effect model in checkpoints and on the
/// command line.
pub const ARCHITECTURE: &str = "tcn-effect";

/// ESR's denominator guard (auraloss's `eps`).
const ESR_EPS: f64 = 1e-8;

/// Excerpts whose target is quieter than this RMS (−60 dBFS) are not used:
/// their ESR divides by almost nothing and would swamp a batch (micro-TCN's
/// loader likewise skips silent excerpts).
const MIN_TARGET_RMS: f32 = 1e-3;

/// Draws of a training excerpt before a quiet one is accepted.
const EXCERPT_TRIES: usize = 32;

fn rms(v: &[f32]) -> f32 {
    (v.iter().map(|x| x * x).sum::<f32>() / v.len().max(1) as f32).sqrt()
}

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network. Its `params` are replaced by the dataset's parameters
    /// (names in the dataset's order, ranges from the training split).
    pub model: TcnEffectConfig,
    /// Excerpts per batch.
    pub batch_size: usize,
    /// Output samples per excerpt (the input adds the receptive field).
    pub output_samples: usize,
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
    /// Defaults for `model`: batches of 8 excerpts of 8192 output samples,
    /// 50 steps per epoch, 100 epochs, patience 10, Adam 1e-3.
    pub fn new(model: TcnEffectConfig) -> Self {
        Self {
            model,
            batch_size: 8,
            output_samples: 8192,
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

/// One excerpt: input `(ninputs, n_in)`, target `(noutputs, n_out)`, normalised controls.
type Excerpt = (Vec<f32>, Vec<f32>, Vec<f32>);

/// One example in memory: dry and wet (channel-major), normalised
/// controls, samples per channel.
type Example = (Vec<f32>, Vec<f32>, Vec<f32>, usize);

/// The examples of a split in memory.
struct Examples {
    items: Vec<Example>,
    channels: (usize, usize),
}

impl Examples {
    fn load(data: &EffectsDataset, params: &[EffectParam]) -> Result<Self> {
        let mut items = Vec::with_capacity(data.len());
        let mut channels = None;
        for i in 0..data.len() {
            let (dry, wet, p) = data.get(i)?;
            // Excerpts index every example by the first one's channels.
            let first = *channels.get_or_insert((dry.nrows(), wet.nrows()));
            if (dry.nrows(), wet.nrows()) != first {
                return Err(Error::ChannelMismatch {
                    path: data.paths(i)?.0,
                    expected: first.0,
                    got: dry.nrows(),
                });
            }
            let controls = params
                .iter()
                .map(|q| {
                    p.get(&q.name)
                        .map(|v| q.normalize(*v) as f32)
                        .ok_or_else(|| Error::InvalidParameter {
                            name: "params",
                            value: q.name.clone(),
                            expected: "a parameter every example of the dataset records",
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let n = dry.ncols();
            items.push((
                dry.iter().copied().collect(),
                wet.iter().copied().collect(),
                controls,
                n,
            ));
        }
        Ok(Self {
            items,
            channels: channels.unwrap_or_default(),
        })
    }

    /// The excerpt of example `i` whose aligned output starts at `start`.
    fn excerpt(&self, i: usize, start: usize, c: &TcnEffectConfig, n_out: usize) -> Excerpt {
        let (dry, wet, controls, n) = &self.items[i];
        let (rf, ahead) = (c.receptive_field(), c.lookahead());
        let left = rf - 1 - ahead;
        let n_in = n_out + rf - 1;
        let mut x = Vec::with_capacity(self.channels.0 * n_in);
        for ch in 0..self.channels.0 {
            let row = &dry[ch * n..(ch + 1) * n];
            // Input sample j is time start − left + j, zero outside the example.
            x.extend((0..n_in).map(|j| {
                (start + j)
                    .checked_sub(left)
                    .and_then(|t| row.get(t))
                    .copied()
                    .unwrap_or(0.0)
            }));
        }
        let mut y = Vec::with_capacity(self.channels.1 * n_out);
        for ch in 0..self.channels.1 {
            let row = &wet[ch * n..(ch + 1) * n];
            y.extend((0..n_out).map(|j| row.get(start + j).copied().unwrap_or(0.0)));
        }
        (x, y, controls.clone())
    }
}

/// Random excerpts of the training examples, drawn per epoch and index.
struct Excerpts<'a> {
    examples: &'a Examples,
    config: &'a TcnEffectConfig,
    n_out: usize,
    len: usize,
    seed: u64,
    epoch: AtomicU64,
}

impl Dataset for Excerpts<'_> {
    type Item = Excerpt;

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Excerpt> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        let mut rng = SeededRng::new(item_seed(self.seed, epoch, index as u64));
        let mut draw = || {
            let i = rng.below(self.examples.items.len());
            let n = self.examples.items[i].3;
            let start = rng.below(n.saturating_sub(self.n_out).max(1));
            self.examples.excerpt(i, start, self.config, self.n_out)
        };
        let mut e = draw();
        for _ in 1..EXCERPT_TRIES {
            if rms(&e.1) >= MIN_TARGET_RMS {
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

/// Fixed validation excerpts: each example's consecutive windows.
struct Windows(Vec<Excerpt>);

impl Dataset for Windows {
    type Item = Excerpt;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> Result<Excerpt> {
        self.0.get(index).cloned().ok_or(Error::Empty {
            what: "TCN effect validation window",
        })
    }
}

struct EffectTask {
    net: TcnEffectNet,
    stft: MultiResolutionStftLoss,
    architecture: serde_json::Value,
}

impl EffectTask {
    fn batch(&self, batch: &[Excerpt]) -> Result<(Tensor, Tensor, Option<Tensor>)> {
        let c = self.net.config();
        let b = batch.len();
        let n_in = batch.first().map_or(0, |e| e.0.len()) / c.ninputs;
        let n_out = batch.first().map_or(0, |e| e.1.len()) / c.noutputs;
        let x: Vec<f32> = batch.iter().flat_map(|e| e.0.iter().copied()).collect();
        let y: Vec<f32> = batch.iter().flat_map(|e| e.1.iter().copied()).collect();
        let x = Tensor::from_vec(x, (b, c.ninputs, n_in), &Device::Cpu)?;
        let y = Tensor::from_vec(y, (b, c.noutputs, n_out), &Device::Cpu)?;
        let p = if c.nparams() > 0 {
            let p: Vec<f32> = batch.iter().flat_map(|e| e.2.iter().copied()).collect();
            Some(Tensor::from_vec(p, (b, c.nparams()), &Device::Cpu)?)
        } else {
            None
        };
        Ok((x, y, p))
    }
}

impl TrainTask for EffectTask {
    type Item = Excerpt;

    fn train_loss(&mut self, batch: Vec<Excerpt>) -> Result<Tensor> {
        let (x, y, p) = self.batch(&batch)?;
        let out = self.net.forward_t(&x, p.as_ref(), true)?;
        let e = esr(&out, &y, ESR_EPS)?;
        Ok(e.add(&self.stft.forward(&out, &y)?)?)
    }

    fn valid_loss(&mut self, batch: Vec<Excerpt>) -> Result<f64> {
        let (x, y, p) = self.batch(&batch)?;
        let out = self.net.forward(&x, p.as_ref())?;
        Ok(f64::from(esr(&out, &y, ESR_EPS)?.to_scalar::<f32>()?))
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }

    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        self.net.batch_norm_buffers()
    }

    fn restore_buffers(&mut self, varmap: &candle_nn::VarMap) -> Result<()> {
        let vars: std::collections::HashMap<String, candle_core::Var> =
            named_vars(varmap)?.into_iter().collect();
        self.net
            .set_batch_norm_buffers(|name| vars.get(name).map(|v| v.as_tensor().clone()))
    }
}

/// The dataset's parameters as controls: names in order, ranges over `data`
/// (a parameter that never varies gets the range `[v, v + 1]`).
///
/// # Errors
///
/// [`Error::Empty`] for an empty dataset.
pub fn dataset_params(data: &EffectsDataset) -> Result<Vec<EffectParam>> {
    let first = data.params().first().ok_or(Error::Empty {
        what: "effects dataset",
    })?;
    Ok(first
        .keys()
        .map(|name| {
            let values = data.params().iter().filter_map(|p| p.get(name).copied());
            let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let hi = if hi > lo { hi } else { lo + 1.0 };
            EffectParam::new(name, lo, hi, 0.5 * (lo + hi))
        })
        .collect())
}

/// Trains a TCN effect model on `train`, validating on `valid` (ESR), into
/// `out_dir` (`best/` loads with [`TcnEffect::load`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes, a dataset at another rate
/// than the model's or with other channel counts, or a parameter missing
/// from an example; [`Error::ChannelMismatch`] for examples of different
/// channel counts; as the trainer and the network.
pub fn train(
    train: &EffectsDataset,
    valid: &EffectsDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let mut model = config.model.clone();
    model.params = dataset_params(train)?;
    model.sample_rate = train.sample_rate();
    model.validate()?;
    for (name, v) in [
        ("batch_size", config.batch_size),
        ("output_samples", config.output_samples),
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
    let examples = Examples::load(train, &model.params)?;
    let held = Examples::load(valid, &model.params)?;
    if examples.channels != (model.ninputs, model.noutputs) || held.channels != examples.channels {
        return Err(Error::InvalidParameter {
            name: "ninputs",
            value: format!("{:?}", examples.channels),
            expected: "dry and wet channels equal to the model's ninputs and noutputs",
        });
    }
    let n_out = config.output_samples;
    let windows = Windows(
        held.items
            .iter()
            .enumerate()
            .flat_map(|(i, e)| (0..e.3 / n_out).map(move |w| (i, w * n_out)))
            .map(|(i, start)| held.excerpt(i, start, &model, n_out))
            .filter(|e| rms(&e.1) >= MIN_TARGET_RMS)
            .collect(),
    );
    if windows.0.is_empty() {
        return Err(Error::Empty {
            what: "TCN effect validation windows (examples shorter than output_samples)",
        });
    }
    let store = SeededVarMap::new(config.seed);
    let net = TcnEffectNet::new(model.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
    let excerpts = Excerpts {
        examples: &examples,
        config: &model,
        n_out,
        len: config.steps_per_epoch * config.batch_size,
        seed: config.seed,
        epoch: AtomicU64::new(0),
    };
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
        checkpoint_every: None,
        extra: serde_json::json!({
            "steps_per_epoch": config.steps_per_epoch,
            "output_samples": n_out,
            "loss": "ESR + multi-resolution STFT (auraloss resolutions); validation ESR",
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
    let mut task = EffectTask {
        net,
        stft: MultiResolutionStftLoss::auraloss_default(DType::F32, &Device::Cpu)?,
        architecture,
    };
    trainer.fit(&mut task, &excerpts, &windows)
}

/// The test report of an effect model: mean ESR over the examples (each
/// whole, the output aligned with the input), and the identity baseline's
/// (the dry signal as the prediction).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectReport {
    /// Examples scored.
    pub examples: usize,
    /// Mean ESR of the model.
    pub esr: f64,
    /// Mean ESR of the dry signal against the wet.
    pub identity_esr: f64,
}

/// Scores `effect` on every example of `data`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a parameter missing from an example;
/// as [`TcnEffect::apply`].
pub fn evaluate(effect: &TcnEffect, data: &EffectsDataset) -> Result<EffectReport> {
    let ratio = |pred: &ndarray::Array2<f32>, wet: &ndarray::Array2<f32>| {
        let num: f64 = pred
            .iter()
            .zip(wet.iter())
            .map(|(a, b)| f64::from(b - a).powi(2))
            .sum();
        let den: f64 = wet.iter().map(|b| f64::from(*b).powi(2)).sum();
        num / (den + ESR_EPS)
    };
    let (mut model, mut identity) = (0.0, 0.0);
    for i in 0..data.len() {
        let (dry, wet, p) = data.get(i)?;
        let params = effect
            .config()
            .params
            .iter()
            .map(|q| {
                p.get(&q.name).map(|v| (q.name.clone(), *v)).ok_or_else(|| {
                    Error::InvalidParameter {
                        name: "params",
                        value: q.name.clone(),
                        expected: "a parameter every example of the dataset records",
                    }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let pred = effect.apply(dry.view(), &params)?;
        model += ratio(&pred, &wet);
        identity += ratio(&dry, &wet);
    }
    let n = data.len().max(1) as f64;
    Ok(EffectReport {
        examples: data.len(),
        esr: model / n,
        identity_esr: identity / n,
    })
}
