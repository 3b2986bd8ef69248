//! [`WavenetSeparator`]: the Wavenet separator over whole tracks, window
//! by window as the reference's `separate.py`.

use std::path::Path;

use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{s, Array2, ArrayView2};

use super::config::WavenetSeparatorConfig;
use super::network::WavenetSeparatorNet;
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

    /// The network's sources for one channel `(samples)`, each as long as
    /// the input.
    fn separate_channel(&self, x: &[f32]) -> Result<Vec<Vec<f32>>> {
        let c = self.net.config();
        let half = (c.receptive_field_length() - 1) / 2;
        let tf = c.target_field_length;
        let input = c.input_length();
        let windows = x.len().div_ceil(tf);
        let mut padded = vec![0f32; windows * tf + input];
        padded[half..half + x.len()].copy_from_slice(x);
        let k = c.sources.len();
        let mut out = vec![vec![0f32; windows * tf]; k];
        let starts: Vec<usize> = (0..windows).map(|w| w * tf).collect();
        for batch in starts.chunks(WINDOWS_PER_BATCH) {
            let mut data = Vec::with_capacity(batch.len() * input);
            for &s in batch {
                data.extend_from_slice(&padded[s..s + input]);
            }
            let t = Tensor::from_vec(data, (batch.len(), 1, input), &Device::Cpu)?;
            let y = self.net.forward(&t)?; // (b, k, field)
            let y = y.narrow(2, c.target_padding, tf)?.contiguous()?;
            let v: Vec<f32> = y.flatten_all()?.to_vec1()?;
            for (b, &s) in batch.iter().enumerate() {
                for (j, o) in out.iter_mut().enumerate() {
                    let base = (b * k + j) * tf;
                    o[s..s + tf].copy_from_slice(&v[base..base + tf]);
                }
            }
        }
        for o in &mut out {
            o.truncate(x.len());
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
        let outputs = self.targets().len();
        let mut est = vec![Array2::<f32>::zeros((channels, len)); outputs];
        for ch in 0..channels {
            let x: Vec<f32> = mixture.row(ch).to_vec();
            let sources = self.separate_channel(&x)?;
            for (e, s) in est.iter_mut().zip(&sources) {
                e.slice_mut(s![ch, ..])
                    .assign(&ndarray::ArrayView1::from(s.as_slice()));
            }
            if self.net.config().difference.is_some() {
                let mut rest = x;
                for s in &sources {
                    for (r, v) in rest.iter_mut().zip(s) {
                        *r -= v;
                    }
                }
                est[outputs - 1]
                    .slice_mut(s![ch, ..])
                    .assign(&ndarray::ArrayView1::from(rest.as_slice()));
            }
        }
        Ok(est)
    }
}
