//! [`DemucsNet`]: the waveform U-Net of `demucs.demucs.Demucs` (demucs 4.1.0;
//! Défossez et al. 2019, with the DConv branches of Hybrid Demucs).

use std::collections::HashMap;

use audio_io::weights::Weights;
use audio_nn::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, GroupNorm, Padding};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;

use super::config::DemucsConfig;
use super::dconv::{center_trim, input_dims, Blstm, DConv, NORM_EPS};
use super::resample_frac::ResampleFrac;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
struct EncoderLayer {
    conv: Conv1d,
    norm: Option<GroupNorm>,
    dconv: Option<DConv>,
    rewrite: Option<(Conv1d, Option<GroupNorm>)>,
}

#[derive(Debug, Clone)]
struct DecoderLayer {
    rewrite: Option<(Conv1d, Option<GroupNorm>)>,
    dconv: Option<DConv>,
    conv_tr: ConvTranspose1d,
    /// GroupNorm (or identity) and activation after the transposed
    /// convolution, for every layer but the outermost.
    post: Option<Option<GroupNorm>>,
}

/// The network of `demucs.demucs.Demucs`:
///
/// 1. normalise by the mono mixture's mean and (unbiased) standard deviation;
/// 2. zero-pad to [`DemucsConfig::valid_length`], upsample ×2
///    ([`ResampleFrac`]);
/// 3. `depth` encoder layers `Conv(K, stride) → [GN] → GELU → [DConv] →
///    Conv1x1 → [GN] → GLU`, channels growing by `growth`;
/// 4. an optional BLSTM;
/// 5. decoder layers `x + skip → Conv(2·context+1) → [GN] → GLU → [DConv] →
///    ConvTranspose(K, stride) → [GN → GELU]`;
/// 6. downsample ÷2, undo the normalisation, centre-trim to the input.
///
/// Keys follow the package's module tree (`encoder.{i}.{j}`,
/// `decoder.{i}.{j}`, `lstm.lstm`, `lstm.linear`), so a release's `state`
/// loads by its own names.
///
/// # Shapes
///
/// `(batch, audio_channels, time)` → `(batch, sources, audio_channels, time)`.
#[derive(Debug, Clone)]
pub struct DemucsNet {
    config: DemucsConfig,
    encoder: Vec<EncoderLayer>,
    decoder: Vec<DecoderLayer>,
    lstm: Option<Blstm>,
    upsample: ResampleFrac,
    downsample: ResampleFrac,
    device: Device,
}

impl DemucsNet {
    /// Builds the network of `config` from `vb`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid configuration;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// both shapes.
    pub fn new(config: DemucsConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let c = &config;
        let ch_scale = if c.glu { 2 } else { 1 };
        let mut encoder = Vec::with_capacity(c.depth);
        let mut decoder = Vec::with_capacity(c.depth);
        let mut in_channels = c.audio_channels;
        let mut channels = c.channels;
        for index in 0..c.depth {
            let norm = |n: usize, vb: VarBuilder| -> Result<Option<GroupNorm>> {
                if index >= c.norm_starts {
                    Ok(Some(GroupNorm::new(c.norm_groups, n, NORM_EPS, true, vb)?))
                } else {
                    Ok(None)
                }
            };
            let attn = index >= c.dconv_attn;
            let lstm = index >= c.dconv_lstm;
            let dconv =
                |vb: VarBuilder| DConv::new(channels, c.dconv_comp, c.dconv_depth, attn, lstm, vb);
            // Encoder.
            let ev = vb.pp("encoder").pp(index.to_string());
            let conv = Conv1d::new(
                in_channels,
                channels,
                c.kernel_size,
                Conv1dConfig {
                    stride: c.stride,
                    ..Conv1dConfig::default()
                },
                ev.pp("0"),
            )?;
            let enorm = norm(channels, ev.pp("1"))?;
            let mut next = 3;
            let edconv = if c.dconv_mode & 1 == 1 {
                next += 1;
                Some(dconv(ev.pp("3"))?)
            } else {
                None
            };
            let erewrite = if c.rewrite {
                Some((
                    Conv1d::new(
                        channels,
                        ch_scale * channels,
                        1,
                        Conv1dConfig::default(),
                        ev.pp(next.to_string()),
                    )?,
                    norm(ch_scale * channels, ev.pp((next + 1).to_string()))?,
                ))
            } else {
                None
            };
            encoder.push(EncoderLayer {
                conv,
                norm: enorm,
                dconv: edconv,
                rewrite: erewrite,
            });
            // Decoder (stored outermost last, as the package inserts at 0).
            let dv = vb.pp("decoder").pp((c.depth - 1 - index).to_string());
            let out_channels = if index > 0 {
                in_channels
            } else {
                c.sources.len() * c.audio_channels
            };
            let mut next = 0;
            let drewrite = if c.rewrite {
                next = 3;
                Some((
                    Conv1d::new(
                        channels,
                        ch_scale * channels,
                        2 * c.context + 1,
                        Conv1dConfig {
                            padding: Padding::Explicit(c.context),
                            ..Conv1dConfig::default()
                        },
                        dv.pp("0"),
                    )?,
                    norm(ch_scale * channels, dv.pp("1"))?,
                ))
            } else {
                None
            };
            let ddconv = if c.dconv_mode & 2 == 2 {
                let d = dconv(dv.pp(next.to_string()))?;
                next += 1;
                Some(d)
            } else {
                None
            };
            let conv_tr = ConvTranspose1d::new(
                channels,
                out_channels,
                c.kernel_size,
                ConvTranspose1dConfig {
                    stride: c.stride,
                    ..ConvTranspose1dConfig::default()
                },
                dv.pp(next.to_string()),
            )?;
            let post = if index > 0 {
                Some(norm(out_channels, dv.pp((next + 1).to_string()))?)
            } else {
                None
            };
            decoder.insert(
                0,
                DecoderLayer {
                    rewrite: drewrite,
                    dconv: ddconv,
                    conv_tr,
                    post,
                },
            );
            in_channels = channels;
            channels = (c.growth * channels as f64) as usize;
        }
        let lstm = if c.lstm_layers > 0 {
            Some(Blstm::new(
                in_channels,
                c.lstm_layers,
                None,
                false,
                vb.pp("lstm"),
            )?)
        } else {
            None
        };
        Ok(Self {
            device: vb.device().clone(),
            config,
            encoder,
            decoder,
            lstm,
            upsample: ResampleFrac::new(1, 2)?,
            downsample: ResampleFrac::new(2, 1)?,
        })
    }

    /// Builds the network from a release's state dict (float16 or float32
    /// tensors, keys without the `state.` prefix). Keys of the previous
    /// generation (`encoder.{i}.2.*` for today's `encoder.{i}.3.*`) are
    /// renamed as the package's `load_state_dict` does; extra keys are
    /// ignored.
    ///
    /// # Errors
    ///
    /// As [`DemucsNet::new`].
    pub fn from_weights(config: DemucsConfig, weights: &Weights, device: &Device) -> Result<Self> {
        let mut map = HashMap::new();
        for key in weights.keys() {
            let t = weights.get(key)?;
            let tensor = Tensor::from_vec(t.to_f32_vec(), t.shape.as_slice(), device)?;
            map.insert(key.to_string(), tensor);
        }
        for idx in 0..config.depth {
            for a in ["encoder", "decoder"] {
                for b in ["bias", "weight"] {
                    let old = format!("{a}.{idx}.2.{b}");
                    let new = format!("{a}.{idx}.3.{b}");
                    if !map.contains_key(&new) {
                        if let Some(t) = map.remove(&old) {
                            map.insert(new, t);
                        }
                    }
                }
            }
        }
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// The configuration.
    pub fn config(&self) -> &DemucsConfig {
        &self.config
    }

    /// Replaces the segment used by `split` (a bag's `segment`).
    pub(crate) fn set_segment(&mut self, segment: f64) {
        self.config.segment = segment;
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    fn resample(&self, x: &Tensor, up: bool) -> Result<Tensor> {
        let (b, c, t) = x.dims3()?;
        let r = if up { &self.upsample } else { &self.downsample };
        let rows = x.reshape((b * c, t))?.to_vec2::<f32>()?;
        let n = r.output_len(t);
        let mut data = Vec::with_capacity(b * c * n);
        let mut out = Vec::with_capacity(n);
        for row in &rows {
            r.process_into(row, &mut out);
            data.extend_from_slice(&out);
        }
        Ok(Tensor::from_vec(data, (b, c, n), x.device())?)
    }

    /// `Demucs.forward(mix)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an input that is not
    /// `(batch, audio_channels, time ≥ 1)`; backend errors.
    pub fn forward(&self, mix: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let (b, ch, length) = input_dims(mix, c.audio_channels, "Demucs input")?;
        let (mut x, mean, std) = if c.normalize {
            let mono = mix.mean_keepdim(1)?;
            let mean = mono.mean_keepdim(2)?;
            let centred = mono.broadcast_sub(&mean)?;
            let denom = (length.max(2) - 1) as f64;
            let std = centred
                .sqr()?
                .sum_keepdim(2)?
                .affine(1.0 / denom, 0.0)?
                .sqrt()?;
            let x = mix
                .broadcast_sub(&mean)?
                .broadcast_div(&std.affine(1.0, 1e-5)?)?;
            (x, Some(mean), Some(std))
        } else {
            (mix.clone(), None, None)
        };
        let delta = c.valid_length(length) - length;
        x = x.pad_with_zeros(2, delta / 2, delta - delta / 2)?;
        if c.resample {
            x = self.resample(&x, true)?;
        }
        let gelu = |t: &Tensor| -> Result<Tensor> {
            Ok(if c.gelu {
                audio_nn::gelu_erf(t)?
            } else {
                t.relu()?
            })
        };
        let gate = |t: &Tensor| -> Result<Tensor> {
            Ok(if c.glu {
                audio_nn::glu(t, 1)?
            } else {
                t.relu()?
            })
        };
        let norm = |t: Tensor, n: &Option<GroupNorm>| -> Result<Tensor> {
            Ok(match n {
                Some(n) => n.apply(&t)?,
                None => t,
            })
        };
        let mut saved = Vec::with_capacity(c.depth);
        for layer in &self.encoder {
            x = gelu(&norm(layer.conv.forward(&x)?, &layer.norm)?)?;
            if let Some(d) = &layer.dconv {
                x = d.forward(&x)?;
            }
            if let Some((conv, n)) = &layer.rewrite {
                x = gate(&norm(conv.forward(&x)?, n)?)?;
            }
            saved.push(x.clone());
        }
        if let Some(lstm) = &self.lstm {
            x = lstm.forward(&x)?;
        }
        for layer in &self.decoder {
            let skip = saved.pop().ok_or_else(|| Error::ShapeMismatch {
                what: "Demucs skip connections",
                expected: format!("{} saved layers", c.depth),
                got: vec![0],
            })?;
            let skip = center_trim(&skip, x.dim(2)?)?;
            x = x.add(&skip)?;
            if let Some((conv, n)) = &layer.rewrite {
                x = gate(&norm(conv.forward(&x)?, n)?)?;
            }
            if let Some(d) = &layer.dconv {
                x = d.forward(&x)?;
            }
            x = layer.conv_tr.forward(&x)?;
            if let Some(n) = &layer.post {
                x = gelu(&norm(x, n)?)?;
            }
        }
        if c.resample {
            x = self.resample(&x, false)?;
        }
        if let (Some(mean), Some(std)) = (mean, std) {
            x = x.broadcast_mul(&std)?.broadcast_add(&mean)?;
        }
        let x = center_trim(&x, length)?;
        Ok(x.reshape((b, c.sources.len(), ch, length))?)
    }
}
