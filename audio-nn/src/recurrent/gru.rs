//! Multi-layer, optionally bidirectional GRU in `torch.nn.GRU`'s weight layout,
//! with initial/final state and a streaming step.

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::recurrent_uniform;
use crate::kernels::gemv::{PackedCache, PackedMatrix};
use crate::streaming::StreamingLayer;
use crate::{Error, Result};

const LAYER: &str = "Gru";

/// Configuration of a [`Gru`], the arguments of `torch.nn.GRU`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GruConfig {
    /// Features per input frame (`input_size`).
    pub input_size: usize,
    /// State size `H` (`hidden_size`).
    pub hidden_size: usize,
    /// Stacked layers (`num_layers`).
    pub num_layers: usize,
    /// Whether the layers have `bias_ih_l{k}` / `bias_hh_l{k}`.
    pub bias: bool,
    /// Input and output are `(batch, time, features)`.
    pub batch_first: bool,
    /// A second GRU per layer runs backwards in time; outputs are concatenated.
    pub bidirectional: bool,
}

impl GruConfig {
    /// PyTorch's defaults for the given sizes.
    pub fn new(input_size: usize, hidden_size: usize) -> Self {
        Self {
            input_size,
            hidden_size,
            num_layers: 1,
            bias: true,
            batch_first: false,
            bidirectional: false,
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
}

#[derive(Debug, Clone)]
struct Direction {
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Option<Tensor>,
    b_hh: Option<Tensor>,
    /// `w_hh` packed for the fused recurrence, made on its first use (only
    /// plain, untracked weights take that path, and those never change).
    packed_hh: PackedCache,
}

/// A stacked GRU, `torch.nn.GRU`. Per layer and direction, gates in PyTorch's
/// order `r, z, n`:
///
/// ```text
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 - z) ⊙ n + z ⊙ h
/// ```
///
/// Weights: `weight_ih_l{k}` `(3H, in)`, `weight_hh_l{k}` `(3H, H)`,
/// `bias_ih_l{k}`, `bias_hh_l{k}` `(3H)`, `_reverse` suffix for the backward
/// direction; init `U(±1/sqrt(H))`.
///
/// On the CPU in f32, with nothing tracked by autograd, the recurrence runs
/// in a fused loop (as the LSTM's); otherwise it is built from candle ops.
///
/// # Shapes
///
/// Input `(time, batch, input_size)` (or batch-first), output `(time, batch, D·H)`;
/// state `(num_layers·D, batch, H)`.
///
/// ```
/// use audio_nn::{Gru, GruConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let gru = Gru::new(GruConfig { bidirectional: true, ..GruConfig::new(4, 6) }, vb)?;
/// let y = gru.forward(&Tensor::zeros((10, 2, 4), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[10, 2, 12]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Gru {
    config: GruConfig,
    dirs: Vec<Direction>,
}

impl Gru {
    /// Loads (or initialises) all weights from `vb` under PyTorch's names.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero sizes; [`Error::MissingKey`] /
    /// [`Error::WeightShape`] naming the key.
    pub fn new(config: GruConfig, vb: VarBuilder) -> Result<Self> {
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
        let h = c.hidden_size;
        let init = recurrent_uniform(h);
        let mut dirs = Vec::new();
        for layer in 0..c.num_layers {
            let in_size = if layer == 0 {
                c.input_size
            } else {
                h * c.directions()
            };
            for d in 0..c.directions() {
                let sfx = if d == 1 { "_reverse" } else { "" };
                let w_ih = checks::weight(
                    &vb,
                    LAYER,
                    &format!("weight_ih_l{layer}{sfx}"),
                    &[3 * h, in_size],
                    init,
                )?;
                let w_hh = checks::weight(
                    &vb,
                    LAYER,
                    &format!("weight_hh_l{layer}{sfx}"),
                    &[3 * h, h],
                    init,
                )?;
                let (b_ih, b_hh) = if c.bias {
                    (
                        Some(checks::weight(
                            &vb,
                            LAYER,
                            &format!("bias_ih_l{layer}{sfx}"),
                            &[3 * h],
                            init,
                        )?),
                        Some(checks::weight(
                            &vb,
                            LAYER,
                            &format!("bias_hh_l{layer}{sfx}"),
                            &[3 * h],
                            init,
                        )?),
                    )
                } else {
                    (None, None)
                };
                dirs.push(Direction {
                    w_ih,
                    w_hh,
                    b_ih,
                    b_hh,
                    packed_hh: PackedCache::default(),
                });
            }
        }
        Ok(Self { config, dirs })
    }

    /// The configuration.
    pub fn config(&self) -> &GruConfig {
        &self.config
    }

    /// A zero state `(num_layers·D, batch, H)`.
    ///
    /// # Errors
    ///
    /// Candle allocation errors.
    pub fn zero_state(&self, batch: usize) -> Result<Tensor> {
        let c = &self.config;
        let w = &self.dirs[0].w_ih;
        Ok(Tensor::zeros(
            (c.num_layers * c.directions(), batch, c.hidden_size),
            w.dtype(),
            w.device(),
        )?)
    }

    fn check_state(&self, h: &Tensor, batch: usize) -> Result<()> {
        let c = &self.config;
        let n = c.num_layers * c.directions();
        if h.dims() != [n, batch, c.hidden_size] {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!(
                    "h: (num_layers*directions, batch, hidden_size) = ({n}, {batch}, {})",
                    c.hidden_size
                ),
                got: h.dims().to_vec(),
            });
        }
        Ok(())
    }

    /// Runs the stack over a sequence from `h0` (zeros when `None`); returns
    /// the output sequence and `h_n`, as `torch.nn.GRU.forward(x, h_0)`.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`], [`Error::ChannelMismatch`], [`Error::ShapeMismatch`] (state).
    pub fn forward_with_state(&self, x: &Tensor, h0: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        let c = &self.config;
        let layout = if c.batch_first {
            "(batch, time, features)"
        } else {
            "(time, batch, features)"
        };
        let [_, _, f] = checks::dims::<3>(LAYER, layout, x)?;
        checks::channels(LAYER, c.input_size, f)?;
        let mut seq = if c.batch_first {
            x.transpose(0, 1)?.contiguous()?
        } else {
            x.clone()
        };
        let batch = seq.dim(1)?;
        let h0 = match h0 {
            Some(h) => {
                self.check_state(h, batch)?;
                h.clone()
            }
            None => self.zero_state(batch)?,
        };
        let nd = c.directions();
        let run = if self.fused_eligible(x, &h0) {
            run_direction_fused
        } else {
            run_direction
        };
        let mut hs = Vec::with_capacity(c.num_layers * nd);
        for layer in 0..c.num_layers {
            let mut outs = Vec::with_capacity(nd);
            for d in 0..nd {
                let idx = layer * nd + d;
                let (y, h) = run(&self.dirs[idx], &seq, h0.get(idx)?, d == 1, c.hidden_size)?;
                outs.push(y);
                hs.push(h);
            }
            seq = if nd == 1 {
                outs.remove(0)
            } else {
                Tensor::cat(&outs, 2)?
            };
        }
        let out = if c.batch_first {
            seq.transpose(0, 1)?.contiguous()?
        } else {
            seq
        };
        Ok((out, Tensor::stack(&hs, 0)?))
    }

    /// Whether the fused CPU recurrence applies: f32 on the CPU and nothing
    /// tracked by autograd.
    fn fused_eligible(&self, x: &Tensor, h0: &Tensor) -> bool {
        let w = &self.dirs[0].w_ih;
        w.device().is_cpu()
            && w.dtype() == candle_core::DType::F32
            && x.dtype() == candle_core::DType::F32
            && !x.track_op()
            && !h0.track_op()
            && self.dirs.iter().all(|d| {
                !d.w_ih.track_op()
                    && !d.w_hh.track_op()
                    && !d.b_ih.as_ref().is_some_and(|b| b.track_op())
                    && !d.b_hh.as_ref().is_some_and(|b| b.track_op())
            })
    }

    /// One streaming step of a unidirectional GRU: one frame `(batch, input_size)`
    /// in, the top layer's `(batch, H)` out, `h` `(num_layers, batch, H)` updated.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when bidirectional; shape errors as [`Gru::forward_with_state`].
    pub fn step(&self, x: &Tensor, h: &mut Tensor) -> Result<Tensor> {
        let c = &self.config;
        if c.bidirectional {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "step",
                reason: "a bidirectional GRU needs the whole sequence",
            });
        }
        let [batch, f] = checks::dims::<2>(LAYER, "(batch, features)", x)?;
        checks::channels(LAYER, c.input_size, f)?;
        self.check_state(h, batch)?;
        let mut inp = x.clone();
        let mut hs = Vec::with_capacity(c.num_layers);
        for (layer, dir) in self.dirs.iter().enumerate() {
            let xp = input_projection(dir, &inp.unsqueeze(0)?)?.get(0)?;
            let hn = cell_step(dir, &xp, &h.get(layer)?, &dir.w_hh.t()?, c.hidden_size)?;
            inp = hn.clone();
            hs.push(hn);
        }
        *h = Tensor::stack(&hs, 0)?;
        Ok(inp)
    }
}

impl Module for Gru {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.forward_with_state(x, None)
            .map(|(y, _)| y)
            .map_err(candle_core::Error::wrap)
    }
}

/// `x W_ih^T + b_ih` for `(T, B, in)` → `(T, B, 3H)`.
fn input_projection(dir: &Direction, seq: &Tensor) -> Result<Tensor> {
    let (t, b, i) = seq.dims3()?;
    let g = dir.w_ih.dim(0)?;
    let mut xp = seq.reshape((t * b, i))?.matmul(&dir.w_ih.t()?)?;
    if let Some(bi) = &dir.b_ih {
        xp = xp.broadcast_add(&bi.unsqueeze(0)?)?;
    }
    Ok(xp.reshape((t, b, g))?)
}

fn cell_step(
    dir: &Direction,
    xp: &Tensor,
    h: &Tensor,
    w_hh_t: &Tensor,
    hidden: usize,
) -> Result<Tensor> {
    let mut gh = h.matmul(w_hh_t)?;
    if let Some(bh) = &dir.b_hh {
        gh = gh.broadcast_add(&bh.unsqueeze(0)?)?;
    }
    let rz = candle_nn::ops::sigmoid(&xp.narrow(1, 0, 2 * hidden)?.add(&gh.narrow(
        1,
        0,
        2 * hidden,
    )?)?)?;
    let r = rz.narrow(1, 0, hidden)?;
    let z = rz.narrow(1, hidden, hidden)?;
    let n = xp
        .narrow(1, 2 * hidden, hidden)?
        .add(&r.mul(&gh.narrow(1, 2 * hidden, hidden)?)?)?
        .tanh()?;
    // h' = (1 - z) n + z h = n + z (h - n)
    Ok(n.add(&z.mul(&h.sub(&n)?)?)?)
}

fn run_direction(
    dir: &Direction,
    seq: &Tensor,
    h0: Tensor,
    reverse: bool,
    hidden: usize,
) -> Result<(Tensor, Tensor)> {
    let t_len = seq.dim(0)?;
    let xp = input_projection(dir, seq)?;
    let w_hh_t = dir.w_hh.t()?.contiguous()?;
    let mut h = h0;
    let mut outs = Vec::with_capacity(t_len);
    for step in 0..t_len {
        let t = if reverse { t_len - 1 - step } else { step };
        h = cell_step(dir, &xp.get(t)?, &h, &w_hh_t, hidden)?;
        outs.push(h.clone());
    }
    if reverse {
        outs.reverse();
    }
    let y = if t_len == 0 {
        Tensor::zeros((0, seq.dim(1)?, hidden), h.dtype(), h.device())?
    } else {
        Tensor::stack(&outs, 0)?
    };
    Ok((y, h))
}

/// [`run_direction`] with the fused CPU recurrence of [`crate::kernels::gru_kernel`].
fn run_direction_fused(
    dir: &Direction,
    seq: &Tensor,
    h0: Tensor,
    reverse: bool,
    hidden: usize,
) -> Result<(Tensor, Tensor)> {
    let (t_len, batch, _) = seq.dims3()?;
    let xp: Vec<f32> = input_projection(dir, seq)?.flatten_all()?.to_vec1()?;
    let w_hh = PackedMatrix::cached(&dir.packed_hh, &dir.w_hh)?;
    let b_hh: Option<Vec<f32>> = match &dir.b_hh {
        Some(b) => Some(b.to_vec1()?),
        None => None,
    };
    let mut h: Vec<f32> = h0.flatten_all()?.to_vec1()?;
    let rec = crate::kernels::gru_kernel::GruRecurrence {
        xp: &xp,
        w_hh,
        b_hh: b_hh.as_deref(),
        dims: (t_len, batch, hidden),
        reverse,
    };
    let out = crate::kernels::gru_kernel::run(&rec, &mut h);
    let dev = seq.device();
    Ok((
        Tensor::from_vec(out, (t_len, batch, hidden), dev)?,
        Tensor::from_vec(h, (batch, hidden), dev)?,
    ))
}

/// A unidirectional [`Gru`] driven block by block through [`StreamingLayer`],
/// carrying `h` between blocks.
///
/// ```
/// use audio_nn::{Gru, GruConfig, GruStream, StreamingLayer};
/// use candle_core::{DType, Device, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let mut s = GruStream::new(Gru::new(GruConfig::new(4, 8), vb)?)?;
/// let y = s.step(&Tensor::zeros((5, 1, 4), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[5, 1, 8]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GruStream {
    gru: Gru,
    state: Option<Tensor>,
}

impl GruStream {
    /// Wraps a unidirectional GRU.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a bidirectional one.
    pub fn new(gru: Gru) -> Result<Self> {
        if gru.config.bidirectional {
            return Err(Error::Unsupported {
                layer: LAYER,
                operation: "streaming",
                reason: "a bidirectional GRU needs the whole sequence",
            });
        }
        Ok(Self { gru, state: None })
    }
}

impl StreamingLayer for GruStream {
    fn step(&mut self, x: &Tensor) -> Result<Tensor> {
        let (y, h) = self.gru.forward_with_state(x, self.state.as_ref())?;
        self.state = Some(h);
        Ok(y)
    }

    fn reset(&mut self) {
        self.state = None;
    }
}
