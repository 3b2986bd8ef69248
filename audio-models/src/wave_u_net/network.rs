//! [`WaveUNet`]: the whole network (`model/waveunet.py::Waveunet`), one
//! U-Net per source or one for all, with the window sizes its valid
//! convolutions imply.

use audio_io::weights::Weights;
use audio_nn::{BatchNorm, Conv1d, Conv1dConfig, Padding};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use super::blocks::{crop_to, BlockShape, DownsamplingBlock, UpsamplingBlock};
use super::config::WaveUNetConfig;
use super::conv_layer::ConvLayer;
use crate::{Error, Result};

/// Window sizes of a [`WaveUNet`] (the reference's `model.shapes`): an
/// input of `input_frames` samples gives `output_frames` samples, aligned
/// with input samples `output_start_frame..output_end_frame`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowShapes {
    /// Input samples per window.
    pub input_frames: usize,
    /// Output samples per window.
    pub output_frames: usize,
    /// First input sample the output is aligned with.
    pub output_start_frame: usize,
    /// One past the last.
    pub output_end_frame: usize,
}

/// One U-Net (`waveunets.<name>`).
#[derive(Debug, Clone)]
struct Network {
    down: Vec<DownsamplingBlock>,
    bottlenecks: Vec<ConvLayer>,
    up: Vec<UpsamplingBlock>,
    output_conv: Conv1d,
}

/// The search limit of the bottleneck size in [`WaveUNet::new`].
const MAX_BOTTLENECK: usize = 1 << 20;

impl Network {
    fn new(config: &WaveUNetConfig, vb: VarBuilder) -> Result<Self> {
        let f = config.num_features();
        let levels = config.levels;
        let shape = |n_inputs, n_shortcut, n_outputs| BlockShape {
            n_inputs,
            n_shortcut,
            n_outputs,
            kernel_size: config.kernel_size,
            stride: config.strides,
            depth: config.depth,
            conv_type: config.conv_type,
            res: config.res,
        };
        let dvb = vb.pp("downsampling_blocks");
        let down = (0..levels - 1)
            .map(|i| {
                let n_in = if i == 0 { config.channels } else { f[i] };
                DownsamplingBlock::new(shape(n_in, f[i], f[i + 1]), dvb.pp(i.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let uvb = vb.pp("upsampling_blocks");
        let up = (0..levels - 1)
            .map(|i| {
                UpsamplingBlock::new(
                    shape(f[levels - 1 - i], f[levels - 2 - i], f[levels - 2 - i]),
                    uvb.pp(i.to_string()),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let bvb = vb.pp("bottlenecks");
        let bottlenecks = (0..config.depth)
            .map(|j| {
                ConvLayer::new(
                    f[levels - 1],
                    f[levels - 1],
                    config.kernel_size,
                    1,
                    config.conv_type,
                    false,
                    bvb.pp(j.to_string()),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let output_conv = Conv1d::new(
            f[0],
            config.outputs_per_network(),
            1,
            Conv1dConfig {
                padding: Padding::Valid,
                ..Conv1dConfig::default()
            },
            vb.pp("output_conv"),
        )?;
        Ok(Self {
            down,
            bottlenecks,
            up,
            output_conv,
        })
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let mut shortcuts = Vec::with_capacity(self.down.len());
        let mut out = x.clone();
        for block in &self.down {
            let (o, s) = block.forward_t(&out, train)?;
            shortcuts.push(s);
            out = o;
        }
        for c in &self.bottlenecks {
            out = c.forward_t(&out, train)?;
        }
        for (block, shortcut) in self.up.iter().zip(shortcuts.iter().rev()) {
            out = block.forward_t(&out, shortcut, train)?;
        }
        Ok(self.output_conv.apply(&out)?)
    }

    /// `check_padding_for_bottleneck`: `(input, output)` for a bottleneck
    /// of `bottleneck` samples.
    fn sizes(&self, bottleneck: usize) -> Option<(usize, usize)> {
        let mut out = bottleneck;
        for block in &self.up {
            out = block.output_size(out)?;
        }
        let mut inp = bottleneck;
        for c in self.bottlenecks.iter().rev() {
            inp = c.input_size(inp)?;
        }
        for block in self.down.iter().rev() {
            inp = block.input_size(inp)?;
        }
        Some((inp, out))
    }

    fn conv_layers<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a ConvLayer)>) {
        for (i, b) in self.down.iter().enumerate() {
            b.conv_layers(&format!("{prefix}.downsampling_blocks.{i}"), out);
        }
        for (j, c) in self.bottlenecks.iter().enumerate() {
            out.push((format!("{prefix}.bottlenecks.{j}"), c));
        }
        for (i, b) in self.up.iter().enumerate() {
            b.conv_layers(&format!("{prefix}.upsampling_blocks.{i}"), out);
        }
    }
}

/// Wave-U-Net (Stoller, Ewert & Dixon 2018, "Wave-U-Net: a multi-scale
/// neural network for end-to-end audio source separation"; seeds 000 and
/// 003) as Wave-U-Net-Pytorch (github.com/f90/Wave-U-Net-Pytorch, commit
/// 86c113d) builds it: per source (or once for all), `levels − 1`
/// [`DownsamplingBlock`]s, `depth` bottleneck convolutions, `levels − 1`
/// [`UpsamplingBlock`]s with centre-cropped skip connections, and a 1×1
/// output convolution; every convolution is "valid", so an input window of
/// [`WindowShapes::input_frames`] samples gives the
/// [`WindowShapes::output_frames`] samples at its centre. In eval mode the
/// outputs are clamped to `[−1, 1]`, as the reference does at test time.
///
/// Weights load by the reference's own keys (`waveunets.<source or
/// ALL>.downsampling_blocks.0.pre_shortcut_convs.0.filter.weight`, ...).
///
/// # Shapes
///
/// `(batch, channels, input_frames)` → one `(batch, channels,
/// output_frames)` tensor per source.
///
/// # Example
///
/// ```
/// use audio_models::wave_u_net::{WaveUNet, WaveUNetConfig};
/// use candle_core::{DType, Device, Tensor};
///
/// let config = WaveUNetConfig { features: 8, levels: 3, output_size: 0.01, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let net = WaveUNet::new(config, vb)?;
/// let s = net.shapes();
/// let x = Tensor::zeros((1, 2, s.input_frames), DType::F32, &Device::Cpu)?;
/// let y = net.forward_t(&x, false)?;
/// assert_eq!(y.len(), 4);
/// assert_eq!(y[0].dims(), &[1, 2, s.output_frames]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveUNet {
    config: WaveUNetConfig,
    networks: Vec<(String, Network)>,
    shapes: WindowShapes,
}

impl WaveUNet {
    /// Builds (or loads, from a `VarBuilder` over weights) the network and
    /// computes its window sizes as the reference's `check_padding`: the
    /// smallest bottleneck whose output reaches
    /// [`WaveUNetConfig::target_output_samples`].
    ///
    /// # Errors
    ///
    /// As [`WaveUNetConfig::validate`]; weight errors naming the key;
    /// [`Error::InvalidParameter`] when no bottleneck size fits.
    pub fn new(config: WaveUNetConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let wvb = vb.pp("waveunets");
        let networks = config
            .networks()
            .into_iter()
            .map(|name| {
                let net = Network::new(&config, wvb.pp(&name))?;
                Ok((name, net))
            })
            .collect::<Result<Vec<_>>>()?;
        let target = config.target_output_samples();
        let first = &networks[0].1;
        let (input_frames, output_frames) = (1..MAX_BOTTLENECK)
            .find_map(|b| first.sizes(b).filter(|&(_, out)| out >= target))
            .ok_or(Error::InvalidParameter {
                name: "output_size",
                value: config.output_size.to_string(),
                expected: "an output size some bottleneck size reaches",
            })?;
        if (input_frames - output_frames) % 2 != 0 {
            return Err(Error::InvalidParameter {
                name: "kernel_size/strides",
                value: format!("{}/{}", config.kernel_size, config.strides),
                expected: "sizes whose input and output differ by an even count",
            });
        }
        let start = (input_frames - output_frames) / 2;
        Ok(Self {
            config,
            networks,
            shapes: WindowShapes {
                input_frames,
                output_frames,
                output_start_frame: start,
                output_end_frame: start + output_frames,
            },
        })
    }

    /// Loads a checkpoint's weights: a Wave-U-Net-Pytorch checkpoint
    /// (`{model_state_dict, optimizer_state_dict, state}`, keys read under
    /// `model_state_dict.`), a bare state dict, or our safetensors. The
    /// shape comes from `config`; each key must have the shape it implies.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes; as [`WaveUNet::new`].
    pub fn from_weights(
        config: WaveUNetConfig,
        weights: &Weights,
        device: &Device,
    ) -> Result<Self> {
        let nested = weights.keys().any(|k| k.starts_with("model_state_dict."));
        let weights = if nested {
            weights.clone().strip_prefix("model_state_dict.")
        } else {
            weights.clone()
        };
        let expected =
            crate::checked_weights::probe_shapes(|vb| Self::new(config.clone(), vb).map(|_| ()))?;
        let mut map = crate::checked_weights::checked_tensors(&weights, expected, device)?;
        // Fixed resampling filters are not variables; take the file's.
        for key in weights.keys().filter(|k| k.ends_with(".filter")) {
            let t = weights.get(key)?;
            map.insert(
                key.to_string(),
                Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), device)?,
            );
        }
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// The configuration.
    pub fn config(&self) -> &WaveUNetConfig {
        &self.config
    }

    /// The window sizes.
    pub fn shapes(&self) -> WindowShapes {
        self.shapes
    }

    /// The forward pass on windows of exactly `input_frames` samples: one
    /// `(batch, channels, output_frames)` estimate per source. With
    /// `train = false` BatchNorm uses its running statistics and the
    /// outputs are clamped to `[−1, 1]`; with the difference output the
    /// last source is the centre of the input minus the other (clamped)
    /// estimates.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for another input shape; candle errors.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Vec<Tensor>> {
        let dims = x.dims();
        if dims.len() != 3 || dims[1] != self.config.channels || dims[2] != self.shapes.input_frames
        {
            return Err(Error::ShapeMismatch {
                what: "Wave-U-Net input",
                expected: format!(
                    "(batch, {}, {})",
                    self.config.channels, self.shapes.input_frames
                ),
                got: dims.to_vec(),
            });
        }
        let c = self.config.channels;
        let n = self.config.instruments.len();
        let mut outs = Vec::with_capacity(n);
        for (_, net) in &self.networks {
            let y = net.forward_t(x, train)?;
            if self.config.separate {
                outs.push(y);
            } else {
                for i in 0..n {
                    outs.push(y.narrow(1, i * c, c)?);
                }
            }
        }
        if !train {
            outs = outs
                .into_iter()
                .map(|y| y.clamp(-1f32, 1f32))
                .collect::<candle_core::Result<Vec<_>>>()?;
        }
        if self.config.difference_output {
            let mix = crop_to(x, self.shapes.output_frames)?;
            let mut rest = mix;
            for y in &outs[..n - 1] {
                rest = rest.sub(y)?;
            }
            outs[n - 1] = rest;
        }
        Ok(outs)
    }

    /// Every BatchNorm under its key prefix (for checkpoints of the running
    /// statistics).
    fn batch_norms(&self) -> Vec<(String, &BatchNorm)> {
        let mut layers = Vec::new();
        for (name, net) in &self.networks {
            net.conv_layers(&format!("waveunets.{name}"), &mut layers);
        }
        layers
            .into_iter()
            .filter_map(|(k, c)| c.batch_norm().map(|b| (format!("{k}.norm"), b)))
            .collect()
    }

    /// The BatchNorm running statistics, named as the reference's buffers.
    pub fn running_stats(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        for (name, bn) in self.batch_norms() {
            v.push((format!("{name}.running_mean"), bn.running_mean()));
            v.push((format!("{name}.running_var"), bn.running_var()));
        }
        v
    }

    /// Sets the running statistics from `lookup` (names as
    /// [`WaveUNet::running_stats`]).
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] for a statistic `lookup` lacks.
    pub fn set_running_stats(&self, lookup: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        for (name, bn) in self.batch_norms() {
            let get = |stat: &str| {
                let key = format!("{name}.{stat}");
                lookup(&key).ok_or(Error::MissingKey {
                    key,
                    expected: Vec::new(),
                })
            };
            bn.set_running_stats(&get("running_mean")?, &get("running_var")?)?;
        }
        Ok(())
    }
}
