//! The classical baseline of seed 000: MFCC statistics and a linear
//! classifier.

use std::path::Path;

use audio_dsp::{MelSpectrogramConfig, Mfcc, MfccConfig, StftConfig, Transform};
use candle_core::{DType, Device, Tensor, Var};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::datasets::ClassificationDataset;
use crate::error::{Error, Result};
use crate::training::{Adam, AdamConfig, Dataset, Optimizer};
use crate::traits::Classifier;

/// Settings of [`MfccBaseline::fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MfccBaselineConfig {
    /// MFCCs per frame (librosa's default 20).
    pub n_mfcc: usize,
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// L2 penalty on the weights (`λ ‖W‖²`, added to the mean loss).
    pub l2: f64,
}

impl Default for MfccBaselineConfig {
    fn default() -> Self {
        Self {
            n_mfcc: 20,
            steps: 500,
            lr: 0.05,
            l2: 1e-3,
        }
    }
}

/// MFCC statistics with multinomial logistic regression: a clip's features
/// are the mean and standard deviation over frames of each of `n_mfcc`
/// MFCCs (`librosa.feature.mfcc` defaults at the clip's rate: `n_fft`
/// 2048, hop 512, 128 mel bands), standardised with the training set's
/// mean and deviation; the class probabilities are
/// `softmax(W z + b)`, fitted by full-batch Adam on the cross-entropy plus
/// an L2 penalty.
///
/// Saved and loaded as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfccBaseline {
    /// The label names.
    pub labels: Vec<String>,
    /// The sample rate, in Hz.
    pub sample_rate: u32,
    /// MFCCs per frame.
    pub n_mfcc: usize,
    /// Feature means of the training set (`2 · n_mfcc`).
    pub mean: Vec<f32>,
    /// Feature standard deviations of the training set.
    pub scale: Vec<f32>,
    /// Weights `(n_class, 2 · n_mfcc)`, row-major.
    pub weight: Vec<f32>,
    /// Biases `(n_class)`.
    pub bias: Vec<f32>,
}

/// The mean and standard deviation over frames of each MFCC of `audio`.
///
/// # Errors
///
/// [`Error::Empty`] for no samples; `audio-dsp`'s errors.
pub fn mfcc_statistics(audio: &[f32], sample_rate: u32, n_mfcc: usize) -> Result<Vec<f32>> {
    if audio.is_empty() {
        return Err(Error::Empty { what: "audio" });
    }
    let config = MfccConfig {
        mel: MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: 2048,
                hop_length: Some(512),
                ..StftConfig::default()
            },
            mel: audio_dsp::MelConfig {
                sr: f64::from(sample_rate),
                n_fft: 2048,
                ..audio_dsp::MelConfig::default()
            },
            ..MelSpectrogramConfig::default()
        },
        n_mfcc,
        ..MfccConfig::default()
    };
    let c = Mfcc::<f32>::new(config)?.process(audio)?;
    let mean = c
        .mean_axis(Axis(1))
        .ok_or(Error::Empty { what: "frames" })?;
    let std = c.std_axis(Axis(1), 0.0);
    Ok(mean.iter().chain(std.iter()).copied().collect())
}

impl MfccBaseline {
    /// Fits the baseline on every clip of `train`.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for an empty split; reading and feature errors.
    pub fn fit(train: &ClassificationDataset, config: MfccBaselineConfig) -> Result<Self> {
        let n = train.len();
        if n == 0 {
            return Err(Error::Empty {
                what: "training split",
            });
        }
        let f = 2 * config.n_mfcc;
        let mut x = Array2::<f32>::zeros((n, f));
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let (samples, label) = train.get(i)?;
            let feats = mfcc_statistics(
                &audio_io::to_mono(&samples).row(0).to_vec(),
                train.sample_rate(),
                config.n_mfcc,
            )?;
            x.row_mut(i).assign(&Array1::from(feats));
            #[allow(clippy::cast_possible_truncation, reason = "label indices < 2^32")]
            y.push(label as u32);
        }
        let mean = x.mean_axis(Axis(0)).ok_or(Error::Empty { what: "clips" })?;
        let scale = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 0.0 { s } else { 1.0 });
        let z = (&x - &mean) / &scale;
        let k = train.labels().len();
        let device = Device::Cpu;
        let xs = Tensor::from_vec(z.iter().copied().collect::<Vec<f32>>(), (n, f), &device)?;
        let ys = Tensor::from_vec(y, n, &device)?;
        let w = Var::zeros((k, f), DType::F32, &device)?;
        let b = Var::zeros(k, DType::F32, &device)?;
        let mut adam = Adam::new(
            vec![("weight".into(), w.clone()), ("bias".into(), b.clone())],
            AdamConfig {
                lr: config.lr,
                ..AdamConfig::default()
            },
        )?;
        for _ in 0..config.steps {
            let logits = xs
                .matmul(&w.as_tensor().t()?)?
                .broadcast_add(b.as_tensor())?;
            let loss = candle_nn::loss::cross_entropy(&logits, &ys)?;
            let loss = (loss + (w.as_tensor().sqr()?.sum_all()? * config.l2)?)?;
            let grads = loss.backward()?;
            adam.step(&grads)?;
        }
        Ok(Self {
            labels: train.labels().to_vec(),
            sample_rate: train.sample_rate(),
            n_mfcc: config.n_mfcc,
            mean: mean.to_vec(),
            scale: scale.to_vec(),
            weight: w.as_tensor().flatten_all()?.to_vec1()?,
            bias: b.as_tensor().to_vec1()?,
        })
    }

    /// Checks that the arrays' sizes agree with `n_mfcc` and the labels
    /// (the fields are public, so a model may be built by hand).
    fn check(&self) -> Result<()> {
        let f = 2 * self.n_mfcc;
        let k = self.labels.len();
        if self.mean.len() != f
            || self.scale.len() != f
            || self.weight.len() != k * f
            || self.bias.len() != k
        {
            return Err(Error::InvalidParameter {
                name: "MFCC baseline",
                value: format!(
                    "{} means, {} scales, {} weights, {} biases for n_mfcc {} and {k} labels",
                    self.mean.len(),
                    self.scale.len(),
                    self.weight.len(),
                    self.bias.len(),
                    self.n_mfcc
                ),
                expected: "2·n_mfcc means and scales, n_class·2·n_mfcc weights, n_class biases",
            });
        }
        Ok(())
    }

    /// The class probabilities of a mono clip.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the model's arrays disagree in size;
    /// as [`mfcc_statistics`].
    pub fn probabilities(&self, audio: &[f32]) -> Result<Vec<f32>> {
        self.check()?;
        let feats = mfcc_statistics(audio, self.sample_rate, self.n_mfcc)?;
        let z: Vec<f32> = feats
            .iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(v, (m, s))| (v - m) / s)
            .collect();
        let f = z.len();
        let logits: Vec<f32> = self
            .bias
            .iter()
            .enumerate()
            .map(|(c, b)| {
                b + self.weight[c * f..(c + 1) * f]
                    .iter()
                    .zip(&z)
                    .map(|(w, v)| w * v)
                    .sum::<f32>()
            })
            .collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let total: f32 = exp.iter().sum();
        Ok(exp.iter().map(|e| e / total).collect())
    }

    /// Writes the model as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::File`] when `path` cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = serde_json::to_string(self).map_err(|source| Error::StateJson {
            what: "MFCC baseline",
            source,
        })?;
        std::fs::write(path, text).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a model [`MfccBaseline::save`] wrote.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`]; [`Error::InvalidParameter`]
    /// when the arrays' sizes disagree.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        let model: Self = serde_json::from_str(&text).map_err(|source| Error::ModelJson {
            path: path.to_path_buf(),
            source,
        })?;
        model.check().map_err(|_| Error::InvalidParameter {
            name: "MFCC baseline",
            value: path.display().to_string(),
            expected: "2·n_mfcc means and scales, n_class·2·n_mfcc weights, n_class biases",
        })?;
        Ok(model)
    }
}

/// The class probabilities of the channels' mean.
impl Classifier for MfccBaseline {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn labels(&self) -> Vec<String> {
        self.labels.clone()
    }

    fn classify(&self, audio: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        let mono = audio
            .mean_axis(Axis(0))
            .ok_or(Error::Empty { what: "audio" })?;
        Ok(Array1::from(self.probabilities(&mono.to_vec())?))
    }
}
