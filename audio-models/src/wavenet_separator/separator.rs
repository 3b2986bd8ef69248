//! [`WavenetSeparator`]: the Wavenet separator over whole tracks, window
//! by window as the reference's `separate.py`.

use std::path::Path;

use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{s, Array2, ArrayView1, ArrayView2};

use super::config::WavenetSeparatorConfig;
use super::network::WavenetSeparatorNet;
use crate::mixture_source::{separate_in_memory, MixtureSource};
use crate::mixture_windows::MixtureWindows;
use crate::training::{read_checkpoint_info, SIDECAR_FILE, WEIGHTS_FILE};
use crate::traits::Separator;
use crate::{Error, Result};

/// Windows stacked into one forward pass.
const WINDOWS_PER_BATCH: usize = 4;

/// The Wavenet separator behind [`Separator`]: each channel on its own
/// (the network is mono), zero-padded by half the receptive field on both
/// sides so that the output has the input's length; windows of
/// `input_length` samples step by `target_field_length`, each giving the
/// target field at its centre (the reference's `separate.py`, which
/// returns only the "valid" part). With a difference source, it is the
/// mixture minus the network's outputs, so all outputs sum to the mixture.
///
/// # Example
///
/// ```
/// use audio_models::wavenet_separator::{WavenetSeparator, WavenetSeparatorConfig};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
/// let config = WavenetSeparatorConfig {
///     num_stacks: 1, dilations: vec![1, 2, 4], res_channels: 8, skip_channels: 8,
///     final_channels: [16, 8], target_field_length: 101, ..Default::default()
/// };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let sep = WavenetSeparator::new(config, vb)?;
/// let mix = ndarray::Array2::from_shape_fn((2, 1000), |(c, t)| ((t + c) as f32 * 0.1).sin());
/// let out = sep.separate(mix.view())?;
/// assert_eq!(sep.targets(), ["vocals", "drums", "bass", "other"]);
/// let sum = &(&(&out[0] + &out[1]) + &out[2]) + &out[3];
/// assert!(sum.iter().zip(mix.iter()).all(|(a, b)| (a - b).abs() < 1e-5));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WavenetSeparator {
    net: WavenetSeparatorNet,
}

impl WavenetSeparator {
    /// Builds the separator from weights in `vb` (or initialised ones).
    ///
    /// # Errors
    ///
    /// As [`WavenetSeparatorNet::new`].
    pub fn new(config: WavenetSeparatorConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            net: WavenetSeparatorNet::new(config, vb)?,
        })
    }

    /// The network.
    pub fn network(&self) -> &WavenetSeparatorNet {
        &self.net
    }

    /// Loads a checkpoint directory that `audio train wavenet-separator`
    /// wrote (`weights.safetensors`, `checkpoint.json`), e.g. a run's
    /// `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let dir = dir.as_ref();
        let info = read_checkpoint_info(dir)?;
        let config: WavenetSeparatorConfig = serde_json::from_value(info.architecture.clone())
            .map_err(|source| Error::ModelJson {
                path: dir.join(SIDECAR_FILE),
                source,
            })?;
        let weights = Weights::load(dir.join(WEIGHTS_FILE))?;
        let expected = crate::checked_weights::probe_shapes(|vb| {
            WavenetSeparatorNet::new(config.clone(), vb).map(|_| ())
        })?;
        let map = crate::checked_weights::checked_tensors(&weights, expected, device)?;
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// One batch of windows `(channels, input_length)` through the network,
    /// each channel on its own: per output, `(channels, windows ·
    /// target_field_length)`; with a difference source, the last output is
    /// the mixture minus the others.
    fn predict_windows(&self, windows: &[Array2<f32>]) -> Result<Vec<Array2<f32>>> {
        let c = self.net.config();
        let half = (c.receptive_field_length() - 1) / 2;
        let (tf, input) = (c.target_field_length, c.input_length());
        let k = c.sources.len();
        let batch = windows.len();
        let channels = windows.first().map_or(0, Array2::nrows);
        let mut out = vec![Array2::<f32>::zeros((channels, batch * tf)); self.targets().len()];
        for ch in 0..channels {
            let mut data = Vec::with_capacity(batch * input);
            for w in windows {
                data.extend(w.row(ch).iter().copied());
            }
            let t = Tensor::from_vec(data, (batch, 1, input), &Device::Cpu)?;
            let y = self.net.forward(&t)?; // (b, k, field)
            let y = y.narrow(2, c.target_padding, tf)?.contiguous()?;
            let v: Vec<f32> = y.flatten_all()?.to_vec1()?;
            for b in 0..batch {
                for (j, o) in out.iter_mut().take(k).enumerate() {
                    let base = (b * k + j) * tf;
                    o.slice_mut(s![ch, b * tf..(b + 1) * tf])
                        .assign(&ArrayView1::from(&v[base..base + tf]));
                }
            }
            if c.difference.is_some() {
                for (b, w) in windows.iter().enumerate() {
                    for t in 0..tf {
                        let at = b * tf + t;
                        let rest = (0..k).fold(w[[ch, half + t]], |r, j| r - out[j][[ch, at]]);
                        out[k][[ch, at]] = rest;
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Separator for WavenetSeparator {
    fn sample_rate(&self) -> u32 {
        self.net.config().sample_rate
    }

    fn targets(&self) -> Vec<String> {
        self.net.config().outputs()
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
        if channels == 0 || len == 0 {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: "(channels ≥ 1, samples ≥ 1)".into(),
                got: vec![channels, len],
            });
        }
        let c = self.net.config();
        let half = (c.receptive_field_length() - 1) / 2;
        let mut windows =
            MixtureWindows::new(mixture, half, c.input_length(), c.target_field_length)?;
        while let Some((batch, done)) = windows.next_windows(WINDOWS_PER_BATCH)? {
            let stems: Vec<Array2<f32>> = self
                .predict_windows(&batch)?
                .into_iter()
                .map(|e| e.slice(s![.., ..done]).to_owned())
                .collect();
            sink(&stems)?;
        }
        Ok(())
    }
}
