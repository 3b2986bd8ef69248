//! [`TfMaskSeparator`]: the T-F mask network between an STFT and an ISTFT
//! that reuses the mixture's phase.

use std::path::Path;

use audio_dsp::{IstftConfig, StreamingIstft, StreamingStft, WindowKind};
use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{concatenate, s, Array2, Array3, ArrayView2, Axis};
use num_complex::Complex;

use super::config::TfMaskConfig;
use super::model::TfMaskNet;
use crate::mixture_source::{check_finite_block, separate_in_memory, too_short, MixtureSource};
use crate::open_unmix::umx_stft_config;
use crate::training::{read_checkpoint_info, SIDECAR_FILE, WEIGHTS_FILE};
use crate::traits::Separator;
use crate::{Error, Result};
use audio_nn::LstmState;

/// Samples asked of the source per read.
const READ_BLOCK: usize = 1 << 16;

/// Frames run through the unidirectional LSTM at a time (its state carried
/// between runs); fixed, so that the estimates do not depend on how the
/// source cuts its blocks.
const LSTM_FRAMES: usize = 512;

/// Magnitudes of each channel as the batch `(channels, frames, bins)`.
pub(crate) fn magnitude_batch(spec: &Array3<Complex<f32>>) -> Result<Tensor> {
    let (c, b, t) = spec.dim();
    let mut data = Vec::with_capacity(c * b * t);
    for ch in 0..c {
        for frame in 0..t {
            data.extend((0..b).map(|bin| spec[[ch, bin, frame]].norm()));
        }
    }
    Ok(Tensor::from_vec(data, (c, t, b), &Device::Cpu)?)
}

/// The LSTM time-frequency mask separator of seed 001 behind
/// [`Separator`]: each channel's magnitude STFT through [`TfMaskNet`], and
/// each masked magnitude back to audio with the mixture's phase
/// (`Ŝ_k · e^{i∠X}`, inverse STFT to the input's length). The outputs sum
/// to the mixture up to the STFT round trip.
///
/// Memory: a unidirectional model streams ([`Separator::separate_source`]):
/// the STFT, the LSTM (`LSTM_FRAMES` frames at a time, its state carried)
/// and the inverse STFT run block by block. A bidirectional model needs
/// every frame before its first output, so it holds the mixture's
/// spectrogram.
///
/// # Example
///
/// ```
/// use audio_models::tf_mask::{TfMaskConfig, TfMaskSeparator};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
/// let config = TfMaskConfig { n_fft: 256, hop_length: 64, hidden_size: 8, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let sep = TfMaskSeparator::new(config, vb)?;
/// let mix = ndarray::Array2::from_shape_fn((2, 4000), |(c, t)| ((t + c) as f32 * 0.05).sin());
/// let out = sep.separate(mix.view())?;
/// assert_eq!(sep.targets(), ["vocals", "residual"]);
/// let sum = &out[0] + &out[1];
/// assert!(sum.iter().zip(mix.iter()).all(|(a, b)| (a - b).abs() < 1e-3));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TfMaskSeparator {
    config: TfMaskConfig,
    net: TfMaskNet,
    stft: StreamingStft<f32>,
    istft: StreamingIstft<f32>,
}

impl TfMaskSeparator {
    /// Builds the separator from weights in `vb` (or initialised ones).
    ///
    /// # Errors
    ///
    /// As [`TfMaskNet::new`]; STFT planning errors.
    pub fn new(config: TfMaskConfig, vb: VarBuilder) -> Result<Self> {
        let net = TfMaskNet::new(&config, vb)?;
        let stft = StreamingStft::new(umx_stft_config(config.n_fft, config.hop_length))?;
        let istft = StreamingIstft::new(IstftConfig {
            n_fft: config.n_fft,
            hop_length: Some(config.hop_length),
            win_length: None,
            window: WindowKind::Hann,
            center: true,
        })?;
        Ok(Self {
            config,
            net,
            stft,
            istft,
        })
    }

    /// Loads a checkpoint directory that `audio train tf-mask` wrote
    /// (`weights.safetensors` and `checkpoint.json`, whose `architecture`
    /// is the [`TfMaskConfig`]), e.g. a run's `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let dir = dir.as_ref();
        let info = read_checkpoint_info(dir)?;
        let config: TfMaskConfig =
            serde_json::from_value(info.architecture.clone()).map_err(|source| {
                Error::ModelJson {
                    path: dir.join(SIDECAR_FILE),
                    source,
                }
            })?;
        let weights = Weights::load(dir.join(WEIGHTS_FILE))?;
        Self::from_weights(config, &weights, device)
    }

    /// Builds the separator from `weights` under the network's keys.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// the shapes; as [`TfMaskSeparator::new`].
    pub fn from_weights(config: TfMaskConfig, weights: &Weights, device: &Device) -> Result<Self> {
        let expected =
            crate::checked_weights::probe_shapes(|vb| TfMaskNet::new(&config, vb).map(|_| ()))?;
        let map = crate::checked_weights::checked_tensors(weights, expected, device)?;
        Self::new(config, VarBuilder::from_tensors(map, DType::F32, device))
    }

    /// The configuration.
    pub fn config(&self) -> &TfMaskConfig {
        &self.config
    }

    /// The network.
    pub fn network(&self) -> &TfMaskNet {
        &self.net
    }
}

impl Separator for TfMaskSeparator {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    fn targets(&self) -> Vec<String> {
        self.config.outputs()
    }

    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        separate_in_memory(self, mixture)
    }

    /// Block by block: each channel's streaming STFT, the LSTM over
    /// `LSTM_FRAMES` frames at a time (all frames at once when
    /// bidirectional), and one streaming inverse STFT per output and
    /// channel, cut to the mixture's length.
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        let (channels, samples) = (mixture.channels(), mixture.len());
        if channels == 0 || samples <= self.config.n_fft / 2 {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("(channels ≥ 1, samples > {})", self.config.n_fft / 2),
                got: vec![channels, samples],
            });
        }
        mixture.rewind()?;
        let run = if self.config.bidirectional {
            usize::MAX
        } else {
            LSTM_FRAMES
        };
        let mut stream = MaskStream {
            sep: self,
            stfts: vec![self.stft.clone(); channels],
            istfts: vec![vec![self.istft.clone(); channels]; self.net.outputs()],
            pending: Vec::new(),
            state: None,
            samples,
            emitted: 0,
        };
        let mut read = 0;
        while read < samples {
            let block = mixture.read(READ_BLOCK.min(samples - read))?;
            if block.ncols() == 0 {
                return Err(too_short(channels, samples, read));
            }
            let block = block.slice(s![.., ..block.ncols().min(samples - read)]);
            check_finite_block(block, read, samples)?;
            read += block.ncols();
            let frames = stream.stft_push(block, false)?;
            stream.queue(frames);
            while stream.pending_frames() >= run {
                stream.run(run, sink)?;
            }
        }
        let frames = stream.stft_push(ndarray::Array2::zeros((channels, 0)).view(), true)?;
        stream.queue(frames);
        while stream.pending_frames() > 0 {
            stream.run(run.min(stream.pending_frames()), sink)?;
        }
        stream.finish(sink)
    }
}

/// The state of one streamed separation.
struct MaskStream<'a> {
    sep: &'a TfMaskSeparator,
    stfts: Vec<StreamingStft<f32>>,
    /// Per output, per channel.
    istfts: Vec<Vec<StreamingIstft<f32>>>,
    /// Mixture frames not yet through the network, pieces of `(channels,
    /// bins, n)`.
    pending: Vec<Array3<Complex<f32>>>,
    state: Option<LstmState>,
    samples: usize,
    emitted: usize,
}

impl MaskStream<'_> {
    /// Each channel's new STFT frames from `block` (and the last ones at
    /// `end`), `(channels, bins, n)`.
    fn stft_push(&mut self, block: ArrayView2<'_, f32>, end: bool) -> Result<Array3<Complex<f32>>> {
        let frames = self
            .stfts
            .iter_mut()
            .zip(block.outer_iter())
            .map(|(stft, row)| {
                let frames = if end {
                    stft.finish()?
                } else {
                    stft.push(&row.to_vec())?
                };
                Ok(frames.insert_axis(Axis(0)))
            })
            .collect::<Result<Vec<_>>>()?;
        join(Axis(0), &frames)
    }

    /// Frames waiting for the network.
    fn pending_frames(&self) -> usize {
        self.pending.iter().map(|p| p.dim().2).sum()
    }

    fn queue(&mut self, frames: Array3<Complex<f32>>) {
        if frames.dim().2 > 0 {
            self.pending.push(frames);
        }
    }

    /// The first `n` pending frames through the network and back to audio.
    fn run(&mut self, n: usize, sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>) -> Result<()> {
        let all = join(Axis(2), &std::mem::take(&mut self.pending))?;
        let spec = all.slice(s![.., .., ..n]).to_owned();
        if n < all.dim().2 {
            self.pending.push(all.slice(s![.., .., n..]).to_owned());
        }
        let (channels, bins, frames) = spec.dim();
        let (est, state) = self
            .sep
            .net
            .forward_with_state(&magnitude_batch(&spec)?, self.state.as_ref())?; // (ch, K, T, F)
        self.state = Some(state);
        let k = self.sep.net.outputs();
        let est: Vec<f32> = est.flatten_all()?.to_vec1()?;
        let mut out = Vec::with_capacity(k);
        for (j, istfts) in self.istfts.iter_mut().enumerate() {
            let mut rows = Vec::with_capacity(channels);
            for (ch, istft) in istfts.iter_mut().enumerate() {
                let y = Array2::from_shape_fn((bins, frames), |(f, t)| {
                    let x = spec[[ch, f, t]];
                    let m = x.norm();
                    let phase = if m > 0.0 {
                        x / m
                    } else {
                        Complex::new(1.0, 0.0)
                    };
                    phase * est[((ch * k + j) * frames + t) * bins + f]
                });
                rows.push(istft.push(y.view())?);
            }
            out.push(rows);
        }
        self.emit(out, sink)
    }

    /// The inverse STFTs' last samples, cut or zero-padded to the
    /// mixture's length.
    fn finish(&mut self, sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>) -> Result<()> {
        let out = self
            .istfts
            .iter_mut()
            .map(|istfts| {
                istfts
                    .iter_mut()
                    .map(StreamingIstft::finish_keeping_padding)
                    .collect()
            })
            .collect();
        self.emit(out, sink)?;
        if self.emitted < self.samples {
            let zeros = Array2::zeros((self.stfts.len(), self.samples - self.emitted));
            self.emitted = self.samples;
            sink(&vec![zeros; self.istfts.len()])?;
        }
        Ok(())
    }

    /// Per output, per channel samples to `sink`, up to the mixture's
    /// length.
    fn emit(
        &mut self,
        out: Vec<Vec<Vec<f32>>>,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        let n = out
            .first()
            .and_then(|rows| rows.first())
            .map_or(0, Vec::len)
            .min(self.samples - self.emitted);
        if n == 0 {
            return Ok(());
        }
        let stems: Vec<Array2<f32>> = out
            .iter()
            .map(|rows| Array2::from_shape_fn((rows.len(), n), |(c, t)| rows[c][t]))
            .collect();
        self.emitted += n;
        sink(&stems)
    }
}

/// `parts` joined along `axis`.
fn join(axis: Axis, parts: &[Array3<Complex<f32>>]) -> Result<Array3<Complex<f32>>> {
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(axis, &views).map_err(|_| Error::ShapeMismatch {
        what: "STFT frames",
        expected: "one shape but along the joined axis".into(),
        got: parts.iter().flat_map(|p| p.shape().to_vec()).collect(),
    })
}
