//! Training the frame-window transcriber on a transcription dataset
//! (`ROOT/<split>/<piece>.{wav,mid}`) through the shared trainer: every
//! frame of every training piece is an example (its window of log-mel
//! frames, its 88-key piano-roll column), binary cross-entropy on the
//! sigmoid outputs, Adam, dropout in training (Kong's recipe).

use std::path::Path;

use audio_dsp::SeededRng;
use audio_io::piano_roll::notes_to_piano_roll;
use audio_io::Note;
use audio_nn::init::SeededVarMap;
use audio_nn::loss::bce_with_logits;
use candle_core::{DType, Device, Tensor};
use ndarray::Array2;

use super::config::{FrameMlpConfig, NoteDecoding};
use super::features::{window_into, LogMel, Scaler};
use super::network::FrameMlpNet;
use super::transcriber::{StoredArchitecture, SCALER_MEAN, SCALER_STD};
use crate::augment::item_seed;
use crate::datasets::TranscriptionDataset;
use crate::tagging::Pass;
use crate::training::{
    named_vars, Adam, AdamConfig, Dataset, TrainReport, TrainTask, Trainer, TrainerConfig,
};
use crate::{Error, Result};

/// The architecture name of the frame-window transcriber in checkpoints and
/// on the command line.
pub const ARCHITECTURE: &str = "frame-mlp";

/// Settings of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The network and front end.
    pub model: FrameMlpConfig,
    /// The note decoding stored with the model.
    pub decoding: NoteDecoding,
    /// Frames per batch.
    pub batch_size: usize,
    /// Maximum epochs (one epoch: every training frame once).
    pub epochs: usize,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Stop after the epoch in which this many seconds passed.
    pub time_limit_seconds: Option<f64>,
    /// Seed of the weights, the frame order and dropout.
    pub seed: u64,
    /// Continue from `<out>/last`.
    pub resume: bool,
    /// Show progress.
    pub progress: bool,
}

impl TrainConfig {
    /// Defaults for `model`: batches of 256 frames, 30 epochs, patience 5,
    /// Adam 1e-3.
    pub fn new(model: FrameMlpConfig) -> Self {
        Self {
            model,
            decoding: NoteDecoding::default(),
            batch_size: 256,
            epochs: 30,
            patience: 5,
            lr: 1e-3,
            time_limit_seconds: None,
            seed: 0,
            resume: false,
            progress: false,
        }
    }
}

/// The piano-roll targets of `notes` at the model's frames: `(frames,
/// pitches)`, 1 where pitch `lowest_pitch + k` sounds at frame `t`, as
/// `pretty_midi`'s `get_piano_roll(fs = sample_rate / hop)` (frames
/// `floor(onset·fs) .. floor(offset·fs)`), cut or zero-padded to `frames`.
///
/// # Errors
///
/// As [`notes_to_piano_roll`] (a negative or non-finite note time).
///
/// # Example
///
/// ```
/// use audio_io::Note;
/// use audio_models::frame_mlp::{frame_targets, FrameMlpConfig};
/// let config = FrameMlpConfig::default();
/// let notes = [Note::new(0.1, 0.2, 60, 90)];
/// let y = frame_targets(&notes, 20, &config)?;
/// assert_eq!(y.dim(), (20, 88));
/// // 43.07 frames a second: frames floor(4.31) .. floor(8.61), i.e. 4 ..= 7.
/// let on: Vec<usize> = (0..20).filter(|&t| y[(t, 39)] == 1.0).collect();
/// assert_eq!(on, vec![4, 5, 6, 7]);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn frame_targets(
    notes: &[Note],
    frames: usize,
    config: &FrameMlpConfig,
) -> Result<Array2<f32>> {
    let roll = notes_to_piano_roll(notes, config.frame_rate(), Some(frames))?;
    let lo = usize::from(config.lowest_pitch);
    let mut y = Array2::<f32>::zeros((frames, config.pitches));
    for k in 0..config.pitches {
        for (t, v) in roll.row(lo + k).iter().enumerate().take(frames) {
            if *v > 0.0 {
                y[(t, k)] = 1.0;
            }
        }
    }
    Ok(y)
}

/// A piece in memory: standardised features `(frames, n_mels)` and targets
/// `(frames, pitches)`.
struct Piece {
    features: Array2<f32>,
    targets: Array2<f32>,
}

/// The log-mel frames and targets of every piece of `data`.
fn load_pieces(
    data: &TranscriptionDataset,
    config: &FrameMlpConfig,
) -> Result<Vec<(Array2<f32>, Array2<f32>)>> {
    if data.sample_rate() != config.sample_rate {
        return Err(Error::InvalidParameter {
            name: "sample_rate",
            value: format!("{} Hz", data.sample_rate()),
            expected: "the model's sample rate (render the dataset at it)",
        });
    }
    let log_mel = LogMel::new(config)?;
    (0..data.len())
        .map(|i| {
            let (samples, notes) = data.get(i)?;
            let mono = audio_io::to_mono(&samples);
            let features = log_mel.frames(&mono.row(0).to_vec())?;
            let targets = frame_targets(&notes, features.nrows(), config)?;
            Ok((features, targets))
        })
        .collect()
}

/// Every frame of a set of pieces, as windows and targets.
struct Frames<'a> {
    pieces: &'a [Piece],
    index: Vec<(u32, u32)>,
    config: &'a FrameMlpConfig,
    pad: Vec<f32>,
}

impl<'a> Frames<'a> {
    fn new(pieces: &'a [Piece], config: &'a FrameMlpConfig, pad: Vec<f32>) -> Self {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "pieces and frames are far fewer than 2^32"
        )]
        let index = pieces
            .iter()
            .enumerate()
            .flat_map(|(p, piece)| (0..piece.features.nrows()).map(move |t| (p as u32, t as u32)))
            .collect();
        Self {
            pieces,
            index,
            config,
            pad,
        }
    }
}

/// One example: the window `(context × n_mels)` and the target `(pitches)`.
type FrameExample = (Vec<f32>, Vec<f32>);

impl Dataset for Frames<'_> {
    type Item = FrameExample;

    fn len(&self) -> usize {
        self.index.len()
    }

    fn get(&self, index: usize) -> Result<FrameExample> {
        let &(p, t) = self.index.get(index).ok_or(Error::InvalidParameter {
            name: "index",
            value: index.to_string(),
            expected: "an index below the number of frames",
        })?;
        let piece = &self.pieces[p as usize];
        let mut x = vec![0.0f32; self.config.input_size()];
        window_into(
            piece.features.view(),
            t as usize,
            self.config.context,
            &self.pad,
            &mut x,
        );
        Ok((x, piece.targets.row(t as usize).to_vec()))
    }
}

struct FrameTask {
    net: FrameMlpNet,
    scaler: Scaler,
    rng: SeededRng,
    architecture: serde_json::Value,
}

impl FrameTask {
    fn batch(&self, batch: &[FrameExample]) -> Result<(Tensor, Tensor)> {
        let c = self.net.config();
        let b = batch.len();
        let x: Vec<f32> = batch.iter().flat_map(|e| e.0.iter().copied()).collect();
        let y: Vec<f32> = batch.iter().flat_map(|e| e.1.iter().copied()).collect();
        Ok((
            Tensor::from_vec(x, (b, c.input_size()), &Device::Cpu)?,
            Tensor::from_vec(y, (b, c.pitches), &Device::Cpu)?,
        ))
    }
}

impl TrainTask for FrameTask {
    type Item = FrameExample;

    fn train_loss(&mut self, batch: Vec<FrameExample>) -> Result<Tensor> {
        let (x, y) = self.batch(&batch)?;
        let logits = self.net.forward_t(&x, &mut Pass::Train(&mut self.rng))?;
        Ok(bce_with_logits(&logits, &y)?)
    }

    fn valid_loss(&mut self, batch: Vec<FrameExample>) -> Result<f64> {
        let (x, y) = self.batch(&batch)?;
        let logits = self.net.forward(&x)?;
        Ok(f64::from(bce_with_logits(&logits, &y)?.to_scalar::<f32>()?))
    }

    fn start_epoch(&mut self, epoch: usize, seed: u64) {
        self.rng = SeededRng::new(item_seed(seed, epoch as u64, u64::MAX));
    }

    fn architecture(&self) -> serde_json::Value {
        self.architecture.clone()
    }

    fn buffers(&self) -> Result<Vec<(String, Tensor)>> {
        let n = self.scaler.mean.len();
        Ok(vec![
            (
                SCALER_MEAN.to_string(),
                Tensor::from_vec(self.scaler.mean.clone(), n, &Device::Cpu)?,
            ),
            (
                SCALER_STD.to_string(),
                Tensor::from_vec(self.scaler.std.clone(), n, &Device::Cpu)?,
            ),
        ])
    }
}

/// Trains a frame-window transcriber on `train`, validating on `valid`
/// (binary cross-entropy over every validation frame), into `out_dir`
/// (`best/` loads with [`super::FrameMlp::load`]). The standardisation is
/// fitted on the training frames and saved with the weights.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for zero sizes, a bad configuration, or a
/// dataset at another rate than the model's; [`Error::Empty`] for an empty
/// split; those of the dataset reader and the trainer.
pub fn train(
    train: &TranscriptionDataset,
    valid: &TranscriptionDataset,
    config: &TrainConfig,
    out_dir: impl AsRef<Path>,
) -> Result<TrainReport> {
    let model = config.model.clone();
    model.validate()?;
    config.decoding.validate()?;
    for (name, v) in [("batch_size", config.batch_size), ("epochs", config.epochs)] {
        if v == 0 {
            return Err(Error::InvalidParameter {
                name,
                value: "0".into(),
                expected: "> 0",
            });
        }
    }
    let train_raw = load_pieces(train, &model)?;
    let valid_raw = load_pieces(valid, &model)?;
    let scaler = Scaler::fit(train_raw.iter().map(|(f, _)| f))?;
    let standardise = |raw: Vec<(Array2<f32>, Array2<f32>)>| -> Vec<Piece> {
        raw.into_iter()
            .map(|(mut features, targets)| {
                scaler.apply(&mut features);
                Piece { features, targets }
            })
            .collect()
    };
    let train_pieces = standardise(train_raw);
    let valid_pieces = standardise(valid_raw);
    let pad = scaler.silence();
    let train_frames = Frames::new(&train_pieces, &model, pad.clone());
    let valid_frames = Frames::new(&valid_pieces, &model, pad);
    let store = SeededVarMap::new(config.seed);
    let net = FrameMlpNet::new(model.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
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
            "train_frames": train_frames.len(),
            "valid_frames": valid_frames.len(),
            "loss": "binary cross-entropy per frame and pitch; validation the same",
        }),
        max_seconds: config.time_limit_seconds,
    };
    let mut trainer = Trainer::new(
        trainer_config,
        store.varmap().clone(),
        Box::new(optimizer),
        None,
    )?;
    let architecture = serde_json::to_value(StoredArchitecture {
        model: model.clone(),
        decoding: config.decoding,
    })
    .map_err(|source| Error::ModelJson {
        path: out_dir.as_ref().to_path_buf(),
        source,
    })?;
    let mut task = FrameTask {
        net,
        scaler,
        rng: SeededRng::new(config.seed),
        architecture,
    };
    trainer.fit(&mut task, &train_frames, &valid_frames)
}
