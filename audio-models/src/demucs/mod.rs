//! Demucs, every generation the `demucs` 4.1.0 package runs:
//!
//! - [`DemucsNet`]: `demucs.demucs.Demucs` (Défossez et al. 2019, "Music
//!   Source Separation in the Waveform Domain"; seed 003), the waveform
//!   U-Net with GLU rewrites, a BLSTM, and the DConv residual branches
//!   (dilated convolutions, LocalState attention, chunked BLSTMs).
//! - [`HybridDemucsNet`]: `demucs.hdemucs.HDemucs` (Hybrid Demucs, v3;
//!   Défossez 2021) and `demucs.htdemucs.HTDemucs` (Hybrid Transformer
//!   Demucs, v4; Rouard, Massa and Défossez 2023): a spectrogram branch
//!   (complex as channels) beside the waveform branch, merged where their
//!   strides meet (v3) or joined by a cross-domain transformer (v4).
//! - [`apply_model`]: `demucs.apply.apply_model`, overlapping segments with
//!   triangular transition weights, and random shifts, for any
//!   [`SegmentModel`].
//! - [`Demucs`]: a [`Separator`] loaded from a release's `.th` file or a
//!   bag of models (`htdemucs_ft.yaml` with its `.th` files beside it):
//!   the pickled dict `{klass, args, kwargs, state}` that
//!   `demucs.states.serialize_model` writes, float16 or float32. The class
//!   and architecture come from the file: its `kwargs` over the
//!   constructor's defaults.
//!
//! Parity: `tests/demucs.rs` and `tests/hdemucs.rs` compare with the
//! package on random-weight release-format checkpoints
//! (`tools/reference/demucs_fixtures.py`, `hdemucs_fixtures.py`).

mod apply;
mod bag;
mod config;
mod dconv;
mod hybrid_config;
mod hybrid_layers;
mod hybrid_model;
mod hybrid_spec;
mod model;
mod network;
mod resample_frac;
mod track;
mod training;
mod transformer;

use std::path::Path;

use audio_io::weights::Weights;
use candle_core::Device;
use ndarray::{Array2, Array3, ArrayView2, Axis};

pub use apply::{apply_model, apply_model_with_offsets, ApplyConfig, SegmentModel};

use apply::{collect, Aligned, BlockStream, ModelStream, Track};
pub use bag::BagSpec;
pub use config::DemucsConfig;
pub use dconv::{Blstm, DConv, LocalState};
pub use hybrid_config::{HybridConfig, HybridVersion, TransformerConfig};
pub use hybrid_model::HybridDemucsNet;
pub use model::DemucsNet;
pub use network::DemucsModel;
pub use resample_frac::ResampleFrac;
use track::WindowedMixture;
pub use training::{train, TrainConfig, ARCHITECTURE};
pub use transformer::CrossTransformer;

use crate::error::{Error, Result};
use crate::mixture_source::{InMemoryMixture, MixtureSource};

/// Samples per channel read from a [`MixtureSource`] at a time.
const READ_BLOCK: usize = 1 << 16;
use crate::traits::Separator;

/// A Demucs release ready to separate: one network or a bag of them, the
/// bag's per-source weights, and how to apply them.
///
/// # Example
///
/// ```no_run
/// use audio_models::demucs::{ApplyConfig, Demucs};
/// use audio_models::Separator;
/// use candle_core::Device;
///
/// // A single release, or a bag: `htdemucs_ft.yaml` with its four `.th` files beside it.
/// let model = Demucs::load("955717e8-8726e21a.th", ApplyConfig::default(), &Device::Cpu)?;
/// let mix = ndarray::Array2::<f32>::zeros((2, 44_100));
/// let stems = model.separate(mix.view())?;
/// assert_eq!(stems.len(), model.targets().len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Demucs {
    models: Vec<DemucsModel>,
    /// Per model, per source.
    weights: Vec<Vec<f64>>,
    apply: ApplyConfig,
}

impl Demucs {
    /// A separator over one v2 network.
    pub fn new(net: DemucsNet, apply: ApplyConfig) -> Self {
        let weights = vec![vec![1.0; net.config().sources.len()]];
        Self {
            models: vec![DemucsModel::Demucs(net)],
            weights,
            apply,
        }
    }

    /// A separator over one network of any generation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a `segment` longer than an
    /// HTDemucs was trained on (as `demucs.separate`).
    pub fn from_model(model: DemucsModel, apply: ApplyConfig) -> Result<Self> {
        let weights = vec![vec![1.0; model.sources().len()]];
        check_segment(std::slice::from_ref(&model), &apply)?;
        Ok(Self {
            models: vec![model],
            weights,
            apply,
        })
    }

    /// A bag: `weights` gives each model's weight per source (`None`: all
    /// 1); as `demucs.apply.BagOfModels`, every model must have the same
    /// sources, sample rate and channels, and a `segment` longer than a
    /// non-HTDemucs model's own replaces it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an empty bag, models that differ, a
    /// weights table of the wrong shape, or a source whose weights sum to 0.
    pub fn from_bag(
        mut models: Vec<DemucsModel>,
        weights: Option<Vec<Vec<f64>>>,
        segment: Option<(f64, Option<(i64, i64)>)>,
        apply: ApplyConfig,
    ) -> Result<Self> {
        let first = models.first().ok_or(Error::InvalidParameter {
            name: "models",
            value: "[]".into(),
            expected: "at least one model in a bag",
        })?;
        let (sources, rate, channels) = (
            first.sources().to_vec(),
            first.samplerate(),
            first.audio_channels(),
        );
        for m in &models {
            if m.sources() != sources.as_slice()
                || m.samplerate() != rate
                || m.audio_channels() != channels
            {
                return Err(Error::InvalidParameter {
                    name: "models",
                    value: format!(
                        "{:?} at {} Hz, {} channels vs {:?} at {rate} Hz, {channels} channels",
                        m.sources(),
                        m.samplerate(),
                        m.audio_channels(),
                        sources
                    ),
                    expected: "models with the same sources, sample rate and channels",
                });
            }
        }
        let weights = weights.unwrap_or_else(|| vec![vec![1.0; sources.len()]; models.len()]);
        if weights.len() != models.len() || weights.iter().any(|w| w.len() != sources.len()) {
            return Err(Error::InvalidParameter {
                name: "weights",
                value: format!("{weights:?}"),
                expected: "one row per model, one weight per source",
            });
        }
        for (k, source) in sources.iter().enumerate() {
            let total: f64 = weights.iter().map(|w| w[k]).sum();
            if total == 0.0 || !total.is_finite() {
                return Err(Error::InvalidParameter {
                    name: "weights",
                    value: format!("{source}: {total}"),
                    expected: "a non-zero, finite total weight for every source",
                });
            }
        }
        if let Some((seconds, ratio)) = segment {
            for m in &mut models {
                m.extend_segment(seconds, ratio);
            }
        }
        check_segment(&models, &apply)?;
        Ok(Self {
            models,
            weights,
            apply,
        })
    }

    /// Loads a `.th` file as the package saves it, or a bag-of-models
    /// `.yaml` whose models' `.th` files (`<sig>.th` or
    /// `<sig>-<checksum>.th`) are in the same directory.
    ///
    /// # Errors
    ///
    /// `audio_io` errors reading a file (naming it); as
    /// [`Demucs::from_th_bytes`], [`BagSpec::load`], [`Demucs::from_bag`].
    pub fn load(path: impl AsRef<Path>, apply: ApplyConfig, device: &Device) -> Result<Self> {
        let path = path.as_ref();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            return Self::load_bag(path, apply, device);
        }
        let model = load_th(path, device)?;
        Self::from_model(model, apply)
    }

    /// Loads a bag of models (`htdemucs_ft.yaml`).
    ///
    /// # Errors
    ///
    /// As [`Demucs::load`].
    pub fn load_bag(path: impl AsRef<Path>, apply: ApplyConfig, device: &Device) -> Result<Self> {
        let path = path.as_ref();
        let spec = BagSpec::load(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let models = spec
            .model_files(dir)?
            .iter()
            .map(|f| load_th(f, device))
            .collect::<Result<Vec<_>>>()?;
        Self::from_bag(
            models,
            spec.weights,
            spec.segment.map(|s| (s, spec.segment_ratio)),
            apply,
        )
    }

    /// Reads a `.th` checkpoint from memory.
    ///
    /// # Errors
    ///
    /// As [`DemucsModel::from_th_bytes`].
    pub fn from_th_bytes(bytes: &[u8], apply: ApplyConfig, device: &Device) -> Result<Self> {
        Self::from_model(DemucsModel::from_th_bytes(bytes, device)?, apply)
    }

    /// Loads a checkpoint directory that `audio train demucs` wrote
    /// (`weights.safetensors` and `checkpoint.json`, whose `architecture`
    /// holds the constructor's keywords), e.g. a run's `best/`.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for unreadable files;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// both shapes; as [`DemucsConfig::validate`].
    pub fn from_checkpoint(
        dir: impl AsRef<Path>,
        apply: ApplyConfig,
        device: &Device,
    ) -> Result<Self> {
        let dir = dir.as_ref();
        let info = crate::training::read_checkpoint_info(dir)?;
        let config: DemucsConfig =
            serde_json::from_value(info.architecture.clone()).map_err(|source| {
                Error::ModelJson {
                    path: dir.join(crate::training::SIDECAR_FILE),
                    source,
                }
            })?;
        config.validate()?;
        let weights = Weights::load(dir.join(crate::training::WEIGHTS_FILE))?;
        let net = DemucsNet::from_weights(config, &weights, device)?;
        Ok(Self::new(net, apply))
    }

    /// The first (for a single release, the only) network.
    pub fn model(&self) -> &DemucsModel {
        &self.models[0]
    }

    /// The networks of the bag.
    pub fn models(&self) -> &[DemucsModel] {
        &self.models
    }

    /// The bag's weights, per model and source.
    pub fn bag_weights(&self) -> &[Vec<f64>] {
        &self.weights
    }

    /// How the models are applied.
    pub fn apply_config(&self) -> &ApplyConfig {
        &self.apply
    }

    /// `apply_model(bag, mix)`: each model applied ([`apply_model`]), its
    /// sources weighted, and each source divided by its total weight.
    /// `mix` is the normalised mixture `(audio_channels, samples)`.
    ///
    /// # Errors
    ///
    /// As [`apply_model`].
    pub fn apply_bag(&self, mix: ArrayView2<'_, f32>) -> Result<Array3<f32>> {
        let shape = (self.models[0].sources().len(), mix.nrows(), mix.ncols());
        collect(shape, &mut self.bag_stream(Track::raw(mix))?)
    }

    /// The bag's estimates of the normalised `mix`, block by block.
    fn bag_stream<'a>(&'a self, mix: Track<'a>) -> Result<BagStream<'a>> {
        let streams = self
            .models
            .iter()
            .map(|m| -> Result<Box<dyn BlockStream + 'a>> {
                Ok(Box::new(ModelStream::seeded(m, mix, &self.apply)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let sources = self.models[0].sources().len();
        let mut totals = vec![0.0f64; sources];
        for w in &self.weights {
            for (t, v) in totals.iter_mut().zip(w) {
                *t += v;
            }
        }
        Ok(BagStream {
            models: Aligned::new(streams),
            weights: &self.weights,
            totals,
        })
    }

    /// [`Separator::separate`] with bounded memory: the estimates are handed
    /// to `sink` in order, one block per source (each `(channels, n)`), as
    /// soon as no later segment can change them. Besides the caller's
    /// mixture, peak memory is one segment's activations and about two
    /// segments of output per model and shift, whatever the track's length
    /// (the mixture is read as a [`MixtureSource`], standardised chunk by
    /// chunk; a mono mixture for a stereo model is copied to both channels
    /// chunk by chunk).
    ///
    /// # Errors
    ///
    /// As [`Separator::separate`]; the first error `sink` returns.
    pub fn separate_streaming(
        &self,
        mixture: ArrayView2<'_, f32>,
        sink: impl FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        self.separate_source(&mut InMemoryMixture::new(mixture), sink)
    }

    /// [`Demucs::separate_streaming`] of a mixture read block by block
    /// (a [`crate::mixture_source::FileMixture`] decodes a file as it goes):
    /// the same estimates, to the bit, without the mixture in memory. The
    /// source is read three times: for the mean of its channel average, for
    /// the deviation, and to separate, through a window of a few segments
    /// (`4 · segment + 2 · shift` samples, the streams' largest spread, plus
    /// one read block).
    ///
    /// # Errors
    ///
    /// As [`Demucs::separate_streaming`]; the source's own; and
    /// [`Error::ShapeMismatch`] when the source gives fewer samples than its
    /// `len`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use audio_models::demucs::{ApplyConfig, Demucs};
    /// use audio_models::mixture_source::FileMixture;
    /// use audio_models::Separator;
    ///
    /// let sep = Demucs::load("htdemucs.yaml", ApplyConfig::default(), &candle_core::Device::Cpu)?;
    /// let mut mix = FileMixture::open("song.flac", sep.sample_rate())?;
    /// sep.separate_source(&mut mix, |stems| {
    ///     println!("{} more samples of {} stems", stems[0].ncols(), stems.len());
    ///     Ok(())
    /// })?;
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn separate_source(
        &self,
        source: &mut dyn MixtureSource,
        mut sink: impl FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        self.with_source_stream(source, |stream| {
            while let Some(block) = stream.next_block()? {
                let stems: Vec<Array2<f32>> =
                    block.outer_iter().map(|source| source.to_owned()).collect();
                sink(&stems)?;
            }
            Ok(())
        })
    }

    /// Checks `source`, takes its mean and scale, and runs `f` on the bag's
    /// stream of estimates (the scaling undone) over a window of the source.
    fn with_source_stream<R>(
        &self,
        source: &mut dyn MixtureSource,
        f: impl FnOnce(&mut dyn BlockStream) -> Result<R>,
    ) -> Result<R> {
        let want = self.models[0].audio_channels();
        let have = source.channels();
        let n = source.len();
        if have != want && have != 1 {
            return Err(Error::ShapeMismatch {
                what: "Demucs mixture",
                expected: format!("(1 or {want}, samples)"),
                got: vec![have, n],
            });
        }
        if n < 2 {
            return Err(Error::ShapeMismatch {
                what: "Demucs mixture",
                expected: "at least 2 samples".into(),
                got: vec![want, n],
            });
        }
        let (mean, scale) = self.source_statistics(source, want)?;
        let apply = &self.apply;
        let keep = self
            .models
            .iter()
            .map(|m| 4 * m.segment_samples(apply.segment) + 2 * (m.samplerate() as usize / 2 + 1))
            .max()
            .unwrap_or(0);
        let window = WindowedMixture::new(source, want, keep)?;
        let mut stream = Unscaled {
            inner: self.bag_stream(Track::windowed(&window, mean, scale))?,
            mean,
            scale,
        };
        f(&mut stream)
    }

    /// `demucs.separate`'s mean and scale of a source (the mean and
    /// unbiased standard deviation of its channel average, a mono source
    /// counted as copied to every channel), in two passes, and its check
    /// for non-finite samples.
    fn source_statistics(&self, source: &mut dyn MixtureSource, want: usize) -> Result<(f32, f32)> {
        let n = source.len();
        let channels = want as f64;
        let duplicate = source.channels() != want;
        // The channel average of each sample, of the (duplicated) mixture.
        let mono = |block: &Array2<f32>, t: usize| -> f64 {
            if duplicate {
                let v = f64::from(block[[0, t]]);
                (0..want).map(|_| v).sum::<f64>() / channels
            } else {
                block.column(t).iter().map(|&v| f64::from(v)).sum::<f64>() / channels
            }
        };
        let mut first_non_finite: Vec<Option<usize>> = vec![None; want];
        let mut sum = -0.0f64;
        let mut pos = 0usize;
        source.rewind()?;
        loop {
            let block = source.read(READ_BLOCK)?;
            if block.ncols() == 0 {
                break;
            }
            for (c, first) in first_non_finite.iter_mut().enumerate() {
                let row = block.row(if duplicate { 0 } else { c });
                if first.is_none() {
                    *first = row.iter().position(|v| !v.is_finite()).map(|t| pos + t);
                }
            }
            for t in 0..block.ncols() {
                sum += mono(&block, t);
            }
            pos += block.ncols();
        }
        if pos != n {
            return Err(Error::ShapeMismatch {
                what: "Demucs mixture",
                expected: format!("{n} samples, as the source said"),
                got: vec![pos],
            });
        }
        if let Some((c, t)) = first_non_finite
            .iter()
            .enumerate()
            .find_map(|(c, f)| f.map(|t| (c, t)))
        {
            // As `apply_model`: its options are checked first.
            self.apply.validate()?;
            return Err(Error::NonFinite {
                what: "Demucs mixture",
                index: c * n + t,
            });
        }
        let mean = sum / n as f64;
        let mut squares = -0.0f64;
        source.rewind()?;
        loop {
            let block = source.read(READ_BLOCK)?;
            if block.ncols() == 0 {
                break;
            }
            for t in 0..block.ncols() {
                squares += (mono(&block, t) - mean).powi(2);
            }
        }
        let std = (squares / (n - 1) as f64).sqrt() as f32;
        let scale = if std > 0.0 && std.is_finite() {
            std
        } else {
            1.0
        };
        Ok((mean as f32, scale))
    }
}

/// A stream of estimates of the standardised mixture, scaled back
/// (`v · scale + mean`, as `demucs.separate` undoes the standardisation).
struct Unscaled<S> {
    inner: S,
    mean: f32,
    scale: f32,
}

impl<S: BlockStream> BlockStream for Unscaled<S> {
    fn next_block(&mut self) -> Result<Option<Array3<f32>>> {
        let (mean, scale) = (self.mean, self.scale);
        Ok(self
            .inner
            .next_block()?
            .map(|block| block.mapv(|v| v * scale + mean)))
    }
}

/// A bag's models run in step, weighted per source.
struct BagStream<'a> {
    models: Aligned<'a>,
    weights: &'a [Vec<f64>],
    totals: Vec<f64>,
}

impl BlockStream for BagStream<'_> {
    fn next_block(&mut self) -> Result<Option<Array3<f32>>> {
        let Some(blocks) = self.models.next_aligned()? else {
            return Ok(None);
        };
        let mut estimates: Option<Array3<f32>> = None;
        for (mut out, weights) in blocks.into_iter().zip(self.weights) {
            for (k, &w) in weights.iter().enumerate() {
                out.index_axis_mut(Axis(0), k)
                    .mapv_inplace(|v| v * w as f32);
            }
            estimates = Some(match estimates {
                Some(acc) => acc + out,
                None => out,
            });
        }
        let Some(mut estimates) = estimates else {
            return Ok(None);
        };
        for (k, &t) in self.totals.iter().enumerate() {
            estimates
                .index_axis_mut(Axis(0), k)
                .mapv_inplace(|v| v / t as f32);
        }
        Ok(Some(estimates))
    }
}

/// `demucs.separate`'s check: an HTDemucs cannot run on a segment longer
/// than the one it was trained on.
fn check_segment(models: &[DemucsModel], apply: &ApplyConfig) -> Result<()> {
    let Some(segment) = apply.segment else {
        return Ok(());
    };
    for m in models.iter().filter(|m| m.is_htdemucs()) {
        if segment > m.segment() {
            return Err(Error::InvalidParameter {
                name: "segment",
                value: format!(
                    "{segment} s (the HTDemucs was trained on {} s)",
                    m.segment()
                ),
                expected: "a segment no longer than an HTDemucs's training segment",
            });
        }
    }
    Ok(())
}

fn load_th(path: &Path, device: &Device) -> Result<DemucsModel> {
    let bytes = std::fs::read(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    DemucsModel::from_th_bytes(&bytes, device).map_err(|e| match e {
        Error::Io(io) => Error::Io(io.in_file(path)),
        other => other,
    })
}

impl Separator for Demucs {
    fn sample_rate(&self) -> u32 {
        self.models[0].samplerate()
    }

    fn targets(&self) -> Vec<String> {
        self.models[0].sources().to_vec()
    }

    /// As `demucs.separate`: a mono mixture is copied to a stereo model's
    /// channels; the mixture is standardised by its mono mean and standard
    /// deviation, [`apply_model`] runs, and the scaling is undone.
    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let shape = (
            self.models[0].sources().len(),
            self.models[0].audio_channels(),
            mixture.ncols(),
        );
        let out = self.with_source_stream(&mut InMemoryMixture::new(mixture), |stream| {
            collect(shape, stream)
        })?;
        Ok(out.outer_iter().map(|source| source.to_owned()).collect())
    }

    /// [`Demucs::separate_source`]: a window of a few segments held.
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        Demucs::separate_source(self, mixture, sink)
    }
}
