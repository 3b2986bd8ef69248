//! [`WaveUNetSeparator`]: a [`WaveUNet`] over a whole track, as the
//! reference's `test.py::predict` / `predict_song` run it.

use std::path::Path;

use audio_io::weights::Weights;
use candle_core::{Device, Tensor};
use ndarray::{s, Array2, Array3, ArrayView2, Axis};

use super::config::WaveUNetConfig;
use super::network::WaveUNet;
use crate::mixture_source::{separate_in_memory, MixtureSource};
use crate::mixture_windows::MixtureWindows;
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

    /// `window` `(channels, input_frames)` as the model's channel count: a
    /// mono model gets the channel mean, a stereo model a mono input on
    /// both channels.
    fn to_model_channels(&self, window: Array2<f32>) -> Result<Array2<f32>> {
        let (channels, len) = window.dim();
        let model_channels = self.net.config().channels;
        if channels == model_channels {
            Ok(window)
        } else if model_channels == 1 {
            Ok(window
                .mean_axis(Axis(0))
                .map_or_else(|| Array2::zeros((1, len)), |m| m.insert_axis(Axis(0))))
        } else if channels == 1 {
            let row = window.row(0);
            Ok(Array2::from_shape_fn((model_channels, len), |(_, t)| {
                row[t]
            }))
        } else {
            Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("1 or {model_channels} channels"),
                got: vec![channels, len],
            })
        }
    }

    /// One batch of windows through the network: per source, the model's
    /// channels side by side, `(model_channels, windows · output_frames)`.
    fn predict_windows(&self, windows: Vec<Array2<f32>>) -> Result<Vec<Array2<f32>>> {
        let shapes = self.net.shapes();
        let (input, step) = (shapes.input_frames, shapes.output_frames);
        let channels = self.net.config().channels;
        let batch = windows.len();
        let mut data = Vec::with_capacity(batch * channels * input);
        for window in windows {
            data.extend(self.to_model_channels(window)?.iter().copied());
        }
        let x = Tensor::from_vec(data, (batch, channels, input), &Device::Cpu)?;
        let ys = self.net.forward_t(&x, false)?;
        ys.iter()
            .map(|y| {
                let y = y.to_device(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
                let block = Array3::from_shape_vec((batch, channels, step), y).map_err(|_| {
                    Error::ShapeMismatch {
                        what: "Wave-U-Net output",
                        expected: format!("({batch}, {channels}, {step})"),
                        got: vec![batch, channels, step],
                    }
                })?;
                let mut out = Array2::<f32>::zeros((channels, batch * step));
                for (b, window) in block.outer_iter().enumerate() {
                    out.slice_mut(s![.., b * step..(b + 1) * step])
                        .assign(&window);
                }
                Ok(out)
            })
            .collect()
    }
}

/// `estimate` `(model_channels, n)` as the input's `channels`: copied to
/// every channel from a mono model, averaged to mono from a stereo one.
fn to_input_channels(estimate: Array2<f32>, channels: usize) -> Array2<f32> {
    let n = estimate.ncols();
    if estimate.nrows() == channels {
        estimate
    } else if estimate.nrows() == 1 {
        let row = estimate.row(0);
        Array2::from_shape_fn((channels, n), |(_, t)| row[t])
    } else {
        estimate
            .mean_axis(Axis(0))
            .map_or_else(|| Array2::zeros((1, n)), |m| m.insert_axis(Axis(0)))
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
        separate_in_memory(self, mixture)
    }

    /// Window by window: `WINDOWS_PER_BATCH` windows
    /// are held and run at a time, and their outputs handed to `sink`.
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        let (channels, len) = (mixture.channels(), mixture.len());
        let model_channels = self.net.config().channels;
        if channels == 0
            || len == 0
            || !(channels == model_channels || model_channels == 1 || channels == 1)
        {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("(1 or {model_channels} channels, samples ≥ 1)"),
                got: vec![channels, len],
            });
        }
        let shapes = self.net.shapes();
        let mut windows = MixtureWindows::new(
            mixture,
            shapes.output_start_frame,
            shapes.input_frames,
            shapes.output_frames,
        )?;
        while let Some((batch, done)) = windows.next_windows(WINDOWS_PER_BATCH)? {
            let stems: Vec<Array2<f32>> = self
                .predict_windows(batch)?
                .into_iter()
                .map(|e| to_input_channels(e.slice(s![.., ..done]).to_owned(), channels))
                .collect();
            sink(&stems)?;
        }
        Ok(())
    }
}
