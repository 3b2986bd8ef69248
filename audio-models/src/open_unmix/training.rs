//! Training an Open-Unmix target model (`openunmix/train.py`): MSE between
//! the estimated and the true target magnitude spectrograms, Adam, early
//! stopping on a validation split, safetensors checkpoints.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{MutexGuard, PoisonError};
use std::time::Instant;

use audio_dsp::{Stft, Transform};
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use ndarray::Array2;

use super::augment::{sample_excerpt, AugmentConfig, SeededRng};
use super::dataset::StemDataset;
use super::model::{OpenUnmix, OpenUnmixConfig};
use super::separator::umx_stft_config;
use crate::{Error, Result};

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
    /// L2 weight decay, decoupled (`--weight-decay`, 0.00001).
    pub weight_decay: f64,
    /// Stop (after the current epoch) once this many seconds have passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, the excerpts and the augmentations (`--seed`).
    pub seed: u64,
    /// Augmentations of the training excerpts.
    pub augment: AugmentConfig,
    /// Seconds of each validation song used (from its start); `None` = whole songs.
    pub valid_seconds: Option<f64>,
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
            time_limit_seconds: None,
            seed: 42,
            augment: AugmentConfig::default(),
            valid_seconds: Some(10.0),
        }
    }
}

/// Progress of [`train`], reported after each step and epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainProgress {
    /// Epoch (from 1).
    pub epoch: usize,
    /// Step within the epoch (from 1).
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Running mean training loss of the epoch.
    pub train_loss: f64,
    /// Validation loss after the epoch (`None` during the epoch).
    pub valid_loss: Option<f64>,
    /// Training throughput, spectrogram frames per second (all excerpts of the epoch so far).
    pub frames_per_second: f64,
    /// Seconds since the start.
    pub elapsed: f64,
}

/// The result of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// `(train_loss, valid_loss)` per epoch.
    pub history: Vec<(f64, f64)>,
    /// The epoch (from 1) with the best validation loss, whose weights were saved.
    pub best_epoch: usize,
    /// Its validation loss.
    pub best_valid_loss: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
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

/// Trains one target model on `train`, validating on `valid` after each
/// epoch, and writes the best model (by validation loss) into `out_dir` as
/// `<target>.safetensors` (the checkpoint's key names, BatchNorm running
/// statistics included), `<target>.json` (`args.nfft`, `args.nhop`,
/// `args.hidden_size`, `args.nb_channels`, ...) and `separator.json`, so
/// `out_dir` loads with [`super::OpenUnmixSeparator::from_dir`].
///
/// Per step: `batch_size` excerpts from [`sample_excerpt`] (augmented), their
/// magnitude STFTs `|X|`, `|S|`, the train-mode forward pass
/// ([`OpenUnmix::forward_t`] with `train = true`) and the loss `mean((model(|X|) - |S|)²)`
/// (`torch.nn.functional.mse_loss`), one Adam step. Before training,
/// `input_mean` and `input_scale` are set to minus the mean and the inverse
/// standard deviation of the channel-averaged mixture magnitudes of the
/// training songs per bin, as `openunmix/train.py`'s `get_statistics`. The
/// validation loss is the same MSE on the (unaugmented) validation songs.
/// Deterministic for a seed (up to the thread scheduling of candle's
/// reductions).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an empty dataset, `nb_bins != n_fft/2 + 1`,
/// or zero sizes; candle and `audio_dsp` errors; [`Error::File`] /
/// `audio_io` errors writing the checkpoint.
pub fn train(
    train: &StemDataset,
    valid: &StemDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
    mut progress: impl FnMut(&TrainProgress),
) -> Result<TrainReport> {
    let out_dir = out_dir.as_ref();
    let mc = config.model;
    mc.validate()?;
    if mc.nb_bins != config.n_fft / 2 + 1 {
        return Err(Error::InvalidParameter {
            name: "model.nb_bins",
            value: mc.nb_bins.to_string(),
            expected: "n_fft / 2 + 1",
        });
    }
    if train.songs.is_empty() || valid.songs.is_empty() {
        return Err(Error::InvalidParameter {
            name: "dataset",
            value: format!(
                "{} train / {} valid songs",
                train.songs.len(),
                valid.songs.len()
            ),
            expected: "at least one training and one validation song",
        });
    }
    if config.batch_size == 0 || config.steps_per_epoch == 0 || config.epochs == 0 {
        return Err(Error::InvalidParameter {
            name: "batch_size/steps_per_epoch/epochs",
            value: format!(
                "{}/{}/{}",
                config.batch_size, config.steps_per_epoch, config.epochs
            ),
            expected: "all > 0",
        });
    }
    let start = Instant::now();
    let stft = Stft::<f32>::new(umx_stft_config(config.n_fft, config.n_hop))?;
    let bins = mc.nb_bins;
    let ch = mc.nb_channels;
    let sr = f64::from(train.sample_rate);
    let seq = ((config.seq_seconds * sr) as usize).max(config.n_fft);

    let varmap = SeededVarMap::new(config.seed);
    let vb = varmap.var_builder(DType::F32, &Device::Cpu);
    let model = OpenUnmix::new(mc, vb)?;
    // Input statistics (openunmix/train.py get_statistics: mono magnitudes).
    let inb = mc.input_bins();
    let mut sum = vec![0f64; inb];
    let mut sum2 = vec![0f64; inb];
    let mut count = 0usize;
    for song in &train.songs {
        let mag = magnitudes(&stft, &song.mixture())?;
        let frames = mag.ncols();
        for t in 0..frames {
            for (f, (s, s2)) in sum.iter_mut().zip(sum2.iter_mut()).enumerate() {
                let v = (0..2)
                    .map(|c| f64::from(mag[[c * bins + f, t]]))
                    .sum::<f64>()
                    / 2.0;
                *s += v;
                *s2 += v * v;
            }
        }
        count += frames;
    }
    let n = count.max(1) as f64;
    let mean: Vec<f32> = sum.iter().map(|s| (-s / n) as f32).collect();
    let scale: Vec<f32> = sum
        .iter()
        .zip(&sum2)
        .map(|(s, s2)| {
            let var = (s2 / n - (s / n).powi(2)).max(0.0);
            (1.0 / var.sqrt().max(1e-8)) as f32
        })
        .collect();
    {
        let data = variables(&varmap);
        if let Some(v) = data.get("input_mean") {
            v.set(&Tensor::from_vec(mean, inb, &Device::Cpu)?)?;
        }
        if let Some(v) = data.get("input_scale") {
            v.set(&Tensor::from_vec(scale, inb, &Device::Cpu)?)?;
        }
    }
    // `Var::set` writes in place: the model's tensors share the storage.

    // Validation batches (fixed, unaugmented).
    let mut valid_set = Vec::new();
    for song in &valid.songs {
        let len = match config.valid_seconds {
            Some(s) => ((s * sr) as usize).min(song.len()),
            None => song.len(),
        };
        if len <= config.n_fft / 2 {
            continue;
        }
        let cut = |a: &Array2<f32>| a.slice(ndarray::s![.., ..len]).to_owned();
        let x = magnitudes(&stft, &cut(&song.mixture()))?;
        let Some(target) = song.stems.get(&config.target) else {
            return Err(Error::InvalidParameter {
                name: "target",
                value: config.target.clone(),
                expected: "a stem of the dataset (vocals, drums, bass, other)",
            });
        };
        let y = magnitudes(&stft, &cut(target))?;
        valid_set.push((batch_tensor(&[x], ch, bins)?, batch_tensor(&[y], ch, bins)?));
    }

    let trainable: Vec<candle_core::Var> = {
        let data = variables(&varmap);
        data.iter()
            .filter(|(k, _)| !k.contains("running_"))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let mut opt = AdamW::new(
        trainable,
        ParamsAdamW {
            lr: config.lr,
            weight_decay: config.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;
    let mut rng = SeededRng::new(config.seed ^ 0x5EED);
    let mut history = Vec::new();
    let mut best = (0usize, f64::INFINITY);
    let mut bad = 0usize;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::File {
        path: out_dir.to_path_buf(),
        source,
    })?;
    for epoch in 1..=config.epochs {
        let t0 = Instant::now();
        let mut loss_sum = 0.0;
        let mut frames_seen = 0usize;
        for step in 1..=config.steps_per_epoch {
            let mut xs = Vec::with_capacity(config.batch_size);
            let mut ys = Vec::with_capacity(config.batch_size);
            for _ in 0..config.batch_size {
                let (mix, tgt) =
                    sample_excerpt(train, &config.target, seq, &config.augment, &mut rng);
                xs.push(magnitudes(&stft, &mix)?);
                ys.push(magnitudes(&stft, &tgt)?);
            }
            frames_seen += xs.len() * xs[0].ncols();
            let x = batch_tensor(&xs, ch, bins)?;
            let y = batch_tensor(&ys, ch, bins)?;
            let est = model.forward_t(&x, true)?;
            let loss = candle_nn::loss::mse(&est, &y)?;
            opt.backward_step(&loss)?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            progress(&TrainProgress {
                epoch,
                step,
                steps: config.steps_per_epoch,
                train_loss: loss_sum / step as f64,
                valid_loss: None,
                frames_per_second: frames_seen as f64 / t0.elapsed().as_secs_f64().max(1e-9),
                elapsed: start.elapsed().as_secs_f64(),
            });
        }
        let train_loss = loss_sum / config.steps_per_epoch as f64;
        let mut vsum = 0.0;
        for (x, y) in &valid_set {
            let est = model.forward(x)?;
            vsum += f64::from(candle_nn::loss::mse(&est, y)?.to_scalar::<f32>()?);
        }
        let valid_loss = vsum / valid_set.len().max(1) as f64;
        history.push((train_loss, valid_loss));
        progress(&TrainProgress {
            epoch,
            step: config.steps_per_epoch,
            steps: config.steps_per_epoch,
            train_loss,
            valid_loss: Some(valid_loss),
            frames_per_second: frames_seen as f64 / t0.elapsed().as_secs_f64().max(1e-9),
            elapsed: start.elapsed().as_secs_f64(),
        });
        if valid_loss < best.1 {
            best = (epoch, valid_loss);
            bad = 0;
            save(&model, &varmap, config, out_dir)?;
        } else {
            bad += 1;
        }
        if bad >= config.patience || !valid_loss.is_finite() {
            break;
        }
        if config
            .time_limit_seconds
            .is_some_and(|l| start.elapsed().as_secs_f64() >= l)
        {
            break;
        }
    }
    Ok(TrainReport {
        history,
        best_epoch: best.0,
        best_valid_loss: best.1,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The store's variables by name. A poisoned lock (a panic elsewhere while
/// it was held) still holds the variables as they were, so it is not an error.
fn variables(varmap: &SeededVarMap) -> MutexGuard<'_, HashMap<String, candle_core::Var>> {
    varmap
        .varmap()
        .data()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Writes `<target>.safetensors`, `<target>.json` and `separator.json`.
fn save(model: &OpenUnmix, varmap: &SeededVarMap, config: &TrainConfig, dir: &Path) -> Result<()> {
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    {
        let data = variables(varmap);
        for (k, v) in data.iter() {
            tensors.insert(k.clone(), v.as_tensor().detach());
        }
    }
    for (k, t) in model.running_stats() {
        tensors.insert(k, t);
    }
    let path = dir.join(format!("{}.safetensors", config.target));
    candle_core::safetensors::save(&tensors, &path)?;
    let mc = config.model;
    let json = serde_json::json!({
        "args": {
            "target": config.target,
            "nfft": config.n_fft,
            "nhop": config.n_hop,
            "hidden_size": mc.hidden_size,
            "nb_channels": mc.nb_channels,
            "nb_layers": mc.nb_layers,
            "unidirectional": mc.unidirectional,
            "max_bin": mc.input_bins(),
            "seq_dur": config.seq_seconds,
            "batch_size": config.batch_size,
            "lr": config.lr,
            "seed": config.seed,
        }
    });
    let write = |name: String, v: &serde_json::Value| -> Result<()> {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap_or_default())
            .map_err(|source| Error::File { path: p, source })
    };
    write(format!("{}.json", config.target), &json)?;
    write(
        "separator.json".into(),
        &serde_json::json!({"sample_rate": 44100, "nfft": config.n_fft, "nhop": config.n_hop, "nb_channels": mc.nb_channels}),
    )?;
    Ok(())
}
