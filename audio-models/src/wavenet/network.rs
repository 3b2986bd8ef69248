//! WaveNet on candle: the teacher-forced forward pass (training, scoring).

use audio_nn::{Conv1d, Conv1dConfig, WaveNetBlock, WaveNetBlockConfig};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use super::config::WaveNetConfig;
use crate::{Error, Result};

/// The network: `input` (1×1 convolution of the one-hot μ-law classes, or
/// of the sample itself for a mixture of logistics, to `C` channels), `blocks.{i}` (audio-nn's [`WaveNetBlock`]: dilated causal
/// convolution of kernel 2, gated `tanh ⊙ σ`, residual and skip 1×1
/// convolutions, local `cond` and global `gcond` terms), the sum of the
/// skips, then `ReLU → post1 (1×1, S → S) → ReLU → post2 (1×1, S → Q)`:
/// the logits of the next sample's class (or `post2 (S → 3K)`: the
/// next sample's mixture parameters). A global class is looked up in
/// `global_embedding.weight` `(classes, global_dim)`; learned upsampling
/// kernels are `upsample.{i}.weight` `(1, 1, 1, 2s + 1)`.
///
/// # Shapes
///
/// inputs `(batch, time)`: μ-law classes (u32, `0..Q`), or samples in
/// `[−1, 1]` (f32) for a mixture of logistics; local `(batch, L, frames)`
/// with `frames × local_hop >= time`; global `(batch,)` (u32) → logits
/// `(batch, Q, time)` or mixture parameters `(batch, 3K, time)`:
/// `[.., t]` describes sample `t + 1`.
///
/// # Example
///
/// ```
/// use audio_models::wavenet::{WaveNet, WaveNetConfig};
/// use audio_nn::init::SeededVarMap;
/// use candle_core::{DType, Device, Tensor};
/// let config = WaveNetConfig { residual_channels: 8, skip_channels: 8, layers_per_stack: 3, ..WaveNetConfig::default() };
/// let store = SeededVarMap::new(0);
/// let net = WaveNet::new(config, store.var_builder(DType::F32, &Device::Cpu))?;
/// let classes = Tensor::new(&[[128u32, 130, 127, 128]], &Device::Cpu)?;
/// assert_eq!(net.forward(&classes, None, None)?.dims(), &[1, 256, 4]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveNet {
    config: WaveNetConfig,
    input: Conv1d,
    blocks: Vec<WaveNetBlock>,
    post1: Conv1d,
    post2: Conv1d,
    embedding: Option<Tensor>,
    /// The learned upsampling kernels `(1, 1, 2s + 1)`, one per scale.
    upsample: Vec<Tensor>,
}

impl WaveNet {
    /// Builds (or loads) the network from `vb`.
    ///
    /// # Errors
    ///
    /// As [`WaveNetConfig::validate`]; a missing or misshapen weight.
    pub fn new(config: WaveNetConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let (c, s) = (config.residual_channels, config.skip_channels);
        let one = Conv1dConfig::default();
        let input = Conv1d::new(config.input_channels(), c, 1, one, vb.pp("input"))?;
        let blocks = (0..config.layers())
            .map(|i| {
                let block = WaveNetBlockConfig {
                    local_channels: config.local_channels,
                    global_dim: config.global_classes.map(|_| config.global_dim),
                    ..WaveNetBlockConfig::new(c, s, 2, config.dilation(i))
                };
                WaveNetBlock::new(block, vb.pp(format!("blocks.{i}")))
            })
            .collect::<audio_nn::Result<Vec<_>>>()?;
        let post1 = Conv1d::new(s, s, 1, one, vb.pp("post1"))?;
        let post2 = Conv1d::new(s, config.output_channels(), 1, one, vb.pp("post2"))?;
        let embedding = config
            .global_classes
            .map(|n| {
                vb.get_with_hints(
                    (n, config.global_dim),
                    "global_embedding.weight",
                    candle_nn::Init::Randn {
                        mean: 0.0,
                        stdev: 1.0,
                    },
                )
            })
            .transpose()?;
        let upsample = if config.local_channels.is_some() {
            config
                .upsample_scales
                .iter()
                .enumerate()
                .map(|(i, &scale)| {
                    let taps = 2 * scale + 1;
                    // r9y9's initialisation: the mean of the taps.
                    let w = vb.get_with_hints(
                        (1, 1, 1, taps),
                        &format!("upsample.{i}.weight"),
                        candle_nn::Init::Const(1.0 / taps as f64),
                    )?;
                    Ok(w.reshape((1, 1, taps))?)
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(Self {
            config,
            input,
            blocks,
            post1,
            post2,
            embedding,
            upsample,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WaveNetConfig {
        &self.config
    }

    /// The input layer's features `(batch, Q or 1, time)`: the one-hot
    /// classes, or the samples as one channel.
    fn input_features(&self, inputs: &Tensor) -> Result<Tensor> {
        if self.config.mixtures.is_some() {
            return Ok(inputs.to_dtype(DType::F32)?.unsqueeze(1)?);
        }
        self.one_hot(inputs)
    }

    /// One-hot `(batch, Q, time)` of class indices `(batch, time)`.
    fn one_hot(&self, classes: &Tensor) -> Result<Tensor> {
        let (b, t) = classes.dims2()?;
        let q = self.config.quantization_channels;
        let ids = classes
            .to_dtype(DType::U32)?
            .flatten_all()?
            .to_vec1::<u32>()?;
        let mut v = vec![0f32; b * q * t];
        for (n, &id) in ids.iter().enumerate() {
            let id = id as usize;
            if id >= q {
                return Err(Error::InvalidParameter {
                    name: "classes",
                    value: id.to_string(),
                    expected: "μ-law classes below quantization_channels",
                });
            }
            let (bi, ti) = (n / t, n % t);
            v[(bi * q + id) * t + ti] = 1.0;
        }
        Ok(Tensor::from_vec(v, (b, q, t), &Device::Cpu)?)
    }

    /// The local conditioning at the audio rate, cut to `time`: each frame
    /// repeated `local_hop` times, or upsampled by the learned kernels
    /// (see [`WaveNetConfig`]).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the frames are too few or have the
    /// wrong channels.
    pub fn upsample_local(&self, local: &Tensor, time: usize) -> Result<Tensor> {
        let (b, l, f) = local.dims3()?;
        let hop = self.config.local_hop;
        if Some(l) != self.config.local_channels || f * hop < time {
            return Err(Error::ShapeMismatch {
                what: "local conditioning",
                expected: format!(
                    "(batch, {:?}, at least {} frames)",
                    self.config.local_channels,
                    time.div_ceil(hop)
                ),
                got: vec![b, l, f],
            });
        }
        if self.upsample.is_empty() {
            let up = local
                .unsqueeze(3)?
                .repeat((1, 1, 1, hop))?
                .reshape((b, l, f * hop))?;
            return Ok(up.narrow(2, 0, time)?);
        }
        let mut x = local.to_dtype(DType::F32)?;
        let mut frames = f;
        for (kernel, &scale) in self.upsample.iter().zip(&self.config.upsample_scales) {
            frames *= scale;
            let stretched =
                x.unsqueeze(3)?
                    .repeat((1, 1, 1, scale))?
                    .reshape((b * l, 1, frames))?;
            x = stretched
                .conv1d(kernel, scale, 1, 1, 1)?
                .reshape((b, l, frames))?;
        }
        Ok(x.narrow(2, 0, time)?)
    }

    /// The global embeddings `(batch, global_dim)` of class ids `(batch,)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an id out of range.
    pub fn global_embedding(&self, global: &Tensor) -> Result<Option<Tensor>> {
        let Some(table) = &self.embedding else {
            return Ok(None);
        };
        let ids = global.to_dtype(DType::U32)?;
        let n = table.dim(0)?;
        if let Some(bad) = ids.to_vec1::<u32>()?.into_iter().find(|&i| i as usize >= n) {
            return Err(Error::InvalidParameter {
                name: "global",
                value: bad.to_string(),
                expected: "a class below global_classes",
            });
        }
        Ok(Some(table.index_select(&ids, 0)?))
    }

    /// Teacher-forced logits or mixture parameters (see the type's
    /// shapes).
    ///
    /// # Errors
    ///
    /// A class out of range; conditioning given without being configured,
    /// or missing when configured; wrong shapes.
    pub fn forward(
        &self,
        inputs: &Tensor,
        local: Option<&Tensor>,
        global: Option<&Tensor>,
    ) -> Result<Tensor> {
        let t = inputs.dim(1)?;
        let local = local.map(|l| self.upsample_local(l, t)).transpose()?;
        let global = match global {
            Some(g) => self.global_embedding(g)?,
            None => None,
        };
        let mut x = self.input.apply(&self.input_features(inputs)?)?;
        let mut skips: Option<Tensor> = None;
        for block in &self.blocks {
            let (r, s) = block.apply(&x, local.as_ref(), global.as_ref())?;
            skips = Some(match skips {
                Some(acc) => acc.add(&s)?,
                None => s,
            });
            x = r;
        }
        let skips = skips.ok_or(Error::Empty {
            what: "WaveNet layers",
        })?;
        let h = self.post1.apply(&skips.relu()?)?.relu()?;
        Ok(self.post2.apply(&h)?)
    }
}
