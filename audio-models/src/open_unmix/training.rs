//! Training Open-Unmix target models (`openunmix/train.py`) on the shared
//! [`Trainer`]: MSE between the estimated and the true target magnitude
//! spectrograms, Adam with L2 weight decay, the package's plateau schedule,
//! early stopping on the validation split, safetensors checkpoints, and an
//! export of the best epoch as a model directory that
//! [`OpenUnmixSeparator::from_dir`](super::OpenUnmixSeparator::from_dir) loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::{Stft, Transform};
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use ndarray::Array2;

use super::augment::{sample_excerpt, AugmentConfig, SeededRng};
use super::dataset::StemDataset;
use super::model::{OpenUnmix, OpenUnmixConfig};
use super::separator::umx_stft_config;
use crate::augment::item_seed;
use crate::training::{
    named_vars, read_checkpoint_info, Adam, AdamConfig, Dataset, PlateauConfig, ReduceLrOnPlateau,
    TrainReport, TrainTask, Trainer, TrainerConfig, BEST_DIR, WEIGHTS_FILE,
};
use crate::{Error, Result};

/// The architecture name of Open-Unmix in checkpoints and on the command line.
pub const ARCHITECTURE: &str = "open-unmix";

/// Settings of [`train`] (names after `openunmix/train.py`'s arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The target stem (`--target`, e.g. `bass`).
    pub target: String,
    /// Model shape; `nb_bins` must be `n_fft / 2 + 1`.
    pub model: OpenUnmixConfig,
    /// FFT size (`--nfft`, 4096).
    pub n_fft: usize,
    /// Hop (`--nhop`, 1024).
    pub n_hop: usize,
    /// Excerpt length in seconds (`--seq-dur`).
    pub seq_seconds: f64,
    /// Excerpts per batch (`--batch-size`).
    pub batch_size: usize,
    /// Batches per epoch (`--samples-per-track` × tracks / batch size in the package).
    pub steps_per_epoch: usize,
    /// Maximum epochs (`--epochs`).
    pub epochs: usize,
    /// Stop after this many epochs without a better validation loss (`--patience`).
    pub patience: usize,
    /// Adam learning rate (`--lr`, 0.001).
    pub lr: f64,
    /// L2 weight decay of Adam (`--weight-decay`, 0.00001), as
    /// `torch.optim.Adam(weight_decay=...)`.
    pub weight_decay: f64,
    /// The learning-rate plateau schedule's factor (`--lr-decay-gamma`, 0.3).
    pub lr_decay_gamma: f64,
    /// Its patience in epochs (`--lr-decay-patience`, 80).
    pub lr_decay_patience: usize,
    /// Stop (after the current epoch) once this many seconds have passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, the excerpts and the augmentations (`--seed`).
    pub seed: u64,
    /// Augmentations of the training excerpts.
    pub augment: AugmentConfig,
    /// Seconds of each validation song used (from its start); `None` = whole songs.
    pub valid_seconds: Option<f64>,
    /// Continue from `<out>/<target>/last` when it holds a checkpoint.
    pub resume: bool,
    /// Also checkpoint every this many steps within an epoch.
    pub checkpoint_every: Option<usize>,
    /// Show the trainer's progress (a bar on a terminal, a line per epoch
    /// otherwise).
    pub progress: bool,
}

impl TrainConfig {
    /// A small model that trains on a laptop CPU: hidden 128, 3 BiLSTM
    /// layers, stereo, `max_bin` 1487 (16 kHz), 4 s excerpts, batch 8.
    pub fn small(target: &str) -> Self {
        Self {
            target: target.to_string(),
            model: OpenUnmixConfig {
                hidden_size: 128,
                ..OpenUnmixConfig::umxhq()
            },
            n_fft: 4096,
            n_hop: 1024,
            seq_seconds: 4.0,
            batch_size: 8,
            steps_per_epoch: 20,
            epochs: 1000,
            patience: 20,
            lr: 1e-3,
            weight_decay: 1e-5,
            lr_decay_gamma: 0.3,
            lr_decay_patience: 80,
            time_limit_seconds: None,
            seed: 42,
            augment: AugmentConfig::default(),
            valid_seconds: Some(10.0),
            resume: false,
            checkpoint_every: None,
            progress: false,
        }
    }

    fn validate(&self, train: &StemDataset, valid: &StemDataset) -> Result<()> {
        self.model.validate()?;
        if self.model.nb_bins != self.n_fft / 2 + 1 {
            return Err(Error::InvalidParameter {
                name: "model.nb_bins",
                value: self.model.nb_bins.to_string(),
                expected: "n_fft / 2 + 1",
            });
        }
        if train.songs.is_empty() {
            return Err(Error::Empty {
                what: "Open-Unmix training songs",
            });
        }
        if valid.songs.is_empty() {
            return Err(Error::Empty {
                what: "Open-Unmix validation songs",
            });
        }
        if !train.sources.contains(&self.target) || !valid.sources.contains(&self.target) {
            return Err(Error::InvalidParameter {
                name: "target",
                value: self.target.clone(),
                expected: "a source of the training and validation songs",
            });
        }
        if train.sample_rate != valid.sample_rate {
            return Err(Error::SampleRateMismatch {
                path: PathBuf::from("valid"),
                expected: train.sample_rate,
                got: valid.sample_rate,
            });
        }
        if self.batch_size == 0 || self.steps_per_epoch == 0 || self.epochs == 0 {
            return Err(Error::InvalidParameter {
                name: "batch_size/steps_per_epoch/epochs",
                value: format!(
                    "{}/{}/{}",
                    self.batch_size, self.steps_per_epoch, self.epochs
                ),
                expected: "all > 0",
            });
        }
        if !(self.seq_seconds.is_finite() && self.seq_seconds > 0.0) {
            return Err(Error::InvalidParameter {
                name: "seq_seconds",
                value: self.seq_seconds.to_string(),
                expected: "a finite duration > 0",
            });
        }
        Ok(())
    }

    /// The architecture record of checkpoints: enough to rebuild the model
    /// and its separator.
    fn architecture(&self, sample_rate: u32) -> serde_json::Value {
        let mc = self.model;
        serde_json::json!({
            "arch": ARCHITECTURE,
            "target": self.target,
            "sample_rate": sample_rate,
            "nfft": self.n_fft,
            "nhop": self.n_hop,
            "nb_bins": mc.nb_bins,
            "hidden_size": mc.hidden_size,
            "nb_channels": mc.nb_channels,
            "nb_layers": mc.nb_layers,
            "unidirectional": mc.unidirectional,
            "max_bin": mc.input_bins(),
        })
    }
}

/// Magnitude STFT with the separator's settings (centred, reflect padding).
fn magnitudes(stft: &Stft<f32>, audio: &Array2<f32>) -> Result<Array2<f32>> {
    let spec = stft.process_multichannel(audio.view())?; // (ch, bins, frames)
    let (c, b, t) = spec.dim();
    let v: Vec<f32> = spec.iter().map(|z| z.norm()).collect();
    Array2::from_shape_vec((c * b, t), v).map_err(|_| Error::ShapeMismatch {
        what: "spectrogram",
        expected: "(channels * bins, frames)".into(),
        got: vec![c, b, t],
    })
}

fn batch_tensor(mags: &[Array2<f32>], channels: usize, bins: usize) -> Result<Tensor> {
    let frames = mags[0].ncols();
    let mut data = Vec::with_capacity(mags.len() * channels * bins * frames);
    for m in mags {
        data.extend(m.iter().copied());
    }
    Ok(Tensor::from_vec(
        data,
        (mags.len(), channels, bins, frames),
        &Device::Cpu,
    )?)
}

/// The training examples of an epoch: `steps_per_epoch × batch_size`
/// excerpts drawn by [`sample_excerpt`], item `i` of epoch `e` from
/// `SeededRng::new(item_seed(seed, e, i))`, so any item can be redrawn (a
/// resumed run sees the same excerpts).
#[derive(Debug)]
struct Excerpts<'a> {
    data: &'a StemDataset,
    target: &'a str,
    samples: usize,
    augment: AugmentConfig,
    len: usize,
    seed: u64,
    epoch: AtomicU64,
}

impl Dataset for Excerpts<'_> {
    type Item = (Array2<f32>, Array2<f32>);

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        let mut rng = SeededRng::new(item_seed(self.seed, epoch, index as u64));
        Ok(sample_excerpt(
            self.data,
            self.target,
            self.samples,
            &self.augment,
            &mut rng,
        ))
    }

    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}

/// The validation songs, unaugmented, each cut to `valid_seconds`.
#[derive(Debug)]
struct ValidSongs(Vec<(Array2<f32>, Array2<f32>)>);

impl Dataset for ValidSongs {
    type Item = (Array2<f32>, Array2<f32>);

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        self.0.get(index).cloned().ok_or(Error::InvalidParameter {
            name: "index",
            value: index.to_string(),
            expected: "an index below the number of validation songs",
        })
    }
}

/// Open-Unmix as a [`TrainTask`]: magnitude spectrograms of the excerpts,
/// the train-mode forward pass, MSE.
struct UmxTask {
    model: OpenUnmix,
    stft: Stft<f32>,
    channels: usize,
    bins: usize,
    architecture: serde_json::Value,
}

impl UmxTask {
    fn loss(&self, batch: &[(Array2<f32>, Array2<f32>)], train: bool) -> Result<Tensor> {
        let mut xs = Vec::with_capacity(batch.len());
        let mut ys = Vec::with_capacity(batch.len());
        for (x, y) in batch {
            xs.push(magnitudes(&self.stft, x)?);
            ys.push(magnitudes(&self.stft, y)?);
        }
        let x = batch_tensor(&xs, self.channels, self.bins)?;
        let y = batch_tensor(&ys, self.channels, self.bins)?;
        let est = self.model.forward_t(&x, train)?;
        Ok(candle_nn::loss::mse(&est, &y)?)
    }
}

impl TrainTask for UmxTask {
    type Item = (Array2<f32>, Array2<f32>);

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> Result<Tensor> {
        self.loss(&batch, true)
    }

    /// The eval-mode MSE of each song (songs differ in length), averaged.
    #[allow(clippy::cast_precision_loss, reason = "batch sizes < 2^53")]
    fn valid_loss(&mut self, batch: Vec<Self::Item>) -> Result<f64> {
        let mut sum = 0.0;
        for item in &batch {
            let loss = self.loss(std::slice::from_ref(item), false)?;
            sum += loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        }
        Ok(sum / batch.len().max(1) as f64)
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }

    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        Ok(self.model.running_stats())
    }

    fn restore_buffers(&mut self, varmap: &VarMap) -> Result<()> {
        let vars: HashMap<String, candle_core::Var> = named_vars(varmap)?.into_iter().collect();
        self.model
            .set_running_stats(|name| vars.get(name).map(|v| v.as_tensor().clone()))
    }
}

/// Input statistics as `openunmix/train.py`'s `get_statistics`: minus the
/// mean and the inverse standard deviation per bin of the channel-averaged
/// mixture magnitudes of the training songs.
#[allow(clippy::cast_precision_loss, reason = "frame counts < 2^53")]
fn input_statistics(
    stft: &Stft<f32>,
    train: &StemDataset,
    bins: usize,
    input_bins: usize,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let mut sum = vec![0f64; input_bins];
    let mut sum2 = vec![0f64; input_bins];
    let mut count = 0usize;
    for song in &train.songs {
        let mag = magnitudes(stft, &song.mixture())?;
        let channels = mag.nrows() / bins;
        for t in 0..mag.ncols() {
            for (f, (s, s2)) in sum.iter_mut().zip(sum2.iter_mut()).enumerate() {
                let v = (0..channels)
                    .map(|c| f64::from(mag[[c * bins + f, t]]))
                    .sum::<f64>()
                    / channels as f64;
                *s += v;
                *s2 += v * v;
            }
        }
        count += mag.ncols();
    }
    let n = count.max(1) as f64;
    let mean = sum.iter().map(|s| (-s / n) as f32).collect();
    let scale = sum
        .iter()
        .zip(&sum2)
        .map(|(s, s2)| {
            let var = (s2 / n - (s / n).powi(2)).max(0.0);
            (1.0 / var.sqrt().max(1e-8)) as f32
        })
        .collect();
    Ok((mean, scale))
}

/// Trains one target model on `train`, validating on `valid` after each
/// epoch, with the shared [`Trainer`]; the run directory is
/// `out_dir/<target>` (`best/`, `last/`, `log.csv`, `log.json`), and the
/// best epoch is exported into `out_dir` as `<target>.safetensors` (the
/// checkpoint's key names, BatchNorm running statistics included),
/// `<target>.json` and `separator.json` ([`export_checkpoint`]), so
/// `out_dir` loads with [`super::OpenUnmixSeparator::from_dir`].
///
/// Per step: `batch_size` excerpts from [`sample_excerpt`] (augmented, item
/// `i` of epoch `e` drawn from `item_seed(seed, e, i)`), their magnitude
/// STFTs `|X|`, `|S|`, the train-mode forward pass
/// ([`OpenUnmix::forward_t`] with `train = true`) and the loss
/// `mean((model(|X|) - |S|)²)` (`torch.nn.functional.mse_loss`), one Adam
/// step (L2 weight decay, as `torch.optim.Adam`); after each epoch the
/// validation MSE (eval mode, unaugmented songs) steps
/// `ReduceLROnPlateau(factor=lr_decay_gamma, patience=lr_decay_patience,
/// cooldown=10)`, as the package. Before training, `input_mean` and
/// `input_scale` are set from the training mixtures (`get_statistics`: minus the
/// mean and the inverse standard deviation per bin of their channel-averaged
/// magnitudes).
/// Deterministic for a seed: a second run gives bit-identical checkpoints.
///
/// # Errors
///
/// [`Error::Empty`] for an empty split; [`Error::InvalidParameter`] for
/// `nb_bins != n_fft/2 + 1`, a target the data lacks or zero sizes;
/// [`Error::SampleRateMismatch`] when the splits differ in rate; candle,
/// `audio_dsp` and the trainer's errors.
pub fn train(
    train: &StemDataset,
    valid: &StemDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let out_dir = out_dir.as_ref();
    config.validate(train, valid)?;
    let mc = config.model;
    let stft = Stft::<f32>::new(umx_stft_config(config.n_fft, config.n_hop))?;
    let bins = mc.nb_bins;
    let sr = f64::from(train.sample_rate);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "validated positive seconds times a sample rate"
    )]
    let seq = ((config.seq_seconds * sr) as usize).max(config.n_fft);

    let store = SeededVarMap::new(config.seed);
    let model = OpenUnmix::new(mc, store.var_builder(DType::F32, &Device::Cpu))?;
    let (mean, scale) = input_statistics(&stft, train, bins, mc.input_bins())?;
    let vars: HashMap<String, candle_core::Var> = named_vars(store.varmap())?.into_iter().collect();
    for (name, values) in [("input_mean", mean), ("input_scale", scale)] {
        if let Some(v) = vars.get(name) {
            // `Var::set` writes in place: the model shares the storage.
            v.set(&Tensor::from_vec(values, mc.input_bins(), &Device::Cpu)?)?;
        }
    }

    let mut valid_set = Vec::with_capacity(valid.songs.len());
    for song in &valid.songs {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "seconds times a sample rate, clamped to the song"
        )]
        let len = match config.valid_seconds {
            Some(s) => ((s * sr) as usize).min(song.len()),
            None => song.len(),
        };
        if len <= config.n_fft / 2 {
            continue;
        }
        let target = song
            .stems
            .get(&config.target)
            .ok_or_else(|| Error::MissingStem {
                song: song.name.clone(),
                stem: config.target.clone(),
            })?;
        let cut = |a: &Array2<f32>| a.slice(ndarray::s![.., ..len]).to_owned();
        valid_set.push((cut(&song.mixture()), cut(target)));
    }

    let excerpts = Excerpts {
        data: train,
        target: &config.target,
        samples: seq,
        augment: config.augment,
        len: config.steps_per_epoch * config.batch_size,
        seed: config.seed,
        epoch: AtomicU64::new(0),
    };
    let trainable: Vec<(String, candle_core::Var)> = named_vars(store.varmap())?
        .into_iter()
        .filter(|(k, _)| !k.contains("running_"))
        .collect();
    let optimizer = Adam::new(
        trainable,
        AdamConfig {
            lr: config.lr,
            weight_decay: config.weight_decay,
            ..AdamConfig::default()
        },
    )?;
    let scheduler = ReduceLrOnPlateau::new(
        config.lr,
        PlateauConfig {
            factor: config.lr_decay_gamma,
            patience: config.lr_decay_patience,
            cooldown: 10,
            ..PlateauConfig::default()
        },
    )?;
    let run_dir = out_dir.join(&config.target);
    let trainer_config = TrainerConfig {
        epochs: config.epochs,
        batch_size: config.batch_size,
        seed: config.seed,
        shuffle: false,
        drop_last: false,
        max_grad_norm: None,
        patience: Some(config.patience),
        out_dir: run_dir.clone(),
        progress: config.progress,
        resume: config.resume,
        checkpoint_every: config.checkpoint_every,
        extra: serde_json::json!({
            "seq_dur": config.seq_seconds,
            "steps_per_epoch": config.steps_per_epoch,
            "weight_decay": config.weight_decay,
            "lr_decay_gamma": config.lr_decay_gamma,
            "lr_decay_patience": config.lr_decay_patience,
            "valid_seconds": config.valid_seconds,
            "augment": {
                "gain": [config.augment.gain.0, config.augment.gain.1],
                "channel_swap": config.augment.channel_swap,
                "random_mix": config.augment.random_mix,
                "noise_snr_db": config.augment.noise_snr_db.map(|(a, b)| [a, b]),
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
    let mut task = UmxTask {
        model,
        stft,
        channels: mc.nb_channels,
        bins,
        architecture: config.architecture(train.sample_rate),
    };
    let report = trainer.fit(&mut task, &excerpts, &ValidSongs(valid_set))?;
    export_checkpoint(&run_dir.join(BEST_DIR), out_dir)?;
    Ok(report)
}

/// Exports an Open-Unmix training checkpoint (a directory the [`Trainer`]
/// wrote, e.g. `run/bass/best`) into the model directory `out_dir`:
/// `<target>.safetensors` (the weights under the package's key names),
/// `<target>.json` (`args`: `nfft`, `nhop`, `hidden_size`, `nb_channels`,
/// `nb_layers`, `unidirectional`, `max_bin`) and `separator.json`
/// (`sample_rate`, `nfft`, `nhop`). Everything comes from the checkpoint's
/// sidecar: the checkpoint loads with no other input.
///
/// # Errors
///
/// [`Error::File`] / [`Error::ModelJson`] for an unreadable or malformed
/// checkpoint; [`Error::InvalidParameter`] when it is not an Open-Unmix
/// checkpoint; [`Error::File`] when `out_dir` cannot be written.
pub fn export_checkpoint(checkpoint: &Path, out_dir: &Path) -> Result<()> {
    let info = read_checkpoint_info(checkpoint)?;
    let arch = &info.architecture;
    if arch.get("arch").and_then(serde_json::Value::as_str) != Some(ARCHITECTURE) {
        return Err(Error::InvalidParameter {
            name: "checkpoint",
            value: checkpoint.display().to_string(),
            expected: "an Open-Unmix training checkpoint",
        });
    }
    let target = arch
        .get("target")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| Error::MissingKey {
            key: "architecture.target".into(),
            expected: Vec::new(),
        })?;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::File {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let weights = out_dir.join(format!("{target}.safetensors"));
    std::fs::copy(checkpoint.join(WEIGHTS_FILE), &weights).map_err(|source| Error::File {
        path: weights.clone(),
        source,
    })?;
    let write = |name: String, v: &serde_json::Value| -> Result<()> {
        let p = out_dir.join(name);
        let text = serde_json::to_string_pretty(v).map_err(|source| Error::StateJson {
            what: "Open-Unmix model JSON",
            source,
        })?;
        std::fs::write(&p, text).map_err(|source| Error::File { path: p, source })
    };
    let mut args = arch.clone();
    if let Some(a) = args.as_object_mut() {
        a.remove("arch");
        a.insert("epoch".into(), info.epoch.into());
    }
    write(
        format!("{target}.json"),
        &serde_json::json!({ "args": args }),
    )?;
    write(
        "separator.json".into(),
        &serde_json::json!({
            "sample_rate": arch.get("sample_rate"),
            "nfft": arch.get("nfft"),
            "nhop": arch.get("nhop"),
            "nb_channels": arch.get("nb_channels"),
        }),
    )?;
    Ok(())
}
