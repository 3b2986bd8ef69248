//! Fast WaveNet generation (Paine et al. 2016, "Fast Wavenet Generation
//! Algorithm"): each layer keeps a queue of its last `dilation` inputs, so a
//! new sample costs one matrix–vector product per layer, not a pass over
//! the receptive field. The naive recomputation over the receptive field
//! runs the same per-position kernel, so both give the same samples to the
//! bit.

use audio_dsp::SeededRng;
use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use ndarray::ArrayView2;

use super::config::WaveNetConfig;
use crate::sampling::sample_logits;
use crate::{Error, Result};

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
    /// Softmax temperature; 0 takes the most likely class.
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
    /// `input.weight` transposed: row `q` is the `C` channels of class `q`.
    input_t: Vec<f32>,
    input_b: Vec<f32>,
    layers: Vec<Layer>,
    post1_w: Vec<f32>,
    post1_b: Vec<f32>,
    post2_w: Vec<f32>,
    post2_b: Vec<f32>,
    embedding: Option<Vec<f32>>,
    labels: Vec<String>,
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
            config.quantization_channels,
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
        Ok(Self {
            input_t,
            input_b,
            layers,
            post1_w: read(&vb, &[s, s, 1], "post1.weight")?,
            post1_b: read(&vb, &[s], "post1.bias")?,
            post2_w: read(&vb, &[q, s, 1], "post2.weight")?,
            post2_b: read(&vb, &[q], "post2.bias")?,
            embedding,
            config,
            labels: Vec::new(),
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
        Ok(model)
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

    /// The input vector of class `q`.
    fn input(&self, q: usize, out: &mut [f32]) {
        let c = self.config.residual_channels;
        for ((o, w), b) in out
            .iter_mut()
            .zip(&self.input_t[q * c..(q + 1) * c])
            .zip(&self.input_b)
        {
            *o = w + b;
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

    /// The logits from the summed skips.
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

    /// Checks the local conditioning `(L, frames)` against `n` samples.
    fn check_local(&self, n: usize, local: Option<ArrayView2<'_, f32>>) -> Result<()> {
        match (self.config.local_channels, local) {
            (None, None) => Ok(()),
            (Some(l), Some(a)) if a.nrows() == l && a.ncols() * self.config.local_hop >= n => {
                Ok(())
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

    /// The conditioning frame of sample `t`, copied into `buf` (reused from
    /// sample to sample).
    fn local_at<'b>(
        &self,
        local: Option<&ArrayView2<'_, f32>>,
        t: usize,
        buf: &'b mut Vec<f32>,
    ) -> Option<&'b [f32]> {
        local.map(|a| {
            buf.clear();
            buf.extend(a.column(t / self.config.local_hop).iter());
            &buf[..]
        })
    }

    /// A fresh generation state: empty (silent) queues.
    fn state(&self) -> State {
        let (c, s, q) = (
            self.config.residual_channels,
            self.config.skip_channels,
            self.config.quantization_channels,
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
        }
    }

    /// One time step: the input class at `t`, its conditioning frame; the
    /// logits of sample `t + 1` land in `st.logits`.
    fn step(&self, st: &mut State, class: usize, local: Option<&[f32]>, global: Option<&[f32]>) {
        let c = self.config.residual_channels;
        self.input(class, &mut st.x);
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
        let q = self.config.quantization_channels;
        self.check_classes(classes)?;
        self.check_local(classes.len(), local)?;
        let global = self.global_terms(global)?;
        let mut st = self.state();
        let mut frame = Vec::new();
        let mut out = Vec::with_capacity(classes.len() * q);
        for (t, &class) in classes.iter().enumerate() {
            let lc = self.local_at(local.as_ref(), t, &mut frame);
            self.step(&mut st, class, lc, global.as_deref());
            out.extend_from_slice(&st.logits);
        }
        Ok(out)
    }

    /// Generates `n` samples' classes, fast: each layer's queue holds its
    /// last `dilation` inputs. The first input is silence; sample `t` is
    /// drawn from the logits at `t - 1`. `local` `(L, frames)` conditions
    /// sample `t` on frame `t / local_hop`.
    ///
    /// # Errors
    ///
    /// Conditioning that does not fit the model, or too few frames.
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
        let (global, mut rng) = self.start(prime, n, local, config)?;
        let mut st = self.state();
        let mut frame = Vec::new();
        let mut out = Vec::with_capacity(n);
        let mut class = self.silence();
        for t in 0..prime.len() + n {
            let lc = self.local_at(local.as_ref(), t, &mut frame);
            self.step(&mut st, class, lc, global.as_deref());
            if t < prime.len() {
                class = prime[t];
            } else {
                class = sample_logits(&st.logits, config.temperature, &mut rng);
                out.push(class);
            }
        }
        Ok(out)
    }

    /// Checks a generation's inputs; its global terms and generator.
    fn start(
        &self,
        prime: &[usize],
        n: usize,
        local: Option<ArrayView2<'_, f32>>,
        config: &GenerateConfig,
    ) -> Result<(Option<Vec<f32>>, SeededRng)> {
        self.check_classes(prime)?;
        self.check_local(prime.len() + n, local)?;
        Ok((
            self.global_terms(config.global)?,
            SeededRng::new(config.seed),
        ))
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
        let (global, mut rng) = self.start(prime, n, local, config)?;
        let (c, s, q) = (
            self.config.residual_channels,
            self.config.skip_channels,
            self.config.quantization_channels,
        );
        let rf = self.config.receptive_field();
        let mut sc = self.scratch();
        let mut classes = vec![self.silence()];
        classes.extend_from_slice(prime);
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
                self.input(classes[w0 + p], row);
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
            let class = sample_logits(&logits, config.temperature, &mut rng);
            classes.push(class);
        }
        Ok(classes.split_off(1 + prime.len()))
    }
}
