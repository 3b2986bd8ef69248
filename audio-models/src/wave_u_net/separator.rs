//! [`WaveUNetSeparator`]: a [`WaveUNet`] over a whole track, as the
//! reference's `test.py::predict` / `predict_song` run it.

use std::path::Path;

use audio_io::weights::Weights;
use candle_core::{Device, Tensor};
use ndarray::{s, Array2, ArrayView2};

use super::config::WaveUNetConfig;
use super::network::WaveUNet;
use crate::training::{read_checkpoint_info, WEIGHTS_FILE};
use crate::traits::Separator;
use crate::{Error, Result};

/// Windows stacked into one forward pass.
const WINDOWS_PER_BATCH: usize = 4;

/// A [`WaveUNet`] behind [`Separator`]: the track is zero-padded at the end
/// to a whole number of output windows, and by the context on both sides;
/// windows of `input_frames` samples step by `output_frames`, and their
/// outputs are placed side by side, then cut to the input's length (the
/// reference's `predict`). A mono model gets the channel mean and its
/// output is copied to every input channel; a stereo model gets a mono
/// input on both channels and its outputs are averaged back to mono
/// (`predict_song`).
///
/// Memory: the output arrays, and `WINDOWS_PER_BATCH` windows of
/// activations.
///
/// # Example
///
/// ```
/// use audio_models::wave_u_net::{WaveUNet, WaveUNetConfig, WaveUNetSeparator};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
///
/// let config = WaveUNetConfig { features: 8, levels: 3, output_size: 0.01, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let sep = WaveUNetSeparator::new(WaveUNet::new(config, vb)?);
/// let stems = sep.separate(ndarray::Array2::<f32>::zeros((2, 5000)).view())?;
/// assert_eq!(stems.len(), 4);
/// assert_eq!(stems[0].dim(), (2, 5000));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveUNetSeparator {
    net: WaveUNet,
}

impl WaveUNetSeparator {
    /// Wraps a network.
    pub fn new(net: WaveUNet) -> Self {
        Self { net }
    }

    /// The network.
    pub fn network(&self) -> &WaveUNet {
        &self.net
    }

    /// Loads a model:
    ///
    /// - a directory holding `weights.safetensors` and the `checkpoint.json`
    ///   that `audio train wave-u-net` writes (its `architecture` is the
    ///   [`WaveUNetConfig`]);
    /// - a Wave-U-Net-Pytorch checkpoint file (`.pth`, or any file
    ///   `torch.save` wrote), with `config` giving the `train.py` arguments
    ///   that built it (the checkpoint stores none). Without `config`, a
    ///   JSON file beside it with the same stem is read if present, else
    ///   `train.py`'s defaults are used.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] when the weights do
    /// not fit the configuration, naming the key and both shapes; as
    /// [`WaveUNet::new`].
    pub fn load(
        path: impl AsRef<Path>,
        config: Option<WaveUNetConfig>,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        if path.is_dir() {
            let info = read_checkpoint_info(path)?;
            let config: WaveUNetConfig = match config {
                Some(c) => c,
                None => serde_json::from_value(info.architecture.clone()).map_err(|source| {
                    Error::ModelJson {
                        path: path.join(crate::training::SIDECAR_FILE),
                        source,
                    }
                })?,
            };
            let weights = Weights::load(path.join(WEIGHTS_FILE))?;
            let net = WaveUNet::from_weights(config, &weights, device)?;
            // Our checkpoints carry the BatchNorm statistics as plain tensors too.
            return Ok(Self::new(net));
        }
        let config = match config {
            Some(c) => c,
            None => {
                let json = path.with_extension("json");
                if json.is_file() {
                    let text = std::fs::read_to_string(&json).map_err(|source| Error::File {
                        path: json.clone(),
                        source,
                    })?;
                    serde_json::from_str(&text)
                        .map_err(|source| Error::ModelJson { path: json, source })?
                } else {
                    WaveUNetConfig::default()
                }
            }
        };
        let weights = Weights::load(path)?;
        Ok(Self::new(WaveUNet::from_weights(config, &weights, device)?))
    }

    /// Separates `mixture` `(channels, samples)` with the model's channel
    /// count.
    fn predict(&self, audio: &Array2<f32>) -> Result<Vec<Array2<f32>>> {
        let shapes = self.net.shapes();
        let (channels, len) = audio.dim();
        let step = shapes.output_frames;
        let padded_len = len.div_ceil(step).max(1) * step;
        let front = shapes.output_start_frame;
        let total = front + padded_len + (shapes.input_frames - shapes.output_end_frame);
        let mut padded = Array2::<f32>::zeros((channels, total));
        padded.slice_mut(s![.., front..front + len]).assign(audio);
        let sources = self.net.config().instruments.len();
        let mut outputs = vec![Array2::<f32>::zeros((channels, padded_len)); sources];
        let starts: Vec<usize> = (0..padded_len).step_by(step).collect();
        for batch in starts.chunks(WINDOWS_PER_BATCH) {
            let mut data = Vec::with_capacity(batch.len() * channels * shapes.input_frames);
            for &start in batch {
                let window = padded.slice(s![.., start..start + shapes.input_frames]);
                data.extend(window.iter().copied());
            }
            let x = Tensor::from_vec(
                data,
                (batch.len(), channels, shapes.input_frames),
                &Device::Cpu,
            )?;
            let ys = self.net.forward_t(&x, false)?;
            for (out, y) in outputs.iter_mut().zip(&ys) {
                let y = y.to_device(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
                let block =
                    Array2::from_shape_vec((batch.len() * channels, step), y).map_err(|_| {
                        Error::ShapeMismatch {
                            what: "Wave-U-Net output",
                            expected: format!("({}, {channels}, {step})", batch.len()),
                            got: vec![batch.len(), channels, step],
                        }
                    })?;
                for (b, &start) in batch.iter().enumerate() {
                    out.slice_mut(s![.., start..start + step])
                        .assign(&block.slice(s![b * channels..(b + 1) * channels, ..]));
                }
            }
        }
        Ok(outputs
            .into_iter()
            .map(|o| o.slice(s![.., ..len]).to_owned())
            .collect())
    }
}

impl Separator for WaveUNetSeparator {
    fn sample_rate(&self) -> u32 {
        self.net.config().sr
    }

    fn targets(&self) -> Vec<String> {
        self.net.config().instruments.clone()
    }

    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let (channels, len) = mixture.dim();
        if channels == 0 || len == 0 {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: "(channels ≥ 1, samples ≥ 1)".into(),
                got: vec![channels, len],
            });
        }
        if let Some(index) = mixture.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "mixture",
                index,
            });
        }
        let model_channels = self.net.config().channels;
        let input = if channels == model_channels {
            mixture.to_owned()
        } else if model_channels == 1 {
            mixture.mean_axis(ndarray::Axis(0)).map_or_else(
                || Array2::zeros((1, len)),
                |m| m.insert_axis(ndarray::Axis(0)),
            )
        } else if channels == 1 {
            let row = mixture.row(0);
            Array2::from_shape_fn((model_channels, len), |(_, t)| row[t])
        } else {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("1 or {model_channels} channels"),
                got: vec![channels, len],
            });
        };
        let outputs = self.predict(&input)?;
        Ok(outputs
            .into_iter()
            .map(|o| {
                if o.nrows() == channels {
                    o
                } else if o.nrows() == 1 {
                    let row = o.row(0).to_owned();
                    Array2::from_shape_fn((channels, len), |(_, t)| row[t])
                } else {
                    o.mean_axis(ndarray::Axis(0)).map_or_else(
                        || Array2::zeros((1, len)),
                        |m| m.insert_axis(ndarray::Axis(0)),
                    )
                }
            })
            .collect())
    }
}
