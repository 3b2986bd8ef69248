//! Training the melody LSTM on a melody dataset through the shared trainer:
//! windows of `sequence_length` symbols of the joined songs, the next
//! symbol as the target, cross-entropy on it, Adam (the seed's recipe).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use audio_dsp::SeededRng;
use audio_io::melody::MelodySymbol;
use audio_nn::init::SeededVarMap;
use candle_core::{DType, Device, Tensor};
use serde::Serialize;

use super::encoding::{encode_song, Vocabulary};
use super::network::{MelodyLstm, MelodyLstmConfig};
use crate::augment::item_seed;
use crate::datasets::MelodyDataset;
use crate::tagging::Pass;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of the melody LSTM in checkpoints and on the
/// command line.
pub const ARCHITECTURE: &str = "melody-lstm";

/// The most validation windows scored per epoch (evenly spaced).
const MAX_VALID_WINDOWS: usize = 4096;

/// The encoded songs of a split and how many were rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncodedSongs {
    /// The accepted songs, transposed and encoded.
    #[serde(skip)]
    pub songs: Vec<Vec<MelodySymbol>>,
    /// Songs read.
    pub read: usize,
    /// Songs rejected (durations outside the accepted set, off the grid,
    /// overlapping notes, no notes).
    pub rejected: usize,
}

/// Encodes every song of `data` ([`encode_song`]).
///
/// # Errors
///
/// An unreadable file.
pub fn encode_songs(data: &MelodyDataset) -> Result<EncodedSongs> {
    let mut songs = Vec::new();
    for i in 0..data.len() {
        if let Some(s) = encode_song(data, i)? {
            songs.push(s);
        }
    }
    Ok(EncodedSongs {
        read: data.len(),
        rejected: data.len() - songs.len(),
        songs,
    })
}

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// LSTM cells (the seed: 256).
    pub hidden_size: usize,
    /// LSTM layers.
    pub num_layers: usize,
    /// Symbols per input sequence (the seed: 64).
    pub sequence_length: usize,
    /// Dropout on the LSTM output.
    pub dropout: f64,
    /// Windows per batch.
    pub batch_size: usize,
    /// Batches per epoch (random windows).
    pub steps_per_epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, windows and dropout.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Show progress.
    pub progress: bool,
}

impl Default for TrainConfig {
    /// The seed's model (256 cells, sequences of 64, dropout 0.2), batches of
    /// 64 windows, 100 batches an epoch, 50 epochs, patience 5, Adam 1e-3.
    fn default() -> Self {
        Self {
            hidden_size: 256,
            num_layers: 1,
            sequence_length: 64,
            dropout: 0.2,
            batch_size: 64,
            steps_per_epoch: 100,
            epochs: 50,
            patience: 5,
            lr: 1e-3,
            time_limit_seconds: None,
            seed: 0,
            resume: false,
            progress: false,
        }
    }
}

/// A window: `sequence_length` input ids and the next id.
type Window = (Vec<usize>, usize);

/// Windows of a joined sequence: input `ids[i..i + L]`, target `ids[i + L]`.
pub(crate) struct Windows<'a> {
    pub(crate) ids: &'a [usize],
    pub(crate) length: usize,
    /// Window starts (all, or a random draw per epoch when `random`).
    pub(crate) starts: Vec<usize>,
    pub(crate) random: Option<(u64, usize)>,
    pub(crate) epoch: AtomicU64,
}

impl Windows<'_> {
    fn count(&self) -> usize {
        self.ids.len().saturating_sub(self.length)
    }
}

impl Dataset for Windows<'_> {
    type Item = Window;

    fn len(&self) -> usize {
        match self.random {
            Some((_, n)) => n,
            None => self.starts.len(),
        }
    }

    fn get(&self, index: usize) -> Result<Window> {
        let start = match self.random {
            Some((seed, _)) => {
                let epoch = self.epoch.load(Ordering::Relaxed);
                SeededRng::new(item_seed(seed, epoch, index as u64)).below(self.count())
            }
            None => *self.starts.get(index).ok_or(Error::InvalidParameter {
                name: "index",
                value: index.to_string(),
                expected: "an index below the number of windows",
            })?,
        };
        Ok((
            self.ids[start..start + self.length].to_vec(),
            self.ids[start + self.length],
        ))
    }

    fn start_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }
}

/// The inputs `(batch, L, V)` and targets `(batch,)` of windows.
pub(crate) fn batch_tensors(net: &MelodyLstm, batch: &[Window]) -> Result<(Tensor, Tensor)> {
    let ids: Vec<usize> = batch.iter().flat_map(|w| w.0.iter().copied()).collect();
    let x = net.one_hot(&ids, batch.len())?;
    #[allow(clippy::cast_possible_truncation, reason = "vocabulary ids are small")]
    let y: Vec<u32> = batch.iter().map(|w| w.1 as u32).collect();
    Ok((x, Tensor::from_vec(y, batch.len(), &Device::Cpu)?))
}

struct MelodyTask {
    net: MelodyLstm,
    rng: SeededRng,
    architecture: serde_json::Value,
}

impl TrainTask for MelodyTask {
    type Item = Window;

    fn train_loss(&mut self, batch: Vec<Window>) -> Result<Tensor> {
        let (x, y) = batch_tensors(&self.net, &batch)?;
        let logits = self.net.next_logits(&x, &mut Pass::Train(&mut self.rng))?;
        Ok(candle_nn::loss::cross_entropy(&logits, &y)?)
    }

    fn valid_loss(&mut self, batch: Vec<Window>) -> Result<f64> {
        let (x, y) = batch_tensors(&self.net, &batch)?;
        let logits = self.net.next_logits(&x, &mut Pass::Eval)?;
        Ok(f64::from(
            candle_nn::loss::cross_entropy(&logits, &y)?.to_scalar::<f32>()?,
        ))
    }

    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        self.rng = SeededRng::new(item_seed(seed, epoch as u64, u64::MAX));
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }
}

/// Trains a melody LSTM on `train`, validating on `valid` (cross-entropy
/// of the next symbol), into `out_dir` (`best/` loads with
/// [`super::MelodyModel::load`]). The vocabulary is the training songs'.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes; [`Error::Empty`] when no
/// song is accepted or the songs are shorter than a window; those of the
/// readers and the trainer.
pub fn train(
    train: &MelodyDataset,
    valid: &MelodyDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    for (name, v) in [
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
    let train_songs = encode_songs(train)?;
    if train_songs.songs.is_empty() {
        return Err(Error::Empty {
            what: "accepted training melodies",
        });
    }
    let vocabulary = Vocabulary::of(&train_songs.songs);
    let model = MelodyLstmConfig {
        hidden_size: config.hidden_size,
        num_layers: config.num_layers,
        dropout: config.dropout,
        sequence_length: config.sequence_length,
        ..MelodyLstmConfig::new(vocabulary.clone())
    };
    model.validate()?;
    let length = config.sequence_length;
    let (train_ids, _) = vocabulary.join(&train_songs.songs, length)?;
    let valid_songs = encode_songs(valid)?;
    let (valid_ids, _) = vocabulary.join(&valid_songs.songs, length)?;
    let count = |ids: &[usize]| ids.len().saturating_sub(length);
    if count(&train_ids) == 0 || count(&valid_ids) == 0 {
        return Err(Error::Empty {
            what: "melody windows (songs shorter than sequence_length)",
        });
    }
    let stride = count(&valid_ids).div_ceil(MAX_VALID_WINDOWS).max(1);
    let train_windows = Windows {
        ids: &train_ids,
        length,
        starts: Vec::new(),
        random: Some((config.seed, config.steps_per_epoch * config.batch_size)),
        epoch: AtomicU64::new(0),
    };
    let valid_windows = Windows {
        ids: &valid_ids,
        length,
        starts: (0..count(&valid_ids)).step_by(stride).collect(),
        random: None,
        epoch: AtomicU64::new(0),
    };
    let store = SeededVarMap::new(config.seed);
    let net = MelodyLstm::new(model.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
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
            "train_songs": train_songs,
            "valid_songs": valid_songs,
            "steps_per_epoch": config.steps_per_epoch,
            "loss": "cross-entropy of the next symbol after each window",
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
    let mut task = MelodyTask {
        net,
        rng: SeededRng::new(config.seed),
        architecture,
    };
    trainer.fit(&mut task, &train_windows, &valid_windows)
}
