//! Multi-layer, optionally bidirectional LSTM in `torch.nn.LSTM`'s weight
//! layout, with initial/final state and a streaming step.

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::recurrent_uniform;
use crate::kernels::gemv::{PackedCache, PackedMatrix};
use crate::streaming::StreamingLayer;
use crate::{Error, Result};

const LAYER: &str = "Lstm";

/// Configuration of an [`Lstm`], the arguments of `torch.nn.LSTM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmConfig {
    /// Features per input frame (`input_size`).
    pub input_size: usize,
    /// Cell size `H` (`hidden_size`).
    pub hidden_size: usize,
    /// Stacked layers (`num_layers`).
    pub num_layers: usize,
    /// Whether the layers have `bias_ih_l{k}` / `bias_hh_l{k}`.
    pub bias: bool,
    /// Input and output are `(batch, time, features)` instead of `(time, batch, features)`.
    pub batch_first: bool,
    /// Run a second LSTM backwards in time per layer and concatenate the outputs.
    pub bidirectional: bool,
    /// When `> 0`, the hidden state is projected to this size by `weight_hr_l{k}` (`proj_size`).
    pub proj_size: usize,
    /// Peephole connections (Gers & Schmidhuber 2000): diagonal weights from the
    /// cell to the gates, `weight_ci_l{k}`, `weight_cf_l{k}`, `weight_co_l{k}` `(H)`.
    /// Not in `torch.nn.LSTM`; the names follow its scheme.
    pub peephole: bool,
}

impl LstmConfig {
    /// PyTorch's defaults for the given sizes: one layer, biases, sequence-first,
    /// unidirectional, no projection.
    pub fn new(input_size: usize, hidden_size: usize) -> Self {
        Self {
            input_size,
            hidden_size,
            num_layers: 1,
            bias: true,
            batch_first: false,
            bidirectional: false,
            proj_size: 0,
            peephole: false,
        }
    }

    /// Number of directions `D` (1 or 2).
    pub fn directions(&self) -> usize {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// Size of the hidden state / output per direction: `proj_size` if set, else `hidden_size`.
    pub fn output_size(&self) -> usize {
        if self.proj_size > 0 {
            self.proj_size
        } else {
            self.hidden_size
        }
    }
}

/// The recurrent state of an [`Lstm`], as PyTorch's `(h, c)` tuple.
#[derive(Debug, Clone)]
pub struct LstmState {
    /// Hidden state `(num_layers·D, batch, output_size)`; row `layer·D + direction`.
    pub h: Tensor,
    /// Cell state `(num_layers·D, batch, hidden_size)`.
    pub c: Tensor,
}

#[derive(Debug, Clone)]
struct Direction {
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Option<Tensor>,
    b_hh: Option<Tensor>,
    w_hr: Option<Tensor>,
    /// Peephole weights `[w_ci, w_cf, w_co]`, each `(1, H)`.
    peep: Option<[Tensor; 3]>,
    /// `w_hh` and `w_hr` packed for the fused recurrence, made on its first
    /// use (only plain, untracked weights take that path, and those never change).
    packed_hh: PackedCache,
    packed_hr: PackedCache,
}

/// A stacked LSTM, `torch.nn.LSTM`. Per layer and direction, with gates in
/// PyTorch's order `i, f, g, o`:
///
/// ```text
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                      h' = o ⊙ tanh(c')   (h' = W_hr (o ⊙ tanh(c')) with projection)
/// ```
///
/// Weights (PyTorch names, `{k}` the layer, `_reverse` suffix for the backward
/// direction): `weight_ih_l{k}` `(4H, in)`, `weight_hh_l{k}` `(4H, P)`,
/// `bias_ih_l{k}` / `bias_hh_l{k}` `(4H)`, `weight_hr_l{k}` `(P, H)` with
/// projection; `in` is `input_size` for layer 0 and `D·P` above. Initialised
/// as PyTorch: `U(±1/sqrt(H))`. With [`LstmConfig::peephole`], `i` and `f` also
/// get `+ w_ci ⊙ c` / `+ w_cf ⊙ c` and `o` gets `+ w_co ⊙ c'` (keys
/// `weight_c{i,f,o}_l{k}`).
///
/// On the CPU in f32, when nothing is tracked by autograd (inference from a
/// checkpoint), the recurrence runs in a fused loop (matrix-vector product
/// with runtime AVX2/FMA dispatch and the gate nonlinearities over plain
/// buffers); otherwise it is built from candle ops so gradients flow.
///
/// # Shapes
///
/// Input `(time, batch, input_size)` (`(batch, time, input_size)` with
/// `batch_first`); output `(time, batch, D·P)` likewise.
///
/// ```
/// use audio_nn::{Lstm, LstmConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let cfg = LstmConfig { num_layers: 2, bidirectional: true, batch_first: true, ..LstmConfig::new(8, 16) };
/// let lstm = Lstm::new(cfg, vb)?;
/// let y = lstm.forward(&Tensor::zeros((3, 50, 8), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[3, 50, 32]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Lstm {
    config: LstmConfig,
    dirs: Vec<Direction>,
}

impl Lstm {
    /// Loads (or initialises) all weights from `vb` under PyTorch's names.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero sizes or `proj_size >= hidden_size`;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key.
    pub fn new(config: LstmConfig, vb: VarBuilder) -> Result<Self> {
        let c = &config;
        checks::config(LAYER, "input_size", c.input_size, c.input_size > 0, "> 0")?;
        checks::config(
            LAYER,
            "hidden_size",
            c.hidden_size,
            c.hidden_size > 0,
            "> 0",
        )?;
        checks::config(LAYER, "num_layers", c.num_layers, c.num_layers > 0, "> 0")?;
        checks::config(
            LAYER,
            "proj_size",
            c.proj_size,
            c.proj_size < c.hidden_size,
            "0 (none) or < hidden_size",
        )?;
        let h = c.hidden_size;
        let p = c.output_size();
        let init = recurrent_uniform(h);
        let mut dirs = Vec::new();
        for layer in 0..c.num_layers {
            let in_size = if layer == 0 {
                c.input_size
            } else {
                p * c.directions()
            };
            for d in 0..c.directions() {
                let sfx = if d == 1 { "_reverse" } else { "" };
                let w_ih = checks::weight(
                    &vb,
                    LAYER,
                    &format!("weight_ih_l{layer}{sfx}"),
                    &[4 * h, in_size],
                    init,
                )?;
                let w_hh = checks::weight(
                    &vb,
                    LAYER,
                    &format!("weight_hh_l{layer}{sfx}"),
                    &[4 * h, p],
                    init,
                )?;
                let (b_ih, b_hh) = if c.bias {
                    (
                        Some(checks::weight(
                            &vb,
                            LAYER,
                            &format!("bias_ih_l{layer}{sfx}"),
                            &[4 * h],
                            init,
                        )?),
                        Some(checks::weight(
                            &vb,
                            LAYER,
                            &format!("bias_hh_l{layer}{sfx}"),
                            &[4 * h],
                            init,
                        )?),
                    )
                } else {
                    (None, None)
                };
                let w_hr = if c.proj_size > 0 {
                    Some(checks::weight(
                        &vb,
                        LAYER,
                        &format!("weight_hr_l{layer}{sfx}"),
                        &[p, h],
                        init,
                    )?)
                } else {
                    None
                };
                let peep = if c.peephole {
                    let get = |gate: &str| -> Result<Tensor> {
                        Ok(checks::weight(
                            &vb,
                            LAYER,
                            &format!("weight_c{gate}_l{layer}{sfx}"),
                            &[h],
                            init,
                        )?
                        .unsqueeze(0)?)
                    };
                    Some([get("i")?, get("f")?, get("o")?])
                } else {
                    None
                };
                dirs.push(Direction {
                    w_ih,
                    w_hh,
                    b_ih,
                    b_hh,
                    w_hr,
                    peep,
                    packed_hh: PackedCache::default(),
                    packed_hr: PackedCache::default(),
                });
            }
        }
        Ok(Self { config, dirs })
    }

    /// The configuration.
    pub fn config(&self) -> &LstmConfig {
        &self.config
    }

    /// A zero state for `batch` sequences, on the weights' device and dtype.
    ///
    /// # Errors
    ///
    /// Candle allocation errors.
    pub fn zero_state(&self, batch: usize) -> Result<LstmState> {
        let c = &self.config;
        let w = &self.dirs[0].w_ih;
        let n = c.num_layers * c.directions();
        Ok(LstmState {
            h: Tensor::zeros((n, batch, c.output_size()), w.dtype(), w.device())?,
            c: Tensor::zeros((n, batch, c.hidden_size), w.dtype(), w.device())?,
        })
    }

    fn check_state(&self, state: &LstmState, batch: usize) -> Result<()> {
        let c = &self.config;
        let n = c.num_layers * c.directions();
        for (t, size, what) in [
            (
                &state.h,
                c.output_size(),
                "h: (num_layers*directions, batch, output_size)",
            ),
            (
                &state.c,
                c.hidden_size,
                "c: (num_layers*directions, batch, hidden_size)",
            ),
        ] {
            if t.dims() != [n, batch, size] {
                return Err(Error::ShapeMismatch {
                    layer: LAYER,
                    expected: format!("{what} = ({n}, {batch}, {size})"),
                    got: t.dims().to_vec(),
                });
            }
        }
        Ok(())
    }

    /// Runs the whole stack over a sequence from `state` (zeros when `None`)
    /// and returns the output sequence and the final state `(h_n, c_n)`, as
    /// `torch.nn.LSTM.forward(x, (h_0, c_0))`.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] unless the input is rank 3, [`Error::ChannelMismatch`]
    /// when its feature size is not `input_size`, [`Error::ShapeMismatch`] for a
    /// state of the wrong shape.
    pub fn forward_with_state(
        &self,
        x: &Tensor,
        state: Option<&LstmState>,
    ) -> Result<(Tensor, LstmState)> {
        self.run(x, state, 0.0)
    }

    /// Train-mode forward, `torch.nn.LSTM(dropout=p)` in `train()`: as
    /// [`Lstm::forward_with_state`], with dropout of probability `dropout`
    /// (inverted: kept values scaled by `1/(1-p)`) on the outputs of every
    /// layer but the last. The mask comes from candle's generator
    /// (`candle_nn::ops::dropout`), not from a seed. Always takes the
    /// autograd-friendly op-by-op path.
    ///
    /// # Errors
    ///
    /// As [`Lstm::forward_with_state`]; [`Error::InvalidParameter`] unless `0 <= dropout < 1`.
    pub fn forward_train(
        &self,
        x: &Tensor,
        state: Option<&LstmState>,
        dropout: f32,
    ) -> Result<(Tensor, LstmState)> {
        checks::config(
            LAYER,
            "dropout",
            dropout,
            (0.0..1.0).contains(&dropout),
            "in [0, 1)",
        )?;
        self.run(x, state, dropout)
    }

    fn run(
        &self,
        x: &Tensor,
        state: Option<&LstmState>,
        dropout: f32,
    ) -> Result<(Tensor, LstmState)> {
        let c = &self.config;
        let layout = if c.batch_first {
            "(batch, time, features)"
        } else {
            "(time, batch, features)"
        };
        let [_, _, f] = checks::dims::<3>(LAYER, layout, x)?;
        checks::channels(LAYER, c.input_size, f)?;
        // Time-major internally.
        let mut seq = if c.batch_first {
            x.transpose(0, 1)?.contiguous()?
        } else {
            x.clone()
        };
        let (t_len, batch, _) = seq.dims3()?;
        let state = match state {
            Some(s) => {
                self.check_state(s, batch)?;
                s.clone()
            }
            None => self.zero_state(batch)?,
        };
        let nd = c.directions();
        let fast = dropout == 0.0 && self.fused_eligible(x, &state);
        let mut hs = Vec::with_capacity(c.num_layers * nd);
        let mut cs = Vec::with_capacity(c.num_layers * nd);
        for layer in 0..c.num_layers {
            let mut outs = Vec::with_capacity(nd);
            for d in 0..nd {
                let idx = layer * nd + d;
                let run = if fast {
                    run_direction_fused
                } else {
                    run_direction
                };
                let (y, h, cell) = run(
                    &self.dirs[idx],
                    &seq,
                    state.h.get(idx)?,
                    state.c.get(idx)?,
                    d == 1,
                    c.hidden_size,
                )?;
                outs.push(y);
                hs.push(h);
                cs.push(cell);
            }
            seq = if nd == 1 {
                outs.remove(0)
            } else {
                Tensor::cat(&outs, 2)?
            };
            if dropout > 0.0 && layer + 1 < c.num_layers {
                seq = candle_nn::ops::dropout(&seq, dropout)?;
            }
            debug_assert_eq!(seq.dim(0)?, t_len);
        }
        let out = if c.batch_first {
            seq.transpose(0, 1)?.contiguous()?
        } else {
            seq
        };
        Ok((
            out,
            LstmState {
                h: Tensor::stack(&hs, 0)?,
                c: Tensor::stack(&cs, 0)?,
            },
        ))
    }

    /// Whether the fused CPU recurrence applies: f32 on the CPU and nothing
    /// tracked by autograd (the fused loop has no backward pass).
    fn fused_eligible(&self, x: &Tensor, state: &LstmState) -> bool {
        let w = &self.dirs[0].w_ih;
        !self.config.peephole
            && w.device().is_cpu()
            && w.dtype() == candle_core::DType::F32
            && x.dtype() == candle_core::DType::F32
            && !x.track_op()
            && !state.h.track_op()
            && !state.c.track_op()
            && self.dirs.iter().all(|d| {
                !d.w_ih.track_op()
                    && !d.w_hh.track_op()
                    && !d.b_ih.as_ref().is_some_and(|b| b.track_op())
                    && !d.b_hh.as_ref().is_some_and(|b| b.track_op())
                    && !d.w_hr.as_ref().is_some_and(|w| w.track_op())
            })
    }

    /// One streaming step of a unidirectional LSTM: consumes one frame per
    /// sequence, `(batch, input_size)`, updates `state` in place and returns
    /// the top layer's output `(batch, output_size)`. Running `step` over the
    /// frames of a sequence gives the same outputs and final state as
    /// [`Lstm::forward_with_state`].
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a bidirectional LSTM (the backward direction
    /// needs the future), [`Error::InputRank`] / [`Error::ChannelMismatch`] /
    /// [`Error::ShapeMismatch`] for wrong shapes.
    pub fn step(&self, x: &Tensor, state: &mut LstmState) -> Result<Tensor> {
        let c = &self.config;
        if c.bidirectional {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "step",
                reason: "a bidirectional LSTM needs the whole sequence",
            });
        }
        let [batch, f] = checks::dims::<2>(LAYER, "(batch, features)", x)?;
        checks::channels(LAYER, c.input_size, f)?;
        self.check_state(state, batch)?;
        let mut inp = x.clone();
        let mut hs = Vec::with_capacity(c.num_layers);
        let mut cs = Vec::with_capacity(c.num_layers);
        for (layer, dir) in self.dirs.iter().enumerate() {
            let xp = input_projection(dir, &inp.unsqueeze(0)?)?.get(0)?;
            let (h, cell) = cell_step(
                &xp,
                &state.h.get(layer)?,
                &state.c.get(layer)?,
                &dir.w_hh.t()?,
                dir.w_hr.as_ref().map(|w| w.t()).transpose()?.as_ref(),
                dir.peep.as_ref(),
                c.hidden_size,
            )?;
            inp = h.clone();
            hs.push(h);
            cs.push(cell);
        }
        state.h = Tensor::stack(&hs, 0)?;
        state.c = Tensor::stack(&cs, 0)?;
        Ok(inp)
    }
}

impl Module for Lstm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.forward_with_state(x, None)
            .map(|(y, _)| y)
            .map_err(candle_core::Error::wrap)
    }
}

/// `x W_ih^T + b_ih + b_hh` for a time-major `(T, B, in)` input → `(T, B, 4H)`.
fn input_projection(dir: &Direction, seq: &Tensor) -> Result<Tensor> {
    let (t, b, i) = seq.dims3()?;
    let g = dir.w_ih.dim(0)?;
    let mut xp = seq.reshape((t * b, i))?.matmul(&dir.w_ih.t()?)?;
    if let (Some(bi), Some(bh)) = (&dir.b_ih, &dir.b_hh) {
        xp = xp.broadcast_add(&bi.add(bh)?.unsqueeze(0)?)?;
    }
    Ok(xp.reshape((t, b, g))?)
}

/// One LSTM cell update from the precomputed input projection `xp` `(B, 4H)`.
fn cell_step(
    xp: &Tensor,
    h: &Tensor,
    c: &Tensor,
    w_hh_t: &Tensor,
    w_hr_t: Option<&Tensor>,
    peep: Option<&[Tensor; 3]>,
    hidden: usize,
) -> Result<(Tensor, Tensor)> {
    let gates = xp.add(&h.matmul(w_hh_t)?)?;
    let g = gates.narrow(1, 2 * hidden, hidden)?.tanh()?;
    let (c_new, o) = match peep {
        None => {
            let sig = candle_nn::ops::sigmoid(&gates)?;
            let i = sig.narrow(1, 0, hidden)?;
            let f = sig.narrow(1, hidden, hidden)?;
            let o = sig.narrow(1, 3 * hidden, hidden)?;
            (f.mul(c)?.add(&i.mul(&g)?)?, o)
        }
        Some([wci, wcf, wco]) => {
            // i, f see the previous cell state; o sees the new one.
            let i =
                candle_nn::ops::sigmoid(&gates.narrow(1, 0, hidden)?.add(&c.broadcast_mul(wci)?)?)?;
            let f = candle_nn::ops::sigmoid(
                &gates
                    .narrow(1, hidden, hidden)?
                    .add(&c.broadcast_mul(wcf)?)?,
            )?;
            let c_new = f.mul(c)?.add(&i.mul(&g)?)?;
            let o = candle_nn::ops::sigmoid(
                &gates
                    .narrow(1, 3 * hidden, hidden)?
                    .add(&c_new.broadcast_mul(wco)?)?,
            )?;
            (c_new, o)
        }
    };
    let h_full = o.mul(&c_new.tanh()?)?;
    let h_new = match w_hr_t {
        Some(w) => h_full.matmul(w)?,
        None => h_full,
    };
    Ok((h_new, c_new))
}

/// Runs one direction over a time-major sequence; returns `(T, B, P)`, final `h`, final `c`.
fn run_direction(
    dir: &Direction,
    seq: &Tensor,
    h0: Tensor,
    c0: Tensor,
    reverse: bool,
    hidden: usize,
) -> Result<(Tensor, Tensor, Tensor)> {
    let t_len = seq.dim(0)?;
    let xp = input_projection(dir, seq)?;
    let w_hh_t = dir.w_hh.t()?.contiguous()?;
    let w_hr_t = match &dir.w_hr {
        Some(w) => Some(w.t()?.contiguous()?),
        None => None,
    };
    let mut h = h0;
    let mut c = c0;
    let mut outs = Vec::with_capacity(t_len);
    for step in 0..t_len {
        let t = if reverse { t_len - 1 - step } else { step };
        let (hn, cn) = cell_step(
            &xp.get(t)?,
            &h,
            &c,
            &w_hh_t,
            w_hr_t.as_ref(),
            dir.peep.as_ref(),
            hidden,
        )?;
        h = hn;
        c = cn;
        outs.push(h.clone());
    }
    if reverse {
        outs.reverse();
    }
    let y = if t_len == 0 {
        let (_, b, _) = seq.dims3()?;
        Tensor::zeros((0, b, h.dim(1)?), h.dtype(), h.device())?
    } else {
        Tensor::stack(&outs, 0)?
    };
    Ok((y, h, c))
}

/// [`run_direction`] with the fused CPU recurrence of [`crate::kernels::lstm_kernel`].
fn run_direction_fused(
    dir: &Direction,
    seq: &Tensor,
    h0: Tensor,
    c0: Tensor,
    reverse: bool,
    hidden: usize,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (t_len, batch, _) = seq.dims3()?;
    let p = h0.dim(1)?;
    let xp: Vec<f32> = input_projection(dir, seq)?.flatten_all()?.to_vec1()?;
    let w_hh = PackedMatrix::cached(&dir.packed_hh, &dir.w_hh)?;
    let w_hr = match &dir.w_hr {
        Some(w) => Some(PackedMatrix::cached(&dir.packed_hr, w)?),
        None => None,
    };
    let mut h: Vec<f32> = h0.flatten_all()?.to_vec1()?;
    let mut c: Vec<f32> = c0.flatten_all()?.to_vec1()?;
    let rec = crate::kernels::lstm_kernel::Recurrence {
        xp: &xp,
        w_hh,
        w_hr,
        dims: (t_len, batch, hidden, p),
        reverse,
    };
    let out = crate::kernels::lstm_kernel::run(&rec, &mut h, &mut c);
    let dev = seq.device();
    Ok((
        Tensor::from_vec(out, (t_len, batch, p), dev)?,
        Tensor::from_vec(h, (batch, p), dev)?,
        Tensor::from_vec(c, (batch, hidden), dev)?,
    ))
}

/// An [`Lstm`] driven block by block through [`StreamingLayer`]: each block
/// (in the LSTM's layout, `(time, batch, features)` or batch-first) continues
/// from the state the previous block left, so the concatenated outputs equal
/// the offline output. Unidirectional only.
///
/// ```
/// use audio_nn::{Lstm, LstmConfig, LstmStream, StreamingLayer};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let mut s = LstmStream::new(Lstm::new(LstmConfig::new(4, 8), vb)?)?;
/// let y = s.step(&Tensor::zeros((5, 1, 4), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[5, 1, 8]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LstmStream {
    lstm: Lstm,
    state: Option<LstmState>,
}

impl LstmStream {
    /// Wraps a unidirectional LSTM.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a bidirectional one.
    pub fn new(lstm: Lstm) -> Result<Self> {
        if lstm.config.bidirectional {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "streaming",
                reason: "a bidirectional LSTM needs the whole sequence",
            });
        }
        Ok(Self { lstm, state: None })
    }

    /// The state after the last block (`None` after a reset).
    pub fn state(&self) -> Option<&LstmState> {
        self.state.as_ref()
    }
}

impl StreamingLayer for LstmStream {
    fn step(&mut self, x: &Tensor) -> Result<Tensor> {
        let (y, s) = self.lstm.forward_with_state(x, self.state.as_ref())?;
        self.state = Some(s);
        Ok(y)
    }

    fn reset(&mut self) {
        self.state = None;
    }
}
