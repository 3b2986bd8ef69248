//! A DDSP autoencoder: features in, audio out; training's differentiable
//! forward; the evaluation against Griffin-Lim.

use std::path::Path;

use audio_nn::synth::{
    harmonic_amplitudes, FilteredNoise, FilteredNoiseStream, HarmonicStream, HarmonicSynth,
};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use super::config::DdspConfig;
use super::features::{DdspFeatures, FeatureExtractor};
use super::network::DdspDecoder;
use crate::datasets::TranscriptionDataset;
use crate::evaluation::mean_distances_over_split;
use crate::evaluation::{griffin_lim_from_mel, SpectralDistances};
use crate::training::read_trained;
use crate::{Error, Result};

/// The STFT of the evaluation's spectral distances: 1024 points, hop 256.
pub const EVAL_N_FFT: usize = 1024;
/// Hop of the evaluation's STFT.
pub const EVAL_HOP: usize = 256;
/// Mel bands of the Griffin-Lim baseline.
pub const EVAL_N_MELS: usize = 128;

/// A trained (or initialised) DDSP autoencoder.
///
/// # Example
///
/// ```
/// use audio_models::ddsp::{Ddsp, DdspConfig};
/// use candle_core::{DType, Device};
/// let config = DdspConfig { mlp_width: 8, gru_size: 8, harmonics: 4, noise_bands: 5, ..DdspConfig::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let model = Ddsp::new(config, vb)?;
/// let tone: Vec<f32> = (0..8000).map(|n| (n as f32 * 2.0 * std::f32::consts::PI * 220.0 / 16_000.0).sin() * 0.3).collect();
/// let y = model.resynthesize(&tone)?;
/// assert_eq!(y.len(), 8000 / 128 * 128);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct Ddsp {
    decoder: DdspDecoder,
    features: FeatureExtractor,
    harmonic: HarmonicSynth,
}

/// Means over the songs of a split of [`Ddsp::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DdspScores {
    /// Songs scored.
    pub songs: usize,
    /// The resynthesis from f0 and loudness.
    pub ddsp: SpectralDistances,
    /// Griffin-Lim from the song's 128-band mel spectrogram.
    pub griffin_lim_mel: SpectralDistances,
}

impl Ddsp {
    /// Builds (or loads) the model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: DdspConfig, vb: VarBuilder) -> Result<Self> {
        let features = FeatureExtractor::new(&config)?;
        let harmonic = HarmonicSynth::new(config.sample_rate, config.hop, config.harmonics)?;
        Ok(Self {
            decoder: DdspDecoder::new(config, vb)?,
            features,
            harmonic,
        })
    }

    /// Loads a trained run (its `best/` checkpoint) or a checkpoint folder.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for a missing or unreadable
    /// checkpoint; missing or misshapen weights, naming the key.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = read_trained(dir.as_ref())?;
        let config: DdspConfig =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        Self::new(
            config,
            VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        )
    }

    /// The configuration.
    pub fn config(&self) -> &DdspConfig {
        self.decoder.config()
    }

    /// The decoder.
    pub fn decoder(&self) -> &DdspDecoder {
        &self.decoder
    }

    /// The controls of `samples` (at the model's rate).
    ///
    /// # Errors
    ///
    /// As [`FeatureExtractor::extract`].
    pub fn features(&self, samples: &[f32]) -> Result<DdspFeatures> {
        self.features.extract(samples)
    }

    /// [`Ddsp::features`] of a signal fed in blocks
    /// ([`FeatureExtractor::stream`]).
    ///
    /// # Errors
    ///
    /// The planners' errors.
    pub fn feature_stream(&self) -> Result<super::features::FeatureStream<'_>> {
        self.features.stream()
    }

    /// Audio `frames · hop` samples long from controls: the decoder over
    /// the whole sequence, then the harmonic and noise synthesisers sample
    /// by sample (no per-sample tensors, so memory grows only with the
    /// frame-rate controls).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no frames; candle errors.
    pub fn synthesize(&self, features: &DdspFeatures) -> Result<Vec<f32>> {
        if features.is_empty() {
            return Err(Error::Empty {
                what: "DDSP controls",
            });
        }
        let mut stream = self.synth_stream()?;
        let mut out = stream.push(&features.f0_hz, &features.loudness_db)?;
        out.extend(stream.finish()?);
        Ok(out)
    }

    /// [`Ddsp::synthesize`] over controls fed a few frames at a time (`audio
    /// resynth` feeds a long file's): the decoder runs on
    /// [`SYNTH_FRAMES`] frames at a time with its GRU state carried, the
    /// harmonic and noise synthesisers carry their phase and overlap, and
    /// each sample is returned once final. `synthesize` is this stream fed
    /// everything, so the two agree to the bit however the frames are fed.
    ///
    /// # Errors
    ///
    /// The synthesisers' configuration errors.
    pub fn synth_stream(&self) -> Result<SynthStream<'_>> {
        let c = self.config();
        Ok(SynthStream {
            ddsp: self,
            state: None,
            f0: Vec::new(),
            loudness: Vec::new(),
            harmonic: self.harmonic.render_stream(),
            noise: FilteredNoiseStream::new(c.noise_bands, c.hop, c.noise_seed)?,
            harmonic_out: Vec::new(),
            noise_out: Vec::new(),
        })
    }

    /// [`Ddsp::features`] then [`Ddsp::synthesize`].
    ///
    /// # Errors
    ///
    /// As both.
    pub fn resynthesize(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.synthesize(&self.features(samples)?)
    }

    /// The differentiable forward of training: controls `(batch, frames)`
    /// to audio `(batch, frames · hop)` through the tensor synthesisers
    /// (`noise` planned for at least `frames` frames with the model's
    /// noise seed).
    ///
    /// # Errors
    ///
    /// Shape errors; candle errors.
    pub fn forward(
        &self,
        f0_hz: &Tensor,
        loudness_db: &Tensor,
        noise: &FilteredNoise,
    ) -> Result<Tensor> {
        let c = self.config();
        let controls = self.decoder.forward(f0_hz, loudness_db)?;
        let amps = harmonic_amplitudes(
            f0_hz,
            &controls.amplitude,
            &controls.distribution,
            c.sample_rate,
        )?;
        let bases = self.harmonic.bases(f0_hz)?;
        let harmonic = self.harmonic.synthesize(&bases, &amps)?;
        Ok((harmonic + noise.synthesize(&controls.noise)?)?)
    }

    /// Resynthesises every song of a split (`limit`: the first songs only)
    /// and scores it against the original by spectral convergence and
    /// log-STFT distance (STFT 1024 / 256), beside Griffin-Lim from the
    /// song's 128-band mel spectrogram. Means over the songs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a split at another rate;
    /// [`Error::Empty`] for no songs; the readers' and the models'.
    pub fn evaluate(
        &self,
        data: &TranscriptionDataset,
        limit: Option<usize>,
    ) -> Result<DdspScores> {
        let c = self.config();
        let (songs, ddsp, griffin_lim_mel) = mean_distances_over_split(
            data,
            c.sample_rate,
            limit,
            (EVAL_N_FFT, EVAL_HOP),
            "DDSP split",
            |mono| {
                Ok((
                    self.resynthesize(mono)?,
                    griffin_lim_from_mel(mono, c.sample_rate, EVAL_N_FFT, EVAL_HOP, EVAL_N_MELS)?,
                ))
            },
        )?;
        Ok(DdspScores {
            songs,
            ddsp,
            griffin_lim_mel,
        })
    }
}

/// Frames the DDSP decoder runs on at once in [`Ddsp::synth_stream`] (its
/// GRU state carried from one run to the next).
pub const SYNTH_FRAMES: usize = 1024;

/// [`Ddsp::synth_stream`]: DDSP's decoder and synthesisers over controls fed
/// a few frames at a time; memory of [`SYNTH_FRAMES`] frames.
#[derive(Debug)]
pub struct SynthStream<'a> {
    ddsp: &'a Ddsp,
    state: Option<Tensor>,
    /// Controls waiting for a full run of the decoder.
    f0: Vec<f32>,
    loudness: Vec<f32>,
    harmonic: HarmonicStream<'a>,
    noise: FilteredNoiseStream,
    /// Samples one synthesiser has given ahead of the other.
    harmonic_out: Vec<f32>,
    noise_out: Vec<f32>,
}

impl SynthStream<'_> {
    /// Feeds controls (fundamental in Hz and loudness in dB per frame) and
    /// returns the samples that are final.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for controls of different lengths; candle
    /// errors.
    pub fn push(&mut self, f0_hz: &[f32], loudness_db: &[f32]) -> Result<Vec<f32>> {
        if f0_hz.len() != loudness_db.len() {
            return Err(Error::ShapeMismatch {
                what: "DDSP controls (f0, loudness)",
                expected: format!("{} loudness values, one per f0", f0_hz.len()),
                got: vec![loudness_db.len()],
            });
        }
        self.f0.extend_from_slice(f0_hz);
        self.loudness.extend_from_slice(loudness_db);
        while self.f0.len() >= SYNTH_FRAMES {
            self.run(SYNTH_FRAMES)?;
        }
        Ok(self.emit())
    }

    /// Runs the controls left and returns the last samples; the stream
    /// then starts over.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn finish(&mut self) -> Result<Vec<f32>> {
        if !self.f0.is_empty() {
            self.run(self.f0.len())?;
        }
        self.harmonic_out.extend(self.harmonic.finish());
        self.noise_out.extend(self.noise.finish());
        let out = self.emit();
        self.state = None;
        self.harmonic_out.clear();
        self.noise_out.clear();
        Ok(out)
    }

    /// The first `n` waiting frames through the decoder and into the
    /// synthesisers.
    fn run(&mut self, n: usize) -> Result<()> {
        let c = self.ddsp.config();
        let f0: Vec<f32> = self.f0.drain(..n).collect();
        let loudness: Vec<f32> = self.loudness.drain(..n).collect();
        let f0_t = Tensor::from_vec(f0.clone(), (1, n), &Device::Cpu)?;
        let ld = Tensor::from_vec(loudness, (1, n), &Device::Cpu)?;
        let (controls, state) =
            self.ddsp
                .decoder
                .forward_with_state(&f0_t, &ld, self.state.as_ref())?;
        self.state = Some(state);
        let amps = harmonic_amplitudes(
            &f0_t,
            &controls.amplitude,
            &controls.distribution,
            c.sample_rate,
        )?
        .flatten_all()?
        .to_vec1::<f32>()?;
        let noise = controls.noise.flatten_all()?.to_vec1::<f32>()?;
        self.harmonic_out.extend(self.harmonic.push(&f0, &amps)?);
        self.noise_out.extend(self.noise.push(&noise)?);
        Ok(())
    }

    /// The samples both synthesisers have given, summed.
    fn emit(&mut self) -> Vec<f32> {
        let n = self.harmonic_out.len().min(self.noise_out.len());
        let out = self.harmonic_out[..n]
            .iter()
            .zip(&self.noise_out[..n])
            .map(|(a, b)| a + b)
            .collect();
        self.harmonic_out.drain(..n);
        self.noise_out.drain(..n);
        out
    }
}
