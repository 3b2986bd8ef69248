//! `openunmix.model.Separator`: STFT, one Open-Unmix model per target, the
//! multichannel Wiener filter, inverse STFT.

use std::path::{Path, PathBuf};

use audio_dsp::{IstftConfig, PadMode, Stft, StftConfig, StreamingIstft, Transform, WindowKind};
use audio_io::weights::Weights;
use candle_core::{Device, Tensor};
use ndarray::{s, Array2, Array3, ArrayView2, Axis};
use num_complex::Complex;

use super::mixture_frames::MixtureFrames;
use super::model::{OpenUnmix, OpenUnmixConfig};
use super::wiener::{wiener, WienerConfig};
use crate::mixture_source::{InMemoryMixture, MixtureSource};
use crate::target_name::check_target_name;
use crate::{Error, Result, Separator};

/// The float16 weights of the embedded small Open-Unmix (4 MB): every
/// target's tensors under `<target>.` (see
/// [`OpenUnmixSeparator::from_bundle`]). Trained by this project on its
/// rendered separation dataset; model card in the guide
/// (`docs/src/audio-models.md`, "The embedded separator").
pub static SMALL_WEIGHTS: &[u8] = include_bytes!("../../weights/open_unmix_small.safetensors");

/// The embedded model's JSON: targets, STFT and each target's shape.
pub static SMALL_CONFIG: &str = include_str!("../../weights/open_unmix_small.json");

/// The package's STFT (`openunmix.transforms`: `torch.stft` with a periodic
/// Hann window of `n_fft`, centred, reflect padding), shared by separation
/// and training.
pub(crate) fn umx_stft_config(n_fft: usize, n_hop: usize) -> StftConfig {
    StftConfig {
        n_fft,
        hop_length: Some(n_hop),
        win_length: None,
        window: WindowKind::Hann,
        center: true,
        pad_mode: PadMode::Reflect,
    }
}

/// Settings of an [`OpenUnmixSeparator`], the arguments of
/// `openunmix.model.Separator` (and `openunmix.filtering.wiener`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeparatorConfig {
    /// EM iterations of the Wiener filter (`niter`; `openunmix.utils.load_separator`'s default is 1).
    pub niter: usize,
    /// Soft-mask initial estimates (`softmask`).
    pub softmask: bool,
    /// Add a `residual` target, the mixture minus the other estimates (`residual`).
    pub residual: bool,
    /// Frames per independent Wiener block (`wiener_win_len`, default 300);
    /// `None` filters the whole track at once.
    pub wiener_win_len: Option<usize>,
    /// FFT size (`n_fft`, 4096).
    pub n_fft: usize,
    /// Hop size (`n_hop`, 1024).
    pub n_hop: usize,
    /// Sample rate of the models (`sample_rate`, 44100).
    pub sample_rate: u32,
    /// Scale factor of the Wiener filter (`scale_factor`, 10).
    pub scale_factor: f64,
    /// Regularisation of the Wiener filter (`eps`, `1e-10`).
    pub eps: f64,
}

impl Default for SeparatorConfig {
    fn default() -> Self {
        Self {
            niter: 1,
            softmask: false,
            residual: false,
            wiener_win_len: Some(300),
            n_fft: 4096,
            n_hop: 1024,
            sample_rate: 44_100,
            scale_factor: 10.0,
            eps: 1e-10,
        }
    }
}

impl SeparatorConfig {
    fn wiener(&self) -> WienerConfig {
        WienerConfig {
            niter: self.niter,
            softmask: self.softmask,
            residual: self.residual,
            scale_factor: self.scale_factor,
            eps: self.eps,
        }
    }
}

/// Open-Unmix separation, `openunmix.model.Separator.forward` on one track.
///
/// 1. `X = stft(x)`: `n_fft` 4096, hop 1024, periodic Hann window, centred
///    with reflect padding (`torch.stft(center=True, pad_mode="reflect")`);
/// 2. `S_j = model_j(|X|)` (for a mono model, `|X|` averaged over channels);
/// 3. `Y = wiener(S, X)` on blocks of `wiener_win_len` frames ([`wiener`]);
/// 4. `y_j = istft(Y_j, length = len(x))`.
///
/// A mono mixture given to a stereo model is duplicated to two channels (as
/// `openunmix.utils.preprocess`), so its estimates are stereo.
///
/// # Shapes
///
/// `(channels, samples)` → one `(channels', samples)` per target
/// ([`Separator::targets`] order; `residual` last when enabled).
///
/// # Example
///
/// ```
/// use audio_models::open_unmix::{OpenUnmix, OpenUnmixConfig, OpenUnmixSeparator, SeparatorConfig};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
/// let config = OpenUnmixConfig { nb_bins: 257, nb_channels: 2, hidden_size: 8, nb_layers: 1,
///     unidirectional: false, max_bin: Some(64) };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let bass = OpenUnmix::new(config, vb)?;
/// let sep = OpenUnmixSeparator::new(vec![("bass".into(), bass)],
///     SeparatorConfig { n_fft: 512, n_hop: 128, niter: 1, residual: true, ..SeparatorConfig::default() })?;
/// let mix = ndarray::Array2::from_shape_fn((2, 4000), |(c, n)| ((n + c) as f32 * 0.01).sin());
/// let est = sep.separate(mix.view())?;
/// assert_eq!(sep.targets(), ["bass", "residual"]);
/// assert_eq!(est[0].dim(), (2, 4000));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OpenUnmixSeparator {
    models: Vec<(String, OpenUnmix)>,
    config: SeparatorConfig,
    stft: Stft<f32>,
    nb_channels: usize,
}

/// The four targets of the official models, in their usual order.
pub const MUSDB_TARGETS: [&str; 4] = ["vocals", "drums", "bass", "other"];

impl OpenUnmixSeparator {
    /// A separator over the `(target name, model)` pairs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no models, a target name that is not
    /// a plain file stem (see [`OpenUnmixSeparator::from_dir`]), models of different channel
    /// counts, models whose `nb_bins` is not `n_fft / 2 + 1`, EM with a single
    /// source, or a zero `wiener_win_len`; `audio_dsp` errors for a bad
    /// `n_fft`/`n_hop`.
    pub fn new(models: Vec<(String, OpenUnmix)>, config: SeparatorConfig) -> Result<Self> {
        let Some((_, first)) = models.first() else {
            return Err(Error::InvalidParameter {
                name: "targets",
                value: "[]".into(),
                expected: "at least one target model",
            });
        };
        let nb_channels = first.config().nb_channels;
        let nb_bins = config.n_fft / 2 + 1;
        for (name, m) in &models {
            check_target_name(name)?;
            if m.config().nb_channels != nb_channels {
                return Err(Error::InvalidParameter {
                    name: "nb_channels",
                    value: format!("{name}: {}", m.config().nb_channels),
                    expected: "the same channel count for every target model",
                });
            }
            if m.config().nb_bins != nb_bins {
                return Err(Error::InvalidParameter {
                    name: "nb_bins",
                    value: format!("{name}: {}", m.config().nb_bins),
                    expected: "n_fft / 2 + 1 for every target model",
                });
            }
        }
        if config.niter > 0 && models.len() + usize::from(config.residual) < 2 {
            return Err(Error::InvalidParameter {
                name: "niter",
                value: config.niter.to_string(),
                expected: "0 with a single target (EM needs two targets, or one and `residual`)",
            });
        }
        if config.wiener_win_len == Some(0) {
            return Err(Error::InvalidParameter {
                name: "wiener_win_len",
                value: "0".into(),
                expected: "None or > 0",
            });
        }
        let stft = Stft::new(umx_stft_config(config.n_fft, config.n_hop))?;
        Ok(Self {
            models,
            config,
            stft,
            nb_channels,
        })
    }

    /// Loads the models of `targets` from a model directory, the layout
    /// `openunmix.utils.load_separator` reads: per target `<target>.pth` or
    /// `<target>-<hash>.pth` (the Zenodo names, e.g. `vocals-b62c91ce.pth`) or
    /// `<target>.safetensors`, optionally `<target>.json` (`args.nfft`,
    /// `args.nhop`, `args.hidden_size`, `args.nb_channels`) and
    /// `separator.json` (`sample_rate`, `nfft`, `nhop`). Shapes not in the JSON
    /// are read from the weights ([`OpenUnmixConfig::infer`]); the JSON values
    /// are then checked against the weights. `targets = None` takes the
    /// `targets` list of `separator.json` if it has one, else the MUSDB
    /// targets (`vocals`, `drums`, `bass`, `other`) found in `dir`, else
    /// every weight file's stem.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a target name (given or listed in
    /// `separator.json`) that is not a plain file stem of at most 64 ASCII
    /// letters, digits, `_`, `-` or `.` not starting with `.` (it names
    /// files: `<target>.pth` here, `<target>.wav` in `audio separate`);
    /// [`Error::ModelNotFound`] for a target without a weight file;
    /// [`Error::File`] for an unreadable file or directory, [`Error::ModelJson`]
    /// for malformed JSON;
    /// [`Error::WeightShape`] / [`Error::MissingKey`] naming the key and
    /// shapes (e.g. a `hidden_size` in the JSON that the weights do not have);
    /// as [`OpenUnmixSeparator::new`].
    pub fn from_dir(
        dir: impl AsRef<Path>,
        targets: Option<&[String]>,
        mut config: SeparatorConfig,
        device: &Device,
    ) -> Result<Self> {
        let dir = dir.as_ref();
        let sep_json = read_json(&dir.join("separator.json"))?;
        let listed: Option<Vec<String>> = sep_json
            .as_ref()
            .and_then(|j| j.get("targets"))
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
        let targets: Vec<String> = match (targets, listed) {
            (Some(t), _) => t.to_vec(),
            (None, Some(l)) if !l.is_empty() => l,
            (None, _) => available_targets(dir)?,
        };
        if let Some(sep) = &sep_json {
            apply_separator_json(sep, &mut config);
        }
        let mut models = Vec::with_capacity(targets.len());
        for target in &targets {
            check_target_name(target)?;
            let path = weight_file(dir, target)?;
            let weights = Weights::load(&path)?;
            let json = read_json(&dir.join(format!("{target}.json")))?;
            let args = json.as_ref().map(|j| j.get("args").unwrap_or(j));
            models.push((
                target.clone(),
                target_model(&weights, args, &mut config, device)?,
            ));
        }
        Self::new(models, config)
    }

    /// Loads a bundle: one safetensors file holding every target's weights
    /// under `<target>.` (any float dtype; the embedded model's are
    /// float16) and one JSON object with `targets`, optional `sample_rate`,
    /// `nfft`, `nhop` and `args.<target>` (as `<target>.json`'s `args` in a
    /// model directory). `examples/umx_bundle.rs` writes one from a model
    /// directory.
    ///
    /// # Errors
    ///
    /// [`Error::ModelJson`] for malformed JSON (named `bundle.json`);
    /// [`Error::InvalidParameter`] for a bad target name or a bundle
    /// without targets; as [`OpenUnmixSeparator::from_dir`].
    pub fn from_bundle(
        weights: &[u8],
        json: &str,
        targets: Option<&[String]>,
        mut config: SeparatorConfig,
        device: &Device,
    ) -> Result<Self> {
        let bundle: serde_json::Value =
            serde_json::from_str(json).map_err(|source| Error::ModelJson {
                path: PathBuf::from("bundle.json"),
                source,
            })?;
        apply_separator_json(&bundle, &mut config);
        let listed: Vec<String> = bundle
            .get("targets")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let targets: Vec<String> = targets.map_or(listed, <[String]>::to_vec);
        if targets.is_empty() {
            return Err(Error::InvalidParameter {
                name: "targets",
                value: "[]".into(),
                expected: "at least one target of the bundle",
            });
        }
        let all = Weights::from_safetensors_bytes(weights)?;
        let mut models = Vec::with_capacity(targets.len());
        for target in &targets {
            check_target_name(target)?;
            let w = all.clone().strip_prefix(&format!("{target}."));
            if w.is_empty() {
                return Err(Error::ModelNotFound {
                    dir: PathBuf::from("bundle"),
                    target: target.clone(),
                });
            }
            let args = bundle.get("args").and_then(|a| a.get(target));
            models.push((target.clone(), target_model(&w, args, &mut config, device)?));
        }
        Self::new(models, config)
    }

    /// The separator embedded in the crate ([`SMALL_WEIGHTS`],
    /// [`SMALL_CONFIG`]): a small Open-Unmix trained on this project's
    /// rendered separation dataset (synthetic FluidSynth renders of Bach
    /// chorales and generated songs; see the model card in the guide). It
    /// runs with no download; official checkpoints separate real music far
    /// better.
    ///
    /// # Errors
    ///
    /// As [`OpenUnmixSeparator::from_bundle`].
    pub fn embedded(
        targets: Option<&[String]>,
        config: SeparatorConfig,
        device: &Device,
    ) -> Result<Self> {
        Self::from_bundle(SMALL_WEIGHTS, SMALL_CONFIG, targets, config, device)
    }

    /// The configuration.
    pub fn config(&self) -> &SeparatorConfig {
        &self.config
    }

    /// The `(target, model)` pairs.
    pub fn models(&self) -> &[(String, OpenUnmix)] {
        &self.models
    }

    /// Channels of the estimates for a mixture of `channels` channels.
    pub fn output_channels(&self, channels: usize) -> usize {
        if channels == 1 && self.nb_channels == 2 {
            2
        } else {
            channels
        }
    }

    /// The smallest mixture the STFT's reflect padding accepts: `n_fft / 2 + 1` samples.
    pub fn min_samples(&self) -> usize {
        self.config.n_fft / 2 + 1
    }

    /// The complex STFT of the targets (and residual), before the inverse
    /// STFT: one `(channels, bins, frames)` array per source.
    ///
    /// # Errors
    ///
    /// As [`Separator::separate`].
    ///
    /// # Shapes
    ///
    /// `(channels, samples)` → per source `(channels', n_fft/2 + 1, frames)`.
    pub fn separate_stft(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array3<Complex<f32>>>> {
        let audio = self.prepare(mixture)?;
        let mix = self.stft.process_multichannel(audio.view())?;
        let (channels, bins, frames) = mix.dim();
        // Model input: magnitudes, averaged over channels for a mono model.
        let mag = mix.mapv(|z| z.norm());
        let mag = if self.nb_channels == 1 && channels > 1 {
            mag.mean_axis(Axis(0))
                .ok_or(Error::ShapeMismatch {
                    what: "mixture",
                    expected: "at least one channel".into(),
                    got: vec![channels],
                })?
                .insert_axis(Axis(0))
        } else {
            mag
        };
        let mc = mag.dim().0;
        let data: Vec<f32> = mag.iter().copied().collect();
        let input = Tensor::from_vec(data, (1, mc, bins, frames), &Device::Cpu)?;
        let mut spectrograms = Vec::with_capacity(self.models.len());
        for (_, m) in &self.models {
            let input = input.to_device(m.device())?;
            let y = m.forward(&input)?.to_device(&Device::Cpu)?;
            let v: Vec<f32> = y.flatten_all()?.to_vec1()?;
            spectrograms.push(Array3::from_shape_vec((mc, bins, frames), v).map_err(|_| {
                Error::ShapeMismatch {
                    what: "model output",
                    expected: format!("({mc}, {bins}, {frames})"),
                    got: y.dims().to_vec(),
                }
            })?);
        }
        let n_sources = self.models.len() + usize::from(self.config.residual);
        let mut out: Vec<Array3<Complex<f32>>> = (0..n_sources)
            .map(|_| Array3::zeros((channels, bins, frames)))
            .collect();
        let win = self.config.wiener_win_len.unwrap_or(frames).max(1);
        let wc = self.config.wiener();
        let mut pos = 0;
        while pos < frames {
            let end = (pos + win).min(frames);
            let specs: Vec<_> = spectrograms
                .iter()
                .map(|s| s.slice(s![.., .., pos..end]))
                .collect();
            let mut outs: Vec<_> = out
                .iter_mut()
                .map(|o| o.slice_mut(s![.., .., pos..end]))
                .collect();
            wiener(&specs, mix.slice(s![.., .., pos..end]), &wc, &mut outs)?;
            pos = end;
        }
        Ok(out)
    }

    /// The exact whole-track separation, in blocks: the mixture's STFT,
    /// each model's encoder and BiLSTM over the whole track (kept as
    /// `frames × hidden_size` states, [`OpenUnmix::encode_track`]), then,
    /// per block of `wiener_win_len` frames, the models' decoders, the
    /// Wiener filter and a streaming inverse STFT. `sink` receives, in
    /// order, one `(channels, n)` block per source ([`Separator::targets`]'s
    /// order); concatenated they are [`Separator::separate`]'s output.
    ///
    /// Memory: for the whole track only each model's recurrent states
    /// (`frames × hidden_size` floats, twice: about 53 MB per umxhq-sized
    /// target for 10 minutes at 44.1 kHz), and one block of everything
    /// else. The mixture's STFT is recomputed block by block for each pass
    /// (once per model's encoder, once for the decoders and the Wiener
    /// filter: bit-identical frames from a streaming STFT) instead of held
    /// (0.85 GB for 10 minutes of stereo at `n_fft` 4096). With
    /// `wiener_win_len = None` the Wiener filter sees the whole track in
    /// one block.
    ///
    /// # Errors
    ///
    /// As [`Separator::separate`]; `sink`'s errors.
    pub fn separate_blocks(
        &self,
        mixture: ArrayView2<'_, f32>,
        sink: impl FnMut(Vec<Array2<f32>>) -> Result<()>,
    ) -> Result<()> {
        self.check_mixture(mixture)?;
        self.separate_source(&mut InMemoryMixture::new(mixture), sink)
    }

    /// [`OpenUnmixSeparator::separate_blocks`] on a [`MixtureSource`] read
    /// once per model and once more for the Wiener filter, so that a file
    /// ([`super::FileMixture`]) is never held whole: only the recurrent
    /// states grow with the track. The output is the same as from the
    /// samples in memory.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for other than 1 or 2 channels or fewer
    /// than [`OpenUnmixSeparator::min_samples`] samples;
    /// [`Error::NonFinite`] for a NaN or infinite sample (its index within
    /// its block); the source's and `sink`'s errors; as
    /// [`Separator::separate`].
    pub fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        mut sink: impl FnMut(Vec<Array2<f32>>) -> Result<()>,
    ) -> Result<()> {
        let samples = mixture.len();
        if !(1..=2).contains(&mixture.channels()) || samples < self.min_samples() {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("(1 or 2 channels, at least {} samples)", self.min_samples()),
                got: vec![mixture.channels(), samples],
            });
        }
        let channels = self.output_channels(mixture.channels());
        let stft_config = self.stft.config().clone();
        let frames = self.stft.output_shape(samples)?[1];
        let bins = self.config.n_fft / 2 + 1;
        let win = self.config.wiener_win_len.unwrap_or(frames).max(1);
        let mono_model = self.nb_channels == 1 && channels > 1;
        let mc = if mono_model { 1 } else { channels };
        // Model input for a block of mixture frames: magnitudes, averaged
        // over channels for a mono model.
        let magnitudes = |block: &Array3<Complex<f32>>, device: &Device| -> Result<Tensor> {
            let len = block.dim().2;
            let block = block.mapv(|z| z.norm());
            let block = if mono_model {
                block
                    .mean_axis(Axis(0))
                    .ok_or(Error::ShapeMismatch {
                        what: "mixture",
                        expected: "at least one channel".into(),
                        got: vec![channels],
                    })?
                    .insert_axis(Axis(0))
            } else {
                block
            };
            let data: Vec<f32> = block.iter().copied().collect();
            Ok(Tensor::from_vec(data, (1, mc, bins, len), device)?)
        };
        // The mixture's STFT is computed block by block as each pass needs
        // it (once per model for the encoders, once for the decoders and
        // the Wiener filter), never held for the whole track.
        let states = self
            .models
            .iter()
            .map(|(_, m)| {
                let mut mix = MixtureFrames::new(&mut *mixture, &stft_config, channels)?;
                m.encode_track(frames, win, |_, len| {
                    magnitudes(&mix.next(len)?, m.device())
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut mix = MixtureFrames::new(mixture, &stft_config, channels)?;
        let n_sources = self.models.len() + usize::from(self.config.residual);
        let istft_config = IstftConfig {
            n_fft: self.config.n_fft,
            hop_length: Some(self.config.n_hop),
            win_length: None,
            window: WindowKind::Hann,
            center: true,
        };
        let mut streams = (0..n_sources * channels)
            .map(|_| StreamingIstft::<f32>::new(istft_config.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let wc = self.config.wiener();
        let mut emitted = 0;
        let mut emit = |pieces: Vec<Vec<f32>>, emitted: &mut usize| -> Result<()> {
            let n = pieces.first().map_or(0, Vec::len).min(samples - *emitted);
            if n == 0 {
                return Ok(());
            }
            let blocks = pieces
                .chunks(channels)
                .map(|chs| Array2::from_shape_fn((channels, n), |(c, t)| chs[c][t]))
                .collect();
            *emitted += n;
            sink(blocks)
        };
        let mut pos = 0;
        while pos < frames {
            let end = (pos + win).min(frames);
            let len = end - pos;
            let block = mix.next(len)?;
            let mut specs = Vec::with_capacity(self.models.len());
            for ((_, m), state) in self.models.iter().zip(&states) {
                let y = m
                    .decode_frames(state, pos, &magnitudes(&block, m.device())?)?
                    .to_device(&Device::Cpu)?;
                let v: Vec<f32> = y.flatten_all()?.to_vec1()?;
                specs.push(Array3::from_shape_vec((mc, bins, len), v).map_err(|_| {
                    Error::ShapeMismatch {
                        what: "model output",
                        expected: format!("({mc}, {bins}, {len})"),
                        got: y.dims().to_vec(),
                    }
                })?);
            }
            let mut outs: Vec<Array3<Complex<f32>>> = (0..n_sources)
                .map(|_| Array3::zeros((channels, bins, len)))
                .collect();
            {
                let views: Vec<_> = specs.iter().map(|a| a.view()).collect();
                let mut out_views: Vec<_> = outs.iter_mut().map(|a| a.view_mut()).collect();
                wiener(&views, block.view(), &wc, &mut out_views)?;
            }
            let mut pieces = Vec::with_capacity(n_sources * channels);
            for (j, o) in outs.iter().enumerate() {
                for c in 0..channels {
                    pieces.push(streams[j * channels + c].push(o.slice(s![c, .., ..]))?);
                }
            }
            emit(pieces, &mut emitted)?;
            pos = end;
        }
        let tails: Vec<Vec<f32>> = streams
            .iter_mut()
            .map(StreamingIstft::finish_keeping_padding)
            .collect();
        emit(tails, &mut emitted)?;
        if emitted < samples {
            // Past the last frame's reach, as `Istft::process` with a
            // `length` zero-pads.
            let rest = samples - emitted;
            emit(vec![vec![0f32; rest]; n_sources * channels], &mut emitted)?;
        }
        Ok(())
    }

    /// The checks of [`Separator::separate`] on a mixture: 1 or 2 channels,
    /// at least [`OpenUnmixSeparator::min_samples`] samples, finite.
    fn check_mixture(&self, mixture: ArrayView2<'_, f32>) -> Result<()> {
        let (channels, samples) = mixture.dim();
        if !(1..=2).contains(&channels) || samples < self.min_samples() {
            return Err(Error::ShapeMismatch {
                what: "mixture",
                expected: format!("(1 or 2 channels, at least {} samples)", self.min_samples()),
                got: vec![channels, samples],
            });
        }
        if let Some(index) = mixture.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "mixture",
                index,
            });
        }
        Ok(())
    }

    fn prepare(&self, mixture: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        self.check_mixture(mixture)?;
        let (channels, samples) = mixture.dim();
        Ok(if channels == 1 && self.nb_channels == 2 {
            ndarray::concatenate(Axis(0), &[mixture, mixture]).map_err(|_| {
                Error::ShapeMismatch {
                    what: "mixture",
                    expected: "(1, samples)".into(),
                    got: vec![channels, samples],
                }
            })?
        } else {
            mixture.to_owned()
        })
    }
}

impl Separator for OpenUnmixSeparator {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    fn targets(&self) -> Vec<String> {
        let mut t: Vec<String> = self.models.iter().map(|(n, _)| n.clone()).collect();
        if self.config.residual {
            t.push("residual".into());
        }
        t
    }

    /// The exact whole-track path: the models see the whole track
    /// ([`OpenUnmixSeparator::separate_blocks`], collected).
    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let mut parts: Vec<Vec<Array2<f32>>> = Vec::new();
        self.separate_blocks(mixture, |blocks| {
            parts.push(blocks);
            Ok(())
        })?;
        let n_sources = self.targets().len();
        (0..n_sources)
            .map(|j| {
                let views: Vec<_> = parts.iter().map(|p| p[j].view()).collect();
                ndarray::concatenate(Axis(1), &views).map_err(|_| Error::ShapeMismatch {
                    what: "separated blocks",
                    expected: "blocks of one channel count".into(),
                    got: vec![views.len()],
                })
            })
            .collect()
    }

    /// [`OpenUnmixSeparator::separate_source`]: the exact path, the
    /// BiLSTM's per-frame state held.
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        OpenUnmixSeparator::separate_source(self, mixture, |blocks| sink(&blocks))
    }
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| Error::ModelJson {
            path: path.to_path_buf(),
            source,
        })
}

/// `<target>.safetensors`, `<target>.pth`, or the first `<target>-*.pth`.
fn weight_file(dir: &Path, target: &str) -> Result<PathBuf> {
    for name in [format!("{target}.safetensors"), format!("{target}.pth")] {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    let mut hashed: Vec<PathBuf> = list_dir(dir)?
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{target}-")) && n.ends_with(".pth"))
        })
        .collect();
    hashed.sort();
    hashed
        .into_iter()
        .next()
        .ok_or_else(|| Error::ModelNotFound {
            dir: dir.to_path_buf(),
            target: target.to_string(),
        })
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::File {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
}

/// The targets with a weight file in `dir`: the MUSDB ones in their order,
/// else every `.pth`/`.safetensors` stem (before any `-hash`), sorted.
fn available_targets(dir: &Path) -> Result<Vec<String>> {
    let mut stems: Vec<String> = list_dir(dir)?
        .iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "pth" || e == "safetensors")
        })
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()))
        .map(|s| s.split('-').next().unwrap_or(s).to_string())
        .collect();
    stems.sort();
    stems.dedup();
    let musdb: Vec<String> = MUSDB_TARGETS
        .iter()
        .filter(|t| stems.iter().any(|s| s == *t))
        .map(|t| (*t).to_string())
        .collect();
    let found = if musdb.is_empty() { stems } else { musdb };
    if found.is_empty() {
        return Err(Error::ModelNotFound {
            dir: dir.to_path_buf(),
            target: "*".into(),
        });
    }
    Ok(found)
}

/// `sample_rate`, `nfft` and `nhop` of a `separator.json` (or a bundle's
/// JSON) into `config`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "rates and FFT sizes from a model's JSON; the separator validates them"
)]
fn apply_separator_json(sep: &serde_json::Value, config: &mut SeparatorConfig) {
    if let Some(v) = sep.get("sample_rate").and_then(serde_json::Value::as_f64) {
        config.sample_rate = v as u32;
    }
    if let Some(v) = sep.get("nfft").and_then(serde_json::Value::as_u64) {
        config.n_fft = v as usize;
    }
    if let Some(v) = sep.get("nhop").and_then(serde_json::Value::as_u64) {
        config.n_hop = v as usize;
    }
}

/// One target's model: the shape read from its weights
/// ([`OpenUnmixConfig::infer`]), then its JSON `args` (`hidden_size`,
/// `nb_channels`, `nfft`, `nhop`, `unidirectional`), which also set the
/// separator's STFT; the JSON values are checked against the weights.
#[allow(
    clippy::cast_possible_truncation,
    reason = "sizes from a model's JSON, checked against the weights' shapes"
)]
fn target_model(
    weights: &Weights,
    args: Option<&serde_json::Value>,
    config: &mut SeparatorConfig,
    device: &Device,
) -> Result<OpenUnmix> {
    let mut mc = OpenUnmixConfig::infer(weights)?;
    if let Some(args) = args {
        let get = |k: &str| args.get(k).and_then(serde_json::Value::as_u64);
        if let Some(h) = get("hidden_size") {
            mc.hidden_size = h as usize;
        }
        if let Some(c) = get("nb_channels") {
            mc.nb_channels = c as usize;
        }
        if let Some(n) = get("nfft") {
            mc.nb_bins = n as usize / 2 + 1;
            config.n_fft = n as usize;
        }
        if let Some(n) = get("nhop") {
            config.n_hop = n as usize;
        }
        if let Some(u) = args
            .get("unidirectional")
            .and_then(serde_json::Value::as_bool)
        {
            mc.unidirectional = u;
        }
    }
    OpenUnmix::from_weights(mc, weights, device)
}
