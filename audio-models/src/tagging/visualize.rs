//! Seeing what a waveform network learned (seed 003, "connect signal
//! processing and deep learning"): the first layer's filters and their
//! frequency responses, activation maximisation, and squeeze-excitation
//! activations.

use audio_dsp::SeededRng;
use candle_core::{Tensor, Var, D};
use ndarray::Array2;
use num_complex::Complex;
use realfft::RealFftPlanner;

use super::blocks::Pass;
use super::network::TaggerNet;
use super::tagger::Tagger;
use crate::error::{Error, Result};

/// The first layer's filters `(filters, taps)` of a waveform network
/// (SampleCNN's first convolution, or SincNet's band-pass filters).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a mel-spectrogram network.
pub fn first_layer_filters(tagger: &Tagger) -> Result<Array2<f32>> {
    let TaggerNet::SampleCnn(net) = tagger.network() else {
        return Err(Error::InvalidParameter {
            name: "architecture",
            value: tagger.config().architecture.name().to_string(),
            expected: "a waveform network (samplecnn, samplecnn-se, sincnet-samplecnn)",
        });
    };
    let w = net.first_layer_filters()?;
    let (c, _, k) = w.dims3()?;
    let v: Vec<f32> = w.flatten_all()?.to_vec1()?;
    Array2::from_shape_vec((c, k), v).map_err(|_| Error::Empty { what: "filters" })
}

/// Magnitude responses in dB, `20 log10(max(|FFT_n(h)|, 1e-6))`, of each
/// filter zero-padded to `n_fft` points: `(filters, n_fft / 2 + 1)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `n_fft` is shorter than the filters.
pub fn frequency_responses(filters: &Array2<f32>, n_fft: usize) -> Result<Array2<f32>> {
    let (c, k) = filters.dim();
    if n_fft < k.max(2) {
        return Err(Error::InvalidParameter {
            name: "n_fft",
            value: n_fft.to_string(),
            expected: "at least the filter length",
        });
    }
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
    let bins = n_fft / 2 + 1;
    let mut out = Array2::zeros((c, bins));
    let mut buf = vec![0.0f32; n_fft];
    let mut spec = vec![Complex::new(0.0f32, 0.0); bins];
    for (i, row) in filters.rows().into_iter().enumerate() {
        buf.iter_mut().for_each(|v| *v = 0.0);
        for (b, &v) in buf.iter_mut().zip(row.iter()) {
            *b = v;
        }
        fft.process(&mut buf, &mut spec)
            .map_err(|_| Error::Empty { what: "FFT" })?;
        for (o, z) in out.row_mut(i).iter_mut().zip(&spec) {
            *o = 20.0 * z.norm().max(1e-6).log10();
        }
    }
    Ok(out)
}

/// The filters' order by the frequency of their response's peak (low to
/// high), for pictures.
pub fn order_by_peak(responses: &Array2<f32>) -> Vec<usize> {
    let peak = |i: usize| {
        responses
            .row(i)
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(j, _)| j)
    };
    let mut order: Vec<usize> = (0..responses.nrows()).collect();
    order.sort_by_key(|&i| peak(i));
    order
}

/// Settings of [`maximize_class`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationMaximization {
    /// Gradient-ascent steps.
    pub steps: usize,
    /// Step length: each step moves the input by `lr` times its gradient
    /// normalised to unit RMS.
    pub lr: f32,
    /// Weight of the L2 penalty `λ · mean(x²)` that keeps the input
    /// bounded.
    pub l2: f32,
    /// Seed of the initial noise (RMS 0.01).
    pub seed: u64,
}

impl Default for ActivationMaximization {
    fn default() -> Self {
        Self {
            steps: 100,
            lr: 5e-4,
            l2: 1.0,
            seed: 0,
        }
    }
}

/// Activation maximisation (Erhan et al. 2009; Simonyan et al. 2014) on the
/// waveform: gradient ascent from quiet noise on one segment `x` to
/// maximise `logit_class(x) − λ · mean(x²)`, the network in eval mode.
/// Returns the segment and the logit at each step.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a class outside the labels; the
/// network's errors.
pub fn maximize_class(
    tagger: &Tagger,
    class: usize,
    settings: &ActivationMaximization,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let config = tagger.config();
    if class >= config.n_class() {
        return Err(Error::InvalidParameter {
            name: "class",
            value: class.to_string(),
            expected: "a label index of the model",
        });
    }
    let l = config.input_length;
    let mut rng = SeededRng::new(settings.seed);
    #[allow(clippy::cast_possible_truncation, reason = "noise samples in f32")]
    let init: Vec<f32> = (0..l).map(|_| (0.01 * rng.normal()) as f32).collect();
    let x = Var::from_vec(init, (1, l), &candle_core::Device::Cpu)?;
    let mut history = Vec::with_capacity(settings.steps);
    for _ in 0..settings.steps {
        let logits = tagger.network().forward(x.as_tensor(), &mut Pass::Eval)?;
        let logit = logits.narrow(1, class, 1)?.sum_all()?;
        history.push(logit.to_scalar::<f32>()?);
        let penalty = (x.as_tensor().sqr()?.mean_all()? * f64::from(settings.l2))?;
        let objective = (logit - penalty)?;
        let grads = objective.backward()?;
        let Some(g) = grads.get(x.as_tensor()) else {
            break;
        };
        let rms = g.sqr()?.mean_all()?.sqrt()?.to_scalar::<f32>()?.max(1e-12);
        let step = (g * f64::from(settings.lr / rms))?;
        x.set(&(x.as_tensor() + step)?)?;
    }
    let out: Vec<f32> = x.as_tensor().flatten_all()?.to_vec1()?;
    Ok((out, history))
}

/// The mean squeeze-excitation vector of each SE block over `clips` of
/// each label, for a SampleCNN+SE tagger: element `[block][label]` is the
/// mean excitation `(channels)` over that label's clips (one centre segment
/// each). Labels without clips get zeros.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless the network is a SampleCNN+SE; the
/// network's errors.
pub fn excitations_by_label(
    tagger: &Tagger,
    clips: &[(Vec<f32>, usize)],
) -> Result<Vec<Array2<f32>>> {
    let TaggerNet::SampleCnn(net) = tagger.network() else {
        return Err(Error::InvalidParameter {
            name: "architecture",
            value: tagger.config().architecture.name().to_string(),
            expected: "samplecnn-se",
        });
    };
    let l = tagger.config().input_length;
    let n = tagger.config().n_class();
    let mut sums: Vec<Array2<f32>> = Vec::new();
    let mut counts = vec![0usize; n];
    for (audio, label) in clips {
        let mut seg = vec![0.0f32; l];
        let start = audio.len().saturating_sub(l) / 2;
        let end = (start + l).min(audio.len());
        seg[..end - start].copy_from_slice(&audio[start..end]);
        let x = Tensor::from_vec(seg, (1, l), &candle_core::Device::Cpu)?;
        let (_, excitations) = net.features(&x, &Pass::Eval)?;
        if excitations.is_empty() {
            return Err(Error::InvalidParameter {
                name: "architecture",
                value: tagger.config().architecture.name().to_string(),
                expected: "samplecnn-se",
            });
        }
        if sums.is_empty() {
            for s in &excitations {
                sums.push(Array2::zeros((n, s.dim(D::Minus1)?)));
            }
        }
        let Some(count) = counts.get_mut(*label) else {
            continue;
        };
        *count += 1;
        for (sum, s) in sums.iter_mut().zip(&excitations) {
            let v: Vec<f32> = s.flatten_all()?.to_vec1()?;
            for (a, b) in sum.row_mut(*label).iter_mut().zip(v) {
                *a += b;
            }
        }
    }
    for sum in &mut sums {
        for (i, mut row) in sum.rows_mut().into_iter().enumerate() {
            #[allow(clippy::cast_precision_loss, reason = "clip counts < 2^24")]
            let k = counts[i].max(1) as f32;
            row.mapv_inplace(|v| v / k);
        }
    }
    Ok(sums)
}
