//! A tagging network with its labels, behind the `Classifier` trait:
//! segment-level scores and the track-level aggregate.

use std::collections::HashMap;
use std::path::Path;

use audio_io::weights::{Dtype, Weights};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array1, ArrayView2, Axis};
use serde::Serialize;

use super::blocks::Pass;
use super::config::{Architecture, TaggerConfig};
use super::network::TaggerNet;
use crate::error::{Error, Result};
use crate::mixture_source::{InMemoryMixture, MixtureSource};
use crate::training::{read_checkpoint_info, WEIGHTS_FILE};
use crate::traits::Classifier;

/// Segments per forward pass: bounds the activations' memory on long inputs.
const SEGMENTS_PER_BATCH: usize = 8;

/// Samples read from a [`MixtureSource`] at a time.
const READ_BLOCK: usize = 1 << 16;

/// How a track is cut into the network's fixed-length segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SegmentPlan {
    /// The fewest full segments that cover the track, spread evenly: `n =
    /// ⌈len / L⌉` segments starting at `round(i · (len − L) / (n − 1))`, so
    /// the first starts at the first sample and the last ends at the last
    /// (neighbours overlap by less than a segment); a track shorter than one
    /// segment is zero-padded to one. The default.
    #[default]
    Covering,
    /// Consecutive segments from the start; a last partial segment (or a
    /// track shorter than one segment) is zero-padded. Every sample is seen
    /// once.
    Consecutive,
    /// The reference's evaluation (`sota-music-tagging-models`' `eval.py`):
    /// `chunks` segments starting at `i · ⌊(len − L) / chunks⌋`, which
    /// spread over the track and may overlap; a track shorter than one
    /// segment is zero-padded to one.
    Spread {
        /// Number of segments (16 in the reference).
        chunks: usize,
    },
}

/// How segment scores become the track's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// The mean over segments (the reference's).
    #[default]
    Mean,
    /// The maximum over segments.
    Max,
}

/// The scores of one segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentScores {
    /// Where the segment starts, in seconds.
    pub start_seconds: f64,
    /// One probability per label.
    pub probabilities: Vec<f32>,
}

/// A tagged track: the labels, each segment's probabilities and the
/// aggregate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagReport {
    /// The label names, in output order.
    pub labels: Vec<String>,
    /// Whether the outputs are independent sigmoids (multi-label) or one
    /// softmax.
    pub multi_label: bool,
    /// Per segment.
    pub segments: Vec<SegmentScores>,
    /// The track's probabilities (the segments aggregated).
    pub track: Vec<f32>,
}

impl TagReport {
    /// The labels with their track probabilities, most probable first.
    pub fn ranked(&self) -> Vec<(&str, f32)> {
        let mut v: Vec<(&str, f32)> = self
            .labels
            .iter()
            .map(String::as_str)
            .zip(self.track.iter().copied())
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }
}

/// A tagging or classification network ready for inference: the network,
/// its configuration (labels, rate, segment length) and the device.
///
/// ```no_run
/// use audio_models::tagging::{Aggregation, SegmentPlan, Tagger};
///
/// let tagger = Tagger::load("runs/samplecnn/best")?;
/// let audio = vec![0.0f32; 5 * tagger.config().sample_rate as usize];
/// let report = tagger.tag(&audio, SegmentPlan::Covering, Aggregation::Mean)?;
/// println!("{:?}", report.ranked()[0]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tagger {
    net: TaggerNet,
    config: TaggerConfig,
    device: Device,
}

fn tensor_map(weights: &Weights, device: &Device) -> Result<HashMap<String, Tensor>> {
    let mut map = HashMap::new();
    for key in weights.keys() {
        let t = weights.get(key)?;
        if matches!(t.dtype, Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64) {
            map.insert(
                key.to_string(),
                Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), device)?,
            );
        }
    }
    Ok(map)
}

impl Tagger {
    /// Builds the network of `config` from `vb`.
    ///
    /// # Errors
    ///
    /// As [`TaggerNet::new`].
    pub fn new(config: TaggerConfig, vb: VarBuilder) -> Result<Self> {
        let device = vb.device().clone();
        let net = TaggerNet::new(&config, vb)?;
        Ok(Self {
            net,
            config,
            device,
        })
    }

    /// Builds `config`'s network from a weight file (`.pth` state dict or
    /// `.safetensors`) under the reference's key names. Keys the network
    /// does not use (torchaudio's `spec.*` buffers, `num_batches_tracked`)
    /// are ignored.
    ///
    /// # Errors
    ///
    /// `audio-io`'s errors reading the file; [`Error::Nn`] naming a missing
    /// key or a key of the wrong shape.
    pub fn from_weights_file(
        config: TaggerConfig,
        path: impl AsRef<Path>,
        device: &Device,
    ) -> Result<Self> {
        let weights = Weights::load(path)?;
        Self::from_weights(config, &weights, device)
    }

    /// As [`Tagger::from_weights_file`], from loaded weights.
    ///
    /// # Errors
    ///
    /// As [`Tagger::new`].
    pub fn from_weights(config: TaggerConfig, weights: &Weights, device: &Device) -> Result<Self> {
        let map = tensor_map(weights, device)?;
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// Loads the reference's `.pth` state dict of `architecture`, reading
    /// the number of outputs and the width from the tensors' shapes (the
    /// other settings are [`TaggerConfig::reference`]'s: 16 kHz, 59049
    /// samples, multi-label).
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] when the file lacks the output layer; as
    /// [`Tagger::from_weights`].
    pub fn from_reference(architecture: Architecture, path: impl AsRef<Path>) -> Result<Self> {
        let weights = Weights::load(path)?;
        let head = match architecture {
            Architecture::SampleCnn | Architecture::SincnetSampleCnn => "dense.weight",
            Architecture::VggMel => "out.weight",
            _ => "dense2.weight",
        };
        let shape = &weights
            .get(head)
            .map_err(|_| Error::MissingKey {
                key: head.to_string(),
                expected: Vec::new(),
            })?
            .shape;
        let mut config = TaggerConfig::reference(architecture, shape.first().copied().unwrap_or(0));
        if !architecture.is_waveform() {
            if let Some(first) = weights
                .get("layer1.conv.weight")
                .or_else(|_| weights.get("layer1.conv_1.weight"))
                .or_else(|_| weights.get("stack1.conv1.weight"))
                .ok()
                .and_then(|t| t.shape.first().copied())
            {
                config.n_channels = first;
            }
        }
        Self::from_weights(config, &weights, &Device::Cpu)
    }

    /// Loads a training checkpoint directory (`weights.safetensors` and the
    /// sidecar whose `architecture` is the [`TaggerConfig`]), e.g. a run's
    /// `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for an unreadable directory;
    /// [`Error::InvalidParameter`] when the sidecar is not a tagger's.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let info = read_checkpoint_info(dir)?;
        let config: TaggerConfig = serde_json::from_value(info.architecture.clone()).map_err(
            |_| Error::InvalidParameter {
                name: "architecture",
                value: info.architecture.to_string(),
                expected:
                    "a tagging network's configuration (a checkpoint written by tagging::train)",
            },
        )?;
        Self::from_weights_file(config, dir.join(WEIGHTS_FILE), &Device::Cpu)
    }

    /// Renames the outputs (e.g. the tag names of a reference checkpoint,
    /// which stores none); the network is unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless there is one label per output.
    pub fn with_labels(mut self, labels: Vec<String>) -> Result<Self> {
        if labels.len() != self.config.n_class() {
            return Err(Error::InvalidParameter {
                name: "labels",
                value: format!("{} labels", labels.len()),
                expected: "one label per output of the model",
            });
        }
        self.config.labels = labels;
        Ok(self)
    }

    /// The configuration.
    pub fn config(&self) -> &TaggerConfig {
        &self.config
    }

    /// The network.
    pub fn network(&self) -> &TaggerNet {
        &self.net
    }

    /// Probabilities `(batch, n_class)` of segments `(batch,
    /// input_length)`: sigmoids for a multi-label model, a softmax
    /// otherwise.
    ///
    /// # Errors
    ///
    /// The network's shape errors.
    pub fn probabilities(&self, segments: &Tensor) -> Result<Tensor> {
        let logits = self.net.forward(segments, &mut Pass::Eval)?;
        Ok(if self.config.multi_label {
            candle_nn::ops::sigmoid(&logits)?
        } else {
            candle_nn::ops::softmax_last_dim(&logits)?
        })
    }

    fn starts(&self, len: usize, plan: SegmentPlan) -> Result<Vec<usize>> {
        let l = self.config.input_length;
        Ok(match plan {
            SegmentPlan::Covering => {
                let n = len.div_ceil(l).max(1);
                if n == 1 {
                    vec![0]
                } else {
                    let spare = len - l;
                    (0..n)
                        .map(|i| (i * spare + (n - 1) / 2) / (n - 1))
                        .collect()
                }
            }
            SegmentPlan::Consecutive => (0..len.max(1).div_ceil(l)).map(|i| i * l).collect(),
            SegmentPlan::Spread { chunks } => {
                if chunks == 0 {
                    return Err(Error::InvalidParameter {
                        name: "chunks",
                        value: "0".into(),
                        expected: "at least one segment",
                    });
                }
                let hop = len.saturating_sub(l) / chunks;
                (0..chunks).map(|i| i * hop).collect()
            }
        })
    }

    /// Tags a mono signal at [`TaggerConfig::sample_rate`]: the
    /// probabilities of each segment of `plan` and their aggregate.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no samples; [`Error::NonFinite`] for a NaN or
    /// infinite sample; [`Error::InvalidParameter`] for `Spread` with zero
    /// chunks.
    pub fn tag(
        &self,
        audio: &[f32],
        plan: SegmentPlan,
        aggregation: Aggregation,
    ) -> Result<TagReport> {
        if audio.is_empty() {
            return Err(Error::Empty { what: "audio" });
        }
        if let Some(index) = audio.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "audio",
                index,
            });
        }
        let mono = ArrayView2::from_shape((1, audio.len()), audio)
            .map_err(|_| Error::Empty { what: "audio" })?;
        self.tag_source(&mut InMemoryMixture::new(mono), plan, aggregation)
    }

    /// [`Tagger::tag`] of a mono signal read block by block (a
    /// [`FileMixture::open_mono`](crate::mixture_source::FileMixture::open_mono)
    /// decodes a file as it goes): the same scores, holding one segment
    /// and one read block of samples, whatever the length.
    ///
    /// # Errors
    ///
    /// As [`Tagger::tag`]; [`Error::ShapeMismatch`] for a source of more
    /// than one channel or one that ends before its `len`; the source's own.
    pub fn tag_source(
        &self,
        source: &mut dyn MixtureSource,
        plan: SegmentPlan,
        aggregation: Aggregation,
    ) -> Result<TagReport> {
        let len = source.len();
        if source.channels() != 1 {
            return Err(Error::ShapeMismatch {
                what: "tagger input",
                expected: "one channel".into(),
                got: vec![source.channels(), len],
            });
        }
        if len == 0 {
            return Err(Error::Empty { what: "audio" });
        }
        let l = self.config.input_length;
        let starts = self.starts(len, plan)?;
        source.rewind()?;
        // Samples from `held_from` on; `read` samples read so far.
        let mut held: Vec<f32> = Vec::new();
        let mut held_from = 0usize;
        let mut read = 0usize;
        let mut segments = Vec::with_capacity(starts.len());
        let mut flat: Vec<f32> = Vec::with_capacity(SEGMENTS_PER_BATCH * l);
        let mut batch: Vec<usize> = Vec::with_capacity(SEGMENTS_PER_BATCH);
        for (k, &s) in starts.iter().enumerate() {
            let end = (s + l).min(len);
            while read < end {
                let block = source.read(READ_BLOCK)?;
                if block.ncols() == 0 {
                    return Err(Error::ShapeMismatch {
                        what: "tagger input",
                        expected: format!("{len} samples, as the source said"),
                        got: vec![read],
                    });
                }
                let row = block.row(0);
                if let Some(i) = row.iter().position(|v| !v.is_finite()) {
                    return Err(Error::NonFinite {
                        what: "audio",
                        index: read + i,
                    });
                }
                held.extend(row.iter().copied());
                read += row.len();
            }
            // A zero-padded row of the segment's samples.
            let from = s.max(held_from) - held_from;
            let to = end.max(held_from) - held_from;
            let at = flat.len();
            flat.resize(at + l, 0.0);
            flat[at..at + (to - from)].copy_from_slice(&held[from..to]);
            batch.push(s);
            if batch.len() == SEGMENTS_PER_BATCH || k + 1 == starts.len() {
                let x =
                    Tensor::from_vec(std::mem::take(&mut flat), (batch.len(), l), &self.device)?;
                let p = self
                    .probabilities(&x)?
                    .to_dtype(DType::F32)?
                    .to_vec2::<f32>()?;
                for (&s, probabilities) in batch.iter().zip(p) {
                    #[allow(clippy::cast_precision_loss, reason = "sample offsets < 2^53")]
                    let start_seconds = s as f64 / f64::from(self.config.sample_rate);
                    segments.push(SegmentScores {
                        start_seconds,
                        probabilities,
                    });
                }
                batch.clear();
                flat.reserve(SEGMENTS_PER_BATCH * l);
            }
            // Keep what the next segment needs.
            let next = starts.get(k + 1).copied().unwrap_or(read).min(read);
            if next > held_from {
                held.drain(..next - held_from);
                held_from = next;
            }
        }
        let n = self.config.n_class();
        let mut track = vec![
            match aggregation {
                Aggregation::Mean => 0.0,
                Aggregation::Max => f32::NEG_INFINITY,
            };
            n
        ];
        for seg in &segments {
            for (t, &p) in track.iter_mut().zip(&seg.probabilities) {
                *t = match aggregation {
                    Aggregation::Mean => *t + p,
                    Aggregation::Max => t.max(p),
                };
            }
        }
        if aggregation == Aggregation::Mean {
            #[allow(clippy::cast_precision_loss, reason = "segment counts < 2^24")]
            let k = segments.len() as f32;
            track.iter_mut().for_each(|t| *t /= k);
        }
        Ok(TagReport {
            labels: self.config.labels.clone(),
            multi_label: self.config.multi_label,
            segments,
            track,
        })
    }
}

/// The track-level probabilities of the channels' mean:
/// [`SegmentPlan::Covering`] segments, averaged.
impl Classifier for Tagger {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    fn labels(&self) -> Vec<String> {
        self.config.labels.clone()
    }

    fn classify(&self, audio: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        let mono = audio
            .mean_axis(Axis(0))
            .ok_or(Error::Empty { what: "audio" })?;
        let report = self.tag(
            mono.as_slice().unwrap_or(&mono.to_vec()),
            SegmentPlan::Covering,
            Aggregation::Mean,
        )?;
        Ok(Array1::from(report.track))
    }
}
