//! [`TcnEffect`]: a TCN effect model's configuration and weights, from a
//! checkpoint, a weights file, or drawn at random (randomised overdrive).

use std::collections::HashMap;
use std::path::Path;

use audio_io::weights::{PyValue, Weights};
use candle_core::{DType, Device, Tensor};
use candle_nn::{Init, VarBuilder};
use ndarray::{Array2, ArrayView2};

use super::tcn_config::{EffectParam, TcnEffectConfig};
use super::tcn_network::TcnEffectNet;
use super::tcn_processor::TcnEffectProcessor;
use crate::training::{named_vars, read_checkpoint_info, SIDECAR_FILE, WEIGHTS_FILE};
use crate::{Error, Result};

/// How the randomised overdrive draws its weights (Steinmetz & Reiss 2021,
/// "Randomised overdrive neural networks", the schemes of its plugin).
/// Each applies to the convolution weights (the dilated convolutions,
/// the residual 1×1 convolutions and the output); the conditioning MLP,
/// the FiLM adaptors, biases and PReLU slopes keep PyTorch's default
/// initialisation, so that the controls modulate the sound rather than
/// drown it in a constant offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightInit {
    /// `N(0, 1)`: smooth, heavy saturation (the plugin's default).
    #[default]
    Normal,
    /// `U(−0.1, 0.1)`: harsh.
    Uniform,
    /// Glorot uniform, `±√(6 / (fan_in + fan_out))`.
    XavierUniform,
    /// Glorot normal, `σ = √(2 / (fan_in + fan_out))`.
    XavierNormal,
    /// He uniform for ReLU, `±√(6 / fan_in)`.
    KaimingUniform,
}

impl WeightInit {
    /// The scheme named as in the plugin (`normal`, `uniform`,
    /// `xavier_uniform`, `xavier_normal`, `kaiming_uniform`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another name.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "normal" => Self::Normal,
            "uniform" => Self::Uniform,
            "xavier_uniform" => Self::XavierUniform,
            "xavier_normal" => Self::XavierNormal,
            "kaiming_uniform" => Self::KaimingUniform,
            _ => {
                return Err(Error::InvalidParameter {
                    name: "init",
                    value: name.to_string(),
                    expected: "normal, uniform, xavier_uniform, xavier_normal or kaiming_uniform",
                })
            }
        })
    }

    fn init(self, shape: &[usize]) -> Init {
        let receptive: usize = shape.iter().skip(2).product();
        let fan_in = (shape.get(1).copied().unwrap_or(1) * receptive) as f64;
        let fan_out = (shape.first().copied().unwrap_or(1) * receptive) as f64;
        match self {
            Self::Normal => Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
            Self::Uniform => Init::Uniform { lo: -0.1, up: 0.1 },
            Self::XavierUniform => {
                let b = (6.0 / (fan_in + fan_out)).sqrt();
                Init::Uniform { lo: -b, up: b }
            }
            Self::XavierNormal => Init::Randn {
                mean: 0.0,
                stdev: (2.0 / (fan_in + fan_out)).sqrt(),
            },
            Self::KaimingUniform => {
                let b = (6.0 / fan_in).sqrt();
                Init::Uniform { lo: -b, up: b }
            }
        }
    }
}

/// The network of a randomised overdrive: a micro-TCN of small blocks
/// conditioned on two controls, `x` and `y` in `[−1, 1]` (the plugin's
/// 2-D pad), whose weights are drawn from a seed, followed by a 10 Hz DC
/// blocker (random FiLM shifts give the output an offset).
#[derive(Debug, Clone, PartialEq)]
pub struct OverdriveConfig {
    /// Blocks (default 6).
    pub nblocks: usize,
    /// Taps per convolution (default 3).
    pub kernel_size: usize,
    /// Dilation growth per block (default 4: dilations 1 … 1024).
    pub dilation_growth: usize,
    /// Channels per block (default 8).
    pub channel_width: usize,
    /// Causal (default true: one sample of latency).
    pub causal: bool,
    /// How the weights are drawn.
    pub init: WeightInit,
}

impl Default for OverdriveConfig {
    fn default() -> Self {
        Self {
            nblocks: 6,
            kernel_size: 3,
            dilation_growth: 4,
            channel_width: 8,
            causal: true,
            init: WeightInit::Normal,
        }
    }
}

/// A TCN effect model: its [`TcnEffectConfig`] and its weights by
/// micro-TCN's names. It builds the candle network
/// ([`TcnEffect::net`], for training and offline use) and the real-time
/// block processor ([`TcnEffect::processor`]).
///
/// ```
/// use audio_models::effects::TcnEffect;
/// use ndarray::Array2;
/// let effect = TcnEffect::random_overdrive(1, Default::default())?;
/// let x = Array2::from_shape_fn((1, 4410), |(_, t)| (t as f32 * 0.05).sin() * 0.5);
/// let y = effect.apply(x.view(), &[("x".into(), 0.3)])?;
/// assert_eq!(y.dim(), (1, 4410));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcnEffect {
    config: TcnEffectConfig,
    tensors: HashMap<String, Tensor>,
}

/// The entry `name` of a Lightning `.ckpt`'s `hyper_parameters` dict.
fn hyper_parameter<'a>(object: &'a PyValue, name: &str) -> Option<&'a PyValue> {
    object.get("hyper_parameters")?.get(name)
}

impl TcnEffect {
    /// The model from a configuration and tensors by name (extra tensors,
    /// such as `num_batches_tracked`, are ignored).
    ///
    /// # Errors
    ///
    /// As [`TcnEffectConfig::validate`]; [`Error::MissingKey`] /
    /// [`Error::WeightShape`] naming a missing or misshapen weight.
    pub fn from_tensors(config: TcnEffectConfig, tensors: HashMap<String, Tensor>) -> Result<Self> {
        let expected = crate::checked_weights::probe_shapes(|vb| {
            TcnEffectNet::new(config.clone(), vb).map(|_| ())
        })?;
        let mut map = HashMap::with_capacity(expected.len());
        for (key, shape) in expected {
            let t = tensors.get(&key).ok_or_else(|| Error::MissingKey {
                key: key.clone(),
                expected: shape.clone(),
            })?;
            if t.dims() != shape.as_slice() {
                return Err(Error::WeightShape {
                    key,
                    expected: shape,
                    got: t.dims().to_vec(),
                });
            }
            map.insert(key, t.to_dtype(DType::F32)?);
        }
        Ok(Self {
            config,
            tensors: map,
        })
    }

    /// Loads a checkpoint directory that `audio train tcn-effect` wrote
    /// (`weights.safetensors`, `checkpoint.json`), e.g. a run's `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files; as
    /// [`TcnEffect::from_tensors`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let info = read_checkpoint_info(dir)?;
        let config: TcnEffectConfig =
            serde_json::from_value(info.architecture.clone()).map_err(|source| {
                Error::ModelJson {
                    path: dir.join(SIDECAR_FILE),
                    source,
                }
            })?;
        Self::load_weights(dir.join(WEIGHTS_FILE), Some(config))
    }

    /// Loads weights by micro-TCN's names from a `.safetensors` file, a
    /// PyTorch state dict (`.pth`), or micro-TCN's own Lightning checkpoint
    /// (`.ckpt`: tensors under `state_dict.`, architecture under
    /// `hyper_parameters`). The architecture is `config` when given, else
    /// read from the checkpoint's `hyper_parameters` (`nparams`, `ninputs`,
    /// `noutputs`, `nblocks`, `kernel_size`, `dilation_growth`,
    /// `channel_growth`, `channel_width`, `stack_size`, `causal`) over the
    /// `uTCN-300-C` defaults; `nparams = 2` names the controls `limit` and
    /// `peak_reduction` (the LA-2A's, in `[0, 1]`), other counts `p1 … pn`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for an unreadable file; [`Error::InvalidParameter`]
    /// for a `grouped` or `skip_connections` checkpoint; as
    /// [`TcnEffect::from_tensors`].
    pub fn load_weights(path: impl AsRef<Path>, config: Option<TcnEffectConfig>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        let (weights, object) = if bytes.starts_with(b"PK\x03\x04") {
            let (w, o) =
                Weights::from_pth_bytes_with_objects(&bytes).map_err(|e| e.in_file(path))?;
            (w, Some(o))
        } else {
            (
                Weights::from_safetensors_bytes(&bytes).map_err(|e| e.in_file(path))?,
                None,
            )
        };
        let config = match (config, &object) {
            (Some(c), _) => c,
            (None, Some(o)) => config_from_hyper_parameters(o)?,
            (None, None) => TcnEffectConfig::default(),
        };
        let mut tensors = HashMap::new();
        for name in weights.keys() {
            let key = name.strip_prefix("state_dict.").unwrap_or(name);
            let data = weights.get(name)?;
            let t = Tensor::from_vec(data.to_f32_vec(), data.shape.as_slice(), &Device::Cpu)?;
            tensors.insert(key.to_string(), t);
        }
        Self::from_tensors(config, tensors)
    }

    /// A randomised overdrive (Steinmetz & Reiss 2021): the network of
    /// `overdrive`, its weights drawn from `seed` by `overdrive.init`. The
    /// same seed gives the same effect.
    ///
    /// # Errors
    ///
    /// As [`TcnEffectConfig::validate`] for the sizes.
    pub fn random_overdrive(seed: u64, overdrive: OverdriveConfig) -> Result<Self> {
        let config = TcnEffectConfig {
            params: vec![
                EffectParam::new("x", -1.0, 1.0, 0.0),
                EffectParam::new("y", -1.0, 1.0, 0.0),
            ],
            nblocks: overdrive.nblocks,
            kernel_size: overdrive.kernel_size,
            dilation_growth: overdrive.dilation_growth,
            channel_width: overdrive.channel_width,
            stack_size: overdrive.nblocks.max(1),
            causal: overdrive.causal,
            dc_block_hz: Some(10.0),
            ..TcnEffectConfig::default()
        };
        let store = audio_nn::init::SeededVarMap::new(seed);
        TcnEffectNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
        let draw = audio_nn::init::SeededVarMap::new(seed ^ 0x9e37_79b9_7f4a_7c15);
        let vb = draw.var_builder(DType::F32, &Device::Cpu);
        let mut tensors = HashMap::new();
        for (name, var) in named_vars(store.varmap())? {
            let shape = var.dims().to_vec();
            let drawn = ["conv1.weight", "res.weight", "output.weight"];
            let t = if drawn.iter().any(|d| name.ends_with(d)) {
                vb.get_with_hints(shape.as_slice(), &name, overdrive.init.init(&shape))?
            } else {
                var.as_tensor().detach()
            };
            tensors.insert(name, t);
        }
        Self::from_tensors(config, tensors)
    }

    /// The configuration.
    pub fn config(&self) -> &TcnEffectConfig {
        &self.config
    }

    /// The weights by name.
    pub fn tensors(&self) -> &HashMap<String, Tensor> {
        &self.tensors
    }

    /// The candle network over these weights (inference: nothing tracked).
    ///
    /// # Errors
    ///
    /// As [`TcnEffectNet::new`].
    pub fn net(&self) -> Result<TcnEffectNet> {
        TcnEffectNet::new(
            self.config.clone(),
            VarBuilder::from_tensors(self.tensors.clone(), DType::F32, &Device::Cpu),
        )
    }

    /// The block processor over these weights (call
    /// [`TcnEffectProcessor::prepare`] next).
    ///
    /// # Errors
    ///
    /// As [`TcnEffectProcessor::new`].
    pub fn processor(&self) -> Result<TcnEffectProcessor> {
        TcnEffectProcessor::new(self.config.clone(), &self.tensors)
    }

    /// The effect on a whole signal `(ninputs, samples)` with the controls
    /// `params` (by name, user units; the rest at their defaults): the
    /// processor run in blocks, its latency removed, so the result is
    /// aligned with the input, as long, and equal to
    /// [`TcnEffectNet::process`] (followed by the DC blocker when the
    /// configuration has one).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for the wrong channel count; as
    /// [`TcnEffectProcessor::set_param`].
    pub fn apply(&self, audio: ArrayView2<f32>, params: &[(String, f64)]) -> Result<Array2<f32>> {
        const BLOCK: usize = 4096;
        let mut proc = self.processor()?;
        for (name, v) in params {
            proc.set_param(name, *v)?;
        }
        proc.prepare(self.config.sample_rate, BLOCK)?;
        if audio.nrows() != self.config.ninputs {
            return Err(Error::ShapeMismatch {
                what: "TCN effect input",
                expected: format!("({}, samples)", self.config.ninputs),
                got: audio.shape().to_vec(),
            });
        }
        let (n, lat) = (audio.ncols(), proc.latency());
        let mut out = Array2::<f32>::zeros((self.config.noutputs, n));
        let mut inp = vec![vec![0f32; BLOCK]; self.config.ninputs];
        let mut buf = vec![vec![0f32; BLOCK]; self.config.noutputs];
        let mut t = 0;
        while t < n + lat {
            let m = BLOCK.min(n + lat - t);
            for (c, ch) in inp.iter_mut().enumerate() {
                for (j, v) in ch[..m].iter_mut().enumerate() {
                    *v = if t + j < n { audio[(c, t + j)] } else { 0.0 };
                }
            }
            let ins: Vec<&[f32]> = inp.iter().map(|c| &c[..m]).collect();
            let mut outs: Vec<&mut [f32]> = buf.iter_mut().map(|c| &mut c[..m]).collect();
            proc.process_block(&ins, &mut outs)?;
            for (c, ch) in buf.iter().enumerate() {
                for (j, &v) in ch[..m].iter().enumerate() {
                    if let Some(k) = (t + j).checked_sub(lat).filter(|&k| k < n) {
                        out[(c, k)] = v;
                    }
                }
            }
            t += m;
        }
        Ok(out)
    }
}

/// micro-TCN's `hyper_parameters` over the `uTCN-300-C` defaults.
fn config_from_hyper_parameters(object: &PyValue) -> Result<TcnEffectConfig> {
    let mut c = TcnEffectConfig::default();
    let int = |name: &str| hyper_parameter(object, name).and_then(PyValue::as_i64);
    let flag = |name: &str| hyper_parameter(object, name).and_then(PyValue::as_bool);
    for name in ["grouped", "skip_connections"] {
        if flag(name) == Some(true) {
            return Err(Error::InvalidParameter {
                name: "hyper_parameters",
                value: format!("{name}=True"),
                expected: "micro-TCN's ungrouped model without skip connections",
            });
        }
    }
    let set = |v: Option<i64>, field: &mut usize| {
        if let Some(v) = v.and_then(|v| usize::try_from(v).ok()) {
            *field = v;
        }
    };
    set(int("ninputs"), &mut c.ninputs);
    set(int("noutputs"), &mut c.noutputs);
    set(int("nblocks"), &mut c.nblocks);
    set(int("kernel_size"), &mut c.kernel_size);
    set(int("dilation_growth"), &mut c.dilation_growth);
    set(int("channel_growth"), &mut c.channel_growth);
    set(int("channel_width"), &mut c.channel_width);
    set(int("stack_size"), &mut c.stack_size);
    if let Some(causal) = flag("causal") {
        c.causal = causal;
    }
    if let Some(n) = int("nparams").and_then(|v| usize::try_from(v).ok()) {
        if n != 2 {
            c.params = (1..=n)
                .map(|i| EffectParam::new(&format!("p{i}"), 0.0, 1.0, 0.0))
                .collect();
        }
    }
    Ok(c)
}
