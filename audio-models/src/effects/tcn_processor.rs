//! [`TcnEffectProcessor`]: a TCN effect model block by block, as a plugin
//! host runs it: planned by `prepare`, then no allocation per block.

use std::collections::HashMap;

use candle_core::{DType, Tensor};

use super::tcn_config::{TcnEffectConfig, GEN_SIZES};
use crate::{Error, Result};

/// Samples computed together by the kernel (sharing weight loads).
const TIME_TILE: usize = 8;

/// Batch-norm epsilon of PyTorch's `BatchNorm1d` (micro-TCN's FiLM and blocks).
const BN_EPS: f32 = 1e-5;

/// Default parameter smoothing: the FiLM scales and shifts move linearly to
/// their new values over this many milliseconds after a control changes.
pub const DEFAULT_SMOOTHING_MS: f64 = 20.0;

/// One block's weights, laid out for the per-sample kernel.
#[derive(Debug, Clone)]
struct Layer {
    c_in: usize,
    c_out: usize,
    k: usize,
    dilation: usize,
    /// Convolution weight as `(k, c_in, c_out)`, output channels contiguous.
    w: Vec<f32>,
    slope: Vec<f32>,
    res: Vec<f32>,
    ratio: usize,
    /// The residual reads the input this many samples before the newest.
    res_lag: usize,
    /// FiLM adaptor `(2·c_out, 32)` and bias, or empty with batch norm.
    adaptor_w: Vec<f32>,
    adaptor_b: Vec<f32>,
    /// The eval batch norm as `x·bn_s + bn_t` (affine-free under FiLM).
    bn_s: Vec<f32>,
    bn_t: Vec<f32>,
}

/// The state of one block between calls.
#[derive(Debug, Clone, Default)]
struct LayerState {
    /// The block's input, `cap` rows of `c_in`, indexed by sample `& mask`.
    ring: Vec<f32>,
    mask: usize,
    /// Per channel: the ramp's start and end of scale and shift.
    from_scale: Vec<f32>,
    from_shift: Vec<f32>,
    to_scale: Vec<f32>,
    to_shift: Vec<f32>,
    acc: Vec<f32>,
}

/// A micro-TCN effect model run block by block, the real-time form of
/// [`super::TcnEffectNet::process`]:
///
/// - [`TcnEffectProcessor::prepare`]`(sample_rate, max_block)` plans the
///   buffers (one ring buffer per block, as long as its dilated kernel plus
///   a block); after it, [`TcnEffectProcessor::process_block`] allocates
///   nothing;
/// - controls change between blocks ([`TcnEffectProcessor::set_param`]);
///   the FiLM scales and shifts they give then move linearly to their new
///   values over the smoothing time (default [`DEFAULT_SMOOTHING_MS`]), so
///   a turned knob does not click;
/// - the output is [`super::TcnEffectNet::process`]'s (then the DC
///   blocker, when the configuration has one), delayed by
///   [`TcnEffectProcessor::latency`] samples (the model's look-ahead: 1
///   sample for a causal model), whatever the block sizes: with fixed
///   controls, any split of a signal into blocks gives the same samples as
///   one call over all of it, to the bit.
///
/// Before the first block (and after [`TcnEffectProcessor::reset`]) each
/// block's history holds what it computes from silence, as the offline
/// model's zero padding does.
///
/// The convolution is a per-sample kernel over time-major rows (each tap
/// a sum of `c_in` AXPYs over the output channels), which the compiler
/// vectorises.
///
/// # Example
///
/// ```
/// use audio_models::effects::TcnEffect;
/// let effect = TcnEffect::random_overdrive(7, Default::default())?;
/// let mut proc = effect.processor()?;
/// proc.prepare(44_100, 256)?;
/// let input = vec![0.1f32; 256];
/// let mut output = vec![0f32; 256];
/// for i in 0..4 {
///     proc.set_param("x", -1.0 + 0.5 * i as f64)?;
///     proc.process_block(&[&input], &mut [&mut output])?;
/// }
/// assert!(output.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcnEffectProcessor {
    config: TcnEffectConfig,
    gen: Vec<(Vec<f32>, Vec<f32>, usize, usize)>,
    layers: Vec<Layer>,
    out_w: Vec<f32>,
    out_b: Vec<f32>,
    /// Controls in the user's units, and the values the FiLM ramps were
    /// computed for.
    values: Vec<f64>,
    applied: Vec<f64>,
    smoothing_ms: f64,
    // Planned by `prepare`.
    max_block: usize,
    state: Vec<LayerState>,
    /// The last block's output rows `(max_block, c_last)`.
    last: Vec<f32>,
    gen_scratch: [Vec<f32>; 2],
    ramp_len: usize,
    ramp_pos: usize,
    /// Samples processed since the reset.
    pos: usize,
    /// The DC blocker's pole and, per output channel, its last input and output.
    dc_pole: Option<f32>,
    dc_state: Vec<(f32, f32)>,
    kernel: Kernel,
}

fn tensor_vec(map: &HashMap<String, Tensor>, key: &str, len: usize) -> Result<Vec<f32>> {
    let t = map.get(key).ok_or_else(|| Error::MissingKey {
        key: key.to_string(),
        expected: vec![len],
    })?;
    let v: Vec<f32> = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
    if v.len() != len {
        return Err(Error::WeightShape {
            key: key.to_string(),
            expected: vec![len],
            got: t.dims().to_vec(),
        });
    }
    Ok(v)
}

impl TcnEffectProcessor {
    /// Lays out the weights of `tensors` (micro-TCN's names, as
    /// [`super::TcnEffectNet`]) for block processing. Call
    /// [`TcnEffectProcessor::prepare`] before processing.
    ///
    /// # Errors
    ///
    /// As [`TcnEffectConfig::validate`]; [`Error::MissingKey`] /
    /// [`Error::WeightShape`] naming a missing or misshapen weight.
    pub fn new(config: TcnEffectConfig, tensors: &HashMap<String, Tensor>) -> Result<Self> {
        config.validate()?;
        let nparams = config.nparams();
        let mut gen = Vec::new();
        if nparams > 0 {
            let sizes = [nparams, GEN_SIZES[0], GEN_SIZES[1], GEN_SIZES[2]];
            for (i, w) in sizes.windows(2).enumerate() {
                let (a, b) = (w[0], w[1]);
                let weight = tensor_vec(tensors, &format!("gen.{}.weight", 2 * i), a * b)?;
                let bias = tensor_vec(tensors, &format!("gen.{}.bias", 2 * i), b)?;
                gen.push((weight, bias, a, b));
            }
        }
        let k = config.kernel_size;
        let mut layers = Vec::with_capacity(config.nblocks);
        for (n, ((c_in, c_out), dilation)) in config
            .channels()
            .into_iter()
            .zip(config.dilations())
            .enumerate()
        {
            let key = |s: &str| format!("blocks.{n}.{s}");
            let raw = tensor_vec(tensors, &key("conv1.weight"), c_out * c_in * k)?;
            let mut w = vec![0f32; raw.len()];
            for o in 0..c_out {
                for i in 0..c_in {
                    for j in 0..k {
                        w[(j * c_in + i) * c_out + o] = raw[(o * c_in + i) * k + j];
                    }
                }
            }
            let (prefix, affine) = if nparams > 0 {
                ("film.bn", false)
            } else {
                ("bn", true)
            };
            let mean = tensor_vec(tensors, &key(&format!("{prefix}.running_mean")), c_out)?;
            let var = tensor_vec(tensors, &key(&format!("{prefix}.running_var")), c_out)?;
            let (gamma, beta) = if affine {
                (
                    tensor_vec(tensors, &key("bn.weight"), c_out)?,
                    tensor_vec(tensors, &key("bn.bias"), c_out)?,
                )
            } else {
                (vec![1.0; c_out], vec![0.0; c_out])
            };
            let bn_s: Vec<f32> = (0..c_out)
                .map(|o| gamma[o] / (var[o] + BN_EPS).sqrt())
                .collect();
            let bn_t: Vec<f32> = (0..c_out).map(|o| beta[o] - mean[o] * bn_s[o]).collect();
            let (adaptor_w, adaptor_b) = if nparams > 0 {
                (
                    tensor_vec(
                        tensors,
                        &key("film.adaptor.weight"),
                        2 * c_out * GEN_SIZES[2],
                    )?,
                    tensor_vec(tensors, &key("film.adaptor.bias"), 2 * c_out)?,
                )
            } else {
                (Vec::new(), Vec::new())
            };
            let slope = match tensors.get(&key("relu.weight")).map(Tensor::elem_count) {
                Some(1) => vec![tensor_vec(tensors, &key("relu.weight"), 1)?[0]; c_out],
                _ => tensor_vec(tensors, &key("relu.weight"), c_out)?,
            };
            let span = dilation * (k - 1);
            layers.push(Layer {
                c_in,
                c_out,
                k,
                dilation,
                w,
                slope,
                res: tensor_vec(tensors, &key("res.weight"), c_out)?,
                ratio: c_out / c_in,
                res_lag: if config.causal { 1 } else { span - span / 2 },
                adaptor_w,
                adaptor_b,
                bn_s,
                bn_t,
            });
        }
        let last = layers.last().map_or(config.ninputs, |l| l.c_out);
        let out_w = tensor_vec(tensors, "output.weight", config.noutputs * last)?;
        let out_b = tensor_vec(tensors, "output.bias", config.noutputs)?;
        let values = config.params.iter().map(|p| p.default).collect::<Vec<_>>();
        Ok(Self {
            gen,
            layers,
            out_w,
            out_b,
            applied: values.clone(),
            values,
            smoothing_ms: DEFAULT_SMOOTHING_MS,
            max_block: 0,
            state: Vec::new(),
            last: Vec::new(),
            gen_scratch: [Vec::new(), Vec::new()],
            ramp_len: 0,
            ramp_pos: 0,
            pos: 0,
            dc_pole: None,
            dc_state: Vec::new(),
            kernel: Kernel::detect(),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TcnEffectConfig {
        &self.config
    }

    /// Runs the portable kernel instead of the one chosen for this CPU
    /// (for the test that every kernel gives the same bits).
    #[doc(hidden)]
    pub fn use_scalar_kernel(&mut self) {
        self.kernel = Kernel::Scalar;
    }

    /// The delay of the output behind the input, in samples: the model's
    /// look-ahead ([`TcnEffectConfig::lookahead`]).
    pub fn latency(&self) -> usize {
        self.config.lookahead()
    }

    /// Sets the smoothing time of control changes (0 for none). Takes
    /// effect at the next [`TcnEffectProcessor::prepare`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite time.
    pub fn set_smoothing_ms(&mut self, ms: f64) -> Result<()> {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "smoothing_ms",
                value: ms.to_string(),
                expected: "a finite time ≥ 0",
            });
        }
        self.smoothing_ms = ms;
        Ok(())
    }

    /// Plans the buffers for blocks of up to `max_block` samples at
    /// `sample_rate` Hz and resets the state. The model runs at whatever
    /// rate it is given; only the smoothing time depends on it (a model
    /// trained at another rate sounds different, as in any plugin).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero rate or block size, or a
    /// block over 2^20 samples.
    pub fn prepare(&mut self, sample_rate: u32, max_block: usize) -> Result<()> {
        if sample_rate == 0 {
            return Err(Error::InvalidParameter {
                name: "sample_rate",
                value: "0".into(),
                expected: "> 0",
            });
        }
        if !(1..=1 << 20).contains(&max_block) {
            return Err(Error::InvalidParameter {
                name: "max_block",
                value: max_block.to_string(),
                expected: "1 to 2^20 samples",
            });
        }
        self.max_block = max_block;
        self.ramp_len = (self.smoothing_ms * 1e-3 * f64::from(sample_rate)).round() as usize;
        self.state = self
            .layers
            .iter()
            .map(|l| {
                let cap = (l.dilation * (l.k - 1) + max_block + 1).next_power_of_two();
                LayerState {
                    ring: vec![0.0; cap * l.c_in],
                    mask: cap - 1,
                    from_scale: vec![0.0; l.c_out],
                    from_shift: vec![0.0; l.c_out],
                    to_scale: vec![0.0; l.c_out],
                    to_shift: vec![0.0; l.c_out],
                    acc: vec![0.0; TIME_TILE * l.c_out],
                }
            })
            .collect();
        let last = self.layers.last().map_or(self.config.ninputs, |l| l.c_out);
        self.last = vec![0.0; max_block * last];
        let widest = GEN_SIZES.iter().copied().max().unwrap_or(32);
        self.gen_scratch = [vec![0.0; widest], vec![0.0; widest]];
        self.dc_pole = self.config.dc_block_hz.map(|f| {
            (1.0 - 2.0 * std::f64::consts::PI * f / f64::from(sample_rate)).max(0.0) as f32
        });
        self.dc_state = vec![(0.0, 0.0); self.config.noutputs];
        self.reset();
        Ok(())
    }

    /// The value of the control named `name`, in the user's units.
    pub fn param(&self, name: &str) -> Option<f64> {
        let i = self.config.params.iter().position(|p| p.name == name)?;
        Some(self.values[i])
    }

    /// Sets the control named `name` (user units; values outside its range
    /// are passed on, as micro-TCN does). It takes effect, smoothed, from
    /// the next block.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an unknown name or a non-finite value.
    pub fn set_param(&mut self, name: &str, value: f64) -> Result<()> {
        let Some(i) = self.config.params.iter().position(|p| p.name == name) else {
            return Err(Error::InvalidParameter {
                name: "param",
                value: name.to_string(),
                expected: "one of the model's controls",
            });
        };
        if !value.is_finite() {
            return Err(Error::InvalidParameter {
                name: "param",
                value: format!("{name}={value}"),
                expected: "a finite value",
            });
        }
        self.values[i] = value;
        Ok(())
    }

    /// Forgets the signal: every block's history becomes what it computes
    /// from silence, and the controls' ramps jump to their current values.
    /// [`TcnEffectProcessor::prepare`] calls it.
    pub fn reset(&mut self) {
        if self.state.is_empty() {
            return;
        }
        self.applied.clone_from(&self.values);
        self.film_targets();
        for s in &mut self.state {
            s.from_scale.clone_from(&s.to_scale);
            s.from_shift.clone_from(&s.to_shift);
        }
        self.ramp_pos = self.ramp_len;
        self.pos = 0;
        self.dc_state.fill((0.0, 0.0));
        // Silence through the blocks: a constant input gives a constant
        // output. Each block's `acc` holds its silent output (in place, so
        // that `reset` allocates nothing).
        for li in 0..self.layers.len() {
            let (head, tail) = self.state.split_at_mut(li);
            let s = &mut tail[0];
            let l = &self.layers[li];
            let u = |i: usize| head.last().map_or(0.0, |p| p.acc[i]);
            s.acc.fill(0.0);
            for j in 0..l.k {
                for i in 0..l.c_in {
                    let ui = u(i);
                    let row = &l.w[(j * l.c_in + i) * l.c_out..][..l.c_out];
                    for (a, &w) in s.acc.iter_mut().zip(row) {
                        *a += ui * w;
                    }
                }
            }
            for o in 0..l.c_out {
                let h = s.acc[o] * s.to_scale[o] + s.to_shift[o];
                let h = if h >= 0.0 { h } else { l.slope[o] * h };
                s.acc[o] = h + l.res[o] * u(o / l.ratio);
            }
            for row in s.ring.chunks_exact_mut(l.c_in) {
                for (i, v) in row.iter_mut().enumerate() {
                    *v = u(i);
                }
            }
        }
    }

    /// Computes every block's target FiLM scale and shift for `applied`.
    fn film_targets(&mut self) {
        let [a, b] = &mut self.gen_scratch;
        let has_gen = !self.gen.is_empty();
        if has_gen {
            for (p, (x, v)) in self
                .config
                .params
                .iter()
                .zip(a.iter_mut().zip(&self.applied))
            {
                *x = p.normalize(*v) as f32;
            }
            let (mut src, mut dst) = (a, b);
            for (w, bias, n_in, n_out) in &self.gen {
                for o in 0..*n_out {
                    let row = &w[o * n_in..(o + 1) * n_in];
                    let s: f32 = row.iter().zip(&src[..*n_in]).map(|(w, x)| w * x).sum();
                    dst[o] = (s + bias[o]).max(0.0);
                }
                std::mem::swap(&mut src, &mut dst);
            }
            // `src` holds the conditioning vector; keep it in slot 0.
            if !std::ptr::eq(src.as_ptr(), self.gen_scratch[0].as_ptr()) {
                let [a, b] = &mut self.gen_scratch;
                a.copy_from_slice(b);
            }
        }
        let cond = &self.gen_scratch[0][..GEN_SIZES[2]];
        for (l, s) in self.layers.iter().zip(self.state.iter_mut()) {
            for o in 0..l.c_out {
                let (g, beta) = if has_gen {
                    let gi = &l.adaptor_w[o * GEN_SIZES[2]..(o + 1) * GEN_SIZES[2]];
                    let bi = &l.adaptor_w[(l.c_out + o) * GEN_SIZES[2]..][..GEN_SIZES[2]];
                    let g: f32 =
                        gi.iter().zip(cond).map(|(w, x)| w * x).sum::<f32>() + l.adaptor_b[o];
                    let bt: f32 = bi.iter().zip(cond).map(|(w, x)| w * x).sum::<f32>()
                        + l.adaptor_b[l.c_out + o];
                    (g, bt)
                } else {
                    (1.0, 0.0)
                };
                s.to_scale[o] = g * l.bn_s[o];
                s.to_shift[o] = g * l.bn_t[o] + beta;
            }
        }
    }

    /// Processes one block: `input[c]` and `output[c]` are the planar
    /// channels (`ninputs` in, `noutputs` out), all of one length up to the
    /// prepared `max_block`. Allocates nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] before [`TcnEffectProcessor::prepare`];
    /// [`Error::ShapeMismatch`] for the wrong channel counts, unequal
    /// lengths or a block over `max_block`.
    pub fn process_block(&mut self, input: &[&[f32]], output: &mut [&mut [f32]]) -> Result<()> {
        if self.state.is_empty() {
            return Err(Error::InvalidParameter {
                name: "prepare",
                value: "not called".into(),
                expected: "prepare(sample_rate, max_block) before process_block",
            });
        }
        let n = input.first().map_or(0, |c| c.len());
        if input.len() != self.config.ninputs
            || output.len() != self.config.noutputs
            || n > self.max_block
            || input.iter().any(|c| c.len() != n)
            || output.iter().any(|c| c.len() != n)
        {
            return Err(Error::ShapeMismatch {
                what: "TCN effect block",
                expected: format!(
                    "{} input and {} output channels of one length ≤ {}",
                    self.config.ninputs, self.config.noutputs, self.max_block
                ),
                got: vec![input.len(), output.len(), n],
            });
        }
        if self.values != self.applied {
            // Start a new ramp from where the current one is.
            let f = match self.ramp_pos {
                0 => 0.0,
                done => ramp_fraction(done - 1, self.ramp_len),
            };
            for s in &mut self.state {
                for o in 0..s.to_scale.len() {
                    s.from_scale[o] += (s.to_scale[o] - s.from_scale[o]) * f;
                    s.from_shift[o] += (s.to_shift[o] - s.from_shift[o]) * f;
                }
            }
            self.applied.clone_from(&self.values);
            self.film_targets();
            self.ramp_pos = 0;
        }
        // The input rows into the first block's ring.
        {
            let s = &mut self.state[0];
            let c_in = self.config.ninputs;
            for j in 0..n {
                let row = ((self.pos + j) & s.mask) * c_in;
                for (c, ch) in input.iter().enumerate() {
                    s.ring[row + c] = ch[j];
                }
            }
        }
        for li in 0..self.layers.len() {
            let (head, tail) = self.state.split_at_mut(li + 1);
            let run = LayerRun {
                layer: &self.layers[li],
                state: &mut head[li],
                next: tail.first_mut(),
                last: &mut self.last,
                pos: self.pos,
                n,
                ramp_pos: self.ramp_pos,
                ramp_len: self.ramp_len,
            };
            self.kernel.run(run);
        }
        let c_last = self.last.len() / self.max_block;
        for (c, ch) in output.iter_mut().enumerate() {
            let w = &self.out_w[c * c_last..(c + 1) * c_last];
            for (j, y) in ch.iter_mut().enumerate() {
                let row = &self.last[j * c_last..(j + 1) * c_last];
                let s: f32 = row.iter().zip(w).map(|(x, w)| x * w).sum();
                *y = (s + self.out_b[c]).tanh();
            }
            if let Some(r) = self.dc_pole {
                let (x1, y1) = &mut self.dc_state[c];
                for y in ch.iter_mut() {
                    let x = *y;
                    *y = x - *x1 + r * *y1;
                    (*x1, *y1) = (x, *y);
                }
            }
        }
        self.pos += n;
        self.ramp_pos = self.ramp_pos.saturating_add(n).min(self.ramp_len);
        Ok(())
    }
}

/// One block of one layer: the arguments of [`run_layer`].
struct LayerRun<'a> {
    layer: &'a Layer,
    state: &'a mut LayerState,
    /// The next layer's state (its ring receives the output), or none for
    /// the last layer, whose output rows go to `last`.
    next: Option<&'a mut LayerState>,
    last: &'a mut [f32],
    pos: usize,
    n: usize,
    ramp_pos: usize,
    ramp_len: usize,
}

/// The per-sample kernel, compiled once per instruction set (the
/// vectorised loops are the AXPYs over output channels). Every tier runs
/// the same operations in the same order (no contraction into FMA), so
/// all give the same bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Self::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Self::Avx2;
            }
        }
        Self::Scalar
    }

    fn run(self, r: LayerRun<'_>) {
        match self {
            Self::Scalar => run_layer(r),
            // SAFETY: chosen by `detect` only where the CPU has the feature.
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => unsafe { run_layer_avx2(r) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => unsafe { run_layer_avx512(r) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_layer_avx2(r: LayerRun<'_>) {
    run_layer(r);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn run_layer_avx512(r: LayerRun<'_>) {
    run_layer(r);
}

#[inline(always)]
fn run_layer(r: LayerRun<'_>) {
    let LayerRun {
        layer: l,
        state: s,
        mut next,
        last,
        pos,
        n,
        ramp_pos,
        ramp_len,
    } = r;
    let c_out = l.c_out;
    let mut j0 = 0;
    while j0 < n {
        let m = TIME_TILE.min(n - j0);
        let t0 = pos + j0;
        convolve_tile(l, s, t0, m);
        for tau in 0..m {
            let j = j0 + tau;
            let t = pos + j;
            let f = ramp_fraction(ramp_pos + j, ramp_len);
            let res_row = ((t.wrapping_sub(l.res_lag)) & s.mask) * l.c_in;
            let out: &mut [f32] = match next.as_deref_mut() {
                Some(ns) => {
                    let r = (t & ns.mask) * c_out;
                    &mut ns.ring[r..r + c_out]
                }
                None => &mut last[j * c_out..(j + 1) * c_out],
            };
            let a = &s.acc[tau * c_out..(tau + 1) * c_out];
            for o in 0..c_out {
                let (scale, shift) = if f >= 1.0 {
                    (s.to_scale[o], s.to_shift[o])
                } else {
                    (
                        s.from_scale[o] + (s.to_scale[o] - s.from_scale[o]) * f,
                        s.from_shift[o] + (s.to_shift[o] - s.from_shift[o]) * f,
                    )
                };
                let h = a[o] * scale + shift;
                let h = if h >= 0.0 { h } else { l.slope[o] * h };
                out[o] = h + l.res[o] * s.ring[res_row + o / l.ratio];
            }
        }
        j0 += m;
    }
}

/// The dilated convolution of samples `t0 .. t0 + m` (`m ≤ TIME_TILE`)
/// into `s.acc`: each weight row is applied to the `m` samples in turn,
/// and each output sums its products in (tap, input) order.
#[inline(always)]
fn convolve_tile(l: &Layer, s: &mut LayerState, t0: usize, m: usize) {
    let c_out = l.c_out;
    let span = l.dilation * (l.k - 1);
    let acc = &mut s.acc[..m * c_out];
    acc.fill(0.0);
    for tap in 0..l.k {
        let back = span - tap * l.dilation;
        let wk = &l.w[tap * l.c_in * c_out..][..l.c_in * c_out];
        for (i, wrow) in wk.chunks_exact(c_out).enumerate() {
            for (tau, a) in acc.chunks_exact_mut(c_out).enumerate() {
                let x = s.ring[((t0 + tau).wrapping_sub(back) & s.mask) * l.c_in + i];
                for (a, &w) in a.iter_mut().zip(wrow) {
                    *a += x * w;
                }
            }
        }
    }
}

/// The ramp's progress after `pos` samples of `len`: `(pos + 1) / len`,
/// 1 when done (or without smoothing).
fn ramp_fraction(pos: usize, len: usize) -> f32 {
    if pos + 1 >= len {
        1.0
    } else {
        (pos + 1) as f32 / len as f32
    }
}
