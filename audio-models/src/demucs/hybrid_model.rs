//! [`HybridDemucsNet`]: `demucs.hdemucs.HDemucs` (Hybrid Demucs, v3;
//! Défossez 2021) and `demucs.htdemucs.HTDemucs` (Hybrid Transformer
//! Demucs, v4; Rouard, Massa and Défossez 2023) of demucs 4.1.0.

use std::collections::HashMap;

use audio_io::weights::Weights;
use audio_nn::Conv1d;
use audio_nn::Conv1dConfig;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;

use super::dconv::input_dims;
use super::hybrid_config::{HybridConfig, HybridVersion};
use super::hybrid_layers::{HDecLayer, HEncLayer, LayerSpec};
use super::hybrid_spec::HybridSpec;
use super::transformer::CrossTransformer;
use crate::checked_weights::{checked_tensors, probe_shapes};
use crate::error::{Error, Result};

/// The 1×1 convolutions around the transformer (`bottom_channels`).
#[derive(Debug, Clone)]
struct Bottom {
    up: Conv1d,
    down: Conv1d,
    up_t: Conv1d,
    down_t: Conv1d,
}

/// The hybrid network: a spectrogram branch (complex as channels, layers
/// convolving along frequencies) and a waveform branch (1-D layers),
/// merged where their strides meet (HDemucs) or joined by a cross-domain
/// transformer at the bottom (HTDemucs); the outputs of the two branches
/// are summed.
///
/// 1. spectrogram `(B, 2C, nfft/2, frames)` (`_spec`), each branch
///    standardised by its mean and (unbiased) standard deviation;
/// 2. encoder layers (`HEncLayer`), a frequency embedding after the first;
/// 3. HDemucs: the decoder starts from zeros, fed by the skips; HTDemucs:
///    the cross transformer (with optional 1×1 `bottom_channels`);
/// 4. decoder layers (`HDecLayer`), the time branch split off from the
///    merged one where needed;
/// 5. inverse STFT of the spectrogram branch, plus the time branch.
///
/// Keys follow the package (`encoder.{i}`, `decoder.{i}`, `tencoder.{i}`,
/// `tdecoder.{i}`, `freq_emb.embedding.weight`, `crosstransformer.*`,
/// `channel_upsampler*`), so a release's `state` loads by its own names.
///
/// # Shapes
///
/// `(batch, audio_channels, time)` → `(batch, sources, audio_channels, time)`.
#[derive(Debug, Clone)]
pub struct HybridDemucsNet {
    config: HybridConfig,
    encoder: Vec<HEncLayer>,
    decoder: Vec<HDecLayer>,
    tencoder: Vec<HEncLayer>,
    tdecoder: Vec<HDecLayer>,
    /// `freq_emb.embedding.weight · emb_scale`, `(freqs, channels)`.
    freq_emb: Option<Tensor>,
    transformer: Option<CrossTransformer>,
    bottom: Option<Bottom>,
    spec: HybridSpec,
    device: Device,
}

impl HybridDemucsNet {
    /// Builds the network of `config` from `vb`, in the constructor's order.
    ///
    /// # Errors
    ///
    /// As [`HybridConfig::validate`]; weight errors naming the key.
    pub fn new(config: HybridConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let c = &config;
        let ht = c.version == HybridVersion::HTDemucs;
        let hybrid = c.hybrid || ht;
        let sources = c.sources.len();
        // The frequency/time plan first: the time decoders are numbered
        // from the innermost frequency layer.
        let mut plan = Vec::with_capacity(c.depth);
        let mut freqs = c.nfft / 2;
        for _ in 0..c.depth {
            let freq = freqs > 1;
            let last_freq = freq && freqs <= c.kernel_size;
            plan.push((freq, last_freq, freqs));
            if freq {
                freqs = if freqs <= c.kernel_size {
                    1
                } else {
                    freqs / c.stride
                };
            }
        }
        let n_freq = plan.iter().filter(|p| p.0).count();
        let mut encoder = Vec::with_capacity(c.depth);
        let mut decoder = Vec::with_capacity(c.depth);
        let mut tencoder = Vec::new();
        let mut tdecoder = Vec::new();
        let mut freq_emb = None;
        let mut chin = c.audio_channels;
        let mut chin_z = 2 * chin;
        let mut chout = c.channels_time.unwrap_or(c.channels);
        let mut chout_z = c.channels;
        for (index, &(freq, last_freq, freqs)) in plan.iter().enumerate() {
            let (ker, stri) = if !freq {
                (2 * c.time_stride, c.time_stride)
            } else if last_freq {
                (freqs, c.stride)
            } else {
                (c.kernel_size, c.stride)
            };
            let spec = LayerSpec {
                kernel_size: ker,
                stride: stri,
                freq,
                pad: !last_freq,
                norm: index >= c.norm_starts,
                norm_groups: c.norm_groups,
                rewrite: c.rewrite,
                dconv: false,
                dconv_attn: !ht && index >= c.dconv_attn,
                dconv_lstm: !ht && index >= c.dconv_lstm,
                dconv_depth: c.dconv_depth,
                dconv_comp: c.dconv_comp,
                empty: false,
                context: 0,
            };
            let time = LayerSpec {
                freq: false,
                kernel_size: c.kernel_size,
                stride: c.stride,
                pad: true,
                empty: last_freq,
                ..spec
            };
            let enc_dconv = c.dconv_mode & 1 == 1;
            let dec_dconv = c.dconv_mode & 2 == 2;
            if last_freq {
                chout_z = chout_z.max(chout);
                chout = chout_z;
            }
            let enc = |s: LayerSpec| LayerSpec {
                dconv: enc_dconv,
                context: c.context_enc,
                ..s
            };
            let dec = |s: LayerSpec| LayerSpec {
                dconv: dec_dconv,
                context: c.context,
                ..s
            };
            encoder.push(HEncLayer::new(
                enc(spec),
                chin_z,
                chout_z,
                vb.pp("encoder").pp(index.to_string()),
            )?);
            if hybrid && freq {
                tencoder.push(HEncLayer::new(
                    enc(time),
                    chin,
                    chout,
                    vb.pp("tencoder").pp(index.to_string()),
                )?);
            }
            if index == 0 {
                chin = c.audio_channels * sources;
                chin_z = 2 * chin;
            }
            decoder.insert(
                0,
                HDecLayer::new(
                    dec(spec),
                    chout_z,
                    chin_z,
                    index == 0,
                    vb.pp("decoder").pp((c.depth - 1 - index).to_string()),
                )?,
            );
            if hybrid && freq {
                tdecoder.insert(
                    0,
                    HDecLayer::new(
                        dec(time),
                        chout,
                        chin,
                        index == 0,
                        vb.pp("tdecoder").pp((n_freq - 1 - index).to_string()),
                    )?,
                );
            }
            chin = chout;
            chin_z = chout_z;
            chout = (c.growth * chout as f64) as usize;
            chout_z = (c.growth * chout_z as f64) as usize;
            if index == 0 && c.freq_emb != 0.0 {
                let freqs_after = plan.get(1).map_or(1, |p| p.2);
                let w = vb.get((freqs_after, chin_z), "freq_emb.embedding.weight")?;
                freq_emb = Some((w * c.emb_scale)?);
            }
        }
        let mut transformer = None;
        let mut bottom = None;
        if let Some(t) = c.transformer.as_ref().filter(|t| t.layers > 0 && ht) {
            let dim = (c.channels as f64 * c.growth.powi(c.depth as i32 - 1)) as usize;
            if c.bottom_channels > 0 {
                let conv = |i: usize, o: usize, name: &str| {
                    Conv1d::new(i, o, 1, Conv1dConfig::default(), vb.pp(name))
                };
                let b = c.bottom_channels;
                bottom = Some(Bottom {
                    up: conv(dim, b, "channel_upsampler")?,
                    down: conv(b, dim, "channel_downsampler")?,
                    up_t: conv(dim, b, "channel_upsampler_t")?,
                    down_t: conv(b, dim, "channel_downsampler_t")?,
                });
            }
            transformer = Some(CrossTransformer::new(
                c.transformer_channels(),
                t,
                vb.pp("crosstransformer"),
            )?);
        }
        let spec = HybridSpec::new(c.nfft, hybrid, c.hybrid_old && !ht)?;
        Ok(Self {
            device: vb.device().clone(),
            config,
            encoder,
            decoder,
            tencoder,
            tdecoder,
            freq_emb,
            transformer,
            bottom,
            spec,
        })
    }

    /// Builds the network from a release's state dict (float16 or float32
    /// tensors, keys without the `state.` prefix). Every tensor the
    /// network needs must be there with its shape; extra keys are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// both shapes; as [`HybridDemucsNet::new`].
    pub fn from_weights(config: HybridConfig, weights: &Weights, device: &Device) -> Result<Self> {
        let probe = config.clone();
        let expected = probe_shapes(|vb| Self::new(probe, vb).map(|_| ()))?;
        let map: HashMap<String, Tensor> = checked_tensors(weights, expected, device)?;
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// The configuration.
    pub fn config(&self) -> &HybridConfig {
        &self.config
    }

    /// Replaces the segment used by `split` (a bag's `segment`).
    pub(crate) fn set_segment(&mut self, segment: f64, ratio: Option<(i64, i64)>) {
        self.config.segment = segment;
        self.config.segment_ratio = ratio;
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The length the model is run on for an input of `length` samples:
    /// HTDemucs (`use_train_segment`) its training segment, which must not
    /// be shorter; HDemucs the length itself.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an HTDemucs input longer than its
    /// training segment (the package raises `ValueError`).
    pub fn valid_length(&self, length: usize) -> Result<usize> {
        let c = &self.config;
        if c.version != HybridVersion::HTDemucs || !c.use_train_segment {
            return Ok(length);
        }
        let training = c.segment_samples();
        if length > training {
            return Err(Error::ShapeMismatch {
                what: "HTDemucs input (longer than its training segment; use split)",
                expected: format!("at most {training} samples"),
                got: vec![length],
            });
        }
        Ok(training)
    }

    /// `forward(mix)` in evaluation mode.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an input that is not
    /// `(batch, audio_channels, time ≥ 1)` or (HTDemucs) longer than its
    /// training segment; backend errors.
    pub fn forward(&self, mix: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let (b, ch, length) = input_dims(mix, c.audio_channels, "Hybrid Demucs input")?;
        let ht = c.version == HybridVersion::HTDemucs;
        let hybrid = c.hybrid || ht;
        let run_length = self.valid_length(length)?;
        let mix = if run_length > length {
            mix.pad_with_zeros(2, 0, run_length - length)?
        } else {
            mix.clone()
        };
        let z = self.spec.forward(&mix)?;
        let (mut x, mean, std) = standardise(&z)?;
        let (mut xt, meant, stdt) = standardise(&mix)?;
        let (_, _, fq, frames) = x.dims4()?;
        let mut saved = Vec::with_capacity(self.encoder.len());
        let mut saved_t = Vec::with_capacity(self.tencoder.len());
        let mut lengths = Vec::with_capacity(self.encoder.len());
        let mut lengths_t = Vec::with_capacity(self.tencoder.len());
        for (idx, encode) in self.encoder.iter().enumerate() {
            lengths.push(x.dim(3)?);
            let mut inject = None;
            if hybrid && idx < self.tencoder.len() {
                lengths_t.push(xt.dim(2)?);
                let tenc = &self.tencoder[idx];
                xt = tenc.forward(&xt, None)?;
                if tenc.is_empty() {
                    inject = Some(xt.clone());
                } else {
                    saved_t.push(xt.clone());
                }
            }
            x = encode.forward(&x, inject.as_ref())?;
            if idx == 0 {
                if let Some(emb) = &self.freq_emb {
                    let f = x.dim(2)?;
                    let e = emb.narrow(0, 0, f)?.t()?.unsqueeze(0)?.unsqueeze(3)?;
                    x = x.broadcast_add(&(e * c.freq_emb)?)?;
                }
            }
            saved.push(x.clone());
        }
        if ht {
            if let Some(t) = &self.transformer {
                let (bx, cx, f, tt) = x.dims4()?;
                if let Some(bt) = &self.bottom {
                    x = bt
                        .up
                        .forward(&x.reshape((bx, cx, f * tt))?)?
                        .reshape((bx, (), f, tt))?;
                    xt = bt.up_t.forward(&xt)?;
                }
                let (nx, nxt) = t.forward(&x, &xt)?;
                x = nx;
                xt = nxt;
                if let Some(bt) = &self.bottom {
                    let cb = x.dim(1)?;
                    x = bt
                        .down
                        .forward(&x.reshape((bx, cb, f * tt))?)?
                        .reshape((bx, (), f, tt))?;
                    xt = bt.down_t.forward(&xt)?;
                }
            }
        } else {
            x = x.zeros_like()?;
        }
        let offset = self.decoder.len() - self.tdecoder.len();
        for (idx, decode) in self.decoder.iter().enumerate() {
            let skip = pop(&mut saved)?;
            let (nx, pre) = decode.forward(&x, Some(&skip), pop(&mut lengths)?)?;
            x = nx;
            if hybrid && idx >= offset {
                let tdec = &self.tdecoder[idx - offset];
                let length_t = pop(&mut lengths_t)?;
                xt = if tdec.is_empty() {
                    let pre = pre.squeeze(2)?;
                    tdec.forward(&pre, None, length_t)?.0
                } else {
                    let skip = pop(&mut saved_t)?;
                    tdec.forward(&xt, Some(&skip), length_t)?.0
                };
            }
        }
        let sources = c.sources.len();
        let x = x.reshape((b, sources, 2 * ch, fq, frames))?;
        let x = x
            .broadcast_mul(&std.unsqueeze(1)?)?
            .broadcast_add(&mean.unsqueeze(1)?)?;
        let mut out = self.spec.inverse(&x, run_length, &self.device)?;
        if hybrid {
            let xt = xt
                .reshape((b, sources, ch, run_length))?
                .broadcast_mul(&stdt.unsqueeze(1)?)?
                .broadcast_add(&meant.unsqueeze(1)?)?;
            out = (out + xt)?;
        }
        if run_length > length {
            out = out.narrow(3, 0, length)?;
        }
        Ok(out)
    }
}

fn pop<T>(v: &mut Vec<T>) -> Result<T> {
    v.pop().ok_or_else(|| Error::ShapeMismatch {
        what: "Hybrid Demucs skip connections",
        expected: "one saved activation per layer".into(),
        got: vec![0],
    })
}

/// `(x − mean) / (1e-5 + std)` over every axis but the batch, with the
/// unbiased standard deviation; also the mean and std, keeping dims.
fn standardise(x: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let b = x.dim(0)?;
    let n = x.elem_count() / b;
    let mut keep = vec![b];
    keep.extend(std::iter::repeat_n(1, x.rank() - 1));
    let flat = x.reshape((b, n))?;
    let mean = flat.mean_keepdim(1)?;
    let centred = flat.broadcast_sub(&mean)?;
    let var = (centred.sqr()?.sum_keepdim(1)? / (n.max(2) - 1) as f64)?;
    let std = var.sqrt()?;
    let y = centred.broadcast_div(&(&std + 1e-5)?)?.reshape(x.shape())?;
    Ok((
        y,
        mean.reshape(keep.as_slice())?,
        std.reshape(keep.as_slice())?,
    ))
}
