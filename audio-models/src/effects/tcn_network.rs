//! [`TcnEffectNet`]: micro-TCN's `TCNModel` on candle, for training and
//! offline inference.

use audio_nn::{Conv1d, Conv1dConfig, Mlp, TcnBlock, TcnBlockConfig};
use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;

use super::tcn_config::{TcnEffectConfig, GEN_SIZES};
use crate::{Error, Result};

/// micro-TCN's `TCNModel` (Steinmetz & Reiss 2022): a conditioning MLP
/// `gen` maps the controls to a 32-value vector; each block is a valid
/// dilated convolution, FiLM from that vector (after an affine-free batch
/// norm), PReLU and a grouped 1×1 residual ([`audio_nn::TcnBlock`]); a
/// 1×1 convolution and `tanh` give the output.
///
/// ```text
/// c = relu(L3 relu(L2 relu(L1 p)))                  gen (when nparams > 0)
/// x_{n+1} = TcnBlock_n(x_n, c)                      n = 0 … nblocks−1
/// y = tanh(output(x_N))
/// ```
///
/// Weights by micro-TCN's names: `gen.{0,2,4}.{weight,bias}`,
/// `blocks.{n}.conv1.weight`, `blocks.{n}.film.adaptor.{weight,bias}`,
/// `blocks.{n}.film.bn.running_{mean,var}` (or `blocks.{n}.bn.*` without
/// controls), `blocks.{n}.relu.weight`, `blocks.{n}.res.weight`,
/// `output.{weight,bias}`.
///
/// # Shapes
///
/// `x` `(batch, ninputs, time)`, `p` `(batch, nparams)` (normalised
/// controls) → `(batch, noutputs, time − receptive_field + 1)`, as PyTorch.
/// [`TcnEffectNet::process`] pads the input so that the output is aligned
/// with it and as long.
///
/// ```
/// use audio_models::effects::{TcnEffectConfig, TcnEffectNet};
/// use candle_core::{DType, Device, Tensor};
/// let config = TcnEffectConfig { kernel_size: 3, dilation_growth: 2, channel_width: 8, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let net = TcnEffectNet::new(config, vb)?;
/// let x = Tensor::zeros((1, 1, 100), DType::F32, &Device::Cpu)?;
/// let p = Tensor::new(&[[0f32, 0.5]], &Device::Cpu)?;
/// // Four blocks of kernel 3, dilations 1, 2, 4, 8: 1 + 2·15 = 31 samples.
/// assert_eq!(net.config().receptive_field(), 31);
/// assert_eq!(net.forward(&x, Some(&p))?.dims(), &[1, 1, 100 - 31 + 1]);
/// assert_eq!(net.process(&x, Some(&p))?.dims(), &[1, 1, 100]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcnEffectNet {
    config: TcnEffectConfig,
    gen: Option<Mlp>,
    blocks: Vec<TcnBlock>,
    output: Conv1d,
}

impl TcnEffectNet {
    /// Builds the network from `vb` (loaded or initialised weights).
    ///
    /// # Errors
    ///
    /// As [`TcnEffectConfig::validate`]; weight errors naming the key.
    pub fn new(config: TcnEffectConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let nparams = config.nparams();
        let gen = if nparams > 0 {
            let sizes = [nparams, GEN_SIZES[0], GEN_SIZES[1], GEN_SIZES[2]];
            Some(Mlp::new(&sizes, true, vb.pp("gen"))?)
        } else {
            None
        };
        let cond_dim = (nparams > 0).then_some(GEN_SIZES[2]);
        let blocks = config
            .channels()
            .into_iter()
            .zip(config.dilations())
            .enumerate()
            .map(|(n, ((a, b), d))| {
                let block = TcnBlockConfig {
                    causal: false,
                    causal_crop: config.causal,
                    ..TcnBlockConfig::new(a, b, config.kernel_size, d, cond_dim)
                };
                TcnBlock::new(block, vb.pp(format!("blocks.{n}")))
            })
            .collect::<audio_nn::Result<Vec<_>>>()?;
        let last = config.channels().last().map_or(config.ninputs, |c| c.1);
        let output = Conv1d::new(
            last,
            config.noutputs,
            1,
            Conv1dConfig::default(),
            vb.pp("output"),
        )?;
        Ok(Self {
            config,
            gen,
            blocks,
            output,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TcnEffectConfig {
        &self.config
    }

    fn check(&self, x: &Tensor, p: Option<&Tensor>) -> Result<()> {
        let c = &self.config;
        let rf = c.receptive_field();
        let ok = x.rank() == 3 && x.dim(1)? == c.ninputs && x.dim(2)? >= rf;
        if !ok {
            return Err(Error::ShapeMismatch {
                what: "TCN effect input",
                expected: format!("(batch, {}, time ≥ {rf}) (the receptive field)", c.ninputs),
                got: x.dims().to_vec(),
            });
        }
        match (c.nparams(), p) {
            (0, _) => Ok(()),
            (n, Some(p)) if p.dims() == [x.dim(0)?, n] => Ok(()),
            (n, p) => Err(Error::ShapeMismatch {
                what: "TCN effect controls",
                expected: format!("(batch, {n}), one row per input"),
                got: p.map(|p| p.dims().to_vec()).unwrap_or_default(),
            }),
        }
    }

    /// Every block's batch-norm running statistics by full key
    /// (`blocks.{n}.film.bn.running_mean`, ...), for checkpoints.
    ///
    /// # Errors
    ///
    /// Never at present (kept fallible like the other buffers).
    pub fn batch_norm_buffers(&self) -> Result<Vec<(String, Tensor)>> {
        Ok(self
            .blocks
            .iter()
            .enumerate()
            .flat_map(|(n, b)| {
                b.running_stats()
                    .into_iter()
                    .map(move |(k, t)| (format!("blocks.{n}.{k}"), t))
            })
            .collect())
    }

    /// Sets the running statistics from `get` (by the keys of
    /// [`TcnEffectNet::batch_norm_buffers`]).
    ///
    /// # Errors
    ///
    /// A tensor of the wrong size.
    pub fn set_batch_norm_buffers(&self, get: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        for (n, b) in self.blocks.iter().enumerate() {
            b.set_running_stats(|k| get(&format!("blocks.{n}.{k}")))?;
        }
        Ok(())
    }

    /// The conditioning vector `gen(p)`, `(batch, 32)`, when the model has controls.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn conditioning(&self, p: Option<&Tensor>) -> Result<Option<Tensor>> {
        Ok(match (&self.gen, p) {
            (Some(gen), Some(p)) => Some(gen.apply(&p.to_dtype(DType::F32)?)?),
            _ => None,
        })
    }

    /// PyTorch's `TCNModel.forward(x, p)` in eval mode (`train = false`) or
    /// train mode (batch-norm statistics of the batch).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an input of the wrong channels or
    /// shorter than the receptive field, or controls of the wrong size;
    /// candle errors.
    pub fn forward_t(&self, x: &Tensor, p: Option<&Tensor>, train: bool) -> Result<Tensor> {
        self.check(x, p)?;
        let cond = self.conditioning(p)?;
        let mut h = x.clone();
        for block in &self.blocks {
            h = block.apply_t(&h, cond.as_ref(), train)?;
        }
        Ok(self.output.apply(&h)?.tanh()?)
    }

    /// [`TcnEffectNet::forward_t`] in eval mode.
    ///
    /// # Errors
    ///
    /// As [`TcnEffectNet::forward_t`].
    pub fn forward(&self, x: &Tensor, p: Option<&Tensor>) -> Result<Tensor> {
        self.forward_t(x, p, false)
    }

    /// The output aligned with `x` and as long: `x` zero-padded by
    /// `receptive_field − 1 − lookahead` samples on the left and
    /// `lookahead` on the right, then [`TcnEffectNet::forward`]. Sample `t`
    /// of the result is the model's output for input time `t`.
    ///
    /// # Errors
    ///
    /// As [`TcnEffectNet::forward`] (any length ≥ 1 is accepted).
    pub fn process(&self, x: &Tensor, p: Option<&Tensor>) -> Result<Tensor> {
        let c = &self.config;
        let ahead = c.lookahead();
        let left = c.receptive_field() - 1 - ahead;
        let padded = x.pad_with_zeros(candle_core::D::Minus1, left, ahead)?;
        self.forward(&padded, p)
    }
}
