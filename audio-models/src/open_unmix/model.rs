//! The Open-Unmix spectrogram model, `openunmix.model.OpenUnmix` (openunmix 1.3.0).

use std::collections::HashMap;
use std::path::Path;

use audio_io::weights::Weights;
use candle_core::{DType, Device, ModuleT, Tensor};
use candle_nn::VarBuilder;

use audio_nn::{BatchNorm, BatchNormConfig, Linear, Lstm, LstmConfig};

use crate::{Error, Result};

/// The shape of an Open-Unmix model: the arguments of
/// `openunmix.model.OpenUnmix(nb_bins, nb_channels, hidden_size, nb_layers,
/// unidirectional, max_bin)`.
///
/// The official models: umxhq is `nb_bins 2049, nb_channels 2, hidden_size
/// 512, nb_layers 3, bidirectional, max_bin 1487`
/// ([`OpenUnmixConfig::umxhq`]); umxl is the same with `hidden_size 1024`
/// ([`OpenUnmixConfig::umxl`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenUnmixConfig {
    /// Frequency bins of input and output, `n_fft / 2 + 1` (`nb_bins`).
    pub nb_bins: usize,
    /// Audio channels the model sees (1 or 2, `nb_channels`).
    pub nb_channels: usize,
    /// Width of the bottleneck (`hidden_size`); each LSTM direction has
    /// `hidden_size / 2` cells when bidirectional, `hidden_size` otherwise.
    pub hidden_size: usize,
    /// Stacked LSTM layers (`nb_layers`).
    pub nb_layers: usize,
    /// A causal (unidirectional) LSTM (`unidirectional`).
    pub unidirectional: bool,
    /// Bins fed to the network, the rest are cropped (`max_bin`); `None`
    /// means all `nb_bins`.
    pub max_bin: Option<usize>,
}

impl OpenUnmixConfig {
    /// umxhq / umx (Zenodo 3370489 / 3370486): 2049 bins, stereo, hidden 512,
    /// 3 bidirectional layers, `max_bin = 1487` (16 kHz at 44.1 kHz, n_fft 4096,
    /// `openunmix.utils.bandwidth_to_max_bin`).
    pub fn umxhq() -> Self {
        Self {
            nb_bins: 2049,
            nb_channels: 2,
            hidden_size: 512,
            nb_layers: 3,
            unidirectional: false,
            max_bin: Some(1487),
        }
    }

    /// umxl (Zenodo 5069601): as [`OpenUnmixConfig::umxhq`] with `hidden_size = 1024`.
    pub fn umxl() -> Self {
        Self {
            hidden_size: 1024,
            ..Self::umxhq()
        }
    }

    /// The number of bins the network sees: `max_bin` or `nb_bins`.
    pub fn input_bins(&self) -> usize {
        match self.max_bin {
            Some(m) if m > 0 => m,
            _ => self.nb_bins,
        }
    }

    /// Cells per LSTM direction: `hidden_size` if unidirectional, else `hidden_size / 2`.
    pub fn lstm_hidden_size(&self) -> usize {
        if self.unidirectional {
            self.hidden_size
        } else {
            self.hidden_size / 2
        }
    }

    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero sizes, `nb_channels` other than 1 or
    /// 2, an odd `hidden_size` with a bidirectional LSTM, or `max_bin > nb_bins`.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: usize, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value: value.to_string(),
                expected,
            })
        };
        if self.nb_bins == 0 {
            return bad("nb_bins", self.nb_bins, "> 0");
        }
        if !(1..=2).contains(&self.nb_channels) {
            return bad("nb_channels", self.nb_channels, "1 or 2");
        }
        if self.hidden_size == 0 || (!self.unidirectional && !self.hidden_size.is_multiple_of(2)) {
            return bad(
                "hidden_size",
                self.hidden_size,
                "> 0 (and even for a bidirectional LSTM)",
            );
        }
        if self.nb_layers == 0 {
            return bad("nb_layers", self.nb_layers, "> 0");
        }
        if self.input_bins() > self.nb_bins {
            return bad("max_bin", self.input_bins(), "<= nb_bins");
        }
        Ok(())
    }

    /// Every tensor of the state dict with its shape, in the checkpoint's key
    /// names (`fc1.weight`, `bn1.running_mean`, `lstm.weight_ih_l0_reverse`,
    /// `input_mean`, ...). `bn*.num_batches_tracked` is not needed.
    pub fn expected_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let h = self.hidden_size;
        let c = self.nb_channels;
        let inb = self.input_bins();
        let outb = self.nb_bins;
        let lh = self.lstm_hidden_size();
        let dirs = if self.unidirectional { 1 } else { 2 };
        let mut v: Vec<(String, Vec<usize>)> = vec![("fc1.weight".into(), vec![h, inb * c])];
        let bn = |v: &mut Vec<(String, Vec<usize>)>, name: &str, n: usize| {
            for p in ["weight", "bias", "running_mean", "running_var"] {
                v.push((format!("{name}.{p}"), vec![n]));
            }
        };
        bn(&mut v, "bn1", h);
        for layer in 0..self.nb_layers {
            let input = if layer == 0 { h } else { lh * dirs };
            for d in 0..dirs {
                let sfx = if d == 1 { "_reverse" } else { "" };
                v.push((format!("lstm.weight_ih_l{layer}{sfx}"), vec![4 * lh, input]));
                v.push((format!("lstm.weight_hh_l{layer}{sfx}"), vec![4 * lh, lh]));
                v.push((format!("lstm.bias_ih_l{layer}{sfx}"), vec![4 * lh]));
                v.push((format!("lstm.bias_hh_l{layer}{sfx}"), vec![4 * lh]));
            }
        }
        v.push(("fc2.weight".into(), vec![h, 2 * h]));
        bn(&mut v, "bn2", h);
        v.push(("fc3.weight".into(), vec![outb * c, h]));
        bn(&mut v, "bn3", outb * c);
        v.push(("input_mean".into(), vec![inb]));
        v.push(("input_scale".into(), vec![inb]));
        v.push(("output_scale".into(), vec![outb]));
        v.push(("output_mean".into(), vec![outb]));
        v
    }

    /// Reads the shape of a checkpoint from its tensors: `nb_bins` from
    /// `output_mean`, `max_bin` from `input_mean`, `hidden_size` from
    /// `fc1.weight`, `nb_channels` from `fc1.weight`'s columns, `nb_layers`
    /// from the `lstm.weight_ih_l{k}` keys and the direction from the
    /// `_reverse` keys, as `openunmix.utils.load_target_models` does for
    /// `max_bin`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] when one of those keys is absent,
    /// [`Error::InvalidParameter`] when the shapes do not fit together.
    pub fn infer(weights: &Weights) -> Result<Self> {
        let shape = |key: &str, rank: usize| -> Result<Vec<usize>> {
            let t = weights.get(key).map_err(|_| Error::MissingKey {
                key: key.to_string(),
                expected: vec![0; rank],
            })?;
            if t.shape.len() != rank {
                return Err(Error::WeightShape {
                    key: key.to_string(),
                    expected: vec![0; rank],
                    got: t.shape.clone(),
                });
            }
            Ok(t.shape.clone())
        };
        let nb_bins = shape("output_mean", 1)?[0];
        let inb = shape("input_mean", 1)?[0];
        let fc1 = shape("fc1.weight", 2)?;
        let hidden_size = fc1[0];
        if inb == 0 || fc1[1] % inb != 0 {
            return Err(Error::InvalidParameter {
                name: "nb_channels",
                value: format!("fc1.weight columns {} / max_bin {inb}", fc1[1]),
                expected: "fc1.weight columns = nb_channels * max_bin",
            });
        }
        let nb_channels = fc1[1] / inb;
        let nb_layers = (0..)
            .take_while(|k| weights.get(&format!("lstm.weight_ih_l{k}")).is_ok())
            .count();
        let unidirectional = weights.get("lstm.weight_ih_l0_reverse").is_err();
        let config = Self {
            nb_bins,
            nb_channels,
            hidden_size,
            nb_layers,
            unidirectional,
            max_bin: if inb == nb_bins { None } else { Some(inb) },
        };
        config.validate()?;
        Ok(config)
    }
}

/// `openunmix.model.OpenUnmix`: a magnitude spectrogram in, the target's
/// magnitude spectrogram out.
///
/// ```text
/// x  = (|X|[.., :max_bin] + input_mean) * input_scale          per frame
/// h  = tanh(bn1(fc1(x)))                                       (hidden)
/// h' = [h, lstm(h)]                                            (2·hidden)
/// m  = bn3(fc3(relu(bn2(fc2(h'))))) * output_scale + output_mean
/// Y  = relu(m) * |X|
/// ```
///
/// BatchNorms use their running statistics (eval mode) in
/// [`OpenUnmix::forward`], the batch statistics in
/// [`OpenUnmix::forward_t`]. Weights carry the checkpoint's names
/// (`fc1.weight`, `bn1.*`, `lstm.weight_ih_l0`, ..., `input_mean`,
/// `input_scale`, `output_scale`, `output_mean`), so the official state dicts
/// load as they are ([`OpenUnmix::from_weights`]).
///
/// Reference: Stöter, Uhlich, Liutkus, Mitsufuji, "Open-Unmix — A Reference
/// Implementation for Music Source Separation", JOSS 2019.
///
/// # Shapes
///
/// `(batch, nb_channels, nb_bins, frames)` → the same.
///
/// # Example
///
/// ```
/// use audio_models::open_unmix::{OpenUnmix, OpenUnmixConfig};
/// use candle_core::{DType, Device, Tensor};
/// let config = OpenUnmixConfig { nb_bins: 65, nb_channels: 2, hidden_size: 16, nb_layers: 2,
///     unidirectional: false, max_bin: Some(40) };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let model = OpenUnmix::new(config, vb)?;
/// let x = Tensor::ones((1, 2, 65, 10), DType::F32, &Device::Cpu)?;
/// assert_eq!(model.forward(&x)?.dims(), &[1, 2, 65, 10]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OpenUnmix {
    config: OpenUnmixConfig,
    fc1: Linear,
    bn1: BatchNorm,
    lstm: Lstm,
    fc2: Linear,
    bn2: BatchNorm,
    fc3: Linear,
    bn3: BatchNorm,
    input_mean: Tensor,
    input_scale: Tensor,
    output_scale: Tensor,
    output_mean: Tensor,
}

impl OpenUnmix {
    /// Builds the model from `vb` (a loaded store, or an initialising one such
    /// as `audio_nn::init::SeededVarMap` for training), with PyTorch's
    /// initialisation and `input_mean = 0`, `input_scale = output_scale =
    /// output_mean = 1` for new variables.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] from [`OpenUnmixConfig::validate`]; layer
    /// errors naming the key for a missing or wrongly shaped weight.
    pub fn new(config: OpenUnmixConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let h = config.hidden_size;
        let c = config.nb_channels;
        let inb = config.input_bins();
        let outb = config.nb_bins;
        let bn = BatchNormConfig::default();
        let fc1 = Linear::new(inb * c, h, false, vb.pp("fc1"))?;
        let bn1 = BatchNorm::new_1d(h, bn, vb.pp("bn1"))?;
        let lstm = Lstm::new(
            LstmConfig {
                num_layers: config.nb_layers,
                bidirectional: !config.unidirectional,
                ..LstmConfig::new(h, config.lstm_hidden_size())
            },
            vb.pp("lstm"),
        )?;
        let fc2 = Linear::new(2 * h, h, false, vb.pp("fc2"))?;
        let bn2 = BatchNorm::new_1d(h, bn, vb.pp("bn2"))?;
        let fc3 = Linear::new(h, outb * c, false, vb.pp("fc3"))?;
        let bn3 = BatchNorm::new_1d(outb * c, bn, vb.pp("bn3"))?;
        let get = |name: &str, n: usize, v: f64| -> Result<Tensor> {
            vb.get_with_hints(n, name, candle_nn::Init::Const(v))
                .map_err(|e| match e {
                    candle_core::Error::CannotFindTensor { .. } => Error::MissingKey {
                        key: name.to_string(),
                        expected: vec![n],
                    },
                    other => Error::Candle(other),
                })
        };
        Ok(Self {
            config,
            fc1,
            bn1,
            lstm,
            fc2,
            bn2,
            fc3,
            bn3,
            input_mean: get("input_mean", inb, 0.0)?,
            input_scale: get("input_scale", inb, 1.0)?,
            output_scale: get("output_scale", outb, 1.0)?,
            output_mean: get("output_mean", outb, 1.0)?,
        })
    }

    /// Loads a state dict (read by `audio_io::weights::Weights` from `.pth`
    /// or safetensors) after checking every key and shape against `config`.
    /// Extra keys (`bn*.num_batches_tracked`) are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] naming the key and its expected shape,
    /// [`Error::WeightShape`] naming the key, the expected and the stored
    /// shape (a checkpoint of another hidden size fails on `fc1.weight`),
    /// [`Error::InvalidParameter`] for a bad `config`.
    pub fn from_weights(
        config: OpenUnmixConfig,
        weights: &Weights,
        device: &Device,
    ) -> Result<Self> {
        config.validate()?;
        let mut map = HashMap::new();
        for (key, shape) in config.expected_shapes() {
            let t = weights.get(&key).map_err(|_| Error::MissingKey {
                key: key.clone(),
                expected: shape.clone(),
            })?;
            if t.shape != shape {
                return Err(Error::WeightShape {
                    key,
                    expected: shape,
                    got: t.shape.clone(),
                });
            }
            let tensor = Tensor::from_vec(t.to_f32_vec(), shape.as_slice(), device)?;
            map.insert(key, tensor);
        }
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// Loads a `.pth` or `.safetensors` checkpoint, reading its shape with
    /// [`OpenUnmixConfig::infer`].
    ///
    /// # Errors
    ///
    /// `audio_io` errors reading the file; as [`OpenUnmixConfig::infer`] and
    /// [`OpenUnmix::from_weights`].
    pub fn load(path: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let weights = Weights::load(path)?;
        let config = OpenUnmixConfig::infer(&weights)?;
        Self::from_weights(config, &weights, device)
    }

    /// The configuration.
    pub fn config(&self) -> &OpenUnmixConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        self.input_mean.device()
    }

    fn check_input(&self, x: &Tensor) -> Result<(usize, usize, usize, usize)> {
        let c = &self.config;
        let dims = x.dims();
        if dims.len() != 4 || dims[1] != c.nb_channels || dims[2] != c.nb_bins {
            return Err(Error::ShapeMismatch {
                what: "OpenUnmix input",
                expected: format!(
                    "(batch, {}, {}, frames) = (batch, nb_channels, nb_bins, frames)",
                    c.nb_channels, c.nb_bins
                ),
                got: dims.to_vec(),
            });
        }
        Ok((dims[0], dims[1], dims[2], dims[3]))
    }

    /// The normalised, cropped, encoded input `tanh(bn1(fc1(...)))`, time-major
    /// `(frames, batch, hidden)`, and the mixture `(frames, batch, ch, bins)`.
    fn encode(&self, x: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        let (b, c, _, t) = self.check_input(x)?;
        let inb = self.config.input_bins();
        let mix = x.permute((3, 0, 1, 2))?.contiguous()?;
        let h = mix
            .narrow(3, 0, inb)?
            .broadcast_add(&self.input_mean)?
            .broadcast_mul(&self.input_scale)?
            .reshape((t * b, c * inb))?;
        let h = self.fc1.apply(&h)?;
        let h = self.bn1.apply_t(&h, train)?;
        Ok((h.reshape((t, b, self.config.hidden_size))?.tanh()?, mix))
    }

    fn decode(&self, h: &Tensor, lstm_out: &Tensor, mix: &Tensor, train: bool) -> Result<Tensor> {
        let (t, b, c, outb) = mix.dims4()?;
        let hidden = self.config.hidden_size;
        let x = Tensor::cat(&[h, lstm_out], 2)?.reshape((t * b, 2 * hidden))?;
        let x = self.fc2.apply(&x)?;
        let x = self.bn2.apply_t(&x, train)?;
        let x = self.fc3.apply(&x.relu()?)?;
        let x = self.bn3.apply_t(&x, train)?;
        let x = x
            .reshape((t, b, c, outb))?
            .broadcast_mul(&self.output_scale)?
            .broadcast_add(&self.output_mean)?;
        Ok(x.relu()?.mul(mix)?.permute((1, 2, 3, 0))?.contiguous()?)
    }

    /// The eval-mode recurrent state of a whole track, computed block by
    /// block: the encoder (framewise) on each block of frames that `input`
    /// gives, then the LSTM over the whole sequence. With
    /// [`OpenUnmix::decode_frames`] this is [`OpenUnmix::forward`] in
    /// memory that grows with `frames × hidden_size` only, not with the
    /// spectrogram.
    ///
    /// `input(start, len)` returns the magnitudes of frames `start..start +
    /// len` as `(1, nb_channels, nb_bins, len)`.
    ///
    /// # Errors
    ///
    /// As [`OpenUnmix::forward`]; `input`'s errors.
    ///
    /// # Shapes
    ///
    /// Returns `(h, lstm_out)`, each `(frames, 1, hidden_size)`.
    pub fn encode_track(
        &self,
        frames: usize,
        block: usize,
        mut input: impl FnMut(usize, usize) -> Result<Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let block = block.max(1);
        let mut hs = Vec::with_capacity(frames.div_ceil(block));
        let mut start = 0;
        while start < frames {
            let len = block.min(frames - start);
            hs.push(self.encode(&input(start, len)?, false)?.0);
            start += len;
        }
        let h = Tensor::cat(&hs, 0)?;
        let lstm_out = self.lstm.forward_with_state(&h, None)?.0;
        Ok((h, lstm_out))
    }

    /// The eval-mode output for frames `start..start + len` from the
    /// whole-track state of [`OpenUnmix::encode_track`] and those frames'
    /// magnitudes `(1, nb_channels, nb_bins, len)`.
    ///
    /// # Errors
    ///
    /// As [`OpenUnmix::forward`].
    ///
    /// # Shapes
    ///
    /// Returns `(1, nb_channels, nb_bins, len)`.
    pub fn decode_frames(
        &self,
        state: &(Tensor, Tensor),
        start: usize,
        x: &Tensor,
    ) -> Result<Tensor> {
        let (_, _, _, len) = self.check_input(x)?;
        let mix = x.permute((3, 0, 1, 2))?.contiguous()?;
        self.decode(
            &state.0.narrow(0, start, len)?,
            &state.1.narrow(0, start, len)?,
            &mix,
            false,
        )
    }

    /// Eval-mode forward pass, `OpenUnmix.forward` after `model.eval()`
    /// (`forward_t(x, false)`).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `x` is `(batch, nb_channels, nb_bins, frames)`;
    /// candle errors.
    ///
    /// # Shapes
    ///
    /// `(batch, nb_channels, nb_bins, frames)` → the same.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_t(x, false)
    }

    /// The forward pass in eval (`train = false`, as [`OpenUnmix::forward`])
    /// or train mode (`train = true`, `OpenUnmix.forward` after
    /// `model.train()`: BatchNorms normalise with the batch statistics and
    /// update their running statistics, and the LSTM applies dropout `0.4`
    /// between layers (none with a single layer), as the package's
    /// constructor sets), with this crate's error type; the model also
    /// implements candle's [`ModuleT`].
    ///
    /// # Errors
    ///
    /// As [`OpenUnmix::forward`]; in train mode BatchNorm needs more than one frame.
    ///
    /// # Shapes
    ///
    /// `(batch, nb_channels, nb_bins, frames)` → the same.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let (h, mix) = self.encode(x, train)?;
        let lstm_out = if train {
            let dropout = if self.config.nb_layers > 1 { 0.4 } else { 0.0 };
            self.lstm.forward_train(&h, None, dropout)?.0
        } else {
            self.lstm.forward_with_state(&h, None)?.0
        };
        self.decode(&h, &lstm_out, &mix, train)
    }

    /// The BatchNorm running statistics (for checkpoints after training):
    /// `(key, tensor)` pairs under the checkpoint's names.
    pub fn running_stats(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        for (name, bn) in [("bn1", &self.bn1), ("bn2", &self.bn2), ("bn3", &self.bn3)] {
            v.push((format!("{name}.running_mean"), bn.running_mean()));
            v.push((format!("{name}.running_var"), bn.running_var()));
        }
        v
    }

    /// Sets the BatchNorm running statistics from `lookup` (a checkpoint's
    /// tensors by [`OpenUnmix::running_stats`]'s names), e.g. when a
    /// training run resumes.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] for a statistic `lookup` does not have; the
    /// layer's error for a tensor of the wrong shape.
    pub fn set_running_stats(&self, lookup: impl Fn(&str) -> Option<Tensor>) -> Result<()> {
        for (name, bn) in [("bn1", &self.bn1), ("bn2", &self.bn2), ("bn3", &self.bn3)] {
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

/// Train (`train = true`) and eval mode (`train = false`), as
/// [`OpenUnmix::forward_t`].
impl ModuleT for OpenUnmix {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        OpenUnmix::forward_t(self, x, train).map_err(candle_core::Error::wrap)
    }
}
