//! A MelGAN vocoder: log-mel in, waveform out, in chunks of bounded memory;
//! copy synthesis; the evaluation against Griffin-Lim on the same mel.

use std::collections::HashMap;
use std::path::Path;

use audio_dsp::feature::inverse::{mel_to_audio, MelToAudioConfig, MelToStftConfig};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::config::MelGanConfig;
use super::generator::MelGanGenerator;
use super::mel::LogMel;
use crate::datasets::TranscriptionDataset;
use crate::evaluation::mean_distances_over_split;
use crate::evaluation::SpectralDistances;
use crate::training::read_trained;
use crate::{Error, Result};

/// Frames the generator runs on at once in [`MelGan::vocode`] (plus its
/// context on both sides): about 3 s at the defaults.
pub const CHUNK_FRAMES: usize = 256;

/// [`MelGan::vocode_stream`]: the generator over chunks of
/// [`CHUNK_FRAMES`] log-mel frames (with the generator's context on both
/// sides, cropped), run as the frames arrive.
#[derive(Debug)]
pub struct VocodeStream<'a> {
    gan: &'a MelGan,
    /// Frames of the whole spectrogram.
    frames: usize,
    /// Frames from `held_from` on.
    held: Array2<f32>,
    held_from: usize,
    /// The next chunk's first frame.
    start: usize,
}

impl VocodeStream<'_> {
    /// Feeds log-mel frames `(n_mels, k)` and returns the samples of the
    /// chunks they complete.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another band count, more frames than
    /// announced or non-finite values; candle errors.
    pub fn push(&mut self, mel: ArrayView2<'_, f32>) -> Result<Vec<f32>> {
        let received = self.held_from + self.held.ncols() + mel.ncols();
        if mel.nrows() != self.held.nrows() || received > self.frames {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: format!(
                    "{:?} with {} of {} frames in",
                    mel.dim(),
                    received,
                    self.frames
                ),
                expected: "the model's n_mels bands, and no more frames than announced",
            });
        }
        if mel.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: "a NaN or infinite value".into(),
                expected: "finite log-mel values",
            });
        }
        self.held =
            ndarray::concatenate(ndarray::Axis(1), &[self.held.view(), mel]).map_err(|_| {
                Error::ShapeMismatch {
                    what: "log-mel frames",
                    expected: format!("{} bands", self.held.nrows()),
                    got: mel.shape().to_vec(),
                }
            })?;
        self.run(received)
    }

    /// The samples of the chunks not yet run.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when fewer frames came than announced;
    /// candle errors.
    pub fn finish(&mut self) -> Result<Vec<f32>> {
        let received = self.held_from + self.held.ncols();
        if received != self.frames {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: format!("{received} of {} frames", self.frames),
                expected: "every announced frame",
            });
        }
        self.run(received)
    }

    /// Runs every chunk whose frames and context are in.
    fn run(&mut self, received: usize) -> Result<Vec<f32>> {
        let hop = self.gan.generator.hop();
        let margin = self.gan.generator.context_frames();
        let frames = self.frames;
        let mut out = Vec::new();
        while self.start < frames {
            let (start, end) = (self.start, (self.start + CHUNK_FRAMES).min(frames));
            let mut lo = start.saturating_sub(margin);
            let hi = (end + margin).min(frames);
            if hi - lo < 4 {
                lo = hi.saturating_sub(4);
            }
            if hi > received {
                break;
            }
            let x = Tensor::from_vec(
                self.held
                    .slice(s![.., lo - self.held_from..hi - self.held_from])
                    .iter()
                    .copied()
                    .collect::<Vec<f32>>(),
                (1, self.held.nrows(), hi - lo),
                &Device::Cpu,
            )?;
            let y = self
                .gan
                .generator
                .forward(&x)?
                .flatten_all()?
                .to_vec1::<f32>()?;
            out.extend_from_slice(&y[(start - lo) * hop..(end - lo) * hop]);
            self.start = end;
        }
        // Frames before the next chunk's context are never read again.
        let keep_from = self
            .start
            .saturating_sub(margin + 4)
            .clamp(self.held_from, self.held_from + self.held.ncols());
        self.held = self
            .held
            .slice(s![.., keep_from - self.held_from..])
            .to_owned();
        self.held_from = keep_from;
        Ok(out)
    }
}

/// The STFT of the evaluation's spectral distances: the mel's own
/// 1024 points; hop 256.
pub const EVAL_N_FFT: usize = 1024;
/// Hop of the evaluation's STFT.
pub const EVAL_HOP: usize = 256;

/// A trained (or initialised) MelGAN generator with its front end.
///
/// # Example
///
/// ```
/// use audio_models::vocoder::{MelGan, MelGanConfig};
/// use candle_core::{DType, Device};
/// let config = MelGanConfig { ngf: 4, residual_layers: 1, ..MelGanConfig::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let vocoder = MelGan::new(config, vb)?;
/// let tone: Vec<f32> = (0..22_050).map(|n| (n as f32 * 0.06).sin() * 0.5).collect();
/// let y = vocoder.copy_synthesis(&tone)?;
/// assert_eq!(y.len(), 22_050 / 256 * 256);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct MelGan {
    config: MelGanConfig,
    generator: MelGanGenerator,
    mel: LogMel,
}

/// Means over the songs of a split of [`MelGan::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VocoderScores {
    /// Songs scored.
    pub songs: usize,
    /// MelGAN from each song's log-mel spectrogram.
    pub melgan: SpectralDistances,
    /// Griffin-Lim from the same log-mel spectrogram.
    pub griffin_lim: SpectralDistances,
}

impl MelGan {
    /// Builds (or loads) the generator and plans the front end.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: MelGanConfig, vb: VarBuilder) -> Result<Self> {
        let generator = MelGanGenerator::new(&config, vb)?;
        let mel = LogMel::new(&config)?;
        Ok(Self {
            config,
            generator,
            mel,
        })
    }

    /// Builds the generator from a checkpoint's tensors, folding weight
    /// normalisation (`weight_g`/`weight_v`, as `mel2wav` saves its
    /// `best_netG.pt`) into plain weights first.
    ///
    /// # Errors
    ///
    /// As [`MelGan::new`] and [`audio_nn::fold_weight_norm`].
    pub fn from_tensors(
        config: MelGanConfig,
        mut tensors: HashMap<String, Tensor>,
    ) -> Result<Self> {
        audio_nn::fold_weight_norm(&mut tensors)?;
        for t in tensors.values_mut() {
            if t.dtype() != DType::F32 {
                *t = t.to_dtype(DType::F32)?;
            }
        }
        Self::new(
            config,
            VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        )
    }

    /// Loads a trained run (its `best/` checkpoint) or a checkpoint folder.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for a missing or unreadable
    /// checkpoint; missing or misshapen weights, naming the key.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = read_trained(dir.as_ref())?;
        let config: MelGanConfig =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        Self::from_tensors(config, tensors)
    }

    /// The configuration.
    pub fn config(&self) -> &MelGanConfig {
        &self.config
    }

    /// The generator.
    pub fn generator(&self) -> &MelGanGenerator {
        &self.generator
    }

    /// The log-mel spectrogram `(n_mels, frames)` the generator expects.
    ///
    /// # Errors
    ///
    /// As [`LogMel::compute`].
    pub fn mel(&self, samples: &[f32]) -> Result<Array2<f32>> {
        self.mel.compute(samples)
    }

    /// The waveform, `frames · hop` samples, of a log-mel spectrogram
    /// `(n_mels, frames)`: the generator on chunks of [`CHUNK_FRAMES`]
    /// frames with its context on both sides, cropped, so memory does not
    /// grow with the length and the result equals one pass over the whole
    /// input (up to float rounding; tested).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another band count, fewer than 4
    /// frames or non-finite values; candle errors.
    pub fn vocode(&self, mel: ArrayView2<'_, f32>) -> Result<Vec<f32>> {
        let (bands, frames) = mel.dim();
        if bands != self.config.n_mels || frames < 4 {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: format!("shape ({bands}, {frames})"),
                expected: "(n_mels, frames) with the model's n_mels and at least 4 frames",
            });
        }
        if mel.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: "a NaN or infinite value".into(),
                expected: "finite log-mel values",
            });
        }
        let mut stream = self.vocode_stream(frames);
        let mut out = stream.push(mel)?;
        out.extend(stream.finish()?);
        Ok(out)
    }

    /// [`MelGan::vocode`] of a log-mel spectrogram of `frames` frames fed
    /// a few frames at a time (from [`LogMel::stream`]): the same chunks,
    /// so the same samples, each chunk's as soon as its frames and their
    /// context are in. Memory: one chunk and its context.
    pub fn vocode_stream(&self, frames: usize) -> VocodeStream<'_> {
        VocodeStream {
            gan: self,
            frames,
            held: Array2::zeros((self.config.n_mels, 0)),
            held_from: 0,
            start: 0,
        }
    }

    /// Copy synthesis: [`MelGan::mel`] then [`MelGan::vocode`]
    /// (`⌊n / hop⌋ · hop` samples).
    ///
    /// # Errors
    ///
    /// As both.
    pub fn copy_synthesis(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.vocode(self.mel(samples)?.view())
    }

    /// The Griffin-Lim baseline on the same log-mel spectrogram:
    /// `10^mel` (magnitudes) through `librosa.feature.inverse.mel_to_audio`
    /// (NNLS, then 32 fast Griffin-Lim iterations from zero phase, centred
    /// frames), shifted by half a hop to the front end's frame positions,
    /// `frames · hop` samples.
    ///
    /// # Errors
    ///
    /// The inversion's errors.
    pub fn griffin_lim(&self, mel: ArrayView2<'_, f32>) -> Result<Vec<f32>> {
        let c = &self.config;
        let hop = c.hop();
        let length = mel.dim().1 * hop;
        let magnitude = mel.mapv(|v| 10f32.powf(v));
        let config = MelToAudioConfig::<f32> {
            mel: MelToStftConfig {
                sr: f64::from(c.sample_rate),
                n_fft: c.n_fft,
                power: 1.0,
                fmin: c.fmin,
                fmax: c.fmax,
                ..MelToStftConfig::default()
            },
            hop_length: Some(hop),
            length: Some(length - hop / 2),
            ..MelToAudioConfig::default()
        };
        let y = mel_to_audio(magnitude.view(), &config)?;
        let mut out = vec![0.0f32; hop / 2];
        out.extend_from_slice(&y);
        out.truncate(length);
        Ok(out)
    }

    /// Vocodes every song of a split (`limit`: the first songs only) from
    /// its log-mel spectrogram and scores it against the original by
    /// spectral convergence and log-STFT distance (STFT 1024 / 256),
    /// beside Griffin-Lim on the same mel. Means over the songs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a split at another rate;
    /// [`Error::Empty`] for no songs; the readers' and the models'.
    pub fn evaluate(
        &self,
        data: &TranscriptionDataset,
        limit: Option<usize>,
    ) -> Result<VocoderScores> {
        let (songs, melgan, griffin_lim) = mean_distances_over_split(
            data,
            self.config.sample_rate,
            limit,
            (EVAL_N_FFT, EVAL_HOP),
            "vocoder split",
            |mono| {
                let mel = self.mel(mono)?;
                Ok((self.vocode(mel.view())?, self.griffin_lim(mel.view())?))
            },
        )?;
        Ok(VocoderScores {
            songs,
            melgan,
            griffin_lim,
        })
    }
}
