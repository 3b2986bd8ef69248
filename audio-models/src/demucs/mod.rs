//! Demucs (Défossez et al. 2019, "Music Source Separation in the Waveform
//! Domain"; seed 003), as the `demucs` 4.1.0 package runs it.
//!
//! - [`DemucsNet`]: `demucs.demucs.Demucs`, the waveform U-Net with GLU
//!   rewrites, a BLSTM, and the DConv residual branches (dilated
//!   convolutions, LocalState attention, chunked BLSTMs) of the v3 code.
//! - [`apply_model`]: `demucs.apply.apply_model`, overlapping segments with
//!   triangular transition weights, and random shifts.
//! - [`Demucs`]: a [`Separator`] loaded from a release's `.th` file
//!   ([`Demucs::load`]): the pickled dict `{klass, args, kwargs, state}`
//!   that `demucs.states.serialize_model` writes, float16 or float32. The
//!   architecture comes from the file: its `kwargs` over the constructor's
//!   defaults.
//!
//! Not yet here: `HDemucs` (v3) and `HTDemucs` (v4) checkpoints, whose
//! `klass` is refused with [`Error::InvalidParameter`] naming it, and
//! bags of models (`.yaml`).
//!
//! Parity: `tests/demucs.rs` compares with the package on a random-weight
//! release-format checkpoint (`tools/reference/demucs_fixtures.py`).

mod apply;
mod config;
mod dconv;
mod model;
mod resample_frac;
mod training;

use std::path::Path;

use audio_io::weights::{PyValue, Weights};
use candle_core::Device;
use ndarray::{Array2, ArrayView2, Axis};

pub use apply::{apply_model, apply_model_with_offsets, ApplyConfig};
pub use config::DemucsConfig;
pub use dconv::{Blstm, DConv, LocalState};
pub use model::DemucsNet;
pub use resample_frac::ResampleFrac;
pub use training::{train, TrainConfig, ARCHITECTURE};

use crate::error::{Error, Result};
use crate::traits::Separator;

/// A Demucs release ready to separate: the network and how to apply it.
///
/// # Example
///
/// ```no_run
/// use audio_models::demucs::{ApplyConfig, Demucs};
/// use audio_models::Separator;
/// use candle_core::Device;
///
/// let model = Demucs::load("demucs_small.th", ApplyConfig::default(), &Device::Cpu)?;
/// let mix = ndarray::Array2::<f32>::zeros((2, 44_100));
/// let stems = model.separate(mix.view())?;
/// assert_eq!(stems.len(), model.targets().len());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Demucs {
    net: DemucsNet,
    apply: ApplyConfig,
}

impl Demucs {
    /// A separator over `net`.
    pub fn new(net: DemucsNet, apply: ApplyConfig) -> Self {
        Self { net, apply }
    }

    /// Loads a `.th` file as the package saves it.
    ///
    /// # Errors
    ///
    /// `audio_io` errors reading the file (naming it); as
    /// [`Demucs::from_th_bytes`].
    pub fn load(path: impl AsRef<Path>, apply: ApplyConfig, device: &Device) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_th_bytes(&bytes, apply, device).map_err(|e| match e {
            Error::Io(io) => Error::Io(io.in_file(path)),
            other => other,
        })
    }

    /// Reads a `.th` checkpoint from memory.
    ///
    /// # Errors
    ///
    /// `audio_io` errors for a malformed file; [`Error::InvalidParameter`]
    /// for a file that is not a pickled dict with `klass`, `args`,
    /// `kwargs` and `state`, for a `klass` other than
    /// `demucs.demucs.Demucs`, or for bad `kwargs`;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// both shapes.
    pub fn from_th_bytes(bytes: &[u8], apply: ApplyConfig, device: &Device) -> Result<Self> {
        let (weights, object) = Weights::from_pth_bytes_with_objects(bytes)?;
        let (config, state) = read_package(&weights, &object)?;
        let net = DemucsNet::from_weights(config, &state, device)?;
        Ok(Self { net, apply })
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
        Ok(Self { net, apply })
    }

    /// The network.
    pub fn net(&self) -> &DemucsNet {
        &self.net
    }

    /// How the model is applied.
    pub fn apply_config(&self) -> &ApplyConfig {
        &self.apply
    }
}

/// The configuration and the `state.` weights of a serialized package.
fn read_package(weights: &Weights, object: &PyValue) -> Result<(DemucsConfig, Weights)> {
    let klass = object.get("klass");
    match klass {
        Some(PyValue::Global { module, name }) if module == "demucs.demucs" && name == "Demucs" => {
        }
        other => {
            return Err(Error::InvalidParameter {
                name: "klass",
                value: match other {
                    Some(PyValue::Global { module, name }) => format!("{module}.{name}"),
                    Some(v) => format!("{v:?}"),
                    None => "no `klass` entry (not a demucs package)".to_string(),
                },
                expected: "demucs.demucs.Demucs (HDemucs and HTDemucs are not supported yet)",
            })
        }
    }
    match object.get("state") {
        None => {
            return Err(Error::InvalidParameter {
                name: "state",
                value: "absent".into(),
                expected: "the model's state dict under `state`",
            })
        }
        Some(state) if state.get("__quantized").is_some() => {
            return Err(Error::InvalidParameter {
                name: "state",
                value: "__quantized".into(),
                expected: "an unquantized state (diffq checkpoints are not supported)",
            })
        }
        Some(_) => {}
    }
    let config = DemucsConfig::from_kwargs(object.get("args"), object.get("kwargs"))?;
    let state = weights.clone().strip_prefix("state.");
    Ok((config, state))
}

impl Separator for Demucs {
    fn sample_rate(&self) -> u32 {
        self.net.config().samplerate
    }

    fn targets(&self) -> Vec<String> {
        self.net.config().sources.clone()
    }

    /// As `demucs.separate`: a mono mixture is copied to a stereo model's
    /// channels; the mixture is standardised by its mono mean and standard
    /// deviation, [`apply_model`] runs, and the scaling is undone.
    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let want = self.net.config().audio_channels;
        let mix: Array2<f32> = match mixture.nrows() {
            n if n == want => mixture.to_owned(),
            1 => {
                let row = mixture.row(0);
                Array2::from_shape_fn((want, mixture.ncols()), |(_, t)| row[t])
            }
            _ => {
                return Err(Error::ShapeMismatch {
                    what: "Demucs mixture",
                    expected: format!("(1 or {want}, samples)"),
                    got: mixture.shape().to_vec(),
                })
            }
        };
        if mix.ncols() < 2 {
            return Err(Error::ShapeMismatch {
                what: "Demucs mixture",
                expected: "at least 2 samples".into(),
                got: mix.shape().to_vec(),
            });
        }
        let reference = mix.mean_axis(Axis(0)).ok_or_else(|| Error::Empty {
            what: "Demucs mixture",
        })?;
        let mean = reference.mean().unwrap_or(0.0);
        let std = reference.std(1.0);
        let scale = if std > 0.0 { std } else { 1.0 };
        let normalised = mix.mapv(|v| (v - mean) / scale);
        let out = apply_model(&self.net, normalised.view(), &self.apply)?;
        Ok(out
            .outer_iter()
            .map(|source| source.mapv(|v| v * scale + mean))
            .collect())
    }
}
