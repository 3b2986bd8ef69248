//! Fast WaveNet generation (Paine et al. 2016, "Fast Wavenet Generation
//! Algorithm"): each layer keeps a queue of its last `dilation` inputs, so a
//! new sample costs one matrix–vector product per layer, not a pass over
//! the receptive field. The naive recomputation over the receptive field
//! runs the same per-position kernel, so both give the same samples to the
//! bit.

use audio_dsp::SeededRng;
use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, ArrayView2};

use super::config::WaveNetConfig;
use crate::sampling::{sample_logits, sample_mixture, MixtureScratch};
use crate::{Error, Result};

/// One sample as the network takes it: a μ-law class, or the value itself
/// (a mixture-of-logistics model).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sample {
    Class(usize),
    Value(f32),
}

/// The local conditioning of a generation at the audio rate's positions.
enum LocalFrames<'a> {
    /// The frames `(L, frames)`, each repeated `local_hop` times.
    Repeat(ArrayView2<'a, f32>),
    /// Upsampled by the learned kernels: one column per sample.
    Upsampled(Array2<f32>),
}

/// `out[i] += Σ_j w[i n + j] x[j]`, `n = x.len()`, summed in order.
fn matvec_add(out: &mut [f32], w: &[f32], x: &[f32]) {
    let n = x.len();
    for (o, row) in out.iter_mut().zip(w.chunks_exact(n)) {
        let mut acc = 0.0f32;
        for (a, b) in row.iter().zip(x) {
            acc += a * b;
        }
        *o += acc;
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// One layer's weights, row-major.
#[derive(Debug, Clone)]
struct Layer {
    dilation: usize,
    /// Tap on `x[t - d]`, `(2C, C)`.
    w_prev: Vec<f32>,
    /// Tap on `x[t]`, `(2C, C)`.
    w_cur: Vec<f32>,
    b: Vec<f32>,
    /// Local conditioning `(2C, L)` and bias.
    cond: Option<(Vec<f32>, Vec<f32>)>,
    /// Global conditioning `(2C, G)` and bias.
    gcond: Option<(Vec<f32>, Vec<f32>)>,
    res_w: Vec<f32>,
    res_b: Vec<f32>,
    skip_w: Vec<f32>,
    skip_b: Vec<f32>,
}

/// The per-layer queues and buffers of a generation.
struct State {
    queues: Vec<(Vec<f32>, usize)>,
    x: Vec<f32>,
    next: Vec<f32>,
    prev: Vec<f32>,
    skips: Vec<f32>,
    logits: Vec<f32>,
    scratch: Scratch,
    mixture: MixtureScratch,
}

/// Scratch of one position (allocated once per generation).
struct Scratch {
    h: Vec<f32>,
    z: Vec<f32>,
    /// A layer's local-conditioning term `(2C)`.
    cond: Vec<f32>,
    /// A layer's skip output `(S)`.
    skip: Vec<f32>,
    /// The rectified skip sum `(S)`.
    relu: Vec<f32>,
    hidden: Vec<f32>,
}

/// Settings of a generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenerateConfig {
    /// Softmax temperature; 0 takes the most likely class. For a mixture
    /// of logistics it scales the logistic noise (0: the mean of the most
    /// likely component).
    pub temperature: f64,
    /// The seed of the sampling.
    pub seed: u64,
    /// The global class, for a globally conditioned model.
    pub global: Option<usize>,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        Self {
            temperature: 1.0,
            seed: 0,
            global: None,
        }
    }
}

/// WaveNet's weights as plain arrays for sample-by-sample generation.
///
/// A μ-law model generates classes ([`FastWaveNet::generate`]) or audio
/// ([`FastWaveNet::generate_audio`]); a mixture-of-logistics model
/// generates audio. Learned upsampling of the local conditioning runs once,
/// over all frames, before the first sample.
///
/// # Example
///
/// ```
/// use audio_models::wavenet::{FastWaveNet, GenerateConfig, WaveNet, WaveNetConfig};
/// use audio_nn::init::SeededVarMap;
/// use candle_core::{DType, Device};
/// let config = WaveNetConfig { residual_channels: 8, skip_channels: 8, layers_per_stack: 4, ..WaveNetConfig::default() };
/// let store = SeededVarMap::new(0);
/// WaveNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
/// let fast = FastWaveNet::new(config, store.plain_var_builder(DType::F32, &Device::Cpu))?;
/// let classes = fast.generate(100, None, &GenerateConfig::default())?;
/// assert_eq!(classes, fast.generate_naive(100, None, &GenerateConfig::default())?);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FastWaveNet {
    config: WaveNetConfig,
    /// `input.weight` transposed: row `q` is the `C` channels of class `q`
    /// (one row, the sample's weights, for a mixture of logistics).
    input_t: Vec<f32>,
    input_b: Vec<f32>,
    layers: Vec<Layer>,
    post1_w: Vec<f32>,
    post1_b: Vec<f32>,
    post2_w: Vec<f32>,
    post2_b: Vec<f32>,
    embedding: Option<Vec<f32>>,
    /// The learned upsampling kernels (`2s + 1` taps per scale).
    upsample: Vec<Vec<f32>>,
    labels: Vec<String>,
    mel: Option<crate::vocoder::LogMelConfig>,
}

fn read(vb: &VarBuilder, shape: &[usize], name: &str) -> Result<Vec<f32>> {
    let t: Tensor = vb.get(shape, name)?;
    Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}

impl FastWaveNet {
    /// Reads the weights of [`super::WaveNet`] by the same names.
    ///
    /// # Errors
    ///
    /// As [`WaveNetConfig::validate`]; a missing or misshapen weight.
    pub fn new(config: WaveNetConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let (q, c, s) = (
            config.input_channels(),
            config.residual_channels,
            config.skip_channels,
        );
        let input = read(&vb, &[c, q, 1], "input.weight")?;
        let mut input_t = vec![0f32; q * c];
        for o in 0..c {
            for k in 0..q {
                input_t[k * c + o] = input[o * q + k];
            }
        }
        let input_b = read(&vb, &[c], "input.bias")?;
        let mut layers = Vec::with_capacity(config.layers());
        for i in 0..config.layers() {
            let p = format!("blocks.{i}");
            let w = read(&vb, &[2 * c, c, 2], &format!("{p}.dilated.weight"))?;
            let (w_prev, w_cur) = (
                w.iter().step_by(2).copied().collect(),
                w.iter().skip(1).step_by(2).copied().collect(),
            );
            let cond = match config.local_channels {
                Some(l) => Some((
                    read(&vb, &[2 * c, l, 1], &format!("{p}.cond.weight"))?,
                    read(&vb, &[2 * c], &format!("{p}.cond.bias"))?,
                )),
                None => None,
            };
            let gcond = match config.global_classes {
                Some(_) => Some((
                    read(
                        &vb,
                        &[2 * c, config.global_dim],
                        &format!("{p}.gcond.weight"),
                    )?,
                    read(&vb, &[2 * c], &format!("{p}.gcond.bias"))?,
                )),
                None => None,
            };
            layers.push(Layer {
                dilation: config.dilation(i),
                w_prev,
                w_cur,
                b: read(&vb, &[2 * c], &format!("{p}.dilated.bias"))?,
                cond,
                gcond,
                res_w: read(&vb, &[c, c, 1], &format!("{p}.res.weight"))?,
                res_b: read(&vb, &[c], &format!("{p}.res.bias"))?,
                skip_w: read(&vb, &[s, c, 1], &format!("{p}.skip.weight"))?,
                skip_b: read(&vb, &[s], &format!("{p}.skip.bias"))?,
            });
        }
        let embedding = match config.global_classes {
            Some(n) => Some(read(
                &vb,
                &[n, config.global_dim],
                "global_embedding.weight",
            )?),
            None => None,
        };
        let upsample = match config.local_channels {
            Some(_) => config
                .upsample_scales
                .iter()
                .enumerate()
                .map(|(i, &scale)| {
                    read(
                        &vb,
                        &[1, 1, 1, 2 * scale + 1],
                        &format!("upsample.{i}.weight"),
                    )
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(Self {
            input_t,
            input_b,
            layers,
            post1_w: read(&vb, &[s, s, 1], "post1.weight")?,
            post1_b: read(&vb, &[s], "post1.bias")?,
            post2_w: read(&vb, &[config.output_channels(), s, 1], "post2.weight")?,
            post2_b: read(&vb, &[config.output_channels()], "post2.bias")?,
            embedding,
            upsample,
            config,
            labels: Vec::new(),
            mel: None,
        })
    }

    /// Loads a checkpoint directory that `audio train wavenet` wrote, or a
    /// run directory (its `best/`).
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for missing or unreadable
    /// files; a missing or misshapen weight.
    pub fn load(dir: impl AsRef<std::path::Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = crate::training::read_trained(dir.as_ref())?;
        let stored: super::WaveNetArchitecture =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &candle_core::Device::Cpu);
        let mut model = Self::new(stored.model, vb)?;
        model.labels = stored.labels;
        model.mel = stored.mel;
        Ok(model)
    }

    /// The log-mel front end of a trained vocoder's local conditioning
    /// (`None` when unconditioned, or not loaded from a run): compute the
    /// conditioning of a recording with
    /// [`crate::vocoder::LogMel::from_config`].
    pub fn log_mel(&self) -> Option<&crate::vocoder::LogMelConfig> {
        self.mel.as_ref()
    }

    /// The names of the global classes (a trained model's labels; empty
    /// when unconditioned or unnamed).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The configuration.
    pub fn config(&self) -> &WaveNetConfig {
        &self.config
    }

    /// The class of silence (μ-law code 0): `Q / 2`.
    pub fn silence(&self) -> usize {
        self.config.quantization_channels / 2
    }

    /// Silence as the network's input.
    fn silent_sample(&self) -> Sample {
        if self.config.mixtures.is_some() {
            Sample::Value(0.0)
        } else {
            Sample::Class(self.silence())
        }
    }

    /// The next sample drawn from the head's outputs.
    fn draw(
        &self,
        outputs: &[f32],
        temperature: f64,
        rng: &mut SeededRng,
        mixture: &mut MixtureScratch,
    ) -> Result<Sample> {
        Ok(if self.config.mixtures.is_some() {
            Sample::Value(sample_mixture(outputs, temperature, rng, mixture)?)
        } else {
            Sample::Class(sample_logits(outputs, temperature, rng))
        })
    }

    fn scratch(&self) -> Scratch {
        let (c, s) = (self.config.residual_channels, self.config.skip_channels);
        Scratch {
            h: vec![0.0; 2 * c],
            z: vec![0.0; c],
            cond: vec![0.0; 2 * c],
            skip: vec![0.0; s],
            relu: vec![0.0; s],
            hidden: vec![0.0; s],
        }
    }

    /// The input layer's output for one sample.
    fn input(&self, x: Sample, out: &mut [f32]) {
        let c = self.config.residual_channels;
        match x {
            Sample::Class(q) => {
                for ((o, w), b) in out
                    .iter_mut()
                    .zip(&self.input_t[q * c..(q + 1) * c])
                    .zip(&self.input_b)
                {
                    *o = w + b;
                }
            }
            Sample::Value(v) => {
                for ((o, w), b) in out.iter_mut().zip(&self.input_t).zip(&self.input_b) {
                    *o = w * v + b;
                }
            }
        }
    }

    /// Layer `l` at one position: `res_out` the residual output, the skip
    /// added into `skip_acc`.
    #[allow(
        clippy::too_many_arguments,
        reason = "one position's inputs and outputs"
    )]
    fn layer(
        &self,
        l: usize,
        prev: &[f32],
        cur: &[f32],
        local: Option<&[f32]>,
        global: Option<&[f32]>,
        res_out: &mut [f32],
        skip_acc: &mut [f32],
        sc: &mut Scratch,
    ) {
        let layer = &self.layers[l];
        let c = self.config.residual_channels;
        sc.h.copy_from_slice(&layer.b);
        matvec_add(&mut sc.h, &layer.w_prev, prev);
        matvec_add(&mut sc.h, &layer.w_cur, cur);
        if let (Some((w, b)), Some(x)) = (&layer.cond, local) {
            sc.cond.copy_from_slice(b);
            matvec_add(&mut sc.cond, w, x);
            sc.h.iter_mut().zip(&sc.cond).for_each(|(h, v)| *h += v);
        }
        if let Some(g) = global {
            sc.h.iter_mut()
                .zip(&g[l * 2 * c..(l + 1) * 2 * c])
                .for_each(|(h, v)| *h += v);
        }
        for (k, z) in sc.z.iter_mut().enumerate() {
            *z = sc.h[k].tanh() * sigmoid(sc.h[c + k]);
        }
        res_out.copy_from_slice(&layer.res_b);
        matvec_add(res_out, &layer.res_w, &sc.z);
        res_out.iter_mut().zip(cur).for_each(|(r, x)| *r += x);
        sc.skip.copy_from_slice(&layer.skip_b);
        matvec_add(&mut sc.skip, &layer.skip_w, &sc.z);
        skip_acc.iter_mut().zip(&sc.skip).for_each(|(a, v)| *a += v);
    }

    /// The logits (or mixture parameters) from the summed skips.
    fn head(&self, skips: &[f32], sc: &mut Scratch, logits: &mut [f32]) {
        for (r, v) in sc.relu.iter_mut().zip(skips) {
            *r = v.max(0.0);
        }
        sc.hidden.copy_from_slice(&self.post1_b);
        matvec_add(&mut sc.hidden, &self.post1_w, &sc.relu);
        sc.hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        logits.copy_from_slice(&self.post2_b);
        matvec_add(logits, &self.post2_w, &sc.hidden);
    }

    /// Each layer's global term `(layers × 2C)`, or `None`.
    fn global_terms(&self, global: Option<usize>) -> Result<Option<Vec<f32>>> {
        match (&self.embedding, global) {
            (None, None) => Ok(None),
            (Some(table), Some(id)) => {
                let g = self.config.global_dim;
                let n = table.len() / g;
                if id >= n {
                    return Err(Error::InvalidParameter {
                        name: "global",
                        value: id.to_string(),
                        expected: "a class below global_classes",
                    });
                }
                let e = &table[id * g..(id + 1) * g];
                let mut out =
                    Vec::with_capacity(self.layers.len() * 2 * self.config.residual_channels);
                for layer in &self.layers {
                    if let Some((w, b)) = &layer.gcond {
                        let mut t = b.clone();
                        matvec_add(&mut t, w, e);
                        out.extend(t);
                    }
                }
                Ok(Some(out))
            }
            _ => Err(Error::InvalidParameter {
                name: "global",
                value: format!("{global:?}"),
                expected: "a class exactly when the model is globally conditioned",
            }),
        }
    }

    /// Checks the local conditioning `(L, frames)` against `n` samples and
    /// brings it to the audio rate's positions.
    fn prepare_local<'a>(
        &self,
        n: usize,
        local: Option<ArrayView2<'a, f32>>,
    ) -> Result<Option<LocalFrames<'a>>> {
        match (self.config.local_channels, local) {
            (None, None) => Ok(None),
            (Some(l), Some(a)) if a.nrows() == l && a.ncols() * self.config.local_hop >= n => {
                if self.upsample.is_empty() {
                    Ok(Some(LocalFrames::Repeat(a)))
                } else {
                    Ok(Some(LocalFrames::Upsampled(self.upsampled(a, n))))
                }
            }
            (want, got) => Err(Error::ShapeMismatch {
                what: "local conditioning",
                expected: format!(
                    "{want:?} channels and at least {} frames",
                    n.div_ceil(self.config.local_hop)
                ),
                got: got.map_or_else(Vec::new, |a| a.shape().to_vec()),
            }),
        }
    }

    /// The frames `(L, frames)` upsampled by the learned kernels, cut to
    /// `n` columns: per scale `s`, each column repeated `s` times, then
    /// `y[j] = Σ_k w[k] x[j + k − s]` along time (zeros outside).
    fn upsampled(&self, frames: ArrayView2<'_, f32>, n: usize) -> Array2<f32> {
        let mut x = frames.to_owned();
        for (w, &scale) in self.upsample.iter().zip(&self.config.upsample_scales) {
            let len = x.ncols() * scale;
            let mut y = Array2::<f32>::zeros((x.nrows(), len));
            for (row_in, mut row_out) in x.rows().into_iter().zip(y.rows_mut()) {
                for (j, out) in row_out.iter_mut().enumerate() {
                    let mut acc = 0.0f32;
                    for (k, wk) in w.iter().enumerate() {
                        if let Some(p) = (j + k).checked_sub(scale).filter(|&p| p < len) {
                            acc += wk * row_in[p / scale];
                        }
                    }
                    *out = acc;
                }
            }
            x = y;
        }
        let keep = n.min(x.ncols());
        x.slice_move(ndarray::s![.., ..keep])
    }

    /// The conditioning of sample `t`, copied into `buf` (reused from
    /// sample to sample).
    fn local_at<'b>(
        &self,
        local: Option<&LocalFrames<'_>>,
        t: usize,
        buf: &'b mut Vec<f32>,
    ) -> Option<&'b [f32]> {
        local.map(|frames| {
            buf.clear();
            match frames {
                LocalFrames::Repeat(a) => buf.extend(a.column(t / self.config.local_hop).iter()),
                LocalFrames::Upsampled(a) => buf.extend(a.column(t).iter()),
            }
            &buf[..]
        })
    }

    /// A fresh generation state: empty (silent) queues.
    fn state(&self) -> State {
        let (c, s, q) = (
            self.config.residual_channels,
            self.config.skip_channels,
            self.config.output_channels(),
        );
        State {
            queues: self
                .layers
                .iter()
                .map(|l| (vec![0.0; l.dilation * c], 0))
                .collect(),
            x: vec![0.0; c],
            next: vec![0.0; c],
            prev: vec![0.0; c],
            skips: vec![0.0; s],
            logits: vec![0.0; q],
            scratch: self.scratch(),
            mixture: MixtureScratch::new(self.config.mixtures.unwrap_or(0)),
        }
    }

    /// One time step: the input sample at `t`, its conditioning frame; the
    /// outputs describing sample `t + 1` land in `st.logits`.
    fn step(&self, st: &mut State, x: Sample, local: Option<&[f32]>, global: Option<&[f32]>) {
        let c = self.config.residual_channels;
        self.input(x, &mut st.x);
        st.skips.iter_mut().for_each(|v| *v = 0.0);
        for l in 0..self.layers.len() {
            let (queue, head) = &mut st.queues[l];
            // The oldest entry is x[t - d]; it is replaced by x[t].
            let slot = &mut queue[*head * c..(*head + 1) * c];
            st.prev.copy_from_slice(slot);
            slot.copy_from_slice(&st.x);
            *head = (*head + 1) % self.layers[l].dilation;
            self.layer(
                l,
                &st.prev,
                &st.x,
                local,
                global,
                &mut st.next,
                &mut st.skips,
                &mut st.scratch,
            );
            std::mem::swap(&mut st.x, &mut st.next);
        }
        self.head(&st.skips, &mut st.scratch, &mut st.logits);
    }

    /// Teacher-forced logits on the fast path: the classes of samples
    /// `0 .. n` as inputs, time-major `(n, Q)`; row `t` predicts sample
    /// `t + 1`. Equal to [`super::WaveNet::forward`] up to float rounding.
    ///
    /// # Errors
    ///
    /// A class out of range; conditioning that does not fit the model.
    pub fn logits(
        &self,
        classes: &[usize],
        local: Option<ArrayView2<'_, f32>>,
        global: Option<usize>,
    ) -> Result<Vec<f32>> {
        self.check_classes(classes)?;
        let inputs: Vec<Sample> = classes.iter().map(|&c| Sample::Class(c)).collect();
        self.outputs(&inputs, local, global)
    }

    /// Teacher-forced mixture parameters on the fast path, for a mixture
    /// of logistics model: the samples `0 .. n` in `[−1, 1]` as inputs,
    /// time-major `(n, 3K)`; row `t` describes sample `t + 1`. Equal to
    /// [`super::WaveNet::forward`] up to float rounding.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a μ-law model or a non-finite
    /// sample; conditioning that does not fit the model.
    pub fn mixture_params(
        &self,
        audio: &[f32],
        local: Option<ArrayView2<'_, f32>>,
        global: Option<usize>,
    ) -> Result<Vec<f32>> {
        self.require_mixture()?;
        if let Some(bad) = audio.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "audio",
                value: bad.to_string(),
                expected: "finite samples",
            });
        }
        let inputs: Vec<Sample> = audio.iter().map(|&v| Sample::Value(v)).collect();
        self.outputs(&inputs, local, global)
    }

    fn require_mixture(&self) -> Result<()> {
        match self.config.mixtures {
            Some(_) => Ok(()),
            None => Err(Error::InvalidParameter {
                name: "mixtures",
                value: "a mu-law model".into(),
                expected: "a mixture-of-logistics model (use the class methods)",
            }),
        }
    }

    fn require_mu_law(&self) -> Result<()> {
        match self.config.mixtures {
            None => Ok(()),
            Some(k) => Err(Error::InvalidParameter {
                name: "mixtures",
                value: format!("a mixture of {k} logistics"),
                expected: "a mu-law model (use generate_audio)",
            }),
        }
    }

    /// The head's outputs, time-major, for teacher-forced inputs.
    fn outputs(
        &self,
        inputs: &[Sample],
        local: Option<ArrayView2<'_, f32>>,
        global: Option<usize>,
    ) -> Result<Vec<f32>> {
        let local = self.prepare_local(inputs.len(), local)?;
        let global = self.global_terms(global)?;
        let mut st = self.state();
        let mut frame = Vec::new();
        let mut out = Vec::with_capacity(inputs.len() * self.config.output_channels());
        for (t, &x) in inputs.iter().enumerate() {
            let lc = self.local_at(local.as_ref(), t, &mut frame);
            self.step(&mut st, x, lc, global.as_deref());
            out.extend_from_slice(&st.logits);
        }
        Ok(out)
    }

    /// Generates `n` samples' classes, fast: each layer's queue holds its
    /// last `dilation` inputs. The first input is silence; sample `t` is
    /// drawn from the logits at `t - 1`. `local` `(L, frames)` conditions
    /// sample `t` on frame `t / local_hop` (or on its learned upsampling).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a mixture-of-logistics model (use
    /// [`FastWaveNet::generate_audio`]); conditioning that does not fit
    /// the model, or too few frames.
    pub fn generate(
        &self,
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<usize>> {
        self.generate_from(&[], n, local, config)
    }

    /// Continues `prime` (classes taken as the first samples after the
    /// initial silence) by `n` generated samples, which it returns. The
    /// local conditioning counts positions from the silence, so it must
    /// cover `1 + prime.len() + n - 1` samples.
    ///
    /// # Errors
    ///
    /// A prime class out of range; as [`FastWaveNet::generate`].
    pub fn generate_from(
        &self,
        prime: &[usize],
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<usize>> {
        self.require_mu_law()?;
        self.check_classes(prime)?;
        let prime: Vec<Sample> = prime.iter().map(|&c| Sample::Class(c)).collect();
        classes_of(self.run_fast(&prime, n, local, config)?)
    }

    /// Generates `n` samples of audio in `[−1, 1]`, fast: μ-law classes
    /// expanded ([`super::classes_to_audio`]), or the mixture of
    /// logistics' samples. Otherwise as [`FastWaveNet::generate`].
    ///
    /// # Errors
    ///
    /// Conditioning that does not fit the model, or too few frames.
    pub fn generate_audio(
        &self,
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<f32>> {
        let samples = self.run_fast(&[], n, local, config)?;
        self.audio_of(samples)
    }

    /// [`FastWaveNet::generate_audio`] by naive recomputation: the same
    /// samples, to the bit.
    ///
    /// # Errors
    ///
    /// As [`FastWaveNet::generate_audio`].
    pub fn generate_audio_naive(
        &self,
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<f32>> {
        let samples = self.run_naive(&[], n, local, config)?;
        self.audio_of(samples)
    }

    fn audio_of(&self, samples: Vec<Sample>) -> Result<Vec<f32>> {
        if self.config.mixtures.is_some() {
            return Ok(samples
                .into_iter()
                .map(|s| match s {
                    Sample::Value(v) => v,
                    Sample::Class(_) => 0.0,
                })
                .collect());
        }
        super::classes_to_audio(&classes_of(samples)?, self.config.quantization_channels)
    }

    /// The fast loop: `prime` after the initial silence, then `n` drawn
    /// samples, which it returns.
    fn run_fast(
        &self,
        prime: &[Sample],
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<Sample>> {
        let local = self.prepare_local(prime.len() + n, local)?;
        let global = self.global_terms(config.global)?;
        let mut rng = SeededRng::new(config.seed);
        let mut st = self.state();
        let mut frame = Vec::new();
        let mut out = Vec::with_capacity(n);
        let mut x = self.silent_sample();
        for t in 0..prime.len() + n {
            let lc = self.local_at(local.as_ref(), t, &mut frame);
            self.step(&mut st, x, lc, global.as_deref());
            if t < prime.len() {
                x = prime[t];
            } else {
                x = self.draw(&st.logits, config.temperature, &mut rng, &mut st.mixture)?;
                out.push(x);
            }
        }
        Ok(out)
    }

    fn check_classes(&self, classes: &[usize]) -> Result<()> {
        let q = self.config.quantization_channels;
        match classes.iter().find(|&&c| c >= q) {
            Some(&bad) => Err(Error::InvalidParameter {
                name: "classes",
                value: bad.to_string(),
                expected: "μ-law classes below quantization_channels",
            }),
            None => Ok(()),
        }
    }

    /// The same samples as [`FastWaveNet::generate`], recomputing every
    /// layer over the receptive field for each new sample (the cost the
    /// queues remove). For tests and timing.
    ///
    /// # Errors
    ///
    /// As [`FastWaveNet::generate`].
    pub fn generate_naive(
        &self,
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<usize>> {
        self.generate_naive_from(&[], n, local, config)
    }

    /// [`FastWaveNet::generate_from`] by naive recomputation: the same
    /// samples.
    ///
    /// # Errors
    ///
    /// As [`FastWaveNet::generate_from`].
    pub fn generate_naive_from(
        &self,
        prime: &[usize],
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<usize>> {
        self.require_mu_law()?;
        self.check_classes(prime)?;
        let prime: Vec<Sample> = prime.iter().map(|&c| Sample::Class(c)).collect();
        classes_of(self.run_naive(&prime, n, local, config)?)
    }

    /// The naive loop: every layer recomputed over the receptive field for
    /// each new sample.
    fn run_naive(
        &self,
        prime: &[Sample],
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<Vec<Sample>> {
        let local = self.prepare_local(prime.len() + n, local)?;
        let global = self.global_terms(config.global)?;
        let mut rng = SeededRng::new(config.seed);
        let (c, s, q) = (
            self.config.residual_channels,
            self.config.skip_channels,
            self.config.output_channels(),
        );
        let rf = self.config.receptive_field();
        let mut sc = self.scratch();
        let mut mixture = MixtureScratch::new(self.config.mixtures.unwrap_or(0));
        let mut samples = vec![self.silent_sample()];
        samples.extend_from_slice(prime);
        let mut logits = vec![0.0; q];
        let zeros = vec![0.0; c];
        let mut frame = Vec::new();
        // Skips of the positions before the last, which reach no output.
        let mut skip_sink = vec![0.0; s];
        for t in prime.len()..prime.len() + n {
            let w0 = (t + 1).saturating_sub(rf);
            let width = t + 1 - w0;
            // Layer inputs over the window, position-major.
            let mut x = vec![0.0; width * c];
            for (p, row) in x.chunks_exact_mut(c).enumerate() {
                self.input(samples[w0 + p], row);
            }
            let mut skips = vec![0.0; s];
            let mut next = vec![0.0; width * c];
            for l in 0..self.layers.len() {
                let d = self.layers[l].dilation;
                for p in 0..width {
                    let prev = if p >= d {
                        &x[(p - d) * c..(p - d + 1) * c]
                    } else {
                        &zeros[..]
                    };
                    let lc = self.local_at(local.as_ref(), w0 + p, &mut frame);
                    // Only the last position's skips reach the output.
                    let sink = if p + 1 == width {
                        &mut skips
                    } else {
                        &mut skip_sink
                    };
                    let (cur, out) = (&x[p * c..(p + 1) * c], &mut next[p * c..(p + 1) * c]);
                    self.layer(l, prev, cur, lc, global.as_deref(), out, sink, &mut sc);
                }
                std::mem::swap(&mut x, &mut next);
            }
            self.head(&skips, &mut sc, &mut logits);
            let drawn = self.draw(&logits, config.temperature, &mut rng, &mut mixture)?;
            samples.push(drawn);
        }
        Ok(samples.split_off(1 + prime.len()))
    }
}

/// The classes of a μ-law model's samples.
fn classes_of(samples: Vec<Sample>) -> Result<Vec<usize>> {
    samples
        .into_iter()
        .map(|s| match s {
            Sample::Class(c) => Ok(c),
            Sample::Value(_) => Err(Error::InvalidParameter {
                name: "mixtures",
                value: "a mixture-of-logistics sample".into(),
                expected: "μ-law classes",
            }),
        })
        .collect()
}
