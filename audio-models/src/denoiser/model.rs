//! A trained denoising autoencoder: spectrogram images in, denoised images
//! and audio out, and the seed's evaluation.

use std::collections::HashMap;
use std::path::Path;

use audio_eval::separation::{si_sdr, SiSdrConfig};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::config::DenoiserConfig;
use super::network::AutoencoderNet;
use super::spectrogram::{ScaledSpectrogram, SpectrogramFrontEnd};
use super::training::{image_batch, load_images};
use crate::datasets::DenoisingDataset;
use crate::mixture_source::{InMemoryMixture, MixtureSource};
use crate::training::read_trained;
use crate::{Dataset, Error, Result};

/// Griffin-Lim iterations used to turn denoised images into audio
/// (librosa's default 32).
pub const GRIFFIN_LIM_ITERS: usize = 32;

/// Images per forward pass in [`SpectrogramDenoiser::denoise_images`].
const BATCH: usize = 32;

/// A trained denoising autoencoder (DCAE or VAE) with its front end.
///
/// Denoising a clip: its scaled dB image through the network (the VAE
/// decodes its latent mean, so the result is deterministic), the output
/// scaled back with the input image's minimum and maximum (the only ones
/// known at inference; with the 80 dB floor both images span the same
/// range), then Griffin-Lim.
///
/// # Example
///
/// ```
/// use audio_models::denoiser::{DenoiserConfig, SpectrogramDenoiser};
/// use candle_core::{DType, Device};
/// let config = DenoiserConfig { filters: vec![4, 4], latent_dim: 8, ..DenoiserConfig::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let model = SpectrogramDenoiser::new(config, vb)?;
/// let noisy: Vec<f32> = (0..30_000).map(|n| ((n * 7919 % 113) as f32 / 113.0 - 0.5) * 0.2).collect();
/// let clean = model.denoise(&noisy)?; // 0.55 s clips, one after another
/// assert_eq!(clean.len(), noisy.len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct SpectrogramDenoiser {
    net: AutoencoderNet,
    front: SpectrogramFrontEnd,
}

/// The evaluation of [`SpectrogramDenoiser::evaluate`]: means over the
/// pairs of a split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DenoiserScores {
    /// Pairs scored.
    pub pairs: usize,
    /// Mean squared error between the denoised and the clean image (the
    /// seed's test MSE).
    pub mse: f64,
    /// The same between the noisy input and the clean image (doing nothing).
    pub mse_noisy: f64,
    /// SI-SDR of the noisy clip against the clean one, dB.
    pub si_sdr_noisy: f64,
    /// SI-SDR of the denoised clip (Griffin-Lim of the denoised image), dB.
    pub si_sdr_denoised: f64,
    /// SI-SDR of Griffin-Lim of the noisy image (the phase lost, no
    /// denoising), dB.
    pub si_sdr_noisy_griffin_lim: f64,
    /// SI-SDR of Griffin-Lim of the clean image (the ceiling that phase
    /// reconstruction leaves), dB.
    pub si_sdr_clean_griffin_lim: f64,
}

impl SpectrogramDenoiser {
    /// Builds (or loads) the model from `vb`.
    ///
    /// # Errors
    ///
    /// As [`AutoencoderNet::new`] and [`SpectrogramFrontEnd::new`].
    pub fn new(config: DenoiserConfig, vb: VarBuilder) -> Result<Self> {
        let front = SpectrogramFrontEnd::new(config.spectrogram.clone())?;
        Ok(Self {
            net: AutoencoderNet::new(config, vb)?,
            front,
        })
    }

    /// Loads a trained run: a run folder (its `best/` checkpoint) or a
    /// checkpoint folder written by [`super::train`].
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for a missing or unreadable
    /// checkpoint; missing or misshapen weights, naming the key.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = read_trained(dir.as_ref())?;
        let config: DenoiserConfig =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        let stats: HashMap<String, Tensor> = tensors
            .iter()
            .filter(|(k, _)| k.ends_with(".running_mean") || k.ends_with(".running_var"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let model = Self::new(
            config,
            VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        )?;
        model.net.set_running_stats(|k| stats.get(k).cloned())?;
        Ok(model)
    }

    /// The configuration.
    pub fn config(&self) -> &DenoiserConfig {
        self.net.config()
    }

    /// The network.
    pub fn net(&self) -> &AutoencoderNet {
        &self.net
    }

    /// The front end.
    pub fn front_end(&self) -> &SpectrogramFrontEnd {
        &self.front
    }

    /// Denoised images, each in its input's dB range.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an image that is not `(bins, frames)`;
    /// candle errors.
    pub fn denoise_images(&self, images: &[ScaledSpectrogram]) -> Result<Vec<ScaledSpectrogram>> {
        let (bins, frames) = (
            self.config().spectrogram.bins(),
            self.config().spectrogram.frames(),
        );
        let mut out = Vec::with_capacity(images.len());
        for chunk in images.chunks(BATCH) {
            if let Some(bad) = chunk.iter().find(|i| i.values.dim() != (bins, frames)) {
                return Err(Error::ShapeMismatch {
                    what: "spectrogram image",
                    expected: format!("({bins}, {frames})"),
                    got: vec![bad.values.nrows(), bad.values.ncols()],
                });
            }
            let y = self
                .net
                .forward(&image_batch(chunk.iter())?, None)?
                .reconstruction
                .flatten_all()?
                .to_vec1::<f32>()?;
            for (image, values) in chunk.iter().zip(y.chunks_exact(bins * frames)) {
                out.push(ScaledSpectrogram {
                    values: Array2::from_shape_vec((bins, frames), values.to_vec()).map_err(
                        |source| Error::ArrayShape {
                            what: "denoised image",
                            source,
                        },
                    )?,
                    min: image.min,
                    max: image.max,
                });
            }
        }
        Ok(out)
    }

    /// Denoises audio at the model's sample rate, clip by clip: the input
    /// is cut into consecutive clips of the model's length (the last one
    /// zero-padded), each denoised and turned into audio with Griffin-Lim
    /// ([`GRIFFIN_LIM_ITERS`] iterations), and the result cut to the input's
    /// length. Memory is one clip's, whatever the length.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no samples; the front end's and the network's.
    pub fn denoise(&self, samples: &[f32]) -> Result<Vec<f32>> {
        let mono = ndarray::ArrayView2::from_shape((1, samples.len()), samples).map_err(|_| {
            Error::Empty {
                what: "audio to denoise",
            }
        })?;
        let mut out = Vec::with_capacity(samples.len());
        self.denoise_source(&mut InMemoryMixture::new(mono), |audio| {
            out.extend_from_slice(audio);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`SpectrogramDenoiser::denoise`] of a mono signal read block by
    /// block (a [`crate::mixture_source::FileMixture::open_mono`] decodes a
    /// file as it goes): each clip's audio goes to `sink` as soon as it is
    /// made, the same samples, holding one clip and one read block.
    ///
    /// # Errors
    ///
    /// As [`SpectrogramDenoiser::denoise`]; [`Error::ShapeMismatch`] for a
    /// source of more than one channel; the source's and `sink`'s own.
    pub fn denoise_source(
        &self,
        source: &mut dyn MixtureSource,
        mut sink: impl FnMut(&[f32]) -> Result<()>,
    ) -> Result<()> {
        if source.channels() != 1 {
            return Err(Error::ShapeMismatch {
                what: "audio to denoise",
                expected: "one channel".into(),
                got: vec![source.channels(), source.len()],
            });
        }
        let clip = self.config().spectrogram.samples();
        source.rewind()?;
        let mut pending: Vec<f32> = Vec::new();
        let mut ended = false;
        let mut any = false;
        loop {
            while !ended && pending.len() < clip {
                let block = source.read(clip.max(1 << 14))?;
                ended = block.ncols() == 0;
                pending.extend(block.row(0).iter().copied());
            }
            if pending.is_empty() {
                break;
            }
            any = true;
            let n = pending.len().min(clip);
            let image = self.front.scaled(&pending[..n])?;
            let denoised = self.denoise_images(std::slice::from_ref(&image))?;
            let audio = self.front.to_audio(&denoised[0], GRIFFIN_LIM_ITERS)?;
            sink(&audio[..n])?;
            pending.drain(..n);
        }
        if !any {
            return Err(Error::Empty {
                what: "audio to denoise",
            });
        }
        Ok(())
    }

    /// The seed's evaluation on a split: image MSE of the denoised and of
    /// the noisy images against the clean ones, and SI-SDR against the
    /// clean clip of the noisy clip, the denoised clip, and Griffin-Lim of
    /// the noisy and of the clean images (`n_iter` iterations). Means over
    /// the pairs; `limit` scores only the first pairs.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for an empty split; the readers', the front end's
    /// and the network's.
    pub fn evaluate(
        &self,
        data: &DenoisingDataset,
        n_iter: usize,
        limit: Option<usize>,
    ) -> Result<DenoiserScores> {
        let n = limit.map_or(data.len(), |l| l.min(data.len()));
        if n == 0 {
            return Err(Error::Empty {
                what: "denoising split",
            });
        }
        let mut sums = [0.0f64; 6];
        for start in (0..n).step_by(BATCH) {
            let ids: Vec<usize> = (start..(start + BATCH).min(n)).collect();
            let mut clips = Vec::with_capacity(ids.len());
            for &i in &ids {
                let (noisy, clean) = data.paths(i)?;
                clips.push((self.front.load(&noisy)?, self.front.load(&clean)?));
            }
            let noisy_images: Vec<ScaledSpectrogram> = clips
                .iter()
                .map(|(n, _)| self.front.scaled(n))
                .collect::<Result<_>>()?;
            let denoised = self.denoise_images(&noisy_images)?;
            for (((noisy, clean), noisy_image), denoised_image) in
                clips.iter().zip(&noisy_images).zip(&denoised)
            {
                let clean_image = self.front.scaled(clean)?;
                sums[0] += image_mse(&denoised_image.values, &clean_image.values);
                sums[1] += image_mse(&noisy_image.values, &clean_image.values);
                sums[2] += clip_si_sdr(clean, noisy)?;
                sums[3] += clip_si_sdr(clean, &self.front.to_audio(denoised_image, n_iter)?)?;
                sums[4] += clip_si_sdr(clean, &self.front.to_audio(noisy_image, n_iter)?)?;
                sums[5] += clip_si_sdr(clean, &self.front.to_audio(&clean_image, n_iter)?)?;
            }
        }
        #[allow(clippy::cast_precision_loss, reason = "pair counts are small")]
        let mean = |s: f64| s / n as f64;
        Ok(DenoiserScores {
            pairs: n,
            mse: mean(sums[0]),
            mse_noisy: mean(sums[1]),
            si_sdr_noisy: mean(sums[2]),
            si_sdr_denoised: mean(sums[3]),
            si_sdr_noisy_griffin_lim: mean(sums[4]),
            si_sdr_clean_griffin_lim: mean(sums[5]),
        })
    }

    /// The test MSE alone (the seed's Table 1 metric), over every pair.
    ///
    /// # Errors
    ///
    /// As [`SpectrogramDenoiser::evaluate`].
    pub fn test_mse(&self, data: &DenoisingDataset) -> Result<f64> {
        let images = load_images(data, &self.front)?;
        if images.is_empty() {
            return Err(Error::Empty {
                what: "denoising split",
            });
        }
        let noisy: Vec<ScaledSpectrogram> = images.iter().map(|p| p.0.clone()).collect();
        let denoised = self.denoise_images(&noisy)?;
        let total: f64 = denoised
            .iter()
            .zip(&images)
            .map(|(d, p)| image_mse(&d.values, &p.1.values))
            .sum();
        #[allow(clippy::cast_precision_loss, reason = "pair counts are small")]
        Ok(total / images.len() as f64)
    }
}

fn image_mse(a: &Array2<f32>, b: &Array2<f32>) -> f64 {
    let n = a.len().max(1);
    #[allow(clippy::cast_precision_loss, reason = "image sizes are small")]
    let mse = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(x - y).powi(2))
        .sum::<f64>()
        / n as f64;
    mse
}

/// SI-SDR of `estimate` against `reference`, dB (mir_eval-style scale
/// invariance, no mean removal).
fn clip_si_sdr(reference: &[f32], estimate: &[f32]) -> Result<f64> {
    let n = reference.len().min(estimate.len());
    let r = ndarray::Array1::from_iter(reference[..n].iter().map(|&v| f64::from(v)))
        .insert_axis(Axis(0));
    let e = ndarray::Array1::from_iter(estimate[..n].iter().map(|&v| f64::from(v)))
        .insert_axis(Axis(0));
    Ok(si_sdr(r.view(), e.view(), SiSdrConfig::default())?.si_sdr[0])
}
